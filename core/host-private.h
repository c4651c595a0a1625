/* The TenderHost internals shared by host.c, operations.c, notify.c and
 * reconcile.c (private to libtender). */
#ifndef TENDER_CORE_HOST_PRIVATE_H
#define TENDER_CORE_HOST_PRIVATE_H

#include <stddef.h>

#include <glib.h>

#include <tender/http-transport.h>
#include <tender/tender.h>

#include "config.h"
#include "ledger.h"
#include "loader.h"

G_BEGIN_DECLS

struct TenderHostOptions {
    GPtrArray *plugin_dirs;
    char *config_file;
    char *config_data;
    char *ledger_path;
    gboolean ledger_no_create;
    gboolean ledger_no_flush;
    gboolean fixed_clock;
    gint64 now_ms;
    gboolean trace_http;
    TenderHttpTransport *http_transport; /* borrowed; NULL: the host's own */
};

/* One method's live instance. */
typedef struct {
    const tender_method *abi;
    const TenderMethodInfo *info;
    void *instance;
    gboolean thread_safe;
    GMutex call_lock; /* serializes calls when the method is not thread-safe */
    IsolatedPlugin *isolated; /* its plugin's worker; NULL: in-process */
} HostMethod;

typedef struct {
    guint id;
    TenderStateFunc func;
    gpointer user_data;
} HostListener;

/* A services table and what it is bound to (services.c). Each plugin gets
 * its own, so that a plugin can read settings and log only for the methods
 * it provides; the host has one of its own for its own log lines. */
typedef struct {
    tender_host_services table; /* what a plugin holds; host_data = this */
    TenderHost *host;
    char *plugin_id;  /* NULL until bound (the plugin is still loading) */
    GStrv method_ids; /* the methods it may act for; NULL until bound */
    gboolean is_host; /* the host's own table: acts for any method */
} HostServices;

struct TenderHost {
    HostServices own_services;      /* the host's own logging and randomness */
    GPtrArray *plugin_services;     /* HostServices*, one per loaded plugin file */
    GHashTable *services_by_method; /* method id -> its plugin's HostServices* */
    TenderConfig *config;
    TenderLoader *loader;
    TenderLedger *ledger;
    GHashTable *methods; /* id -> HostMethod* (created instances only) */
    GPtrArray *warnings;
    GPtrArray *refusals; /* loader refusals + instances that failed to create */
    GStrv plugin_dirs;   /* every directory scanned for plugins, in order */
    gboolean fixed_clock;
    gint64 now_ms; /* atomic when fixed */
    GMutex listeners_lock;
    GArray *listeners; /* HostListener */
    guint next_listener_id;
    /* Waits for a busy payment (same idempotency key, concurrent operation)
     * within this process; other processes poll. */
    GMutex busy_lock;
    GCond busy_cond;
    /* The `http` service (services-http.c): what it sends through, the
     * given transport or the default one the host made (owned when
     * owns_http_transport). */
    gboolean trace_http;
    TenderHttpTransport *http_transport;
    gboolean owns_http_transport;
    /* Its metrics, per method (http-metrics.c). */
    GMutex http_metrics_lock;
    GHashTable *http_metrics; /* method id -> its counters */
    /* Each method's settings for the service, read once (services-http.c):
     * the config does not change while the host lives. */
    GMutex http_methods_lock;
    GHashTable *http_methods; /* method id -> HostHttpMethod */
};

/* TRUE when an input struct's struct_size covers its first version (up to
 * and including last_field); else sets TENDER_ERROR_INVALID_ARGUMENT. */
#define TENDER_INPUT_OK(ptr, type, last_field, error)                                              \
    host_check_input_size((ptr)->struct_size,                                               \
                                 offsetof(type, last_field) + sizeof((ptr)->last_field), #type,    \
                                 (error))
gboolean host_check_input_size(guint32 struct_size, gsize minimum, const char *type,
                                      GError **error);

/* services.c: set up the host's own table and the per-plugin tables. */
void host_services_init(TenderHost *host);
/* Have loader lend each plugin its own table, bound to its methods. */
void host_services_attach(TenderHost *host, TenderLoader *loader);
/* The table of the plugin providing method_id (the one its entry point
 * got), for create(). */
const tender_host_services *host_services_for_method(TenderHost *host,
                                                            const char *method_id);
/* Free the per-plugin tables: after the plugins are unloaded. */
void host_services_clear(TenderHost *host);
/* The host's own table. */
#define HOST_SERVICES(host) (&(host)->own_services.table)
/* The sensitive values of the plugin call running on this thread (NULL
 * when none): the log service scrubs them from whatever the plugin logs. */
void host_set_call_secrets(const char *const *secrets);
/* Those values, for the http trace (NULL when none). */
const char *const *host_call_secrets(void);

/* host.c */
HostMethod *host_method_get(TenderHost *host, const char *method_id);
void host_emit(TenderHost *host, const char *payment_id, TenderStatus old_status,
                      TenderStatus new_status);

/* operations.c: shared by notify.c and reconcile.c. */
typedef struct {
    gboolean late; /* the call missed its deadline: outcome not trusted */
    guint attempts;
} CallReport;

/* Call fn on m's instance on the calling thread: serialized when the method
 * is not thread-safe, with its deadline measured and NOT_SENT retried with
 * backoff; the result is sanitized (terminated, secrets scrubbed). */
void host_call_plugin(TenderHost *host, HostMethod *m, tender_operation_fn fn,
                             tender_request *req, tender_result *res, const char *const *secrets,
                             CallReport *report);
/* Apply a verified notification to payment_id through the method's
 * notification step; *duplicate when notify_id was applied before. */
TenderPayment *host_apply_notification(TenderHost *host, HostMethod *m,
                                              const char *payment_id, const tender_param *headers,
                                              gsize n_headers, const char *body, gsize body_len,
                                              const char *notify_id, tender_result *res,
                                              gboolean *duplicate, GError **error);
/* A new id with prefix ("pay_", "req_") that sorts by creation time
 * (ids.h). */
char *host_new_id(TenderHost *host, const char *prefix);
TenderPayment *host_run_sync(TenderHost *host, const char *payment_id, gboolean reconciling,
                                    GError **error);
/* Load a payment with its operations as the public struct. */
TenderPayment *host_load_public(TenderHost *host, const char *payment_id, GError **error);

G_END_DECLS

#endif
