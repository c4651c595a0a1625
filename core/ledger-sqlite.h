/* The SQLite backend of the ledger, shared by its files (private to them):
 * ledger-sqlite.c (opening, migrations, the unit of work and group
 * commit), ledger-sqlite-payments.c (payments, operations, counters,
 * queries) and ledger-sqlite-service.c (the outbox and the service's
 * tables). Nothing else includes this but the tests' fault injection. */
#ifndef TENDER_CORE_LEDGER_SQLITE_H
#define TENDER_CORE_LEDGER_SQLITE_H

#include <sqlite3.h>

#include "ledger.h"

G_BEGIN_DECLS

/* A condition and how many threads wait on it, under the ledger's lock:
 * GLib's signal and broadcast make a futex call even when nobody waits,
 * and a commit with one thread would pay for two of them. */
typedef struct {
    GCond cond;
    int waiters;
} SqliteWait;

/* Group commit (ledger-sqlite.c has the whole story): every unit of the
 * process runs in one outer SQLite transaction, the "batch", each in its
 * own savepoint; one commit and one flush serve every unit of a batch. */
typedef struct {
    TenderLedger base;
    sqlite3 *db;
    GMutex lock;            /* the connection and every field below */
    /* Each wait has a condition of its own, so an event wakes only the
     * threads it can let go (a member joining woke every thread waiting
     * for the disk, 11 context switches per authorization at 8 threads). */
    SqliteWait member_moved;    /* the leader's: a member joined or left, or the disk came free */
    SqliteWait batch_committed; /* committed (or in_batch) changed */
    SqliteWait batch_synced;    /* synced or flushing changed, or a batch failed */
    GHashTable *statements; /* SQL text -> sqlite3_stmt*, prepared once */
    gboolean in_batch;      /* the outer transaction is open */
    gboolean has_writes;    /* a member released writes into it */
    gboolean wants_sync;    /* a member needs the batch on disk */
    gboolean leader;        /* a member is committing the batch */
    guint64 batch;          /* number of the open batch */
    guint64 committed;      /* last batch committed (written to the WAL) */
    guint64 synced;         /* last batch flushed to disk */
    gboolean flushing;      /* a leader is flushing the WAL (without the lock) */
    int (*flush_fn)(int wal_fd); /* tests: instead of fdatasync (NULL: fdatasync) */
    int wal_fd;             /* our own descriptor of the WAL file, for flushes; -1 until needed */
    char *wal_path;
    guint64 failed_first; /* the batches failed_first..failed failed (0: none) */
    guint64 failed;
    char *failure;       /* why it failed */
    gint active;         /* members between begin() and commit()/rollback() */
    gboolean memory;     /* ":memory:": nothing to sync */
    gboolean no_flush;   /* bulk load: commits are never flushed */
    char *missing_path;  /* a stand-in for this file, which does not exist: no commits */
    int exec_rc;         /* result code of the last exec(), kept past a ROLLBACK */
    /* Waiting for another process's write lock (busy_wait): the whole
     * wait a unit may spend, and when the current wait gives up
     * (monotonic µs; 0 outside a wait begin() set). */
    gint64 busy_timeout_us;
    gint64 begin_give_up;
    gint64 busy_give_up;
    GHashTable *updates; /* changed-column mask -> its UPDATE of payments */
    /* The checkpointer (ledger-sqlite.c): a thread with a connection of
     * its own, woken by the WAL hook. */
    sqlite3 *checkpoint_db;
    GThread *checkpointer;
    GMutex checkpoint_lock;
    GCond checkpoint_cond;
    gboolean checkpoint_wanted;
    gboolean checkpoint_running;
    gboolean checkpoint_stop;
    /* In frames of the current WAL: its length at the last commit, and how
     * much of it a checkpoint copied. */
    int checkpoint_seen;
    int checkpoint_copied;
    int checkpoint_passes; /* the thread's passes over the current WAL */
} SqliteLedger;

/* A unit: the connection is the ledger's, held (its mutex) from begin to
 * end. */
typedef struct {
    LedgerUnit base;
    /* The unit runs in a savepoint of a batch others committed into; FALSE
     * when it began the batch, which then holds its work alone. */
    gboolean savepoint;
} SqliteUnit;

/* The name of the VFS the ledger's connections open their files with
 * (ledger-sqlite-vfs.c: the platform's, with a WAL's writes collected and
 * written at once), registered on the first call; NULL if it could not be
 * registered (SQLite's default VFS then). Thread-safe. */
const char *ledger_sqlite_vfs_name(void);

/* For tests of a failing disk: flush the WAL with flush_fn (an SQLite
 * result code; SQLITE_OK when the WAL is on disk) instead of fdatasync;
 * NULL restores fdatasync. ledger must be an SQLite file ledger.
 * Thread-safe. */
void ledger_sqlite_set_flush_fn(TenderLedger *ledger, int (*flush_fn)(int wal_fd));

static inline SqliteLedger *ledger_sqlite_of(LedgerUnit *unit)
{
    return (SqliteLedger *)unit->ledger;
}

/* A statement prepared once and kept (sql must be a string constant: its
 * address is the cache key), reset with its bindings cleared; NULL when it
 * does not prepare. Reset after use; never finalize. */
sqlite3_stmt *ledger_sqlite_stmt(SqliteLedger *ledger, const char *sql);
/* FALSE, with TENDER_ERROR_LEDGER "ledger: what: <SQLite's message>". */
gboolean ledger_sqlite_fail(SqliteLedger *ledger, GError **error, const char *what);
/* Step s to its end and reset it; FALSE with the error otherwise (or when
 * s is NULL: it did not prepare). */
gboolean ledger_sqlite_step_done(SqliteLedger *ledger, sqlite3_stmt *s, GError **error,
                                 const char *what);
void ledger_sqlite_bind_text(sqlite3_stmt *s, int i, const char *v);
char *ledger_sqlite_column_text(sqlite3_stmt *s, int i);

/* Fill the payment, operation and counter operations of the table
 * (ledger-sqlite-payments.c), and the outbox and service ones
 * (ledger-sqlite-service.c). */
void ledger_sqlite_payments_fill(LedgerBackend *backend);
void ledger_sqlite_service_fill(LedgerBackend *backend);
/* ledger-sqlite-quarantine.c: the crash_* operations. */
void ledger_sqlite_quarantine_fill(LedgerBackend *backend);
/* ledger-sqlite-export.c: export, import and totals (version 2). */
void ledger_sqlite_export_fill(LedgerBackend *backend);

G_END_DECLS

#endif
