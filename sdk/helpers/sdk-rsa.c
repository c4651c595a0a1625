/* RSA keys and SHA256withRSA signatures on OpenSSL 3's EVP API: PEM read
 * through BIO and PEM_read_bio_*, signing and verifying through
 * EVP_DigestSign / EVP_DigestVerify. No deprecated RSA_* call. */
#include <tender/sdk-glib.h>
#include <tender/sdk-rsa.h>

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* Some consoles hand out keys as one base64 line without PEM armour: wrap
 * such text at 64 columns under `label` so the PEM reader accepts it. */
static char *pem_armour_(const char *text, const char *label)
{
    while (g_ascii_isspace(*text))
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

/* key when it is RSA of min_bits or more; else NULL (key freed) and why. */
static EVP_PKEY *rsa_checked_(EVP_PKEY *key, const char *what, int min_bits, char *error,
                              size_t error_size)
{
    if (key == NULL)
        return NULL;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        snprintf(error, error_size, "%s is not an RSA key (SHA256withRSA needs RSA)", what);
        EVP_PKEY_free(key);
        return NULL;
    }
    if (min_bits > 0 && EVP_PKEY_get_bits(key) < min_bits) {
        snprintf(error, error_size, "%s has %d bits; at least %d are needed", what,
                 EVP_PKEY_get_bits(key), min_bits);
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

/* Read one PEM object. The empty passphrase (u = "") with no callback makes
 * OpenSSL fail on an encrypted key instead of prompting on a terminal. */
static EVP_PKEY *pem_read_key_(const char *pem, int private_key)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (bio == NULL)
        return NULL;
    EVP_PKEY *key = NULL;
    if (private_key) {
        key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
    } else if (strstr(pem, "-----BEGIN CERTIFICATE") != NULL) {
        X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, (void *)"");
        if (cert != NULL)
            key = X509_get_pubkey(cert);
        X509_free(cert);
    } else {
        key = PEM_read_bio_PUBKEY(bio, NULL, NULL, (void *)"");
    }
    BIO_free(bio);
    return key;
}

EVP_PKEY *tender_rsa_load_public(const char *text, const char *what, int min_bits, char *error,
                                 size_t error_size)
{
    if (text == NULL || *text == '\0') {
        snprintf(error, error_size, "%s is empty", what);
        return NULL;
    }
    char *pem = pem_armour_(text, "PUBLIC KEY");
    EVP_PKEY *key = pem_read_key_(pem, 0);
    g_free(pem);
    /* Never leave our failures in the thread's error queue for others. */
    ERR_clear_error();
    if (key == NULL) {
        snprintf(error, error_size,
                 "%s is not a readable public key (PEM, certificate or base64 "
                 "SubjectPublicKeyInfo expected)",
                 what);
        return NULL;
    }
    return rsa_checked_(key, what, min_bits, error, error_size);
}

EVP_PKEY *tender_rsa_load_private(const char *text, const char *what, int min_bits, char *error,
                                  size_t error_size)
{
    if (text == NULL || *text == '\0') {
        snprintf(error, error_size, "%s is empty", what);
        return NULL;
    }
    char *pem = pem_armour_(text, "PRIVATE KEY");
    EVP_PKEY *key = pem_read_key_(pem, 1);
    g_free(pem);
    if (key == NULL && strncmp(text, "-----BEGIN ", 11) != 0) {
        /* Bare base64 may also be a PKCS#1 RSAPrivateKey. */
        pem = pem_armour_(text, "RSA PRIVATE KEY");
        key = pem_read_key_(pem, 1);
        g_free(pem);
    }
    ERR_clear_error();
    if (key == NULL) {
        snprintf(error, error_size,
                 "%s is not a readable private key (PEM, PKCS#8 or PKCS#1, unencrypted)", what);
        return NULL;
    }
    return rsa_checked_(key, what, min_bits, error, error_size);
}

int tender_rsa_same_public(EVP_PKEY *a, EVP_PKEY *b)
{
    int same = a && b && EVP_PKEY_eq(a, b) == 1;
    ERR_clear_error();
    return same;
}

char *tender_rsa_sha256_sign(EVP_PKEY *key, const void *data, size_t len)
{
    EVP_MD_CTX *ctx = key ? EVP_MD_CTX_new() : NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *out = NULL;
    if (ctx != NULL && data != NULL &&
        EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestSign(ctx, NULL, &sig_len, data, len) == 1) {
        sig = g_malloc(sig_len);
        if (EVP_DigestSign(ctx, sig, &sig_len, data, len) == 1)
            out = g_base64_encode(sig, sig_len);
    }
    g_free(sig);
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return out;
}

int tender_rsa_sha256_verify(EVP_PKEY *key, const void *data, size_t len, const char *signature)
{
    if (key == NULL || data == NULL || signature == NULL)
        return 0;
    gsize sig_len = 0;
    guchar *sig = tender_base64_decode_strict(signature, 1, &sig_len);
    EVP_MD_CTX *ctx = sig ? EVP_MD_CTX_new() : NULL;
    int ok = ctx != NULL && sig_len > 0 &&
             EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    g_free(sig);
    ERR_clear_error();
    return ok;
}
