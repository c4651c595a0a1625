/* Counting windows: which period an instant falls in.
 *
 * A usage counter's key names the start of its window ("…|day|2026-11-25|…"),
 * so a new window begins at zero without anything being reset or scanned.
 * Every window is a calendar period in UTC; weeks are ISO weeks and start on
 * Monday, so a week that straddles New Year keeps one key. */
#include "policy-windows.h"

#include <string.h>

static const char *const window_names[] = {
    NULL, "minute", "hour", "day", "week", "month", "year", "lifetime",
};

const char *window_name(TenderWindow window)
{
    if ((int)window < TENDER_WINDOW_MINUTE || window > TENDER_WINDOW_LIFETIME)
        return NULL;
    return window_names[window];
}

gboolean window_from_name(const char *name, TenderWindow *out)
{
    for (int w = TENDER_WINDOW_MINUTE; name != NULL && w <= TENDER_WINDOW_LIFETIME; w++) {
        if (strcmp(window_names[w], name) == 0) {
            *out = (TenderWindow)w;
            return TRUE;
        }
    }
    return FALSE;
}

char *window_start(TenderWindow window, gint64 now_ms)
{
    /* Floor division, so instants before the epoch land in the right window. */
    gint64 secs = now_ms / 1000;
    if (now_ms % 1000 < 0)
        secs--;
    GDateTime *t = g_date_time_new_from_unix_utc(secs);
    if (t == NULL)
        return g_strdup("invalid");
    char *text = NULL;
    switch (window) {
    case TENDER_WINDOW_MINUTE:
        text = g_date_time_format(t, "%Y-%m-%dT%H:%M");
        break;
    case TENDER_WINDOW_HOUR:
        text = g_date_time_format(t, "%Y-%m-%dT%H");
        break;
    case TENDER_WINDOW_DAY:
        text = g_date_time_format(t, "%Y-%m-%d");
        break;
    case TENDER_WINDOW_WEEK: {
        /* ISO weeks start on Monday (day_of_week 1). */
        GDateTime *monday = g_date_time_add_days(t, 1 - g_date_time_get_day_of_week(t));
        text = g_date_time_format(monday, "%Y-%m-%d");
        g_date_time_unref(monday);
        break;
    }
    case TENDER_WINDOW_MONTH:
        text = g_date_time_format(t, "%Y-%m-01");
        break;
    case TENDER_WINDOW_YEAR:
        text = g_date_time_format(t, "%Y-01-01");
        break;
    case TENDER_WINDOW_LIFETIME:
    default:
        text = g_strdup("all");
        break;
    }
    g_date_time_unref(t);
    return text;
}
