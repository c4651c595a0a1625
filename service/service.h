/* tenderd, the payments service: what its modules share.
 *
 * A few I/O threads, each with its own SoupServer on the same address,
 * read requests; each request that reaches a route is answered on a worker
 * thread (the host API blocks on plugins and the ledger), then handed back
 * to its I/O thread to be sent. A ServiceRequest is built on the I/O thread
 * and then belongs to the worker; it never touches the SoupServerMessage.
 * The main thread handles signals and the drain. */
#ifndef TENDER_SERVICE_SERVICE_H
#define TENDER_SERVICE_SERVICE_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

typedef struct ServiceMetrics ServiceMetrics;
typedef struct IdempotencyStore IdempotencyStore;
typedef struct ServiceKeyCache ServiceKeyCache;

/* The process's service: created once in tenderd.c. */
typedef struct {
    TenderHost *host;
    ServiceMetrics *metrics;
    IdempotencyStore *idempotency;
    ServiceKeyCache *keys; /* verified API keys, briefly (auth.c) */
    gint64 max_body_bytes;
    guint max_headers;
    gint64 client_timeout_ms;
    guint max_in_flight;
    double time_scale; /* outbox retry delays are divided by it (tests) */
} Service;

/* What a route needs. */
typedef enum {
    ROUTE_PUBLIC, /* no key (health, metrics, the document, provider webhooks) */
    ROUTE_READ,   /* any valid key */
    ROUTE_WRITE   /* a write key: the route moves money or changes a payment */
} RouteAccess;

typedef struct {
    char *method; /* "GET", "POST" */
    char *path;
    GHashTable *query;  /* name -> value, may be NULL */
    GPtrArray *headers; /* tender_param*, in the order received (names as sent) */
    GBytes *body;
    char *request_id;
    const char *route; /* the route's pattern, for metrics and logs */
    char *path_arg;    /* the {id} or {method} of the path, or NULL */
    TenderApiKey *key; /* set once authenticated */
} ServiceRequest;

/* The value of header name (case-insensitive), or NULL. */
const char *service_request_header(const ServiceRequest *r, const char *name);

typedef struct {
    guint status;
    char *content_type; /* NULL: application/json */
    GBytes *body;
    GPtrArray *headers; /* char* pairs: name, value, name, value… */
    gboolean replayed;  /* an idempotent replay */
    char *error_type;   /* for logs: the envelope's type when an error */
} ServiceResponse;

void service_response_clear(ServiceResponse *r);
void service_response_add_header(ServiceResponse *r, const char *name, const char *value);
/* A JSON document as the body (node consumed). */
void service_response_json(ServiceResponse *r, guint status, JsonNode *node);
/* A payment as the body, written as text (tender_json_payment_text): the
 * same bytes as service_response_json() of tender_json_payment(p), without
 * the tree, for the answers every payment request gets. */
void service_response_payment(ServiceResponse *r, guint status, const TenderPayment *p);

/* ---- errors (errors.c) -------------------------------------------------------- */

/* The one error envelope: {"error": {"type", "code", "message", "param"}}
 * (param null when it names no field), with extra members when given
 * (extra consumed; may be NULL). */
void service_error(ServiceResponse *r, guint status, const char *type, const char *code,
                   const char *message, const char *param, JsonObject *extra);
/* The envelope and status a host error means (docs/service.md); param
 * names the field the error is about when the route knows it. */
void service_error_from_gerror(ServiceResponse *r, const GError *error, const char *param);
/* 402 for a declined payment: the decline's code, whether a retry can help,
 * the advice for the buyer, and the payment itself. */
void service_error_declined(ServiceResponse *r, const TenderPayment *p);

/* ---- request bodies (json-input.c) --------------------------------------------- */

typedef enum {
    FIELD_STRING,
    FIELD_BOOLEAN,
    FIELD_STRING_MAP /* an object of strings: method parameters */
} FieldType;

typedef struct {
    const char *name;
    FieldType type;
    gboolean required;
} FieldSpec;

/* Parse body as one JSON object holding only the fields of specs (NULL-
 * name terminated), each of its type; an empty body is an empty object.
 * Returns the object (unref it) or NULL after writing the 400 envelope with
 * param naming the field (malformed JSON: param null). */
JsonObject *service_parse_body(const ServiceRequest *req, const FieldSpec *specs,
                               ServiceResponse *resp);
/* A string field, or NULL when absent. */
const char *service_field_string(JsonObject *obj, const char *name);

/* ---- routes ---------------------------------------------------------------------- */

typedef void (*RouteHandler)(Service *svc, ServiceRequest *req, ServiceResponse *resp);

typedef struct {
    const char *method;
    const char *pattern; /* "/v1/payments/{id}/capture": at most one {…} */
    RouteAccess access;
    gboolean idempotent; /* a POST replayed by its Idempotency-Key */
    RouteHandler handler;
} Route;

/* Every route (routes.c), NULL-pattern terminated. */
extern const Route service_routes[];

/* The route for method and path: *path_arg_out is the {…} part (newly
 * allocated). NULL when none; *method_mismatch TRUE when the path is a
 * route's but the method is not. */
const Route *service_route_find(const char *method, const char *path, char **path_arg_out,
                                gboolean *method_mismatch);

/* Handlers. */
void routes_quotes(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_methods(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_plugins(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_limits(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_create(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_get(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_list(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_capture(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_void(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_refund(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_reauthorize(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_complete(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_payment_sync(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_webhook(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_healthz(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_readyz(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_metrics(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_openapi(Service *svc, ServiceRequest *req, ServiceResponse *resp);

/* ---- auth (auth.c) ------------------------------------------------------------------ */

/* Check the request's bearer key against access: TRUE (req->key set) or
 * FALSE with the 401/403 envelope written. */
gboolean service_authenticate(Service *svc, ServiceRequest *req, RouteAccess access,
                              ServiceResponse *resp);
/* The keys verified in the last second (thread-safe): a key revoked in the
 * ledger stops working within that second. */
ServiceKeyCache *auth_key_cache_new(void);
void auth_key_cache_free(ServiceKeyCache *cache);

/* ---- idempotency (idempotency.c) ------------------------------------------------------ */

IdempotencyStore *idempotency_store_new(void);
void idempotency_store_free(IdempotencyStore *store);
/* Run handler for req under its Idempotency-Key: the first request with a
 * key runs it and its response is kept; a later one with the same key and
 * the same method, path and body gets that response again (replayed); with
 * different ones, 409 idempotency_error. A request arriving while the first
 * is running waits for it. Without a key the handler simply runs. */
void idempotency_run(Service *svc, const Route *route, ServiceRequest *req, ServiceResponse *resp);

/* ---- metrics (metrics.c) ------------------------------------------------------------------- */

ServiceMetrics *metrics_new(void);
void metrics_free(ServiceMetrics *m);
void metrics_count_request(ServiceMetrics *m, const char *route, guint status);
void metrics_count_payment(ServiceMetrics *m, const char *method, const char *outcome);
void metrics_observe_call(ServiceMetrics *m, const char *method, const char *operation,
                          double seconds);
void metrics_count_replay(ServiceMetrics *m);
void metrics_count_delivery(ServiceMetrics *m, const char *outcome);
/* The Prometheus text exposition of everything counted, with the outbox
 * depth read from the ledger. Newly allocated. */
char *metrics_render(ServiceMetrics *m, TenderHost *host);

/* ---- the outbox (outbox.c) ------------------------------------------------------------------- */

/* Start delivering the ledger's outbox on a thread of its own; stopped and
 * joined by outbox_stop. */
typedef struct Outbox Outbox;
Outbox *outbox_start(Service *svc);
void outbox_stop(Outbox *outbox);
/* Wake the outbox to look for due deliveries now (after a state change). */
void outbox_poke(Outbox *outbox);

/* ---- the HTTP server (server.c) ------------------------------------------------------------ */

typedef struct ServiceServer ServiceServer;

/* A server for svc. Its I/O threads start once it listens. */
ServiceServer *service_server_new(Service *svc);
/* Listen on "ADDR:PORT" (port 0: ephemeral), one socket per I/O thread
 * sharing the port (SO_REUSEPORT), and start the I/O threads;
 * *base_url_out is the URL it answers at ("http://127.0.0.1:40123", newly
 * allocated). */
gboolean service_server_listen(ServiceServer *server, const char *listen, char **base_url_out,
                               GError **error);
/* From the main thread: stop listening (a new connection is refused),
 * answer each request that comes on a connection already open 503 with
 * Connection: close, and quit loop once every request in flight is
 * answered, or after deadline_ms at the latest. */
void service_server_drain(ServiceServer *server, GMainLoop *loop, gint64 deadline_ms);
void service_server_free(ServiceServer *server);

/* ---- logs (log.c) ----------------------------------------------------------------------------- */

/* One JSON line on stderr: time, level, msg, then the fields (name, value
 * string pairs, NULL-terminated; a NULL value is left out). Thread-safe. */
void service_log(const char *level, const char *msg, ...) G_GNUC_NULL_TERMINATED;
/* The same with the fields in a JsonObject (consumed). */
void service_log_object(const char *level, const char *msg, JsonObject *fields);

G_END_DECLS

#endif
