/* Leases and lapses: one operation at a time per payment, and the clock's
 * effect on a payment nobody touches.
 *
 * A lease (busy_until_ms, busy_seq on the payment row) is taken in step 1
 * of every operation and released in step 3. It runs on the wall clock
 * because other processes share the ledger. A lease past its end means its
 * holder stopped: the next caller takes it over, marking the operation and
 * the payment unknown until a sync.
 *
 * A lapse is a hold or an action that ran out (lifecycle_apply_lapse says
 * which); it is applied and recorded as an "expire" operation the next time
 * the payment, or a new payment of the same account, is touched. */
#include "engine-private.h"
#include "ledger-service.h"

gint64 host_wall_ms(void)
{
    return g_get_real_time() / 1000;
}

gint64 host_lease_ms(TenderHost *host, const char *method_id)
{
    gint64 deadline = config_deadline_ms(host->config, method_id);
    guint retries = config_max_retries(host->config, method_id);
    gint64 backoff = config_retry_backoff_ms(host->config, method_id);
    return deadline * (retries + 1) + backoff * ((1 << MIN(retries, 16u)) - 1) + 30000;
}

void host_wake_waiters(TenderHost *host)
{
    g_mutex_lock(&host->busy_lock);
    g_cond_broadcast(&host->busy_cond);
    g_mutex_unlock(&host->busy_lock);
}

static void wait_a_moment(TenderHost *host)
{
    /* Woken at once by this process; other processes are polled. */
    g_mutex_lock(&host->busy_lock);
    g_cond_wait_until(&host->busy_cond, &host->busy_lock, g_get_monotonic_time() + 5 * 1000);
    g_mutex_unlock(&host->busy_lock);
}

/* An operation left in flight by a process that died: its outcome is
 * unknown, and so is the payment's until a sync. */
static gboolean take_over_lease(LedgerUnit *unit, LedgerPayment *row, GError **error)
{
    TenderOperation op = {.seq = row->busy_seq,
                          .outcome = "unknown",
                          .message = "the process running this operation stopped before it "
                                     "finished; outcome unknown until a sync",
                          .status_after = "unknown"};
    if (row->busy_seq && !ledger_operation_update(unit, &op, NULL, error))
        return FALSE;
    if (!tender_status_is_terminal(row->pub.status))
        row->pub.status = TENDER_STATUS_UNKNOWN;
    row->busy_until_ms = 0;
    row->busy_seq = 0;
    return TRUE;
}

/* Begin a unit holding payment_id, not leased by anyone else. On
 * success the unit is open and *row_out is set. */
LedgerUnit *host_begin_on_payment(TenderHost *host, const char *payment_id, LedgerPayment **row_out,
                                  GError **error)
{
    gint64 give_up = g_get_monotonic_time() + G_TIME_SPAN_MINUTE * 5;
    for (;;) {
        LedgerUnit *unit = ledger_begin(host->ledger, error);
        if (unit == NULL)
            return NULL;
        LedgerPayment *row = ledger_payment_get(unit, payment_id, error);
        if (row == NULL) {
            ledger_rollback(unit);
            return NULL;
        }
        if (row->busy_until_ms == 0) {
            *row_out = row;
            return unit;
        }
        if (row->busy_until_ms <= host_wall_ms()) {
            /* The lease holder stopped. Commit the take-over on its own so
             * it stands whatever the caller does next (a read rolls back),
             * then start again on the released payment. */
            TenderStatus old = row->pub.status;
            gboolean ok = take_over_lease(unit, row, error) &&
                          ledger_payment_update(unit, NULL, row, error) &&
                          ledger_event_add(unit, &row->pub, old, tender_host_now(host), error);
            TenderStatus taken = row->pub.status;
            ledger_payment_free(row);
            if (!ok) {
                ledger_rollback(unit);
                return NULL;
            }
            if (!ledger_commit(unit, error))
                return NULL;
            host_emit(host, payment_id, old, taken);
            continue;
        }
        ledger_payment_free(row);
        ledger_rollback(unit);
        if (g_get_monotonic_time() > give_up) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_BUSY,
                        "payment '%s' is busy with another operation", payment_id);
            return NULL;
        }
        wait_a_moment(host);
    }
}

/* Apply a lapse that is due (hold or action timeout). Returns TRUE when the
 * payment changed; inside a unit. */
static gboolean apply_lapse(TenderHost *host, LedgerUnit *unit, LedgerPayment *row, gint64 now,
                            GError **error)
{
    TenderPayment *p = &row->pub;
    TenderStatus before = p->status;
    const char *why = lifecycle_apply_lapse(p, now);
    if (why == NULL)
        return FALSE;
    g_autofree char *request_id = host_new_id(host, "req_");
    TenderOperation op = {.kind = "expire",
                          .request_id = request_id,
                          .outcome = "approved",
                          .message = (char *)why,
                          .status_after = (char *)tender_status_to_string(p->status),
                          .created_ms = now};
    p->updated_ms = now;
    return ledger_operation_insert(unit, p->id, &op, NULL, error) &&
           ledger_payment_update(unit, NULL, row, error) &&
           ledger_event_add(unit, p, before, now, error) &&
           ledger_payment_usage_hold(unit, p->id, lifecycle_held_amount(p), p->amount, error);
}

/* Apply the lapses that are due on an account's payments, inside the
 * caller's transaction, so a limit check never counts a hold that has
 * already lapsed. Records each change in changes (id, old, new) for the
 * listeners once the caller commits. */
void host_status_change_clear(gpointer change)
{
    g_free(((HostStatusChange *)change)->payment_id);
}

gboolean host_lapse_account(TenderHost *host, LedgerUnit *unit, const char *account, gint64 now,
                            GArray *changes, GError **error)
{
    if (account == NULL || account[0] == '\0')
        return TRUE;
    g_autoptr(GPtrArray) ids = ledger_lapsed_for_account(unit, account, now, error);
    if (ids == NULL)
        return FALSE;
    for (guint i = 0; i < ids->len; i++) {
        g_autoptr(LedgerPayment) row = ledger_payment_get(unit, g_ptr_array_index(ids, i), error);
        if (row == NULL)
            return FALSE;
        const TenderMethodInfo *info = tender_host_method(host, row->pub.method);
        /* A leased payment is someone else's; its lapse waits for them. */
        if (info == NULL || row->busy_until_ms != 0)
            continue;
        TenderStatus before = row->pub.status;
        if (apply_lapse(host, unit, row, now, error)) {
            HostStatusChange c = {g_strdup(row->pub.id), before, row->pub.status};
            g_array_append_val(changes, c);
        } else if (error && *error) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean check_payment_id(const char *payment_id, GError **error)
{
    if (payment_id == NULL || payment_id[0] == '\0') {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT, "a payment id is required");
        return FALSE;
    }
    return TRUE;
}

/* Open a unit on the payment, apply any lapse that is due and commit it,
 * then return to the caller with a unit still open. */
LedgerUnit *host_begin_and_lapse(TenderHost *host, const char *payment_id, LedgerPayment **row_out,
                                 const TenderMethodInfo **info_out, GError **error)
{
    if (!check_payment_id(payment_id, error))
        return NULL;
    LedgerUnit *unit = host_begin_on_payment(host, payment_id, row_out, error);
    if (unit == NULL)
        return NULL;
    LedgerPayment *row = *row_out;
    const TenderMethodInfo *info = tender_host_method(host, row->pub.method);
    if (info == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_UNKNOWN_METHOD,
                    "payment '%s' belongs to method '%s', which no loaded plugin provides",
                    payment_id, row->pub.method);
        ledger_rollback(unit);
        ledger_payment_free(row);
        return NULL;
    }
    *info_out = info;
    TenderStatus before = row->pub.status;
    if (apply_lapse(host, unit, row, tender_host_now(host), error)) {
        /* Commit the lapse on its own: it stands whatever the caller does
         * next, then reopen for the caller. */
        if (!ledger_commit(unit, error)) {
            ledger_payment_free(row);
            return NULL;
        }
        host_emit(host, payment_id, before, row->pub.status);
        ledger_payment_free(row);
        return host_begin_and_lapse(host, payment_id, row_out, info_out, error);
    }
    if (error && *error) {
        ledger_rollback(unit);
        ledger_payment_free(row);
        return NULL;
    }
    return unit;
}

/* TRUE when another caller holds a live lease on the payment: a read then
 * shows the payment as it stands instead of waiting for the operation. */
gboolean host_leased_by_another(TenderHost *host, const char *payment_id)
{
    LedgerUnit *unit =
        check_payment_id(payment_id, NULL) ? ledger_begin_read(host->ledger, NULL) : NULL;
    if (unit == NULL)
        return FALSE;
    LedgerPayment *row = ledger_payment_get(unit, payment_id, NULL);
    ledger_rollback(unit);
    gboolean leased = row && row->busy_until_ms > host_wall_ms();
    ledger_payment_free(row);
    return leased;
}
