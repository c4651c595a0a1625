/* See services-http.h. */
#include "services-http.h"

#include <stddef.h>
#include <string.h>

#include "engine-private.h"
#include "http-allow.h"
#include "http-client.h"
#include "http-metrics.h"
#include "http-tls-identity.h"
#include "http-trace.h"

/* A call outside any plugin operation (create) gets this much time. */
#define HTTP_BUDGET_OUTSIDE_CALL_MS 10000

/* A response the host holds for the plugin: the client's answer and the
 * header array lent in the ABI's shape. */
typedef struct {
    TenderHttpClientResponse *response;
    tender_http_header *headers;
} HeldResponse;

/* Thread-local, like the call's secrets: the plugin calls the service from
 * the thread the host called it on. */
static __thread gint64 call_deadline_ms; /* wall clock; 0: no call running */
static __thread GPtrArray *call_held;    /* HeldResponse*, released at call end */
/* Flushed before the call's first request, then NULL (host_http_call_begin). */
static __thread TenderLedger *call_flush_first;

G_STATIC_ASSERT(sizeof(tender_http_header) == sizeof(TenderHttpClientHeader));
G_STATIC_ASSERT(offsetof(tender_http_header, name) == offsetof(TenderHttpClientHeader, name));
G_STATIC_ASSERT(offsetof(tender_http_header, value) == offsetof(TenderHttpClientHeader, value));

static void held_free(gpointer data)
{
    HeldResponse *h = data;
    http_client_response_free(h->response);
    g_free(h); /* and its header array, allocated with it */
}

/* What the service needs of a method's settings, read and parsed on its
 * first request and kept as long as the host: reading the settings and
 * parsing the endpoint and allowed_hosts on every request cost more than
 * the rest of the service together (bench/README.md, http-roundtrip). */
typedef struct {
    HttpAllowList *allow;
    char *ca_file; /* NULL: none */
    char *proxy;   /* NULL: none */
    /* The TLS client identity (http-tls-identity.h); NULL: none. The
     * passphrase is a secret, wiped when the host goes. */
    char *tls_client_cert;
    char *tls_client_key;
    char *tls_client_key_passphrase;
    HostHttpMethodMetrics *metrics; /* the host's, as long as it lives */
} HostHttpMethod;

static void method_free(gpointer data)
{
    HostHttpMethod *m = data;
    http_allow_list_free(m->allow);
    g_free(m->ca_file);
    g_free(m->proxy);
    g_free(m->tls_client_cert);
    g_free(m->tls_client_key);
    if (m->tls_client_key_passphrase != NULL) {
        memset(m->tls_client_key_passphrase, 0, strlen(m->tls_client_key_passphrase));
        g_free(m->tls_client_key_passphrase);
    }
    g_free(m);
}

void host_http_init(TenderHost *host)
{
    host_http_metrics_init(host);
    g_mutex_init(&host->http_methods_lock);
    host->http_methods = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, method_free);
}

void host_http_clear(TenderHost *host)
{
    if (host->owns_http_transport)
        g_clear_pointer(&host->http_transport, tender_http_transport_free);
    host_http_metrics_clear(host);
    g_clear_pointer(&host->http_methods, g_hash_table_destroy);
    g_mutex_clear(&host->http_methods_lock);
}

void host_http_call_begin(gint64 budget_ms, TenderLedger *flush_first)
{
    call_deadline_ms = g_get_real_time() / 1000 + budget_ms;
    call_flush_first = flush_first;
}

void host_http_call_end(void)
{
    call_deadline_ms = 0;
    call_flush_first = NULL;
    /* Freed, not kept for the next call: a thread that ends must not leave
     * its array behind. */
    g_clear_pointer(&call_held, g_ptr_array_unref);
}

static char *setting(TenderHost *host, const char *method_id, const char *key)
{
    char value[1024];
    if (config_setting_string(host->config, method_id, key, value, sizeof value) != 1 ||
        value[0] == '\0')
        return NULL;
    return g_strdup(value);
}

/* The method's settings, read on its first request. Entries are never
 * removed while the host lives, so one found under the lock may be used
 * after dropping it. */
static const HostHttpMethod *method_settings(TenderHost *host, const char *method_id)
{
    g_mutex_lock(&host->http_methods_lock);
    HostHttpMethod *m = g_hash_table_lookup(host->http_methods, method_id);
    if (m == NULL) {
        g_autofree char *endpoint = setting(host, method_id, "endpoint");
        g_autofree char *allowed = setting(host, method_id, "allowed_hosts");
        g_auto(GStrv) allowed_hosts = allowed ? g_strsplit(allowed, ",", -1) : NULL;
        for (gsize i = 0; allowed_hosts && allowed_hosts[i]; i++)
            g_strstrip(allowed_hosts[i]);
        m = g_new0(HostHttpMethod, 1);
        m->allow = http_allow_list_new(endpoint, (const char *const *)allowed_hosts);
        m->ca_file = setting(host, method_id, "ca_file");
        m->proxy = setting(host, method_id, "proxy");
        m->tls_client_cert = setting(host, method_id, HTTP_TLS_CLIENT_CERT);
        m->tls_client_key = setting(host, method_id, HTTP_TLS_CLIENT_KEY);
        m->tls_client_key_passphrase = setting(host, method_id, HTTP_TLS_CLIENT_KEY_PASSPHRASE);
        m->metrics = host_http_metrics_of(host, method_id);
        g_hash_table_insert(host->http_methods, g_strdup(method_id), m);
    }
    g_mutex_unlock(&host->http_methods_lock);
    return m;
}

/* One exchange into the log, redacted (http-trace.c), when tracing is on. */
static void trace_exchange(const char *method_id, const TenderHttpClientRequest *request,
                           const TenderHttpClientResponse *response, const GError *error,
                           gint64 elapsed_ms)
{
    g_autofree gchar *text = http_trace_format(request, response, error, elapsed_ms,
                                                      host_call_secrets());
    g_log_structured("tender", G_LOG_LEVEL_MESSAGE, "TENDER_METHOD", method_id, "MESSAGE",
                     "%s: http\n%s", method_id, text);
}

static uint32_t fail(tender_http_response *res, uint32_t outcome, const char *message)
{
    res->outcome = outcome;
    g_strlcpy(res->message, message, sizeof res->message);
    return outcome;
}

/* Whether the response struct the plugin handed us holds every field we
 * write (a plugin built for a later minor may hand a longer one). */
static gboolean response_fits(const tender_http_response *res)
{
    return res != NULL && TENDER_HAS_FIELD(res, tender_http_response, host_private);
}

uint32_t host_http_send(TenderHost *host, const char *method_id, const tender_http_request *req,
                        tender_http_response *res)
{
    if (!response_fits(res))
        return TENDER_HTTP_NOT_SENT;
    uint32_t size = res->struct_size;
    memset(res, 0, size < sizeof *res ? size : sizeof *res);
    res->struct_size = size;
    if (req == NULL || !TENDER_HAS_FIELD(req, tender_http_request, body_len) || req->url == NULL) {
        host_http_metrics_record(host, method_id, HOST_HTTP_REFUSED, 0, 0);
        return fail(res, TENDER_HTTP_NOT_SENT, "request not sent: no URL");
    }

    const HostHttpMethod *settings = method_settings(host, method_id);
    g_autofree char *reason = NULL;
    if (!http_allow_list_check(settings->allow, req->url, &reason)) {
        g_autofree char *line = g_strdup_printf("request not sent: %s", reason);
        host_log(host, TENDER_LOG_WARNING, method_id, "%s", line);
        host_http_metrics_record_to(settings->metrics, HOST_HTTP_REFUSED, 0, 0);
        return fail(res, TENDER_HTTP_NOT_SENT, line);
    }
    /* The plugin's header array is passed on as it is: the ABI's header and
     * the transport's have the same members (checked below). */
    TenderHttpClientRequest request = {
        .method = req->method,
        .url = req->url,
        .headers = (const TenderHttpClientHeader *)req->headers,
        .n_headers = req->n_headers,
        .body = req->body,
        .body_len = req->body_len,
        .deadline_ms = call_deadline_ms ? call_deadline_ms
                                        : g_get_real_time() / 1000 + HTTP_BUDGET_OUTSIDE_CALL_MS,
    };
    /* Checked here, not only by libcurl's client: a transport the
     * application gave must never see a header a plugin could use to smuggle
     * another one in. */
    const char *malformed = http_client_request_malformed(&request);
    if (malformed != NULL) {
        g_autofree char *line = g_strdup_printf("request not sent: %s", malformed);
        host_log(host, TENDER_LOG_WARNING, method_id, "%s", line);
        host_http_metrics_record_to(settings->metrics, HOST_HTTP_REFUSED, 0, 0);
        return fail(res, TENDER_HTTP_NOT_SENT, line);
    }
    TenderHttpTransportRequest sent = {
        .struct_size = sizeof sent,
        .method_id = method_id,
        .method = request.method ? request.method : "GET",
        .url = request.url,
        .headers = request.headers,
        .n_headers = request.n_headers,
        .body = request.body,
        .body_len = request.body_len,
        .deadline_ms = request.deadline_ms,
        .ca_file = settings->ca_file,
        .proxy = settings->proxy,
        .tls_client_cert = settings->tls_client_cert,
        .tls_client_key = settings->tls_client_key,
        .tls_client_key_passphrase = settings->tls_client_key_passphrase,
    };
    GError *error = NULL;
    /* Nothing leaves the machine before the operation's intent is on disk.
     * The intent was committed without waiting for the disk (ledger.h:
     * ledger_commit_intent), which keeps it from a crash of this process
     * but not from a power loss; a request the provider acted on, for an
     * intent a power loss then took back, would be money moved that the
     * ledger never heard of. Calls that send nothing (a plugin that
     * decides locally) never pay for this flush. */
    if (call_flush_first != NULL) {
        if (!ledger_flush_committed(call_flush_first, &error)) {
            g_autofree char *line =
                g_strdup_printf("request not sent: the operation's record is not on disk: %s",
                                error->message);
            g_error_free(error);
            host_log(host, TENDER_LOG_ERROR, method_id, "%s", line);
            host_http_metrics_record_to(settings->metrics, HOST_HTTP_NOT_SENT, 0, 0);
            return fail(res, TENDER_HTTP_NOT_SENT, line);
        }
        call_flush_first = NULL;
    }
    gint64 started = g_get_monotonic_time();
    TenderHttpClientResponse *response =
        tender_http_transport_send(host->http_transport, &sent, &error);
    gint64 latency_us = g_get_monotonic_time() - started;
    if (host->trace_http)
        trace_exchange(method_id, &request, response, error, latency_us / 1000);
    if (response != NULL && (response->status < 100 || response->status > 599)) {
        /* A transport's answer no HTTP server could give: unreadable. */
        g_set_error(&error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN,
                    "the transport answered an impossible status %d", response->status);
        g_clear_pointer(&response, http_client_response_free);
    }
    if (response == NULL) {
        uint32_t outcome = g_error_matches(error, TENDER_HTTP_TRANSPORT_ERROR,
                                           TENDER_HTTP_TRANSPORT_NOT_SENT)
                               ? TENDER_HTTP_NOT_SENT
                               : TENDER_HTTP_UNKNOWN;
        host_http_metrics_record_to(settings->metrics,
                                    outcome == TENDER_HTTP_NOT_SENT ? HOST_HTTP_NOT_SENT
                                                                    : HOST_HTTP_UNKNOWN,
                                    0, latency_us);
        fail(res, outcome, error->message);
        g_error_free(error);
        return outcome;
    }

    host_http_metrics_record_to(settings->metrics, HOST_HTTP_ANSWERED, response->status,
                                latency_us);
    /* One allocation: the holder and the header array lent to the plugin
     * (with a zeroed entry after the last). */
    HeldResponse *held =
        g_malloc0(sizeof(HeldResponse) + (response->n_headers + 1) * sizeof(tender_http_header));
    held->response = response;
    held->headers = (tender_http_header *)(held + 1);
    for (gsize i = 0; i < response->n_headers; i++) {
        held->headers[i].name = response->headers[i].name;
        held->headers[i].value = response->headers[i].value;
    }
    if (call_held == NULL)
        call_held = g_ptr_array_new_with_free_func(held_free);
    g_ptr_array_add(call_held, held);
    res->outcome = TENDER_HTTP_RESPONSE;
    res->status = response->status;
    res->headers = held->headers;
    res->n_headers = response->n_headers;
    res->body = response->body;
    res->body_len = response->body_len;
    res->host_private = held;
    return TENDER_HTTP_RESPONSE;
}

void host_http_release(tender_http_response *res)
{
    if (!response_fits(res) || res->host_private == NULL)
        return;
    /* Only what this thread's call still holds: a response from a call that
     * already returned was released then, and its pointer is stale. */
    if (call_held)
        g_ptr_array_remove_fast(call_held, res->host_private);
    res->host_private = NULL;
    res->headers = NULL;
    res->n_headers = 0;
    res->body = NULL;
    res->body_len = 0;
}
