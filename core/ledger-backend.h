/* The ledger interface (private to libtender): what the engine asks of a
 * ledger, as a table of operations a backend fills. SQLite
 * (ledger-sqlite*.c) is the one backend today; a networked database
 * (PostgreSQL, issue 18) is meant to be a second table, with no change to
 * the engine. docs/ledger.md explains the design; the rules a backend must
 * keep are stated next to each operation.
 *
 * The unit of work. Everything the engine reads or writes happens inside a
 * unit: begin() returns one, and exactly one of commit() or rollback() ends
 * it (and frees it). A unit belongs to the thread that began it; a thread
 * has at most one unit open at a time, and never calls a plugin while it
 * has one. A backend may back a unit with whatever it likes: SQLite shares
 * one outer transaction among the concurrent units of a process (group
 * commit); PostgreSQL would take a connection from its pool and open a
 * transaction of its own on it.
 *
 * Locks. In a LEDGER_UNIT_WRITE unit, every row the unit reads in order to
 * change it (the payment of payment_get, the counters of usage_get) stays
 * locked against other writers until the unit ends, across processes and
 * hosts: the engine's read-check-write of a payment, a limit or an
 * idempotency key relies on it. SQLite gets this from its single writer;
 * PostgreSQL from SELECT ... FOR UPDATE in READ COMMITTED. A
 * LEDGER_UNIT_READ unit takes no locks and writes nothing.
 *
 * Errors. Every failure is a GError in TENDER_ERROR: TENDER_ERROR_LEDGER
 * for the storage, TENDER_ERROR_NOT_FOUND where an operation says so. A
 * transient conflict the database resolved by aborting the unit (a
 * serialization failure, a deadlock, a unique key another unit took first,
 * a connection lost before commit) is LEDGER_ERROR_RETRY in LEDGER_ERROR:
 * nothing of the unit was kept, and the engine may run it again from
 * begin(). The SQLite backend never raises it (its writers are
 * serialized). */
#ifndef TENDER_CORE_LEDGER_BACKEND_H
#define TENDER_CORE_LEDGER_BACKEND_H

#include <glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

typedef struct TenderLedger TenderLedger;
typedef struct LedgerUnit LedgerUnit;
typedef struct LedgerBackend LedgerBackend;

#define LEDGER_ERROR (ledger_error_quark())
GQuark ledger_error_quark(void);
typedef enum {
    LEDGER_ERROR_RETRY = 1, /* the unit was aborted by a transient conflict: run it again */
} LedgerError;

/* A payment as stored: the public view plus what only the host sees. */
typedef struct {
    TenderPayment pub; /* operations not loaded here */
    char *plugin_state;
    char *request_hash;   /* fingerprint of the creating request */
    gint64 authorized_ms; /* when the hold started, 0 if none */
    gint64 busy_until_ms; /* an operation holds the payment until then; 0 free */
    gint64 busy_seq;      /* the operation row that holds it */
} LedgerPayment;

typedef enum {
    LEDGER_UNIT_READ,  /* reads only, no locks; always ends in rollback() */
    LEDGER_UNIT_WRITE, /* reads lock what they read; ends in commit() or rollback() */
} LedgerUnitMode;

typedef enum {
    /* Returns once the unit is on disk (or replicated, for a database
     * that says so): the only kind of commit before an acknowledgement. */
    LEDGER_COMMIT_DURABLE,
    /* Returns once the unit is committed and visible to every other unit
     * and process, and safe from a crash of this process; it reaches the
     * disk with the next durable commit, and in order (nothing committed
     * after it can be on disk without it). For an intent record, never
     * for anything acknowledged. PostgreSQL: synchronous_commit = off for
     * the transaction, which has exactly these properties. */
    LEDGER_COMMIT_INTENT,
} LedgerCommitKind;

/* How long a delivery claimed by one host (deliveries_due in a WRITE
 * unit) is not due for another: longer than any attempt takes (10 s), so
 * a host that dies holding it only delays it by this much. */
#define LEDGER_DELIVERY_CLAIM_MS (60 * 1000)

/* What every backend's unit starts with; the backend's own state follows. */
struct LedgerUnit {
    TenderLedger *ledger;
    LedgerUnitMode mode;
    /* A read that could not report its error (usage_get through the
     * policy's lookup callback) leaves it here; commit() then fails with
     * it, so a limit checked against a counter that could not be read is
     * never committed. */
    GError *failure;
};

/* What every backend's ledger starts with. */
struct TenderLedger {
    const LedgerBackend *backend;
};

/* ---- whole-ledger export and import (tender ledger copy, ledger-copy.c) --
 *
 * Every backend stores the same logical tables with the same columns
 * (ledger_tables in ledger-tables.c: SQLite's schema is their reference),
 * so a ledger moves between backends as rows of plain values, each read by
 * one backend and written by the other, without either knowing the other's
 * SQL. */
typedef enum {
    LEDGER_VALUE_NULL,
    LEDGER_VALUE_INTEGER, /* integer */
    LEDGER_VALUE_TEXT,    /* data, length bytes of UTF-8 (not NUL-terminated) */
    LEDGER_VALUE_BLOB,    /* data, length bytes */
} LedgerValueType;

/* A column's value. data is borrowed: valid only during the call that
 * hands it over. */
typedef struct {
    LedgerValueType type;
    gint64 integer;
    const void *data;
    gsize length;
} LedgerValue;

/* A column of a logical table: its name and the type of its non-NULL
 * values. */
typedef struct {
    const char *name;
    LedgerValueType type;
} LedgerTableColumn;

typedef struct {
    const char *name;
    const LedgerTableColumn *columns;
    guint n_columns;
} LedgerTable;

/* The logical tables, in the order an import loads them (a table another
 * one refers to comes first). */
extern const LedgerTable ledger_tables[];
extern const guint ledger_n_tables;

/* Called with one row's values, in the table's column order; FALSE (with
 * error set) stops the export. */
typedef gboolean (*LedgerRowFunc)(const LedgerValue *values, gpointer data, GError **error);

/* The operations of a backend. struct_size and version first, as in the
 * plugin ABI: a caller reads only the operations the version it knows has. */
struct LedgerBackend {
    guint32 struct_size;
    guint32 version;  /* 4 (2 added set_busy_timeout and payment_insert_leased, 3 the export
                       * operations, 4 flush_committed, at the end) */
    const char *name; /* "sqlite" */

    /* ---- the ledger ---- */
    void (*close)(TenderLedger *ledger);
    /* FALSE: commits return without waiting for the disk (bulk loads of
     * test data; tender_host_options_set_ledger_flush). */
    void (*set_flush)(TenderLedger *ledger, gboolean flush);
    /* A consistent copy of the whole ledger into a new SQLite file at path;
     * FALSE with TENDER_ERROR_LEDGER when path exists or cannot be
     * written. NULL in a backend without a file-level backup of its own:
     * tender_host_copy_ledger then copies the rows through export_rows
     * (ledger-copy.c). */
    gboolean (*copy_to)(TenderLedger *ledger, const char *path, GError **error);

    /* ---- the unit of work ---- */
    LedgerUnit *(*begin)(TenderLedger *ledger, LedgerUnitMode mode, GError **error);
    /* Ends and frees the unit whatever the result. FALSE: nothing of the
     * unit was kept. */
    gboolean (*commit)(LedgerUnit *unit, LedgerCommitKind kind, GError **error);
    void (*rollback)(LedgerUnit *unit);

    /* ---- payments (a WRITE unit locks the payment it reads) ---- */
    /* NULL with TENDER_ERROR_NOT_FOUND when there is no such payment. */
    LedgerPayment *(*payment_get)(LedgerUnit *unit, const char *id, GError **error);
    /* A unique idempotency key another unit holds is LEDGER_ERROR_RETRY for
     * a backend where that can happen (the engine looks the key up first,
     * under the key's lock, so a single-writer backend never sees it). */
    gboolean (*payment_insert)(LedgerUnit *unit, const LedgerPayment *p, GError **error);
    /* Store what may change on a payment (status, amounts, state, display,
     * timestamps, lease); what it was created with stays as inserted. old
     * is the row as the unit read it (NULL: unknown): a backend may write
     * only the columns that differ. */
    gboolean (*payment_update)(LedgerUnit *unit, const LedgerPayment *old, const LedgerPayment *p,
                               GError **error);
    /* Only the lease (busy_until_ms, busy_seq). */
    gboolean (*payment_set_lease)(LedgerUnit *unit, const char *id, gint64 busy_until_ms,
                                  gint64 busy_seq, GError **error);

    /* ---- operations (the append-only history of a payment) ---- */
    /* Insert an operation row with the request's fingerprint (NULL: none);
     * sets op->seq, increasing with every insert across the ledger. */
    gboolean (*operation_insert)(LedgerUnit *unit, const char *payment_id, TenderOperation *op,
                                 const char *request_hash, GError **error);
    /* Record an operation's result (amount, outcome, codes, message,
     * processor reference, status after, attempts) and the plugin's state
     * (NULL: none), by op->seq. */
    gboolean (*operation_update)(LedgerUnit *unit, const TenderOperation *op,
                                 const char *plugin_state, GError **error);
    /* The operations of a payment, oldest first (TenderOperation*). */
    GPtrArray *(*operations)(LedgerUnit *unit, const char *payment_id, GError **error);
    /* The operation with this key of this kind on this payment, or NULL
     * (error unset) when there is none. */
    TenderOperation *(*operation_by_key)(LedgerUnit *unit, const char *payment_id, const char *kind,
                                         const char *key, char **request_hash_out, GError **error);

    /* ---- idempotency keys of payment creation ---- */
    /* The payment a key created, or NULL (error unset) when none; in a
     * WRITE unit the key stays reserved to this unit until it ends, even
     * when absent (PostgreSQL: an advisory transaction lock on the key's
     * hash, or the unique index's wait). */
    char *(*key_lookup)(LedgerUnit *unit, const char *key, char **request_hash_out, GError **error);

    /* ---- usage counters (a WRITE unit locks the counter it reads) ---- */
    gboolean (*usage_get)(LedgerUnit *unit, const char *key, gint64 *amount_out, GError **error);
    gboolean (*usage_add)(LedgerUnit *unit, const char *key, gint64 delta, GError **error);
    /* Record that the payment counts full_amount in the counter key, and
     * add it to the counter. */
    gboolean (*payment_usage_add)(LedgerUnit *unit, const char *payment_id, const char *key,
                                  gint64 full_amount, GError **error);
    /* Set every amount counter of the payment to count `held` of its
     * `amount` (proportionally, rounded up; held 0 releases all),
     * adjusting the counters by the difference. */
    gboolean (*payment_usage_hold)(LedgerUnit *unit, const char *payment_id, gint64 held,
                                   gint64 amount, GError **error);

    /* ---- queries ---- */
    /* Payments matching filter, newest first (TenderPayment*, no
     * operations); with after_id, only those after that payment (created
     * at after_created_ms) in this order. */
    GPtrArray *(*list)(LedgerUnit *unit, const TenderListFilter *filter, const char *after_id,
                       gint64 after_created_ms, GError **error);
    /* Ids of the account's payments whose hold or action has lapsed by
     * now_ms but is not applied yet (index lookups, no scan). */
    GPtrArray *(*lapsed_for_account)(LedgerUnit *unit, const char *account, gint64 now_ms,
                                     GError **error);
    /* Ids of payments reconcile must look at: status unknown; pending
     * updated before pending_before_ms; requires_action whose action
     * expired; authorized whose hold lapsed (host clock, now_ms); leased
     * ones whose lease ran out (wall clock, wall_now_ms). Oldest update
     * first. */
    GPtrArray *(*reconcile_candidates)(LedgerUnit *unit, gint64 now_ms, gint64 pending_before_ms,
                                       gint64 wall_now_ms, GError **error);

    /* ---- the outbox ---- */
    /* Insert event (id, type, payment_id, body, created_ms) and one pending
     * delivery, due at wall_now_ms, for every active webhook endpoint that
     * wants type. */
    gboolean (*event_insert)(LedgerUnit *unit, const TenderEvent *event, gint64 wall_now_ms,
                             GError **error);
    /* The newest events first, with their delivery counts (limit 0: all). */
    GPtrArray *(*events)(LedgerUnit *unit, guint limit, GError **error);
    /* Queue the event again for every active endpoint that wants it
     * (deliveries reset to pending, due at wall_now_ms); FALSE with
     * TENDER_ERROR_NOT_FOUND for an unknown event. */
    gboolean (*event_resend)(LedgerUnit *unit, const char *event_id, gint64 wall_now_ms,
                             GError **error);
    /* Pending deliveries due by wall_now_ms, soonest first (TenderDelivery*,
     * with the endpoint's url and secret and the event's body). In a WRITE
     * unit every backend claims them (several hosts may drain one
     * ledger): they are not due again for LEDGER_DELIVERY_CLAIM_MS unless
     * delivery_record says so, and no other host gets them meanwhile. */
    GPtrArray *(*deliveries_due)(LedgerUnit *unit, gint64 wall_now_ms, guint limit, GError **error);
    /* Record one attempt of a pending delivery: state "delivered", "pending"
     * (again at next_ms) or "failed". A delivery no longer pending is left
     * as it is. */
    gboolean (*delivery_record)(LedgerUnit *unit, gint64 event_seq, const char *endpoint_id,
                                const char *state, guint http_status, const char *why,
                                gint64 wall_now_ms, gint64 next_ms, GError **error);
    /* How many deliveries are pending, or -1. */
    gint64 (*outbox_depth)(LedgerUnit *unit, GError **error);

    /* ---- API keys and webhook endpoints ---- */
    gboolean (*api_key_insert)(LedgerUnit *unit, const TenderApiKey *key, const char *secret_sha256,
                               GError **error);
    /* Every key, oldest first (TenderApiKey*). */
    GPtrArray *(*api_keys)(LedgerUnit *unit, GError **error);
    /* Set revoked_ms (once); FALSE with TENDER_ERROR_NOT_FOUND for an
     * unknown id. */
    gboolean (*api_key_revoke)(LedgerUnit *unit, const char *key_id, gint64 now_ms, GError **error);
    /* The key whose stored digest equals secret_sha256 (revoked or not),
     * with that stored digest, or NULL (error unset) when none. */
    TenderApiKey *(*api_key_by_digest)(LedgerUnit *unit, const char *secret_sha256,
                                       char **stored_sha256_out, GError **error);
    gboolean (*webhook_endpoint_insert)(LedgerUnit *unit, const TenderWebhookEndpoint *endpoint,
                                        const char *secret, GError **error);
    GPtrArray *(*webhook_endpoints)(LedgerUnit *unit, GError **error);
    /* Mark an active endpoint removed and drop its pending deliveries;
     * FALSE with TENDER_ERROR_NOT_FOUND when no active endpoint has id. */
    gboolean (*webhook_endpoint_remove)(LedgerUnit *unit, const char *endpoint_id, gint64 now_ms,
                                        GError **error);

    /* ---- responses kept for Idempotency-Key replays (tenderd) ---- */
    /* Keep r under (scope, key) unless one is kept there already; first
     * drop those created before drop_before_ms (0: none). */
    gboolean (*stored_response_put)(LedgerUnit *unit, const char *scope, const char *key,
                                    const TenderStoredResponse *r, gint64 now_ms,
                                    gint64 drop_before_ms, GError **error);
    /* The response kept under (scope, key), or NULL (error unset). */
    TenderStoredResponse *(*stored_response_get)(LedgerUnit *unit, const char *scope,
                                                 const char *key, GError **error);

    /* ---- isolated plugins' crashes (isolation-host.c) ---- */
    /* Every host sharing the ledger counts the same crashes, so a plugin
     * that crashes once per `tender` command is quarantined all the same,
     * and one operator's clear is everyone's. */
    /* Record one crash of plugin_id at at_ms (wall clock). */
    gboolean (*crash_add)(LedgerUnit *unit, const char *plugin_id, gint64 at_ms,
                          const char *reason, GError **error);
    /* Append to at_ms (gint64) the plugin's crash times from since_ms on,
     * oldest first; *last_reason (replaced) is the latest one's reason. */
    gboolean (*crash_history)(LedgerUnit *unit, const char *plugin_id, gint64 since_ms,
                              GArray *at_ms, char **last_reason, GError **error);
    /* Forget the plugin's crashes: its quarantine ends. */
    gboolean (*crash_clear)(LedgerUnit *unit, const char *plugin_id, GError **error);

    /* ---- version 2 ---- */
    /* The longest begin() may wait, in all, for a ledger another process
     * (or host) holds, before failing with TENDER_ERROR_LEDGER "busy"
     * (tenderd answers 503). Set once after opening; a backend without a
     * wait of its own may ignore it. */
    void (*set_busy_timeout)(TenderLedger *ledger, gint64 timeout_ms);
    /* A new payment with its first operation, the payment leased to it
     * until p->busy_until_ms: what payment_insert, operation_insert (with
     * request_hash) and payment_set_lease(op->seq) do in this order, in
     * fewer statements where the backend can (p->busy_seq is not read).
     * Sets op->seq. The unique idempotency key rule of payment_insert
     * applies. NULL in a table that has no shorter way: ledger.h then runs
     * the three. */
    gboolean (*payment_insert_leased)(LedgerUnit *unit, const LedgerPayment *p,
                                      TenderOperation *op, const char *request_hash,
                                      GError **error);

    /* ---- version 3: export, import and totals (tender ledger copy) ---- */
    /* Call each for every row of table (one of ledger_tables), in no
     * particular order. In a READ unit, every table of one unit is read
     * from the same snapshot (PostgreSQL: BEGIN ISOLATION LEVEL
     * REPEATABLE READ, READ ONLY). */
    gboolean (*export_rows)(LedgerUnit *unit, const LedgerTable *table, LedgerRowFunc each,
                            gpointer data, GError **error);
    /* Insert one row of table as given, keys and sequence numbers
     * included. WRITE unit. */
    gboolean (*import_row)(LedgerUnit *unit, const LedgerTable *table, const LedgerValue *values,
                           GError **error);
    /* After the last import_row of a unit: make every generated sequence
     * (operations.seq, events.seq) continue after the largest value
     * imported, so rows written later never reuse one (PostgreSQL:
     * setval; SQLite's INTEGER PRIMARY KEY follows explicit values by
     * itself). */
    gboolean (*import_finish)(LedgerUnit *unit, GError **error);
    /* *empty_out: TRUE when no logical table holds a row. */
    gboolean (*is_empty)(LedgerUnit *unit, gboolean *empty_out, GError **error);
    /* Counts and sums the copy is checked by, computed by the database
     * from the rows (never from what import_row was given): insert into
     * totals (char * -> gint64 *, both g_free'd; see ledger_totals_set)
     * the values of ledger_total_queries under their names, every backend the
     * same names for the same rows. */
    gboolean (*totals)(LedgerUnit *unit, GHashTable *totals, GError **error);

    /* ---- version 4 ---- */
    /* Returns once every unit this process committed before the call, an
     * intent (LEDGER_COMMIT_INTENT) included, is on disk; FALSE with
     * TENDER_ERROR_LEDGER when that cannot be done. Called before a plugin
     * call sends anything off the machine (services-http.c): an intent that
     * a power loss could still take back must not have a request at a
     * provider to show for it. NULL in a backend with nothing to flush (the
     * in-memory one). */
    gboolean (*flush_committed)(TenderLedger *ledger, GError **error);
};

/* Store value under name in a totals table (see LedgerBackend.totals). */
void ledger_totals_set(GHashTable *totals, const char *name, gint64 value);

/* The statements every backend's totals runs as they are (ledger-tables.c):
 * each returns n_groups text columns, then named integer columns; a row
 * becomes the totals "<name>[<group>,...].<column>" ("<name>.<column>"
 * without groups). */
#define LEDGER_TOTAL_MAX_GROUPS 4
typedef struct {
    const char *name;
    int n_groups; /* at most LEDGER_TOTAL_MAX_GROUPS */
    const char *sql;
} LedgerTotalQuery;

extern const LedgerTotalQuery ledger_total_queries[];
extern const guint ledger_n_total_queries;

/* "<name>[<group>,...]" of a row of query whose group columns are groups
 * (n_groups of them, NULL read as ""), or "<name>"; free with g_free. */
char *ledger_totals_prefix(const LedgerTotalQuery *query, const char *const *groups);

/* A logical table's SELECT of every column and INSERT of one row, in
 * ledger_tables' column order, with the placeholders of a backend's SQL.
 * Made once per style and kept for the life of the process (never freed,
 * never moved: backends key their prepared statements by the text's
 * address). table points into ledger_tables. Thread-safe. */
typedef enum {
    LEDGER_PLACEHOLDERS_QUESTION, /* ?, ?, ... (SQLite) */
    LEDGER_PLACEHOLDERS_NUMBERED, /* $1, $2, ... (PostgreSQL) */
} LedgerPlaceholders;

typedef struct {
    const char *select_sql;
    const char *insert_sql;
} LedgerTableSql;

const LedgerTableSql *ledger_table_sql(const LedgerTable *table, LedgerPlaceholders style);

/* The SQLite backend (ledger-sqlite.c): open (creating and migrating) the
 * ledger at path; with create FALSE, a missing file is stood in for by an
 * empty ledger in memory on which every commit fails (see ledger.h). */
TenderLedger *ledger_sqlite_open(const char *path, gboolean create, GError **error);

/* The in-memory backend (ledger-memory*.c), for ":memory:": an empty
 * ledger of this process alone, gone when it closes. */
TenderLedger *ledger_memory_open(void);

/* The PostgreSQL backend (ledger-postgres*.c): connect to the database a
 * libpq URI names (postgresql:// or postgres://; Tender's own parameter
 * pool_size=N bounds the connections this ledger keeps, 8 unless given)
 * and apply the schema's migrations, once across hosts starting together. */
TenderLedger *ledger_postgres_open(const char *location, GError **error);

G_END_DECLS

#endif
