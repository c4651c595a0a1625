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
    return open_fixture_host(
        "{\"exchange\": {\"base\": \"USD\", \"as_of\": \"2026-01-01\", \"rates\": {}},"
        " \"methods\": {\"fx_count\": {\"deadline_ms\": 5000, \"limits\": [{\"window\": \"day\","
        " \"currency\": \"USD\", \"max\": \"100000.00\"}], \"settings\": {\"counter_file\": \"" +
            counter_file + "\"}}}}",
        ledger);
}

// amount USD with fx_count for the account "acct"; error as tender_host_pay.
inline TenderPayment *pay_limited(TenderHost *host, const char *amount, const char *key,
                                  GError **error)
{
    TenderPayRequest req = usd_request("fx_count", amount);
    req.account = "acct";
    req.idempotency_key = key;
    return tender_host_pay(host, &req, error);
}

} // namespace coretest

#endif
