/* The operator console's pages (docs/checkout.md, "Operator console"):
 *
 *   GET  /console                     sign-in, then the payments with filters
 *   POST /console/login, /logout      the cookie (console-auth.c)
 *   GET  /console/payments/{id}       one payment's timeline and its operations
 *   POST /console/payments/{id}/operate  capture, void, refund, sync
 *   GET  /console/reconcile           unknown and pending payments, to sync
 *   GET  /console/limits?account=A    what A used of each cumulative limit
 *
 * Reading needs any key. Moving money needs a write key (the signed-in
 * one, or one typed into the form), a ticked confirmation and the
 * sign-in's CSRF token; each form carries its own idempotency key, so a
 * form sent twice moves money once. English only, for now. */
#include <string.h>

#include <tender/decline.h>

#include "console.h"
#include "tender-json.h"

#define LIST_LIMIT 100

static void page_begin(GString *html, const char *title, const ConsoleIdentity *id)
{
    checkout_html_printf(html,
                         "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<title>%s · Tender console</title>\n"
                         "<link rel=\"stylesheet\" href=\"/checkout-assets/checkout.css\">\n"
                         "</head>\n<body class=\"console\">\n<main>\n",
                         title);
    if (id && id->key)
        checkout_html_printf(
            html,
            "<nav><a href=\"/console\">Payments</a> · <a "
            "href=\"/console/reconcile\">Reconcile queue</a> · <a "
            "href=\"/console/limits\">Limit usage</a> · signed in with "
            "<code>%s</code> (%s) <form class=\"inline\" method=\"post\" "
            "action=\"/console/logout\"><input type=\"hidden\" name=\"csrf\" "
            "value=\"%s\"><button type=\"submit\">Sign out</button></form></nav>\n",
            id->key->id, tender_api_scope_to_string(id->key->scope), id->csrf);
    checkout_html_printf(html, "<h1>%s</h1>\n", title);
}

static void page_message(ServiceResponse *resp, guint status, const ConsoleIdentity *id,
                         const char *title, const char *text)
{
    GString *html = g_string_new(NULL);
    page_begin(html, title, id);
    checkout_html_printf(html, "<p class=\"message\" role=\"alert\">%s</p>\n", text);
    checkout_html_end(html);
    checkout_respond_html(resp, status, html);
}

static const char *form_value(GHashTable *form, const char *name)
{
    const char *v = g_hash_table_lookup(form, name);
    return v && *v ? v : NULL;
}

static void respond_login(ServiceResponse *resp, gboolean failed)
{
    GString *html = g_string_new(NULL);
    page_begin(html, "Sign in", NULL);
    if (failed)
        g_string_append(html, "<p class=\"errors\" role=\"alert\" id=\"key-error\">That key is "
                              "not a valid API key.</p>\n");
    g_string_append(html,
                    "<form method=\"post\" action=\"/console/login\">\n<div class=\"field\">"
                    "<label for=\"api-key\">API key (read scope is enough to look)</label>\n"
                    "<input id=\"api-key\" name=\"api_key\" type=\"password\" autocomplete=\"off\" "
                    "aria-describedby=\"key-error\" required></div>\n"
                    "<button type=\"submit\" id=\"sign-in\">Sign in</button>\n</form>\n");
    checkout_html_end(html);
    checkout_respond_html(resp, failed ? 401 : 200, html);
}

/* ---- the payments list ---------------------------------------------------------------------------- */

/* The payments as a table; with id (the reconcile queue), each row has a
 * sync button: CSRF token, its own idempotency key, and the write key
 * field when the signed-in key only reads. */
static void render_payment_rows(GString *html, GPtrArray *payments, const ConsoleIdentity *id)
{
    g_string_append(html, "<table class=\"payments\">\n<thead><tr><th>Payment</th><th>Created"
                          "</th><th>Method</th><th>Status</th><th>Amount</th><th>Captured</th>"
                          "<th>Refunded</th><th>Account</th>");
    g_string_append(html,
                    id ? "<th>Sync</th></tr></thead>\n<tbody>\n" : "</tr></thead>\n<tbody>\n");
    for (guint i = 0; i < payments->len; i++) {
        const TenderPayment *p = g_ptr_array_index(payments, i);
        g_autofree char *created = tender_json_iso_time(p->created_ms);
        g_autofree char *amount = checkout_format_minor(p->amount, p->exponent);
        g_autofree char *captured = checkout_format_minor(p->captured, p->exponent);
        g_autofree char *refunded = checkout_format_minor(p->refunded, p->exponent);
        checkout_html_printf(html,
                             "<tr><td><a href=\"/console/payments/%s\">%s</a></td><td>%s</td>"
                             "<td>%s</td><td class=\"status\">%s</td><td>%s %s</td><td>%s</td>"
                             "<td>%s</td><td>%s</td>",
                             p->id, p->id, created ? created : "", p->method,
                             tender_status_to_string(p->status), amount, p->currency, captured,
                             refunded, p->account ? p->account : "");
        if (id) {
            g_autofree char *key = console_new_operation_key();
            checkout_html_printf(html,
                                 "<td><form class=\"inline\" method=\"post\" "
                                 "action=\"/console/payments/%s/operate\"><input type=\"hidden\" "
                                 "name=\"csrf\" value=\"%s\"><input type=\"hidden\" name=\"op\" "
                                 "value=\"sync\"><input type=\"hidden\" name=\"op_key\" "
                                 "value=\"%s\">",
                                 p->id, id->csrf, key);
            if (id->key->scope != TENDER_API_SCOPE_WRITE)
                checkout_html_printf(html,
                                     "<input name=\"write_key\" type=\"password\" "
                                     "autocomplete=\"off\" required aria-label=\"Write API key "
                                     "to sync %s\" placeholder=\"write key\"> ",
                                     p->id);
            checkout_html_printf(html,
                                 "<button type=\"submit\" id=\"sync-%s\">Sync</button>"
                                 "</form></td>",
                                 p->id);
        }
        g_string_append(html, "</tr>\n");
    }
    g_string_append(html, "</tbody>\n</table>\n");
}

static void render_filters(GString *html, const char *account, const char *status,
                           const char *method)
{
    checkout_html_printf(html,
                         "<form class=\"filters\" method=\"get\" action=\"/console\">\n"
                         "<label for=\"f-account\">Account</label> <input id=\"f-account\" "
                         "name=\"account\" value=\"%s\">\n<label for=\"f-method\">Method</label> "
                         "<input id=\"f-method\" name=\"method\" value=\"%s\">\n"
                         "<label for=\"f-status\">Status</label> <select id=\"f-status\" "
                         "name=\"status\"><option value=\"\">any</option>",
                         account ? account : "", method ? method : "");
    for (int s = TENDER_STATUS_REQUIRES_ACTION; s <= TENDER_STATUS_EXPIRED; s++) {
        const char *name = tender_status_to_string((TenderStatus)s);
        checkout_html_printf(html, "<option value=\"%s\"", name);
        if (status && strcmp(status, name) == 0)
            g_string_append(html, " selected");
        checkout_html_printf(html, ">%s</option>", name);
    }
    g_string_append(html, "</select>\n<button type=\"submit\" id=\"filter\">Filter</button>\n"
                          "</form>\n");
}

void routes_console_home(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    ConsoleIdentity id;
    if (!console_identify(svc, req, &id)) {
        respond_login(resp, FALSE);
        return;
    }
    const char *account = req->query ? g_hash_table_lookup(req->query, "account") : NULL;
    const char *status = req->query ? g_hash_table_lookup(req->query, "status") : NULL;
    const char *method = req->query ? g_hash_table_lookup(req->query, "method") : NULL;
    TenderListFilter filter = {.struct_size = sizeof filter,
                               .account = account && *account ? account : NULL,
                               .method = method && *method ? method : NULL,
                               .limit = LIST_LIMIT};
    if (status && *status && !tender_status_from_string(status, &filter.status)) {
        page_message(resp, 400, &id, "Payments", "Unknown status in the filter.");
        console_identity_clear(&id);
        return;
    }
    filter.has_status = status && *status;
    GError *error = NULL;
    g_autoptr(GPtrArray) payments = tender_host_list(svc->host, &filter, &error);
    if (payments == NULL) {
        page_message(resp, 503, &id, "Payments", error->message);
        g_error_free(error);
        console_identity_clear(&id);
        return;
    }
    GString *html = g_string_new(NULL);
    page_begin(html, "Payments", &id);
    render_filters(html, account, status, method);
    checkout_html_printf(html, "<p>%d payment(s), newest first (at most %d).</p>\n",
                         (int)payments->len, LIST_LIMIT);
    render_payment_rows(html, payments, NULL);
    checkout_html_end(html);
    checkout_respond_html(resp, 200, html);
    console_identity_clear(&id);
}

void routes_console_login(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    GHashTable *form = checkout_form_decode(req);
    char *token = NULL;
    TenderApiKey *key = console_login(svc, form_value(form, "api_key"), &token);
    checkout_form_free(form);
    if (key == NULL) {
        respond_login(resp, TRUE);
        return;
    }
    service_log("info", "console sign-in", "request_id", req->request_id, "api_key", key->id, NULL);
    tender_api_key_free(key);
    checkout_respond_redirect(resp, "/console");
    console_set_cookie(req, resp, token);
    g_free(token);
}

void routes_console_logout(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    ConsoleIdentity id;
    if (console_identify(svc, req, &id)) {
        GHashTable *form = checkout_form_decode(req);
        if (console_csrf_ok(&id, form_value(form, "csrf")))
            console_logout(id.token);
        checkout_form_free(form);
        console_identity_clear(&id);
    }
    checkout_respond_redirect(resp, "/console");
    console_set_cookie(req, resp, NULL);
}

/* ---- one payment ------------------------------------------------------------------------------------ */

typedef struct {
    gint64 at_ms;
    GString *row;
} TimelineRow;

static gint timeline_order(gconstpointer a, gconstpointer b)
{
    const TimelineRow *x = a, *y = b;
    return x->at_ms < y->at_ms ? -1 : x->at_ms > y->at_ms;
}

/* Operations (authorize, capture, notification…) and the payment's
 * merchant events with their webhook deliveries, in time order. */
static void render_timeline(Service *svc, GString *html, const TenderPayment *p)
{
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(TimelineRow));
    for (guint i = 0; p->operations && i < p->operations->len; i++) {
        const TenderOperation *op = g_ptr_array_index(p->operations, i);
        g_autofree char *amount = checkout_format_minor(op->amount, p->exponent);
        g_autofree char *at = tender_json_iso_time(op->created_ms);
        TimelineRow r = {op->created_ms, g_string_new(NULL)};
        checkout_html_printf(r.row,
                             "<tr class=\"operation\"><td>%s</td><td>%s</td><td>%s</td>"
                             "<td>%s</td><td>%s</td><td>%s</td></tr>\n",
                             at ? at : "", op->kind, amount, op->outcome ? op->outcome : "",
                             op->decline_code ? op->decline_code : "",
                             op->message ? op->message : "");
        g_array_append_val(rows, r);
    }
    g_autoptr(GPtrArray) events = tender_host_events(svc->host, 1000, NULL);
    for (guint i = 0; events && i < events->len; i++) {
        const TenderEvent *e = g_ptr_array_index(events, i);
        if (g_strcmp0(e->payment_id, p->id) != 0)
            continue;
        g_autofree char *at = tender_json_iso_time(e->created_ms);
        g_autofree char *deliveries = g_strdup_printf(
            "webhooks: %u delivered, %u pending, %u failed", e->delivered, e->pending, e->failed);
        TimelineRow r = {e->created_ms, g_string_new(NULL)};
        checkout_html_printf(r.row,
                             "<tr class=\"event\"><td>%s</td><td>event %s</td><td></td>"
                             "<td></td><td></td><td>%s · %s</td></tr>\n",
                             at ? at : "", e->type, e->id, deliveries);
        g_array_append_val(rows, r);
    }
    g_array_sort(rows, timeline_order);
    g_string_append(html, "<h2>Timeline</h2>\n<table class=\"timeline\">\n<thead><tr><th>When"
                          "</th><th>What</th><th>Amount</th><th>Outcome</th><th>Decline</th>"
                          "<th>Details</th></tr></thead>\n<tbody>\n");
    for (guint i = 0; i < rows->len; i++) {
        TimelineRow *r = &g_array_index(rows, TimelineRow, i);
        g_string_append_len(html, r->row->str, (gssize)r->row->len);
        g_string_free(r->row, TRUE);
    }
    g_string_append(html, "</tbody>\n</table>\n");
    g_array_unref(rows);
}

/* One operation's form: CSRF token, its own idempotency key, the
 * confirmation, and the write key when the signed-in key only reads. */
static void render_operation_form(GString *html, const ConsoleIdentity *id, const TenderPayment *p,
                                  const char *op, const char *label, gboolean with_amount)
{
    g_autofree char *key = console_new_operation_key();
    checkout_html_printf(html,
                         "<form class=\"operation\" id=\"op-%s\" method=\"post\" "
                         "action=\"/console/payments/%s/operate\">\n<h3>%s</h3>\n"
                         "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
                         "<input type=\"hidden\" name=\"op\" value=\"%s\">\n"
                         "<input type=\"hidden\" name=\"op_key\" value=\"%s\">\n",
                         op, p->id, label, id->csrf, op, key);
    if (with_amount)
        checkout_html_printf(html,
                             "<div class=\"field\"><label for=\"%s-amount\">Amount (%s; empty: "
                             "all)</label><input id=\"%s-amount\" name=\"amount\" "
                             "inputmode=\"decimal\"></div>\n",
                             op, p->currency, op);
    if (id->key->scope != TENDER_API_SCOPE_WRITE)
        checkout_html_printf(html,
                             "<div class=\"field\"><label for=\"%s-write-key\">Write API key"
                             "</label><input id=\"%s-write-key\" name=\"write_key\" "
                             "type=\"password\" autocomplete=\"off\" required></div>\n",
                             op, op);
    checkout_html_printf(html,
                         "<div class=\"field\"><input type=\"checkbox\" id=\"%s-confirm\" "
                         "name=\"confirm\" value=\"yes\" required> <label class=\"inline\" "
                         "for=\"%s-confirm\">I confirm: %s payment %s</label></div>\n"
                         "<button type=\"submit\" id=\"%s-submit\">%s</button>\n</form>\n",
                         op, op, label, p->id, op, label);
}

void routes_console_payment(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    ConsoleIdentity id;
    if (!console_identify(svc, req, &id)) {
        checkout_respond_redirect(resp, "/console");
        return;
    }
    g_autoptr(TenderPayment) p = tender_host_get(svc->host, req->path_arg, NULL);
    if (p == NULL) {
        page_message(resp, 404, &id, "Payment", "No such payment.");
        console_identity_clear(&id);
        return;
    }
    GString *html = g_string_new(NULL);
    page_begin(html, p->id, &id);
    const char *done = req->query ? g_hash_table_lookup(req->query, "done") : NULL;
    if (done)
        checkout_html_printf(html, "<p class=\"done\" role=\"status\">Done: %s.</p>\n", done);
    g_autofree char *amount = checkout_format_minor(p->amount, p->exponent);
    g_autofree char *captured = checkout_format_minor(p->captured, p->exponent);
    g_autofree char *refunded = checkout_format_minor(p->refunded, p->exponent);
    checkout_html_printf(html,
                         "<dl class=\"summary\"><dt>Status</dt><dd id=\"status\">%s</dd>"
                         "<dt>Method</dt><dd>%s</dd><dt>Amount</dt><dd>%s %s</dd>"
                         "<dt>Captured</dt><dd id=\"captured\">%s</dd><dt>Refunded</dt>"
                         "<dd id=\"refunded\">%s</dd><dt>Account</dt><dd>%s</dd>"
                         "<dt>Processor reference</dt><dd>%s</dd></dl>\n",
                         tender_status_to_string(p->status), p->method, amount, p->currency,
                         captured, refunded, p->account ? p->account : "",
                         p->processor_ref ? p->processor_ref : "");
    if (p->decline_code)
        checkout_html_printf(html, "<p class=\"declined\">Declined: %s — %s</p>\n",
                             tender_decline_lookup(p->decline_code)->name,
                             p->decline_message ? p->decline_message : "");
    render_timeline(svc, html, p);
    g_string_append(html, "<h2>Operations</h2>\n");
    if (p->status == TENDER_STATUS_AUTHORIZED || p->status == TENDER_STATUS_PARTIALLY_CAPTURED) {
        render_operation_form(html, &id, p, "capture", "Capture", TRUE);
        render_operation_form(html, &id, p, "void", "Void", FALSE);
    }
    if (p->captured > p->refunded)
        render_operation_form(html, &id, p, "refund", "Refund", TRUE);
    render_operation_form(html, &id, p, "sync", "Sync with the provider", FALSE);
    checkout_html_end(html);
    checkout_respond_html(resp, 200, html);
    console_identity_clear(&id);
}

/* ---- operations ------------------------------------------------------------------------------------- */

/* The key that may move money: the signed-in one when it writes, else the
 * one typed into the form (verified here, never kept). */
static gboolean may_write(Service *svc, const ConsoleIdentity *id, GHashTable *form)
{
    if (id->key->scope == TENDER_API_SCOPE_WRITE)
        return TRUE;
    const char *typed = form_value(form, "write_key");
    g_autoptr(TenderApiKey) key = typed ? tender_host_api_key_verify(svc->host, typed, NULL) : NULL;
    return key && key->scope == TENDER_API_SCOPE_WRITE;
}

static TenderPayment *operate(Service *svc, const char *op, const char *payment_id,
                              const char *amount, const char *key, GError **error)
{
    if (strcmp(op, "capture") == 0)
        return tender_host_capture(svc->host, payment_id, amount, key, error);
    if (strcmp(op, "void") == 0)
        return tender_host_void(svc->host, payment_id, key, error);
    if (strcmp(op, "refund") == 0)
        return tender_host_refund(svc->host, payment_id, amount, key, error);
    return tender_host_sync(svc->host, payment_id, error);
}

void routes_console_operate(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    ConsoleIdentity id;
    if (!console_identify(svc, req, &id)) {
        checkout_respond_redirect(resp, "/console");
        return;
    }
    GHashTable *form = checkout_form_decode(req);
    const char *op = form_value(form, "op");
    const char *op_key = form_value(form, "op_key");
    gboolean known = op && (strcmp(op, "capture") == 0 || strcmp(op, "void") == 0 ||
                            strcmp(op, "refund") == 0 || strcmp(op, "sync") == 0);
    if (!console_csrf_ok(&id, form_value(form, "csrf"))) {
        page_message(resp, 403, &id, "Refused",
                     "The form's security token is missing or "
                     "stale: reload the payment and try again.");
    } else if (!known || op_key == NULL || strlen(op_key) > 64) {
        page_message(resp, 400, &id, "Refused", "Unknown operation.");
    } else if (strcmp(op, "sync") != 0 && g_strcmp0(form_value(form, "confirm"), "yes") != 0) {
        page_message(resp, 400, &id, "Not confirmed", "Tick the confirmation to go ahead.");
    } else if (!may_write(svc, &id, form)) {
        page_message(resp, 403, &id, "Refused",
                     "Moving money needs a valid write API key; nothing was done.");
    } else {
        GError *error = NULL;
        g_autoptr(TenderPayment) p =
            operate(svc, op, req->path_arg, form_value(form, "amount"), op_key, &error);
        service_log("info", "console operation", "request_id", req->request_id, "api_key",
                    id.key->id, "operation", op, "payment", req->path_arg, "outcome",
                    p ? tender_status_to_string(p->status) : error->message, NULL);
        if (p == NULL) {
            page_message(resp, 400, &id, "Not done", error->message);
            g_error_free(error);
        } else {
            g_autofree char *back =
                g_strdup_printf("/console/payments/%s?done=%s", req->path_arg, op);
            checkout_respond_redirect(resp, back);
        }
    }
    checkout_form_free(form);
    console_identity_clear(&id);
}

/* ---- the reconcile queue ------------------------------------------------------------------------------ */

void routes_console_reconcile(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    ConsoleIdentity id;
    if (!console_identify(svc, req, &id)) {
        checkout_respond_redirect(resp, "/console");
        return;
    }
    GString *html = g_string_new(NULL);
    page_begin(html, "Reconcile queue", &id);
    g_string_append(html, "<p>Payments whose outcome is not known yet, or that wait on the "
                          "provider: sync one to ask its provider for the truth.</p>\n");
    static const TenderStatus queue[] = {TENDER_STATUS_UNKNOWN, TENDER_STATUS_PENDING};
    for (gsize i = 0; i < G_N_ELEMENTS(queue); i++) {
        TenderListFilter filter = {.struct_size = sizeof filter,
                                   .has_status = TRUE,
                                   .status = queue[i],
                                   .limit = LIST_LIMIT};
        g_autoptr(GPtrArray) payments = tender_host_list(svc->host, &filter, NULL);
        checkout_html_printf(html, "<h2>%s</h2>\n", tender_status_to_string(queue[i]));
        if (payments)
            render_payment_rows(html, payments, &id);
    }
    checkout_html_end(html);
    checkout_respond_html(resp, 200, html);
    console_identity_clear(&id);
}

/* ---- limit usage -------------------------------------------------------------------------------------- */

static void render_limit_rows(GString *html, const GPtrArray *usage)
{
    g_string_append(html, "<table class=\"limits\">\n<thead><tr><th>Method</th><th>Applies to"
                          "</th><th>Window</th><th>Since</th><th>Limit</th><th>Used</th>"
                          "<th>Remaining</th></tr></thead>\n<tbody>\n");
    for (guint i = 0; i < usage->len; i++) {
        const TenderLimitUsage *u = g_ptr_array_index(usage, i);
        g_autofree char *limit = checkout_format_minor(u->limit, u->exponent);
        g_autofree char *used = checkout_format_minor(u->used, u->exponent);
        g_autofree char *left = checkout_format_minor(u->remaining, u->exponent);
        g_autofree char *tier = u->tier ? g_strdup_printf("tier %s", u->tier) : NULL;
        g_string_append(html, u->remaining == 0 ? "<tr class=\"exhausted\">" : "<tr>");
        checkout_html_printf(html,
                             "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s %s</td>"
                             "<td class=\"used\">%s %s</td><td class=\"remaining\">%s %s</td>"
                             "</tr>\n",
                             u->method, tier ? tier : "every buyer", u->window, u->window_start,
                             limit, u->currency, used, u->currency, left, u->currency);
    }
    g_string_append(html, "</tbody>\n</table>\n");
}

/* What an account has used of every cumulative limit of the policy, in the
 * window that holds now (tender_host_limit_usage): any key may look. */
void routes_console_limits(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    ConsoleIdentity id;
    if (!console_identify(svc, req, &id)) {
        checkout_respond_redirect(resp, "/console");
        return;
    }
    const char *account = req->query ? g_hash_table_lookup(req->query, "account") : NULL;
    GString *html = g_string_new(NULL);
    page_begin(html, "Limit usage", &id);
    checkout_html_printf(html,
                         "<p>Cumulative limits count what an account's payments hold, per "
                         "method and window (refunds and voids give their share back); a tier's "
                         "limit applies to buyers of that tier.</p>\n"
                         "<form class=\"filters\" method=\"get\" action=\"/console/limits\">\n"
                         "<label for=\"l-account\">Account</label> <input id=\"l-account\" "
                         "name=\"account\" value=\"%s\" required>\n"
                         "<button type=\"submit\" id=\"show-limits\">Show</button>\n</form>\n",
                         account ? account : "");
    guint status = 200;
    if (account && account[0]) {
        GError *error = NULL;
        g_autoptr(GPtrArray) usage = tender_host_limit_usage(svc->host, account, &error);
        if (usage == NULL) {
            status = 503;
            checkout_html_printf(html, "<p class=\"message\" role=\"alert\">%s</p>\n",
                                 error->message);
            g_error_free(error);
        } else if (usage->len == 0) {
            g_string_append(html,
                            "<p class=\"message\">The policy sets no cumulative limit.</p>\n");
        } else {
            checkout_html_printf(html, "<h2>Account <code>%s</code></h2>\n", account);
            render_limit_rows(html, usage);
        }
    }
    checkout_html_end(html);
    checkout_respond_html(resp, status, html);
    console_identity_clear(&id);
}
