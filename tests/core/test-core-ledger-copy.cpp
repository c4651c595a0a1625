// tender_host_copy_ledger: a ledger filled on ":memory:" through the host
// API, copied to a file, opens in a new host with every payment and
// operation as it was; a copy never overwrites an existing file.
#include "core-test-util.h"

using namespace coretest;

namespace {

class LedgerCopy : public HostTest {
protected:
    void SetUp() override { make_host(); }
};

TEST_F(LedgerCopy, ACopyOpensInANewHostWithEveryPayment)
{
    TenderPayment *approved = pay("fx_count", "10.00");
    ASSERT_NE(approved, nullptr);
    GError *error = nullptr;
    TenderPayment *captured = tender_host_capture(host, approved->id, "4.00", nullptr, &error);
    ASSERT_NE(captured, nullptr) << (error ? error->message : "");
    keep(captured);
    TenderPayment *second = pay("fx_single", "30.00");
    ASSERT_NE(second, nullptr);
    std::string before_first = snap(approved->id);
    std::string before_second = snap(second->id);

    std::string path = tmp.file("copy.db");
    ASSERT_TRUE(tender_host_copy_ledger(host, path.c_str(), &error))
        << (error ? error->message : "");

    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, fixture_dir());
    tender_host_options_set_config_data(options, make_config({{"fx_count", {}},
                                                              {"fx_single", {}}}).c_str());
    tender_host_options_set_ledger(options, path.c_str());
    tender_host_options_set_fixed_now(options, kNow);
    TenderHost *reopened = tender_host_new(options, &error);
    tender_host_options_free(options);
    ASSERT_NE(reopened, nullptr) << (error ? error->message : "");
    for (auto [id, before] : {std::pair{approved->id, before_first},
                              std::pair{second->id, before_second}}) {
        TenderPayment *p = tender_host_get(reopened, id, &error);
        ASSERT_NE(p, nullptr) << (error ? error->message : "");
        EXPECT_EQ(snapshot(p), before);
        tender_payment_free(p);
    }
    GPtrArray *all = tender_host_list(reopened, nullptr, &error);
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->len, 2u);
    g_ptr_array_unref(all);
    tender_host_free(reopened);
}

TEST_F(LedgerCopy, NeverOverwritesAFile)
{
    ASSERT_NE(pay("fx_count", "10.00"), nullptr);
    std::string path = tmp.file("existing.db");
    ASSERT_TRUE(g_file_set_contents(path.c_str(), "keep me", -1, nullptr));
    GError *error = nullptr;
    EXPECT_FALSE(tender_host_copy_ledger(host, path.c_str(), &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
    char *text = nullptr;
    ASSERT_TRUE(g_file_get_contents(path.c_str(), &text, nullptr, nullptr));
    EXPECT_STREQ(text, "keep me");
    g_free(text);

    std::string nowhere = tmp.file("no-such-dir/copy.db");
    EXPECT_FALSE(tender_host_copy_ledger(host, nowhere.c_str(), &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
}

} // namespace
