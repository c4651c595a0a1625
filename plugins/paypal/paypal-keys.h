/* The sandbox's built-in webhook signing key pair (test only; see
 * paypal-keys.c and tests/keys/paypal-README.md). */
#ifndef PAYPAL_KEYS_H
#define PAYPAL_KEYS_H

/* PKCS#8 PEM of the private key the sandbox signs webhooks with. */
extern const char paypal_sandbox_webhook_private_pem[];
/* SubjectPublicKeyInfo PEM of its public key: the default
 * "webhook_public_key" in sandbox mode. */
extern const char paypal_sandbox_webhook_public_pem[];

#endif
