// The alipay plugin end to end against tender-sandbox (started by the test
// on an ephemeral port), through a real TenderHost: QR (precreate) and
// cashier (page/wap pay) trades paid by the sandbox's test buyers, the
// signed notifications handed to tender_host_notify by a loopback receiver
// (before and after the payer returns, duplicated), query for sync, partial
// and repeated refunds, close for void, an unpaid trade's timeout; faults
// (503, dropped request, an answer that does not verify) that leave the
// payment UNKNOWN until reconcile settles it; and wrong credentials.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <tender/decline.h>
#include <tender/tender.h>

#include "test-ledger.h"

#include "payer-browser.h"

extern "C" {
#include "sandbox-process.h"
#include "webhook-receiver.h"
}

#include "alipay-test-util.h"

namespace {

// The payer's browser and the test's control calls: redirects are not
// followed (tests/support/payer-browser.h).
using Exchange = TestExchange;

Exchange http(const std::string &method, const std::string &url, const std::string &type = "",
              const std::string &body = "")
{
    return test_http(method, url, type, body);
}

class AlipaySandbox : public ::testing::Test {
protected:
    void SetUp() override
    {
        GError *error = nullptr;
        receiver = test_webhook_receiver_start(&error);
        ASSERT_NE(receiver, nullptr) << (error ? error->message : "");
        std::string base = test_webhook_receiver_url(receiver);
        const char *args[] = {"--webhook-base", base.c_str(), nullptr};
        sb = test_sandbox_start(100.0, args, &error);
        ASSERT_NE(sb, nullptr) << (error ? error->message : "no error");
        start({});
    }

    void TearDown() override
    {
        stop();
        test_sandbox_stop(sb);
        test_webhook_receiver_stop(receiver);
    }

    // (Re)start the host on the sandbox's config, with some alipay settings
    // replaced (an empty value removes the setting).
    void start(const std::map<std::string, std::string> &overrides,
               const std::string &ledger = ":memory:")
    {
        stop();
        JsonParser *parser = json_parser_new();
        GError *error = nullptr;
        ASSERT_TRUE(json_parser_load_from_file(parser, test_sandbox_config_path(sb), &error));
        JsonObject *root = json_node_get_object(json_parser_get_root(parser));
        JsonObject *settings = json_object_get_object_member(
            json_object_get_object_member(json_object_get_object_member(root, "methods"),
                                          "alipay"),
            "settings");
        for (const auto &kv : overrides) {
            if (kv.second.empty())
                json_object_remove_member(settings, kv.first.c_str());
            else
                json_object_set_string_member(settings, kv.first.c_str(), kv.second.c_str());
        }
        char *config = json_to_string(json_parser_get_root(parser), FALSE);
        g_object_unref(parser);
        TenderHostOptions *options = tender_host_options_new();
        tender_host_options_add_plugin_dir(options, ALIPAY_PLUGIN_DIR);
        test_ledger_set_options(options, ledger.c_str());
        tender_host_options_set_config_data(options, config);
        g_free(config);
        host = tender_host_new(options, &error);
        tender_host_options_free(options);
        ASSERT_NE(host, nullptr) << (error ? error->message : "no error");
        test_webhook_receiver_attach(receiver, host);
    }

    void stop()
    {
        if (receiver)
            test_webhook_receiver_attach(receiver, nullptr);
        for (TenderPayment *p : payments)
            tender_payment_free(p);
        payments.clear();
        tender_host_free(host);
        host = nullptr;
    }

    TenderPayment *keep(TenderPayment *p)
    {
        if (p)
            payments.push_back(p);
        return p;
    }

    void faults(const char *json)
    {
        GError *error = nullptr;
        ASSERT_TRUE(test_sandbox_set_faults(sb, json, &error)) << (error ? error->message : "");
    }

    TenderPayment *pay(const char *amount, std::vector<tender_param> params = {})
    {
        std::string account = "buyer-" + std::to_string(++accounts);
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = "alipay";
        req.account = account.c_str();
        req.region = "CN";
        req.currency = "CNY";
        req.amount = amount;
        req.params = params.empty() ? nullptr : params.data();
        req.n_params = params.size();
        req.capture = TRUE;
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *get(const char *id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_get(host, id, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *sync(const char *id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_sync(host, id, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *refund(const char *id, const char *amount, const char *key)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_refund(host, id, amount, key, &error);
        g_clear_error(&error);
        return keep(p);
    }

    void reconcile()
    {
        TenderReconcileReport report = {};
        GError *error = nullptr;
        ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << (error ? error->message : "");
    }

    // The buyer opens the cashier (scans the QR code or follows the
    // redirect), logs in and pays from the wallet.
    Exchange buyer_pays(const TenderPayment *p, const char *logon_id = "buyer-iii@sandbox.alipay.test")
    {
        std::string url = p->action_data ? p->action_data : "";
        EXPECT_EQ(url.rfind(test_sandbox_url(sb), 0), 0u) << url;
        Exchange page = http("GET", url);
        EXPECT_EQ(page.status, 200) << page.body;
        char *escaped = g_uri_escape_string(logon_id, nullptr, FALSE);
        std::string form = std::string("logon_id=") + escaped + "&password=111111";
        g_free(escaped);
        return http("POST", url, "application/x-www-form-urlencoded", form);
    }

    // A paid QR payment, captured by its notification.
    TenderPayment *paid(const char *amount)
    {
        TenderPayment *p = pay(amount, {{"timeout_express", "2h"}});
        if (p == nullptr || p->status != TENDER_STATUS_REQUIRES_ACTION)
            return p;
        guint before = test_webhook_receiver_accepted(receiver);
        Exchange receipt = buyer_pays(p);
        EXPECT_EQ(receipt.status, 200) << receipt.body;
        EXPECT_TRUE(test_webhook_receiver_wait_accepted(receiver, before + 1, 10000));
        return get(p->id);
    }

    TestSandbox *sb = nullptr;
    TestWebhookReceiver *receiver = nullptr;
    TenderHost *host = nullptr;
    std::vector<TenderPayment *> payments;
    int accounts = 0;
};

TEST_F(AlipaySandbox, QrTradePaidByNotification)
{
    TenderPayment *p = pay("88.88", {{"subject", "Tea"}, {"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_QR_CODE);
    EXPECT_NE(std::strstr(p->action_data, "/alipay/cashier/"), nullptr) << p->action_data;
    // Not opened yet: Alipay does not know the trade, the payer still can.
    TenderPayment *waiting = sync(p->id);
    ASSERT_NE(waiting, nullptr);
    EXPECT_EQ(waiting->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_STREQ(waiting->action_data, p->action_data);

    Exchange receipt = buyer_pays(p);
    EXPECT_EQ(receipt.status, 200) << receipt.body;
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, 1, 10000));
    TenderPayment *captured = get(p->id);
    ASSERT_NE(captured, nullptr);
    EXPECT_EQ(captured->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(captured->captured, 8888);
    ASSERT_NE(captured->processor_ref, nullptr);
    EXPECT_EQ(std::strlen(captured->processor_ref), 28u) << captured->processor_ref;
    TenderPayment *synced = sync(p->id);
    ASSERT_NE(synced, nullptr);
    EXPECT_EQ(synced->status, TENDER_STATUS_CAPTURED);
}

TEST_F(AlipaySandbox, CashierRedirectPayerReturnsBeforeTheNotification)
{
    // The merchant's endpoint is down: the payer is back first.
    test_webhook_receiver_attach(receiver, nullptr);
    TenderPayment *p = pay("12.50", {{"product", "page"},
                                     {"return_url", "https://shop.example/back"},
                                     {"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_REDIRECT);
    Exchange back = buyer_pays(p);
    EXPECT_EQ(back.status, 303) << back.body;
    EXPECT_EQ(back.location.rfind("https://shop.example/back?", 0), 0u) << back.location;
    // The return page asks: query says paid.
    TenderPayment *synced = sync(p->id);
    ASSERT_NE(synced, nullptr);
    EXPECT_EQ(synced->status, TENDER_STATUS_CAPTURED);
    // Alipay repeats the notification until it is answered `success`; then
    // it changes nothing.
    test_webhook_receiver_attach(receiver, host);
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, 1, 15000));
    TenderPayment *after = get(p->id);
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(after->captured, 1250);
    EXPECT_EQ(test_webhook_receiver_rejected(receiver), 0u);
}

// The query of a URL's parameters, as complete takes them.
static std::vector<std::pair<std::string, std::string>> query_params(const std::string &url)
{
    std::vector<std::pair<std::string, std::string>> out;
    size_t q = url.find('?');
    if (q == std::string::npos)
        return out;
    GHashTable *form = g_uri_parse_params(url.c_str() + q + 1, -1, "&", G_URI_PARAMS_WWW_FORM,
                                          nullptr);
    if (form == nullptr)
        return out;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, form);
    while (g_hash_table_iter_next(&it, &k, &v))
        out.emplace_back((const char *)k, (const char *)v);
    g_hash_table_unref(form);
    return out;
}

static std::vector<tender_param> as_params(const std::vector<std::pair<std::string, std::string>> &kv)
{
    std::vector<tender_param> out;
    for (const auto &p : kv)
        out.push_back({p.first.c_str(), p.second.c_str()});
    return out;
}

// The cashier's signed return (return_url's query) is verified before it is
// believed: when Alipay's query goes unanswered (503), a verified return
// settles the payment, and a tampered one (another amount) settles nothing.
class AlipayReturn : public AlipaySandbox {
protected:
    // A page-pay payment paid at the cashier; the return's parameters.
    std::vector<std::pair<std::string, std::string>> paid_with_return(TenderPayment **out)
    {
        TenderPayment *p = pay("12.50", {{"product", "page"},
                                         {"return_url", "https://shop.example/back"},
                                         {"timeout_express", "2h"}});
        *out = p;
        if (p == nullptr || p->status != TENDER_STATUS_REQUIRES_ACTION) {
            ADD_FAILURE() << "no action to pay";
            return {};
        }
        Exchange back = buyer_pays(p);
        EXPECT_EQ(back.status, 303) << back.body;
        auto kv = query_params(back.location);
        bool has_sign = false;
        for (auto &e : kv)
            has_sign = has_sign || e.first == "sign";
        EXPECT_TRUE(has_sign) << back.location;
        return kv;
    }

    TenderPayment *complete_unanswered(const TenderPayment *p,
                                       const std::vector<std::pair<std::string, std::string>> &kv)
    {
        std::vector<tender_param> params = as_params(kv);
        faults("{\"provider\":\"alipay\",\"fail_5xx\":1}");
        GError *error = nullptr;
        TenderPayment *done =
            keep(tender_host_complete(host, p->id, params.data(), params.size(), &error));
        EXPECT_NE(done, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return done;
    }
};

TEST_F(AlipayReturn, AVerifiedReturnSettlesWhenAlipayCannotBeAsked)
{
    test_webhook_receiver_attach(receiver, nullptr); // no notification helps
    TenderPayment *p = nullptr;
    auto kv = paid_with_return(&p);
    ASSERT_FALSE(kv.empty());
    TenderPayment *settled = complete_unanswered(p, kv);
    ASSERT_NE(settled, nullptr);
    EXPECT_EQ(settled->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(settled->captured, 1250);
    std::string trade_no;
    for (auto &e : kv)
        if (e.first == "trade_no")
            trade_no = e.second;
    EXPECT_FALSE(trade_no.empty());
    EXPECT_EQ(trade_no, settled->processor_ref ? settled->processor_ref : "");
}

TEST_F(AlipayReturn, ATamperedReturnIsNeverBelieved)
{
    test_webhook_receiver_attach(receiver, nullptr);
    TenderPayment *p = nullptr;
    auto kv = paid_with_return(&p);
    ASSERT_FALSE(kv.empty());
    for (auto &e : kv)
        if (e.first == "total_amount")
            e.second = "1.25"; // changed after Alipay signed it
    TenderPayment *after = complete_unanswered(p, kv);
    ASSERT_NE(after, nullptr);
    EXPECT_NE(after->status, TENDER_STATUS_CAPTURED) << "a forged return must not capture";
    EXPECT_EQ(after->captured, 0);
    // Alipay, asked again, tells the truth: the buyer did pay 12.50.
    TenderPayment *synced = sync(p->id);
    ASSERT_NE(synced, nullptr);
    EXPECT_EQ(synced->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(synced->captured, 1250);
}

TEST_F(AlipaySandbox, WapCashierAndDuplicateNotifications)
{
    faults("{\"provider\":\"alipay\",\"duplicate_notifications\":true}");
    TenderPayment *p = pay("3.00", {{"product", "wap"}, {"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_REDIRECT);
    Exchange receipt = buyer_pays(p, "buyer-ii@sandbox.alipay.test");
    EXPECT_EQ(receipt.status, 200) << receipt.body;
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, 2, 15000));
    TenderPayment *after = get(p->id);
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(after->captured, 300);
    EXPECT_EQ(test_webhook_receiver_rejected(receiver), 0u);
}

TEST_F(AlipaySandbox, PartialRefundsRepeatSafeAndBounded)
{
    TenderPayment *p = paid("100.00");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_CAPTURED);
    TenderPayment *r1 = refund(p->id, "30.00", "refund-1");
    ASSERT_NE(r1, nullptr);
    EXPECT_EQ(r1->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(r1->refunded, 3000);
    // The same request again (same out_request_no): nothing moves twice.
    TenderPayment *again = refund(p->id, "30.00", "refund-1");
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->refunded, 3000);
    // More than is left: refused (by the host, or by Alipay with its code).
    refund(p->id, "70.01", "refund-2");
    TenderPayment *now = get(p->id);
    ASSERT_NE(now, nullptr);
    EXPECT_EQ(now->refunded, 3000);
    TenderPayment *rest = refund(p->id, "70.00", "refund-3");
    ASSERT_NE(rest, nullptr);
    EXPECT_EQ(rest->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(rest->refunded, 10000);
    TenderPayment *synced = sync(p->id);
    ASSERT_NE(synced, nullptr);
    EXPECT_EQ(synced->status, TENDER_STATUS_REFUNDED);
}

TEST_F(AlipaySandbox, OverRefundIsDeclinedWithAlipaysCode)
{
    TenderPayment *p = paid("10.00");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_CAPTURED);
    GError *error = nullptr;
    TenderPayment *over = keep(tender_host_refund(host, p->id, "10.01", "r-over", &error));
    // The host may refuse it itself (over the captured amount) or pass
    // Alipay's refusal on; either way nothing is refunded.
    if (over == nullptr)
        g_clear_error(&error);
    TenderPayment *now = get(p->id);
    ASSERT_NE(now, nullptr);
    EXPECT_EQ(now->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(now->refunded, 0);
}

TEST_F(AlipaySandbox, VoidClosesTheUnpaidTradeForGood)
{
    TenderPayment *p = pay("20.00", {{"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    // The buyer scanned it but has not paid.
    EXPECT_EQ(http("GET", p->action_data).status, 200);
    GError *error = nullptr;
    TenderPayment *v = keep(tender_host_void(host, p->id, nullptr, &error));
    ASSERT_NE(v, nullptr) << (error ? error->message : "");
    EXPECT_EQ(v->status, TENDER_STATUS_VOIDED);
    Exchange late = http("GET", p->action_data);
    EXPECT_EQ(late.status, 410) << late.body;
    EXPECT_NE(late.body.find("TRADE_HAS_CLOSE"), std::string::npos) << late.body;
}

TEST_F(AlipaySandbox, UnpaidTradeExpiresAtItsTimeout)
{
    // One minute is 0.6 s at the sandbox's time scale of 100.
    TenderPayment *p = pay("5.00", {{"timeout_express", "1m"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(http("GET", p->action_data).status, 200);
    TenderStatus status = TENDER_STATUS_REQUIRES_ACTION;
    for (int i = 0; i < 50 && status == TENDER_STATUS_REQUIRES_ACTION; i++) {
        g_usleep(100 * 1000);
        TenderPayment *now = sync(p->id);
        ASSERT_NE(now, nullptr);
        status = now->status;
    }
    EXPECT_EQ(status, TENDER_STATUS_EXPIRED);
}

TEST_F(AlipaySandbox, ServerErrorOnPurchaseIsUnknownThenReconciled)
{
    faults("{\"provider\":\"alipay\",\"fail_5xx\":1}");
    TenderPayment *p = pay("9.99", {{"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_UNKNOWN) << "a 503 is never a guess";
    reconcile();
    TenderPayment *settled = get(p->id);
    ASSERT_NE(settled, nullptr);
    ASSERT_EQ(settled->status, TENDER_STATUS_REQUIRES_ACTION);
    ASSERT_NE(settled->action_data, nullptr);
    Exchange receipt = buyer_pays(settled);
    EXPECT_EQ(receipt.status, 200) << receipt.body;
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, 1, 10000));
    TenderPayment *captured = get(p->id);
    ASSERT_NE(captured, nullptr);
    EXPECT_EQ(captured->status, TENDER_STATUS_CAPTURED);
}

TEST_F(AlipaySandbox, DroppedRefundIsFoundByTheRefundQuery)
{
    TenderPayment *p = paid("40.00");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_CAPTURED);
    faults("{\"provider\":\"alipay\",\"drop\":1}");
    TenderPayment *r = refund(p->id, "15.00", "dropped-refund");
    (void)r;
    TenderPayment *now = get(p->id);
    ASSERT_NE(now, nullptr);
    if (now->status == TENDER_STATUS_UNKNOWN)
        reconcile();
    TenderPayment *settled = get(p->id);
    ASSERT_NE(settled, nullptr);
    EXPECT_NE(settled->status, TENDER_STATUS_UNKNOWN);
    // Repeating the refund is safe: Alipay refunds an out_request_no once.
    TenderPayment *again = refund(p->id, "15.00", "dropped-refund");
    ASSERT_NE(again, nullptr);
    TenderPayment *end = get(p->id);
    ASSERT_NE(end, nullptr);
    EXPECT_EQ(end->refunded, 1500);
    EXPECT_EQ(end->status, TENDER_STATUS_PARTIALLY_REFUNDED);
}

// A refund made at Alipay without Tender (the merchant's console, another
// system): a signed alipay.trade.refund straight to the sandbox's gateway.
// Alipay's refund notification (refund_fee, out_biz_no) then syncs the
// payment's refunds; a repeat of it changes nothing.
TEST_F(AlipaySandbox, RefundNotificationSyncsARefundMadeElsewhere)
{
    TenderPayment *p = paid("40.00");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_CAPTURED);
    JsonObject *settings = test_sandbox_settings(sb, "alipay");
    ASSERT_NE(settings, nullptr);
    GTimeZone *zone = g_time_zone_new_offset(8 * 3600);
    GDateTime *beijing = g_date_time_new_now(zone);
    char *timestamp = g_date_time_format(beijing, "%Y-%m-%d %H:%M:%S");
    g_date_time_unref(beijing);
    g_time_zone_unref(zone);
    Form form = {{"app_id", json_object_get_string_member(settings, "app_id")},
                 {"method", "alipay.trade.refund"},
                 {"charset", "utf-8"},
                 {"sign_type", "RSA2"},
                 {"timestamp", timestamp},
                 {"version", "1.0"},
                 {"biz_content", std::string("{\"out_trade_no\":\"") + p->id +
                                     "\",\"refund_amount\":\"15.00\","
                                     "\"out_request_no\":\"console-refund-1\"}"}};
    g_free(timestamp);
    form_set(form, "sign", rsa2_sign(json_object_get_string_member(settings, "app_private_key"),
                                     request_signing_string(form)));
    guint before = test_webhook_receiver_accepted(receiver);
    Exchange answer = http("POST", json_object_get_string_member(settings, "endpoint"),
                           "application/x-www-form-urlencoded; charset=utf-8", form_build(form));
    ASSERT_EQ(answer.status, 200) << answer.body;
    ASSERT_NE(answer.body.find("\"10000\""), std::string::npos) << answer.body;
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, before + 1, 15000));
    TenderPayment *now = get(p->id);
    ASSERT_NE(now, nullptr);
    EXPECT_EQ(now->refunded, 1500);
    EXPECT_EQ(now->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    // Tender's own refund of the rest, then its notification: nothing more.
    before = test_webhook_receiver_accepted(receiver);
    TenderPayment *rest = refund(p->id, nullptr, "tender-refund-1");
    ASSERT_NE(rest, nullptr);
    EXPECT_EQ(rest->refunded, 4000);
    EXPECT_EQ(rest->status, TENDER_STATUS_REFUNDED);
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, before + 1, 15000));
    TenderPayment *end = get(p->id);
    ASSERT_NE(end, nullptr);
    EXPECT_EQ(end->refunded, 4000);
    EXPECT_EQ(end->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(test_webhook_receiver_rejected(receiver), 0u);
}

TEST_F(AlipaySandbox, AnswerThatDoesNotVerifyIsUnknownUntilTheKeyIsRight)
{
    char *dir = g_dir_make_tmp("alipay-ledger-XXXXXX", nullptr);
    ASSERT_NE(dir, nullptr);
    std::string ledger = std::string(dir) + "/ledger.db";
    // A key that is not the sandbox platform's: no answer verifies.
    start({{"alipay_public_key", alipay_test_key("alipay-platform-public.pem")}}, ledger);
    TenderPayment *p = pay("7.00", {{"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_UNKNOWN) << "an unverified answer is never believed";
    std::string id = p->id;
    TenderPayment *s = sync(id.c_str());
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_UNKNOWN);
    // The right key: reconcile settles it (the same trade and its QR code).
    start({}, ledger);
    reconcile();
    TenderPayment *settled = get(id.c_str());
    ASSERT_NE(settled, nullptr);
    EXPECT_EQ(settled->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_NE(settled->action_data, nullptr);
    stop();
    for (const char *suffix : {"", "-wal", "-shm"})
        g_remove((ledger + suffix).c_str());
    g_rmdir(dir);
    g_free(dir);
}

TEST_F(AlipaySandbox, MissingKeyIsRefusedNamingTheSetting)
{
    start({{"app_private_key", ""}});
    bool named = false;
    const GPtrArray *refusals = tender_host_refusals(host);
    for (guint i = 0; i < refusals->len; i++) {
        auto *r = static_cast<const TenderRefusal *>(g_ptr_array_index(refusals, i));
        named |= r->reason && std::strstr(r->reason, "app_private_key") != nullptr;
    }
    EXPECT_TRUE(named) << "the refusal names app_private_key";
}

TEST_F(AlipaySandbox, WrongAppKeyIsDeclinedWithTheRawCode)
{
    start({{"app_private_key", alipay_test_key("alipay-app-private.pem")}});
    TenderPayment *p = pay("7.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_STREQ(p->decline_raw_code, "isv.invalid-signature");
}

TEST_F(AlipaySandbox, UnknownAppIdIsDeclinedWithTheRawCode)
{
    start({{"app_id", "2021000000000000"}});
    TenderPayment *p = pay("7.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_STREQ(p->decline_raw_code, "isv.invalid-app-id");
}

TEST_F(AlipaySandbox, CompleteWithASandboxBuyerPaysAtTheCashier)
{
    TenderPayment *p = pay("66.00", {{"product", "wap"}, {"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_param poor[] = {{"sandbox_buyer", "buyer-poor@sandbox.alipay.test"}};
    GError *error = nullptr;
    TenderPayment *refused = keep(tender_host_complete(host, p->id, poor, 1, &error));
    ASSERT_NE(refused, nullptr) << (error ? error->message : "");
    EXPECT_EQ(refused->status, TENDER_STATUS_REQUIRES_ACTION) << "the trade waits";
    tender_param rich[] = {{"sandbox_buyer", "buyer-iii@sandbox.alipay.test"}};
    TenderPayment *done = keep(tender_host_complete(host, p->id, rich, 1, &error));
    ASSERT_NE(done, nullptr) << (error ? error->message : "");
    EXPECT_EQ(done->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(done->captured, 6600);
}

TEST_F(AlipaySandbox, MethodIsRegisteredWithItsFacts)
{
    const TenderMethodInfo *m = tender_host_method(host, "alipay");
    ASSERT_NE(m, nullptr);
    EXPECT_STREQ(m->name, "Alipay");
    EXPECT_EQ(m->action_timeout_seconds, 900);
    EXPECT_TRUE(m->has_fixtures);
    EXPECT_EQ(m->capabilities & TENDER_CAP_AUTHORIZE, 0u);
}

TEST_F(AlipaySandbox, BuyerSideRefusalsNeverReachTheMerchant)
{
    // A buyer whose balance is short sees the error at the cashier; the
    // trade waits, and another buyer may still pay it.
    TenderPayment *p = pay("50.00", {{"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    Exchange refused = buyer_pays(p, "buyer-poor@sandbox.alipay.test");
    EXPECT_EQ(refused.status, 402) << refused.body;
    EXPECT_NE(refused.body.find("BUYER_BALANCE_NOT_ENOUGH"), std::string::npos) << refused.body;
    TenderPayment *waiting = sync(p->id);
    ASSERT_NE(waiting, nullptr);
    EXPECT_EQ(waiting->status, TENDER_STATUS_REQUIRES_ACTION);
    Exchange receipt = buyer_pays(p);
    EXPECT_EQ(receipt.status, 200) << receipt.body;
    TenderPayment *synced = sync(p->id);
    ASSERT_NE(synced, nullptr);
    EXPECT_EQ(synced->status, TENDER_STATUS_CAPTURED);
}

TEST_F(AlipaySandbox, ForgedNotificationIsRejectedAndChangesNothing)
{
    TenderPayment *p = pay("12.50", {{"timeout_express", "2h"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    JsonObject *settings = test_sandbox_settings(sb, "alipay");
    ASSERT_NE(settings, nullptr);
    Form f = {{"notify_time", "2026-03-01 18:03:00"},
              {"notify_type", "trade_status_sync"},
              {"notify_id", "forged-0001"},
              {"app_id", json_object_get_string_member(settings, "app_id")},
              {"charset", "utf-8"},
              {"version", "1.0"},
              {"out_trade_no", p->id},
              {"trade_no", "2026030122001400000000000001"},
              {"trade_status", "TRADE_SUCCESS"},
              {"total_amount", "12.50"}};
    // Signed, but by a key that is not Alipay's.
    form_resign(f, alipay_test_key("alipay-platform-private.pem"));
    std::string body = form_build(f);
    tender_param headers[] = {{"Content-Type", "application/x-www-form-urlencoded"}};
    TenderNotifyReply *reply = nullptr;
    GError *error = nullptr;
    EXPECT_FALSE(tender_host_notify(host, "alipay", headers, 1, body.c_str(), body.size(), &reply,
                                    &error));
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_REJECTED));
    g_clear_error(&error);
    // Alipay repeats anything but "success": the refusal says so.
    if (reply != nullptr) {
        EXPECT_STRNE(reply->body, "success");
    }
    tender_notify_reply_free(reply);
    TenderPayment *after = get(p->id);
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->status, TENDER_STATUS_REQUIRES_ACTION);
}

} // namespace
