#include "policy-test-support.h"

Loaded::Loaded(const std::string &json, const char *origin)
{
    GPtrArray *w = g_ptr_array_new_with_free_func(g_free);
    GError *err = nullptr;
    config = config_load_data(json.c_str(), (gssize)json.size(), origin, w, &err);
    if (err != nullptr) {
        error = err->message;
        g_error_free(err);
    }
    for (guint i = 0; i < w->len; i++)
        warnings.push_back((const char *)g_ptr_array_index(w, i));
    g_ptr_array_unref(w);
}

Loaded::~Loaded()
{
    config_free(config);
}

static GStrv make_strv(const std::vector<std::string> &items)
{
    GStrv v = g_new0(char *, items.size() + 1);
    for (size_t i = 0; i < items.size(); i++)
        v[i] = g_strdup(items[i].c_str());
    return v;
}

Method::Method(const std::string &id, const std::vector<std::string> &regions,
               const std::vector<CurrencyFact> &currencies,
               const std::vector<std::string> &tiers, guint64 capabilities)
{
    info_.id = g_strdup(id.c_str());
    info_.name = g_strdup(id.c_str());
    info_.capabilities = capabilities;
    info_.regions = make_strv(regions);
    info_.tiers = make_strv(tiers);
    info_.currencies = g_array_new(FALSE, TRUE, sizeof(TenderCurrencyInfo));
    for (const auto &c : currencies) {
        TenderCurrencyInfo ci{};
        g_strlcpy(ci.code, c.code.c_str(), sizeof ci.code);
        ci.exponent = c.exponent;
        ci.min_amount = c.min_amount;
        ci.max_amount = c.max_amount;
        ci.home_region = c.home_region.empty() ? nullptr : g_strdup(c.home_region.c_str());
        g_array_append_val(info_.currencies, ci);
    }
}

Method::~Method()
{
    g_free(info_.id);
    g_free(info_.name);
    g_strfreev(info_.regions);
    g_strfreev(info_.tiers);
    for (guint i = 0; i < info_.currencies->len; i++)
        g_free(g_array_index(info_.currencies, TenderCurrencyInfo, i).home_region);
    g_array_unref(info_.currencies);
}

Method *card_method()
{
    std::vector<CurrencyFact> cur;
    for (const char *c : {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK",
                          "DKK", "ISK", "PLN", "CZK", "HUF", "RON", "BGN", "CNY", "HKD", "TWD",
                          "SGD", "KRW", "INR", "BRL", "MXN", "ZAR", "AED", "ILS", "THB", "MYR",
                          "KZT", "KWD"})
        cur.push_back({c});
    return new Method("card", {"*"}, cur, {},
                      TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE | TENDER_CAP_STEP_UP);
}

Method *alipay_method()
{
    return new Method("alipay", {"CN"}, {{"CNY", -1, 10, 30000000, ""}},
                      {"class_i", "class_ii", "class_iii"}, TENDER_CAP_PURCHASE);
}

Method *paypal_method()
{
    // PayPal's 25 currencies in the plugin's order: HUF, JPY and TWD take no
    // decimals, BRL/CNY/MYR only for buyers at home, typical maximums.
    return new Method("paypal", {"*"},
                      {{"AUD", -1, 0, 1250000, ""}, {"BRL", -1, 0, 0, "BR"},
                       {"CAD", -1, 0, 1250000, ""}, {"CNY", -1, 0, 0, "CN"},
                       {"CZK"}, {"DKK"}, {"EUR", -1, 0, 800000, ""}, {"HKD"},
                       {"HUF", 0, 0, 0, ""}, {"ILS"}, {"JPY", 0, 0, 1000000, ""},
                       {"MYR", -1, 0, 0, "MY"}, {"MXN"}, {"TWD", 0, 0, 0, ""}, {"NZD"},
                       {"NOK"}, {"PHP"}, {"PLN"}, {"GBP", -1, 0, 550000, ""}, {"RUB"},
                       {"SGD"}, {"SEK"}, {"CHF"}, {"THB"}, {"USD", -1, 0, 1000000, ""}},
                      {}, TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE);
}

Method *webmoney_method()
{
    return new Method("webmoney", {"*"},
                      {{"USD"}, {"EUR"}, {"KZT"}, {"BYN"}, {"VND"}, {"UZS"}},
                      {"alias", "formal", "initial", "personal", "merchant"},
                      TENDER_CAP_PURCHASE);
}

gint64 usage_lookup(const char *key, gpointer data)
{
    auto *usage = static_cast<Usage *>(data);
    auto it = usage->find(key);
    return it == usage->end() ? 0 : it->second;
}

Eval::Eval(const TenderConfig *config, const Method &method, const char *region,
           const char *currency, gint64 amount, const char *account, const char *tier,
           gint64 now_ms, Usage *usage)
{
    policy_decision_init(&d);
    TenderPolicyBuyer b{};
    b.region = region;
    b.currency = currency;
    b.amount = amount;
    b.account = account;
    b.tier = tier;
    b.now_ms = now_ms;
    GError *err = nullptr;
    ok = policy_evaluate(config, method.info(), &b, usage ? usage_lookup : nullptr,
                                usage, &d, &err);
    if (err != nullptr) {
        error = err->message;
        g_error_free(err);
    }
}

Eval::~Eval()
{
    policy_decision_clear(&d);
}

std::vector<std::string> Eval::amount_keys() const
{
    std::vector<std::string> keys;
    for (guint i = 0; d.amount_charges && i < d.amount_charges->len; i++)
        keys.push_back(g_array_index(d.amount_charges, TenderUsageCharge, i).key);
    return keys;
}
