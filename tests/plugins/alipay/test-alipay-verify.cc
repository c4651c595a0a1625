// Unit tests of notification verification as Alipay and its official SDKs
// do it (../shared/METHODS.md, Alipay, "Signatures"): every parameter but
// sign and sign_type is signed, empty values included; the variant keeping
// sign_type is accepted too; an absent sign_type means RSA2; the form is
// read in the charset it declares; line breaks inside the base64 signature
// are ignored. Requests are still signed without their empty values.
//
// The notifications are signed here by the test's own code (alipay-test-
// util.cc: OpenSSL EVP directly, its own signing string and form encoder)
// with a key pair only these tests use, tests/keys/alipay-notify-*.pem.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "alipay-params.h"
#include "alipay-rsa2.h"
}
#include <glib.h>

#include "alipay-test-util.h"

namespace {

// "绿茶 中文测试" (green tea, Chinese text) in GBK and in UTF-8, written out
// byte by byte rather than converted, so the test does not lean on iconv.
const std::string SUBJECT_GBK = "\xc2\xcc\xb2\xe8 \xd6\xd0\xce\xc4\xb2\xe2\xca\xd4";
const std::string SUBJECT_UTF8 =
    "\xe7\xbb\xbf\xe8\x8c\xb6 \xe4\xb8\xad\xe6\x96\x87\xe6\xb5\x8b\xe8\xaf\x95";

std::string take(char *s)
{
    std::string out = s ? s : "";
    g_free(s);
    return out;
}

// A trade_status_sync notification with an empty-valued parameter, as
// Alipay sends when the merchant passed no `body`.
Form notification()
{
    return {{"gmt_create", "2026-03-01 18:00:00"},
            {"charset", "utf-8"},
            {"seller_id", "2088102177000001"},
            {"subject", "Green tea"},
            {"body", ""},
            {"notify_time", "2026-03-01 18:03:00"},
            {"notify_type", "trade_status_sync"},
            {"notify_id", "2026030100222180300012345678"},
            {"app_id", "9021000100000001"},
            {"version", "1.0"},
            {"out_trade_no", "pay_test_0001"},
            {"trade_no", "2026030122001123456789012345"},
            {"total_amount", "12.50"},
            {"trade_status", "TRADE_SUCCESS"},
            {"sign_type", "RSA2"}};
}

std::string notify_private()
{
    return alipay_test_key("alipay-notify-private.pem");
}

// Sign form as Alipay does: over every pair but sign (and sign_type unless
// keep_sign_type), empty values included, with private_pem.
void sign(Form &form, bool keep_sign_type, const std::string &private_pem = notify_private())
{
    form_erase(form, "sign");
    std::string sig = rsa2_sign(private_pem, notification_signing_string(form, keep_sign_type));
    ASSERT_FALSE(sig.empty());
    form_set(form, "sign", sig);
}

class AlipayVerify : public ::testing::Test {
protected:
    EVP_PKEY *alipay_public = nullptr;
    std::string why;

    void SetUp() override
    {
        char err[256] = "";
        alipay_public = alipay_rsa2_load_public(alipay_test_key("alipay-notify-public.pem").c_str(),
                                                "alipay_public_key", err, sizeof err);
        ASSERT_NE(alipay_public, nullptr) << err;
    }
    void TearDown() override { EVP_PKEY_free(alipay_public); }

    // The form as the plugin reads it off the wire; nullptr (reason in why)
    // when refused.
    AlipayParams *parse(const Form &form)
    {
        std::string body = form_build(form);
        char err[256] = "";
        AlipayParams *p = alipay_params_from_form(body.c_str(), body.size(), err, sizeof err);
        why = err;
        return p;
    }

    // Parse and verify; the reason of a refusal is left in why.
    bool verifies(const Form &form)
    {
        AlipayParams *p = parse(form);
        if (p == nullptr)
            return false;
        char err[256] = "";
        bool ok = alipay_rsa2_verify_notification(alipay_public, p, err, sizeof err) == 1;
        why = err;
        alipay_params_free(p);
        return ok;
    }
};

} // namespace

TEST_F(AlipayVerify, EmptyValuedParameterIsPartOfTheSignature)
{
    Form f = notification();
    sign(f, false);
    ASSERT_NE(notification_signing_string(f, false).find("&body=&"), std::string::npos);
    EXPECT_TRUE(verifies(f)) << why;
    // Covered means covered: giving the empty value a value breaks it, and
    // so does adding or removing an empty parameter.
    Form t = f;
    form_set(t, "body", "x");
    EXPECT_FALSE(verifies(t));
    t = f;
    form_erase(t, "body");
    EXPECT_FALSE(verifies(t));
    t = f;
    form_set(t, "passback_params", "");
    EXPECT_FALSE(verifies(t));
}

TEST_F(AlipayVerify, VariantKeepingSignTypeVerifies)
{
    Form f = notification();
    sign(f, true);
    EXPECT_TRUE(verifies(f)) << why;
    // The kept sign_type is signed: it cannot then be dropped.
    form_erase(f, "sign_type");
    EXPECT_FALSE(verifies(f));
}

TEST_F(AlipayVerify, AbsentSignTypeMeansRsa2)
{
    Form f = notification();
    form_erase(f, "sign_type");
    sign(f, false);
    EXPECT_TRUE(verifies(f)) << why;
}

TEST_F(AlipayVerify, GbkFormIsDecodedAndVerifiedInGbk)
{
    Form f = notification();
    form_set(f, "charset", "GBK");
    form_set(f, "subject", SUBJECT_GBK);
    sign(f, false); // over the GBK bytes, as Alipay signs a GBK notification
    std::string body = form_build(f);
    ASSERT_NE(body.find("subject=%C2%CC%B2%E8+%D6%D0"), std::string::npos) << body;

    AlipayParams *p = parse(f);
    ASSERT_NE(p, nullptr) << why;
    EXPECT_EQ(std::string(alipay_params_get(p, "subject")), SUBJECT_UTF8);
    EXPECT_STREQ(alipay_params_get(p, "charset"), "GBK");
    alipay_params_free(p);
    EXPECT_TRUE(verifies(f)) << why;

    // A signature over the UTF-8 text of that GBK body is not what Alipay
    // signs, so it does not verify.
    Form as_utf8 = f;
    form_set(as_utf8, "subject", SUBJECT_UTF8);
    Form wrong = f;
    form_set(wrong, "sign",
             rsa2_sign(notify_private(), notification_signing_string(as_utf8, false)));
    EXPECT_FALSE(verifies(wrong));
    // A lower-case declaration and GB2312 (a subset of GBK) read the same.
    form_set(f, "charset", "gbk");
    sign(f, false);
    EXPECT_TRUE(verifies(f)) << why;
    form_set(f, "charset", "GB2312");
    sign(f, false);
    EXPECT_TRUE(verifies(f)) << why;
}

TEST_F(AlipayVerify, UnknownCharsetOrBadBytesAreRefusedClearly)
{
    Form f = notification();
    form_set(f, "charset", "ISO-8859-1");
    sign(f, false);
    EXPECT_EQ(parse(f), nullptr);
    EXPECT_NE(why.find("charset 'ISO-8859-1' is not supported"), std::string::npos) << why;
    // GBK bytes in a form that declares UTF-8 are not UTF-8.
    f = notification();
    form_set(f, "subject", SUBJECT_GBK);
    sign(f, false);
    EXPECT_EQ(parse(f), nullptr);
    EXPECT_NE(why.find("not valid UTF-8"), std::string::npos) << why;
    // A lone GBK lead byte is not GBK.
    f = notification();
    form_set(f, "charset", "GBK");
    form_set(f, "subject", "\xd6");
    sign(f, false);
    EXPECT_EQ(parse(f), nullptr);
    EXPECT_NE(why.find("not valid GBK"), std::string::npos) << why;
}

TEST_F(AlipayVerify, SignatureWithLineBreaksVerifies)
{
    Form f = notification();
    sign(f, false);
    std::string wrapped, flat = *form_get(f, "sign");
    for (size_t i = 0; i < flat.size(); i += 64)
        wrapped += flat.substr(i, 64) + (i + 64 < flat.size() ? "\r\n" : "\n");
    form_set(f, "sign", wrapped);
    EXPECT_TRUE(verifies(f)) << why;
    form_set(f, "sign", flat.substr(0, 10) + "\n" + flat.substr(10));
    EXPECT_TRUE(verifies(f)) << why;
    // Other characters outside the alphabet are still refused.
    form_set(f, "sign", flat.substr(0, 10) + " " + flat.substr(10));
    EXPECT_FALSE(verifies(f));
    form_set(f, "sign", flat.substr(0, 10) + "\t" + flat.substr(10));
    EXPECT_FALSE(verifies(f));
}

TEST_F(AlipayVerify, TamperedWrongKeyAndOtherSignTypesAreRefused)
{
    // Each case starts from a notification that verifies, with every rule
    // at once (an empty value, GBK, sign_type kept), then breaks one thing.
    Form good = notification();
    form_set(good, "charset", "GBK");
    form_set(good, "subject", SUBJECT_GBK);
    sign(good, true);
    ASSERT_TRUE(verifies(good)) << why;

    for (const char *key : {"total_amount", "out_trade_no", "trade_status", "subject", "body"}) {
        Form t = good;
        form_set(t, key, *form_get(t, key) + "0");
        EXPECT_FALSE(verifies(t)) << key;
        EXPECT_NE(why.find("does not match"), std::string::npos) << why;
    }
    Form t = good;
    sign(t, true, alipay_test_key("alipay-platform-private.pem"));
    EXPECT_FALSE(verifies(t));
    EXPECT_NE(why.find("does not match alipay_public_key"), std::string::npos) << why;

    // RSA (SHA1withRSA) is not accepted, even with a signature that would
    // verify as RSA2: the type is refused before any key is tried.
    for (const char *type : {"RSA", "rsa2", "SM2", ""}) {
        t = good;
        form_set(t, "sign_type", type);
        sign(t, false);
        EXPECT_FALSE(verifies(t)) << type;
        EXPECT_NE(why.find("sign_type '" + std::string(type) + "' is not supported"),
                  std::string::npos)
            << why;
    }
    t = good;
    form_erase(t, "sign");
    EXPECT_FALSE(verifies(t));
    EXPECT_NE(why.find("not signed"), std::string::npos) << why;
}

TEST_F(AlipayVerify, RequestSignerLeavesEmptyValuesOutNotificationSignerKeepsThem)
{
    // One parameter set with an empty value, signed both ways by the plugin.
    char err[256] = "";
    EVP_PKEY *priv = alipay_rsa2_load_private(notify_private().c_str(), "k", err, sizeof err);
    ASSERT_NE(priv, nullptr) << err;
    auto params = [] {
        AlipayParams *p = alipay_params_new();
        for (const auto &kv : notification())
            if (kv.first != "sign_type")
                alipay_params_set(p, kv.first.c_str(), kv.second.c_str());
        return p;
    };
    auto as_form = [](const AlipayParams *p) {
        Form f;
        for (size_t i = 0; i < alipay_params_count(p); i++)
            f.emplace_back(alipay_params_key(p, i), alipay_params_value(p, i));
        return f;
    };
    const std::string pub = alipay_test_key("alipay-notify-public.pem");

    AlipayParams *request = params();
    ASSERT_TRUE(alipay_rsa2_sign_request(priv, request));
    Form rf = as_form(request);
    EXPECT_EQ(request_signing_string(rf).find("body="), std::string::npos);
    EXPECT_TRUE(rsa2_verify(pub, request_signing_string(rf), *form_get(rf, "sign")));
    EXPECT_FALSE(rsa2_verify(pub, notification_signing_string(rf, true), *form_get(rf, "sign")));
    EXPECT_TRUE(alipay_rsa2_verify_request(alipay_public, request));
    EXPECT_EQ(take(alipay_params_request_signing_string(request)), request_signing_string(rf));

    AlipayParams *notice = params();
    ASSERT_TRUE(alipay_rsa2_sign_notification(priv, notice));
    Form nf = as_form(notice);
    EXPECT_EQ(*form_get(nf, "sign_type"), "RSA2");
    EXPECT_TRUE(rsa2_verify(pub, notification_signing_string(nf, false), *form_get(nf, "sign")));
    EXPECT_FALSE(rsa2_verify(pub, request_signing_string(nf), *form_get(nf, "sign")));
    EXPECT_EQ(take(alipay_params_notification_signing_string(notice, 0)),
              notification_signing_string(nf, false));
    EXPECT_TRUE(alipay_rsa2_verify_notification(alipay_public, notice, err, sizeof err)) << err;

    alipay_params_free(request);
    alipay_params_free(notice);
    EVP_PKEY_free(priv);
}
