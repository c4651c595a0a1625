/* The SQLite backend's record of isolated plugins' crashes (table
 * plugin_crashes, migration 6 -> 7): the crash_* operations of
 * ledger-backend.h. */
#include "ledger-sqlite.h"

static gboolean sqlite_crash_add(LedgerUnit *unit, const char *plugin_id, gint64 at_ms,
                                 const char *reason, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger, "INSERT INTO plugin_crashes (plugin_id, at_ms, reason) VALUES (?, ?, ?)");
    if (s != NULL) {
        ledger_sqlite_bind_text(s, 1, plugin_id);
        sqlite3_bind_int64(s, 2, at_ms);
        ledger_sqlite_bind_text(s, 3, reason);
    }
    return ledger_sqlite_step_done(ledger, s, error, "recording a plugin crash");
}

static gboolean sqlite_crash_history(LedgerUnit *unit, const char *plugin_id, gint64 since_ms,
                                     GArray *at_ms, char **last_reason, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(ledger, "SELECT at_ms, reason FROM plugin_crashes "
                                                 "WHERE plugin_id = ? AND at_ms >= ? "
                                                 "ORDER BY at_ms, rowid");
    if (s == NULL)
        return ledger_sqlite_fail(ledger, error, "reading plugin crashes");
    ledger_sqlite_bind_text(s, 1, plugin_id);
    sqlite3_bind_int64(s, 2, since_ms);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        gint64 at = sqlite3_column_int64(s, 0);
        g_array_append_val(at_ms, at);
        if (last_reason != NULL) {
            g_free(*last_reason);
            *last_reason = ledger_sqlite_column_text(s, 1);
        }
    }
    gboolean ok = rc == SQLITE_DONE || ledger_sqlite_fail(ledger, error, "reading plugin crashes");
    sqlite3_reset(s);
    return ok;
}

static gboolean sqlite_crash_clear(LedgerUnit *unit, const char *plugin_id, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(ledger, "DELETE FROM plugin_crashes WHERE plugin_id = ?");
    if (s != NULL)
        ledger_sqlite_bind_text(s, 1, plugin_id);
    return ledger_sqlite_step_done(ledger, s, error, "clearing a plugin's quarantine");
}

void ledger_sqlite_quarantine_fill(LedgerBackend *b)
{
    b->crash_add = sqlite_crash_add;
    b->crash_history = sqlite_crash_history;
    b->crash_clear = sqlite_crash_clear;
}
