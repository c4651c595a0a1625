/* RSA2 signing and verification with libcrypto (OpenSSL 3 EVP API). */
#include "alipay-rsa2.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk-rsa.h>

/* RSA2 is RSA of at least 2048 bits. */
#define RSA2_MIN_BITS 2048

EVP_PKEY *alipay_rsa2_load_public(const char *text, const char *what, char *error,
                                  size_t error_size)
{
    return tender_rsa_load_public(text, what, RSA2_MIN_BITS, error, error_size);
}

EVP_PKEY *alipay_rsa2_load_private(const char *text, const char *what, char *error,
                                   size_t error_size)
{
    return tender_rsa_load_private(text, what, RSA2_MIN_BITS, error, error_size);
}

int alipay_rsa2_same_public(EVP_PKEY *a, EVP_PKEY *b)
{
    return tender_rsa_same_public(a, b);
}

char *alipay_rsa2_sign(EVP_PKEY *key, const char *data)
{
    return data ? tender_rsa_sha256_sign(key, data, strlen(data)) : NULL;
}

int alipay_rsa2_verify(EVP_PKEY *key, const char *data, const char *signature)
{
    return data != NULL && tender_rsa_sha256_verify(key, data, strlen(data), signature);
}

int alipay_rsa2_sign_request(EVP_PKEY *key, AlipayParams *params)
{
    alipay_params_set(params, "sign_type", "RSA2");
    char *text = alipay_params_request_signing_string(params);
    char *sig = alipay_rsa2_sign(key, text);
    g_free(text);
    if (sig == NULL)
        return 0;
    alipay_params_set(params, "sign", sig);
    g_free(sig);
    return 1;
}

int alipay_rsa2_verify_request(EVP_PKEY *key, const AlipayParams *params)
{
    const char *type = alipay_params_get(params, "sign_type");
    if (type == NULL || strcmp(type, "RSA2") != 0)
        return 0;
    char *text = alipay_params_request_signing_string(params);
    int ok = alipay_rsa2_verify(key, text, alipay_params_get(params, "sign"));
    g_free(text);
    return ok;
}

/* A notification's signing string (UTF-8, as the set holds it) written in
 * the charset the set declares: the bytes Alipay signed. NULL when the
 * charset is unsupported or the text has no form in it. */
static char *notification_bytes(const AlipayParams *params, int keep_sign_type, gsize *len)
{
    const char *charset = alipay_charset_iconv_name(alipay_params_get(params, "charset"));
    if (charset == NULL)
        return NULL;
    char *text = alipay_params_notification_signing_string(params, keep_sign_type);
    if (strcmp(charset, "UTF-8") == 0) {
        *len = strlen(text);
        return text;
    }
    char *converted = g_convert(text, -1, charset, "UTF-8", NULL, len, NULL);
    g_free(text);
    return converted;
}

int alipay_rsa2_sign_notification(EVP_PKEY *key, AlipayParams *params)
{
    gsize len = 0;
    char *bytes = notification_bytes(params, 0, &len);
    char *sig = bytes ? tender_rsa_sha256_sign(key, bytes, len) : NULL;
    g_free(bytes);
    if (sig == NULL)
        return 0;
    alipay_params_set(params, "sign_type", "RSA2");
    alipay_params_set(params, "sign", sig);
    g_free(sig);
    return 1;
}

/* 1 when the variant with or without sign_type verifies. */
static int notification_variant_verifies(EVP_PKEY *key, const AlipayParams *params,
                                         int keep_sign_type)
{
    gsize len = 0;
    char *bytes = notification_bytes(params, keep_sign_type, &len);
    int ok = bytes && tender_rsa_sha256_verify(key, bytes, len, alipay_params_get(params, "sign"));
    g_free(bytes);
    return ok;
}

int alipay_rsa2_verify_notification(EVP_PKEY *key, const AlipayParams *params, char *why,
                                    size_t why_size)
{
    const char *sign = alipay_params_get(params, "sign");
    const char *type = alipay_params_get(params, "sign_type");
    const char *charset = alipay_params_get(params, "charset");
    if (sign == NULL || sign[0] == '\0') {
        snprintf(why, why_size, "it is not signed");
        return 0;
    }
    /* Absent means RSA2, as the official SDKs default; RSA (SHA1withRSA)
     * and others are refused, not guessed at. */
    if (type != NULL && strcmp(type, "RSA2") != 0) {
        snprintf(why, why_size, "sign_type '%.16s' is not supported: only RSA2 (SHA256withRSA)",
                 type);
        return 0;
    }
    if (alipay_charset_iconv_name(charset) == NULL) {
        snprintf(why, why_size, "charset '%.32s' is not supported (UTF-8 or GBK)", charset);
        return 0;
    }
    /* Alipay leaves sign_type out of what it signs; some senders (and the
     * SDKs' rsaCheckV2) keep it, so that variant is tried second. Both are
     * the same RSA2 signature by the same key over every other field. */
    if (notification_variant_verifies(key, params, 0) ||
        (type != NULL && notification_variant_verifies(key, params, 1)))
        return 1;
    snprintf(why, why_size, "the RSA2 signature does not match alipay_public_key");
    return 0;
}
