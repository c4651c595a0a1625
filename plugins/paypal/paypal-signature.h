/* PayPal's webhook signature: SHA256withRSA over
 *   "<transmission_id>|<transmission_time>|<webhook_id>|<crc32 of body>"
 * with the CRC32 written as an unsigned decimal, the signature base64 in the
 * PAYPAL-TRANSMISSION-SIG header. */
#ifndef PAYPAL_SIGNATURE_H
#define PAYPAL_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* CRC-32 (IEEE 802.3, the zlib/PNG one) of len bytes. */
uint32_t paypal_crc32(const void *data, size_t len);

/* Load a public key (SubjectPublicKeyInfo PEM, or an X.509 certificate
 * PEM). NULL and a message in error when the text is not such a key or not
 * RSA. */
EVP_PKEY *paypal_load_public_key(const char *pem, char *error, size_t error_size);

/* The signed text: "<id>|<time>|<webhook_id>|<crc32(body)>" into out. */
int paypal_signed_text(const char *transmission_id, const char *transmission_time,
                       const char *webhook_id, const char *body, size_t body_len,
                       char *out, size_t out_size);

/* Verify a webhook's base64 signature with key. Returns 1 when it verifies,
 * 0 otherwise (bad base64, wrong key, altered body, other webhook id). */
int paypal_verify_webhook(EVP_PKEY *key, const char *transmission_id,
                          const char *transmission_time, const char *webhook_id,
                          const char *body, size_t body_len, const char *sig_b64);

#endif
