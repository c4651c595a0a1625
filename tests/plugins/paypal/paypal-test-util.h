// Helpers for the PayPal plugin tests: drive one payment through the
// plugin harness, keeping its plugin_state the way the host would.
#ifndef PAYPAL_TEST_UTIL_H
#define PAYPAL_TEST_UTIL_H

#include <glib.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "plugin-harness.h"
}

using KV = std::vector<std::pair<std::string, std::string>>;

struct ResultDeleter {
    void operator()(tender_result *r) const { g_free(r); }
};
using Result = std::unique_ptr<tender_result, ResultDeleter>;

// One payment as the host sees it: currency, buyer, and the latest state.
struct Flow {
    TestPlugin *plugin;
    std::string payment_id = "pay_pp_0001";
    std::string currency = "USD";
    int exponent = 2;
    std::string region = "US";
    std::string state;
    int counter = 0;

    Flow(TestPlugin *p, const char *cur = "USD", int exp = 2, const char *reg = "US")
        : plugin(p), currency(cur), exponent(exp), region(reg) {}

    // Call op with amount and params; request_id defaults to a fresh one.
    // The state the plugin returns (when any) becomes the flow's state.
    Result op(tender_operation operation, gint64 amount, const KV &params = {},
              const std::string &request_id = "")
    {
        std::vector<tender_param> ps;
        for (const auto &kv : params)
            ps.push_back({kv.first.c_str(), kv.second.c_str()});
        std::string rid = request_id.empty() ? "req-" + std::to_string(++counter) : request_id;
        tender_request req = test_request(operation, amount, currency.c_str(), exponent);
        req.payment_id = payment_id.c_str();
        req.request_id = rid.c_str();
        req.region = region.c_str();
        req.plugin_state = state.c_str();
        req.params = ps.empty() ? nullptr : ps.data();
        req.n_params = ps.size();
        Result res(test_plugin_call(plugin, &req));
        if (res->plugin_state[0] != '\0')
            state = res->plugin_state;
        return res;
    }
};

// "Name: value\n" lines -> pairs.
inline KV parse_headers(const char *text)
{
    KV out;
    gchar **lines = g_strsplit(text, "\n", -1);
    for (gchar **l = lines; *l; l++) {
        const char *colon = strchr(*l, ':');
        if (colon == nullptr)
            continue;
        std::string name(*l, colon - *l);
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        out.emplace_back(name, v);
    }
    g_strfreev(lines);
    return out;
}

// Deliver a webhook: identify (no payment context) or apply (with the flow's
// payment and state) on plugin p.
inline Result deliver(TestPlugin *p, const KV &headers, const std::string &body, Flow *flow)
{
    std::vector<tender_param> hs;
    for (const auto &kv : headers)
        hs.push_back({kv.first.c_str(), kv.second.c_str()});
    tender_request req = test_request(TENDER_OP_NOTIFICATION, 0, flow ? flow->currency.c_str() : "",
                                      flow ? flow->exponent : 0);
    req.payment_id = flow ? flow->payment_id.c_str() : nullptr;
    req.plugin_state = flow ? flow->state.c_str() : "";
    req.headers = hs.data();
    req.n_headers = hs.size();
    req.body = body.c_str();
    req.body_len = body.size();
    Result res(test_plugin_call(p, &req));
    if (flow && res->plugin_state[0] != '\0')
        flow->state = res->plugin_state;
    return res;
}

inline std::string detail_of(const tender_result *r, const char *key)
{
    std::string d = r->details, k = std::string(key) + "=";
    size_t pos = 0;
    while ((pos = d.find(k, pos)) != std::string::npos) {
        if (pos == 0 || d[pos - 1] == '\n') {
            size_t end = d.find('\n', pos);
            return d.substr(pos + k.size(), end == std::string::npos ? std::string::npos
                                                                      : end - pos - k.size());
        }
        pos++;
    }
    return "";
}

#endif
