// Unit tests of the PayPal plugin's internals (linked from its static
// library): CRC32, the signed text, amounts, the state store and its
// captures list, parsing.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <zlib.h>

extern "C" {
#include "paypal-currency.h"
#include "paypal-signature.h"
#include "paypal-state.h"
#include "paypal-webhook.h"
}

TEST(PaypalUnit, Crc32MatchesZlib)
{
    EXPECT_EQ(paypal_crc32("123456789", 9), 0xCBF43926u); // the standard check value
    EXPECT_EQ(paypal_crc32("", 0), 0u);
    std::string body = "{\"id\":\"WH-1\",\"event_type\":\"PAYMENT.CAPTURE.COMPLETED\"}";
    EXPECT_EQ(paypal_crc32(body.data(), body.size()),
              (uint32_t)crc32(0L, (const Bytef *)body.data(), body.size()));
}

TEST(PaypalUnit, SignedText)
{
    char out[256];
    ASSERT_TRUE(paypal_signed_text("tid", "2026-03-01T10:00:00Z", "WHID", "123456789", 9, out,
                                   sizeof out));
    EXPECT_STREQ(out, "tid|2026-03-01T10:00:00Z|WHID|3421780262");
}

static std::string KeyText(const char *name)
{
    gchar *text = nullptr;
    std::string path = std::string(PAYPAL_KEYS_DIR) + "/" + name;
    EXPECT_TRUE(g_file_get_contents(path.c_str(), &text, nullptr, nullptr)) << path;
    std::string out = text != nullptr ? text : "";
    g_free(text);
    return out;
}

// The test signs with OpenSSL directly (the plugin no longer signs); the
// plugin verifies.
TEST(PaypalUnit, VerifiesPayPalsSignature)
{
    char why[200];
    std::string priv_pem = KeyText("paypal-webhook-private.pem");
    BIO *bio = BIO_new_mem_buf(priv_pem.data(), (int)priv_pem.size());
    EVP_PKEY *priv = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    EVP_PKEY *pub = paypal_load_public_key(KeyText("paypal-webhook-public.pem").c_str(), why,
                                           sizeof why);
    ASSERT_NE(priv, nullptr);
    ASSERT_NE(pub, nullptr) << why;
    const char *body = "{\"a\":1}";
    char text[256];
    ASSERT_TRUE(paypal_signed_text("t", "time", "wh", body, strlen(body), text, sizeof text));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = 0;
    ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, priv), 1);
    ASSERT_EQ(EVP_DigestSign(ctx, nullptr, &len, (const unsigned char *)text, strlen(text)), 1);
    std::string raw(len, '\0');
    ASSERT_EQ(EVP_DigestSign(ctx, (unsigned char *)&raw[0], &len, (const unsigned char *)text,
                             strlen(text)),
              1);
    EVP_MD_CTX_free(ctx);
    gchar *sig = g_base64_encode((const guchar *)raw.data(), len);
    EXPECT_TRUE(paypal_verify_webhook(pub, "t", "time", "wh", body, strlen(body), sig));
    EXPECT_FALSE(paypal_verify_webhook(pub, "t", "time", "wh2", body, strlen(body), sig));
    EXPECT_FALSE(paypal_verify_webhook(pub, "t", "time", "wh", "{\"a\":2}", 7, sig));
    EXPECT_FALSE(paypal_verify_webhook(pub, "t", "time", "wh", body, strlen(body), "!!!!"));
    EXPECT_EQ(paypal_load_public_key("garbage", why, sizeof why), nullptr);
    g_free(sig);
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
}

TEST(PaypalUnit, Amounts)
{
    const PaypalCurrency *huf = paypal_currency_find("HUF");
    const PaypalCurrency *usd = paypal_currency_find("USD");
    ASSERT_NE(huf, nullptr);
    ASSERT_NE(usd, nullptr);
    EXPECT_EQ(paypal_currency_find("KRW"), nullptr);
    EXPECT_EQ(huf->decimals, 0);
    EXPECT_EQ(paypal_currency_find("TWD")->decimals, 0);
    EXPECT_EQ(paypal_currency_find("JPY")->decimals, 0);
    int64_t out = 0;
    EXPECT_EQ(paypal_amount_to_paypal(huf, 1050, 2, &out), PAYPAL_AMOUNT_PRECISION);
    EXPECT_EQ(paypal_amount_to_paypal(huf, 1000, 2, &out), PAYPAL_AMOUNT_OK);
    EXPECT_EQ(out, 10);
    EXPECT_EQ(paypal_amount_to_paypal(huf, 10, 0, &out), PAYPAL_AMOUNT_OK);
    EXPECT_EQ(out, 10);
    EXPECT_EQ(paypal_amount_to_paypal(usd, 10999, 3, &out), PAYPAL_AMOUNT_PRECISION);
    EXPECT_EQ(paypal_amount_to_paypal(usd, 10990, 3, &out), PAYPAL_AMOUNT_OK);
    EXPECT_EQ(out, 1099);
    EXPECT_EQ(paypal_amount_to_paypal(usd, 5, 0, &out), PAYPAL_AMOUNT_OK);
    EXPECT_EQ(out, 500);
    EXPECT_EQ(paypal_amount_to_paypal(usd, 0, 2, &out), PAYPAL_AMOUNT_NOT_POSITIVE);
    EXPECT_EQ(paypal_amount_to_paypal(usd, INT64_MAX, 0, &out), PAYPAL_AMOUNT_BAD_EXPONENT);
    EXPECT_TRUE(paypal_amount_from_paypal(huf, 10, 2, &out));
    EXPECT_EQ(out, 1000);
    char v[32];
    ASSERT_TRUE(paypal_amount_value(huf, 1000, v, sizeof v));
    EXPECT_STREQ(v, "1000");
    ASSERT_TRUE(paypal_amount_value(usd, 1000, v, sizeof v));
    EXPECT_STREQ(v, "10.00");
    EXPECT_TRUE(paypal_amount_parse(usd, "10.5", &out));
    EXPECT_EQ(out, 1050);
    EXPECT_FALSE(paypal_amount_parse(huf, "10.5", &out));
    EXPECT_STREQ(paypal_country_code("CN"), "C2");
    EXPECT_STREQ(paypal_country_code("US"), "US");
}

TEST(PaypalUnit, StateRoundTripAndRing)
{
    PaypalOrder o;
    memset(&o, 0, sizeof o);
    strcpy(o.order_id, "5O190127TN364715T");
    strcpy(o.intent, "AUTHORIZE");
    strcpy(o.payer_display, "b***@sandbox.example");
    o.amount = 12345;
    o.created_ms = 1772359200000;
    strcpy(o.approve_url, "http://127.0.0.1:1/paypal/checkoutnow?token=5O190127TN364715T");
    for (int i = 0; i < 12; i++)
        paypal_ring_add(o.webhook_ids, sizeof o.webhook_ids, ("WH-" + std::to_string(i)).c_str());
    EXPECT_FALSE(paypal_ring_contains(o.webhook_ids, "WH-3")); // fell out
    EXPECT_TRUE(paypal_ring_contains(o.webhook_ids, "WH-4"));
    EXPECT_TRUE(paypal_ring_contains(o.webhook_ids, "WH-11"));
    EXPECT_FALSE(paypal_ring_contains(o.webhook_ids, "WH-1"));
    char text[TENDER_RESULT_STATE_MAX];
    ASSERT_TRUE(paypal_state_save(&o, text, sizeof text));
    PaypalOrder back;
    ASSERT_TRUE(paypal_state_load(&back, text));
    EXPECT_EQ(memcmp(&o, &back, sizeof o), 0) << text;
    EXPECT_FALSE(paypal_state_load(&back, "v=other&o=X"));
    EXPECT_FALSE(paypal_state_load(&back, ""));
}

TEST(PaypalUnit, CapturesListRefundsSplitOverTheCapturesOldestFirst)
{
    PaypalOrder o;
    memset(&o, 0, sizeof o);
    strcpy(o.order_id, "ORDER");
    ASSERT_TRUE(paypal_captures_add(&o, "CAP1", 6000));
    ASSERT_TRUE(paypal_captures_add(&o, "CAP2", 5500));
    ASSERT_TRUE(paypal_captures_add(&o, "CAP2", 5500)); // known: once
    PaypalRefundPart parts[PAYPAL_RING_MAX];
    // Within the oldest capture: one part.
    ASSERT_EQ(paypal_captures_split_refund(&o, 1000, parts), 1u);
    EXPECT_STREQ(parts[0].capture_id, "CAP1");
    EXPECT_EQ(parts[0].amount, 1000);
    ASSERT_TRUE(paypal_captures_refund(&o, "CAP1", 1000));
    // The rest of the oldest, then the next: two parts, the same every time.
    for (int again = 0; again < 2; again++) {
        ASSERT_EQ(paypal_captures_split_refund(&o, 10000, parts), 2u);
        EXPECT_STREQ(parts[0].capture_id, "CAP1");
        EXPECT_EQ(parts[0].amount, 5000);
        EXPECT_STREQ(parts[1].capture_id, "CAP2");
        EXPECT_EQ(parts[1].amount, 5000);
    }
    EXPECT_EQ(paypal_captures_split_refund(&o, 10500, parts), 2u); // all that is left
    EXPECT_EQ(paypal_captures_split_refund(&o, 10501, parts), 0u); // more than is left
    EXPECT_EQ(paypal_captures_split_refund(&o, 0, parts), 0u);
    ASSERT_TRUE(paypal_captures_refund(&o, "CAP1", 5000));
    ASSERT_TRUE(paypal_captures_refund(&o, "CAP2", 5000));
    ASSERT_EQ(paypal_captures_split_refund(&o, 500, parts), 1u); // a spent capture is skipped
    EXPECT_STREQ(parts[0].capture_id, "CAP2");
    // Sync replaces the refunded totals with PayPal's.
    paypal_captures_reset_refunds(&o);
    ASSERT_TRUE(paypal_captures_set_refunded(&o, "CAP2", 700));
    EXPECT_FALSE(paypal_captures_set_refunded(&o, "CAP7", 1));
    int64_t amount1 = 0, refunded1 = 0;
    ASSERT_TRUE(paypal_captures_find(&o, "CAP1", &amount1, &refunded1));
    EXPECT_EQ(refunded1, 0);
    ASSERT_TRUE(paypal_captures_refund(&o, "CAP2", 4300));
    int64_t amount = 0, refunded = 0;
    ASSERT_TRUE(paypal_captures_find(&o, "CAP2", &amount, &refunded));
    EXPECT_EQ(amount, 5500);
    EXPECT_EQ(refunded, 5000);
    char text[TENDER_RESULT_STATE_MAX];
    ASSERT_TRUE(paypal_state_save(&o, text, sizeof text));
    PaypalOrder back;
    ASSERT_TRUE(paypal_state_load(&back, text));
    EXPECT_STREQ(back.captures, o.captures);
    for (int i = 3; i <= 8; i++)
        EXPECT_TRUE(paypal_captures_add(&o, ("CAP" + std::to_string(i)).c_str(), 1));
    EXPECT_FALSE(paypal_captures_add(&o, "CAP9", 1)); // full: 8 captures
}

TEST(PaypalUnit, ParsesPayPalSampleWebhook)
{
    // Shaped like PayPal's documented PAYMENT.CAPTURE.COMPLETED sample.
    const char *body =
        "{\"id\":\"WH-58D329510W468432D-8HN650336L201105X\",\"create_time\":\"2019-02-14T21:50:07.940Z\","
        "\"resource_type\":\"capture\",\"event_type\":\"PAYMENT.CAPTURE.COMPLETED\","
        "\"summary\":\"Payment completed for $ 2.51 USD\",\"resource\":{\"amount\":{\"currency_code\":\"USD\","
        "\"value\":\"2.51\"},\"seller_protection\":{\"status\":\"ELIGIBLE\"},\"supplementary_data\":"
        "{\"related_ids\":{\"order_id\":\"1AB234567A1234567\",\"authorization_id\":\"3C679366HH908993F\"}},"
        "\"final_capture\":true,\"custom_id\":\"pay_x\",\"id\":\"27M47624FP291604U\",\"status\":\"COMPLETED\"},"
        "\"event_version\":\"1.0\",\"resource_version\":\"2.0\"}";
    PaypalWebhook wh;
    char why[200];
    ASSERT_TRUE(paypal_webhook_parse(body, strlen(body), &wh, why, sizeof why)) << why;
    EXPECT_STREQ(wh.id, "WH-58D329510W468432D-8HN650336L201105X");
    EXPECT_STREQ(wh.event_type, "PAYMENT.CAPTURE.COMPLETED");
    EXPECT_STREQ(wh.resource_id, "27M47624FP291604U");
    EXPECT_STREQ(wh.status, "COMPLETED");
    EXPECT_STREQ(wh.currency, "USD");
    EXPECT_STREQ(wh.value, "2.51");
    EXPECT_STREQ(wh.custom_id, "pay_x");
    EXPECT_STREQ(wh.order_id, "1AB234567A1234567");
    EXPECT_STREQ(wh.auth_id, "3C679366HH908993F");
    // A refund names its capture by its "up" link.
    const char *refund =
        "{\"id\":\"WH-2\",\"event_type\":\"PAYMENT.CAPTURE.REFUNDED\",\"resource\":{\"id\":\"1R\","
        "\"status\":\"COMPLETED\",\"amount\":{\"currency_code\":\"USD\",\"value\":\"1.00\"},"
        "\"links\":[{\"rel\":\"up\",\"href\":\"https://api-m.paypal.com/v2/payments/captures/27M4\"}]}}";
    ASSERT_TRUE(paypal_webhook_parse(refund, strlen(refund), &wh, why, sizeof why)) << why;
    EXPECT_STREQ(wh.capture_id, "27M4");
    EXPECT_FALSE(paypal_webhook_parse("not json", 8, &wh, why, sizeof why));
    EXPECT_FALSE(paypal_webhook_parse("{\"id\":\"x\"}", 10, &wh, why, sizeof why));
}
