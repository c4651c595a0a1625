/* The services table the host lends to plugins (tender_host_services):
 * logging with redaction, the host clock, randomness, config reads. */
#include <sys/random.h>

#include "host-private.h"
#include "redact.h"

static TenderHost *host_of(const tender_host_services *s)
{
    return (TenderHost *)s->host_data;
}

/* Thread-local: a plugin logs from the thread the host called it on. */
static __thread const char *const *call_secrets;

void tender_host_set_call_secrets(const char *const *secrets)
{
    call_secrets = secrets;
}

static void service_log(const tender_host_services *s, tender_log_level level,
                        const char *method_id, const char *message)
{
    (void)s;
    /* A plugin should never log a card number or a code; mask anything that
     * looks like a card number, and the values of the current call's
     * sensitive parameters, before it can reach a journal. */
    g_autofree gchar *clean = tender_redact(message ? message : "", call_secrets);
    GLogLevelFlags flags = level == TENDER_LOG_ERROR     ? G_LOG_LEVEL_CRITICAL
                           : level == TENDER_LOG_WARNING ? G_LOG_LEVEL_WARNING
                           : level == TENDER_LOG_INFO    ? G_LOG_LEVEL_INFO
                                                         : G_LOG_LEVEL_DEBUG;
    /* Plugin errors are the plugin's business, not a host bug: never let
     * them abort a host running with fatal criticals. */
    if (flags == G_LOG_LEVEL_CRITICAL)
        flags = G_LOG_LEVEL_WARNING;
    g_log_structured("tender", flags, "TENDER_METHOD", method_id ? method_id : "", "MESSAGE",
                     "%s: %s", method_id ? method_id : "plugin", clean);
}

static int64_t service_now(const tender_host_services *s)
{
    return tender_host_now(host_of(s));
}

static void service_random(const tender_host_services *s, void *buf, size_t len)
{
    (void)s;
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n <= 0) {
            /* getrandom only fails before the pool is seeded or on EINTR;
             * GLib's generator is a weaker but safe fallback. */
            for (; len > 0; len--)
                *p++ = (unsigned char)g_random_int_range(0, 256);
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static int service_string(const tender_host_services *s, const char *method_id, const char *key,
                          char *out, size_t out_size)
{
    return tender_config_setting_string(host_of(s)->config, method_id, key, out, out_size);
}

static int service_int64(const tender_host_services *s, const char *method_id, const char *key,
                         int64_t *out)
{
    gint64 v;
    int rc = tender_config_setting_int64(host_of(s)->config, method_id, key, &v);
    if (rc == 1)
        *out = v;
    return rc;
}

static int service_bool(const tender_host_services *s, const char *method_id, const char *key,
                        int *out)
{
    return tender_config_setting_bool(host_of(s)->config, method_id, key, out);
}

void tender_host_services_init(TenderHost *host)
{
    tender_host_services *s = &host->services;
    s->struct_size = sizeof *s;
    s->abi_major = TENDER_ABI_MAJOR;
    s->abi_minor = TENDER_ABI_MINOR;
    s->host_data = host;
    s->log = service_log;
    s->now_ms = service_now;
    s->random_bytes = service_random;
    s->config_string = service_string;
    s->config_int64 = service_int64;
    s->config_bool = service_bool;
}
