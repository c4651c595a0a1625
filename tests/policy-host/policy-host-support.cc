// Helpers of the policy-through-the-host suites (see policy-host-support.h).
#include "policy-host-support.h"
#include "ledger-rows.h"
#include "test-ledger.h"

#include <glib/gstdio.h>

#include <cstdlib>
#include <map>

extern "C" {
#include "sandbox-process.h"
}

namespace ph {

gint64 utc_ms(const char *iso)
{
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt = g_date_time_new_from_iso8601(iso, utc);
    g_time_zone_unref(utc);
    if (dt == nullptr) {
        ADD_FAILURE() << "bad time in a test: " << iso;
        return 0;
    }
    gint64 ms = g_date_time_to_unix(dt) * 1000 + g_date_time_get_microsecond(dt) / 1000;
    g_date_time_unref(dt);
    return ms;
}

std::string plugins_dir()
{
#ifdef POLICY_HOST_PLUGIN_ROOT
    return POLICY_HOST_PLUGIN_ROOT;
#else
    const char *root = g_getenv("TENDER_BUILD_ROOT");
    return std::string(root ? root : ".") + "/plugins";
#endif
}

std::string card_dir()
{
    return plugins_dir() + "/card";
}

// One sandbox per test process: hosts, threads and the child processes of
// the race suite (which get the config file) all meet the same gateway.
static TestSandbox *suite_sandbox()
{
    static TestSandbox *sb = nullptr;
    static bool tried = false;
    if (!tried) {
        tried = true;
        GError *error = nullptr;
        sb = test_sandbox_start(1.0, nullptr, &error);
        if (sb == nullptr) {
            ADD_FAILURE() << "tender-sandbox did not start: " << (error ? error->message : "");
            g_clear_error(&error);
        } else {
            std::atexit([] { test_sandbox_stop(sb); });
        }
    }
    return sb;
}

std::string card_settings()
{
    TestSandbox *sb = suite_sandbox();
    char *json = sb ? test_sandbox_settings_json(sb, "card") : nullptr;
    std::string settings = json ? json : "{\"mode\": \"sandbox\"}";
    g_free(json);
    return settings;
}

std::string sandbox_default_config()
{
    TestSandbox *sb = suite_sandbox();
    return sb ? test_sandbox_config_path(sb) : "";
}

std::string card_config(const std::string &card_policy)
{
    std::string members = card_policy.empty() ? "" : card_policy + ", ";
    return "{\n"
           "  \"exchange\": {\"base\": \"USD\", \"as_of\": \"2026-11-01\","
           " \"rates\": {\"EUR\": \"0.92\"}},\n"
           "  \"methods\": {\"card\": {" +
           members + "\"settings\": " + card_settings() + "}}\n}\n";
}

TempDir::TempDir()
{
    GError *error = nullptr;
    char *dir = g_dir_make_tmp("tender-policy-host-XXXXXX", &error);
    if (dir == nullptr) {
        ADD_FAILURE() << "cannot make a temp dir: " << error->message;
        g_error_free(error);
        path_ = "/nonexistent";
        return;
    }
    path_ = dir;
    g_free(dir);
}

TempDir::~TempDir()
{
    GDir *d = g_dir_open(path_.c_str(), 0, nullptr);
    if (d == nullptr)
        return;
    const char *name;
    while ((name = g_dir_read_name(d)) != nullptr)
        g_remove(file(name).c_str());
    g_dir_close(d);
    g_rmdir(path_.c_str());
}

TenderHost *make_host(const char *config, const std::string &ledger, gint64 now,
                      const std::string &plugin_dir, std::string *why)
{
    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, plugin_dir.c_str());
    // Under `meson test --setup postgres`, the same ledger on the server.
    test_ledger_set_options(options, ledger.c_str());
    tender_host_options_set_fixed_now(options, now);
    if (config != nullptr)
        tender_host_options_set_config_data(options, config);
    else if (!sandbox_default_config().empty())
        tender_host_options_set_config_file(options, sandbox_default_config().c_str());
    GError *error = nullptr;
    TenderHost *host = tender_host_new(options, &error);
    tender_host_options_free(options);
    if (host == nullptr && why != nullptr)
        *why = error ? error->message : "no error";
    g_clear_error(&error);
    return host;
}

TenderPayment *pay_card(TenderHost *host, const char *account, const char *amount,
                        gboolean capture, const char *number, const char *currency,
                        GError **error)
{
    tender_param params[] = {
        {"number", number}, {"exp_month", "12"}, {"exp_year", "2031"}, {"cvc", "737"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "card";
    req.region = "US";
    req.currency = currency;
    req.amount = amount;
    req.account = account;
    req.params = params;
    req.n_params = G_N_ELEMENTS(params);
    req.capture = capture;
    GError *local = nullptr;
    TenderPayment *p = tender_host_pay(host, &req, &local);
    if (p == nullptr) {
        if (error != nullptr)
            g_propagate_error(error, local);
        else {
            ADD_FAILURE() << "pay " << amount << " for " << account << ": "
                          << (local ? local->message : "no error");
            g_clear_error(&local);
        }
    }
    return p;
}

std::string decline_name(const TenderPayment *p)
{
    if (p == nullptr || p->decline_code == 0)
        return "";
    const tender_decline_info *info = tender_decline_lookup((tender_decline_code)p->decline_code);
    return info && info->name ? info->name : "?";
}

// A read-only look at a ledger, a file or the server's schema for it.
using Db = testledger::LedgerRows;

gint64 usage_value(const std::string &ledger, const std::string &key)
{
    Db db(ledger);
    return db.scalar("SELECT amount FROM usage WHERE key = $1", {key}, 0);
}

gint64 payment_counted(const std::string &ledger, const std::string &payment_id,
                       const std::string &key)
{
    Db db(ledger);
    return db.scalar("SELECT counted FROM payment_usage WHERE payment_id = $1 AND key = $2",
                     {payment_id, key}, -1);
}

std::vector<std::string> usage_mismatches(const std::string &ledger)
{
    Db db(ledger);
    std::vector<std::string> out;
    const char *sql =
        "SELECT k.key, COALESCE(u.amount, 0),"
        "       COALESCE((SELECT SUM(counted) FROM payment_usage p WHERE p.key = k.key), 0)"
        "  FROM (SELECT key FROM usage WHERE key LIKE 'amt|%'"
        "        UNION SELECT key FROM payment_usage) k"
        "  LEFT JOIN usage u ON u.key = k.key";
    for (const auto &row : db.rows(sql, {})) {
        if (row.size() < 3)
            continue;
        if (row[1] != row[2])
            out.push_back(row[0] + ": usage " + row[1] + ", sum " + row[2]);
    }
    return out;
}

std::string amount_key(const char *method, const char *account, const char *window,
                       const char *start, const char *currency)
{
    return std::string("amt|") + method + "|" + account + "|" + window + "|" + start + "|" +
           currency;
}

}  // namespace ph
