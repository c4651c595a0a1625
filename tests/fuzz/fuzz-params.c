/* Fuzz targets: each plugin's request parameter validation, through its
 * authorize or purchase (see fuzz-targets.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-plugin.h"
#include "fuzz-targets.h"

static gboolean is_sensitive(const char *key)
{
    return strcmp(key, "number") == 0 || strcmp(key, "protection_code") == 0 ||
           strcmp(key, "cvc") == 0;
}

/* The values of sensitive parameters must never come back in a result.
 * Only values long enough to be unmistakable are checked (a 3-digit CVC
 * could match by chance), and not a value that also occurs in the
 * non-sensitive parameters (public_text), which a plugin may echo: a
 * protection code "id=123456789012" is inside "wmid=123456789012". A value
 * may still occur in fixed text (a message's example "Z123456789012"), so
 * the call is made twice, the second time with every sensitive value
 * replaced by a filler of the same length: only a value that comes back
 * from the first call and not from the second is a leak. */
static gboolean is_checked_secret(const char *key, const char *value, const char *public_text)
{
    return is_sensitive(key) && strlen(value) >= 12 && strstr(public_text, value) == NULL;
}

static gboolean result_contains(const tender_result *res, const char *needle)
{
    size_t n = strlen(needle);
    return n > 0 && memmem(res, sizeof *res, needle, n) != NULL;
}

static int fuzz_params(const char *plugin_id, tender_operation default_op,
                       const char *default_currency, const char *default_region,
                       const uint8_t *data, size_t size)
{
    const FuzzPlugin *plugin = fuzz_plugin(plugin_id);
    char *text = g_strndup((const char *)data, size);
    GPtrArray *kv = fuzz_split_lines(text, '=', FALSE, NULL);
    tender_request req = fuzz_request(default_op);
    req.currency = default_currency;
    req.region = default_region;
    GArray *params = g_array_new(FALSE, FALSE, sizeof(tender_param));
    GPtrArray *secrets = g_ptr_array_new();
    GString *public_text = g_string_new(NULL);
    for (guint i = 0; i + 1 < kv->len; i += 2)
        if (!is_sensitive(g_ptr_array_index(kv, i)))
            g_string_append_printf(public_text, "%s=%s\n", (const char *)g_ptr_array_index(kv, i),
                                   (const char *)g_ptr_array_index(kv, i + 1));
    for (guint i = 0; i + 1 < kv->len; i += 2) {
        const char *key = g_ptr_array_index(kv, i), *value = g_ptr_array_index(kv, i + 1);
        if (strcmp(key, "_amount") == 0) {
            req.amount = g_ascii_strtoll(value, NULL, 10);
        } else if (strcmp(key, "_currency") == 0) {
            req.currency = value;
        } else if (strcmp(key, "_exponent") == 0) {
            req.exponent = (int32_t)g_ascii_strtoll(value, NULL, 10);
        } else if (strcmp(key, "_region") == 0) {
            req.region = value;
        } else if (strcmp(key, "_op") == 0) {
            req.operation = strcmp(value, "purchase") == 0 ? TENDER_OP_PURCHASE
                                                           : TENDER_OP_AUTHORIZE;
        } else {
            tender_param p = {key, value};
            g_array_append_val(params, p);
            if (is_checked_secret(key, value, public_text->str))
                g_ptr_array_add(secrets, (gpointer)value);
        }
    }
    g_ptr_array_add(secrets, NULL);
    req.params = (const tender_param *)(void *)params->data;
    req.n_params = params->len;
    /* Call what the method declares for the operation, the other if not. */
    const tender_method_ops *ops = plugin->method->ops;
    tender_operation_fn fn = req.operation == TENDER_OP_PURCHASE ? ops->purchase : ops->authorize;
    if (fn == NULL) {
        fn = ops->purchase ? ops->purchase : ops->authorize;
        req.operation = ops->purchase ? TENDER_OP_PURCHASE : TENDER_OP_AUTHORIZE;
    }
    tender_result *res = fuzz_result_new();
    fn(plugin->instance, &req, res);
    fuzz_check_result(res, NULL);
    gboolean any_leak = FALSE;
    for (guint i = 0; i + 1 < secrets->len; i++)
        any_leak = any_leak || result_contains(res, g_ptr_array_index(secrets, i));
    if (any_leak) {
        /* The same call with fillers in place of the sensitive values. */
        GArray *filled = g_array_copy(params);
        GPtrArray *fillers = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < filled->len; i++) {
            tender_param *p = &g_array_index(filled, tender_param, i);
            if (is_sensitive(p->key)) {
                char *filler = g_strnfill(strlen(p->value), 'Q');
                g_ptr_array_add(fillers, filler);
                p->value = filler;
            }
        }
        tender_request again = req;
        again.params = (const tender_param *)(void *)filled->data;
        tender_result *control = fuzz_result_new();
        fn(plugin->instance, &again, control);
        for (guint i = 0; i + 1 < secrets->len; i++) {
            const char *secret = g_ptr_array_index(secrets, i);
            if (result_contains(res, secret) && !result_contains(control, secret)) {
                fprintf(stderr, "fuzz: %s: a sensitive parameter's value is in the result\n",
                        plugin_id);
                abort();
            }
        }
        g_free(control);
        g_ptr_array_unref(fillers);
        g_array_unref(filled);
    }
    g_free(res);
    g_ptr_array_unref(secrets);
    g_string_free(public_text, TRUE);
    g_array_unref(params);
    g_ptr_array_unref(kv);
    g_free(text);
    return 0;
}

int tender_fuzz_card_params(const uint8_t *data, size_t size)
{
    return fuzz_params("card", TENDER_OP_AUTHORIZE, "USD", "US", data, size);
}

int tender_fuzz_alipay_params(const uint8_t *data, size_t size)
{
    return fuzz_params("alipay", TENDER_OP_PURCHASE, "CNY", "CN", data, size);
}

int tender_fuzz_paypal_params(const uint8_t *data, size_t size)
{
    return fuzz_params("paypal", TENDER_OP_AUTHORIZE, "EUR", "DE", data, size);
}

int tender_fuzz_webmoney_params(const uint8_t *data, size_t size)
{
    return fuzz_params("webmoney", TENDER_OP_PURCHASE, "USD", "US", data, size);
}
