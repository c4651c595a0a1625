/* sync: the truth from PayPal, GET /v2/checkout/orders/{id}, with the
 * order's authorizations and captures. An order the payer approved but
 * nobody completed (the shop's complete call was lost) is completed here,
 * with the same PayPal-Request-Id as every other completion, so reconcile
 * settles it; refunds are not listed on the order, so their total is the
 * one this plugin recorded. */
#include "paypal-orders.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "paypal-errors.h"
#include "paypal-orders-internal.h"
#include "paypal-rest.h"
#include "paypal-webhook.h"

#define MS_PER_S 1000LL

/* PayPal lists the order's refunds (payments.refunds), each naming its
 * capture by its "up" link: when the list is there it is the truth about
 * what each capture has refunded, including the parts of a split refund
 * whose answers were lost. Without it the totals recorded here stand. */
static void read_refunds(PaypalOrder *o, const PaypalCurrency *cur, JsonObject *payments)
{
    if (!json_object_has_member(payments, "refunds") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(payments, "refunds")))
        return;
    JsonArray *list = json_object_get_array_member(payments, "refunds");
    PaypalOrder counted = *o;
    /* Every known capture from zero, then PayPal's refunds added. */
    paypal_captures_reset_refunds(&counted);
    int64_t amount = 0, refunded = 0;
    char id[PAYPAL_ID_MAX];
    int64_t total = 0;
    char last[PAYPAL_ID_MAX] = "";
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonNode *node = json_array_get_element(list, i);
        JsonObject *r = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
        const char *status = r != NULL ? paypal_json_string(node, "status", NULL) : NULL;
        const char *refund_id = r != NULL ? paypal_json_string(node, "id", NULL) : NULL;
        if (status == NULL || refund_id == NULL || strcmp(status, "COMPLETED") != 0 ||
            !paypal_refund_capture_id(r, id, sizeof id) ||
            !paypal_captures_find(&counted, id, &amount, &refunded))
            continue;
        int64_t pp = paypal_amount_of(r, cur, 0);
        paypal_captures_set_refunded(&counted, id, refunded + pp);
        paypal_ring_add(counted.refund_ids, sizeof counted.refund_ids, refund_id);
        tender_copy_string(last, sizeof last, refund_id);
        total += pp;
    }
    counted.refunded = total;
    if (last[0] != '\0')
        tender_copy_string(counted.last_refund_id, sizeof counted.last_refund_id, last);
    *o = counted;
}

/* Read what the order's payments say into o. */
static void read_payments(PaypalOrder *o, const PaypalCurrency *cur, JsonNode *order)
{
    JsonObject *payments = paypal_json_object(order, "purchase_units", "0", "payments", NULL);
    if (payments == NULL)
        return;
    if (json_object_has_member(payments, "authorizations")) {
        JsonArray *list = json_object_get_array_member(payments, "authorizations");
        guint n = list != NULL ? json_array_get_length(list) : 0;
        if (n > 0) {
            /* The newest: a reauthorization follows the original. */
            JsonObject *a = json_array_get_object_element(list, n - 1);
            const char *id = json_object_get_string_member_with_default(a, "id", "");
            if (o->auth_id[0] == '\0' || strcmp(o->auth_id, id) != 0) {
                tender_copy_string(o->auth_id, sizeof o->auth_id, id);
                o->auth_amount = paypal_amount_of(a, cur, o->amount);
            }
            tender_copy_string(o->auth_status, sizeof o->auth_status,
                               json_object_get_string_member_with_default(a, "status", ""));
        }
    }
    if (json_object_has_member(payments, "captures")) {
        JsonArray *list = json_object_get_array_member(payments, "captures");
        int64_t captured = 0;
        o->pending_capture_id[0] = '\0';
        o->pending_capture_amount = 0;
        for (guint i = 0; list != NULL && i < json_array_get_length(list); i++) {
            JsonObject *c = json_array_get_object_element(list, i);
            const char *id = json_object_get_string_member_with_default(c, "id", "");
            const char *status = json_object_get_string_member_with_default(c, "status", "");
            int64_t pp = paypal_amount_of(c, cur, 0);
            if (strcmp(status, "PENDING") == 0) {
                tender_copy_string(o->pending_capture_id, sizeof o->pending_capture_id, id);
                o->pending_capture_amount = pp;
            } else if (strcmp(status, "COMPLETED") == 0 || strcmp(status, "PARTIALLY_REFUNDED") == 0 ||
                       strcmp(status, "REFUNDED") == 0) {
                captured += pp;
                paypal_captures_add(o, id, pp);
                tender_copy_string(o->last_capture_id, sizeof o->last_capture_id, id);
                if (strcmp(status, "REFUNDED") == 0) {
                    int64_t amount = 0, refunded = 0;
                    if (paypal_captures_find(o, id, &amount, &refunded) && refunded < amount) {
                        paypal_captures_refund(o, id, amount - refunded);
                        o->refunded += amount - refunded;
                    }
                }
            } else if (strcmp(status, "DECLINED") == 0 || strcmp(status, "FAILED") == 0) {
                tender_copy_string(o->decline_name, sizeof o->decline_name, "DENIED");
            }
        }
        o->captured = captured;
    }
    read_refunds(o, cur, payments);
}

/* res from what o now says. */
static void describe(const PaypalOrder *o, const PaypalCurrency *cur, const tender_request *req,
                     tender_result *res, int64_t now)
{
    if (o->pending_capture_id[0] != '\0') {
        tender_result_outcome(res, TENDER_OUTCOME_PENDING, "PENDING", NULL);
        TENDER_SETF(res, message, "capture %s is PENDING at PayPal", o->pending_capture_id);
        res->event = TENDER_EVENT_PENDING;
    } else if (o->refunded > 0) {
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "REFUNDED", "refunds COMPLETED");
        res->event = TENDER_EVENT_REFUNDED;
        res->amount = paypal_to_request_units(cur, o->refunded, req);
    } else if (o->captured > 0) {
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "COMPLETED", "captures COMPLETED");
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = paypal_to_request_units(cur, o->captured, req);
    } else if (o->auth_id[0] != '\0' && strcmp(o->auth_status, "VOIDED") == 0) {
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "VOIDED", NULL);
        TENDER_SETF(res, message, "authorization %s VOIDED", o->auth_id);
        res->event = TENDER_EVENT_VOIDED;
    } else if (o->auth_id[0] != '\0' &&
               (strcmp(o->auth_status, "EXPIRED") == 0 || paypal_auth_expired(o, now))) {
        paypal_decline(res, "AUTHORIZATION_EXPIRED", "authorization %s has expired", o->auth_id);
        res->event = TENDER_EVENT_EXPIRED;
    } else if (o->auth_id[0] != '\0') {
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, o->auth_status[0] ? o->auth_status : "CREATED", NULL);
        TENDER_SETF(res, message, "authorization %s %s", o->auth_id, o->auth_status);
        res->event = TENDER_EVENT_AUTHORIZED;
        res->amount = paypal_to_request_units(cur, o->auth_amount, req);
    } else {
        paypal_decline(res, o->decline_name[0] ? o->decline_name : "ORDER_NOT_APPROVED",
                       "order %s was approved but not paid", o->order_id);
        res->event = TENDER_EVENT_DECLINED;
    }
}

void paypal_order_sync(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL)
        return;
    int64_t now = tender_now_ms(inst->host);
    if (strcmp(o.status, "VOIDED") == 0 && o.auth_id[0] == '\0') {
        /* Cancelled by the payer, expired or abandoned here: PayPal keeps
         * nothing to ask about. */
        if (o.decline_name[0] != '\0') {
            paypal_decline(res, o.decline_name, "order %s: %s", o.order_id, o.decline_name);
            res->event = strcmp(o.decline_name, "ORDER_EXPIRED") == 0 ? TENDER_EVENT_EXPIRED
                                                                       : TENDER_EVENT_DECLINED;
        } else {
            tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "VOIDED", "the order was voided");
            res->event = TENDER_EVENT_VOIDED;
        }
        paypal_order_finish(&o, res, NULL);
        return;
    }
    char path[128];
    tender_format_string(path, sizeof path, "/v2/checkout/orders/%s", o.order_id);
    PaypalRestReply reply;
    paypal_rest_call(inst, "GET", path, NULL, NULL, &reply);
    if (reply.status != PAYPAL_REST_OK) {
        paypal_result_from_failure(res, &reply);
        if (reply.status == PAYPAL_REST_REFUSED)
            res->event = TENDER_EVENT_DECLINED;
        paypal_rest_reply_clear(&reply);
        return;
    }
    const char *status = paypal_json_string(reply.json, "status", NULL);
    if (status == NULL) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "UNKNOWN",
                              "PayPal's order answer has no status");
        paypal_rest_reply_clear(&reply);
        return;
    }
    int expired = now > o.created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S;
    if (strcmp(status, "CREATED") == 0 || strcmp(status, "PAYER_ACTION_REQUIRED") == 0) {
        if (expired) {
            tender_copy_string(o.status, sizeof o.status, "VOIDED");
            tender_copy_string(o.decline_name, sizeof o.decline_name, "ORDER_EXPIRED");
            paypal_decline(res, "ORDER_EXPIRED", "order %s was never approved and has expired",
                           o.order_id);
            res->event = TENDER_EVENT_EXPIRED;
        } else {
            tender_copy_string(o.status, sizeof o.status, status);
            paypal_ask_payer(&o, res, "Log in to PayPal and approve the payment.");
            TENDER_SETF(res, message, "order %s waits for the payer's approval", o.order_id);
        }
    } else if (strcmp(status, "APPROVED") == 0 && !expired) {
        tender_copy_string(o.status, sizeof o.status, "APPROVED");
        const char *payer_id = paypal_json_string(reply.json, "payer", "payer_id", NULL);
        if (payer_id != NULL)
            tender_copy_string(o.payer_id, sizeof o.payer_id, payer_id);
        paypal_order_after_approval(inst, req, res, &o, cur);
    } else if (strcmp(status, "COMPLETED") == 0) {
        tender_copy_string(o.status, sizeof o.status, "COMPLETED");
        read_payments(&o, cur, reply.json);
        describe(&o, cur, req, res, now);
    } else {
        tender_copy_string(o.status, sizeof o.status, "VOIDED");
        if (expired && o.decline_name[0] == '\0')
            tender_copy_string(o.decline_name, sizeof o.decline_name, "ORDER_EXPIRED");
        paypal_decline(res, o.decline_name[0] ? o.decline_name : "ORDER_NOT_APPROVED",
                       "order %s is %s at PayPal", o.order_id, status);
        res->event = expired ? TENDER_EVENT_EXPIRED : TENDER_EVENT_DECLINED;
    }
    paypal_rest_reply_clear(&reply);
    paypal_order_finish(&o, res, NULL);
}
