/* Parameter sets and their encodings: the two RSA2 signing strings (a
 * request's, a notification's) and the form body, read in the charset it
 * declares. */
#include "alipay-params.h"

#include <tender/sdk-glib.h>
#include <stdio.h>
#include <string.h>

struct AlipayParams {
    GPtrArray *keys;   /* char*, owned */
    GPtrArray *values; /* char*, owned, parallel to keys */
};

AlipayParams *alipay_params_new(void)
{
    AlipayParams *p = g_new0(AlipayParams, 1);
    p->keys = g_ptr_array_new_with_free_func(g_free);
    p->values = g_ptr_array_new_with_free_func(g_free);
    return p;
}

void alipay_params_free(AlipayParams *params)
{
    if (params == NULL)
        return;
    g_ptr_array_unref(params->keys);
    g_ptr_array_unref(params->values);
    g_free(params);
}

static gssize find_key(const AlipayParams *p, const char *key)
{
    for (guint i = 0; i < p->keys->len; i++)
        if (strcmp(g_ptr_array_index(p->keys, i), key) == 0)
            return (gssize)i;
    return -1;
}

void alipay_params_set(AlipayParams *params, const char *key, const char *value)
{
    gssize at = find_key(params, key);
    if (at >= 0) {
        g_free(params->values->pdata[at]);
        params->values->pdata[at] = g_strdup(value ? value : "");
        return;
    }
    g_ptr_array_add(params->keys, g_strdup(key));
    g_ptr_array_add(params->values, g_strdup(value ? value : ""));
}

const char *alipay_params_get(const AlipayParams *params, const char *key)
{
    gssize at = find_key(params, key);
    return at >= 0 ? g_ptr_array_index(params->values, at) : NULL;
}

size_t alipay_params_count(const AlipayParams *params)
{
    return params->keys->len;
}

const char *alipay_params_key(const AlipayParams *params, size_t i)
{
    return g_ptr_array_index(params->keys, (guint)i);
}

const char *alipay_params_value(const AlipayParams *params, size_t i)
{
    return g_ptr_array_index(params->values, (guint)i);
}

static int compare_names(gconstpointer a, gconstpointer b)
{
    /* Byte order, as Alipay's SDKs sort (a TreeMap over ASCII names). */
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The pairs for which keep(name, value) holds, sorted by name and joined
 * as "k=v&k=v". */
static char *sorted_joined(const AlipayParams *params,
                           int (*keep)(const char *name, const char *value, int flag), int flag)
{
    GPtrArray *at = g_ptr_array_new();
    for (guint i = 0; i < params->keys->len; i++)
        if (keep(g_ptr_array_index(params->keys, i), g_ptr_array_index(params->values, i), flag))
            g_ptr_array_add(at, params->keys->pdata[i]);
    g_ptr_array_sort(at, compare_names);
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < at->len; i++) {
        const char *k = g_ptr_array_index(at, i);
        if (i > 0)
            g_string_append_c(out, '&');
        g_string_append_printf(out, "%s=%s", k, alipay_params_get(params, k));
    }
    g_ptr_array_unref(at);
    return g_string_free(out, FALSE);
}

static int in_request_signature(const char *name, const char *value, int unused)
{
    (void)unused;
    return value[0] != '\0' && strcmp(name, "sign") != 0;
}

static int in_notification_signature(const char *name, const char *value, int keep_sign_type)
{
    (void)value; /* empty values are signed too, as "k=" */
    if (strcmp(name, "sign") == 0)
        return 0;
    return keep_sign_type || strcmp(name, "sign_type") != 0;
}

char *alipay_params_request_signing_string(const AlipayParams *params)
{
    return sorted_joined(params, in_request_signature, 0);
}

char *alipay_params_notification_signing_string(const AlipayParams *params, int keep_sign_type)
{
    return sorted_joined(params, in_notification_signature, keep_sign_type);
}

const char *alipay_charset_iconv_name(const char *declared)
{
    if (declared == NULL || g_ascii_strcasecmp(declared, "utf-8") == 0 ||
        g_ascii_strcasecmp(declared, "utf8") == 0)
        return "UTF-8";
    if (g_ascii_strcasecmp(declared, "gbk") == 0 || g_ascii_strcasecmp(declared, "gb2312") == 0)
        return "GBK";
    return NULL;
}

char *alipay_params_to_form(const AlipayParams *params)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < params->keys->len; i++) {
        /* Java's URLEncoder, as Alipay's SDKs use it: '*' kept, ' ' as '+'. */
        tender_form_append_pair(out, g_ptr_array_index(params->keys, i),
                                g_ptr_array_index(params->values, i),
                                TENDER_FORM_SPACE_AS_PLUS | TENDER_FORM_KEEP_STAR);
    }
    return g_string_free(out, FALSE);
}

/* The declared charset for an error message: printable ASCII only, since
 * it comes from whoever sent the body. */
static void describe_charset(GBytes *declared, char *out, size_t out_size)
{
    gsize n = 0;
    const char *data = g_bytes_get_data(declared, &n);
    size_t w = 0;
    for (gsize i = 0; i < n && w + 1 < out_size && w < 32; i++)
        out[w++] = g_ascii_isgraph(data[i]) ? data[i] : '?';
    out[w] = '\0';
}

AlipayParams *alipay_params_from_form(const char *body, size_t body_len, char *error,
                                      size_t error_size)
{
    /* First every pair, percent-decoded: the charset that says how to read
     * the bytes may come last. */
    GArray *raw = tender_form_split(body, body_len, error, error_size);
    if (raw == NULL)
        return NULL;
    AlipayParams *p = alipay_params_new();
    GBytes *declared = NULL; /* the charset field, still raw */
    for (guint i = 0; i < raw->len; i++) {
        TenderFormPair *pair = &g_array_index(raw, TenderFormPair, i);
        gsize n = 0;
        const char *name = g_bytes_get_data(pair->name, &n);
        if (n == 7 && memcmp(name, "charset", 7) == 0)
            declared = pair->value;
    }
    const char *charset = "UTF-8";
    if (declared) {
        char *text = tender_form_text(declared, "UTF-8");
        charset = text ? alipay_charset_iconv_name(text) : NULL;
        g_free(text);
        if (charset == NULL) {
            char shown[40];
            describe_charset(declared, shown, sizeof shown);
            snprintf(error, error_size, "charset '%s' is not supported (UTF-8 or GBK)", shown);
            goto fail;
        }
    }
    for (guint i = 0; i < raw->len; i++) {
        TenderFormPair *pair = &g_array_index(raw, TenderFormPair, i);
        char *key = tender_form_text(pair->name, charset);
        char *value = tender_form_text(pair->value, charset);
        if (key == NULL || value == NULL) {
            snprintf(error, error_size, "form pair %u is not valid %s text", i + 1, charset);
            g_free(key);
            g_free(value);
            goto fail;
        }
        if (alipay_params_get(p, key) != NULL) {
            snprintf(error, error_size, "form field '%.64s' appears twice", key);
            g_free(key);
            g_free(value);
            goto fail;
        }
        alipay_params_set(p, key, value);
        g_free(key);
        g_free(value);
    }
    g_array_unref(raw);
    return p;
fail:
    g_array_unref(raw);
    alipay_params_free(p);
    return NULL;
}
