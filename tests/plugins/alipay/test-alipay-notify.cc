// The built alipay.so receiving notifications signed the way Alipay signs
// them (../shared/METHODS.md, Alipay, "Signatures"), through its
// identify_notification and notification entries and the plugin harness.
// The plugin is configured with alipay_public_key = tests/keys/alipay-notify-
// public.pem; the test signs with the private half using its own OpenSSL
// code (alipay-test-util.cc), never the plugin's.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugin-harness.h"
#include <tender/decline.h>

#include "alipay-test-util.h"

namespace {

// "绿茶" (green tea) in GBK, and in UTF-8 (as the plugin keeps it).
const std::string GREEN_TEA_GBK = "\xc2\xcc\xb2\xe8";
const std::string GREEN_TEA_UTF8 = "\xe7\xbb\xbf\xe8\x8c\xb6";

std::string decline_name(const tender_result *r)
{
    return tender_decline_lookup(r->decline_code)->name;
}

class AlipayNotify : public ::testing::Test {
protected:
    TestPlugin *p = nullptr;
    std::string alipay_public = alipay_test_key("alipay-notify-public.pem");
    std::string app_private = alipay_test_key("alipay-app-private.pem");

    void SetUp() override
    {
        const char *settings[] = {"app_id", "9021000100000001", "app_private_key",
                                  app_private.c_str(), "alipay_public_key",
                                  alipay_public.c_str(), nullptr};
        char *err = nullptr;
        p = test_plugin_load(ALIPAY_SO, "alipay", settings, &err);
        ASSERT_NE(p, nullptr) << (err ? err : "");
        g_free(err);
    }
    void TearDown() override { test_plugin_free(p); }

    tender_request base(const std::string &state)
    {
        tender_request r = test_request(TENDER_OP_NOTIFICATION, 0, "CNY", 2);
        r.region = "CN";
        r.plugin_state = state.c_str();
        r.request_id = "req_notify";
        return r;
    }

    tender_result *identify(const std::string &body)
    {
        tender_request r = base("");
        r.payment_id = nullptr;
        r.body = body.c_str();
        r.body_len = body.size();
        return test_plugin_call(p, &r);
    }

    // A paid notification for out_trade_no with an empty-valued parameter
    // (`body`), signed as Alipay signs: every pair but sign and sign_type.
    Form paid(const char *out_trade_no = "pay_test_0001", const char *total = "12.50")
    {
        Form f = {{"gmt_create", "2026-03-01 18:00:00"},
                  {"charset", "utf-8"},
                  {"subject", "Green tea"},
                  {"body", ""},
                  {"notify_time", "2026-03-01 18:03:00"},
                  {"notify_type", "trade_status_sync"},
                  {"notify_id", "2026030100222180300012345678"},
                  {"app_id", "9021000100000001"},
                  {"version", "1.0"},
                  {"out_trade_no", out_trade_no},
                  {"total_amount", total},
                  {"trade_status", "TRADE_SUCCESS"},
                  {"sign_type", "RSA2"}};
        sign(f, false);
        return f;
    }

    static void sign(Form &f, bool keep_sign_type,
                     const char *key_file = "alipay-notify-private.pem")
    {
        form_erase(f, "sign");
        form_set(f, "sign", rsa2_sign(alipay_test_key(key_file),
                                      notification_signing_string(f, keep_sign_type)));
    }

    void expect_accepted(const Form &f, const char *what)
    {
        tender_result *r = identify(form_build(f));
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << what << ": " << r->message;
        EXPECT_STREQ(r->notify_payment_id, form_get(f, "out_trade_no")->c_str()) << what;
        EXPECT_STREQ(r->reply_body, "success") << what;
        g_free(r);
    }

    // Refused with security_check_failed, "failure" for Alipay, and a
    // message containing needle.
    void expect_refused(const Form &f, const char *what, const char *needle)
    {
        tender_result *r = identify(form_build(f));
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << what;
        EXPECT_EQ(decline_name(r), "security_check_failed") << what;
        EXPECT_STREQ(r->reply_body, "failure") << what;
        EXPECT_STREQ(r->notify_payment_id, "") << what;
        EXPECT_NE(std::string(r->message).find(needle), std::string::npos)
            << what << ": " << r->message;
        g_free(r);
    }
};

} // namespace

TEST_F(AlipayNotify, EmptyValuedParameterIsSigned)
{
    Form f = paid();
    ASSERT_NE(notification_signing_string(f, false).find("&body=&"), std::string::npos);
    expect_accepted(f, "empty body included");
    Form t = f;
    form_erase(t, "body");
    expect_refused(t, "empty parameter removed", "does not match");
}

TEST_F(AlipayNotify, SignTypeKeptVariantAndAbsentSignType)
{
    Form f = paid();
    sign(f, true);
    expect_accepted(f, "sign_type kept in the signed text");
    f = paid();
    form_erase(f, "sign_type");
    sign(f, false);
    expect_accepted(f, "no sign_type: RSA2");
}

TEST_F(AlipayNotify, GbkNotification)
{
    Form f = paid();
    form_set(f, "charset", "GBK");
    form_set(f, "subject", GREEN_TEA_GBK);
    sign(f, false);
    ASSERT_NE(form_build(f).find("subject=%C2%CC%B2%E8&"), std::string::npos);
    expect_accepted(f, "GBK");
    form_set(f, "charset", "Big5");
    sign(f, false);
    expect_refused(f, "Big5", "charset 'Big5' is not supported");
}

TEST_F(AlipayNotify, SignatureWithLineBreaks)
{
    Form f = paid();
    std::string flat = *form_get(f, "sign"), wrapped;
    for (size_t i = 0; i < flat.size(); i += 76)
        wrapped += flat.substr(i, 76) + "\r\n";
    form_set(f, "sign", wrapped);
    expect_accepted(f, "base64 wrapped at 76 columns");
}

TEST_F(AlipayNotify, TamperedWrongKeyAndUnsupportedSignTypeAreRefused)
{
    Form good = paid();
    expect_accepted(good, "the untouched notification");
    Form t = good;
    form_set(t, "total_amount", "0.10");
    expect_refused(t, "tampered amount", "does not match alipay_public_key");
    t = good;
    form_set(t, "body", "a body after all");
    expect_refused(t, "tampered empty value", "does not match alipay_public_key");
    t = good;
    sign(t, false, "alipay-platform-private.pem");
    expect_refused(t, "the sandbox platform's key", "does not match alipay_public_key");
    t = good;
    form_set(t, "sign_type", "RSA");
    sign(t, false);
    expect_refused(t, "sign_type RSA", "sign_type 'RSA' is not supported");
}

TEST_F(AlipayNotify, GbkNotificationWithEmptyValueCapturesTheTrade)
{
    // The whole path: a waiting trade (as purchase leaves it in the
    // payment's plugin_state), paid by a GBK notification carrying an empty
    // value and the sign_type-kept variant.
    std::string state = alipay_test_trade_state("pay_test_0001", 1250, 1772359200000);
    Form f = paid();
    form_set(f, "charset", "gbk");
    form_set(f, "subject", GREEN_TEA_GBK);
    sign(f, true);
    std::string body = form_build(f);
    tender_request n = base(state);
    n.payment_id = "pay_test_0001";
    n.body = body.c_str();
    n.body_len = body.size();
    tender_result *res = test_plugin_call(p, &n);
    EXPECT_EQ(res->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << res->message;
    EXPECT_EQ(res->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(res->amount, 1250);
    EXPECT_STREQ(res->reply_body, "success");
    g_free(res);
}
