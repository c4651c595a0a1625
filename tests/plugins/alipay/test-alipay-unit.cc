// Unit tests of the alipay plugin's building blocks, compiled from its
// sources: the RSA2 signing string and signatures, the form and JSON
// encodings, timeout_express, and the bounded trade state.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "alipay-gateway.h"
#include "alipay-json.h"
#include "alipay-params.h"
#include "alipay-rsa2.h"
#include "alipay-time.h"
#include "alipay-trade.h"
#include <tender/plugin.h>
}
#include <glib.h>

#include "alipay-test-util.h"

namespace {

std::string take(char *s)
{
    std::string out = s ? s : "";
    g_free(s);
    return out;
}

struct Keys {
    EVP_PKEY *app_private = nullptr, *app_public = nullptr;
    EVP_PKEY *platform_private = nullptr, *platform_public = nullptr;
    Keys()
    {
        char err[256];
        app_private = alipay_rsa2_load_private(alipay_test_key("alipay-app-private.pem").c_str(),
                                               "app", err, sizeof err);
        app_public = alipay_rsa2_load_public(alipay_test_key("alipay-app-public.pem").c_str(),
                                             "app", err, sizeof err);
        platform_private = alipay_rsa2_load_private(
            alipay_test_key("alipay-platform-private.pem").c_str(), "platform", err, sizeof err);
        platform_public = alipay_rsa2_load_public(
            alipay_test_key("alipay-platform-public.pem").c_str(), "platform", err, sizeof err);
    }
    ~Keys()
    {
        EVP_PKEY_free(app_private);
        EVP_PKEY_free(app_public);
        EVP_PKEY_free(platform_private);
        EVP_PKEY_free(platform_public);
    }
};

AlipayParams *sample_notification()
{
    AlipayParams *p = alipay_params_new();
    alipay_params_set(p, "notify_time", "2026-03-01 18:05:00");
    alipay_params_set(p, "notify_type", "trade_status_sync");
    alipay_params_set(p, "notify_id", "abc123");
    alipay_params_set(p, "app_id", "9021000100000001");
    alipay_params_set(p, "charset", "utf-8");
    alipay_params_set(p, "version", "1.0");
    alipay_params_set(p, "out_trade_no", "pay_1");
    alipay_params_set(p, "trade_no", "2026030122001123456789012345");
    alipay_params_set(p, "trade_status", "TRADE_SUCCESS");
    alipay_params_set(p, "total_amount", "12.50");
    alipay_params_set(p, "subject", "Tea & cakes = 2/3 off");
    alipay_params_set(p, "body", "");
    return p;
}

// The plugin's notification verifier, with its reason dropped.
bool verify_notification(EVP_PKEY *key, const AlipayParams *p)
{
    char why[160];
    return alipay_rsa2_verify_notification(key, p, why, sizeof why) == 1;
}

} // namespace

TEST(AlipaySigningString, RequestSortedByNameEmptyAndSignLeftOut)
{
    AlipayParams *p = alipay_params_new();
    alipay_params_set(p, "zeta", "1");
    alipay_params_set(p, "sign", "XXXX");
    alipay_params_set(p, "alpha", "a b");
    alipay_params_set(p, "empty", "");
    alipay_params_set(p, "sign_type", "RSA2");
    alipay_params_set(p, "Beta", "B");
    alipay_params_set(p, "alpha_2", "x");
    // Byte order: upper case before lower case, '_' after letters' prefix.
    EXPECT_EQ(take(alipay_params_request_signing_string(p)),
              "Beta=B&alpha=a b&alpha_2=x&sign_type=RSA2&zeta=1");
    alipay_params_free(p);
}

TEST(AlipaySigningString, NotificationKeepsEmptyValuesAndLeavesOutSignType)
{
    AlipayParams *p = alipay_params_new();
    alipay_params_set(p, "zeta", "1");
    alipay_params_set(p, "sign", "XXXX");
    alipay_params_set(p, "alpha", "a b");
    alipay_params_set(p, "empty", "");
    alipay_params_set(p, "sign_type", "RSA2");
    alipay_params_set(p, "Beta", "B");
    EXPECT_EQ(take(alipay_params_notification_signing_string(p, 0)),
              "Beta=B&alpha=a b&empty=&zeta=1");
    EXPECT_EQ(take(alipay_params_notification_signing_string(p, 1)),
              "Beta=B&alpha=a b&empty=&sign_type=RSA2&zeta=1");
    alipay_params_free(p);
}

TEST(AlipaySigningString, ValuesAreRawNotEncoded)
{
    AlipayParams *p = alipay_params_new();
    alipay_params_set(p, "subject", "Tea & cakes = 50%");
    alipay_params_set(p, "biz_content", "{\"a\":\"b\"}");
    EXPECT_EQ(take(alipay_params_request_signing_string(p)),
              "biz_content={\"a\":\"b\"}&subject=Tea & cakes = 50%");
    EXPECT_EQ(take(alipay_params_notification_signing_string(p, 0)),
              "biz_content={\"a\":\"b\"}&subject=Tea & cakes = 50%");
    alipay_params_free(p);
}

TEST(AlipaySigningString, MatchesIndependentImplementation)
{
    AlipayParams *p = sample_notification();
    Form f;
    for (size_t i = 0; i < alipay_params_count(p); i++)
        f.emplace_back(alipay_params_key(p, i), alipay_params_value(p, i));
    EXPECT_EQ(take(alipay_params_request_signing_string(p)), request_signing_string(f));
    EXPECT_EQ(take(alipay_params_notification_signing_string(p, 0)),
              notification_signing_string(f, false));
    EXPECT_EQ(take(alipay_params_notification_signing_string(p, 1)),
              notification_signing_string(f, true));
    alipay_params_free(p);
}

TEST(AlipayRsa2, KnownVectorWithTestKey)
{
    // PKCS#1 v1.5 signatures are deterministic. Expected value made with
    //   openssl dgst -sha256 -sign tests/keys/alipay-app-private.pem | base64 -w0
    const char *data =
        "app_id=9021000100000001&biz_content={\"out_trade_no\":\"pay_1\",\"total_amount\":"
        "\"12.50\"}&charset=utf-8&method=alipay.trade.query&sign_type=RSA2&timestamp=2026-03-01 "
        "18:00:00&version=1.0";
    const char *expected =
        "YL+QKiVfNh2ms2qD6WeLjZ/XuzJQ4PYbnKg2MhIX0dp6Z4J+wWxL32n0UboBGozfyNdpajDTs9jPK+fVkw+h3Z7I"
        "NVp5SZ1/4eOyj7w5BHMJzAnSfLMb5wiwBeMqHb5wI5TmsQjLEKFMKqcihXb7Ri5NmAzNRL3FHo2j2YQk1W+38jIG"
        "8fhUN/23hGVloKhuhLhiCJLYpyBCmvoPBAodoyNzTRceHmjG6y0bxSIqIL2EG6d3G/oG1VdF9bs5o7v84x7ljKfj"
        "UY+X9rV/d0MB+PLqmsBnpbZ0Ba+vgIqn2VgrXL+ttNY0XNsECygbgrMGYvQznThrNA3rIv/eFfYjyg==";
    Keys k;
    ASSERT_NE(k.app_private, nullptr);
    EXPECT_EQ(take(alipay_rsa2_sign(k.app_private, data)), expected);
    EXPECT_TRUE(alipay_rsa2_verify(k.app_public, data, expected));

    // The same request built as a parameter set signs to the same value.
    AlipayParams *p = alipay_params_new();
    alipay_params_set(p, "method", "alipay.trade.query");
    alipay_params_set(p, "app_id", "9021000100000001");
    alipay_params_set(p, "version", "1.0");
    alipay_params_set(p, "charset", "utf-8");
    alipay_params_set(p, "timestamp", "2026-03-01 18:00:00");
    alipay_params_set(p, "notify_url", "");
    alipay_params_set(p, "biz_content", "{\"out_trade_no\":\"pay_1\",\"total_amount\":\"12.50\"}");
    ASSERT_TRUE(alipay_rsa2_sign_request(k.app_private, p));
    EXPECT_STREQ(alipay_params_get(p, "sign"), expected);
    EXPECT_STREQ(alipay_params_get(p, "sign_type"), "RSA2");
    EXPECT_TRUE(alipay_rsa2_verify_request(k.app_public, p));
    alipay_params_free(p);
}

TEST(AlipayRsa2, NotificationRoundTripAndEveryTamperFails)
{
    Keys k;
    AlipayParams *p = sample_notification();
    ASSERT_TRUE(alipay_rsa2_sign_notification(k.platform_private, p));
    EXPECT_TRUE(verify_notification(k.platform_public, p));
    // The independent implementation agrees.
    Form f;
    for (size_t i = 0; i < alipay_params_count(p); i++)
        f.emplace_back(alipay_params_key(p, i), alipay_params_value(p, i));
    EXPECT_TRUE(rsa2_verify(alipay_test_key("alipay-platform-public.pem"),
                            notification_signing_string(f, false), *form_get(f, "sign")));

    // Changing any signed parameter breaks the signature.
    for (size_t i = 0; i < alipay_params_count(p); i++) {
        std::string key = alipay_params_key(p, i);
        if (key == "sign" || key == "sign_type")
            continue;
        std::string old = alipay_params_value(p, i);
        alipay_params_set(p, key.c_str(), (old + "0").c_str());
        EXPECT_FALSE(verify_notification(k.platform_public, p)) << key;
        alipay_params_set(p, key.c_str(), old.c_str());
    }
    EXPECT_TRUE(verify_notification(k.platform_public, p));

    // The amount in particular.
    alipay_params_set(p, "total_amount", "1250.00");
    EXPECT_FALSE(verify_notification(k.platform_public, p));
    alipay_params_set(p, "total_amount", "12.50");

    // Adding a parameter breaks it, an empty one too: empty values are signed.
    AlipayParams *more = alipay_params_new();
    for (size_t i = 0; i < alipay_params_count(p); i++)
        alipay_params_set(more, alipay_params_key(p, i), alipay_params_value(p, i));
    alipay_params_set(more, "refund_fee", "12.50");
    EXPECT_FALSE(verify_notification(k.platform_public, more));
    alipay_params_set(more, "refund_fee", "");
    EXPECT_FALSE(verify_notification(k.platform_public, more));
    alipay_params_free(more);

    // sign_type is outside a notification's signature, but must say RSA2.
    alipay_params_set(p, "sign_type", "RSA");
    EXPECT_FALSE(verify_notification(k.platform_public, p));
    alipay_params_set(p, "sign_type", "RSA2");
    EXPECT_TRUE(verify_notification(k.platform_public, p));

    // Signed by someone else, or verified with the wrong key.
    EXPECT_FALSE(verify_notification(k.app_public, p));
    std::string good = alipay_params_get(p, "sign");
    ASSERT_TRUE(alipay_rsa2_sign_notification(k.app_private, p));
    EXPECT_FALSE(verify_notification(k.platform_public, p));
    // A damaged signature, or not base64 at all.
    std::string bad = good;
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    alipay_params_set(p, "sign", bad.c_str());
    EXPECT_FALSE(verify_notification(k.platform_public, p));
    alipay_params_set(p, "sign", "not base64!");
    EXPECT_FALSE(verify_notification(k.platform_public, p));
    alipay_params_set(p, "sign", "");
    EXPECT_FALSE(verify_notification(k.platform_public, p));
    alipay_params_free(p);
}

TEST(AlipayRsa2, RequestSignatureCoversSignType)
{
    Keys k;
    AlipayParams *p = sample_notification();
    ASSERT_TRUE(alipay_rsa2_sign_request(k.app_private, p));
    EXPECT_TRUE(alipay_rsa2_verify_request(k.app_public, p));
    // A request's signing string includes sign_type (Alipay's gateway rule).
    Form f;
    for (size_t i = 0; i < alipay_params_count(p); i++)
        f.emplace_back(alipay_params_key(p, i), alipay_params_value(p, i));
    EXPECT_TRUE(rsa2_verify(alipay_test_key("alipay-app-public.pem"), request_signing_string(f),
                            *form_get(f, "sign")));
    // ...and leaves out the empty "body" a notification's signature covers.
    EXPECT_FALSE(rsa2_verify(alipay_test_key("alipay-app-public.pem"),
                             notification_signing_string(f, true), *form_get(f, "sign")));
    EXPECT_FALSE(rsa2_verify(alipay_test_key("alipay-app-public.pem"),
                             notification_signing_string(f, false), *form_get(f, "sign")));
    alipay_params_free(p);
}

TEST(AlipayRsa2, KeyLoading)
{
    char err[256] = "";
    // Bare base64, as Alipay's console shows keys.
    std::string body = alipay_test_pem_body(alipay_test_key("alipay-app-public.pem"));
    EVP_PKEY *k = alipay_rsa2_load_public(body.c_str(), "setting 'x'", err, sizeof err);
    EXPECT_NE(k, nullptr) << err;
    EVP_PKEY_free(k);
    body = alipay_test_pem_body(alipay_test_key("alipay-app-private.pem"));
    k = alipay_rsa2_load_private(body.c_str(), "setting 'x'", err, sizeof err);
    EXPECT_NE(k, nullptr) << err;
    EVP_PKEY_free(k);

    EXPECT_EQ(alipay_rsa2_load_public("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                      "setting 'alipay_public_key'", err, sizeof err),
              nullptr);
    EXPECT_NE(std::string(err).find("alipay_public_key"), std::string::npos) << err;
    EXPECT_EQ(alipay_rsa2_load_public("garbage", "k", err, sizeof err), nullptr);
    EXPECT_EQ(alipay_rsa2_load_public("", "k", err, sizeof err), nullptr);
    EXPECT_EQ(alipay_rsa2_load_private("-----BEGIN PRIVATE KEY-----\n", "k", err, sizeof err),
              nullptr);
    // A public key is not a private key.
    EXPECT_EQ(alipay_rsa2_load_private(alipay_test_key("alipay-app-public.pem").c_str(), "k", err,
                                       sizeof err),
              nullptr);
    // RSA2 means RSA of 2048 bits or more.
    EXPECT_EQ(alipay_rsa2_load_private(alipay_test_key("alipay-weak-1024-private.pem").c_str(),
                                       "setting 'app_private_key'", err, sizeof err),
              nullptr);
    EXPECT_NE(std::string(err).find("2048"), std::string::npos) << err;
    EXPECT_EQ(alipay_rsa2_load_private(alipay_test_key("alipay-ec-private.pem").c_str(),
                                       "setting 'app_private_key'", err, sizeof err),
              nullptr);
    EXPECT_NE(std::string(err).find("not an RSA key"), std::string::npos) << err;
}

TEST(AlipayForm, DecodesPercentAndPlus)
{
    const char body[] = "a=1+2&b=%E6%94%AF%E4%BB%98%E5%AE%9D&c=x%26y%3Dz&d=";
    char err[128];
    AlipayParams *p = alipay_params_from_form(body, strlen(body), err, sizeof err);
    ASSERT_NE(p, nullptr) << err;
    EXPECT_STREQ(alipay_params_get(p, "a"), "1 2");
    EXPECT_STREQ(alipay_params_get(p, "b"), "\xe6\x94\xaf\xe4\xbb\x98\xe5\xae\x9d");
    EXPECT_STREQ(alipay_params_get(p, "c"), "x&y=z");
    EXPECT_STREQ(alipay_params_get(p, "d"), "");
    // Encoding and decoding again gives the same set.
    std::string again = take(alipay_params_to_form(p));
    AlipayParams *q = alipay_params_from_form(again.c_str(), again.size(), err, sizeof err);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(take(alipay_params_notification_signing_string(p, 0)),
              take(alipay_params_notification_signing_string(q, 0)));
    alipay_params_free(p);
    alipay_params_free(q);
}

TEST(AlipayForm, RefusesMalformedBodies)
{
    const char *bad[] = {"", "a", "=1", "a=%zz", "a=%4", "a=1&a=2", "a=%00", "a=%FF%FE", nullptr};
    for (size_t i = 0; bad[i]; i++) {
        char err[128] = "";
        AlipayParams *p = alipay_params_from_form(bad[i], strlen(bad[i]), err, sizeof err);
        EXPECT_EQ(p, nullptr) << bad[i];
        EXPECT_NE(err[0], '\0') << bad[i];
        alipay_params_free(p);
    }
}

TEST(AlipayJson, RoundTripAndEscapes)
{
    AlipayParams *p = alipay_params_new();
    alipay_params_set(p, "subject", "say \"hi\"\\ \n tab\t");
    alipay_params_set(p, "total_amount", "12.50");
    std::string json = take(alipay_json_from_params(p));
    AlipayParams *q = alipay_json_to_params(json.c_str());
    ASSERT_NE(q, nullptr) << json;
    EXPECT_STREQ(alipay_params_get(q, "subject"), "say \"hi\"\\ \n tab\t");
    alipay_params_free(p);
    alipay_params_free(q);

    q = alipay_json_to_params(" {\"a\": 12.5, \"b\": [1, {\"c\": \"]\"}], \"d\": null, \"e\": \"\\u652f\"} ");
    ASSERT_NE(q, nullptr);
    EXPECT_STREQ(alipay_params_get(q, "a"), "12.5");
    EXPECT_STREQ(alipay_params_get(q, "b"), "[1, {\"c\": \"]\"}]");
    EXPECT_STREQ(alipay_params_get(q, "e"), "\xe6\x94\xaf");
    alipay_params_free(q);
    const char *bad[] = {"", "[]", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\":1}x", "{\"a\":1,\"a\":2}",
                         "{\"a\":\"\\ud800\"}", nullptr};
    for (size_t i = 0; bad[i]; i++)
        EXPECT_EQ(alipay_json_to_params(bad[i]), nullptr) << bad[i];
}

TEST(AlipayTimeout, WholeUnitsFromOneMinuteToFifteenDays)
{
    int64_t m = -1;
    EXPECT_TRUE(alipay_timeout_parse("1m", &m));
    EXPECT_EQ(m, 1);
    EXPECT_TRUE(alipay_timeout_parse("15d", &m));
    EXPECT_EQ(m, 15 * 24 * 60);
    EXPECT_TRUE(alipay_timeout_parse("2h", &m));
    EXPECT_EQ(m, 120);
    EXPECT_TRUE(alipay_timeout_parse("90m", &m));
    EXPECT_EQ(m, 90);
    EXPECT_TRUE(alipay_timeout_parse("360h", &m));
    EXPECT_TRUE(alipay_timeout_parse("21600m", &m));
    EXPECT_TRUE(alipay_timeout_parse("1c", &m));
    EXPECT_EQ(m, 0);
    const char *bad[] = {"0m", "16d", "1.5h", "90s", "", "m", "15", "-1m", "01m", "1 m", "1M",
                         "21601m", "361h", "2c", "999999999999d", "1mm", nullptr};
    for (size_t i = 0; bad[i]; i++)
        EXPECT_FALSE(alipay_timeout_parse(bad[i], &m)) << bad[i];
    EXPECT_FALSE(alipay_timeout_parse(nullptr, &m));
}

TEST(AlipayTimeout, DeadlinesAndBeijingTime)
{
    const int64_t t0 = 1772359200000; // 2026-03-01T10:00:00Z = 18:00 in Beijing
    EXPECT_EQ(alipay_timeout_deadline("15m", t0), t0 + 15 * 60 * 1000);
    EXPECT_EQ(alipay_timeout_deadline("15d", t0), t0 + 15LL * 86400 * 1000);
    // 1c: the next Beijing midnight, 16:00Z the same day.
    EXPECT_EQ(alipay_timeout_deadline("1c", t0), t0 + 6LL * 3600 * 1000);
    char text[32];
    alipay_beijing_time(t0, text, sizeof text);
    EXPECT_STREQ(text, "2026-03-01 18:00:00");
    alipay_beijing_date(t0 + 6LL * 3600 * 1000, text, sizeof text);
    EXPECT_STREQ(text, "20260302");
}

TEST(AlipayTrade, StateRoundTripAndBound)
{
    AlipayTrade t;
    memset(&t, 0, sizeof t);
    snprintf(t.out_trade_no, sizeof t.out_trade_no, "%s", std::string(64, 'p').c_str());
    snprintf(t.trade_no, sizeof t.trade_no, "2026030122001123456789012345");
    snprintf(t.status, sizeof t.status, ALIPAY_TRADE_SUCCESS);
    t.total = 30000000;
    t.created_ms = 1772359200000;
    t.deadline_ms = t.created_ms + 1296000000;
    t.paid_ms = t.created_ms + 1;
    snprintf(t.timeout, sizeof t.timeout, "21600m");
    snprintf(t.product, sizeof t.product, "page");
    // The worst action URL and pending refund number: every byte encoded.
    snprintf(t.action, sizeof t.action, "%s", std::string(ALIPAY_ACTION_MAX - 1, '/').c_str());
    snprintf(t.pending_refund, sizeof t.pending_refund, "%s", std::string(64, '&').c_str());
    t.pending_amount = 29999999;
    // The worst subject: every byte percent-encoded in the state.
    std::string subject;
    for (int i = 0; i < ALIPAY_SUBJECT_KEEP / 3; i++)
        subject += "\xe6\x94\xaf";
    snprintf(t.subject, sizeof t.subject, "%s", subject.c_str());
    for (int i = 0; i < ALIPAY_MAX_REFUNDS; i++) {
        std::string no = "refund-request-" + std::to_string(i);
        ASSERT_TRUE(alipay_trade_refund_add(&t, no.c_str(), 10000000 + i));
    }
    EXPECT_FALSE(alipay_trade_refund_add(&t, "one-more", 1));
    EXPECT_EQ(alipay_trade_refund_count(&t), ALIPAY_MAX_REFUNDS);
    t.refunded = 29999999;
    for (int i = 0; i < ALIPAY_MAX_NOTIFY_IDS + 5; i++)
        alipay_trade_notify_add(&t, ("notify-" + std::to_string(i)).c_str());

    char state[TENDER_RESULT_STATE_MAX];
    ASSERT_TRUE(alipay_trade_save(&t, state, sizeof state));
    EXPECT_LT(strlen(state), 3800u) << "worst-case state size";

    AlipayTrade u;
    ASSERT_TRUE(alipay_trade_load(&u, state));
    EXPECT_STREQ(u.out_trade_no, t.out_trade_no);
    EXPECT_STREQ(u.subject, t.subject);
    EXPECT_STREQ(u.action, t.action);
    EXPECT_STREQ(u.pending_refund, t.pending_refund);
    EXPECT_EQ(u.pending_amount, t.pending_amount);
    EXPECT_EQ(u.total, t.total);
    EXPECT_EQ(u.refunded, t.refunded);
    EXPECT_EQ(alipay_trade_refund_lookup(&u, "refund-request-7"), 10000007);
    EXPECT_EQ(alipay_trade_refund_lookup(&u, "refund-request-99"), -1);
    // Only the last ALIPAY_MAX_NOTIFY_IDS ids are kept.
    EXPECT_TRUE(alipay_trade_notify_seen(&u, "notify-20"));
    EXPECT_TRUE(alipay_trade_notify_seen(&u, "notify-5"));
    EXPECT_FALSE(alipay_trade_notify_seen(&u, "notify-4"));

    EXPECT_FALSE(alipay_trade_load(&u, ""));
    EXPECT_FALSE(alipay_trade_load(&u, "v=1&otn=x&st=BOGUS&tot=5"));
    EXPECT_FALSE(alipay_trade_load(&u, "v=1&otn=x&st=WAIT_BUYER_PAY&tot=5&ref=6"));
    EXPECT_FALSE(alipay_trade_load(&u, "card=1"));
}

// alipay_json_to_params on json-glib: values that are not strings keep their
// exact text wherever the parser stands (last member, before a ',', across
// lines), and a name repeated in a nested object is refused too.
TEST(AlipayJson, ExactTextOfNonStringsAcrossLines)
{
    AlipayParams *q = alipay_json_to_params("{\"n\" : 1e2 ,\n \"s\": \"a,b}\",\n"
                                            "  \"o\": {\"k\": [true,\n null]},\n"
                                            "\"z\":null}");
    ASSERT_NE(q, nullptr);
    EXPECT_STREQ(alipay_params_get(q, "n"), "1e2");
    EXPECT_STREQ(alipay_params_get(q, "s"), "a,b}");
    EXPECT_STREQ(alipay_params_get(q, "o"), "{\"k\": [true,\n null]}");
    EXPECT_STREQ(alipay_params_get(q, "z"), "null");
    ASSERT_EQ(alipay_params_count(q), 4u);
    EXPECT_STREQ(alipay_params_key(q, 0), "n");
    EXPECT_STREQ(alipay_params_key(q, 3), "z");
    alipay_params_free(q);
    q = alipay_json_to_params("{\"a\":-0.5}");
    ASSERT_NE(q, nullptr);
    EXPECT_STREQ(alipay_params_get(q, "a"), "-0.5");
    alipay_params_free(q);
    EXPECT_EQ(alipay_json_to_params("{\"a\":{\"b\":1,\"b\":2}}"), nullptr);
    // The same name in two objects is no repeat.
    q = alipay_json_to_params("{\"a\":[{\"b\":1},{\"b\":2}]}");
    EXPECT_NE(q, nullptr);
    alipay_params_free(q);
}

// ---- gateway answers -----------------------------------------------------------

namespace {

// An answer body as Alipay writes it: the member's text, then the platform
// key's signature over exactly that text.
std::string signed_answer(const std::string &name, const std::string &member,
                          const char *key_file = "alipay-platform-private.pem",
                          const std::string &between = ",")
{
    std::string sign = rsa2_sign(alipay_test_key(key_file), member);
    return "{\"" + name + "\":" + member + between + "\"sign\":\"" + sign + "\"}";
}

struct Answer {
    AlipayReply reply = {};
    Answer(const char *method, const std::string &body)
    {
        Keys keys;
        alipay_gateway_read_answer(method, body.c_str(), body.size(), keys.platform_public,
                                   &reply);
    }
    ~Answer() { alipay_reply_clear(&reply); }
};

const std::string QR_MEMBER = "{\"code\":\"10000\",\"msg\":\"Success\",\"out_trade_no\":\"o-1\","
                              "\"qr_code\":\"https:\\/\\/qr.alipay.com\\/bax01\"}";

} // namespace

TEST(AlipayGateway, VerifiesTheExactTextOfTheResponseMember)
{
    Answer a("alipay.trade.precreate",
             signed_answer("alipay_trade_precreate_response", QR_MEMBER));
    ASSERT_EQ(a.reply.kind, ALIPAY_REPLY_ANSWER) << a.reply.message;
    EXPECT_TRUE(alipay_reply_ok(&a.reply));
    EXPECT_STREQ(alipay_reply_field(&a.reply, "qr_code"), "https://qr.alipay.com/bax01");
    // Whitespace around the member, as a pretty-printing gateway might send.
    Answer spaced("alipay.trade.precreate",
                  signed_answer("alipay_trade_precreate_response", QR_MEMBER,
                                "alipay-platform-private.pem", " ,\n "));
    EXPECT_EQ(spaced.reply.kind, ALIPAY_REPLY_ANSWER) << spaced.reply.message;
}

TEST(AlipayGateway, ReserialisedTamperedUnsignedOrForeignAnswersAreNotBelieved)
{
    // Signed over the unescaped text: what a re-serialising client would
    // check, and not what was sent.
    std::string unescaped = QR_MEMBER;
    for (size_t at; (at = unescaped.find("\\/")) != std::string::npos;)
        unescaped.erase(at, 1);
    std::string sign = rsa2_sign(alipay_test_key("alipay-platform-private.pem"), unescaped);
    Answer reser("alipay.trade.precreate",
                 "{\"alipay_trade_precreate_response\":" + QR_MEMBER + ",\"sign\":\"" + sign +
                     "\"}");
    EXPECT_EQ(reser.reply.kind, ALIPAY_REPLY_UNKNOWN);
    std::string body = signed_answer("alipay_trade_precreate_response", QR_MEMBER);
    std::string tampered = body;
    tampered.replace(tampered.find("o-1"), 3, "o-2");
    Answer t("alipay.trade.precreate", tampered);
    EXPECT_EQ(t.reply.kind, ALIPAY_REPLY_UNKNOWN);
    EXPECT_EQ(alipay_reply_field(&t.reply, "qr_code"), nullptr);
    Answer unsigned_ok("alipay.trade.precreate",
                       "{\"alipay_trade_precreate_response\":" + QR_MEMBER + "}");
    EXPECT_EQ(unsigned_ok.reply.kind, ALIPAY_REPLY_UNKNOWN);
    EXPECT_NE(std::string(unsigned_ok.reply.message).find("not signed"), std::string::npos);
    Answer foreign("alipay.trade.precreate",
                   signed_answer("alipay_trade_precreate_response", QR_MEMBER,
                                 "alipay-app-private.pem"));
    EXPECT_EQ(foreign.reply.kind, ALIPAY_REPLY_UNKNOWN);
    // Another method's member, garbage, an empty body.
    Answer other("alipay.trade.query", body);
    EXPECT_EQ(other.reply.kind, ALIPAY_REPLY_UNKNOWN);
    Answer garbage("alipay.trade.query", "<html>busy</html>");
    EXPECT_EQ(garbage.reply.kind, ALIPAY_REPLY_UNKNOWN);
    Answer empty("alipay.trade.query", "");
    EXPECT_EQ(empty.reply.kind, ALIPAY_REPLY_UNKNOWN);
}

TEST(AlipayGateway, RefusalsAreReadWithTheirCodes)
{
    Answer refused("alipay.trade.refund",
                   signed_answer("alipay_trade_refund_response",
                                 "{\"code\":\"40004\",\"msg\":\"Business Failed\",\"sub_code\":"
                                 "\"ACQ.REFUND_AMT_NOT_EQUAL_TOTAL\",\"sub_msg\":\"too much\"}"));
    ASSERT_EQ(refused.reply.kind, ALIPAY_REPLY_ANSWER) << refused.reply.message;
    EXPECT_FALSE(alipay_reply_ok(&refused.reply));
    EXPECT_STREQ(refused.reply.code, "40004");
    EXPECT_STREQ(refused.reply.sub_code, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL");
    // The gateway cannot sign for an app it does not know: that refusal
    // alone is believed unsigned.
    Answer app("alipay.trade.query",
               "{\"alipay_trade_query_response\":{\"code\":\"40002\",\"msg\":\"Invalid "
               "Arguments\",\"sub_code\":\"isv.invalid-app-id\",\"sub_msg\":\"no such app\"}}");
    ASSERT_EQ(app.reply.kind, ALIPAY_REPLY_ANSWER) << app.reply.message;
    EXPECT_STREQ(app.reply.sub_code, "isv.invalid-app-id");
    Answer other("alipay.trade.query",
                 "{\"alipay_trade_query_response\":{\"code\":\"40004\",\"msg\":\"Business "
                 "Failed\",\"sub_code\":\"ACQ.TRADE_NOT_EXIST\"}}");
    EXPECT_EQ(other.reply.kind, ALIPAY_REPLY_UNKNOWN);
    // error_response, signed.
    Answer error("alipay.trade.query",
                 signed_answer("error_response",
                               "{\"code\":\"40002\",\"msg\":\"Invalid Arguments\",\"sub_code\":"
                               "\"isv.invalid-signature\"}"));
    ASSERT_EQ(error.reply.kind, ALIPAY_REPLY_ANSWER) << error.reply.message;
    EXPECT_STREQ(error.reply.sub_code, "isv.invalid-signature");
}
