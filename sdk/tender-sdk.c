/* The SDK helpers declared in <tender/sdk.h>. Plain C99 + libc: a plugin
 * that links this library gains no dependency. */
#include <tender/sdk.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tender_copy_string(char *dst, size_t dst_size, const char *src)
{
    if (dst == NULL || dst_size == 0)
        return 0;
    if (src == NULL)
        src = "";
    size_t len = strlen(src);
    if (len < dst_size) {
        memcpy(dst, src, len + 1);
        return 1;
    }
    /* Truncate, then step back over a cut UTF-8 sequence so the field never
     * ends in half a character. */
    size_t cut = dst_size - 1;
    while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(dst, src, cut);
    dst[cut] = '\0';
    return 0;
}

int tender_format_string(char *dst, size_t dst_size, const char *fmt, ...)
{
    char buf[TENDER_RESULT_NOTIFY_BODY_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        buf[0] = '\0';
    return tender_copy_string(dst, dst_size, buf) && n >= 0 && (size_t)n < sizeof buf;
}

void tender_result_decline(tender_result *res, tender_decline_code code,
                           const char *raw_code, const char *fmt, ...)
{
    char buf[TENDER_RESULT_MESSAGE_MAX] = "";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
    }
    res->outcome = TENDER_OUTCOME_DECLINED;
    res->decline_code = code;
    TENDER_SET(res, raw_code, raw_code);
    TENDER_SET(res, message, buf);
}

void tender_result_outcome(tender_result *res, tender_outcome outcome,
                           const char *raw_code, const char *message)
{
    res->outcome = outcome;
    if (raw_code)
        TENDER_SET(res, raw_code, raw_code);
    if (message)
        TENDER_SET(res, message, message);
}

const char *tender_request_param(const tender_request *req, const char *key)
{
    const char *found = NULL;
    if (req == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < req->n_params; i++)
        if (req->params[i].key && strcmp(req->params[i].key, key) == 0)
            found = req->params[i].value;
    return found;
}

const char *tender_request_header(const tender_request *req, const char *name)
{
    if (req == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < req->n_headers; i++)
        if (req->headers[i].key && strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value;
    return NULL;
}

int tender_all_digits(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int tender_luhn_valid(const char *digits)
{
    if (!tender_all_digits(digits))
        return 0;
    size_t len = strlen(digits);
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int d = digits[len - 1 - i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

int tender_money_to_wire(int64_t amount, int exponent, int trim_zeros,
                         char *out, size_t out_size)
{
    if (exponent < 0 || exponent > 18 || out == NULL)
        return 0;
    int negative = amount < 0;
    /* Work in unsigned so INT64_MIN has a magnitude. */
    uint64_t mag = negative ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
    uint64_t scale = 1;
    for (int i = 0; i < exponent; i++)
        scale *= 10;
    uint64_t whole = mag / scale, frac = mag % scale;
    char frac_text[24] = "";
    if (exponent > 0) {
        snprintf(frac_text, sizeof frac_text, "%0*llu", exponent, (unsigned long long)frac);
        if (trim_zeros) {
            size_t n = strlen(frac_text);
            while (n > 0 && frac_text[n - 1] == '0')
                frac_text[--n] = '\0';
        }
    }
    int n = snprintf(out, out_size, "%s%llu%s%s", negative ? "-" : "",
                     (unsigned long long)whole, frac_text[0] ? "." : "", frac_text);
    return n >= 0 && (size_t)n < out_size;
}

int tender_money_from_wire(const char *text, int exponent, int64_t *amount)
{
    if (text == NULL || amount == NULL || exponent < 0 || exponent > 18)
        return 0;
    const char *p = text;
    if (!isdigit((unsigned char)*p))
        return 0;
    uint64_t value = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (value > (uint64_t)INT64_MAX / 10)
            return 0;
        value = value * 10 + (uint64_t)(*p - '0');
    }
    int decimals = 0;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        for (; isdigit((unsigned char)*p); p++) {
            if (++decimals > exponent)
                return 0;
            if (value > (uint64_t)INT64_MAX / 10)
                return 0;
            value = value * 10 + (uint64_t)(*p - '0');
        }
    }
    if (*p != '\0')
        return 0;
    for (; decimals < exponent; decimals++) {
        if (value > (uint64_t)INT64_MAX / 10)
            return 0;
        value *= 10;
    }
    if (value > (uint64_t)INT64_MAX)
        return 0;
    *amount = (int64_t)value;
    return 1;
}

/* ---- key=value store ---------------------------------------------------- */

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

void tender_log(const tender_host_services *host, tender_log_level level,
                const char *method_id, const char *fmt, ...)
{
    if (host == NULL || !TENDER_HAS_FIELD(host, tender_host_services, log) || host->log == NULL)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    host->log(host, level, method_id, buf);
}
