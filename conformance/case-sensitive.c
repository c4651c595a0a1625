/* Case "sensitive": no value of a SENSITIVE parameter (card number,
 * security code, one-time or protection code) ever comes back from the
 * plugin once the host handed it in: not in any result field (message,
 * plugin_state, details, …), not in a log line, and not at rest in a host's
 * ledger file after every fixture ran through it.
 *
 * "Once handed in" matters for action parameters: a sandbox may publish its
 * fixed test code in the action hint before the payer answers (the first
 * step never received it), so an action parameter's value is looked for in
 * what follows the action, not in the first step's action fields. */
#include <string.h>

#include "conformance-flow.h"
#include "conformance-private.h"

typedef struct {
    const char *value;
    const char *fixture;
    gboolean action_only; /* handed in with complete_action only */
} Secret;

static void scan_result(tc_report *report, const tender_method *m, const tender_fixture *f,
                        const char *step, const tender_result *res, GPtrArray *values)
{
    for (guint i = 0; i < values->len; i++) {
        const char *field = tc_result_field_with(res, g_ptr_array_index(values, i));
        if (field != NULL)
            tc_report_fail(report, "method %s fixture %s: expected no sensitive parameter value "
                           "in the %s result, field %s holds one", m->id, f->name, step, field);
    }
}

/* Direct calls: the first step and, when the fixture says how, the action. */
static void direct(tc_context *ctx, tc_report *report, const tender_method *m, void *instance,
                   const tender_fixture *f, GPtrArray *values, GPtrArray *all_values)
{
    TcRequest r;
    char *why = NULL;
    if (!tc_request_from_fixture(ctx, m, f, tc_first_op(m), &r, &why)) {
        g_free(why); /* "facts" reports unusable fixtures */
        tc_request_clear(&r);
        return;
    }
    tender_result *res = g_new0(tender_result, 1);
    tc_call(m, instance, &r.req, res);
    scan_result(report, m, f, tc_operation_name(tc_first_op(m)), res, values);
    if (res->outcome == TENDER_OUTCOME_ACTION_REQUIRED && f->n_complete_params > 0 &&
        (m->capabilities & TENDER_CAP_COMPLETE_ACTION)) {
        TcRequest c;
        tc_request_follow(ctx, &r, res, TENDER_OP_COMPLETE_ACTION, r.req.amount, r.req.amount, 0,
                          0, &c);
        for (size_t i = 0; i < f->n_complete_params; i++)
            tc_request_add_param(&c, f->complete_params[i].key, f->complete_params[i].value);
        tender_result *done = g_new0(tender_result, 1);
        tc_call(m, instance, &c.req, done);
        scan_result(report, m, f, "complete_action", done, all_values);
        g_free(done);
        tc_request_clear(&c);
    }
    g_free(res);
    tc_request_clear(&r);
}

static void scan_text_if(tc_report *report, const tender_method *m, const char *what,
                         const char *text, GArray *secrets, gboolean with_action_only)
{
    if (text == NULL)
        return;
    for (guint i = 0; i < secrets->len; i++) {
        const Secret *s = &g_array_index(secrets, Secret, i);
        if (s->action_only && !with_action_only)
            continue;
        if (tc_contains_value(text, strlen(text), s->value))
            tc_report_fail(report, "method %s: expected no sensitive parameter value in %s, it "
                           "holds one from fixture %s", m->id, what, s->fixture);
    }
}

static void scan_text(tc_report *report, const tender_method *m, const char *what,
                      const char *text, GArray *secrets)
{
    scan_text_if(report, m, what, text, secrets, TRUE);
}

static void scan_payment(tc_report *report, const tender_method *m, const TenderPayment *p,
                         GArray *secrets)
{
    const char *fields[] = {p->processor_ref, p->decline_raw_code, p->decline_message,
                            p->brand, p->first6, p->last4, p->display_account, p->details};
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
        scan_text(report, m, "a payment's public fields", fields[i], secrets);
    /* The pending action was written before the payer answered. */
    scan_text_if(report, m, "the payment's action", p->action_data, secrets, FALSE);
    scan_text_if(report, m, "the payment's action hint", p->action_hint, secrets, FALSE);
    for (guint i = 0; p->operations != NULL && i < p->operations->len; i++) {
        const TenderOperation *op = g_ptr_array_index(p->operations, i);
        scan_text(report, m, "a recorded operation's raw code", op->raw_code, secrets);
        scan_text(report, m, "a recorded operation's message", op->message, secrets);
        scan_text(report, m, "a recorded operation's processor reference", op->processor_ref,
                  secrets);
    }
}

/* Every file of the ledger (database, WAL, journal) read raw. */
static void scan_ledger_files(tc_report *report, const tender_method *m, const char *dir,
                              GArray *secrets)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);
        gchar *data = NULL;
        gsize len = 0;
        if (g_file_get_contents(path, &data, &len, NULL)) {
            for (guint i = 0; i < secrets->len; i++) {
                const Secret *s = &g_array_index(secrets, Secret, i);
                /* The raw file also holds the action hint written before the
                 * payer answered: look for request values only there. */
                if (s->action_only)
                    continue;
                if (tc_contains_value(data, len, s->value))
                    tc_report_fail(report, "method %s: expected no sensitive parameter value at "
                                   "rest, the ledger file %s holds one from fixture %s", m->id,
                                   name, s->fixture);
            }
            g_free(data);
        }
        g_free(path);
    }
    g_dir_close(d);
}

static void through_host(tc_context *ctx, tc_report *report, const tender_method *m,
                         GArray *secrets)
{
    const char *tmp = tc_tmpdir(ctx);
    if (tmp == NULL)
        return;
    char *dir = g_build_filename(tmp, "ledger", m->id, NULL);
    g_mkdir_with_parents(dir, 0700);
    char *ledger = g_build_filename(dir, "ledger.db", NULL);
    GError *error = NULL;
    TenderHost *host = tc_host_new(ctx, m, ledger, &error);
    if (host == NULL) {
        tc_report_fail(report, "method %s: expected a libtender host with a ledger file, it "
                       "failed: %s", m->id, error->message);
        g_error_free(error);
        g_free(ledger);
        g_free(dir);
        return;
    }
    size_t nf = 0;
    const tender_fixture *fx = tc_fixtures(m, &nf);
    /* Flow problems are fixture_flows' to report: collect them aside. */
    tc_report quiet = {g_string_new(NULL), g_string_new(NULL), 0};
    for (size_t k = 0; k < nf; k++) {
        TenderPayment *p = tc_flow_start(&quiet, host, m, &fx[k], TRUE, fx[k].name);
        if (p == NULL)
            continue;
        TenderPayment *full = tender_host_get(host, p->id, NULL);
        if (full != NULL) {
            /* A payment is checked for its own fixture's values (another
             * fixture's short PIN may equal this card's last four). */
            GArray *own = g_array_new(FALSE, FALSE, sizeof(Secret));
            for (guint i = 0; i < secrets->len; i++) {
                const Secret *s = &g_array_index(secrets, Secret, i);
                if (strcmp(s->fixture, fx[k].name) == 0)
                    g_array_append_val(own, *s);
            }
            scan_payment(report, m, full, own);
            g_array_free(own, TRUE);
            tender_payment_free(full);
        }
        tender_payment_free(p);
    }
    g_string_free(quiet.failures, TRUE);
    g_string_free(quiet.notes, TRUE);
    tender_host_free(host);
    scan_ledger_files(report, m, dir, secrets);
    g_free(ledger);
    g_free(dir);
}

tc_status tc_case_sensitive(tc_context *ctx, tc_report *report)
{
    if (ctx->load_error != NULL) {
        tc_report_fail(report, "expected a loadable plugin: %s", ctx->load_error);
        return TC_FAIL;
    }
    GPtrArray *methods = tc_methods(ctx);
    int n_values = 0;
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        size_t nf = 0;
        const tender_fixture *fx = tc_fixtures(m, &nf);
        GArray *secrets = g_array_new(FALSE, FALSE, sizeof(Secret));
        void *instance = NULL;
        char *error = NULL;
        tc_settings_clear(ctx);
        if (tc_instance_new(ctx, m, &instance, &error) != 0) {
            tc_report_fail(report, "method %s: expected create with an empty config to succeed, "
                           "it failed: %s", m->id, error ? error : "");
            g_free(error);
            g_array_free(secrets, TRUE);
            continue;
        }
        for (size_t k = 0; k < nf; k++) {
            GPtrArray *values = tc_sensitive_values(m, &fx[k], FALSE);
            GPtrArray *all = tc_sensitive_values(m, &fx[k], TRUE);
            for (guint v = 0; v < all->len; v++) {
                const char *value = g_ptr_array_index(all, v);
                gboolean in_request = FALSE;
                for (guint w = 0; w < values->len; w++)
                    in_request = in_request || strcmp(g_ptr_array_index(values, w), value) == 0;
                Secret s = {value, fx[k].name, !in_request};
                g_array_append_val(secrets, s);
            }
            if (all->len > 0)
                direct(ctx, report, m, instance, &fx[k], values, all);
            g_ptr_array_unref(values);
            g_ptr_array_unref(all);
        }
        tc_instance_free(m, instance);
        GPtrArray *logs = tc_logs(ctx);
        for (guint l = 0; l < logs->len; l++)
            scan_text(report, m, "a log line", g_ptr_array_index(logs, l), secrets);
        g_ptr_array_unref(logs);
        if (secrets->len > 0)
            through_host(ctx, report, m, secrets);
        tc_report_note(report, "method %s: %u sensitive fixture values looked for", m->id,
                       secrets->len);
        n_values += (int)secrets->len;
        g_array_free(secrets, TRUE);
    }
    g_ptr_array_unref(methods);
    if (tc_report_failures(report))
        return TC_FAIL;
    return n_values > 0 ? TC_PASS : TC_SKIP;
}
