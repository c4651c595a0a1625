// Idempotency: a key seen before replays the stored result without calling
// the plugin; the same key with different parameters is a conflict; and
// concurrent requests with one key reach the plugin exactly once.
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "core-test-util.h"

using namespace coretest;

namespace {

class Idempotency : public HostTest {
protected:
    // fx_count sleeps a little in every money call so that concurrent
    // requests really overlap.
    void SetUp() override
    {
        MethodConf slowish;
        slowish.int_settings["sleep_ms"] = 40;
        make_host({{"fx_count", slowish}});
    }

    size_t payments() { return payment_count(host); }
};

TEST_F(Idempotency, PayReplaysWithoutCallingThePlugin)
{
    TenderPayment *first = pay("fx_count", "10.00", "USD", "order-1", {{"note", "a"}});
    ASSERT_NE(first, nullptr);
    TenderPayment *again = pay("fx_count", "10.00", "USD", "order-1", {{"note", "a"}});
    ASSERT_NE(again, nullptr);
    EXPECT_STREQ(again->id, first->id);
    EXPECT_EQ(again->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_STREQ(again->idempotency_key, "order-1");
    EXPECT_EQ(calls("authorize"), 1u);
    EXPECT_EQ(payments(), 1u);
}

// The request fingerprint must not depend on the order of the parameters
// (nor on where the host happened to allocate them).
TEST_F(Idempotency, ParameterOrderDoesNotMatter)
{
    std::vector<tender_param> params = {{"note", "a"},     {"result", "approve"}, {"x1", "1"},
                                        {"x2", "2"},       {"x3", "3"},           {"Note", "b"},
                                        {"x4", "4"},       {"x5", "5"}};
    TenderPayment *first = pay("fx_count", "10.00", "USD", "order-2", params);
    ASSERT_NE(first, nullptr);
    std::string id = first->id;
    for (size_t r = 1; r <= params.size(); r++) {
        std::rotate(params.begin(), params.begin() + 1, params.end());
        if (r % 2 == 0)
            std::reverse(params.begin(), params.end());
        GError *error = nullptr;
        TenderPayment *again = pay("fx_count", "10.00", "USD", "order-2", params, FALSE, &error);
        ASSERT_NE(again, nullptr) << "order " << r << ": " << error->message;
        EXPECT_EQ(again->id, id);
    }
    EXPECT_EQ(calls("authorize"), 1u);
}

TEST_F(Idempotency, PayReplayAfterLaterOperationsReturnsThePaymentNow)
{
    TenderPayment *first = pay("fx_count", "10.00", "USD", "order-1");
    GError *error = nullptr;
    keep(tender_host_capture(host, first->id, nullptr, nullptr, &error));
    ASSERT_EQ(error, nullptr) << error->message;
    TenderPayment *again = pay("fx_count", "10.00", "USD", "order-1");
    EXPECT_STREQ(again->id, first->id);
    EXPECT_EQ(again->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(calls("authorize"), 1u);
}

TEST_F(Idempotency, DeclinedPayReplaysTheDecline)
{
    TenderPayment *first = pay("fx_count", "10.00", "USD", "order-d", {{"result", "decline"}});
    EXPECT_EQ(first->status, TENDER_STATUS_DECLINED);
    TenderPayment *again = pay("fx_count", "10.00", "USD", "order-d", {{"result", "decline"}});
    EXPECT_STREQ(again->id, first->id);
    EXPECT_EQ(again->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(calls("authorize"), 1u);
}

TEST_F(Idempotency, PayConflicts)
{
    TenderPayment *first = pay("fx_count", "10.00", "USD", "order-1", {{"note", "a"}});
    std::string before = snap(first->id);
    GError *error = nullptr;
    EXPECT_EQ(pay("fx_count", "10.01", "USD", "order-1", {{"note", "a"}}, FALSE, &error),
              nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(pay("fx_count", "10.00", "EUR", "order-1", {{"note", "a"}}, FALSE, &error),
              nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(pay("fx_count", "10.00", "USD", "order-1", {{"note", "b"}}, FALSE, &error),
              nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(pay("fx_count", "10.00", "USD", "order-1", {}, FALSE, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(pay("fx_count", "10.00", "USD", "order-1", {{"note", "a"}}, TRUE, &error),
              nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(pay("fx_single", "10.00", "USD", "order-1", {{"note", "a"}}, FALSE, &error),
              nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(calls("authorize"), 1u);
    EXPECT_EQ(calls("purchase"), 0u);
    EXPECT_EQ(payments(), 1u);
    EXPECT_EQ(snap(first->id), before);
}

TEST_F(Idempotency, EightThreadsOnePayKeyOneCall)
{
    constexpr int kThreads = 8;
    std::vector<std::string> ids(kThreads);
    std::vector<std::string> errors(kThreads);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++)
        threads.emplace_back([&, t] {
            ready++;
            while (ready.load() < kThreads)
                std::this_thread::yield();
            TenderPayRequest req = usd_request("fx_count", "42.00");
            req.idempotency_key = "same-key";
            GError *error = nullptr;
            TenderPayment *p = tender_host_pay(host, &req, &error);
            if (p) {
                ids[t] = p->id;
                if (p->status != TENDER_STATUS_AUTHORIZED)
                    errors[t] = std::string("status ") + tender_status_to_string(p->status);
            } else {
                errors[t] = error->message;
                g_error_free(error);
            }
            tender_payment_free(p);
        });
    for (auto &th : threads)
        th.join();
    for (int t = 0; t < kThreads; t++) {
        EXPECT_EQ(errors[t], "") << "thread " << t;
        EXPECT_EQ(ids[t], ids[0]) << "thread " << t;
    }
    EXPECT_EQ(calls("authorize"), 1u);
    EXPECT_EQ(payments(), 1u);
}

TEST_F(Idempotency, EightThreadsDistinctKeysEightPayments)
{
    std::vector<std::thread> threads;
    std::vector<std::string> ids(8);
    for (int t = 0; t < 8; t++)
        threads.emplace_back([&, t] {
            std::string key = "key-" + std::to_string(t);
            TenderPayRequest req = {sizeof(TenderPayRequest)};
            req.method = "fx_count";
            req.region = "US";
            req.currency = "USD";
            req.amount = "1.00";
            req.idempotency_key = key.c_str();
            TenderPayment *p = tender_host_pay(host, &req, nullptr);
            if (p)
                ids[t] = p->id;
            tender_payment_free(p);
        });
    for (auto &th : threads)
        th.join();
    std::set<std::string> distinct(ids.begin(), ids.end());
    EXPECT_EQ(distinct.size(), 8u);
    EXPECT_EQ(distinct.count(""), 0u);
    EXPECT_EQ(calls("authorize"), 8u);
}

TEST_F(Idempotency, CaptureAndRefundKeysReplayAndConflict)
{
    TenderPayment *p = pay("fx_count", "10.00");
    GError *error = nullptr;
    TenderPayment *c1 = keep(tender_host_capture(host, p->id, "3.00", "cap-1", &error));
    ASSERT_NE(c1, nullptr) << error->message;
    TenderPayment *c1b = keep(tender_host_capture(host, p->id, "3.00", "cap-1", &error));
    ASSERT_NE(c1b, nullptr) << error->message;
    EXPECT_EQ(c1b->captured, 300);
    EXPECT_EQ(calls("capture"), 1u);
    std::string before = snap(p->id);
    EXPECT_EQ(tender_host_capture(host, p->id, "4.00", "cap-1", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(tender_host_capture(host, p->id, nullptr, "cap-1", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(snap(p->id), before);
    EXPECT_EQ(calls("capture"), 1u);
    // A new key captures again.
    EXPECT_EQ(keep(tender_host_capture(host, p->id, "3.00", "cap-2", &error))->captured, 600);

    TenderPayment *r1 = keep(tender_host_refund(host, p->id, "1.00", "ref-1", &error));
    ASSERT_NE(r1, nullptr) << error->message;
    TenderPayment *r1b = keep(tender_host_refund(host, p->id, "1.00", "ref-1", &error));
    ASSERT_NE(r1b, nullptr) << error->message;
    EXPECT_EQ(r1b->refunded, 100);
    EXPECT_EQ(calls("refund"), 1u);
    EXPECT_EQ(tender_host_refund(host, p->id, "2.00", "ref-1", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
    // Keys are per operation kind and per payment.
    TenderPayment *r2 = keep(tender_host_refund(host, p->id, "1.00", "cap-1", &error));
    ASSERT_NE(r2, nullptr) << error->message;
    EXPECT_EQ(r2->refunded, 200);
    TenderPayment *q = pay("fx_count", "10.00");
    EXPECT_EQ(keep(tender_host_capture(host, q->id, "3.00", "cap-1", &error))->captured, 300);
    EXPECT_EQ(calls("capture"), 3u);
}

TEST_F(Idempotency, VoidKeyReplays)
{
    TenderPayment *p = pay("fx_count", "10.00");
    GError *error = nullptr;
    ASSERT_NE(keep(tender_host_void(host, p->id, "void-1", &error)), nullptr);
    TenderPayment *again = keep(tender_host_void(host, p->id, "void-1", &error));
    ASSERT_NE(again, nullptr) << error->message;
    EXPECT_EQ(again->status, TENDER_STATUS_VOIDED);
    EXPECT_EQ(calls("void"), 1u);
}

TEST_F(Idempotency, DeclinedCaptureReplaysAsDeclined)
{
    TenderPayment *p = pay("fx_count", "10.00", "USD", nullptr, {{"result", "decline_capture"}});
    GError *error = nullptr;
    EXPECT_EQ(tender_host_capture(host, p->id, nullptr, "cap-d", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_DECLINED);
    EXPECT_EQ(tender_host_capture(host, p->id, nullptr, "cap-d", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_DECLINED);
    EXPECT_EQ(calls("capture"), 1u);
}

// Run `op` from 8 threads at once; returns how many succeeded.
template <typename Op> int in_eight_threads(Op op, std::vector<int> *codes = nullptr)
{
    std::atomic<int> ready{0}, ok{0};
    std::vector<std::thread> threads;
    std::mutex lock;
    for (int t = 0; t < 8; t++)
        threads.emplace_back([&, t] {
            ready++;
            while (ready.load() < 8)
                std::this_thread::yield();
            GError *error = nullptr;
            TenderPayment *p = op(t, &error);
            if (p)
                ok++;
            else if (codes) {
                std::lock_guard<std::mutex> g(lock);
                codes->push_back(error ? error->code : -1);
            }
            g_clear_error(&error);
            tender_payment_free(p);
        });
    for (auto &th : threads)
        th.join();
    return ok.load();
}

TEST_F(Idempotency, EightThreadsOneCaptureKeyOneCall)
{
    TenderPayment *p = pay("fx_count", "10.00");
    std::string id = p->id;
    int ok = in_eight_threads([&](int, GError **e) {
        return tender_host_capture(host, id.c_str(), "3.00", "cap-same", e);
    });
    EXPECT_EQ(ok, 8);
    EXPECT_EQ(calls("capture"), 1u);
    EXPECT_EQ(get(id.c_str())->captured, 300);

    ok = in_eight_threads([&](int, GError **e) {
        return tender_host_refund(host, id.c_str(), "1.00", "ref-same", e);
    });
    EXPECT_EQ(ok, 8);
    EXPECT_EQ(calls("refund"), 1u);
    EXPECT_EQ(get(id.c_str())->refunded, 100);
}

TEST_F(Idempotency, EightThreadsDistinctCapturesNeverOverCapture)
{
    TenderPayment *p = pay("fx_count", "5.00");
    std::string id = p->id;
    std::vector<int> codes;
    int ok = in_eight_threads(
        [&](int t, GError **e) {
            std::string key = "cap-" + std::to_string(t);
            return tender_host_capture(host, id.c_str(), "1.00", key.c_str(), e);
        },
        &codes);
    EXPECT_EQ(ok, 5);
    for (int code : codes)
        EXPECT_TRUE(code == TENDER_ERROR_AMOUNT_EXCEEDED || code == TENDER_ERROR_INVALID_STATE)
            << code;
    TenderPayment *after = get(id.c_str());
    EXPECT_EQ(after->captured, 500);
    EXPECT_EQ(after->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(calls("capture"), 5u);
}

TEST_F(Idempotency, KeySurvivesAcrossHostsOnOneLedger)
{
    TearDown();
    std::string ledger = tmp.file("ledger.db");
    make_host({}, ledger);
    TenderPayment *first = pay("fx_count", "10.00", "USD", "persist");
    std::string id = first->id;
    TearDown();
    make_host({}, ledger);
    TenderPayment *again = pay("fx_count", "10.00", "USD", "persist");
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->id, id);
    EXPECT_EQ(calls("authorize"), 1u);
    GError *error = nullptr;
    EXPECT_EQ(pay("fx_count", "11.00", "USD", "persist", {}, FALSE, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
}

}  // namespace
