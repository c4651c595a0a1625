/* RSA2 signing and verification with libcrypto (OpenSSL 3 EVP API). */
#include "alipay-rsa2.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

/* Alipay's console hands out keys as one base64 line without PEM armour:
 * wrap such text at 64 columns so the PEM reader accepts it. */
static char *armour(const char *text, const char *label)
{
    while (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t')
        text++;
    if (strncmp(text, "-----BEGIN ", 11) == 0)
        return g_strdup(text);
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "-----BEGIN %s-----\n", label);
    size_t col = 0;
    for (const char *p = text; *p; p++) {
        if (g_ascii_isspace(*p))
            continue;
        g_string_append_c(out, *p);
        if (++col == 64) {
            g_string_append_c(out, '\n');
            col = 0;
        }
    }
    if (col)
        g_string_append_c(out, '\n');
    g_string_append_printf(out, "-----END %s-----\n", label);
    return g_string_free(out, FALSE);
}

static EVP_PKEY *check_rsa(EVP_PKEY *key, const char *what, char *error, size_t error_size)
{
    if (key == NULL)
        return NULL;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        snprintf(error, error_size, "%s is not an RSA key (RSA2 needs RSA)", what);
        EVP_PKEY_free(key);
        return NULL;
    }
    if (EVP_PKEY_get_bits(key) < 2048) {
        snprintf(error, error_size, "%s has %d bits; RSA2 needs at least 2048", what,
                 EVP_PKEY_get_bits(key));
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

static EVP_PKEY *read_pem(const char *pem, int private_key)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (bio == NULL)
        return NULL;
    /* A NULL password callback with a non-NULL u string stops OpenSSL from
     * prompting on a terminal for an encrypted key: it just fails. */
    EVP_PKEY *key = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"")
                                : PEM_read_bio_PUBKEY(bio, NULL, NULL, (void *)"");
    BIO_free(bio);
    return key;
}

EVP_PKEY *alipay_rsa2_load_public(const char *text, const char *what, char *error,
                                  size_t error_size)
{
    if (text == NULL || *text == '\0') {
        snprintf(error, error_size, "%s is empty", what);
        return NULL;
    }
    char *pem = armour(text, "PUBLIC KEY");
    EVP_PKEY *key = read_pem(pem, 0);
    g_free(pem);
    /* Never leave our failures in the thread's error queue for others. */
    ERR_clear_error();
    if (key == NULL) {
        snprintf(error, error_size, "%s is not a readable public key (PEM or base64 "
                 "SubjectPublicKeyInfo expected)", what);
        return NULL;
    }
    return check_rsa(key, what, error, error_size);
}

EVP_PKEY *alipay_rsa2_load_private(const char *text, const char *what, char *error,
                                   size_t error_size)
{
    if (text == NULL || *text == '\0') {
        snprintf(error, error_size, "%s is empty", what);
        return NULL;
    }
    char *pem = armour(text, "PRIVATE KEY");
    EVP_PKEY *key = read_pem(pem, 1);
    g_free(pem);
    if (key == NULL && strncmp(text, "-----BEGIN ", 11) != 0) {
        /* Bare base64 may also be a PKCS#1 RSAPrivateKey. */
        pem = armour(text, "RSA PRIVATE KEY");
        key = read_pem(pem, 1);
        g_free(pem);
    }
    ERR_clear_error();
    if (key == NULL) {
        snprintf(error, error_size, "%s is not a readable private key (PEM, PKCS#8 or "
                 "PKCS#1, unencrypted)", what);
        return NULL;
    }
    return check_rsa(key, what, error, error_size);
}

int alipay_rsa2_same_public(EVP_PKEY *a, EVP_PKEY *b)
{
    int same = a && b && EVP_PKEY_eq(a, b) == 1;
    ERR_clear_error();
    return same;
}

/* SHA256withRSA over len bytes of data, base64; NULL on failure. */
static char *sign_bytes(EVP_PKEY *key, const char *data, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *out = NULL;
    if (ctx == NULL || key == NULL)
        goto done;
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, NULL, &sig_len, (const unsigned char *)data, len) != 1)
        goto done;
    sig = g_malloc(sig_len);
    if (EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)data, len) != 1)
        goto done;
    out = g_base64_encode(sig, sig_len);
done:
    g_free(sig);
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return out;
}

char *alipay_rsa2_sign(EVP_PKEY *key, const char *data)
{
    return sign_bytes(key, data, strlen(data));
}

/* Strict base64: the alphabet, '=' padding only at the end, a length that
 * is a multiple of 4. GLib's decoder is lenient, so check first. */
static int strict_base64(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n == 0 || n % 4 != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/'))
            return 0;
    }
    return pad <= 2;
}

/* 1 when signature is key's signature of len bytes of data. */
static int verify_bytes(EVP_PKEY *key, const char *data, size_t len, const char *signature)
{
    if (key == NULL || data == NULL || signature == NULL)
        return 0;
    /* Senders that wrap base64 at 64 or 76 columns put \r\n inside the
     * value; Java's and Python's decoders skip them, so we do too. */
    char *joined = g_strdup(signature);
    char *w = joined;
    for (const char *r = signature; *r; r++)
        if (*r != '\r' && *r != '\n')
            *w++ = *r;
    *w = '\0';
    int ok = 0;
    gsize sig_len = 0;
    guchar *sig = strict_base64(joined) ? g_base64_decode(joined, &sig_len) : NULL;
    EVP_MD_CTX *ctx = sig ? EVP_MD_CTX_new() : NULL;
    if (ctx && sig_len > 0 && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)data, len) == 1)
        ok = 1;
    EVP_MD_CTX_free(ctx);
    g_free(sig);
    g_free(joined);
    ERR_clear_error();
    return ok;
}

int alipay_rsa2_verify(EVP_PKEY *key, const char *data, const char *signature)
{
    return data != NULL && verify_bytes(key, data, strlen(data), signature);
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
    char *sig = bytes ? sign_bytes(key, bytes, len) : NULL;
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
    int ok = bytes && verify_bytes(key, bytes, len, alipay_params_get(params, "sign"));
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

void alipay_sha256_hex(const char *text, size_t bytes, char *out)
{
    unsigned char digest[32];
    unsigned int len = 0;
    if (bytes > sizeof digest)
        bytes = sizeof digest;
    if (EVP_Digest(text, strlen(text), digest, &len, EVP_sha256(), NULL) != 1)
        memset(digest, 0, sizeof digest);
    for (size_t i = 0; i < bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    out[2 * bytes] = '\0';
}
