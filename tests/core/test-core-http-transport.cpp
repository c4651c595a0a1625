// The replaceable transport (issue 12, item 6's groundwork): a host given
// tender_host_options_set_http_transport sends every http-service request
// through it, after the allow-list and with the call's deadline; what the
// transport answers becomes the plugin's response or failure; a wrapper can
// delegate to libtender's default transport to reach a loopback server.
#include "core-test-util.h"
#include "test-ledger.h"

#include <atomic>
#include <mutex>

#include <tender/http-metrics.h>
#include <tender/http-transport.h>

extern "C" {
#include "http-misbehave.h"
}

using namespace coretest;

namespace {

// A transport whose answer the test scripts, recording what it was asked.
struct Scripted {
    TenderHttpTransport base = {};
    enum { ANSWER, NOT_SENT, UNKNOWN, FOREIGN_ERROR, NOTHING, DELEGATE } mode = ANSWER;
    int status = 201;
    std::string body = "scripted-ref";
    TenderHttpTransport *inner = nullptr; // for DELEGATE
    std::atomic<int> calls{0};
    std::mutex lock;
    std::string method_id, method, url, idempotency_key;
    gint64 deadline_ms = 0;
    bool had_ca_file = true;

    Scripted()
    {
        base.struct_size = sizeof base;
        base.send = send;
        base.user_data = this;
    }

    static TenderHttpTransportResponse *send(TenderHttpTransport *t,
                                             const TenderHttpTransportRequest *req,
                                             GError **error)
    {
        auto *self = static_cast<Scripted *>(t->user_data);
        self->calls++;
        {
            std::lock_guard<std::mutex> guard(self->lock);
            self->method_id = req->method_id;
            self->method = req->method;
            self->url = req->url;
            self->deadline_ms = req->deadline_ms;
            self->had_ca_file = req->ca_file != nullptr;
            for (gsize i = 0; i < req->n_headers; i++)
                if (g_ascii_strcasecmp(req->headers[i].name, "Idempotency-Key") == 0)
                    self->idempotency_key = req->headers[i].value;
        }
        switch (self->mode) {
        case ANSWER: {
            auto *res = tender_http_transport_response_new(self->status, self->body.data(),
                                                           self->body.size());
            tender_http_transport_response_add_header(res, "Content-Type", "text/plain");
            return res;
        }
        case NOT_SENT:
            g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_NOT_SENT,
                        "scripted: connection refused");
            return nullptr;
        case UNKNOWN:
            g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN,
                        "scripted: timed out after sending");
            return nullptr;
        case FOREIGN_ERROR:
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "scripted: some other error");
            return nullptr;
        case NOTHING:
            return nullptr;
        case DELEGATE:
            return tender_http_transport_send(self->inner, req, error);
        }
        return nullptr;
    }
};

class HttpTransport : public HostTest {
protected:
    Scripted scripted;

    void start(const std::string &endpoint = "https://provider.example/v1",
               TenderHttpTransport *transport = nullptr, gint64 deadline_ms = 3000)
    {
        MethodConf conf;
        conf.deadline_ms = deadline_ms;
        conf.retries = 0;
        conf.string_settings["endpoint"] = endpoint;
        std::string config = make_config({{"fx_http", conf}});
        TenderHostOptions *o = tender_host_options_new();
        tender_host_options_add_plugin_dir(o, fixture_dir());
        test_ledger_set_options(o, ":memory:");
        tender_host_options_set_config_data(o, config.c_str());
        tender_host_options_set_http_transport(o, transport ? transport : &scripted.base);
        GError *error = nullptr;
        host = tender_host_new(o, &error);
        tender_host_options_free(o);
        ASSERT_NE(host, nullptr) << error->message;
    }

    TenderPayment *pay_path(const char *key, const char *value)
    {
        return pay("fx_http", "10.00", "USD", nullptr, {{key, value}});
    }
    static std::string last_outcome(const TenderPayment *p)
    {
        auto *op = static_cast<const TenderOperation *>(
            g_ptr_array_index(p->operations, p->operations->len - 1));
        return op->outcome ? op->outcome : "";
    }
};

TEST_F(HttpTransport, TheHostSendsThroughTheGivenTransport)
{
    start();
    gint64 before = g_get_real_time() / 1000;
    TenderPayment *p = pay_path("path", "/payments");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_STREQ(p->processor_ref, "scripted-ref") << "the scripted body reached the plugin";
    EXPECT_EQ(scripted.calls.load(), 1) << "and nothing went to the network";
    std::lock_guard<std::mutex> guard(scripted.lock);
    EXPECT_EQ(scripted.method_id, "fx_http");
    EXPECT_EQ(scripted.method, "GET");
    EXPECT_EQ(scripted.url, "https://provider.example/v1/payments");
    EXPECT_EQ(scripted.idempotency_key.rfind("req_", 0), 0u) << scripted.idempotency_key;
    EXPECT_GT(scripted.deadline_ms, before);
    EXPECT_LE(scripted.deadline_ms, before + 3000 + 1000) << "the call's deadline";
    EXPECT_FALSE(scripted.had_ca_file);
}

TEST_F(HttpTransport, ItsFailuresAreClassifiedAsItSays)
{
    start();
    scripted.mode = Scripted::NOT_SENT;
    EXPECT_EQ(last_outcome(pay_path("path", "/a")), "not_sent");
    scripted.mode = Scripted::UNKNOWN;
    EXPECT_EQ(last_outcome(pay_path("path", "/b")), "unknown");
    // Outside the contract: read as the safe meaning.
    scripted.mode = Scripted::FOREIGN_ERROR;
    EXPECT_EQ(last_outcome(pay_path("path", "/c")), "unknown");
    scripted.mode = Scripted::NOTHING;
    EXPECT_EQ(last_outcome(pay_path("path", "/d")), "unknown");
    scripted.mode = Scripted::ANSWER;
    scripted.status = 503;
    TenderPayment *p = pay_path("path", "/e");
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED) << "a 5xx is an answer";
    EXPECT_STREQ(p->decline_raw_code, "HTTP503");
    scripted.status = 42; // no HTTP server says that: unreadable
    EXPECT_EQ(last_outcome(pay_path("path", "/f")), "unknown");

    TenderHttpMetrics m = {};
    m.struct_size = sizeof m;
    ASSERT_TRUE(tender_host_http_metrics(host, "fx_http", &m, nullptr));
    EXPECT_EQ(m.not_sent, 1u);
    EXPECT_EQ(m.unknown, 4u);
    EXPECT_EQ(m.responses_5xx, 1u);
}

TEST_F(HttpTransport, TheAllowListStillAppliesBeforeTheTransport)
{
    start();
    TenderPayment *p = pay_path("url", "https://elsewhere.example/steal");
    EXPECT_EQ(last_outcome(p), "not_sent");
    EXPECT_EQ(scripted.calls.load(), 0) << "refused before the transport";
}

TEST_F(HttpTransport, AShortTableIsNotSentNotACrash)
{
    TenderHttpTransport broken = {};
    broken.struct_size = 4; // not even the send slot
    start("https://provider.example/v1", &broken);
    EXPECT_EQ(last_outcome(pay_path("path", "/x")), "not_sent");
}

// A wrapper that counts and delegates to libtender's own transport reaches
// a real loopback server.
TEST_F(HttpTransport, AWrapperCanDelegateToTheDefault)
{
    HttpMisbehave *server = http_misbehave_start(0, nullptr, nullptr);
    ASSERT_NE(server, nullptr);
    TenderHttpTransport *real = tender_http_transport_new_default();
    scripted.mode = Scripted::DELEGATE;
    scripted.inner = real;
    start("http://127.0.0.1:" + std::to_string(http_misbehave_port(server)));
    TenderPayment *p = pay_path("path", "/ok");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_STREQ(p->processor_ref, "reply 1");
    EXPECT_EQ(scripted.calls.load(), 1);
    EXPECT_EQ(http_misbehave_requests(server), 1);
    HostTest::TearDown();
    host = nullptr;
    tender_http_transport_free(real);
    http_misbehave_stop(server);
}

TEST(HttpTransportResponse, BuildsAndLooksUpHeaders)
{
    TenderHttpTransportResponse *r = tender_http_transport_response_new(200, "abc", 3);
    EXPECT_EQ(r->struct_size, sizeof *r);
    EXPECT_EQ(r->body_len, 3u);
    EXPECT_EQ(r->body[3], '\0');
    tender_http_transport_response_add_header(r, "Content-Type", "application/json");
    tender_http_transport_response_add_header(r, "X-Two", "2");
    EXPECT_STREQ(tender_http_transport_response_header(r, "content-type"), "application/json");
    EXPECT_STREQ(tender_http_transport_response_header(r, "x-two"), "2");
    EXPECT_EQ(tender_http_transport_response_header(r, "absent"), nullptr);
    tender_http_transport_response_free(r);
    TenderHttpTransportResponse *empty = tender_http_transport_response_new(204, nullptr, 0);
    EXPECT_STREQ(empty->body, "");
    tender_http_transport_response_free(empty);
    tender_http_transport_free(nullptr);
}

} // namespace
