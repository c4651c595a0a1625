/* Counting windows of the policy (private to libtender): the periods over
 * which cumulative limits and velocity rules count, and the text that names
 * the period holding an instant, which becomes part of a usage counter's key.
 * Pure functions of their arguments, so thread-safe. */
#ifndef TENDER_CORE_POLICY_WINDOWS_H
#define TENDER_CORE_POLICY_WINDOWS_H

#include <glib.h>

G_BEGIN_DECLS

/* Calendar windows in UTC (docs/config.md). The numbers are stored nowhere:
 * counters carry the window's name, not its number. */
typedef enum {
    TENDER_WINDOW_MINUTE = 1,
    TENDER_WINDOW_HOUR,
    TENDER_WINDOW_DAY,
    TENDER_WINDOW_WEEK,       /* ISO week, starting Monday 00:00 UTC */
    TENDER_WINDOW_MONTH,
    TENDER_WINDOW_YEAR,
    TENDER_WINDOW_LIFETIME    /* one window for ever */
} TenderWindow;

/* "day", "week", …; NULL for an invalid value. Static string. */
const char *window_name(TenderWindow window);

/* The window called name ("minute" … "lifetime"); FALSE for any other text. */
gboolean window_from_name(const char *name, TenderWindow *out);

/* The start of the window holding now_ms, as text for counter keys:
 * "2026-11-25T14:05" (minute), "2026-11-25T14" (hour), "2026-11-25" (day,
 * week: its Monday, month: its 1st, year: 1 January), "all" (lifetime).
 * Newly allocated (g_free). */
char *window_start(TenderWindow window, gint64 now_ms);

G_END_DECLS

#endif
