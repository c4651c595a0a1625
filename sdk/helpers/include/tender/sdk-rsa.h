/* RSA for the bundled plugins, on OpenSSL 3's EVP API only: reading PEM
 * keys, SHA256withRSA (PKCS#1 v1.5) signatures as base64. Part of the
 * static library libtender-sdk-glib (GLib and libcrypto), which a
 * third-party plugin never needs.
 *
 * Thread-safety: a loaded key is only read afterwards, so one key may sign
 * and verify from several threads at once. Every function leaves the
 * thread's OpenSSL error queue empty.
 */
#ifndef TENDER_SDK_RSA_H
#define TENDER_SDK_RSA_H

#include <stddef.h>

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* Load an RSA public key from text: PEM "PUBLIC KEY" (SubjectPublicKeyInfo)
 * or "CERTIFICATE" (its key is taken), or the bare base64 of a
 * SubjectPublicKeyInfo as some consoles show it. Refuses anything that is
 * not RSA, or has fewer than min_bits bits (0: any size). On failure returns
 * NULL and writes a reason that names `what` (e.g. "setting 'key'") into
 * error. Free the key with EVP_PKEY_free(). */
EVP_PKEY *tender_rsa_load_public(const char *text, const char *what, int min_bits, char *error,
                                 size_t error_size);

/* The same for a private key: PEM "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE
 * KEY" (PKCS#1), or bare base64 of either; unencrypted only (an encrypted
 * key fails, it never prompts). */
EVP_PKEY *tender_rsa_load_private(const char *text, const char *what, int min_bits, char *error,
                                  size_t error_size);

/* 1 when both keys hold the same public key (a private key holds its
 * public half). */
int tender_rsa_same_public(EVP_PKEY *a, EVP_PKEY *b);

/* The SHA256withRSA signature of len bytes of data, base64 (g_free), or
 * NULL. */
char *tender_rsa_sha256_sign(EVP_PKEY *key, const void *data, size_t len);

/* 1 when signature (base64, read by tender_base64_decode_strict with line
 * breaks skipped) is key's SHA256withRSA signature of len bytes of data. */
int tender_rsa_sha256_verify(EVP_PKEY *key, const void *data, size_t len, const char *signature);

G_END_DECLS

#endif /* TENDER_SDK_RSA_H */
