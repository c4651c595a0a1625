// Mixed stress (issue 7, item 4): 8 threads share one host on a ledger file
// and run a fixed number of payment flows on all four bundled methods:
//  - card: authorize, then void, or capture (full or part) and refunds;
//  - alipay: QR purchase at tender-sandbox's gateway, paid by a test buyer
//    at its cashier, the "paid" notification (signed with the sandbox's
//    platform key by the test) delivered through tender_host_notify, then a
//    partial refund;
//  - paypal: AUTHORIZE order, payer approval (complete), capture (full or
//    part), partial refund;
//  - webmoney: protected transfer released by its code (complete), partial
//    refund.
// Accounts are drawn from a small pool per method under daily limits that
// the flows exceed, so limit checks race and some payments are declined
// with limit_exceeded. Afterwards, reading the ledger with plain SQLite:
// every money invariant holds for every payment, each payment is as the
// last call on it returned, the limit counters equal the recount from
// payment_usage (and each payment counts what it holds), and no counter is
// above its limit. TENDER_STRESS_SCALE multiplies the flows.
#include <glib.h>
#include <gtest/gtest.h>

#include <libsoup/soup.h>
#include <tender/tender.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "alipay-test-util.h"
#include "ledger-check.h"
#include "stress-util.h"

extern "C" {
#include "demo-webmoney.h"
#include "sandbox-process.h"
}

namespace {

// Where the simulated WebMoney is: its `endpoint` setting.
std::string webmoney_endpoint()
{
    static const std::string endpoint = stress::sandbox_setting("webmoney", "endpoint");
    return endpoint;
}

// The bundled methods' providers are a tender-sandbox started for the run.
std::string mixed_config()
{
    return R"({
  "exchange": {"base": "USD", "as_of": "2026-11-01", "rates": {"EUR": "0.92", "CNY": "7.1"}},
  "methods": {
    "card": {"limits": [{"window": "day", "currency": "USD", "max": "600.00"}],
             "settings": )" + stress::card_sandbox_settings() + R"(},
    "alipay": {"limits": [{"window": "day", "currency": "CNY", "max": "3000.00"}],
               "settings": )" + stress::sandbox_settings("alipay") + R"(},
    "paypal": {"limits": [{"window": "day", "currency": "USD", "max": "700.00"}],
               "settings": )" + stress::sandbox_settings("paypal") + R"(},
    "webmoney": {"limits": [{"window": "day", "currency": "USD", "max": "500.00"}],
                 "settings": )" + stress::sandbox_settings("webmoney") + R"(}
  }
})";
}

// The trade_status_sync notification tender-sandbox's Alipay sends once
// payment id is paid, signed with its platform key by the test's own code.
std::string alipay_paid_notification(const std::string &id, const std::string &total)
{
    static std::string pem;
    static std::once_flag once;
    std::call_once(once, [] {
        char *text = nullptr;
        g_file_get_contents(SANDBOX_ALIPAY_KEYS_DIR "/platform-private.pem", &text, nullptr,
                            nullptr);
        pem = text ? text : "";
        g_free(text);
    });
    Form f = {{"notify_time", "2026-03-01 18:03:00"},
              {"notify_type", "trade_status_sync"},
              {"notify_id", "notify-" + id},
              {"app_id", stress::sandbox_setting("alipay", "app_id")},
              {"seller_id", stress::sandbox_setting("alipay", "seller_id")},
              {"charset", "utf-8"},
              {"version", "1.0"},
              {"out_trade_no", id},
              {"trade_status", "TRADE_SUCCESS"},
              {"total_amount", total}};
    form_resign(f, pem);
    return form_build(f);
}

// A sandbox test buyer pays at the cashier page a QR code opens (buyers
// alternate to stay within their real-name class limits).
bool pay_at_cashier(const std::string &url)
{
    static std::atomic<unsigned> turn{0};
    const char *buyer = turn++ % 2 ? "buyer-iii%40sandbox.alipay.test"
                                   : "buyer-ii%40sandbox.alipay.test";
    SoupSession *session = soup_session_new_with_options("timeout", 10, nullptr);
    SoupMessage *msg = soup_message_new("POST", url.c_str());
    if (msg == nullptr) {
        g_object_unref(session);
        return false;
    }
    soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
    std::string form = std::string("logon_id=") + buyer + "&password=111111";
    GBytes *bytes = g_bytes_new(form.data(), form.size());
    soup_message_set_request_body_from_bytes(msg, "application/x-www-form-urlencoded", bytes);
    g_bytes_unref(bytes);
    GBytes *reply = soup_session_send_and_read(session, msg, nullptr, nullptr);
    guint status = soup_message_get_status(msg);
    if (reply)
        g_bytes_unref(reply);
    g_object_unref(msg);
    g_object_unref(session);
    return status == 200;
}

// The limits above in minor units, by counter key prefix.
const std::map<std::string, int64_t> limit_max = {
    {"amt|card|", 60000}, {"amt|alipay|", 300000}, {"amt|paypal|", 70000},
    {"amt|webmoney|", 50000}};

struct Final {
    std::string status;
    int64_t captured = 0, refunded = 0;
};

// What one thread saw: the last state of each payment, and surprises.
struct Seen {
    std::map<std::string, Final> payments;
    std::vector<std::string> problems;
    int completed = 0, limited = 0;
};

class Worker {
public:
    Worker(TenderHost *host, unsigned seed, int thread) : host_(host), rng_(seed), thread_(thread) {}

    void run(int flows, Seen *seen)
    {
        seen_ = seen;
        for (int i = 0; i < flows; i++) {
            switch ((thread_ + i) % 4) {
            case 0: card(); break;
            case 1: alipay(); break;
            case 2: paypal(); break;
            default: webmoney(); break;
            }
        }
    }

private:
    TenderHost *host_;
    std::mt19937 rng_;
    int thread_;
    Seen *seen_ = nullptr;

    std::string amount(int lo, int hi)
    {
        int cents = std::uniform_int_distribution<int>(lo * 100, hi * 100)(rng_);
        return std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
               std::to_string(cents % 100);
    }
    std::string account(const char *method)
    {
        return std::string(method) + "-acct-" + std::to_string(rng_() % 16);
    }
    int pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }
    std::string money(int64_t minor, const char *currency)
    {
        char *s = tender_money_format(minor, currency, -1);
        std::string out = s;
        g_free(s);
        return out;
    }

    // Keep the payment's latest state; NULL (with error) is a surprise.
    // error is taken by reference so it is read after the call that sets
    // it, whatever order the arguments are evaluated in.
    TenderPayment *note(const char *what, TenderPayment *p, GError *&error)
    {
        if (p == nullptr) {
            seen_->problems.push_back(std::string(what) + ": " +
                                      (error ? error->message : "no payment"));
            g_clear_error(&error);
            return nullptr;
        }
        seen_->payments[p->id] = {tender_status_to_string(p->status), p->captured, p->refunded};
        return p;
    }

    // Start a payment; NULL when it failed or was declined (a limit
    // refusal is expected and counted, any other decline is a surprise).
    TenderPayment *start(const TenderPayRequest &r, TenderStatus expected)
    {
        GError *error = nullptr;
        TenderPayment *p = note(r.method, tender_host_pay(host_, &r, &error), error);
        if (p && p->status != expected) {
            if (p->status == TENDER_STATUS_DECLINED &&
                p->decline_code == TENDER_DECLINE_LIMIT_EXCEEDED) {
                seen_->limited++;
            } else {
                seen_->problems.push_back(std::string(r.method) + " payment " + p->id + " is " +
                                          tender_status_to_string(p->status) + ": " +
                                          (p->decline_message ? p->decline_message : ""));
            }
            tender_payment_free(p);
            return nullptr;
        }
        return p;
    }

    bool expect(const char *what, TenderPayment *p, TenderStatus status)
    {
        if (p == nullptr)
            return false;
        bool ok = p->status == status;
        if (!ok)
            seen_->problems.push_back(std::string(what) + " on " + p->id + " left it " +
                                      tender_status_to_string(p->status) + ", expected " +
                                      tender_status_to_string(status));
        tender_payment_free(p);
        return ok;
    }

    // Refund part of what was captured, and sometimes the rest.
    void refunds(const std::string &id, int64_t captured, const char *currency)
    {
        if (captured < 3 || pick(3) == 0) {
            seen_->completed++;
            return;
        }
        GError *error = nullptr;
        std::string part = money(captured / 3, currency);
        TenderPayment *p = note("refund", tender_host_refund(host_, id.c_str(), part.c_str(),
                                                             nullptr, &error), error);
        if (!expect("partial refund", p, TENDER_STATUS_PARTIALLY_REFUNDED))
            return;
        if (pick(2) == 0) {
            p = note("refund", tender_host_refund(host_, id.c_str(), nullptr, nullptr, &error),
                     error);
            if (!expect("final refund", p, TENDER_STATUS_REFUNDED))
                return;
        }
        seen_->completed++;
    }

    void card()
    {
        static const tender_param params[] = {{"number", "4242424242424242"},
                                              {"exp_month", "12"},
                                              {"exp_year", "2031"},
                                              {"cvc", "737"}};
        std::string amt = amount(5, 150), acct = account("card");
        TenderPayRequest r = {sizeof(TenderPayRequest), "card", "US", "USD", amt.c_str(), acct.c_str(), nullptr, nullptr,
                              params, G_N_ELEMENTS(params), FALSE};
        TenderPayment *p = start(r, TENDER_STATUS_AUTHORIZED);
        if (p == nullptr)
            return;
        std::string id = p->id;
        int64_t total = p->amount;
        tender_payment_free(p);
        GError *error = nullptr;
        int choice = pick(3);
        if (choice == 0) {
            if (expect("void", note("void", tender_host_void(host_, id.c_str(), nullptr, &error),
                                    error), TENDER_STATUS_VOIDED))
                seen_->completed++;
            return;
        }
        std::string part = money(total / 2, "USD");
        p = note("capture", tender_host_capture(host_, id.c_str(),
                                                choice == 1 ? nullptr : part.c_str(), nullptr,
                                                &error), error);
        captured_then_refunds("card", id, p, choice == 1, "USD");
    }

    // After a first capture (full or a part): for a part, capture the rest
    // now or leave it partially captured; once all is captured, refunds.
    void captured_then_refunds(const char *method, const std::string &id, TenderPayment *p,
                               bool full, const char *currency)
    {
        if (p == nullptr)
            return;
        std::string what = std::string(method) + " capture";
        if (!full) {
            if (!expect(what.c_str(), p, TENDER_STATUS_PARTIALLY_CAPTURED))
                return;
            if (pick(2) == 0) {
                seen_->completed++;
                return;
            }
            GError *error = nullptr;
            p = note("capture", tender_host_capture(host_, id.c_str(), nullptr, nullptr, &error),
                     error);
            if (p == nullptr)
                return;
        }
        int64_t captured = p->captured;
        if (expect(what.c_str(), p, TENDER_STATUS_CAPTURED))
            refunds(id, captured, currency);
    }

    // Deliver a sandbox notification as a webhook server would. Alipay's
    // comes from the gateway's platform key (signed here: the plugin has no
    // simulation), the others' from the plugin's sandbox_notification.
    bool deliver(const char *method, const std::string &id, const char *event,
                 const std::string &total = "")
    {
        char *headers = nullptr, *body = nullptr;
        GError *error = nullptr;
        if (strcmp(method, "alipay") == 0) {
            headers = g_strdup("Content-Type: application/x-www-form-urlencoded");
            body = g_strdup(alipay_paid_notification(id, total).c_str());
        } else if (!tender_host_sandbox_notification(host_, id.c_str(), event, &headers, &body,
                                                     &error)) {
            seen_->problems.push_back(std::string("sandbox notification: ") + error->message);
            g_error_free(error);
            return false;
        }
        gchar **lines = g_strsplit(headers, "\n", -1);
        std::vector<tender_param> hs;
        for (gchar **l = lines; *l; l++) {
            char *colon = strchr(*l, ':');
            if (colon == nullptr)
                continue;
            *colon = '\0';
            hs.push_back({g_strstrip(*l), g_strstrip(colon + 1)});
        }
        TenderNotifyReply *reply = nullptr;
        gboolean accepted = tender_host_notify(host_, method, hs.data(), hs.size(), body,
                                               strlen(body), &reply, &error);
        g_strfreev(lines);
        g_free(headers);
        g_free(body);
        if (!accepted) {
            seen_->problems.push_back(std::string("notify: ") + error->message);
            g_error_free(error);
            tender_notify_reply_free(reply);
            return false;
        }
        tender_notify_reply_free(reply);
        return true;
    }

    void alipay()
    {
        std::string amt = amount(20, 900), acct = account("alipay");
        TenderPayRequest r = {sizeof(TenderPayRequest), "alipay", "CN", "CNY", amt.c_str(), acct.c_str(), nullptr, nullptr,
                              nullptr, 0, TRUE};
        TenderPayment *p = start(r, TENDER_STATUS_REQUIRES_ACTION);
        if (p == nullptr)
            return;
        std::string id = p->id;
        std::string cashier = p->action_data ? p->action_data : "";
        tender_payment_free(p);
        // The buyer pays at the sandbox's cashier; its notification (which
        // this sandbox has nowhere to send) is delivered here.
        if (!pay_at_cashier(cashier)) {
            seen_->problems.push_back("alipay cashier refused " + cashier);
            return;
        }
        if (!deliver("alipay", id, "paid", amt))
            return;
        GError *error = nullptr;
        p = note("alipay get", tender_host_get(host_, id.c_str(), &error), error);
        if (p == nullptr)
            return;
        int64_t captured = p->captured;
        if (expect("alipay paid", p, TENDER_STATUS_CAPTURED))
            refunds(id, captured, "CNY");
    }

    void paypal()
    {
        static const tender_param params[] = {{"intent", "AUTHORIZE"}};
        std::string amt = amount(5, 160), acct = account("paypal");
        TenderPayRequest r = {sizeof(TenderPayRequest), "paypal", "DE", "EUR", amt.c_str(), acct.c_str(), nullptr, nullptr,
                              params, 1, FALSE};
        TenderPayment *p = start(r, TENDER_STATUS_REQUIRES_ACTION);
        if (p == nullptr)
            return;
        std::string id = p->id;
        int64_t total = p->amount;
        tender_payment_free(p);
        static const tender_param approve[] = {{"payer_action", "approve"}};
        GError *error = nullptr;
        if (!expect("paypal approval",
                    note("complete", tender_host_complete(host_, id.c_str(), approve, 1, &error),
                         error),
                    TENDER_STATUS_AUTHORIZED))
            return;
        bool full = pick(2) == 0;
        std::string part = money(total / 2, "EUR");
        p = note("capture", tender_host_capture(host_, id.c_str(), full ? nullptr : part.c_str(),
                                                nullptr, &error), error);
        captured_then_refunds("paypal", id, p, full, "EUR");
    }

    void webmoney()
    {
        static const tender_param params[] = {{"purse", DEMO_WM_PAYER_PURSE},
                                              {"wmid", DEMO_WM_PAYER_WMID},
                                              {"protection_days", "3"},
                                              {"protection_code", "orchid-7731"}};
        std::string amt = amount(5, 120), acct = account("webmoney");
        TenderPayRequest r = {sizeof(TenderPayRequest), "webmoney", "US", "USD", amt.c_str(), acct.c_str(), "personal",
                              nullptr, params, G_N_ELEMENTS(params), TRUE};
        TenderPayment *p = start(r, TENDER_STATUS_REQUIRES_ACTION);
        if (p == nullptr)
            return;
        std::string id = p->id, payee = p->action_data ? p->action_data : "";
        tender_payment_free(p);
        // The payer sends the protected transfer from their own purse (X2),
        // as the demo's payer does.
        std::string desc = "Payment " + id, wire = amt;
        while (wire.find('.') != std::string::npos && (wire.back() == '0' || wire.back() == '.'))
            wire.pop_back();
        if (!demo_webmoney_send_protected(webmoney_endpoint().c_str(), payee.c_str(), wire.c_str(),
                                          3, "orchid-7731", desc.c_str())) {
            seen_->problems.push_back("webmoney payment " + id +
                                      ": the payer's protected transfer was refused");
            return;
        }
        static const tender_param code[] = {{"protection_code", "orchid-7731"}};
        GError *error = nullptr;
        p = note("complete", tender_host_complete(host_, id.c_str(), code, 1, &error), error);
        if (p == nullptr)
            return;
        int64_t captured = p->captured;
        if (expect("webmoney release", p, TENDER_STATUS_CAPTURED))
            refunds(id, captured, "USD");
    }
};

TEST(StressMixed, EightThreadsAllMethodsKeepEveryInvariant)
{
    const int threads = 8, flows = 100 * stress::scale();
    const unsigned seed = stress::seed();
    std::cout << "seed " << seed << " (TENDER_STRESS_SEED), " << threads << " threads x "
              << flows << " flows\n";
    std::string dir = stress::make_temp_dir("tender-stress-mixed");
    std::string ledger_path = dir + "/ledger.db";

    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, STRESS_PLUGIN_DIR);
    tender_host_options_set_config_data(o, mixed_config().c_str());
    // The file, or under `--setup postgres` a schema of the server, which
    // the checks below read through an SQLite copy of it.
    tender_host_options_set_ledger(o, stress::ledger_location(ledger_path).c_str());
    GError *error = nullptr;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_NE(host, nullptr) << error->message;
    ASSERT_EQ(tender_host_methods(host)->len, 4u) << "the four bundled plugins must load";

    std::vector<Seen> seen(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++)
        pool.emplace_back([&, t] { Worker(host, seed + t, t).run(flows, &seen[t]); });
    for (auto &th : pool)
        th.join();
    tender_host_free(host);

    std::vector<std::string> problems;
    std::map<std::string, Final> finals;
    int completed = 0, limited = 0;
    for (auto &s : seen) {
        problems.insert(problems.end(), s.problems.begin(), s.problems.end());
        finals.insert(s.payments.begin(), s.payments.end());
        completed += s.completed;
        limited += s.limited;
    }
    std::cout << completed << " flows completed, " << limited << " refused by a limit, "
              << finals.size() << " payments\n";
    EXPECT_TRUE(problems.empty()) << stress::summarize(problems);
    EXPECT_GT(completed, threads * flows / 2);

    std::string checked = stress::checkable_file(ledger_path, dir + "/check.db");
    ASSERT_FALSE(checked.empty());
    stress::Ledger ledger(checked);
    ASSERT_TRUE(ledger.ok()) << ledger.open_error();
    ASSERT_EQ(ledger.integrity_check(), "ok");
    auto rows = ledger.payments();
    problems.clear();
    for (const auto &[id, f] : finals) {
        auto it = rows.find(id);
        if (it == rows.end()) {
            problems.push_back("payment " + id + " is missing");
        } else if (it->second.status != f.status || it->second.captured != f.captured ||
                   it->second.refunded != f.refunded) {
            problems.push_back("payment " + id + " is " + it->second.status + " " +
                               std::to_string(it->second.captured) + "/" +
                               std::to_string(it->second.refunded) + " but its last call said " +
                               f.status + " " + std::to_string(f.captured) + "/" +
                               std::to_string(f.refunded));
        }
    }
    // PayPal may capture up to 115% of an authorization.
    for (auto &more : {ledger.check_money({{"paypal", 11500}}), ledger.check_idempotency(),
                       ledger.check_operation_sums({"card", "paypal"}), ledger.check_usage()})
        problems.insert(problems.end(), more.begin(), more.end());
    for (const auto &[prefix, max] : limit_max) {
        auto more = ledger.check_counter_max(prefix, max);
        problems.insert(problems.end(), more.begin(), more.end());
    }
    EXPECT_TRUE(problems.empty()) << "seed " << seed << ":\n" << stress::summarize(problems);
    stress::remove_tree(dir);
}

}  // namespace
