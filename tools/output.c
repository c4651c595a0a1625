/* What the `tender` command prints: human text by default, one stable JSON
 * document with --json. Field names are part of the command's contract
 * (README.md); add fields, never rename them. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tender/decline.h>

#include "cli.h"
#include "tender-json.h"

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

void cli_print_payment(const TenderPayment *p)
{
    if (cli_globals.json) {
        JsonNode *node = tender_json_payment(p);
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
        g_autofree char *masked = tender_json_masked_number(p);
        printf("  instrument: %s %s%s%s\n", p->brand ? p->brand : "",
               masked ? masked : (p->display_account ? p->display_account : ""),
               p->issuer_country ? ", issued in " : "", p->issuer_country ? p->issuer_country : "");
    }
    if (p->status == TENDER_STATUS_REQUIRES_ACTION && p->action_kind) {
        printf("  action required (%s): %s\n", tender_json_action_kind_name(p->action_kind),
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
            json_array_add_element(items, tender_json_payment(g_ptr_array_index(payments, i)));
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
        g_autofree char *when = tender_json_iso_time(p->created_ms);
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
        JsonNode *node = tender_json_quotes(buyer, quotes);
        cli_print_json(node);
        json_node_unref(node);
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
        g_autofree char *none = plugins->len == 0 ? cli_no_plugins_message(host) : NULL;
        JsonNode *node = tender_json_plugins(host, none);
        cli_print_json(node);
        json_node_unref(node);
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
            g_auto(GStrv) caps = tender_json_capability_names(m->capabilities);
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
        tender_json_add_string(b, "content_type", reply->content_type);
        tender_json_add_string(b, "body", reply->body);
        tender_json_add_string(b, "payment_id", reply->payment_id);
        json_builder_set_member_name(b, "duplicate");
        json_builder_add_boolean_value(b, reply->duplicate);
        tender_json_add_string(b, "outcome", notify_outcome_name(reply->outcome));
        if (error) {
            json_builder_set_member_name(b, "error");
            json_builder_begin_object(b);
            tender_json_add_string(b, "code", cli_error_code_name(error));
            tender_json_add_string(b, "message", error->message);
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
