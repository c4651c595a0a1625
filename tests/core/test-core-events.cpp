// Events: a listener hears every state change (payment id, old, new), after
// it is committed, never for a refused operation or a replay, and no more
// after it is removed.
#include <memory>
#include <mutex>
#include <thread>

#include "core-test-util.h"
#include "ledger-rows.h"

using namespace coretest;

namespace {

struct Event {
    std::string id;
    TenderStatus from, to;
    std::string committed;  // the status the ledger held when told
};

struct Recorder {
    std::mutex lock;
    std::vector<Event> events;
    // Read the ledger (its file, or its schema on the server) in the
    // callback when set.
    std::unique_ptr<testledger::LedgerRows> ledger;

    static void on_change(const char *id, TenderStatus from, TenderStatus to, gpointer data)
    {
        auto *self = static_cast<Recorder *>(data);
        Event e{id, from, to, ""};
        if (self->ledger) {
            // Another connection sees only what is committed.
            testledger::Rows got =
                self->ledger->rows("SELECT status FROM payments WHERE id = $1", {id});
            if (!got.empty() && !got[0].empty())
                e.committed = got[0][0];
        }
        std::lock_guard<std::mutex> g(self->lock);
        self->events.push_back(e);
    }

    std::vector<std::pair<TenderStatus, TenderStatus>> of(const std::string &id)
    {
        std::lock_guard<std::mutex> g(lock);
        std::vector<std::pair<TenderStatus, TenderStatus>> out;
        for (const Event &e : events)
            if (e.id == id)
                out.emplace_back(e.from, e.to);
        return out;
    }

    size_t size()
    {
        std::lock_guard<std::mutex> g(lock);
        return events.size();
    }
};

using Changes = std::vector<std::pair<TenderStatus, TenderStatus>>;

class Events : public HostTest {
protected:
    void SetUp() override
    {
        ledger = tmp.file("ledger.db");
        make_host({}, ledger);
        rec.ledger = std::make_unique<testledger::LedgerRows>(ledger);
        listener = tender_host_add_listener(host, Recorder::on_change, &rec);
        EXPECT_GT(listener, 0u);
    }

    // The changes chain up and end at the payment's status.
    void expect_chain(const char *id)
    {
        Changes c = rec.of(id);
        ASSERT_FALSE(c.empty()) << id;
        for (size_t i = 0; i + 1 < c.size(); i++)
            EXPECT_EQ(c[i].second, c[i + 1].first) << id << " change " << i;
        for (const auto &change : c)
            EXPECT_NE(change.first, change.second) << "a change that changes nothing";
        EXPECT_EQ(c.back().second, get(id)->status) << id;
    }

    std::string ledger;
    Recorder rec;
    guint listener = 0;
};

TEST_F(Events, EveryChangeOfAFullLifecycle)
{
    TenderPayment *p = pay("fx_count", "10.00");
    GError *error = nullptr;
    keep(tender_host_capture(host, p->id, "4.00", nullptr, &error));
    keep(tender_host_capture(host, p->id, nullptr, nullptr, &error));
    keep(tender_host_refund(host, p->id, "1.00", nullptr, &error));
    keep(tender_host_refund(host, p->id, nullptr, nullptr, &error));
    ASSERT_EQ(error, nullptr) << error->message;
    Changes expected = {
        {TENDER_STATUS_UNKNOWN, TENDER_STATUS_AUTHORIZED},
        {TENDER_STATUS_AUTHORIZED, TENDER_STATUS_PARTIALLY_CAPTURED},
        {TENDER_STATUS_PARTIALLY_CAPTURED, TENDER_STATUS_CAPTURED},
        {TENDER_STATUS_CAPTURED, TENDER_STATUS_PARTIALLY_REFUNDED},
        {TENDER_STATUS_PARTIALLY_REFUNDED, TENDER_STATUS_REFUNDED},
    };
    EXPECT_EQ(rec.of(p->id), expected);
    expect_chain(p->id);
    // Each was committed before the listener heard of it.
    std::lock_guard<std::mutex> g(rec.lock);
    for (const Event &e : rec.events)
        EXPECT_EQ(e.committed, tender_status_to_string(e.to));
}

TEST_F(Events, DeclinesVoidsActionsAndLapses)
{
    TenderPayment *d = pay("fx_count", "10.00", "USD", nullptr, {{"result", "decline"}});
    EXPECT_EQ(rec.of(d->id), (Changes{{TENDER_STATUS_UNKNOWN, TENDER_STATUS_DECLINED}}));
    TenderPayment *policy = pay("fx_count", "10.00", "GBP");
    EXPECT_EQ(rec.of(policy->id), (Changes{{TENDER_STATUS_UNKNOWN, TENDER_STATUS_DECLINED}}));

    TenderPayment *v = pay("fx_count", "10.00");
    GError *error = nullptr;
    keep(tender_host_void(host, v->id, nullptr, &error));
    EXPECT_EQ(rec.of(v->id).back(),
              std::make_pair(TENDER_STATUS_AUTHORIZED, TENDER_STATUS_VOIDED));

    TenderPayment *a = pay("fx_action", "10.00");
    tender_param otp = {"otp", "9999"};
    keep(tender_host_complete(host, a->id, &otp, 1, &error));
    EXPECT_EQ(rec.of(a->id),
              (Changes{{TENDER_STATUS_UNKNOWN, TENDER_STATUS_REQUIRES_ACTION},
                       {TENDER_STATUS_REQUIRES_ACTION, TENDER_STATUS_AUTHORIZED}}));

    TenderPayment *lapse = pay("fx_over", "10.00");
    tender_host_set_now(host, kNow + 3600 * 1000);
    get(lapse->id);
    EXPECT_EQ(rec.of(lapse->id).back(),
              std::make_pair(TENDER_STATUS_AUTHORIZED, TENDER_STATUS_EXPIRED));
    for (TenderPayment *p : {d, policy, v, a, lapse})
        expect_chain(p->id);
}

TEST_F(Events, UnknownThenReconciled)
{
    TenderPayment *p = pay("fx_unknown", "10.00");
    TenderReconcileReport report;
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error));
    EXPECT_EQ(rec.of(p->id).back(),
              std::make_pair(TENDER_STATUS_UNKNOWN, TENDER_STATUS_AUTHORIZED));
    expect_chain(p->id);
}

TEST_F(Events, NothingForRefusalsAndReplays)
{
    TenderPayment *p = pay("fx_count", "10.00", "USD", "key-e");
    size_t before = rec.size();
    GError *error = nullptr;
    EXPECT_EQ(tender_host_refund(host, p->id, nullptr, nullptr, &error), nullptr);
    g_clear_error(&error);
    EXPECT_EQ(tender_host_capture(host, p->id, "11.00", nullptr, &error), nullptr);
    g_clear_error(&error);
    pay("fx_count", "10.00", "USD", "key-e");  // replay
    get(p->id);
    EXPECT_EQ(rec.size(), before);
    // A processor-declined capture records an attempt but changes no state.
    TenderPayment *q = pay("fx_count", "10.00", "USD", nullptr, {{"result", "decline_capture"}});
    before = rec.size();
    EXPECT_EQ(tender_host_capture(host, q->id, nullptr, nullptr, &error), nullptr);
    g_clear_error(&error);
    EXPECT_EQ(rec.size(), before);
}

TEST_F(Events, SeveralListenersAndRemoval)
{
    Recorder second;
    guint id2 = tender_host_add_listener(host, Recorder::on_change, &second);
    EXPECT_NE(id2, listener);
    TenderPayment *p = pay("fx_count", "10.00");
    EXPECT_EQ(rec.of(p->id).size(), 1u);
    EXPECT_EQ(second.of(p->id).size(), 1u);
    tender_host_remove_listener(host, listener);
    GError *error = nullptr;
    keep(tender_host_capture(host, p->id, nullptr, nullptr, &error));
    EXPECT_EQ(rec.of(p->id).size(), 1u) << "a removed listener was called";
    EXPECT_EQ(second.of(p->id).size(), 2u);
    tender_host_remove_listener(host, id2);
    tender_host_remove_listener(host, 9999);  // unknown ids are ignored
}

TEST_F(Events, EveryChangeFromManyThreads)
{
    std::vector<std::string> ids;
    for (int i = 0; i < 8; i++)
        ids.push_back(pay("fx_count", "10.00")->id);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; t++)
        threads.emplace_back([&, t] {
            GError *error = nullptr;
            tender_payment_free(tender_host_capture(host, ids[t].c_str(), "5.00", nullptr, &error));
            tender_payment_free(tender_host_capture(host, ids[t].c_str(), nullptr, nullptr, &error));
            tender_payment_free(tender_host_refund(host, ids[t].c_str(), nullptr, nullptr, &error));
            g_clear_error(&error);
        });
    for (auto &th : threads)
        th.join();
    for (const auto &id : ids) {
        EXPECT_EQ(rec.of(id).size(), 4u) << id;
        expect_chain(id.c_str());
    }
}

}  // namespace
