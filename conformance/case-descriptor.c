/* Cases about what the plugin declares, before anything is called:
 * "descriptor" (the loader's own checks), "ids" (well-formed and unique
 * names) and "facts" (currencies, regions, tiers and fixtures that make
 * sense). */
#include <string.h>

#include <tender/decline.h>
#include <tender/money.h>

#include "conformance-private.h"

/* Shared opening: a case that needs the descriptor fails when there is none. */
static gboolean need_descriptor(tc_context *ctx, tc_report *report)
{
    if (ctx->load_error != NULL) {
        tc_report_fail(report, "expected a loadable plugin: %s", ctx->load_error);
        return FALSE;
    }
    return TRUE;
}

tc_status tc_case_descriptor(tc_context *ctx, tc_report *report)
{
    if (!need_descriptor(ctx, report))
        return TC_FAIL;
    char *reason = NULL;
    if (!tender_plugin_check_descriptor(ctx->descriptor, &reason)) {
        tc_report_fail(report, "expected a descriptor the loader accepts, it refuses it: %s",
                       reason ? reason : "(no reason)");
        g_free(reason);
        return TC_FAIL;
    }
    g_free(reason);
    /* The descriptor is plugin-static: a second entry call returns it
     * again. An isolated plugin's entry point runs in its worker, once per
     * worker; libtender compares each new worker's descriptor with the
     * first's instead (a difference refuses the worker). */
    tender_plugin_entry_fn entry = tender_test_plugin_entry(ctx->plugin);
    const tender_plugin_descriptor *again =
        entry ? entry(TENDER_ABI_MAJOR, TENDER_ABI_MINOR, tender_test_host_services(ctx->host))
              : ctx->descriptor;
    if (again != ctx->descriptor)
        tc_report_fail(report, "expected the same plugin-static descriptor from every entry "
                       "call, the second call returned %p instead of %p", (const void *)again,
                       (const void *)ctx->descriptor);
    if (ctx->method_filter != NULL) {
        GPtrArray *ms = tc_methods(ctx);
        if (ms->len == 0)
            tc_report_fail(report, "expected a method \"%s\", the plugin declares none by "
                           "that id", ctx->method_filter);
        g_ptr_array_unref(ms);
    }
    if (tc_report_failures(report) == 0)
        tc_report_note(report, "plugin %s %s, ABI %u.%u, %zu method(s)", ctx->descriptor->id,
                       ctx->descriptor->version, ctx->descriptor->abi_major,
                       ctx->descriptor->abi_minor, ctx->descriptor->n_methods);
    return tc_report_failures(report) ? TC_FAIL : TC_PASS;
}

/* ---- ids ------------------------------------------------------------------ */

static gboolean chars_ok(const char *s, const char *extra, size_t max)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (n >= max)
            return FALSE;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr(extra, c) != NULL))
            return FALSE;
    }
    return n > 0;
}

/* Report names that are NULL, empty or repeated in a list. */
static void check_unique(tc_report *report, const char *mid, const char *what,
                         const char *const *names, size_t n)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < n; i++) {
        if (names[i] == NULL || names[i][0] == '\0') {
            tc_report_fail(report, "method %s: expected every %s named, #%zu has no name", mid,
                           what, i);
            continue;
        }
        if (g_hash_table_contains(seen, names[i]))
            tc_report_fail(report, "method %s: expected unique %s names, \"%s\" appears twice",
                           mid, what, names[i]);
        g_hash_table_add(seen, (gpointer)names[i]);
    }
    g_hash_table_unref(seen);
}

tc_status tc_case_ids(tc_context *ctx, tc_report *report)
{
    if (!need_descriptor(ctx, report))
        return TC_FAIL;
    const tender_plugin_descriptor *d = ctx->descriptor;
    if (d->id == NULL || !chars_ok(d->id, "_.-", 63))
        tc_report_fail(report, "expected a plugin id of 1..63 characters [a-z0-9_.-], the "
                       "plugin declares \"%s\"", d->id ? d->id : "(null)");
    GPtrArray *methods = tc_methods(ctx);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        if (!chars_ok(m->id, "_", 31))
            tc_report_fail(report, "expected a method id of 1..31 characters [a-z0-9_], the "
                           "plugin declares \"%s\"", m->id);
        if (g_hash_table_contains(seen, m->id))
            tc_report_fail(report, "expected unique method ids, \"%s\" appears twice", m->id);
        g_hash_table_add(seen, (gpointer)m->id);

        GPtrArray *names = g_ptr_array_new();
        for (size_t k = 0; m->params != NULL && k < m->n_params; k++)
            g_ptr_array_add(names, (gpointer)m->params[k].name);
        check_unique(report, m->id, "request parameter", (const char *const *)names->pdata,
                     names->len);
        g_ptr_array_set_size(names, 0);
        for (size_t k = 0; m->action_params != NULL && k < m->n_action_params; k++)
            g_ptr_array_add(names, (gpointer)m->action_params[k].name);
        check_unique(report, m->id, "action parameter", (const char *const *)names->pdata,
                     names->len);
        g_ptr_array_set_size(names, 0);
        for (size_t k = 0; m->currencies != NULL && k < m->n_currencies; k++)
            g_ptr_array_add(names, (gpointer)m->currencies[k].code);
        check_unique(report, m->id, "currency", (const char *const *)names->pdata, names->len);
        g_ptr_array_set_size(names, 0);
        for (size_t k = 0; m->regions != NULL && m->regions[k] != NULL && k < 1024; k++)
            g_ptr_array_add(names, (gpointer)m->regions[k]);
        check_unique(report, m->id, "region", (const char *const *)names->pdata, names->len);
        g_ptr_array_set_size(names, 0);
        for (size_t k = 0; m->tiers != NULL && m->tiers[k] != NULL && k < 1024; k++)
            g_ptr_array_add(names, (gpointer)m->tiers[k]);
        check_unique(report, m->id, "tier", (const char *const *)names->pdata, names->len);
        g_ptr_array_set_size(names, 0);
        size_t nf = 0;
        const tender_fixture *fx = tc_fixtures(m, &nf);
        for (size_t k = 0; fx != NULL && k < nf; k++)
            g_ptr_array_add(names, (gpointer)fx[k].name);
        check_unique(report, m->id, "fixture", (const char *const *)names->pdata, names->len);
        g_ptr_array_unref(names);
    }
    if (methods->len == 0)
        tc_report_fail(report, "expected at least one method, the plugin declares none");
    g_hash_table_unref(seen);
    g_ptr_array_unref(methods);
    return tc_report_failures(report) ? TC_FAIL : TC_PASS;
}

/* ---- facts ----------------------------------------------------------------- */

static gboolean serves_region(const tender_method *m, const char *region)
{
    for (size_t k = 0; m->regions != NULL && m->regions[k] != NULL && k < 1024; k++)
        if (strcmp(m->regions[k], "*") == 0 || strcmp(m->regions[k], region) == 0)
            return TRUE;
    return FALSE;
}

static gboolean knows_tier(const tender_method *m, const char *tier)
{
    if (m->tiers == NULL || m->tiers[0] == NULL)
        return TRUE; /* no tiers: the host ignores the buyer's */
    for (size_t k = 0; m->tiers[k] != NULL && k < 1024; k++)
        if (strcmp(m->tiers[k], tier) == 0)
            return TRUE;
    return FALSE;
}

static void check_currencies(tc_report *report, const tender_method *m)
{
    for (size_t k = 0; m->currencies != NULL && k < m->n_currencies; k++) {
        const tender_currency_fact *c = &m->currencies[k];
        const char *code = c->code ? c->code : "(null)";
        int iso = c->code ? tender_currency_exponent(c->code) : -1;
        if (iso < 0 && c->exponent < 0)
            tc_report_fail(report, "method %s: expected currency %s to be ISO 4217 or to "
                           "declare its own exponent, it is neither (exponent -1)", m->id,
                           code);
        if (c->exponent < -1 || c->exponent > 9)
            tc_report_fail(report, "method %s: expected currency %s's exponent -1..9, it "
                           "declares %d", m->id, code, c->exponent);
        if (c->min_amount < 0 || c->max_amount < 0 ||
            (c->max_amount > 0 && c->min_amount > c->max_amount))
            tc_report_fail(report, "method %s: expected currency %s's bounds 0 <= min <= max, "
                           "it declares min %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT, m->id,
                           code, (gint64)c->min_amount, (gint64)c->max_amount);
        if (c->home_region != NULL) {
            if (!tender_region_is_valid(c->home_region))
                tc_report_fail(report, "method %s: expected currency %s's home region to be "
                               "ISO 3166-1, it declares \"%s\"", m->id, code, c->home_region);
            else if (!serves_region(m, c->home_region))
                tc_report_fail(report, "method %s: expected currency %s's home region %s "
                               "among the method's regions, it is not", m->id, code,
                               c->home_region);
        }
    }
}

static void check_regions(tc_report *report, const tender_method *m)
{
    size_t n = 0;
    for (; m->regions != NULL && m->regions[n] != NULL && n < 1024; n++) {
        const char *r = m->regions[n];
        if (strcmp(r, "*") == 0)
            continue;
        if (!tender_region_is_valid(r))
            tc_report_fail(report, "method %s: expected ISO 3166-1 alpha-2 regions (or \"*\"), "
                           "it declares \"%s\"", m->id, r);
    }
    for (size_t k = 0; k < n; k++)
        if (strcmp(m->regions[k], "*") == 0 && n != 1)
            tc_report_fail(report, "method %s: expected \"*\" as the only region, it comes with "
                           "%zu others", m->id, n - 1);
    if (n == 0)
        tc_report_fail(report, "method %s: expected at least one region, it declares none",
                       m->id);
}

static void check_fixture(tc_report *report, const tender_method *m, const tender_fixture *f,
                          size_t index)
{
    const char *name = f->name ? f->name : "(unnamed)";
    if (f->struct_size < offsetof(tender_fixture, expect_after_action) + sizeof(uint32_t)) {
        tc_report_fail(report, "method %s fixture #%zu: expected struct_size >= ABI 1.0's %zu, "
                       "it is %u", m->id, index,
                       offsetof(tender_fixture, expect_after_action) + sizeof(uint32_t),
                       f->struct_size);
        return;
    }
    if (f->region == NULL || !tender_region_is_valid(f->region))
        tc_report_fail(report, "method %s fixture %s: expected an ISO 3166-1 region, it has "
                       "\"%s\"", m->id, name, f->region ? f->region : "(null)");
    else if (!serves_region(m, f->region))
        tc_report_fail(report, "method %s fixture %s: expected a region the method serves, %s "
                       "is not among them", m->id, name, f->region);
    int exponent = tc_method_exponent(m, f->currency);
    if (exponent < 0) {
        tc_report_fail(report, "method %s fixture %s: expected a currency the method declares, "
                       "it uses \"%s\"", m->id, name, f->currency ? f->currency : "(null)");
    } else {
        gint64 minor = 0;
        GError *error = NULL;
        if (!tender_money_parse(f->amount ? f->amount : "", f->currency, exponent, &minor,
                                &error)) {
            tc_report_fail(report, "method %s fixture %s: expected a decimal amount in %s with "
                           "at most %d decimals, it has \"%s\" (%s)", m->id, name,
                           f->currency, exponent, f->amount ? f->amount : "(null)",
                           error->message);
            g_error_free(error);
        }
    }
    if (f->tier != NULL && f->tier[0] != '\0' && !knows_tier(m, f->tier))
        tc_report_fail(report, "method %s fixture %s: expected a tier the method declares, it "
                       "uses \"%s\"", m->id, name, f->tier);
    if (f->expect_outcome < TENDER_OUTCOME_APPROVED || f->expect_outcome > TENDER_OUTCOME_LAST_)
        tc_report_fail(report, "method %s fixture %s: expected an outcome 1..%d, it expects %u",
                       m->id, name, TENDER_OUTCOME_LAST_, f->expect_outcome);
    if (f->expect_outcome == TENDER_OUTCOME_DECLINED &&
        (f->expect_decline == 0 || f->expect_decline > TENDER_DECLINE_LAST_))
        tc_report_fail(report, "method %s fixture %s: expected a decline code 1..%d with "
                       "DECLINED, it has %u", m->id, name, TENDER_DECLINE_LAST_,
                       f->expect_decline);
    if (f->expect_outcome != TENDER_OUTCOME_DECLINED && f->expect_decline != 0)
        tc_report_fail(report, "method %s fixture %s: expected no decline code with %s, it has "
                       "%u", m->id, name, tc_outcome_name(f->expect_outcome), f->expect_decline);
    for (size_t k = 0; f->params != NULL && k < f->n_params; k++)
        if (f->params[k].key == NULL || f->params[k].value == NULL)
            tc_report_fail(report, "method %s fixture %s: parameter #%zu has a NULL key or "
                           "value", m->id, name, k);
    if (f->n_params > 0 && f->params == NULL)
        tc_report_fail(report, "method %s fixture %s: declares %zu parameters and no table",
                       m->id, name, f->n_params);
    if (f->expect_outcome == TENDER_OUTCOME_ACTION_REQUIRED) {
        gboolean by_params = f->n_complete_params > 0;
        gboolean by_event = f->sandbox_event != NULL;
        if (!by_params && !by_event)
            tc_report_fail(report, "method %s fixture %s: expected complete_params or a "
                           "sandbox_event to finish its action, it has neither", m->id, name);
        if (by_params && !(m->capabilities & TENDER_CAP_COMPLETE_ACTION))
            tc_report_fail(report, "method %s fixture %s: finishes its action with "
                           "complete_params but the method does not declare complete_action",
                           m->id, name);
        if (by_params && f->complete_params == NULL)
            tc_report_fail(report, "method %s fixture %s: declares %zu complete_params and no "
                           "table", m->id, name, f->n_complete_params);
        if (by_event && (!(m->capabilities & TENDER_CAP_NOTIFICATION) ||
                         tender_method_sandbox_notification_fn(m) == NULL))
            tc_report_fail(report, "method %s fixture %s: finishes its action with sandbox "
                           "event \"%s\" but the method lacks notification or "
                           "sandbox_notification", m->id, name, f->sandbox_event);
        if (f->expect_after_action < TENDER_OUTCOME_APPROVED ||
            f->expect_after_action > TENDER_OUTCOME_LAST_)
            tc_report_fail(report, "method %s fixture %s: expected an outcome 1..%d after the "
                           "action, it expects %u", m->id, name, TENDER_OUTCOME_LAST_,
                           f->expect_after_action);
    }
}

tc_status tc_case_facts(tc_context *ctx, tc_report *report)
{
    if (!need_descriptor(ctx, report))
        return TC_FAIL;
    GPtrArray *methods = tc_methods(ctx);
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        if (m->n_currencies == 0 || m->currencies == NULL)
            tc_report_fail(report, "method %s: expected at least one currency, it declares none",
                           m->id);
        check_currencies(report, m);
        check_regions(report, m);
        if (m->over_capture_currency != NULL &&
            tender_currency_exponent(m->over_capture_currency) < 0)
            tc_report_fail(report, "method %s: expected an ISO 4217 over_capture_currency, it "
                           "declares \"%s\"", m->id, m->over_capture_currency);
        if (m->hold_seconds < 0 || m->action_timeout_seconds < 0)
            tc_report_fail(report, "method %s: expected non-negative hold and action timeouts",
                           m->id);
        size_t nf = 0;
        const tender_fixture *fx = tc_fixtures(m, &nf);
        for (size_t k = 0; fx != NULL && k < nf; k++)
            check_fixture(report, m, &fx[k], k);
        tc_report_note(report, "method %s: %zu currencies, %zu fixtures checked", m->id,
                       m->n_currencies, nf);
    }
    g_ptr_array_unref(methods);
    return tc_report_failures(report) ? TC_FAIL : TC_PASS;
}
