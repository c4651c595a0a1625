/* Provider notifications (webhooks, asynchronous results) and the sandbox's
 * simulated ones. A notification is verified by the method's plugin with no
 * payment context first (identify), then applied to the payment it names
 * through the same recorded, leased step as every other operation. */
#include <string.h>

#include "engine-private.h"

static HostMethod *notifiable_method(TenderHost *host, const char *method_id, GError **error)
{
    HostMethod *m = host_method_get(host, method_id);
    if (m == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_UNKNOWN_METHOD,
                    "unknown or disabled method '%s'", method_id ? method_id : "");
        return NULL;
    }
    if (!(m->info->capabilities & TENDER_CAP_NOTIFICATION) || abi_identify_fn(m->abi) == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_SUPPORTED,
                    "%s does not take notifications", method_id);
        return NULL;
    }
    return m;
}

/* The reply the plugin set (the applying call's when it set one, else the
 * identifying call's). default_status stands in when the plugin set none:
 * 200 tells a provider to stop, anything else to repeat. */
static TenderNotifyReply *reply_from(const tender_result *identify, const tender_result *apply,
                                     TenderNotifyOutcome outcome, guint default_status)
{
    TenderNotifyReply *reply = g_new0(TenderNotifyReply, 1);
    const tender_result *r =
        apply && (apply->reply_body[0] || apply->reply_status) ? apply : identify;
    reply->status = r->reply_status ? r->reply_status : default_status;
    reply->content_type = g_strdup(r->reply_content_type[0] ? r->reply_content_type : "text/plain");
    reply->body = g_strdup(r->reply_body);
    reply->outcome = outcome;
    reply->duplicate = outcome == TENDER_NOTIFY_DUPLICATE;
    return reply;
}

/* The plugin verifies the notification with no payment context and names
 * the payment it is about. */
static void identify_notification(TenderHost *host, HostMethod *m, const tender_param *headers,
                                  gsize n_headers, const char *body, gsize body_len,
                                  tender_result *identify, CallReport *report)
{
    g_autofree char *request_id = host_new_id(host, "req_");
    tender_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.operation = TENDER_OP_NOTIFICATION;
    req.request_id = request_id;
    req.currency = req.region = req.account = req.tier = req.plugin_state = req.processor_ref = "";
    req.headers = headers;
    req.n_headers = n_headers;
    req.body = body;
    req.body_len = body_len;
    host_call_plugin(host, m, abi_identify_fn(m->abi), &req, identify, NULL, report);
}

gboolean tender_host_notify(TenderHost *host, const char *method_id, const tender_param *headers,
                            gsize n_headers, const char *body, gsize body_len,
                            TenderNotifyReply **reply, GError **error)
{
    *reply = NULL;
    HostMethod *m = notifiable_method(host, method_id, error);
    if (m == NULL)
        return FALSE;
    if (body == NULL)
        body = "", body_len = 0;

    g_autofree tender_result *identify = g_new0(tender_result, 1);
    CallReport report;
    identify_notification(host, m, headers, n_headers, body, body_len, identify, &report);
    if (report.late || identify->outcome != TENDER_OUTCOME_APPROVED) {
        /* A plugin that could not decide in time (or said "unknown") gets a
         * 503 unless it set a reply: the provider should try again later. */
        gboolean undecided = report.late || identify->outcome != TENDER_OUTCOME_DECLINED;
        *reply = reply_from(identify, NULL, TENDER_NOTIFY_REJECTED, undecided ? 503 : 400);
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_REJECTED,
                    "%s notification rejected: %s", method_id,
                    report.late            ? "the plugin did not answer by its deadline"
                    : identify->message[0] ? identify->message
                                           : "it could not be verified");
        return FALSE;
    }
    if (identify->notify_payment_id[0] == '\0') {
        /* Nothing to apply: a probe, a pre-request. */
        *reply = reply_from(identify, NULL, TENDER_NOTIFY_ACCEPTED, 200);
        return TRUE;
    }

    g_autofree tender_result *apply = g_new0(tender_result, 1);
    gboolean duplicate = FALSE;
    GError *local = NULL;
    TenderPayment *payment =
        host_apply_notification(host, m, identify->notify_payment_id, headers, n_headers, body,
                                body_len, identify->notify_id, apply, &duplicate, &local);
    if (payment == NULL) {
        if (g_error_matches(local, TENDER_ERROR, TENDER_ERROR_NOT_FOUND) ||
            g_error_matches(local, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT)) {
            /* Verified, so the provider must hear success and stop
             * repeating it; the host's caller hears that nothing matched. */
            *reply = reply_from(identify, NULL, TENDER_NOTIFY_UNKNOWN_PAYMENT, 200);
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT,
                        "%s notification names payment '%s', which this ledger does not hold%s%s",
                        method_id, identify->notify_payment_id,
                        local->code == TENDER_ERROR_NOT_FOUND ? "" : ": ",
                        local->code == TENDER_ERROR_NOT_FOUND ? "" : local->message);
            g_error_free(local);
        } else {
            g_propagate_error(error, local);
        }
        return FALSE;
    }
    *reply = reply_from(identify, duplicate ? NULL : apply,
                        duplicate ? TENDER_NOTIFY_DUPLICATE : TENDER_NOTIFY_ACCEPTED, 200);
    (*reply)->payment_id = g_strdup(payment->id);
    tender_payment_free(payment);
    return TRUE;
}

/* The sandbox's notification maker has its own signature (it takes the
 * event); the call module calls it like any other entry point. */
static void invoke_sandbox_notification(HostMethod *m, const tender_request *req,
                                        tender_result *res, gpointer event)
{
    abi_sandbox_notification_fn(m->abi)(m->instance, req, event, res);
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
    HostMethod *m = host_method_get(host, method_id);
    if (m == NULL || abi_sandbox_notification_fn(m->abi) == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_SUPPORTED,
                    "%s has no sandbox notifications", method_id);
        return FALSE;
    }
    LedgerUnit *unit = ledger_begin_read(host->ledger, error);
    if (unit == NULL)
        return FALSE;
    g_autoptr(LedgerPayment) row = ledger_payment_get(unit, payment_id, error);
    ledger_rollback(unit);
    if (row == NULL)
        return FALSE;
    g_autofree char *request_id = host_new_id(host, "req_");
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
    req.account = row->pub.account ? row->pub.account : "";
    req.tier = row->pub.tier ? row->pub.tier : "";
    req.authorized_amount = row->pub.amount;
    req.captured_amount = row->pub.captured;
    req.refunded_amount = row->pub.refunded;
    req.plugin_state = row->plugin_state ? row->plugin_state : "";
    req.processor_ref = row->pub.processor_ref ? row->pub.processor_ref : "";
    /* Through the same call as every operation: the deadline is measured
     * (a late answer is not used) and the result sanitised (terminated, card
     * numbers scrubbed from the message that may reach the caller). */
    g_autofree tender_result *res = g_new(tender_result, 1);
    CallReport report;
    host_call_plugin_with(host, m, invoke_sandbox_notification, (gpointer)(event ? event : ""),
                          &req, res, NULL, &report);
    if (report.late) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_PLUGIN,
                    "%s sandbox did not make the '%s' notification by its deadline", method_id,
                    event ? event : "");
        return FALSE;
    }
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
