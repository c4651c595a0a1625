/* An Alipay method instance: the method's settings, read once at create,
 * and the loaded keys. Read-only after create, so one instance serves
 * concurrent calls (the method declares TENDER_CAP_THREAD_SAFE). */
#ifndef ALIPAY_INSTANCE_H
#define ALIPAY_INSTANCE_H

#include <openssl/evp.h>

#include <tender/plugin.h>

typedef struct {
    const tender_host_services *host;
    char method_id[32];
    char app_id[33];
    char seller_id[17];           /* the merchant's Alipay user id (2088…) */
    char settle_currency[4];      /* what the merchant is paid out in */
    char timeout_express[8];      /* default timeout of an unpaid trade */
    char notify_url[256];         /* optional: sent with requests */
    EVP_PKEY *alipay_public;      /* verifies notifications */
    EVP_PKEY *app_private;        /* signs requests */
    /* The sandbox gateway's side. */
    EVP_PKEY *app_public;         /* verifies the requests it receives */
    EVP_PKEY *platform_private;   /* signs the notifications it sends */
} AlipayInstance;

/* The ABI's create/destroy: read the settings (all optional, sandbox
 * defaults), load the keys; fail with a message naming the bad setting. */
int alipay_instance_create(const tender_host_services *host, const char *method_id,
                           void **instance, char *error, size_t error_size);
void alipay_instance_destroy(void *instance);


#endif
