/* Wall-clock text on GDateTime, from the host's clock (ms since the epoch):
 * providers write times in their own fixed zone (Alipay Beijing, WebMoney
 * Moscow) or as RFC 3339 UTC (PayPal). */
#include <tender/sdk-glib.h>

#include <stdio.h>
#include <string.h>

/* Floor division, so a time before the epoch keeps its second right. */
static GDateTime *date_time_at_(int64_t ms, int offset_minutes, int *millis)
{
    int64_t secs = ms / 1000, rem = ms % 1000;
    if (rem < 0) {
        rem += 1000;
        secs -= 1;
    }
    if (millis)
        *millis = (int)rem;
    GDateTime *utc = g_date_time_new_from_unix_utc(secs);
    if (utc == NULL)
        return NULL;
    GDateTime *local = g_date_time_add_minutes(utc, offset_minutes);
    g_date_time_unref(utc);
    return local;
}

int tender_time_format(int64_t ms, int offset_minutes, const char *format, char *out,
                       size_t out_size)
{
    GDateTime *t = date_time_at_(ms, offset_minutes, NULL);
    char *text = t ? g_date_time_format(t, format) : NULL;
    int ok = text != NULL && strlen(text) < out_size;
    if (out_size > 0)
        g_strlcpy(out, ok ? text : "", out_size);
    g_free(text);
    if (t)
        g_date_time_unref(t);
    return ok;
}

int tender_time_rfc3339(int64_t ms, int with_millis, char *out, size_t out_size)
{
    int millis = 0;
    GDateTime *t = date_time_at_(ms, 0, &millis);
    char *text = t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%S") : NULL;
    int n = text ? (with_millis ? snprintf(out, out_size, "%s.%03dZ", text, millis)
                                : snprintf(out, out_size, "%sZ", text))
                 : -1;
    g_free(text);
    if (t)
        g_date_time_unref(t);
    if (n < 0 || (size_t)n >= out_size) {
        if (out_size > 0)
            out[0] = '\0';
        return 0;
    }
    return 1;
}
