/* The PostgreSQL backend of the ledger (ledger-backend.h): the connection
 * pool, the unit of work as a server transaction, statements and their
 * errors. Several hosts share one database; everything that must hold
 * across them is the database's: row locks, unique constraints, advisory
 * locks, never a lock of this process (docs/ledger.md, "PostgreSQL").
 *
 * A unit borrows one connection of the pool from begin() to its end and
 * runs one READ COMMITTED transaction on it (a read unit: REPEATABLE READ,
 * READ ONLY, so its reads agree with each other). Units of one process
 * commit independently; the server batches concurrent commits into one
 * WAL flush itself (group commit is the server's). */
#include "ledger-postgres.h"

#include <string.h>

/* Connections a host keeps at most, unless the location says otherwise
 * (pool_size=N): a unit holds one only between begin and end, never across
 * a plugin call, so a few serve many threads. */
#define DEFAULT_POOL_SIZE 8
#define MAX_POOL_SIZE 256

/* ---- statements ---------------------------------------------------------- */

void ledger_postgres_text(PgParams *p, const char *v)
{
    g_assert(p->n < PG_MAX_PARAMS);
    p->values[p->n] = v;
    p->lengths[p->n] = 0;
    p->formats[p->n] = 0;
    p->n++;
}

void ledger_postgres_int(PgParams *p, gint64 v)
{
    g_assert(p->n < PG_MAX_PARAMS);
    g_snprintf(p->numbers[p->n], sizeof p->numbers[p->n], "%" G_GINT64_FORMAT, v);
    ledger_postgres_text(p, p->numbers[p->n]);
}

void ledger_postgres_bytes(PgParams *p, const void *data, gsize len)
{
    g_assert(p->n < PG_MAX_PARAMS && len <= G_MAXINT);
    p->values[p->n] = data;
    p->lengths[p->n] = (int)len;
    p->formats[p->n] = 1;
    p->n++;
}

char *ledger_postgres_text_at(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : g_strdup(PQgetvalue(r, row, col));
}

gint64 ledger_postgres_int_at(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : g_ascii_strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* The SQLSTATEs after which the whole unit may simply run again: nothing
 * of it was kept, and running it again sees the other unit's result. */
/* Until the host says otherwise (ledger_busy_seconds, set_busy_timeout):
 * the same default as SQLite's wait for another process. */
#define DEFAULT_LOCK_TIMEOUT_MS 10000

static gboolean is_transient(const char *state, gboolean retry_on_unique)
{
    if (state == NULL)
        return FALSE;
    return strcmp(state, "40001") == 0                          /* serialization_failure */
           || strcmp(state, "40P01") == 0                       /* deadlock_detected */
           || (retry_on_unique && strcmp(state, "23505") == 0); /* unique_violation */
}

static void set_failure(PgUnit *unit, const PGresult *r, gboolean retry_on_unique, GError **error,
                        const char *what)
{
    PGconn *conn = unit->c->conn;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
    g_autofree char *trimmed = g_strstrip(g_strdup(message && *message ? message : "no answer"));
    /* A statement after a conflict fails only because the conflict
     * aborted the transaction (25P02): that is still the conflict. The
     * engine goes on after a read whose error it cannot report (usage_get
     * through the policy's callback), and must still see a unit to run
     * again, not a broken ledger. */
    if (!unit->failed) {
        unit->conflicted = PQstatus(conn) != CONNECTION_OK || is_transient(state, retry_on_unique);
        unit->busy = state && strcmp(state, "55P03") == 0; /* lock_not_available */
    }
    unit->failed = TRUE;
    if (PQstatus(conn) != CONNECTION_OK || is_transient(state, retry_on_unique) || unit->conflicted)
        g_set_error(error, LEDGER_ERROR, LEDGER_ERROR_RETRY, "ledger: %s: %s", what, trimmed);
    else if (unit->busy)
        /* Worded as SQLite's busy ledger: a unit of another host held a row
         * this one needs for longer than ledger_busy_seconds. Not a retry:
         * the holder may hold it for as long again. */
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "ledger: busy: another unit held a row for more than %" G_GINT64_FORMAT
                    " ms (%s)",
                    unit->c->lock_timeout_ms, what);
    else
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s: %s", what, trimmed);
}

/* The name of sql's prepared statement on the unit's connection, preparing
 * it on first use; NULL with the error when it does not prepare. */
static const char *prepared_name(PgUnit *unit, const char *sql, const PgParams *params,
                                 GError **error, const char *what)
{
    PgConnection *c = unit->c;
    const char *name = g_hash_table_lookup(c->prepared, sql);
    if (name)
        return name;
    char *fresh = g_strdup_printf("t%u", g_hash_table_size(c->prepared) + 1);
    PGresult *r = PQprepare(c->conn, fresh, sql, params ? params->n : 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        set_failure(unit, r, FALSE, error, what);
        PQclear(r);
        g_free(fresh);
        return NULL;
    }
    PQclear(r);
    g_hash_table_insert(c->prepared, (gpointer)sql, fresh);
    return fresh;
}

PGresult *ledger_postgres_run(PgUnit *unit, const char *sql, const PgParams *params,
                              gboolean retry_on_unique, GError **error, const char *what)
{
    const char *name = prepared_name(unit, sql, params, error, what);
    if (name == NULL)
        return NULL;
    PGresult *r =
        PQexecPrepared(unit->c->conn, name, params ? params->n : 0, params ? params->values : NULL,
                       params ? params->lengths : NULL, params ? params->formats : NULL, 0);
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        set_failure(unit, r, retry_on_unique, error, what);
        PQclear(r);
        return NULL;
    }
    return r;
}

gboolean ledger_postgres_do(PgUnit *unit, const char *sql, const PgParams *params, GError **error,
                            const char *what)
{
    PGresult *r = ledger_postgres_run(unit, sql, params, FALSE, error, what);
    PQclear(r);
    return r != NULL;
}

/* A command without parameters or result (transaction control), not
 * prepared. */
static gboolean simple(PGconn *conn, const char *sql, GError **error, const char *what)
{
    PGresult *r = PQexec(conn, sql);
    gboolean ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        const char *message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
        g_autofree char *trimmed = g_strstrip(g_strdup(message ? message : "no answer"));
        if (PQstatus(conn) != CONNECTION_OK)
            g_set_error(error, LEDGER_ERROR, LEDGER_ERROR_RETRY, "ledger: %s: %s", what, trimmed);
        else
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s: %s", what, trimmed);
    }
    PQclear(r);
    return ok;
}

/* ---- the pool ------------------------------------------------------------- */

static void connection_free(PgConnection *c)
{
    if (c == NULL)
        return;
    PQfinish(c->conn);
    g_hash_table_destroy(c->prepared);
    g_free(c);
}

/* The session's settings, on a new connection and again after a reset
 * (a reconnection starts a new session). Times are numbers of
 * milliseconds the host gives; nothing depends on the session's time zone
 * or locale. A unit stuck behind another host's lock waits for it (the
 * lock's holder is a unit, never a plugin call), but not forever. -1 when
 * the server refused them. */
static gint64 set_up_session(PgLedger *ledger, PGconn *conn)
{
    g_mutex_lock(&ledger->lock);
    gint64 lock_timeout_ms = ledger->lock_timeout_ms;
    g_mutex_unlock(&ledger->lock);
    g_autofree char *setup = g_strdup_printf(
        "SET lock_timeout = %" G_GINT64_FORMAT "; SET idle_in_transaction_session_timeout"
        " = '60s'; SET client_min_messages = warning",
        lock_timeout_ms);
    PGresult *r = PQexec(conn, setup);
    gboolean ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? lock_timeout_ms : -1;
}

static PgConnection *connect_one(PgLedger *ledger, GError **error)
{
    PGconn *conn = PQconnectdb(ledger->conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        g_autofree char *why = g_strstrip(g_strdup(PQerrorMessage(conn)));
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: cannot connect to %s: %s",
                    ledger->display, why);
        PQfinish(conn);
        return NULL;
    }
    gint64 lock_timeout_ms = set_up_session(ledger, conn);
    if (lock_timeout_ms < 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: cannot set up %s: %s",
                    ledger->display, PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    PgConnection *c = g_new0(PgConnection, 1);
    c->conn = conn;
    c->lock_timeout_ms = lock_timeout_ms;
    c->prepared = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return c;
}

/* A connection for a unit: an idle one, a new one while the pool has room,
 * or the next one returned. */
static PgConnection *pool_take(PgLedger *ledger, GError **error)
{
    g_mutex_lock(&ledger->lock);
    for (;;) {
        PgConnection *c = g_queue_pop_head(&ledger->idle);
        if (c) {
            g_mutex_unlock(&ledger->lock);
            /* The server may have gone away (a restart, a failover) since
             * it was last used: try once to reconnect before failing. */
            if (PQstatus(c->conn) != CONNECTION_OK) {
                PQreset(c->conn);
                g_hash_table_remove_all(c->prepared);
                /* A new session: its settings again (when the server is
                 * still away, BEGIN then fails and says so). */
                if (PQstatus(c->conn) == CONNECTION_OK)
                    c->lock_timeout_ms = set_up_session(ledger, c->conn);
            }
            return c;
        }
        if (ledger->open < ledger->pool_size) {
            ledger->open++;
            g_mutex_unlock(&ledger->lock);
            c = connect_one(ledger, error);
            if (c == NULL) {
                g_mutex_lock(&ledger->lock);
                ledger->open--;
                g_cond_signal(&ledger->returned);
                g_mutex_unlock(&ledger->lock);
            }
            return c;
        }
        g_cond_wait(&ledger->returned, &ledger->lock);
    }
}

/* Give c back; a connection in an unknown state (a transaction the server
 * may still hold open) is closed instead. */
static void pool_give(PgLedger *ledger, PgConnection *c)
{
    gboolean usable =
        PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) == PQTRANS_IDLE;
    if (!usable)
        connection_free(c);
    g_mutex_lock(&ledger->lock);
    if (usable)
        g_queue_push_head(&ledger->idle, c);
    else
        ledger->open--;
    g_cond_signal(&ledger->returned);
    g_mutex_unlock(&ledger->lock);
}

/* ---- the location ------------------------------------------------------------ */

/* Split Tender's own parameters (pool_size) off a libpq URI, which would
 * refuse a keyword it does not know. */
static char *strip_own_parameters(const char *location, guint *pool_size, GError **error)
{
    const char *query = strchr(location, '?');
    if (query == NULL)
        return g_strdup(location);
    GString *kept = g_string_new_len(location, query - location);
    g_auto(GStrv) pairs = g_strsplit(query + 1, "&", -1);
    char separator = '?';
    for (char **pair = pairs; *pair; pair++) {
        if (g_str_has_prefix(*pair, "pool_size=")) {
            guint64 n = 0;
            if (!g_ascii_string_to_unsigned(*pair + strlen("pool_size="), 10, 1, MAX_POOL_SIZE, &n,
                                            NULL)) {
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                            "ledger: pool_size must be a number from 1 to %d", MAX_POOL_SIZE);
                g_string_free(kept, TRUE);
                return NULL;
            }
            *pool_size = (guint)n;
            continue;
        }
        if (**pair == '\0')
            continue;
        g_string_append_c(kept, separator);
        g_string_append(kept, *pair);
        separator = '&';
    }
    return g_string_free(kept, FALSE);
}

/* The location as messages may show it: without a password. */
static char *display_location(const char *conninfo)
{
    PQconninfoOption *options = PQconninfoParse(conninfo, NULL);
    if (options == NULL)
        return g_strdup("the PostgreSQL ledger");
    const char *host = NULL, *port = NULL, *db = NULL;
    for (PQconninfoOption *o = options; o->keyword; o++) {
        if (o->val == NULL)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
    }
    char *shown =
        g_strdup_printf("PostgreSQL database '%s' on %s%s%s", db ? db : "(default)",
                        host ? host : "(default host)", port ? ":" : "", port ? port : "");
    PQconninfoFree(options);
    return shown;
}

/* ---- the ledger ---------------------------------------------------------- */

static void postgres_close(TenderLedger *base);
static const LedgerBackend *postgres_backend(void);

TenderLedger *ledger_postgres_open(const char *location, GError **error)
{
    guint pool_size = DEFAULT_POOL_SIZE;
    g_autofree char *conninfo = strip_own_parameters(location, &pool_size, error);
    if (conninfo == NULL)
        return NULL;
    char *parse_error = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &parse_error);
    if (parsed == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: not a PostgreSQL URI: %s",
                    parse_error ? g_strstrip(parse_error) : "out of memory");
        PQfreemem(parse_error);
        return NULL;
    }
    PQconninfoFree(parsed);
    PgLedger *ledger = g_new0(PgLedger, 1);
    ledger->base.backend = postgres_backend();
    ledger->conninfo = g_steal_pointer(&conninfo);
    ledger->display = display_location(ledger->conninfo);
    ledger->pool_size = pool_size;
    ledger->lock_timeout_ms = DEFAULT_LOCK_TIMEOUT_MS;
    g_mutex_init(&ledger->lock);
    g_cond_init(&ledger->returned);
    g_queue_init(&ledger->idle);
    ledger->updates = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    /* The first connection migrates the schema, and stays in the pool. */
    PgConnection *first = pool_take(ledger, error);
    if (first == NULL) {
        postgres_close(&ledger->base);
        return NULL;
    }
    GError *local = NULL;
    if (!ledger_postgres_migrate(first->conn, &local)) {
        g_propagate_prefixed_error(error, local, "%s: ", ledger->display);
        connection_free(first);
        ledger->open--;
        postgres_close(&ledger->base);
        return NULL;
    }
    pool_give(ledger, first);
    return &ledger->base;
}

static void postgres_close(TenderLedger *base)
{
    PgLedger *ledger = (PgLedger *)base;
    if (ledger == NULL)
        return;
    PgConnection *c;
    while ((c = g_queue_pop_head(&ledger->idle)))
        connection_free(c);
    g_mutex_clear(&ledger->lock);
    g_cond_clear(&ledger->returned);
    g_hash_table_destroy(ledger->updates);
    g_free(ledger->conninfo);
    g_free(ledger->display);
    g_free(ledger);
}

static void postgres_set_flush(TenderLedger *base, gboolean flush)
{
    PgLedger *ledger = (PgLedger *)base;
    g_mutex_lock(&ledger->lock);
    ledger->no_flush = !flush;
    g_mutex_unlock(&ledger->lock);
}

/* ledger_busy_seconds: PostgreSQL's lock_timeout, the bound on a wait for
 * a row another unit holds (0 would mean no bound: at least 1 ms). */
static void postgres_set_busy_timeout(TenderLedger *base, gint64 timeout_ms)
{
    PgLedger *ledger = (PgLedger *)base;
    g_mutex_lock(&ledger->lock);
    ledger->lock_timeout_ms = MAX(timeout_ms, 1);
    g_mutex_unlock(&ledger->lock);
}

/* ---- the unit of work ----------------------------------------------------- */

static LedgerUnit *postgres_begin(TenderLedger *base, LedgerUnitMode mode, GError **error)
{
    PgLedger *ledger = (PgLedger *)base;
    PgConnection *c = pool_take(ledger, error);
    if (c == NULL)
        return NULL;
    /* A connection made before the host set its busy timeout (the
     * migrations' one) takes the new value on its next unit. */
    g_mutex_lock(&ledger->lock);
    gint64 lock_timeout_ms = ledger->lock_timeout_ms;
    g_mutex_unlock(&ledger->lock);
    if (c->lock_timeout_ms != lock_timeout_ms) {
        g_autofree char *set =
            g_strdup_printf("SET lock_timeout = %" G_GINT64_FORMAT, lock_timeout_ms);
        if (!simple(c->conn, set, error, "cannot set the lock timeout")) {
            pool_give(ledger, c);
            return NULL;
        }
        c->lock_timeout_ms = lock_timeout_ms;
    }
    const char *begin = mode == LEDGER_UNIT_READ ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                                 : "BEGIN ISOLATION LEVEL READ COMMITTED";
    if (!simple(c->conn, begin, error, "cannot start a transaction")) {
        pool_give(ledger, c);
        return NULL;
    }
    PgUnit *unit = g_new0(PgUnit, 1);
    unit->base.ledger = base;
    unit->base.mode = mode;
    unit->c = c;
    return &unit->base;
}

static void postgres_rollback(LedgerUnit *base)
{
    PgUnit *unit = (PgUnit *)base;
    PgLedger *ledger = ledger_postgres_of(base);
    if (PQstatus(unit->c->conn) == CONNECTION_OK)
        PQclear(PQexec(unit->c->conn, "ROLLBACK"));
    pool_give(ledger, unit->c);
    g_free(unit);
}

static gboolean postgres_commit(LedgerUnit *base, LedgerCommitKind kind, GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PgLedger *ledger = ledger_postgres_of(base);
    if (unit->failed) {
        /* The server aborted the transaction at the failed statement:
         * COMMIT would answer ROLLBACK. */
        if (unit->conflicted)
            g_set_error(error, LEDGER_ERROR, LEDGER_ERROR_RETRY,
                        "ledger: commit of a unit a conflict aborted");
        else if (unit->busy)
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                        "ledger: busy: another unit held a row for more than %" G_GINT64_FORMAT
                        " ms",
                        unit->c->lock_timeout_ms);
        else
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                        "ledger: commit of a unit whose statement failed");
        postgres_rollback(base);
        return FALSE;
    }
    g_mutex_lock(&ledger->lock);
    gboolean lazy = kind == LEDGER_COMMIT_INTENT || ledger->no_flush;
    g_mutex_unlock(&ledger->lock);
    PGconn *conn = unit->c->conn;
    /* An intent: committed and visible at once, on disk with the next
     * flushed commit of the server, in WAL order (ledger-backend.h). */
    PGresult *r = PQexec(conn, lazy ? "SET LOCAL synchronous_commit = off; COMMIT" : "COMMIT");
    gboolean ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
    if (!ok) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        g_autofree char *why = g_strstrip(g_strdup(
            PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : "the server rolled it back"));
        /* A serialization failure at commit kept nothing; a connection lost
         * during COMMIT leaves the outcome unknown to us, so it is not a
         * retry: the engine's reconciliation settles it. */
        if (is_transient(state, TRUE) && PQstatus(conn) == CONNECTION_OK)
            g_set_error(error, LEDGER_ERROR, LEDGER_ERROR_RETRY, "ledger: commit failed: %s", why);
        else
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: commit failed: %s", why);
        if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
            PQclear(PQexec(conn, "ROLLBACK"));
    }
    PQclear(r);
    pool_give(ledger, unit->c);
    g_free(unit);
    return ok;
}

/* The server writes its log in order, so a synchronous commit's flush
 * covers every commit before it, intents (synchronous_commit = off)
 * included. A transaction that changed nothing writes no commit record and
 * so waits for nothing; one given a transaction id does (this costs an id,
 * and one round trip and flush of the server's). */
static gboolean postgres_flush_committed(TenderLedger *base, GError **error)
{
    PgLedger *ledger = (PgLedger *)base;
    g_mutex_lock(&ledger->lock);
    gboolean lazy = ledger->no_flush;
    g_mutex_unlock(&ledger->lock);
    if (lazy)
        return TRUE;
    PgConnection *c = pool_take(ledger, error);
    if (c == NULL)
        return FALSE;
    PGresult *r = PQexec(c->conn, "BEGIN; SELECT pg_current_xact_id(); COMMIT");
    gboolean ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
    if (!ok) {
        g_autofree char *why = g_strstrip(g_strdup(PQresultErrorMessage(r)[0]
                                                       ? PQresultErrorMessage(r)
                                                       : "the server did not commit"));
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "ledger: cannot flush what was committed: %s", why);
        if (PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_IDLE)
            PQclear(PQexec(c->conn, "ROLLBACK"));
    }
    PQclear(r);
    pool_give(ledger, c);
    return ok;
}

/* ---- the table ----------------------------------------------------------- */

static const LedgerBackend *postgres_backend(void)
{
    static LedgerBackend table;
    static gsize ready = 0;
    if (g_once_init_enter(&ready)) {
        table.struct_size = sizeof table;
        table.version = 4;
        table.name = "postgresql";
        table.close = postgres_close;
        table.set_flush = postgres_set_flush;
        table.set_busy_timeout = postgres_set_busy_timeout;
        table.begin = postgres_begin;
        table.commit = postgres_commit;
        table.rollback = postgres_rollback;
        table.flush_committed = postgres_flush_committed;
        ledger_postgres_payments_fill(&table);
        ledger_postgres_service_fill(&table);
        ledger_postgres_export_fill(&table);
        g_once_init_leave(&ready, 1);
    }
    return &table;
}
