// Reading payments: get returns the payment with its operations oldest
// first; list filters by account, method, status and time, newest first,
// with a limit, and carries no operations.
#include <set>

#include "core-test-util.h"

using namespace coretest;

namespace {

class ListGet : public HostTest {
protected:
    void SetUp() override { make_host(); }

    std::string pay_as(const char *method, const char *account, const char *amount,
                       gint64 at_ms, const char *result = "approve")
    {
        tender_host_set_now(host, at_ms);
        tender_param param = {"result", result};
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = method;
        req.region = "US";
        req.currency = "USD";
        req.amount = amount;
        req.account = account;
        req.params = &param;
        req.n_params = 1;
        GError *error = nullptr;
        TenderPayment *p = keep(tender_host_pay(host, &req, &error));
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return p ? p->id : "";
    }

    std::vector<std::string> list(const TenderListFilter *filter)
    {
        GError *error = nullptr;
        GPtrArray *all = tender_host_list(host, filter, &error);
        EXPECT_NE(all, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        std::vector<std::string> ids;
        for (guint i = 0; all && i < all->len; i++) {
            auto *p = static_cast<TenderPayment *>(g_ptr_array_index(all, i));
            EXPECT_TRUE(p->operations == nullptr || p->operations->len == 0)
                << "list carries operations";
            ids.push_back(p->id);
        }
        if (all)
            g_ptr_array_unref(all);
        return ids;
    }
};

using Ids = std::vector<std::string>;

TEST_F(ListGet, FiltersAndOrder)
{
    std::string a1 = pay_as("fx_count", "alice", "10.00", kNow);
    std::string b1 = pay_as("fx_count", "bob", "20.00", kNow + 1000);
    std::string a2 = pay_as("fx_single", "alice", "30.00", kNow + 2000, "decline");
    std::string b2 = pay_as("fx_single", "bob", "40.00", kNow + 3000);
    std::string a3 = pay_as("fx_count", "alice", "50.00", kNow + 4000);

    EXPECT_EQ(list(nullptr), (Ids{a3, b2, a2, b1, a1}));
    TenderListFilter f = {sizeof(TenderListFilter)};
    EXPECT_EQ(list(&f), (Ids{a3, b2, a2, b1, a1}));

    f.account = "alice";
    EXPECT_EQ(list(&f), (Ids{a3, a2, a1}));
    f.method = "fx_count";
    EXPECT_EQ(list(&f), (Ids{a3, a1}));
    f = {sizeof(TenderListFilter)};
    f.method = "fx_single";
    EXPECT_EQ(list(&f), (Ids{b2, a2}));
    f = {sizeof(TenderListFilter)};
    f.has_status = TRUE;
    f.status = TENDER_STATUS_DECLINED;
    EXPECT_EQ(list(&f), (Ids{a2}));
    f.status = TENDER_STATUS_AUTHORIZED;
    EXPECT_EQ(list(&f), (Ids{a3, b2, b1, a1}));
    f = {sizeof(TenderListFilter)};
    // The window is [from, to): created at from is in, at to is out.
    f.from_ms = kNow + 1000;
    f.to_ms = kNow + 3000;
    EXPECT_EQ(list(&f), (Ids{a2, b1}));
    f.to_ms = 0;
    EXPECT_EQ(list(&f), (Ids{a3, b2, a2, b1}));
    f.from_ms = 0;
    f.to_ms = kNow + 1;
    EXPECT_EQ(list(&f), (Ids{a1}));
    f = {sizeof(TenderListFilter)};
    f.limit = 2;
    EXPECT_EQ(list(&f), (Ids{a3, b2}));
    f.account = "carol";
    EXPECT_EQ(list(&f), Ids{});
    f = {sizeof(TenderListFilter)};
    f.method = "fx_nope";
    EXPECT_EQ(list(&f), Ids{});

    // The status filter follows changes.
    GError *error = nullptr;
    keep(tender_host_capture(host, a1.c_str(), nullptr, nullptr, &error));
    ASSERT_EQ(error, nullptr) << error->message;
    f = {sizeof(TenderListFilter)};
    f.has_status = TRUE;
    f.status = TENDER_STATUS_CAPTURED;
    EXPECT_EQ(list(&f), (Ids{a1}));
}

TEST_F(ListGet, GetCarriesOperationsOldestFirst)
{
    std::string id = pay_as("fx_count", "alice", "10.00", kNow);
    GError *error = nullptr;
    tender_host_set_now(host, kNow + 1000);
    keep(tender_host_capture(host, id.c_str(), "4.00", nullptr, &error));
    tender_host_set_now(host, kNow + 2000);
    keep(tender_host_capture(host, id.c_str(), nullptr, "final", &error));
    tender_host_set_now(host, kNow + 3000);
    keep(tender_host_refund(host, id.c_str(), "1.00", nullptr, &error));
    ASSERT_EQ(error, nullptr) << error->message;
    TenderPayment *p = get(id.c_str());
    EXPECT_STREQ(p->account, "alice");
    EXPECT_STREQ(p->region, "US");
    EXPECT_EQ(p->created_ms, kNow);
    EXPECT_EQ(p->updated_ms, kNow + 3000);
    ASSERT_EQ(p->operations->len, 4u);
    const char *kinds[] = {"authorize", "capture", "capture", "refund"};
    const gint64 amounts[] = {1000, 400, 600, 100};
    const char *after[] = {"authorized", "partially_captured", "captured", "partially_refunded"};
    gint64 last_seq = 0;
    for (guint i = 0; i < 4; i++) {
        auto *op = static_cast<const TenderOperation *>(g_ptr_array_index(p->operations, i));
        EXPECT_STREQ(op->kind, kinds[i]);
        EXPECT_EQ(op->amount, amounts[i]);
        EXPECT_STREQ(op->status_after, after[i]);
        EXPECT_STREQ(op->outcome, "approved");
        EXPECT_GT(op->seq, last_seq);
        EXPECT_EQ(op->created_ms, kNow + 1000 * i);
        EXPECT_NE(op->request_id, nullptr);
        last_seq = op->seq;
    }
    EXPECT_STREQ(static_cast<const TenderOperation *>(g_ptr_array_index(p->operations, 2))
                     ->idempotency_key,
                 "final");
    // Request ids are unique per operation.
    std::set<std::string> request_ids;
    for (guint i = 0; i < 4; i++)
        request_ids.insert(
            static_cast<const TenderOperation *>(g_ptr_array_index(p->operations, i))->request_id);
    EXPECT_EQ(request_ids.size(), 4u);
}

// Payment ids sort by when they were made (core/ids.c: the ledger's
// indexes on them then grow at their end): "pay_", the wall clock in
// milliseconds as 12 hex digits, 12 more of random. The host's own clock is
// fixed here; ids follow the wall clock regardless.
TEST_F(ListGet, PaymentIdsSortByCreationTime)
{
    gint64 before_ms = g_get_real_time() / 1000;
    std::vector<std::string> ids;
    for (int i = 0; i < 3; i++) {
        ids.push_back(pay_as("fx_count", "alice", "10.00", kNow));
        g_usleep(2000); // the next id is made in a later millisecond
    }
    gint64 after_ms = g_get_real_time() / 1000;
    for (size_t i = 0; i < ids.size(); i++) {
        const std::string &id = ids[i];
        ASSERT_EQ(id.size(), 4u + 24u) << id;
        EXPECT_EQ(id.compare(0, 4, "pay_"), 0) << id;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos) << id;
        gint64 made_ms = g_ascii_strtoll(id.substr(4, 12).c_str(), nullptr, 16);
        EXPECT_GE(made_ms, before_ms) << id;
        EXPECT_LE(made_ms, after_ms) << id;
        if (i > 0) {
            EXPECT_LT(ids[i - 1], id);
        }
    }
    // The random half differs even where the time half would not.
    std::set<std::string> tails;
    for (const std::string &id : ids)
        tails.insert(id.substr(16));
    EXPECT_EQ(tails.size(), ids.size());
}

TEST_F(ListGet, PaymentsPersistAcrossHosts)
{
    TearDown();
    std::string ledger = tmp.file("ledger.db");
    make_host({}, ledger);
    std::string id = pay_as("fx_count", "alice", "10.00", kNow);
    std::string snapshot_before = snap(id.c_str());
    TearDown();
    make_host({}, ledger);
    EXPECT_EQ(snap(id.c_str()), snapshot_before);
    EXPECT_EQ(list(nullptr), (Ids{id}));
}

}  // namespace

namespace {

// Input structs carry their size: one that does not (a host that forgot to
// set it, or built against a struct older than the first version) is
// refused with a message naming the struct, and nothing is recorded.
class InputSize : public HostTest {
protected:
    void SetUp() override { make_host(); }
};

TEST_F(InputSize, StructsWithoutTheirSizeAreRefused)
{
    GError *error = nullptr;
    TenderPayRequest req = {};
    req.method = "fx_count";
    req.region = "US";
    req.currency = "USD";
    req.amount = "1.00";
    EXPECT_EQ(tender_host_pay(host, &req, &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT));
    EXPECT_NE(std::string(error->message).find("TenderPayRequest.struct_size"), std::string::npos);
    g_clear_error(&error);

    TenderBuyer buyer = {};
    buyer.region = "US";
    buyer.currency = "USD";
    buyer.amount = "1.00";
    EXPECT_EQ(tender_host_quote(host, &buyer, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);

    TenderListFilter filter = {};
    EXPECT_EQ(tender_host_list(host, &filter, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);

    GPtrArray *all = tender_host_list(host, nullptr, &error);
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->len, 0u);
    g_ptr_array_unref(all);
}

}  // namespace
