/* Alipay parameter sets: the name/value pairs of a gateway request, a
 * response or an asynchronous notification, with the encodings Alipay uses
 * (the RSA2 signing string, application/x-www-form-urlencoded bodies). */
#ifndef ALIPAY_PARAMS_H
#define ALIPAY_PARAMS_H

#include <stddef.h>

typedef struct AlipayParams AlipayParams;

/* A new, empty set; free with alipay_params_free() (NULL is fine). */
AlipayParams *alipay_params_new(void);
void alipay_params_free(AlipayParams *params);

/* Set key to value (NULL: empty), replacing an earlier value of key. The
 * set keeps insertion order, which is the order a form body is written in. */
void alipay_params_set(AlipayParams *params, const char *key, const char *value);
/* The value of key, or NULL when absent. */
const char *alipay_params_get(const AlipayParams *params, const char *key);
/* Number of pairs, and the i-th pair in insertion order. */
size_t alipay_params_count(const AlipayParams *params);
const char *alipay_params_key(const AlipayParams *params, size_t i);
const char *alipay_params_value(const AlipayParams *params, size_t i);

/* The text RSA2 signs: every pair with a non-empty value, except `sign`
 * (and `sign_type` when exclude_sign_type), sorted by name in byte order and
 * joined as "k=v&k=v" with the raw, unencoded values. Alipay signs gateway
 * requests with sign_type included and notifications with it left out.
 * Returns a newly allocated string (g_free). */
char *alipay_params_signing_string(const AlipayParams *params, int exclude_sign_type);

/* The set as an application/x-www-form-urlencoded body, in insertion order:
 * unreserved bytes as they are, space as '+', the rest as %XX. g_free it. */
char *alipay_params_to_form(const AlipayParams *params);

/* Parse a form body (percent-decoding, '+' as space). Refuses, with a reason
 * in error: a pair without '=', an empty name, a bad %-escape, a NUL byte,
 * text that is not UTF-8, or a name given twice (parameter pollution could
 * otherwise make the signed value differ from the one acted on). Returns
 * NULL on refusal. */
AlipayParams *alipay_params_from_form(const char *body, size_t body_len, char *error,
                                      size_t error_size);

#endif
