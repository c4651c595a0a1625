/* The payment operations as PayPal REST calls (Orders v2, Payments v2)
 * through the host's http service. Every function reads the payment from
 * req->plugin_state and writes the new state into res. */
#ifndef PAYPAL_ORDERS_H
#define PAYPAL_ORDERS_H

#include <tender/plugin.h>

#include "paypal.h"

/* Create an order (authorize: intent AUTHORIZE, purchase: CAPTURE, unless
 * the "intent" parameter or setting says otherwise) and send the payer to
 * approve it: ACTION_REQUIRED with a REDIRECT. */
void paypal_order_create(PaypalInstance *inst, const tender_request *req, tender_result *res,
                         int purchase);

/* The payer's answer (payer_action=approve|cancel, or PayerID+token from the
 * return URL); on approval the order is authorized or captured. */
void paypal_order_complete(PaypalInstance *inst, const tender_request *req, tender_result *res);

/* Capture (part of) the authorization, void it, refund (part of) what was
 * captured. */
void paypal_order_capture(PaypalInstance *inst, const tender_request *req, tender_result *res);
void paypal_order_void(PaypalInstance *inst, const tender_request *req, tender_result *res);
void paypal_order_refund(PaypalInstance *inst, const tender_request *req, tender_result *res);
/* Renew the authorization (Payments v2 reauthorize, ABI 1.2): the new
 * authorization's id becomes the one later captures use. */
void paypal_order_reauthorize(PaypalInstance *inst, const tender_request *req, tender_result *res);

/* The truth about the payment, from PayPal (GET the order). */
void paypal_order_sync(PaypalInstance *inst, const tender_request *req, tender_result *res);

/* Webhooks: verify and identify (no payment context), then apply with the
 * payment's context. */
void paypal_webhook_identify(PaypalInstance *inst, const tender_request *req, tender_result *res);
void paypal_webhook_apply(PaypalInstance *inst, const tender_request *req, tender_result *res);

#endif
