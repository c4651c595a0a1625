// Sensitive data: parameters a method declares sensitive (card number,
// security code, one-time code) never reach a payment, the ledger file, its
// WAL, a log or an error, even from a careless plugin (fx_echo) that copies
// them into everything it returns. And a run of card payments through the
// bundled card plugin leaves no card number or security code at rest (byte
// scan, as ../shared/checks/no-card-data-at-rest does).
#include <glib/gstdio.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "core-test-util.h"
#include "ledger-rows.h"

extern "C" {
#include "sandbox-process.h"
}

using namespace coretest;

namespace {

// ---- log capture (one writer per process) ---------------------------------

std::mutex log_lock;
std::string log_text;

GLogWriterOutput capture_writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer)
{
    std::lock_guard<std::mutex> guard(log_lock);
    log_text += "[" + std::to_string(level) + "]";
    for (gsize i = 0; i < n; i++) {
        if (fields[i].length < 0)
            log_text += std::string(" ") + fields[i].key + "=" +
                        static_cast<const char *>(fields[i].value);
        else
            log_text += std::string(" ") + fields[i].key + "=" +
                        std::string(static_cast<const char *>(fields[i].value),
                                    static_cast<size_t>(fields[i].length));
    }
    log_text += "\n";
    return G_LOG_WRITER_HANDLED;
}

void capture_logs()
{
    static std::once_flag once;
    std::call_once(once, [] { g_log_set_writer_func(capture_writer, nullptr, nullptr); });
    std::lock_guard<std::mutex> guard(log_lock);
    log_text.clear();
}

std::string captured_logs()
{
    std::lock_guard<std::mutex> guard(log_lock);
    return log_text;
}

// ---- scanning -------------------------------------------------------------

std::string read_bytes(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Where `secret` occurs in `bytes`: anywhere when it is long (a card
// number cannot appear by chance), or within a few bytes after `label`
// when it is short (a 3-4 digit code appears by chance in hex ids).
std::string find_secret(const std::string &bytes, const std::string &secret,
                        const std::string &label)
{
    if (secret.size() >= 12) {
        size_t at = bytes.find(secret);
        if (at != std::string::npos)
            return "'" + secret + "' at byte " + std::to_string(at);
        return "";
    }
    for (size_t at = bytes.find(label); at != std::string::npos; at = bytes.find(label, at + 1)) {
        std::string window = bytes.substr(at, label.size() + 8 + secret.size());
        if (window.find(secret) != std::string::npos)
            return "'" + window + "' at byte " + std::to_string(at);
    }
    return "";
}

struct Secret {
    std::string value;
    std::string label;
};

void expect_clean(const std::string &what, const std::string &bytes,
                  const std::vector<Secret> &secrets)
{
    for (const Secret &s : secrets) {
        std::string hit = find_secret(bytes, s.value, s.label);
        EXPECT_EQ(hit, "") << what << " holds " << s.label << " " << s.value << ": " << hit;
    }
}

// The ledger file and its -wal and -shm (scanned while the host is open,
// so the WAL still holds the recent transactions). On PostgreSQL (`meson
// test --setup postgres`) the server's files are not the test's to read:
// there every row of every table is scanned twice, as the text PostgreSQL
// gives for the row (tables the copy does not know included), and as the
// bytes of an SQLite copy of the ledger (tender_ledger_copy, totals
// checked), blobs raw.
void expect_ledger_clean(const std::string &ledger, const std::vector<Secret> &secrets)
{
    testledger::LedgerRows rows(ledger);
    if (rows.is_postgres()) {
        testledger::Rows tables = rows.rows(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() ORDER BY table_name");
        ASSERT_FALSE(tables.empty()) << "no ledger tables in " << rows.location();
        std::string payments;
        for (const auto &table : tables) {
            std::string text;
            std::string sql = "SELECT t::text FROM \"" + table[0] + "\" t";
            for (const auto &row : rows.rows(sql.c_str()))
                text += row.empty() ? "" : row[0] + "\n";
            expect_clean("the rows of " + table[0], text, secrets);
            if (table[0] == "payments")
                payments = text;
        }
        // The scan read the rows it is about, not an empty schema.
        EXPECT_NE(payments.find("pay_"), std::string::npos) << "no payment rows scanned";
        std::string copy = ledger + ".copy";
        for (const char *suffix : {"", "-wal", "-shm"})
            g_remove((copy + suffix).c_str());  // an earlier scan's copy
        ASSERT_TRUE(rows.copy_to_file(copy));
        std::string db = read_bytes(copy);
        EXPECT_NE(db.find("pay_"), std::string::npos) << "no payment rows copied";
        expect_clean("the ledger's copy", db, secrets);
        expect_clean("the ledger's copy's WAL", read_bytes(copy + "-wal"), secrets);
        return;
    }
    std::string db = read_bytes(ledger);
    ASSERT_FALSE(db.empty()) << "no ledger written";
    expect_clean("the ledger file", db, secrets);
    expect_clean("the ledger WAL", read_bytes(ledger + "-wal"), secrets);
    expect_clean("the ledger shm", read_bytes(ledger + "-shm"), secrets);
}

void expect_payment_clean(const TenderPayment *p, const std::vector<Secret> &secrets)
{
    ASSERT_NE(p, nullptr);
    expect_clean("payment " + std::string(p->id), snapshot(p), secrets);
    std::ostringstream ops;
    for (guint i = 0; i < p->operations->len; i++) {
        auto *op = static_cast<const TenderOperation *>(g_ptr_array_index(p->operations, i));
        ops << (op->raw_code ? op->raw_code : "") << "|" << (op->message ? op->message : "")
            << "|" << (op->processor_ref ? op->processor_ref : "") << "\n";
    }
    expect_clean("the operations of " + std::string(p->id), ops.str(), secrets);
}

const std::vector<Secret> kEchoSecrets = {
    {"4111111111111111", "number"}, {"9173", "cvc"}, {"567890", "otp"}};
const std::vector<Secret> kNumberOnly = {{"4111111111111111", "number"}};

class Sensitive : public HostTest {
protected:
    void SetUp() override
    {
        capture_logs();
        ledger = tmp.file("ledger.db");
        make_host({}, ledger);
    }

    // The echo fixture writes the number, then the code, into each chosen
    // field: without a code the number stays there.
    TenderPayment *echo_pay(const char *where, const char *outcome = "approve",
                            bool with_code = true)
    {
        std::vector<tender_param> params = {
            {"number", "4111111111111111"}, {"where", where}, {"outcome", outcome}};
        if (with_code)
            params.push_back({"cvc", "9173"});
        return pay("fx_echo", "10.00", "USD", nullptr, params);
    }

    std::string ledger;
};

TEST_F(Sensitive, EchoedSecretsAreScrubbedEverywhere)
{
    TenderPayment *p = echo_pay("message,raw_code,details,hint,account,brand,log");
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    expect_payment_clean(p, kEchoSecrets);
    // What may be shown survives.
    EXPECT_STREQ(p->first6, "424242");
    EXPECT_STREQ(p->last4, "4242");
    GError *error = nullptr;
    TenderPayment *c = keep(tender_host_capture(host, p->id, nullptr, nullptr, &error));
    ASSERT_NE(c, nullptr) << error->message;
    expect_payment_clean(c, kEchoSecrets);
    expect_ledger_clean(ledger, kEchoSecrets);
    std::string logs = captured_logs();
    expect_clean("the log", logs, {{"4111111111111111", "number"}});
    EXPECT_NE(logs.find("411111"), std::string::npos) << "the masked number is expected in:\n"
                                                      << logs;
}

TEST_F(Sensitive, DeclineMessagesAreScrubbed)
{
    TenderPayment *p = echo_pay("message,raw_code,details", "decline");
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    expect_payment_clean(p, kEchoSecrets);
    expect_ledger_clean(ledger, kEchoSecrets);
}

TEST_F(Sensitive, ActionFieldsAndOneTimeCodesAreScrubbed)
{
    TenderPayment *p = echo_pay("hint,message,details", "action");
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    expect_payment_clean(p, kEchoSecrets);
    tender_param otp = {"otp", "567890"};
    GError *error = nullptr;
    TenderPayment *done = keep(tender_host_complete(host, p->id, &otp, 1, &error));
    ASSERT_NE(done, nullptr) << error->message;
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
    expect_payment_clean(done, kEchoSecrets);
    expect_ledger_clean(ledger, kEchoSecrets);
}

TEST_F(Sensitive, EchoIntoEveryFieldLeavesNoCardNumber)
{
    TenderPayment *p = echo_pay("", "action", false);
    expect_payment_clean(p, kNumberOnly);
    expect_ledger_clean(ledger, kNumberOnly);
    EXPECT_NE(captured_logs().find("sensitive value in its state"), std::string::npos)
        << "the host should say it dropped the state";
}

// One field at a time, so a leak names its field: a card number is
// scrubbed wherever a plugin puts it.
class SensitiveNumber : public Sensitive, public ::testing::WithParamInterface<const char *> {};

TEST_P(SensitiveNumber, NeverStored)
{
    TenderPayment *p = echo_pay(GetParam(), "action", false);
    ASSERT_NE(p, nullptr);
    expect_payment_clean(p, kNumberOnly);
    expect_ledger_clean(ledger, kNumberOnly);
}

INSTANTIATE_TEST_SUITE_P(Fields, SensitiveNumber,
                         ::testing::Values("message", "raw_code", "details", "hint", "account",
                                           "ref", "action_data", "brand", "state"));

// A short code (3-4 digit CVC) is scrubbed from every text meant for
// people.
class SensitiveCode : public Sensitive, public ::testing::WithParamInterface<const char *> {};

TEST_P(SensitiveCode, NeverStored)
{
    TenderPayment *p = echo_pay(GetParam(), "action");
    ASSERT_NE(p, nullptr);
    expect_payment_clean(p, kEchoSecrets);
    expect_ledger_clean(ledger, kEchoSecrets);
}

INSTANTIATE_TEST_SUITE_P(Fields, SensitiveCode,
                         ::testing::Values("message", "raw_code", "details", "hint", "account",
                                           "brand"));

// Short codes (a CVC, a 4-digit one-time code) in a reference or an action
// payload are scrubbed when they stand as a whole token; a plugin state that
// holds one as a whole token is dropped (the same rule, core/redact.h).
class SensitiveShortCode : public Sensitive,
                           public ::testing::WithParamInterface<const char *> {};

TEST_P(SensitiveShortCode, NeverStored)
{
    TenderPayment *p = echo_pay(GetParam(), "action");
    ASSERT_NE(p, nullptr);
    expect_payment_clean(p, kEchoSecrets);
    expect_ledger_clean(ledger, kEchoSecrets);
}

INSTANTIATE_TEST_SUITE_P(Fields, SensitiveShortCode,
                         ::testing::Values("ref", "action_data", "state"));

TEST_F(Sensitive, ErrorsNeverQuoteSecrets)
{
    std::vector<tender_param> params = {{"number", "4111111111111111"}, {"cvc", nullptr}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "fx_echo";
    req.region = "US";
    req.currency = "USD";
    req.amount = "10.00";
    req.params = params.data();
    req.n_params = params.size();
    GError *error = nullptr;
    EXPECT_EQ(tender_host_pay(host, &req, &error), nullptr);
    ASSERT_NE(error, nullptr);
    expect_clean("the error", error->message, kEchoSecrets);
    g_clear_error(&error);
    req.amount = "10.001";
    params[1].value = "9173";
    EXPECT_EQ(tender_host_pay(host, &req, &error), nullptr);
    ASSERT_NE(error, nullptr);
    expect_clean("the error", error->message, kEchoSecrets);
    g_clear_error(&error);
}

// The host enforces TENDER_PARAM_REQUIRED itself: a payment without a
// required parameter (absent or empty) is bad input, refused before anything
// is recorded or the plugin is called.
TEST_F(Sensitive, MissingRequiredParameterIsRefusedByTheHost)
{
    for (const char *number : {(const char *)nullptr, ""}) {
        std::vector<tender_param> params = {{"cvc", "737"}};
        if (number)
            params.push_back({"number", number});
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = "fx_echo";
        req.region = "US";
        req.currency = "USD";
        req.amount = "10.00";
        req.idempotency_key = "missing-number";
        req.params = params.data();
        req.n_params = params.size();
        GError *error = nullptr;
        EXPECT_EQ(tender_host_pay(host, &req, &error), nullptr);
        ASSERT_NE(error, nullptr);
        EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT));
        EXPECT_NE(std::string(error->message).find("'number'"), std::string::npos)
            << error->message;
        g_clear_error(&error);
    }
    GError *error = nullptr;
    GPtrArray *all = tender_host_list(host, nullptr, &error);
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->len, 0u) << "nothing recorded";
    g_ptr_array_unref(all);
    EXPECT_EQ(calls("authorize"), 0u) << "the plugin was not called";
}

// ---- the bundled card plugin --------------------------------------------------

struct Card {
    const char *number;
    const char *cvc;
};
const Card kCards[] = {{"4242424242424242", "739"},
                       {"5555555555554444", "739"},
                       {"378282246310005", "7391"},
                       {"4000000000009995", "739"},
                       {"4000000000003220", "739"}};

std::vector<Secret> card_secrets()
{
    std::vector<Secret> out;
    for (const Card &c : kCards) {
        out.push_back({c.number, "number"});
        out.push_back({c.cvc, "cvc"});
    }
    return out;
}

// The card plugin is a gateway client: its gateway is a tender-sandbox the
// test starts (and its config names it).
struct SandboxFree {
    void operator()(TestSandbox *sb) const { test_sandbox_stop(sb); }
};
using Sandbox = std::unique_ptr<TestSandbox, SandboxFree>;

Sandbox start_sandbox()
{
    GError *error = nullptr;
    Sandbox sb(test_sandbox_start(1.0, nullptr, &error));
    EXPECT_NE(sb.get(), nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    return sb;
}

TEST(CardAtRest, InProcessLedgerWalAndLogsHoldNoCardData)
{
    if (!g_file_test(card_plugin_dir(), G_FILE_TEST_IS_DIR))
        GTEST_SKIP() << "the card plugin is not built";
    Sandbox sb = start_sandbox();
    ASSERT_NE(sb.get(), nullptr);
    capture_logs();
    TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, card_plugin_dir());
    test_ledger_set_options(o, ledger.c_str());
    tender_host_options_set_config_file(o, test_sandbox_config_path(sb.get()));
    GError *error = nullptr;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_NE(host, nullptr) << error->message;
    for (const Card &c : kCards) {
        tender_param params[] = {{"number", c.number},
                                 {"exp_month", "11"},
                                 {"exp_year", "2031"},
                                 {"cvc", c.cvc}};
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = "card";
        req.region = "US";
        req.currency = "USD";
        req.amount = "10.00";
        req.params = params;
        req.n_params = 4;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        ASSERT_NE(p, nullptr) << error->message;
        expect_payment_clean(p, card_secrets());
        std::string id = p->id;
        TenderStatus status = p->status;
        tender_payment_free(p);
        TenderPayment *next = nullptr;
        if (status == TENDER_STATUS_AUTHORIZED)
            next = tender_host_capture(host, id.c_str(), nullptr, nullptr, &error);
        else if (status == TENDER_STATUS_REQUIRES_ACTION)
            next = tender_host_sync(host, id.c_str(), &error);
        if (next)
            expect_payment_clean(next, card_secrets());
        g_clear_error(&error);
        tender_payment_free(next);
    }
    expect_ledger_clean(ledger, card_secrets());
    tender_host_free(host);
    if (test_ledger_is_postgres())
        expect_ledger_clean(ledger, card_secrets());
    else
        expect_clean("the ledger after close", read_bytes(ledger), card_secrets());
    expect_clean("the log", captured_logs(), card_secrets());
}

TEST(CardAtRest, ChildRunWithDebugLogsLeavesNoCardData)
{
    if (!g_file_test(card_plugin_dir(), G_FILE_TEST_IS_DIR))
        GTEST_SKIP() << "the card plugin is not built";
    Sandbox sb = start_sandbox();
    ASSERT_NE(sb.get(), nullptr);
    TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    std::string out_file = tmp.file("out.txt"), err_file = tmp.file("err.txt");
    char **envp = g_get_environ();
    envp = g_environ_setenv(envp, "G_MESSAGES_DEBUG", "all", TRUE);
    g_autofree char *location = test_ledger_location(ledger.c_str());
    const char *argv[] = {CORE_CHILD, "card", location, card_plugin_dir(),
                          test_sandbox_config_path(sb.get()), nullptr};
    char *out = nullptr, *err = nullptr;
    int status = 0;
    GError *error = nullptr;
    ASSERT_TRUE(g_spawn_sync(nullptr, const_cast<char **>(argv), envp, G_SPAWN_DEFAULT, nullptr,
                             nullptr, &out, &err, &status, &error))
        << error->message;
    g_strfreev(envp);
    std::string out_text = out, err_text = err;
    g_free(out);
    g_free(err);
    EXPECT_TRUE(g_spawn_check_wait_status(status, nullptr)) << "stdout:\n"
                                                             << out_text << "\nstderr:\n"
                                                             << err_text;
    EXPECT_NE(out_text.find("captured"), std::string::npos) << out_text;
    expect_clean("the child's output", out_text, card_secrets());
    expect_clean("the child's logs", err_text, card_secrets());
    expect_ledger_clean(ledger, card_secrets());
}

}  // namespace
