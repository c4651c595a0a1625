/* Parameter sets and their two encodings: the RSA2 signing string and the
 * form body. */
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

char *alipay_params_signing_string(const AlipayParams *params, int exclude_sign_type)
{
    GPtrArray *names = g_ptr_array_new();
    for (guint i = 0; i < params->keys->len; i++) {
        const char *k = g_ptr_array_index(params->keys, i);
        const char *v = g_ptr_array_index(params->values, i);
        if (v[0] == '\0' || strcmp(k, "sign") == 0)
            continue;
        if (exclude_sign_type && strcmp(k, "sign_type") == 0)
            continue;
        g_ptr_array_add(names, (gpointer)k);
    }
    g_ptr_array_sort(names, compare_names);
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < names->len; i++) {
        const char *k = g_ptr_array_index(names, i);
        if (i > 0)
            g_string_append_c(out, '&');
        g_string_append_printf(out, "%s=%s", k, alipay_params_get(params, k));
    }
    g_ptr_array_unref(names);
    return g_string_free(out, FALSE);
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

/* Decode one form component of len bytes; NULL when malformed. */
static char *form_decode(const char *text, size_t len)
{
    GString *out = g_string_sized_new(len);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= len) {
                g_string_free(out, TRUE);
                return NULL;
            }
            int hi = g_ascii_xdigit_value(text[i + 1]);
            int lo = g_ascii_xdigit_value(text[i + 2]);
            if (hi < 0 || lo < 0) {
                g_string_free(out, TRUE);
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            g_string_free(out, TRUE);
            return NULL;
        }
        g_string_append_c(out, c);
    }
    return g_string_free(out, FALSE);
}

AlipayParams *alipay_params_from_form(const char *body, size_t body_len, char *error,
                                      size_t error_size)
{
    AlipayParams *p = alipay_params_new();
    const char *end = body ? body + body_len : NULL;
    const char *s = body;
    /* Tolerate a trailing line break some senders add after the body. */
    while (end && end > s && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    if (s == NULL || s == end) {
        snprintf(error, error_size, "the notification body is empty");
        goto fail;
    }
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        if (eq == NULL || eq == s) {
            snprintf(error, error_size, "malformed form pair at byte %ld", (long)(s - body));
            goto fail;
        }
        char *key = form_decode(s, (size_t)(eq - s));
        char *value = form_decode(eq + 1, (size_t)(stop - eq - 1));
        if (key == NULL || value == NULL || !g_utf8_validate(key, -1, NULL) ||
            !g_utf8_validate(value, -1, NULL)) {
            snprintf(error, error_size, "bad encoding in form pair at byte %ld", (long)(s - body));
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
        s = amp ? amp + 1 : end;
    }
    return p;
fail:
    alipay_params_free(p);
    return NULL;
}
