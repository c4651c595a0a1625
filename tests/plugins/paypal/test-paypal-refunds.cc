// A payment-level refund split over PayPal captures (docs/methods/paypal.md,
// "Refunds"): PayPal refunds one capture per call, so the plugin draws the
// amount from the captures oldest first, each part with its own
// PayPal-Request-Id. A real TenderHost on the config a tender-sandbox wrote,
// with an http transport that passes everything to the real one except the
// refund calls a test chooses to break: a failure between two parts is
// UNKNOWN (money moved) and reconcile settles it from the refunds PayPal
// lists; a retry with the same request id replays the parts already made.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <tender/http-transport.h>
#include <tender/tender.h>

#include "test-ledger.h"

#include "paypal-test-util.h"

extern "C" {
#include "sandbox-process.h"
}

namespace {

// How the transport treats the n-th POST .../refund (1-based).
enum class Break { None, Answer503, LoseAnswer, LoseAnswerAfterSending, TamperAnswer };

struct RefundFaults {
    TenderHttpTransport table = {};
    TenderHttpTransport *real = nullptr;
    GMutex lock;
    int refund_calls = 0;
    std::map<int, Break> breaks;
    std::vector<std::string> request_ids; // PayPal-Request-Id of each refund call

    static TenderHttpTransportResponse *Send(TenderHttpTransport *t,
                                             const TenderHttpTransportRequest *r, GError **error)
    {
        RefundFaults *self = static_cast<RefundFaults *>(t->user_data);
        Break what = Break::None;
        if (strcmp(r->method, "POST") == 0 && g_str_has_suffix(r->url, "/refund")) {
            g_mutex_lock(&self->lock);
            int n = ++self->refund_calls;
            auto it = self->breaks.find(n);
            what = it != self->breaks.end() ? it->second : Break::None;
            for (gsize i = 0; i < r->n_headers; i++)
                if (g_ascii_strcasecmp(r->headers[i].name, "PayPal-Request-Id") == 0)
                    self->request_ids.push_back(r->headers[i].value);
            g_mutex_unlock(&self->lock);
        }
        switch (what) {
        case Break::Answer503: {
            const char body[] = "{\"name\":\"INTERNAL_SERVER_ERROR\"}";
            return tender_http_transport_response_new(503, body, sizeof body - 1);
        }
        case Break::LoseAnswer:
            // The request never reached PayPal, but the plugin cannot know.
            g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN,
                        "connection reset (test)");
            return nullptr;
        case Break::LoseAnswerAfterSending: {
            // PayPal acted; its answer is lost on the way back.
            TenderHttpTransportResponse *lost = tender_http_transport_send(self->real, r, error);
            tender_http_transport_response_free(lost);
            g_clear_error(error);
            g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN,
                        "connection reset after sending (test)");
            return nullptr;
        }
        case Break::TamperAnswer: {
            // PayPal acted; the answer arrives cut short (not JSON).
            TenderHttpTransportResponse *real = tender_http_transport_send(self->real, r, error);
            if (real == nullptr)
                return nullptr;
            TenderHttpTransportResponse *cut =
                tender_http_transport_response_new(real->status, real->body, real->body_len / 2);
            tender_http_transport_response_free(real);
            return cut;
        }
        case Break::None:
            break;
        }
        return tender_http_transport_send(self->real, r, error);
    }

    RefundFaults()
    {
        g_mutex_init(&lock);
        real = tender_http_transport_new_default();
        table.struct_size = sizeof table;
        table.send = Send;
        table.user_data = this;
    }
    ~RefundFaults()
    {
        tender_http_transport_free(real);
        g_mutex_clear(&lock);
    }
};

class PaypalRefunds : public ::testing::Test {
protected:
    TestSandbox *sandbox = nullptr;
    TenderHost *host = nullptr;
    RefundFaults faults;

    void SetUp() override
    {
        GError *error = nullptr;
        sandbox = test_sandbox_start(1000.0, nullptr, &error);
        ASSERT_NE(sandbox, nullptr) << (error ? error->message : "");
        TenderHostOptions *o = tender_host_options_new();
        tender_host_options_add_plugin_dir(o, PAYPAL_PLUGIN_DIR);
        test_ledger_set_options(o, ":memory:");
        tender_host_options_set_config_file(o, test_sandbox_config_path(sandbox));
        tender_host_options_set_http_transport(o, &faults.table);
        host = tender_host_new(o, &error);
        tender_host_options_free(o);
        ASSERT_NE(host, nullptr) << (error ? error->message : "");
    }
    void TearDown() override
    {
        tender_host_free(host);
        test_sandbox_stop(sandbox);
    }

    // A payment authorized for 100.00 USD and captured in two parts,
    // 60.00 and 40.00: two PayPal captures.
    std::string CapturedTwice()
    {
        GError *error = nullptr;
        tender_param intent[] = {{"intent", "AUTHORIZE"}};
        TenderPayRequest r = {sizeof(TenderPayRequest)};
        r.method = "paypal";
        r.region = "US";
        r.currency = "USD";
        r.amount = "100.00";
        r.account = "buyer-1";
        r.params = intent;
        r.n_params = 1;
        TenderPayment *p = tender_host_pay(host, &r, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        if (p == nullptr)
            return "";
        std::string id = p->id;
        tender_payment_free(p);
        tender_param approve[] = {{"payer_action", "approve"}};
        p = tender_host_complete(host, id.c_str(), approve, 1, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        EXPECT_EQ(p != nullptr ? p->status : TENDER_STATUS_UNKNOWN, TENDER_STATUS_AUTHORIZED);
        tender_payment_free(p);
        for (const char *part : {"60.00", "40.00"}) {
            p = tender_host_capture(host, id.c_str(), part, nullptr, &error);
            EXPECT_NE(p, nullptr) << (error ? error->message : "");
            tender_payment_free(p);
        }
        return id;
    }

    TenderPayment *Get(const std::string &id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_get(host, id.c_str(), &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        return p;
    }

    void Reconcile()
    {
        GError *error = nullptr;
        TenderReconcileReport report = {};
        ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << error->message;
    }

    // Refund amount with the transport breaking what the test set: the
    // payment is UNKNOWN with nothing counted; reconcile settles it at
    // status with what PayPal really refunded.
    void RefundUnknownThenSettled(const std::string &id, const char *amount, TenderStatus status,
                                  gint64 refunded)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_refund(host, id.c_str(), amount, nullptr, &error);
        tender_payment_free(p);
        g_clear_error(&error);
        p = Get(id);
        EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
        EXPECT_EQ(p->refunded, 0);
        tender_payment_free(p);
        Reconcile();
        p = Get(id);
        EXPECT_EQ(p->status, status);
        EXPECT_EQ(p->refunded, refunded);
        EXPECT_EQ(p->captured, 10000);
        tender_payment_free(p);
    }
};

// The conformance kit's flow: a quarter, then the rest of two captures in
// one call.
TEST_F(PaypalRefunds, TheRestOfTwoCapturesIsRefundedInOneCall)
{
    std::string id = CapturedTwice();
    GError *error = nullptr;
    TenderPayment *p = tender_host_refund(host, id.c_str(), "25.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    tender_payment_free(p);
    p = tender_host_refund(host, id.c_str(), nullptr, nullptr, &error); // the rest: 75.00
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(p->refunded, 10000);
    tender_payment_free(p);
    // 25.00 of the first capture; then its 35.00 left and the second's 40.00.
    ASSERT_EQ(faults.request_ids.size(), 3u);
    EXPECT_NE(faults.request_ids[1], faults.request_ids[2]);
    // PayPal agrees.
    p = tender_host_sync(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(p->refunded, 10000);
    tender_payment_free(p);
    // Nothing is left to refund: refused, nothing sent.
    p = tender_host_refund(host, id.c_str(), "0.01", nullptr, &error);
    EXPECT_EQ(p, nullptr);
    g_clear_error(&error);
    EXPECT_EQ(faults.refund_calls, 3);
}

// The second part fails (a 503) after the first was made: money moved, so
// the refund is UNKNOWN, not DECLINED; reconcile reads PayPal's refunds and
// settles the payment at what was really refunded; the rest can then be
// refunded.
TEST_F(PaypalRefunds, AFailureBetweenTwoPartsIsUnknownAndReconcileSettlesIt)
{
    std::string id = CapturedTwice();
    faults.breaks[2] = Break::Answer503;
    // The first capture's 60.00 was refunded.
    RefundUnknownThenSettled(id, "80.00", TENDER_STATUS_PARTIALLY_REFUNDED, 6000);
    GError *error = nullptr;
    TenderPayment *p = tender_host_refund(host, id.c_str(), "20.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->refunded, 8000);
    tender_payment_free(p);
    p = tender_host_sync(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->refunded, 8000);
    tender_payment_free(p);
}

// The second part's answer is lost after PayPal made it: UNKNOWN, and
// reconcile finds both parts.
TEST_F(PaypalRefunds, ALostAnswerOfTheLastPartIsSettledByReconcile)
{
    std::string id = CapturedTwice();
    faults.breaks[2] = Break::LoseAnswerAfterSending;
    RefundUnknownThenSettled(id, "70.00", TENDER_STATUS_PARTIALLY_REFUNDED, 7000);
}

// A refund whose answer does not parse (cut short on the way back) is
// UNKNOWN, and reconcile finds what PayPal did.
TEST_F(PaypalRefunds, ATamperedAnswerIsUnknownAndReconcileSettlesIt)
{
    std::string id = CapturedTwice();
    faults.breaks[1] = Break::TamperAnswer;
    RefundUnknownThenSettled(id, "25.00", TENDER_STATUS_PARTIALLY_REFUNDED, 2500);
}

// The first part fails before anything moved: the refund takes PayPal's
// failure (here a lost answer: UNKNOWN) and reconcile finds nothing
// refunded.
TEST_F(PaypalRefunds, AFailedFirstPartRefundsNothing)
{
    std::string id = CapturedTwice();
    faults.breaks[1] = Break::LoseAnswer;
    RefundUnknownThenSettled(id, "70.00", TENDER_STATUS_CAPTURED, 0);
    EXPECT_EQ(faults.refund_calls, 1); // the second part was never tried
}

// A retry of the same refund, as the host makes it (the same request id and
// the same plugin_state), splits the same way and sends each part with the
// same PayPal-Request-Id: PayPal replays the parts it made, and no capture
// is refunded twice (a second real refund of the first capture's whole 60.00
// would be refused CAPTURE_FULLY_REFUNDED). Driven through the plugin
// harness, whose test host sends through the same breakable transport.
TEST_F(PaypalRefunds, ARetriedRefundReplaysThePartsAlreadyMade)
{
    std::vector<std::string> kv;
    JsonObject *settings = test_sandbox_settings(sandbox, "paypal");
    ASSERT_NE(settings, nullptr);
    GList *names = json_object_get_members(settings);
    for (GList *l = names; l != nullptr; l = l->next) {
        kv.push_back(static_cast<const char *>(l->data));
        kv.push_back(json_object_get_string_member(settings, kv.back().c_str()));
    }
    g_list_free(names);
    std::vector<const char *> list;
    for (const std::string &s : kv)
        list.push_back(s.c_str());
    list.push_back(nullptr);
    char *load_error = nullptr;
    TestPlugin *plugin = test_plugin_load(PAYPAL_PLUGIN_PATH, "paypal", list.data(), &load_error);
    ASSERT_NE(plugin, nullptr) << load_error;
    tender_test_host_set_http_transport(plugin->host, &faults.table);

    Flow f(plugin);
    EXPECT_EQ(f.op(TENDER_OP_AUTHORIZE, 10000, {{"intent", "AUTHORIZE"}})->outcome,
              (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    Result approved = f.op(TENDER_OP_COMPLETE_ACTION, 10000, {{"payer_action", "approve"}});
    EXPECT_EQ(approved->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << approved->message;
    EXPECT_EQ(f.op(TENDER_OP_CAPTURE, 6000)->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(f.op(TENDER_OP_CAPTURE, 4000)->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    const std::string before = f.state;

    faults.breaks[1] = Break::LoseAnswerAfterSending; // 60.00 of capture 1 made, answer lost
    faults.breaks[3] = Break::LoseAnswer;             // 10.00 of capture 2 never arrives
    Result first = f.op(TENDER_OP_REFUND, 7000, {}, "req-refund-1");
    EXPECT_EQ(first->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN) << first->message;
    EXPECT_EQ(f.state, before); // the split stays the same for a retry
    Result second = f.op(TENDER_OP_REFUND, 7000, {}, "req-refund-1");
    EXPECT_EQ(second->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN) << second->message;
    EXPECT_NE(std::string(second->message).find("money moved"), std::string::npos)
        << second->message;
    EXPECT_EQ(f.state, before);
    Result third = f.op(TENDER_OP_REFUND, 7000, {}, "req-refund-1");
    EXPECT_EQ(third->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << third->message;
    EXPECT_EQ(third->amount, 7000);

    ASSERT_EQ(faults.request_ids.size(), 5u);
    const auto &ids = faults.request_ids;
    EXPECT_EQ(ids[0], ids[1]); // capture 1's part, every time
    EXPECT_EQ(ids[0], ids[3]);
    EXPECT_EQ(ids[2], ids[4]); // capture 2's part
    EXPECT_NE(ids[0], ids[2]);
    EXPECT_EQ(ids[0].rfind("req-refund-1-", 0), 0u) << ids[0];

    // PayPal made two refunds, 60.00 and 10.00: sync reads them back.
    Result synced = f.op(TENDER_OP_SYNC, 0);
    EXPECT_EQ(synced->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << synced->message;
    EXPECT_EQ(synced->event, (uint32_t)TENDER_EVENT_REFUNDED);
    EXPECT_EQ(synced->amount, 7000);
    // And the 30.00 left is all that can still be refunded.
    Result rest = f.op(TENDER_OP_REFUND, 3000);
    EXPECT_EQ(rest->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << rest->message;
    Result more = f.op(TENDER_OP_REFUND, 1);
    EXPECT_EQ(more->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    test_plugin_free(plugin);
}

} // namespace
