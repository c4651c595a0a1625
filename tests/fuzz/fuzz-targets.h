/* The fuzz entry points, as plain C so that both the libFuzzer targets
 * (clang, -fsanitize=fuzzer) and the corpus replay test (any compiler,
 * suite fuzz-replay) call the same code. Each takes one input, must never
 * crash, leak or trip a sanitizer, and calls abort() when a property it
 * checks does not hold (that is a finding). Returns 0. */
#ifndef TENDER_FUZZ_TARGETS_H
#define TENDER_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* tender_money_parse. Input: byte 0 picks the exponent (-1..4), bytes 1-3
 * the currency code, the rest is the amount text. A parsed amount must
 * format and parse back to itself. */
int tender_fuzz_money(const uint8_t *data, size_t size);

/* config_load_data over the whole input; a config that loads is
 * then read through its accessors. */
int tender_fuzz_config(const uint8_t *data, size_t size);

/* A plugin's authorize or purchase through its method table, with request
 * parameters from "key=value" lines (pseudo-keys _amount, _currency,
 * _exponent, _region, _op=authorize|purchase set the request itself). The
 * result must be well formed (strings terminated, a known outcome, a
 * decline code with a decline) and must not contain a sensitive
 * parameter's value. */
int tender_fuzz_card_params(const uint8_t *data, size_t size);
int tender_fuzz_alipay_params(const uint8_t *data, size_t size);
int tender_fuzz_paypal_params(const uint8_t *data, size_t size);
int tender_fuzz_webmoney_params(const uint8_t *data, size_t size);

/* A plugin's identify_notification: "Name: value" header lines, a blank
 * line, then the body (Alipay form, PayPal webhook JSON, WebMoney result
 * form). The result must be well formed. */
int tender_fuzz_alipay_notify(const uint8_t *data, size_t size);
int tender_fuzz_paypal_notify(const uint8_t *data, size_t size);
int tender_fuzz_webmoney_notify(const uint8_t *data, size_t size);

/* The notify targets' work, with the outcome identify_notification gave
 * (tender_outcome): the replay test checks that seeds recorded from
 * tender-sandbox still verify. */
uint32_t tender_fuzz_notify_outcome(const char *plugin_id, const uint8_t *data, size_t size);

/* Every target by name ("money", "config", "card_params", …), for the
 * replay test; NULL-terminated. */
typedef int (*tender_fuzz_fn)(const uint8_t *data, size_t size);
typedef struct {
    const char *name;
    tender_fuzz_fn fn;
} tender_fuzz_target;
extern const tender_fuzz_target tender_fuzz_targets[];

#ifdef __cplusplus
}
#endif

#endif
