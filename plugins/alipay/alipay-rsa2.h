/* RSA2, Alipay's signature: SHA256withRSA (PKCS#1 v1.5) over a parameter
 * set's signing string, base64-encoded, with RSA keys of at least 2048 bits.
 * Built on OpenSSL's libcrypto. All functions are thread-safe: keys are only
 * read after loading. */
#ifndef ALIPAY_RSA2_H
#define ALIPAY_RSA2_H

#include <stddef.h>

#include <openssl/evp.h>

#include "alipay-params.h"

/* Load a key from text: PEM ("-----BEGIN PUBLIC KEY-----", "PRIVATE KEY",
 * "RSA PRIVATE KEY") or the bare base64 body Alipay's console shows. Refuses
 * anything that is not an RSA key of 2048 bits or more. On failure returns
 * NULL and writes a reason naming `what` (the setting) into error. The
 * caller frees the key with EVP_PKEY_free(). */
EVP_PKEY *alipay_rsa2_load_public(const char *text, const char *what, char *error,
                                  size_t error_size);
EVP_PKEY *alipay_rsa2_load_private(const char *text, const char *what, char *error,
                                   size_t error_size);

/* TRUE (1) when both keys hold the same RSA public key. */
int alipay_rsa2_same_public(EVP_PKEY *a, EVP_PKEY *b);

/* Sign data with key; returns the base64 signature (g_free) or NULL. */
char *alipay_rsa2_sign(EVP_PKEY *key, const char *data);
/* 1 when signature (base64) is key's SHA256withRSA signature of data.
 * Line breaks (\r, \n) inside the base64 are ignored, as the official SDKs'
 * decoders ignore them; anything else outside the alphabet is refused. */
int alipay_rsa2_verify(EVP_PKEY *key, const char *data, const char *signature);

/* REQUESTS. Sign a request: sets sign_type=RSA2, then signs over
 * alipay_params_request_signing_string() (empty values and sign left out,
 * sign_type included), as Alipay's gateway checks. 1 on success. */
int alipay_rsa2_sign_request(EVP_PKEY *key, AlipayParams *params);
/* Verify a request signed as above: sign_type must be RSA2. */
int alipay_rsa2_verify_request(EVP_PKEY *key, const AlipayParams *params);

/* NOTIFICATIONS. Sign a notification as Alipay does (the sandbox is the
 * only caller): over alipay_params_notification_signing_string() without
 * sign_type, empty values included, in the set's declared charset; then set
 * sign_type=RSA2 and sign. 0 when the charset is unsupported or the text
 * cannot be written in it. */
int alipay_rsa2_sign_notification(EVP_PKEY *key, AlipayParams *params);
/* Verify a notification as the official SDKs do. sign must be present; an
 * absent sign_type means RSA2 and any other value is refused; the charset
 * must be supported. The signed bytes are the notification signing string
 * in the declared charset: first without sign_type, then (when sign_type is
 * present) with it. Returns 1 when one variant verifies with key; else 0
 * with a reason, fit for a log line, written into why. */
int alipay_rsa2_verify_notification(EVP_PKEY *key, const AlipayParams *params, char *why,
                                    size_t why_size);

#endif
