// The `tender` command, driven as a script drives it: each test runs the
// built program with a fresh ledger and checks its exit code and output.
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <tender/plugin.h>

#include <algorithm>
#include <string>
#include <vector>

#include "alipay-test-util.h"

extern "C" {
#include "sandbox-process.h"
}
#include "test-ledger.h"

namespace {

struct Result {
    int code = -1;
    std::string out;
    std::string err;
    JsonNode *json = nullptr;  // parsed stdout, when it is JSON

    ~Result() { if (json) json_node_unref(json); }
    JsonObject *object() const
    {
        return json && JSON_NODE_HOLDS_OBJECT(json) ? json_node_get_object(json) : nullptr;
    }
    std::string str(const char *member) const
    {
        JsonObject *o = object();
        return o && json_object_has_member(o, member) && !json_object_get_null_member(o, member)
                   ? json_object_get_string_member(o, member)
                   : "";
    }
};

class TenderCli : public ::testing::Test {
protected:
    std::string dir;
    std::string ledger;
    // run() gives the command the ledger test_ledger_location names for
    // the file (under `meson test --setup postgres` a schema of the
    // server), unless a case is about the file itself and sets this.
    bool own_file = false;

    std::string location() const
    {
        if (own_file)
            return ledger;
        char *mapped = test_ledger_location(ledger.c_str());
        std::string out = mapped;
        g_free(mapped);
        return out;
    }

    // The providers are a tender-sandbox started for the suite: the card
    // plugin is a gateway client. Every run without its own --config gets
    // the config the sandbox wrote (the embedded default's policies, the
    // methods pointed at the sandbox).
    static TestSandbox *sandbox;

    static void SetUpTestSuite()
    {
        GError *error = nullptr;
        sandbox = test_sandbox_start(1.0, nullptr, &error);
        ASSERT_NE(sandbox, nullptr) << (error ? error->message : "");
    }
    static void TearDownTestSuite()
    {
        test_sandbox_stop(sandbox);
        sandbox = nullptr;
    }

    // A paid trade_status_sync notification for payment id, signed as
    // tender-sandbox's Alipay signs them (its platform key, the test's own
    // signing code): the plugin is a client of the sandbox's gateway.
    static std::string alipay_paid_notification(const std::string &id, const char *total)
    {
        JsonObject *settings = test_sandbox_settings(sandbox, "alipay");
        char *pem = nullptr;
        g_file_get_contents(SANDBOX_ALIPAY_KEYS_DIR "/platform-private.pem", &pem, nullptr,
                            nullptr);
        Form f = {{"notify_time", "2026-03-01 18:03:00"},
                  {"notify_type", "trade_status_sync"},
                  {"notify_id", "notify-" + id},
                  {"app_id", settings ? json_object_get_string_member(settings, "app_id") : ""},
                  {"seller_id",
                   settings ? json_object_get_string_member(settings, "seller_id") : ""},
                  {"charset", "utf-8"},
                  {"version", "1.0"},
                  {"trade_no", "2026030122001400000000000001"},
                  {"out_trade_no", id},
                  {"trade_status", "TRADE_SUCCESS"},
                  {"total_amount", total}};
        form_resign(f, pem ? pem : "");
        g_free(pem);
        return form_build(f);
    }

    // The card method's settings at the sandbox (JSON object text).
    static std::string card_settings()
    {
        char *json = sandbox ? test_sandbox_settings_json(sandbox, "card") : nullptr;
        std::string text = json ? json : "{}";
        g_free(json);
        return text;
    }

    void SetUp() override
    {
        char *d = g_dir_make_tmp("tender-cli-XXXXXX", nullptr);
        ASSERT_NE(d, nullptr);
        dir = d;
        g_free(d);
        ledger = dir + "/ledger.db";
    }
    void TearDown() override
    {
        for (const char *suffix : {"", "-wal", "-shm"})
            g_remove((ledger + suffix).c_str());
        for (const char *f : {"/bad.json", "/typo.json", "/good.json", "/body", "/regions.json"})
            g_remove((dir + f).c_str());
        g_rmdir((dir + "/empty").c_str());
        g_rmdir(dir.c_str());
    }

    // tender --ledger L [--json] ARGS..., stdin from input.
    void run(Result &r, std::vector<std::string> args, bool json = true, const std::string &input = "")
    {
        std::vector<std::string> argv = {"--ledger", location()};
        if (sandbox && std::find(args.begin(), args.end(), "--config") == args.end() &&
            (args.empty() || args[0] != "check-config")) {
            argv.push_back("--config");
            argv.push_back(test_sandbox_config_path(sandbox));
        }
        if (json)
            argv.push_back("--json");
        argv.insert(argv.end(), args.begin(), args.end());
        run_exactly(r, argv, input);
    }

    // tender ARGS... and nothing else (no --ledger, no --json).
    void run_exactly(Result &r, std::vector<std::string> args, const std::string &input = "")
    {
        std::vector<std::string> argv = {TENDER_EXE};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char *> c;
        for (auto &a : argv)
            c.push_back(const_cast<char *>(a.c_str()));
        c.push_back(nullptr);
        // stdin through a file: g_spawn_sync has no stdin string.
        std::string in = dir + "/stdin";
        g_file_set_contents(in.c_str(), input.c_str(), -1, nullptr);
        std::string shell = "exec \"$0\" \"$@\" < '" + in + "'";
        std::vector<char *> sh = {const_cast<char *>("/bin/sh"), const_cast<char *>("-c"),
                                  const_cast<char *>(shell.c_str())};
        sh.insert(sh.end(), c.begin(), c.end());
        char *out = nullptr, *err = nullptr;
        int status = 0;
        GError *error = nullptr;
        ASSERT_TRUE(g_spawn_sync(nullptr, sh.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr,
                                 &out, &err, &status, &error))
            << error->message;
        g_remove(in.c_str());
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = out ? out : "";
        r.err = err ? err : "";
        g_free(out);
        g_free(err);
        JsonParser *parser = json_parser_new();
        if (json_parser_load_from_data(parser, r.out.c_str(), -1, nullptr) &&
            json_parser_get_root(parser))
            r.json = json_node_copy(json_parser_get_root(parser));
        g_object_unref(parser);
    }

    std::string card_pay(const std::string &number, const std::string &amount,
                         std::vector<std::string> extra = {})
    {
        Result r;
        std::vector<std::string> args = {"pay", "--method", "card", "--region", "US",
                                         "--currency", "USD", "--amount", amount,
                                         "--param", "number=" + number, "--param", "exp_month=12",
                                         "--param", "exp_year=2031", "--param", "cvc=737"};
        args.insert(args.end(), extra.begin(), extra.end());
        run(r, args);
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        return r.str("id");
    }
};

TestSandbox *TenderCli::sandbox = nullptr;

TEST_F(TenderCli, UsageErrorsExit64)
{
    Result none, unknown, missing;
    run(none, {}, false);
    EXPECT_EQ(none.code, 64);
    run(unknown, {"frobnicate"});
    EXPECT_EQ(unknown.code, 64);
    EXPECT_NE(unknown.err.find("unknown command"), std::string::npos);
    run(missing, {"pay", "--method", "card"});
    EXPECT_EQ(missing.code, 64);
}

TEST_F(TenderCli, HelpListsExitCodes)
{
    Result help;
    run(help, {"--help"}, false);
    EXPECT_EQ(help.code, 0);
    for (const char *code : {"64 usage", "65 invalid input", "70 internal", "74 ledger",
                             "78 configuration"})
        EXPECT_NE(help.out.find(code), std::string::npos) << code;
}

TEST_F(TenderCli, InvalidInputExits65WithoutTouchingTheLedger)
{
    Result decimals, currency, region, missing;
    run(decimals, {"pay", "--method", "card", "--region", "US", "--currency", "USD", "--amount",
                   "10.001", "--param", "number=4242424242424242"});
    EXPECT_EQ(decimals.code, 65);
    EXPECT_NE(decimals.out.find("too many decimals"), std::string::npos) << decimals.out;
    EXPECT_EQ(decimals.out.find("4242424242424242"), std::string::npos);
    EXPECT_EQ(decimals.err.find("4242424242424242"), std::string::npos);
    run(currency, {"pay", "--method", "card", "--region", "US", "--currency", "XYZ", "--amount",
                   "1.00"});
    EXPECT_EQ(currency.code, 65);
    run(region, {"pay", "--method", "card", "--region", "Q1", "--currency", "USD", "--amount",
                 "1.00"});
    EXPECT_EQ(region.code, 65);
    run(missing, {"show", "pay_nosuchpayment"});
    EXPECT_EQ(missing.code, 65);
    Result list;
    run(list, {"list"});
    ASSERT_EQ(list.code, 0);
    JsonArray *payments = json_object_get_array_member(list.object(), "payments");
    EXPECT_EQ(json_array_get_length(payments), 0u);
}

TEST_F(TenderCli, ConfigErrorsExit78NamingThePath)
{
    g_file_set_contents((dir + "/bad.json").c_str(), "{ \"methods\": { ", -1, nullptr);
    g_file_set_contents((dir + "/typo.json").c_str(),
                        "{ \"methods\": { \"card\": { \"limitz\": [] } } }", -1, nullptr);
    Result bad, typo, host;
    run(bad, {"check-config", dir + "/bad.json"});
    EXPECT_EQ(bad.code, 78);
    run(typo, {"check-config", dir + "/typo.json"});
    EXPECT_EQ(typo.code, 78);
    EXPECT_NE(typo.err.find("$.methods.card.limitz"), std::string::npos) << typo.err;
    run(host, {"--config", dir + "/typo.json", "plugins"});
    EXPECT_EQ(host.code, 78);
}

TEST_F(TenderCli, PaymentLifecycleAndExitCodes)
{
    std::string id = card_pay("4242424242424242", "100.00");
    ASSERT_FALSE(id.empty());
    Result cap, over, refund, show;
    run(cap, {"capture", id, "--amount", "60.00"});
    EXPECT_EQ(cap.code, 0);
    EXPECT_EQ(cap.str("status"), "partially_captured");
    EXPECT_EQ(cap.str("captured"), "60.00");
    run(over, {"capture", id, "--amount", "50.00"});
    EXPECT_EQ(over.code, 1) << "a refused operation is a negative business answer";
    JsonObject *err = over.object() ? json_object_get_object_member(over.object(), "error") : nullptr;
    ASSERT_NE(err, nullptr) << over.out;
    EXPECT_STREQ(json_object_get_string_member(err, "code"), "amount_exceeded");
    run(refund, {"refund", id, "--amount", "20.00"});
    EXPECT_EQ(refund.code, 0);
    run(show, {"show", id});
    EXPECT_EQ(show.code, 0);
    EXPECT_EQ(show.str("status"), "partially_refunded");
    JsonArray *ops = json_object_get_array_member(show.object(), "operations");
    EXPECT_EQ(json_array_get_length(ops), 3u);
    JsonObject *display = json_object_get_object_member(show.object(), "display");
    EXPECT_STREQ(json_object_get_string_member(display, "brand"), "visa");
    EXPECT_STREQ(json_object_get_string_member(display, "masked_number"), "424242******4242");
}

// `tender reauthorize`: a method without the operation says so; PayPal's
// refusal within its honor period is a negative answer, recorded on the
// payment (tests/plugins/paypal/test-paypal-host.cc moves PayPal's clock to
// the day it succeeds).
TEST_F(TenderCli, ReauthorizeSaysWhyNot)
{
    std::string card = card_pay("4242424242424242", "10.00");
    ASSERT_FALSE(card.empty());
    Result unsupported, usage;
    run(unsupported, {"reauthorize", card});
    EXPECT_EQ(unsupported.code, 1) << unsupported.out << unsupported.err;
    EXPECT_NE(unsupported.out.find("not_supported"), std::string::npos) << unsupported.out;
    run(usage, {"reauthorize"});
    EXPECT_EQ(usage.code, 64);

    Result pay, complete, soon, show;
    run(pay, {"pay", "--method", "paypal", "--region", "US", "--currency", "USD", "--amount",
              "40.00", "--param", "intent=AUTHORIZE"});
    ASSERT_EQ(pay.code, 0) << pay.out << pay.err;
    std::string id = pay.str("id");
    run(complete, {"complete", id, "--param", "payer_action=approve"});
    ASSERT_EQ(complete.code, 0) << complete.out << complete.err;
    ASSERT_EQ(complete.str("status"), "authorized");
    run(soon, {"reauthorize", id, "--amount", "45.00"});
    EXPECT_EQ(soon.code, 1) << soon.out << soon.err;
    EXPECT_NE(soon.out.find("declined"), std::string::npos) << soon.out;
    run(show, {"show", id});
    EXPECT_EQ(show.str("status"), "authorized");
    EXPECT_EQ(show.str("amount"), "40.00");
    JsonArray *ops = json_object_get_array_member(show.object(), "operations");
    ASSERT_NE(ops, nullptr);
    JsonObject *last = json_array_get_object_element(ops, json_array_get_length(ops) - 1);
    EXPECT_STREQ(json_object_get_string_member(last, "kind"), "reauthorize");
    EXPECT_STREQ(json_object_get_string_member(last, "raw_code"), "REAUTHORIZATION_TOO_SOON");
}

TEST_F(TenderCli, DeclineExits1WithCodeAndAdvice)
{
    Result r;
    run(r, {"pay", "--method", "card", "--region", "US", "--currency", "USD", "--amount", "5.00",
            "--param", "number=4000000000009995", "--param", "exp_month=12", "--param",
            "exp_year=2031", "--param", "cvc=737"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.str("status"), "declined");
    JsonObject *decline = json_object_get_object_member(r.object(), "decline");
    ASSERT_NE(decline, nullptr);
    EXPECT_STREQ(json_object_get_string_member(decline, "code"), "insufficient_funds");
    EXPECT_FALSE(json_object_get_boolean_member(decline, "retryable"));
    EXPECT_STRNE(json_object_get_string_member(decline, "advice"), "");
}

TEST_F(TenderCli, IdempotencyKeyReplaysAndConflicts)
{
    std::string a = card_pay("4242424242424242", "30.00", {"--idempotency-key", "order-1"});
    std::string b = card_pay("4242424242424242", "30.00", {"--idempotency-key", "order-1"});
    EXPECT_EQ(a, b);
    Result c;
    run(c, {"pay", "--method", "card", "--region", "US", "--currency", "USD", "--amount", "31.00",
            "--param", "number=4242424242424242", "--param", "exp_month=12", "--param",
            "exp_year=2031", "--param", "cvc=737", "--idempotency-key", "order-1"});
    EXPECT_EQ(c.code, 65);
    EXPECT_NE(c.out.find("idempotency_conflict"), std::string::npos);
}

TEST_F(TenderCli, FixedClockLapsesTheHold)
{
    Result pay, cap, show;
    run(pay, {"--now", "2026-03-01T10:00:00Z", "pay", "--method", "card", "--region", "US",
              "--currency", "USD", "--amount", "40.00", "--param", "number=4242424242424242",
              "--param", "exp_month=12", "--param", "exp_year=2031", "--param", "cvc=737"});
    ASSERT_EQ(pay.code, 0);
    run(cap, {"--now", "2026-03-08T10:00:00Z", "capture", pay.str("id")});
    EXPECT_EQ(cap.code, 1);
    EXPECT_NE(cap.out.find("authorization_expired"), std::string::npos) << cap.out;
    run(show, {"--now", "2026-03-08T10:00:01Z", "show", pay.str("id")});
    EXPECT_EQ(show.str("status"), "expired");
    Result bad;
    run(bad, {"--now", "yesterday", "list"});
    EXPECT_EQ(bad.code, 64);
}

TEST_F(TenderCli, QuoteExitsOneWhenNothingIsOffered)
{
    Result cn, none;
    run(cn, {"methods", "--region", "CN", "--currency", "CNY", "--amount", "120.00"});
    EXPECT_EQ(cn.code, 0);
    JsonArray *methods = json_object_get_array_member(cn.object(), "methods");
    ASSERT_GE(json_array_get_length(methods), 4u);
    JsonObject *first = json_array_get_object_element(methods, 0);
    EXPECT_TRUE(json_object_get_boolean_member(first, "offered"));
    // With every method but Alipay disabled, a buyer in the US has none.
    g_file_set_contents((dir + "/good.json").c_str(),
                        "{ \"methods\": { \"card\": { \"enabled\": false },"
                        " \"paypal\": { \"enabled\": false },"
                        " \"webmoney\": { \"enabled\": false }, \"alipay\": {} } }",
                        -1, nullptr);
    run(none, {"--config", dir + "/good.json", "methods", "--region", "US", "--currency", "USD",
               "--amount", "10.00"});
    EXPECT_EQ(none.code, 1);
    methods = json_object_get_array_member(none.object(), "methods");
    for (guint i = 0; i < json_array_get_length(methods); i++) {
        JsonObject *m = json_array_get_object_element(methods, i);
        EXPECT_FALSE(json_object_get_boolean_member(m, "offered"));
        EXPECT_STRNE(json_object_get_string_member(m, "reason"), "");
    }
}

TEST_F(TenderCli, NotifyPrintsTheExactReplyAndRejectsForgeries)
{
    Result pay;
    run(pay, {"pay", "--method", "alipay", "--region", "CN", "--currency", "CNY", "--amount",
              "88.00"});
    ASSERT_EQ(pay.code, 0) << pay.out << pay.err;
    EXPECT_EQ(pay.str("status"), "requires_action");
    // What Alipay (tender-sandbox's platform key) POSTs once the buyer paid.
    std::string body = alipay_paid_notification(pay.str("id"), "88.00");
    std::vector<std::string> header_args = {"--header",
                                            "Content-Type: application/x-www-form-urlencoded"};

    std::vector<std::string> args = {"notify", "alipay"};
    args.insert(args.end(), header_args.begin(), header_args.end());
    Result reply, repeat;
    run(reply, args, false, body);  // body on stdin
    EXPECT_EQ(reply.code, 0) << reply.err;
    EXPECT_EQ(reply.out, "success");
    run(repeat, args, false, body);
    EXPECT_EQ(repeat.out, "success");
    Result show;
    run(show, {"show", pay.str("id")});
    EXPECT_EQ(show.str("status"), "captured");

    std::string forged = body;
    size_t at = forged.find("total_amount=88.00");
    ASSERT_NE(at, std::string::npos);
    forged.replace(at, 18, "total_amount=8.00");
    g_file_set_contents((dir + "/body").c_str(), forged.c_str(), -1, nullptr);
    std::vector<std::string> forged_args = args;
    forged_args.insert(forged_args.end(), {"--body-file", dir + "/body"});
    Result rejected;
    run(rejected, forged_args, false);
    EXPECT_EQ(rejected.code, 65);
    EXPECT_NE(rejected.out, "success");
    // The provider is still answered: the plugin's failure reply is printed.
    EXPECT_FALSE(rejected.out.empty());
}

// An HTTP message on standard input (`tender sandbox-notification ID EVENT |
// tender notify METHOD` writes that form) goes through as it is; the reply is printed in every case and
// the outcome tells accepted, unknown payment and forged apart.
TEST_F(TenderCli, NotifyReadsTheSandboxMessageAndTellsOutcomesApart)
{
    Result pay;
    run(pay, {"pay", "--method", "alipay", "--region", "CN", "--currency", "CNY", "--amount",
              "42.00"});
    ASSERT_EQ(pay.code, 0) << pay.out << pay.err;
    // The HTTP message form: headers, a blank line, the body.
    Result sim;
    sim.out = "Content-Type: application/x-www-form-urlencoded\n\n" +
              alipay_paid_notification(pay.str("id"), "42.00");

    // Verified, but this ledger holds no such payment: success for the
    // provider (it must stop repeating), exit 65 and a distinct error.
    std::string main_ledger = ledger;
    ledger = dir + "/other.db";
    Result stranger, stranger_json;
    run(stranger, {"notify", "alipay"}, false, sim.out);
    EXPECT_EQ(stranger.code, 65);
    EXPECT_EQ(stranger.out, "success");
    EXPECT_NE(stranger.err.find("does not hold"), std::string::npos) << stranger.err;
    run(stranger_json, {"notify", "alipay"}, true, sim.out);
    EXPECT_EQ(stranger_json.code, 65);
    EXPECT_EQ(stranger_json.str("outcome"), "unknown_payment");
    EXPECT_EQ(stranger_json.str("body"), "success");
    JsonObject *err = stranger_json.object()
                          ? json_object_get_object_member(stranger_json.object(), "error")
                          : nullptr;
    ASSERT_NE(err, nullptr) << stranger_json.out;
    EXPECT_STREQ(json_object_get_string_member(err, "code"), "notification_unknown_payment");
    for (const char *suffix : {"", "-wal", "-shm"})
        g_remove((ledger + suffix).c_str());
    ledger = main_ledger;

    Result accepted, repeat;
    run(accepted, {"notify", "alipay"}, false, sim.out);
    EXPECT_EQ(accepted.code, 0) << accepted.err;
    EXPECT_EQ(accepted.out, "success");
    run(repeat, {"notify", "alipay"}, true, sim.out);
    EXPECT_EQ(repeat.code, 0) << repeat.err;
    EXPECT_EQ(repeat.str("outcome"), "duplicate");
    Result show;
    run(show, {"show", pay.str("id")});
    EXPECT_EQ(show.str("status"), "captured");

    // Tampered after signing: the failure reply, a distinct error.
    std::string forged = sim.out;
    size_t at = forged.find("total_amount=42.00");
    ASSERT_NE(at, std::string::npos);
    forged.replace(at, 18, "total_amount=40.00");
    Result rejected;
    run(rejected, {"notify", "alipay"}, true, forged);
    EXPECT_EQ(rejected.code, 65);
    EXPECT_EQ(rejected.str("outcome"), "rejected");
    EXPECT_NE(rejected.str("body"), "success");
    err = rejected.object() ? json_object_get_object_member(rejected.object(), "error") : nullptr;
    ASSERT_NE(err, nullptr) << rejected.out;
    EXPECT_STREQ(json_object_get_string_member(err, "code"), "notification_rejected");

    // A message whose body is shorter than it claims is bad input.
    Result truncated;
    run(truncated, {"notify", "alipay"}, true, "Content-Length: 500\n\nshort");
    EXPECT_EQ(truncated.code, 65) << truncated.out;
}

TEST_F(TenderCli, PluginsListsTheFourMethods)
{
    Result r;
    run(r, {"plugins"});
    EXPECT_EQ(r.code, 0) << r.err;
    JsonArray *plugins = json_object_get_array_member(r.object(), "plugins");
    std::vector<std::string> ids;
    for (guint i = 0; i < json_array_get_length(plugins); i++)
        ids.push_back(json_object_get_string_member(json_array_get_object_element(plugins, i), "id"));
    for (const char *m : {"card", "alipay", "paypal", "webmoney"})
        EXPECT_NE(std::find(ids.begin(), ids.end(), m), ids.end()) << m;
}

// The error envelope every --json failure prints: {"error": {code, message, exit_code}}.
JsonObject *error_envelope(const Result &r)
{
    JsonObject *o = r.object();
    return o && json_object_has_member(o, "error") ? json_object_get_object_member(o, "error")
                                                     : nullptr;
}

bool file_exists(const std::string &path)
{
    return g_file_test(path.c_str(), G_FILE_TEST_EXISTS);
}

TEST_F(TenderCli, ListSaysOperationsAreNotIncludedAndShowIncludesThem)
{
    std::string id = card_pay("4242424242424242", "12.00");
    ASSERT_FALSE(id.empty());
    Result list, show;
    run(list, {"list"});
    ASSERT_EQ(list.code, 0) << list.err;
    JsonArray *payments = json_object_get_array_member(list.object(), "payments");
    ASSERT_EQ(json_array_get_length(payments), 1u);
    JsonObject *listed = json_array_get_object_element(payments, 0);
    ASSERT_TRUE(json_object_has_member(listed, "operations_included")) << list.out;
    EXPECT_FALSE(json_object_get_boolean_member(listed, "operations_included"));
    EXPECT_FALSE(json_object_has_member(listed, "operations"))
        << "an empty history would read as 'no operations'";
    run(show, {"show", id});
    ASSERT_EQ(show.code, 0) << show.err;
    EXPECT_TRUE(json_object_get_boolean_member(show.object(), "operations_included"));
    EXPECT_EQ(json_array_get_length(json_object_get_array_member(show.object(), "operations")),
              1u);
}

TEST_F(TenderCli, VersionPrintsThePackageAndTheAbiItLoads)
{
    std::string abi = std::to_string(TENDER_ABI_MAJOR) + "." + std::to_string(TENDER_ABI_MINOR);
    Result text, json;
    run_exactly(text, {"--version"});
    EXPECT_EQ(text.code, 0) << text.err;
    EXPECT_NE(text.out.find(std::string("tender ") + TENDER_VERSION), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("plugin ABI " + abi), std::string::npos) << text.out;
    run_exactly(json, {"--json", "--version"});
    EXPECT_EQ(json.code, 0) << json.err;
    EXPECT_EQ(json.str("version"), TENDER_VERSION);
    EXPECT_EQ(json.str("abi"), abi);
    JsonArray *accepted = json_object_get_array_member(json.object(), "abi_accepted");
    ASSERT_NE(accepted, nullptr) << json.out;
    EXPECT_EQ(json_array_get_length(accepted), TENDER_ABI_MINOR + 1u);
    EXPECT_STREQ(json_array_get_string_element(accepted, TENDER_ABI_MINOR), abi.c_str());
}

TEST_F(TenderCli, HelpPrintsTheCommandListOrOneCommandsUsage)
{
    Result all, list, pay, unknown, extra;
    run_exactly(all, {"help"});
    EXPECT_EQ(all.code, 0) << all.err;
    EXPECT_NE(all.out.find("Commands:"), std::string::npos) << all.out;
    EXPECT_NE(all.out.find("sandbox-notification"), std::string::npos);
    run_exactly(list, {"help", "list"});
    EXPECT_EQ(list.code, 0) << list.err;
    EXPECT_NE(list.out.find("list"), std::string::npos);
    EXPECT_NE(list.out.find("--status"), std::string::npos) << list.out;
    EXPECT_EQ(list.out.find("--capture"), std::string::npos) << "pay's options in list's usage";
    run_exactly(pay, {"help", "pay"});
    EXPECT_EQ(pay.code, 0);
    EXPECT_NE(pay.out.find("--capture"), std::string::npos) << pay.out;
    run_exactly(unknown, {"help", "frobnicate"});
    EXPECT_EQ(unknown.code, 64);
    EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos) << unknown.err;
    run_exactly(extra, {"help", "list", "pay"});
    EXPECT_EQ(extra.code, 64);
}

TEST_F(TenderCli, UsageErrorsPrintTheErrorEnvelopeWithJson)
{
    std::vector<std::vector<std::string>> cases = {
        {"--json", "frobnicate"},
        {"--json", "--no-such-option", "list"},
        {"--json", "list", "--no-such-option"},
        {"list", "--json", "--no-such-option"},
        {"--json", "pay", "--method", "card"},
        {"--json", "--now", "yesterday", "list"},
        {"--json", "list", "--status", "nonsense"},
        {"--json", "help", "frobnicate"},
        {"--json"},
    };
    for (const auto &args : cases) {
        Result r;
        std::vector<std::string> argv = {"--ledger", ledger};
        argv.insert(argv.end(), args.begin(), args.end());
        run_exactly(r, argv);
        std::string what;
        for (const auto &a : args)
            what += a + " ";
        EXPECT_EQ(r.code, 64) << what;
        JsonObject *e = error_envelope(r);
        ASSERT_NE(e, nullptr) << what << ": " << r.out;
        EXPECT_STREQ(json_object_get_string_member(e, "code"), "usage_error") << what;
        EXPECT_STRNE(json_object_get_string_member(e, "message"), "") << what;
        EXPECT_EQ(json_object_get_int_member(e, "exit_code"), 64) << what;
    }
    Result text;
    run(text, {"frobnicate"}, false);
    EXPECT_EQ(text.code, 64);
    EXPECT_EQ(text.out, "") << "no JSON without --json";
}

// Every plugin says where it runs (the bundled ones in-process by default,
// docs/isolation.md); lifting a quarantine of a plugin that is not isolated
// is bad input, and creates no ledger.
TEST_F(TenderCli, PluginsShowIsolationAndClearQuarantineNeedsAnIsolatedPlugin)
{
    own_file = true;  // it checks that no file is created
    Result r;
    run(r, {"plugins"});
    EXPECT_EQ(r.code, 0) << r.err;
    JsonArray *plugins = json_object_get_array_member(r.object(), "plugins");
    ASSERT_GT(json_array_get_length(plugins), 0u);
    for (guint i = 0; i < json_array_get_length(plugins); i++) {
        JsonObject *p = json_array_get_object_element(plugins, i);
        EXPECT_STREQ(json_object_get_string_member(p, "isolation"), "in-process");
        EXPECT_FALSE(json_object_get_boolean_member(p, "quarantined"));
    }
    Result clear;
    run(clear, {"plugins", "--clear-quarantine", "card"});
    EXPECT_EQ(clear.code, 65) << clear.out;
    EXPECT_FALSE(file_exists(ledger)) << "a ledger was created";
}

TEST_F(TenderCli, ReadOnlyCommandsNeverCreateTheLedger)
{
    own_file = true;  // a file not created: SQLite's no-create open
    Result list, show, methods, plugins;
    run(list, {"list"});
    EXPECT_EQ(list.code, 0) << list.err;
    EXPECT_EQ(json_array_get_length(json_object_get_array_member(list.object(), "payments")), 0u);
    run(show, {"show", "pay_nosuchpayment"});
    EXPECT_EQ(show.code, 65) << show.err;
    EXPECT_STREQ(json_object_get_string_member(error_envelope(show), "code"), "not_found");
    run(methods, {"methods", "--region", "US", "--currency", "USD", "--amount", "10.00"});
    EXPECT_EQ(methods.code, 0) << methods.err;
    run(plugins, {"plugins"});
    EXPECT_EQ(plugins.code, 0) << plugins.err;
    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        EXPECT_FALSE(file_exists(ledger + suffix)) << ledger + suffix << " was created";

    // Once a payment created it, the same commands read it.
    std::string id = card_pay("4242424242424242", "10.00");
    Result again;
    run(again, {"list"});
    EXPECT_EQ(json_array_get_length(json_object_get_array_member(again.object(), "payments")), 1u);
}

TEST_F(TenderCli, ALedgerInAMissingDirectorySaysSo)
{
    std::string missing = dir + "/no/such/dir";
    Result text, json, list;
    run_exactly(text, {"--ledger", missing + "/ledger.db", "pay", "--method", "card", "--region",
                       "US", "--currency", "USD", "--amount", "1.00", "--param",
                       "number=4242424242424242", "--param", "exp_month=12", "--param",
                       "exp_year=2031", "--param", "cvc=737"});
    EXPECT_EQ(text.code, 74);
    EXPECT_NE(text.err.find("ledger directory '" + missing + "' does not exist"), std::string::npos)
        << text.err;
    run_exactly(json, {"--json", "--ledger", missing + "/ledger.db", "list"});
    EXPECT_EQ(json.code, 74);
    ASSERT_NE(error_envelope(json), nullptr) << json.out;
    EXPECT_STREQ(json_object_get_string_member(error_envelope(json), "code"), "ledger_error");
    EXPECT_FALSE(file_exists(dir + "/no"));
}

TEST_F(TenderCli, AnEmptyPluginSetSaysWhereItLooked)
{
    std::string empty = dir + "/empty";
    ASSERT_EQ(g_mkdir(empty.c_str(), 0700), 0);
    Result text, json, methods, pay;
    run(text, {"--plugin-dir", empty, "plugins"}, false);
    EXPECT_EQ(text.code, 1) << "no plugin at all is a negative answer";
    EXPECT_NE(text.out.find("o plugins are loaded"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find(empty), std::string::npos) << text.out;
    run(json, {"--plugin-dir", empty, "plugins"});
    EXPECT_EQ(json.code, 1);
    JsonArray *dirs = json_object_get_array_member(json.object(), "plugin_dirs");
    ASSERT_NE(dirs, nullptr) << json.out;
    ASSERT_EQ(json_array_get_length(dirs), 1u);
    EXPECT_EQ(json_array_get_string_element(dirs, 0), empty);
    EXPECT_NE(json.str("message").find("no plugins are loaded"), std::string::npos);
    run(methods, {"--plugin-dir", empty, "methods", "--region", "US", "--currency", "USD",
                  "--amount", "1.00"});
    EXPECT_EQ(methods.code, 78);
    ASSERT_NE(error_envelope(methods), nullptr) << methods.out;
    std::string message = json_object_get_string_member(error_envelope(methods), "message");
    EXPECT_NE(message.find("no plugins are loaded"), std::string::npos) << message;
    EXPECT_NE(message.find(empty), std::string::npos) << message;
    run(pay, {"--plugin-dir", empty, "pay", "--method", "card", "--region", "US", "--currency",
              "USD", "--amount", "1.00"});
    EXPECT_EQ(pay.code, 78);
    EXPECT_NE(pay.err.find("no plugins are loaded"), std::string::npos) << pay.err;
}

TEST_F(TenderCli, AUserAssignedRegionNeedsTheConfigToDeclareIt)
{
    Result refused, quote;
    run(refused, {"pay", "--method", "card", "--region", "XA", "--currency", "USD", "--amount",
                  "1.00", "--param", "number=4242424242424242", "--param", "exp_month=12",
                  "--param", "exp_year=2031", "--param", "cvc=737"});
    EXPECT_EQ(refused.code, 65);
    ASSERT_NE(error_envelope(refused), nullptr) << refused.out;
    std::string message = json_object_get_string_member(error_envelope(refused), "message");
    EXPECT_NE(message.find("'XA' is user-assigned"), std::string::npos) << message;
    EXPECT_NE(message.find("user_assigned_regions"), std::string::npos) << message;
    run(quote, {"methods", "--region", "ZZ", "--currency", "USD", "--amount", "1.00"});
    EXPECT_EQ(quote.code, 65);

    std::string regions = "{ \"user_assigned_regions\": [\"XA\"], \"methods\": { \"card\": {"
                          " \"settings\": " + card_settings() + " } } }";
    g_file_set_contents((dir + "/regions.json").c_str(), regions.c_str(), -1, nullptr);
    Result declared;
    run(declared, {"--config", dir + "/regions.json", "pay", "--method", "card", "--region", "XA",
                   "--currency", "USD", "--amount", "1.00", "--param", "number=4242424242424242",
                   "--param", "exp_month=12", "--param", "exp_year=2031", "--param", "cvc=737"});
    EXPECT_EQ(declared.code, 0) << declared.out << declared.err;
    EXPECT_EQ(declared.str("region"), "XA");

    g_file_set_contents((dir + "/regions.json").c_str(), "{ \"user_assigned_regions\": [\"US\"] }",
                        -1, nullptr);
    Result assigned;
    run(assigned, {"check-config", dir + "/regions.json"});
    EXPECT_EQ(assigned.code, 78);
    EXPECT_NE(assigned.err.find("$.user_assigned_regions[0]"), std::string::npos) << assigned.err;
}

// Issue 10 items 6 and 7: a payment converted into the method's currency
// shows the order it was made for, the configured rate and the fee; the
// tier the limits used shows next to the tier the buyer gave (none here).
TEST_F(TenderCli, ShowNamesTheOrderRateFeeAndTierOfAConvertedPayment)
{
    // WebMoney takes no GBP: the embedded default converts into USD, its
    // exchange base, at the configured 0.79 GBP per USD.
    Result pay;
    run(pay, {"pay", "--method", "webmoney", "--region", "GB", "--currency", "GBP", "--amount",
              "100.00", "--account", "wm-cli", "--tier", "formal", "--param",
              "purse=Z123456789012", "--param", "wmid=123456789012"});
    ASSERT_EQ(pay.code, 0) << pay.out << pay.err;
    std::string id = pay.str("id");
    ASSERT_FALSE(id.empty()) << pay.out;
    Result show;
    run(show, {"show", id});
    ASSERT_EQ(show.code, 0) << show.out << show.err;
    EXPECT_EQ(show.str("currency"), "USD");
    EXPECT_EQ(show.str("amount"), "126.58");
    EXPECT_EQ(show.str("fee"), "1.01");
    EXPECT_EQ(show.str("order_amount"), "100.00");
    EXPECT_EQ(show.str("order_currency"), "GBP");
    EXPECT_EQ(show.str("exchange_rate"), "1 USD = 0.79 GBP as of 2026-11-01");
    EXPECT_EQ(show.str("tier"), "formal");
    EXPECT_EQ(show.str("effective_tier"), "formal");

    Result text;
    run(text, {"show", id}, false);
    ASSERT_EQ(text.code, 0) << text.err;
    EXPECT_NE(text.out.find("  fee 1.01 USD\n"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("  order 100.00 GBP, converted at 1 USD = 0.79 GBP as of 2026-11-01\n"),
              std::string::npos)
        << text.out;
    Result list;
    run(list, {"list"}, false);
    EXPECT_NE(list.out.find("(order 100.00 GBP at 1 USD = 0.79 GBP as of 2026-11-01)"),
              std::string::npos)
        << list.out;

    // No tier given: held to the default (alias), which show tells apart.
    Result anon;
    run(anon, {"pay", "--method", "webmoney", "--region", "US", "--currency", "USD", "--amount",
               "10.00", "--account", "wm-anon", "--param", "purse=Z123456789012", "--param",
               "wmid=123456789012"});
    ASSERT_EQ(anon.code, 0) << anon.out << anon.err;
    EXPECT_EQ(anon.str("tier"), "");  // null: none given
    EXPECT_EQ(anon.str("effective_tier"), "alias");
    EXPECT_EQ(anon.str("order_currency"), "USD");
    ASSERT_NE(anon.object(), nullptr);
    EXPECT_TRUE(json_object_get_null_member(anon.object(), "exchange_rate")) << anon.out;
    Result anon_text;
    run(anon_text, {"show", anon.str("id")}, false);
    EXPECT_NE(anon_text.out.find("  fee 0.08 USD\n"), std::string::npos) << anon_text.out;
    EXPECT_NE(anon_text.out.find("  tier alias (the method's default_tier; the buyer gave none)\n"),
              std::string::npos)
        << anon_text.out;
    EXPECT_EQ(anon_text.out.find("  order "), std::string::npos) << anon_text.out;
}

}  // namespace

TEST_F(TenderCli, LedgerCopyCopiesIntoAnEmptyLedgerOnly)
{
    std::string id = card_pay("4242424242424242", "10.00");
    std::string copy = dir + "/copy.db";
    Result copied, again, usage, listed;
    run_exactly(copied, {"--json", "ledger", "copy", "--from", location(), "--to", copy});
    ASSERT_EQ(copied.code, 0) << copied.out << copied.err;
    EXPECT_GE(json_object_get_int_member(copied.object(), "rows"), 2);
    EXPECT_GT(json_object_get_int_member(copied.object(), "totals_checked"), 5);
    run_exactly(again, {"--json", "ledger", "copy", "--from", location(), "--to", copy});
    EXPECT_EQ(again.code, 65) << again.out;
    ASSERT_NE(error_envelope(again), nullptr) << again.out;
    EXPECT_STREQ(json_object_get_string_member(error_envelope(again), "code"), "invalid_argument");
    run_exactly(usage, {"ledger", "copy", "--from", location()});
    EXPECT_EQ(usage.code, 64);
    run_exactly(listed, {"--json", "--ledger", copy, "--config",
                         test_sandbox_config_path(sandbox), "show", id});
    EXPECT_EQ(listed.code, 0) << listed.err;
    EXPECT_STREQ(listed.str("id").c_str(), id.c_str());
    for (const char *suffix : {"", "-wal", "-shm"})
        g_remove((copy + suffix).c_str());
}

// SQLite -> PostgreSQL -> SQLite with the command, on a server
// (tender-cli-postgres runs this under tests/support/with-postgres): the
// payment shows from each ledger, and the counts checked agree.
TEST_F(TenderCli, PostgresLedgerCopyThereAndBack)
{
    ASSERT_TRUE(test_ledger_is_postgres()) << "run under tests/support/with-postgres";
    own_file = true;  // the payment starts in a file
    std::string id = card_pay("4242424242424242", "10.00");
    char *fresh = test_ledger_location(":memory:");
    std::string server = fresh;
    g_free(fresh);
    std::string back = dir + "/back.db";
    Result there, back_again, twice;
    run_exactly(there, {"--json", "ledger", "copy", "--from", ledger, "--to", server});
    ASSERT_EQ(there.code, 0) << there.out << there.err;
    EXPECT_GE(json_object_get_int_member(there.object(), "rows"), 2);
    run_exactly(back_again, {"--json", "ledger", "copy", "--from", server, "--to", back});
    ASSERT_EQ(back_again.code, 0) << back_again.out << back_again.err;
    EXPECT_EQ(json_object_get_int_member(back_again.object(), "rows"),
              json_object_get_int_member(there.object(), "rows"));
    EXPECT_EQ(json_object_get_int_member(back_again.object(), "totals_checked"),
              json_object_get_int_member(there.object(), "totals_checked"));
    run_exactly(twice, {"--json", "ledger", "copy", "--from", ledger, "--to", server});
    EXPECT_EQ(twice.code, 65) << twice.out;
    for (const std::string &copy : {server, back}) {
        Result shown;
        run_exactly(shown, {"--json", "--ledger", copy, "--config",
                            test_sandbox_config_path(sandbox), "show", id});
        EXPECT_EQ(shown.code, 0) << shown.err;
        EXPECT_EQ(shown.str("id"), id);
        EXPECT_EQ(shown.str("status"), "authorized") << shown.out;
    }
    for (const char *suffix : {"", "-wal", "-shm"})
        g_remove((back + suffix).c_str());
}
