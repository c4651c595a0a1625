/* The table of every fuzz target, for the corpus replay test. */
#include "fuzz-targets.h"

const tender_fuzz_target tender_fuzz_targets[] = {
    {"money", tender_fuzz_money},
    {"config", tender_fuzz_config},
    {"card_params", tender_fuzz_card_params},
    {"alipay_params", tender_fuzz_alipay_params},
    {"paypal_params", tender_fuzz_paypal_params},
    {"webmoney_params", tender_fuzz_webmoney_params},
    {"alipay_notify", tender_fuzz_alipay_notify},
    {"paypal_notify", tender_fuzz_paypal_notify},
    {"webmoney_notify", tender_fuzz_webmoney_notify},
    {NULL, NULL},
};
