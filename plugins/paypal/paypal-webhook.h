/* PayPal webhooks: verifying a delivery exactly as PayPal documents it, and
 * reading the event back.
 *
 * PayPal signs SHA256withRSA over
 *   "<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body>"
 * with the key of the certificate at PAYPAL-CERT-URL. The plugin fetches
 * that certificate through the host's http service (cached an hour per
 * URL), checks its chain against its trust store (webhook_ca_file, or the
 * system CAs when live) and its host (https, *.paypal.com; in sandbox mode
 * also the endpoint's own host), then checks the signature for its own
 * webhook_id. */
#ifndef PAYPAL_WEBHOOK_H
#define PAYPAL_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <json-glib/json-glib.h>

#include <tender/plugin.h>

#include "paypal.h"

typedef enum {
    PAYPAL_VERIFY_OK = 0,
    PAYPAL_VERIFY_FAILED,      /* not PayPal's: refuse */
    PAYPAL_VERIFY_UNREACHABLE, /* the certificate could not be fetched now */
} PaypalVerify;

PaypalVerify paypal_webhook_verify(PaypalInstance *inst, const tender_request *req, char *reason,
                                   size_t reason_size);

/* A webhook read back from its body. */
typedef struct {
    char id[64];
    char event_type[64];
    char resource_id[48];
    char status[32];
    char currency[8];
    char value[32];
    char custom_id[TENDER_RESULT_REF_MAX];
    char order_id[48];
    char auth_id[48];
    char capture_id[48];
    char payer_id[16];
    int has_amount;
} PaypalWebhook;

/* Parse the body. Returns 1 on success; 0 with a reason when it is not a
 * PayPal webhook event. */
int paypal_webhook_parse(const char *body, size_t body_len, PaypalWebhook *out, char *reason,
                         size_t reason_size);

/* The capture a refund resource belongs to, from its "up" link
 * (.../v2/payments/captures/{id}); webhooks and the order's payments.refunds
 * name it that way. Returns 0 when the refund names none. */
int paypal_refund_capture_id(JsonObject *refund, char *out, size_t out_size);

#endif
