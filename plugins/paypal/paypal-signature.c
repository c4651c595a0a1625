/* Webhook signatures as PayPal makes them (see paypal-signature.h). */
#include "paypal-signature.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

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

/* Keep OpenSSL's error queue from leaking into other callers. */
static void describe_openssl_error(const char *what, char *error, size_t error_size)
{
    unsigned long e = ERR_get_error();
    char reason[160] = "";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    snprintf(error, error_size, "%s%s%s", what, reason[0] ? ": " : "", reason);
}

static EVP_PKEY *require_rsa(EVP_PKEY *key, char *error, size_t error_size)
{
    if (key != NULL && EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        snprintf(error, error_size, "the key is not an RSA key (PayPal signs with SHA256withRSA)");
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

EVP_PKEY *paypal_load_public_key(const char *pem, char *error, size_t error_size)
{
    if (pem == NULL || strstr(pem, "-----BEGIN") == NULL) {
        snprintf(error, error_size, "not a PEM text (no -----BEGIN line)");
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (bio == NULL) {
        describe_openssl_error("cannot read the PEM", error, error_size);
        return NULL;
    }
    EVP_PKEY *key = NULL;
    if (strstr(pem, "-----BEGIN CERTIFICATE") != NULL) {
        /* PAYPAL-CERT-URL serves a certificate: take the key out of it. */
        X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (cert != NULL)
            key = X509_get_pubkey(cert);
        X509_free(cert);
    } else {
        key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    }
    BIO_free(bio);
    if (key == NULL) {
        describe_openssl_error("not a valid PEM public key", error, error_size);
        return NULL;
    }
    ERR_clear_error();
    return require_rsa(key, error, error_size);
}

EVP_PKEY *paypal_load_private_key(const char *pem, char *error, size_t error_size)
{
    if (pem == NULL || strstr(pem, "-----BEGIN") == NULL) {
        snprintf(error, error_size, "not a PEM text (no -----BEGIN line)");
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (key == NULL) {
        describe_openssl_error("not a valid PEM private key", error, error_size);
        return NULL;
    }
    ERR_clear_error();
    return require_rsa(key, error, error_size);
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

int paypal_sign_webhook(EVP_PKEY *key, const char *transmission_id,
                        const char *transmission_time, const char *webhook_id,
                        const char *body, size_t body_len, char *sig_b64, size_t sig_size)
{
    char text[512];
    unsigned char sig[1024];
    size_t sig_len = sizeof sig;
    int ok = 0;
    if (!paypal_signed_text(transmission_id, transmission_time, webhook_id, body, body_len,
                            text, sizeof text))
        return 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)text, strlen(text)) == 1) {
        /* Base64 of n bytes takes 4*ceil(n/3) characters plus the NUL. */
        if (sig_size >= 4 * ((sig_len + 2) / 3) + 1) {
            EVP_EncodeBlock((unsigned char *)sig_b64, sig, (int)sig_len);
            ok = 1;
        }
    }
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

/* Decode standard base64 (no line breaks); returns the length or -1. */
static long decode_base64(const char *text, unsigned char *out, size_t out_size)
{
    size_t len = strlen(text);
    if (len == 0 || len % 4 != 0 || (len / 4) * 3 > out_size)
        return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)len);
    if (n < 0)
        return -1;
    /* EVP_DecodeBlock counts the padding as zero bytes: drop them. */
    if (text[len - 1] == '=')
        n--;
    if (text[len - 2] == '=')
        n--;
    return n;
}

int paypal_verify_webhook(EVP_PKEY *key, const char *transmission_id,
                          const char *transmission_time, const char *webhook_id,
                          const char *body, size_t body_len, const char *sig_b64)
{
    char text[512];
    unsigned char sig[1024];
    if (key == NULL || transmission_id == NULL || transmission_time == NULL ||
        webhook_id == NULL || body == NULL || sig_b64 == NULL)
        return 0;
    long sig_len = decode_base64(sig_b64, sig, sizeof sig);
    if (sig_len <= 0)
        return 0;
    if (!paypal_signed_text(transmission_id, transmission_time, webhook_id, body, body_len,
                            text, sizeof text))
        return 0;
    int ok = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestVerify(ctx, sig, (size_t)sig_len, (const unsigned char *)text,
                         strlen(text)) == 1)
        ok = 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}
