/* The JSON form of payments, quotes, methods and plugins: one encoder for
 * what `tender --json` prints and what tenderd answers, so that the two
 * never drift apart. Field names are part of both contracts (README.md,
 * docs/service.md): add fields, never rename them. */
#include "tender-json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <tender/decline.h>

#include "json-text.h"

char *tender_json_iso_time(gint64 ms)
{
    if (ms <= 0)
        return NULL;
    /* gmtime_r rather than GDateTime: tenderd writes several times into
     * every payment it answers, and GDateTime's formatting cost more than
     * the rest of the payment's encoding. Years past 9999 have no ISO 8601
     * form of four digits: none, as GDateTime has none. */
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&seconds, &tm) == NULL || tm.tm_year + 1900 > 9999)
        return NULL;
    return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void tender_json_add_string(JsonBuilder *b, const char *name, const char *value)
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
    tender_json_add_string(b, name, text);
}

/* Where a payment is written: JSON text (tenderd's answer to a payment
 * request, the hot path) or a JsonBuilder tree (the documents built around
 * payments: lists, the declined answer, `tender --json`). One field list
 * (write_payment) serves both, and neither is parsed back from the other.
 * Exactly one of the two is set. */
typedef struct {
    JsonTextWriter *text;
    JsonBuilder *tree;
} PaymentOut;

static void out_begin_object(const PaymentOut *o, const char *name)
{
    if (o->text) {
        json_text_begin_object(o->text, name);
        return;
    }
    if (name)
        json_builder_set_member_name(o->tree, name);
    json_builder_begin_object(o->tree);
}

static void out_end_object(const PaymentOut *o)
{
    if (o->text)
        json_text_end_object(o->text);
    else
        json_builder_end_object(o->tree);
}

static void out_begin_array(const PaymentOut *o, const char *name)
{
    if (o->text) {
        json_text_begin_array(o->text, name);
        return;
    }
    json_builder_set_member_name(o->tree, name);
    json_builder_begin_array(o->tree);
}

static void out_end_array(const PaymentOut *o)
{
    if (o->text)
        json_text_end_array(o->text);
    else
        json_builder_end_array(o->tree);
}

static void out_string(const PaymentOut *o, const char *name, const char *value)
{
    if (o->text) {
        json_text_string(o->text, name, value);
        return;
    }
    /* A tree holds UTF-8 only, and a plugin's text may not be (a
     * processor's message in another charset): U+FFFD where a byte is not. */
    if (value && !g_utf8_validate(value, -1, NULL)) {
        g_autofree char *valid = g_utf8_make_valid(value, -1);
        tender_json_add_string(o->tree, name, valid);
        return;
    }
    tender_json_add_string(o->tree, name, value);
}

static void out_int(const PaymentOut *o, const char *name, gint64 value)
{
    if (o->text) {
        json_text_int(o->text, name, value);
        return;
    }
    json_builder_set_member_name(o->tree, name);
    json_builder_add_int_value(o->tree, value);
}

static void out_boolean(const PaymentOut *o, const char *name, gboolean value)
{
    if (o->text) {
        json_text_boolean(o->text, name, value);
        return;
    }
    json_builder_set_member_name(o->tree, name);
    json_builder_add_boolean_value(o->tree, value);
}

static void out_null(const PaymentOut *o, const char *name)
{
    if (o->text) {
        json_text_null(o->text, name);
        return;
    }
    json_builder_set_member_name(o->tree, name);
    json_builder_add_null_value(o->tree);
}

static void out_money(const PaymentOut *o, const char *name, gint64 minor, const char *currency,
                      int exponent)
{
    g_autofree char *text = tender_money_format(minor, currency, exponent);
    out_string(o, name, text);
}

static void out_time(const PaymentOut *o, const char *name, gint64 ms)
{
    g_autofree char *text = tender_json_iso_time(ms);
    out_string(o, name, text);
}

/* A text that is empty means "none" for these fields: null. */
static const char *or_null(const char *text)
{
    return text && text[0] ? text : NULL;
}

const char *tender_json_action_kind_name(guint32 kind)
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

char *tender_json_masked_number(const TenderPayment *p)
{
    if (!p->first6 || !p->last4)
        return NULL;
    return g_strdup_printf("%s******%s", p->first6, p->last4);
}

/* tenderd answers every payment request with the text form: a tree and its
 * generator cost about 200 k instructions a request there, a quarter of
 * tenderd's work on it (bench/README.md, "Session 5"). */
static void write_payment(const PaymentOut *w, const TenderPayment *p)
{
    out_begin_object(w, NULL);
    out_string(w, "id", p->id);
    out_string(w, "method", p->method);
    out_string(w, "status", tender_status_to_string(p->status));
    out_money(w, "amount", p->amount, p->currency, p->exponent);
    out_string(w, "currency", p->currency);
    out_money(w, "captured", p->captured, p->currency, p->exponent);
    out_money(w, "refunded", p->refunded, p->currency, p->exponent);
    out_money(w, "fee", p->fee, p->currency, p->exponent);
    if (p->order_currency) {
        out_money(w, "order_amount", p->order_amount, p->order_currency, p->order_exponent);
        out_string(w, "order_currency", p->order_currency);
    } else {
        out_null(w, "order_amount");
        out_null(w, "order_currency");
    }
    out_string(w, "exchange_rate", p->exchange_rate);
    out_string(w, "region", p->region);
    out_string(w, "account", or_null(p->account));
    out_string(w, "tier", or_null(p->tier));
    /* "" (no tier applied) and NULL (not recorded) both print null; `tier`
     * says what the buyer gave, this what the limits used. */
    out_string(w, "effective_tier", or_null(p->effective_tier));
    out_string(w, "processor_reference", or_null(p->processor_ref));
    out_string(w, "idempotency_key", p->idempotency_key);
    out_time(w, "created_at", p->created_ms);
    out_time(w, "updated_at", p->updated_ms);
    out_time(w, "hold_expires_at", p->hold_expires_ms);

    if (p->status == TENDER_STATUS_REQUIRES_ACTION && p->action_kind) {
        out_begin_object(w, "action");
        out_string(w, "kind", tender_json_action_kind_name(p->action_kind));
        out_string(w, "data", p->action_data);
        out_string(w, "hint", p->action_hint);
        out_time(w, "expires_at", p->action_expires_ms);
        out_end_object(w);
    } else {
        out_null(w, "action");
    }

    if (p->decline_code) {
        const tender_decline_info *d = tender_decline_lookup(p->decline_code);
        out_begin_object(w, "decline");
        out_string(w, "code", d->name);
        out_boolean(w, "retryable", d->retryable);
        out_string(w, "advice", d->advice_text);
        out_string(w, "raw_code", p->decline_raw_code);
        out_string(w, "message", p->decline_message);
        out_end_object(w);
    } else {
        out_null(w, "decline");
    }

    out_begin_object(w, "display");
    out_string(w, "brand", p->brand);
    g_autofree char *masked = tender_json_masked_number(p);
    out_string(w, "masked_number", masked);
    out_string(w, "first6", p->first6);
    out_string(w, "last4", p->last4);
    out_string(w, "account", p->display_account);
    out_string(w, "issuer_country", p->issuer_country);
    out_end_object(w);
    out_string(w, "details", p->details);

    /* A listed payment comes without its operations (tender_host_list): say
     * so rather than print an empty history that would read as "none". */
    out_boolean(w, "operations_included", p->operations != NULL);
    if (p->operations == NULL) {
        out_end_object(w);
        return;
    }
    out_begin_array(w, "operations");
    for (guint i = 0; i < p->operations->len; i++) {
        const TenderOperation *op = g_ptr_array_index(p->operations, i);
        out_begin_object(w, NULL);
        out_int(w, "seq", op->seq);
        out_string(w, "kind", op->kind);
        out_money(w, "amount", op->amount, p->currency, p->exponent);
        out_string(w, "outcome", op->outcome);
        out_string(w, "decline_code", op->decline_code);
        out_string(w, "raw_code", op->raw_code);
        out_string(w, "message", op->message);
        out_string(w, "processor_reference", op->processor_ref);
        out_string(w, "idempotency_key", op->idempotency_key);
        out_string(w, "status_after", op->status_after);
        out_int(w, "attempts", op->attempts);
        out_time(w, "at", op->created_ms);
        out_end_object(w);
    }
    out_end_array(w);
    out_end_object(w);
}

char *tender_json_payment_text(const TenderPayment *p, gboolean pretty, gsize *length)
{
    GString *out = g_string_sized_new(pretty ? 2048 : 1024);
    JsonTextWriter w;
    json_text_writer_init(&w, out, pretty);
    write_payment(&(PaymentOut){.text = &w}, p);
    if (length)
        *length = out->len;
    return g_string_free(out, FALSE);
}

JsonNode *tender_json_payment(const TenderPayment *p)
{
    JsonBuilder *b = json_builder_new();
    write_payment(&(PaymentOut){.tree = b}, p);
    JsonNode *node = json_builder_get_root(b);
    g_object_unref(b);
    return node;
}

JsonNode *tender_json_quotes(const TenderBuyer *buyer, GPtrArray *quotes)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "buyer");
    json_builder_begin_object(b);
    tender_json_add_string(b, "region", buyer->region);
    tender_json_add_string(b, "currency", buyer->currency);
    tender_json_add_string(b, "amount", buyer->amount);
    tender_json_add_string(b, "account", buyer->account);
    tender_json_add_string(b, "tier", buyer->tier);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "methods");
    json_builder_begin_array(b);
    for (guint i = 0; i < quotes->len; i++) {
        const TenderQuote *q = g_ptr_array_index(quotes, i);
        json_builder_begin_object(b);
        tender_json_add_string(b, "method", q->method);
        json_builder_set_member_name(b, "offered");
        json_builder_add_boolean_value(b, q->offered);
        if (q->offered) {
            tender_json_add_string(b, "currency", q->currency);
            add_money(b, "amount", q->amount, q->currency, q->exponent);
            add_money(b, "fee", q->fee, q->currency, q->exponent);
            add_money(b, "total", q->total, q->currency, q->exponent);
            tender_json_add_string(b, "exchange", q->exchange);
            json_builder_set_member_name(b, "step_up");
            json_builder_add_boolean_value(b, q->step_up);
        } else {
            tender_json_add_string(b, "reason_code", q->reason_code);
            tender_json_add_string(b, "reason", q->reason);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    JsonNode *node = json_builder_get_root(b);
    g_object_unref(b);
    return node;
}

static void add_strv(JsonBuilder *b, const char *name, char **v)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (gsize i = 0; v && v[i]; i++)
        json_builder_add_string_value(b, v[i]);
    json_builder_end_array(b);
}

GStrv tender_json_capability_names(guint64 caps)
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

static void add_method(JsonBuilder *b, const TenderMethodInfo *m)
{
    json_builder_begin_object(b);
    tender_json_add_string(b, "id", m->id);
    tender_json_add_string(b, "name", m->name);
    g_auto(GStrv) caps = tender_json_capability_names(m->capabilities);
    add_strv(b, "capabilities", caps);
    add_strv(b, "regions", m->regions);
    json_builder_set_member_name(b, "currencies");
    json_builder_begin_array(b);
    for (guint i = 0; m->currencies && i < m->currencies->len; i++) {
        const TenderCurrencyInfo *c = &g_array_index(m->currencies, TenderCurrencyInfo, i);
        json_builder_begin_object(b);
        tender_json_add_string(b, "code", c->code);
        json_builder_set_member_name(b, "exponent");
        json_builder_add_int_value(b, c->exponent);
        if (c->min_amount)
            add_money(b, "min", c->min_amount, c->code, c->exponent);
        if (c->max_amount)
            add_money(b, "max", c->max_amount, c->code, c->exponent);
        if (c->home_region)
            tender_json_add_string(b, "home_region", c->home_region);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "params");
    json_builder_begin_array(b);
    for (guint i = 0; m->params && i < m->params->len; i++) {
        const TenderParamInfo *p = g_ptr_array_index(m->params, i);
        json_builder_begin_object(b);
        tender_json_add_string(b, "name", p->name);
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

JsonNode *tender_json_method(const TenderMethodInfo *m)
{
    JsonBuilder *b = json_builder_new();
    add_method(b, m);
    JsonNode *node = json_builder_get_root(b);
    g_object_unref(b);
    return node;
}

JsonNode *tender_json_plugins(TenderHost *host, const char *no_plugins_message)
{
    const GPtrArray *plugins = tender_host_plugins(host);
    const GPtrArray *refusals = tender_host_refusals(host);
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "host_abi");
    json_builder_add_string_value(b,
                                  G_STRINGIFY(TENDER_ABI_MAJOR) "." G_STRINGIFY(TENDER_ABI_MINOR));
    add_strv(b, "plugin_dirs", (char **)tender_host_plugin_dirs(host));
    if (no_plugins_message)
        tender_json_add_string(b, "message", no_plugins_message);
    json_builder_set_member_name(b, "plugins");
    json_builder_begin_array(b);
    for (guint i = 0; i < plugins->len; i++) {
        const TenderPluginInfo *p = g_ptr_array_index(plugins, i);
        json_builder_begin_object(b);
        tender_json_add_string(b, "file", p->file);
        tender_json_add_string(b, "id", p->id);
        tender_json_add_string(b, "name", p->name);
        tender_json_add_string(b, "version", p->version);
        g_autofree char *abi = g_strdup_printf("%u.%u", p->abi_major, p->abi_minor);
        tender_json_add_string(b, "abi", abi);
        tender_json_add_string(b, "isolation", tender_host_plugin_isolation(host, p->id));
        gint64 until = 0;
        g_autofree char *quarantine = NULL;
        gboolean quarantined = tender_host_plugin_quarantined(host, p->id, &until, &quarantine);
        json_builder_set_member_name(b, "quarantined");
        json_builder_add_boolean_value(b, quarantined);
        if (quarantined) {
            g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(until / 1000);
            g_autofree char *when = g_date_time_format_iso8601(t);
            tender_json_add_string(b, "quarantined_until", when);
            tender_json_add_string(b, "quarantine_reason", quarantine);
        }
        json_builder_set_member_name(b, "methods");
        json_builder_begin_array(b);
        for (guint k = 0; p->methods && k < p->methods->len; k++)
            add_method(b, g_ptr_array_index(p->methods, k));
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "refused");
    json_builder_begin_array(b);
    for (guint i = 0; i < refusals->len; i++) {
        const TenderRefusal *r = g_ptr_array_index(refusals, i);
        json_builder_begin_object(b);
        tender_json_add_string(b, "file", r->file);
        tender_json_add_string(b, "plugin_id", r->plugin_id);
        tender_json_add_string(b, "reason", r->reason);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    JsonNode *node = json_builder_get_root(b);
    g_object_unref(b);
    return node;
}

const char *tender_json_error_code(const GError *error)
{
    static const char *const names[] = {
        [TENDER_ERROR_INVALID_ARGUMENT] = "invalid_argument",
        [TENDER_ERROR_CONFIG] = "config_error",
        [TENDER_ERROR_LEDGER] = "ledger_error",
        [TENDER_ERROR_NOT_FOUND] = "not_found",
        [TENDER_ERROR_IDEMPOTENCY_CONFLICT] = "idempotency_conflict",
        [TENDER_ERROR_INVALID_STATE] = "invalid_state",
        [TENDER_ERROR_AMOUNT_EXCEEDED] = "amount_exceeded",
        [TENDER_ERROR_NOT_SUPPORTED] = "not_supported",
        [TENDER_ERROR_UNKNOWN_METHOD] = "unknown_method",
        [TENDER_ERROR_PLUGIN] = "plugin_error",
        [TENDER_ERROR_INTERNAL] = "internal_error",
        [TENDER_ERROR_AUTHORIZATION_EXPIRED] = "authorization_expired",
        [TENDER_ERROR_NOTIFICATION_REJECTED] = "notification_rejected",
        [TENDER_ERROR_DECLINED] = "declined",
        [TENDER_ERROR_BUSY] = "busy",
        [TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT] = "notification_unknown_payment",
    };
    if (error == NULL || error->domain != TENDER_ERROR || error->code <= 0 ||
        (gsize)error->code >= G_N_ELEMENTS(names))
        return NULL;
    return names[error->code];
}
