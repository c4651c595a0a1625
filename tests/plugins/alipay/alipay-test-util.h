// Test helpers for the alipay tests: an independent implementation of
// Alipay's form encoding and RSA2 signing (written against OpenSSL directly,
// not the plugin's code), so the tests check the plugin against a second
// reading of the rules rather than against itself.
#ifndef ALIPAY_TEST_UTIL_H
#define ALIPAY_TEST_UTIL_H

#include <string>
#include <utility>
#include <vector>

using Form = std::vector<std::pair<std::string, std::string>>;

// The text of a file under tests/keys (ALIPAY_KEYS_DIR).
std::string alipay_test_key(const char *name);
// The base64 body of a PEM (what Alipay's console shows).
std::string alipay_test_pem_body(const std::string &pem);

// application/x-www-form-urlencoded: decode ('+' is space) and encode.
Form form_parse(const std::string &body);
std::string form_build(const Form &form);
const std::string *form_get(const Form &form, const std::string &key);
void form_set(Form &form, const std::string &key, const std::string &value);
void form_erase(Form &form, const std::string &key);

// A request's signing string: sorted k=v&k=v over the non-empty values,
// sign left out, sign_type kept.
std::string request_signing_string(const Form &form);
// A notification's signing string as Alipay writes it: sorted k=v&k=v over
// every pair, empty values included as "k=", sign and (unless
// keep_sign_type) sign_type left out. The values are taken byte for byte,
// so a form holding GBK bytes gives the GBK bytes Alipay signs.
std::string notification_signing_string(const Form &form, bool keep_sign_type);
// SHA256withRSA, base64; empty string on failure.
std::string rsa2_sign(const std::string &private_pem, const std::string &data);
bool rsa2_verify(const std::string &public_pem, const std::string &data, const std::string &sig);
// Re-sign a notification form with private_pem as Alipay signs them: sets
// sign_type=RSA2, signs notification_signing_string(form, false).
void form_resign(Form &form, const std::string &private_pem);

// The plugin_state purchase leaves for a waiting QR trade created at
// created_ms with timeout_express 15m (the documented state keys of
// docs/methods/alipay.md), for notification tests that need no gateway.
std::string alipay_test_trade_state(const char *out_trade_no, long long total,
                                    long long created_ms, const char *status = "WAIT_BUYER_PAY");

#endif
