/* Webhooks in the sandbox: verifying and identifying what PayPal POSTs,
 * applying it to the payment exactly once, and producing the webhook PayPal
 * would send when something happens to a sandbox payment. */
#include "paypal-orders.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <tender/sdk.h>

#include "paypal-errors.h"
#include "paypal-ids.h"
#include "paypal-orders-internal.h"
#include "paypal-webhook.h"

#define MS_PER_S 1000LL

/* PayPal's answer to a delivery: any 2xx stops its retries. */
static void reply(tender_result *res, uint32_t status)
{
    res->reply_status = status;
    TENDER_SET(res, reply_content_type, "text/plain");
    TENDER_SET(res, reply_body, "");
}

/* Verify and parse; on failure finish res as DECLINED with reply 400. */
static int read_webhook(const PaypalInstance *inst, const tender_request *req, tender_result *res,
                        PaypalWebhook *wh)
{
    char reason[200];
    if (!paypal_webhook_verify(inst->verify_key, inst->webhook_id, req, reason, sizeof reason)) {
        paypal_decline(res, "WEBHOOK_VERIFICATION_FAILURE", "webhook rejected: %s", reason);
        reply(res, 400);
        return 0;
    }
    if (!paypal_webhook_parse(req->body, req->body_len, wh, reason, sizeof reason)) {
        paypal_decline(res, "MALFORMED_REQUEST_JSON", "webhook rejected: %s", reason);
        reply(res, 400);
        return 0;
    }
    return 1;
}

void paypal_webhook_identify(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalWebhook wh;
    if (!read_webhook(inst, req, res, &wh))
        return;
    if (wh.custom_id[0] == '\0') {
        /* Genuine, but not about a Tender payment (custom_id unset): PayPal
         * gets its 200 so it stops retrying; nothing is applied. */
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "MISSING_REQUIRED_PARAMETER",
                              "webhook %s names no payment (resource custom_id is empty)", wh.id);
        reply(res, 200);
        return;
    }
    res->outcome = TENDER_OUTCOME_APPROVED;
    TENDER_SET(res, notify_payment_id, wh.custom_id);
    TENDER_SET(res, notify_id, wh.id);
    TENDER_SET(res, raw_code, wh.event_type);
    TENDER_SETF(res, message, "verified PayPal webhook %s (%s)", wh.id, wh.event_type);
    reply(res, 200);
}

/* ---- applying ------------------------------------------------------------ */

static void record_capture(PaypalOrder *o, const char *id, int64_t pp, int64_t now)
{
    o->captured += pp;
    if (o->first_capture_ms == 0)
        o->first_capture_ms = now;
    tender_copy_string(o->last_capture_id, sizeof o->last_capture_id, id);
    o->last_capture_amount = pp;
    paypal_ring_add(o->capture_ids, sizeof o->capture_ids, id);
    tender_copy_string(o->status, sizeof o->status, "COMPLETED");
    if (o->auth_id[0] != '\0')
        tender_copy_string(o->auth_status, sizeof o->auth_status,
                           o->captured >= o->auth_amount ? "CAPTURED" : "PARTIALLY_CAPTURED");
}

/* Apply wh to o; fills res's outcome/event/amount. Returns 0 when the
 * webhook changed nothing (already applied). */
static int apply_event(const PaypalInstance *inst, const tender_request *req, tender_result *res,
                       PaypalOrder *o, const PaypalCurrency *cur, const PaypalWebhook *wh,
                       int64_t pp)
{
    int64_t now = tender_now_ms(inst->host);
    const char *type = wh->event_type;
    if (strcmp(type, "CHECKOUT.ORDER.APPROVED") == 0) {
        int open = strcmp(o->status, "PAYER_ACTION_REQUIRED") == 0 ||
                   strcmp(o->status, "CREATED") == 0;
        if (!open)
            return 0;
        /* The merchant's job on this event: authorize or capture the order. */
        tender_copy_string(o->status, sizeof o->status, "APPROVED");
        o->approved_ms = now;
        o->extra_step_done = 1;
        if (wh->payer_id[0] != '\0')
            tender_copy_string(o->payer_id, sizeof o->payer_id, wh->payer_id);
        else
            paypal_derive_id2(o->payer_id, PAYPAL_PAYER_ID_LEN, o->order_id, "payer");
        paypal_order_after_approval(inst, req, res, o, cur);
        return 1;
    }
    if (strcmp(type, "PAYMENT.AUTHORIZATION.CREATED") == 0) {
        if (o->auth_id[0] != '\0' || strcmp(o->intent, "AUTHORIZE") != 0 ||
            strcmp(o->status, "VOIDED") == 0)
            return 0;
        tender_copy_string(o->auth_id, sizeof o->auth_id, wh->resource_id);
        tender_copy_string(o->auth_status, sizeof o->auth_status, "CREATED");
        o->auth_amount = pp > 0 ? pp : o->amount;
        o->auth_ms = now;
        tender_copy_string(o->status, sizeof o->status, "COMPLETED");
        if (o->payer_id[0] == '\0')
            paypal_derive_id2(o->payer_id, PAYPAL_PAYER_ID_LEN, o->order_id, "payer");
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_AUTHORIZED;
        res->amount = paypal_to_request_units(cur, o->auth_amount, req);
        TENDER_SET(res, raw_code, "CREATED");
        return 1;
    }
    if (strcmp(type, "PAYMENT.AUTHORIZATION.VOIDED") == 0) {
        if (strcmp(o->auth_id, wh->resource_id) != 0 || strcmp(o->auth_status, "VOIDED") == 0)
            return 0;
        tender_copy_string(o->auth_status, sizeof o->auth_status, "VOIDED");
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_VOIDED;
        TENDER_SET(res, raw_code, "VOIDED");
        return 1;
    }
    if (strcmp(type, "PAYMENT.CAPTURE.COMPLETED") == 0) {
        if (paypal_ring_contains(o->capture_ids, wh->resource_id))
            return 0;
        if (strcmp(o->pending_capture_id, wh->resource_id) == 0) {
            pp = o->pending_capture_amount;
            o->pending_capture_id[0] = '\0';
            o->pending_capture_amount = 0;
        }
        if (pp <= 0)
            return 0;
        record_capture(o, wh->resource_id, pp, now);
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = paypal_to_request_units(cur, o->captured, req);
        TENDER_SET(res, raw_code, "COMPLETED");
        return 1;
    }
    if (strcmp(type, "PAYMENT.CAPTURE.PENDING") == 0) {
        if (o->pending_capture_id[0] != '\0' ||
            paypal_ring_contains(o->capture_ids, wh->resource_id))
            return 0;
        tender_copy_string(o->pending_capture_id, sizeof o->pending_capture_id, wh->resource_id);
        o->pending_capture_amount = pp;
        tender_copy_string(o->status, sizeof o->status, "COMPLETED");
        res->outcome = TENDER_OUTCOME_PENDING;
        res->event = TENDER_EVENT_PENDING;
        TENDER_SET(res, raw_code, "PENDING");
        return 1;
    }
    if (strcmp(type, "PAYMENT.CAPTURE.DENIED") == 0) {
        int was_pending = strcmp(o->pending_capture_id, wh->resource_id) == 0;
        if (!was_pending && (o->captured > 0 || strcmp(o->decline_name, "DENIED") == 0 ||
                             paypal_ring_contains(o->capture_ids, wh->resource_id)))
            return 0;
        o->pending_capture_id[0] = '\0';
        o->pending_capture_amount = 0;
        tender_copy_string(o->decline_name, sizeof o->decline_name, "DENIED");
        paypal_decline(res, "DENIED", "PayPal denied capture %s", wh->resource_id);
        res->event = TENDER_EVENT_DECLINED;
        return 1;
    }
    if (strcmp(type, "PAYMENT.CAPTURE.REFUNDED") == 0) {
        if (paypal_ring_contains(o->refund_ids, wh->resource_id) || o->refunded >= o->captured)
            return 0;
        if (pp > o->captured - o->refunded)
            pp = o->captured - o->refunded;
        o->refunded += pp;
        tender_copy_string(o->last_refund_id, sizeof o->last_refund_id, wh->resource_id);
        o->last_refund_amount = pp;
        paypal_ring_add(o->refund_ids, sizeof o->refund_ids, wh->resource_id);
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_REFUNDED;
        res->amount = paypal_to_request_units(cur, o->refunded, req);
        TENDER_SET(res, raw_code, "COMPLETED");
        return 1;
    }
    /* Any other event type is acknowledged and ignored. */
    return 0;
}

void paypal_webhook_apply(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalWebhook wh;
    PaypalOrder o;
    if (!read_webhook(inst, req, res, &wh))
        return;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL) {
        reply(res, 400);
        return;
    }
    /* A genuine webhook, but is it about this payment and this order? */
    if ((req->payment_id != NULL && strcmp(wh.custom_id, req->payment_id) != 0) ||
        (wh.order_id[0] != '\0' && strcmp(wh.order_id, o.order_id) != 0) ||
        (wh.has_amount && strcmp(wh.currency, o.currency) != 0)) {
        paypal_decline(res, "WEBHOOK_VERIFICATION_FAILURE",
                       "webhook %s is about another payment, order or currency", wh.id);
        reply(res, 400);
        return;
    }
    int64_t pp = 0;
    if (wh.has_amount && !paypal_amount_parse(cur, wh.value, &pp)) {
        paypal_decline(res, "MALFORMED_REQUEST_JSON", "webhook %s: amount value %.20s is malformed",
                       wh.id, wh.value);
        reply(res, 400);
        return;
    }
    reply(res, 200);
    TENDER_SET(res, notify_payment_id, wh.custom_id);
    TENDER_SET(res, notify_id, wh.id);
    int changed = !paypal_ring_contains(o.webhook_ids, wh.id) &&
                  apply_event(inst, req, res, &o, cur, &wh, pp);
    if (!changed) {
        /* A repeat of a delivered webhook, or news the payment already has. */
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_NONE;
        res->decline_code = TENDER_DECLINE_NONE;
        res->amount = 0;
        TENDER_SET(res, raw_code, wh.event_type);
        TENDER_SETF(res, message, "webhook %s (%s) already applied: nothing changed", wh.id,
                    wh.event_type);
    } else if (res->message[0] == '\0') {
        TENDER_SETF(res, message, "applied PayPal webhook %s (%s)", wh.id, wh.event_type);
    }
    paypal_ring_add(o.webhook_ids, sizeof o.webhook_ids, wh.id);
    paypal_order_finish(&o, res, NULL);
}

/* ---- the sandbox's webhooks -------------------------------------------- */

static const char *event_type_for(const char *event)
{
    static const char *const aliases[][2] = {
        {"approved", "CHECKOUT.ORDER.APPROVED"},
        {"paid", "CHECKOUT.ORDER.APPROVED"},
        {"authorized", "PAYMENT.AUTHORIZATION.CREATED"},
        {"captured", "PAYMENT.CAPTURE.COMPLETED"},
        {"completed", "PAYMENT.CAPTURE.COMPLETED"},
        {"pending", "PAYMENT.CAPTURE.PENDING"},
        {"refunded", "PAYMENT.CAPTURE.REFUNDED"},
        {"denied", "PAYMENT.CAPTURE.DENIED"},
        {"voided", "PAYMENT.AUTHORIZATION.VOIDED"},
    };
    if (event == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(event, aliases[i][0]) == 0 || strcasecmp(event, aliases[i][1]) == 0)
            return aliases[i][1];
    return NULL;
}

void paypal_webhook_simulate(PaypalInstance *inst, const tender_request *req, const char *event,
                             tender_result *res)
{
    const char *type = event_type_for(event);
    if (type == NULL) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "UNKNOWN_EVENT",
                              "event %.60s: the sandbox sends approved, captured, refunded, "
                              "denied, voided or their PayPal event_type names", event ? event : "");
        return;
    }
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL)
        return;
    int64_t now = tender_now_ms(inst->host);
    char resource_id[PAYPAL_ID_LEN + 1] = "", value[32] = "", expires[32] = "", count[24];
    char payer_id[PAYPAL_PAYER_ID_LEN + 1] = "";
    int64_t pp = 0;
    PaypalWebhookEvent ev;
    memset(&ev, 0, sizeof ev);
    ev.event_type = type;
    ev.currency = o.currency;
    ev.custom_id = req->payment_id;
    ev.order_id = o.order_id;
    ev.now_ms = now;
    const char *refusal = NULL;
    int authorize = strcmp(o.intent, "AUTHORIZE") == 0;
    int voided_order = strcmp(o.status, "VOIDED") == 0 && o.auth_id[0] == '\0';

    if (strcmp(type, "CHECKOUT.ORDER.APPROVED") == 0) {
        if (voided_order)
            refusal = "the order was cancelled or has expired";
        tender_copy_string(resource_id, sizeof resource_id, o.order_id);
        ev.status = "APPROVED";
        ev.intent = o.intent;
        pp = o.amount;
        if (o.payer_id[0] == '\0')
            paypal_derive_id2(payer_id, PAYPAL_PAYER_ID_LEN, o.order_id, "payer");
        else
            tender_copy_string(payer_id, sizeof payer_id, o.payer_id);
        ev.payer_id = payer_id;
        ev.payer_email = o.payer_display;
        ev.country_code = paypal_country_code(o.region);
    } else if (strcmp(type, "PAYMENT.AUTHORIZATION.CREATED") == 0 ||
               strcmp(type, "PAYMENT.AUTHORIZATION.VOIDED") == 0) {
        int voiding = strcmp(type, "PAYMENT.AUTHORIZATION.VOIDED") == 0;
        if (!authorize || voided_order)
            refusal = "the order has no authorization (intent CAPTURE, or cancelled)";
        else if (voiding && o.auth_id[0] == '\0')
            refusal = "the order is not authorized yet";
        else if (voiding && strcmp(o.auth_status, "CAPTURED") == 0)
            refusal = "the authorization is fully captured";
        if (o.auth_id[0] != '\0')
            tender_copy_string(resource_id, sizeof resource_id, o.auth_id);
        else
            paypal_derive_id2(resource_id, PAYPAL_ID_LEN, o.order_id, "authorization");
        ev.status = voiding ? "VOIDED" : "CREATED";
        pp = o.auth_amount > 0 ? o.auth_amount : o.amount;
        paypal_format_time((o.auth_ms ? o.auth_ms : now) + PAYPAL_HOLD_SECONDS * MS_PER_S, 0,
                           expires, sizeof expires);
        ev.expiration_time = expires;
    } else if (strcmp(type, "PAYMENT.CAPTURE.COMPLETED") == 0 ||
               strcmp(type, "PAYMENT.CAPTURE.PENDING") == 0 ||
               strcmp(type, "PAYMENT.CAPTURE.DENIED") == 0) {
        int completed = strcmp(type, "PAYMENT.CAPTURE.COMPLETED") == 0;
        int denied = strcmp(type, "PAYMENT.CAPTURE.DENIED") == 0;
        ev.status = completed ? "COMPLETED" : denied ? "DECLINED" : "PENDING";
        ev.status_reason = completed ? NULL : denied ? NULL : "PENDING_REVIEW";
        ev.auth_id = o.auth_id;
        if (o.pending_capture_id[0] != '\0') {
            /* What became of the capture PayPal held as PENDING. */
            tender_copy_string(resource_id, sizeof resource_id, o.pending_capture_id);
            pp = o.pending_capture_amount;
        } else if (completed && o.last_capture_id[0] != '\0') {
            /* A redelivery of the last capture's webhook. */
            tender_copy_string(resource_id, sizeof resource_id, o.last_capture_id);
            pp = o.last_capture_amount;
        } else if (voided_order || (authorize && o.auth_id[0] == '\0') ||
                   strcmp(o.auth_status, "VOIDED") == 0) {
            refusal = "nothing is authorized or approved to capture";
        } else if (denied && authorize) {
            refusal = "no capture of this authorization is pending";
        } else if (!authorize) {
            if (o.captured > 0)
                refusal = "the order is already captured";
            paypal_derive_id2(resource_id, PAYPAL_ID_LEN, o.order_id, "capture");
            pp = o.amount;
        } else {
            /* A capture made outside Tender (PayPal dashboard) of what remains. */
            snprintf(count, sizeof count, "%lld", (long long)o.captured);
            const char *parts[] = {o.order_id, "dashboard-capture", count, NULL};
            paypal_derive_id(resource_id, PAYPAL_ID_LEN, parts);
            pp = o.auth_amount - o.captured;
            if (pp <= 0)
                refusal = "the authorization is fully captured";
        }
        ev.final_capture = !authorize || o.captured + pp >= o.auth_amount;
    } else { /* PAYMENT.CAPTURE.REFUNDED */
        ev.status = "COMPLETED";
        ev.capture_id = o.last_capture_id;
        if (o.last_refund_id[0] != '\0') {
            tender_copy_string(resource_id, sizeof resource_id, o.last_refund_id);
            pp = o.last_refund_amount;
        } else if (o.captured > o.refunded) {
            /* A refund made outside Tender (PayPal dashboard) of everything. */
            snprintf(count, sizeof count, "%lld", (long long)o.refunded);
            const char *parts[] = {o.order_id, "dashboard-refund", count, NULL};
            paypal_derive_id(resource_id, PAYPAL_ID_LEN, parts);
            pp = o.captured - o.refunded;
        } else {
            refusal = "nothing is captured to refund";
        }
    }
    if (refusal != NULL) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "UNPROCESSABLE_ENTITY",
                              "no %s webhook for this payment: %s", type, refusal);
        return;
    }
    paypal_amount_value(cur, pp, value, sizeof value);
    ev.resource_id = resource_id;
    ev.value = value;
    char event_id[64];
    paypal_webhook_event_id(&ev, event_id, sizeof event_id);
    char *body = paypal_webhook_body(&ev, event_id);
    if (body == NULL || strlen(body) >= sizeof res->notify_body ||
        !paypal_webhook_headers(inst->sandbox_key, inst->webhook_id, event_id, body, now,
                                res->notify_headers, sizeof res->notify_headers)) {
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "SANDBOX_ERROR",
                              "the sandbox could not build or sign the webhook");
        g_free(body);
        return;
    }
    TENDER_SET(res, notify_body, body);
    g_free(body);
    res->outcome = TENDER_OUTCOME_APPROVED;
    TENDER_SET(res, raw_code, type);
    TENDER_SETF(res, message, "PayPal would POST %s (%s) for resource %s", type, event_id,
                resource_id);
}
