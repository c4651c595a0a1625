// The WebMoney plugin through the public host API (<tender/tender.h>): a
// protected transfer released by its code, the merchant payment page
// finished by WebMoney's notifications (pre-request answered YES, the signed
// result applied once), refunds and expiry.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <glib.h>

#include <tender/tender.h>

namespace {

const gint64 kNow = 1772359200000; // 2026-03-01T10:00:00Z
const gint64 kDayMs = 86400LL * 1000;

class WebMoneyHost : public ::testing::Test {
protected:
    void SetUp() override
    {
        TenderHostOptions *options = tender_host_options_new();
        tender_host_options_add_plugin_dir(options, WEBMONEY_PLUGIN_DIR);
        tender_host_options_set_ledger(options, ":memory:");
        tender_host_options_set_fixed_now(options, kNow);
        GError *error = nullptr;
        host = tender_host_new(options, &error);
        tender_host_options_free(options);
        ASSERT_NE(host, nullptr) << (error ? error->message : "?");
        ASSERT_NE(tender_host_method(host, "webmoney"), nullptr)
            << "the webmoney plugin was not loaded from " << WEBMONEY_PLUGIN_DIR;
    }
    void TearDown() override { tender_host_free(host); }

    TenderPayment *pay(const char *amount, std::vector<tender_param> params,
                       const char *currency = "USD")
    {
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = "webmoney";
        req.region = "US";
        req.currency = currency;
        req.amount = amount;
        req.account = "buyer-1";
        req.tier = "personal";
        req.params = params.data();
        req.n_params = params.size();
        req.capture = TRUE;
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "?");
        g_clear_error(&error);
        return p;
    }

    TenderPayment *complete(const char *id, const char *code)
    {
        tender_param params[] = {{"protection_code", code}};
        GError *error = nullptr;
        TenderPayment *p = tender_host_complete(host, id, params, 1, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "?");
        g_clear_error(&error);
        return p;
    }

    // The sandbox notification for event, posted to tender_host_notify.
    TenderNotifyReply *deliver(const char *id, const char *event, GError **error,
                               std::string *body_out = nullptr)
    {
        char *headers = nullptr, *body = nullptr;
        GError *local = nullptr;
        EXPECT_TRUE(tender_host_sandbox_notification(host, id, event, &headers, &body, &local))
            << (local ? local->message : "?");
        g_clear_error(&local);
        if (body == nullptr)
            return nullptr;
        if (body_out)
            *body_out = body;
        TenderNotifyReply *reply = post(headers, body, error);
        g_free(headers);
        g_free(body);
        return reply;
    }

    TenderNotifyReply *post(const char *headers, const std::string &body, GError **error)
    {
        // "Name: value\n" lines into parameters.
        std::vector<std::string> names, values;
        char **lines = g_strsplit(headers ? headers : "", "\n", -1);
        for (char **l = lines; *l; l++) {
            char *colon = strchr(*l, ':');
            if (colon == nullptr)
                continue;
            names.emplace_back(*l, colon - *l);
            values.emplace_back(g_strstrip(colon + 1));
        }
        g_strfreev(lines);
        std::vector<tender_param> params;
        for (size_t i = 0; i < names.size(); i++)
            params.push_back({names[i].c_str(), values[i].c_str()});
        // The reply when accepted; when not, NULL with error set, and the
        // reply the provider would still be sent kept in refused_reply.
        TenderNotifyReply *reply = nullptr;
        if (tender_host_notify(host, "webmoney", params.data(), params.size(), body.c_str(),
                               body.size(), &reply, error))
            return reply;
        refused_reply.assign(reply ? reply->body : "(none)");
        refused_status = reply ? reply->status : 0;
        tender_notify_reply_free(reply);
        return nullptr;
    }

    std::string refused_reply;
    guint refused_status = 0;

    TenderPayment *get(const char *id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_get(host, id, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "?");
        g_clear_error(&error);
        return p;
    }

    TenderHost *host = nullptr;
};

std::vector<tender_param> protected_params(const char *code, const char *days = "3")
{
    return {{"purse", "Z123456789012"},
            {"wmid", "123456789012"},
            {"protection_days", days},
            {"protection_code", code}};
}

bool contains(const char *field, const char *needle)
{
    return field && strstr(field, needle);
}

TEST_F(WebMoneyHost, MethodFacts)
{
    const TenderMethodInfo *m = tender_host_method(host, "webmoney");
    EXPECT_STREQ(m->name, "WebMoney");
    EXPECT_TRUE(m->capabilities & TENDER_CAP_PURCHASE);
    EXPECT_FALSE(m->capabilities & TENDER_CAP_AUTHORIZE);
    EXPECT_EQ(m->action_timeout_seconds, 86400);
    ASSERT_NE(m->tiers, nullptr);
    EXPECT_EQ(g_strv_length(m->tiers), 5u);
    EXPECT_TRUE(m->has_fixtures);
}

TEST_F(WebMoneyHost, ProtectedTransferReleasedByItsCode)
{
    const char *code = "Host-Secret-Code-55";
    g_autoptr(TenderPayment) p = pay("25", protected_params(code));
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_PROTECTION_CODE);
    EXPECT_EQ(p->action_expires_ms, kNow + 3 * kDayMs);

    g_autoptr(TenderPayment) wrong = complete(p->id, "not-it");
    ASSERT_NE(wrong, nullptr);
    EXPECT_EQ(wrong->status, TENDER_STATUS_REQUIRES_ACTION);

    g_autoptr(TenderPayment) done = complete(p->id, code);
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(done->captured, 2500);

    // The code is nowhere in what the host kept.
    g_autoptr(TenderPayment) read = get(p->id);
    EXPECT_FALSE(contains(read->action_data, code));
    EXPECT_FALSE(contains(read->details, code));
    EXPECT_FALSE(contains(read->decline_message, code));
    for (guint i = 0; i < read->operations->len; i++) {
        auto *op = static_cast<TenderOperation *>(g_ptr_array_index(read->operations, i));
        EXPECT_FALSE(contains(op->message, code));
    }
}

TEST_F(WebMoneyHost, EightWrongCodesDecline)
{
    g_autoptr(TenderPayment) p = pay("10", protected_params("right"));
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    for (int i = 0; i < 7; i++) {
        TenderPayment *w = complete(p->id, "wrong");
        ASSERT_NE(w, nullptr);
        EXPECT_EQ(w->status, TENDER_STATUS_REQUIRES_ACTION) << i;
        tender_payment_free(w);
    }
    g_autoptr(TenderPayment) last = complete(p->id, "wrong");
    ASSERT_NE(last, nullptr);
    EXPECT_EQ(last->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(last->decline_code, (guint32)TENDER_DECLINE_SECURITY_CHECK_FAILED);
}

TEST_F(WebMoneyHost, ProtectionPeriodExpires)
{
    g_autoptr(TenderPayment) p = pay("10", protected_params("right", "1"));
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_host_set_now(host, kNow + kDayMs + 1);
    GError *error = nullptr;
    g_autoptr(TenderPayment) s = tender_host_sync(host, p->id, &error);
    ASSERT_NE(s, nullptr) << (error ? error->message : "?");
    EXPECT_EQ(s->status, TENDER_STATUS_EXPIRED);
}

TEST_F(WebMoneyHost, MerchantPageFinishedByNotifications)
{
    g_autoptr(TenderPayment) p = pay("10.5", {{"purse", "Z123456789012"},
                                             {"wmid", "123456789012"},
                                             {"description", "Order 7"}});
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_REDIRECT);
    EXPECT_TRUE(g_str_has_prefix(p->action_data, "https://merchant.web.money/lmi/payment_utf.asp?"));
    EXPECT_TRUE(contains(p->action_data, "LMI_PAYMENT_AMOUNT=10.5&"));

    GError *error = nullptr;
    TenderNotifyReply *pre = deliver(p->id, "prerequest", &error);
    ASSERT_NE(pre, nullptr) << (error ? error->message : "?");
    EXPECT_EQ(pre->status, 200u);
    EXPECT_STREQ(pre->body, "YES");
    tender_notify_reply_free(pre);
    g_autoptr(TenderPayment) still = get(p->id);
    EXPECT_EQ(still->status, TENDER_STATUS_REQUIRES_ACTION);

    std::string body;
    TenderNotifyReply *paid = deliver(p->id, "paid", &error, &body);
    ASSERT_NE(paid, nullptr) << (error ? error->message : "?");
    EXPECT_EQ(paid->status, 200u);
    EXPECT_STREQ(paid->payment_id, p->id);
    EXPECT_FALSE(paid->duplicate);
    tender_notify_reply_free(paid);
    g_autoptr(TenderPayment) captured = get(p->id);
    EXPECT_EQ(captured->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(captured->captured, 1050);

    // WebMoney repeats the notification: nothing changes.
    TenderNotifyReply *again = deliver(p->id, "paid", &error);
    ASSERT_NE(again, nullptr) << (error ? error->message : "?");
    EXPECT_TRUE(again->duplicate);
    tender_notify_reply_free(again);
    g_autoptr(TenderPayment) same = get(p->id);
    EXPECT_EQ(same->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(same->captured, 1050);

    // A forged copy (amount changed after signing) is rejected.
    std::string forged = body;
    size_t at = forged.find("LMI_PAYMENT_AMOUNT=10.5");
    ASSERT_NE(at, std::string::npos);
    forged.replace(at, strlen("LMI_PAYMENT_AMOUNT=10.5"), "LMI_PAYMENT_AMOUNT=0.5");
    TenderNotifyReply *bad =
        post("Content-Type: application/x-www-form-urlencoded\n", forged, &error);
    EXPECT_EQ(bad, nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_REJECTED));
    EXPECT_NE(refused_reply, "(none)") << "the plugin's failure reply reaches the caller";
    EXPECT_NE(refused_reply, "YES");
    g_clear_error(&error);
    if (bad)
        tender_notify_reply_free(bad);

    // Refunds: partial, then the rest; never more than was paid.
    g_autoptr(TenderPayment) part = tender_host_refund(host, p->id, "3", nullptr, &error);
    ASSERT_NE(part, nullptr) << (error ? error->message : "?");
    EXPECT_EQ(part->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(part->refunded, 300);
    TenderPayment *over = tender_host_refund(host, p->id, "8", nullptr, &error);
    EXPECT_EQ(over, nullptr);
    g_clear_error(&error);
    if (over)
        tender_payment_free(over);
    g_autoptr(TenderPayment) rest = tender_host_refund(host, p->id, nullptr, nullptr, &error);
    ASSERT_NE(rest, nullptr) << (error ? error->message : "?");
    EXPECT_EQ(rest->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(rest->refunded, 1050);
}

TEST_F(WebMoneyHost, PassportLimitsComeFromThePolicy)
{
    // An alias passport may spend 100 USD a day (METHODS.md); the host's
    // policy refuses more before the plugin is called.
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    std::vector<tender_param> params = {{"purse", "Z123456789012"}, {"wmid", "123456789012"}};
    req.method = "webmoney";
    req.region = "US";
    req.currency = "USD";
    req.amount = "150";
    req.account = "alias-buyer";
    req.tier = "alias";
    req.params = params.data();
    req.n_params = params.size();
    req.capture = TRUE;
    GError *error = nullptr;
    g_autoptr(TenderPayment) p = tender_host_pay(host, &req, &error);
    ASSERT_NE(p, nullptr) << (error ? error->message : "?");
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_LIMIT_EXCEEDED);

    req.tier = "personal"; // no limit for personal passports
    req.account = "personal-buyer";
    g_autoptr(TenderPayment) ok = tender_host_pay(host, &req, &error);
    ASSERT_NE(ok, nullptr) << (error ? error->message : "?");
    EXPECT_EQ(ok->status, TENDER_STATUS_REQUIRES_ACTION);
}

TEST_F(WebMoneyHost, SandboxDeclines)
{
    g_autoptr(TenderPayment) funds = pay("10", {{"purse", "Z000000000051"},
                                                {"wmid", "123456789012"}});
    ASSERT_NE(funds, nullptr);
    EXPECT_EQ(funds->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(funds->decline_code, (guint32)TENDER_DECLINE_INSUFFICIENT_FUNDS);
    EXPECT_STREQ(funds->decline_raw_code, "17");

    g_autoptr(TenderPayment) blocked = pay("10", {{"purse", "Z123456789012"},
                                                  {"wmid", "000000000062"}});
    ASSERT_NE(blocked, nullptr);
    EXPECT_EQ(blocked->decline_code, (guint32)TENDER_DECLINE_RESTRICTED);

    g_autoptr(TenderPayment) mismatch = pay("10", {{"purse", "E123456789012"},
                                                   {"wmid", "123456789012"}});
    ASSERT_NE(mismatch, nullptr);
    EXPECT_EQ(mismatch->decline_code, (guint32)TENDER_DECLINE_INVALID_ACCOUNT);
}

} // namespace
