/* Cases that call the plugin directly with requests built from its
 * fixtures: "outcomes" (every answer within the ABI and as the fixture
 * says), "unknown_params" (ignored), "required_params" (missing ones are an
 * invalid request), "idempotency" (one request id, one processor
 * reference) and "amounts" (partial captures and refunds act on the amount
 * asked). */
#include <string.h>

#include <tender/decline.h>

#include "conformance-private.h"

/* Every case here runs over each method with one fresh instance. */
typedef void (*MethodFn)(tc_context *ctx, tc_report *report, const tender_method *m,
                         void *instance, int *checked);

static tc_status each_method(tc_context *ctx, tc_report *report, MethodFn fn,
                             const char *what)
{
    if (ctx->load_error != NULL) {
        tc_report_fail(report, "expected a loadable plugin: %s", ctx->load_error);
        return TC_FAIL;
    }
    GPtrArray *methods = tc_methods(ctx);
    int total = 0;
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        void *instance = NULL;
        char *error = NULL;
        tc_settings_clear(ctx);
        if (tc_instance_new(ctx, m, &instance, &error) != 0) {
            tc_report_fail(report, "method %s: expected create with an empty config to succeed, "
                           "it failed: %s", m->id, error ? error : "");
            g_free(error);
            continue;
        }
        int checked = 0;
        fn(ctx, report, m, instance, &checked);
        tc_instance_free(m, instance);
        tc_report_note(report, "method %s: %d %s", m->id, checked, what);
        total += checked;
    }
    g_ptr_array_unref(methods);
    if (tc_report_failures(report))
        return TC_FAIL;
    return total > 0 ? TC_PASS : TC_SKIP;
}

/* Call the first step of fixture f; TRUE when the call was made. */
static gboolean call_fixture(tc_context *ctx, tc_report *report, const tender_method *m,
                             void *instance, const tender_fixture *f, TcRequest *r,
                             tender_result *res)
{
    char *why = NULL;
    if (!tc_request_from_fixture(ctx, m, f, tc_first_op(m), r, &why)) {
        tc_report_fail(report, "method %s: %s", m->id, why);
        g_free(why);
        tc_request_clear(r);
        return FALSE;
    }
    if (!tc_call(m, instance, &r->req, res)) {
        tc_report_fail(report, "method %s: expected ops->%s, it is missing", m->id,
                       tc_operation_name(tc_first_op(m)));
        tc_request_clear(r);
        return FALSE;
    }
    return TRUE;
}

/* ---- outcomes ---------------------------------------------------------------- */

/* TRUE when res is NOT_SENT because the plugin handed the request to the
 * test host's http service (http_before: its count before the call), which
 * has no network: a protocol client's true answer here. Its outcome at the
 * provider is fixture_flows' to check, through a real host. */
static gboolean went_to_network(tc_context *ctx, guint http_before, const tender_result *res)
{
    return res->outcome == TENDER_OUTCOME_NOT_SENT &&
           tender_test_host_http_requests(ctx->host) > http_before;
}

static void outcomes_method(tc_context *ctx, tc_report *report, const tender_method *m,
                            void *instance, int *checked)
{
    size_t nf = 0;
    const tender_fixture *fx = tc_fixtures(m, &nf);
    tender_result *res = g_new0(tender_result, 1);
    for (size_t k = 0; k < nf; k++) {
        const tender_fixture *f = &fx[k];
        TcRequest r;
        guint http_before = tender_test_host_http_requests(ctx->host);
        if (!call_fixture(ctx, report, m, instance, f, &r, res))
            continue;
        char *where = g_strdup_printf("method %s fixture %s: %s", m->id, f->name,
                                      tc_operation_name(tc_first_op(m)));
        (*checked)++;
        if (f->expect_outcome != TENDER_OUTCOME_NOT_SENT && went_to_network(ctx, http_before, res)) {
            tc_check_result(report, where, res);
            tc_report_note(report, "%s: sent to the provider (NOT_SENT: the test host has no "
                           "network); fixture_flows checks it through a real host", where);
            g_free(where);
            tc_request_clear(&r);
            continue;
        }
        if (tc_check_result(report, where, res)) {
            if (res->outcome != f->expect_outcome)
                tc_report_fail(report, "%s: expected %s as the fixture says, the plugin "
                               "answered %s (%s: %s)", where, tc_outcome_name(f->expect_outcome),
                               tc_outcome_name(res->outcome),
                               tender_decline_lookup(res->decline_code)->name, res->message);
            else if (f->expect_outcome == TENDER_OUTCOME_DECLINED &&
                     res->decline_code != f->expect_decline)
                tc_report_fail(report, "%s: expected decline %s as the fixture says, the plugin "
                               "declined with %s (%s)", where,
                               tender_decline_lookup(f->expect_decline)->name,
                               tender_decline_lookup(res->decline_code)->name, res->message);
        }
        /* Finish an action the direct way when the fixture says how. */
        if (res->outcome == TENDER_OUTCOME_ACTION_REQUIRED && f->n_complete_params > 0 &&
            (m->capabilities & TENDER_CAP_COMPLETE_ACTION)) {
            TcRequest c;
            tc_request_follow(ctx, &r, res, TENDER_OP_COMPLETE_ACTION, r.req.amount,
                              r.req.amount, 0, 0, &c);
            for (size_t i = 0; i < f->n_complete_params; i++)
                tc_request_add_param(&c, f->complete_params[i].key,
                                     f->complete_params[i].value);
            tender_result *done = g_new0(tender_result, 1);
            tc_call(m, instance, &c.req, done);
            char *w2 = g_strdup_printf("method %s fixture %s: complete_action", m->id, f->name);
            if (tc_check_result(report, w2, done) && done->outcome != f->expect_after_action)
                tc_report_fail(report, "%s: expected %s as the fixture says, the plugin answered "
                               "%s (%s)", w2, tc_outcome_name(f->expect_after_action),
                               tc_outcome_name(done->outcome), done->message);
            g_free(w2);
            g_free(done);
            tc_request_clear(&c);
        }
        /* A sync of what the first step left must answer within range too. */
        if ((m->capabilities & TENDER_CAP_SYNC) && res->outcome != TENDER_OUTCOME_DECLINED) {
            TcRequest s;
            tc_request_follow(ctx, &r, res, TENDER_OP_SYNC, r.req.amount, r.req.amount, 0, 0, &s);
            tender_result *synced = g_new0(tender_result, 1);
            tc_call(m, instance, &s.req, synced);
            char *w3 = g_strdup_printf("method %s fixture %s: sync", m->id, f->name);
            tc_check_result(report, w3, synced);
            g_free(w3);
            g_free(synced);
            tc_request_clear(&s);
        }
        g_free(where);
        tc_request_clear(&r);
    }
    g_free(res);
}

tc_status tc_case_outcomes(tc_context *ctx, tc_report *report)
{
    return each_method(ctx, report, outcomes_method, "fixtures answered within the ABI");
}

/* ---- unknown parameters --------------------------------------------------------- */

static void unknown_method(tc_context *ctx, tc_report *report, const tender_method *m,
                           void *instance, int *checked)
{
    size_t nf = 0;
    const tender_fixture *fx = tc_fixtures(m, &nf);
    tender_result *res = g_new0(tender_result, 1);
    for (size_t k = 0; k < nf; k++) {
        const tender_fixture *f = &fx[k];
        if (!tc_fixture_approves(f))
            continue;
        TcRequest r;
        char *why = NULL;
        if (!tc_request_from_fixture(ctx, m, f, tc_first_op(m), &r, &why)) {
            tc_report_fail(report, "method %s: %s", m->id, why);
            g_free(why);
            tc_request_clear(&r);
            continue;
        }
        tc_request_add_param(&r, TC_UNKNOWN_PARAM, "1");
        guint http_before = tender_test_host_http_requests(ctx->host);
        tc_call(m, instance, &r.req, res);
        (*checked)++;
        /* Sent to the provider (no network here): the parameter was not
         * refused, which is what this case checks. */
        if (res->outcome != f->expect_outcome && !went_to_network(ctx, http_before, res))
            tc_report_fail(report, "method %s fixture %s: expected the unknown parameter "
                           TC_UNKNOWN_PARAM "=1 ignored (%s), the plugin answered %s (%s: %s)",
                           m->id, f->name, tc_outcome_name(f->expect_outcome),
                           tc_outcome_name(res->outcome),
                           tender_decline_lookup(res->decline_code)->name, res->message);
        tc_request_clear(&r);
    }
    g_free(res);
}

tc_status tc_case_unknown_params(tc_context *ctx, tc_report *report)
{
    return each_method(ctx, report, unknown_method,
                       "approving fixtures with an unknown parameter");
}

/* ---- required parameters -------------------------------------------------------- */

static gboolean invalid_code(guint32 code)
{
    switch (code) {
    case TENDER_DECLINE_INVALID_REQUEST:
    case TENDER_DECLINE_INVALID_NUMBER:
    case TENDER_DECLINE_INVALID_EXPIRY:
    case TENDER_DECLINE_INVALID_SECURITY_CODE:
    case TENDER_DECLINE_INVALID_ACCOUNT:
    case TENDER_DECLINE_INVALID_AMOUNT:
        return TRUE;
    default:
        return FALSE;
    }
}

static gboolean has_param(const tender_fixture *f, const char *key)
{
    for (size_t i = 0; f->params != NULL && i < f->n_params; i++)
        if (f->params[i].key && strcmp(f->params[i].key, key) == 0)
            return TRUE;
    return FALSE;
}

static void required_method(tc_context *ctx, tc_report *report, const tender_method *m,
                            void *instance, int *checked)
{
    size_t nf = 0;
    const tender_fixture *fx = tc_fixtures(m, &nf);
    tender_result *res = g_new0(tender_result, 1);
    for (size_t s = 0; m->params != NULL && s < m->n_params; s++) {
        const tender_param_spec *spec = &m->params[s];
        if (!(spec->flags & TENDER_PARAM_REQUIRED) || spec->name == NULL)
            continue;
        const tender_fixture *base = NULL;
        for (size_t k = 0; k < nf && base == NULL; k++) {
            if (!tc_fixture_approves(&fx[k]))
                continue;
            if (!has_param(&fx[k], spec->name))
                tc_report_fail(report, "method %s fixture %s: expected required parameter %s "
                               "in a fixture that ends approved, the fixture lacks it", m->id,
                               fx[k].name, spec->name);
            else
                base = &fx[k];
        }
        if (base == NULL) {
            tc_report_note(report, "method %s: no approving fixture supplies %s", m->id,
                           spec->name);
            continue;
        }
        TcRequest r;
        char *why = NULL;
        if (!tc_request_from_fixture(ctx, m, base, tc_first_op(m), &r, &why)) {
            tc_report_fail(report, "method %s: %s", m->id, why);
            g_free(why);
            tc_request_clear(&r);
            continue;
        }
        tc_request_remove_param(&r, spec->name);
        tc_call(m, instance, &r.req, res);
        (*checked)++;
        char *where = g_strdup_printf("method %s fixture %s without required parameter %s",
                                      m->id, base->name, spec->name);
        if (res->outcome != TENDER_OUTCOME_DECLINED || !invalid_code(res->decline_code))
            tc_report_fail(report, "%s: expected DECLINED with invalid_request (or a specific "
                           "invalid_* code), the plugin answered %s (%s: %s)", where,
                           tc_outcome_name(res->outcome),
                           tender_decline_lookup(res->decline_code)->name, res->message);
        else if (strstr(res->message, spec->name) == NULL)
            tc_report_fail(report, "%s: expected a message naming the parameter, the plugin "
                           "says \"%s\"", where, res->message);
        g_free(where);
        tc_request_clear(&r);
    }
    g_free(res);
}

tc_status tc_case_required_params(tc_context *ctx, tc_report *report)
{
    return each_method(ctx, report, required_method, "required parameters dropped");
}

/* ---- idempotency ---------------------------------------------------------------- */

static void idempotency_method(tc_context *ctx, tc_report *report, const tender_method *m,
                               void *instance, int *checked)
{
    size_t nf = 0;
    const tender_fixture *fx = tc_fixtures(m, &nf);
    tender_result *a = g_new0(tender_result, 1);
    tender_result *b = g_new0(tender_result, 1);
    for (size_t k = 0; k < nf; k++) {
        const tender_fixture *f = &fx[k];
        if (f->expect_outcome == TENDER_OUTCOME_DECLINED)
            continue;
        TcRequest r;
        if (!call_fixture(ctx, report, m, instance, f, &r, a))
            continue;
        tc_call(m, instance, &r.req, b); /* the same request id, the same params */
        (*checked)++;
        if (a->outcome != b->outcome)
            tc_report_fail(report, "method %s fixture %s: expected the same outcome for the same "
                           "request_id, the plugin answered %s then %s", m->id, f->name,
                           tc_outcome_name(a->outcome), tc_outcome_name(b->outcome));
        else if (strncmp(a->processor_ref, b->processor_ref, sizeof a->processor_ref) != 0)
            tc_report_fail(report, "method %s fixture %s: expected the same processor reference "
                           "for the same request_id, the plugin returned \"%.*s\" then \"%.*s\"",
                           m->id, f->name, (int)sizeof a->processor_ref, a->processor_ref,
                           (int)sizeof b->processor_ref, b->processor_ref);
        tc_request_clear(&r);
    }
    g_free(a);
    g_free(b);
}

tc_status tc_case_idempotency(tc_context *ctx, tc_report *report)
{
    return each_method(ctx, report, idempotency_method, "request ids repeated");
}

/* ---- amounts --------------------------------------------------------------------- */

/* The amount a money operation's result says it acted on is right when it
 * is 0 (the requested amount), the requested part, or (with an event) the
 * running total the event documents. */
static void expect_amount(tc_report *report, const char *where, const tender_result *res,
                          gint64 asked, gint64 total_after)
{
    if (res->outcome != TENDER_OUTCOME_APPROVED) {
        tc_report_fail(report, "%s: expected APPROVED, the plugin answered %s (%s: %s)", where,
                       tc_outcome_name(res->outcome),
                       tender_decline_lookup(res->decline_code)->name, res->message);
        return;
    }
    gint64 got = res->amount;
    if (got == 0 || got == asked || (res->event != TENDER_EVENT_NONE && got == total_after))
        return;
    tc_report_fail(report, "%s: expected the plugin to act on %" G_GINT64_FORMAT " minor units "
                   "as asked, its result says %" G_GINT64_FORMAT, where, asked, got);
}

static void amounts_method(tc_context *ctx, tc_report *report, const tender_method *m,
                           void *instance, int *checked)
{
    uint64_t caps = m->capabilities;
    size_t nf = 0;
    const tender_fixture *fx = tc_fixtures(m, &nf);
    const tender_fixture *f = NULL;
    for (size_t k = 0; k < nf && f == NULL; k++)
        if (tc_fixture_approves_directly(&fx[k]))
            f = &fx[k];
    if (f == NULL) {
        tc_report_note(report, "method %s: no fixture approves without an action (its "
                       "amounts are checked through the host in fixture_flows)", m->id);
        return;
    }
    tender_result *res = g_new0(tender_result, 1);
    TcRequest r;
    if (!call_fixture(ctx, report, m, instance, f, &r, res)) {
        g_free(res);
        return;
    }
    if (res->outcome != TENDER_OUTCOME_APPROVED) {
        g_free(res);
        tc_request_clear(&r);
        return; /* "outcomes" reports the mismatch */
    }
    gint64 amount = r.req.amount;
    gint64 captured = tc_first_op(m) == TENDER_OP_PURCHASE ? amount : 0;
    TcRequest prev = r;
    tender_result *last = res;
    GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
    GArray *reqs = g_array_new(FALSE, FALSE, sizeof(TcRequest));
    g_array_append_val(reqs, r);
    /* Each step follows the previous result's state. */
#define STEP(op, asked, total_after, label)                                                    \
    do {                                                                                       \
        TcRequest q;                                                                           \
        tc_request_follow(ctx, &prev, last, op, asked, amount, captured, refunded, &q);        \
        tender_result *out = g_new0(tender_result, 1);                                         \
        tc_call(m, instance, &q.req, out);                                                     \
        char *w = g_strdup_printf("method %s fixture %s: %s", m->id, f->name, label);          \
        if (tc_check_result(report, w, out))                                                   \
            expect_amount(report, w, out, asked, total_after);                                 \
        g_free(w);                                                                             \
        (*checked)++;                                                                          \
        g_array_append_val(reqs, q);                                                           \
        prev = q;                                                                              \
        g_ptr_array_add(keep, out);                                                            \
        last = out;                                                                            \
    } while (0)
    gint64 refunded = 0;
    if (captured == 0 && (caps & TENDER_CAP_CAPTURE)) {
        if ((caps & TENDER_CAP_PARTIAL_CAPTURE) && amount >= 2) {
            gint64 half = amount / 2;
            STEP(TENDER_OP_CAPTURE, half, half, "partial capture of half");
            if (last->outcome == TENDER_OUTCOME_APPROVED)
                captured = half;
            if ((caps & TENDER_CAP_MULTI_CAPTURE) && captured == half) {
                STEP(TENDER_OP_CAPTURE, amount - half, amount, "capture of the rest");
                if (last->outcome == TENDER_OUTCOME_APPROVED)
                    captured = amount;
            }
        } else {
            STEP(TENDER_OP_CAPTURE, amount, amount, "full capture");
            if (last->outcome == TENDER_OUTCOME_APPROVED)
                captured = amount;
        }
    }
    if (captured > 0 && (caps & TENDER_CAP_REFUND)) {
        if ((caps & TENDER_CAP_PARTIAL_REFUND) && captured >= 2) {
            gint64 part = MAX(captured / 4, 1);
            STEP(TENDER_OP_REFUND, part, part, "partial refund of a quarter");
            if (last->outcome == TENDER_OUTCOME_APPROVED) {
                refunded = part;
                STEP(TENDER_OP_REFUND, captured - part, captured, "refund of the rest");
            }
        } else {
            STEP(TENDER_OP_REFUND, captured, captured, "full refund");
        }
    }
#undef STEP
    for (guint i = 0; i < reqs->len; i++)
        tc_request_clear(&g_array_index(reqs, TcRequest, i));
    g_array_free(reqs, TRUE);
    g_ptr_array_unref(keep);
    g_free(res);
}

tc_status tc_case_amounts(tc_context *ctx, tc_report *report)
{
    return each_method(ctx, report, amounts_method, "capture/refund steps checked");
}
