/* See http-tls-identity.h. OpenSSL reads the PEM files exactly as libcurl's
 * OpenSSL backend will when it presents them, so a pair that passes here is
 * one the handshake can use; the point is to say which setting is wrong
 * before a payment depends on it, not after a failed handshake that libcurl
 * can only describe as "could not load PRIVATE KEY". */
#include "http-tls-identity.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "http-client.h"

/* The passphrase callback: hands OpenSSL the passphrase (or nothing, so an
 * encrypted key without one fails instead of prompting on a terminal). */
static int http_tls_identity_passphrase(char *buf, int size, int rwflag, void *data)
{
    (void)rwflag;
    const char *passphrase = data;
    if (passphrase == NULL)
        return 0;
    size_t n = strlen(passphrase);
    if (n > (size_t)size)
        return 0;
    memcpy(buf, passphrase, n);
    return (int)n;
}

static gboolean http_tls_identity_fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean http_tls_identity_fail(GError **error, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, args);
    va_end(args);
    /* OpenSSL's queue would otherwise surface in an unrelated later error. */
    ERR_clear_error();
    g_set_error_literal(error, TENDER_HTTP_CLIENT_ERROR, TENDER_HTTP_CLIENT_SETUP_FAILED, text);
    return FALSE;
}

/* The validity period of cert against now: 0 inside it, else the side it
 * is on (-1 not yet valid, 1 expired). */
static int http_tls_identity_period(X509 *cert)
{
    if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
        return -1;
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
        return 1;
    return 0;
}

gboolean http_tls_identity_check(const char *cert_file, const char *key_file,
                                 const char *passphrase, gboolean check_expiry, GError **error)
{
    if (cert_file == NULL && key_file == NULL)
        return TRUE;
    if (cert_file == NULL || key_file == NULL)
        return http_tls_identity_fail(error, "%s and %s go together: set both or neither",
                                      HTTP_TLS_CLIENT_CERT, HTTP_TLS_CLIENT_KEY);
    FILE *in = fopen(cert_file, "r");
    if (in == NULL)
        return http_tls_identity_fail(error, "%s: cannot read '%s': %s", HTTP_TLS_CLIENT_CERT,
                                      cert_file, g_strerror(errno));
    X509 *cert = PEM_read_X509(in, NULL, NULL, NULL);
    fclose(in);
    if (cert == NULL)
        return http_tls_identity_fail(error, "%s: '%s' holds no PEM certificate",
                                      HTTP_TLS_CLIENT_CERT, cert_file);
    in = fopen(key_file, "r");
    if (in == NULL) {
        X509_free(cert);
        return http_tls_identity_fail(error, "%s: cannot read '%s': %s", HTTP_TLS_CLIENT_KEY,
                                      key_file, g_strerror(errno));
    }
    EVP_PKEY *key = PEM_read_PrivateKey(in, NULL, http_tls_identity_passphrase, (void *)passphrase);
    fclose(in);
    gboolean ok = TRUE;
    if (key == NULL) {
        /* Wrong passphrase and not a key look alike to OpenSSL; name both
         * settings that could be at fault (never the passphrase's value). */
        ok = http_tls_identity_fail(
            error, "%s: '%s' holds no PEM private key that opens%s", HTTP_TLS_CLIENT_KEY, key_file,
            passphrase
                ? " with " HTTP_TLS_CLIENT_KEY_PASSPHRASE
                : " without a passphrase (an encrypted key needs " HTTP_TLS_CLIENT_KEY_PASSPHRASE
                  ")");
    } else if (X509_check_private_key(cert, key) != 1) {
        ok = http_tls_identity_fail(error, "%s and %s do not match: '%s' is not the key of '%s'",
                                    HTTP_TLS_CLIENT_KEY, HTTP_TLS_CLIENT_CERT, key_file, cert_file);
    } else if (check_expiry && http_tls_identity_period(cert) != 0) {
        ok = http_tls_identity_fail(
            error, "%s: the certificate in '%s' %s", HTTP_TLS_CLIENT_CERT, cert_file,
            http_tls_identity_period(cert) > 0 ? "has expired" : "is not valid yet");
    }
    EVP_PKEY_free(key);
    X509_free(cert);
    return ok;
}
