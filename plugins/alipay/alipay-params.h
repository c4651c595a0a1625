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

/* Alipay signs two ways, and the two must not be confused:
 *
 * A REQUEST (what the merchant sends to gateway.do) is signed over every
 * pair with a non-empty value except `sign`, sign_type included.
 *
 * A NOTIFICATION (what Alipay POSTs to notify_url) is verified over every
 * pair it carries except `sign` and `sign_type`, empty values included as
 * "k=". The official SDKs also accept the variant that keeps sign_type
 * (keep_sign_type non-zero).
 *
 * Both sort by name in byte order and join as "k=v&k=v" with the raw,
 * unencoded values. Each returns a newly allocated UTF-8 string (g_free);
 * the bytes actually signed are this text in the set's declared charset
 * (see alipay_charset_iconv_name). */
char *alipay_params_request_signing_string(const AlipayParams *params);
char *alipay_params_notification_signing_string(const AlipayParams *params, int keep_sign_type);

/* The iconv name of a form's declared `charset` value: "UTF-8" for absent
 * (NULL), "utf-8" or "utf8"; "GBK" for "gbk" or "gb2312" (GBK is a
 * superset, and Alipay's SDKs list both); NULL for anything else. Case is
 * ignored. Static strings, thread-safe. */
const char *alipay_charset_iconv_name(const char *declared);

/* The set as an application/x-www-form-urlencoded body, in insertion order:
 * unreserved bytes as they are, space as '+', the rest as %XX. g_free it. */
char *alipay_params_to_form(const AlipayParams *params);

/* Parse a form body as Alipay POSTs a notification: split at '&' and '=',
 * percent-decode ('+' is a space), then convert every name and value from
 * the charset the form declares in its own `charset` field (absent: UTF-8;
 * see alipay_charset_iconv_name) to UTF-8, which is what the set holds.
 * Refuses, with a reason in error: a pair without '=', an empty name, a bad
 * %-escape, a NUL byte, an unsupported charset, text that is not valid in
 * the declared charset, or a name given twice (parameter pollution could
 * otherwise make the signed value differ from the one acted on). Returns
 * NULL on refusal. Thread-safe. */
AlipayParams *alipay_params_from_form(const char *body, size_t body_len, char *error,
                                      size_t error_size);

#endif
