/* Calling a plugin: the one place the host hands control to a method's code.
 *
 * Every call, whatever the operation (a payment's, a notification's, the
 * sandbox's), goes through host_call_plugin_with: on the calling thread,
 * serialised when the method is not thread-safe, with its deadline measured
 * and NOT_SENT retried, and with the result sanitised before anything reads
 * it: every string terminated inside its array, card numbers and the call's
 * sensitive values scrubbed from what is shown or stored. */
#include <string.h>

#include "engine-private.h"
#include "ids.h"
#include "services-http.h"
#include "redact.h"

void host_log(TenderHost *host, tender_log_level level, const char *method_id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    HOST_SERVICES(host)->log(HOST_SERVICES(host), level, method_id, msg);
}

char *host_new_id(TenderHost *host, const char *prefix)
{
    guint8 random[IDS_RANDOM_BYTES];
    HOST_SERVICES(host)->random_bytes(HOST_SERVICES(host), random, sizeof random);
    return ids_ordered(prefix, random);
}

gboolean host_param_is_sensitive(const TenderMethodInfo *info, const char *key)
{
    for (int pass = 0; pass < 2; pass++) {
        GPtrArray *specs = pass == 0 ? info->params : info->action_params;
        for (guint i = 0; specs && i < specs->len; i++) {
            const TenderParamInfo *p = g_ptr_array_index(specs, i);
            if (g_strcmp0(p->name, key) == 0)
                return (p->flags & TENDER_PARAM_SENSITIVE) != 0;
        }
    }
    return FALSE;
}

const char **host_sensitive_values(const TenderMethodInfo *info, const tender_param *params,
                                   gsize n)
{
    const char **out = g_new0(const char *, n + 1);
    gsize k = 0;
    for (gsize i = 0; i < n; i++)
        if (params[i].key && params[i].value && params[i].value[0] &&
            host_param_is_sensitive(info, params[i].key))
            out[k++] = params[i].value;
    return out;
}

/* g_ptr_array_sort hands the comparator pointers to the elements. */

/* Force every string field to end inside its array and scrub secrets and
 * card numbers from the fields that are shown or stored. A plugin that put a
 * secret into plugin_state gets that state dropped: storing it would break
 * the promise that no card number reaches the ledger. */
static void sanitize_result(TenderHost *host, const char *method_id, tender_result *res,
                            const char *const *secrets)
{
#define TERMINATE(f) (res->f[sizeof res->f - 1] = '\0')
    TERMINATE(raw_code);
    TERMINATE(message);
    TERMINATE(processor_ref);
    TERMINATE(plugin_state);
    TERMINATE(action_data);
    TERMINATE(action_hint);
    TERMINATE(display_brand);
    TERMINATE(display_first6);
    TERMINATE(display_last4);
    TERMINATE(display_account);
    TERMINATE(display_country);
    TERMINATE(details);
    TERMINATE(notify_payment_id);
    TERMINATE(notify_id);
    TERMINATE(reply_content_type);
    TERMINATE(reply_body);
    TERMINATE(notify_headers);
    TERMINATE(notify_body);
#undef TERMINATE
#define SCRUB(f) redact_in_place(res->f, sizeof res->f, secrets)
    SCRUB(raw_code);
    SCRUB(message);
    SCRUB(action_hint);
    SCRUB(display_account);
    SCRUB(details);
    SCRUB(display_brand);
#undef SCRUB
    /* A reference or an action payload goes back to the processor or the
     * payer, so nothing that merely looks like a card number is masked
     * there; the request's sensitive values never stay. */
    redact_secrets_in_place(res->processor_ref, sizeof res->processor_ref, secrets);
    redact_secrets_in_place(res->action_data, sizeof res->action_data, secrets);
    /* The state is opaque and must round-trip unchanged, so it is checked,
     * not scrubbed: a state holding a sensitive value (as a whole token, the
     * rule every redaction path shares) is dropped rather than stored. */
    for (gsize i = 0; secrets && secrets[i]; i++)
        if (redact_contains(res->plugin_state, strlen(res->plugin_state), secrets[i])) {
            host_log(host, TENDER_LOG_ERROR, method_id,
                     "plugin returned a sensitive value in its state; state dropped");
            res->plugin_state[0] = '\0';
        }
    if (res->outcome == TENDER_OUTCOME_INVALID || res->outcome > TENDER_OUTCOME_LAST_)
        res->outcome = TENDER_OUTCOME_UNKNOWN;
    if (res->outcome == TENDER_OUTCOME_DECLINED &&
        (res->decline_code == TENDER_DECLINE_NONE || res->decline_code > TENDER_DECLINE_LAST_))
        res->decline_code = TENDER_DECLINE_DO_NOT_HONOR;
}

/* Call the method's instance on this thread (no hand-off: the
 * deadline is measured, and a plugin is expected to give up by
 * req->deadline_ms itself). NOT_SENT is retried with exponential backoff,
 * with the same request_id so the processor can deduplicate.
 *
 * The method's deadline covers the whole operation, retries and backoff
 * included: the caller was promised an answer within it, and a provider
 * that refuses connections must not stretch one payment to (retries + 1)
 * deadlines. Each attempt gets what is left; a retry whose backoff would
 * end past the deadline is not made, and the NOT_SENT stands (nothing was
 * sent, so the payment fails cleanly rather than becoming unknown). */
void host_call_plugin_with(TenderHost *host, HostMethod *m, HostInvokeFn invoke, gpointer data,
                           tender_request *req, tender_result *res, const char *const *secrets,
                           CallReport *report)
{
    gint64 deadline = config_deadline_ms(host->config, m->info->id);
    guint retries = config_max_retries(host->config, m->info->id);
    gint64 backoff = config_retry_backoff_ms(host->config, m->info->id);
    memset(report, 0, sizeof *report);
    gint64 first_started = g_get_monotonic_time();
    for (guint attempt = 1;; attempt++) {
        gint64 spent_ms = (g_get_monotonic_time() - first_started) / 1000;
        gint64 left_ms = MAX(deadline - spent_ms, 1);
        memset(res, 0, sizeof *res);
        res->struct_size = sizeof *res;
        req->attempt = attempt;
        req->deadline_ms = tender_host_now(host) + left_ms;
        if (!m->thread_safe)
            g_mutex_lock(&m->call_lock);
        host_set_call_secrets(secrets);
        host_http_call_begin(left_ms, host->ledger);
        invoke(m, req, res, data);
        host_http_call_end();
        host_set_call_secrets(NULL);
        if (!m->thread_safe)
            g_mutex_unlock(&m->call_lock);
        if (m->isolated != NULL)
            host_isolation_after_call(host, m);
        gint64 elapsed_ms = (g_get_monotonic_time() - first_started) / 1000;
        sanitize_result(host, m->info->id, res, secrets);
        report->attempts = attempt;
        if (elapsed_ms > deadline) {
            /* The caller may have given up on us already: do not trust the
             * outcome. The payment becomes unknown and a sync settles it;
             * the late state and reference are kept for that sync. */
            report->late = TRUE;
            host_log(host, TENDER_LOG_WARNING, m->info->id,
                     "call missed its deadline (%" G_GINT64_FORMAT " ms > %" G_GINT64_FORMAT
                     " ms); outcome treated as unknown",
                     elapsed_ms, deadline);
            return;
        }
        if (res->outcome != TENDER_OUTCOME_NOT_SENT || attempt > retries)
            return;
        if (elapsed_ms + backoff >= deadline) {
            host_log(host, TENDER_LOG_WARNING, m->info->id,
                     "not sent after %u attempt(s); no time left in the %" G_GINT64_FORMAT
                     " ms deadline for another",
                     attempt, deadline);
            return;
        }
        g_usleep((gulong)(backoff * 1000));
        backoff *= 2;
    }
}

static void invoke_operation(HostMethod *m, const tender_request *req, tender_result *res,
                             gpointer fn)
{
    ((tender_operation_fn)fn)(m->instance, req, res);
}

void host_call_plugin(TenderHost *host, HostMethod *m, tender_operation_fn fn,
                             tender_request *req, tender_result *res, const char *const *secrets,
                             CallReport *report)
{
    host_call_plugin_with(host, m, invoke_operation, (gpointer)fn, req, res, secrets, report);
}
