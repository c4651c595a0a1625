// The card gateway of tender-sandbox, spoken to over HTTP as Stripe's
// documentation says a client must: Bearer secret key, form-encoded bodies
// with bracketed names, Idempotency-Key, JSON answers. Each test starts its
// own sandbox on an ephemeral loopback port. Webhook signatures are checked
// here with OpenSSL's HMAC, independently of the sandbox's GLib signing.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <curl/curl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sandbox-process.h"

namespace
{

using Params = std::vector<std::pair<std::string, std::string>>;

// ---- JSON ----------------------------------------------------------------

// A parsed answer with lookups by dotted path ("error.payment_intent.status").
class Json
{
  public:
    explicit Json(const std::string &text)
    {
        node_ = json_from_string(text.c_str(), nullptr);
    }
    ~Json()
    {
        if (node_)
            json_node_unref(node_);
    }
    Json(const Json &) = delete;
    Json &operator=(const Json &) = delete;

    bool valid() const
    {
        return node_ != nullptr;
    }

    JsonNode *at(const std::string &path) const
    {
        JsonNode *node = node_;
        gchar **parts = g_strsplit(path.c_str(), ".", -1);
        for (int i = 0; parts[i] && node; i++) {
            if (!JSON_NODE_HOLDS_OBJECT(node)) {
                node = nullptr;
                break;
            }
            node = json_object_get_member(json_node_get_object(node), parts[i]);
        }
        g_strfreev(parts);
        return node;
    }
    bool has(const std::string &path) const
    {
        JsonNode *n = at(path);
        return n && !JSON_NODE_HOLDS_NULL(n);
    }
    bool is_null(const std::string &path) const
    {
        JsonNode *n = at(path);
        return n && JSON_NODE_HOLDS_NULL(n);
    }
    std::string str(const std::string &path) const
    {
        JsonNode *n = at(path);
        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
            return "<none>";
        return json_node_get_string(n);
    }
    gint64 num(const std::string &path) const
    {
        JsonNode *n = at(path);
        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
            return -1;
        return json_node_get_int(n);
    }

  private:
    JsonNode *node_ = nullptr;
};

// ---- HTTP ----------------------------------------------------------------

struct Answer {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers; // names lower-cased
    std::string header(const std::string &name) const
    {
        auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

size_t collect_body(char *data, size_t size, size_t n, void *user)
{
    static_cast<std::string *>(user)->append(data, size * n);
    return size * n;
}

size_t collect_header(char *data, size_t size, size_t n, void *user)
{
    std::string line(data, size * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto &c : name)
            c = g_ascii_tolower(c);
        std::string value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' '))
            value.erase(0, 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
            value.pop_back();
        static_cast<Answer *>(user)->headers[name] = value;
    }
    return size * n;
}

std::string form_encode(const Params &params)
{
    std::string out;
    for (const auto &p : params) {
        char *name = curl_easy_escape(nullptr, p.first.c_str(), 0);
        char *value = curl_easy_escape(nullptr, p.second.c_str(), 0);
        if (!out.empty())
            out += "&";
        out += std::string(name) + "=" + value;
        curl_free(name);
        curl_free(value);
    }
    return out;
}

Answer http(const std::string &method, const std::string &url, const std::string &body,
            const std::vector<std::string> &headers)
{
    Answer answer;
    CURL *curl = curl_easy_init();
    struct curl_slist *list = nullptr;
    for (const auto &h : headers)
        list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body.size());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(curl);
    EXPECT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc) << " " << method << " " << url;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return answer;
}

// ---- A webhook receiver ----------------------------------------------------

struct Delivery {
    std::map<std::string, std::string> headers;
    std::string body;
};

// A loopback HTTP server in a thread that records every POST and answers
// 500 to the first fail_first of them, 200 afterwards.
class Receiver
{
  public:
    explicit Receiver(int fail_first = 0) : fail_first_(fail_first)
    {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        listen(fd_, 16);
        socklen_t len = sizeof addr;
        getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~Receiver()
    {
        stop_ = true;
        thread_.join();
        close(fd_);
    }
    std::string url() const
    {
        return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/card";
    }
    // Wait (up to 10 s) until at least n deliveries arrived.
    bool wait_for(size_t n)
    {
        for (int i = 0; i < 1000; i++) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (deliveries_.size() >= n)
                    return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
    std::vector<Delivery> deliveries()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return deliveries_;
    }
    int answered_ok() const
    {
        return answered_ok_;
    }

  private:
    void run()
    {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0)
                continue;
            int client = accept(fd_, nullptr, nullptr);
            if (client >= 0) {
                serve(client);
                close(client);
            }
        }
    }
    void serve(int client)
    {
        std::string data;
        char buf[4096];
        size_t header_end = std::string::npos;
        size_t content_length = 0;
        for (;;) {
            pollfd p{client, POLLIN, 0};
            if (poll(&p, 1, 2000) <= 0)
                return;
            ssize_t n = read(client, buf, sizeof buf);
            if (n <= 0)
                return;
            data.append(buf, n);
            if (header_end == std::string::npos) {
                header_end = data.find("\r\n\r\n");
                if (header_end != std::string::npos) {
                    std::string head = data.substr(0, header_end);
                    for (auto &c : head)
                        c = g_ascii_tolower(c);
                    auto at = head.find("content-length:");
                    if (at != std::string::npos)
                        content_length = std::stoul(head.substr(at + 15));
                }
            }
            if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length)
                break;
        }
        Delivery d;
        d.body = data.substr(header_end + 4, content_length);
        gchar **lines = g_strsplit(data.substr(0, header_end).c_str(), "\r\n", -1);
        for (int i = 1; lines[i]; i++) {
            const char *colon = strchr(lines[i], ':');
            if (!colon)
                continue;
            std::string name(lines[i], colon - lines[i]);
            for (auto &c : name)
                c = g_ascii_tolower(c);
            std::string value(colon + 1);
            while (!value.empty() && value.front() == ' ')
                value.erase(0, 1);
            d.headers[name] = value;
        }
        g_strfreev(lines);
        int status;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            deliveries_.push_back(d);
            status = (int)deliveries_.size() <= fail_first_ ? 500 : 200;
        }
        if (status == 200)
            answered_ok_++;
        std::string reply = "HTTP/1.1 " + std::to_string(status) +
                            (status == 200 ? " OK" : " Internal Server Error") +
                            "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        ssize_t written = write(client, reply.data(), reply.size());
        (void)written;
    }

    int fd_ = -1;
    int port_ = 0;
    int fail_first_;
    std::atomic<bool> stop_{false};
    std::atomic<int> answered_ok_{0};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<Delivery> deliveries_;
};

// Check a Stripe-Signature header against body with secret, as a merchant
// would: t=<seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>.
::testing::AssertionResult signature_valid(const std::string &header, const std::string &body,
                                           const std::string &secret)
{
    std::string t, v1;
    gchar **parts = g_strsplit(header.c_str(), ",", -1);
    for (int i = 0; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], "t="))
            t = parts[i] + 2;
        else if (g_str_has_prefix(parts[i], "v1="))
            v1 = parts[i] + 3;
    }
    g_strfreev(parts);
    if (t.empty() || v1.empty())
        return ::testing::AssertionFailure() << "malformed header: " << header;
    std::string signed_text = t + "." + body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), secret.data(), (int)secret.size(),
         reinterpret_cast<const unsigned char *>(signed_text.data()), signed_text.size(), mac,
         &mac_len);
    std::string hex;
    char two[3];
    for (unsigned int i = 0; i < mac_len; i++) {
        snprintf(two, sizeof two, "%02x", mac[i]);
        hex += two;
    }
    if (hex.size() != v1.size() || CRYPTO_memcmp(hex.data(), v1.data(), hex.size()) != 0)
        return ::testing::AssertionFailure() << "v1 " << v1 << " expected " << hex;
    return ::testing::AssertionSuccess();
}

// ---- The fixture -----------------------------------------------------------

class SandboxCard : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        start(nullptr);
    }
    void TearDown() override
    {
        test_sandbox_stop(sb_);
    }

    void start(const char *const *extra_args, double time_scale = 10000.0)
    {
        GError *error = nullptr;
        sb_ = test_sandbox_start(time_scale, extra_args, &error);
        ASSERT_NE(sb_, nullptr) << (error ? error->message : "?");
        JsonObject *settings = test_sandbox_settings(sb_, "card");
        ASSERT_NE(settings, nullptr);
        endpoint_ = json_object_get_string_member(settings, "endpoint");
        secret_key_ = json_object_get_string_member(settings, "secret_key");
        webhook_secret_ = json_object_get_string_member(settings, "webhook_secret");
        EXPECT_STREQ(json_object_get_string_member(settings, "mode"), "sandbox");
    }
    void restart(const char *const *extra_args)
    {
        test_sandbox_stop(sb_);
        sb_ = nullptr;
        start(extra_args);
    }

    Answer post(const std::string &path, const Params &params, const std::string &key = "")
    {
        std::vector<std::string> headers = {"Authorization: Bearer " + secret_key_};
        if (!key.empty())
            headers.push_back("Idempotency-Key: " + key);
        return http("POST", endpoint_ + path, form_encode(params), headers);
    }
    Answer get(const std::string &path)
    {
        return http("GET", endpoint_ + path, "", {"Authorization: Bearer " + secret_key_});
    }

    // A confirmed PaymentIntent for amount with card number.
    Answer pay(const std::string &number, const std::string &capture_method = "automatic",
               gint64 amount = 1000, Params extra = {})
    {
        Params p = {{"amount", std::to_string(amount)},
                    {"currency", "usd"},
                    {"confirm", "true"},
                    {"capture_method", capture_method},
                    {"payment_method_data[type]", "card"},
                    {"payment_method_data[card][number]", number},
                    {"payment_method_data[card][exp_month]", "12"},
                    {"payment_method_data[card][exp_year]", "2040"},
                    {"payment_method_data[card][cvc]", "123"},
                    {"payment_method_data[billing_details][name]", "Jenny Rosen"},
                    {"metadata[tender_payment]", "pay_test"}};
        for (auto &e : extra)
            p.push_back(e);
        return post("/v1/payment_intents", p);
    }

    void advance_clock(gint64 seconds)
    {
        Answer a = http("POST", std::string(test_sandbox_url(sb_)) + "/_sandbox/clock",
                        "{\"advance_seconds\": " + std::to_string(seconds) + "}",
                        {"Content-Type: application/json"});
        ASSERT_EQ(a.status, 200) << a.body;
    }

    std::string register_webhook(const std::string &url)
    {
        Answer a = post("/v1/webhook_endpoints", {{"url", url}, {"enabled_events[]", "*"}});
        EXPECT_EQ(a.status, 200) << a.body;
        Json j(a.body);
        EXPECT_EQ(j.str("secret"), webhook_secret_);
        return j.str("id");
    }

    TestSandbox *sb_ = nullptr;
    std::string endpoint_, secret_key_, webhook_secret_;
};

// ---- Authentication, parameters ---------------------------------------------

TEST_F(SandboxCard, SettingsPointAtTheCardPrefix)
{
    EXPECT_EQ(endpoint_, std::string(test_sandbox_url(sb_)) + "/card");
    EXPECT_TRUE(g_str_has_prefix(secret_key_.c_str(), "sk_test_"));
    EXPECT_TRUE(g_str_has_prefix(webhook_secret_.c_str(), "whsec_"));
}

TEST_F(SandboxCard, MissingOrWrongKeyIs401WithTheKeyMasked)
{
    Answer none = http("GET", endpoint_ + "/v1/payment_intents/pi_x", "", {});
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(Json(none.body).str("error.type"), "invalid_request_error");

    const std::string wrong = "sk_test_thisIsNotTheRightKey1234";
    Answer bad = http("POST", endpoint_ + "/v1/payment_intents", "amount=100&currency=usd",
                      {"Authorization: Bearer " + wrong});
    EXPECT_EQ(bad.status, 401);
    Json j(bad.body);
    EXPECT_EQ(j.str("error.type"), "invalid_request_error");
    EXPECT_EQ(j.str("error.message"), "Invalid API Key provided: sk_test_****1234");
    EXPECT_EQ(bad.body.find(wrong), std::string::npos);
    EXPECT_FALSE(bad.header("request-id").empty());
}

TEST_F(SandboxCard, MissingAmountOrCurrencyAndUnknownCurrencyAre400)
{
    Answer a = post("/v1/payment_intents", {{"currency", "usd"}});
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(Json(a.body).str("error.code"), "parameter_missing");
    EXPECT_EQ(Json(a.body).str("error.param"), "amount");

    Answer c = post("/v1/payment_intents", {{"amount", "100"}});
    EXPECT_EQ(c.status, 400);
    EXPECT_EQ(Json(c.body).str("error.param"), "currency");

    Answer x = post("/v1/payment_intents", {{"amount", "100"}, {"currency", "xyz"}});
    EXPECT_EQ(x.status, 400);
    EXPECT_EQ(Json(x.body).str("error.type"), "invalid_request_error");
    EXPECT_EQ(Json(x.body).str("error.param"), "currency");

    Answer n = post("/v1/payment_intents", {{"amount", "ten"}, {"currency", "usd"}});
    EXPECT_EQ(n.status, 400);
    EXPECT_EQ(Json(n.body).str("error.param"), "amount");

    Answer u = get("/v1/nothing_here");
    EXPECT_EQ(u.status, 404);
    EXPECT_EQ(Json(u.body).str("error.type"), "invalid_request_error");

    Answer m = get("/v1/payment_intents/pi_doesNotExist");
    EXPECT_EQ(m.status, 404);
    EXPECT_EQ(Json(m.body).str("error.code"), "resource_missing");
}

// ---- Test cards ------------------------------------------------------------

TEST_F(SandboxCard, ApprovedCardSucceedsWithChargeFacts)
{
    Answer a = pay("4242424242424242", "automatic", 1000, {{"expand[]", "latest_charge"}});
    ASSERT_EQ(a.status, 200) << a.body;
    Json j(a.body);
    EXPECT_TRUE(g_str_has_prefix(j.str("id").c_str(), "pi_"));
    EXPECT_EQ(j.str("object"), "payment_intent");
    EXPECT_EQ(j.str("status"), "succeeded");
    EXPECT_EQ(j.num("amount"), 1000);
    EXPECT_EQ(j.num("amount_received"), 1000);
    EXPECT_EQ(j.num("amount_capturable"), 0);
    EXPECT_EQ(j.str("currency"), "usd");
    EXPECT_EQ(j.str("metadata.tender_payment"), "pay_test");
    EXPECT_EQ(j.str("latest_charge.payment_method_details.card.brand"), "visa");
    EXPECT_EQ(j.str("latest_charge.payment_method_details.card.last4"), "4242");
    EXPECT_TRUE(j.is_null("latest_charge.payment_method_details.card.three_d_secure"));
    EXPECT_EQ(j.str("latest_charge.outcome.network_status"), "approved_by_network");
    EXPECT_EQ(a.body.find("4242424242424242"), std::string::npos);

    // Retrieve without expand: latest_charge is the id.
    Answer r = get("/v1/payment_intents/" + j.str("id"));
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(g_str_has_prefix(Json(r.body).str("latest_charge").c_str(), "ch_"));
    EXPECT_EQ(Json(r.body).str("status"), "succeeded");
    Answer e = get("/v1/payment_intents/" + j.str("id") + "?expand[]=latest_charge");
    EXPECT_EQ(Json(e.body).str("latest_charge.object"), "charge");
}

struct DeclineCase {
    const char *number;
    const char *code;
    const char *decline_code; // nullptr: none
};

TEST_F(SandboxCard, EveryDecliningTestCardAnswersItsError)
{
    const DeclineCase cases[] = {
        {"4000000000000002", "card_declined", "generic_decline"},
        {"4000000000009995", "card_declined", "insufficient_funds"},
        {"4000000000009987", "card_declined", "lost_card"},
        {"4000000000009979", "card_declined", "stolen_card"},
        {"4100000000000019", "card_declined", "fraudulent"},
        {"4000000000000069", "expired_card", nullptr},
        {"4000000000000127", "incorrect_cvc", nullptr},
        {"4000000000000119", "processing_error", nullptr},
        {"4242424242424241", "incorrect_number", nullptr},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.number);
        Answer a = pay(c.number);
        ASSERT_EQ(a.status, 402) << a.body;
        Json j(a.body);
        EXPECT_EQ(j.str("error.type"), "card_error");
        EXPECT_EQ(j.str("error.code"), c.code);
        if (c.decline_code)
            EXPECT_EQ(j.str("error.decline_code"), c.decline_code);
        else
            EXPECT_FALSE(j.has("error.decline_code"));
        EXPECT_EQ(j.str("error.payment_intent.status"), "requires_payment_method");
        EXPECT_EQ(j.str("error.payment_intent.last_payment_error.code"), c.code);
        EXPECT_EQ(a.body.find(c.number), std::string::npos);
        // The intent is kept as it failed.
        Answer r = get("/v1/payment_intents/" + j.str("error.payment_intent.id"));
        EXPECT_EQ(Json(r.body).str("status"), "requires_payment_method");
    }
}

TEST_F(SandboxCard, FraudIsBlockedBeforeTheNetworkAndDeclinesReachIt)
{
    Json fraud(pay("4100000000000019", "automatic", 500, {{"expand[]", "latest_charge"}}).body);
    EXPECT_EQ(fraud.str("error.payment_intent.latest_charge.outcome.network_status"),
              "not_sent_to_network");
    Json funds(pay("4000000000009995", "automatic", 500, {{"expand[]", "latest_charge"}}).body);
    EXPECT_EQ(funds.str("error.payment_intent.latest_charge.outcome.network_status"),
              "declined_by_network");
    EXPECT_EQ(funds.str("error.payment_intent.latest_charge.status"), "failed");
}

TEST_F(SandboxCard, MalformedCardsAreRefusedAsTheGatewayWould)
{
    auto with = [&](const char *field, const char *value) {
        Params p = {{"amount", "100"},
                    {"currency", "eur"},
                    {"confirm", "true"},
                    {"payment_method_data[type]", "card"},
                    {"payment_method_data[card][number]", "4242424242424242"},
                    {"payment_method_data[card][exp_month]", "12"},
                    {"payment_method_data[card][exp_year]", "2040"}};
        for (auto &e : p) {
            if (e.first == std::string("payment_method_data[card][") + field + "]")
                e.second = value;
        }
        return post("/v1/payment_intents", p);
    };
    Answer number = with("number", "4242-4242");
    EXPECT_EQ(number.status, 402);
    EXPECT_EQ(Json(number.body).str("error.code"), "incorrect_number");

    Answer past = with("exp_year", "2020");
    EXPECT_EQ(past.status, 402);
    EXPECT_EQ(Json(past.body).str("error.code"), "expired_card");

    Answer month = with("exp_month", "13");
    EXPECT_EQ(month.status, 402);
    EXPECT_EQ(Json(month.body).str("error.code"), "invalid_expiry_month");

    Answer year = with("exp_year", "soon");
    EXPECT_EQ(year.status, 402);
    EXPECT_EQ(Json(year.body).str("error.code"), "invalid_expiry_year");

    Answer far = with("exp_year", "2999");
    EXPECT_EQ(Json(far.body).str("error.code"), "invalid_expiry_year");

    Answer missing = post("/v1/payment_intents", {{"amount", "100"},
                                                  {"currency", "usd"},
                                                  {"confirm", "true"},
                                                  {"payment_method_data[type]", "card"},
                                                  {"payment_method_data[card][exp_month]", "1"},
                                                  {"payment_method_data[card][exp_year]", "2040"}});
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(Json(missing.body).str("error.code"), "parameter_missing");
    EXPECT_EQ(Json(missing.body).str("error.param"), "payment_method_data[card][number]");
}

TEST_F(SandboxCard, ExpiryIsJudgedAgainstTheProvidersClock)
{
    GDateTime *now = g_date_time_new_now_utc();
    std::string this_year = std::to_string(g_date_time_get_year(now));
    std::string this_month = std::to_string(g_date_time_get_month(now));
    g_date_time_unref(now);
    Params p = {{"amount", "100"},
                {"currency", "usd"},
                {"confirm", "true"},
                {"payment_method_data[type]", "card"},
                {"payment_method_data[card][number]", "5555555555554444"},
                {"payment_method_data[card][exp_month]", this_month},
                {"payment_method_data[card][exp_year]", this_year}};
    Answer ok = post("/v1/payment_intents", p);
    EXPECT_EQ(ok.status, 200) << ok.body; // valid through the end of the month
    EXPECT_EQ(Json(ok.body).str("status"), "succeeded");
    advance_clock(62 * 24 * 3600);
    Answer late = post("/v1/payment_intents", p);
    EXPECT_EQ(late.status, 402);
    EXPECT_EQ(Json(late.body).str("error.code"), "expired_card");
}

// ---- Idempotency -------------------------------------------------------------

TEST_F(SandboxCard, IdempotencyKeyReplaysTheFirstAnswerAndRefusesOtherParameters)
{
    Params p = {{"amount", "700"},
                {"currency", "usd"},
                {"confirm", "true"},
                {"payment_method_data[type]", "card"},
                {"payment_method_data[card][number]", "4242424242424242"},
                {"payment_method_data[card][exp_month]", "12"},
                {"payment_method_data[card][exp_year]", "2040"}};
    Answer first = post("/v1/payment_intents", p, "op-1");
    ASSERT_EQ(first.status, 200);
    EXPECT_TRUE(first.header("idempotent-replayed").empty());
    Answer again = post("/v1/payment_intents", p, "op-1");
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.header("idempotent-replayed"), "true");
    EXPECT_EQ(again.body, first.body);

    // A declined card's 402 is replayed too.
    Params d = p;
    d[4].second = "4000000000000002";
    Answer declined = post("/v1/payment_intents", d, "op-2");
    ASSERT_EQ(declined.status, 402);
    Answer declined_again = post("/v1/payment_intents", d, "op-2");
    EXPECT_EQ(declined_again.status, 402);
    EXPECT_EQ(declined_again.body, declined.body);

    Params other = p;
    other[0].second = "701";
    Answer conflict = post("/v1/payment_intents", other, "op-1");
    EXPECT_EQ(conflict.status, 400);
    EXPECT_EQ(Json(conflict.body).str("error.type"), "idempotency_error");

    // A capture with the key of the payment is another endpoint: refused.
    Answer elsewhere =
        post("/v1/payment_intents/" + Json(first.body).str("id") + "/capture", {}, "op-1");
    EXPECT_EQ(elsewhere.status, 400);
    EXPECT_EQ(Json(elsewhere.body).str("error.type"), "idempotency_error");
}

// ---- Capture, cancel -------------------------------------------------------------

TEST_F(SandboxCard, ManualCaptureWithPartialAmountReleasesTheRest)
{
    Json auth(pay("4242424242424242", "manual", 1000).body);
    ASSERT_EQ(auth.str("status"), "requires_capture");
    EXPECT_EQ(auth.num("amount_capturable"), 1000);
    EXPECT_EQ(auth.num("amount_received"), 0);
    std::string id = auth.str("id");

    Answer over = post("/v1/payment_intents/" + id + "/capture", {{"amount_to_capture", "1001"}});
    EXPECT_EQ(over.status, 400);
    EXPECT_EQ(Json(over.body).str("error.code"), "amount_too_large");

    Answer cap = post("/v1/payment_intents/" + id + "/capture", {{"amount_to_capture", "600"}});
    ASSERT_EQ(cap.status, 200) << cap.body;
    Json c(cap.body);
    EXPECT_EQ(c.str("status"), "succeeded");
    EXPECT_EQ(c.num("amount_received"), 600);
    EXPECT_EQ(c.num("amount_capturable"), 0);

    Answer again = post("/v1/payment_intents/" + id + "/capture", {});
    EXPECT_EQ(again.status, 400);
    EXPECT_EQ(Json(again.body).str("error.code"), "payment_intent_unexpected_state");
}

TEST_F(SandboxCard, MulticaptureKeepsTheRestCapturableUntilTheFinalCapture)
{
    Json auth(pay("4242424242424242", "manual", 1000,
                  {{"payment_method_options[card][request_multicapture]", "if_available"},
                   {"expand[]", "latest_charge"}})
                  .body);
    ASSERT_EQ(auth.str("status"), "requires_capture");
    EXPECT_EQ(auth.str("latest_charge.payment_method_details.card.multicapture.status"),
              "available");
    std::string id = auth.str("id");
    Json first(post("/v1/payment_intents/" + id + "/capture",
                    {{"amount_to_capture", "300"}, {"final_capture", "false"}})
                   .body);
    EXPECT_EQ(first.str("status"), "requires_capture");
    EXPECT_EQ(first.num("amount_capturable"), 700);
    EXPECT_EQ(first.num("amount_received"), 300);

    Json second(post("/v1/payment_intents/" + id + "/capture",
                     {{"amount_to_capture", "200"}, {"final_capture", "false"}})
                    .body);
    EXPECT_EQ(second.num("amount_capturable"), 500);
    EXPECT_EQ(second.num("amount_received"), 500);

    Answer over = post("/v1/payment_intents/" + id + "/capture", {{"amount_to_capture", "501"}});
    EXPECT_EQ(Json(over.body).str("error.code"), "amount_too_large");

    Json last(post("/v1/payment_intents/" + id + "/capture", {{"amount_to_capture", "100"}}).body);
    EXPECT_EQ(last.str("status"), "succeeded");
    EXPECT_EQ(last.num("amount_received"), 600);
    EXPECT_EQ(last.num("amount_capturable"), 0);

    // Without multicapture, final_capture=false is refused.
    Json plain(pay("4242424242424242", "manual", 1000).body);
    Answer refused = post("/v1/payment_intents/" + plain.str("id") + "/capture",
                          {{"amount_to_capture", "300"}, {"final_capture", "false"}});
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(Json(refused.body).str("error.param"), "final_capture");
}

TEST_F(SandboxCard, CancelReleasesAnAuthorizationOnce)
{
    Json auth(pay("4242424242424242", "manual", 2500).body);
    std::string id = auth.str("id");
    Answer cancel = post("/v1/payment_intents/" + id + "/cancel",
                         {{"cancellation_reason", "requested_by_customer"}});
    ASSERT_EQ(cancel.status, 200) << cancel.body;
    Json c(cancel.body);
    EXPECT_EQ(c.str("status"), "canceled");
    EXPECT_EQ(c.str("cancellation_reason"), "requested_by_customer");
    EXPECT_EQ(c.num("amount_capturable"), 0);
    Answer twice = post("/v1/payment_intents/" + id + "/cancel", {});
    EXPECT_EQ(twice.status, 400);
    EXPECT_EQ(Json(twice.body).str("error.code"), "payment_intent_unexpected_state");
    Answer capture = post("/v1/payment_intents/" + id + "/capture", {});
    EXPECT_EQ(Json(capture.body).str("error.code"), "payment_intent_unexpected_state");

    Json paid(pay("4242424242424242").body);
    Answer late = post("/v1/payment_intents/" + paid.str("id") + "/cancel", {});
    EXPECT_EQ(Json(late.body).str("error.code"), "payment_intent_unexpected_state");
}

TEST_F(SandboxCard, AnAuthorizationLapsesSevenDaysLater)
{
    Json auth(pay("4242424242424242", "manual", 800).body);
    std::string id = auth.str("id");
    advance_clock(7 * 24 * 3600 - 60);
    EXPECT_EQ(Json(get("/v1/payment_intents/" + id).body).str("status"), "requires_capture");
    advance_clock(120);
    Json lapsed(get("/v1/payment_intents/" + id).body);
    EXPECT_EQ(lapsed.str("status"), "canceled");
    EXPECT_EQ(lapsed.str("cancellation_reason"), "automatic");
    Answer capture = post("/v1/payment_intents/" + id + "/capture", {});
    EXPECT_EQ(Json(capture.body).str("error.code"), "payment_intent_unexpected_state");
}

// ---- Refunds -----------------------------------------------------------------

TEST_F(SandboxCard, PartialRefundsNeverExceedWhatWasReceived)
{
    Json paid(pay("4242424242424242", "automatic", 1000).body);
    std::string id = paid.str("id");
    Answer r1 = post("/v1/refunds", {{"payment_intent", id}, {"amount", "300"}});
    ASSERT_EQ(r1.status, 200) << r1.body;
    Json j1(r1.body);
    EXPECT_TRUE(g_str_has_prefix(j1.str("id").c_str(), "re_"));
    EXPECT_EQ(j1.str("status"), "succeeded");
    EXPECT_EQ(j1.num("amount"), 300);
    EXPECT_EQ(j1.str("payment_intent"), id);
    Answer r2 = post("/v1/refunds", {{"payment_intent", id}, {"amount", "200"}});
    EXPECT_EQ(r2.status, 200);
    Answer over = post("/v1/refunds", {{"payment_intent", id}, {"amount", "501"}});
    EXPECT_EQ(over.status, 400);
    EXPECT_EQ(Json(over.body).str("error.code"), "amount_too_large");
    Answer rest = post("/v1/refunds", {{"payment_intent", id}});
    ASSERT_EQ(rest.status, 200);
    EXPECT_EQ(Json(rest.body).num("amount"), 500);
    Answer none_left = post("/v1/refunds", {{"payment_intent", id}, {"amount", "1"}});
    EXPECT_EQ(none_left.status, 400);
    EXPECT_EQ(Json(none_left.body).str("error.code"), "charge_already_refunded");

    Answer fetched = get("/v1/refunds/" + j1.str("id"));
    EXPECT_EQ(fetched.status, 200);
    EXPECT_EQ(Json(fetched.body).num("amount"), 300);
    Json charge(get("/v1/payment_intents/" + id + "?expand[]=latest_charge").body);
    EXPECT_EQ(charge.num("latest_charge.amount_refunded"), 1000);

    // A partially captured authorization refunds only what was captured.
    Json auth(pay("4242424242424242", "manual", 1000).body);
    Answer nothing = post("/v1/refunds", {{"payment_intent", auth.str("id")}});
    EXPECT_EQ(nothing.status, 400);
    EXPECT_EQ(Json(nothing.body).str("error.code"), "payment_intent_unexpected_state");
    post("/v1/payment_intents/" + auth.str("id") + "/capture", {{"amount_to_capture", "400"}});
    Answer too_much = post("/v1/refunds", {{"payment_intent", auth.str("id")}, {"amount", "401"}});
    EXPECT_EQ(Json(too_much.body).str("error.code"), "amount_too_large");
}

// ---- 3-D Secure --------------------------------------------------------------

// Post the challenge form; returns the answer (a redirect is not followed).
Answer submit_code(const std::string &page_url, const std::string &code)
{
    return http("POST", page_url, "code=" + code,
                {"Content-Type: application/x-www-form-urlencoded"});
}

TEST_F(SandboxCard, ChallengeCardShowsTheCodePageAndTheRightCodeApproves)
{
    Answer a = pay("4000000000003220", "manual", 1500,
                   {{"return_url", "http://127.0.0.1:9/return?order=7"}});
    ASSERT_EQ(a.status, 200) << a.body;
    Json j(a.body);
    EXPECT_EQ(j.str("status"), "requires_action");
    EXPECT_EQ(j.str("next_action.type"), "redirect_to_url");
    std::string page = j.str("next_action.redirect_to_url.url");
    EXPECT_EQ(page, std::string(test_sandbox_url(sb_)) + "/card/3ds/" + j.str("id"));
    EXPECT_EQ(j.str("next_action.redirect_to_url.return_url"), "http://127.0.0.1:9/return?order=7");

    Answer form = http("GET", page, "", {});
    EXPECT_EQ(form.status, 200);
    EXPECT_NE(form.body.find("name=\"code\""), std::string::npos) << form.body;
    EXPECT_NE(form.body.find("autocomplete=\"one-time-code\""), std::string::npos);
    EXPECT_NE(form.body.find("inputmode=\"numeric\""), std::string::npos);

    Answer back = submit_code(page, "123456");
    EXPECT_EQ(back.status, 303);
    EXPECT_EQ(back.header("location"), "http://127.0.0.1:9/return?order=7&payment_intent=" +
                                           j.str("id") + "&redirect_status=succeeded");
    Json after(get("/v1/payment_intents/" + j.str("id") + "?expand[]=latest_charge").body);
    EXPECT_EQ(after.str("status"), "requires_capture");
    EXPECT_EQ(after.num("amount_capturable"), 1500);
    EXPECT_EQ(after.str("latest_charge.payment_method_details.card.three_d_secure.result"),
              "authenticated");

    // The page is done: it no longer takes a code.
    EXPECT_EQ(http("GET", page, "", {}).status, 409);
}

TEST_F(SandboxCard, WrongCodeFailsAuthentication)
{
    Json j(pay("4000000000003220").body);
    std::string page = j.str("next_action.redirect_to_url.url");
    Answer done = submit_code(page, "000000");
    EXPECT_EQ(done.status, 200); // no return_url: a plain page
    Json after(get("/v1/payment_intents/" + j.str("id")).body);
    EXPECT_EQ(after.str("status"), "requires_payment_method");
    EXPECT_EQ(after.str("last_payment_error.code"), "payment_intent_authentication_failure");
}

TEST_F(SandboxCard, ChallengeThenDeclineCardDeclinesAfterTheCode)
{
    Json j(
        pay("4000008400001629", "automatic", 900, {{"return_url", "https://shop.example/r"}}).body);
    ASSERT_EQ(j.str("status"), "requires_action");
    Answer back = submit_code(j.str("next_action.redirect_to_url.url"), "123456");
    EXPECT_EQ(back.status, 303);
    EXPECT_NE(back.header("location").find("redirect_status=failed"), std::string::npos);
    Json after(get("/v1/payment_intents/" + j.str("id")).body);
    EXPECT_EQ(after.str("status"), "requires_payment_method");
    EXPECT_EQ(after.str("last_payment_error.code"), "card_declined");
    EXPECT_EQ(after.str("last_payment_error.decline_code"), "generic_decline");
}

TEST_F(SandboxCard, FrictionlessAndRequestedChallenge)
{
    Json f(pay("4000000000003055", "automatic", 100, {{"expand[]", "latest_charge"}}).body);
    EXPECT_EQ(f.str("status"), "succeeded");
    EXPECT_EQ(f.str("latest_charge.payment_method_details.card.three_d_secure.result"),
              "authenticated");

    Json c(pay("4242424242424242", "automatic", 100,
               {{"payment_method_options[card][request_three_d_secure]", "challenge"}})
               .body);
    EXPECT_EQ(c.str("status"), "requires_action");
    submit_code(c.str("next_action.redirect_to_url.url"), "123456");
    EXPECT_EQ(Json(get("/v1/payment_intents/" + c.str("id")).body).str("status"), "succeeded");

    // A card that declines is declined, not challenged.
    Answer d = pay("4000000000000002", "automatic", 100,
                   {{"payment_method_options[card][request_three_d_secure]", "challenge"}});
    EXPECT_EQ(d.status, 402);
}

// ---- Webhooks ----------------------------------------------------------------

TEST_F(SandboxCard, WebhookEndpointReceivesSignedEvents)
{
    Receiver receiver;
    register_webhook(receiver.url());
    Json auth(pay("4242424242424242", "manual", 1200).body);
    ASSERT_TRUE(receiver.wait_for(1));
    Delivery d = receiver.deliveries()[0];
    EXPECT_TRUE(signature_valid(d.headers["stripe-signature"], d.body, webhook_secret_));
    EXPECT_FALSE(signature_valid(d.headers["stripe-signature"], d.body + " ", webhook_secret_));
    Json event(d.body);
    EXPECT_TRUE(g_str_has_prefix(event.str("id").c_str(), "evt_"));
    EXPECT_EQ(event.str("object"), "event");
    EXPECT_EQ(event.str("type"), "payment_intent.amount_capturable_updated");
    EXPECT_EQ(event.str("data.object.id"), auth.str("id"));
    EXPECT_EQ(event.str("data.object.metadata.tender_payment"), "pay_test");
    // The signature's timestamp is the provider's clock, in seconds.
    gint64 t = g_ascii_strtoll(d.headers["stripe-signature"].c_str() + 2, nullptr, 10);
    EXPECT_LE(std::llabs(t - g_get_real_time() / G_USEC_PER_SEC), 60);

    post("/v1/payment_intents/" + auth.str("id") + "/capture", {});
    ASSERT_TRUE(receiver.wait_for(2));
    Json succeeded(receiver.deliveries()[1].body);
    EXPECT_EQ(succeeded.str("type"), "payment_intent.succeeded");
    EXPECT_EQ(succeeded.num("data.object.amount_received"), 1200);

    post("/v1/refunds", {{"payment_intent", auth.str("id")}, {"amount", "200"}});
    ASSERT_TRUE(receiver.wait_for(4));
    bool refunded = false;
    for (auto &delivery : receiver.deliveries()) {
        Json e(delivery.body);
        if (e.str("type") == "charge.refunded") {
            refunded = true;
            EXPECT_EQ(e.str("data.object.payment_intent"), auth.str("id"));
            EXPECT_EQ(e.num("data.object.amount_refunded"), 200);
        }
        EXPECT_TRUE(
            signature_valid(delivery.headers["stripe-signature"], delivery.body, webhook_secret_));
    }
    EXPECT_TRUE(refunded);
}

TEST_F(SandboxCard, FailedDeliveriesAreRetriedUntilAnswered2xx)
{
    Receiver receiver(2); // 500, 500, then 200
    register_webhook(receiver.url());
    Json failed(pay("4000000000000002").body);
    ASSERT_TRUE(receiver.wait_for(3));
    auto deliveries = receiver.deliveries();
    EXPECT_EQ(deliveries[0].body, deliveries[2].body);
    EXPECT_EQ(Json(deliveries[2].body).str("type"), "payment_intent.payment_failed");
    // Nothing more once answered.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(receiver.deliveries().size(), 3u);
    EXPECT_EQ(receiver.answered_ok(), 1);
}

TEST_F(SandboxCard, WebhookEndpointsCanBeListedAndDeleted)
{
    std::string id = register_webhook("http://127.0.0.1:9/hooks");
    Answer got = get("/v1/webhook_endpoints/" + id);
    EXPECT_EQ(got.status, 200);
    EXPECT_FALSE(Json(got.body).has("secret"));
    Answer list = get("/v1/webhook_endpoints");
    EXPECT_NE(list.body.find(id), std::string::npos);
    Answer gone = http("DELETE", endpoint_ + "/v1/webhook_endpoints/" + id, "",
                       {"Authorization: Bearer " + secret_key_});
    EXPECT_EQ(gone.status, 200);
    EXPECT_EQ(get("/v1/webhook_endpoints/" + id).status, 404);
    Answer bad = post("/v1/webhook_endpoints", {{"url", "http://127.0.0.1:9/x"}});
    EXPECT_EQ(Json(bad.body).str("error.param"), "enabled_events");
}

TEST_F(SandboxCard, WebhookBaseRegistersTenderAtStart)
{
    Receiver receiver;
    std::string base = receiver.url().substr(0, receiver.url().find("/hooks"));
    const char *args[] = {"--webhook-base", base.c_str(), nullptr};
    restart(args);
    Answer list = get("/v1/webhook_endpoints");
    EXPECT_NE(list.body.find(base + "/v1/webhooks/card"), std::string::npos) << list.body;
}

TEST_F(SandboxCard, StatusChangesWithoutARequestPostEventsToo)
{
    Receiver receiver;
    register_webhook(receiver.url());
    Json challenged(pay("4000000000003220").body);
    ASSERT_TRUE(receiver.wait_for(1));
    EXPECT_EQ(Json(receiver.deliveries()[0].body).str("type"), "payment_intent.requires_action");
    submit_code(challenged.str("next_action.redirect_to_url.url"), "123456");
    ASSERT_TRUE(receiver.wait_for(2));
    Json passed(receiver.deliveries()[1].body);
    EXPECT_EQ(passed.str("type"), "payment_intent.succeeded");
    EXPECT_EQ(passed.str("data.object.id"), challenged.str("id"));
    EXPECT_TRUE(passed.is_null("request.id")); // the payer's page, not an API request

    Json auth(pay("4242424242424242", "manual", 300).body);
    ASSERT_TRUE(receiver.wait_for(3));
    advance_clock(7 * 24 * 3600 + 1);
    // The sweep cancels it without anyone asking.
    ASSERT_TRUE(receiver.wait_for(4));
    Json lapsed(receiver.deliveries()[3].body);
    EXPECT_EQ(lapsed.str("type"), "payment_intent.canceled");
    EXPECT_EQ(lapsed.str("data.object.id"), auth.str("id"));
    EXPECT_EQ(lapsed.str("data.object.cancellation_reason"), "automatic");
    for (auto &d : receiver.deliveries())
        EXPECT_TRUE(signature_valid(d.headers["stripe-signature"], d.body, webhook_secret_));
}

TEST_F(SandboxCard, EnabledEventsFilterWhatAnEndpointReceives)
{
    Receiver receiver;
    Answer a = post("/v1/webhook_endpoints", {{"url", receiver.url()},
                                              {"enabled_events[0]", "refund.created"},
                                              {"enabled_events[1]", "charge.refunded"}});
    ASSERT_EQ(a.status, 200) << a.body;
    Json paid(pay("4242424242424242", "automatic", 900).body);
    Json refund(post("/v1/refunds", {{"payment_intent", paid.str("id")},
                                     {"amount", "100"},
                                     {"metadata[reason_code]", "r1"}})
                    .body);
    ASSERT_TRUE(receiver.wait_for(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto deliveries = receiver.deliveries();
    ASSERT_EQ(deliveries.size(), 2u); // nothing about the payment itself
    bool saw_refund = false;
    for (auto &d : deliveries) {
        Json e(d.body);
        EXPECT_TRUE(e.str("type") == "refund.created" || e.str("type") == "charge.refunded");
        if (e.str("type") == "refund.created") {
            saw_refund = true;
            EXPECT_EQ(e.str("data.object.id"), refund.str("id"));
            EXPECT_EQ(e.str("data.object.metadata.reason_code"), "r1");
        }
    }
    EXPECT_TRUE(saw_refund);
}

// ---- Confirmation as a separate step, other encodings ------------------------------

TEST_F(SandboxCard, ConfirmAfterCreateAndAgainAfterADecline)
{
    Answer created =
        post("/v1/payment_intents", {{"amount", "450"},
                                     {"currency", "EUR"},
                                     {"payment_method_data[type]", "card"},
                                     {"payment_method_data[card][number]", "4000000000009995"},
                                     {"payment_method_data[card][exp_month]", "3"},
                                     {"payment_method_data[card][exp_year]", "2040"}});
    ASSERT_EQ(created.status, 200) << created.body;
    Json c(created.body);
    EXPECT_EQ(c.str("status"), "requires_confirmation");
    EXPECT_EQ(c.str("currency"), "eur");
    std::string id = c.str("id");

    Answer declined = post("/v1/payment_intents/" + id + "/confirm", {});
    EXPECT_EQ(declined.status, 402);
    EXPECT_EQ(Json(declined.body).str("error.decline_code"), "insufficient_funds");

    // Confirming again needs a new card.
    Answer without = post("/v1/payment_intents/" + id + "/confirm", {});
    EXPECT_EQ(without.status, 400);
    Answer retried = post("/v1/payment_intents/" + id + "/confirm",
                          {{"payment_method_data[type]", "card"},
                           {"payment_method_data[card][number]", "378282246310005"},
                           {"payment_method_data[card][exp_month]", "3"},
                           {"payment_method_data[card][exp_year]", "2040"},
                           {"payment_method_data[card][cvc]", "1234"},
                           {"expand[]", "latest_charge"}});
    ASSERT_EQ(retried.status, 200) << retried.body;
    Json r(retried.body);
    EXPECT_EQ(r.str("status"), "succeeded");
    EXPECT_EQ(r.str("latest_charge.payment_method_details.card.brand"), "amex");
    EXPECT_EQ(r.str("latest_charge.payment_method_details.card.checks.cvc_check"), "pass");

    Answer done = post("/v1/payment_intents/" + id + "/confirm", {});
    EXPECT_EQ(Json(done.body).str("error.code"), "payment_intent_unexpected_state");
}

TEST_F(SandboxCard, RefusedParametersAreNotKeptForTheKey)
{
    // A refusal of the request itself does not bind the key: the corrected
    // request with the same key runs (Stripe keeps results only once the
    // endpoint started executing).
    Answer missing = post("/v1/payment_intents", {{"amount", "100"}}, "op-fix");
    EXPECT_EQ(missing.status, 400);
    Answer fixed = post("/v1/payment_intents", {{"amount", "100"}, {"currency", "usd"}}, "op-fix");
    EXPECT_EQ(fixed.status, 200) << fixed.body;
    EXPECT_TRUE(fixed.header("idempotent-replayed").empty());
}

TEST_F(SandboxCard, BasicAuthAndMalformedBodies)
{
    gchar *basic = g_base64_encode(reinterpret_cast<const guchar *>((secret_key_ + ":").c_str()),
                                   secret_key_.size() + 1);
    Answer ok = http("POST", endpoint_ + "/v1/payment_intents", "amount=100&currency=usd",
                     {std::string("Authorization: Basic ") + basic});
    g_free(basic);
    EXPECT_EQ(ok.status, 200) << ok.body;

    std::vector<std::string> auth = {"Authorization: Bearer " + secret_key_};
    Answer escape =
        http("POST", endpoint_ + "/v1/payment_intents", "amount=1%G0&currency=usd", auth);
    EXPECT_EQ(escape.status, 400);
    Answer clash =
        http("POST", endpoint_ + "/v1/payment_intents", "metadata=x&metadata[a]=y&amount=1", auth);
    EXPECT_EQ(clash.status, 400);
    Answer bracket = http("POST", endpoint_ + "/v1/payment_intents", "metadata[a=1", auth);
    EXPECT_EQ(bracket.status, 400);
    Answer expand = get("/v1/payment_intents/" + Json(ok.body).str("id") + "?expand[]=customer");
    EXPECT_EQ(expand.status, 400);
    EXPECT_EQ(Json(expand.body).str("error.param"), "expand");
    Answer wrong_method = get("/v1/refunds");
    EXPECT_EQ(wrong_method.status, 404);
}

TEST_F(SandboxCard, ChallengePageAsksAgainForAnEmptyCodeAndAnyIsFrictionless)
{
    Json j(pay("4000000000003220").body);
    std::string page = j.str("next_action.redirect_to_url.url");
    Answer empty = submit_code(page, "");
    EXPECT_EQ(empty.status, 200);
    EXPECT_NE(empty.body.find("one-time-code"), std::string::npos);
    EXPECT_EQ(Json(get("/v1/payment_intents/" + j.str("id")).body).str("status"),
              "requires_action");
    EXPECT_EQ(http("GET", endpoint_ + "/3ds/pi_unknown", "", {}).status, 404);

    Json any(pay("4242424242424242", "automatic", 100,
                 {{"payment_method_options[card][request_three_d_secure]", "any"},
                  {"expand[]", "latest_charge"}})
                 .body);
    EXPECT_EQ(any.str("status"), "succeeded");
    EXPECT_EQ(any.str("latest_charge.payment_method_details.card.three_d_secure.result"),
              "authenticated");
}

// ---- State across restarts -----------------------------------------------------

TEST_F(SandboxCard, StateSurvivesARestartWithStateFile)
{
    gchar *dir = g_dir_make_tmp("sandbox-card-XXXXXX", nullptr);
    ASSERT_NE(dir, nullptr);
    std::string state = std::string(dir) + "/state.json";
    const char *args[] = {"--state", state.c_str(), nullptr};
    restart(args);
    Json auth(pay("4242424242424242", "manual", 1000).body);
    ASSERT_EQ(auth.str("status"), "requires_capture");
    Answer first = post("/v1/payment_intents/" + auth.str("id") + "/capture",
                        {{"amount_to_capture", "400"}}, "cap-1");
    ASSERT_EQ(first.status, 200);

    restart(args);
    Json again(get("/v1/payment_intents/" + auth.str("id")).body);
    EXPECT_EQ(again.str("status"), "succeeded");
    EXPECT_EQ(again.num("amount_received"), 400);
    // The idempotency record came back too.
    Answer replay = post("/v1/payment_intents/" + auth.str("id") + "/capture",
                         {{"amount_to_capture", "400"}}, "cap-1");
    EXPECT_EQ(replay.status, 200);
    EXPECT_EQ(replay.header("idempotent-replayed"), "true");
    // And no card number was written to the state file.
    gchar *text = nullptr;
    ASSERT_TRUE(g_file_get_contents(state.c_str(), &text, nullptr, nullptr));
    EXPECT_EQ(std::string(text).find("4242424242424242"), std::string::npos);
    g_free(text);

    test_sandbox_stop(sb_);
    sb_ = nullptr;
    g_unlink(state.c_str());
    g_rmdir(dir);
    g_free(dir);
    start(nullptr);
}

} // namespace
