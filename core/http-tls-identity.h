/* A method's TLS client identity: the certificate and private key the host
 * presents to a provider that authenticates the merchant by certificate
 * (WebMoney's Keeper WebPro "…Cert.asp" X-interfaces), from the method's
 * settings `tls_client_cert`, `tls_client_key` and, for an encrypted key,
 * `tls_client_key_passphrase`.
 *
 * The passphrase is a secret: no message made here ever contains it. */
#ifndef TENDER_CORE_HTTP_TLS_IDENTITY_H
#define TENDER_CORE_HTTP_TLS_IDENTITY_H

#include <glib.h>

G_BEGIN_DECLS

/* The settings' names, as errors name them. */
#define HTTP_TLS_CLIENT_CERT "tls_client_cert"
#define HTTP_TLS_CLIENT_KEY "tls_client_key"
#define HTTP_TLS_CLIENT_KEY_PASSPHRASE "tls_client_key_passphrase"

/* Checks that cert_file (PEM: the certificate, optionally followed by its
 * chain) and key_file (PEM, encrypted with passphrase when that is not
 * NULL) can be read and belong together. With check_expiry, a certificate
 * outside its validity period is refused too. Returns FALSE with error set
 * (a message naming the setting at fault, never the passphrase) otherwise.
 * Both files NULL is the usual case: no identity, TRUE. One without the
 * other is an error. Thread-safe. */
gboolean http_tls_identity_check(const char *cert_file, const char *key_file,
                                 const char *passphrase, gboolean check_expiry, GError **error);

G_END_DECLS

#endif
