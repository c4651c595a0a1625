/* The ledger as the engine uses it (private to libtender): every payment,
 * every operation attempt (notifications included), the usage counters of
 * the policy, idempotency keys, leases, the outbox and the service's
 * tables, behind the interface of ledger-backend.h. The engine holds no
 * SQL: it opens a ledger, begins a unit of work, calls the operations
 * below on it and commits or rolls back.
 *
 * Durability: ledger_commit() returns only once the unit is on disk, so a
 * committed unit survives a crash; the host commits before it acknowledges
 * anything.
 *
 * Thread-safety: a ledger is shared by every thread of a host; a unit
 * belongs to the thread that began it. Never call a plugin while a unit is
 * open, and never begin twice on one thread. */
#ifndef TENDER_CORE_LEDGER_H
#define TENDER_CORE_LEDGER_H

#include <glib.h>

#include <tender/tender.h>

#include "ledger-backend.h"

G_BEGIN_DECLS

void ledger_payment_free(LedgerPayment *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LedgerPayment, ledger_payment_free)
/* A deep copy (operations not copied). */
LedgerPayment *ledger_payment_copy(const LedgerPayment *p);

/* ---- the payment row, as every backend stores it ------------------------- */

/* The columns of a payment row, in the order the backends bind them: the
 * id is parameter 1, method 2, and so on. */
#define LEDGER_PAYMENT_COLUMNS                                                                     \
    "id, method, account, tier, region, currency, exponent, status, amount, captured, "            \
    "refunded, fee, order_currency, order_amount, processor_ref, plugin_state, "                   \
    "idempotency_key, request_hash, action_kind, action_data, action_hint, "                       \
    "action_expires_ms, decline_code, decline_raw, decline_message, brand, first6, "               \
    "last4, display_account, issuer_country, details, created_ms, updated_ms, "                    \
    "authorized_ms, hold_expires_ms, busy_until_ms, busy_seq, effective_tier, exchange_rate"

/* The columns payment_update may set, each with its parameter in
 * LEDGER_PAYMENT_COLUMNS order; bit i of a change mask is entry i. */
typedef struct {
    const char *column;
    int parameter;
} LedgerColumn;
#define LEDGER_PAYMENT_CHANGEABLE 25
extern const LedgerColumn ledger_payment_changeable[LEDGER_PAYMENT_CHANGEABLE];
/* The mask of changeable columns whose value differs between old and p. */
guint32 ledger_payment_changed(const LedgerPayment *old, const LedgerPayment *p);

/* Open (creating and migrating) the ledger named by location: a file path,
 * or ":memory:". TENDER_ERROR_LEDGER on failure, naming the directory when
 * it is the ledger's directory that does not exist. */
TenderLedger *ledger_open(const char *location, GError **error);
/* Open without ever creating a file, for hosts that only read: an existing
 * ledger opens (and migrates) as with ledger_open(); a missing one is stood
 * in for by an empty ledger in memory, on which every commit fails with
 * TENDER_ERROR_LEDGER, so nothing is written anywhere, not even a -wal or
 * -shm file. A missing directory is an error either way. */
TenderLedger *ledger_open_no_create(const char *location, GError **error);
void ledger_close(TenderLedger *ledger);

static inline void ledger_set_flush(TenderLedger *ledger, gboolean flush)
{
    ledger->backend->set_flush(ledger, flush);
}

static inline gboolean ledger_copy_to(TenderLedger *ledger, const char *path, GError **error)
{
    return ledger->backend->copy_to(ledger, path, error);
}

/* How long ledger_begin() waits for a ledger another process holds
 * (ledger-backend.h: set_busy_timeout); ignored by a version-1 backend. */
static inline void ledger_set_busy_timeout(TenderLedger *ledger, gint64 timeout_ms)
{
    if (ledger->backend->struct_size >=
            G_STRUCT_OFFSET(LedgerBackend, set_busy_timeout) + sizeof(void *) &&
        ledger->backend->set_busy_timeout)
        ledger->backend->set_busy_timeout(ledger, timeout_ms);
}

/* Put on disk every unit committed before the call (ledger-backend.h:
 * flush_committed); TRUE at once for a backend with nothing to flush. Any
 * thread. */
static inline gboolean ledger_flush_committed(TenderLedger *ledger, GError **error)
{
    if (ledger->backend->struct_size <
            G_STRUCT_OFFSET(LedgerBackend, flush_committed) + sizeof(void *) ||
        ledger->backend->flush_committed == NULL)
        return TRUE;
    return ledger->backend->flush_committed(ledger, error);
}

/* ---- copies row by row (ledger-copy.c) ------------------------------------ */

/* Export every table of from into to (import_row), counting the rows in
 * *rows (may be NULL). */
gboolean ledger_copy_rows(LedgerUnit *from, LedgerUnit *to, guint64 *rows, GError **error);
/* Copy every row of source into the empty target in one unit of each,
 * committed only once both ledgers' totals agree (tender_ledger_copy;
 * shown_to names the target in messages). */
gboolean ledger_copy_between(TenderLedger *source, TenderLedger *target, const char *shown_to,
                             TenderLedgerCopyReport *report, GError **error);
/* Remove a SQLite file and its -wal and -shm, made for a copy that failed. */
void ledger_copy_remove_files(const char *path);

/* ---- the unit of work ---------------------------------------------------- */

/* A unit that writes (and locks what it reads), or NULL with error. */
static inline LedgerUnit *ledger_begin(TenderLedger *ledger, GError **error)
{
    return ledger->backend->begin(ledger, LEDGER_UNIT_WRITE, error);
}

/* A unit that only reads; end it with ledger_rollback(). */
static inline LedgerUnit *ledger_begin_read(TenderLedger *ledger, GError **error)
{
    return ledger->backend->begin(ledger, LEDGER_UNIT_READ, error);
}

/* Commit the unit durably (ledger-backend.h: LEDGER_COMMIT_DURABLE) and end
 * it. Use it before acknowledging anything. */
gboolean ledger_commit(LedgerUnit *unit, GError **error);
/* Commit an intent record (an operation about to call a plugin) and end
 * the unit: committed and safe from a process crash at once, flushed to
 * disk with the next durable commit, or before the plugin's first request
 * leaves the machine (ledger_flush_committed), whichever comes first. Not
 * for anything acknowledged. */
gboolean ledger_commit_intent(LedgerUnit *unit, GError **error);
/* Undo the unit and end it. */
void ledger_rollback(LedgerUnit *unit);

/* TRUE when error asks for the unit to be run again (LEDGER_ERROR_RETRY). */
static inline gboolean ledger_error_is_retry(const GError *error)
{
    return error != NULL && error->domain == LEDGER_ERROR && error->code == LEDGER_ERROR_RETRY;
}

/* How many times the engine runs a unit the backend aborted with
 * LEDGER_ERROR_RETRY, in all. */
#define LEDGER_RETRY_ATTEMPTS 6

/* The engine's retry loop, called with the error of a unit that failed and
 * has ended (nothing of it kept) on its attempt-th run (0 first). TRUE:
 * the error asked for a retry and attempts remain; it was cleared after a
 * pause with jitter, and the caller runs the unit again from begin. FALSE:
 * the error stands; a retry error whose attempts ran out is turned into
 * TENDER_ERROR_LEDGER, so LEDGER_ERROR never leaves the engine. */
gboolean ledger_retry_wait(guint attempt, GError **error);

/* ---- inside a unit (ledger-backend.h says what each one does) ------------ */

#define LEDGER_OP(unit) ((unit)->ledger->backend)

static inline LedgerPayment *ledger_payment_get(LedgerUnit *u, const char *id, GError **error)
{
    return LEDGER_OP(u)->payment_get(u, id, error);
}

static inline gboolean ledger_payment_insert(LedgerUnit *u, const LedgerPayment *p, GError **error)
{
    return LEDGER_OP(u)->payment_insert(u, p, error);
}

/* A new payment leased to its first operation (ledger-backend.h:
 * payment_insert_leased); sets op->seq. */
static inline gboolean ledger_payment_insert_leased(LedgerUnit *u, const LedgerPayment *p,
                                                    TenderOperation *op, const char *request_hash,
                                                    GError **error)
{
    const LedgerBackend *b = LEDGER_OP(u);
    if (b->struct_size >= G_STRUCT_OFFSET(LedgerBackend, payment_insert_leased) + sizeof(void *) &&
        b->payment_insert_leased)
        return b->payment_insert_leased(u, p, op, request_hash, error);
    return b->payment_insert(u, p, error) &&
           b->operation_insert(u, p->pub.id, op, request_hash, error) &&
           b->payment_set_lease(u, p->pub.id, p->busy_until_ms, op->seq, error);
}

/* old: the row as read in this unit, or NULL. */
static inline gboolean ledger_payment_update(LedgerUnit *u, const LedgerPayment *old,
                                             const LedgerPayment *p, GError **error)
{
    return LEDGER_OP(u)->payment_update(u, old, p, error);
}

static inline gboolean ledger_payment_set_lease(LedgerUnit *u, const char *id, gint64 busy_until_ms,
                                                gint64 busy_seq, GError **error)
{
    return LEDGER_OP(u)->payment_set_lease(u, id, busy_until_ms, busy_seq, error);
}

static inline gboolean ledger_operation_insert(LedgerUnit *u, const char *payment_id,
                                               TenderOperation *op, const char *request_hash,
                                               GError **error)
{
    return LEDGER_OP(u)->operation_insert(u, payment_id, op, request_hash, error);
}

static inline gboolean ledger_operation_update(LedgerUnit *u, const TenderOperation *op,
                                               const char *plugin_state, GError **error)
{
    return LEDGER_OP(u)->operation_update(u, op, plugin_state, error);
}

static inline GPtrArray *ledger_operations(LedgerUnit *u, const char *payment_id, GError **error)
{
    return LEDGER_OP(u)->operations(u, payment_id, error);
}

static inline TenderOperation *ledger_operation_by_key(LedgerUnit *u, const char *payment_id,
                                                       const char *kind, const char *key,
                                                       char **request_hash_out, GError **error)
{
    return LEDGER_OP(u)->operation_by_key(u, payment_id, kind, key, request_hash_out, error);
}

static inline char *ledger_key_lookup(LedgerUnit *u, const char *key, char **request_hash_out,
                                      GError **error)
{
    return LEDGER_OP(u)->key_lookup(u, key, request_hash_out, error);
}

/* A counter's value; 0 when it has none. An error is kept in the unit
 * (which then fails to commit) because the policy's lookup cannot report
 * one. */
gint64 ledger_usage_get(LedgerUnit *u, const char *key);

static inline gboolean ledger_usage_add(LedgerUnit *u, const char *key, gint64 delta,
                                        GError **error)
{
    return delta == 0 || LEDGER_OP(u)->usage_add(u, key, delta, error);
}

static inline gboolean ledger_payment_usage_add(LedgerUnit *u, const char *payment_id,
                                                const char *key, gint64 full_amount, GError **error)
{
    return LEDGER_OP(u)->payment_usage_add(u, payment_id, key, full_amount, error);
}

/* What a payment holding `held` of its `amount` counts of a charge of
 * full_amount (payment_usage_hold): scaled by held/amount, rounded up so a
 * partial hold never counts as nothing; 0 once nothing is held. */
gint64 ledger_usage_counted(gint64 full_amount, gint64 held, gint64 amount);

static inline gboolean ledger_payment_usage_hold(LedgerUnit *u, const char *payment_id, gint64 held,
                                                 gint64 amount, GError **error)
{
    return LEDGER_OP(u)->payment_usage_hold(u, payment_id, held, amount, error);
}

static inline GPtrArray *ledger_list(LedgerUnit *u, const TenderListFilter *filter,
                                     const char *after_id, gint64 after_created_ms, GError **error)
{
    return LEDGER_OP(u)->list(u, filter, after_id, after_created_ms, error);
}

static inline GPtrArray *ledger_lapsed_for_account(LedgerUnit *u, const char *account,
                                                   gint64 now_ms, GError **error)
{
    return LEDGER_OP(u)->lapsed_for_account(u, account, now_ms, error);
}

static inline GPtrArray *ledger_reconcile_candidates(LedgerUnit *u, gint64 now_ms,
                                                     gint64 pending_before_ms, gint64 wall_now_ms,
                                                     GError **error)
{
    return LEDGER_OP(u)->reconcile_candidates(u, now_ms, pending_before_ms, wall_now_ms, error);
}

G_END_DECLS

#endif
