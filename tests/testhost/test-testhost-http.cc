// The test host's `http` service (issue 12): no network by default; with a
// transport (<tender/http-transport.h>) a plugin's unit test scripts the
// answers, or reaches a loopback server through libtender's real transport.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <tender/testhost.h>

extern "C" {
#include "http-misbehave.h"
}

namespace {

tender_http_response fresh_response()
{
    tender_http_response res;
    memset(&res, 0, sizeof res);
    res.struct_size = sizeof res;
    return res;
}

uint32_t get(const tender_host_services *s, const char *url, tender_http_response *res)
{
    tender_http_header headers[] = {{"Idempotency-Key", "req_1"}};
    tender_http_request req = {sizeof req, "GET", url, headers, 1, nullptr, 0};
    return s->http(s, "m", &req, res);
}

struct Canned {
    TenderHttpTransport base = {};
    std::string seen_url, seen_key, seen_ca_file;
    int calls = 0;
};

TenderHttpTransportResponse *canned_send(TenderHttpTransport *t,
                                         const TenderHttpTransportRequest *req, GError **error)
{
    auto *c = static_cast<Canned *>(t->user_data);
    c->calls++;
    c->seen_url = req->url;
    c->seen_ca_file = req->ca_file ? req->ca_file : "";
    for (gsize i = 0; i < req->n_headers; i++)
        if (strcmp(req->headers[i].name, "Idempotency-Key") == 0)
            c->seen_key = req->headers[i].value;
    if (strstr(req->url, "/down")) {
        g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_NOT_SENT, "down");
        return nullptr;
    }
    if (strstr(req->url, "/lost")) {
        g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN, "lost");
        return nullptr;
    }
    auto *r = tender_http_transport_response_new(200, "{\"status\":\"ok\"}", 15);
    tender_http_transport_response_add_header(r, "Content-Type", "application/json");
    return r;
}

TEST(TestHostHttp, NoTransportMeansNoNetwork)
{
    TenderTestHost *host = tender_test_host_new();
    const tender_host_services *s = tender_test_host_services(host);
    tender_http_response res = fresh_response();
    EXPECT_EQ(get(s, "https://provider.example/x", &res), (uint32_t)TENDER_HTTP_NOT_SENT);
    EXPECT_EQ(res.outcome, (uint32_t)TENDER_HTTP_NOT_SENT);
    EXPECT_NE(std::string(res.message).find("no network"), std::string::npos);
    tender_test_host_free(host);
}

TEST(TestHostHttp, AScriptedTransportAnswers)
{
    Canned canned;
    canned.base.struct_size = sizeof canned.base;
    canned.base.send = canned_send;
    canned.base.user_data = &canned;
    TenderTestHost *host = tender_test_host_new();
    tender_test_host_set_setting_string(host, "ca_file", "/etc/private-ca.pem");
    tender_test_host_set_http_transport(host, &canned.base);
    const tender_host_services *s = tender_test_host_services(host);

    tender_http_response res = fresh_response();
    ASSERT_EQ(get(s, "https://provider.example/pay", &res), (uint32_t)TENDER_HTTP_RESPONSE);
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(std::string(res.body, res.body_len), "{\"status\":\"ok\"}");
    ASSERT_EQ(res.n_headers, 1u);
    EXPECT_STREQ(res.headers[0].name, "Content-Type");
    EXPECT_EQ(canned.seen_url, "https://provider.example/pay");
    EXPECT_EQ(canned.seen_key, "req_1");
    EXPECT_EQ(canned.seen_ca_file, "/etc/private-ca.pem");
    s->http_release(s, &res);
    EXPECT_EQ(res.body, nullptr);
    s->http_release(s, &res); // twice is harmless

    tender_http_response down = fresh_response();
    EXPECT_EQ(get(s, "https://provider.example/down", &down), (uint32_t)TENDER_HTTP_NOT_SENT);
    EXPECT_STREQ(down.message, "down");
    tender_http_response lost = fresh_response();
    EXPECT_EQ(get(s, "https://provider.example/lost", &lost), (uint32_t)TENDER_HTTP_UNKNOWN);
    // A response never released is freed with the host.
    tender_http_response kept = fresh_response();
    EXPECT_EQ(get(s, "https://provider.example/keep", &kept), (uint32_t)TENDER_HTTP_RESPONSE);
    EXPECT_EQ(canned.calls, 4);

    tender_test_host_set_http_transport(host, nullptr);
    tender_http_response none = fresh_response();
    EXPECT_EQ(get(s, "https://provider.example/pay", &none), (uint32_t)TENDER_HTTP_NOT_SENT);
    EXPECT_EQ(canned.calls, 4);
    tender_test_host_free(host);
}

TEST(TestHostHttp, TheRealTransportReachesALoopbackServer)
{
    HttpMisbehave *server = http_misbehave_start(0, nullptr, nullptr);
    ASSERT_NE(server, nullptr);
    TenderHttpTransport *real = tender_http_transport_new_default();
    TenderTestHost *host = tender_test_host_new();
    tender_test_host_set_http_transport(host, real);
    const tender_host_services *s = tender_test_host_services(host);
    std::string base = "http://127.0.0.1:" + std::to_string(http_misbehave_port(server));

    tender_http_response res = fresh_response();
    ASSERT_EQ(get(s, (base + "/ok").c_str(), &res), (uint32_t)TENDER_HTTP_RESPONSE) << res.message;
    EXPECT_EQ(res.status, 200);
    EXPECT_STREQ(res.body, "reply 1");
    s->http_release(s, &res);
    tender_http_response reset = fresh_response();
    EXPECT_EQ(get(s, (base + "/reset").c_str(), &reset), (uint32_t)TENDER_HTTP_UNKNOWN);
    char *last = http_misbehave_last_request(server);
    ASSERT_NE(last, nullptr);
    EXPECT_NE(std::string(last).find("Idempotency-Key: req_1"), std::string::npos);
    free(last);

    tender_test_host_free(host);
    tender_http_transport_free(real);
    http_misbehave_stop(server);
}

} // namespace
