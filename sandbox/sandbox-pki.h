/* Test certificates for tender-sandbox's TLS (--tls-dir) and for the tests
 * that need a client certificate: a private CA, and leaf certificates it
 * issues (a server's, for loopback names; a merchant's client certificate,
 * whose common name is the identity it proves, as a WebMoney Keeper WebPro
 * certificate names its WMID). EC P-256 keys, SHA-256 signatures, PEM.
 *
 * TEST ONLY: keys are written unprotected unless a passphrase is given,
 * and nothing here is meant to guard real money. */
#ifndef TENDER_SANDBOX_PKI_H
#define TENDER_SANDBOX_PKI_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    const char *common_name;
    /* subjectAltName in OpenSSL's syntax ("DNS:localhost,IP:127.0.0.1") for
     * a server certificate; NULL for a client certificate. */
    const char *alt_names;
    /* Validity, in seconds from now: not_before_s <= 0 < not_after_s for a
     * valid certificate; both negative for one that has expired. */
    gint64 not_before_s;
    gint64 not_after_s;
    /* Encrypt the key file with AES-256 under this passphrase; NULL: clear. */
    const char *passphrase;
} SandboxPkiLeaf;

/* Writes a new self-signed CA certificate and its (clear) key. */
gboolean sandbox_pki_make_ca(const char *cert_file, const char *key_file, const char *common_name,
                             GError **error);

/* Writes a certificate for leaf issued by the CA in ca_cert_file and
 * ca_key_file, and its key. */
gboolean sandbox_pki_issue(const char *ca_cert_file, const char *ca_key_file,
                           const SandboxPkiLeaf *leaf, const char *cert_file, const char *key_file,
                           GError **error);

G_END_DECLS

#endif
