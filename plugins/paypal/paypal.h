/* The PayPal plugin's shared definitions: the instance (per configured
 * method) and PayPal's timing and capture constants. */
#ifndef PAYPAL_H
#define PAYPAL_H

#include <stdint.h>

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

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

/* PayPal's documented base URLs, chosen by `mode` when `endpoint` is unset. */
#define PAYPAL_SANDBOX_ENDPOINT "https://api-m.sandbox.paypal.com"
#define PAYPAL_LIVE_ENDPOINT "https://api-m.paypal.com"

/* One configured PayPal method. The settings are immutable after create;
 * the token and certificate caches change under `lock`, so operations may
 * run concurrently (the method declares THREAD_SAFE). */
typedef struct {
    const tender_host_services *host;
    char method_id[32];
    /* "CAPTURE" or "AUTHORIZE" when the operator set "intent"; "" when the
     * operation decides (see docs/methods/paypal.md). */
    char configured_intent[16];
    int live;                      /* mode "live" */
    char endpoint[512];            /* no trailing slash */
    char client_id[256];
    char client_secret[256];
    char webhook_id[128];          /* "" : webhooks are refused */
    X509_STORE *webhook_trust;     /* webhook_ca_file, or the system CAs when live */

    GMutex lock;
    char token[1024];              /* "" when none */
    int64_t token_expires_us;      /* monotonic clock */
    char cert_url[512];            /* the last certificate fetched, verified */
    EVP_PKEY *cert_key;
    int64_t cert_expires_us;
} PaypalInstance;

#endif
