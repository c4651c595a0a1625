#include "test-card-support.h"

#include <cctype>
#include <cstring>

gint64 utc_ms(int year, int month, int day, int hour, int minute, int second, int ms)
{
    GDateTime *dt = g_date_time_new_utc(year, month, day, hour, minute, second);
    gint64 v = g_date_time_to_unix(dt) * 1000 + ms;
    g_date_time_unref(dt);
    return v;
}

void CardTest::SetUp()
{
    load();
}

void CardTest::load(const std::vector<std::string> &settings)
{
    if (plugin)
        test_plugin_free(plugin);
    std::vector<const char *> argv;
    bool keyed = false;
    for (size_t i = 0; i < settings.size(); i += 2)
        keyed = keyed || settings[i] == "secret_key";
    for (const auto &s : settings)
        argv.push_back(s.c_str());
    if (!keyed) {
        argv.push_back("secret_key");
        argv.push_back(kHarnessKey);
    }
    argv.push_back(nullptr);
    char *error = nullptr;
    plugin = test_plugin_load(CARD_PLUGIN_SO, "card", argv.data(), &error);
    ASSERT_NE(plugin, nullptr) << error;
}

std::string CardTest::load_error(const std::vector<std::string> &settings)
{
    std::vector<const char *> argv;
    for (const auto &s : settings)
        argv.push_back(s.c_str());
    argv.push_back(nullptr);
    char *error = nullptr;
    TestPlugin *p = test_plugin_load(CARD_PLUGIN_SO, "card", argv.data(), &error);
    if (p) {
        test_plugin_free(p);
        return "";
    }
    std::string text = error ? error : "";
    g_free(error);
    return text.empty() ? "(empty error)" : text;
}

Params CardTest::card(const std::string &number, const std::string &cvc, const std::string &month,
                      const std::string &year)
{
    Params p;
    if (!number.empty())
        p.push_back({"number", number});
    if (!month.empty())
        p.push_back({"exp_month", month});
    if (!year.empty())
        p.push_back({"exp_year", year});
    if (!cvc.empty())
        p.push_back({"cvc", cvc});
    return p;
}

static bool sensitive_key(const std::string &key)
{
    return key == "number" || key == "cvc" || key == "otp";
}

tender_result *CardTest::call(tender_request &req, const Params &params)
{
    std::vector<tender_param> kv;
    for (const auto &p : params) {
        kv.push_back({p.first.c_str(), p.second.c_str()});
        // Remember the secrets: as typed, and as bare digits.
        if (sensitive_key(p.first) && p.second.size() >= 3) {
            bool otp = p.first == "otp";
            secrets.push_back({p.second, otp});
            std::string digits;
            for (char c : p.second)
                if (c >= '0' && c <= '9')
                    digits += c;
            if (digits.size() >= 3)
                secrets.push_back({digits, otp});
        }
    }
    req.params = kv.empty() ? nullptr : kv.data();
    req.n_params = kv.size();
    tender_result *res = test_plugin_call(plugin, &req);
    req.params = nullptr;
    req.n_params = 0;
    results.push_back(res);
    return res;
}

tender_result *CardTest::pay(const Params &params, gint64 amount, guint32 flags,
                             tender_operation op, const char *request_id)
{
    tender_request req = test_request(op, amount, "USD", 2);
    req.flags = flags;
    req.request_id = request_id;
    return call(req, params);
}

Payment CardTest::payment_of(const tender_result *res, gint64 amount)
{
    Payment p;
    p.state = res->plugin_state;
    p.ref = res->processor_ref;
    p.amount = amount;
    return p;
}

tender_result *CardTest::act(Payment &p, tender_operation op, gint64 amount,
                             const Params &params, const char *request_id)
{
    tender_request req = test_request(op, amount, "USD", 2);
    req.request_id = request_id;
    req.plugin_state = p.state.c_str();
    req.processor_ref = p.ref.c_str();
    req.authorized_amount = p.amount;
    req.captured_amount = p.captured;
    req.refunded_amount = p.refunded;
    tender_result *res = call(req, params);
    if (res->plugin_state[0])
        p.state = res->plugin_state;
    if (res->processor_ref[0])
        p.ref = res->processor_ref;
    if (res->outcome == TENDER_OUTCOME_APPROVED) {
        gint64 acted = res->amount ? res->amount : amount;
        if (op == TENDER_OP_CAPTURE)
            p.captured += acted;
        if (op == TENDER_OP_REFUND)
            p.refunded += acted;
    }
    return res;
}

// Every character field of a result, named.
static std::vector<std::pair<const char *, const char *>> fields(const tender_result *r)
{
    return {{"raw_code", r->raw_code},
            {"message", r->message},
            {"processor_ref", r->processor_ref},
            {"plugin_state", r->plugin_state},
            {"action_data", r->action_data},
            {"action_hint", r->action_hint},
            {"display_brand", r->display_brand},
            {"display_first6", r->display_first6},
            {"display_last4", r->display_last4},
            {"display_account", r->display_account},
            {"display_country", r->display_country},
            {"details", r->details},
            {"notify_payment_id", r->notify_payment_id},
            {"notify_id", r->notify_id},
            {"reply_content_type", r->reply_content_type},
            {"reply_body", r->reply_body},
            {"notify_headers", r->notify_headers},
            {"notify_body", r->notify_body}};
}

// text without the plugin's hash-derived references and approval codes
// (ch_/cp_/re_ + 24 hex digits, auth_code=XXXXXX): digits there come from
// SHA-256 of request ids and may spell a short security code by chance.
static std::string scrub(const char *text)
{
    std::string out = text;
    for (const char *prefix : {"ch_", "cp_", "re_", "auth_code="}) {
        size_t at;
        while ((at = out.find(prefix)) != std::string::npos) {
            size_t end = at + std::strlen(prefix);
            while (end < out.size() && std::isxdigit((unsigned char)out[end]))
                end++;
            out.erase(at, end - at);
        }
    }
    return out;
}

void CardTest::TearDown()
{
    // The sandbox's documented code appears, on purpose, in the challenge's
    // hint (written before any code is entered: the payer must learn it
    // somewhere), so one-time codes are looked for everywhere but there.
    for (const tender_result *r : results) {
        for (const auto &f : fields(r)) {
            for (const auto &s : secrets) {
                if (s.second && std::strcmp(f.first, "action_hint") == 0)
                    continue;
                // Full numbers are looked for everywhere, short codes in the
                // scrubbed text.
                std::string clean = scrub(f.second);
                const char *where = s.first.size() >= 12 ? f.second : clean.c_str();
                EXPECT_EQ(std::strstr(where, s.first.c_str()), nullptr)
                    << "result field " << f.first << " contains a sensitive value: " << f.second;
            }
        }
    }
    if (plugin) {
        for (guint i = 0; i < plugin->logs->len; i++) {
            const char *line = (const char *)g_ptr_array_index(plugin->logs, i);
            for (const auto &s : secrets)
                EXPECT_EQ(std::strstr(line, s.first.c_str()), nullptr)
                    << "log line contains a sensitive value: " << line;
        }
    }
    for (tender_result *r : results)
        g_free(r);
    results.clear();
    test_plugin_free(plugin);
    plugin = nullptr;
}

std::string detail(const tender_result *res, const std::string &key)
{
    gchar **lines = g_strsplit(res->details, "\n", -1);
    std::string value;
    for (gchar **l = lines; *l; l++) {
        std::string line = *l;
        if (line.rfind(key + "=", 0) == 0)
            value = line.substr(key.size() + 1);
    }
    g_strfreev(lines);
    return value;
}
