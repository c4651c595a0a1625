/* Parameter sets and their encodings: the two RSA2 signing strings (a
 * request's, a notification's) and the form body, read in the charset it
 * declares. */
#include "alipay-params.h"

#include <glib.h>
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

static void form_encode(GString *out, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (g_ascii_isalnum(*s) || *s == '-' || *s == '_' || *s == '.' || *s == '~' || *s == '*') {
            g_string_append_c(out, (char)*s);
        } else if (*s == ' ') {
            g_string_append_c(out, '+');
        } else {
            g_string_append_c(out, '%');
            g_string_append_c(out, hex[*s >> 4]);
            g_string_append_c(out, hex[*s & 15]);
        }
    }
}

char *alipay_params_to_form(const AlipayParams *params)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < params->keys->len; i++) {
        if (i > 0)
            g_string_append_c(out, '&');
        form_encode(out, g_ptr_array_index(params->keys, i));
        g_string_append_c(out, '=');
        form_encode(out, g_ptr_array_index(params->values, i));
    }
    return g_string_free(out, FALSE);
}

/* One name or value, percent-decoded but still in the form's charset. */
typedef struct {
    GBytes *name, *value;
} RawPair;

static void raw_pair_clear(gpointer p)
{
    RawPair *pair = p;
    g_bytes_unref(pair->name);
    g_bytes_unref(pair->value);
}

/* Percent-decode len bytes of a form component with GLib, '+' first turned
 * into a space (GLib's decoder knows only the URI rules, not the form's);
 * an escaped "%2B" is still a '+'. NULL when an escape is malformed or the
 * result holds a NUL byte, which no C string could carry faithfully. */
static GBytes *form_unescape(const char *text, size_t len)
{
    if (memchr(text, '\0', len) != NULL)
        return NULL;
    char *spaced = g_strndup(text, len);
    for (char *s = spaced; *s; s++)
        if (*s == '+')
            *s = ' ';
    GBytes *bytes = g_uri_unescape_bytes(spaced, (gssize)len, NULL, NULL);
    g_free(spaced);
    gsize n = 0;
    const void *data = bytes ? g_bytes_get_data(bytes, &n) : NULL;
    if (bytes && n > 0 && memchr(data, '\0', n) != NULL) {
        g_bytes_unref(bytes);
        return NULL;
    }
    return bytes;
}

/* bytes, in charset (an iconv name), as a UTF-8 string; NULL when they are
 * not valid text in that charset. */
static char *to_utf8(GBytes *bytes, const char *charset)
{
    gsize n = 0;
    const char *data = g_bytes_get_data(bytes, &n);
    if (strcmp(charset, "UTF-8") == 0)
        return g_utf8_validate_len(data ? data : "", n, NULL) ? g_strndup(data ? data : "", n)
                                                              : NULL;
    return g_convert(data ? data : "", (gssize)n, "UTF-8", charset, NULL, NULL, NULL);
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
    AlipayParams *p = alipay_params_new();
    GArray *raw = g_array_new(FALSE, TRUE, sizeof(RawPair));
    g_array_set_clear_func(raw, raw_pair_clear);
    const char *end = body ? body + body_len : NULL;
    const char *s = body;
    GBytes *declared = NULL; /* the charset field, still raw */
    /* Tolerate a trailing line break some senders add after the body. */
    while (end && end > s && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    if (s == NULL || s == end) {
        snprintf(error, error_size, "the notification body is empty");
        goto fail;
    }
    /* First every pair, percent-decoded: the charset that says how to read
     * the bytes may come last. */
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        if (eq == NULL || eq == s) {
            snprintf(error, error_size, "malformed form pair at byte %ld", (long)(s - body));
            goto fail;
        }
        RawPair pair = {form_unescape(s, (size_t)(eq - s)),
                        form_unescape(eq + 1, (size_t)(stop - eq - 1))};
        g_array_append_val(raw, pair);
        if (pair.name == NULL || pair.value == NULL) {
            snprintf(error, error_size, "bad encoding in form pair at byte %ld", (long)(s - body));
            goto fail;
        }
        gsize n = 0;
        const char *name = g_bytes_get_data(pair.name, &n);
        if (n == 7 && memcmp(name, "charset", 7) == 0)
            declared = pair.value;
        s = amp ? amp + 1 : end;
    }
    const char *charset = "UTF-8";
    if (declared) {
        char *text = to_utf8(declared, "UTF-8");
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
        RawPair *pair = &g_array_index(raw, RawPair, i);
        char *key = to_utf8(pair->name, charset);
        char *value = to_utf8(pair->value, charset);
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
