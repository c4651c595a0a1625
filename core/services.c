/* The services tables the host lends to plugins (tender_host_services):
 * logging with redaction, the host clock, randomness, config reads.
 *
 * Each loaded plugin gets a table of its own, bound (once the loader has
 * accepted the plugin) to the methods the plugin provides. A config read or
 * a log line for any other method id is refused and the refusal logged:
 * settings hold secrets, and one plugin must not read another's, nor speak
 * in its name. The host keeps a table of its own for its own log lines. */
#include <errno.h>
#include <sys/random.h>

#include "host-private.h"
#include "redact.h"
#include "services-http.h"

static HostServices *binding_of(const tender_host_services *s)
{
    return (HostServices *)s->host_data;
}

/* Thread-local: a plugin logs from the thread the host called it on. */
static __thread const char *const *call_secrets;

void host_set_call_secrets(const char *const *secrets)
{
    call_secrets = secrets;
}

const char *const *host_call_secrets(void)
{
    return call_secrets;
}

static void write_log(GLogLevelFlags flags, const char *method_id, const char *who,
                      const char *message)
{
    g_log_structured("tender", flags, "TENDER_METHOD", method_id ? method_id : "", "MESSAGE",
                     "%s: %s", who, message);
}

/* May b act for method_id? NULL and "" mean "no method in particular", which
 * every table may (a plugin logging before it knows its method). */
static gboolean acts_for(const HostServices *b, const char *method_id)
{
    if (b->is_host || method_id == NULL || method_id[0] == '\0')
        return TRUE;
    return b->method_ids && g_strv_contains((const char *const *)b->method_ids, method_id);
}

static gboolean refuse_foreign(const HostServices *b, const char *method_id, const char *what)
{
    if (acts_for(b, method_id))
        return FALSE;
    /* The key is named, never a value: the value is exactly what is kept
     * from the asker. */
    g_autofree char *message = g_strdup_printf(
        "plugin '%s' asked for %s of method '%s', which it does not provide; refused",
        b->plugin_id ? b->plugin_id : "(still loading)", what, method_id);
    write_log(G_LOG_LEVEL_WARNING, NULL, "host", message);
    return TRUE;
}

static void service_log(const tender_host_services *s, tender_log_level level,
                        const char *method_id, const char *message)
{
    HostServices *b = binding_of(s);
    if (refuse_foreign(b, method_id, "a log line"))
        return;
    /* A plugin should never log a card number or a code; mask anything that
     * looks like a card number, and the values of the current call's
     * sensitive parameters, before it can reach a journal. */
    g_autofree gchar *clean = redact(message ? message : "", call_secrets);
    GLogLevelFlags flags = level == TENDER_LOG_ERROR     ? G_LOG_LEVEL_CRITICAL
                           : level == TENDER_LOG_WARNING ? G_LOG_LEVEL_WARNING
                           : level == TENDER_LOG_INFO    ? G_LOG_LEVEL_INFO
                                                         : G_LOG_LEVEL_DEBUG;
    /* Plugin errors are the plugin's business, not a host bug: never let
     * them abort a host running with fatal criticals. */
    if (flags == G_LOG_LEVEL_CRITICAL)
        flags = G_LOG_LEVEL_WARNING;
    const char *who = method_id && method_id[0] ? method_id
                      : b->plugin_id            ? b->plugin_id
                                                : "plugin";
    write_log(flags, method_id, who, clean);
}

static int64_t service_now(const tender_host_services *s)
{
    return tender_host_now(binding_of(s)->host);
}

/* Ids, nonces and keys come from here: with no cryptographic randomness
 * there is nothing safe to hand out, so stop rather than make up bytes. */
static void service_random(const tender_host_services *s, void *buf, size_t len)
{
    (void)s;
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            g_error("getrandom failed (%s): no cryptographic randomness; stopping",
                    g_strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
}

static int service_string(const tender_host_services *s, const char *method_id, const char *key,
                          char *out, size_t out_size)
{
    HostServices *b = binding_of(s);
    g_autofree char *what = g_strdup_printf("setting '%s'", key ? key : "");
    if (refuse_foreign(b, method_id, what))
        return 0;
    return config_setting_string(b->host->config, method_id, key, out, out_size);
}

static int service_int64(const tender_host_services *s, const char *method_id, const char *key,
                         int64_t *out)
{
    HostServices *b = binding_of(s);
    g_autofree char *what = g_strdup_printf("setting '%s'", key ? key : "");
    if (refuse_foreign(b, method_id, what))
        return 0;
    gint64 v;
    int rc = config_setting_int64(b->host->config, method_id, key, &v);
    if (rc == 1)
        *out = v;
    return rc;
}

static int service_bool(const tender_host_services *s, const char *method_id, const char *key,
                        int *out)
{
    HostServices *b = binding_of(s);
    g_autofree char *what = g_strdup_printf("setting '%s'", key ? key : "");
    if (refuse_foreign(b, method_id, what))
        return 0;
    return config_setting_bool(b->host->config, method_id, key, out);
}

static uint32_t service_http(const tender_host_services *s, const char *method_id,
                             const tender_http_request *req, tender_http_response *res)
{
    HostServices *b = binding_of(s);
    if (refuse_foreign(b, method_id, "an HTTP request")) {
        if (res && TENDER_HAS_FIELD(res, tender_http_response, message)) {
            res->outcome = TENDER_HTTP_NOT_SENT;
            g_strlcpy(res->message, "request not sent: not a method of this plugin",
                      sizeof res->message);
        }
        return TENDER_HTTP_NOT_SENT;
    }
    return host_http_send(b->host, method_id, req, res);
}

static void service_http_release(const tender_host_services *s, tender_http_response *res)
{
    (void)s;
    host_http_release(res);
}

static void services_fill(HostServices *b, TenderHost *host)
{
    tender_host_services *s = &b->table;
    s->struct_size = sizeof *s;
    s->abi_major = TENDER_ABI_MAJOR;
    s->abi_minor = TENDER_ABI_MINOR;
    s->host_data = b;
    s->log = service_log;
    s->now_ms = service_now;
    s->random_bytes = service_random;
    s->config_string = service_string;
    s->config_int64 = service_int64;
    s->config_bool = service_bool;
    s->http = service_http;
    s->http_release = service_http_release;
    b->host = host;
}

static void services_free(gpointer p)
{
    HostServices *b = p;
    g_free(b->plugin_id);
    g_strfreev(b->method_ids);
    g_free(b);
}

void host_services_init(TenderHost *host)
{
    services_fill(&host->own_services, host);
    host->own_services.is_host = TRUE;
    host->plugin_services = g_ptr_array_new_with_free_func(services_free);
    host->services_by_method = g_hash_table_new(g_str_hash, g_str_equal);
    host_http_init(host);
}

static const tender_host_services *services_for_next_plugin(gpointer data)
{
    TenderHost *host = data;
    HostServices *b = g_new0(HostServices, 1);
    services_fill(b, host);
    g_ptr_array_add(host->plugin_services, b);
    return &b->table;
}

static void bind_to_plugin(gpointer data, const tender_host_services *services,
                           const tender_plugin_descriptor *d)
{
    TenderHost *host = data;
    HostServices *b = binding_of(services);
    GStrvBuilder *ids = g_strv_builder_new();
    for (size_t i = 0; i < d->n_methods; i++)
        g_strv_builder_add(ids, d->methods[i]->id);
    b->plugin_id = g_strdup(d->id);
    b->method_ids = g_strv_builder_end(ids);
    g_strv_builder_unref(ids);
    for (gsize i = 0; b->method_ids[i]; i++)
        g_hash_table_insert(host->services_by_method, b->method_ids[i], b);
}

void host_services_attach(TenderHost *host, TenderLoader *loader)
{
    loader_set_services_per_plugin(loader, services_for_next_plugin, bind_to_plugin, host);
}

const tender_host_services *host_services_for_method(TenderHost *host, const char *method_id)
{
    HostServices *b = g_hash_table_lookup(host->services_by_method, method_id);
    /* Every registered method was bound with its plugin. Should one not be,
     * it gets a table bound to nothing, never the host's own. */
    return b ? &b->table : services_for_next_plugin(host);
}

void host_services_clear(TenderHost *host)
{
    g_clear_pointer(&host->services_by_method, g_hash_table_destroy);
    g_clear_pointer(&host->plugin_services, g_ptr_array_unref);
    if (host->http_metrics)
        host_http_clear(host);
}
