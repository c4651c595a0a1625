/* Helpers shared by the sandbox's payment operations (paypal-orders.c) and
 * its webhook handling (paypal-notify.c). Private to the plugin. */
#ifndef PAYPAL_ORDERS_INTERNAL_H
#define PAYPAL_ORDERS_INTERNAL_H

#include <stdint.h>

#include <tender/plugin.h>

#include "paypal-currency.h"
#include "paypal-state.h"
#include "paypal.h"

/* Load the order from req->plugin_state; on failure finish res as DECLINED
 * (INVALID_RESOURCE_ID) and return NULL. Returns the order's currency. */
const PaypalCurrency *paypal_order_load(const tender_request *req, PaypalOrder *o,
                                        tender_result *res);

/* PayPal minor units -> the request's minor units (0 when impossible). */
int64_t paypal_to_request_units(const PaypalCurrency *cur, int64_t pp, const tender_request *req);

/* Save o into res->plugin_state and describe it in res->details (extra:
 * more "key=value" lines, may be NULL) and the display fields. */
void paypal_order_finish(const PaypalOrder *o, tender_result *res, const char *extra);

/* True when the authorization's 29 days are over at now. */
int paypal_auth_expired(const PaypalOrder *o, int64_t now);

/* The approval URL the payer is sent to. */
void paypal_approve_url(const PaypalOrder *o, char *out, size_t out_size);

/* After the payer approved (complete_action or CHECKOUT.ORDER.APPROVED):
 * authorize or capture the order by its intent and fill res (event
 * AUTHORIZED, CAPTURED, PENDING or DECLINED). */
void paypal_order_after_approval(const PaypalInstance *inst, const tender_request *req,
                                 tender_result *res, PaypalOrder *o, const PaypalCurrency *cur);

#endif
