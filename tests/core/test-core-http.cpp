// The outbound HTTP client (core/http-client.c) against a loopback server
// that misbehaves in each way a provider's network can: every failure must
// come back as exactly one of NOT_SENT (nothing written) and UNKNOWN
// (something written). Also the allow-list rule and the redacted trace.
#include <gtest/gtest.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "http-allow.h"
#include "http-client.h"
#include "http-misbehave.h"
#include "http-trace.h"
}

namespace {

gint64 now_ms()
{
    return g_get_real_time() / 1000;
}

struct Outcome {
    TenderHttpClientResponse *response = nullptr;
    int failure = 0; // 0, TENDER_HTTP_CLIENT_NOT_SENT or TENDER_HTTP_CLIENT_UNKNOWN
    std::string message;
    gint64 elapsed_ms = 0;

    Outcome() = default;
    Outcome(const Outcome &) = delete;
    Outcome &operator=(const Outcome &) = delete;
    ~Outcome()
    {
        http_client_response_free(response);
    }
};

void send(TenderHttpClient *client, const std::string &url, Outcome &out,
          gint64 budget_ms = 3000, const char *method = "GET", const std::string &body = "")
{
    TenderHttpClientHeader headers[] = {{"X-Test", "yes"}};
    TenderHttpClientRequest request = {};
    request.method = method;
    request.url = url.c_str();
    request.headers = headers;
    request.n_headers = 1;
    request.body = body.empty() ? nullptr : body.data();
    request.body_len = body.size();
    request.deadline_ms = now_ms() + budget_ms;
    GError *error = nullptr;
    gint64 started = g_get_monotonic_time();
    out.response = http_client_send(client, &request, &error);
    out.elapsed_ms = (g_get_monotonic_time() - started) / 1000;
    if (error != nullptr) {
        EXPECT_EQ(error->domain, TENDER_HTTP_CLIENT_ERROR);
        EXPECT_EQ(out.response, nullptr);
        out.failure = error->code;
        out.message = error->message;
        g_error_free(error);
    } else {
        EXPECT_NE(out.response, nullptr);
    }
}

class HttpClientTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        server = http_misbehave_start(0, nullptr, nullptr);
        ASSERT_NE(server, nullptr);
        client = http_client_new(nullptr, nullptr);
        ASSERT_NE(client, nullptr);
    }
    void TearDown() override
    {
        http_client_free(client);
        http_misbehave_stop(server);
    }
    std::string url(const char *path) const
    {
        return "http://127.0.0.1:" + std::to_string(http_misbehave_port(server)) + path;
    }
    HttpMisbehave *server = nullptr;
    TenderHttpClient *client = nullptr;
};

TEST_F(HttpClientTest, OkGivesStatusHeadersAndBody)
{
    Outcome out;
    send(client, url("/ok"), out);
    ASSERT_NE(out.response, nullptr) << out.message;
    EXPECT_EQ(out.response->status, 200);
    EXPECT_STREQ(out.response->body, "reply 1");
    EXPECT_EQ(out.response->body_len, 7u);
    EXPECT_STREQ(http_client_response_header(out.response, "content-type"), "text/plain");
    EXPECT_STREQ(http_client_response_header(out.response, "X-Request"), "1");
    char *seen = http_misbehave_last_request(server);
    ASSERT_NE(seen, nullptr);
    EXPECT_NE(strstr(seen, "GET /ok HTTP/1.1\r\n"), nullptr) << seen;
    EXPECT_NE(strstr(seen, "X-Test: yes\r\n"), nullptr) << seen;
    free(seen);
}

TEST_F(HttpClientTest, PostSendsTheBodyAsIs)
{
    Outcome out;
    std::string body("{\"amount\":\"10.00\"}\0tail", 23);
    send(client, url("/echo"), out, 3000, "POST", body);
    ASSERT_NE(out.response, nullptr) << out.message;
    EXPECT_EQ(std::string(out.response->body, out.response->body_len), body);
    Outcome put;
    send(client, url("/echo"), put, 3000, "PUT", "x");
    ASSERT_NE(put.response, nullptr) << put.message;
    char *seen = http_misbehave_last_request(server);
    EXPECT_EQ(strncmp(seen, "PUT /echo HTTP/1.1", 18), 0) << seen;
    free(seen);
}

TEST_F(HttpClientTest, HeaderOrMethodInjectionIsNotSent)
{
    std::string target = url("/ok");
    TenderHttpClientHeader split[] = {{"X-Ref", "a\r\nX-Evil: 1"}};
    TenderHttpClientHeader bad_name[] = {{"X Ref", "a"}};
    TenderHttpClientHeader no_value[] = {{"X-Ref", nullptr}};
    struct {
        const char *method;
        TenderHttpClientHeader *headers;
    } cases[] = {{"GET", split}, {"GET", bad_name}, {"GET", no_value},
                 {"GET /x HTTP/1.1\r\n", nullptr}, {"", nullptr}};
    for (auto &c : cases) {
        TenderHttpClientRequest request = {};
        request.method = c.method;
        request.url = target.c_str();
        request.headers = c.headers;
        request.n_headers = c.headers != nullptr ? 1 : 0;
        request.deadline_ms = now_ms() + 2000;
        GError *error = nullptr;
        EXPECT_EQ(http_client_send(client, &request, &error), nullptr);
        ASSERT_NE(error, nullptr);
        EXPECT_EQ(error->code, TENDER_HTTP_CLIENT_NOT_SENT) << error->message;
        g_error_free(error);
    }
    EXPECT_EQ(http_misbehave_connections(server), 0);
}

TEST_F(HttpClientTest, ServerErrorIsAResponseNotAFailure)
{
    Outcome out;
    send(client, url("/status/503"), out);
    ASSERT_NE(out.response, nullptr) << out.message;
    EXPECT_EQ(out.response->status, 503);
    EXPECT_STREQ(out.response->body, "status");
}

TEST_F(HttpClientTest, RefusedConnectionIsNotSent)
{
    int fd = -1;
    int port = http_misbehave_refused_port(&fd);
    ASSERT_GT(port, 0);
    Outcome out;
    send(client, "http://127.0.0.1:" + std::to_string(port) + "/ok", out);
    close(fd);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_NOT_SENT) << out.message;
    EXPECT_NE(out.message.find("not sent"), std::string::npos) << out.message;
}

TEST_F(HttpClientTest, DeadlinePassedBeforeSendingIsNotSent)
{
    Outcome out;
    send(client, url("/ok"), out, -1);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_NOT_SENT) << out.message;
    EXPECT_EQ(http_misbehave_connections(server), 0);
}

TEST_F(HttpClientTest, UnresolvableHostIsNotSent)
{
    Outcome out;
    // .invalid never resolves (RFC 6761); the resolver answers locally.
    send(client, "http://no-such-host.invalid/ok", out, 2000);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_NOT_SENT) << out.message;
}

TEST_F(HttpClientTest, MalformedOrUnsupportedUrlIsNotSent)
{
    Outcome bad;
    send(client, "http://[::1/ok", bad);
    EXPECT_EQ(bad.failure, TENDER_HTTP_CLIENT_NOT_SENT) << bad.message;
    Outcome ftp;
    send(client, "ftp://127.0.0.1/ok", ftp);
    EXPECT_EQ(ftp.failure, TENDER_HTTP_CLIENT_NOT_SENT) << ftp.message;
}

TEST_F(HttpClientTest, NoAnswerIsUnknownWithinTheDeadline)
{
    Outcome out;
    send(client, url("/silent"), out, 500);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_UNKNOWN) << out.message;
    EXPECT_LT(out.elapsed_ms, 1500);
    EXPECT_GE(out.elapsed_ms, 400);
}

TEST_F(HttpClientTest, SlowAnswerWithinTheDeadlineArrives)
{
    Outcome out;
    send(client, url("/delay/200"), out, 3000);
    ASSERT_NE(out.response, nullptr) << out.message;
    EXPECT_EQ(out.response->status, 200);
}

TEST_F(HttpClientTest, CloseAfterTheRequestIsUnknown)
{
    Outcome out;
    send(client, url("/close"), out);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_UNKNOWN) << out.message;
}

TEST_F(HttpClientTest, ResetAfterTheRequestIsUnknown)
{
    Outcome out;
    send(client, url("/reset"), out);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_UNKNOWN) << out.message;
}

TEST_F(HttpClientTest, GarbageIsUnknown)
{
    Outcome out;
    send(client, url("/garbage"), out);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_UNKNOWN) << out.message;
}

TEST_F(HttpClientTest, TruncatedAnswerIsUnknown)
{
    Outcome out;
    send(client, url("/truncate"), out);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_UNKNOWN) << out.message;
}

long max_rss_kib()
{
    struct rusage usage = {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

TEST_F(HttpClientTest, AnswerOverTheCapIsUnknownWithoutBufferingIt)
{
    TenderHttpClientOptions options = {};
    options.max_response_bytes = 256 * 1024;
    TenderHttpClient *capped = http_client_new(&options, nullptr);
    ASSERT_NE(capped, nullptr);
    long rss_before = max_rss_kib();
    for (const char *path : {"/huge", "/huge-length"}) {
        Outcome out;
        send(capped, url(path), out);
        EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_UNKNOWN) << path << ": " << out.message;
        EXPECT_NE(out.message.find("cap"), std::string::npos) << out.message;
    }
    // 64 MiB each were on offer; the client kept at most its cap.
    EXPECT_LT(max_rss_kib() - rss_before, 32 * 1024);
    EXPECT_LT(http_misbehave_huge_bytes_sent(server), 2u * 64 * 1024 * 1024);
    http_client_free(capped);
}

TEST_F(HttpClientTest, DuplicateAnswerIsNotTakenForTheNextOne)
{
    Outcome first;
    send(client, url("/duplicate"), first);
    ASSERT_NE(first.response, nullptr) << first.message;
    // Wait until the stray second answer is written (on loopback it is then
    // in the client's receive buffer).
    for (int i = 0; i < 200 && http_misbehave_duplicates_sent(server) == 0; i++)
        g_usleep(10 * 1000);
    ASSERT_EQ(http_misbehave_duplicates_sent(server), 1);
    g_usleep(10 * 1000);
    Outcome second;
    send(client, url("/ok"), second);
    ASSERT_NE(second.response, nullptr) << second.message;
    EXPECT_STRNE(http_client_response_header(first.response, "X-Request"),
                 http_client_response_header(second.response, "X-Request"));
    EXPECT_STREQ(second.response->body, "reply 2");
    // The stray answer was seen before sending: the call went on a new
    // connection, and the server got exactly two requests.
    EXPECT_EQ(http_misbehave_connections(server), 2);
    EXPECT_EQ(http_misbehave_requests(server), 2);
}

TEST_F(HttpClientTest, SequentialCallsReuseOneConnection)
{
    for (int i = 0; i < 10; i++) {
        Outcome out;
        send(client, url(i % 2 ? "/ok" : "/status/503"), out);
        ASSERT_NE(out.response, nullptr) << out.message;
    }
    EXPECT_EQ(http_misbehave_requests(server), 10);
    EXPECT_EQ(http_misbehave_connections(server), 1);
}

TEST_F(HttpClientTest, EightThreadsShareOneClient)
{
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 8; t++)
        threads.emplace_back([&] {
            for (int i = 0; i < 20; i++) {
                Outcome out;
                send(client, url("/ok"), out);
                if (out.response != nullptr && out.response->status == 200)
                    ok++;
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 160);
    EXPECT_EQ(http_misbehave_requests(server), 160);
    // Connections are reused across threads: far fewer than requests.
    EXPECT_LE(http_misbehave_connections(server), 16);
}

TEST_F(HttpClientTest, RequestsGoThroughTheConfiguredProxy)
{
    // The misbehaving server as the proxy: it sees the absolute URL.
    std::string proxy = "http://127.0.0.1:" + std::to_string(http_misbehave_port(server));
    TenderHttpClientOptions options = {};
    options.proxy = proxy.c_str();
    TenderHttpClient *proxied = http_client_new(&options, nullptr);
    Outcome out;
    send(proxied, "http://localhost:9/ok", out);
    ASSERT_NE(out.response, nullptr) << out.message;
    EXPECT_EQ(out.response->status, 404);
    char *seen = http_misbehave_last_request(server);
    EXPECT_EQ(strncmp(seen, "GET http://localhost:9/ok HTTP/1.1", 34), 0) << seen;
    free(seen);
    http_client_free(proxied);

    // A proxy that cannot be reached: nothing was sent.
    int fd = -1;
    int port = http_misbehave_refused_port(&fd);
    std::string dead = "http://127.0.0.1:" + std::to_string(port);
    options.proxy = dead.c_str();
    proxied = http_client_new(&options, nullptr);
    Outcome refused;
    send(proxied, "http://localhost:9/ok", refused);
    EXPECT_EQ(refused.failure, TENDER_HTTP_CLIENT_NOT_SENT) << refused.message;
    http_client_free(proxied);
    close(fd);
}

TEST(HttpClientIpv6, LoopbackV6Works)
{
    HttpMisbehave *server = http_misbehave_start(1, nullptr, nullptr);
    ASSERT_NE(server, nullptr) << "no IPv6 loopback (::1) on this machine";
    TenderHttpClient *client = http_client_new(nullptr, nullptr);
    Outcome out;
    send(client, "http://[::1]:" + std::to_string(http_misbehave_port(server)) + "/ok", out);
    ASSERT_NE(out.response, nullptr) << out.message;
    EXPECT_EQ(out.response->status, 200);
    http_client_free(client);
    http_misbehave_stop(server);
}

TEST(HttpClientSetup, UnreadableCaFileIsRefused)
{
    TenderHttpClientOptions options = {};
    options.ca_file = "/nonexistent/ca.pem";
    GError *error = nullptr;
    EXPECT_EQ(http_client_new(&options, &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, TENDER_HTTP_CLIENT_SETUP_FAILED);
    g_error_free(error);
}

class HttpsClientTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        dir = g_dir_make_tmp("tender-http-XXXXXX", nullptr);
        ASSERT_NE(dir, nullptr);
        cert = std::string(dir) + "/cert.pem";
        key = std::string(dir) + "/key.pem";
        ASSERT_EQ(http_misbehave_make_certificate(cert.c_str(), key.c_str(), nullptr), 0);
        server = http_misbehave_start(0, cert.c_str(), key.c_str());
        ASSERT_NE(server, nullptr);
    }
    void TearDown() override
    {
        http_misbehave_stop(server);
        g_unlink(cert.c_str());
        g_unlink(key.c_str());
        g_rmdir(dir);
        g_free(dir);
    }
    std::string url(const char *host, const char *path) const
    {
        return std::string("https://") + host + ":" +
               std::to_string(http_misbehave_port(server)) + path;
    }
    char *dir = nullptr;
    std::string cert, key;
    HttpMisbehave *server = nullptr;
};

TEST_F(HttpsClientTest, UntrustedCertificateIsNotSent)
{
    TenderHttpClient *client = http_client_new(nullptr, nullptr);
    Outcome out;
    send(client, url("127.0.0.1", "/ok"), out);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_NOT_SENT) << out.message;
    EXPECT_EQ(http_misbehave_requests(server), 0);
    http_client_free(client);
}

TEST_F(HttpsClientTest, PrivateCaIsTrustedThroughCaFile)
{
    TenderHttpClientOptions options = {};
    options.ca_file = cert.c_str();
    TenderHttpClient *client = http_client_new(&options, nullptr);
    ASSERT_NE(client, nullptr);
    for (const char *host : {"127.0.0.1", "localhost", "127.0.0.1"}) {
        Outcome out;
        send(client, url(host, "/ok"), out);
        ASSERT_NE(out.response, nullptr) << host << ": " << out.message;
        EXPECT_EQ(out.response->status, 200);
    }
    // One connection per host name, reused (a TLS session ticket waiting on
    // it is not a stray answer).
    EXPECT_EQ(http_misbehave_connections(server), 2);
    // And over TLS too, a timeout after sending is unknown.
    Outcome silent;
    send(client, url("127.0.0.1", "/silent"), silent, 500);
    EXPECT_EQ(silent.failure, TENDER_HTTP_CLIENT_UNKNOWN) << silent.message;
    http_client_free(client);
}

TEST_F(HttpsClientTest, CertificateForAnotherNameIsNotSent)
{
    // A certificate the client trusts, for another name than the URL's.
    std::string other_cert = std::string(dir) + "/other-cert.pem";
    std::string other_key = std::string(dir) + "/other-key.pem";
    ASSERT_EQ(http_misbehave_make_certificate(other_cert.c_str(), other_key.c_str(),
                                              "DNS:provider.example"),
              0);
    HttpMisbehave *other = http_misbehave_start(0, other_cert.c_str(), other_key.c_str());
    ASSERT_NE(other, nullptr);
    TenderHttpClientOptions options = {};
    options.ca_file = other_cert.c_str();
    TenderHttpClient *client = http_client_new(&options, nullptr);
    Outcome out;
    send(client, "https://127.0.0.1:" + std::to_string(http_misbehave_port(other)) + "/ok", out);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_NOT_SENT) << out.message;
    EXPECT_EQ(http_misbehave_requests(other), 0);
    http_client_free(client);
    http_misbehave_stop(other);
    g_unlink(other_cert.c_str());
    g_unlink(other_key.c_str());
}

TEST_F(HttpsClientTest, PeerGoneWhileWritingIsUnknown)
{
    // The server closes after the head: part of the request was written.
    // Writing on into the closed connection must not raise SIGPIPE either
    // (the test runs with its default disposition, which kills).
    TenderHttpClientOptions options = {};
    options.ca_file = cert.c_str();
    TenderHttpClient *client = http_client_new(&options, nullptr);
    std::string big(8 * 1024 * 1024, 'x');
    Outcome out;
    send(client, url("127.0.0.1", "/close-early"), out, 3000, "POST", big);
    EXPECT_EQ(out.failure, TENDER_HTTP_CLIENT_UNKNOWN) << out.message;
    http_client_free(client);
}

// --- The allow-list -------------------------------------------------------

bool allowed(const char *url, const char *endpoint, const char *const *hosts = nullptr)
{
    char *reason = nullptr;
    gboolean ok = http_allow_url(url, endpoint, hosts, &reason);
    EXPECT_EQ(ok == FALSE, reason != nullptr) << url;
    if (reason != nullptr) {
        // The reason never carries the path or query.
        EXPECT_EQ(strstr(reason, "secret"), nullptr) << reason;
        g_free(reason);
    }
    return ok;
}

TEST(HttpAllow, EndpointSchemeHostAndPort)
{
    const char *endpoint = "https://api.provider.example/v2";
    EXPECT_TRUE(allowed("https://api.provider.example/v2/payments?secret=1", endpoint));
    EXPECT_TRUE(allowed("https://API.Provider.Example:443/other", endpoint));
    EXPECT_TRUE(allowed("https://api.provider.example./v2", endpoint));
    EXPECT_FALSE(allowed("https://api.provider.example:8443/v2", endpoint));
    EXPECT_FALSE(allowed("http://api.provider.example/v2?secret=1", endpoint));
    EXPECT_FALSE(allowed("https://evil.example/v2?secret=1", endpoint));
    EXPECT_FALSE(allowed("https://api.provider.example.evil.example/", endpoint));
    EXPECT_TRUE(allowed("https://sandbox.test:8443/x", "https://sandbox.test:8443"));
    EXPECT_FALSE(allowed("https://sandbox.test/x", "https://sandbox.test:8443"));
    EXPECT_FALSE(allowed("https://api.provider.example/", nullptr));
}

TEST(HttpAllow, AllowedHosts)
{
    const char *hosts[] = {"oauth.provider.example", "files.provider.example:8443", "[::1]:9000",
                           "not a host", nullptr};
    const char *endpoint = "https://api.provider.example";
    EXPECT_TRUE(allowed("https://oauth.provider.example/token", endpoint, hosts));
    EXPECT_FALSE(allowed("https://oauth.provider.example:444/token", endpoint, hosts));
    EXPECT_TRUE(allowed("https://files.provider.example:8443/f", endpoint, hosts));
    EXPECT_FALSE(allowed("https://files.provider.example/f", endpoint, hosts));
    EXPECT_TRUE(allowed("http://[::1]:9000/x", endpoint, hosts));
    EXPECT_FALSE(allowed("https://other.example/", endpoint, hosts));
    // An allowed host is still https-only when it is not loopback.
    EXPECT_FALSE(allowed("http://oauth.provider.example/token", endpoint, hosts));
}

TEST(HttpAllow, PlainHttpOnlyToLoopback)
{
    EXPECT_TRUE(allowed("http://127.0.0.1:8080/x", "http://127.0.0.1:8080"));
    EXPECT_TRUE(allowed("http://127.9.8.7:8080/x", "http://127.9.8.7:8080"));
    EXPECT_TRUE(allowed("http://[::1]:8080/x", "http://[::1]:8080/"));
    EXPECT_TRUE(allowed("http://localhost:8080/x", "http://localhost:8080"));
    EXPECT_FALSE(allowed("http://10.0.0.1:8080/x", "http://10.0.0.1:8080"));
    EXPECT_FALSE(allowed("http://127.1:8080/x", "http://127.1:8080"));
    EXPECT_FALSE(allowed("http://127.0.0.1.evil.example/x", "http://127.0.0.1.evil.example"));
    EXPECT_FALSE(allowed("http://[::ffff:10.0.0.1]/x", "http://[::ffff:10.0.0.1]"));
    EXPECT_TRUE(http_host_is_loopback("::1"));
    EXPECT_FALSE(http_host_is_loopback("::2"));
}

TEST(HttpAllow, OddUrlsAreRefusedCleanly)
{
    const char *endpoint = "https://api.provider.example";
    for (const char *url : {"", "not a url", "https://", "https:///path",
                            "https://user:pw@api.provider.example/",
                            "https://api.provider.example@evil.example/",
                            "https://api.provider.ex%61mple/", "https://[::1%25eth0]/",
                            "https://api.provider.example\\@evil.example/",
                            "https://api.provider.example /", "https://api.provider.example:0/",
                            "https://api.provider.example:99999/", "ftp://api.provider.example/",
                            "file:///etc/passwd", "javascript:alert(1)",
                            "https://api.provider.\xc3\xa9xample/", "//api.provider.example/"})
        EXPECT_FALSE(allowed(url, endpoint)) << url;
    EXPECT_FALSE(allowed(nullptr, endpoint));
}

// A list made once (as the host keeps per method) takes URLs under the
// endpoint without parsing them; the verdicts must be the parser's.
TEST(HttpAllow, ListMadeOnceGivesTheParsersVerdicts)
{
    const char *hosts[] = {"oauth.provider.example", nullptr};
    HttpAllowList *list = http_allow_list_new("http://127.0.0.1:8080/base", hosts);
    struct {
        const char *url;
        bool ok;
    } cases[] = {
        {"http://127.0.0.1:8080/base/payments?secret=1#f", true},
        {"http://127.0.0.1:8080", true},
        {"http://127.0.0.1:8080/a%20b", true},
        {"https://oauth.provider.example/token", true},
        {"http://127.0.0.1:8080@evil.example/", false},
        {"http://127.0.0.1:80800/", false},
        {"http://127.0.0.1:8080.evil.example/", false},
        {"http://127.0.0.1:8080/a b", false},
        {"http://127.0.0.1:8080/a\\b", false},
        {"http://127.0.0.1:8080/\xc3\xa9", false},
        {"http://127.0.0.1:8081/", false},
        {"", false},
    };
    for (const auto &c : cases) {
        char *reason = nullptr;
        EXPECT_EQ(http_allow_list_check(list, c.url, &reason) != FALSE, c.ok) << c.url;
        EXPECT_EQ(reason == nullptr, c.ok) << c.url;
        g_free(reason);
        // The same as a list made for this one URL.
        EXPECT_EQ(allowed(c.url, "http://127.0.0.1:8080/base", hosts), c.ok) << c.url;
    }
    // What the parser refuses under the endpoint (a malformed escape, a
    // character outside RFC 3986) is refused the same way through the list.
    for (const char *odd : {"http://127.0.0.1:8080/%zz", "http://127.0.0.1:8080/a%2",
                            "http://127.0.0.1:8080/a^b", "http://127.0.0.1:8080/{x}"}) {
        GUri *uri = g_uri_parse(odd, (GUriFlags)(G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS), nullptr);
        bool parser_ok = uri != nullptr;
        if (uri != nullptr)
            g_uri_unref(uri);
        EXPECT_EQ(http_allow_list_check(list, odd, nullptr) != FALSE, parser_ok) << odd;
    }
    http_allow_list_free(list);
}

TEST(HttpAllow, EndpointValidation)
{
    for (const char *good : {"https://api.provider.example", "https://api.provider.example/v2/",
                             "https://10.1.2.3:8443/api", "http://127.0.0.1:8080",
                             "http://localhost:9000/sandbox", "http://[::1]:1234"}) {
        GError *error = nullptr;
        EXPECT_TRUE(http_endpoint_validate(good, &error)) << good;
        g_clear_error(&error);
    }
    for (const char *bad :
         {"", "api.provider.example", "http://api.provider.example", "http://10.0.0.1/",
          "https://user@api.provider.example", "https://api.provider.example/?a=b",
          "https://api.provider.example/#x", "ftp://api.provider.example", "https://"}) {
        GError *error = nullptr;
        EXPECT_FALSE(http_endpoint_validate(bad, &error)) << bad;
        ASSERT_NE(error, nullptr) << bad;
        EXPECT_EQ(error->domain, TENDER_HTTP_ALLOW_ERROR);
        g_error_free(error);
    }
    GError *error = nullptr;
    EXPECT_TRUE(http_allowed_host_validate("oauth.example:8443", &error));
    EXPECT_FALSE(http_allowed_host_validate("https://oauth.example", &error));
    g_clear_error(&error);
    EXPECT_FALSE(http_allowed_host_validate("user@oauth.example", &error));
    g_clear_error(&error);
}

// --- The trace ------------------------------------------------------------

TEST(HttpTrace, RedactsHeadersCardNumbersAndSensitiveValues)
{
    TenderHttpClientHeader headers[] = {{"Authorization", "Bearer sk_live_abcdef123456"},
                                        {"X-Api-Key", "k-123"},
                                        {"Content-Type", "application/json"},
                                        {"X-Signature", "c2lnbmF0dXJl"},
                                        {"Cookie", "session=abc"}};
    std::string body = "{\"card\":\"4111 1111 1111 1111\",\"cvc\":\"737\",\"note\":\"hello\"}";
    TenderHttpClientRequest request = {};
    request.method = "POST";
    request.url = "https://api.provider.example/pay?pin=9876";
    request.headers = headers;
    request.n_headers = G_N_ELEMENTS(headers);
    request.body = body.data();
    request.body_len = body.size();
    TenderHttpClientHeader answer_headers[] = {{"Set-Cookie", "id=zzz"}, {"X-Trace", "t1"}};
    std::string answer = "{\"pan\":\"4111111111111111\",\"status\":\"ok\"}";
    TenderHttpClientResponse response = {};
    response.status = 201;
    response.headers = answer_headers;
    response.n_headers = G_N_ELEMENTS(answer_headers);
    response.body = answer.data();
    response.body_len = answer.size();
    const char *secrets[] = {"737", "9876", nullptr};
    char *trace = http_trace_format(&request, &response, nullptr, 42, secrets);
    std::string text(trace);
    g_free(trace);
    for (const char *gone : {"sk_live_abcdef123456", "k-123", "c2lnbmF0dXJl", "session=abc",
                             "id=zzz", "4111 1111 1111 1111", "4111111111111111", "737", "9876"})
        EXPECT_EQ(text.find(gone), std::string::npos) << gone << " in\n" << text;
    for (const char *kept : {"> POST https://api.provider.example/pay?pin=[redacted]",
                             "> Authorization: [redacted]", "> Content-Type: application/json",
                             "\"note\":\"hello\"", "< 201 (42 ms)", "< X-Trace: t1", "411111",
                             "\"status\":\"ok\""})
        EXPECT_NE(text.find(kept), std::string::npos) << kept << " not in\n" << text;
}

TEST(HttpTrace, FailureAndBinaryBody)
{
    std::string body("a\0b\xff" "4111111111111111", 20);
    TenderHttpClientRequest request = {};
    request.url = "https://api.provider.example/";
    request.body = body.data();
    request.body_len = body.size();
    GError *failure = g_error_new(TENDER_HTTP_CLIENT_ERROR, TENDER_HTTP_CLIENT_UNKNOWN,
                                  "request may have been sent: timed out");
    char *trace = http_trace_format(&request, nullptr, failure, -1, nullptr);
    std::string text(trace);
    g_free(trace);
    g_error_free(failure);
    EXPECT_NE(text.find("> GET https://api.provider.example/"), std::string::npos) << text;
    EXPECT_NE(text.find("! request may have been sent: timed out"), std::string::npos) << text;
    EXPECT_EQ(text.find("4111111111111111"), std::string::npos) << text;
    EXPECT_TRUE(g_utf8_validate(text.c_str(), -1, nullptr));
}

} // namespace
