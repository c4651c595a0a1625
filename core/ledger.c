/* The SQLite ledger. See ledger.h for the durability and locking rules.
 *
 * Over 800 lines on purpose: this file is the only one that knows the
 * schema and SQL, and the group commit below is subtle enough that its
 * callers (payments, operations, usage counters) are best read next to it.
 * It is split when the ledger-backend issue puts a backend interface in
 * front of it. */
#include "ledger.h"

#include <tender/money.h>

#include <glib/gstdio.h>

#include <fcntl.h>
#include <sqlite3.h>
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
struct TenderLedger {
    sqlite3 *db;
    GMutex lock;            /* the connection and every field below */
    GCond changed;          /* a batch finished, or a member joined or left */
    GHashTable *statements; /* SQL text -> sqlite3_stmt*, prepared once */
    gboolean in_batch;      /* the outer transaction is open */
    gboolean has_writes;    /* a member released writes into it */
    gboolean wants_sync;    /* a member needs the batch on disk */
    gboolean leader;        /* a member is committing the batch */
    guint64 batch;          /* number of the open batch */
    guint64 committed;      /* last batch committed (written to the WAL) */
    guint64 synced;         /* last batch flushed to disk */
    int wal_fd;             /* our own descriptor of the WAL file, for flushes; -1 until needed */
    char *wal_path;
    guint64 failed;         /* last batch whose commit failed (0: none) */
    char *failure;          /* why it failed */
    gint active;            /* members between begin() and commit()/rollback() */
    gboolean memory;        /* ":memory:": nothing to sync */
    gboolean no_flush;      /* bulk load: commits are never flushed (ledger_set_flush) */
    char *missing_path;     /* a stand-in for this file, which does not exist: no commits */
    int exec_rc;            /* result code of the last exec(), kept past a ROLLBACK */
};

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
};

sqlite3 *ledger_sqlite(TenderLedger *ledger)
{
    return ledger->db;
}

static sqlite3_stmt *stmt(TenderLedger *ledger, const char *sql);

sqlite3_stmt *ledger_statement(TenderLedger *ledger, const char *sql)
{
    return stmt(ledger, sql);
}

static gboolean ledger_fail(TenderLedger *ledger, GError **error, const char *what)
{
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s: %s", what,
                ledger->db ? sqlite3_errmsg(ledger->db) : "not open");
    return FALSE;
}

/* A cached prepared statement, reset and with bindings cleared. */
static sqlite3_stmt *stmt(TenderLedger *ledger, const char *sql)
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

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static char *column_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? g_strdup((const char *)t) : NULL;
}

/* Run a cached statement without results (transaction control): parsing
 * BEGIN/SAVEPOINT/RELEASE anew on every operation costs more than the
 * writes of a small payment. */
static int run(TenderLedger *ledger, const char *sql)
{
    sqlite3_stmt *s = stmt(ledger, sql);
    if (s == NULL)
        return sqlite3_errcode(ledger->db);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static gboolean exec(TenderLedger *ledger, const char *sql, GError **error)
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
static int schema_version(TenderLedger *ledger)
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

static gboolean migrate(TenderLedger *ledger, GError **error)
{
    int latest = (int)G_N_ELEMENTS(migrations);
    for (;;) {
        int version = schema_version(ledger);
        if (version < 0)
            return ledger_fail(ledger, error, "reading schema version");
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

static TenderLedger *open_ledger(const char *path, gboolean create, GError **error)
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
    TenderLedger *ledger = g_new0(TenderLedger, 1);
    g_mutex_init(&ledger->lock);
    g_cond_init(&ledger->changed);
    ledger->wal_fd = -1;
    ledger->memory = memory;
    ledger->missing_path = missing ? g_strdup(path) : NULL;
    /* Keyed by the SQL text's address: every statement is a string literal
     * at its call site, so the pointer identifies it without hashing the
     * text on every call. */
    ledger->statements =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, finalize_statement);
    /* Without SQLITE_OPEN_CREATE a file removed since the test above is an
     * error, never a new empty file. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                (create || missing ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(missing ? ":memory:" : path, &ledger->db, flags, NULL) != SQLITE_OK) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: cannot open '%s': %s", path,
                    ledger->db ? sqlite3_errmsg(ledger->db) : "out of memory");
        ledger_close(ledger);
        return NULL;
    }
    /* Another process may hold the write lock for a moment: wait for it
     * rather than failing the payment. */
    sqlite3_busy_timeout(ledger->db, 10000);
    /* WAL, readers never block the writer. synchronous=NORMAL writes each
     * commit to the WAL without flushing it; ledger_commit() flushes
     * once per batch (see sync_wal), which makes it as durable as FULL. */
    /* Processes opening a new ledger at the same moment race to switch it
     * to WAL and to create the schema; SQLite can then answer "locked"
     * without waiting in its busy handler (the WAL index is being built).
     * Such a refusal is transient: try again for a while. */
    gint64 give_up = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;
    for (;;) {
        GError *local = NULL;
        if (exec(ledger,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                 "PRAGMA foreign_keys=ON;",
                 &local) &&
            migrate(ledger, &local)) {
            const char *file = sqlite3_db_filename(ledger->db, "main");
            ledger->wal_path = g_strconcat(file ? file : "", "-wal", NULL);
            return ledger;
        }
        int rc = ledger->exec_rc & 0xff; /* primary code of an extended one */
        gboolean transient = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
        if (!transient || g_get_monotonic_time() > give_up) {
            g_propagate_prefixed_error(error, local, "'%s': ", path);
            ledger_close(ledger);
            return NULL;
        }
        g_error_free(local);
        g_usleep(5000);
    }
}

TenderLedger *ledger_open(const char *path, GError **error)
{
    return open_ledger(path, TRUE, error);
}

TenderLedger *ledger_open_no_create(const char *path, GError **error)
{
    return open_ledger(path, FALSE, error);
}

void ledger_set_flush(TenderLedger *ledger, gboolean flush)
{
    g_mutex_lock(&ledger->lock);
    ledger->no_flush = !flush;
    /* Not even the WAL writes wait for the disk: the load is written by
     * the operating system when it pleases. */
    run(ledger, flush ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=OFF");
    g_mutex_unlock(&ledger->lock);
}

void ledger_close(TenderLedger *ledger)
{
    if (ledger == NULL)
        return;
    g_hash_table_destroy(ledger->statements);
    if (ledger->db)
        sqlite3_close(ledger->db);
    g_mutex_clear(&ledger->lock);
    g_cond_clear(&ledger->changed);
    g_free(ledger->failure);
    if (ledger->wal_fd >= 0)
        close(ledger->wal_fd);
    g_free(ledger->wal_path);
    g_free(ledger->missing_path);
    g_free(ledger);
}

gboolean ledger_begin(TenderLedger *ledger, GError **error)
{
    /* Count ourselves before taking the lock, so a leader waiting for
     * members to join knows we are on our way. */
    g_atomic_int_inc(&ledger->active);
    g_mutex_lock(&ledger->lock);
    if (!ledger->in_batch) {
        /* busy_timeout covers most waits for other processes; loop for the
         * rare SQLITE_BUSY that BEGIN IMMEDIATE can still return. */
        int rc = SQLITE_BUSY;
        for (int attempt = 0; attempt < 50 && (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
             attempt++) {
            rc = run(ledger, "BEGIN IMMEDIATE");
            if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                g_usleep(2000);
        }
        if (rc != SQLITE_OK) {
            ledger_fail(ledger, error, "cannot start a transaction");
            g_atomic_int_dec_and_test(&ledger->active);
            g_cond_broadcast(&ledger->changed);
            g_mutex_unlock(&ledger->lock);
            return FALSE;
        }
        ledger->in_batch = TRUE;
        ledger->has_writes = FALSE;
        ledger->wants_sync = FALSE;
        ledger->batch++;
    }
    if (run(ledger, "SAVEPOINT member") != SQLITE_OK) {
        ledger_fail(ledger, error, "cannot start a transaction");
        g_atomic_int_dec_and_test(&ledger->active);
        g_cond_broadcast(&ledger->changed);
        g_mutex_unlock(&ledger->lock);
        return FALSE;
    }
    return TRUE;
}

/* Flush the WAL: the connection runs with synchronous=NORMAL (a commit is
 * written to the WAL but not flushed), and a durable batch flushes it here,
 * which is what synchronous=FULL does at every commit. The flush goes
 * through a descriptor of our own, so it needs no SQLite object and can run
 * while another thread writes the next batch: fdatasync() flushes the
 * file's data whichever descriptor wrote it. Called without the lock;
 * wal_fd is opened under it (see commit_batch). */
static int flush_wal(int wal_fd)
{
    return fdatasync(wal_fd) == 0 ? SQLITE_OK : SQLITE_IOERR_FSYNC;
}

static int open_wal(TenderLedger *ledger)
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
static void reset_statements(TenderLedger *ledger)
{
    for (sqlite3_stmt *s = sqlite3_next_stmt(ledger->db, NULL); s != NULL;
         s = sqlite3_next_stmt(ledger->db, s))
        if (sqlite3_stmt_busy(s))
            sqlite3_reset(s);
}

static void record_failure(TenderLedger *ledger, guint64 batch, const char *what)
{
    g_free(ledger->failure);
    ledger->failure = g_strdup_printf("%s: %s", what, sqlite3_errmsg(ledger->db));
    ledger->failed = batch;
}

/* The leader's part: let the members already inside join, commit, then
 * (for a durable batch) flush without the lock. Called and returns with the
 * lock held. */
static void commit_batch(TenderLedger *ledger)
{
    gint64 deadline = g_get_monotonic_time() + 2000;
    while (g_atomic_int_get(&ledger->active) > 0 && g_get_monotonic_time() < deadline)
        g_cond_wait_until(&ledger->changed, &ledger->lock, deadline);
    guint64 mine = ledger->batch;
    gboolean flush = ledger->wants_sync;
    reset_statements(ledger);
    int rc = run(ledger, "COMMIT");
    if (rc != SQLITE_OK) {
        record_failure(ledger, mine, "commit failed");
        if (sqlite3_get_autocommit(ledger->db) == 0)
            sqlite3_exec(ledger->db, "ROLLBACK", NULL, NULL, NULL);
        flush = FALSE;
    }
    ledger->in_batch = FALSE;
    ledger->leader = FALSE;
    ledger->committed = mine;
    int fd = flush ? open_wal(ledger) : -1;
    g_cond_broadcast(&ledger->changed);
    if (!flush)
        return;
    g_mutex_unlock(&ledger->lock);
    rc = fd >= 0 ? flush_wal(fd) : SQLITE_CANTOPEN;
    g_mutex_lock(&ledger->lock);
    if (rc != SQLITE_OK)
        record_failure(ledger, mine, "flushing the WAL failed");
    ledger->synced = MAX(ledger->synced, mine);
    g_cond_broadcast(&ledger->changed);
}

static gboolean commit_member(TenderLedger *ledger, gboolean durable, GError **error)
{
    if (ledger->missing_path) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "ledger: '%s' does not exist and was opened without creating it: "
                    "nothing can be recorded",
                    ledger->missing_path);
        ledger_rollback(ledger);
        return FALSE;
    }
    if (run(ledger, "RELEASE member") != SQLITE_OK) {
        ledger_fail(ledger, error, "commit failed");
        ledger_rollback(ledger);
        return FALSE;
    }
    ledger->has_writes = TRUE;
    ledger->wants_sync |= durable;
    guint64 mine = ledger->batch;
    g_atomic_int_dec_and_test(&ledger->active);
    if (ledger->leader) {
        g_cond_broadcast(&ledger->changed); /* tell the leader we joined */
        while ((durable ? ledger->synced : ledger->committed) < mine)
            g_cond_wait(&ledger->changed, &ledger->lock);
    } else {
        ledger->leader = TRUE;
        commit_batch(ledger);
    }
    gboolean ok = ledger->failed != mine;
    if (!ok)
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s", ledger->failure);
    g_mutex_unlock(&ledger->lock);
    return ok;
}

gboolean ledger_commit(TenderLedger *ledger, GError **error)
{
    return commit_member(ledger, !ledger->memory && !ledger->no_flush, error);
}

gboolean ledger_commit_intent(TenderLedger *ledger, GError **error)
{
    return commit_member(ledger, FALSE, error);
}

void ledger_rollback(TenderLedger *ledger)
{
    run(ledger, "ROLLBACK TO member");
    run(ledger, "RELEASE member");
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
    g_cond_broadcast(&ledger->changed);
    g_mutex_unlock(&ledger->lock);
}

/* ---- payments ----------------------------------------------------------- */

void ledger_payment_free(LedgerPayment *p)
{
    if (p == NULL)
        return;
    TenderPayment *pub = &p->pub;
    g_free(pub->id);
    g_free(pub->method);
    g_free(pub->account);
    g_free(pub->tier);
    g_free(pub->region);
    g_free(pub->currency);
    g_free(pub->processor_ref);
    g_free(pub->idempotency_key);
    g_free(pub->action_data);
    g_free(pub->action_hint);
    g_free(pub->decline_raw_code);
    g_free(pub->decline_message);
    g_free(pub->brand);
    g_free(pub->first6);
    g_free(pub->last4);
    g_free(pub->display_account);
    g_free(pub->issuer_country);
    g_free(pub->details);
    if (pub->operations)
        g_ptr_array_unref(pub->operations);
    g_free(pub->order_currency);
    g_free(pub->exchange_rate);
    g_free(pub->effective_tier);
    g_free(p->plugin_state);
    g_free(p->request_hash);
    g_free(p);
}

#define PAYMENT_COLUMNS                                                                            \
    "id, method, account, tier, region, currency, exponent, status, amount, captured, "            \
    "refunded, fee, order_currency, order_amount, processor_ref, plugin_state, "                   \
    "idempotency_key, request_hash, action_kind, action_data, action_hint, "                       \
    "action_expires_ms, decline_code, decline_raw, decline_message, brand, first6, "               \
    "last4, display_account, issuer_country, details, created_ms, updated_ms, "                    \
    "authorized_ms, hold_expires_ms, busy_until_ms, busy_seq, effective_tier, exchange_rate"

static LedgerPayment *payment_from_row(sqlite3_stmt *s)
{
    LedgerPayment *p = g_new0(LedgerPayment, 1);
    TenderPayment *pub = &p->pub;
    int i = 0;
    pub->id = column_text(s, i++);
    pub->method = column_text(s, i++);
    pub->account = column_text(s, i++);
    pub->tier = column_text(s, i++);
    pub->region = column_text(s, i++);
    pub->currency = column_text(s, i++);
    pub->exponent = sqlite3_column_int(s, i++);
    const char *status = (const char *)sqlite3_column_text(s, i++);
    if (!tender_status_from_string(status, &pub->status))
        pub->status = TENDER_STATUS_UNKNOWN;
    pub->amount = sqlite3_column_int64(s, i++);
    pub->captured = sqlite3_column_int64(s, i++);
    pub->refunded = sqlite3_column_int64(s, i++);
    pub->fee = sqlite3_column_int64(s, i++);
    pub->order_currency = column_text(s, i++);
    pub->order_amount = sqlite3_column_int64(s, i++);
    /* Not stored: order_amount is in the order currency's ISO minor units. */
    pub->order_exponent = tender_currency_exponent(pub->order_currency ? pub->order_currency : "");
    pub->processor_ref = column_text(s, i++);
    p->plugin_state = column_text(s, i++);
    pub->idempotency_key = column_text(s, i++);
    p->request_hash = column_text(s, i++);
    pub->action_kind = (guint32)sqlite3_column_int(s, i++);
    pub->action_data = column_text(s, i++);
    pub->action_hint = column_text(s, i++);
    pub->action_expires_ms = sqlite3_column_int64(s, i++);
    pub->decline_code = (guint32)sqlite3_column_int(s, i++);
    pub->decline_raw_code = column_text(s, i++);
    pub->decline_message = column_text(s, i++);
    pub->brand = column_text(s, i++);
    pub->first6 = column_text(s, i++);
    pub->last4 = column_text(s, i++);
    pub->display_account = column_text(s, i++);
    pub->issuer_country = column_text(s, i++);
    pub->details = column_text(s, i++);
    pub->created_ms = sqlite3_column_int64(s, i++);
    pub->updated_ms = sqlite3_column_int64(s, i++);
    p->authorized_ms = sqlite3_column_int64(s, i++);
    pub->hold_expires_ms = sqlite3_column_int64(s, i++);
    p->busy_until_ms = sqlite3_column_int64(s, i++);
    p->busy_seq = sqlite3_column_int64(s, i++);
    pub->effective_tier = column_text(s, i++);
    pub->exchange_rate = column_text(s, i++);
    return p;
}

/* Bind every column but id at positions 2.. in PAYMENT_COLUMNS order. */
static void bind_payment(sqlite3_stmt *s, const LedgerPayment *p)
{
    const TenderPayment *pub = &p->pub;
    int i = 1;
    bind_text(s, i++, pub->id);
    bind_text(s, i++, pub->method);
    bind_text(s, i++, pub->account ? pub->account : "");
    bind_text(s, i++, pub->tier ? pub->tier : "");
    bind_text(s, i++, pub->region);
    bind_text(s, i++, pub->currency);
    sqlite3_bind_int(s, i++, pub->exponent);
    bind_text(s, i++, tender_status_to_string(pub->status));
    sqlite3_bind_int64(s, i++, pub->amount);
    sqlite3_bind_int64(s, i++, pub->captured);
    sqlite3_bind_int64(s, i++, pub->refunded);
    sqlite3_bind_int64(s, i++, pub->fee);
    bind_text(s, i++, pub->order_currency ? pub->order_currency : pub->currency);
    sqlite3_bind_int64(s, i++, pub->order_currency ? pub->order_amount : pub->amount);
    bind_text(s, i++, pub->processor_ref ? pub->processor_ref : "");
    bind_text(s, i++, p->plugin_state ? p->plugin_state : "");
    bind_text(s, i++, pub->idempotency_key);
    bind_text(s, i++, p->request_hash ? p->request_hash : "");
    sqlite3_bind_int(s, i++, (int)pub->action_kind);
    bind_text(s, i++, pub->action_data);
    bind_text(s, i++, pub->action_hint);
    sqlite3_bind_int64(s, i++, pub->action_expires_ms);
    sqlite3_bind_int(s, i++, (int)pub->decline_code);
    bind_text(s, i++, pub->decline_raw_code);
    bind_text(s, i++, pub->decline_message);
    bind_text(s, i++, pub->brand);
    bind_text(s, i++, pub->first6);
    bind_text(s, i++, pub->last4);
    bind_text(s, i++, pub->display_account);
    bind_text(s, i++, pub->issuer_country);
    bind_text(s, i++, pub->details);
    sqlite3_bind_int64(s, i++, pub->created_ms);
    sqlite3_bind_int64(s, i++, pub->updated_ms);
    sqlite3_bind_int64(s, i++, p->authorized_ms);
    sqlite3_bind_int64(s, i++, pub->hold_expires_ms);
    sqlite3_bind_int64(s, i++, p->busy_until_ms);
    sqlite3_bind_int64(s, i++, p->busy_seq);
    bind_text(s, i++, pub->effective_tier);
    bind_text(s, i++, pub->exchange_rate);
}

LedgerPayment *ledger_payment_get(TenderLedger *ledger, const char *id, GError **error)
{
    sqlite3_stmt *s = stmt(ledger, "SELECT " PAYMENT_COLUMNS " FROM payments WHERE id = ?1");
    if (s == NULL) {
        ledger_fail(ledger, error, "reading a payment");
        return NULL;
    }
    bind_text(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return payment_from_row(s);
    if (rc == SQLITE_DONE)
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no payment '%s'", id);
    else
        ledger_fail(ledger, error, "reading a payment");
    return NULL;
}

static gboolean step_done(TenderLedger *ledger, sqlite3_stmt *s, GError **error, const char *what)
{
    if (s == NULL || sqlite3_step(s) != SQLITE_DONE)
        return ledger_fail(ledger, error, what);
    return TRUE;
}

gboolean ledger_payment_insert(TenderLedger *ledger, const LedgerPayment *p, GError **error)
{
    sqlite3_stmt *s = stmt(
        ledger,
        "INSERT INTO payments (" PAYMENT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26,"
        " ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39)");
    if (s)
        bind_payment(s, p);
    return step_done(ledger, s, error, "inserting a payment");
}

gboolean ledger_payment_update(TenderLedger *ledger, const LedgerPayment *p, GError **error)
{
    sqlite3_stmt *s = stmt(
        ledger,
        /* What a payment was created with (method, account, currency,
         * idempotency key, …) never changes; leaving those columns out of
         * the SET spares SQLite rewriting the indexes that hold them. The
         * unused parameters are bound anyway (bind_payment) and ignored. */
        "UPDATE payments SET"
        " status = ?8, amount = ?9, captured = ?10, refunded = ?11, fee = ?12,"
        " processor_ref = ?15, plugin_state = ?16,"
        " action_kind = ?19, action_data = ?20,"
        " action_hint = ?21, action_expires_ms = ?22, decline_code = ?23, decline_raw = ?24,"
        " decline_message = ?25, brand = ?26, first6 = ?27, last4 = ?28, display_account = ?29,"
        " issuer_country = ?30, details = ?31, updated_ms = ?33,"
        " authorized_ms = ?34, hold_expires_ms = ?35, busy_until_ms = ?36, busy_seq = ?37"
        " WHERE id = ?1");
    if (s)
        bind_payment(s, p);
    return step_done(ledger, s, error, "updating a payment");
}

gboolean ledger_payment_set_lease(TenderLedger *ledger, const char *id, gint64 busy_until_ms,
                                         gint64 busy_seq, GError **error)
{
    sqlite3_stmt *s = stmt(ledger, "UPDATE payments SET busy_until_ms = ?2, busy_seq = ?3"
                                   " WHERE id = ?1");
    if (s) {
        bind_text(s, 1, id);
        sqlite3_bind_int64(s, 2, busy_until_ms);
        sqlite3_bind_int64(s, 3, busy_seq);
    }
    return step_done(ledger, s, error, "leasing a payment");
}

/* ---- operations --------------------------------------------------------- */

#define OPERATION_COLUMNS                                                                          \
    "seq, kind, request_id, idempotency_key, amount, outcome, decline_code, raw_code, "            \
    "message, processor_ref, status_after, created_ms, attempts"
/* How many columns OPERATION_COLUMNS names: a query may select more after them. */
#define OPERATION_COLUMN_COUNT 13

static TenderOperation *operation_from_row(sqlite3_stmt *s)
{
    TenderOperation *op = g_new0(TenderOperation, 1);
    int i = 0;
    op->seq = sqlite3_column_int64(s, i++);
    op->kind = column_text(s, i++);
    op->request_id = column_text(s, i++);
    op->idempotency_key = column_text(s, i++);
    op->amount = sqlite3_column_int64(s, i++);
    op->outcome = column_text(s, i++);
    op->decline_code = column_text(s, i++);
    op->raw_code = column_text(s, i++);
    op->message = column_text(s, i++);
    op->processor_ref = column_text(s, i++);
    op->status_after = column_text(s, i++);
    op->created_ms = sqlite3_column_int64(s, i++);
    op->attempts = (guint)sqlite3_column_int(s, i++);
    return op;
}

gboolean ledger_operation_insert(TenderLedger *ledger, const char *payment_id,
                                        TenderOperation *op, GError **error)
{
    sqlite3_stmt *s = stmt(
        ledger,
        "INSERT INTO operations (payment_id, kind, request_id, idempotency_key, amount, outcome,"
        " decline_code, raw_code, message, processor_ref, status_after, created_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (s) {
        bind_text(s, 1, payment_id);
        bind_text(s, 2, op->kind);
        bind_text(s, 3, op->request_id ? op->request_id : "");
        bind_text(s, 4, op->idempotency_key);
        sqlite3_bind_int64(s, 5, op->amount);
        bind_text(s, 6, op->outcome);
        bind_text(s, 7, op->decline_code);
        bind_text(s, 8, op->raw_code);
        bind_text(s, 9, op->message);
        bind_text(s, 10, op->processor_ref);
        bind_text(s, 11, op->status_after);
        sqlite3_bind_int64(s, 12, op->created_ms);
    }
    if (!step_done(ledger, s, error, "recording an operation"))
        return FALSE;
    op->seq = sqlite3_last_insert_rowid(ledger->db);
    return TRUE;
}

gboolean ledger_operation_update(TenderLedger *ledger, const TenderOperation *op,
                                        const char *plugin_state, GError **error)
{
    sqlite3_stmt *s = stmt(
        ledger, "UPDATE operations SET amount = ?2, outcome = ?3, decline_code = ?4, raw_code = ?5,"
                " message = ?6, processor_ref = ?7, status_after = ?8, attempts = ?9,"
                " plugin_state = ?10 WHERE seq = ?1");
    if (s) {
        sqlite3_bind_int(s, 9, (int)op->attempts);
        bind_text(s, 10, plugin_state && plugin_state[0] ? plugin_state : NULL);
        sqlite3_bind_int64(s, 1, op->seq);
        sqlite3_bind_int64(s, 2, op->amount);
        bind_text(s, 3, op->outcome);
        bind_text(s, 4, op->decline_code);
        bind_text(s, 5, op->raw_code);
        bind_text(s, 6, op->message);
        bind_text(s, 7, op->processor_ref);
        bind_text(s, 8, op->status_after);
    }
    return step_done(ledger, s, error, "updating an operation");
}

gboolean ledger_operation_set_hash(TenderLedger *ledger, gint64 seq, const char *hash,
                                          GError **error)
{
    sqlite3_stmt *s = stmt(ledger, "UPDATE operations SET request_hash = ?2 WHERE seq = ?1");
    if (s) {
        sqlite3_bind_int64(s, 1, seq);
        bind_text(s, 2, hash);
    }
    return step_done(ledger, s, error, "updating an operation");
}

GPtrArray *ledger_operations(TenderLedger *ledger, const char *payment_id, GError **error)
{
    sqlite3_stmt *s = stmt(ledger, "SELECT " OPERATION_COLUMNS
                                   " FROM operations WHERE payment_id = ?1 ORDER BY seq");
    if (s == NULL) {
        ledger_fail(ledger, error, "reading operations");
        return NULL;
    }
    bind_text(s, 1, payment_id);
    GPtrArray *ops = g_ptr_array_new_with_free_func((GDestroyNotify)tender_operation_free);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        g_ptr_array_add(ops, operation_from_row(s));
    if (rc != SQLITE_DONE) {
        g_ptr_array_unref(ops);
        ledger_fail(ledger, error, "reading operations");
        return NULL;
    }
    return ops;
}

TenderOperation *ledger_operation_by_key(TenderLedger *ledger, const char *payment_id,
                                                const char *kind, const char *key,
                                                char **request_hash_out, GError **error)
{
    sqlite3_stmt *s = stmt(ledger, "SELECT " OPERATION_COLUMNS ", request_hash FROM operations"
                                   " WHERE payment_id = ?1 AND kind = ?2 AND idempotency_key = ?3");
    if (s == NULL) {
        ledger_fail(ledger, error, "reading operations");
        return NULL;
    }
    bind_text(s, 1, payment_id);
    bind_text(s, 2, kind);
    bind_text(s, 3, key);
    if (sqlite3_step(s) != SQLITE_ROW)
        return NULL;
    TenderOperation *op = operation_from_row(s);
    if (request_hash_out)
        *request_hash_out = column_text(s, OPERATION_COLUMN_COUNT);
    return op;
}

char *ledger_key_lookup(TenderLedger *ledger, const char *key, char **request_hash_out,
                               GError **error)
{
    sqlite3_stmt *s =
        stmt(ledger, "SELECT id, request_hash FROM payments WHERE idempotency_key = ?1");
    if (s == NULL) {
        ledger_fail(ledger, error, "reading idempotency keys");
        return NULL;
    }
    bind_text(s, 1, key);
    if (sqlite3_step(s) != SQLITE_ROW)
        return NULL;
    if (request_hash_out)
        *request_hash_out = column_text(s, 1);
    return column_text(s, 0);
}

/* ---- usage counters ----------------------------------------------------- */

gint64 ledger_usage_get(TenderLedger *ledger, const char *key)
{
    sqlite3_stmt *s = stmt(ledger, "SELECT amount FROM usage WHERE key = ?1");
    if (s == NULL)
        return 0;
    bind_text(s, 1, key);
    return sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
}

gboolean ledger_usage_add(TenderLedger *ledger, const char *key, gint64 delta,
                                 GError **error)
{
    if (delta == 0)
        return TRUE;
    sqlite3_stmt *s = stmt(ledger, "INSERT INTO usage (key, amount) VALUES (?1, ?2)"
                                   " ON CONFLICT(key) DO UPDATE SET amount = amount + ?2");
    if (s) {
        bind_text(s, 1, key);
        sqlite3_bind_int64(s, 2, delta);
    }
    return step_done(ledger, s, error, "updating usage");
}

gboolean ledger_payment_usage_add(TenderLedger *ledger, const char *payment_id,
                                         const char *key, gint64 full_amount, GError **error)
{
    sqlite3_stmt *s = stmt(ledger, "INSERT OR REPLACE INTO payment_usage (payment_id, key,"
                                   " full_amount, counted) VALUES (?1, ?2, ?3, ?3)");
    if (s) {
        bind_text(s, 1, payment_id);
        bind_text(s, 2, key);
        sqlite3_bind_int64(s, 3, full_amount);
    }
    return step_done(ledger, s, error, "recording usage") &&
           ledger_usage_add(ledger, key, full_amount, error);
}

gboolean ledger_payment_usage_hold(TenderLedger *ledger, const char *payment_id, gint64 held,
                                          gint64 amount, GError **error)
{
    sqlite3_stmt *s = stmt(ledger, "SELECT key, full_amount, counted FROM payment_usage"
                                   " WHERE payment_id = ?1");
    if (s == NULL)
        return ledger_fail(ledger, error, "reading usage");
    bind_text(s, 1, payment_id);
    typedef struct {
        char *key;
        gint64 full, counted;
    } Row;
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(Row));
    while (sqlite3_step(s) == SQLITE_ROW) {
        Row r = {column_text(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2)};
        g_array_append_val(rows, r);
    }
    gboolean ok = TRUE;
    for (guint i = 0; i < rows->len; i++) {
        Row *r = &g_array_index(rows, Row, i);
        gint64 capped = MIN(held, amount);
        /* What the payment still holds, in the counter's units: the full
         * charge scaled by held/amount, rounded up so a partial hold never
         * counts as nothing. */
        gint64 now_counted = 0;
        if (capped > 0 && amount > 0) {
            __int128 scaled = (__int128)r->full * capped + (amount - 1);
            now_counted = (gint64)(scaled / amount);
        }
        if (ok && now_counted != r->counted) {
            sqlite3_stmt *u = stmt(ledger, "UPDATE payment_usage SET counted = ?3"
                                           " WHERE payment_id = ?1 AND key = ?2");
            if (u) {
                bind_text(u, 1, payment_id);
                bind_text(u, 2, r->key);
                sqlite3_bind_int64(u, 3, now_counted);
            }
            ok = step_done(ledger, u, error, "updating usage") &&
                 ledger_usage_add(ledger, r->key, now_counted - r->counted, error);
        }
        g_free(r->key);
    }
    g_array_unref(rows);
    return ok;
}

/* ---- queries ------------------------------------------------------------ */

static GPtrArray *collect_payments(TenderLedger *ledger, sqlite3_stmt *s, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_payment_free);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        LedgerPayment *p = payment_from_row(s);
        TenderPayment *pub = g_new(TenderPayment, 1);
        *pub = p->pub; /* steal the public part */
        memset(&p->pub, 0, sizeof p->pub);
        ledger_payment_free(p);
        g_ptr_array_add(out, pub);
    }
    if (rc != SQLITE_DONE) {
        g_ptr_array_unref(out);
        ledger_fail(ledger, error, "listing payments");
        return NULL;
    }
    return out;
}

GPtrArray *ledger_list(TenderLedger *ledger, const TenderListFilter *f,
                              const char *after_id, gint64 after_created_ms, GError **error)
{
    sqlite3_stmt *s =
        stmt(ledger, "SELECT " PAYMENT_COLUMNS " FROM payments"
                     " WHERE (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR method = ?2)"
                     " AND (?3 IS NULL OR status = ?3) AND (?4 = 0 OR created_ms >= ?4)"
                     " AND (?5 = 0 OR created_ms < ?5)"
                     " AND (?7 IS NULL OR created_ms < ?8 OR (created_ms = ?8 AND id < ?7))"
                     " ORDER BY created_ms DESC, id DESC LIMIT ?6");
    if (s == NULL) {
        ledger_fail(ledger, error, "listing payments");
        return NULL;
    }
    if (f) {
        bind_text(s, 1, f->account);
        bind_text(s, 2, f->method);
        bind_text(s, 3, f->has_status ? tender_status_to_string(f->status) : NULL);
        sqlite3_bind_int64(s, 4, f->from_ms);
        sqlite3_bind_int64(s, 5, f->to_ms);
        sqlite3_bind_int64(s, 6, f->limit ? (gint64)f->limit : -1);
    } else {
        sqlite3_bind_int64(s, 4, 0);
        sqlite3_bind_int64(s, 5, 0);
        sqlite3_bind_int64(s, 6, -1);
    }
    bind_text(s, 7, after_id);
    sqlite3_bind_int64(s, 8, after_created_ms);
    return collect_payments(ledger, s, error);
}

/* The first column of every row of s (payment ids), then s reset. */
static GPtrArray *collect_ids(sqlite3_stmt *s)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    while (sqlite3_step(s) == SQLITE_ROW)
        g_ptr_array_add(ids, column_text(s, 0));
    sqlite3_reset(s);
    return ids;
}

GPtrArray *ledger_lapsed_for_account(TenderLedger *ledger, const char *account,
                                            gint64 now_ms, GError **error)
{
    sqlite3_stmt *s = stmt(
        ledger, "SELECT id FROM payments WHERE account = ?1"
                " AND status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0"
                " AND hold_expires_ms <= ?2"
                " UNION SELECT id FROM payments WHERE account = ?1 AND status = 'requires_action'"
                " AND action_expires_ms > 0 AND action_expires_ms <= ?2");
    if (s == NULL) {
        ledger_fail(ledger, error, "finding lapsed payments");
        return NULL;
    }
    bind_text(s, 1, account);
    sqlite3_bind_int64(s, 2, now_ms);
    return collect_ids(s);
}

GPtrArray *ledger_reconcile_candidates(TenderLedger *ledger, gint64 now_ms,
                                              gint64 pending_before_ms, gint64 wall_now_ms,
                                              GError **error)
{
    sqlite3_stmt *s = stmt(
        ledger,
        "SELECT id FROM payments WHERE status = 'unknown'"
        " OR (status = 'pending' AND updated_ms <= ?2)"
        " OR (status = 'requires_action' AND action_expires_ms > 0 AND action_expires_ms <= ?1)"
        " OR (status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0"
        "     AND hold_expires_ms <= ?1)"
        " OR (busy_until_ms > 0 AND busy_until_ms <= ?3)"
        " ORDER BY updated_ms");
    if (s == NULL) {
        ledger_fail(ledger, error, "finding payments to reconcile");
        return NULL;
    }
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_int64(s, 2, pending_before_ms);
    sqlite3_bind_int64(s, 3, wall_now_ms);
    return collect_ids(s);
}

/* ---- copies -------------------------------------------------------------- */

gboolean ledger_copy_to(TenderLedger *ledger, const char *path, GError **error)
{
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
        g_cond_wait(&ledger->changed, &ledger->lock);
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
