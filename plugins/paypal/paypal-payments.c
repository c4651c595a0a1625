/* complete_action, capture, void, refund and sync as PayPal REST calls.
 *
 * The payer approves at PayPal; the shop learns it from the return URL
 * (PayerID and token: complete_action) or the CHECKOUT.ORDER.APPROVED
 * webhook, and only then authorizes or captures the order. In sandbox mode
 * `payer_action=approve|cancel` stands in for the payer: the plugin submits
 * the simulated provider's approval form itself, as a browser would. */
#include "paypal-orders.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <tender/sdk.h>

#include "paypal-errors.h"
#include "paypal-orders-internal.h"
#include "paypal-rest.h"

#define MS_PER_S 1000LL

/* PayerID: 13 upper-case letters and digits. */
static int payer_id_valid(const char *s)
{
    if (strlen(s) != 13)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* Sandbox only: act as the payer at the simulated provider's approval page
 * (POST the form of o->approve_url). Returns 1 when the page took it. */
static int sandbox_payer_approves(PaypalInstance *inst, const PaypalOrder *o, tender_result *res)
{
    const tender_host_services *host = inst->host;
    char url[sizeof o->approve_url];
    tender_copy_string(url, sizeof url, o->approve_url);
    char *query = strchr(url, '?');
    if (query != NULL)
        *query = '\0';
    char body[128];
    tender_format_string(body, sizeof body, "token=%s&action=approve", o->order_id);
    tender_http_header headers[] = {{"Content-Type", "application/x-www-form-urlencoded"}};
    if (!tender_host_has_http(host)) {
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "NOT_SENT",
                              "the host has no http service");
        return 0;
    }
    tender_http_response hres;
    uint32_t outcome = tender_http_exchange(host, inst->method_id, "POST", url, headers, 1, body,
                                            strlen(body), &hres);
    int ok = outcome == TENDER_HTTP_RESPONSE && (hres.status == 303 || hres.status == 200);
    if (!ok) {
        if (outcome == TENDER_HTTP_RESPONSE)
            paypal_decline(res, "ORDER_NOT_APPROVED",
                           "the sandbox's approval page refused the payer (HTTP %d)", hres.status);
        else {
            int not_sent = outcome == TENDER_HTTP_NOT_SENT;
            tender_result_outcome(res, not_sent ? TENDER_OUTCOME_NOT_SENT : TENDER_OUTCOME_UNKNOWN,
                                  not_sent ? "NOT_SENT" : "UNKNOWN", NULL);
            TENDER_SETF(res, message, "the sandbox's approval page: %s", hres.message);
        }
    }
    tender_http_release(host, &hres);
    return ok;
}

void paypal_order_complete(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL)
        return;
    int64_t now = tender_now_ms(inst->host);
    const char *action = tender_request_param(req, "payer_action");
    const char *payer_id = tender_request_param(req, "PayerID");
    const char *token = tender_request_param(req, "token");
    if (action != NULL && action[0] != '\0' && strcasecmp(action, "approve") != 0 &&
        strcasecmp(action, "cancel") != 0) {
        paypal_decline(res, "INVALID_PARAMETER_VALUE",
                       "parameter payer_action must be approve or cancel");
        return;
    }
    if ((action == NULL || action[0] == '\0') && (payer_id == NULL || payer_id[0] == '\0')) {
        paypal_decline(res, "MISSING_REQUIRED_PARAMETER",
                       "parameter payer_action (approve or cancel) or PayerID is required");
        return;
    }
    if (payer_id != NULL && payer_id[0] != '\0' && !payer_id_valid(payer_id)) {
        paypal_decline(res, "INVALID_PARAMETER_VALUE",
                       "parameter PayerID must be 13 upper-case letters or digits");
        return;
    }
    if (token != NULL && token[0] != '\0' && strcmp(token, o.order_id) != 0) {
        paypal_decline(res, "INVALID_PARAMETER_VALUE",
                       "parameter token does not name this payment's order %s", o.order_id);
        return;
    }
    if (strcmp(o.status, "COMPLETED") == 0) {
        int authorize = strcmp(o.intent, "AUTHORIZE") == 0;
        paypal_decline(res, authorize ? "ORDER_ALREADY_AUTHORIZED" : "ORDER_ALREADY_CAPTURED",
                       "order %s is already %s", o.order_id, authorize ? "authorized" : "captured");
        return;
    }
    if (strcmp(o.status, "VOIDED") == 0) {
        paypal_decline(res, o.decline_name[0] ? o.decline_name : "ORDER_NOT_APPROVED",
                       "order %s was cancelled or voided", o.order_id);
        return;
    }
    if (now > o.created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S) {
        tender_copy_string(o.status, sizeof o.status, "VOIDED");
        tender_copy_string(o.decline_name, sizeof o.decline_name, "ORDER_EXPIRED");
        paypal_decline(res, "ORDER_EXPIRED",
                       "order %s was not completed within 3 hours and has expired", o.order_id);
        res->event = TENDER_EVENT_EXPIRED;
        paypal_order_finish(&o, res, NULL);
        return;
    }
    if (action != NULL && strcasecmp(action, "cancel") == 0) {
        /* PayPal has no call for it: the payer came back through
         * cancel_url, and the order is left to expire there. */
        tender_copy_string(o.status, sizeof o.status, "VOIDED");
        tender_copy_string(o.decline_name, sizeof o.decline_name, "PAYER_CANCELLED");
        paypal_decline(res, "PAYER_CANCELLED", "the payer cancelled at PayPal (cancel_url)");
        res->event = TENDER_EVENT_DECLINED;
        paypal_order_finish(&o, res, NULL);
        return;
    }
    if (action != NULL && action[0] != '\0') {
        if (inst->live) {
            paypal_decline(res, "INVALID_PARAMETER_VALUE",
                           "payer_action=approve stands in for the payer in sandbox mode only; "
                           "pass PayerID and token from the return URL");
            return;
        }
        if (!sandbox_payer_approves(inst, &o, res))
            return;
    }
    if (payer_id != NULL && payer_id[0] != '\0')
        tender_copy_string(o.payer_id, sizeof o.payer_id, payer_id);
    tender_copy_string(o.status, sizeof o.status, "APPROVED");
    paypal_order_after_approval(inst, req, res, &o, cur);
    paypal_order_finish(&o, res, NULL);
}

/* ---- capture, void, refund ---------------------------------------------------- */

/* POST action ("capture", "reauthorize") on the order's authorization
 * (Payments v2) with body and PayPal-Request-Id = the request id. 1 with the
 * answer in *reply (the caller clears it) and its id and status; else 0 with
 * res filled: PayPal's refusal, NOT_SENT or UNKNOWN (the order's state
 * saved; AUTHORIZATION_EXPIRED as event EXPIRED), or UNKNOWN for an answer
 * without a usable id or status (sent and answered, but not readably:
 * PayPal may have acted). */
static int authorization_call(PaypalInstance *inst, const PaypalOrder *o, const char *action,
                              const char *body, const tender_request *req, tender_result *res,
                              PaypalRestReply *reply, const char **id, const char **status)
{
    char path[128];
    tender_format_string(path, sizeof path, "/v2/payments/authorizations/%s/%s", o->auth_id,
                         action);
    paypal_rest_call(inst, "POST", path, body, req->request_id, reply);
    if (reply->status != PAYPAL_REST_OK) {
        paypal_result_from_failure(res, reply);
        if (reply->status == PAYPAL_REST_REFUSED &&
            strcmp(reply->issue, "AUTHORIZATION_EXPIRED") == 0)
            res->event = TENDER_EVENT_EXPIRED;
        paypal_rest_reply_clear(reply);
        paypal_order_finish(o, res, NULL);
        return 0;
    }
    *id = paypal_json_string(reply->json, "id", NULL);
    *status = paypal_json_string(reply->json, "status", NULL);
    if (*id == NULL || *status == NULL || strlen(*id) >= PAYPAL_ID_MAX) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "UNKNOWN", NULL);
        TENDER_SETF(res, message, "PayPal's %s answer lacks the id or status", action);
        paypal_rest_reply_clear(reply);
        return 0;
    }
    return 1;
}

void paypal_order_capture(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL)
        return;
    if (strcmp(o.intent, "CAPTURE") == 0 && (o.captured > 0 || o.pending_capture_id[0] != '\0')) {
        /* A CAPTURE order is captured once, whole, when it is completed. */
        paypal_decline(res, "ORDER_ALREADY_CAPTURED", "order %s is already captured", o.order_id);
        return;
    }
    if (o.auth_id[0] == '\0') {
        paypal_decline(res, o.decline_name[0] ? o.decline_name : "ORDER_NOT_APPROVED",
                       "order %s has no authorization to capture", o.order_id);
        return;
    }
    int64_t pp;
    if (!paypal_request_amount(cur, req, res, &pp))
        return;
    int64_t now = tender_now_ms(inst->host);
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    paypal_add_money(b, "amount", cur, pp);
    json_builder_set_member_name(b, "final_capture");
    json_builder_add_boolean_value(b, FALSE);
    json_builder_end_object(b);
    char *body = paypal_builder_text(b);
    PaypalRestReply reply;
    const char *id, *status;
    int answered = authorization_call(inst, &o, "capture", body, req, res, &reply, &id, &status);
    g_free(body);
    if (!answered)
        return;
    /* Past the 3-day honor period PayPal reauthorizes before capturing; a
     * merchant's reauthorization starts a new honor period. */
    int64_t honor_from = o.reauth_ms > 0 ? o.reauth_ms : o.auth_ms;
    int honor_over = now > honor_from + PAYPAL_HONOR_SECONDS * MS_PER_S;
    const char *extra = honor_over ? "honor_period=expired\n" : "honor_period=valid\n";
    TENDER_SET(res, processor_ref, id);
    res->amount = req->amount;
    if (strcmp(status, "PENDING") == 0) {
        tender_copy_string(o.pending_capture_id, sizeof o.pending_capture_id, id);
        o.pending_capture_amount = pp;
        res->outcome = TENDER_OUTCOME_PENDING;
        TENDER_SET(res, raw_code, "PENDING");
        TENDER_SETF(res, message, "PayPal capture %s is PENDING", id);
    } else if (strcmp(status, "COMPLETED") == 0) {
        paypal_captures_add(&o, id, pp);
        o.captured += pp;
        tender_copy_string(o.last_capture_id, sizeof o.last_capture_id, id);
        tender_copy_string(o.auth_status, sizeof o.auth_status,
                           o.captured >= o.auth_amount ? "CAPTURED" : "PARTIALLY_CAPTURED");
        res->outcome = TENDER_OUTCOME_APPROVED;
        TENDER_SET(res, raw_code, "COMPLETED");
        TENDER_SETF(res, message, "PayPal capture %s COMPLETED%s", id,
                    honor_over ? " after the 3-day honor period (PayPal reauthorized)" : "");
    } else {
        paypal_decline(res, "DENIED", "PayPal capture %s is %s", id, status);
    }
    paypal_rest_reply_clear(&reply);
    paypal_order_finish(&o, res, extra);
}

void paypal_order_void(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL)
        return;
    if (o.auth_id[0] == '\0') {
        if (o.captured > 0 || o.pending_capture_id[0] != '\0') {
            paypal_decline(res, "ORDER_ALREADY_CAPTURED", "order %s is captured: refund it instead",
                           o.order_id);
            return;
        }
        if (strcmp(o.status, "VOIDED") == 0) {
            paypal_decline(res, "PREVIOUSLY_VOIDED", "order %s was already voided", o.order_id);
            return;
        }
        /* Orders v2 has no call to cancel an order: one nobody completed
         * simply expires at PayPal. */
        tender_copy_string(o.status, sizeof o.status, "VOIDED");
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "VOIDED", NULL);
        TENDER_SETF(res, message, "PayPal order %s abandoned before completion (it expires at PayPal)", o.order_id);
        res->amount = 0;
        paypal_order_finish(&o, res, NULL);
        return;
    }
    char path[128];
    tender_format_string(path, sizeof path, "/v2/payments/authorizations/%s/void", o.auth_id);
    PaypalRestReply reply;
    paypal_rest_call(inst, "POST", path, NULL, req->request_id, &reply);
    if (reply.status != PAYPAL_REST_OK) {
        paypal_result_from_failure(res, &reply);
        paypal_rest_reply_clear(&reply);
        paypal_order_finish(&o, res, NULL);
        return;
    }
    paypal_rest_reply_clear(&reply);
    /* After partial captures the void releases the rest. */
    tender_copy_string(o.auth_status, sizeof o.auth_status, "VOIDED");
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "VOIDED", NULL);
    TENDER_SETF(res, message, "PayPal authorization %s VOIDED", o.auth_id);
    res->amount = 0;
    TENDER_SET(res, processor_ref, o.auth_id);
    paypal_order_finish(&o, res, NULL);
}

/* Payments v2 reauthorize: PayPal renews the hold from day 4 to day 29 of
 * the original authorization, once, for up to 115% of it, and answers with
 * a new authorization (with a new 3-day honor period) that later captures
 * and voids use. The window is PayPal's to judge, on PayPal's clock: the
 * plugin does not guess it (a refusal such as REAUTHORIZATION_TOO_SOON or
 * AUTHORIZATION_EXPIRED comes back as a decline with PayPal's issue). */
void paypal_order_reauthorize(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL)
        return;
    if (o.auth_id[0] == '\0' || strcmp(o.intent, "AUTHORIZE") != 0) {
        paypal_decline(res, "REAUTHORIZATION_NOT_SUPPORTED",
                       "order %s has no authorization to reauthorize", o.order_id);
        return;
    }
    int64_t pp;
    if (!paypal_request_amount(cur, req, res, &pp))
        return;
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    paypal_add_money(b, "amount", cur, pp);
    json_builder_end_object(b);
    char *body = paypal_builder_text(b);
    PaypalRestReply reply;
    const char *id, *status;
    int answered =
        authorization_call(inst, &o, "reauthorize", body, req, res, &reply, &id, &status);
    g_free(body);
    if (!answered)
        return;
    if (strcmp(status, "CREATED") != 0 && strcmp(status, "PENDING") != 0) {
        paypal_decline(res, "DENIED", "PayPal reauthorization %s is %s", id, status);
        paypal_rest_reply_clear(&reply);
        paypal_order_finish(&o, res, NULL);
        return;
    }
    int64_t held = json_node_get_node_type(reply.json) == JSON_NODE_OBJECT
                       ? paypal_amount_of(json_node_get_object(reply.json), cur, pp)
                       : pp;
    char previous[PAYPAL_ID_MAX];
    tender_copy_string(previous, sizeof previous, o.auth_id);
    tender_copy_string(o.auth_id, sizeof o.auth_id, id);
    tender_copy_string(o.auth_status, sizeof o.auth_status, "CREATED");
    o.auth_amount = held;
    o.reauth_ms = tender_now_ms(inst->host);
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->amount = paypal_to_request_units(cur, held, req);
    TENDER_SET(res, processor_ref, o.auth_id);
    TENDER_SET(res, raw_code, status);
    TENDER_SETF(res, message, "PayPal reauthorization %s replaces authorization %s", o.auth_id,
                previous);
    paypal_rest_reply_clear(&reply); /* id and status point into it */
    paypal_order_finish(&o, res, "honor_period=valid\n");
}

/* Each part of a refund carries its own PayPal-Request-Id, derived from the
 * refund's request id and the capture's id: a retry of the same refund (the
 * host retries with the same request id and the same plugin_state, so the
 * split is the same) replays every part PayPal already made, and no capture
 * is refunded twice. PayPal takes at most 108 characters; a longer pair is
 * sent as its SHA-256. NULL when the request has no id. */
#define PAYPAL_REQUEST_ID_MAX 108

static const char *part_request_id(const char *request_id, const char *capture_id, char *out,
                                   size_t out_size)
{
    if (request_id == NULL || request_id[0] == '\0')
        return NULL;
    if (strlen(request_id) + 1 + strlen(capture_id) <= PAYPAL_REQUEST_ID_MAX) {
        tender_format_string(out, out_size, "%s-%s", request_id, capture_id);
        return out;
    }
    char *pair = g_strconcat(request_id, "|", capture_id, NULL);
    char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, pair, -1);
    tender_copy_string(out, out_size, digest);
    g_free(digest);
    g_free(pair);
    return out;
}

/* POST one part's refund. Returns the refund's id in id_out, or 0 with
 * *failed describing the failure (the reply is cleared). */
static int refund_part(PaypalInstance *inst, const PaypalCurrency *cur, const char *request_id,
                       const PaypalRefundPart *part, char *id_out, size_t id_size,
                       char *status_out, size_t status_size, PaypalRestReply *failed)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    paypal_add_money(b, "amount", cur, part->amount);
    json_builder_end_object(b);
    char *body = paypal_builder_text(b);
    char path[128];
    tender_format_string(path, sizeof path, "/v2/payments/captures/%s/refund", part->capture_id);
    char rid[PAYPAL_REQUEST_ID_MAX + 1];
    PaypalRestReply reply;
    paypal_rest_call(inst, "POST", path, body,
                     part_request_id(request_id, part->capture_id, rid, sizeof rid), &reply);
    g_free(body);
    if (reply.status != PAYPAL_REST_OK) {
        *failed = reply;
        return 0;
    }
    const char *id = paypal_json_string(reply.json, "id", NULL);
    if (id == NULL || strlen(id) >= id_size) {
        /* Sent and answered, but not readably: PayPal may have refunded. */
        paypal_rest_reply_clear(&reply);
        memset(failed, 0, sizeof *failed);
        failed->status = PAYPAL_REST_UNKNOWN;
        tender_format_string(failed->message, sizeof failed->message,
                             "PayPal's refund answer for capture %s lacks the refund id",
                             part->capture_id);
        return 0;
    }
    tender_copy_string(id_out, id_size, id);
    tender_copy_string(status_out, status_size,
                       paypal_json_string(reply.json, "status", NULL) ?: "COMPLETED");
    paypal_rest_reply_clear(&reply);
    return 1;
}

/* A payment-level refund is the host's contract, but PayPal refunds one
 * capture per call: the amount is split over the captures' refundable
 * remainders, oldest first (paypal_captures_split_refund), one call each.
 * When a later part fails after an earlier one was made, money has moved
 * and the refund as a whole is neither done nor declined: UNKNOWN, with the
 * plugin_state left as it was before the refund (so that a retry with the
 * same request id splits the same way and replays the parts made); sync
 * then settles the payment from the refunds PayPal lists on the order. */
void paypal_order_refund(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL)
        return;
    if (o.captured <= 0) {
        paypal_decline(res, "INVALID_RESOURCE_ID", "order %s has no completed capture to refund",
                       o.order_id);
        return;
    }
    if (o.refunded >= o.captured) {
        paypal_decline(res, "CAPTURE_FULLY_REFUNDED",
                       "the captures of order %s are fully refunded", o.order_id);
        return;
    }
    int64_t pp;
    if (!paypal_request_amount(cur, req, res, &pp))
        return;
    PaypalRefundPart parts[PAYPAL_RING_MAX];
    size_t n = paypal_captures_split_refund(&o, pp, parts);
    if (n == 0) {
        char left[32];
        paypal_amount_value(cur, o.captured - o.refunded, left, sizeof left);
        paypal_decline(res, "REFUND_AMOUNT_EXCEEDED",
                       "amount: the captures have %s %s left to refund", left, cur->code);
        return;
    }
    PaypalOrder done = o;
    char made[384] = "";
    char status[32] = "COMPLETED";
    for (size_t i = 0; i < n; i++) {
        char id[PAYPAL_ID_MAX];
        PaypalRestReply failed;
        if (!refund_part(inst, cur, req->request_id, &parts[i], id, sizeof id, status,
                         sizeof status, &failed)) {
            if (i == 0) {
                /* Nothing was refunded: the failure is the refund's. */
                paypal_result_from_failure(res, &failed);
                paypal_rest_reply_clear(&failed);
                paypal_order_finish(&o, res, NULL);
                return;
            }
            tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "UNKNOWN", NULL);
            TENDER_SETF(res, message,
                        "refund split over %zu captures: %s made, capture %s failed (%s%s%s); "
                        "money moved, sync settles it",
                        n, made, parts[i].capture_id, failed.issue,
                        failed.issue[0] ? ": " : "", failed.message);
            paypal_rest_reply_clear(&failed);
            paypal_order_finish(&o, res, NULL);
            return;
        }
        paypal_captures_refund(&done, parts[i].capture_id, parts[i].amount);
        done.refunded += parts[i].amount;
        tender_copy_string(done.last_refund_id, sizeof done.last_refund_id, id);
        paypal_ring_add(done.refund_ids, sizeof done.refund_ids, id);
        size_t used = strlen(made);
        tender_format_string(made + used, sizeof made - used, "%s%s of %s", used ? ", " : "", id,
                             parts[i].capture_id);
    }
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->amount = req->amount;
    TENDER_SET(res, processor_ref, done.last_refund_id);
    TENDER_SET(res, raw_code, status);
    TENDER_SETF(res, message, "PayPal refund%s %s", n > 1 ? "s" : "", made);
    paypal_order_finish(&done, res, NULL);
}
