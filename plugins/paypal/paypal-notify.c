/* Webhooks: verifying and identifying what PayPal POSTs, and applying it
 * to the payment exactly once. PayPal stops retrying on any 2xx; a
 * delivery that does not verify gets 400, one whose certificate could not
 * be fetched 503, so PayPal tries again later. */
#include "paypal-orders.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <tender/sdk.h>

#include "paypal-errors.h"
#include "paypal-orders-internal.h"
#include "paypal-webhook.h"

static void reply(tender_result *res, uint32_t status)
{
    res->reply_status = status;
    TENDER_SET(res, reply_content_type, "text/plain");
    TENDER_SET(res, reply_body, "");
}

/* Verify and parse; on failure finish res as DECLINED with the reply. */
static int read_webhook(PaypalInstance *inst, const tender_request *req, tender_result *res,
                        PaypalWebhook *wh)
{
    char reason[300];
    PaypalVerify verdict = paypal_webhook_verify(inst, req, reason, sizeof reason);
    if (verdict != PAYPAL_VERIFY_OK) {
        paypal_decline(res, "WEBHOOK_VERIFICATION_FAILURE", "webhook rejected: %s", reason);
        reply(res, verdict == PAYPAL_VERIFY_UNREACHABLE ? 503 : 400);
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

static void record_capture(PaypalOrder *o, const char *id, int64_t pp)
{
    paypal_captures_add(o, id, pp);
    o->captured += pp;
    tender_copy_string(o->last_capture_id, sizeof o->last_capture_id, id);
    tender_copy_string(o->status, sizeof o->status, "COMPLETED");
    if (o->auth_id[0] != '\0')
        tender_copy_string(o->auth_status, sizeof o->auth_status,
                           o->captured >= o->auth_amount ? "CAPTURED" : "PARTIALLY_CAPTURED");
}

static int capture_known(const PaypalOrder *o, const char *id)
{
    int64_t amount = 0, refunded = 0;
    return paypal_captures_find(o, id, &amount, &refunded);
}

/* Apply wh to o; fills res's outcome/event/amount. Returns 0 when the
 * webhook changed nothing (the payment already knew). */
static int apply_event(PaypalInstance *inst, const tender_request *req, tender_result *res,
                       PaypalOrder *o, const PaypalCurrency *cur, const PaypalWebhook *wh,
                       int64_t pp)
{
    const char *type = wh->event_type;
    if (strcmp(type, "CHECKOUT.ORDER.APPROVED") == 0) {
        if (strcmp(o->status, "PAYER_ACTION_REQUIRED") != 0 && strcmp(o->status, "CREATED") != 0)
            return 0;
        /* The merchant's job on this event: authorize or capture the order. */
        tender_copy_string(o->status, sizeof o->status, "APPROVED");
        if (wh->payer_id[0] != '\0')
            tender_copy_string(o->payer_id, sizeof o->payer_id, wh->payer_id);
        paypal_order_after_approval(inst, req, res, o, cur);
        return 1;
    }
    if (strcmp(type, "PAYMENT.AUTHORIZATION.CREATED") == 0) {
        if (strcmp(o->auth_id, wh->resource_id) == 0 || strcmp(o->intent, "AUTHORIZE") != 0 ||
            (o->auth_id[0] != '\0' && o->captured > 0))
            return 0;
        /* The first authorization, or a reauthorization replacing it (made
         * elsewhere: this plugin's own already holds the new id). The 29
         * days count from the first; a reauthorization starts a new honor
         * period. */
        int reauthorization = o->auth_id[0] != '\0';
        tender_copy_string(o->auth_id, sizeof o->auth_id, wh->resource_id);
        tender_copy_string(o->auth_status, sizeof o->auth_status, "CREATED");
        o->auth_amount = pp > 0 ? pp : o->amount;
        if (reauthorization)
            o->reauth_ms = tender_now_ms(inst->host);
        else
            o->auth_ms = tender_now_ms(inst->host);
        tender_copy_string(o->status, sizeof o->status, "COMPLETED");
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
        if (capture_known(o, wh->resource_id))
            return 0;
        if (strcmp(o->pending_capture_id, wh->resource_id) == 0) {
            pp = o->pending_capture_amount;
            o->pending_capture_id[0] = '\0';
            o->pending_capture_amount = 0;
        }
        if (pp <= 0)
            return 0;
        record_capture(o, wh->resource_id, pp);
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = paypal_to_request_units(cur, o->captured, req);
        TENDER_SET(res, raw_code, "COMPLETED");
        return 1;
    }
    if (strcmp(type, "PAYMENT.CAPTURE.PENDING") == 0) {
        if (o->pending_capture_id[0] != '\0' || capture_known(o, wh->resource_id))
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
        if (strcmp(o->pending_capture_id, wh->resource_id) != 0)
            return 0;
        o->pending_capture_id[0] = '\0';
        o->pending_capture_amount = 0;
        tender_copy_string(o->decline_name, sizeof o->decline_name, "DENIED");
        paypal_decline(res, "DENIED", "PayPal denied capture %s", wh->resource_id);
        res->event = TENDER_EVENT_DECLINED;
        return 1;
    }
    if (strcmp(type, "PAYMENT.CAPTURE.REFUNDED") == 0) {
        /* The plugin's own refunds (every part of a split one) are
         * already counted: only a refund made elsewhere (PayPal's
         * dashboard) is news, known by its id. */
        if (strcmp(o->last_refund_id, wh->resource_id) == 0 ||
            paypal_ring_contains(o->refund_ids, wh->resource_id) || o->refunded >= o->captured)
            return 0;
        int64_t amount = 0, refunded = 0;
        if (wh->capture_id[0] != '\0' &&
            paypal_captures_find(o, wh->capture_id, &amount, &refunded)) {
            if (pp > amount - refunded)
                pp = amount - refunded;
            paypal_captures_refund(o, wh->capture_id, pp);
        } else if (pp > o->captured - o->refunded) {
            pp = o->captured - o->refunded;
        }
        if (pp <= 0)
            return 0;
        o->refunded += pp;
        tender_copy_string(o->last_refund_id, sizeof o->last_refund_id, wh->resource_id);
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
    } else if (res->outcome == TENDER_OUTCOME_UNKNOWN || res->outcome == TENDER_OUTCOME_NOT_SENT) {
        /* Completing the approved order did not get through: PayPal should
         * deliver again later, and sync settles it meanwhile. */
        reply(res, 503);
        return;
    } else if (res->message[0] == '\0') {
        TENDER_SETF(res, message, "applied PayPal webhook %s (%s)", wh.id, wh.event_type);
    }
    reply(res, 200);
    paypal_ring_add(o.webhook_ids, sizeof o.webhook_ids, wh.id);
    paypal_order_finish(&o, res, NULL);
}
