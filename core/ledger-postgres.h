/* The PostgreSQL backend of the ledger, shared by its files (private to
 * them): ledger-postgres.c (the pool, the unit of work, errors),
 * ledger-postgres-schema.c (migrations), ledger-postgres-payments.c
 * (payments, operations, counters, queries), ledger-postgres-service.c
 * (the outbox, the service's tables, plugin crashes), and
 * ledger-postgres-export.c (tender ledger copy). Nothing else
 * includes this; docs/ledger.md has the design. */
#ifndef TENDER_CORE_LEDGER_POSTGRES_H
#define TENDER_CORE_LEDGER_POSTGRES_H

#include <libpq-fe.h>

#include "ledger.h"

G_BEGIN_DECLS

/* One server connection of the pool, with the statements prepared on it. */
typedef struct {
    PGconn *conn;
    GHashTable *prepared;    /* SQL text's address -> statement name */
    gint64 lock_timeout_ms;  /* the session's lock_timeout, as last set */
} PgConnection;

typedef struct {
    TenderLedger base;
    char *conninfo;    /* the location without Tender's own parameters */
    char *display;     /* the location without a password, for messages */
    guint pool_size;   /* at most this many connections */
    GMutex lock;       /* the fields below */
    GCond returned;    /* a connection came back to the pool */
    GQueue idle;       /* PgConnection*, ready for a unit */
    guint open;        /* connections made, idle or lent */
    gboolean no_flush; /* every commit with synchronous_commit = off */
    /* How long a statement waits for a row lock another unit (of any host)
     * holds: ledger_busy_seconds, as SQLite's wait for the file's lock. */
    gint64 lock_timeout_ms;
    /* Generated UPDATE texts of payments, one per changed-column mask;
     * kept until close, so their addresses key the prepared statements. */
    GHashTable *updates;
} PgLedger;

/* A unit: a connection of the pool, lent from begin to end, in a
 * transaction of its own. */
typedef struct {
    LedgerUnit base;
    PgConnection *c;
    gboolean failed; /* a statement failed: the transaction is aborted */
    /* The first failure was a conflict (LEDGER_ERROR_RETRY): the later
     * statements of the unit and its commit report it too. */
    gboolean conflicted;
    /* Its first failure was a lock wait past lock_timeout: the unit's
     * later failures are that busy ledger too. */
    gboolean busy;
} PgUnit;

static inline PgLedger *ledger_postgres_of(LedgerUnit *unit)
{
    return (PgLedger *)unit->ledger;
}

/* The parameters of one statement, in PostgreSQL's text format. */
#define PG_MAX_PARAMS 64
typedef struct {
    const char *values[PG_MAX_PARAMS];
    char numbers[PG_MAX_PARAMS][24];
    int lengths[PG_MAX_PARAMS];
    int formats[PG_MAX_PARAMS];
    int n;
} PgParams;

void ledger_postgres_text(PgParams *p, const char *v); /* NULL: SQL NULL */
void ledger_postgres_int(PgParams *p, gint64 v);
/* Binary data (a bytea parameter), not copied. */
void ledger_postgres_bytes(PgParams *p, const void *data, gsize len);

/* Run sql (a string constant, or one kept until close: its address names
 * the statement prepared on the connection) with params; the result of a
 * command or query that succeeded, or NULL with the error: LEDGER_ERROR_RETRY
 * for a serialization failure, a deadlock or a lost connection, with
 * retry_on_unique a unique violation too; TENDER_ERROR_LEDGER
 * "ledger: what: <server's message>" otherwise. */
PGresult *ledger_postgres_run(PgUnit *unit, const char *sql, const PgParams *params,
                              gboolean retry_on_unique, GError **error, const char *what);
/* The same for a command whose result is not needed. */
gboolean ledger_postgres_do(PgUnit *unit, const char *sql, const PgParams *params, GError **error,
                            const char *what);
/* A result's field as a new string (NULL for SQL NULL) or a number. */
char *ledger_postgres_text_at(const PGresult *r, int row, int col);
gint64 ledger_postgres_int_at(const PGresult *r, int row, int col);

/* Apply the embedded migrations (ledger-postgres-schema.c) on conn, once
 * across every host starting at the same time. */
gboolean ledger_postgres_migrate(PGconn *conn, GError **error);

void ledger_postgres_payments_fill(LedgerBackend *backend);
void ledger_postgres_service_fill(LedgerBackend *backend);
/* ledger-postgres-export.c: export, import and totals (version 3). */
void ledger_postgres_export_fill(LedgerBackend *backend);

G_END_DECLS

#endif
