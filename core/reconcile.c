/* Reconciliation: settle every payment whose outcome is unknown, re-sync
 * pending ones that have waited too long, and apply lapses that are due
 * (holds, payer actions, leases of stopped processes). Safe to run from
 * several processes at once: each payment is settled under its lease. */
#include "host-private.h"

gboolean tender_host_reconcile(TenderHost *host, TenderReconcileReport *report, GError **error)
{
    TenderReconcileReport local = {0};
    gint64 now = tender_host_now(host);
    LedgerUnit *unit = ledger_begin_read(host->ledger, error);
    if (unit == NULL)
        return FALSE;
    GPtrArray *ids = ledger_reconcile_candidates(
        unit, now, now - config_reconcile_age_ms(host->config), g_get_real_time() / 1000, error);
    ledger_rollback(unit);
    if (ids == NULL)
        return FALSE;
    for (guint i = 0; i < ids->len; i++) {
        const char *id = g_ptr_array_index(ids, i);
        GError *local_error = NULL;
        local.examined++;
        /* Reading applies any lapse and takes over an abandoned lease. */
        TenderPayment *before = tender_host_get(host, id, &local_error);
        if (before == NULL) {
            local.errors++;
            g_warning("reconcile: %s: %s", id, local_error->message);
            g_clear_error(&local_error);
            continue;
        }
        TenderStatus status = before->status;
        const TenderMethodInfo *info = tender_host_method(host, before->method);
        if (status == TENDER_STATUS_EXPIRED || status == TENDER_STATUS_CAPTURED)
            local.expired++;
        gboolean open = status == TENDER_STATUS_UNKNOWN || status == TENDER_STATUS_PENDING;
        if (open && info && (info->capabilities & TENDER_CAP_SYNC)) {
            TenderPayment *after = host_run_sync(host, id, TRUE, &local_error);
            if (after == NULL) {
                local.errors++;
                g_warning("reconcile: sync %s: %s", id, local_error->message);
                g_clear_error(&local_error);
            } else {
                if (after->status != status)
                    local.resolved++;
                if (after->status == TENDER_STATUS_UNKNOWN ||
                    after->status == TENDER_STATUS_PENDING)
                    local.still_open++;
                tender_payment_free(after);
            }
        } else if (open) {
            local.still_open++;
        }
        tender_payment_free(before);
    }
    g_ptr_array_unref(ids);
    if (report)
        *report = local;
    return TRUE;
}
