/* The "key=value&key=value" store with percent-encoding that plugin_state
 * and form bodies are written in. */
#include <tender/sdk.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Percent-encode src into out; returns the length or -1 if it does not fit. */
static long kv_encode(const char *src, char *out, size_t out_size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *s = (const unsigned char *)src; *s; s++) {
        size_t need = is_unreserved(*s) ? 1 : 3;
        if (n + need >= out_size)
            return -1;
        if (need == 1) {
            out[n++] = (char)*s;
        } else {
            out[n++] = '%';
            out[n++] = hex[*s >> 4];
            out[n++] = hex[*s & 15];
        }
    }
    if (n >= out_size)
        return -1;
    out[n] = '\0';
    return (long)n;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Find the entry for key: sets *start to its first byte and *end past it. */
static int kv_find(const char *kv, const char *key, const char **start,
                   const char **value, const char **end)
{
    size_t key_len = strlen(key);
    const char *p = kv;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        const char *stop = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && (size_t)(eq - p) == key_len && memcmp(p, key, key_len) == 0) {
            *start = p;
            *value = eq + 1;
            *end = stop;
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

int tender_kv_get(const char *kv, const char *key, char *out, size_t out_size)
{
    const char *start, *value, *end;
    if (kv == NULL || key == NULL || out == NULL || out_size == 0)
        return 0;
    if (!kv_find(kv, key, &start, &value, &end))
        return 0;
    size_t n = 0;
    for (const char *s = value; s < end; s++) {
        char c = *s;
        if (c == '%' && s + 2 < end) {
            int hi = hex_value(s[1]), lo = hex_value(s[2]);
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi * 16 + lo);
                s += 2;
            }
        }
        if (n + 1 >= out_size) {
            out[0] = '\0';
            return -1;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return 1;
}

int tender_kv_set(char *buf, size_t buf_size, const char *key, const char *value)
{
    char encoded[TENDER_RESULT_STATE_MAX];
    if (buf == NULL || key == NULL || kv_encode(value ? value : "", encoded, sizeof encoded) < 0)
        return 0;
    size_t cur = strlen(buf);
    const char *start, *val, *end;
    if (kv_find(buf, key, &start, &val, &end)) {
        size_t old_len = (size_t)(end - val), new_len = strlen(encoded);
        if (cur - old_len + new_len + 1 > buf_size)
            return 0;
        size_t val_off = (size_t)(val - buf), end_off = (size_t)(end - buf);
        memmove(buf + val_off + new_len, buf + end_off, cur - end_off + 1);
        memcpy(buf + val_off, encoded, new_len);
        return 1;
    }
    size_t need = cur + (cur ? 1 : 0) + strlen(key) + 1 + strlen(encoded) + 1;
    if (need > buf_size)
        return 0;
    snprintf(buf + cur, buf_size - cur, "%s%s=%s", cur ? "&" : "", key, encoded);
    return 1;
}

int64_t tender_kv_get_int(const char *kv, const char *key, int64_t fallback)
{
    char text[32];
    if (tender_kv_get(kv, key, text, sizeof text) != 1 || text[0] == '\0')
        return fallback;
    char *end;
    long long v = strtoll(text, &end, 10);
    return *end == '\0' ? (int64_t)v : fallback;
}

int tender_kv_set_int(char *buf, size_t buf_size, const char *key, int64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)value);
    return tender_kv_set(buf, buf_size, key, text);
}
