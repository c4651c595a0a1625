// tender_http_exchange and tender_http_release: the request the host sees,
// the response zeroed and sized before the call, and a host without the
// http service (ABI 1.0) never called.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>

#include <tender/sdk.h>

namespace
{

struct HttpHost {
    tender_host_services services;
    int calls = 0;
    int releases = 0;
    std::string method_id, method, url, body, first_header;
    size_t n_headers = 0;
    uint32_t response_size_seen = 0;
    int status_seen_before = -1;
};

HttpHost *host_of(const tender_host_services *s)
{
    return static_cast<HttpHost *>(s->host_data);
}

uint32_t fake_http(const tender_host_services *s, const char *method_id,
                   const tender_http_request *req, tender_http_response *res)
{
    HttpHost *h = host_of(s);
    h->calls++;
    h->method_id = method_id;
    h->method = req->method;
    h->url = req->url;
    h->body.assign(req->body ? static_cast<const char *>(req->body) : "", req->body_len);
    h->n_headers = req->n_headers;
    h->first_header = req->n_headers ? std::string(req->headers[0].name) + ": " +
                                           req->headers[0].value
                                     : "";
    h->response_size_seen = res->struct_size;
    h->status_seen_before = res->status;
    res->outcome = TENDER_HTTP_RESPONSE;
    res->status = 201;
    res->body = "{}";
    res->body_len = 2;
    return TENDER_HTTP_RESPONSE;
}

void fake_release(const tender_host_services *s, tender_http_response *)
{
    host_of(s)->releases++;
}

void make_host(HttpHost &h)
{
    std::memset(&h.services, 0, sizeof h.services);
    h.services.struct_size = sizeof h.services;
    h.services.abi_major = 1;
    h.services.abi_minor = 1;
    h.services.host_data = &h;
    h.services.http = fake_http;
    h.services.http_release = fake_release;
}

TEST(SdkHttp, ExchangeHandsTheRequestOverOnAZeroedSizedResponse)
{
    HttpHost h;
    make_host(h);
    tender_http_header headers[] = {{"Content-Type", "application/json"}, {"Accept", "*/*"}};
    const char body[] = "{\"amount\":1}xyz"; // only body_len bytes are the body
    tender_http_response res;
    std::memset(&res, 0x5a, sizeof res); // garbage the helper must clear
    uint32_t outcome = tender_http_exchange(&h.services, "card", "POST", "http://127.0.0.1:9/x",
                                            headers, 2, body, 12, &res);
    EXPECT_EQ(outcome, (uint32_t)TENDER_HTTP_RESPONSE);
    EXPECT_EQ(h.calls, 1);
    EXPECT_EQ(h.method_id, "card");
    EXPECT_EQ(h.method, "POST");
    EXPECT_EQ(h.url, "http://127.0.0.1:9/x");
    EXPECT_EQ(h.body, "{\"amount\":1}");
    EXPECT_EQ(h.n_headers, 2u);
    EXPECT_EQ(h.first_header, "Content-Type: application/json");
    EXPECT_EQ(h.response_size_seen, sizeof(tender_http_response));
    EXPECT_EQ(h.status_seen_before, 0);
    EXPECT_EQ(res.status, 201);
    tender_http_release(&h.services, &res);
    EXPECT_EQ(h.releases, 1);
}

TEST(SdkHttp, NoBodyMeansZeroLength)
{
    HttpHost h;
    make_host(h);
    tender_http_response res;
    tender_http_exchange(&h.services, "paypal", "GET", "http://127.0.0.1:9/", nullptr, 0, nullptr,
                         99, &res);
    EXPECT_EQ(h.body, "");
    EXPECT_EQ(h.method, "GET");
    tender_http_release(&h.services, &res);
}

TEST(SdkHttp, AHostWithoutTheServiceIsNeverCalled)
{
    HttpHost h;
    make_host(h);
    // A 1.0 host's table ends before the http slots.
    h.services.struct_size = offsetof(tender_host_services, http);
    EXPECT_FALSE(tender_host_has_http(&h.services));
    tender_http_response res;
    uint32_t outcome = tender_http_exchange(&h.services, "card", "GET", "http://127.0.0.1:9/",
                                            nullptr, 0, nullptr, 0, &res);
    EXPECT_EQ(outcome, (uint32_t)TENDER_HTTP_NOT_SENT);
    EXPECT_EQ(res.outcome, (uint32_t)TENDER_HTTP_NOT_SENT);
    EXPECT_NE(std::strstr(res.message, "no http service"), nullptr);
    tender_http_release(&h.services, &res);
    EXPECT_EQ(h.calls, 0);
    EXPECT_EQ(h.releases, 0);

    // A full table with the slots left NULL is the same.
    make_host(h);
    h.services.http = nullptr;
    EXPECT_FALSE(tender_host_has_http(&h.services));
    EXPECT_EQ(tender_http_exchange(&h.services, "card", "GET", "http://127.0.0.1:9/", nullptr, 0,
                                   nullptr, 0, &res),
              (uint32_t)TENDER_HTTP_NOT_SENT);
    tender_http_release(&h.services, &res);
    EXPECT_EQ(h.releases, 0);
    EXPECT_FALSE(tender_host_has_http(nullptr));
}

} // namespace
