// The in-memory ledger backend (core/ledger-memory*.c), what is its own:
// - a rollback undoes every change of a unit exactly: after a unit that
//   inserts and changes rows of every table and rolls back, the export is
//   the same, byte for byte, and the indexes and sequence numbers are as
//   before (a key, a lapsed hold, the next seq);
// - a constraint SQLite enforces fails here with SQLite's very message, and
//   changes nothing;
// - the same payments through the host API leave the same rows as on an
//   SQLite ledger (ids and wall-clock times aside): a strong check that the
//   two backends agree, which also goes through copy_to.
// Everything else (every test that opens ":memory:") runs on it anyway.
#include "core-test-util.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

#include "ledger.h"

using namespace coretest;

namespace {

struct TableDump {
    const LedgerTable *table;
    std::vector<std::string> rows;
};

gboolean dump_table_row(const LedgerValue *values, gpointer data, GError **)
{
    auto *dump = static_cast<TableDump *>(data);
    std::string row = dump->table->name;
    for (guint c = 0; c < dump->table->n_columns; c++) {
        const LedgerValue *v = &values[c];
        if (v->type == LEDGER_VALUE_NULL)
            row += "|NULL";
        else if (v->type == LEDGER_VALUE_INTEGER)
            row += "|" + std::to_string(v->integer);
        else
            row += "|'" + std::string(static_cast<const char *>(v->data), v->length) + "'";
    }
    dump->rows.push_back(row);
    return TRUE;
}

// Every row of every table, in the backend's export order, read in unit.
std::string export_in(LedgerUnit *unit)
{
    std::string out;
    GError *error = nullptr;
    for (guint t = 0; t < ledger_n_tables; t++) {
        TableDump dump = {&ledger_tables[t], {}};
        EXPECT_TRUE(LEDGER_OP(unit)->export_rows(unit, dump.table, dump_table_row, &dump, &error))
            << (error ? error->message : "");
        for (const auto &row : dump.rows)
            out += row + "\n";
    }
    return out;
}

std::string export_of(TenderLedger *ledger)
{
    GError *error = nullptr;
    LedgerUnit *unit = ledger_begin_read(ledger, &error);
    EXPECT_NE(unit, nullptr) << (error ? error->message : "");
    if (unit == nullptr)
        return "";
    std::string out = export_in(unit);
    ledger_rollback(unit);
    return out;
}

// A payment row with every column the engine sets.
LedgerPayment make_payment(const char *id, const char *key, TenderStatus status, gint64 hold)
{
    LedgerPayment p = {};
    p.pub.id = const_cast<char *>(id);
    p.pub.method = const_cast<char *>("fx_count");
    p.pub.account = const_cast<char *>("acct-1");
    p.pub.region = const_cast<char *>("US");
    p.pub.currency = const_cast<char *>("USD");
    p.pub.exponent = 2;
    p.pub.status = status;
    p.pub.amount = 1000;
    p.pub.idempotency_key = const_cast<char *>(key);
    p.pub.created_ms = kNow;
    p.pub.updated_ms = kNow;
    p.pub.hold_expires_ms = hold;
    p.request_hash = const_cast<char *>("hash-1");
    return p;
}

TenderOperation make_operation(const char *kind, const char *key)
{
    TenderOperation op = {};
    op.kind = const_cast<char *>(kind);
    op.request_id = const_cast<char *>("req-1");
    op.idempotency_key = const_cast<char *>(key);
    op.amount = 1000;
    op.created_ms = kNow;
    return op;
}

#define ASSERT_OK(call)                                                                            \
    do {                                                                                           \
        GError *e_ = nullptr;                                                                      \
        GError **error = &e_;                                                                      \
        gboolean ok_ = (call);                                                                     \
        ASSERT_TRUE(ok_) << (e_ ? e_->message : "no error");                                     \
        (void)error;                                                                               \
    } while (0)

// A ledger with a row in every table, committed.
void fill(TenderLedger *ledger)
{
    GError *e = nullptr;
    LedgerUnit *u = ledger_begin(ledger, &e);
    ASSERT_NE(u, nullptr);
    const LedgerBackend *b = LEDGER_OP(u);
    TenderWebhookEndpoint endpoint = {};
    endpoint.id = const_cast<char *>("we_1");
    endpoint.url = const_cast<char *>("http://127.0.0.1:9/hook");
    endpoint.events = const_cast<char *>("*");
    endpoint.created_ms = kNow;
    ASSERT_OK(b->webhook_endpoint_insert(u, &endpoint, "whsec_1", error));
    LedgerPayment p = make_payment("pay_1", "order-1", TENDER_STATUS_AUTHORIZED, kNow + kDayMs);
    p.busy_until_ms = kNow + 1000;
    TenderOperation op = make_operation("authorize", nullptr);
    ASSERT_OK(ledger_payment_insert_leased(u, &p, &op, "hash-1", error));
    EXPECT_EQ(op.seq, 1);
    ASSERT_OK(ledger_payment_usage_add(u, "pay_1", "acct-1|day", 1000, error));
    TenderEvent event = {};
    event.id = const_cast<char *>("evt_1");
    event.type = const_cast<char *>("payment.authorized");
    event.payment_id = const_cast<char *>("pay_1");
    event.body = const_cast<char *>("{}");
    event.created_ms = kNow;
    ASSERT_OK(b->event_insert(u, &event, kNow, error));
    TenderApiKey key = {};
    key.id = const_cast<char *>("key_1");
    key.name = const_cast<char *>("shop");
    key.scope = TENDER_API_SCOPE_WRITE;
    key.created_ms = kNow;
    ASSERT_OK(b->api_key_insert(u, &key, "digest-1", error));
    TenderStoredResponse r = {};
    r.fingerprint = const_cast<char *>("fp-1");
    r.status = 200;
    r.body = g_bytes_new_static("{\0}", 3);
    ASSERT_OK(b->stored_response_put(u, "pay", "key-1", &r, kNow, 0, error));
    g_bytes_unref(r.body);
    ASSERT_OK(b->crash_add(u, "fx_count", kNow, "killed", error));
    ASSERT_TRUE(ledger_commit(u, &e)) << e->message;
}

class MemoryLedger : public ::testing::Test {
protected:
    void SetUp() override
    {
        GError *error = nullptr;
        ledger = ledger_open(":memory:", &error);
        ASSERT_NE(ledger, nullptr) << error->message;
        ASSERT_STREQ(ledger->backend->name, "memory");
        fill(ledger);
    }
    void TearDown() override { ledger_close(ledger); }

    TenderLedger *ledger = nullptr;
};

TEST_F(MemoryLedger, EmptyStringIsMemoryToo)
{
    GError *error = nullptr;
    TenderLedger *other = ledger_open("", &error);
    ASSERT_NE(other, nullptr) << error->message;
    EXPECT_STREQ(other->backend->name, "memory");
    EXPECT_EQ(export_of(other), "");
    ledger_close(other);
}

TEST_F(MemoryLedger, ARollbackUndoesEveryChangeExactly)
{
    std::string before = export_of(ledger);
    ASSERT_NE(before.find("deliveries|1|'we_1'|'pending'"), std::string::npos) << before;
    GError *e = nullptr;
    LedgerUnit *u = ledger_begin(ledger, &e);
    ASSERT_NE(u, nullptr);
    const LedgerBackend *b = LEDGER_OP(u);

    // New rows: a payment with an operation, counters, an event with its
    // delivery, a key, an endpoint, a response, a crash.
    LedgerPayment p = make_payment("pay_2", "order-2", TENDER_STATUS_PENDING, 0);
    TenderOperation op = make_operation("authorize", nullptr);
    ASSERT_OK(ledger_payment_insert_leased(u, &p, &op, "hash-2", error));
    EXPECT_EQ(op.seq, 2);
    TenderOperation capture = make_operation("capture", "cap-1");
    ASSERT_OK(ledger_operation_insert(u, "pay_1", &capture, "hash-3", error));
    ASSERT_OK(ledger_usage_add(u, "acct-1|day", 500, error));
    ASSERT_OK(ledger_usage_add(u, "acct-2|day", 700, error));
    ASSERT_OK(ledger_payment_usage_add(u, "pay_2", "acct-1|day", 500, error));
    TenderEvent event = {};
    event.id = const_cast<char *>("evt_2");
    event.type = const_cast<char *>("payment.pending");
    event.payment_id = const_cast<char *>("pay_2");
    event.body = const_cast<char *>("{\"x\":1}");
    event.created_ms = kNow;
    ASSERT_OK(b->event_insert(u, &event, kNow, error));
    TenderApiKey key = {};
    key.id = const_cast<char *>("key_2");
    key.name = const_cast<char *>("other");
    key.scope = TENDER_API_SCOPE_READ;
    ASSERT_OK(b->api_key_insert(u, &key, "digest-2", error));
    TenderWebhookEndpoint endpoint = {};
    endpoint.id = const_cast<char *>("we_2");
    endpoint.url = const_cast<char *>("http://127.0.0.1:9/other");
    endpoint.events = const_cast<char *>("payment.captured");
    ASSERT_OK(b->webhook_endpoint_insert(u, &endpoint, "whsec_2", error));
    ASSERT_OK(b->crash_add(u, "fx_single", kNow, "crashed", error));

    // Changes and deletes of the rows that were there.
    g_autoptr(LedgerPayment) row = ledger_payment_get(u, "pay_1", &e);
    ASSERT_NE(row, nullptr);
    g_autoptr(LedgerPayment) changed = ledger_payment_copy(row);
    changed->pub.status = TENDER_STATUS_CAPTURED;
    changed->pub.captured = 1000;
    changed->pub.hold_expires_ms = 0;
    g_free(changed->pub.processor_ref);
    changed->pub.processor_ref = g_strdup("ref-9");
    changed->pub.updated_ms = kNow + 5;
    ASSERT_OK(ledger_payment_update(u, row, changed, error));
    ASSERT_OK(ledger_payment_set_lease(u, "pay_1", 0, 0, error));
    op.seq = 1;
    op.outcome = const_cast<char *>("approved");
    op.attempts = 3;
    ASSERT_OK(ledger_operation_update(u, &op, "state-9", error));
    ASSERT_OK(ledger_payment_usage_hold(u, "pay_1", 0, 1000, error));
    ASSERT_OK(b->delivery_record(u, 1, "we_1", "delivered", 200, nullptr, kNow, kNow, error));
    ASSERT_OK(b->event_resend(u, "evt_1", kNow + 1, error));
    ASSERT_OK(b->api_key_revoke(u, "key_1", kNow + 1, error));
    ASSERT_OK(b->webhook_endpoint_remove(u, "we_1", kNow + 1, error));
    TenderStoredResponse r = {};
    r.fingerprint = const_cast<char *>("fp-2");
    r.body = g_bytes_new_static("new", 3);
    // Drops the kept response (created at kNow) before keeping this one.
    ASSERT_OK(b->stored_response_put(u, "pay", "key-2", &r, kNow + 2, kNow + 1, error));
    g_bytes_unref(r.body);
    ASSERT_OK(b->crash_clear(u, "fx_count", error));
    ASSERT_NE(export_in(u), before);
    ledger_rollback(u);

    EXPECT_EQ(export_of(ledger), before);
    // The indexes are as before too, and so are the sequences.
    u = ledger_begin(ledger, &e);
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(ledger_key_lookup(u, "order-2", nullptr, &e), nullptr);
    g_autofree char *id = ledger_key_lookup(u, "order-1", nullptr, &e);
    EXPECT_STREQ(id, "pay_1");
    EXPECT_EQ(ledger_operation_by_key(u, "pay_1", "capture", "cap-1", nullptr, &e), nullptr);
    g_autoptr(GPtrArray) ops = ledger_operations(u, "pay_1", &e);
    ASSERT_NE(ops, nullptr);
    EXPECT_EQ(ops->len, 1u);
    g_autoptr(GPtrArray) lapsed = ledger_lapsed_for_account(u, "acct-1", kNow + kDayMs, &e);
    ASSERT_NE(lapsed, nullptr);
    ASSERT_EQ(lapsed->len, 1u);
    EXPECT_STREQ(static_cast<char *>(g_ptr_array_index(lapsed, 0)), "pay_1");
    EXPECT_EQ(ledger_usage_get(u, "acct-1|day"), 1000);
    EXPECT_EQ(ledger_usage_get(u, "acct-2|day"), 0);
    TenderOperation next = make_operation("void", nullptr);
    ASSERT_OK(ledger_operation_insert(u, "pay_1", &next, nullptr, error));
    EXPECT_EQ(next.seq, 2); // the rolled-back seq 2 is given again, as SQLite does
    ledger_rollback(u);
}

// A failed insert of each kind, on both backends: the same message, and
// the unit's rows unchanged by it.
TEST_F(MemoryLedger, ConstraintsFailAsOnSQLiteAndChangeNothing)
{
    GError *error = nullptr;
    TenderLedger *sqlite = ledger_sqlite_open(":memory:", TRUE, &error);
    ASSERT_NE(sqlite, nullptr) << error->message;
    fill(sqlite);
    EXPECT_EQ(export_of(sqlite), export_of(ledger));

    using Attempt = std::function<gboolean(LedgerUnit *, GError **)>;
    LedgerPayment again = make_payment("pay_1", nullptr, TENDER_STATUS_PENDING, 0);
    LedgerPayment same_key = make_payment("pay_3", "order-1", TENDER_STATUS_PENDING, 0);
    LedgerPayment no_method = make_payment("pay_4", nullptr, TENDER_STATUS_PENDING, 0);
    no_method.pub.method = nullptr;
    TenderEvent event = {};
    event.id = const_cast<char *>("evt_1");
    event.type = const_cast<char *>("payment.pending");
    event.payment_id = const_cast<char *>("pay_1");
    event.body = const_cast<char *>("{}");
    TenderApiKey same_digest = {};
    same_digest.id = const_cast<char *>("key_9");
    same_digest.name = const_cast<char *>("x");
    same_digest.scope = TENDER_API_SCOPE_READ;
    TenderApiKey same_id = same_digest;
    same_id.id = const_cast<char *>("key_1");
    TenderWebhookEndpoint endpoint = {};
    endpoint.id = const_cast<char *>("we_1");
    endpoint.url = const_cast<char *>("http://127.0.0.1:9/");
    endpoint.events = const_cast<char *>("*");
    const std::vector<std::pair<std::string, Attempt>> attempts = {
        {"payments.id", [&](LedgerUnit *u, GError **e) { return ledger_payment_insert(u, &again, e); }},
        {"payments.idempotency_key",
         [&](LedgerUnit *u, GError **e) { return ledger_payment_insert(u, &same_key, e); }},
        {"payments.method",
         [&](LedgerUnit *u, GError **e) { return ledger_payment_insert(u, &no_method, e); }},
        {"FOREIGN KEY",
         [&](LedgerUnit *u, GError **e) {
             TenderOperation op = make_operation("capture", nullptr);
             return ledger_operation_insert(u, "pay_9", &op, nullptr, e);
         }},
        {"operations.idempotency_key",
         [&](LedgerUnit *u, GError **e) {
             TenderOperation op = make_operation("capture", "cap-1");
             if (!ledger_operation_insert(u, "pay_1", &op, nullptr, e))
                 return FALSE;
             return ledger_operation_insert(u, "pay_1", &op, nullptr, e);
         }},
        {"events.id",
         [&](LedgerUnit *u, GError **e) { return LEDGER_OP(u)->event_insert(u, &event, kNow, e); }},
        {"api_keys.secret_sha256",
         [&](LedgerUnit *u, GError **e) {
             return LEDGER_OP(u)->api_key_insert(u, &same_digest, "digest-1", e);
         }},
        {"api_keys.id",
         [&](LedgerUnit *u, GError **e) {
             return LEDGER_OP(u)->api_key_insert(u, &same_id, "digest-9", e);
         }},
        {"webhook_endpoints.id",
         [&](LedgerUnit *u, GError **e) {
             return LEDGER_OP(u)->webhook_endpoint_insert(u, &endpoint, "s", e);
         }},
    };
    for (const auto &[what, attempt] : attempts) {
        std::string messages[2];
        TenderLedger *both[2] = {sqlite, ledger};
        for (int i = 0; i < 2; i++) {
            LedgerUnit *u = ledger_begin(both[i], &error);
            ASSERT_NE(u, nullptr);
            // The operation key case inserts once first: compare after it.
            std::string before = export_in(u);
            GError *e = nullptr;
            EXPECT_FALSE(attempt(u, &e)) << what << " on " << both[i]->backend->name;
            ASSERT_NE(e, nullptr) << what;
            EXPECT_EQ(e->domain, TENDER_ERROR);
            EXPECT_EQ(e->code, TENDER_ERROR_LEDGER);
            messages[i] = e->message;
            g_clear_error(&e);
            if (what != "operations.idempotency_key") {
                EXPECT_EQ(export_in(u), before) << what;
            }
            ledger_rollback(u);
        }
        EXPECT_EQ(messages[1], messages[0]) << what;
        EXPECT_NE(messages[1].find(what), std::string::npos) << messages[1];
    }
    EXPECT_EQ(export_of(sqlite), export_of(ledger));
    ledger_close(sqlite);
}

// The same payments through the host API, on ":memory:" and on an SQLite
// file, leave the same rows: compared as SQLite files (the memory one
// through tender_host_copy_ledger), with the random ids renamed in order of
// appearance and the wall-clock columns left out.
class SameRowsAsSQLite : public ::testing::Test {
protected:
    TenderHost *open_host(const std::string &ledger, const std::string &counter)
    {
        return open_fx_count_host(ledger, counter);
    }

    static TenderPayment *pay(TenderHost *h, const char *account, const char *amount,
                              const char *currency = "USD", const char *key = nullptr)
    {
        return pay_fx_count(h, account, amount, currency, key);
    }

    // Every kind of row, and changes of each.
    static void run(TenderHost *h)
    {
        GError *error = nullptr;
        char *secret = nullptr;
        TenderWebhookEndpoint *endpoint =
            tender_host_webhook_endpoint_add(h, "http://127.0.0.1:9/hook", nullptr, &secret, &error);
        ASSERT_NE(endpoint, nullptr) << error->message;
        tender_webhook_endpoint_free(endpoint);
        g_free(secret);
        TenderPayment *a = pay(h, "acct-1", "10.00", "USD", "order-1");
        ASSERT_NE(a, nullptr);
        tender_payment_free(tender_host_capture(h, a->id, "6.00", "cap-1", &error));
        ASSERT_EQ(error, nullptr) << error->message;
        tender_payment_free(tender_host_refund(h, a->id, "2.50", nullptr, &error));
        ASSERT_EQ(error, nullptr) << error->message;
        TenderPayment *b = pay(h, "acct-1", "30.00", "EUR");
        ASSERT_NE(b, nullptr);
        tender_payment_free(tender_host_void(h, b->id, nullptr, &error));
        ASSERT_EQ(error, nullptr) << error->message;
        tender_payment_free(pay(h, "acct-2", "5.00"));
        // Over the limit: refused, recorded as declined.
        TenderPayRequest over = {sizeof(TenderPayRequest)};
        over.method = "fx_count";
        over.region = "US";
        over.currency = "USD";
        over.amount = "900.00";
        over.account = "acct-1";
        TenderPayment *refused = tender_host_pay(h, &over, &error);
        tender_payment_free(refused);
        g_clear_error(&error);
        // A replay of the first key: no new row.
        TenderPayment *replay = pay(h, "acct-1", "10.00", "USD", "order-1");
        ASSERT_NE(replay, nullptr);
        EXPECT_STREQ(replay->id, a->id);
        tender_payment_free(replay);
        TenderApiKey *key =
            tender_host_api_key_create(h, "shop", TENDER_API_SCOPE_WRITE, &secret, &error);
        ASSERT_NE(key, nullptr) << error->message;
        EXPECT_TRUE(tender_host_api_key_revoke(h, key->id, &error));
        tender_api_key_free(key);
        g_free(secret);
        TenderStoredResponse kept = {};
        kept.fingerprint = const_cast<char *>("fp-1");
        kept.status = 201;
        kept.content_type = const_cast<char *>("application/json");
        kept.body = g_bytes_new_static("{}", 2);
        kept.headers = const_cast<char *>("");
        EXPECT_TRUE(tender_host_stored_response_put(h, "pay", "key-1", &kept, 0, &error));
        g_bytes_unref(kept.body);
        // One delivery made, one failed for good.
        GPtrArray *due = tender_host_deliveries_due(h, G_MAXINT64 / 2, 2, &error);
        ASSERT_NE(due, nullptr);
        ASSERT_EQ(due->len, 2u);
        for (guint i = 0; i < due->len; i++) {
            auto *d = static_cast<TenderDelivery *>(g_ptr_array_index(due, i));
            EXPECT_TRUE(tender_host_delivery_record(h, d->event_seq, d->endpoint_id, i == 0, 500,
                                                    "refused", kNow, kNow, &error));
        }
        g_ptr_array_unref(due);
        tender_payment_free(a);
        tender_payment_free(b);
    }

    // The rows of path, in an order that does not depend on random ids.
    static std::string dump(const std::string &path)
    {
        static const std::map<std::string, std::string> order = {
            {"payments", "rowid"},
            {"operations", "seq"},
            {"usage", "key"},
            {"payment_usage", "(SELECT rowid FROM payments p WHERE p.id = payment_id), key"},
            {"api_keys", "rowid"},
            {"webhook_endpoints", "rowid"},
            {"events", "seq"},
            {"deliveries", "event_seq"},
            {"idempotent_responses", "scope, key"},
            {"plugin_crashes", "rowid"},
        };
        // Wall-clock times and the digest of a random secret.
        static const std::vector<std::string> left_out = {
            "api_keys.created_ms", "api_keys.revoked_ms", "api_keys.secret_sha256",
            "webhook_endpoints.created_ms", "deliveries.next_ms", "deliveries.done_ms",
            "idempotent_responses.created_ms"};
        sqlite3 *db = nullptr;
        EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        std::string out;
        for (guint t = 0; t < ledger_n_tables; t++) {
            const char *table = ledger_tables[t].name;
            std::string sql =
                std::string("SELECT * FROM ") + table + " ORDER BY " + order.at(table);
            sqlite3_stmt *s = nullptr;
            EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
            while (s && sqlite3_step(s) == SQLITE_ROW) {
                out += table;
                for (int c = 0; c < sqlite3_column_count(s); c++) {
                    std::string column = std::string(table) + "." + sqlite3_column_name(s, c);
                    const unsigned char *v = sqlite3_column_text(s, c);
                    if (std::find(left_out.begin(), left_out.end(), column) != left_out.end())
                        out += "|-";
                    else
                        out += "|" + (v ? std::string(reinterpret_cast<const char *>(v)) : "NULL");
                }
                out += "\n";
            }
            sqlite3_finalize(s);
        }
        sqlite3_close(db);
        // Random ids, renamed in order of appearance (GRegex: std::regex
        // trips -Wmaybe-uninitialized inside libstdc++ under the sanitizers).
        GRegex *token = g_regex_new("\\b(pay|req|evt|key|we|tsk|whsec)_[0-9A-Za-z]+",
                                    static_cast<GRegexCompileFlags>(0),
                                    static_cast<GRegexMatchFlags>(0), nullptr);
        std::map<std::string, std::string> names;
        std::string renamed;
        size_t last = 0;
        GMatchInfo *match = nullptr;
        g_regex_match(token, out.c_str(), static_cast<GRegexMatchFlags>(0), &match);
        while (g_match_info_matches(match)) {
            int start = 0, end = 0;
            g_match_info_fetch_pos(match, 0, &start, &end);
            g_autofree char *prefix = g_match_info_fetch(match, 1);
            renamed.append(out, last, static_cast<size_t>(start) - last);
            std::string found = out.substr(start, end - start);
            auto [entry, added] =
                names.emplace(found, std::string(prefix) + "#" + std::to_string(names.size()));
            renamed += entry->second;
            last = static_cast<size_t>(end);
            g_match_info_next(match, nullptr);
        }
        g_match_info_free(match);
        g_regex_unref(token);
        renamed.append(out, last, std::string::npos);
        return renamed;
    }

    TempDir tmp;
};

TEST_F(SameRowsAsSQLite, TheSamePaymentsLeaveTheSameRows)
{
    std::string file = tmp.file("sqlite.db");
    std::string copied = tmp.file("memory.db");
    TenderHost *on_file = open_host(file, tmp.file("calls-file"));
    TenderHost *in_memory = open_host(":memory:", tmp.file("calls-memory"));
    ASSERT_NE(on_file, nullptr);
    ASSERT_NE(in_memory, nullptr);
    run(on_file);
    run(in_memory);
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_copy_ledger(in_memory, copied.c_str(), &error)) << error->message;
    // A copy never goes over a file.
    EXPECT_FALSE(tender_host_copy_ledger(in_memory, copied.c_str(), &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
    // The listings agree too (every payment has the same created_ms here,
    // so their order is that of the random ids: compared as sets).
    std::vector<std::string> listed[2];
    TenderHost *hosts[2] = {on_file, in_memory};
    for (int i = 0; i < 2; i++) {
        GPtrArray *all = tender_host_list(hosts[i], nullptr, &error);
        ASSERT_NE(all, nullptr) << error->message;
        for (guint j = 0; j < all->len; j++) {
            auto *p = static_cast<TenderPayment *>(g_ptr_array_index(all, j));
            listed[i].push_back(std::string(p->account) + " " + std::to_string(p->amount) + " " +
                                tender_status_to_string(p->status));
        }
        g_ptr_array_unref(all);
        std::sort(listed[i].begin(), listed[i].end());
    }
    EXPECT_EQ(listed[0].size(), 4u);
    EXPECT_EQ(listed[1], listed[0]);
    tender_host_free(on_file);
    tender_host_free(in_memory);
    // Imported into a memory ledger, the SQLite ledger's rows give the
    // same totals there (computed from the store's rows).
    TenderLedgerCopyReport report = {};
    ASSERT_TRUE(tender_ledger_copy(file.c_str(), ":memory:", &report, &error)) << error->message;
    EXPECT_GT(report.rows, 20u);
    EXPECT_GT(report.totals, 20u);
    std::string expected = dump(file);
    EXPECT_NE(expected.find("deliveries|"), std::string::npos) << expected;
    EXPECT_NE(expected.find("payment_usage|"), std::string::npos) << expected;
    EXPECT_NE(expected.find("idempotent_responses|"), std::string::npos) << expected;
    EXPECT_EQ(dump(copied), expected);
}

}  // namespace
