/* See sandbox-pki.h. */
#include "sandbox-pki.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static gboolean pki_fail(GError **error, const char *what, const char *file)
{
    unsigned long e = ERR_get_error();
    char reason[256] = "";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s%s%s%s%s", what, file ? " " : "",
                file ? file : "", reason[0] ? ": " : "", reason);
    return FALSE;
}

/* Adds one X.509v3 extension written in OpenSSL's config syntax. */
static gboolean pki_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    gboolean ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static gboolean pki_write(const char *cert_file, X509 *cert, const char *key_file, EVP_PKEY *key,
                          const char *passphrase, GError **error)
{
    FILE *out = fopen(cert_file, "w");
    gboolean ok = out != NULL && PEM_write_X509(out, cert) == 1;
    if (out != NULL && fclose(out) != 0)
        ok = FALSE;
    if (!ok)
        return pki_fail(error, "cannot write", cert_file);
    out = fopen(key_file, "w");
    /* PKCS#8, encrypted when a passphrase is given: what curl's and
     * GnuTLS's PEM readers both take. */
    ok = out != NULL && PEM_write_PKCS8PrivateKey(
                            out, key, passphrase ? EVP_aes_256_cbc() : NULL, (char *)passphrase,
                            passphrase ? (int)strlen(passphrase) : 0, NULL, NULL) == 1;
    if (out != NULL && fclose(out) != 0)
        ok = FALSE;
    if (!ok)
        return pki_fail(error, "cannot write", key_file);
    g_chmod(key_file, 0600);
    return TRUE;
}

/* A certificate for key named common_name, valid from now + not_before_s
 * to now + not_after_s, not signed yet. */
static X509 *pki_new_cert(EVP_PKEY *key, const char *common_name, gint64 not_before_s,
                          gint64 not_after_s)
{
    X509 *cert = X509_new();
    X509_set_version(cert, 2);
    /* A random serial: two runs' certificates must never look alike to a
     * TLS session cache. */
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert),
                            ((guint64)g_random_int() << 31) ^ (guint64)g_random_int());
    X509_gmtime_adj(X509_getm_notBefore(cert), (long)not_before_s);
    X509_gmtime_adj(X509_getm_notAfter(cert), (long)not_after_s);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8,
                               (const unsigned char *)common_name, -1, -1, 0);
    return cert;
}

gboolean sandbox_pki_make_ca(const char *cert_file, const char *key_file, const char *common_name,
                             GError **error)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (key == NULL)
        return pki_fail(error, "cannot make a key", NULL);
    X509 *cert = pki_new_cert(key, common_name, -3600, 10L * 365 * 24 * 3600);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    gboolean ok = pki_add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE") &&
                  pki_add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") &&
                  pki_add_ext(cert, cert, NID_subject_key_identifier, "hash") &&
                  X509_sign(cert, key, EVP_sha256()) > 0;
    ok = ok ? pki_write(cert_file, cert, key_file, key, NULL, error)
            : pki_fail(error, "cannot sign the CA certificate", NULL);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok;
}

gboolean sandbox_pki_issue(const char *ca_cert_file, const char *ca_key_file,
                           const SandboxPkiLeaf *leaf, const char *cert_file, const char *key_file,
                           GError **error)
{
    FILE *in = fopen(ca_cert_file, "r");
    X509 *ca = in ? PEM_read_X509(in, NULL, NULL, NULL) : NULL;
    if (in)
        fclose(in);
    in = fopen(ca_key_file, "r");
    EVP_PKEY *ca_key = in ? PEM_read_PrivateKey(in, NULL, NULL, NULL) : NULL;
    if (in)
        fclose(in);
    if (ca == NULL || ca_key == NULL) {
        X509_free(ca);
        EVP_PKEY_free(ca_key);
        return pki_fail(error, "cannot read the CA", ca_cert_file);
    }
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *cert =
        key ? pki_new_cert(key, leaf->common_name, leaf->not_before_s, leaf->not_after_s) : NULL;
    gboolean ok = cert != NULL;
    if (ok) {
        X509_set_issuer_name(cert, X509_get_subject_name(ca));
        ok = pki_add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") &&
             pki_add_ext(cert, ca, NID_authority_key_identifier, "keyid") &&
             pki_add_ext(cert, ca, NID_key_usage, "critical,digitalSignature") &&
             pki_add_ext(cert, ca, NID_ext_key_usage,
                         leaf->alt_names ? "serverAuth" : "clientAuth") &&
             (leaf->alt_names == NULL ||
              pki_add_ext(cert, ca, NID_subject_alt_name, leaf->alt_names)) &&
             X509_sign(cert, ca_key, EVP_sha256()) > 0;
    }
    ok = ok ? pki_write(cert_file, cert, key_file, key, leaf->passphrase, error)
            : pki_fail(error, "cannot issue a certificate for", leaf->common_name);
    X509_free(cert);
    EVP_PKEY_free(key);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    return ok;
}
