/* The PayPal plugin's shared definitions: the instance (per configured
 * method) and PayPal's timing and capture constants. */
#ifndef PAYPAL_H
#define PAYPAL_H

#include <stdint.h>

#include <openssl/evp.h>

#include <tender/plugin.h>

#define PAYPAL_METHOD_ID "paypal"

/* An authorization is valid 29 days; PayPal honours the funds for 3. */
#define PAYPAL_HOLD_SECONDS (29LL * 86400)
#define PAYPAL_HONOR_SECONDS (3LL * 86400)
/* An order the payer has not approved expires after 3 hours. */
#define PAYPAL_ACTION_TIMEOUT_SECONDS (3LL * 3600)
/* Captures may total 115% of the authorization, and at most 75 USD more. */
#define PAYPAL_OVER_CAPTURE_BPS 11500
#define PAYPAL_OVER_CAPTURE_MAX_EXTRA_USD 7500
/* Refunds are possible for 180 days after a capture. */
#define PAYPAL_REFUND_WINDOW_SECONDS (180LL * 86400)

/* The sandbox's webhook id when none is configured. */
#define PAYPAL_SANDBOX_WEBHOOK_ID "1TENDER0SANDBOX0WH"

/* One configured PayPal method. Immutable after create, so operations may
 * run concurrently (the method declares THREAD_SAFE). */
typedef struct {
    const tender_host_services *host;
    char method_id[32];
    /* "CAPTURE" or "AUTHORIZE" when the operator set "intent"; "" when the
     * operation decides (see docs/methods/paypal.md). */
    char configured_intent[16];
    char webhook_id[128];
    char client_id[128];
    EVP_PKEY *verify_key;    /* verifies webhooks ("webhook_public_key") */
    EVP_PKEY *sandbox_key;   /* the sandbox's signing key (built-in, test only) */
} PaypalInstance;

#endif
