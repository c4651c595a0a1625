/* A new payment: validation, the instrument's facts, the policy, the new
 * payment row; then the operation skeleton (operation.c) runs its first
 * operation, authorize or purchase.
 *
 * Step 1 here is pay's own: the idempotency key names a payment (not an
 * operation), lapses on the buyer's account are applied first so the
 * limits never count a hold that has lapsed, and the policy decides whether
 * the method is offered at all. A refusal by the policy is recorded as a
 * declined payment without calling the plugin. */
#include <string.h>

#include <tender/decline.h>

#include "engine-private.h"
#include "ledger-service.h"

static gint64 usage_lookup(const char *key, gpointer unit)
{
    return ledger_usage_get(unit, key);
}

/* The method's own TENDER_PARAM_REQUIRED specs, enforced by the host too:
 * a request without one is bad input, refused before anything is recorded
 * or any plugin is called (the plugin checks again; a plugin that forgot to
 * cannot be reached without them). The message names the parameter, never a
 * value. */
static gboolean check_required_params(const TenderMethodInfo *info, const TenderPayRequest *r,
                                      GError **error)
{
    for (guint i = 0; info->params && i < info->params->len; i++) {
        const TenderParamInfo *spec = g_ptr_array_index(info->params, i);
        if (!(spec->flags & TENDER_PARAM_REQUIRED))
            continue;
        gboolean given = FALSE;
        for (gsize k = 0; k < r->n_params && !given; k++)
            given = g_strcmp0(r->params[k].key, spec->name) == 0 && r->params[k].value[0] != '\0';
        if (!given) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                        "%s needs the parameter '%s'%s%s", info->id, spec->name,
                        spec->description && spec->description[0] ? ": " : "",
                        spec->description ? spec->description : "");
            return FALSE;
        }
    }
    return TRUE;
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
    HostMethod *m = host_method_get(host, r->method);
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
    if (!check_required_params(m->info, r, error))
        return FALSE;
    *m_out = m;
    return TRUE;
}

/* Wait until the payment created under an idempotency key has finished its
 * first operation, then return it. */
static TenderPayment *replay_payment(TenderHost *host, const char *payment_id, GError **error)
{
    LedgerPayment *row;
    LedgerUnit *unit = host_begin_on_payment(host, payment_id, &row, error);
    if (unit == NULL)
        return NULL;
    gboolean changed = row->pub.status == TENDER_STATUS_UNKNOWN && row->busy_seq == 0;
    if (changed && !ledger_payment_update(unit, NULL, row, error)) {
        ledger_rollback(unit);
        ledger_payment_free(row);
        return NULL;
    }
    ledger_payment_free(row);
    if (!ledger_commit(unit, error))
        return NULL;
    return host_load_public(host, payment_id, error);
}

/* What the policy needs of the payer's instrument: the display facts a
 * method's describe_instrument (ABI 1.1) reports. Small on purpose: a
 * payment on a method without the operation costs nothing here. */
typedef struct {
    char brand[TENDER_RESULT_DISPLAY_MAX];
    char first6[8];
    char country[4];
} InstrumentFacts;

/* Asked before the policy runs and before any ledger work: the plugin reads
 * its own parameters, the host never does. facts stays empty when the method
 * has no such operation or knows nothing. */
static void describe_instrument(TenderHost *host, HostMethod *m, const TenderPayRequest *r,
                                InstrumentFacts *facts)
{
    memset(facts, 0, sizeof *facts);
    tender_operation_fn fn = abi_describe_instrument_fn(m->abi);
    if (fn == NULL)
        return;
    g_autofree char *request_id = host_new_id(host, "req_");
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
    req.deadline_ms = tender_host_now(host) + config_deadline_ms(host->config, m->info->id);
    g_autofree const char **secrets = host_sensitive_values(m->info, r->params, r->n_params);
    g_autofree tender_result *res = g_new(tender_result, 1); /* zeroed by the call */
    CallReport report;
    host_call_plugin(host, m, fn, &req, res, secrets, &report);
    if (report.late || res->outcome != TENDER_OUTCOME_APPROVED)
        return;
    g_strlcpy(facts->brand, res->display_brand, sizeof facts->brand);
    g_strlcpy(facts->first6, res->display_first6, sizeof facts->first6);
    g_strlcpy(facts->country, res->display_country, sizeof facts->country);
}

/* The issuing country the policy sees: the operator's BIN table first (it
 * is explicit configuration), else what the plugin knows. */
static const char *issuer_country_of(TenderHost *host, const InstrumentFacts *facts)
{
    const char *configured =
        facts->first6[0] ? policy_bin_country(host->config, facts->first6) : NULL;
    return configured ? configured : facts->country;
}

static void emit_changes(TenderHost *host, GArray *changes)
{
    for (guint i = 0; i < changes->len; i++) {
        HostStatusChange *c = &g_array_index(changes, HostStatusChange, i);
        host_emit(host, c->payment_id, c->old_status, c->new_status);
    }
}

/* The policy refused: the payment is recorded as declined with its
 * operation, the plugin never called, and this is the answer, so it is
 * committed (durable) before it is returned. Inside the caller's
 * transaction, which is closed on return. */
static TenderPayment *record_policy_decline(TenderHost *host, LedgerUnit *unit, LedgerPayment *row,
                                            LifecycleKind kind,
                                            const TenderPolicyDecision *decision,
                                            gboolean *committed, GError **error)
{
    TenderPayment *p = &row->pub;
    g_autofree char *request_id = host_new_id(host, "req_");
    TenderOperation op = {.kind = (char *)lifecycle_kind_name(kind),
                          .request_id = request_id,
                          .idempotency_key = p->idempotency_key,
                          .amount = p->amount,
                          .outcome = "declined",
                          .decline_code = (char *)tender_decline_lookup(decision->code)->name,
                          .raw_code = "policy",
                          .message = decision->reason,
                          .status_after = "declined",
                          .created_ms = p->created_ms};
    gboolean ok = ledger_operation_insert(unit, p->id, &op, NULL, error) &&
                  ledger_event_add(unit, p, TENDER_STATUS_UNKNOWN, p->created_ms, error);
    for (guint i = 0; ok && i < decision->decline_charges->len; i++)
        ok = ledger_usage_add(
            unit, g_array_index(decision->decline_charges, TenderUsageCharge, i).key, 1, error);
    if (!ok) {
        ledger_rollback(unit);
        return NULL;
    }
    if (!ledger_commit(unit, error))
        return NULL;
    *committed = TRUE;
    return host_load_public(host, p->id, error);
}

/* Pay's step 1, in one unit: what a run needs, and what it leaves for the
 * plugin call. A run the ledger aborts (LEDGER_ERROR_RETRY) is run again
 * from the start with everything it made thrown away: it reads the key,
 * the lapses and the counters afresh, and a new payment gets a new id. */
typedef struct {
    TenderHost *host;
    HostMethod *m;
    const TenderPayRequest *r;
    const char *hash;
    const InstrumentFacts *instrument;
    LifecycleKind kind;
    gint64 order_amount;
    /* made by a run */
    GArray *lapsed; /* HostStatusChange */
    TenderPolicyDecision decision;
    LedgerPayment *row;
    HostOp op;
} PayRun;

typedef enum {
    PAY_FAILED,   /* error set, nothing kept: may be run again */
    PAY_ANSWERED, /* the answer is final (a replay, a refusal; or NULL with error) */
    PAY_CALL,     /* the intent is committed: call the plugin */
} PayStep;

static void pay_run_reset(PayRun *run)
{
    g_array_set_size(run->lapsed, 0);
    policy_decision_clear(&run->decision);
    policy_decision_init(&run->decision);
    g_clear_pointer(&run->row, ledger_payment_free);
    host_op_clear(&run->op);
    memset(&run->op, 0, sizeof run->op);
}

static PayStep pay_attempt(PayRun *run, TenderPayment **answer, GError **error)
{
    TenderHost *host = run->host;
    const TenderPayRequest *r = run->r;
    const TenderMethodInfo *info = run->m->info;
    guint64 caps = info->capabilities;
    LedgerUnit *unit = ledger_begin(host->ledger, error);
    if (unit == NULL)
        return PAY_FAILED;
    if (r->idempotency_key) {
        g_autofree char *stored_hash = NULL;
        GError *local = NULL;
        g_autofree char *existing =
            ledger_key_lookup(unit, r->idempotency_key, &stored_hash, &local);
        if (local) {
            ledger_rollback(unit);
            g_propagate_error(error, local);
            return PAY_FAILED;
        }
        if (existing) {
            ledger_rollback(unit);
            if (g_strcmp0(stored_hash, run->hash) != 0) {
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_IDEMPOTENCY_CONFLICT,
                            "idempotency_conflict: key '%s' was used for a different payment "
                            "request (payment %s)",
                            r->idempotency_key, existing);
                return PAY_FAILED;
            }
            *answer = replay_payment(host, existing, error);
            return *answer ? PAY_ANSWERED : PAY_FAILED;
        }
    }

    gint64 now = tender_host_now(host);
    if (!host_lapse_account(host, unit, r->account, now, run->lapsed, error)) {
        ledger_rollback(unit);
        return PAY_FAILED;
    }
    TenderPolicyBuyer buyer = {.region = r->region,
                               .currency = r->currency,
                               .amount = run->order_amount,
                               .account = r->account ? r->account : "",
                               .tier = r->tier ? r->tier : "",
                               .now_ms = now,
                               .issuer_country = issuer_country_of(host, run->instrument),
                               .brand = run->instrument->brand};
    TenderPolicyDecision *decision = &run->decision;
    if (!policy_evaluate(host->config, info, &buyer, usage_lookup, unit, decision, error)) {
        ledger_rollback(unit);
        return PAY_FAILED;
    }

    LedgerPayment *row = run->row = g_new0(LedgerPayment, 1);
    TenderPayment *p = &row->pub;
    p->id = host_new_id(host, "pay_");
    p->method = g_strdup(info->id);
    p->account = g_strdup(r->account ? r->account : "");
    p->tier = g_strdup(r->tier ? r->tier : "");
    p->region = g_strdup(r->region);
    p->idempotency_key = g_strdup(r->idempotency_key);
    row->request_hash = g_strdup(run->hash);
    p->order_currency = g_strdup(r->currency);
    p->order_amount = run->order_amount;
    p->order_exponent = tender_currency_exponent(r->currency);
    p->exchange_rate = g_strdup(decision->exchange_rate);
    p->effective_tier = g_strdup(decision->tier ? decision->tier : "");
    p->created_ms = p->updated_ms = now;
    if (decision->pay_currency) {
        p->currency = g_strdup(decision->pay_currency);
        p->exponent = decision->pay_exponent;
        p->amount = decision->pay_amount;
        p->fee = decision->fee;
    } else {
        p->currency = g_strdup(r->currency);
        p->exponent = tender_currency_exponent(r->currency);
        p->amount = run->order_amount;
    }
    /* An offered payment is inserted with its intent, leased
     * (host_op_record_intent); a refused one here. */
    if (decision->offered) {
        p->status = TENDER_STATUS_UNKNOWN; /* in flight until step 3 */
    } else {
        p->status = TENDER_STATUS_DECLINED;
        lifecycle_set_decline(p, decision->code, "policy", decision->reason);
    }
    gboolean ok = decision->offered || ledger_payment_insert(unit, row, error);
    for (guint i = 0; ok && i < decision->attempt_charges->len; i++)
        ok = ledger_usage_add(
            unit, g_array_index(decision->attempt_charges, TenderUsageCharge, i).key, 1, error);
    if (!decision->offered) {
        if (!ok) {
            ledger_rollback(unit);
            return PAY_FAILED;
        }
        gboolean committed = FALSE;
        *answer = record_policy_decline(host, unit, row, run->kind, decision, &committed, error);
        return committed ? PAY_ANSWERED : PAY_FAILED;
    }
    for (guint i = 0; ok && i < decision->amount_charges->len; i++) {
        TenderUsageCharge *c = &g_array_index(decision->amount_charges, TenderUsageCharge, i);
        ok = ledger_payment_usage_add(unit, p->id, c->key, c->amount, error);
    }
    if (!ok) {
        ledger_rollback(unit);
        return PAY_FAILED;
    }
    /* From here the skeleton's steps, as for any other operation. */
    run->op = (HostOp){.kind = run->kind,
                       .amount = p->amount,
                       .idempotency_key = r->idempotency_key,
                       .params = r->params,
                       .n_params = r->n_params,
                       .flags = decision->step_up && (caps & TENDER_CAP_STEP_UP)
                                    ? TENDER_REQUEST_STEP_UP
                                    : 0,
                       .decision = decision,
                       .new_payment = TRUE};
    return host_op_record_intent(host, unit, row, &run->op, error) ? PAY_CALL : PAY_FAILED;
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

    const char *fields[] = {r->method,
                            r->region,
                            r->currency,
                            r->amount,
                            r->account ? r->account : "",
                            r->tier ? r->tier : "",
                            use_purchase ? "purchase" : "authorize",
                            (const char *)-1};
    g_autofree char *hash = host_fingerprint(info, fields, r->params, r->n_params);
    InstrumentFacts instrument;
    describe_instrument(host, m, r, &instrument);

    PayRun run = {.host = host,
                  .m = m,
                  .r = r,
                  .hash = hash,
                  .instrument = &instrument,
                  .kind = use_purchase ? LIFECYCLE_PURCHASE : LIFECYCLE_AUTHORIZE,
                  .order_amount = order_amount,
                  .lapsed = g_array_new(FALSE, FALSE, sizeof(HostStatusChange))};
    g_array_set_clear_func(run.lapsed, host_status_change_clear);
    policy_decision_init(&run.decision);
    TenderPayment *result = NULL;
    PayStep step;
    for (guint attempt = 0;; attempt++) {
        GError *local = NULL;
        step = pay_attempt(&run, &result, &local);
        if (step != PAY_FAILED || !ledger_retry_wait(attempt, &local)) {
            if (local)
                g_propagate_error(error, local);
            break;
        }
        pay_run_reset(&run);
    }
    if (step == PAY_CALL) {
        emit_changes(host, run.lapsed);
        result = host_op_call_and_finish(host, m, run.row, &run.op, NULL, error);
    } else if (step == PAY_ANSWERED && result && run.row) {
        /* The policy's refusal, committed. */
        emit_changes(host, run.lapsed);
        host_emit(host, result->id, TENDER_STATUS_UNKNOWN, TENDER_STATUS_DECLINED);
    }
    policy_decision_clear(&run.decision);
    host_op_clear(&run.op);
    ledger_payment_free(run.row);
    g_array_unref(run.lapsed);
    return result;
}
