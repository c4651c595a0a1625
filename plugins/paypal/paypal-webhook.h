/* PayPal webhooks: the JSON event PayPal POSTs, its signed headers, and
 * reading one back. The sandbox builds exactly what PayPal would send; the
 * plugin verifies it exactly as PayPal's verification does (see
 * paypal-signature.h for the signed text). */
#ifndef PAYPAL_WEBHOOK_H
#define PAYPAL_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <tender/plugin.h>

/* Where PayPal's sandbox serves its signing certificate (the header value
 * the sandbox sends; the plugin only accepts paypal.com URLs). */
#define PAYPAL_SANDBOX_CERT_URL \
    "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-tender-sandbox"

/* One event to describe. Strings may be NULL/empty when not applicable. */
typedef struct {
    const char *event_type;     /* CHECKOUT.ORDER.APPROVED, PAYMENT.CAPTURE.COMPLETED, … */
    const char *resource_id;    /* order, authorization, capture or refund id */
    const char *status;         /* the resource's status */
    const char *currency;
    const char *value;          /* PayPal "value" string */
    const char *custom_id;      /* the host's payment id */
    const char *order_id;       /* related order (supplementary_data) */
    const char *auth_id;        /* related authorization (captures) */
    const char *capture_id;     /* the capture a refund belongs to */
    const char *intent;         /* orders */
    const char *payer_id;       /* orders */
    const char *payer_email;    /* orders: display form only */
    const char *country_code;   /* orders: PayPal's code (C2 for China) */
    const char *status_reason;  /* captures: status_details.reason */
    const char *expiration_time;/* authorizations */
    int final_capture;          /* captures */
    int64_t now_ms;             /* create_time of event and resource */
} PaypalWebhookEvent;

/* The webhook's event id for ev ("WH-…-…"), derived from the resource and
 * its status so that PayPal's retries of one event share it. out holds 48. */
void paypal_webhook_event_id(const PaypalWebhookEvent *ev, char *out, size_t out_size);

/* The JSON body for ev (newly allocated; free with g_free()). NULL if ev's
 * event type is not one this plugin builds. */
char *paypal_webhook_body(const PaypalWebhookEvent *ev, const char *event_id);

/* Sign body as PayPal would and write the header lines ("Name: value\n")
 * into headers. Returns 1 on success. */
int paypal_webhook_headers(EVP_PKEY *key, const char *webhook_id, const char *event_id,
                           const char *body, int64_t now_ms, char *headers, size_t headers_size);

/* A webhook read back from its body. */
typedef struct {
    char id[64];
    char event_type[64];
    char resource_id[32];
    char status[32];
    char currency[8];
    char value[32];
    char custom_id[TENDER_RESULT_REF_MAX];
    char order_id[32];
    char auth_id[32];
    char payer_id[16];
    int has_amount;
} PaypalWebhook;

/* Check the signed headers of req against key and webhook_id. Returns 1
 * when the signature verifies; 0 with a reason otherwise. */
int paypal_webhook_verify(EVP_PKEY *key, const char *webhook_id, const tender_request *req,
                          char *reason, size_t reason_size);

/* Parse the body. Returns 1 on success; 0 with a reason when it is not a
 * PayPal webhook event. */
int paypal_webhook_parse(const char *body, size_t body_len, PaypalWebhook *out, char *reason,
                         size_t reason_size);

#endif
