/* The crashes of isolated plugins in the ledger (table plugin_crashes,
 * migration 5 -> 6): every process sharing the ledger counts the same
 * crashes, so a plugin that crashes once per `tender` command is
 * quarantined all the same, and one operator's clear is everyone's.
 * Callers hold a ledger transaction (ledger.h). */
#include <sqlite3.h>

#include "ledger.h"

static gboolean quarantine_fail(TenderLedger *ledger, GError **error, const char *what)
{
    sqlite3 *db = ledger_sqlite(ledger);
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s: %s", what,
                db ? sqlite3_errmsg(db) : "not open");
    return FALSE;
}

gboolean ledger_crash_add(TenderLedger *ledger, const char *plugin_id, gint64 at_ms,
                          const char *reason, GError **error)
{
    sqlite3_stmt *s = ledger_statement(
        ledger, "INSERT INTO plugin_crashes (plugin_id, at_ms, reason) VALUES (?, ?, ?)");
    if (s == NULL)
        return quarantine_fail(ledger, error, "recording a plugin crash");
    sqlite3_bind_text(s, 1, plugin_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, at_ms);
    sqlite3_bind_text(s, 3, reason, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || quarantine_fail(ledger, error, "recording a plugin crash");
}

gboolean ledger_crash_history(TenderLedger *ledger, const char *plugin_id, gint64 since_ms,
                              GArray *at_ms, char **last_reason, GError **error)
{
    sqlite3_stmt *s = ledger_statement(ledger, "SELECT at_ms, reason FROM plugin_crashes "
                                               "WHERE plugin_id = ? AND at_ms >= ? "
                                               "ORDER BY at_ms, rowid");
    if (s == NULL)
        return quarantine_fail(ledger, error, "reading plugin crashes");
    sqlite3_bind_text(s, 1, plugin_id, -1, SQLITE_TRANSIENT);
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
    sqlite3_reset(s);
    return rc == SQLITE_DONE || quarantine_fail(ledger, error, "reading plugin crashes");
}

gboolean ledger_crash_clear(TenderLedger *ledger, const char *plugin_id, GError **error)
{
    sqlite3_stmt *s = ledger_statement(ledger, "DELETE FROM plugin_crashes WHERE plugin_id = ?");
    if (s == NULL)
        return quarantine_fail(ledger, error, "clearing a plugin's quarantine");
    sqlite3_bind_text(s, 1, plugin_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || quarantine_fail(ledger, error, "clearing a plugin's quarantine");
}
