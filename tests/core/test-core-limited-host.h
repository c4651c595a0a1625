// A host for the PostgreSQL-only core tests (core-ledger-conflicts-postgres,
// core-host-copy-postgres): fx_count with a daily limit per account, so a
// payment reads and locks its account's counter row and the ledger keeps
// usage counters; and a payment of that account.
#ifndef TENDER_TEST_CORE_LIMITED_HOST_H
#define TENDER_TEST_CORE_LIMITED_HOST_H

#include <string>

#include "core-test-util.h"

namespace coretest {

// A host on ledger (NULL with a failure of the test when it does not open),
// counting fx_count's calls in counter_file.
inline TenderHost *open_limited_host(const char *ledger, const std::string &counter_file)
{
    std::string config =
        "{\"exchange\": {\"base\": \"USD\", \"as_of\": \"2026-01-01\", \"rates\": {}},"
        " \"methods\": {\"fx_count\": {\"deadline_ms\": 5000, \"limits\": [{\"window\": \"day\","
        " \"currency\": \"USD\", \"max\": \"100000.00\"}], \"settings\": {\"counter_file\": \"" +
        counter_file + "\"}}}}";
    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, fixture_dir());
    tender_host_options_set_config_data(options, config.c_str());
    tender_host_options_set_ledger(options, ledger);
    tender_host_options_set_fixed_now(options, kNow);
    GError *error = nullptr;
    TenderHost *host = tender_host_new(options, &error);
    tender_host_options_free(options);
    EXPECT_NE(host, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    return host;
}

// amount USD with fx_count for the account "acct"; error as tender_host_pay.
inline TenderPayment *pay_limited(TenderHost *host, const char *amount, const char *key,
                                  GError **error)
{
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "fx_count";
    req.region = "US";
    req.currency = "USD";
    req.amount = amount;
    req.account = "acct";
    req.idempotency_key = key;
    return tender_host_pay(host, &req, error);
}

} // namespace coretest

#endif
