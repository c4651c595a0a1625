// Helpers of the policy-through-the-host suites (see policy-host-support.h).
#include "policy-host-support.h"
#include "test-ledger.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

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
    char *location = test_ledger_location(ledger.c_str());
    tender_host_options_set_ledger(options, location);
    g_free(location);
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

namespace {

// A read-only look at a ledger, a file or (under `meson test --setup
// postgres`) the server's schema for that file. Queries use $1, $2, ...,
// which both databases read.
struct Db {
    std::string location;
    sqlite3 *db = nullptr;
    explicit Db(const std::string &path)
    {
        char *mapped = test_ledger_location(path.c_str());
        location = mapped;
        g_free(mapped);
        if (test_ledger_location_is_postgres(location.c_str()))
            return;
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
            ADD_FAILURE() << "cannot open the ledger " << path << ": "
                          << (db ? sqlite3_errmsg(db) : "out of memory");
        else
            sqlite3_busy_timeout(db, 10000);
    }
    ~Db() { sqlite3_close(db); }

    // Every row of sql, each column as text ("" for NULL, as the callers
    // want); a failed query adds a test failure and returns what it read.
    std::vector<std::vector<std::string>> rows(const char *sql,
                                               const std::vector<std::string> &args)
    {
        std::vector<std::vector<std::string>> out;
        if (db == nullptr) {
            std::vector<const char *> params;
            for (const std::string &a : args)
                params.push_back(a.c_str());
            params.push_back(nullptr);
            GError *error = nullptr;
            GPtrArray *got = test_ledger_pg_query(location.c_str(), sql, params.data(), &error);
            if (got == nullptr) {
                ADD_FAILURE() << (error ? error->message : sql);
                g_clear_error(&error);
                return out;
            }
            for (guint i = 0; i < got->len; i++) {
                std::vector<std::string> row;
                for (char **c = static_cast<char **>(g_ptr_array_index(got, i)); *c; c++)
                    row.push_back(*c);
                out.push_back(row);
            }
            g_ptr_array_unref(got);
            return out;
        }
        sqlite3_stmt *s = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
            return out;
        }
        for (size_t i = 0; i < args.size(); i++)
            sqlite3_bind_text(s, (int)i + 1, args[i].c_str(), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(s) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                const unsigned char *t = sqlite3_column_text(s, c);
                row.push_back(t ? reinterpret_cast<const char *>(t) : "");
            }
            out.push_back(row);
        }
        sqlite3_finalize(s);
        return out;
    }

    // The first column of the first row, or fallback when there is none.
    gint64 scalar(const char *sql, const std::vector<std::string> &args, gint64 fallback)
    {
        auto got = rows(sql, args);
        if (got.empty() || got[0].empty() || got[0][0].empty())
            return fallback;
        return g_ascii_strtoll(got[0][0].c_str(), nullptr, 10);
    }
};

}  // namespace

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
