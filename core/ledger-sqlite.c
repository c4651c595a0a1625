/* The SQLite backend of the ledger (ledger-backend.h): opening,
 * migrations, the unit of work with group commit, and copies. The SQL of
 * payments is in ledger-sqlite-payments.c, that of the service's tables in
 * ledger-sqlite-service.c. */
#include "ledger-sqlite.h"

#include <tender/money.h>

#include <glib/gstdio.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Group commit. Every caller's work happens inside one outer SQLite
 * transaction (a "batch"), each caller in its own savepoint. The first
 * caller to commit becomes the batch's leader: it waits, briefly, for the
 * other callers already inside begin()..commit() to join, then commits the
 * batch and, when any member asked for durability, flushes the WAL once for
 * all of them. Members return only after their batch is committed (and
 * flushed), so nothing is acknowledged before it is on disk, and N
 * concurrent operations cost one flush instead of N.
 *
 * The flush runs outside the lock, so the next batch is already being
 * written while this one reaches the disk. A flush makes durable every WAL
 * frame written before it, so batches become durable in order: "synced"
 * is a high-water mark like "committed". */

/* Each migration moves the schema from user_version N to N+1. Append only:
 * a released migration is never edited, so every ledger upgrades the same
 * way. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE payments ("
    "  id TEXT PRIMARY KEY,"
    "  method TEXT NOT NULL, account TEXT NOT NULL, tier TEXT NOT NULL,"
    "  region TEXT NOT NULL, currency TEXT NOT NULL, exponent INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  amount INTEGER NOT NULL, captured INTEGER NOT NULL DEFAULT 0,"
    "  refunded INTEGER NOT NULL DEFAULT 0, fee INTEGER NOT NULL DEFAULT 0,"
    "  order_currency TEXT NOT NULL, order_amount INTEGER NOT NULL,"
    "  processor_ref TEXT NOT NULL DEFAULT '', plugin_state TEXT NOT NULL DEFAULT '',"
    "  idempotency_key TEXT UNIQUE, request_hash TEXT NOT NULL DEFAULT '',"
    "  action_kind INTEGER NOT NULL DEFAULT 0, action_data TEXT, action_hint TEXT,"
    "  action_expires_ms INTEGER NOT NULL DEFAULT 0,"
    "  decline_code INTEGER NOT NULL DEFAULT 0, decline_raw TEXT, decline_message TEXT,"
    "  brand TEXT, first6 TEXT, last4 TEXT, display_account TEXT, issuer_country TEXT,"
    "  details TEXT,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  authorized_ms INTEGER NOT NULL DEFAULT 0, hold_expires_ms INTEGER NOT NULL DEFAULT 0,"
    "  busy_until_ms INTEGER NOT NULL DEFAULT 0, busy_seq INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX payments_account ON payments(account, created_ms);"
    "CREATE INDEX payments_status ON payments(status, updated_ms);"
    "CREATE TABLE operations ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  payment_id TEXT NOT NULL REFERENCES payments(id),"
    "  kind TEXT NOT NULL, request_id TEXT NOT NULL, idempotency_key TEXT,"
    "  request_hash TEXT NOT NULL DEFAULT '',"
    "  amount INTEGER NOT NULL, outcome TEXT, decline_code TEXT, raw_code TEXT,"
    "  message TEXT, processor_ref TEXT, status_after TEXT, created_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX operations_payment ON operations(payment_id, seq);"
    "CREATE UNIQUE INDEX operations_key ON operations(payment_id, kind, idempotency_key)"
    "  WHERE idempotency_key IS NOT NULL;"
    "CREATE TABLE usage (key TEXT PRIMARY KEY, amount INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE payment_usage ("
    "  payment_id TEXT NOT NULL, key TEXT NOT NULL,"
    "  full_amount INTEGER NOT NULL, counted INTEGER NOT NULL,"
    "  PRIMARY KEY (payment_id, key)) WITHOUT ROWID;",
    /* 1 -> 2: find an account's lapsed holds and actions without a scan,
     * so a limit check can release them first. */
    "CREATE INDEX payments_account_holds ON payments(account, hold_expires_ms)"
    "  WHERE status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0;"
    "CREATE INDEX payments_account_actions ON payments(account, action_expires_ms)"
    "  WHERE status = 'requires_action' AND action_expires_ms > 0;",
    /* 2 -> 3: each operation keeps how many calls the plugin got and the
     * state the plugin returned, for audits and reconciliation by hand. */
    "ALTER TABLE operations ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE operations ADD COLUMN plugin_state TEXT;",
    /* 3 -> 4: a payment keeps the tier whose limits it was held to (the
     * buyer's, or the method's default_tier when the buyer named none) and
     * the configured rates of its conversion, so a converted payment can
     * be traced back to its order. A row written before knew only the tier
     * the buyer gave: that one was the tier held to; with none given it is
     * not known (NULL), and neither is an old conversion's rate. */
    "ALTER TABLE payments ADD COLUMN effective_tier TEXT;"
    "ALTER TABLE payments ADD COLUMN exchange_rate TEXT;"
    "UPDATE payments SET effective_tier = tier WHERE tier <> '';",
    /* 4 -> 5: what the payments service (tenderd) keeps: API keys (only a
     * SHA-256 of each secret), merchant webhook endpoints, and the outbox:
     * one event per payment state change, written in the transaction of
     * the change, and one delivery row per event and endpoint. The
     * endpoint's signing secret is kept as is: signing needs it. And the
     * first response to each Idempotency-Key, replayed to a retry. */
    "CREATE TABLE api_keys ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL,"
    "  secret_sha256 TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL,"
    "  revoked_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE webhook_endpoints ("
    "  id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, removed_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    "  payment_id TEXT NOT NULL, body TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE deliveries ("
    "  event_seq INTEGER NOT NULL, endpoint_id TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_ms INTEGER NOT NULL, last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    "  done_ms INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (event_seq, endpoint_id)) WITHOUT ROWID;"
    "CREATE INDEX deliveries_due ON deliveries(next_ms) WHERE state = 'pending';"
    "CREATE TABLE idempotent_responses ("
    "  scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    "  status INTEGER NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL,"
    "  headers TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (scope, key)) WITHOUT ROWID;"
    "CREATE INDEX idempotent_responses_age ON idempotent_responses(created_ms);",
    /* 5 -> 6: no query reads payments by (status, updated_ms) — reconcile
     * and lists filter in ways this index cannot serve — yet every status
     * change and every touch of updated_ms rewrote its entry, on the write
     * path of every payment. */
    "DROP INDEX IF EXISTS payments_status;",
    /* 6 -> 7: the crashes of isolated plugins, which decide their
     * quarantine across processes (ledger-sqlite-quarantine.c). */
    "CREATE TABLE plugin_crashes ("
    "  plugin_id TEXT NOT NULL, at_ms INTEGER NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX plugin_crashes_by_plugin ON plugin_crashes(plugin_id, at_ms);",
    /* 7 -> 8: operations and events are no longer AUTOINCREMENT. Each insert
     * into such a table also rewrote its row of sqlite_sequence: one more
     * page in the WAL for the intent of every payment and one more for its
     * outcome (2 of the 12 frames of a durable authorization). A plain
     * INTEGER PRIMARY KEY takes the largest seq + 1; both tables only
     * ever grow (no row of either is deleted), so a seq is still never
     * given twice and still orders the rows as they were written. SQLite
     * cannot drop AUTOINCREMENT in place: each table is copied, seqs kept
     * (deliveries name events by seq), and its indexes made again. */
    "CREATE TABLE operations_8 ("
    "  seq INTEGER PRIMARY KEY,"
    "  payment_id TEXT NOT NULL REFERENCES payments(id),"
    "  kind TEXT NOT NULL, request_id TEXT NOT NULL, idempotency_key TEXT,"
    "  request_hash TEXT NOT NULL DEFAULT '',"
    "  amount INTEGER NOT NULL, outcome TEXT, decline_code TEXT, raw_code TEXT,"
    "  message TEXT, processor_ref TEXT, status_after TEXT, created_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0, plugin_state TEXT);"
    "INSERT INTO operations_8 (seq, payment_id, kind, request_id, idempotency_key,"
    "  request_hash, amount, outcome, decline_code, raw_code, message, processor_ref,"
    "  status_after, created_ms, attempts, plugin_state)"
    "  SELECT seq, payment_id, kind, request_id, idempotency_key, request_hash, amount,"
    "  outcome, decline_code, raw_code, message, processor_ref, status_after, created_ms,"
    "  attempts, plugin_state FROM operations;"
    "DROP TABLE operations;"
    "ALTER TABLE operations_8 RENAME TO operations;"
    "CREATE INDEX operations_payment ON operations(payment_id, seq);"
    "CREATE UNIQUE INDEX operations_key ON operations(payment_id, kind, idempotency_key)"
    "  WHERE idempotency_key IS NOT NULL;"
    "CREATE TABLE events_8 ("
    "  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    "  payment_id TEXT NOT NULL, body TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "INSERT INTO events_8 (seq, id, type, payment_id, body, created_ms)"
    "  SELECT seq, id, type, payment_id, body, created_ms FROM events;"
    "DROP TABLE events;"
    "ALTER TABLE events_8 RENAME TO events;",
};

gboolean ledger_sqlite_fail(SqliteLedger *ledger, GError **error, const char *what)
{
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s: %s", what,
                ledger->db ? sqlite3_errmsg(ledger->db) : "not open");
    return FALSE;
}

sqlite3_stmt *ledger_sqlite_stmt(SqliteLedger *ledger, const char *sql)
{
    sqlite3_stmt *s = g_hash_table_lookup(ledger->statements, sql);
    if (s == NULL) {
        if (sqlite3_prepare_v3(ledger->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
            SQLITE_OK) {
            g_warning("ledger: cannot prepare %s: %s", sql, sqlite3_errmsg(ledger->db));
            return NULL;
        }
        g_hash_table_insert(ledger->statements, (gpointer)sql, s);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

gboolean ledger_sqlite_step_done(SqliteLedger *ledger, sqlite3_stmt *s, GError **error,
                                 const char *what)
{
    if (s == NULL)
        return ledger_sqlite_fail(ledger, error, what);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        ledger_sqlite_fail(ledger, error, what);
        sqlite3_reset(s);
        return FALSE;
    }
    sqlite3_reset(s);
    return TRUE;
}

void ledger_sqlite_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

char *ledger_sqlite_column_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? g_strdup((const char *)t) : NULL;
}

/* Run a cached statement without results (transaction control): parsing
 * BEGIN/SAVEPOINT/RELEASE anew on every operation costs more than the
 * writes of a small payment. */
static int run(SqliteLedger *ledger, const char *sql)
{
    sqlite3_stmt *s = ledger_sqlite_stmt(ledger, sql);
    if (s == NULL)
        return sqlite3_errcode(ledger->db);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static gboolean exec(SqliteLedger *ledger, const char *sql, GError **error)
{
    char *msg = NULL;
    ledger->exec_rc = sqlite3_exec(ledger->db, sql, NULL, NULL, &msg);
    if (ledger->exec_rc != SQLITE_OK) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return FALSE;
    }
    return TRUE;
}

/* PRAGMA user_version, or -1 when it cannot be read. */
static int schema_version(SqliteLedger *ledger)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(ledger->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK) {
        ledger->exec_rc = rc;
        return -1;
    }
    rc = sqlite3_step(s);
    int version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    if (version < 0)
        ledger->exec_rc = rc;
    return version;
}

static gboolean migrate(SqliteLedger *ledger, GError **error)
{
    int latest = (int)G_N_ELEMENTS(migrations);
    for (;;) {
        int version = schema_version(ledger);
        if (version < 0)
            return ledger_sqlite_fail(ledger, error, "reading schema version");
        if (version > latest) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                        "ledger: schema version %d is newer than this Tender (%d)", version,
                        latest);
            return FALSE;
        }
        if (version == latest)
            return TRUE;
        /* Several processes may open a new ledger at once: read the version
         * again under the write lock, so only one of them runs each step. */
        if (!exec(ledger, "BEGIN IMMEDIATE", error))
            return FALSE;
        if (schema_version(ledger) != version) {
            sqlite3_exec(ledger->db, "ROLLBACK", NULL, NULL, NULL);
            continue;
        }
        g_autofree char *sql = g_strdup_printf("%s PRAGMA user_version = %d; COMMIT;",
                                               migrations[version], version + 1);
        if (!exec(ledger, sql, error)) {
            sqlite3_exec(ledger->db, "ROLLBACK", NULL, NULL, NULL);
            return FALSE;
        }
    }
}

static void finalize_statement(gpointer s)
{
    sqlite3_finalize(s);
}

/* SQLite's own message for a file in a missing directory is "unable to
 * open database file"; a person needs to hear which directory is missing.
 * FALSE with the error set when the ledger's directory is not there. */
static gboolean check_directory(const char *path, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    if (g_file_test(dir, G_FILE_TEST_IS_DIR))
        return TRUE;
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                g_file_test(dir, G_FILE_TEST_EXISTS)
                    ? "ledger directory '%s' is not a directory (ledger '%s')"
                    : "ledger directory '%s' does not exist (ledger '%s')",
                dir, path);
    return FALSE;
}

/* ---- checkpoints, mostly off the hot path ---------------------------------
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL
 * past 1000 pages: that commit, and every unit of its batch, then waits for
 * the whole WAL to be copied into the database file and both flushed.
 * Instead the ledger's connection never checkpoints by itself
 * (wal_autocheckpoint=0): a thread of the ledger's own, on a second
 * connection, copies the bulk of the WAL (a PASSIVE checkpoint, which never
 * blocks a writer), and the committing thread finishes the job.
 *
 * Why both: SQLite restarts the WAL from its start only after a checkpoint
 * that copied every frame, and a checkpoint running beside a stream of
 * commits never does (frames arrive while it copies). Left to the thread
 * alone, the WAL grew to its limit and the thread, woken at every commit
 * past CHECKPOINT_PAGES, checkpointed again and again, each pass flushing
 * the WAL and the database file: flushes that competed with the commits'
 * own on the same disk (a commit's flush took 370 µs with it, 255 µs
 * without). So the thread is woken past CHECKPOINT_PAGES, and again only
 * while its last pass left more than CHECKPOINT_TAIL pages behind; once it
 * has copied all but a tail of at most CHECKPOINT_TAIL pages (or made two
 * passes and still trails), the next commit copies that tail itself, under
 * the ledger's lock where no frame of this process can arrive: the
 * checkpoint completes and the next commit writes the WAL from its start
 * again, on blocks the file already has (an append that grows the file
 * costs each flush an inode write as well). Durability is unchanged: a
 * commit is durable when its WAL frames are flushed, checkpointed or not. */
#define CHECKPOINT_PAGES 4000
#define CHECKPOINT_TAIL 1000

/* Past CHECKPOINT_BACKSTOP pages (another process writing all the time, or
 * the thread falling behind) the committing thread checkpoints whatever the
 * thread did, as SQLite's automatic checkpoint would, so the WAL cannot
 * grow without bound. */
#define CHECKPOINT_BACKSTOP (4 * CHECKPOINT_PAGES)

/* A PASSIVE checkpoint on the ledger's connection, on the committing
 * thread. */
static void checkpoint_inline(SqliteLedger *ledger, sqlite3 *db, const char *name)
{
    int log = -1, copied = -1;
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    g_mutex_lock(&ledger->checkpoint_lock);
    ledger->checkpoint_copied = copied;
    g_mutex_unlock(&ledger->checkpoint_lock);
}

/* The WAL hook: called by the committing thread after each commit, with
 * the ledger's lock held; pages is the WAL's length in frames. */
static int wal_grew(void *data, sqlite3 *db, const char *name, int pages)
{
    SqliteLedger *ledger = data;
    g_mutex_lock(&ledger->checkpoint_lock);
    /* A WAL shorter than at the last commit was restarted: what was
     * copied of the old one says nothing of this one. */
    if (pages < ledger->checkpoint_seen)
        ledger->checkpoint_copied = ledger->checkpoint_passes = 0;
    ledger->checkpoint_seen = pages;
    gboolean idle = !ledger->checkpoint_wanted && !ledger->checkpoint_running;
    /* The tail is the commit's once it is short, or once the thread has
     * made two passes of this WAL and still trails (commits that do not
     * wait for the disk, a bulk load, outrun it). */
    gboolean tail = idle && ledger->checkpoint_copied > 0 &&
                    (pages - ledger->checkpoint_copied <= CHECKPOINT_TAIL ||
                     ledger->checkpoint_passes >= 2);
    /* Woken past CHECKPOINT_PAGES, and again while a pass left more than
     * the tail behind (commits outran it). */
    if (!tail && pages < CHECKPOINT_BACKSTOP && idle && pages >= CHECKPOINT_PAGES &&
        pages - ledger->checkpoint_copied > CHECKPOINT_TAIL) {
        ledger->checkpoint_wanted = TRUE;
        g_cond_signal(&ledger->checkpoint_cond);
    }
    g_mutex_unlock(&ledger->checkpoint_lock);
    if (tail || pages >= CHECKPOINT_BACKSTOP)
        checkpoint_inline(ledger, db, name);
    return SQLITE_OK;
}

static gpointer checkpoint_thread(gpointer data)
{
    SqliteLedger *ledger = data;
    g_mutex_lock(&ledger->checkpoint_lock);
    for (;;) {
        while (!ledger->checkpoint_wanted && !ledger->checkpoint_stop)
            g_cond_wait(&ledger->checkpoint_cond, &ledger->checkpoint_lock);
        if (ledger->checkpoint_stop)
            break;
        ledger->checkpoint_wanted = FALSE;
        ledger->checkpoint_running = TRUE;
        g_mutex_unlock(&ledger->checkpoint_lock);
        int log = -1, copied = -1;
        sqlite3_wal_checkpoint_v2(ledger->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
                                  &copied);
        g_mutex_lock(&ledger->checkpoint_lock);
        ledger->checkpoint_running = FALSE;
        /* Unless the WAL was restarted meanwhile (the count then belongs
         * to the old one). */
        if (log <= ledger->checkpoint_seen) {
            ledger->checkpoint_copied = copied;
            ledger->checkpoint_passes++;
        }
    }
    g_mutex_unlock(&ledger->checkpoint_lock);
    return NULL;
}

/* Start the checkpointer of a file ledger; without it (no second
 * connection), SQLite's own automatic checkpoint stays on. */
static void start_checkpointer(SqliteLedger *ledger, const char *path)
{
    if (sqlite3_open_v2(path, &ledger->checkpoint_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        ledger_sqlite_vfs_name()) != SQLITE_OK) {
        sqlite3_close(ledger->checkpoint_db);
        ledger->checkpoint_db = NULL;
        return;
    }
    sqlite3_busy_timeout(ledger->checkpoint_db, 1000);
    /* A connection knows the file is in WAL mode only once it has read
     * it; until then a checkpoint on it does nothing (and says so with a
     * WAL size of -1). */
    if (sqlite3_exec(ledger->checkpoint_db,
                     "PRAGMA checkpoint_fullfsync=ON; SELECT count(*) FROM sqlite_master", NULL,
                     NULL, NULL) != SQLITE_OK) {
        sqlite3_close(ledger->checkpoint_db);
        ledger->checkpoint_db = NULL;
        return;
    }
    ledger->checkpointer = g_thread_new("tender-checkpoint", checkpoint_thread, ledger);
    /* A WAL restarted from its start keeps its size on disk unless told:
     * give back what a burst made it grow beyond 64 MiB. */
    sqlite3_exec(ledger->db, "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864",
                 NULL, NULL, NULL);
    sqlite3_wal_hook(ledger->db, wal_grew, ledger);
}

static void stop_checkpointer(SqliteLedger *ledger)
{
    if (ledger->checkpointer) {
        g_mutex_lock(&ledger->checkpoint_lock);
        ledger->checkpoint_stop = TRUE;
        g_cond_signal(&ledger->checkpoint_cond);
        g_mutex_unlock(&ledger->checkpoint_lock);
        g_thread_join(ledger->checkpointer);
        ledger->checkpointer = NULL;
    }
    if (ledger->checkpoint_db)
        sqlite3_close(ledger->checkpoint_db);
    ledger->checkpoint_db = NULL;
}

/* ---- waiting for another process ----------------------------------------
 *
 * SQLite has one writer per file: while another process holds the write
 * lock, BEGIN IMMEDIATE waits in this handler. The wait is bounded as a
 * whole: begin() fixes when it gives up (begin_give_up) before it even
 * takes the ledger's mutex, so neither the retries of BEGIN nor the
 * threads queued behind the one waiting add up to more than the timeout
 * (the old per-attempt 10 s busy timeout, retried 50 times, could hold a
 * payment for minutes). Any other statement that meets the lock (opening,
 * migrations) waits at most the timeout from its first refusal. */
#define DEFAULT_BUSY_TIMEOUT_US (10 * G_TIME_SPAN_SECOND)

static int busy_wait(void *data, int count)
{
    SqliteLedger *ledger = data;
    gint64 now = g_get_monotonic_time();
    if (count == 0)
        ledger->busy_give_up =
            ledger->begin_give_up ? ledger->begin_give_up : now + ledger->busy_timeout_us;
    if (now >= ledger->busy_give_up)
        return 0;
    /* Short naps first (a commit of another process takes microseconds to
     * milliseconds), then 10 ms: a lock held for long is not worth a
     * busier poll. */
    gint64 nap = MIN((gint64)(count + 1) * 500, 10000);
    g_usleep((gulong)MIN(nap, ledger->busy_give_up - now));
    return 1;
}

static void sqlite_set_busy_timeout(TenderLedger *base, gint64 timeout_ms)
{
    SqliteLedger *ledger = (SqliteLedger *)base;
    g_mutex_lock(&ledger->lock);
    ledger->busy_timeout_us = MAX(timeout_ms, 0) * 1000;
    g_mutex_unlock(&ledger->lock);
}

static void sqlite_close(TenderLedger *base);
static const LedgerBackend *sqlite_backend(void);

TenderLedger *ledger_sqlite_open(const char *path, gboolean create, GError **error)
{
    gboolean memory = strcmp(path, ":memory:") == 0 || path[0] == '\0';
    if (!memory && !check_directory(path, error))
        return NULL;
    /* A reader must not leave a ledger behind where there was none: stand
     * in for the missing file with an empty ledger in memory, and refuse
     * every commit on it (ledger_commit) so nothing is silently lost.
     * Should another process create the file right after this test, this
     * reader simply saw the moment before. */
    gboolean missing = !memory && !create && !g_file_test(path, G_FILE_TEST_EXISTS);
    if (missing)
        memory = TRUE;
    SqliteLedger *ledger = g_new0(SqliteLedger, 1);
    ledger->base.backend = sqlite_backend();
    g_mutex_init(&ledger->lock);
    g_cond_init(&ledger->member_moved.cond);
    g_cond_init(&ledger->batch_committed.cond);
    g_cond_init(&ledger->batch_synced.cond);
    g_mutex_init(&ledger->checkpoint_lock);
    g_cond_init(&ledger->checkpoint_cond);
    ledger->wal_fd = -1;
    ledger->busy_timeout_us = DEFAULT_BUSY_TIMEOUT_US;
    ledger->memory = memory;
    ledger->missing_path = missing ? g_strdup(path) : NULL;
    /* Keyed by the SQL text's address: every statement is a string literal
     * at its call site, so the pointer identifies it without hashing the
     * text on every call. */
    ledger->statements =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, finalize_statement);
    ledger->updates =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, finalize_statement);
    /* Without SQLITE_OPEN_CREATE a file removed since the test above is an
     * error, never a new empty file. */
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create || missing ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(missing ? ":memory:" : path, &ledger->db, flags,
                        ledger_sqlite_vfs_name()) != SQLITE_OK) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: cannot open '%s': %s", path,
                    ledger->db ? sqlite3_errmsg(ledger->db) : "out of memory");
        sqlite_close(&ledger->base);
        return NULL;
    }
    /* Another process may hold the write lock for a moment: wait for it
     * (busy_wait, bounded) rather than failing the payment. */
    sqlite3_busy_handler(ledger->db, busy_wait, ledger);
    /* WAL, readers never block the writer. A commit's own sync of the WAL
     * (synchronous=FULL) only writes the frames the VFS collected
     * (ledger-sqlite-vfs.c); ledger_commit() flushes once per batch
     * (flush_through). checkpoint_fullfsync tells the VFS a checkpoint's
     * sync, which must reach the disk, from a commit's. */
    /* Processes opening a new ledger at the same moment race to switch it
     * to WAL and to create the schema; SQLite can then answer "locked"
     * without waiting in its busy handler (the WAL index is being built).
     * Such a refusal is transient: try again for a while. */
    gint64 give_up = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;
    for (;;) {
        GError *local = NULL;
        if (exec(ledger,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                 "PRAGMA checkpoint_fullfsync=ON; PRAGMA foreign_keys=ON;",
                 &local) &&
            migrate(ledger, &local)) {
            const char *file = sqlite3_db_filename(ledger->db, "main");
            ledger->wal_path = g_strconcat(file ? file : "", "-wal", NULL);
            if (!memory)
                start_checkpointer(ledger, path);
            return &ledger->base;
        }
        int rc = ledger->exec_rc & 0xff; /* primary code of an extended one */
        gboolean transient = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
        if (!transient || g_get_monotonic_time() > give_up) {
            g_propagate_prefixed_error(error, local, "'%s': ", path);
            sqlite_close(&ledger->base);
            return NULL;
        }
        g_error_free(local);
        g_usleep(5000);
    }
}

static void sqlite_set_flush(TenderLedger *base, gboolean flush)
{
    SqliteLedger *ledger = (SqliteLedger *)base;
    g_mutex_lock(&ledger->lock);
    /* Commits are then never flushed (flush_through is not called);
     * checkpoints still are, so the database file stays whole. */
    ledger->no_flush = !flush;
    g_mutex_unlock(&ledger->lock);
}

static void sqlite_close(TenderLedger *base)
{
    SqliteLedger *ledger = (SqliteLedger *)base;
    if (ledger == NULL)
        return;
    stop_checkpointer(ledger);
    g_hash_table_destroy(ledger->statements);
    g_hash_table_destroy(ledger->updates);
    if (ledger->db)
        sqlite3_close(ledger->db);
    g_mutex_clear(&ledger->lock);
    g_mutex_clear(&ledger->checkpoint_lock);
    g_cond_clear(&ledger->checkpoint_cond);
    g_cond_clear(&ledger->member_moved.cond);
    g_cond_clear(&ledger->batch_committed.cond);
    g_cond_clear(&ledger->batch_synced.cond);
    g_free(ledger->failure);
    if (ledger->wal_fd >= 0)
        close(ledger->wal_fd);
    g_free(ledger->wal_path);
    g_free(ledger->missing_path);
    g_free(ledger);
}

/* Waits and wake-ups of the group commit, always under the ledger's lock. */
static void wait_on(SqliteWait *w, GMutex *lock)
{
    w->waiters++;
    g_cond_wait(&w->cond, lock);
    w->waiters--;
}

static void wait_on_until(SqliteWait *w, GMutex *lock, gint64 end_time)
{
    w->waiters++;
    g_cond_wait_until(&w->cond, lock, end_time);
    w->waiters--;
}

static void wake(SqliteWait *w)
{
    if (w->waiters > 0)
        g_cond_broadcast(&w->cond);
}

/* Every unit, read or write, runs in the batch: SQLite has one writer per
 * file, so a unit that holds the connection holds every row it reads (the
 * locks ledger-backend.h asks for), across processes too, since the batch
 * is an IMMEDIATE transaction.
 *
 * A unit that joins a batch others have committed into runs in a
 * savepoint, so that its rollback undoes only its own work. The unit that
 * begins a batch does not need one: it holds the connection (the mutex)
 * from begin to end, so the batch holds nothing but its work until it
 * commits, and its rollback can roll the whole batch back. That spares
 * the SAVEPOINT and RELEASE statements and the savepoint's journal (8 k of
 * an in-memory payment's 303 k instructions, callgrind); with one thread
 * every unit begins its own batch. */
static LedgerUnit *sqlite_begin(TenderLedger *base, LedgerUnitMode mode, GError **error)
{
    SqliteLedger *ledger = (SqliteLedger *)base;
    /* The wait for another process counts from here (busy_wait). */
    gint64 entered = g_get_monotonic_time();
    /* Count ourselves before taking the lock, so a leader waiting for
     * members to join knows we are on our way. */
    g_atomic_int_inc(&ledger->active);
    g_mutex_lock(&ledger->lock);
    if (!ledger->in_batch) {
        /* busy_wait covers most waits for other processes; loop for the
         * rare SQLITE_BUSY that BEGIN IMMEDIATE returns without calling
         * it (a WAL index being rebuilt), within the same deadline. */
        ledger->begin_give_up = entered + ledger->busy_timeout_us;
        int rc = run(ledger, "BEGIN IMMEDIATE");
        while ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
            if (g_get_monotonic_time() >= ledger->begin_give_up)
                break;
            g_usleep(1000);
            rc = run(ledger, "BEGIN IMMEDIATE");
        }
        ledger->begin_give_up = 0;
        if (rc != SQLITE_OK) {
            /* "database is locked" stays in the message: callers (the
             * crash test's child) tell a busy ledger by it. */
            if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                            "ledger: busy: another process held the ledger for more than "
                            "%" G_GINT64_FORMAT " ms: database is locked",
                            ledger->busy_timeout_us / 1000);
            else
                ledger_sqlite_fail(ledger, error, "cannot start a transaction");
            g_atomic_int_dec_and_test(&ledger->active);
            wake(&ledger->member_moved);
            g_mutex_unlock(&ledger->lock);
            return NULL;
        }
        ledger->in_batch = TRUE;
        ledger->has_writes = FALSE;
        ledger->wants_sync = FALSE;
        ledger->batch++;
        SqliteUnit *unit = g_new0(SqliteUnit, 1);
        unit->base.ledger = base;
        unit->base.mode = mode;
        return &unit->base;
    }
    if (run(ledger, "SAVEPOINT member") != SQLITE_OK) {
        ledger_sqlite_fail(ledger, error, "cannot start a transaction");
        g_atomic_int_dec_and_test(&ledger->active);
        wake(&ledger->member_moved);
        g_mutex_unlock(&ledger->lock);
        return NULL;
    }
    SqliteUnit *unit = g_new0(SqliteUnit, 1);
    unit->base.ledger = base;
    unit->base.mode = mode;
    unit->savepoint = TRUE;
    return &unit->base;
}

/* Flush the WAL: a commit is written to the WAL but not flushed (the VFS
 * turns a commit's sync into a write, ledger-sqlite-vfs.c), and a durable
 * batch flushes it here, which is what SQLite's synchronous=FULL would do at
 * every commit. The flush goes
 * through a descriptor of our own, so it needs no SQLite object and can run
 * while another thread writes the next batch: fdatasync() flushes the
 * file's data whichever descriptor wrote it. Called without the lock;
 * wal_fd is opened under it (see commit_batch). */
static int flush_wal(int wal_fd)
{
    return fdatasync(wal_fd) == 0 ? SQLITE_OK : SQLITE_IOERR_FSYNC;
}

void ledger_sqlite_set_flush_fn(TenderLedger *base, int (*flush_fn)(int wal_fd))
{
    SqliteLedger *ledger = (SqliteLedger *)base;
    g_mutex_lock(&ledger->lock);
    ledger->flush_fn = flush_fn;
    g_mutex_unlock(&ledger->lock);
}

static int open_wal(SqliteLedger *ledger)
{
    if (ledger->wal_fd < 0)
        ledger->wal_fd = open(ledger->wal_path, O_RDWR | O_CLOEXEC);
    return ledger->wal_fd;
}

/* Reset every statement still positioned on a row (a lookup that read
 * one row and returned). Such a statement keeps its read transaction open
 * past COMMIT, pinning an old snapshot: the next BEGIN IMMEDIATE then fails
 * with SQLITE_BUSY at once, without the busy handler, as soon as another
 * connection (process) has written. */
static void reset_statements(SqliteLedger *ledger)
{
    for (sqlite3_stmt *s = sqlite3_next_stmt(ledger->db, NULL); s != NULL;
         s = sqlite3_next_stmt(ledger->db, s))
        if (sqlite3_stmt_busy(s))
            sqlite3_reset(s);
}

static gboolean batch_failed(SqliteLedger *ledger, guint64 batch)
{
    return ledger->failed_first != 0 && batch >= ledger->failed_first && batch <= ledger->failed;
}

/* Batches first..last failed: their members are told so. */
static void record_failure(SqliteLedger *ledger, guint64 first, guint64 last, const char *why)
{
    g_free(ledger->failure);
    ledger->failure = g_strdup(why);
    ledger->failed_first = first;
    ledger->failed = last;
}

/* Make batches up to batch durable: wait for a running flush (it began
 * before batch was written, so it may not cover it), then flush unless a
 * flush begun since covered batch too. Called and returns with the lock
 * held; the flush itself runs without it. */
static void flush_through(SqliteLedger *ledger, guint64 batch)
{
    while (ledger->flushing)
        wait_on(&ledger->batch_synced, &ledger->lock);
    if (ledger->synced >= batch)
        return;
    int fd = open_wal(ledger);
    guint64 covered = ledger->committed;
    ledger->flushing = TRUE;
    g_mutex_unlock(&ledger->lock);
    int rc = fd < 0 ? SQLITE_CANTOPEN : ledger->flush_fn ? ledger->flush_fn(fd) : flush_wal(fd);
    g_mutex_lock(&ledger->lock);
    ledger->flushing = FALSE;
    /* A failed flush fails every batch it was to make durable: after an
     * fdatasync error the kernel may have dropped their pages, and a
     * second fdatasync can succeed without writing them. */
    if (rc != SQLITE_OK)
        record_failure(ledger, ledger->synced + 1, covered,
                       fd >= 0 ? "flushing the WAL failed" : "cannot open the WAL to flush it");
    ledger->synced = MAX(ledger->synced, covered);
    wake(&ledger->batch_synced);
    wake(&ledger->member_moved); /* a leader waiting for the disk */
}

/* The leader's part: let the members already inside join, commit, then
 * (for a durable batch) flush without the lock. Called and returns with the
 * lock held.
 *
 * The batch is committed when its members are in and, for a durable batch,
 * when the disk is free: while the previous batch's flush is running, this
 * one stays open and every unit that arrives meanwhile joins it, so that
 * the next flush, and the next commit's writes of shared pages (a table's
 * last leaf, its indexes' last leaves), serve all of them. Its flush would
 * have to wait for the running one anyway. Committing at once, as this
 * did before, cost a commit and a flush per unit under concurrency (at 8
 * threads, 1.16 fdatasync and 27 WAL writes per authorization, as many as
 * with one thread); at once with flushes combined, still 23.5 WAL writes
 * against 14.9 waiting, for no more authorizations a second.
 *
 * A flush covers every batch committed before it began (synced is a
 * high-water mark): the non-durable batches committed since the last one,
 * and, should a durable batch ever commit while another flush runs (the
 * wait above means it does not), that batch's leader waits for it and
 * flushes only if it was not covered. */
static void commit_batch(SqliteLedger *ledger)
{
    gint64 deadline = g_get_monotonic_time() + 2000;
    for (;;) {
        gboolean members_coming =
            g_atomic_int_get(&ledger->active) > 0 && g_get_monotonic_time() < deadline;
        gboolean disk_busy = ledger->wants_sync && ledger->flushing;
        if (!members_coming && !disk_busy)
            break;
        if (disk_busy)
            wait_on(&ledger->member_moved, &ledger->lock);
        else
            wait_on_until(&ledger->member_moved, &ledger->lock, deadline);
    }
    guint64 mine = ledger->batch;
    gboolean flush = ledger->wants_sync;
    reset_statements(ledger);
    int rc = run(ledger, "COMMIT");
    if (rc != SQLITE_OK) {
        g_autofree char *why = g_strdup_printf("commit failed: %s", sqlite3_errmsg(ledger->db));
        record_failure(ledger, mine, mine, why);
        if (sqlite3_get_autocommit(ledger->db) == 0)
            sqlite3_exec(ledger->db, "ROLLBACK", NULL, NULL, NULL);
        flush = FALSE;
    }
    ledger->in_batch = FALSE;
    ledger->leader = FALSE;
    ledger->committed = mine;
    wake(&ledger->batch_committed);
    if (rc != SQLITE_OK)
        wake(&ledger->batch_synced); /* its durable members: it failed */
    if (flush)
        flush_through(ledger, mine);
}

static void sqlite_rollback(LedgerUnit *unit);

static gboolean sqlite_commit(LedgerUnit *unit, LedgerCommitKind kind, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    if (ledger->missing_path) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "ledger: '%s' does not exist and was opened without creating it: "
                    "nothing can be recorded",
                    ledger->missing_path);
        sqlite_rollback(unit);
        return FALSE;
    }
    if (((SqliteUnit *)unit)->savepoint && run(ledger, "RELEASE member") != SQLITE_OK) {
        ledger_sqlite_fail(ledger, error, "commit failed");
        sqlite_rollback(unit);
        return FALSE;
    }
    g_free(unit);
    gboolean durable = kind == LEDGER_COMMIT_DURABLE && !ledger->memory && !ledger->no_flush;
    ledger->has_writes = TRUE;
    ledger->wants_sync |= durable;
    guint64 mine = ledger->batch;
    g_atomic_int_dec_and_test(&ledger->active);
    if (ledger->leader) {
        wake(&ledger->member_moved); /* tell the leader we joined */
        if (durable)
            while (ledger->synced < mine && !batch_failed(ledger, mine))
                wait_on(&ledger->batch_synced, &ledger->lock);
        else
            while (ledger->committed < mine)
                wait_on(&ledger->batch_committed, &ledger->lock);
    } else {
        ledger->leader = TRUE;
        commit_batch(ledger);
    }
    gboolean ok = !batch_failed(ledger, mine);
    if (!ok)
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s", ledger->failure);
    g_mutex_unlock(&ledger->lock);
    return ok;
}

/* The batches committed so far are made durable; one still open (units of
 * other threads) is not waited for: the caller's intent was committed
 * before it, in an earlier batch. */
static gboolean sqlite_flush_committed(TenderLedger *base, GError **error)
{
    SqliteLedger *ledger = (SqliteLedger *)base;
    g_mutex_lock(&ledger->lock);
    guint64 target = ledger->committed;
    if (!ledger->memory && !ledger->no_flush)
        flush_through(ledger, target);
    gboolean ok = !batch_failed(ledger, target);
    if (!ok)
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s", ledger->failure);
    g_mutex_unlock(&ledger->lock);
    return ok;
}

static void sqlite_rollback(LedgerUnit *unit)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    gboolean savepoint = ((SqliteUnit *)unit)->savepoint;
    g_free(unit);
    if (savepoint) {
        run(ledger, "ROLLBACK TO member");
        run(ledger, "RELEASE member");
    } else {
        /* The batch holds this unit's work alone (see sqlite_begin). */
        reset_statements(ledger);
        sqlite3_exec(ledger->db, "ROLLBACK", NULL, NULL, NULL);
        ledger->in_batch = FALSE;
        ledger->committed = ledger->batch;
    }
    g_atomic_int_dec_and_test(&ledger->active);
    /* The last member out of a batch nobody wrote to closes it, so the
     * process does not keep the database's write lock while idle. With
     * writes in it, a leader is committing it already. */
    if (ledger->in_batch && !ledger->has_writes && g_atomic_int_get(&ledger->active) == 0) {
        reset_statements(ledger);
        sqlite3_exec(ledger->db, "ROLLBACK", NULL, NULL, NULL);
        ledger->in_batch = FALSE;
        ledger->committed = ledger->batch;
    }
    wake(&ledger->member_moved);
    wake(&ledger->batch_committed);
    g_mutex_unlock(&ledger->lock);
}

/* ---- copies -------------------------------------------------------------- */

static gboolean sqlite_copy_to(TenderLedger *base, const char *path, GError **error)
{
    SqliteLedger *ledger = (SqliteLedger *)base;
    /* Never over a file: the path could be a live ledger of another host. */
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "cannot copy the ledger to %s: the file exists", path);
        return FALSE;
    }
    sqlite3 *dest = NULL;
    int rc = sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "cannot create %s: %s", path,
                    dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc));
        sqlite3_close(dest);
        return FALSE;
    }
    g_mutex_lock(&ledger->lock);
    /* An open batch holds writes not yet committed: copy what is. */
    while (ledger->in_batch)
        wait_on(&ledger->batch_committed, &ledger->lock);
    sqlite3_backup *backup = sqlite3_backup_init(dest, "main", ledger->db, "main");
    if (backup == NULL) {
        rc = sqlite3_errcode(dest);
    } else {
        int step = sqlite3_backup_step(backup, -1);
        rc = sqlite3_backup_finish(backup);
        if (rc == SQLITE_OK && step != SQLITE_DONE)
            rc = step;
    }
    g_mutex_unlock(&ledger->lock);
    if (rc != SQLITE_OK) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "cannot copy the ledger to %s: %s",
                    path, sqlite3_errmsg(dest));
        sqlite3_close(dest);
        g_unlink(path);
        return FALSE;
    }
    sqlite3_close(dest);
    return TRUE;
}

/* ---- the table ----------------------------------------------------------- */

static const LedgerBackend *sqlite_backend(void)
{
    static LedgerBackend table;
    static gsize ready = 0;
    if (g_once_init_enter(&ready)) {
        table.struct_size = sizeof table;
        table.version = 4;
        table.name = "sqlite";
        table.close = sqlite_close;
        table.set_flush = sqlite_set_flush;
        table.copy_to = sqlite_copy_to;
        table.begin = sqlite_begin;
        table.commit = sqlite_commit;
        table.rollback = sqlite_rollback;
        table.set_busy_timeout = sqlite_set_busy_timeout;
        table.flush_committed = sqlite_flush_committed;
        ledger_sqlite_payments_fill(&table);
        ledger_sqlite_service_fill(&table);
        ledger_sqlite_quarantine_fill(&table);
        ledger_sqlite_export_fill(&table);
        g_once_init_leave(&ready, 1);
    }
    return &table;
}
