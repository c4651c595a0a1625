/* Copies of a ledger. tender_host_copy_ledger (tender.h): a consistent copy
 * of a host's ledger in a new SQLite file: SQLite's online backup
 * (ledger-sqlite.c), which lets a tool fill a ledger fast on ":memory:"
 * through the host API and keep it on disk; from a backend without one
 * (PostgreSQL), the rows of one snapshot as below. tender_ledger_copy: any backend
 * to any backend (`tender ledger copy`), row by row through the interface's
 * export and import operations (ledger-backend.h, version 3), checked by
 * totals each database computes from its own rows. */
#include <tender/tender.h>

#include <glib/gstdio.h>

#include <stdlib.h>
#include <string.h>

#include "host-private.h"
#include "ledger.h"

/* The location as a message may show it: a URI without its password (a
 * file path as it is). */
static char *shown_location(const char *location)
{
    GUri *uri =
        strstr(location, "://") ? g_uri_parse(location, G_URI_FLAGS_HAS_PASSWORD, NULL) : NULL;
    if (uri == NULL)
        return g_strdup(location);
    char *shown = g_uri_to_string_partial(uri, G_URI_HIDE_PASSWORD);
    g_uri_unref(uri);
    return shown;
}

static gboolean is_file_location(const char *location)
{
    return strstr(location, "://") == NULL && strcmp(location, ":memory:") != 0 &&
           location[0] != '\0';
}

typedef struct {
    LedgerUnit *target;
    const LedgerTable *table;
    guint64 rows;
} CopyState;

static gboolean copy_row(const LedgerValue *values, gpointer data, GError **error)
{
    CopyState *state = data;
    if (!LEDGER_OP(state->target)->import_row(state->target, state->table, values, error))
        return FALSE;
    state->rows++;
    return TRUE;
}

static GHashTable *totals_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static int compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gint64 total_of(GHashTable *totals, const char *name)
{
    const gint64 *value = g_hash_table_lookup(totals, name);
    return value ? *value : 0;
}

/* Compare the totals of both ledgers: NULL when equal, else one line per
 * total that differs, in name order (a total only one side has is 0 on the
 * other: an empty group has no row). *compared: how many were compared. */
static char *totals_differences(GHashTable *source, GHashTable *copy, guint *compared)
{
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTable *sides[] = {source, copy};
    for (gsize i = 0; i < G_N_ELEMENTS(sides); i++) {
        GHashTableIter it;
        gpointer name;
        g_hash_table_iter_init(&it, sides[i]);
        while (g_hash_table_iter_next(&it, &name, NULL))
            g_hash_table_add(names, name);
    }
    guint n = 0;
    g_autofree gpointer *sorted = g_hash_table_get_keys_as_array(names, &n);
    qsort(sorted, n, sizeof *sorted, compare_names);
    GString *differences = NULL;
    for (guint i = 0; i < n; i++) {
        gint64 in_source = total_of(source, sorted[i]);
        gint64 in_copy = total_of(copy, sorted[i]);
        if (in_source == in_copy)
            continue;
        if (differences == NULL)
            differences = g_string_new(NULL);
        g_string_append_printf(differences,
                               "\n  %s: %" G_GINT64_FORMAT " in the source, %" G_GINT64_FORMAT
                               " in the copy",
                               (const char *)sorted[i], in_source, in_copy);
    }
    *compared = n;
    return differences ? g_string_free(differences, FALSE) : NULL;
}

/* TRUE when the backend has the export operations (interface version 3);
 * else FALSE with an error naming it and the location. */
static gboolean can_copy(const TenderLedger *ledger, const char *shown, GError **error)
{
    const LedgerBackend *b = ledger->backend;
    if (b->version >= 3 && b->export_rows && b->import_row && b->import_finish && b->is_empty &&
        b->totals)
        return TRUE;
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_SUPPORTED,
                "ledger copy: the %s backend of %s cannot export or import rows yet (ledger "
                "interface version %u; the copy needs 3)",
                b->name, shown, b->version);
    return FALSE;
}

/* Read every table of source in one unit, write it to target in one unit,
 * and commit the target only once its totals, computed by its database
 * inside that unit, equal the source's from the same snapshot. The one
 * place that holds two units at once: of two different ledgers, which
 * never wait for each other. */
gboolean ledger_copy_rows(LedgerUnit *from, LedgerUnit *to, guint64 *rows, GError **error)
{
    CopyState state = {.target = to};
    for (guint t = 0; t < ledger_n_tables; t++) {
        state.table = &ledger_tables[t];
        if (!LEDGER_OP(from)->export_rows(from, state.table, copy_row, &state, error))
            return FALSE;
    }
    if (rows)
        *rows = state.rows;
    return TRUE;
}

gboolean ledger_copy_between(TenderLedger *source, TenderLedger *target, const char *shown_to,
                             TenderLedgerCopyReport *report, GError **error)
{
    LedgerUnit *from = ledger_begin_read(source, error);
    if (from == NULL)
        return FALSE;
    LedgerUnit *to = ledger_begin(target, error);
    if (to == NULL) {
        ledger_rollback(from);
        return FALSE;
    }
    g_autoptr(GHashTable) source_totals = totals_new();
    g_autoptr(GHashTable) copy_totals = totals_new();
    guint64 rows = 0;
    gboolean empty = FALSE;
    gboolean ok = LEDGER_OP(to)->is_empty(to, &empty, error);
    if (ok && !empty) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "ledger copy: %s already holds a ledger with rows; copy only into an empty "
                    "one",
                    shown_to);
        ok = FALSE;
    }
    ok = ok && ledger_copy_rows(from, to, &rows, error) &&
         LEDGER_OP(to)->import_finish(to, error) &&
         LEDGER_OP(from)->totals(from, source_totals, error) &&
         LEDGER_OP(to)->totals(to, copy_totals, error);
    ledger_rollback(from);
    guint compared = 0;
    g_autofree char *differences =
        ok ? totals_differences(source_totals, copy_totals, &compared) : NULL;
    if (differences) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "ledger copy: the copy differs from the source; nothing was committed:%s",
                    differences);
        ok = FALSE;
    }
    if (!ok) {
        ledger_rollback(to);
        return FALSE;
    }
    if (!ledger_commit(to, error))
        return FALSE;
    if (report) {
        report->rows = rows;
        report->totals = compared;
    }
    return TRUE;
}

/* Copy source into the ledger at `to` (created if it is a new file), and
 * leave no file behind when a copy into a new one fails. */
static gboolean copy_into(TenderLedger *source, const char *shown_from, const char *to,
                          const char *shown_to, TenderLedgerCopyReport *report, GError **error)
{
    gboolean target_is_new = is_file_location(to) && !g_file_test(to, G_FILE_TEST_EXISTS);
    TenderLedger *target = ledger_open(to, error);
    if (target == NULL)
        return FALSE;
    gboolean ok = can_copy(source, shown_from, error) && can_copy(target, shown_to, error) &&
                  ledger_copy_between(source, target, shown_to, report, error);
    ledger_close(target);
    /* A file made for a copy that failed holds nothing: leave no empty
     * ledger behind to be mistaken for the copy. */
    if (!ok && target_is_new)
        ledger_copy_remove_files(to);
    return ok;
}

gboolean tender_ledger_copy(const char *from, const char *to, TenderLedgerCopyReport *report,
                            GError **error)
{
    g_return_val_if_fail(from != NULL && to != NULL, FALSE);
    g_autofree char *shown_from = shown_location(from);
    g_autofree char *shown_to = shown_location(to);
    if (strcmp(from, to) == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "ledger copy: the source and the target are the same ledger (%s)", shown_from);
        return FALSE;
    }
    /* A missing file would open as an empty ledger: copying nothing from a
     * mistyped path must not look like success. */
    if (is_file_location(from) && !g_file_test(from, G_FILE_TEST_EXISTS)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "ledger copy: the source ledger %s does not exist", shown_from);
        return FALSE;
    }
    TenderLedger *source = ledger_open_no_create(from, error);
    if (source == NULL)
        return FALSE;
    gboolean ok = copy_into(source, shown_from, to, shown_to, report, error);
    ledger_close(source);
    return ok;
}

gboolean tender_host_copy_ledger(TenderHost *host, const char *path, GError **error)
{
    g_return_val_if_fail(host != NULL && path != NULL, FALSE);
    if (host->ledger == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "the host has no ledger to copy");
        return FALSE;
    }
    if (host->ledger->backend->copy_to)
        return ledger_copy_to(host->ledger, path, error);
    /* No file-level backup (PostgreSQL, memory): the rows of one snapshot into a
     * new SQLite file, checked by totals as `tender ledger copy` is. The
     * host's writers carry on meanwhile; the copy is the ledger as it was
     * when the snapshot was taken. */
    if (!is_file_location(path)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "cannot copy the ledger to %s: the copy is a new SQLite file; give its path",
                    path);
        return FALSE;
    }
    /* Never over a file: the path could be a live ledger of another host. */
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "cannot copy the ledger to %s: the file exists", path);
        return FALSE;
    }
    g_autofree char *shown_from =
        g_strdup_printf("the host's %s ledger", host->ledger->backend->name);
    return copy_into(host->ledger, shown_from, path, path, NULL, error);
}

void ledger_copy_remove_files(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
        g_autofree char *file = g_strconcat(path, suffixes[i], NULL);
        g_unlink(file);
    }
}
