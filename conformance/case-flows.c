/* Case "fixture_flows": every sandbox fixture driven end to end through a
 * real libtender host with an in-memory ledger: authorize (or purchase),
 * the payer's action (complete_params, or the sandbox notification the
 * provider would send, replayed once to prove a repeat changes nothing),
 * capture (partial and full where declared), sync, refund (partial and full
 * where declared), and void on a fresh authorization where declared. */
#include <string.h>

#include <tender/decline.h>

#include "conformance-private.h"
#include "conformance-flow.h"

/* The payment statuses an outcome of the first step (or of the action)
 * leads to. */
static gboolean status_matches(guint32 outcome, TenderStatus status)
{
    switch (outcome) {
    case TENDER_OUTCOME_APPROVED:
        return status == TENDER_STATUS_AUTHORIZED || status == TENDER_STATUS_CAPTURED;
    case TENDER_OUTCOME_DECLINED:
        return status == TENDER_STATUS_DECLINED;
    case TENDER_OUTCOME_ACTION_REQUIRED:
        return status == TENDER_STATUS_REQUIRES_ACTION;
    case TENDER_OUTCOME_PENDING:
        return status == TENDER_STATUS_PENDING;
    case TENDER_OUTCOME_NOT_SENT:
        return status == TENDER_STATUS_FAILED;
    case TENDER_OUTCOME_UNKNOWN:
        return status == TENDER_STATUS_UNKNOWN;
    default:
        return FALSE;
    }
}

static const char *status_name(TenderStatus s)
{
    const char *n = tender_status_to_string(s);
    return n ? n : "?";
}

static char *describe(const TenderPayment *p)
{
    if (p->status == TENDER_STATUS_DECLINED || p->status == TENDER_STATUS_FAILED)
        return g_strdup_printf("%s (%s: %s)", status_name(p->status),
                               tender_decline_lookup(p->decline_code)->name,
                               p->decline_message ? p->decline_message : "");
    return g_strdup(status_name(p->status));
}

static void expect_status(tc_report *report, const char *where, guint32 outcome,
                          guint32 decline, const TenderPayment *p)
{
    if (!status_matches(outcome, p->status)) {
        char *got = describe(p);
        tc_report_fail(report, "%s: expected %s, the payment became %s", where,
                       tc_outcome_name(outcome), got);
        g_free(got);
        return;
    }
    if (outcome == TENDER_OUTCOME_DECLINED && decline != 0 && p->decline_code != decline)
        tc_report_fail(report, "%s: expected decline %s, the plugin declined with %s (%s)",
                       where, tender_decline_lookup(decline)->name,
                       tender_decline_lookup(p->decline_code)->name,
                       p->decline_message ? p->decline_message : "");
}

/* "Name: value\n" lines into params (strings owned by the returned chunks). */
static GArray *parse_headers(char *text)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(tender_param));
    for (char *line = text; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
        char *colon = strchr(line, ':');
        if (colon != NULL) {
            *colon = '\0';
            char *value = colon + 1;
            while (*value == ' ' || *value == '\t')
                value++;
            tender_param p = {line, value};
            g_array_append_val(out, p);
        }
        line = next;
    }
    return out;
}

static TenderPayment *replace(TenderPayment *old, TenderPayment *fresh)
{
    if (fresh == NULL)
        return old;
    tender_payment_free(old);
    return fresh;
}

/* Finish the payer's action of fixture f on payment p. Returns the updated
 * payment (p itself when something failed, reported). */
static TenderPayment *finish_action(tc_report *report, TenderHost *host,
                                    const tender_method *m, const tender_fixture *f,
                                    const char *where, TenderPayment *p)
{
    GError *error = NULL;
    if (f->n_complete_params > 0) {
        TenderPayment *done = tender_host_complete(host, p->id, f->complete_params,
                                                   f->n_complete_params, &error);
        if (done == NULL) {
            tc_report_fail(report, "%s: expected complete_action to finish the action, the "
                           "host reports: %s", where, error->message);
            g_error_free(error);
            return p;
        }
        return replace(p, done);
    }
    if (f->sandbox_event == NULL)
        return p;
    char *headers = NULL, *body = NULL;
    if (!tender_host_sandbox_notification(host, p->id, f->sandbox_event, &headers, &body,
                                          &error)) {
        tc_report_fail(report, "%s: expected the sandbox notification \"%s\", the host "
                       "reports: %s", where, f->sandbox_event, error->message);
        g_error_free(error);
        return p;
    }
    char *headers_copy = g_strdup(headers);
    GArray *hv = parse_headers(headers_copy);
    TenderNotifyReply *reply = NULL;
    if (!tender_host_notify(host, m->id, (const tender_param *)(void *)hv->data, hv->len, body,
                            strlen(body), &reply, &error)) {
        tc_report_fail(report, "%s: expected the sandbox notification \"%s\" accepted, the "
                       "host reports: %s", where, f->sandbox_event, error->message);
        g_clear_error(&error);
        tender_notify_reply_free(reply);
    } else {
        tender_notify_reply_free(reply);
        p = replace(p, tender_host_get(host, p->id, NULL));
        /* The provider repeats notifications: a repeat must change nothing,
         * and must be answered so that the provider stops. */
        TenderStatus before = p->status;
        gint64 captured = p->captured, refunded = p->refunded, amount = p->amount;
        reply = NULL;
        if (!tender_host_notify(host, m->id, (const tender_param *)(void *)hv->data, hv->len,
                                body, strlen(body), &reply, &error)) {
            tc_report_fail(report, "%s: expected a repeated notification accepted as a "
                           "duplicate, the host reports: %s", where, error->message);
            g_clear_error(&error);
        }
        tender_notify_reply_free(reply);
        p = replace(p, tender_host_get(host, p->id, NULL));
        if (p->status != before || p->captured != captured || p->refunded != refunded ||
            p->amount != amount)
            tc_report_fail(report, "%s: expected a repeated notification to change nothing, "
                           "the payment went from %s (captured %" G_GINT64_FORMAT ", refunded "
                           "%" G_GINT64_FORMAT ") to %s (captured %" G_GINT64_FORMAT
                           ", refunded %" G_GINT64_FORMAT ")",
                           where, status_name(before), captured, refunded,
                           status_name(p->status), p->captured, p->refunded);
    }
    g_array_free(hv, TRUE);
    g_free(headers_copy);
    g_free(headers);
    g_free(body);
    return p;
}

TenderPayment *tc_flow_start(tc_report *report, TenderHost *host, const tender_method *m,
                             const tender_fixture *f, gboolean finish, const char *where)
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
    GError *error = NULL;
    TenderPayment *p = tender_host_pay(host, &pr, &error);
    if (p == NULL) {
        tc_report_fail(report, "%s: expected the host to run the payment, it failed: %s", where,
                       error->message);
        g_error_free(error);
        return NULL;
    }
    expect_status(report, where, f->expect_outcome, f->expect_decline, p);
    if (finish && f->expect_outcome == TENDER_OUTCOME_ACTION_REQUIRED &&
        p->status == TENDER_STATUS_REQUIRES_ACTION) {
        p = finish_action(report, host, m, f, where, p);
        char *after = g_strdup_printf("%s, after the action", where);
        expect_status(report, after, f->expect_after_action, 0, p);
        g_free(after);
    }
    return p;
}

/* Run one money operation and check the totals that follow. */
static TenderPayment *money_op(tc_report *report, TenderHost *host, const char *where,
                               TenderPayment *p, tender_operation op, gint64 part,
                               gint64 want_captured, gint64 want_refunded)
{
    GError *error = NULL;
    char *amount = part > 0 ? tender_money_format(part, p->currency, p->exponent) : NULL;
    TenderPayment *next = NULL;
    const char *label = tc_operation_name(op);
    if (op == TENDER_OP_CAPTURE)
        next = tender_host_capture(host, p->id, amount, NULL, &error);
    else if (op == TENDER_OP_REFUND)
        next = tender_host_refund(host, p->id, amount, NULL, &error);
    else if (op == TENDER_OP_VOID)
        next = tender_host_void(host, p->id, NULL, &error);
    else
        next = tender_host_sync(host, p->id, &error);
    if (next == NULL) {
        tc_report_fail(report, "%s: expected %s%s%s to be approved, it failed: %s", where,
                       label, amount ? " of " : "", amount ? amount : "", error->message);
        g_error_free(error);
        g_free(amount);
        return p;
    }
    if (next->captured != want_captured || next->refunded != want_refunded)
        tc_report_fail(report, "%s: after %s%s%s expected captured %" G_GINT64_FORMAT
                       " and refunded %" G_GINT64_FORMAT " (minor units), the payment has "
                       "%" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " (%s)",
                       where, label, amount ? " of " : "", amount ? amount : "", want_captured,
                       want_refunded, next->captured, next->refunded, status_name(next->status));
    g_free(amount);
    return replace(p, next);
}

static void expect_now(tc_report *report, const char *where, const char *step,
                       const TenderPayment *p, TenderStatus want)
{
    if (p->status != want)
        tc_report_fail(report, "%s: after %s expected status %s, the payment is %s", where,
                       step, status_name(want), status_name(p->status));
}

static void lifecycle(tc_report *report, TenderHost *host, const tender_method *m,
                      const char *where, TenderPayment *p, TcFlowCounts *counts)
{
    uint64_t caps = m->capabilities;
    if (caps & TENDER_CAP_SYNC) {
        TenderStatus before = p->status;
        gint64 captured = p->captured;
        p = money_op(report, host, where, p, TENDER_OP_SYNC, 0, p->captured, p->refunded);
        expect_now(report, where, "sync of a settled payment", p, before);
        (void)captured;
        counts->syncs++;
    }
    if (p->status == TENDER_STATUS_AUTHORIZED && (caps & TENDER_CAP_CAPTURE)) {
        gint64 amount = p->amount;
        if ((caps & TENDER_CAP_PARTIAL_CAPTURE) && amount >= 2) {
            gint64 half = amount / 2;
            p = money_op(report, host, where, p, TENDER_OP_CAPTURE, half, half, 0);
            counts->partial_captures++;
            if ((caps & TENDER_CAP_MULTI_CAPTURE) && p->captured == half) {
                expect_now(report, where, "a partial capture", p,
                           TENDER_STATUS_PARTIALLY_CAPTURED);
                p = money_op(report, host, where, p, TENDER_OP_CAPTURE, 0, amount, 0);
                expect_now(report, where, "capturing the rest", p, TENDER_STATUS_CAPTURED);
            }
        } else {
            p = money_op(report, host, where, p, TENDER_OP_CAPTURE, 0, amount, 0);
            expect_now(report, where, "a full capture", p, TENDER_STATUS_CAPTURED);
        }
        counts->captures++;
    }
    if (p->captured > 0 && (caps & TENDER_CAP_REFUND) &&
        (p->status == TENDER_STATUS_CAPTURED || p->status == TENDER_STATUS_PARTIALLY_CAPTURED)) {
        gint64 captured = p->captured;
        if ((caps & TENDER_CAP_PARTIAL_REFUND) && captured >= 2) {
            gint64 part = MAX(captured / 4, 1);
            p = money_op(report, host, where, p, TENDER_OP_REFUND, part, captured, part);
            expect_now(report, where, "a partial refund", p, TENDER_STATUS_PARTIALLY_REFUNDED);
            counts->partial_refunds++;
            if (p->refunded == part) {
                p = money_op(report, host, where, p, TENDER_OP_REFUND, 0, captured, captured);
                expect_now(report, where, "refunding the rest", p, TENDER_STATUS_REFUNDED);
            }
        } else {
            p = money_op(report, host, where, p, TENDER_OP_REFUND, 0, captured, captured);
            expect_now(report, where, "a full refund", p, TENDER_STATUS_REFUNDED);
        }
        counts->refunds++;
    }
    tender_payment_free(p);
}

/* Void a fresh payment of fixture f: after its action when the method
 * authorizes, before it when the method only sells (closing an unpaid
 * trade). */
static void void_flow(tc_report *report, TenderHost *host, const tender_method *m,
                      const tender_fixture *f, const char *where, TcFlowCounts *counts)
{
    gboolean authorizes = (m->capabilities & TENDER_CAP_AUTHORIZE) != 0;
    char *w = g_strdup_printf("%s (void)", where);
    size_t before = tc_report_failures(report);
    TenderPayment *p = tc_flow_start(report, host, m, f, authorizes, w);
    gboolean applicable = p != NULL && tc_report_failures(report) == before &&
                          ((authorizes && p->status == TENDER_STATUS_AUTHORIZED) ||
                           (!authorizes && p->status == TENDER_STATUS_REQUIRES_ACTION));
    if (applicable) {
        p = money_op(report, host, w, p, TENDER_OP_VOID, 0, 0, 0);
        expect_now(report, w, "void", p, TENDER_STATUS_VOIDED);
        counts->voids++;
    }
    if (p != NULL)
        tender_payment_free(p);
    g_free(w);
}

/* When the lifecycle above went the partial way, a fresh payment of the
 * same fixture also takes the plain way: one full capture, one full refund. */
static void full_flow(tc_report *report, TenderHost *host, const tender_method *m,
                      const tender_fixture *f, const char *where, TcFlowCounts *counts)
{
    uint64_t caps = m->capabilities;
    gboolean partial_capture = (caps & TENDER_CAP_PARTIAL_CAPTURE) != 0;
    gboolean partial_refund = (caps & TENDER_CAP_PARTIAL_REFUND) != 0;
    if (!partial_capture && !partial_refund)
        return;
    char *w = g_strdup_printf("%s (full amounts)", where);
    size_t before = tc_report_failures(report);
    TenderPayment *p = tc_flow_start(report, host, m, f, TRUE, w);
    if (p != NULL && tc_report_failures(report) == before) {
        gint64 amount = p->amount;
        if (p->status == TENDER_STATUS_AUTHORIZED && (caps & TENDER_CAP_CAPTURE)) {
            p = money_op(report, host, w, p, TENDER_OP_CAPTURE, 0, amount, 0);
            expect_now(report, w, "a full capture", p, TENDER_STATUS_CAPTURED);
            counts->captures++;
        }
        if (p->status == TENDER_STATUS_CAPTURED && (caps & TENDER_CAP_REFUND)) {
            p = money_op(report, host, w, p, TENDER_OP_REFUND, 0, p->captured, p->captured);
            expect_now(report, w, "a full refund", p, TENDER_STATUS_REFUNDED);
            counts->refunds++;
        }
    }
    if (p != NULL)
        tender_payment_free(p);
    g_free(w);
}

tc_status tc_case_fixture_flows(tc_context *ctx, tc_report *report)
{
    if (ctx->load_error != NULL) {
        tc_report_fail(report, "expected a loadable plugin: %s", ctx->load_error);
        return TC_FAIL;
    }
    GPtrArray *methods = tc_methods(ctx);
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        size_t nf = 0;
        const tender_fixture *fx = tc_fixtures(m, &nf);
        if (nf == 0) {
            tc_report_fail(report, "method %s: expected sandbox fixtures (ops->sandbox_fixtures) "
                           "so the kit can drive its flows, it declares none", m->id);
            continue;
        }
        gboolean approving = FALSE;
        for (size_t k = 0; k < nf; k++)
            approving = approving || tc_fixture_approves(&fx[k]);
        if (!approving)
            tc_report_fail(report, "method %s: expected at least one fixture that ends "
                           "approved, none does", m->id);
        GError *error = NULL;
        TenderHost *host = tc_host_new(ctx, m, ":memory:", &error);
        if (host == NULL) {
            tc_report_fail(report, "method %s: expected a libtender host to load the plugin, it "
                           "failed: %s", m->id, error->message);
            g_error_free(error);
            continue;
        }
        TcFlowCounts counts = {0};
        for (size_t k = 0; k < nf; k++) {
            const tender_fixture *f = &fx[k];
            char *where = g_strdup_printf("method %s fixture %s", m->id, f->name ? f->name : "?");
            size_t before = tc_report_failures(report);
            TenderPayment *p = tc_flow_start(report, host, m, f, TRUE, where);
            counts.payments++;
            if (p != NULL && tc_report_failures(report) == before &&
                (p->status == TENDER_STATUS_AUTHORIZED || p->status == TENDER_STATUS_CAPTURED)) {
                lifecycle(report, host, m, where, p, &counts);
                full_flow(report, host, m, f, where, &counts);
                if (m->capabilities & TENDER_CAP_VOID)
                    void_flow(report, host, m, f, where, &counts);
            } else if (p != NULL) {
                tender_payment_free(p);
            }
            g_free(where);
        }
        tender_host_free(host);
        tc_report_note(report, "method %s: %d payments, %d captures (%d partial), %d refunds "
                       "(%d partial), %d voids, %d syncs", m->id, counts.payments,
                       counts.captures, counts.partial_captures, counts.refunds,
                       counts.partial_refunds, counts.voids, counts.syncs);
    }
    g_ptr_array_unref(methods);
    return tc_report_failures(report) ? TC_FAIL : TC_PASS;
}
