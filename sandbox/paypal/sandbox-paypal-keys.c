/* The simulated PayPal's test keys, compiled in from sandbox/paypal/keys/
 * (a GResource, so the PEM files stay the one copy): the test CA, the
 * webhook signing certificate it issued, and that certificate's private
 * key. Test material only, public by design (keys/README.md). */
#include "sandbox-paypal-internal.h"

#include <gio/gio.h>

/* The resource's bytes as a NUL-terminated string; GResource data always
 * ends with a NUL byte, and the bytes live as long as the process. */
static const char *paypal_resource_text(const char *name, GBytes **cache)
{
    if (*cache == NULL) {
        char *path = g_strconcat("/org/tender/sandbox/paypal/keys/", name, NULL);
        *cache = g_resources_lookup_data(path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
        if (*cache == NULL)
            g_error("paypal: the compiled-in resource %s is missing", path);
        g_free(path);
    }
    return g_bytes_get_data(*cache, NULL);
}

const char *paypal_key_ca_pem(void)
{
    static GBytes *bytes;
    return paypal_resource_text("ca.pem", &bytes);
}

const char *paypal_key_webhook_cert_pem(void)
{
    static GBytes *bytes;
    return paypal_resource_text("webhook-cert.pem", &bytes);
}

const char *paypal_key_webhook_private_pem(void)
{
    static GBytes *bytes;
    return paypal_resource_text("webhook-key.pem", &bytes);
}
