/* Fuzz targets: each notifying plugin's notification parser,
 * identify_notification (see fuzz-targets.h). */
#include <stdlib.h>
#include <string.h>

#include "fuzz-plugin.h"
#include "fuzz-targets.h"

uint32_t tender_fuzz_notify_outcome(const char *plugin_id, const uint8_t *data, size_t size)
{
    const FuzzPlugin *plugin = fuzz_plugin(plugin_id);
    /* Headers are text up to the blank line; the body is every byte after
     * it, NULs included (body_len says how long it is). */
    const uint8_t *blank = NULL;
    for (size_t i = 0; i + 1 < size; i++)
        if (data[i] == '\n' && (data[i + 1] == '\n' || (data[i + 1] == '\r' && i + 2 < size &&
                                                        data[i + 2] == '\n'))) {
            blank = data + i;
            break;
        }
    size_t head_len = blank ? (size_t)(blank - data) : 0;
    const uint8_t *body = blank ? blank + (blank[1] == '\r' ? 3 : 2) : data;
    size_t body_len = size - (size_t)(body - data);
    char *head = g_strndup((const char *)data, head_len);
    /* The body as the host hands it: exactly body_len bytes plus a NUL. */
    char *body_copy = g_malloc(body_len + 1);
    memcpy(body_copy, body, body_len);
    body_copy[body_len] = '\0';
    GPtrArray *kv = fuzz_split_lines(head, ':', FALSE, NULL);
    GArray *headers = g_array_new(FALSE, FALSE, sizeof(tender_param));
    for (guint i = 0; i + 1 < kv->len; i += 2) {
        tender_param h = {g_ptr_array_index(kv, i), g_ptr_array_index(kv, i + 1)};
        g_array_append_val(headers, h);
    }
    tender_request req = fuzz_request(TENDER_OP_NOTIFICATION);
    req.payment_id = NULL; /* identify_notification has no payment */
    req.headers = (const tender_param *)(void *)headers->data;
    req.n_headers = headers->len;
    req.body = body_copy;
    req.body_len = body_len;
    tender_result *res = fuzz_result_new();
    plugin->method->ops->identify_notification(plugin->instance, &req, res);
    fuzz_check_result(res, NULL);
    uint32_t outcome = res->outcome;
    g_free(res);
    g_array_unref(headers);
    g_ptr_array_unref(kv);
    g_free(body_copy);
    g_free(head);
    return outcome;
}

static int fuzz_notify(const char *plugin_id, const uint8_t *data, size_t size)
{
    tender_fuzz_notify_outcome(plugin_id, data, size);
    return 0;
}

int tender_fuzz_alipay_notify(const uint8_t *data, size_t size)
{
    return fuzz_notify("alipay", data, size);
}

int tender_fuzz_paypal_notify(const uint8_t *data, size_t size)
{
    return fuzz_notify("paypal", data, size);
}

int tender_fuzz_webmoney_notify(const uint8_t *data, size_t size)
{
    return fuzz_notify("webmoney", data, size);
}
