/* The ledger's logical tables (ledger-backend.h): the tables and columns
 * every backend stores, named as in SQLite's schema (the migrations of
 * ledger-sqlite.c), which export_rows and import_row speak. A migration that
 * adds a column adds it here too, at the end of its table (for payments,
 * the same names as LEDGER_PAYMENT_COLUMNS in ledger.h, which the backends
 * bind rows by; test-core-ledger-copy compares every column of a copied
 * ledger, so a column missing here fails there). */
#include "ledger-backend.h"

#define I LEDGER_VALUE_INTEGER
#define T LEDGER_VALUE_TEXT
#define B LEDGER_VALUE_BLOB

static const LedgerTableColumn payments[] = {
    {"id", T},
    {"method", T},
    {"account", T},
    {"tier", T},
    {"region", T},
    {"currency", T},
    {"exponent", I},
    {"status", T},
    {"amount", I},
    {"captured", I},
    {"refunded", I},
    {"fee", I},
    {"order_currency", T},
    {"order_amount", I},
    {"processor_ref", T},
    {"plugin_state", T},
    {"idempotency_key", T},
    {"request_hash", T},
    {"action_kind", I},
    {"action_data", T},
    {"action_hint", T},
    {"action_expires_ms", I},
    {"decline_code", I},
    {"decline_raw", T},
    {"decline_message", T},
    {"brand", T},
    {"first6", T},
    {"last4", T},
    {"display_account", T},
    {"issuer_country", T},
    {"details", T},
    {"created_ms", I},
    {"updated_ms", I},
    {"authorized_ms", I},
    {"hold_expires_ms", I},
    {"busy_until_ms", I},
    {"busy_seq", I},
    {"effective_tier", T},
    {"exchange_rate", T},
};

static const LedgerTableColumn operations[] = {
    {"seq", I},          {"payment_id", T},      {"kind", T},
    {"request_id", T},   {"idempotency_key", T}, {"request_hash", T},
    {"amount", I},       {"outcome", T},         {"decline_code", T},
    {"raw_code", T},     {"message", T},         {"processor_ref", T},
    {"status_after", T}, {"created_ms", I},      {"attempts", I},
    {"plugin_state", T},
};

static const LedgerTableColumn usage[] = {{"key", T}, {"amount", I}};

static const LedgerTableColumn payment_usage[] = {
    {"payment_id", T}, {"key", T}, {"full_amount", I}, {"counted", I}};

static const LedgerTableColumn api_keys[] = {{"id", T},         {"name", T},
                                             {"scope", T},      {"secret_sha256", T},
                                             {"created_ms", I}, {"revoked_ms", I}};

static const LedgerTableColumn webhook_endpoints[] = {
    {"id", T}, {"url", T}, {"events", T}, {"secret", T}, {"created_ms", I}, {"removed_ms", I}};

static const LedgerTableColumn events[] = {{"seq", I},        {"id", T},   {"type", T},
                                           {"payment_id", T}, {"body", T}, {"created_ms", I}};

static const LedgerTableColumn deliveries[] = {
    {"event_seq", I}, {"endpoint_id", T}, {"state", T},      {"attempts", I},
    {"next_ms", I},   {"last_status", I}, {"last_error", T}, {"done_ms", I}};

static const LedgerTableColumn idempotent_responses[] = {
    {"scope", T},        {"key", T},  {"fingerprint", T}, {"status", I},
    {"content_type", T}, {"body", B}, {"headers", T},     {"created_ms", I}};

static const LedgerTableColumn plugin_crashes[] = {{"plugin_id", T}, {"at_ms", I}, {"reason", T}};

#define TABLE(name)                                                                                \
    {                                                                                              \
#name, name, G_N_ELEMENTS(name)                                                            \
    }

const LedgerTable ledger_tables[] = {
    TABLE(payments),       TABLE(operations), TABLE(usage),
    TABLE(payment_usage),  TABLE(api_keys),   TABLE(webhook_endpoints),
    TABLE(events),         TABLE(deliveries), TABLE(idempotent_responses),
    TABLE(plugin_crashes),
};

const guint ledger_n_tables = G_N_ELEMENTS(ledger_tables);

/* The totals a copy is checked by. Each query returns n_groups text
 * columns, then named numbers; a row becomes the totals
 * "<name>[<group>,...].<column>" ("<name>.<column>" without groups). Every
 * backend runs these very statements, so the names and what they count
 * cannot drift apart between backends; the SQL is plain enough for any SQL
 * database (PostgreSQL returns sum() of bigint as numeric: read it as
 * text). The money invariants are all here: amounts per currency and status,
 * operations (refunds among them) per kind and outcome, the limit counters,
 * the idempotency keys of payments, operations and kept responses, and the
 * outbox. */
const LedgerTotalQuery ledger_total_queries[] = {
    {"payments", 2,
     "SELECT currency, status, count(*) AS count, sum(amount) AS amount,"
     " sum(captured) AS captured, sum(refunded) AS refunded, sum(fee) AS fee,"
     " sum(order_amount) AS order_amount, count(idempotency_key) AS idempotency_keys"
     " FROM payments GROUP BY currency, status"},
    {"operations", 2,
     "SELECT kind, coalesce(outcome, '') AS outcome, count(*) AS count, sum(amount) AS amount,"
     " sum(attempts) AS attempts, count(idempotency_key) AS idempotency_keys"
     " FROM operations GROUP BY kind, coalesce(outcome, '')"},
    {"usage", 0, "SELECT count(*) AS count, coalesce(sum(amount), 0) AS amount FROM usage"},
    {"payment_usage", 0,
     "SELECT count(*) AS count, coalesce(sum(full_amount), 0) AS full_amount,"
     " coalesce(sum(counted), 0) AS counted FROM payment_usage"},
    {"events", 1, "SELECT type, count(*) AS count FROM events GROUP BY type"},
    {"deliveries", 1,
     "SELECT state, count(*) AS count, sum(attempts) AS attempts FROM deliveries GROUP BY state"},
    {"api_keys", 0,
     "SELECT count(*) AS count, count(CASE WHEN revoked_ms > 0 THEN 1 END) AS revoked"
     " FROM api_keys"},
    {"webhook_endpoints", 0,
     "SELECT count(*) AS count, count(CASE WHEN removed_ms > 0 THEN 1 END) AS removed"
     " FROM webhook_endpoints"},
    {"idempotent_responses", 0, "SELECT count(*) AS count FROM idempotent_responses"},
    {"plugin_crashes", 0, "SELECT count(*) AS count FROM plugin_crashes"},
};

const guint ledger_n_total_queries = G_N_ELEMENTS(ledger_total_queries);

void ledger_totals_set(GHashTable *totals, const char *name, gint64 value)
{
    g_hash_table_insert(totals, g_strdup(name), g_memdup2(&value, sizeof value));
}

char *ledger_totals_prefix(const LedgerTotalQuery *query, const char *const *groups)
{
    GString *prefix = g_string_new(query->name);
    for (int g = 0; g < query->n_groups; g++)
        g_string_append_printf(prefix, "%s%s", g ? "," : "[", groups[g] ? groups[g] : "");
    if (query->n_groups > 0)
        g_string_append_c(prefix, ']');
    return g_string_free(prefix, FALSE);
}

static LedgerTableSql *table_sql_make(LedgerPlaceholders style)
{
    LedgerTableSql *all = g_new0(LedgerTableSql, ledger_n_tables);
    for (guint t = 0; t < ledger_n_tables; t++) {
        const LedgerTable *table = &ledger_tables[t];
        GString *names = g_string_new(NULL);
        GString *marks = g_string_new(NULL);
        for (guint c = 0; c < table->n_columns; c++) {
            g_string_append_printf(names, "%s%s", c ? ", " : "", table->columns[c].name);
            if (style == LEDGER_PLACEHOLDERS_NUMBERED)
                g_string_append_printf(marks, "%s$%u", c ? ", " : "", c + 1);
            else
                g_string_append(marks, c ? ", ?" : "?");
        }
        all[t].select_sql = g_strdup_printf("SELECT %s FROM %s", names->str, table->name);
        all[t].insert_sql =
            g_strdup_printf("INSERT INTO %s (%s) VALUES (%s)", table->name, names->str, marks->str);
        g_string_free(names, TRUE);
        g_string_free(marks, TRUE);
    }
    return all;
}

const LedgerTableSql *ledger_table_sql(const LedgerTable *table, LedgerPlaceholders style)
{
    static LedgerTableSql *made[2];
    static gsize ready[2];
    g_assert(style == LEDGER_PLACEHOLDERS_QUESTION || style == LEDGER_PLACEHOLDERS_NUMBERED);
    if (g_once_init_enter(&ready[style])) {
        made[style] = table_sql_make(style);
        g_once_init_leave(&ready[style], 1);
    }
    return &made[style][table - ledger_tables];
}
