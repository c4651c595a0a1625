/* Provider notifications (webhooks, asynchronous results) and the sandbox's
 * simulated ones. A notification is verified by the method's plugin with no
 * payment context first (identify), then applied to the payment it names
 * through the same recorded, leased step as every other operation. */
#include <string.h>

#include "host-private.h"

static HostMethod *notifiable_method(TenderHost *host, const char *method_id, GError **error)
{
    HostMethod *m = tender_host_method_get(host, method_id);
    if (m == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_UNKNOWN_METHOD,
                    "unknown or disabled method '%s'", method_id ? method_id : "");
        return NULL;
    }
    if (!(m->info->capabilities & TENDER_CAP_NOTIFICATION) ||
        tender_abi_identify_fn(m->abi) == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_SUPPORTED,
                    "%s does not take notifications", method_id);
        return NULL;
    }
    return m;
}

static TenderNotifyReply *reply_from(const tender_result *identify, const tender_result *apply)
{
    TenderNotifyReply *reply = g_new0(TenderNotifyReply, 1);
    const tender_result *r = apply && apply->reply_body[0] ? apply : identify;
    reply->status = r->reply_status ? r->reply_status : 200;
    reply->content_type = g_strdup(r->reply_content_type[0] ? r->reply_content_type : "text/plain");
    reply->body = g_strdup(r->reply_body);
    return reply;
}

TenderNotifyReply *tender_host_notify(TenderHost *host, const char *method_id,
                                      const tender_param *headers, gsize n_headers,
                                      const char *body, gsize body_len, GError **error)
{
    HostMethod *m = notifiable_method(host, method_id, error);
    if (m == NULL)
        return NULL;
    g_autofree char *request_id = tender_host_new_id(host, "req_");
    tender_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.operation = TENDER_OP_NOTIFICATION;
    req.request_id = request_id;
    req.currency = req.region = req.account = req.tier = req.plugin_state = req.processor_ref = "";
    req.headers = headers;
    req.n_headers = n_headers;
    req.body = body ? body : "";
    req.body_len = body ? body_len : 0;

    g_autofree tender_result *identify = g_new0(tender_result, 1);
    CallReport report;
    tender_host_call_plugin(host, m, tender_abi_identify_fn(m->abi), &req, identify, NULL, &report);
    if (report.late || identify->outcome == TENDER_OUTCOME_DECLINED ||
        identify->outcome == TENDER_OUTCOME_UNKNOWN ||
        identify->outcome == TENDER_OUTCOME_NOT_SENT) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_REJECTED,
                    "%s notification rejected: %s%s%s", method_id,
                    identify->message[0] ? identify->message : "it could not be verified",
                    identify->reply_body[0] ? "; reply: " : "", identify->reply_body);
        return NULL;
    }
    if (identify->notify_payment_id[0] == '\0')
        return reply_from(identify, NULL); /* nothing to apply (a probe, a pre-request) */

    g_autofree tender_result *apply = g_new0(tender_result, 1);
    gboolean duplicate = FALSE;
    TenderPayment *payment = tender_host_apply_notification(
        host, m, identify->notify_payment_id, headers, n_headers, req.body, req.body_len,
        identify->notify_id, apply, &duplicate, error);
    if (payment == NULL) {
        if (error && *error && (*error)->code == TENDER_ERROR_NOT_FOUND) {
            g_clear_error(error);
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_REJECTED,
                        "%s notification names payment '%s', which this ledger does not hold",
                        method_id, identify->notify_payment_id);
        }
        return NULL;
    }
    TenderNotifyReply *reply = reply_from(identify, duplicate ? NULL : apply);
    reply->payment_id = g_strdup(payment->id);
    reply->duplicate = duplicate;
    tender_payment_free(payment);
    return reply;
}

gboolean tender_host_sandbox_notification(TenderHost *host, const char *payment_id,
                                          const char *event, char **headers_out, char **body_out,
                                          GError **error)
{
    TenderPayment *pub = tender_host_get(host, payment_id, error);
    if (pub == NULL)
        return FALSE;
    g_autofree char *method_id = g_strdup(pub->method);
    tender_payment_free(pub);
    HostMethod *m = tender_host_method_get(host, method_id);
    void (*fn)(void *, const tender_request *, const char *, tender_result *) =
        m ? tender_abi_sandbox_notification_fn(m->abi) : NULL;
    if (fn == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_SUPPORTED,
                    "%s has no sandbox notifications", method_id);
        return FALSE;
    }
    if (!tender_ledger_begin(host->ledger, error))
        return FALSE;
    LedgerPayment *row = tender_ledger_payment_get(host->ledger, payment_id, error);
    tender_ledger_rollback(host->ledger);
    if (row == NULL)
        return FALSE;
    g_autofree char *request_id = tender_host_new_id(host, "req_");
    tender_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.operation = TENDER_OP_NOTIFICATION;
    req.payment_id = row->pub.id;
    req.request_id = request_id;
    req.amount = row->pub.amount;
    req.currency = row->pub.currency;
    req.exponent = row->pub.exponent;
    req.region = row->pub.region;
    req.account = row->pub.account;
    req.tier = row->pub.tier;
    req.authorized_amount = row->pub.amount;
    req.captured_amount = row->pub.captured;
    req.refunded_amount = row->pub.refunded;
    req.plugin_state = row->plugin_state ? row->plugin_state : "";
    req.processor_ref = row->pub.processor_ref ? row->pub.processor_ref : "";
    req.deadline_ms = tender_host_now(host) + tender_config_deadline_ms(host->config, method_id);
    g_autofree tender_result *res = g_new0(tender_result, 1);
    res->struct_size = sizeof *res;
    if (!m->thread_safe)
        g_mutex_lock(&m->call_lock);
    fn(m->instance, &req, event ? event : "", res);
    if (!m->thread_safe)
        g_mutex_unlock(&m->call_lock);
    ledger_payment_free(row);
    res->notify_headers[sizeof res->notify_headers - 1] = '\0';
    res->notify_body[sizeof res->notify_body - 1] = '\0';
    if (res->notify_body[0] == '\0') {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "%s sandbox has no '%s' notification for payment %s%s%s", method_id,
                    event ? event : "", payment_id, res->message[0] ? ": " : "", res->message);
        return FALSE;
    }
    *headers_out = g_strdup(res->notify_headers);
    *body_out = g_strdup(res->notify_body);
    return TRUE;
}
