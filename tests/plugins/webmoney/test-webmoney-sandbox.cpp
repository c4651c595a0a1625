// The WebMoney plugin end to end against tender-sandbox (started by the test
// on an ephemeral port), through a real TenderHost: the payment page (the
// test plays the payer on it), the pre-request answered YES and the signed
// result handed to tender_host_notify by a loopback receiver, before and
// after the payer returns, repeats; X18 for sync; X14 refunds checked with
// X3; protected transfers the test sends as the payer (X2) released with X5,
// wrong codes and the 8th; a 503 and a dropped request settled later; a
// wrong secret key; passport limits from the policy. Real clock.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>


#include <glib/gstdio.h>

#include <tender/tender.h>

#include "test-ledger.h"

extern "C" {
#include "sandbox-process.h"
#include "webhook-receiver.h"
#include "demo-webmoney.h"
}

namespace {

// A test payer of the sandbox (sandbox/webmoney/keys/webmoney-accounts.json).
const char kPayerWmid[] = DEMO_WM_PAYER_WMID;
const char kPayerPurse[] = DEMO_WM_PAYER_PURSE;

// The embedded default config with the webmoney method's settings, and its
// deadline in ms when given (the default's 10 s otherwise).
std::string config_with_webmoney_settings(const std::string &settings, int deadline_ms = 0)
{
    std::string json = tender_config_default_json();
    const std::string plain = "\"settings\": {\"mode\": \"sandbox\"}";
    size_t method = json.find("\"webmoney\"");
    size_t at = json.find(plain, method);
    if (method == std::string::npos || at == std::string::npos)
        return "";
    json.replace(at, plain.size(), "\"settings\": " + settings);
    if (deadline_ms > 0) {
        const std::string key = "\"deadline_ms\": ";
        size_t d = json.find(key, method);
        if (d == std::string::npos)
            return "";
        size_t end = json.find_first_not_of("0123456789", d + key.size());
        json.replace(d + key.size(), end - d - key.size(), std::to_string(deadline_ms));
    }
    return json;
}

std::string form_escape(const std::string &text)
{
    char *escaped = g_uri_escape_string(text.c_str(), nullptr, FALSE);
    std::string out = escaped;
    g_free(escaped);
    return out;
}

std::string sha256_hex(const std::string &text)
{
    char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text.c_str(), -1);
    std::string out = hex;
    g_free(hex);
    return out;
}

class WebMoneySandbox : public ::testing::Test {
protected:
    // Whether WebMoney posts to the merchant (the sandbox's --webhook-base,
    // and so the result_url setting); without, only X18 tells the host.
    virtual bool webhooks() const { return true; }

    void SetUp() override
    {
        GError *error = nullptr;
        receiver = test_webhook_receiver_start(&error);
        ASSERT_NE(receiver, nullptr) << (error ? error->message : "");
        std::string base = test_webhook_receiver_url(receiver);
        const char *args[] = {"--webhook-base", base.c_str(), nullptr};
        sb = test_sandbox_start(1000.0, webhooks() ? args : nullptr, &error);
        ASSERT_NE(sb, nullptr) << (error ? error->message : "no error");
        char *settings = test_sandbox_settings_json(sb, "webmoney");
        ASSERT_NE(settings, nullptr) << "the sandbox wrote webmoney settings";
        webmoney_settings = settings;
        g_free(settings);
        start(webmoney_settings);
    }

    void TearDown() override
    {
        stop();
        if (ledger_dir) {
            for (const char *suffix : {"", "-wal", "-shm"})
                g_remove((ledger + suffix).c_str());
            g_rmdir(ledger_dir);
            g_free(ledger_dir);
        }
        if (sb)
            test_sandbox_stop(sb);
        if (receiver)
            test_webhook_receiver_stop(receiver);
    }

    void start(const std::string &settings, int deadline_ms = 0)
    {
        stop();
        std::string config = config_with_webmoney_settings(settings, deadline_ms);
        ASSERT_FALSE(config.empty());
        TenderHostOptions *options = tender_host_options_new();
        tender_host_options_add_plugin_dir(options, WEBMONEY_PLUGIN_DIR);
        test_ledger_set_options(options, ledger.c_str());
        tender_host_options_set_config_data(options, config.c_str());
        GError *error = nullptr;
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

    TenderPayment *pay(const char *amount, std::vector<tender_param> params,
                       const char *tier = "personal")
    {
        std::string account = "wm-" + std::to_string(++accounts);
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = "webmoney";
        req.region = "US";
        req.currency = "USD";
        req.amount = amount;
        req.account = account.c_str();
        req.tier = tier;
        req.params = params.data();
        req.n_params = params.size();
        req.capture = TRUE;
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *page_payment(const char *amount = "10.5")
    {
        return pay(amount, {{"purse", kPayerPurse}, {"wmid", kPayerWmid},
                            {"description", "Order 7"}});
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
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *refund(const char *id, const char *amount)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_refund(host, id, amount, nullptr, &error);
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *complete(const char *id, const char *code)
    {
        tender_param params[] = {{"protection_code", code}};
        GError *error = nullptr;
        TenderPayment *p = tender_host_complete(host, id, params, 1, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    void faults(const std::string &json)
    {
        GError *error = nullptr;
        ASSERT_TRUE(test_sandbox_set_faults(sb, json.c_str(), &error))
            << (error ? error->message : "");
    }

    // The payer on WebMoney's payment page (tools/demo-webmoney.c, the
    // demo's payer): the page opens from the redirect, then the payer pays
    // from a purse. Returns whether WebMoney took it; page_out gets its page.
    bool payer_pays(const TenderPayment *p, const char *wmid = kPayerWmid,
                    const char *purse = kPayerPurse, std::string *page_out = nullptr)
    {
        EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_REDIRECT);
        std::string prefix = std::string(test_sandbox_url(sb)) + "/webmoney/lmi/payment_utf.asp?";
        EXPECT_EQ(std::string(p->action_data).rfind(prefix, 0), 0u) << p->action_data;
        char *page = nullptr;
        bool paid = demo_webmoney_pay_on_page(p->action_data, wmid, purse, &page);
        if (page_out)
            *page_out = page ? page : "";
        g_free(page);
        return paid;
    }

    // The payer's own protected transfer (X2) to the merchant's Z purse.
    bool payer_sends_protected(const TenderPayment *p, const char *amount, const char *code)
    {
        std::string endpoint = std::string(test_sandbox_url(sb)) + "/webmoney";
        std::string desc = std::string("Payment ") + p->id;
        return demo_webmoney_send_protected(endpoint.c_str(), "Z100000000001", amount, 3, code,
                                            desc.c_str());
    }

    bool wait_accepted(guint n)
    {
        return test_webhook_receiver_wait_accepted(receiver, n, 10000);
    }

    TestWebhookReceiver *receiver = nullptr;
    TestSandbox *sb = nullptr;
    std::string ledger = ":memory:"; // a file when a test restarts the host
    char *ledger_dir = nullptr;

    // Keep the ledger in a file, so that a host started again reads it.
    void use_file_ledger()
    {
        ledger_dir = g_dir_make_tmp("wm-sandbox-XXXXXX", nullptr);
        ASSERT_NE(ledger_dir, nullptr);
        ledger = std::string(ledger_dir) + "/ledger.db";
        start(webmoney_settings);
    }
    std::string webmoney_settings;
    TenderHost *host = nullptr;
    int accounts = 0;
    std::vector<TenderPayment *> payments;
};

TEST_F(WebMoneySandbox, PaidOnThePageNotificationBeforeThePayerReturns)
{
    TenderPayment *p = page_payment();
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    EXPECT_NE(strstr(p->action_data, "LMI_PAYMENT_AMOUNT=10.5&"), nullptr) << p->action_data;
    EXPECT_NE(strstr(p->action_data, "LMI_SIM_MODE=0"), nullptr) << p->action_data;
    EXPECT_NE(strstr(p->action_data, "LMI_RESULT_URL="), nullptr) << p->action_data;

    EXPECT_TRUE(payer_pays(p));
    // The pre-request (answered YES, or WebMoney would not go on) and the
    // signed result both went through the host.
    ASSERT_TRUE(wait_accepted(2));
    TenderPayment *captured = get(p->id);
    ASSERT_NE(captured, nullptr);
    EXPECT_EQ(captured->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(captured->captured, 1050);
    EXPECT_STRNE(captured->processor_ref, "");

    // The payer is back: sync asks X18, which agrees.
    TenderPayment *s = sync(p->id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_CAPTURED);
    EXPECT_STREQ(s->processor_ref, captured->processor_ref);
}

TEST_F(WebMoneySandbox, DuplicateNotificationsChangeNothing)
{
    TenderPayment *p = page_payment("7");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    faults("{\"provider\":\"webmoney\",\"duplicate_notifications\":true}");
    EXPECT_TRUE(payer_pays(p));
    ASSERT_TRUE(wait_accepted(3)); // the pre-request, the result, its copy
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(after->captured, 700);
    TenderPayment *s = sync(p->id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(s->captured, 700);
}

// WebMoney posts nothing to this merchant: the payer comes back first and
// sync (X18) finds the payment; a result arriving afterwards changes nothing.
class WebMoneySandboxNoWebhooks : public WebMoneySandbox {
protected:
    bool webhooks() const override { return false; }
};

TEST_F(WebMoneySandboxNoWebhooks, PayerReturnsFirstThenTheResultArrives)
{
    TenderPayment *p = page_payment("8");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(strstr(p->action_data, "LMI_RESULT_URL="), nullptr) << p->action_data;
    EXPECT_TRUE(payer_pays(p));
    TenderPayment *s = sync(p->id);
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(s->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(s->captured, 800);
    ASSERT_STRNE(s->processor_ref, "");

    // The result for the same transfer, signed with the merchant's key as
    // WebMoney signs it, now arrives: a repeat, applied once.
    std::string no, trans = s->processor_ref;
    const char *at = strstr(p->action_data, "LMI_PAYMENT_NO=");
    ASSERT_NE(at, nullptr);
    no.assign(at + 15, strcspn(at + 15, "&"));
    const std::string payee = "Z100000000001", amount = "8", mode = "1", invs = "1",
                      date = "20260301 13:00:00";
    std::string hash = sha256_hex(payee + amount + no + mode + invs + trans + date +
                                  "tender-sandbox-webmoney-secret" + kPayerPurse + kPayerWmid);
    for (auto &c : hash)
        c = g_ascii_toupper(c);
    std::string body = "LMI_PAYEE_PURSE=" + payee + "&LMI_PAYMENT_AMOUNT=" + amount +
                       "&LMI_PAYMENT_NO=" + no + "&LMI_MODE=" + mode + "&LMI_SYS_INVS_NO=" +
                       invs + "&LMI_SYS_TRANS_NO=" + trans +
                       "&LMI_SYS_TRANS_DATE=" + form_escape(date) + "&LMI_PAYER_PURSE=" +
                       kPayerPurse + "&LMI_PAYER_WM=" + kPayerWmid + "&LMI_HASH=" + hash +
                       "&TENDER_PAYMENT_ID=" + p->id;
    tender_param headers[] = {{"Content-Type", "application/x-www-form-urlencoded"}};
    TenderNotifyReply *reply = nullptr;
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_notify(host, "webmoney", headers, 1, body.c_str(), body.size(),
                                   &reply, &error))
        << (error ? error->message : "");
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->status, 200u);
    tender_notify_reply_free(reply);
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(after->captured, 800);
}

TEST_F(WebMoneySandboxNoWebhooks, DroppedStatusRequestIsNeverGuessedThenSettled)
{
    TenderPayment *p = page_payment("9");
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(payer_pays(p));
    faults("{\"provider\":\"webmoney\",\"drop\":1}");
    TenderPayment *s = sync(p->id);
    if (s) {
        EXPECT_NE(s->status, TENDER_STATUS_CAPTURED) << "a dropped X18 is not an answer";
    }
    TenderReconcileReport report = {};
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << (error ? error->message : "");
    TenderPayment *settled = sync(p->id);
    ASSERT_NE(settled, nullptr);
    EXPECT_EQ(settled->status, TENDER_STATUS_CAPTURED);
}

TEST_F(WebMoneySandbox, UnpaidPageStaysWaitingAndDeclinedPurseIsRetried)
{
    TenderPayment *p = page_payment("10");
    ASSERT_NE(p, nullptr);
    // Not enough funds in this purse: WebMoney shows the page again.
    std::string poor;
    EXPECT_FALSE(payer_pays(p, "000000000051", "Z000000000051", &poor));
    EXPECT_NE(poor.find("role=\"alert\""), std::string::npos) << poor;
    TenderPayment *waiting = sync(p->id);
    ASSERT_NE(waiting, nullptr);
    EXPECT_EQ(waiting->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(waiting->decline_code, (guint32)TENDER_DECLINE_NONE);
    // A blocked passport is refused the same way.
    std::string blocked;
    EXPECT_FALSE(payer_pays(p, "000000000062", "Z000000000062", &blocked));
    EXPECT_NE(blocked.find("role=\"alert\""), std::string::npos) << blocked;
    // Then the payer pays from a good purse.
    EXPECT_TRUE(payer_pays(p));
    TenderPayment *s = sync(p->id);
    EXPECT_EQ(s->status, TENDER_STATUS_CAPTURED);
}

TEST_F(WebMoneySandbox, PartialRefundsThenTheRestNeverMore)
{
    TenderPayment *p = page_payment("10.5");
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(payer_pays(p));
    ASSERT_TRUE(wait_accepted(2));
    ASSERT_EQ(get(p->id)->status, TENDER_STATUS_CAPTURED);

    TenderPayment *part = refund(p->id, "3");
    ASSERT_NE(part, nullptr);
    EXPECT_EQ(part->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(part->refunded, 300);
    EXPECT_EQ(refund(p->id, "8"), nullptr) << "more than is left";
    TenderPayment *rest = refund(p->id, nullptr);
    ASSERT_NE(rest, nullptr);
    EXPECT_EQ(rest->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(rest->refunded, 1050);
    // WebMoney (X3) agrees.
    TenderPayment *s = sync(p->id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_REFUNDED);
}

TEST_F(WebMoneySandbox, RefundThroughA503IsNeverGuessedThenMadeOnce)
{
    TenderPayment *p = page_payment("10");
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(payer_pays(p));
    ASSERT_TRUE(wait_accepted(2));
    faults("{\"provider\":\"webmoney\",\"fail_5xx\":1}");
    GError *error = nullptr;
    TenderPayment *unknown = keep(tender_host_refund(host, p->id, "4", nullptr, &error));
    g_clear_error(&error);
    if (unknown) {
        EXPECT_NE(unknown->refunded, 400) << "never a guess";
    }
    TenderReconcileReport report = {};
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << (error ? error->message : "");
    TenderPayment *again = refund(p->id, "4");
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->refunded, 400);
    TenderPayment *s = sync(p->id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->refunded, 400) << "refunded once";
}

TEST_F(WebMoneySandbox, RefundAnsweredAfterTheDeadlineIsSettledByReconcile)
{
    use_file_ledger();
    TenderPayment *p = page_payment("10");
    ASSERT_NE(p, nullptr);
    std::string id = p->id;
    ASSERT_TRUE(payer_pays(p));
    ASSERT_TRUE(wait_accepted(2));
    // Each WebMoney answer takes 700 ms, the host waits 1 s: X3 answers, X14
    // reaches WebMoney and is made, but its answer comes too late.
    start(webmoney_settings, 1000);
    faults("{\"provider\":\"webmoney\",\"latency_ms\":700}");
    GError *error = nullptr;
    TenderPayment *late = keep(tender_host_refund(host, id.c_str(), "4", nullptr, &error));
    g_clear_error(&error);
    if (late) {
        EXPECT_NE(late->status, TENDER_STATUS_PARTIALLY_REFUNDED) << "never a guess";
    }
    faults("{\"provider\":\"webmoney\",\"latency_ms\":0}");
    g_usleep(800 * 1000); // the held X14 is made meanwhile
    // Reconcile asks WebMoney (X3): the refund was made, once.
    TenderReconcileReport report = {};
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << (error ? error->message : "");
    TenderPayment *settled = get(id.c_str());
    ASSERT_NE(settled, nullptr);
    EXPECT_EQ(settled->refunded, 400) << tender_status_to_string(settled->status);
    EXPECT_EQ(settled->status, TENDER_STATUS_PARTIALLY_REFUNDED);
}

TEST_F(WebMoneySandbox, ProtectedTransferWrongThenRightCode)
{
    const char *code = "Sandbox-Code-77";
    TenderPayment *p = pay("25", {{"purse", kPayerPurse},
                                 {"wmid", kPayerWmid},
                                 {"protection_days", "3"},
                                 {"protection_code", code}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_PROTECTION_CODE);

    // Nothing sent yet: the code cannot release anything, no attempt used.
    // (Codes here avoid words of messages: the host redacts sensitive values.)
    TenderPayment *early = complete(p->id, code);
    ASSERT_NE(early, nullptr);
    EXPECT_EQ(early->status, TENDER_STATUS_REQUIRES_ACTION);

    ASSERT_TRUE(payer_sends_protected(p, "25", code));
    TenderPayment *locked = sync(p->id);
    ASSERT_NE(locked, nullptr);
    EXPECT_EQ(locked->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_STRNE(locked->action_data, "");

    TenderPayment *wrong = complete(p->id, "Not-The-Code-1");
    ASSERT_NE(wrong, nullptr);
    EXPECT_EQ(wrong->status, TENDER_STATUS_REQUIRES_ACTION);
    TenderPayment *done = complete(p->id, code);
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(done->captured, 2500);
    for (const char *text : {done->action_data, done->details, done->decline_message})
        EXPECT_TRUE(text == nullptr || strstr(text, code) == nullptr);

    // A released transfer is refunded with X14, in parts.
    TenderPayment *part = refund(p->id, "5");
    ASSERT_NE(part, nullptr);
    EXPECT_EQ(part->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(part->refunded, 500);
}

TEST_F(WebMoneySandbox, EightWrongCodesReturnTheFunds)
{
    TenderPayment *p = pay("10", {{"purse", kPayerPurse},
                                 {"wmid", kPayerWmid},
                                 {"protection_days", "3"},
                                 {"protection_code", "right"}});
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(payer_sends_protected(p, "10", "Right-Code-9"));
    for (int i = 0; i < 7; i++) {
        TenderPayment *w = complete(p->id, "Guess-1234");
        ASSERT_NE(w, nullptr);
        EXPECT_EQ(w->status, TENDER_STATUS_REQUIRES_ACTION) << i;
    }
    TenderPayment *last = complete(p->id, "Guess-1234");
    ASSERT_NE(last, nullptr);
    EXPECT_EQ(last->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(last->decline_code, (guint32)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_STREQ(last->decline_raw_code, "wrong_code_limit");
}

TEST_F(WebMoneySandbox, WrongSecretKeyIsRefusedByWebMoney)
{
    // Paid with the right key, on a ledger the next host reads.
    use_file_ledger();
    TenderPayment *p = page_payment("10");
    ASSERT_NE(p, nullptr);
    std::string id = p->id;
    ASSERT_TRUE(payer_pays(p));
    ASSERT_TRUE(wait_accepted(2));
    ASSERT_EQ(get(id.c_str())->status, TENDER_STATUS_CAPTURED);

    // The same merchant with a wrong secret key.
    std::string settings = webmoney_settings;
    size_t at = settings.find("tender-sandbox-webmoney-secret");
    ASSERT_NE(at, std::string::npos);
    settings.replace(at, strlen("tender-sandbox-webmoney-secret"), "not-the-merchant-key");
    start(settings);
    // X14 refuses the signature: declined with WebMoney's raw code.
    GError *error = nullptr;
    TenderPayment *r = keep(tender_host_refund(host, id.c_str(), "2", nullptr, &error));
    std::string refused = error ? error->message : "";
    g_clear_error(&error);
    TenderPayment *after = get(id.c_str());
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->refunded, 0);
    if (r) {
        EXPECT_EQ(r->refunded, 0);
    }
    bool declined = false;
    for (guint i = 0; i < after->operations->len; i++) {
        auto *op = static_cast<TenderOperation *>(g_ptr_array_index(after->operations, i));
        if (op->raw_code && strcmp(op->raw_code, "-4") == 0)
            declined = true;
        EXPECT_EQ(op->message ? strstr(op->message, "not-the-merchant-key") : nullptr, nullptr);
    }
    EXPECT_TRUE(declined) << "WebMoney's retval -4 is kept as the raw code: " << refused;

    // A payment page paid now: its result (signed with the real key) and X18
    // (hash with the wrong key) both fail; nothing is taken as paid.
    TenderPayment *q = page_payment("11");
    ASSERT_NE(q, nullptr);
    ASSERT_TRUE(payer_pays(q));
    TenderPayment *s = sync(q->id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_REQUIRES_ACTION);
}

TEST_F(WebMoneySandbox, MissingSettingFailsCreateNamingIt)
{
    std::string settings = webmoney_settings;
    size_t at = settings.find("\"merchant_wmid\"");
    ASSERT_NE(at, std::string::npos);
    settings.replace(at, strlen("\"merchant_wmid\""), "\"merchant_wmid_x\"");
    stop();
    std::string config = config_with_webmoney_settings(settings);
    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, WEBMONEY_PLUGIN_DIR);
    test_ledger_set_options(options, ":memory:");
    tender_host_options_set_config_data(options, config.c_str());
    GError *error = nullptr;
    host = tender_host_new(options, &error);
    tender_host_options_free(options);
    ASSERT_NE(host, nullptr) << (error ? error->message : "");
    // The method is left out, and the host says why, naming the setting.
    const GPtrArray *refusals = tender_host_refusals(host);
    bool named = false;
    for (guint i = 0; i < refusals->len; i++) {
        auto *r = static_cast<const TenderRefusal *>(g_ptr_array_index(refusals, i));
        named = named || strstr(r->reason, "merchant_wmid") != nullptr;
    }
    EXPECT_TRUE(named);
    std::vector<tender_param> params = {{"purse", kPayerPurse}, {"wmid", kPayerWmid}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "webmoney";
    req.region = "US";
    req.currency = "USD";
    req.amount = "10";
    req.account = "wm-none";
    req.tier = "personal";
    req.params = params.data();
    req.n_params = params.size();
    TenderPayment *p = keep(tender_host_pay(host, &req, &error));
    EXPECT_EQ(p, nullptr) << "no webmoney method to pay with";
    g_clear_error(&error);
}

// Sandbox mode: `tender complete ID --param payer_action=pay` pays on
// tender-sandbox's page as the payer the purchase named, then asks X18.
// (With a result_url the pre-request would wait for the payment that
// complete_action holds: payer_action is for configs without one.)
TEST_F(WebMoneySandboxNoWebhooks, PayerActionPaysOnTheSandboxPage)
{
    TenderPayment *p = page_payment("6");
    ASSERT_NE(p, nullptr);
    tender_param pay_it[] = {{"payer_action", "pay"}};
    GError *error = nullptr;
    TenderPayment *done = keep(tender_host_complete(host, p->id, pay_it, 1, &error));
    ASSERT_NE(done, nullptr) << (error ? error->message : "");
    EXPECT_EQ(done->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(done->captured, 600);

    // From a purse without the funds, WebMoney refuses it on its page.
    TenderPayment *poor = pay("10", {{"purse", "Z000000000051"}, {"wmid", "000000000051"}});
    ASSERT_NE(poor, nullptr);
    TenderPayment *still = keep(tender_host_complete(host, poor->id, pay_it, 1, &error));
    g_clear_error(&error);
    ASSERT_NE(still, nullptr);
    EXPECT_EQ(still->status, TENDER_STATUS_REQUIRES_ACTION);
}

TEST_F(WebMoneySandbox, PassportLimitsComeFromThePolicy)
{
    // An alias passport may spend 100 USD a day (METHODS.md); the host's
    // policy refuses more before the plugin is called.
    TenderPayment *over = pay("150", {{"purse", kPayerPurse}, {"wmid", kPayerWmid}}, "alias");
    ASSERT_NE(over, nullptr);
    EXPECT_EQ(over->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(over->decline_code, (guint32)TENDER_DECLINE_LIMIT_EXCEEDED);
    TenderPayment *ok = pay("150", {{"purse", kPayerPurse}, {"wmid", kPayerWmid}}, "personal");
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(ok->status, TENDER_STATUS_REQUIRES_ACTION);
}

} // namespace
