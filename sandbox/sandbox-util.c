/* Small helpers the providers share: form decoding, logging, identifiers. */
#include <stdarg.h>
#include <string.h>

#include "sandbox-private.h"

GHashTable *sandbox_form_decode(const char *text, gsize len)
{
    if (text == NULL)
        return NULL;
    /* G_URI_PARAMS_WWW_FORM makes '+' a space, as HTML forms encode it;
     * a malformed escape ("%zz") fails the whole body, as it would at a
     * provider that refuses what it cannot read. */
    if (len == 0)
        return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return g_uri_parse_params(text, (gssize)len, "&", G_URI_PARAMS_WWW_FORM, NULL);
}

void sandbox_log(const char *provider, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *text = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S.%f");
    /* %f gives microseconds; milliseconds are enough for reading a log. */
    if (stamp && strlen(stamp) > 12)
        stamp[12] = '\0';
    fprintf(stderr, "tender-sandbox %s %s: %s\n", stamp ? stamp : "", provider ? provider : "-",
            text);
}

char *sandbox_new_id(const char *prefix)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    gsize n = prefix ? strlen(prefix) : 0;
    char *id = g_malloc(n + 24 + 1);
    if (n)
        memcpy(id, prefix, n);
    for (gsize i = 0; i < 24; i++)
        id[n + i] = alphabet[g_random_int_range(0, (gint32)(sizeof alphabet - 1))];
    id[n + 24] = '\0';
    return id;
}
