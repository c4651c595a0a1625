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

void ledger_totals_set(GHashTable *totals, const char *name, gint64 value)
{
    g_hash_table_insert(totals, g_strdup(name), g_memdup2(&value, sizeof value));
}
