/* The payment operations and the lifecycle they drive.
 *
 * Every operation runs in three steps, so that nothing acknowledged is lost
 * and nothing is charged twice, whichever process or thread runs it:
 *
 *  1. In one ledger transaction: check the request against the payment (the
 *     state machine and the money invariants), the idempotency key and the
 *     policy; record the operation as in flight and lease the payment (busy).
 *  2. With no lock held: call the plugin, with its deadline and NOT_SENT
 *     retries.
 *  3. In a second transaction: apply the outcome, release the lease, commit.
 *     Only then is the result returned (acknowledged).
 *
 * A crash between 1 and 3 leaves the payment leased with its operation in
 * flight; when the lease runs out the next touch (or reconcile) marks it
 * unknown and a sync settles it. */
#include <string.h>

#include <tender/decline.h>

#include "host-private.h"
#include "lifecycle.h"
#include "policy.h"
#include "redact.h"

/* ---- small helpers ------------------------------------------------------ */

static void host_log(TenderHost *host, tender_log_level level, const char *method_id,
                     const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void host_log(TenderHost *host, tender_log_level level, const char *method_id,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    host->services.log(&host->services, level, method_id, msg);
}

static void operation_clear(TenderOperation *op)
{
    g_free(op->kind);
    g_free(op->request_id);
    g_free(op->idempotency_key);
    g_free(op->outcome);
    g_free(op->decline_code);
    g_free(op->raw_code);
    g_free(op->message);
    g_free(op->processor_ref);
    g_free(op->status_after);
    memset(op, 0, sizeof *op);
}

static gint64 wall_ms(void)
{
    return g_get_real_time() / 1000;
}

char *tender_host_new_id(TenderHost *host, const char *prefix)
{
    static const char hex[] = "0123456789abcdef";
    guint8 bytes[12];
    host->services.random_bytes(&host->services, bytes, sizeof bytes);
    gsize n = strlen(prefix);
    char *id = g_malloc(n + 2 * sizeof bytes + 1);
    memcpy(id, prefix, n);
    for (gsize i = 0; i < sizeof bytes; i++) {
        id[n + 2 * i] = hex[bytes[i] >> 4];
        id[n + 2 * i + 1] = hex[bytes[i] & 15];
    }
    id[n + 2 * sizeof bytes] = '\0';
    return id;
}

static gboolean is_sensitive(const TenderMethodInfo *info, const char *key)
{
    for (int pass = 0; pass < 2; pass++) {
        GPtrArray *specs = pass == 0 ? info->params : info->action_params;
        for (guint i = 0; specs && i < specs->len; i++) {
            const TenderParamInfo *p = g_ptr_array_index(specs, i);
            if (g_strcmp0(p->name, key) == 0)
                return (p->flags & TENDER_PARAM_SENSITIVE) != 0;
        }
    }
    return FALSE;
}

/* The values of the request's sensitive parameters: scrubbed from anything
 * the plugin returns. NULL-terminated, values borrowed. */
static const char **sensitive_values(const TenderMethodInfo *info, const tender_param *params,
                                     gsize n)
{
    const char **out = g_new0(const char *, n + 1);
    gsize k = 0;
    for (gsize i = 0; i < n; i++)
        if (params[i].key && params[i].value && params[i].value[0] &&
            is_sensitive(info, params[i].key))
            out[k++] = params[i].value;
    return out;
}

/* g_ptr_array_sort hands the comparator pointers to the elements. */
static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A fingerprint of what a request asks for, to tell a replay (same key,
 * same request) from a conflict (same key, different request). Sensitive
 * values are left out: a hash of a card number is itself sensitive. */
static char *fingerprint(const TenderMethodInfo *info, const char *const *fields,
                         const tender_param *params, gsize n)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    for (gsize i = 0; fields[i] != (const char *)-1; i++) {
        g_checksum_update(sum, (const guchar *)(fields[i] ? fields[i] : "\x01"), -1);
        g_checksum_update(sum, (const guchar *)"\x1f", 1);
    }
    g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func(g_free);
    for (gsize i = 0; i < n; i++)
        if (params[i].key && !is_sensitive(info, params[i].key))
            g_ptr_array_add(pairs, g_strdup_printf("%s=%s", params[i].key,
                                                   params[i].value ? params[i].value : ""));
    g_ptr_array_sort(pairs, compare_strings);
    for (guint i = 0; i < pairs->len; i++) {
        g_checksum_update(sum, g_ptr_array_index(pairs, i), -1);
        g_checksum_update(sum, (const guchar *)"\x1e", 1);
    }
    char *hex = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    return hex;
}

static const char *outcome_name(guint32 outcome)
{
    switch (outcome) {
    case TENDER_OUTCOME_APPROVED:
        return "approved";
    case TENDER_OUTCOME_DECLINED:
        return "declined";
    case TENDER_OUTCOME_ACTION_REQUIRED:
        return "action_required";
    case TENDER_OUTCOME_PENDING:
        return "pending";
    case TENDER_OUTCOME_NOT_SENT:
        return "not_sent";
    default:
        return "unknown";
    }
}

static char *dup_field(const char *field, gsize size)
{
    return field[0] ? g_strndup(field, size) : NULL;
}

static void replace_str(char **dst, const char *field, gsize size)
{
    if (field[0] == '\0')
        return;
    g_free(*dst);
    *dst = g_strndup(field, size);
}

/* ---- calling a plugin ---------------------------------------------------- */

/* Force every string field to end inside its array and scrub secrets and
 * card numbers from the fields that are shown or stored. A plugin that put a
 * secret into plugin_state gets that state dropped: storing it would break
 * the promise that no card number reaches the ledger. */
static void sanitize_result(TenderHost *host, const char *method_id, tender_result *res,
                            const char *const *secrets)
{
#define TERMINATE(f) (res->f[sizeof res->f - 1] = '\0')
    TERMINATE(raw_code);
    TERMINATE(message);
    TERMINATE(processor_ref);
    TERMINATE(plugin_state);
    TERMINATE(action_data);
    TERMINATE(action_hint);
    TERMINATE(display_brand);
    TERMINATE(display_first6);
    TERMINATE(display_last4);
    TERMINATE(display_account);
    TERMINATE(display_country);
    TERMINATE(details);
    TERMINATE(notify_payment_id);
    TERMINATE(notify_id);
    TERMINATE(reply_content_type);
    TERMINATE(reply_body);
    TERMINATE(notify_headers);
    TERMINATE(notify_body);
#undef TERMINATE
#define SCRUB(f) tender_redact_in_place(res->f, sizeof res->f, secrets)
    SCRUB(raw_code);
    SCRUB(message);
    SCRUB(action_hint);
    SCRUB(display_account);
    SCRUB(details);
    SCRUB(display_brand);
#undef SCRUB
    /* A reference or an action payload goes back to the processor or the
     * payer, so nothing that merely looks like a card number is masked
     * there; the request's sensitive values never stay. */
    tender_redact_secrets_in_place(res->processor_ref, sizeof res->processor_ref, secrets);
    tender_redact_secrets_in_place(res->action_data, sizeof res->action_data, secrets);
    /* The state is opaque and must round-trip unchanged, so it is checked,
     * not scrubbed: a state holding a sensitive value (as a whole token, the
     * rule every redaction path shares) is dropped rather than stored. */
    for (gsize i = 0; secrets && secrets[i]; i++)
        if (tender_redact_contains(res->plugin_state, strlen(res->plugin_state), secrets[i])) {
            host_log(host, TENDER_LOG_ERROR, method_id,
                     "plugin returned a sensitive value in its state; state dropped");
            res->plugin_state[0] = '\0';
        }
    if (res->outcome == TENDER_OUTCOME_INVALID || res->outcome > TENDER_OUTCOME_LAST_)
        res->outcome = TENDER_OUTCOME_UNKNOWN;
    if (res->outcome == TENDER_OUTCOME_DECLINED &&
        (res->decline_code == TENDER_DECLINE_NONE || res->decline_code > TENDER_DECLINE_LAST_))
        res->decline_code = TENDER_DECLINE_DO_NOT_HONOR;
}

/* Call fn on the method's instance on this thread (no hand-off: the
 * deadline is measured, and a plugin is expected to give up by
 * req->deadline_ms itself). NOT_SENT is retried with exponential backoff,
 * with the same request_id so the processor can deduplicate. */
void tender_host_call_plugin(TenderHost *host, HostMethod *m, tender_operation_fn fn,
                             tender_request *req, tender_result *res, const char *const *secrets,
                             CallReport *report)
{
    gint64 deadline = tender_config_deadline_ms(host->config, m->info->id);
    guint retries = tender_config_max_retries(host->config, m->info->id);
    gint64 backoff = tender_config_retry_backoff_ms(host->config, m->info->id);
    memset(report, 0, sizeof *report);
    for (guint attempt = 1;; attempt++) {
        memset(res, 0, sizeof *res);
        res->struct_size = sizeof *res;
        req->attempt = attempt;
        req->deadline_ms = tender_host_now(host) + deadline;
        gint64 started = g_get_monotonic_time();
        if (!m->thread_safe)
            g_mutex_lock(&m->call_lock);
        tender_host_set_call_secrets(secrets);
        fn(m->instance, req, res);
        tender_host_set_call_secrets(NULL);
        if (!m->thread_safe)
            g_mutex_unlock(&m->call_lock);
        gint64 elapsed_ms = (g_get_monotonic_time() - started) / 1000;
        sanitize_result(host, m->info->id, res, secrets);
        report->attempts = attempt;
        if (elapsed_ms > deadline) {
            /* The caller may have given up on us already: do not trust the
             * outcome. The payment becomes unknown and a sync settles it;
             * the late state and reference are kept for that sync. */
            report->late = TRUE;
            host_log(host, TENDER_LOG_WARNING, m->info->id,
                     "call missed its deadline (%" G_GINT64_FORMAT " ms > %" G_GINT64_FORMAT
                     " ms); outcome treated as unknown",
                     elapsed_ms, deadline);
            return;
        }
        if (res->outcome != TENDER_OUTCOME_NOT_SENT || attempt > retries)
            return;
        g_usleep((gulong)(backoff * 1000));
        backoff *= 2;
    }
}

/* ---- applying a result ------------------------------------------------ */

/* Keep what the plugin reported for display and for its next call, then
 * let the lifecycle apply the outcome. */
static gboolean apply_result(LedgerPayment *row, const TenderMethodInfo *info, LifecycleKind kind,
                             const tender_result *res, gint64 requested, gboolean late, gint64 now,
                             GError **error)
{
    TenderPayment *p = &row->pub;
    replace_str(&p->processor_ref, res->processor_ref, sizeof res->processor_ref);
    if (res->plugin_state[0]) {
        g_free(row->plugin_state);
        row->plugin_state = g_strndup(res->plugin_state, sizeof res->plugin_state);
    }
    replace_str(&p->brand, res->display_brand, sizeof res->display_brand);
    replace_str(&p->first6, res->display_first6, sizeof res->display_first6);
    replace_str(&p->last4, res->display_last4, sizeof res->display_last4);
    replace_str(&p->display_account, res->display_account, sizeof res->display_account);
    replace_str(&p->issuer_country, res->display_country, sizeof res->display_country);
    replace_str(&p->details, res->details, sizeof res->details);
    return lifecycle_apply_result(p, &row->authorized_ms, info, kind, res, requested, late, now,
                                  error);
}

/* ---- leases (one operation at a time per payment) ------------------------ */

static gint64 lease_ms(TenderHost *host, const char *method_id)
{
    gint64 deadline = tender_config_deadline_ms(host->config, method_id);
    guint retries = tender_config_max_retries(host->config, method_id);
    gint64 backoff = tender_config_retry_backoff_ms(host->config, method_id);
    return deadline * (retries + 1) + backoff * ((1 << MIN(retries, 16u)) - 1) + 30000;
}

static void wake_waiters(TenderHost *host)
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
static gboolean take_over_lease(TenderHost *host, LedgerPayment *row, GError **error)
{
    TenderOperation op = {.seq = row->busy_seq,
                          .outcome = "unknown",
                          .message = "the process running this operation stopped before it "
                                     "finished; outcome unknown until a sync",
                          .status_after = "unknown"};
    if (row->busy_seq && !tender_ledger_operation_update(host->ledger, &op, NULL, error))
        return FALSE;
    if (!tender_status_is_terminal(row->pub.status))
        row->pub.status = TENDER_STATUS_UNKNOWN;
    row->busy_until_ms = 0;
    row->busy_seq = 0;
    return TRUE;
}

/* Begin a transaction holding payment_id, not leased by anyone else.
 * On success the transaction is open and *row_out is set. */
static gboolean begin_on_payment(TenderHost *host, const char *payment_id, LedgerPayment **row_out,
                                 GError **error)
{
    gint64 give_up = g_get_monotonic_time() + G_TIME_SPAN_MINUTE * 5;
    for (;;) {
        if (!tender_ledger_begin(host->ledger, error))
            return FALSE;
        LedgerPayment *row = tender_ledger_payment_get(host->ledger, payment_id, error);
        if (row == NULL) {
            tender_ledger_rollback(host->ledger);
            return FALSE;
        }
        if (row->busy_until_ms == 0) {
            *row_out = row;
            return TRUE;
        }
        if (row->busy_until_ms <= wall_ms()) {
            /* The lease holder stopped. Commit the take-over on its own so
             * it stands whatever the caller does next (a read rolls back),
             * then start again on the released payment. */
            TenderStatus old = row->pub.status;
            gboolean ok = take_over_lease(host, row, error) &&
                          tender_ledger_payment_update(host->ledger, row, error);
            TenderStatus taken = row->pub.status;
            ledger_payment_free(row);
            if (!ok) {
                tender_ledger_rollback(host->ledger);
                return FALSE;
            }
            if (!tender_ledger_commit(host->ledger, error))
                return FALSE;
            tender_host_emit(host, payment_id, old, taken);
            continue;
        }
        ledger_payment_free(row);
        tender_ledger_rollback(host->ledger);
        if (g_get_monotonic_time() > give_up) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_BUSY,
                        "payment '%s' is busy with another operation", payment_id);
            return FALSE;
        }
        wait_a_moment(host);
    }
}

/* Apply a lapse that is due (hold or action timeout). Returns TRUE when the
 * payment changed; inside a transaction. */
static gboolean apply_lapse(TenderHost *host, LedgerPayment *row, const TenderMethodInfo *info,
                            gint64 now, GError **error)
{
    TenderPayment *p = &row->pub;
    const char *why = lifecycle_apply_lapse(p, now);
    if (why == NULL)
        return FALSE;
    (void)info;
    g_autofree char *request_id = tender_host_new_id(host, "req_");
    TenderOperation op = {.kind = "expire",
                          .request_id = request_id,
                          .outcome = "approved",
                          .message = (char *)why,
                          .status_after = (char *)tender_status_to_string(p->status),
                          .created_ms = now};
    p->updated_ms = now;
    return tender_ledger_operation_insert(host->ledger, p->id, &op, error) &&
           tender_ledger_payment_update(host->ledger, row, error) &&
           tender_ledger_payment_usage_hold(host->ledger, p->id, lifecycle_held_amount(p), p->amount, error);
}

/* Apply the lapses that are due on an account's payments, inside the
 * caller's transaction, so a limit check never counts a hold that has
 * already lapsed. Records each change in changes (id, old, new) for the
 * listeners once the caller commits. */
typedef struct {
    char *payment_id;
    TenderStatus old_status;
    TenderStatus new_status;
} StatusChange;

static void status_change_clear(gpointer p)
{
    g_free(((StatusChange *)p)->payment_id);
}

static gboolean lapse_account(TenderHost *host, const char *account, gint64 now, GArray *changes,
                              GError **error)
{
    if (account == NULL || account[0] == '\0')
        return TRUE;
    g_autoptr(GPtrArray) ids = tender_ledger_lapsed_for_account(host->ledger, account, now, error);
    if (ids == NULL)
        return FALSE;
    for (guint i = 0; i < ids->len; i++) {
        g_autoptr(LedgerPayment) row =
            tender_ledger_payment_get(host->ledger, g_ptr_array_index(ids, i), error);
        if (row == NULL)
            return FALSE;
        const TenderMethodInfo *info = tender_host_method(host, row->pub.method);
        /* A leased payment is someone else's; its lapse waits for them. */
        if (info == NULL || row->busy_until_ms != 0)
            continue;
        TenderStatus before = row->pub.status;
        if (apply_lapse(host, row, info, now, error)) {
            StatusChange c = {g_strdup(row->pub.id), before, row->pub.status};
            g_array_append_val(changes, c);
        } else if (error && *error) {
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- building requests ----------------------------------------------------- */

static void fill_request(tender_request *req, tender_operation op, const LedgerPayment *row,
                         const char *request_id, gint64 amount)
{
    memset(req, 0, sizeof *req);
    req->struct_size = sizeof *req;
    req->operation = op;
    req->payment_id = row->pub.id;
    req->request_id = request_id;
    req->amount = amount;
    req->currency = row->pub.currency;
    req->exponent = row->pub.exponent;
    req->region = row->pub.region;
    req->account = row->pub.account ? row->pub.account : "";
    req->tier = row->pub.tier ? row->pub.tier : "";
    req->authorized_amount = row->pub.amount;
    req->captured_amount = row->pub.captured;
    req->refunded_amount = row->pub.refunded;
    req->plugin_state = row->plugin_state ? row->plugin_state : "";
    req->processor_ref = row->pub.processor_ref ? row->pub.processor_ref : "";
}

static void fill_operation_from_result(TenderOperation *op, const tender_result *res, gboolean late,
                                       const TenderPayment *p)
{
    g_free(op->outcome);
    op->outcome = g_strdup(late ? "unknown" : outcome_name(res->outcome));
    g_free(op->decline_code);
    op->decline_code = !late && res->outcome == TENDER_OUTCOME_DECLINED
                           ? g_strdup(tender_decline_lookup(res->decline_code)->name)
                           : NULL;
    g_free(op->raw_code);
    op->raw_code = dup_field(res->raw_code, sizeof res->raw_code);
    g_free(op->message);
    op->message = late ? g_strdup("the call missed its deadline; outcome unknown until a sync")
                       : dup_field(res->message, sizeof res->message);
    g_free(op->processor_ref);
    op->processor_ref = dup_field(res->processor_ref, sizeof res->processor_ref);
    g_free(op->status_after);
    op->status_after = g_strdup(tender_status_to_string(p->status));
}

/* The public payment: the row's public part with its operations; takes
 * both. */
static TenderPayment *public_from_row(LedgerPayment *row, GPtrArray *ops)
{
    TenderPayment *pub = g_new(TenderPayment, 1);
    *pub = row->pub;
    pub->operations = ops;
    memset(&row->pub, 0, sizeof row->pub);
    ledger_payment_free(row);
    return pub;
}

/* Step 3 for every operation: apply, store, release the lease, commit,
 * tell the listeners. Returns the public payment (FALSE/NULL with error
 * when the operation was refused by the processor, after recording it). */
static TenderPayment *finish_operation(TenderHost *host, HostMethod *m, const char *payment_id,
                                       TenderOperation *op, LifecycleKind kind, const tender_result *res,
                                       const CallReport *report, gint64 requested,
                                       const TenderPolicyDecision *decision, GError **error)
{
    LedgerPayment *row = NULL;
    GError *refusal = NULL;
    if (!tender_ledger_begin(host->ledger, error))
        return NULL;
    row = tender_ledger_payment_get(host->ledger, payment_id, error);
    if (row == NULL) {
        tender_ledger_rollback(host->ledger);
        return NULL;
    }
    gint64 now = tender_host_now(host);
    TenderStatus old_status =
        op->seq && kind <= LIFECYCLE_PURCHASE ? TENDER_STATUS_UNKNOWN : row->pub.status;
    apply_result(row, m->info, kind, res, requested, report->late, now, &refusal);
    row->pub.updated_ms = now;
    row->busy_until_ms = 0;
    row->busy_seq = 0;
    fill_operation_from_result(op, res, report->late, &row->pub);
    op->attempts = report->attempts;
    gboolean ok = tender_ledger_operation_update(host->ledger, op, res->plugin_state, error) &&
                  tender_ledger_payment_update(host->ledger, row, error) &&
                  tender_ledger_payment_usage_hold(host->ledger, payment_id, lifecycle_held_amount(&row->pub),
                                                   row->pub.amount, error);
    if (ok && decision && row->pub.status == TENDER_STATUS_DECLINED)
        for (guint i = 0; ok && i < decision->decline_charges->len; i++)
            ok = tender_ledger_usage_add(
                host->ledger, g_array_index(decision->decline_charges, TenderUsageCharge, i).key, 1,
                error);
    /* Read the operations back inside the transaction: the answer is built
     * from what is being committed, without reading the payment again. */
    GPtrArray *ops =
        ok && !refusal ? tender_ledger_operations(host->ledger, payment_id, error) : NULL;
    if (!ok || (!refusal && ops == NULL)) {
        tender_ledger_rollback(host->ledger);
        ledger_payment_free(row);
        g_clear_error(&refusal);
        wake_waiters(host);
        return NULL;
    }
    if (!tender_ledger_commit(host->ledger, error)) {
        ledger_payment_free(row);
        if (ops)
            g_ptr_array_unref(ops);
        g_clear_error(&refusal);
        wake_waiters(host);
        return NULL;
    }
    TenderStatus new_status = row->pub.status;
    wake_waiters(host);
    tender_host_emit(host, payment_id, old_status, new_status);
    if (refusal) {
        ledger_payment_free(row);
        g_propagate_error(error, refusal);
        return NULL;
    }
    return public_from_row(row, ops);
}

/* ---- reading ----------------------------------------------------------- */

TenderPayment *tender_host_load_public(TenderHost *host, const char *payment_id, GError **error)
{
    if (!tender_ledger_begin(host->ledger, error))
        return NULL;
    LedgerPayment *row = tender_ledger_payment_get(host->ledger, payment_id, error);
    GPtrArray *ops = row ? tender_ledger_operations(host->ledger, payment_id, error) : NULL;
    tender_ledger_rollback(host->ledger);
    if (row == NULL || ops == NULL) {
        ledger_payment_free(row);
        return NULL;
    }
    return public_from_row(row, ops);
}

static gboolean check_payment_id(const char *payment_id, GError **error)
{
    if (payment_id == NULL || payment_id[0] == '\0') {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT, "a payment id is required");
        return FALSE;
    }
    return TRUE;
}

/* Open a transaction on the payment, apply any lapse that is due and
 * commit it, then return to the caller with the transaction still open. */
static gboolean begin_and_lapse(TenderHost *host, const char *payment_id, LedgerPayment **row_out,
                                const TenderMethodInfo **info_out, GError **error)
{
    if (!check_payment_id(payment_id, error) || !begin_on_payment(host, payment_id, row_out, error))
        return FALSE;
    LedgerPayment *row = *row_out;
    const TenderMethodInfo *info = tender_host_method(host, row->pub.method);
    if (info == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_UNKNOWN_METHOD,
                    "payment '%s' belongs to method '%s', which no loaded plugin provides",
                    payment_id, row->pub.method);
        tender_ledger_rollback(host->ledger);
        ledger_payment_free(row);
        return FALSE;
    }
    *info_out = info;
    TenderStatus before = row->pub.status;
    if (apply_lapse(host, row, info, tender_host_now(host), error)) {
        /* Commit the lapse on its own: it stands whatever the caller does
         * next, then reopen for the caller. */
        if (!tender_ledger_commit(host->ledger, error)) {
            ledger_payment_free(row);
            return FALSE;
        }
        tender_host_emit(host, payment_id, before, row->pub.status);
        ledger_payment_free(row);
        return begin_and_lapse(host, payment_id, row_out, info_out, error);
    }
    if (error && *error) {
        tender_ledger_rollback(host->ledger);
        ledger_payment_free(row);
        return FALSE;
    }
    return TRUE;
}

/* TRUE when another caller holds a live lease on the payment: a read then
 * shows the payment as it stands instead of waiting for the operation. */
static gboolean leased_by_another(TenderHost *host, const char *payment_id)
{
    if (!check_payment_id(payment_id, NULL) || !tender_ledger_begin(host->ledger, NULL))
        return FALSE;
    LedgerPayment *row = tender_ledger_payment_get(host->ledger, payment_id, NULL);
    tender_ledger_rollback(host->ledger);
    gboolean leased = row && row->busy_until_ms > wall_ms();
    ledger_payment_free(row);
    return leased;
}

TenderPayment *tender_host_get(TenderHost *host, const char *payment_id, GError **error)
{
    LedgerPayment *row;
    const TenderMethodInfo *info;
    if (leased_by_another(host, payment_id))
        return tender_host_load_public(host, payment_id, error);
    if (!begin_and_lapse(host, payment_id, &row, &info, error)) {
        /* A payment of a method no longer loaded can still be read. */
        if (error && *error && (*error)->code == TENDER_ERROR_UNKNOWN_METHOD) {
            g_clear_error(error);
            return tender_host_load_public(host, payment_id, error);
        }
        return NULL;
    }
    tender_ledger_rollback(host->ledger);
    ledger_payment_free(row);
    return tender_host_load_public(host, payment_id, error);
}

GPtrArray *tender_host_list(TenderHost *host, const TenderListFilter *filter, GError **error)
{
    if (filter != NULL && !TENDER_INPUT_OK(filter, TenderListFilter, limit, error))
        return NULL;
    if (!tender_ledger_begin(host->ledger, error))
        return NULL;
    GPtrArray *list = tender_ledger_list(host->ledger, filter, error);
    tender_ledger_rollback(host->ledger);
    return list;
}

/* ---- pay ------------------------------------------------------------------ */

static gint64 usage_lookup(const char *key, gpointer ledger)
{
    return tender_ledger_usage_get(ledger, key);
}

static gboolean validate_pay(TenderHost *host, const TenderPayRequest *r, HostMethod **m_out,
                             gint64 *amount_out, GError **error)
{
    if (r != NULL && !TENDER_INPUT_OK(r, TenderPayRequest, capture, error))
        return FALSE;
    if (r == NULL || r->method == NULL || r->region == NULL || r->currency == NULL ||
        r->amount == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "a payment needs a method, a region, a currency and an amount");
        return FALSE;
    }
    if (tender_host_method(host, r->method) == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_UNKNOWN_METHOD,
                    "unknown method '%s' (see `tender plugins`)", r->method);
        return FALSE;
    }
    HostMethod *m = tender_host_method_get(host, r->method);
    if (m == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_PLUGIN,
                    "method '%s' is disabled or its plugin failed to start", r->method);
        return FALSE;
    }
    if (!tender_region_is_valid(r->region)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "unknown region '%s' (expected an ISO 3166-1 alpha-2 code such as US)",
                    r->region);
        return FALSE;
    }
    if (!tender_money_parse(r->amount, r->currency, -1, amount_out, error))
        return FALSE;
    if (*amount_out <= 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "the amount must be greater than zero");
        return FALSE;
    }
    for (gsize i = 0; i < r->n_params; i++)
        if (r->params[i].key == NULL || r->params[i].value == NULL) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                        "request parameter %zu has no key or value", i);
            return FALSE;
        }
    *m_out = m;
    return TRUE;
}

/* Wait until the payment created under an idempotency key has finished its
 * first operation, then return it. */
static TenderPayment *replay_payment(TenderHost *host, const char *payment_id, GError **error)
{
    LedgerPayment *row;
    if (!begin_on_payment(host, payment_id, &row, error))
        return NULL;
    gboolean changed = row->pub.status == TENDER_STATUS_UNKNOWN && row->busy_seq == 0;
    if (changed && !tender_ledger_payment_update(host->ledger, row, error)) {
        tender_ledger_rollback(host->ledger);
        ledger_payment_free(row);
        return NULL;
    }
    ledger_payment_free(row);
    if (!tender_ledger_commit(host->ledger, error))
        return NULL;
    return tender_host_load_public(host, payment_id, error);
}

/* The instrument's display facts from the method's describe_instrument
 * (ABI 1.1), asked before the policy runs and before any ledger work: the
 * plugin reads its own parameters, the host never does. facts is zeroed when
 * the method has no such operation or knows nothing. */
static void describe_instrument(TenderHost *host, HostMethod *m, const TenderPayRequest *r,
                                tender_result *facts)
{
    memset(facts, 0, sizeof *facts);
    tender_operation_fn fn = tender_abi_describe_instrument_fn(m->abi);
    if (fn == NULL)
        return;
    g_autofree char *request_id = tender_host_new_id(host, "req_");
    tender_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.operation = TENDER_OP_DESCRIBE_INSTRUMENT;
    req.request_id = request_id;
    req.payment_id = req.plugin_state = req.processor_ref = "";
    req.currency = r->currency;
    req.region = r->region;
    req.account = r->account ? r->account : "";
    req.tier = r->tier ? r->tier : "";
    req.params = r->params;
    req.n_params = r->n_params;
    req.deadline_ms = tender_host_now(host) + tender_config_deadline_ms(host->config, m->info->id);
    g_autofree const char **secrets = sensitive_values(m->info, r->params, r->n_params);
    CallReport report;
    tender_host_call_plugin(host, m, fn, &req, facts, secrets, &report);
    if (report.late || facts->outcome != TENDER_OUTCOME_APPROVED)
        memset(facts, 0, sizeof *facts);
}

/* The issuing country the policy sees: the operator's BIN table first (it
 * is explicit configuration), else what the plugin knows. */
static const char *issuer_country_of(TenderHost *host, const tender_result *facts)
{
    const char *configured = facts->display_first6[0]
                                 ? tender_policy_bin_country(host->config, facts->display_first6)
                                 : NULL;
    return configured ? configured : facts->display_country;
}

TenderPayment *tender_host_pay(TenderHost *host, const TenderPayRequest *r, GError **error)
{
    HostMethod *m;
    gint64 order_amount;
    if (!validate_pay(host, r, &m, &order_amount, error))
        return NULL;
    const TenderMethodInfo *info = m->info;
    guint64 caps = info->capabilities;
    gboolean use_purchase =
        (r->capture && (caps & TENDER_CAP_PURCHASE)) || !(caps & TENDER_CAP_AUTHORIZE);
    LifecycleKind kind = use_purchase ? LIFECYCLE_PURCHASE : LIFECYCLE_AUTHORIZE;

    const char *fields[] = {r->method,
                            r->region,
                            r->currency,
                            r->amount,
                            r->account ? r->account : "",
                            r->tier ? r->tier : "",
                            use_purchase ? "purchase" : "authorize",
                            (const char *)-1};
    g_autofree char *hash = fingerprint(info, fields, r->params, r->n_params);
    g_autofree tender_result *instrument = g_new(tender_result, 1);
    describe_instrument(host, m, r, instrument);

    if (!tender_ledger_begin(host->ledger, error))
        return NULL;
    if (r->idempotency_key) {
        g_autofree char *stored_hash = NULL;
        GError *local = NULL;
        g_autofree char *existing =
            tender_ledger_key_lookup(host->ledger, r->idempotency_key, &stored_hash, &local);
        if (local) {
            tender_ledger_rollback(host->ledger);
            g_propagate_error(error, local);
            return NULL;
        }
        if (existing) {
            tender_ledger_rollback(host->ledger);
            if (g_strcmp0(stored_hash, hash) != 0) {
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_IDEMPOTENCY_CONFLICT,
                            "idempotency_conflict: key '%s' was used for a different payment "
                            "request (payment %s)",
                            r->idempotency_key, existing);
                return NULL;
            }
            return replay_payment(host, existing, error);
        }
    }

    gint64 now = tender_host_now(host);
    g_autoptr(GArray) lapsed = g_array_new(FALSE, FALSE, sizeof(StatusChange));
    g_array_set_clear_func(lapsed, status_change_clear);
    if (!lapse_account(host, r->account, now, lapsed, error)) {
        tender_ledger_rollback(host->ledger);
        return NULL;
    }
    TenderPolicyBuyer buyer = {.region = r->region,
                               .currency = r->currency,
                               .amount = order_amount,
                               .account = r->account ? r->account : "",
                               .tier = r->tier ? r->tier : "",
                               .now_ms = now,
                               .issuer_country = issuer_country_of(host, instrument),
                               .brand = instrument->display_brand};
    TenderPolicyDecision decision;
    tender_policy_decision_init(&decision);
    if (!tender_policy_evaluate(host->config, info, &buyer, usage_lookup, host->ledger, &decision,
                                error)) {
        tender_ledger_rollback(host->ledger);
        tender_policy_decision_clear(&decision);
        return NULL;
    }

    g_autoptr(LedgerPayment) row = g_new0(LedgerPayment, 1);
    TenderPayment *p = &row->pub;
    p->id = tender_host_new_id(host, "pay_");
    p->method = g_strdup(info->id);
    p->account = g_strdup(r->account ? r->account : "");
    p->tier = g_strdup(r->tier ? r->tier : "");
    p->region = g_strdup(r->region);
    p->idempotency_key = g_strdup(r->idempotency_key);
    row->request_hash = g_strdup(hash);
    p->order_currency = g_strdup(r->currency);
    p->order_amount = order_amount;
    p->order_exponent = tender_currency_exponent(r->currency);
    p->exchange_rate = g_strdup(decision.exchange_rate);
    p->effective_tier = g_strdup(decision.tier ? decision.tier : "");
    p->created_ms = p->updated_ms = now;
    if (decision.pay_currency) {
        p->currency = g_strdup(decision.pay_currency);
        p->exponent = decision.pay_exponent;
        p->amount = decision.pay_amount;
        p->fee = decision.fee;
    } else {
        p->currency = g_strdup(r->currency);
        p->exponent = tender_currency_exponent(r->currency);
        p->amount = order_amount;
    }
    g_autofree char *request_id = tender_host_new_id(host, "req_");
    TenderOperation op = {.kind = g_strdup(lifecycle_kind_name(kind)),
                          .request_id = g_strdup(request_id),
                          .idempotency_key = g_strdup(r->idempotency_key),
                          .amount = p->amount,
                          .created_ms = now};
    if (decision.offered) {
        p->status = TENDER_STATUS_UNKNOWN; /* in flight until step 3 */
        row->busy_until_ms = wall_ms() + lease_ms(host, info->id);
    } else {
        /* The policy refused: recorded as declined, the plugin never called. */
        p->status = TENDER_STATUS_DECLINED;
        lifecycle_set_decline(p, decision.code, "policy", decision.reason);
        op.outcome = g_strdup("declined");
        op.decline_code = g_strdup(tender_decline_lookup(decision.code)->name);
        op.raw_code = g_strdup("policy");
        op.message = g_strdup(decision.reason);
        op.status_after = g_strdup("declined");
    }

    gboolean ok = tender_ledger_payment_insert(host->ledger, row, error) &&
                  tender_ledger_operation_insert(host->ledger, p->id, &op, error);
    for (guint i = 0; ok && i < decision.attempt_charges->len; i++)
        ok = tender_ledger_usage_add(
            host->ledger, g_array_index(decision.attempt_charges, TenderUsageCharge, i).key, 1,
            error);
    if (decision.offered) {
        for (guint i = 0; ok && i < decision.amount_charges->len; i++) {
            TenderUsageCharge *c = &g_array_index(decision.amount_charges, TenderUsageCharge, i);
            ok = tender_ledger_payment_usage_add(host->ledger, p->id, c->key, c->amount, error);
        }
        row->busy_seq = op.seq;
        ok = ok && tender_ledger_payment_set_lease(host->ledger, p->id, row->busy_until_ms,
                                                   row->busy_seq, error);
    } else {
        for (guint i = 0; ok && i < decision.decline_charges->len; i++)
            ok = tender_ledger_usage_add(
                host->ledger, g_array_index(decision.decline_charges, TenderUsageCharge, i).key, 1,
                error);
    }
    if (!ok) {
        tender_ledger_rollback(host->ledger);
        tender_policy_decision_clear(&decision);
        operation_clear(&op);
        return NULL;
    }
    /* Offered: an intent, made durable with step 3. Refused by the policy:
     * this is the answer, so it is durable before we return it. */
    gboolean committed = decision.offered ? tender_ledger_commit_intent(host->ledger, error)
                                          : tender_ledger_commit(host->ledger, error);
    if (!committed) {
        tender_policy_decision_clear(&decision);
        operation_clear(&op);
        return NULL;
    }

    for (guint i = 0; i < lapsed->len; i++) {
        StatusChange *c = &g_array_index(lapsed, StatusChange, i);
        tender_host_emit(host, c->payment_id, c->old_status, c->new_status);
    }
    TenderPayment *result;
    if (!decision.offered) {
        tender_host_emit(host, p->id, TENDER_STATUS_UNKNOWN, TENDER_STATUS_DECLINED);
        result = tender_host_load_public(host, p->id, error);
    } else {
        tender_request req;
        fill_request(&req, use_purchase ? TENDER_OP_PURCHASE : TENDER_OP_AUTHORIZE, row, request_id,
                     p->amount);
        req.params = r->params;
        req.n_params = r->n_params;
        if (decision.step_up && (caps & TENDER_CAP_STEP_UP))
            req.flags |= TENDER_REQUEST_STEP_UP;
        g_autofree const char **secrets = sensitive_values(info, r->params, r->n_params);
        tender_result *res = g_new(tender_result, 1); /* zeroed by the call */
        CallReport report;
        tender_host_call_plugin(host, m, tender_abi_operation_fn(m->abi, req.operation), &req, res,
                                secrets, &report);
        result =
            finish_operation(host, m, p->id, &op, kind, res, &report, p->amount, &decision, error);
        g_free(res);
    }
    tender_policy_decision_clear(&decision);
    operation_clear(&op);
    return result;
}

/* ---- operations on an existing payment ----------------------------------- */

typedef struct {
    LifecycleKind kind;
    const char *amount; /* capture/refund: decimal or NULL */
    const char *idempotency_key;
    const tender_param *params; /* complete */
    gsize n_params;
} OpRequest;

static TenderPayment *run_operation(TenderHost *host, const char *payment_id, const OpRequest *r,
                                    GError **error)
{
    LedgerPayment *row;
    const TenderMethodInfo *info;
    if (!begin_and_lapse(host, payment_id, &row, &info, error))
        return NULL;
    HostMethod *m = tender_host_method_get(host, info->id);
    const char *fields[] = {lifecycle_kind_name(r->kind), r->amount ? r->amount : "", (const char *)-1};
    g_autofree char *hash = fingerprint(info, fields, r->params, r->n_params);

    if (r->idempotency_key) {
        g_autofree char *stored_hash = NULL;
        TenderOperation *seen = tender_ledger_operation_by_key(
            host->ledger, payment_id, lifecycle_kind_name(r->kind), r->idempotency_key, &stored_hash, NULL);
        if (seen) {
            tender_ledger_rollback(host->ledger);
            ledger_payment_free(row);
            gboolean conflict = g_strcmp0(stored_hash, hash) != 0;
            gboolean refused = g_strcmp0(seen->outcome, "declined") == 0 ||
                               g_strcmp0(seen->outcome, "not_sent") == 0;
            tender_operation_free(seen);
            if (conflict) {
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_IDEMPOTENCY_CONFLICT,
                            "idempotency_conflict: key '%s' was used for a different %s",
                            r->idempotency_key, lifecycle_kind_name(r->kind));
                return NULL;
            }
            if (refused) {
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_DECLINED,
                            "%s with key '%s' was declined before (replayed)", lifecycle_kind_name(r->kind),
                            r->idempotency_key);
                return NULL;
            }
            return tender_host_load_public(host, payment_id, error);
        }
    }

    gint64 amount = 0;
    if (m == NULL) {
        tender_ledger_rollback(host->ledger);
        ledger_payment_free(row);
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_PLUGIN,
                    "method '%s' is disabled or its plugin failed to start", info->id);
        return NULL;
    }
    if (!lifecycle_check(&row->pub, info, r->kind, r->amount, &amount, error)) {
        tender_ledger_rollback(host->ledger);
        ledger_payment_free(row);
        return NULL;
    }
    tender_operation_fn fn = tender_abi_operation_fn(m->abi, lifecycle_kind_operation(r->kind));
    if (fn == NULL) {
        tender_ledger_rollback(host->ledger);
        ledger_payment_free(row);
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_SUPPORTED, "%s does not support %s",
                    info->id, lifecycle_kind_name(r->kind));
        return NULL;
    }

    gint64 now = tender_host_now(host);
    g_autofree char *request_id = tender_host_new_id(host, "req_");
    TenderOperation op = {.kind = g_strdup(lifecycle_kind_name(r->kind)),
                          .request_id = g_strdup(request_id),
                          .idempotency_key = g_strdup(r->idempotency_key),
                          .amount = amount,
                          .created_ms = now};
    row->busy_until_ms = wall_ms() + lease_ms(host, info->id);
    gboolean ok = tender_ledger_operation_insert(host->ledger, payment_id, &op, error) &&
                  tender_ledger_operation_set_hash(host->ledger, op.seq, hash, error);
    row->busy_seq = op.seq;
    ok = ok && tender_ledger_payment_set_lease(host->ledger, payment_id, row->busy_until_ms,
                                               row->busy_seq, error);
    if (!ok) {
        tender_ledger_rollback(host->ledger);
    } else {
        /* The intent: safe from a process crash now, flushed with step 3. */
        ok = tender_ledger_commit_intent(host->ledger, error);
    }
    TenderPayment *result = NULL;
    if (ok) {
        tender_request req;
        fill_request(&req, lifecycle_kind_operation(r->kind), row, request_id, amount);
        req.params = r->params;
        req.n_params = r->n_params;
        g_autofree const char **secrets = sensitive_values(info, r->params, r->n_params);
        tender_result *res = g_new(tender_result, 1); /* zeroed by the call */
        CallReport report;
        tender_host_call_plugin(host, m, fn, &req, res, secrets, &report);
        result =
            finish_operation(host, m, payment_id, &op, r->kind, res, &report, amount, NULL, error);
        g_free(res);
    }
    ledger_payment_free(row);
    operation_clear(&op);
    return result;
}

TenderPayment *tender_host_capture(TenderHost *host, const char *payment_id, const char *amount,
                                   const char *idempotency_key, GError **error)
{
    OpRequest r = {.kind = LIFECYCLE_CAPTURE,
                   .amount = amount,
                   .idempotency_key = idempotency_key};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_void(TenderHost *host, const char *payment_id,
                                const char *idempotency_key, GError **error)
{
    OpRequest r = {.kind = LIFECYCLE_VOID,
                   .idempotency_key = idempotency_key};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_refund(TenderHost *host, const char *payment_id, const char *amount,
                                  const char *idempotency_key, GError **error)
{
    OpRequest r = {.kind = LIFECYCLE_REFUND,
                   .amount = amount,
                   .idempotency_key = idempotency_key};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_complete(TenderHost *host, const char *payment_id,
                                    const tender_param *params, gsize n_params, GError **error)
{
    OpRequest r = {.kind = LIFECYCLE_COMPLETE,
                   .params = params,
                   .n_params = n_params};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_run_sync(TenderHost *host, const char *payment_id, gboolean reconciling,
                                    GError **error)
{
    (void)reconciling;
    OpRequest r = {.kind = LIFECYCLE_SYNC};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_sync(TenderHost *host, const char *payment_id, GError **error)
{
    return tender_host_run_sync(host, payment_id, FALSE, error);
}

/* ---- used by notify.c ------------------------------------------------------ */

TenderPayment *tender_host_apply_notification(TenderHost *host, HostMethod *m,
                                              const char *payment_id, const tender_param *headers,
                                              gsize n_headers, const char *body, gsize body_len,
                                              const char *notify_id, tender_result *res,
                                              gboolean *duplicate, GError **error)
{
    LedgerPayment *row;
    *duplicate = FALSE;
    if (!begin_on_payment(host, payment_id, &row, error))
        return NULL;
    /* Providers repeat notifications: one already applied changes nothing.
     * The operations table's unique key (payment, kind, key) makes this
     * hold across processes too. */
    TenderOperation *seen =
        notify_id && notify_id[0]
            ? tender_ledger_operation_by_key(host->ledger, payment_id, "notification", notify_id,
                                             NULL, NULL)
            : NULL;
    if (seen) {
        tender_operation_free(seen);
        tender_ledger_rollback(host->ledger);
        ledger_payment_free(row);
        *duplicate = TRUE;
        return tender_host_load_public(host, payment_id, error);
    }
    if (g_strcmp0(row->pub.method, m->info->id) != 0) {
        tender_ledger_rollback(host->ledger);
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT,
                    "payment %s is of method %s, not %s", payment_id,
                    row->pub.method, m->info->id);
        ledger_payment_free(row);
        return NULL;
    }
    gint64 now = tender_host_now(host);
    g_autofree char *request_id = tender_host_new_id(host, "req_");
    TenderOperation op = {.kind = g_strdup("notification"),
                          .request_id = g_strdup(request_id),
                          .idempotency_key = notify_id && notify_id[0] ? g_strdup(notify_id) : NULL,
                          .created_ms = now};
    row->busy_until_ms = wall_ms() + lease_ms(host, m->info->id);
    gboolean ok = tender_ledger_operation_insert(host->ledger, payment_id, &op, error);
    row->busy_seq = op.seq;
    ok = ok && tender_ledger_payment_set_lease(host->ledger, payment_id, row->busy_until_ms,
                                               row->busy_seq, error);
    if (ok)
        ok = tender_ledger_commit_intent(host->ledger, error);
    else
        tender_ledger_rollback(host->ledger);
    TenderPayment *result = NULL;
    if (ok) {
        tender_request req;
        fill_request(&req, TENDER_OP_NOTIFICATION, row, request_id, row->pub.amount);
        req.headers = headers;
        req.n_headers = n_headers;
        req.body = body;
        req.body_len = body_len;
        CallReport report;
        tender_host_call_plugin(host, m, tender_abi_operation_fn(m->abi, TENDER_OP_NOTIFICATION),
                                &req, res, NULL, &report);
        result = finish_operation(host, m, payment_id, &op, LIFECYCLE_NOTIFICATION, res, &report, 0,
                                  NULL, error);
    }
    ledger_payment_free(row);
    operation_clear(&op);
    return result;
}
