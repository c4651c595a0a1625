/* timeout_express and Beijing time. */
#include "alipay-time.h"

#include <tender/sdk-glib.h>
#include <stdio.h>
#include <string.h>

#define BEIJING_OFFSET_MS (8LL * 3600 * 1000)
#define MAX_MINUTES (15LL * 24 * 60)

int alipay_timeout_parse(const char *text, int64_t *minutes)
{
    if (text == NULL)
        return 0;
    if (strcmp(text, "1c") == 0) {
        *minutes = 0;
        return 1;
    }
    size_t len = strlen(text);
    /* At most 5 digits and a unit: 21600m is the longest valid form. */
    if (len < 2 || len > 6 || text[0] < '1' || text[0] > '9')
        return 0;
    int64_t n = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        n = n * 10 + (text[i] - '0');
    }
    switch (text[len - 1]) {
    case 'm': break;
    case 'h': n *= 60; break;
    case 'd': n *= 24 * 60; break;
    default: return 0;
    }
    if (n < 1 || n > MAX_MINUTES)
        return 0;
    *minutes = n;
    return 1;
}

int64_t alipay_timeout_deadline(const char *text, int64_t created_ms)
{
    int64_t minutes = 0;
    if (!alipay_timeout_parse(text, &minutes))
        return created_ms;
    if (minutes > 0)
        return created_ms + minutes * 60 * 1000;
    /* "1c": the next Beijing midnight after creation. */
    const int64_t day = 24LL * 3600 * 1000;
    int64_t local = created_ms + BEIJING_OFFSET_MS;
    int64_t next_midnight = (local / day + 1) * day;
    return next_midnight - BEIJING_OFFSET_MS;
}

/* Beijing time is UTC+8 all year. */
#define BEIJING_OFFSET_MINUTES (8 * 60)

void alipay_beijing_time(int64_t ms, char *out, size_t out_size)
{
    tender_time_format(ms, BEIJING_OFFSET_MINUTES, "%Y-%m-%d %H:%M:%S", out, out_size);
}

void alipay_beijing_date(int64_t ms, char *out, size_t out_size)
{
    tender_time_format(ms, BEIJING_OFFSET_MINUTES, "%Y%m%d", out, out_size);
}
