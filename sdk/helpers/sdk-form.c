/* application/x-www-form-urlencoded on GLib: encoding with the two
 * variants providers differ on, and decoding into raw pairs that the caller
 * reads in the charset the form declares (Alipay: UTF-8 or GBK). */
#include <tender/sdk-glib.h>

#include <stdio.h>
#include <string.h>

void tender_form_append_escaped(GString *out, const char *text, unsigned flags)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *)(text ? text : ""); *s; s++) {
        if (g_ascii_isalnum(*s) || *s == '-' || *s == '_' || *s == '.' || *s == '~' ||
            (*s == '*' && (flags & TENDER_FORM_KEEP_STAR))) {
            g_string_append_c(out, (char)*s);
        } else if (*s == ' ' && (flags & TENDER_FORM_SPACE_AS_PLUS)) {
            g_string_append_c(out, '+');
        } else {
            g_string_append_c(out, '%');
            g_string_append_c(out, hex[*s >> 4]);
            g_string_append_c(out, hex[*s & 15]);
        }
    }
}

void tender_form_append_pair(GString *out, const char *key, const char *value, unsigned flags)
{
    if (out->len > 0)
        g_string_append_c(out, '&');
    tender_form_append_escaped(out, key, flags);
    g_string_append_c(out, '=');
    tender_form_append_escaped(out, value, flags);
}

static void form_pair_clear_(gpointer p)
{
    TenderFormPair *pair = p;
    if (pair->name)
        g_bytes_unref(pair->name);
    if (pair->value)
        g_bytes_unref(pair->value);
}

/* Percent-decode len bytes of one side of a pair with GLib, '+' first
 * turned into a space (GLib's decoder knows only the URI rules, not the
 * form's). NULL when an escape is malformed or a NUL byte appears. */
static GBytes *form_unescape_(const char *text, size_t len)
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

GArray *tender_form_split(const char *body, size_t body_len, char *error, size_t error_size)
{
    const char *end = body ? body + body_len : NULL;
    const char *s = body;
    /* Tolerate a trailing line break some senders add after the body. */
    while (end && end > s && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    if (s == NULL || s == end) {
        snprintf(error, error_size, "the form body is empty");
        return NULL;
    }
    GArray *pairs = g_array_new(FALSE, TRUE, sizeof(TenderFormPair));
    g_array_set_clear_func(pairs, form_pair_clear_);
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        if (eq == NULL || eq == s) {
            snprintf(error, error_size, "malformed form pair at byte %ld", (long)(s - body));
            g_array_unref(pairs);
            return NULL;
        }
        TenderFormPair pair = {form_unescape_(s, (size_t)(eq - s)),
                               form_unescape_(eq + 1, (size_t)(stop - eq - 1))};
        g_array_append_val(pairs, pair);
        if (pair.name == NULL || pair.value == NULL) {
            snprintf(error, error_size, "bad encoding in form pair at byte %ld", (long)(s - body));
            g_array_unref(pairs);
            return NULL;
        }
        s = amp ? amp + 1 : end;
    }
    return pairs;
}

char *tender_form_text(GBytes *bytes, const char *charset)
{
    gsize n = 0;
    const char *data = bytes ? g_bytes_get_data(bytes, &n) : NULL;
    if (data == NULL)
        data = "";
    if (g_ascii_strcasecmp(charset, "UTF-8") == 0)
        return g_utf8_validate_len(data, n, NULL) ? g_strndup(data, n) : NULL;
    return g_convert(data, (gssize)n, "UTF-8", charset, NULL, NULL, NULL);
}
