/* Strict base64 on GLib: g_base64_decode() accepts any text, so what a
 * sender got wrong would silently become other bytes. */
#include <tender/sdk-glib.h>

#include <string.h>

guchar *tender_base64_decode_strict(const char *text, int skip_line_breaks, gsize *len)
{
    if (text == NULL || len == NULL)
        return NULL;
    GString *joined = g_string_sized_new(strlen(text));
    for (const char *p = text; *p; p++)
        if (!(skip_line_breaks && (*p == '\r' || *p == '\n')))
            g_string_append_c(joined, *p);
    size_t n = joined->len, pad = 0;
    int ok = n > 0 && n % 4 == 0;
    for (size_t i = 0; ok && i < n; i++) {
        char c = joined->str[i];
        if (c == '=')
            pad++;
        else if (pad > 0 || !(g_ascii_isalnum(c) || c == '+' || c == '/'))
            ok = 0;
    }
    guchar *out = ok && pad <= 2 ? g_base64_decode(joined->str, len) : NULL;
    g_string_free(joined, TRUE);
    return out;
}
