/* What the `tender` command prints: human text by default, one stable JSON
 * document with --json. Field names are part of the command's contract
 * (README.md); add fields, never rename them. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tender/decline.h>

#include "cli.h"

void cli_print_json(JsonNode *node)
{
    JsonGenerator *gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, node);
    gchar *text = json_generator_to_data(gen, NULL);
    printf("%s\n", text);
    fflush(stdout);
    g_free(text);
    g_object_unref(gen);
}

void cli_print_builder(JsonBuilder *b)
{
    JsonNode *node = json_builder_get_root(b);
    cli_print_json(node);
    json_node_unref(node);
    g_object_unref(b);
}

static char *iso_time(gint64 ms)
{
    if (ms <= 0)
        return NULL;
    GDateTime *dt = g_date_time_new_from_unix_utc(ms / 1000);
    char *s = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
    if (dt)
        g_date_time_unref(dt);
    return s;
}

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void add_money(JsonBuilder *b, const char *name, gint64 minor, const char *currency,
                      int exponent)
{
    g_autofree char *text = tender_money_format(minor, currency, exponent);
    add_string(b, name, text);
}

static void add_time(JsonBuilder *b, const char *name, gint64 ms)
{
    g_autofree char *text = iso_time(ms);
    add_string(b, name, text);
}

static const char *action_kind_name(guint32 kind)
{
    switch (kind) {
    case TENDER_ACTION_REDIRECT:
        return "redirect";
    case TENDER_ACTION_QR_CODE:
        return "qr_code";
    case TENDER_ACTION_ONE_TIME_CODE:
        return "one_time_code";
    case TENDER_ACTION_APPROVAL:
        return "approval";
    case TENDER_ACTION_PROTECTION_CODE:
        return "protection_code";
    case TENDER_ACTION_REFERENCE:
        return "reference";
    default:
        return "other";
    }
}

static char *masked_number(const TenderPayment *p)
{
    if (!p->first6 || !p->last4)
        return NULL;
    return g_strdup_printf("%s******%s", p->first6, p->last4);
}

/* TRUE when the method took another currency than the order's. */
static gboolean is_converted(const TenderPayment *p)
{
    return p->order_currency && g_strcmp0(p->order_currency, p->currency) != 0;
}

/* The tier line: the tier the buyer gave, and the one the limits used when
 * that is not the same (the method's default_tier, or none at all). */
static void print_tier(const TenderPayment *p)
{
    const char *given = p->tier ? p->tier : "";
    const char *effective = p->effective_tier;
    if (effective == NULL) {
        if (given[0])
            printf("  tier %s\n", given);
    } else if (effective[0] && strcmp(effective, given) == 0) {
        printf("  tier %s\n", given);
    } else if (effective[0]) {
        printf("  tier %s (the method's default_tier; the buyer gave none)\n", effective);
    } else if (given[0]) {
        printf("  tier %s (no tier limits: the method has no tiers)\n", given);
    }
}

JsonNode *cli_payment_to_json(const TenderPayment *p)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    add_string(b, "id", p->id);
    add_string(b, "method", p->method);
    add_string(b, "status", tender_status_to_string(p->status));
    add_money(b, "amount", p->amount, p->currency, p->exponent);
    add_string(b, "currency", p->currency);
    add_money(b, "captured", p->captured, p->currency, p->exponent);
    add_money(b, "refunded", p->refunded, p->currency, p->exponent);
    add_money(b, "fee", p->fee, p->currency, p->exponent);
    if (p->order_currency) {
        add_money(b, "order_amount", p->order_amount, p->order_currency, p->order_exponent);
        add_string(b, "order_currency", p->order_currency);
    } else {
        add_string(b, "order_amount", NULL);
        add_string(b, "order_currency", NULL);
    }
    add_string(b, "exchange_rate", p->exchange_rate);
    add_string(b, "region", p->region);
    add_string(b, "account", p->account && p->account[0] ? p->account : NULL);
    add_string(b, "tier", p->tier && p->tier[0] ? p->tier : NULL);
    /* "" (no tier applied) and NULL (not recorded) both print null; `tier`
     * says what the buyer gave, this what the limits used. */
    add_string(b, "effective_tier",
               p->effective_tier && p->effective_tier[0] ? p->effective_tier : NULL);
    add_string(b, "processor_reference",
               p->processor_ref && p->processor_ref[0] ? p->processor_ref : NULL);
    add_string(b, "idempotency_key", p->idempotency_key);
    add_time(b, "created_at", p->created_ms);
    add_time(b, "updated_at", p->updated_ms);
    add_time(b, "hold_expires_at", p->hold_expires_ms);

    json_builder_set_member_name(b, "action");
    if (p->status == TENDER_STATUS_REQUIRES_ACTION && p->action_kind) {
        json_builder_begin_object(b);
        add_string(b, "kind", action_kind_name(p->action_kind));
        add_string(b, "data", p->action_data);
        add_string(b, "hint", p->action_hint);
        add_time(b, "expires_at", p->action_expires_ms);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }

    json_builder_set_member_name(b, "decline");
    if (p->decline_code) {
        const tender_decline_info *d = tender_decline_lookup(p->decline_code);
        json_builder_begin_object(b);
        add_string(b, "code", d->name);
        json_builder_set_member_name(b, "retryable");
        json_builder_add_boolean_value(b, d->retryable);
        add_string(b, "advice", d->advice_text);
        add_string(b, "raw_code", p->decline_raw_code);
        add_string(b, "message", p->decline_message);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }

    json_builder_set_member_name(b, "display");
    json_builder_begin_object(b);
    add_string(b, "brand", p->brand);
    g_autofree char *masked = masked_number(p);
    add_string(b, "masked_number", masked);
    add_string(b, "first6", p->first6);
    add_string(b, "last4", p->last4);
    add_string(b, "account", p->display_account);
    add_string(b, "issuer_country", p->issuer_country);
    json_builder_end_object(b);
    add_string(b, "details", p->details);

    /* A listed payment comes without its operations (tender_host_list): say
     * so rather than print an empty history that would read as "none". */
    json_builder_set_member_name(b, "operations_included");
    json_builder_add_boolean_value(b, p->operations != NULL);
    if (p->operations == NULL) {
        json_builder_end_object(b);
        JsonNode *summary = json_builder_get_root(b);
        g_object_unref(b);
        return summary;
    }
    json_builder_set_member_name(b, "operations");
    json_builder_begin_array(b);
    for (guint i = 0; i < p->operations->len; i++) {
        const TenderOperation *op = g_ptr_array_index(p->operations, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "seq");
        json_builder_add_int_value(b, op->seq);
        add_string(b, "kind", op->kind);
        add_money(b, "amount", op->amount, p->currency, p->exponent);
        add_string(b, "outcome", op->outcome);
        add_string(b, "decline_code", op->decline_code);
        add_string(b, "raw_code", op->raw_code);
        add_string(b, "message", op->message);
        add_string(b, "processor_reference", op->processor_ref);
        add_string(b, "idempotency_key", op->idempotency_key);
        add_string(b, "status_after", op->status_after);
        json_builder_set_member_name(b, "attempts");
        json_builder_add_int_value(b, op->attempts);
        add_time(b, "at", op->created_ms);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    JsonNode *node = json_builder_get_root(b);
    g_object_unref(b);
    return node;
}

void cli_print_payment(const TenderPayment *p)
{
    if (cli_globals.json) {
        JsonNode *node = cli_payment_to_json(p);
        cli_print_json(node);
        json_node_unref(node);
        return;
    }
    g_autofree char *amount = tender_money_format(p->amount, p->currency, p->exponent);
    printf("payment %s  %s  %s %s  [%s]\n", p->id, p->method, amount, p->currency,
           tender_status_to_string(p->status));
    if (p->captured || p->refunded) {
        g_autofree char *c = tender_money_format(p->captured, p->currency, p->exponent);
        g_autofree char *r = tender_money_format(p->refunded, p->currency, p->exponent);
        printf("  captured %s, refunded %s\n", c, r);
    }
    g_autofree char *fee = tender_money_format(p->fee, p->currency, p->exponent);
    printf("  fee %s %s\n", fee, p->currency);
    if (is_converted(p)) {
        g_autofree char *order =
            tender_money_format(p->order_amount, p->order_currency, p->order_exponent);
        printf("  order %s %s, converted at %s\n", order, p->order_currency,
               p->exchange_rate ? p->exchange_rate : "a rate not recorded");
    }
    print_tier(p);
    if (p->brand || p->display_account) {
        g_autofree char *masked = masked_number(p);
        printf("  instrument: %s %s%s%s\n", p->brand ? p->brand : "",
               masked ? masked : (p->display_account ? p->display_account : ""),
               p->issuer_country ? ", issued in " : "", p->issuer_country ? p->issuer_country : "");
    }
    if (p->status == TENDER_STATUS_REQUIRES_ACTION && p->action_kind) {
        printf("  action required (%s): %s\n", action_kind_name(p->action_kind),
               p->action_data ? p->action_data : "");
        if (p->action_hint)
            printf("    %s\n", p->action_hint);
    }
    if (p->decline_code) {
        const tender_decline_info *d = tender_decline_lookup(p->decline_code);
        printf("  declined: %s%s%s%s\n", d->name, p->decline_raw_code ? " (raw " : "",
               p->decline_raw_code ? p->decline_raw_code : "", p->decline_raw_code ? ")" : "");
        if (p->decline_message)
            printf("    %s\n", p->decline_message);
        printf("  advice: %s%s\n", d->advice_text, d->retryable ? " (a retry may succeed)" : "");
    }
    for (guint i = 0; p->operations && i < p->operations->len; i++) {
        const TenderOperation *op = g_ptr_array_index(p->operations, i);
        g_autofree char *a = tender_money_format(op->amount, p->currency, p->exponent);
        printf("  #%" G_GINT64_FORMAT " %-15s %10s  %-15s -> %s%s%s\n", op->seq, op->kind, a,
               op->outcome ? op->outcome : "in flight", op->status_after ? op->status_after : "?",
               op->message ? "  " : "", op->message ? op->message : "");
    }
}

int cli_payment_exit_code(const TenderPayment *p)
{
    switch (p->status) {
    case TENDER_STATUS_DECLINED:
    case TENDER_STATUS_FAILED:
    case TENDER_STATUS_EXPIRED:
        return EXIT_NEGATIVE;
    default:
        return EXIT_OK;
    }
}

void cli_print_payments(GPtrArray *payments)
{
    if (cli_globals.json) {
        JsonNode *array = json_node_new(JSON_NODE_ARRAY);
        JsonArray *items = json_array_new();
        for (guint i = 0; i < payments->len; i++)
            json_array_add_element(items, cli_payment_to_json(g_ptr_array_index(payments, i)));
        json_node_take_array(array, items);
        JsonObject *root = json_object_new();
        json_object_set_member(root, "payments", array);
        JsonNode *node = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(node, root);
        cli_print_json(node);
        json_node_unref(node);
        return;
    }
    for (guint i = 0; i < payments->len; i++) {
        const TenderPayment *p = g_ptr_array_index(payments, i);
        g_autofree char *amount = tender_money_format(p->amount, p->currency, p->exponent);
        g_autofree char *fee = tender_money_format(p->fee, p->currency, p->exponent);
        g_autofree char *when = iso_time(p->created_ms);
        g_autofree char *order = NULL;
        if (is_converted(p)) {
            g_autofree char *o =
                tender_money_format(p->order_amount, p->order_currency, p->order_exponent);
            order = g_strdup_printf("  (order %s %s at %s)", o, p->order_currency,
                                    p->exchange_rate ? p->exchange_rate : "a rate not recorded");
        }
        printf("%s  %-9s %12s %s  fee %-9s %-18s %s %s%s\n", p->id, p->method, amount, p->currency,
               fee, tender_status_to_string(p->status), when ? when : "",
               p->account && p->account[0] ? p->account : "", order ? order : "");
    }
    printf("%u payment%s\n", payments->len, payments->len == 1 ? "" : "s");
}

void cli_print_quotes(const TenderBuyer *buyer, GPtrArray *quotes)
{
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "buyer");
        json_builder_begin_object(b);
        add_string(b, "region", buyer->region);
        add_string(b, "currency", buyer->currency);
        add_string(b, "amount", buyer->amount);
        add_string(b, "account", buyer->account);
        add_string(b, "tier", buyer->tier);
        json_builder_end_object(b);
        json_builder_set_member_name(b, "methods");
        json_builder_begin_array(b);
        for (guint i = 0; i < quotes->len; i++) {
            const TenderQuote *q = g_ptr_array_index(quotes, i);
            json_builder_begin_object(b);
            add_string(b, "method", q->method);
            json_builder_set_member_name(b, "offered");
            json_builder_add_boolean_value(b, q->offered);
            if (q->offered) {
                add_string(b, "currency", q->currency);
                add_money(b, "amount", q->amount, q->currency, q->exponent);
                add_money(b, "fee", q->fee, q->currency, q->exponent);
                add_money(b, "total", q->total, q->currency, q->exponent);
                add_string(b, "exchange", q->exchange);
                json_builder_set_member_name(b, "step_up");
                json_builder_add_boolean_value(b, q->step_up);
            } else {
                add_string(b, "reason_code", q->reason_code);
                add_string(b, "reason", q->reason);
            }
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        cli_print_builder(b);
        return;
    }
    printf("Payment methods for a buyer in %s paying %s %s%s%s:\n", buyer->region, buyer->amount,
           buyer->currency, buyer->account ? ", account " : "",
           buyer->account ? buyer->account : "");
    for (guint i = 0; i < quotes->len; i++) {
        const TenderQuote *q = g_ptr_array_index(quotes, i);
        if (q->offered) {
            g_autofree char *total = tender_money_format(q->total, q->currency, q->exponent);
            g_autofree char *fee = tender_money_format(q->fee, q->currency, q->exponent);
            printf("  + %-10s total %s %s (fee %s)%s%s%s\n", q->method, total, q->currency, fee,
                   q->exchange ? "; " : "", q->exchange ? q->exchange : "",
                   q->step_up ? "; strong authentication" : "");
        } else {
            printf("  - %-10s not offered: %s [%s]\n", q->method, q->reason, q->reason_code);
        }
    }
}

static void add_strv(JsonBuilder *b, const char *name, char **v)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (gsize i = 0; v && v[i]; i++)
        json_builder_add_string_value(b, v[i]);
    json_builder_end_array(b);
}

static GStrv capability_names(guint64 caps)
{
    GStrvBuilder *sb = g_strv_builder_new();
    for (int bit = 0; bit < 64; bit++)
        if (caps & (1ull << bit)) {
            const char *name = tender_capability_name(1ull << bit);
            if (name)
                g_strv_builder_add(sb, name);
        }
    GStrv out = g_strv_builder_end(sb);
    g_strv_builder_unref(sb);
    return out;
}

static void method_to_json(JsonBuilder *b, const TenderMethodInfo *m)
{
    json_builder_begin_object(b);
    add_string(b, "id", m->id);
    add_string(b, "name", m->name);
    g_auto(GStrv) caps = capability_names(m->capabilities);
    add_strv(b, "capabilities", caps);
    add_strv(b, "regions", m->regions);
    json_builder_set_member_name(b, "currencies");
    json_builder_begin_array(b);
    for (guint i = 0; m->currencies && i < m->currencies->len; i++) {
        const TenderCurrencyInfo *c = &g_array_index(m->currencies, TenderCurrencyInfo, i);
        json_builder_begin_object(b);
        add_string(b, "code", c->code);
        json_builder_set_member_name(b, "exponent");
        json_builder_add_int_value(b, c->exponent);
        if (c->min_amount)
            add_money(b, "min", c->min_amount, c->code, c->exponent);
        if (c->max_amount)
            add_money(b, "max", c->max_amount, c->code, c->exponent);
        if (c->home_region)
            add_string(b, "home_region", c->home_region);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "params");
    json_builder_begin_array(b);
    for (guint i = 0; m->params && i < m->params->len; i++) {
        const TenderParamInfo *p = g_ptr_array_index(m->params, i);
        json_builder_begin_object(b);
        add_string(b, "name", p->name);
        json_builder_set_member_name(b, "required");
        json_builder_add_boolean_value(b, (p->flags & TENDER_PARAM_REQUIRED) != 0);
        json_builder_set_member_name(b, "sensitive");
        json_builder_add_boolean_value(b, (p->flags & TENDER_PARAM_SENSITIVE) != 0);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "hold_seconds");
    json_builder_add_int_value(b, m->hold_seconds);
    json_builder_set_member_name(b, "action_timeout_seconds");
    json_builder_add_int_value(b, m->action_timeout_seconds);
    add_strv(b, "tiers", m->tiers);
    json_builder_end_object(b);
}

char *cli_no_plugins_message(TenderHost *host)
{
    const char *const *dirs = tender_host_plugin_dirs(host);
    g_autofree char *where = dirs && dirs[0] ? g_strjoinv(", ", (char **)dirs) : NULL;
    guint refused = tender_host_refusals(host)->len;
    g_autofree char *refusals =
        refused ? g_strdup_printf("; %u file%s refused (`tender plugins` says why)", refused,
                                  refused == 1 ? "" : "s")
                : NULL;
    return g_strdup_printf("no plugins are loaded: searched %s%s (add --plugin-dir DIR, "
                           "$TENDER_PLUGIN_PATH or the config's plugin_dirs)",
                           where ? where : "no directory", refusals ? refusals : "");
}

void cli_print_plugins(TenderHost *host)
{
    const GPtrArray *plugins = tender_host_plugins(host);
    const GPtrArray *refusals = tender_host_refusals(host);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "host_abi");
        json_builder_add_string_value(
            b, G_STRINGIFY(TENDER_ABI_MAJOR) "." G_STRINGIFY(TENDER_ABI_MINOR));
        add_strv(b, "plugin_dirs", (char **)tender_host_plugin_dirs(host));
        if (plugins->len == 0) {
            g_autofree char *none = cli_no_plugins_message(host);
            add_string(b, "message", none);
        }
        json_builder_set_member_name(b, "plugins");
        json_builder_begin_array(b);
        for (guint i = 0; i < plugins->len; i++) {
            const TenderPluginInfo *p = g_ptr_array_index(plugins, i);
            json_builder_begin_object(b);
            add_string(b, "file", p->file);
            add_string(b, "id", p->id);
            add_string(b, "name", p->name);
            add_string(b, "version", p->version);
            g_autofree char *abi = g_strdup_printf("%u.%u", p->abi_major, p->abi_minor);
            add_string(b, "abi", abi);
            json_builder_set_member_name(b, "methods");
            json_builder_begin_array(b);
            for (guint k = 0; p->methods && k < p->methods->len; k++)
                method_to_json(b, g_ptr_array_index(p->methods, k));
            json_builder_end_array(b);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_set_member_name(b, "refused");
        json_builder_begin_array(b);
        for (guint i = 0; i < refusals->len; i++) {
            const TenderRefusal *r = g_ptr_array_index(refusals, i);
            json_builder_begin_object(b);
            add_string(b, "file", r->file);
            add_string(b, "plugin_id", r->plugin_id);
            add_string(b, "reason", r->reason);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        cli_print_builder(b);
        return;
    }
    printf("Host ABI %d.%d; %u plugin%s loaded, %u refused\n", TENDER_ABI_MAJOR, TENDER_ABI_MINOR,
           plugins->len, plugins->len == 1 ? "" : "s", refusals->len);
    if (plugins->len == 0) {
        g_autofree char *none = cli_no_plugins_message(host);
        printf("%c%s\n", g_ascii_toupper(none[0]), none + 1);
    }
    for (guint i = 0; i < plugins->len; i++) {
        const TenderPluginInfo *p = g_ptr_array_index(plugins, i);
        printf("\n%s %s (ABI %u.%u) — %s\n  file: %s\n", p->id, p->version, p->abi_major,
               p->abi_minor, p->name, p->file);
        for (guint k = 0; p->methods && k < p->methods->len; k++) {
            const TenderMethodInfo *m = g_ptr_array_index(p->methods, k);
            g_auto(GStrv) caps = capability_names(m->capabilities);
            g_autofree char *cap_text = g_strjoinv(", ", caps);
            g_autofree char *regions = m->regions ? g_strjoinv(" ", m->regions) : g_strdup("");
            GString *cur = g_string_new(NULL);
            for (guint c = 0; m->currencies && c < m->currencies->len; c++) {
                const TenderCurrencyInfo *ci = &g_array_index(m->currencies, TenderCurrencyInfo, c);
                g_string_append_printf(cur, "%s%s", c ? " " : "", ci->code);
                if (ci->exponent != tender_currency_exponent(ci->code))
                    g_string_append_printf(cur, "(%d)", ci->exponent);
                if (ci->home_region)
                    g_string_append_printf(cur, "[%s only]", ci->home_region);
            }
            printf("  method %s: %s\n    capabilities: %s\n    regions: %s\n    currencies: %s\n",
                   m->id, m->name, cap_text, regions, cur->str);
            if (m->hold_seconds)
                printf("    authorization hold: %" G_GINT64_FORMAT " days\n",
                       m->hold_seconds / 86400);
            if (m->tiers && m->tiers[0]) {
                g_autofree char *tiers = g_strjoinv(" ", m->tiers);
                printf("    tiers: %s\n", tiers);
            }
            g_string_free(cur, TRUE);
        }
    }
    if (refusals->len)
        printf("\nRefused:\n");
    for (guint i = 0; i < refusals->len; i++) {
        const TenderRefusal *r = g_ptr_array_index(refusals, i);
        printf("  %s\n", r->reason);
    }
}

static const char *notify_outcome_name(TenderNotifyOutcome outcome)
{
    switch (outcome) {
    case TENDER_NOTIFY_ACCEPTED:
        return "accepted";
    case TENDER_NOTIFY_DUPLICATE:
        return "duplicate";
    case TENDER_NOTIFY_UNKNOWN_PAYMENT:
        return "unknown_payment";
    case TENDER_NOTIFY_REJECTED:
        return "rejected";
    }
    return "unknown";
}

void cli_print_reply(const TenderNotifyReply *reply, const GError *error)
{
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "status");
        json_builder_add_int_value(b, reply->status);
        add_string(b, "content_type", reply->content_type);
        add_string(b, "body", reply->body);
        add_string(b, "payment_id", reply->payment_id);
        json_builder_set_member_name(b, "duplicate");
        json_builder_add_boolean_value(b, reply->duplicate);
        add_string(b, "outcome", notify_outcome_name(reply->outcome));
        if (error) {
            json_builder_set_member_name(b, "error");
            json_builder_begin_object(b);
            add_string(b, "code", cli_error_code_name(error));
            add_string(b, "message", error->message);
            json_builder_set_member_name(b, "exit_code");
            json_builder_add_int_value(b, cli_exit_code_for(error));
            json_builder_end_object(b);
        }
        json_builder_end_object(b);
        cli_print_builder(b);
        return;
    }
    /* The exact body the provider expects, nothing else on stdout (a
     * newline only for a person at a terminal). */
    fputs(reply->body ? reply->body : "", stdout);
    if (isatty(STDOUT_FILENO))
        fputc('\n', stdout);
}
