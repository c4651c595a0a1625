/* An Alipay method instance: the method's settings, read once at create,
 * and the loaded keys. Read-only after create, so one instance serves
 * concurrent calls (the method declares TENDER_CAP_THREAD_SAFE). */
#ifndef ALIPAY_INSTANCE_H
#define ALIPAY_INSTANCE_H

#include <openssl/evp.h>

#include <tender/plugin.h>

/* The gateways `mode` chooses when `endpoint` is not set. */
#define ALIPAY_LIVE_ENDPOINT "https://openapi.alipay.com/gateway.do"
#define ALIPAY_SANDBOX_ENDPOINT "https://openapi-sandbox.dl.alipaydev.com/gateway.do"

typedef struct {
    const tender_host_services *host;
    char method_id[32];
    int has_http;                 /* the host lends the http service (ABI 1.1) */
    int live;                     /* "mode": 1 for live, 0 for sandbox */
    char endpoint[512];           /* gateway.do's URL */
    char app_id[33];
    char seller_id[17];           /* optional: notifications must name it */
    char settle_currency[4];      /* what the merchant is paid out in */
    char timeout_express[8];      /* default timeout of an unpaid trade */
    char notify_url[256];         /* optional: sent with requests */
    char return_url[256];         /* optional: page/wap pay's way back */
    EVP_PKEY *alipay_public;      /* verifies answers and notifications */
    EVP_PKEY *app_private;        /* signs requests */
} AlipayInstance;

/* The ABI's create/destroy: read the settings (app_id, app_private_key and
 * alipay_public_key required), load the keys; fail with a message naming
 * the bad setting. */
int alipay_instance_create(const tender_host_services *host, const char *method_id,
                           void **instance, char *error, size_t error_size);
void alipay_instance_destroy(void *instance);

#endif
