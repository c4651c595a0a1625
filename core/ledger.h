/* The ledger (private to libtender): every payment, every operation
 * attempt (notifications included), the usage counters of the policy and
 * idempotency keys, in SQLite.
 *
 * Durability: WAL; ledger_commit() returns only once the work is in
 * the WAL and the WAL is flushed, so a committed unit survives a crash; the
 * host commits before it acknowledges anything. Concurrent commits are
 * grouped into one transaction and one flush.
 *
 * Thread-safety: one connection guarded by the ledger's mutex. A caller
 * brackets its reads and writes with ledger_begin() and commit() or
 * rollback(), which hold the mutex inside an IMMEDIATE SQLite transaction
 * (so other processes on the same file wait, and the read-check-write in
 * between is atomic across processes). Never call a plugin in between, and
 * never begin twice on one thread. */
#ifndef TENDER_CORE_LEDGER_H
#define TENDER_CORE_LEDGER_H

#include <glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

typedef struct TenderLedger TenderLedger;

/* A payment as stored: the public view plus what only the host sees. */
typedef struct {
    TenderPayment pub; /* operations not loaded here */
    char *plugin_state;
    char *request_hash;   /* fingerprint of the creating request */
    gint64 authorized_ms; /* when the hold started, 0 if none */
    gint64 busy_until_ms; /* an operation holds the payment until then; 0 free */
    gint64 busy_seq;      /* the operation row that holds it */
} LedgerPayment;

void ledger_payment_free(LedgerPayment *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LedgerPayment, ledger_payment_free)

/* Open (creating and migrating) the ledger at path (":memory:" works).
 * TENDER_ERROR_LEDGER on failure, naming the directory when it is the
 * ledger's directory that does not exist. */
TenderLedger *ledger_open(const char *path, GError **error);
/* Open without ever creating a file, for hosts that only read: an existing
 * ledger opens (and migrates) as with ledger_open(); a missing one
 * is stood in for by an empty ledger in memory, on which every commit fails
 * with TENDER_ERROR_LEDGER, so nothing is written anywhere, not even a
 * -wal or -shm file. A missing directory is an error either way. */
TenderLedger *ledger_open_no_create(const char *path, GError **error);
/* FALSE: commits return without flushing anything to disk (for bulk loads of
 * test data; see tender_host_options_set_ledger_flush). Default TRUE. */
void ledger_set_flush(TenderLedger *ledger, gboolean flush);
void ledger_close(TenderLedger *ledger);

/* Start a unit of work: a savepoint inside the current batch (an IMMEDIATE
 * transaction shared by concurrent callers; see ledger.c). */
gboolean ledger_begin(TenderLedger *ledger, GError **error);
/* Commit the unit of work durably: returns once its batch is committed and
 * the WAL flushed. Use it before acknowledging anything. */
gboolean ledger_commit(TenderLedger *ledger, GError **error);
/* Commit an intent record (an operation about to call a plugin): committed
 * and safe from a process crash at once, flushed to disk with the next
 * durable commit. Not for anything acknowledged to a caller. */
gboolean ledger_commit_intent(TenderLedger *ledger, GError **error);
/* Undo the unit of work. */
void ledger_rollback(TenderLedger *ledger);

/* ---- inside a transaction ---- */

LedgerPayment *ledger_payment_get(TenderLedger *ledger, const char *id, GError **error);
gboolean ledger_payment_insert(TenderLedger *ledger, const LedgerPayment *p, GError **error);
/* Store what may change on a payment (status, amounts, state, display,
 * timestamps, lease); what it was created with stays as inserted. */
gboolean ledger_payment_update(TenderLedger *ledger, const LedgerPayment *p, GError **error);
/* Set only the lease columns: no index holds them, so this is much cheaper
 * than a full update (which rewrites every index of the table). */
gboolean ledger_payment_set_lease(TenderLedger *ledger, const char *id, gint64 busy_until_ms,
                                         gint64 busy_seq, GError **error);

/* Insert an operation row; sets op->seq. */
gboolean ledger_operation_insert(TenderLedger *ledger, const char *payment_id,
                                        TenderOperation *op, GError **error);
/* Record an operation's result; plugin_state (may be NULL) is what the
 * plugin returned, kept with the operation for audits. */
gboolean ledger_operation_update(TenderLedger *ledger, const TenderOperation *op,
                                        const char *plugin_state, GError **error);
/* The operations of a payment, oldest first (TenderOperation*). */
GPtrArray *ledger_operations(TenderLedger *ledger, const char *payment_id, GError **error);
/* The operation with this idempotency key on this payment (scope), or NULL. */
TenderOperation *ledger_operation_by_key(TenderLedger *ledger, const char *payment_id,
                                                const char *kind, const char *key,
                                                char **request_hash_out, GError **error);
gboolean ledger_operation_set_hash(TenderLedger *ledger, gint64 seq, const char *hash,
                                          GError **error);

/* Idempotency keys of payment creation: the payment a key created, or NULL
 * (request_hash_out set when found). */
char *ledger_key_lookup(TenderLedger *ledger, const char *key, char **request_hash_out,
                               GError **error);

/* Usage counters. */
gint64 ledger_usage_get(TenderLedger *ledger, const char *key);
gboolean ledger_usage_add(TenderLedger *ledger, const char *key, gint64 delta,
                                 GError **error);
/* What a payment counts in each amount counter. */
gboolean ledger_payment_usage_add(TenderLedger *ledger, const char *payment_id,
                                         const char *key, gint64 full_amount, GError **error);
/* Set every amount counter of the payment to count `held` of its `amount`
 * (proportionally; held 0 releases all), adjusting the counters by the
 * difference. */
gboolean ledger_payment_usage_hold(TenderLedger *ledger, const char *payment_id, gint64 held,
                                          gint64 amount, GError **error);

/* Payments matching filter, newest first (TenderPayment*, no operations);
 * with after_id, only those after that payment (created at
 * after_created_ms) in this order. */
GPtrArray *ledger_list(TenderLedger *ledger, const TenderListFilter *filter,
                              const char *after_id, gint64 after_created_ms, GError **error);
/* Ids of the account's payments whose hold or action has lapsed by now_ms
 * but is not applied yet (index lookups, no scan). */
GPtrArray *ledger_lapsed_for_account(TenderLedger *ledger, const char *account,
                                            gint64 now_ms, GError **error);
/* Ids of payments that reconcile must look at: status unknown; pending
 * updated before pending_before_ms; requires_action whose action expired;
 * authorized whose hold lapsed (all on the host clock, now_ms); leased ones
 * whose lease ran out (leases are wall time: wall_now_ms). */
GPtrArray *ledger_reconcile_candidates(TenderLedger *ledger, gint64 now_ms,
                                              gint64 pending_before_ms, gint64 wall_now_ms,
                                              GError **error);

/* Write a consistent copy of the whole ledger to a new SQLite file at path
 * (SQLite's online backup), after any open batch is committed; other
 * callers wait meanwhile. FALSE with TENDER_ERROR_LEDGER when path exists
 * or cannot be written. */
gboolean ledger_copy_to(TenderLedger *ledger, const char *path, GError **error);

/* The connection, for the service tables (ledger-service.c): use it only
 * between ledger_begin() and commit() or rollback(). */
typedef struct sqlite3 sqlite3;
sqlite3 *ledger_sqlite(TenderLedger *ledger);
/* A statement prepared once and kept by the ledger (sql must be a string
 * constant: it is the cache key), reset with its bindings cleared; NULL
 * when it does not prepare. Reset it after use; never finalize it. For
 * statements on the payment path (the outbox event of a state change). */
typedef struct sqlite3_stmt sqlite3_stmt;
sqlite3_stmt *ledger_statement(TenderLedger *ledger, const char *sql);

G_END_DECLS

#endif
