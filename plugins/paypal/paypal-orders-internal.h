/* Helpers shared by the operations (paypal-orders.c, paypal-payments.c)
 * and the webhooks (paypal-notify.c). Private to the plugin. */
#ifndef PAYPAL_ORDERS_INTERNAL_H
#define PAYPAL_ORDERS_INTERNAL_H

#include <stdint.h>

#include <json-glib/json-glib.h>

#include <tender/plugin.h>

#include "paypal-currency.h"
#include "paypal-rest.h"
#include "paypal-state.h"
#include "paypal.h"

/* Load the order from req->plugin_state; on failure finish res as DECLINED
 * (INVALID_RESOURCE_ID) and return NULL. Returns the order's currency. */
const PaypalCurrency *paypal_order_load(const tender_request *req, PaypalOrder *o,
                                        tender_result *res);

/* PayPal minor units -> the request's minor units (0 when impossible). */
int64_t paypal_to_request_units(const PaypalCurrency *cur, int64_t pp, const tender_request *req);

/* The request's amount in PayPal minor units; 0 after declining. */
int paypal_request_amount(const PaypalCurrency *cur, const tender_request *req, tender_result *res,
                          int64_t *pp);

/* Save o into res->plugin_state and describe it in res->details (extra:
 * more "key=value" lines, may be NULL) and the display fields. */
void paypal_order_finish(const PaypalOrder *o, tender_result *res, const char *extra);

/* True when the authorization's 29 days are over at now. */
int paypal_auth_expired(const PaypalOrder *o, int64_t now);

/* A failed REST call as the result: NOT_SENT, UNKNOWN, or DECLINED with
 * PayPal's issue and the plugin's decline mapping. */
void paypal_result_from_failure(tender_result *res, const PaypalRestReply *reply);

/* ACTION_REQUIRED: the payer goes (again) to o->approve_url. */
void paypal_ask_payer(const PaypalOrder *o, tender_result *res, const char *hint);

/* JSON money member and the builder's text (the builder is consumed). */
void paypal_add_money(JsonBuilder *b, const char *member, const PaypalCurrency *cur, int64_t pp);
char *paypal_builder_text(JsonBuilder *b);

/* The PayPal minor units of object's "amount", or fallback. */
int64_t paypal_amount_of(JsonObject *object, const PaypalCurrency *cur, int64_t fallback);

/* After the payer approved (complete_action, CHECKOUT.ORDER.APPROVED, or
 * sync finding the order APPROVED): authorize or capture the order by its
 * intent (PayPal-Request-Id "complete-<order>") and fill res (event
 * AUTHORIZED, CAPTURED, PENDING or DECLINED, or ACTION_REQUIRED again). */
void paypal_order_after_approval(PaypalInstance *inst, const tender_request *req,
                                 tender_result *res, PaypalOrder *o, const PaypalCurrency *cur);

#endif
