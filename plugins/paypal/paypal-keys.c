/* The sandbox's built-in webhook key pair. TEST ONLY: these keys are public
 * (the same PEM texts are in tests/keys/paypal-webhook-*.pem) and exist so the
 * offline sandbox can sign webhooks exactly as PayPal signs them and the
 * plugin can verify them by default. A live configuration must set
 * "webhook_public_key" to the key of PayPal's signing certificate. */
#include "paypal-keys.h"

const char paypal_sandbox_webhook_private_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCidIDORvaj7y6k\n"
    "m5OyC0yzFRBTED74PEUCdz4q/d+JUMetqRbGTPV+UeizAsFhPG6f1qaN9iV0rvJO\n"
    "14Z5mrtoISEnwfxS5Nbyijkl/OTCmwz8p2uPa6875eAwy47sv3L0suA1LlJ2naNd\n"
    "xNR7OE7cN+xDkYvRWG59WGgCWxrfNxYEtLwKvbSFC8SDJX52m1ZLk2y5ndyIoVLS\n"
    "+0jZh2IaA5WPQvF91DmO87+5bUEul8RaCHCAEpqxJaX9i/dSZZaQkn2oqSAfm0BK\n"
    "xD5xilcOIp/XN/Fqt4pxiglHBm76zYzSmwPiFpJb5lsLse3r8qu6Yd/vlit8ihvq\n"
    "g4O1ND1FAgMBAAECggEABetxFOzHQjXOGs4Kfz0XK4CaF2GRRQvMYSi4/+ly8raz\n"
    "vmaNDGcAgq/3mhJNiD5vmSAOvwyLOxAm7Z8mTzPhHiXBTTwUQ21p6CBuSnqUV9A9\n"
    "LgKBxZIHqor+KBKhOViulskWQqNwYNJUtVWEGQT2Jq/1ylTsf3fiXgUeYSH/V2Cq\n"
    "tSzGVOeSEeOy5Qm95FayD3JbWTiZwp8ILkgCqf4fsjWVm5K0e+ld6yE1jG0D89n1\n"
    "zBj7iB7n1diTJ7UvAWUVVXDSrDPFstH6iaA3T1dc36OpwZKLzVku7U3IUmyF1ClP\n"
    "iOG+HOgrqH4/I0ujkc2uyUIIX/mBcGeuI+FzDKYErwKBgQDXlxV18dZERQDQCYLs\n"
    "HcNi6eTlVL9F+XRuPinLWm6aTkCETyeNq9uPuL5dTGVirDTmfPFkOdAFxTXMaCqG\n"
    "ZMEmKG+quR62qF5xO6xR8IGQBZKXATdpg2DcHOX3FXJ7c6AoDOnjkloWJSG+4zTf\n"
    "magHdRqhN1pGxaeR9IhX1rxzpwKBgQDA58bBE8edM+EQSgOB/Z6GVcUrblnr8LdA\n"
    "3egwn9NhrObWbLM4JVg6Ni4bqR6DAi0BTBMRWDY3PFAinph0Lb+A6ahTwMlmzB6Y\n"
    "G9KmBpstK/Hf8l3RRUyjn3bXZQ94WSnjgLOaYipYfRmoX84k98dNtuVIpTrUp6vi\n"
    "ag5z/f+VMwKBgQDWLc6wQfWwFS1dgFWE5Xy6w8sW2j678btt2mwDDnBa8+q8hzaw\n"
    "VE/oVI0qez8t7A8R/IaEH7s+QFHWJJY6tdX9ZqapYQfWRyasL7BeJyVQQ3kCc77t\n"
    "IAwWIM+FzNTTOGef4lRqNXcyEOmZjnd0vF5mKjyudSNGtA5pvhnFyhumeQKBgQC6\n"
    "fdhaRMMQKV2GH+ewPf6JpFXPnQl13etr3JxilcEHht5Loh7JQuE+ta5xs1f6E5pq\n"
    "zJ8Kf5s6XyahsW11s9yVxk6jWZfbt65EI3HMbEqMqxVVCbzFWhezf7Cmn98K3Dhw\n"
    "5rW7pPeHQLoTWzux5ZFagly7lHGBsO+tHhcG8CGsnQKBgBq/kv2YlPs5FsoEUPdn\n"
    "uqa/6e++AZx2xvRRMhr+e0bjskE5NbRgapwMieUPH5gOjrfnre1H62nRDUzUhwax\n"
    "wRDtnkuQ2BHaMX+0XrymPJZGB8RvAR1ym8LbfAP8FlcCH0jAgN9pyxEjbghyCP7R\n"
    "Cg2sObkjisW1anbN/lDZagWE\n"
    "-----END PRIVATE KEY-----\n";

const char paypal_sandbox_webhook_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAonSAzkb2o+8upJuTsgtM\n"
    "sxUQUxA++DxFAnc+Kv3fiVDHrakWxkz1flHoswLBYTxun9amjfYldK7yTteGeZq7\n"
    "aCEhJ8H8UuTW8oo5JfzkwpsM/Kdrj2uvO+XgMMuO7L9y9LLgNS5Sdp2jXcTUezhO\n"
    "3DfsQ5GL0VhufVhoAlsa3zcWBLS8Cr20hQvEgyV+dptWS5NsuZ3ciKFS0vtI2Ydi\n"
    "GgOVj0LxfdQ5jvO/uW1BLpfEWghwgBKasSWl/Yv3UmWWkJJ9qKkgH5tASsQ+cYpX\n"
    "DiKf1zfxareKcYoJRwZu+s2M0psD4haSW+ZbC7Ht6/KrumHf75YrfIob6oODtTQ9\n"
    "RQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
