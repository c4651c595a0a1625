// The `tender` command, driven as a script drives it: each test runs the
// built program with a fresh ledger and checks its exit code and output.
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <string>
#include <vector>

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
        for (const char *f : {"/bad.json", "/typo.json", "/good.json", "/body"})
            g_remove((dir + f).c_str());
        g_rmdir(dir.c_str());
    }

    // tender --ledger L [--json] ARGS..., stdin from input.
    void run(Result &r, std::vector<std::string> args, bool json = true, const std::string &input = "")
    {
        std::vector<std::string> argv = {TENDER_EXE, "--ledger", ledger};
        if (json)
            argv.push_back("--json");
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
    Result sim;
    run(sim, {"sandbox-notification", pay.str("id"), "paid"});
    ASSERT_EQ(sim.code, 0) << sim.err;
    std::string body = sim.str("body");
    std::string headers = sim.str("headers");
    ASSERT_FALSE(body.empty());
    std::vector<std::string> header_args;
    gchar **lines = g_strsplit(headers.c_str(), "\n", -1);
    for (gchar **l = lines; *l; l++)
        if (**l)
            header_args.insert(header_args.end(), {"--header", *l});
    g_strfreev(lines);

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

}  // namespace
