/* Direct calls into a plugin, the way the host makes them: size-checked
 * slot lookups, host-owned zeroed results, requests built from fixtures,
 * and the ABI range checks every result must pass. */
#include <string.h>
#include <unistd.h>

#include <tender/decline.h>
#include <tender/money.h>

#include "conformance-private.h"

GPtrArray *tc_methods(tc_context *ctx)
{
    GPtrArray *out = g_ptr_array_new();
    const tender_plugin_descriptor *d = ctx->descriptor;
    if (d == NULL || d->struct_size < TENDER_ABI_1_0_DESCRIPTOR_SIZE || d->methods == NULL)
        return out;
    for (size_t i = 0; i < d->n_methods && i < 256; i++) {
        const tender_method *m = d->methods[i];
        if (m == NULL || m->struct_size < TENDER_ABI_1_0_METHOD_SIZE || m->id == NULL)
            continue;
        if (ctx->method_filter != NULL && strcmp(ctx->method_filter, m->id) != 0)
            continue;
        g_ptr_array_add(out, (gpointer)m);
    }
    return out;
}

const tender_method_ops *tc_ops(const tender_method *m)
{
    if (m == NULL || !TENDER_HAS_FIELD(m, tender_method, ops) || m->ops == NULL)
        return NULL;
    return m->ops;
}

const tender_fixture *tc_fixtures(const tender_method *m, size_t *n)
{
    return tender_method_fixtures(m, n);
}

int tc_instance_new(tc_context *ctx, const tender_method *m, void **instance, char **error)
{
    const tender_method_ops *ops = tc_ops(m);
    *instance = NULL;
    if (ops == NULL || ops->create == NULL) {
        if (error)
            *error = g_strdup("the method has no create function");
        return -1;
    }
    return tender_test_instance_new(ctx->host, m, instance, error);
}

void tc_instance_free(const tender_method *m, void *instance)
{
    tender_test_instance_free(m, instance);
}

int tc_method_exponent(const tender_method *m, const char *currency)
{
    for (size_t i = 0; currency != NULL && m->currencies != NULL && i < m->n_currencies; i++) {
        const tender_currency_fact *c = &m->currencies[i];
        if (c->code != NULL && strcmp(c->code, currency) == 0)
            return c->exponent >= 0 ? c->exponent : tender_currency_exponent(currency);
    }
    return -1;
}

gboolean tc_fixture_approves_directly(const tender_fixture *f)
{
    return f->expect_outcome == TENDER_OUTCOME_APPROVED;
}

gboolean tc_fixture_approves(const tender_fixture *f)
{
    return f->expect_outcome == TENDER_OUTCOME_APPROVED ||
           (f->expect_outcome == TENDER_OUTCOME_ACTION_REQUIRED &&
            f->expect_after_action == TENDER_OUTCOME_APPROVED);
}

guint32 tc_param_flags(const tender_method *m, const char *name, gboolean action)
{
    const tender_param_spec *specs = action ? m->action_params : m->params;
    size_t n = action ? m->n_action_params : m->n_params;
    for (size_t i = 0; specs != NULL && i < n; i++)
        if (specs[i].name != NULL && name != NULL && strcmp(specs[i].name, name) == 0)
            return specs[i].flags;
    return 0;
}

/* ---- requests --------------------------------------------------------------- */

static void request_init(tc_context *ctx, TcRequest *r, tender_operation op)
{
    memset(r, 0, sizeof *r);
    guint64 n = ++ctx->seq;
    /* Unique across the cases' child processes (each forks with the same
     * seq) and across runs: a provider simulator that outlives one run
     * remembers idempotency keys, and a repeated key with other parameters
     * is refused as a conflict. */
    if (ctx->run_tag == 0)
        ctx->run_tag = g_random_int() | 1;
    g_snprintf(r->payment_id, sizeof r->payment_id,
               "pay_conformance_%08x_%d_%" G_GUINT64_FORMAT, ctx->run_tag, (int)getpid(), n);
    g_snprintf(r->request_id, sizeof r->request_id,
               "req_conformance_%08x_%d_%" G_GUINT64_FORMAT, ctx->run_tag, (int)getpid(), n);
    r->params = g_array_new(FALSE, TRUE, sizeof(tender_param));
    r->plugin_state = g_strdup("");
    r->processor_ref = g_strdup("");
    tender_request *q = &r->req;
    q->struct_size = sizeof *q;
    q->operation = op;
    q->attempt = 1;
    q->payment_id = r->payment_id;
    q->request_id = r->request_id;
    q->currency = r->currency;
    q->region = r->region;
    q->account = "";
    q->tier = r->tier;
    q->plugin_state = r->plugin_state;
    q->processor_ref = r->processor_ref;
    q->deadline_ms = TC_NOW_MS + 10000;
}

static void request_sync_params(TcRequest *r)
{
    r->req.params = r->params->len ? (const tender_param *)(void *)r->params->data : NULL;
    r->req.n_params = r->params->len;
}

tender_operation tc_first_op(const tender_method *m)
{
    return (m->capabilities & TENDER_CAP_AUTHORIZE) ? TENDER_OP_AUTHORIZE : TENDER_OP_PURCHASE;
}

gboolean tc_request_from_fixture(tc_context *ctx, const tender_method *m,
                                 const tender_fixture *f, tender_operation op, TcRequest *r,
                                 char **why)
{
    request_init(ctx, r, op);
    g_strlcpy(r->currency, f->currency ? f->currency : "", sizeof r->currency);
    g_strlcpy(r->region, f->region ? f->region : "", sizeof r->region);
    g_strlcpy(r->tier, f->tier ? f->tier : "", sizeof r->tier);
    int exponent = tc_method_exponent(m, r->currency);
    if (exponent < 0) {
        *why = g_strdup_printf("fixture \"%s\": currency \"%s\" is not one the method declares",
                               f->name ? f->name : "?", r->currency);
        return FALSE;
    }
    GError *error = NULL;
    gint64 amount = 0;
    if (!tender_money_parse(f->amount ? f->amount : "", r->currency, exponent, &amount,
                            &error)) {
        *why = g_strdup_printf("fixture \"%s\": amount \"%s\" is not usable: %s",
                               f->name ? f->name : "?", f->amount ? f->amount : "(null)",
                               error->message);
        g_error_free(error);
        return FALSE;
    }
    r->req.amount = amount;
    r->req.exponent = exponent;
    for (size_t i = 0; f->params != NULL && i < f->n_params; i++)
        g_array_append_val(r->params, f->params[i]);
    request_sync_params(r);
    return TRUE;
}

void tc_request_minimal(tc_context *ctx, const tender_method *m, tender_operation op,
                        TcRequest *r)
{
    request_init(ctx, r, op);
    const tender_currency_fact *c = m->n_currencies > 0 ? &m->currencies[0] : NULL;
    g_strlcpy(r->currency, c && c->code ? c->code : "USD", sizeof r->currency);
    const char *region = m->regions && m->regions[0] ? m->regions[0] : "US";
    if (strcmp(region, "*") == 0)
        region = c && c->home_region ? c->home_region : "US";
    g_strlcpy(r->region, region, sizeof r->region);
    int exponent = tc_method_exponent(m, r->currency);
    r->req.exponent = exponent < 0 ? 2 : exponent;
    gint64 amount = 1;
    for (int i = 0; i < r->req.exponent; i++)
        amount *= 10;
    if (c != NULL && c->min_amount > amount)
        amount = c->min_amount;
    r->req.amount = amount;
    request_sync_params(r);
}

void tc_request_follow(tc_context *ctx, const TcRequest *prev, const tender_result *res,
                       tender_operation op, int64_t amount, int64_t authorized,
                       int64_t captured, int64_t refunded, TcRequest *r)
{
    request_init(ctx, r, op);
    g_strlcpy(r->payment_id, prev->payment_id, sizeof r->payment_id);
    g_strlcpy(r->currency, prev->currency, sizeof r->currency);
    g_strlcpy(r->region, prev->region, sizeof r->region);
    g_strlcpy(r->tier, prev->tier, sizeof r->tier);
    g_free(r->plugin_state);
    g_free(r->processor_ref);
    r->plugin_state = res->plugin_state[0]
                          ? g_strndup(res->plugin_state, sizeof res->plugin_state)
                          : g_strdup(prev->plugin_state);
    r->processor_ref = res->processor_ref[0]
                           ? g_strndup(res->processor_ref, sizeof res->processor_ref)
                           : g_strdup(prev->processor_ref);
    r->req.plugin_state = r->plugin_state;
    r->req.processor_ref = r->processor_ref;
    r->req.exponent = prev->req.exponent;
    r->req.amount = amount;
    r->req.authorized_amount = authorized;
    r->req.captured_amount = captured;
    r->req.refunded_amount = refunded;
    request_sync_params(r);
}

void tc_request_repoint(TcRequest *r)
{
    r->req.payment_id = r->payment_id;
    r->req.request_id = r->request_id;
    r->req.currency = r->currency;
    r->req.region = r->region;
    r->req.tier = r->tier;
    r->req.plugin_state = r->plugin_state;
    r->req.processor_ref = r->processor_ref;
    request_sync_params(r);
}

void tc_request_add_param(TcRequest *r, const char *key, const char *value)
{
    tender_param p = {key, value};
    g_array_append_val(r->params, p);
    request_sync_params(r);
}

void tc_request_remove_param(TcRequest *r, const char *key)
{
    for (guint i = r->params->len; i > 0; i--) {
        tender_param *p = &g_array_index(r->params, tender_param, i - 1);
        if (p->key != NULL && strcmp(p->key, key) == 0)
            g_array_remove_index(r->params, i - 1);
    }
    request_sync_params(r);
}

void tc_request_clear(TcRequest *r)
{
    if (r->params != NULL)
        g_array_free(r->params, TRUE);
    g_free(r->plugin_state);
    g_free(r->processor_ref);
    memset(r, 0, sizeof *r);
}

/* ---- calls and checks --------------------------------------------------------- */

gboolean tc_call(const tender_method *m, void *instance, const tender_request *req,
                 tender_result *res)
{
    return tender_test_call(m, instance, req, res);
}

const char *tc_outcome_name(guint32 outcome)
{
    static const char *const names[] = {"0 (not set)", "APPROVED", "DECLINED",
                                        "ACTION_REQUIRED", "PENDING", "NOT_SENT", "UNKNOWN"};
    if (outcome < G_N_ELEMENTS(names))
        return names[outcome];
    return "out of range";
}

const char *tc_operation_name(tender_operation op)
{
    switch (op) {
    case TENDER_OP_AUTHORIZE:
        return "authorize";
    case TENDER_OP_PURCHASE:
        return "purchase";
    case TENDER_OP_CAPTURE:
        return "capture";
    case TENDER_OP_VOID:
        return "void";
    case TENDER_OP_REFUND:
        return "refund";
    case TENDER_OP_SYNC:
        return "sync";
    case TENDER_OP_COMPLETE_ACTION:
        return "complete_action";
    case TENDER_OP_NOTIFICATION:
        return "notification";
    case TENDER_OP_DESCRIBE_INSTRUMENT:
        return "describe_instrument";
    case TENDER_OP_REAUTHORIZE:
        return "reauthorize";
    }
    return "?";
}

#define FIELD(name) {#name, offsetof(tender_result, name), sizeof(((tender_result *)0)->name)}

static const struct {
    const char *name;
    size_t offset;
    size_t size;
} string_fields[] = {
    FIELD(raw_code),          FIELD(message),         FIELD(processor_ref),
    FIELD(plugin_state),      FIELD(action_data),     FIELD(action_hint),
    FIELD(display_brand),     FIELD(display_first6),  FIELD(display_last4),
    FIELD(display_account),   FIELD(display_country), FIELD(details),
    FIELD(notify_payment_id), FIELD(notify_id),       FIELD(reply_content_type),
    FIELD(reply_body),        FIELD(notify_headers),  FIELD(notify_body),
};

gboolean tc_check_result(tc_report *report, const char *where, const tender_result *res)
{
    gboolean ok = TRUE;
    if (res->outcome < TENDER_OUTCOME_APPROVED || res->outcome > TENDER_OUTCOME_LAST_) {
        tc_report_fail(report, "%s: expected an outcome 1..%d, the plugin set %u (%s)", where,
                       TENDER_OUTCOME_LAST_, res->outcome, tc_outcome_name(res->outcome));
        ok = FALSE;
    }
    if (res->decline_code > TENDER_DECLINE_LAST_) {
        tc_report_fail(report, "%s: expected a decline code 0..%d, the plugin set %u", where,
                       TENDER_DECLINE_LAST_, res->decline_code);
        ok = FALSE;
    } else if (res->outcome == TENDER_OUTCOME_DECLINED && res->decline_code == 0) {
        tc_report_fail(report, "%s: expected a decline code with DECLINED, the plugin left it "
                       "0 (none)", where);
        ok = FALSE;
    }
    if (res->outcome == TENDER_OUTCOME_ACTION_REQUIRED &&
        (res->action_kind == TENDER_ACTION_NONE || res->action_kind > TENDER_ACTION_REFERENCE)) {
        tc_report_fail(report, "%s: expected an action kind 1..%d with ACTION_REQUIRED, the "
                       "plugin set %u", where, TENDER_ACTION_REFERENCE, res->action_kind);
        ok = FALSE;
    }
    if (res->event > TENDER_EVENT_ACTION_REQUIRED) {
        tc_report_fail(report, "%s: expected an event 0..%d, the plugin set %u", where,
                       TENDER_EVENT_ACTION_REQUIRED, res->event);
        ok = FALSE;
    }
    if (res->amount < 0) {
        tc_report_fail(report, "%s: expected a non-negative amount, the plugin set %" G_GINT64_FORMAT,
                       where, (gint64)res->amount);
        ok = FALSE;
    }
    const char *base = (const char *)res;
    for (size_t i = 0; i < G_N_ELEMENTS(string_fields); i++) {
        const char *field = base + string_fields[i].offset;
        if (memchr(field, '\0', string_fields[i].size) == NULL) {
            tc_report_fail(report, "%s: expected result field %s NUL-terminated within its %zu "
                           "bytes, the plugin filled it without a NUL", where,
                           string_fields[i].name, string_fields[i].size);
            ok = FALSE;
        }
    }
    return ok;
}

/* ---- sensitive values ------------------------------------------------------------ */

GPtrArray *tc_sensitive_values(const tender_method *m, const tender_fixture *f,
                               gboolean with_action)
{
    GPtrArray *out = g_ptr_array_new();
    for (size_t i = 0; f->params != NULL && i < f->n_params; i++) {
        const tender_param *p = &f->params[i];
        if (p->key && p->value && strlen(p->value) >= 3 &&
            (tc_param_flags(m, p->key, FALSE) & TENDER_PARAM_SENSITIVE))
            g_ptr_array_add(out, (gpointer)p->value);
    }
    for (size_t i = 0; with_action && f->complete_params != NULL && i < f->n_complete_params;
         i++) {
        const tender_param *p = &f->complete_params[i];
        if (p->key && p->value && strlen(p->value) >= 3 &&
            (tc_param_flags(m, p->key, TRUE) & TENDER_PARAM_SENSITIVE))
            g_ptr_array_add(out, (gpointer)p->value);
    }
    return out;
}

/* The host's own rule (tender_text_contains_value, which is core/redact.c):
 * what the host would scrub is what the kit calls a leak, so the two can
 * never disagree about a plugin. */
gboolean tc_contains_value(const char *data, size_t len, const char *value)
{
    return tender_text_contains_value(data, len, value);
}

const char *tc_result_field_with(const tender_result *res, const char *value)
{
    const char *base = (const char *)res;
    for (size_t i = 0; i < G_N_ELEMENTS(string_fields); i++) {
        const char *field = base + string_fields[i].offset;
        if (tc_contains_value(field, strnlen(field, string_fields[i].size), value))
            return string_fields[i].name;
    }
    return NULL;
}
