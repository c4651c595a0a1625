// The simulated PayPal in tender-sandbox, spoken to over HTTP as PayPal's
// REST documentation says a client must: OAuth client credentials, Orders
// v2, Payments v2, PayPal-Request-Id, webhooks. The test signs nothing
// itself (PayPal authenticates the merchant by OAuth) but verifies every
// webhook on its own: certificate fetched from PAYPAL-CERT-URL, chain
// checked against the sandbox's test CA, SHA256withRSA over
// transmission_id|transmission_time|webhook_id|crc32(body) with zlib's
// CRC-32 (not the sandbox's).
#include <gtest/gtest.h>

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <zlib.h>

#include <glib/gstdio.h>

#include <map>
#include <string>
#include <vector>

extern "C" {
#include "sandbox-process.h"
}

namespace {

struct Reply {
    guint status = 0;
    std::string body;
    std::string location;
    JsonNode *json = nullptr;

    Reply() = default;
    Reply(const Reply &) = delete;
    Reply &operator=(const Reply &) = delete;
    Reply(Reply &&o) noexcept
        : status(o.status), body(std::move(o.body)), location(std::move(o.location)), json(o.json)
    {
        o.json = nullptr;
    }
    ~Reply()
    {
        if (json != nullptr)
            json_node_unref(json);
    }
    JsonObject *obj() const
    {
        return json != nullptr && JSON_NODE_HOLDS_OBJECT(json) ? json_node_get_object(json)
                                                               : nullptr;
    }
    std::string str(const char *member) const
    {
        JsonObject *o = obj();
        return o != nullptr && json_object_has_member(o, member)
                   ? json_object_get_string_member(o, member)
                   : std::string();
    }
    // details[0].issue of PayPal's error body.
    std::string issue() const
    {
        JsonObject *o = obj();
        if (o == nullptr || !json_object_has_member(o, "details"))
            return "";
        JsonArray *details = json_object_get_array_member(o, "details");
        return json_object_get_string_member(json_array_get_object_element(details, 0), "issue");
    }
    std::string link(const char *rel) const
    {
        JsonArray *links = json_object_get_array_member(obj(), "links");
        for (guint i = 0; i < json_array_get_length(links); i++) {
            JsonObject *l = json_array_get_object_element(links, i);
            if (std::string(json_object_get_string_member(l, "rel")) == rel)
                return json_object_get_string_member(l, "href");
        }
        return "";
    }
};

std::string path_of(JsonObject *o, const std::vector<std::string> &path)
{
    JsonNode *node = nullptr;
    for (const std::string &step : path) {
        if (!step.empty() && g_ascii_isdigit(step[0])) {
            node = json_array_get_element(json_node_get_array(node), std::stoi(step));
        } else {
            JsonObject *parent = node != nullptr ? json_node_get_object(node) : o;
            if (!json_object_has_member(parent, step.c_str()))
                return "<missing " + step + ">";
            node = json_object_get_member(parent, step.c_str());
        }
    }
    return json_node_get_string(node);
}

class PaypalSandboxTest : public ::testing::Test {
protected:
    TestSandbox *sandbox = nullptr;
    SoupSession *session = nullptr;
    std::string base;
    std::string token;

    void SetUp() override { Start(1000.0, {}); }
    void TearDown() override
    {
        test_sandbox_stop(sandbox);
        g_clear_object(&session);
    }

    void Start(double time_scale, std::vector<const char *> extra)
    {
        extra.push_back(nullptr);
        GError *error = nullptr;
        sandbox = test_sandbox_start(time_scale, extra.data(), &error);
        ASSERT_NE(sandbox, nullptr) << (error != nullptr ? error->message : "");
        base = std::string(test_sandbox_url(sandbox)) + "/paypal";
        if (session == nullptr)
            session = soup_session_new();
    }

    Reply Send(const char *method, const std::string &url, const std::string &body,
               std::map<std::string, std::string> headers = {},
               const char *content_type = "application/json")
    {
        SoupMessage *msg = soup_message_new(method, url.c_str());
        EXPECT_NE(msg, nullptr) << url;
        soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
        for (auto &h : headers)
            soup_message_headers_replace(soup_message_get_request_headers(msg), h.first.c_str(),
                                         h.second.c_str());
        if (!body.empty() || std::string(method) == "POST") {
            GBytes *bytes = g_bytes_new(body.data(), body.size());
            soup_message_set_request_body_from_bytes(msg, content_type, bytes);
            g_bytes_unref(bytes);
        }
        GError *error = nullptr;
        GBytes *answer = soup_session_send_and_read(session, msg, nullptr, &error);
        Reply reply;
        EXPECT_NE(answer, nullptr) << (error != nullptr ? error->message : "");
        if (answer != nullptr) {
            gsize len = 0;
            const char *data = static_cast<const char *>(g_bytes_get_data(answer, &len));
            reply.body.assign(data != nullptr ? data : "", len);
            g_bytes_unref(answer);
        }
        g_clear_error(&error);
        reply.status = soup_message_get_status(msg);
        const char *location =
            soup_message_headers_get_one(soup_message_get_response_headers(msg), "Location");
        reply.location = location != nullptr ? location : "";
        if (!reply.body.empty() && reply.body[0] == '{')
            reply.json = json_from_string(reply.body.c_str(), nullptr);
        g_object_unref(msg);
        return reply;
    }

    Reply TokenWith(const std::string &credentials, const std::string &body)
    {
        gchar *basic = g_base64_encode(reinterpret_cast<const guchar *>(credentials.data()),
                                       credentials.size());
        Reply r = Send("POST", base + "/v1/oauth2/token", body,
                       {{"Authorization", std::string("Basic ") + basic}},
                       "application/x-www-form-urlencoded");
        g_free(basic);
        return r;
    }

    std::string Setting(const char *name)
    {
        JsonObject *settings = test_sandbox_settings(sandbox, "paypal");
        return settings != nullptr && json_object_has_member(settings, name)
                   ? json_object_get_string_member(settings, name)
                   : "";
    }

    void Authenticate()
    {
        Reply r = TokenWith(Setting("client_id") + ":" + Setting("client_secret"),
                            "grant_type=client_credentials");
        ASSERT_EQ(r.status, 200u) << r.body;
        token = r.str("access_token");
    }

    Reply Api(const char *method, const std::string &path, const std::string &body = "",
              const std::string &request_id = "")
    {
        if (token.empty())
            Authenticate();
        std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + token},
                                                      {"Prefer", "return=representation"}};
        if (!request_id.empty())
            headers["PayPal-Request-Id"] = request_id;
        return Send(method, base + path, body, headers);
    }

    void Advance(long seconds)
    {
        Reply r = Send("POST", std::string(test_sandbox_url(sandbox)) + "/_sandbox/clock",
                       "{\"advance_seconds\": " + std::to_string(seconds) + "}");
        ASSERT_EQ(r.status / 100, 2u) << r.body;
    }

    static std::string OrderBody(const char *intent, const char *currency, const char *value,
                                 const char *email = nullptr, const char *country = nullptr)
    {
        std::string body = std::string("{\"intent\":\"") + intent +
                           "\",\"purchase_units\":[{\"custom_id\":\"pay_1\",\"amount\":{"
                           "\"currency_code\":\"" +
                           currency + "\",\"value\":\"" + value + "\"}}]";
        body += ",\"payment_source\":{\"paypal\":{";
        if (email != nullptr)
            body += std::string("\"email_address\":\"") + email + "\",";
        if (country != nullptr)
            body += std::string("\"address\":{\"country_code\":\"") + country + "\"},";
        body += "\"experience_context\":{\"return_url\":\"https://shop.example/return?x=1\","
                "\"cancel_url\":\"https://shop.example/cancel\"}}}}";
        return body;
    }

    // The payer at the approval page: what the browser would do.
    Reply Payer(const std::string &order_id, const char *action, const char *email = nullptr)
    {
        std::string form = "token=" + order_id + "&action=" + action;
        if (email != nullptr) {
            char *escaped = g_uri_escape_string(email, nullptr, TRUE);
            form += std::string("&email=") + escaped;
            g_free(escaped);
        }
        return Send("POST", base + "/checkoutnow", form, {}, "application/x-www-form-urlencoded");
    }

    std::string ApprovedOrder(const char *intent, const char *currency, const char *value,
                              const char *email = nullptr, const char *country = nullptr)
    {
        Reply created = Api("POST", "/v2/checkout/orders",
                            OrderBody(intent, currency, value, email, country));
        EXPECT_EQ(created.status, 201u) << created.body;
        std::string id = created.str("id");
        Reply approved = Payer(id, "approve");
        EXPECT_EQ(approved.status, 303u) << approved.body;
        return id;
    }

    std::string Authorization(const char *currency, const char *value)
    {
        std::string id = ApprovedOrder("AUTHORIZE", currency, value);
        Reply r = Api("POST", "/v2/checkout/orders/" + id + "/authorize", "{}");
        EXPECT_EQ(r.status, 201u) << r.body;
        return path_of(r.obj(), {"purchase_units", "0", "payments", "authorizations", "0", "id"});
    }

    static std::string Amount(const char *currency, const char *value)
    {
        return std::string("{\"amount\":{\"currency_code\":\"") + currency + "\",\"value\":\"" +
               value + "\"}}";
    }
};

TEST_F(PaypalSandboxTest, TokenNeedsTheAppsClientCredentials)
{
    Reply wrong = TokenWith(Setting("client_id") + ":not-the-secret",
                            "grant_type=client_credentials");
    EXPECT_EQ(wrong.status, 401u);
    EXPECT_EQ(wrong.str("error"), "invalid_client");
    EXPECT_EQ(wrong.body.find("not-the-secret"), std::string::npos);

    Reply no_grant = TokenWith(Setting("client_id") + ":" + Setting("client_secret"), "");
    EXPECT_EQ(no_grant.status, 400u);
    EXPECT_EQ(no_grant.str("error"), "unsupported_grant_type");

    Reply ok = TokenWith(Setting("client_id") + ":" + Setting("client_secret"),
                         "grant_type=client_credentials");
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(ok.str("token_type"), "Bearer");
    EXPECT_FALSE(ok.str("access_token").empty());
    EXPECT_EQ(json_object_get_int_member(ok.obj(), "expires_in"), 32400);
}

TEST_F(PaypalSandboxTest, ApiRefusesAMissingOrExpiredToken)
{
    Reply none = Send("GET", base + "/v2/checkout/orders/NOPE", "");
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(none.str("name"), "AUTHENTICATION_FAILURE");

    Authenticate();
    EXPECT_EQ(Api("GET", "/v2/checkout/orders/NOPE").status, 404u);
    Advance(32401);
    Reply expired = Api("GET", "/v2/checkout/orders/NOPE");
    EXPECT_EQ(expired.status, 401u);
    EXPECT_EQ(expired.str("name"), "AUTHENTICATION_FAILURE");
    token.clear();
    EXPECT_EQ(Api("GET", "/v2/checkout/orders/NOPE").status, 404u);
}

TEST_F(PaypalSandboxTest, CaptureOrderApprovedAtThePayersPageThenRefundedInParts)
{
    Reply created = Api("POST", "/v2/checkout/orders", OrderBody("CAPTURE", "USD", "10.99"));
    ASSERT_EQ(created.status, 201u) << created.body;
    std::string id = created.str("id");
    EXPECT_EQ(created.str("status"), "PAYER_ACTION_REQUIRED");
    std::string approve = created.link("payer-action");
    EXPECT_EQ(approve, base + "/checkoutnow?token=" + id);

    Reply early = Api("POST", "/v2/checkout/orders/" + id + "/capture", "{}");
    EXPECT_EQ(early.status, 422u);
    EXPECT_EQ(early.issue(), "ORDER_NOT_APPROVED");

    Reply page = Send("GET", approve, "");
    EXPECT_EQ(page.status, 200u);
    EXPECT_NE(page.body.find("<form method=\"post\""), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("10.99 USD"), std::string::npos);
    EXPECT_EQ(page.body.find("<script"), std::string::npos);

    Reply back = Payer(id, "approve");
    ASSERT_EQ(back.status, 303u);
    EXPECT_EQ(back.location.rfind("https://shop.example/return?x=1&token=" + id + "&PayerID=", 0),
              0u)
        << back.location;
    EXPECT_EQ(Api("GET", "/v2/checkout/orders/" + id).str("status"), "APPROVED");

    Reply captured = Api("POST", "/v2/checkout/orders/" + id + "/capture", "{}");
    ASSERT_EQ(captured.status, 201u) << captured.body;
    EXPECT_EQ(captured.str("status"), "COMPLETED");
    JsonObject *o = captured.obj();
    EXPECT_EQ(path_of(o, {"purchase_units", "0", "payments", "captures", "0", "status"}),
              "COMPLETED");
    EXPECT_EQ(path_of(o, {"purchase_units", "0", "payments", "captures", "0", "amount", "value"}),
              "10.99");
    EXPECT_EQ(path_of(o, {"purchase_units", "0", "custom_id"}), "pay_1");
    std::string capture = path_of(o, {"purchase_units", "0", "payments", "captures", "0", "id"});

    EXPECT_EQ(Api("POST", "/v2/checkout/orders/" + id + "/capture", "{}").issue(),
              "ORDER_ALREADY_CAPTURED");

    Reply first = Api("POST", "/v2/payments/captures/" + capture + "/refund", Amount("USD", "5.00"));
    ASSERT_EQ(first.status, 201u) << first.body;
    EXPECT_EQ(first.str("status"), "COMPLETED");
    EXPECT_EQ(Api("POST", "/v2/payments/captures/" + capture + "/refund", Amount("USD", "6.00"))
                  .issue(),
              "REFUND_AMOUNT_EXCEEDED");
    EXPECT_EQ(Api("GET", "/v2/payments/captures/" + capture).str("status"), "PARTIALLY_REFUNDED");
    Reply rest = Api("POST", "/v2/payments/captures/" + capture + "/refund", "{}");
    ASSERT_EQ(rest.status, 201u) << rest.body;
    EXPECT_EQ(path_of(rest.obj(), {"amount", "value"}), "5.99");
    EXPECT_EQ(Api("GET", "/v2/payments/captures/" + capture).str("status"), "REFUNDED");
    EXPECT_EQ(Api("POST", "/v2/payments/captures/" + capture + "/refund", "{}").issue(),
              "CAPTURE_FULLY_REFUNDED");
    EXPECT_EQ(Api("GET", "/v2/payments/refunds/" + rest.str("id")).str("status"), "COMPLETED");
}

TEST_F(PaypalSandboxTest, PayerWhoCancelsIsSentToCancelUrlAndTheOrderStaysUnapproved)
{
    Reply created = Api("POST", "/v2/checkout/orders", OrderBody("CAPTURE", "EUR", "20.00"));
    std::string id = created.str("id");
    Reply back = Payer(id, "cancel");
    ASSERT_EQ(back.status, 303u);
    EXPECT_EQ(back.location, "https://shop.example/cancel?token=" + id);
    EXPECT_EQ(Api("POST", "/v2/checkout/orders/" + id + "/capture", "{}").issue(),
              "ORDER_NOT_APPROVED");
}

TEST_F(PaypalSandboxTest, IntentMustMatchAndOrdersExpireAfterThreeHours)
{
    std::string id = ApprovedOrder("AUTHORIZE", "USD", "10.00");
    EXPECT_EQ(Api("POST", "/v2/checkout/orders/" + id + "/capture", "{}").issue(),
              "ACTION_DOES_NOT_MATCH_INTENT");
    Reply created = Api("POST", "/v2/checkout/orders", OrderBody("CAPTURE", "USD", "10.00"));
    Advance(3 * 3600 / 1000 + 5); // the sandbox runs at --time-scale 1000
    EXPECT_EQ(Send("GET", base + "/checkoutnow?token=" + created.str("id"), "").status, 410u);
    EXPECT_EQ(Api("POST", "/v2/checkout/orders/" + id + "/authorize", "{}").issue(),
              "ORDER_EXPIRED");
}

// PayPal's order lists the refunds of its captures (payments.refunds), each
// with an "up" link to its capture: a client that lost a refund's answer
// reads it back there.
TEST_F(PaypalSandboxTest, TheOrderListsTheRefundsOfItsCapturesWithTheirCaptures)
{
    std::string order = ApprovedOrder("AUTHORIZE", "USD", "100.00");
    Reply authorized = Api("POST", "/v2/checkout/orders/" + order + "/authorize", "{}");
    ASSERT_EQ(authorized.status, 201u) << authorized.body;
    std::string auth = path_of(authorized.obj(),
                               {"purchase_units", "0", "payments", "authorizations", "0", "id"});
    std::string path = "/v2/payments/authorizations/" + auth;
    Reply first = Api("POST", path + "/capture", Amount("USD", "60.00"));
    Reply second = Api("POST", path + "/capture", Amount("USD", "40.00"));
    ASSERT_EQ(first.status, 201u) << first.body;
    ASSERT_EQ(second.status, 201u) << second.body;
    Reply unrefunded = Api("GET", "/v2/checkout/orders/" + order);
    EXPECT_EQ(path_of(unrefunded.obj(), {"purchase_units", "0", "payments", "refunds"}),
              "<missing refunds>");

    Reply r1 = Api("POST", "/v2/payments/captures/" + first.str("id") + "/refund",
                   Amount("USD", "60.00"));
    Reply r2 = Api("POST", "/v2/payments/captures/" + second.str("id") + "/refund",
                   Amount("USD", "15.00"));
    ASSERT_EQ(r1.status, 201u) << r1.body;
    ASSERT_EQ(r2.status, 201u) << r2.body;
    Reply read = Api("GET", "/v2/checkout/orders/" + order);
    JsonObject *o = read.obj();
    JsonObject *payments = json_object_get_object_member(
        json_array_get_object_element(json_object_get_array_member(o, "purchase_units"), 0),
        "payments");
    ASSERT_TRUE(json_object_has_member(payments, "refunds")) << read.body;
    JsonArray *refunds = json_object_get_array_member(payments, "refunds");
    ASSERT_EQ(json_array_get_length(refunds), 2u);
    const std::string ids[] = {r1.str("id"), r2.str("id")};
    const std::string captures[] = {first.str("id"), second.str("id")};
    const char *values[] = {"60.00", "15.00"};
    for (guint i = 0; i < 2; i++) {
        JsonObject *refund = json_array_get_object_element(refunds, i);
        EXPECT_EQ(path_of(refund, {"id"}), ids[i]);
        EXPECT_EQ(path_of(refund, {"amount", "value"}), values[i]);
        EXPECT_EQ(path_of(refund, {"status"}), "COMPLETED");
        JsonArray *links = json_object_get_array_member(refund, "links");
        std::string up;
        for (guint k = 0; k < json_array_get_length(links); k++) {
            JsonObject *l = json_array_get_object_element(links, k);
            if (std::string(json_object_get_string_member(l, "rel")) == "up")
                up = json_object_get_string_member(l, "href");
        }
        EXPECT_EQ(up, base + "/v2/payments/captures/" + captures[i]);
    }
    // Another order's refunds are not listed.
    std::string other = ApprovedOrder("CAPTURE", "USD", "5.00");
    Reply paid = Api("POST", "/v2/checkout/orders/" + other + "/capture", "{}");
    ASSERT_EQ(paid.status, 201u) << paid.body;
    EXPECT_EQ(path_of(Api("GET", "/v2/checkout/orders/" + other).obj(),
                      {"purchase_units", "0", "payments", "refunds"}),
              "<missing refunds>");
}

TEST_F(PaypalSandboxTest, PartialAndOverCapturesFollowThe115PercentAnd75UsdRule)
{
    std::string auth = Authorization("USD", "100.00");
    std::string path = "/v2/payments/authorizations/" + auth;
    Reply part = Api("POST", path + "/capture", Amount("USD", "60.00"));
    ASSERT_EQ(part.status, 201u) << part.body;
    EXPECT_EQ(Api("GET", path).str("status"), "PARTIALLY_CAPTURED");
    EXPECT_EQ(Api("POST", path + "/capture", Amount("USD", "55.01")).issue(),
              "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(Api("POST", path + "/capture", Amount("USD", "55.00")).status, 201u);
    EXPECT_EQ(Api("GET", path).str("status"), "CAPTURED");
    EXPECT_EQ(Api("POST", path + "/capture", Amount("USD", "1.00")).issue(),
              "AUTHORIZATION_ALREADY_CAPTURED");

    // 1,000.00 USD: 115% would be 1,150.00, the +75 USD cap is lower.
    std::string big = "/v2/payments/authorizations/" + Authorization("USD", "1000.00");
    EXPECT_EQ(Api("POST", big + "/capture", Amount("USD", "1075.01")).issue(),
              "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(Api("POST", big + "/capture", Amount("USD", "1075.00")).status, 201u);

    // Other currencies: 115% alone, rounded down to the unit.
    std::string eur = "/v2/payments/authorizations/" + Authorization("EUR", "1000.00");
    EXPECT_EQ(Api("POST", eur + "/capture", Amount("EUR", "1150.00")).status, 201u);
    std::string jpy = "/v2/payments/authorizations/" + Authorization("JPY", "1001");
    EXPECT_EQ(Api("POST", jpy + "/capture", Amount("JPY", "1152")).issue(),
              "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(Api("POST", jpy + "/capture", Amount("JPY", "1.5")).issue(), "DECIMALS_NOT_SUPPORTED");
    EXPECT_EQ(Api("POST", jpy + "/capture", Amount("USD", "1")).issue(),
              "AUTH_CAPTURE_CURRENCY_MISMATCH");
    Reply whole = Api("POST", jpy + "/capture", Amount("JPY", "1151"));
    EXPECT_EQ(whole.status, 201u);
    EXPECT_EQ(path_of(whole.obj(), {"amount", "value"}), "1151");

    // final_capture closes the authorization below its amount.
    std::string fin = "/v2/payments/authorizations/" + Authorization("USD", "50.00");
    EXPECT_EQ(Api("POST", fin + "/capture",
                  "{\"final_capture\":true,\"amount\":{\"currency_code\":\"USD\",\"value\":\"10.00\"}}")
                  .status,
              201u);
    EXPECT_EQ(Api("GET", fin).str("status"), "CAPTURED");
}

TEST_F(PaypalSandboxTest, VoidReauthorizeAndTheTwentyNineDayValidity)
{
    std::string voided = "/v2/payments/authorizations/" + Authorization("USD", "30.00");
    Reply v = Api("POST", voided + "/void", "");
    EXPECT_EQ(v.status, 200u) << v.body; // Prefer: return=representation
    EXPECT_EQ(v.str("status"), "VOIDED");
    EXPECT_EQ(Api("POST", voided + "/void", "").issue(), "PREVIOUSLY_VOIDED");
    EXPECT_EQ(Api("POST", voided + "/capture", "{}").issue(), "PREVIOUSLY_VOIDED");

    std::string partly = "/v2/payments/authorizations/" + Authorization("USD", "30.00");
    EXPECT_EQ(Api("POST", partly + "/capture", Amount("USD", "10.00")).status, 201u);
    EXPECT_EQ(Api("POST", partly + "/void", "").str("status"), "VOIDED");

    std::string original = Authorization("USD", "40.00");
    std::string path = "/v2/payments/authorizations/" + original;
    EXPECT_EQ(Api("POST", path + "/reauthorize", "{}").issue(), "REAUTHORIZATION_TOO_SOON");
    Advance(4 * 86400 / 1000); // past the 3-day honor period at --time-scale 1000
    // 115% of 40.00 is 46.00: a cent more is refused.
    EXPECT_EQ(Api("POST", path + "/reauthorize", Amount("USD", "46.01")).issue(),
              "INVALID_PARAMETER_VALUE");
    Reply re = Api("POST", path + "/reauthorize", Amount("USD", "45.00"));
    ASSERT_EQ(re.status, 201u) << re.body;
    EXPECT_NE(re.str("id"), original);
    EXPECT_EQ(path_of(re.obj(), {"amount", "value"}), "45.00");
    EXPECT_EQ(Api("POST", "/v2/payments/authorizations/" + re.str("id") + "/reauthorize", "{}")
                  .issue(),
              "REAUTHORIZATION_NOT_SUPPORTED");
    EXPECT_EQ(Api("POST", "/v2/payments/authorizations/" + re.str("id") + "/capture", "{}").status,
              201u);

    std::string late = "/v2/payments/authorizations/" + Authorization("USD", "20.00");
    Advance(30 * 86400 / 1000);
    EXPECT_EQ(Api("GET", late).str("status"), "EXPIRED");
    EXPECT_EQ(Api("POST", late + "/capture", "{}").issue(), "AUTHORIZATION_EXPIRED");
    EXPECT_EQ(Api("POST", late + "/reauthorize", "{}").issue(), "AUTHORIZATION_EXPIRED");
}

TEST_F(PaypalSandboxTest, CurrenciesDecimalsMaximumsAndInCountryRules)
{
    auto create = [&](const char *currency, const char *value, const char *country = nullptr) {
        return Api("POST", "/v2/checkout/orders",
                   OrderBody("CAPTURE", currency, value, nullptr, country));
    };
    EXPECT_EQ(create("HUF", "10.5").issue(), "DECIMAL_PRECISION");
    EXPECT_EQ(create("JPY", "100.5").issue(), "DECIMAL_PRECISION");
    EXPECT_EQ(create("TWD", "1.5").issue(), "DECIMAL_PRECISION");
    EXPECT_EQ(create("USD", "10.999").issue(), "DECIMAL_PRECISION");
    Reply huf = create("HUF", "1000");
    ASSERT_EQ(huf.status, 201u) << huf.body;
    EXPECT_EQ(path_of(huf.obj(), {"purchase_units", "0", "amount", "value"}), "1000");
    EXPECT_EQ(create("USD", "10000.01").issue(), "TRANSACTION_LIMIT_EXCEEDED");
    EXPECT_EQ(create("USD", "10000.00").status, 201u);
    EXPECT_EQ(create("JPY", "1000001").issue(), "TRANSACTION_LIMIT_EXCEEDED");
    EXPECT_EQ(create("XYZ", "1.00").issue(), "INVALID_CURRENCY_CODE");
    EXPECT_EQ(create("USD", "abc").issue(), "INVALID_PARAMETER_SYNTAX");
    EXPECT_EQ(create("BRL", "10.00", "US").issue(), "CURRENCY_NOT_SUPPORTED_FOR_COUNTRY");
    EXPECT_EQ(create("BRL", "10.00", "BR").status, 201u);
    EXPECT_EQ(create("CNY", "10.00", "CN").issue(), "CURRENCY_NOT_SUPPORTED_FOR_COUNTRY");
    EXPECT_EQ(create("CNY", "10.00", "C2").status, 201u);
    EXPECT_EQ(create("MYR", "10.00").issue(), "CURRENCY_NOT_SUPPORTED_FOR_COUNTRY");

    Reply malformed = Api("POST", "/v2/checkout/orders", "{not json");
    EXPECT_EQ(malformed.status, 400u);
    EXPECT_EQ(malformed.issue(), "MALFORMED_REQUEST_JSON");
    EXPECT_EQ(Api("POST", "/v2/checkout/orders", "{\"intent\":\"SALE\",\"purchase_units\":[]}")
                  .issue(),
              "INVALID_PARAMETER_VALUE");
}

TEST_F(PaypalSandboxTest, TestPayersDeclineRefuseAskAgainAndWaitForReview)
{
    std::string declined = ApprovedOrder("CAPTURE", "USD", "10.00", "declined@sandbox.example");
    EXPECT_EQ(Api("POST", "/v2/checkout/orders/" + declined + "/capture", "{}").issue(),
              "INSTRUMENT_DECLINED");
    std::string refused = ApprovedOrder("AUTHORIZE", "USD", "10.00", "refused@sandbox.example");
    EXPECT_EQ(Api("POST", "/v2/checkout/orders/" + refused + "/authorize", "{}").issue(),
              "TRANSACTION_REFUSED");

    std::string again = ApprovedOrder("CAPTURE", "USD", "10.00", "payer-action@sandbox.example");
    Reply first = Api("POST", "/v2/checkout/orders/" + again + "/capture", "{}");
    EXPECT_EQ(first.issue(), "PAYER_ACTION_REQUIRED");
    Reply order = Api("GET", "/v2/checkout/orders/" + again);
    EXPECT_EQ(order.str("status"), "PAYER_ACTION_REQUIRED");
    EXPECT_EQ(order.link("payer-action"), base + "/checkoutnow?token=" + again);
    EXPECT_EQ(Payer(again, "approve").status, 303u);
    EXPECT_EQ(Api("POST", "/v2/checkout/orders/" + again + "/capture", "{}").status, 201u);

    std::string pending = ApprovedOrder("CAPTURE", "USD", "10.00", "pending@sandbox.example");
    Reply review = Api("POST", "/v2/checkout/orders/" + pending + "/capture", "{}");
    ASSERT_EQ(review.status, 201u);
    EXPECT_EQ(path_of(review.obj(), {"purchase_units", "0", "payments", "captures", "0", "status"}),
              "PENDING");
    EXPECT_EQ(path_of(review.obj(), {"purchase_units", "0", "payments", "captures", "0",
                                     "status_details", "reason"}),
              "PENDING_REVIEW");
    std::string capture =
        path_of(review.obj(), {"purchase_units", "0", "payments", "captures", "0", "id"});
    EXPECT_EQ(Api("POST", "/v2/payments/captures/" + capture + "/refund", "{}").issue(),
              "REFUND_NOT_ALLOWED");
    Advance(1); // 60 s at --time-scale 1000 is 60 ms
    EXPECT_EQ(Api("GET", "/v2/payments/captures/" + capture).str("status"), "COMPLETED");
}

TEST_F(PaypalSandboxTest, PayPalRequestIdReplaysTheOriginalAnswer)
{
    std::string body = OrderBody("AUTHORIZE", "USD", "25.00");
    Reply a = Api("POST", "/v2/checkout/orders", body, "order-req-1");
    Reply b = Api("POST", "/v2/checkout/orders", body, "order-req-1");
    ASSERT_EQ(a.status, 201u);
    EXPECT_EQ(b.status, 201u);
    EXPECT_EQ(a.str("id"), b.str("id"));
    EXPECT_NE(Api("POST", "/v2/checkout/orders", body, "order-req-2").str("id"), a.str("id"));

    Payer(a.str("id"), "approve");
    Reply auth = Api("POST", "/v2/checkout/orders/" + a.str("id") + "/authorize", "{}", "auth-1");
    std::string id =
        path_of(auth.obj(), {"purchase_units", "0", "payments", "authorizations", "0", "id"});
    std::string path = "/v2/payments/authorizations/" + id + "/capture";
    Reply c1 = Api("POST", path, Amount("USD", "10.00"), "cap-1");
    Reply c2 = Api("POST", path, Amount("USD", "10.00"), "cap-1");
    ASSERT_EQ(c1.status, 201u);
    EXPECT_EQ(c1.body, c2.body);
    Reply auth_now = Api("GET", "/v2/payments/authorizations/" + id);
    EXPECT_EQ(auth_now.str("status"), "PARTIALLY_CAPTURED");
    // Only one capture of 10.00 was made: 18.75 more reaches 115% exactly.
    EXPECT_EQ(Api("POST", path, Amount("USD", "18.75"), "cap-2").status, 201u);
    EXPECT_EQ(Api("POST", path, Amount("USD", "0.01"), "cap-3").issue(),
              "AUTHORIZATION_ALREADY_CAPTURED");
}

TEST_F(PaypalSandboxTest, MalformedMerchantJsonIsRefusedAndTheSandboxCarriesOn)
{
    // Members of the wrong type are refused like missing ones (the sandbox
    // runs with G_DEBUG=fatal-criticals from the test environment: a
    // careless read would stop it).
    EXPECT_EQ(Api("POST", "/v2/checkout/orders",
                  "{\"intent\":\"CAPTURE\",\"purchase_units\":[{\"reference_id\":7,\"amount\":"
                  "{\"currency_code\":5,\"value\":{}}}]}")
                  .issue(),
              "MISSING_REQUIRED_PARAMETER");
    EXPECT_EQ(Api("POST", "/v2/checkout/orders", "{\"intent\":1,\"purchase_units\":{}}").issue(),
              "MISSING_REQUIRED_PARAMETER");
    EXPECT_EQ(Api("POST", "/v2/checkout/orders", "[1,2]").issue(), "MALFORMED_REQUEST_JSON");
    EXPECT_EQ(Api("POST", "/v1/notifications/webhooks",
                  "{\"url\":\"http://127.0.0.1:9/x\",\"event_types\":[1,{\"name\":2}]}")
                  .issue(),
              "INVALID_PARAMETER_SYNTAX");
    EXPECT_EQ(Api("POST", "/v1/notifications/verify-webhook-signature",
                  "{\"auth_algo\":\"SHA256withRSA\",\"cert_url\":\"x\",\"transmission_id\":\"x\","
                  "\"transmission_sig\":\"x\",\"transmission_time\":\"x\",\"webhook_id\":\"x\","
                  "\"webhook_event\":[]}")
                  .str("verification_status"),
              "FAILURE");
    std::string auth = Authorization("USD", "10.00");
    EXPECT_EQ(Api("POST", "/v2/payments/authorizations/" + auth + "/capture",
                  "{\"final_capture\":\"yes\",\"amount\":{\"currency_code\":[],\"value\":1}}")
                  .issue(),
              "MISSING_REQUIRED_PARAMETER");
    EXPECT_EQ(Api("POST", "/v2/payments/authorizations/" + auth + "/capture",
                  "{\"final_capture\":\"yes\",\"invoice_id\":3}")
                  .status,
              201u);
}

// ---- Webhooks -----------------------------------------------------------

struct Delivery {
    std::map<std::string, std::string> headers;
    std::string body;
};

struct Receiver {
    SoupServer *server = nullptr;
    std::string url;
    std::vector<Delivery> deliveries;
    int refuse_first = 0; // answer 500 to this many deliveries first

    Receiver()
    {
        server = soup_server_new(nullptr, nullptr);
        soup_server_add_handler(server, "/hook", Handle, this, nullptr);
        GInetAddress *loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        GSocketAddress *address = g_inet_socket_address_new(loopback, 0);
        EXPECT_TRUE(soup_server_listen(server, address, (SoupServerListenOptions)0, nullptr));
        GSList *uris = soup_server_get_uris(server);
        url = "http://127.0.0.1:" + std::to_string(g_uri_get_port((GUri *)uris->data)) + "/hook";
        g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
        g_object_unref(address);
        g_object_unref(loopback);
    }
    ~Receiver() { g_object_unref(server); }

    static void Handle(SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
                       gpointer data)
    {
        Receiver *self = static_cast<Receiver *>(data);
        Delivery d;
        SoupMessageHeadersIter iter;
        const char *name;
        const char *value;
        soup_message_headers_iter_init(&iter, soup_server_message_get_request_headers(msg));
        while (soup_message_headers_iter_next(&iter, &name, &value)) {
            char *upper = g_ascii_strup(name, -1);
            d.headers[upper] = value;
            g_free(upper);
        }
        SoupMessageBody *body = soup_server_message_get_request_body(msg);
        GBytes *bytes = soup_message_body_flatten(body);
        gsize len = 0;
        const char *data_ptr = static_cast<const char *>(g_bytes_get_data(bytes, &len));
        d.body.assign(data_ptr != nullptr ? data_ptr : "", len);
        g_bytes_unref(bytes);
        self->deliveries.push_back(d);
        bool refuse = self->refuse_first > 0;
        if (refuse)
            self->refuse_first--;
        soup_server_message_set_status(msg, refuse ? 500 : 200, nullptr);
    }

    // Run the main loop until n deliveries arrived (or the time passed).
    bool WaitFor(size_t n, gint64 max_ms = 5000)
    {
        gint64 deadline = g_get_monotonic_time() + max_ms * 1000;
        while (deliveries.size() < n && g_get_monotonic_time() < deadline)
            g_main_context_iteration(nullptr, FALSE), g_usleep(2000);
        return deliveries.size() >= n;
    }
};

// Verify a delivery as a merchant must: fetch the certificate, check its
// chain against the CA, check the signature over the signed text.
std::string VerifyDelivery(PaypalSandboxTest *t, SoupSession *session, const Delivery &d,
                           const std::string &webhook_id, const std::string &ca_file,
                           const std::string &body_override = "")
{
    for (const char *h : {"PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-TIME",
                          "PAYPAL-TRANSMISSION-SIG", "PAYPAL-CERT-URL", "PAYPAL-AUTH-ALGO"})
        if (d.headers.count(h) == 0)
            return std::string("missing ") + h;
    (void)t;
    if (d.headers.at("PAYPAL-AUTH-ALGO") != "SHA256withRSA")
        return "algorithm";
    SoupMessage *msg = soup_message_new("GET", d.headers.at("PAYPAL-CERT-URL").c_str());
    GBytes *pem = soup_session_send_and_read(session, msg, nullptr, nullptr);
    guint status = soup_message_get_status(msg);
    g_object_unref(msg);
    if (pem == nullptr || status != 200)
        return "certificate not served";
    gsize len = 0;
    const void *pem_data = g_bytes_get_data(pem, &len);
    BIO *bio = BIO_new_mem_buf(pem_data, (int)len);
    X509 *cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    g_bytes_unref(pem);
    if (cert == nullptr)
        return "certificate does not parse";

    X509_STORE *store = X509_STORE_new();
    X509_STORE_load_file(store, ca_file.c_str());
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, cert, nullptr);
    bool chain_ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    if (!chain_ok) {
        X509_free(cert);
        return "chain";
    }

    const std::string &body = body_override.empty() ? d.body : body_override;
    unsigned long crc = crc32(0L, reinterpret_cast<const Bytef *>(body.data()), (uInt)body.size());
    std::string text = d.headers.at("PAYPAL-TRANSMISSION-ID") + "|" +
                       d.headers.at("PAYPAL-TRANSMISSION-TIME") + "|" + webhook_id + "|" +
                       std::to_string(crc);
    gsize sig_len = 0;
    guchar *sig = g_base64_decode(d.headers.at("PAYPAL-TRANSMISSION-SIG").c_str(), &sig_len);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert)) == 1 &&
              EVP_DigestVerify(md, sig, sig_len, reinterpret_cast<const guchar *>(text.data()),
                               text.size()) == 1;
    EVP_MD_CTX_free(md);
    g_free(sig);
    X509_free(cert);
    return ok ? "ok" : "signature";
}

std::string EventType(const Delivery &d)
{
    JsonNode *node = json_from_string(d.body.c_str(), nullptr);
    std::string type = node != nullptr ? json_object_get_string_member(json_node_get_object(node),
                                                                        "event_type")
                                       : "";
    if (node != nullptr)
        json_node_unref(node);
    return type;
}

TEST_F(PaypalSandboxTest, WebhooksAreSignedAsPayPalSignsThem)
{
    Receiver receiver;
    Reply hook = Api("POST", "/v1/notifications/webhooks",
                     "{\"url\":\"" + receiver.url + "\",\"event_types\":[{\"name\":\"*\"}]}");
    ASSERT_EQ(hook.status, 201u) << hook.body;
    std::string webhook_id = hook.str("id");
    EXPECT_EQ(Api("POST", "/v1/notifications/webhooks",
                  "{\"url\":\"" + receiver.url + "\",\"event_types\":[{\"name\":\"*\"}]}")
                  .str("name"),
              "WEBHOOK_URL_ALREADY_EXISTS");

    std::string id = ApprovedOrder("CAPTURE", "USD", "12.34");
    ASSERT_TRUE(receiver.WaitFor(1));
    EXPECT_EQ(EventType(receiver.deliveries[0]), "CHECKOUT.ORDER.APPROVED");
    ASSERT_EQ(Api("POST", "/v2/checkout/orders/" + id + "/capture", "{}").status, 201u);
    ASSERT_TRUE(receiver.WaitFor(2));
    const Delivery &captured = receiver.deliveries[1];
    EXPECT_EQ(EventType(captured), "PAYMENT.CAPTURE.COMPLETED");
    EXPECT_NE(captured.body.find("\"custom_id\":\"pay_1\""), std::string::npos) << captured.body;
    EXPECT_NE(captured.body.find("\"order_id\":\"" + id + "\""), std::string::npos);

    std::string ca = Setting("webhook_ca_file");
    ASSERT_FALSE(ca.empty());
    std::string cert_url = captured.headers.at("PAYPAL-CERT-URL");
    EXPECT_EQ(cert_url.rfind(base + "/v1/notifications/certs/", 0), 0u) << cert_url;
    EXPECT_EQ(VerifyDelivery(this, session, captured, webhook_id, ca), "ok");
    // A changed byte, or another webhook id, does not verify.
    std::string tampered = captured.body;
    tampered[tampered.find("12.34") + 1] = '3';
    EXPECT_EQ(VerifyDelivery(this, session, captured, webhook_id, ca, tampered), "signature");
    EXPECT_EQ(VerifyDelivery(this, session, captured, "OTHERWEBHOOKID", ca), "signature");
    // The certificate does not chain to another CA.
    std::string other_ca = std::string(g_getenv("TENDER_SOURCE_ROOT")) +
                           "/tests/keys/paypal-webhook-public.pem";
    EXPECT_NE(VerifyDelivery(this, session, captured, webhook_id, other_ca), "ok");

    // PayPal's own verification endpoint agrees, and the event can be read back.
    JsonNode *event = json_from_string(captured.body.c_str(), nullptr);
    std::string event_id = json_object_get_string_member(json_node_get_object(event), "id");
    json_node_unref(event);
    auto verify = [&](const std::string &sig, const std::string &wh) {
        std::string body = "{\"auth_algo\":\"SHA256withRSA\",\"cert_url\":\"" + cert_url +
                           "\",\"transmission_id\":\"" +
                           captured.headers.at("PAYPAL-TRANSMISSION-ID") +
                           "\",\"transmission_sig\":\"" + sig + "\",\"transmission_time\":\"" +
                           captured.headers.at("PAYPAL-TRANSMISSION-TIME") + "\",\"webhook_id\":\"" +
                           wh + "\",\"webhook_event\":" + captured.body + "}";
        return Api("POST", "/v1/notifications/verify-webhook-signature", body)
            .str("verification_status");
    };
    std::string sig = captured.headers.at("PAYPAL-TRANSMISSION-SIG");
    EXPECT_EQ(verify(sig, webhook_id), "SUCCESS");
    EXPECT_EQ(verify(sig, "OTHERWEBHOOKID"), "FAILURE");
    std::string forged = sig;
    forged[5] = forged[5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(verify(forged, webhook_id), "FAILURE");
    EXPECT_EQ(Api("GET", "/v1/notifications/webhooks-events/" + event_id).body, captured.body);

    EXPECT_EQ(Api("DELETE", "/v1/notifications/webhooks/" + webhook_id).status, 204u);
    EXPECT_EQ(Api("GET", "/v1/notifications/webhooks/" + webhook_id).status, 404u);
}

TEST_F(PaypalSandboxTest, AWebhookIsRetriedUntilAnswered2xx)
{
    Receiver receiver;
    receiver.refuse_first = 2;
    Reply hook = Api("POST", "/v1/notifications/webhooks",
                     "{\"url\":\"" + receiver.url +
                         "\",\"event_types\":[{\"name\":\"PAYMENT.AUTHORIZATION.VOIDED\"}]}");
    ASSERT_EQ(hook.status, 201u);
    std::string auth = Authorization("USD", "10.00"); // no event: not subscribed
    ASSERT_EQ(Api("POST", "/v2/payments/authorizations/" + auth + "/void", "").status, 200u);
    // At --time-scale 1000 the first retries come after 30 and 60 ms.
    ASSERT_TRUE(receiver.WaitFor(3));
    for (const Delivery &d : receiver.deliveries) {
        EXPECT_EQ(EventType(d), "PAYMENT.AUTHORIZATION.VOIDED");
        EXPECT_EQ(d.body, receiver.deliveries[0].body);
        EXPECT_EQ(VerifyDelivery(this, session, d, hook.str("id"), Setting("webhook_ca_file")), "ok");
    }
    // Answered: no fourth delivery (the next retry would come 120 ms on).
    receiver.WaitFor(4, 400);
    EXPECT_EQ(receiver.deliveries.size(), 3u);
}

TEST_F(PaypalSandboxTest, ConfigOutWithAWebhookBaseRegistersTheWebhook)
{
    test_sandbox_stop(sandbox);
    Start(1000.0, {"--webhook-base", "http://127.0.0.1:9/merchant"});
    std::string webhook_id = Setting("webhook_id");
    ASSERT_FALSE(webhook_id.empty());
    Reply hook = Api("GET", "/v1/notifications/webhooks/" + webhook_id);
    ASSERT_EQ(hook.status, 200u);
    EXPECT_EQ(hook.str("url"), "http://127.0.0.1:9/merchant/v1/webhooks/paypal");
    EXPECT_EQ(Setting("endpoint"), base);
    EXPECT_EQ(Setting("mode"), "sandbox");
    // The CA file lives in the temporary directory, never where the
    // sandbox runs.
    std::string ca = Setting("webhook_ca_file");
    char *dir = g_path_get_dirname(ca.c_str());
    char *tmp = g_canonicalize_filename(g_get_tmp_dir(), nullptr);
    EXPECT_STREQ(dir, tmp);
    g_free(dir);
    g_free(tmp);
    EXPECT_TRUE(g_file_test(ca.c_str(), G_FILE_TEST_IS_REGULAR)) << ca;
}

TEST_F(PaypalSandboxTest, StateSurvivesARestartWithStateFile)
{
    test_sandbox_stop(sandbox);
    char *dir = g_dir_make_tmp("paypal-state-XXXXXX", nullptr);
    std::string state = std::string(dir) + "/state.json";
    Start(1000.0, {"--state", state.c_str()});
    std::string id = ApprovedOrder("AUTHORIZE", "USD", "10.00");
    std::string saved_token = token;
    test_sandbox_stop(sandbox);
    Start(1000.0, {"--state", state.c_str()});
    token = saved_token; // the token lives on too
    Reply order = Api("GET", "/v2/checkout/orders/" + id);
    ASSERT_EQ(order.status, 200u) << order.body;
    EXPECT_EQ(order.str("status"), "APPROVED");
    EXPECT_EQ(Api("POST", "/v2/checkout/orders/" + id + "/authorize", "{}").status, 201u);
    test_sandbox_stop(sandbox);
    sandbox = nullptr;
    g_unlink(state.c_str());
    g_rmdir(dir);
    g_free(dir);
}

} // namespace
