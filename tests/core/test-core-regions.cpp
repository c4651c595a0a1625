// User-assigned region codes (AA, QM-QZ, XA-XZ, ZZ) name a region only when
// the operator says so: the host refuses a buyer from one unless the
// config's user_assigned_regions lists it, and the config itself may use
// one only once it is declared there.
#include <gtest/gtest.h>

#include <glib.h>

#include <string>

#include <tender/tender.h>

#include "test-ledger.h"

#include "core-test-util.h"

using namespace coretest;

namespace {

TenderHost *host_with_config(const std::string &config, GError **error)
{
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    tender_host_options_set_config_data(o, config.c_str());
    test_ledger_set_options(o, ":memory:");
    tender_host_options_set_fixed_now(o, kNow);
    TenderHost *host = tender_host_new(o, error);
    tender_host_options_free(o);
    return host;
}

TenderPayment *pay_from(TenderHost *host, const char *region, GError **error)
{
    tender_param number = {"number", "4242424242424242"};
    TenderPayRequest r = {sizeof r, "fx_echo", region, "USD", "10.00", "acct-1", nullptr,
                          nullptr,   &number,   1,      FALSE};
    return tender_host_pay(host, &r, error);
}

std::string config_error(const std::string &config)
{
    GError *error = nullptr;
    TenderHost *host = host_with_config(config, &error);
    tender_host_free(host);
    if (error == nullptr)
        return "";
    std::string message = error->code == TENDER_ERROR_CONFIG ? error->message : "wrong code";
    g_error_free(error);
    return message;
}

TEST(UserAssignedRegions, RefusedWhenTheConfigDoesNotDeclareThem)
{
    GError *error = nullptr;
    TenderHost *host = host_with_config("{}", &error);
    ASSERT_NE(host, nullptr) << error->message;
    for (const char *region : {"AA", "QM", "QZ", "XA", "XK", "ZZ"}) {
        TenderBuyer buyer = {sizeof buyer, region, "USD", "10.00", nullptr, nullptr};
        EXPECT_EQ(tender_host_quote(host, &buyer, &error), nullptr) << region;
        ASSERT_NE(error, nullptr) << region;
        EXPECT_NE(std::string(error->message).find("user_assigned_regions"), std::string::npos)
            << error->message;
        EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
        EXPECT_EQ(pay_from(host, region, &error), nullptr) << region;
        EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    }
    // Nothing was recorded for the refused payments.
    GPtrArray *list = tender_host_list(host, nullptr, &error);
    ASSERT_NE(list, nullptr);
    EXPECT_EQ(list->len, 0u);
    g_ptr_array_unref(list);
    // An assigned region is unaffected.
    TenderPayment *us = pay_from(host, "US", &error);
    ASSERT_NE(us, nullptr) << error->message;
    tender_payment_free(us);
    tender_host_free(host);
}

TEST(UserAssignedRegions, AcceptedOnceDeclared)
{
    GError *error = nullptr;
    TenderHost *host = host_with_config("{\"user_assigned_regions\": [\"XA\", \"ZZ\"]}", &error);
    ASSERT_NE(host, nullptr) << error->message;
    TenderPayment *p = pay_from(host, "XA", &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_STREQ(p->region, "XA");
    tender_payment_free(p);
    TenderBuyer buyer = {sizeof buyer, "ZZ", "USD", "10.00", nullptr, nullptr};
    GPtrArray *quotes = tender_host_quote(host, &buyer, &error);
    ASSERT_NE(quotes, nullptr) << error->message;
    g_ptr_array_unref(quotes);
    // Declaring one does not declare the others.
    EXPECT_EQ(pay_from(host, "XB", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    tender_host_free(host);
}

TEST(UserAssignedRegions, TheDeclarationIsValidatedStrictly)
{
    EXPECT_NE(config_error("{\"user_assigned_regions\": [\"US\"]}")
                  .find("$.user_assigned_regions[0]: \"US\" is an assigned"),
              std::string::npos);
    EXPECT_NE(config_error("{\"user_assigned_regions\": [\"XA\", \"XA\"]}")
                  .find("$.user_assigned_regions[1]: \"XA\" is listed twice"),
              std::string::npos);
    EXPECT_NE(config_error("{\"user_assigned_regions\": [\"X1\"]}")
                  .find("$.user_assigned_regions[0]"),
              std::string::npos);
    EXPECT_NE(config_error("{\"user_assigned_regions\": \"XA\"}").find("expected an array"),
              std::string::npos);
    EXPECT_EQ(config_error("{\"user_assigned_regions\": []}"), "");
}

TEST(UserAssignedRegions, TheConfigMayUseOneOnlyOnceDeclared)
{
    const std::string merchant = "\"merchant\": {\"region\": \"QM\"}";
    const std::string deny =
        "\"methods\": {\"fx_echo\": {\"regions\": {\"deny\": [\"XA\"]}}}";
    EXPECT_NE(config_error("{" + merchant + "}").find("$.merchant.region: region \"QM\" is user-assigned"),
              std::string::npos);
    EXPECT_NE(config_error("{" + deny + "}").find("$.methods.fx_echo.regions.deny[0]"),
              std::string::npos);
    EXPECT_EQ(config_error("{\"user_assigned_regions\": [\"QM\"], " + merchant + "}"), "");
    EXPECT_EQ(config_error("{\"user_assigned_regions\": [\"XA\"], " + deny + "}"), "");
}

}  // namespace
