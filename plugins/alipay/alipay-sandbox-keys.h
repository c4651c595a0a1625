/* The built-in sandbox key pairs (PEM text), TEST ONLY: see
 * alipay-sandbox-keys.c and tests/keys/alipay-README.md. */
#ifndef ALIPAY_SANDBOX_KEYS_H
#define ALIPAY_SANDBOX_KEYS_H

/* The merchant app's key pair: the plugin signs requests with the private
 * key, the sandbox gateway verifies them with the public key. */
extern const char alipay_sandbox_app_private_pem[];
extern const char alipay_sandbox_app_public_pem[];

/* The simulated Alipay platform's key pair: the sandbox signs notifications
 * with the private key; the public key is the default "Alipay public key". */
extern const char alipay_sandbox_platform_private_pem[];
extern const char alipay_sandbox_platform_public_pem[];

#endif
