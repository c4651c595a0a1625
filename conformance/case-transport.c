/* Cases "transport_*": how a plugin classifies what the network does to its
 * requests. Every fixture of every method is paid once through a real
 * libtender host on a healthy transport (the kit's, delegating to
 * libtender's own), counting the HTTP calls the payment makes; then once
 * more per call, with one fault injected on that call (fault-transport.h).
 * The host retries nothing here (retries 0), so the outcome seen is the
 * plugin's own.
 *
 * The rules, from docs/abi.md:
 *   - refused before sending: NOT_SENT (the payment fails cleanly and the
 *     host may retry). On a later call of a multi-call payment an earlier
 *     call may have acted, so UNKNOWN is accepted there too;
 *   - may have been sent (timeout after sending, a 5xx, a garbage or
 *     truncated answer): never APPROVED, DECLINED, PENDING or an action on
 *     a guess. On the payment's last call it must be UNKNOWN; on an earlier
 *     one (a token, an order) NOT_SENT is accepted, as nothing was paid yet.
 *     An UNKNOWN payment must then settle with a sync on a healthy
 *     transport;
 *   - delayed or duplicated (an answer comes, late or twice): the same
 *     result as without the fault.
 * A plugin that makes no HTTP call in its fixtures passes trivially, and the
 * note says so. */
#include <string.h>

#include "conformance-private.h"

/* Calls per payment the cases fault one by one; a payment making more is
 * checked on its first ones and its last. */
#define MAX_FAULTED_CALLS 4

typedef enum {
    EXPECT_NOT_SENT,   /* refused before sending */
    EXPECT_UNKNOWN,    /* may have been sent */
    EXPECT_AS_HEALTHY, /* an answer came, late or twice */
} Expectation;

static Expectation expectation_of(TcFault fault)
{
    switch (fault) {
    case TC_FAULT_REFUSE:
        return EXPECT_NOT_SENT;
    case TC_FAULT_DELAY:
    case TC_FAULT_DUPLICATE:
        return EXPECT_AS_HEALTHY;
    default:
        return EXPECT_UNKNOWN;
    }
}

/* What the fault did, for messages. */
static const char *fault_story(TcFault fault)
{
    switch (fault) {
    case TC_FAULT_REFUSE:
        return "the connection was refused before anything was sent";
    case TC_FAULT_DELAY:
        return "the answer came " G_STRINGIFY(TC_FAULT_DELAY_MS) " ms late";
    case TC_FAULT_TIMEOUT:
        return "the request was sent and timed out without an answer";
    case TC_FAULT_5XX:
        return "the request was sent and the provider answered 503";
    case TC_FAULT_GARBAGE:
        return "the request was sent and the answer was garbage";
    case TC_FAULT_TRUNCATE:
        return "the request was sent and the answer was truncated";
    case TC_FAULT_DUPLICATE:
        return "the request was delivered twice";
    default:
        return "nothing happened";
    }
}

static const char *status_text(TenderStatus s)
{
    const char *n = tender_status_to_string(s);
    return n ? n : "?";
}

/* How the plugin's outcome shows on the payment. */
static const char *as_outcome(const TenderPayment *p)
{
    switch (p->status) {
    case TENDER_STATUS_FAILED:
        return "NOT_SENT";
    case TENDER_STATUS_UNKNOWN:
        return "UNKNOWN";
    case TENDER_STATUS_DECLINED:
        return "DECLINED";
    case TENDER_STATUS_AUTHORIZED:
    case TENDER_STATUS_CAPTURED:
        return "APPROVED";
    case TENDER_STATUS_PENDING:
        return "PENDING";
    case TENDER_STATUS_REQUIRES_ACTION:
        return "ACTION_REQUIRED";
    default:
        return status_text(p->status);
    }
}

static TenderPayment *pay_fixture(TenderHost *host, const tender_method *m,
                                  const tender_fixture *f, GError **error)
{
    TenderPayRequest pr;
    memset(&pr, 0, sizeof pr);
    pr.struct_size = sizeof pr;
    pr.method = m->id;
    pr.region = f->region;
    pr.currency = f->currency;
    pr.amount = f->amount;
    pr.tier = f->tier && f->tier[0] ? f->tier : NULL;
    pr.params = f->params;
    pr.n_params = f->n_params;
    pr.capture = !(m->capabilities & TENDER_CAP_AUTHORIZE);
    return tender_host_pay(host, &pr, error);
}

/* An UNKNOWN payment must settle once the transport is healthy again. */
static void expect_settles(tc_report *report, TenderHost *host, const tender_method *m,
                           const char *where, const TenderPayment *p)
{
    if (!(m->capabilities & TENDER_CAP_SYNC)) {
        tc_report_fail(report, "%s: the payment is UNKNOWN and the method has no sync to settle "
                       "it: a plugin that makes HTTP calls needs sync", where);
        return;
    }
    GError *error = NULL;
    TenderPayment *after = tender_host_sync(host, p->id, &error);
    if (after == NULL) {
        tc_report_fail(report, "%s: expected a sync on a healthy transport to settle the "
                       "UNKNOWN payment, it failed: %s", where, error->message);
        g_error_free(error);
        return;
    }
    if (after->status == TENDER_STATUS_UNKNOWN)
        tc_report_fail(report, "%s: expected a sync on a healthy transport to settle the "
                       "UNKNOWN payment, it is still unknown", where);
    tender_payment_free(after);
}

/* Check one faulted payment. */
static void check_faulted(tc_report *report, TenderHost *host, const tender_method *m,
                          TcFault fault, guint call, guint calls, TenderStatus healthy,
                          const char *where, const TenderPayment *p)
{
    const char *got = as_outcome(p);
    gboolean last = call == calls;
    switch (expectation_of(fault)) {
    case EXPECT_NOT_SENT:
        if (p->status == TENDER_STATUS_FAILED)
            return;
        if (p->status == TENDER_STATUS_UNKNOWN && call > 1) {
            expect_settles(report, host, m, where, p);
            return;
        }
        tc_report_fail(report, "%s: %s, so the plugin must report NOT_SENT; it reported %s",
                       where, fault_story(fault), got);
        return;
    case EXPECT_UNKNOWN:
        if (p->status == TENDER_STATUS_UNKNOWN) {
            expect_settles(report, host, m, where, p);
            return;
        }
        if (p->status == TENDER_STATUS_FAILED && !last)
            return;
        if (p->status == TENDER_STATUS_FAILED)
            tc_report_fail(report, "%s: %s, so the provider may have acted: the plugin must "
                           "report UNKNOWN, not NOT_SENT (the host would retry a payment that "
                           "may have gone through)", where, fault_story(fault));
        else
            tc_report_fail(report, "%s: %s, so the plugin must report UNKNOWN (never DECLINED, "
                           "never APPROVED on a guess); it reported %s", where,
                           fault_story(fault), got);
        return;
    case EXPECT_AS_HEALTHY:
        if (p->status != healthy)
            tc_report_fail(report, "%s: %s; expected the result without the fault (%s), the "
                           "payment became %s", where, fault_story(fault),
                           status_text(healthy), status_text(p->status));
        return;
    }
}

/* One fixture: the healthy run, then one run per call with the fault on it.
 * Returns the number of HTTP calls the healthy payment made. */
static guint run_fixture(tc_context *ctx, tc_report *report, TenderHost *host,
                         const tender_method *m, const tender_fixture *f, TcFault fault)
{
    char *where = g_strdup_printf("method %s, fixture %s", m->id, f->name);
    GError *error = NULL;
    tc_fault_transport_arm(ctx->transport, TC_FAULT_NONE, 0);
    TenderPayment *healthy = pay_fixture(host, m, f, &error);
    guint calls = tc_fault_transport_calls(ctx->transport);
    if (healthy == NULL) {
        tc_report_fail(report, "%s: on a healthy transport the host could not run the "
                       "payment: %s", where, error->message);
        g_error_free(error);
        g_free(where);
        return 0;
    }
    for (guint k = 1; k <= calls; k++) {
        /* The first calls and the last one (the payment itself). */
        if (k > MAX_FAULTED_CALLS - 1 && k != calls)
            continue;
        char *at = g_strdup_printf("%s, fault '%s' on HTTP call %u of %u", where,
                                   tc_fault_name(fault), k, calls);
        tc_fault_transport_arm(ctx->transport, fault, k);
        TenderPayment *p = pay_fixture(host, m, f, &error);
        gboolean fired = tc_fault_transport_fired(ctx->transport);
        tc_fault_transport_arm(ctx->transport, TC_FAULT_NONE, 0);
        if (p == NULL) {
            tc_report_fail(report, "%s: the host could not run the payment: %s", at,
                           error->message);
            g_clear_error(&error);
        } else if (fired) {
            check_faulted(report, host, m, fault, k, calls, healthy->status, at, p);
        }
        tender_payment_free(p);
        g_free(at);
    }
    tender_payment_free(healthy);
    g_free(where);
    return calls;
}

static tc_status run_transport_case(tc_context *ctx, tc_report *report, TcFault fault)
{
    GPtrArray *methods = tc_methods(ctx);
    guint fixtures = 0, with_http = 0;
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        size_t n = 0;
        const tender_fixture *fx = tc_fixtures(m, &n);
        if (n == 0)
            continue;
        GError *error = NULL;
        TenderHost *host = tc_host_new_with_retries(ctx, m, ":memory:", 0, &error);
        if (host == NULL) {
            tc_report_fail(report, "method %s: %s", m->id, error->message);
            g_error_free(error);
            continue;
        }
        for (size_t j = 0; j < n; j++) {
            fixtures++;
            if (run_fixture(ctx, report, host, m, &fx[j], fault) > 0)
                with_http++;
        }
        tender_host_free(host);
    }
    g_ptr_array_unref(methods);
    if (fixtures == 0)
        return TC_SKIP;
    if (with_http == 0)
        tc_report_note(report, "no fixture makes an HTTP call through the host: passes "
                       "trivially");
    else
        tc_report_note(report, "%u of %u fixtures make HTTP calls; each call faulted in turn",
                       with_http, fixtures);
    return TC_PASS;
}

#define TRANSPORT_CASE(fn, fault)                                                                 \
    tc_status fn(tc_context *ctx, tc_report *report)                                             \
    {                                                                                             \
        return run_transport_case(ctx, report, fault);                                           \
    }
TRANSPORT_CASE(tc_case_transport_refuse, TC_FAULT_REFUSE)
TRANSPORT_CASE(tc_case_transport_delay, TC_FAULT_DELAY)
TRANSPORT_CASE(tc_case_transport_timeout, TC_FAULT_TIMEOUT)
TRANSPORT_CASE(tc_case_transport_5xx, TC_FAULT_5XX)
TRANSPORT_CASE(tc_case_transport_garbage, TC_FAULT_GARBAGE)
TRANSPORT_CASE(tc_case_transport_truncate, TC_FAULT_TRUNCATE)
TRANSPORT_CASE(tc_case_transport_duplicate, TC_FAULT_DUPLICATE)
