// See core-test-util.h.
#include "core-test-util.h"
#include "test-ledger.h"

#include <glib/gstdio.h>

#include <fstream>
#include <sstream>

namespace coretest {

TempDir::TempDir()
{
    GError *error = nullptr;
    char *dir = g_dir_make_tmp("tender-core-XXXXXX", &error);
    if (dir == nullptr) {
        ADD_FAILURE() << "cannot make a temp dir: " << error->message;
        g_error_free(error);
        return;
    }
    path_ = dir;
    g_free(dir);
}

static void remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, nullptr);
    if (dir != nullptr) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != nullptr) {
            char *child = g_build_filename(path, name, nullptr);
            if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
                !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                remove_tree(child);
            else
                g_unlink(child);
            g_free(child);
        }
        g_dir_close(dir);
    }
    g_rmdir(path);
}

TempDir::~TempDir()
{
    if (!path_.empty())
        remove_tree(path_.c_str());
}

static std::string json_string(const std::string &s)
{
    char *escaped = g_strescape(s.c_str(), nullptr);
    std::string out = std::string("\"") + escaped + "\"";
    g_free(escaped);
    return out;
}

std::string make_config(const std::map<std::string, MethodConf> &methods,
                        gint64 pending_age_seconds)
{
    std::ostringstream json;
    json << "{";
    if (pending_age_seconds >= 0)
        json << "\"reconcile\": {\"pending_age_seconds\": " << pending_age_seconds << "}, ";
    json << "\"methods\": {";
    bool first = true;
    for (const auto &[id, conf] : methods) {
        if (!first)
            json << ", ";
        first = false;
        json << json_string(id) << ": {\"deadline_ms\": " << conf.deadline_ms
             << ", \"retries\": {\"max\": " << conf.retries
             << ", \"backoff_ms\": " << conf.backoff_ms << "}, \"settings\": {";
        bool first_setting = true;
        for (const auto &[k, v] : conf.string_settings) {
            json << (first_setting ? "" : ", ") << json_string(k) << ": " << json_string(v);
            first_setting = false;
        }
        for (const auto &[k, v] : conf.int_settings) {
            json << (first_setting ? "" : ", ") << json_string(k) << ": " << v;
            first_setting = false;
        }
        json << "}}";
    }
    json << "}}";
    return json.str();
}

const char *fixture_dir()
{
    return CORE_FIXTURE_DIR;
}

const char *card_plugin_dir()
{
    return CARD_PLUGIN_DIR;
}

static void field(std::ostringstream &out, const char *name, const char *value)
{
    out << name << "=" << (value ? value : "(null)") << "\n";
}

std::string snapshot(const TenderPayment *p)
{
    std::ostringstream out;
    if (p == nullptr)
        return "(no payment)";
    field(out, "id", p->id);
    field(out, "method", p->method);
    field(out, "account", p->account);
    field(out, "region", p->region);
    field(out, "currency", p->currency);
    out << "exponent=" << p->exponent << "\nstatus=" << tender_status_to_string(p->status)
        << "\namount=" << p->amount << "\ncaptured=" << p->captured
        << "\nrefunded=" << p->refunded << "\nfee=" << p->fee << "\n";
    field(out, "processor_ref", p->processor_ref);
    field(out, "idempotency_key", p->idempotency_key);
    out << "action_kind=" << p->action_kind << "\n";
    field(out, "action_data", p->action_data);
    field(out, "action_hint", p->action_hint);
    out << "action_expires=" << p->action_expires_ms << "\ndecline=" << p->decline_code << "\n";
    field(out, "decline_raw", p->decline_raw_code);
    field(out, "decline_message", p->decline_message);
    field(out, "brand", p->brand);
    field(out, "first6", p->first6);
    field(out, "last4", p->last4);
    field(out, "display_account", p->display_account);
    field(out, "details", p->details);
    out << "created=" << p->created_ms << "\nupdated=" << p->updated_ms
        << "\nhold_expires=" << p->hold_expires_ms << "\n";
    for (guint i = 0; p->operations && i < p->operations->len; i++) {
        const TenderOperation *op =
            static_cast<const TenderOperation *>(g_ptr_array_index(p->operations, i));
        out << "op " << op->seq << " " << op->kind << " amount=" << op->amount << " outcome="
            << (op->outcome ? op->outcome : "(null)")
            << " decline=" << (op->decline_code ? op->decline_code : "(null)")
            << " after=" << (op->status_after ? op->status_after : "(null)")
            << " key=" << (op->idempotency_key ? op->idempotency_key : "(null)") << "\n";
    }
    return out.str();
}

std::vector<std::string> counter_lines(const std::string &file, const char *op,
                                       const char *payment_id)
{
    std::vector<std::string> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string w_op, w_payment;
        words >> w_op >> w_payment;
        if (op && w_op != op)
            continue;
        if (payment_id && w_payment != payment_id)
            continue;
        lines.push_back(line);
    }
    return lines;
}

size_t payment_count(TenderHost *host)
{
    GError *error = nullptr;
    GPtrArray *all = tender_host_list(host, nullptr, &error);
    EXPECT_NE(all, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    size_t n = all ? all->len : 0;
    if (all)
        g_ptr_array_unref(all);
    return n;
}

TenderHost *open_fixture_host(const std::string &config, const std::string &ledger)
{
    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, fixture_dir());
    tender_host_options_set_config_data(options, config.c_str());
    tender_host_options_set_ledger(options, ledger.c_str());
    tender_host_options_set_fixed_now(options, kNow);
    GError *error = nullptr;
    TenderHost *h = tender_host_new(options, &error);
    tender_host_options_free(options);
    EXPECT_NE(h, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    return h;
}

TenderPayRequest usd_request(const char *method, const char *amount)
{
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = method;
    req.region = "US";
    req.currency = "USD";
    req.amount = amount;
    return req;
}

TenderHost *open_fx_count_host(const std::string &ledger, const std::string &counter_file)
{
    return open_fixture_host(
        "{\"exchange\": {\"base\": \"USD\", \"as_of\": \"2026-01-01\", \"rates\": "
        "{\"EUR\": \"0.9\"}}, \"methods\": {\"fx_count\": {\"limits\": [{\"window\": "
        "\"day\", \"currency\": \"USD\", \"max\": \"500.00\"}], \"settings\": "
        "{\"counter_file\": \"" +
            counter_file + "\"}}}}",
        ledger);
}

TenderPayment *pay_fx_count(TenderHost *host, const char *account, const char *amount,
                            const char *currency, const char *key)
{
    TenderPayRequest req = usd_request("fx_count", amount);
    req.currency = currency;
    req.account = account;
    req.idempotency_key = key;
    GError *error = nullptr;
    TenderPayment *p = tender_host_pay(host, &req, &error);
    EXPECT_NE(p, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    return p;
}

void HostTest::TearDown()
{
    for (TenderPayment *p : kept)
        tender_payment_free(p);
    kept.clear();
    tender_host_free(host);
    host = nullptr;
}

void HostTest::make_host(std::map<std::string, MethodConf> methods, const std::string &ledger,
                         gint64 now, gboolean fixed_clock, gint64 pending_age_seconds)
{
    counter = tmp.file("calls.txt");
    for (const char *id : {"fx_count", "fx_single", "fx_sale", "fx_over", "fx_slow", "fx_flaky",
                           "fx_unknown", "fx_nosync", "fx_bad", "fx_echo", "fx_action",
                           "fx_notify"})
        methods.emplace(id, MethodConf{});
    for (auto &[id, conf] : methods)
        conf.string_settings.emplace("counter_file", counter);
    std::string config = make_config(methods, pending_age_seconds);
    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, fixture_dir());
    tender_host_options_set_config_data(options, config.c_str());
    // Under `meson test --setup postgres`, the same ledger on the server.
    test_ledger_set_options(options, ledger.c_str());
    if (fixed_clock)
        tender_host_options_set_fixed_now(options, now);
    GError *error = nullptr;
    host = tender_host_new(options, &error);
    tender_host_options_free(options);
    ASSERT_NE(host, nullptr) << (error ? error->message : "no error") << "\nconfig: " << config;
    const GPtrArray *refusals = tender_host_refusals(host);
    for (guint i = 0; i < refusals->len; i++) {
        const TenderRefusal *r = static_cast<const TenderRefusal *>(g_ptr_array_index(refusals, i));
        ADD_FAILURE() << "fixture refused: " << r->reason;
    }
}

TenderPayment *HostTest::keep(TenderPayment *p)
{
    if (p)
        kept.push_back(p);
    return p;
}

TenderPayment *HostTest::pay(const char *method, const char *amount, const char *currency,
                             const char *key, std::vector<tender_param> params, gboolean capture,
                             GError **error)
{
    TenderPayRequest req = usd_request(method, amount);
    req.currency = currency;
    req.idempotency_key = key;
    req.params = params.data();
    req.n_params = params.size();
    req.capture = capture;
    GError *local = nullptr;
    TenderPayment *p = tender_host_pay(host, &req, error ? error : &local);
    if (error == nullptr) {
        EXPECT_NE(p, nullptr) << method << " " << amount << " " << currency << ": "
                              << (local ? local->message : "");
        g_clear_error(&local);
    }
    return keep(p);
}

TenderPayment *HostTest::get(const char *id)
{
    GError *error = nullptr;
    TenderPayment *p = tender_host_get(host, id, &error);
    EXPECT_NE(p, nullptr) << id << ": " << (error ? error->message : "");
    g_clear_error(&error);
    return keep(p);
}

std::string HostTest::snap(const char *id)
{
    return snapshot(get(id));
}

size_t HostTest::calls(const char *op, const char *payment_id)
{
    return counter_lines(counter, op, payment_id).size();
}

}  // namespace coretest
