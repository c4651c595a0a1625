/* The operation skeleton, and the operations on an existing payment.
 *
 * Every operation runs in three steps, so that nothing acknowledged is lost
 * and nothing is charged twice, whichever process or thread runs it:
 *
 *  1. In one ledger transaction: check the request against the payment (the
 *     lifecycle), the idempotency key (and for a new payment the policy);
 *     record the operation as in flight and lease the payment
 *     (host_op_record_intent).
 *  2. With no lock held: call the plugin, with its deadline, NOT_SENT
 *     retries and a sanitised result (call.c).
 *  3. In a second transaction: apply the outcome (lifecycle.c), release the
 *     lease, commit (host_op_call_and_finish). Only then is the result
 *     returned (acknowledged).
 *
 * Pay (pay.c), capture, void, refund, complete, sync and a notification's
 * apply step all take steps 1's end, 2 and 3 from here; they differ only in
 * how step 1 finds (or creates) the payment and checks the request.
 *
 * A crash between 1 and 3 leaves the payment leased with its operation in
 * flight; when the lease runs out the next touch (or reconcile) marks it
 * unknown and a sync settles it (lease.c). */
#include <string.h>

#include <tender/decline.h>

#include "engine-private.h"
#include "ledger-service.h"

void host_operation_clear(TenderOperation *op)
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

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A fingerprint of what a request asks for, to tell a replay (same key,
 * same request) from a conflict (same key, different request). Sensitive
 * values are left out: a hash of a card number is itself sensitive. */
char *host_fingerprint(const TenderMethodInfo *info, const char *const *fields,
                       const tender_param *params, gsize n)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    for (gsize i = 0; fields[i] != (const char *)-1; i++) {
        g_checksum_update(sum, (const guchar *)(fields[i] ? fields[i] : "\x01"), -1);
        g_checksum_update(sum, (const guchar *)"\x1f", 1);
    }
    g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func(g_free);
    for (gsize i = 0; i < n; i++)
        if (params[i].key && !host_param_is_sensitive(info, params[i].key))
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

/* A new payment's operations: only the one the skeleton holds, as it is
 * being stored, so the answer needs no read of the operations table. */
static GPtrArray *only_operation(const TenderOperation *op)
{
    TenderOperation *c = g_new(TenderOperation, 1);
    *c = *op;
    c->kind = g_strdup(op->kind);
    c->request_id = g_strdup(op->request_id);
    c->idempotency_key = g_strdup(op->idempotency_key);
    c->outcome = g_strdup(op->outcome);
    c->decline_code = g_strdup(op->decline_code);
    c->raw_code = g_strdup(op->raw_code);
    c->message = g_strdup(op->message);
    c->processor_ref = g_strdup(op->processor_ref);
    c->status_after = g_strdup(op->status_after);
    GPtrArray *ops = g_ptr_array_new_with_free_func((GDestroyNotify)tender_operation_free);
    g_ptr_array_add(ops, c);
    return ops;
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

/* One run of step 3 (finish_operation); *committed tells whether it got
 * as far as the commit, after which nothing is run again. */
static TenderPayment *finish_attempt(TenderHost *host, HostMethod *m, const char *payment_id,
                                     TenderOperation *op, LifecycleKind kind,
                                     const tender_result *res, const CallReport *report,
                                     gint64 requested, const TenderPolicyDecision *decision,
                                     gboolean *committed, GError **error)
{
    LedgerPayment *row = NULL;
    GError *refusal = NULL;
    *committed = FALSE;
    LedgerUnit *unit = ledger_begin(host->ledger, error);
    if (unit == NULL)
        return NULL;
    row = ledger_payment_get(unit, payment_id, error);
    if (row == NULL) {
        ledger_rollback(unit);
        return NULL;
    }
    gint64 now = tender_host_now(host);
    TenderStatus old_status =
        op->seq && kind <= LIFECYCLE_PURCHASE ? TENDER_STATUS_UNKNOWN : row->pub.status;
    g_autoptr(LedgerPayment) as_read = ledger_payment_copy(row);
    apply_result(row, m->info, kind, res, requested, report->late, now, &refusal);
    row->pub.updated_ms = now;
    row->busy_until_ms = 0;
    row->busy_seq = 0;
    fill_operation_from_result(op, res, report->late, &row->pub);
    op->attempts = report->attempts;
    gboolean ok = ledger_operation_update(unit, op, res->plugin_state, error) &&
                  ledger_payment_update(unit, as_read, row, error) &&
                  ledger_payment_usage_hold(unit, payment_id, lifecycle_held_amount(&row->pub),
                                            row->pub.amount, error);
    /* The outbox event of the change, in the same transaction (tenderd
     * delivers it). */
    if (ok)
        ok = ledger_event_add(unit, &row->pub, old_status, now, error);
    /* A renewed authorization changes no status but is news to the
     * merchant: its own event, carrying the new authorization's id. */
    if (ok && kind == LIFECYCLE_REAUTHORIZE && !refusal && !report->late &&
        res->outcome == TENDER_OUTCOME_APPROVED)
        ok = ledger_event_add_typed(unit, &row->pub, old_status, LEDGER_EVENT_REAUTHORIZED, now,
                                    error);
    if (ok && decision && row->pub.status == TENDER_STATUS_DECLINED)
        for (guint i = 0; ok && i < decision->decline_charges->len; i++)
            ok = ledger_usage_add(
                unit, g_array_index(decision->decline_charges, TenderUsageCharge, i).key, 1, error);
    /* The answer is built from what is being committed: a new payment's
     * one operation is the one in hand; an older payment's are read back
     * inside the unit. */
    GPtrArray *ops = NULL;
    if (ok && !refusal)
        ops = kind <= LIFECYCLE_PURCHASE ? only_operation(op)
                                         : ledger_operations(unit, payment_id, error);
    if (!ok || (!refusal && ops == NULL)) {
        ledger_rollback(unit);
        ledger_payment_free(row);
        g_clear_error(&refusal);
        host_wake_waiters(host);
        return NULL;
    }
    if (!ledger_commit(unit, error)) {
        ledger_payment_free(row);
        if (ops)
            g_ptr_array_unref(ops);
        g_clear_error(&refusal);
        host_wake_waiters(host);
        return NULL;
    }
    *committed = TRUE;
    TenderStatus new_status = row->pub.status;
    host_wake_waiters(host);
    host_emit(host, payment_id, old_status, new_status);
    if (refusal) {
        ledger_payment_free(row);
        g_propagate_error(error, refusal);
        return NULL;
    }
    return public_from_row(row, ops);
}

/* Step 3 for every operation: apply, store, release the lease, commit,
 * tell the listeners. Returns the public payment (FALSE/NULL with error
 * when the operation was refused by the processor, after recording it).
 * The plugin has answered by now, so a unit the ledger aborted
 * (LEDGER_ERROR_RETRY) is run again: it reads the payment afresh and the
 * lease is still this operation's, since nothing of the unit was kept. */
static TenderPayment *finish_operation(TenderHost *host, HostMethod *m, const char *payment_id,
                                       TenderOperation *op, LifecycleKind kind,
                                       const tender_result *res, const CallReport *report,
                                       gint64 requested, const TenderPolicyDecision *decision,
                                       GError **error)
{
    for (guint attempt = 0;; attempt++) {
        gboolean committed;
        GError *local = NULL;
        TenderPayment *p = finish_attempt(host, m, payment_id, op, kind, res, report, requested,
                                          decision, &committed, &local);
        if (committed || p != NULL || !ledger_retry_wait(attempt, &local)) {
            if (local)
                g_propagate_error(error, local);
            return p;
        }
    }
}

/* ---- the skeleton ---------------------------------------------------------- */

void host_op_clear(HostOp *op)
{
    g_clear_pointer(&op->request_id, g_free);
    host_operation_clear(&op->record);
}

gboolean host_op_record_intent(TenderHost *host, LedgerUnit *unit, LedgerPayment *row, HostOp *op,
                               GError **error)
{
    const char *payment_id = row->pub.id;
    op->request_id = host_new_id(host, "req_");
    op->record = (TenderOperation){.kind = g_strdup(lifecycle_kind_name(op->kind)),
                                   .request_id = g_strdup(op->request_id),
                                   .idempotency_key = g_strdup(op->idempotency_key),
                                   .amount = op->amount,
                                   .created_ms = tender_host_now(host)};
    row->busy_until_ms = host_wall_ms() + host_lease_ms(host, row->pub.method);
    gboolean ok;
    if (op->new_payment) {
        /* A new payment is written once, already leased to this operation
         * (the lease's seq exists only once the operation does). */
        ok = ledger_payment_insert_leased(unit, row, &op->record, op->hash, error);
        row->busy_seq = op->record.seq;
    } else {
        ok = ledger_operation_insert(unit, payment_id, &op->record, op->hash, error);
        row->busy_seq = op->record.seq;
        ok = ok && ledger_payment_set_lease(unit, payment_id, row->busy_until_ms, row->busy_seq,
                                            error);
    }
    if (!ok) {
        ledger_rollback(unit);
        return FALSE;
    }
    /* The intent: safe from a process crash now, flushed with step 3. */
    return ledger_commit_intent(unit, error);
}

TenderPayment *host_op_call_and_finish(TenderHost *host, HostMethod *m, const LedgerPayment *row,
                                       HostOp *op, tender_result *res_out, GError **error)
{
    tender_request req;
    fill_request(&req, lifecycle_kind_operation(op->kind), row, op->request_id,
                 op->kind == LIFECYCLE_NOTIFICATION ? row->pub.amount : op->amount);
    req.params = op->params;
    req.n_params = op->n_params;
    req.headers = op->headers;
    req.n_headers = op->n_headers;
    req.body = op->body;
    req.body_len = op->body_len;
    req.flags = op->flags;
    g_autofree const char **secrets = host_sensitive_values(m->info, op->params, op->n_params);
    g_autofree tender_result *own = res_out ? NULL : g_new(tender_result, 1);
    tender_result *res = res_out ? res_out : own; /* zeroed by the call */
    CallReport report;
    host_call_plugin(host, m, abi_operation_fn(m->abi, req.operation), &req, res, secrets, &report);
    return finish_operation(host, m, row->pub.id, &op->record, op->kind, res, &report, op->amount,
                            op->decision, error);
}

/* ---- reading ----------------------------------------------------------- */

TenderPayment *host_load_public(TenderHost *host, const char *payment_id, GError **error)
{
    LedgerUnit *unit = ledger_begin_read(host->ledger, error);
    if (unit == NULL)
        return NULL;
    LedgerPayment *row = ledger_payment_get(unit, payment_id, error);
    GPtrArray *ops = row ? ledger_operations(unit, payment_id, error) : NULL;
    ledger_rollback(unit);
    if (row == NULL || ops == NULL) {
        ledger_payment_free(row);
        return NULL;
    }
    return public_from_row(row, ops);
}

TenderPayment *tender_host_get(TenderHost *host, const char *payment_id, GError **error)
{
    LedgerPayment *row;
    const TenderMethodInfo *info;
    if (host_leased_by_another(host, payment_id))
        return host_load_public(host, payment_id, error);
    LedgerUnit *unit = host_begin_and_lapse(host, payment_id, &row, &info, error);
    if (unit == NULL) {
        /* A payment of a method no longer loaded can still be read. */
        if (error && *error && (*error)->code == TENDER_ERROR_UNKNOWN_METHOD) {
            g_clear_error(error);
            return host_load_public(host, payment_id, error);
        }
        return NULL;
    }
    ledger_rollback(unit);
    ledger_payment_free(row);
    return host_load_public(host, payment_id, error);
}

GPtrArray *tender_host_list(TenderHost *host, const TenderListFilter *filter, GError **error)
{
    if (filter != NULL && !TENDER_INPUT_OK(filter, TenderListFilter, limit, error))
        return NULL;
    /* after_id is read only when the caller's struct has it. */
    const char *after_id =
        filter != NULL && filter->struct_size >=
                              offsetof(TenderListFilter, after_id) + sizeof filter->after_id
            ? filter->after_id
            : NULL;
    LedgerUnit *unit = ledger_begin_read(host->ledger, error);
    if (unit == NULL)
        return NULL;
    gint64 after_ms = 0;
    if (after_id != NULL) {
        g_autoptr(LedgerPayment) after = ledger_payment_get(unit, after_id, error);
        if (after == NULL) {
            ledger_rollback(unit);
            if (error && *error == NULL)
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no payment %s", after_id);
            return NULL;
        }
        after_ms = after->pub.created_ms;
    }
    GPtrArray *list = ledger_list(unit, filter, after_id, after_ms, error);
    ledger_rollback(unit);
    return list;
}

/* ---- operations on an existing payment ----------------------------------- */

typedef struct {
    LifecycleKind kind;
    const char *amount; /* capture/refund: decimal or NULL */
    const char *idempotency_key;
    const tender_param *params; /* complete */
    gsize n_params;
} OpRequest;

/* One run of an operation on an existing payment; *called tells whether
 * its intent was committed (and the plugin called), after which it is not
 * run again. */
static TenderPayment *operation_attempt(TenderHost *host, const char *payment_id,
                                        const OpRequest *r, gboolean *called, GError **error)
{
    LedgerPayment *row;
    const TenderMethodInfo *info;
    LedgerUnit *unit = host_begin_and_lapse(host, payment_id, &row, &info, error);
    if (unit == NULL)
        return NULL;
    HostMethod *m = host_method_get(host, info->id);
    const char *fields[] = {lifecycle_kind_name(r->kind), r->amount ? r->amount : "",
                            (const char *)-1};
    g_autofree char *hash = host_fingerprint(info, fields, r->params, r->n_params);

    if (r->idempotency_key) {
        g_autofree char *stored_hash = NULL;
        TenderOperation *seen = ledger_operation_by_key(
            unit, payment_id, lifecycle_kind_name(r->kind), r->idempotency_key, &stored_hash, NULL);
        if (seen) {
            ledger_rollback(unit);
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
                            "%s with key '%s' was declined before (replayed)",
                            lifecycle_kind_name(r->kind), r->idempotency_key);
                return NULL;
            }
            return host_load_public(host, payment_id, error);
        }
    }

    gint64 amount = 0;
    if (m == NULL) {
        ledger_rollback(unit);
        ledger_payment_free(row);
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_PLUGIN,
                    "method '%s' is disabled or its plugin failed to start", info->id);
        return NULL;
    }
    if (!lifecycle_check(&row->pub, info, r->kind, r->amount, &amount, error)) {
        ledger_rollback(unit);
        ledger_payment_free(row);
        return NULL;
    }
    tender_operation_fn fn = abi_operation_fn(m->abi, lifecycle_kind_operation(r->kind));
    if (fn == NULL) {
        ledger_rollback(unit);
        ledger_payment_free(row);
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_SUPPORTED, "%s does not support %s",
                    info->id, lifecycle_kind_name(r->kind));
        return NULL;
    }

    HostOp op = {.kind = r->kind,
                 .amount = amount,
                 .idempotency_key = r->idempotency_key,
                 .hash = hash,
                 .params = r->params,
                 .n_params = r->n_params};
    TenderPayment *result = NULL;
    if (host_op_record_intent(host, unit, row, &op, error)) {
        *called = TRUE;
        result = host_op_call_and_finish(host, m, row, &op, NULL, error);
    }
    ledger_payment_free(row);
    host_op_clear(&op);
    return result;
}

/* Step 1 reads everything it decides on inside its unit, so a unit the
 * ledger aborted (LEDGER_ERROR_RETRY) is simply run again. */
static TenderPayment *run_operation(TenderHost *host, const char *payment_id, const OpRequest *r,
                                    GError **error)
{
    for (guint attempt = 0;; attempt++) {
        gboolean called = FALSE;
        GError *local = NULL;
        TenderPayment *p = operation_attempt(host, payment_id, r, &called, &local);
        if (called || p != NULL || !ledger_retry_wait(attempt, &local)) {
            if (local)
                g_propagate_error(error, local);
            return p;
        }
    }
}

TenderPayment *tender_host_capture(TenderHost *host, const char *payment_id, const char *amount,
                                   const char *idempotency_key, GError **error)
{
    OpRequest r = {.kind = LIFECYCLE_CAPTURE, .amount = amount, .idempotency_key = idempotency_key};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_void(TenderHost *host, const char *payment_id,
                                const char *idempotency_key, GError **error)
{
    OpRequest r = {.kind = LIFECYCLE_VOID, .idempotency_key = idempotency_key};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_refund(TenderHost *host, const char *payment_id, const char *amount,
                                  const char *idempotency_key, GError **error)
{
    OpRequest r = {.kind = LIFECYCLE_REFUND, .amount = amount, .idempotency_key = idempotency_key};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_reauthorize(TenderHost *host, const char *payment_id, const char *amount,
                                       const char *idempotency_key, GError **error)
{
    OpRequest r = {
        .kind = LIFECYCLE_REAUTHORIZE, .amount = amount, .idempotency_key = idempotency_key};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_complete(TenderHost *host, const char *payment_id,
                                    const tender_param *params, gsize n_params, GError **error)
{
    OpRequest r = {.kind = LIFECYCLE_COMPLETE, .params = params, .n_params = n_params};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *host_run_sync(TenderHost *host, const char *payment_id, gboolean reconciling,
                             GError **error)
{
    (void)reconciling;
    OpRequest r = {.kind = LIFECYCLE_SYNC};
    return run_operation(host, payment_id, &r, error);
}

TenderPayment *tender_host_sync(TenderHost *host, const char *payment_id, GError **error)
{
    return host_run_sync(host, payment_id, FALSE, error);
}

/* ---- used by notify.c ------------------------------------------------------ */

TenderPayment *host_apply_notification(TenderHost *host, HostMethod *m, const char *payment_id,
                                       const tender_param *headers, gsize n_headers,
                                       const char *body, gsize body_len, const char *notify_id,
                                       tender_result *res, gboolean *duplicate, GError **error)
{
    LedgerPayment *row;
    *duplicate = FALSE;
    LedgerUnit *unit = host_begin_on_payment(host, payment_id, &row, error);
    if (unit == NULL)
        return NULL;
    /* Providers repeat notifications: one already applied changes nothing.
     * The operations table's unique key (payment, kind, key) makes this
     * hold across processes too. */
    TenderOperation *seen =
        notify_id && notify_id[0]
            ? ledger_operation_by_key(unit, payment_id, "notification", notify_id, NULL, NULL)
            : NULL;
    if (seen) {
        tender_operation_free(seen);
        ledger_rollback(unit);
        ledger_payment_free(row);
        *duplicate = TRUE;
        return host_load_public(host, payment_id, error);
    }
    if (g_strcmp0(row->pub.method, m->info->id) != 0) {
        ledger_rollback(unit);
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT,
                    "payment %s is of method %s, not %s", payment_id, row->pub.method, m->info->id);
        ledger_payment_free(row);
        return NULL;
    }
    HostOp op = {.kind = LIFECYCLE_NOTIFICATION,
                 .idempotency_key = notify_id && notify_id[0] ? notify_id : NULL,
                 .headers = headers,
                 .n_headers = n_headers,
                 .body = body,
                 .body_len = body_len};
    TenderPayment *result = NULL;
    if (host_op_record_intent(host, unit, row, &op, error))
        result = host_op_call_and_finish(host, m, row, &op, res, error);
    ledger_payment_free(row);
    host_op_clear(&op);
    return result;
}
