// Helpers of the card gateway's HTTP tests: JSON lookups, a libcurl client,
// a loopback webhook receiver, an independent Stripe-Signature check (OpenSSL
// HMAC), and the fixture that starts a tender-sandbox per test.
#ifndef TENDER_TEST_CARD_SUPPORT_H
#define TENDER_TEST_CARD_SUPPORT_H

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

namespace card_test
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

inline size_t collect_body(char *data, size_t size, size_t n, void *user)
{
    static_cast<std::string *>(user)->append(data, size * n);
    return size * n;
}

inline size_t collect_header(char *data, size_t size, size_t n, void *user)
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

inline std::string form_encode(const Params &params)
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

inline Answer http(const std::string &method, const std::string &url, const std::string &body,
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
inline ::testing::AssertionResult
signature_valid(const std::string &header, const std::string &body, const std::string &secret)
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

// Post the challenge form; returns the answer (a redirect is not followed).
inline Answer submit_code(const std::string &page_url, const std::string &code)
{
    return http("POST", page_url, "code=" + code,
                {"Content-Type: application/x-www-form-urlencoded"});
}

} // namespace card_test

#endif
