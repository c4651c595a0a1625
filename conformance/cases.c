/* The list of conformance cases, in the order the runner runs them: cheap
 * static checks first, then direct calls, then flows through a real host. */
#include <string.h>

#include "conformance-private.h"

tc_status tc_case_exports(tc_context *ctx, tc_report *report);
tc_status tc_case_descriptor(tc_context *ctx, tc_report *report);
tc_status tc_case_ids(tc_context *ctx, tc_report *report);
tc_status tc_case_facts(tc_context *ctx, tc_report *report);
tc_status tc_case_capabilities(tc_context *ctx, tc_report *report);
tc_status tc_case_create(tc_context *ctx, tc_report *report);
tc_status tc_case_bad_config(tc_context *ctx, tc_report *report);
tc_status tc_case_outcomes(tc_context *ctx, tc_report *report);
tc_status tc_case_unknown_params(tc_context *ctx, tc_report *report);
tc_status tc_case_required_params(tc_context *ctx, tc_report *report);
tc_status tc_case_idempotency(tc_context *ctx, tc_report *report);
tc_status tc_case_amounts(tc_context *ctx, tc_report *report);
tc_status tc_case_sensitive(tc_context *ctx, tc_report *report);
tc_status tc_case_thread_safety(tc_context *ctx, tc_report *report);
tc_status tc_case_fixture_flows(tc_context *ctx, tc_report *report);
tc_status tc_case_transport_refuse(tc_context *ctx, tc_report *report);
tc_status tc_case_transport_delay(tc_context *ctx, tc_report *report);
tc_status tc_case_transport_timeout(tc_context *ctx, tc_report *report);
tc_status tc_case_transport_5xx(tc_context *ctx, tc_report *report);
tc_status tc_case_transport_garbage(tc_context *ctx, tc_report *report);
tc_status tc_case_transport_truncate(tc_context *ctx, tc_report *report);
tc_status tc_case_transport_duplicate(tc_context *ctx, tc_report *report);

static const tc_case cases[] = {
    {"exports", "the shared object exports exactly tender_plugin_entry", tc_case_exports},
    {"descriptor", "the descriptor and every table pass the loader's checks",
     tc_case_descriptor},
    {"ids", "plugin, method, parameter, currency, region, tier and fixture names are "
            "well-formed and unique", tc_case_ids},
    {"facts", "currencies are ISO 4217 or state their exponent, regions ISO 3166-1, fixtures "
              "consistent with the method", tc_case_facts},
    {"capabilities", "every declared operation has its function and answers within the ABI; "
                     "every undeclared one is NULL", tc_case_capabilities},
    {"create", "create with an empty config (twice), destroy, destroy(NULL)", tc_case_create},
    {"bad_config", "a wrong setting makes create fail with a message naming it",
     tc_case_bad_config},
    {"outcomes", "every fixture answers within the ABI's ranges and as it says",
     tc_case_outcomes},
    {"unknown_params", "an unknown request parameter is ignored", tc_case_unknown_params},
    {"required_params", "a missing required parameter is DECLINED as an invalid request naming "
                        "it", tc_case_required_params},
    {"idempotency", "the same request id gives the same outcome and processor reference",
     tc_case_idempotency},
    {"amounts", "captures and refunds act on the amount asked", tc_case_amounts},
    {"sensitive", "no sensitive parameter value in results, logs or the ledger",
     tc_case_sensitive},
    {"thread_safety", "a thread-safe method answers 8 threads as it answers one",
     tc_case_thread_safety},
    {"fixture_flows", "every fixture end to end through libtender: pay, action, capture, sync, "
                      "refund, void, notification replay", tc_case_fixture_flows},
    {"transport_refuse", "a connection refused before sending is reported NOT_SENT",
     tc_case_transport_refuse},
    {"transport_delay", "a late answer gives the same result as a prompt one",
     tc_case_transport_delay},
    {"transport_timeout", "a timeout after sending is UNKNOWN (never declined or approved on a "
                          "guess), and a sync on a healthy transport settles it",
     tc_case_transport_timeout},
    {"transport_5xx", "a 5xx answer is UNKNOWN, and a sync settles it", tc_case_transport_5xx},
    {"transport_garbage", "a garbage answer is UNKNOWN, and a sync settles it",
     tc_case_transport_garbage},
    {"transport_truncate", "a truncated answer is UNKNOWN, and a sync settles it",
     tc_case_transport_truncate},
    {"transport_duplicate", "a request delivered twice gives the same result as once",
     tc_case_transport_duplicate},
};

const tc_case *tc_cases(size_t *n)
{
    *n = G_N_ELEMENTS(cases);
    return cases;
}

const tc_case *tc_case_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < G_N_ELEMENTS(cases); i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}
