/* Webhook signatures as PayPal makes them (see paypal-signature.h). */
#include "paypal-signature.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk-rsa.h>
#include <tender/sdk.h>

uint32_t paypal_crc32(const void *data, size_t len)
{
    /* Bitwise form of the reflected polynomial 0xEDB88320: no table, so no
     * static state; webhook bodies are a few kilobytes, speed is moot. */
    const unsigned char *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

EVP_PKEY *paypal_load_public_key(const char *pem, char *error, size_t error_size)
{
    return tender_rsa_load_public(pem, "the webhook key", 0, error, error_size);
}

int paypal_signed_text(const char *transmission_id, const char *transmission_time,
                       const char *webhook_id, const char *body, size_t body_len,
                       char *out, size_t out_size)
{
    uint32_t crc = paypal_crc32(body, body_len);
    int n = snprintf(out, out_size, "%s|%s|%s|%lu", transmission_id, transmission_time,
                     webhook_id, (unsigned long)crc);
    return n >= 0 && (size_t)n < out_size;
}

int paypal_verify_webhook(EVP_PKEY *key, const char *transmission_id,
                          const char *transmission_time, const char *webhook_id,
                          const char *body, size_t body_len, const char *sig_b64)
{
    char text[512];
    if (key == NULL || transmission_id == NULL || transmission_time == NULL ||
        webhook_id == NULL || body == NULL || sig_b64 == NULL)
        return 0;
    if (!paypal_signed_text(transmission_id, transmission_time, webhook_id, body, body_len,
                            text, sizeof text))
        return 0;
    return tender_rsa_sha256_verify(key, text, strlen(text), sig_b64);
}
