/* The SQLite backend's record of isolated plugins' crashes (table
 * plugin_crashes, migration 6 -> 7): the crash_* operations of
 * ledger-backend.h. Not on the payment path (a crash is rare), so the
 * statements are prepared per call. */
#include "ledger-sqlite.h"

static sqlite3_stmt *quarantine_prepare(SqliteLedger *ledger, const char *sql, GError **error,
                                        const char *what)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(ledger->db, sql, -1, &s, NULL) != SQLITE_OK) {
        ledger_sqlite_fail(ledger, error, what);
        return NULL;
    }
    return s;
}

/* Step s to its end, finalize it, and fail with what unless it ended well. */
static gboolean quarantine_finish(SqliteLedger *ledger, sqlite3_stmt *s, int rc, GError **error,
                                  const char *what)
{
    if (rc != SQLITE_DONE)
        ledger_sqlite_fail(ledger, error, what);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE;
}

static gboolean sqlite_crash_add(LedgerUnit *unit, const char *plugin_id, gint64 at_ms,
                                 const char *reason, GError **error)
{
    static const char what[] = "recording a plugin crash";
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = quarantine_prepare(
        ledger, "INSERT INTO plugin_crashes (plugin_id, at_ms, reason) VALUES (?, ?, ?)", error,
        what);
    if (s == NULL)
        return FALSE;
    ledger_sqlite_bind_text(s, 1, plugin_id);
    sqlite3_bind_int64(s, 2, at_ms);
    ledger_sqlite_bind_text(s, 3, reason);
    return quarantine_finish(ledger, s, sqlite3_step(s), error, what);
}

static gboolean sqlite_crash_history(LedgerUnit *unit, const char *plugin_id, gint64 since_ms,
                                     GArray *at_ms, char **last_reason, GError **error)
{
    static const char what[] = "reading plugin crashes";
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = quarantine_prepare(ledger,
                                         "SELECT at_ms, reason FROM plugin_crashes "
                                         "WHERE plugin_id = ? AND at_ms >= ? "
                                         "ORDER BY at_ms, rowid",
                                         error, what);
    if (s == NULL)
        return FALSE;
    ledger_sqlite_bind_text(s, 1, plugin_id);
    sqlite3_bind_int64(s, 2, since_ms);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        gint64 at = sqlite3_column_int64(s, 0);
        g_array_append_val(at_ms, at);
        if (last_reason != NULL) {
            g_free(*last_reason);
            *last_reason = g_strdup((const char *)sqlite3_column_text(s, 1));
        }
    }
    return quarantine_finish(ledger, s, rc, error, what);
}

static gboolean sqlite_crash_clear(LedgerUnit *unit, const char *plugin_id, GError **error)
{
    static const char what[] = "clearing a plugin's quarantine";
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s =
        quarantine_prepare(ledger, "DELETE FROM plugin_crashes WHERE plugin_id = ?", error, what);
    if (s == NULL)
        return FALSE;
    ledger_sqlite_bind_text(s, 1, plugin_id);
    return quarantine_finish(ledger, s, sqlite3_step(s), error, what);
}

void ledger_sqlite_quarantine_fill(LedgerBackend *b)
{
    b->crash_add = sqlite_crash_add;
    b->crash_history = sqlite_crash_history;
    b->crash_clear = sqlite_crash_clear;
}
