// Shared helpers for the policy suites: config loading with the error
// captured, and hand-built TenderMethodInfo facts that mirror what the
// bundled plugins declare.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <glib.h>

extern "C" {
#include "config.h"
#include "policy.h"
}

// Load JSON text; on failure returns NULL and stores the message.
struct Loaded {
    TenderConfig *config = nullptr;
    std::string error;
    std::vector<std::string> warnings;
    Loaded(const std::string &json, const char *origin = "cfg.json");
    ~Loaded();
    Loaded(const Loaded &) = delete;
    Loaded &operator=(const Loaded &) = delete;
};

// One currency fact as a plugin declares it (exponent -1: ISO 4217).
struct CurrencyFact {
    std::string code;
    int exponent = -1;
    gint64 min_amount = 0;
    gint64 max_amount = 0;
    std::string home_region;  // empty: none
};

// Owns a TenderMethodInfo built from plain facts.
class Method {
public:
    Method(const std::string &id, const std::vector<std::string> &regions,
           const std::vector<CurrencyFact> &currencies,
           const std::vector<std::string> &tiers = {}, guint64 capabilities = 0);
    ~Method();
    Method(const Method &) = delete;
    Method &operator=(const Method &) = delete;
    const TenderMethodInfo *info() const { return &info_; }

private:
    TenderMethodInfo info_{};
};

// The four bundled methods' declared facts (see plugins/*).
Method *card_method();
Method *alipay_method();
Method *paypal_method();
Method *webmoney_method();

// Counter values seen by the policy (key -> value), for the lookup callback.
using Usage = std::map<std::string, gint64>;
gint64 usage_lookup(const char *key, gpointer data);

// Evaluate and keep the decision; clears itself.
struct Eval {
    TenderPolicyDecision d;
    gboolean ok = FALSE;
    std::string error;
    Eval(const TenderConfig *config, const Method &method, const char *region,
         const char *currency, gint64 amount, const char *account = "", const char *tier = "",
         gint64 now_ms = 1795651199999 /* 2026-11-25T23:59:59.999Z */, Usage *usage = nullptr);
    ~Eval();
    std::string reason() const { return d.reason ? d.reason : ""; }
    std::string exchange() const { return d.exchange ? d.exchange : ""; }
    std::string currency() const { return d.pay_currency ? d.pay_currency : ""; }
    std::vector<std::string> amount_keys() const;
};

// EXPECT that text contains needle (no gmock needed).
#define EXPECT_HAS(text, needle)                                                    \
    EXPECT_NE(std::string(text).find(needle), std::string::npos)                   \
        << "expected to find: " << (needle) << "\n                in: " << (text)
