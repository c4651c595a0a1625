/* Deterministic PayPal-shaped identifiers and timestamps.
 *
 * The sandbox derives every id from the request id (PayPal-Request-Id) or
 * from ids derived earlier, so a retried request gets the very same order,
 * authorization, capture or refund id, as PayPal's idempotency promises,
 * while the plugin keeps no state of its own. */
#ifndef PAYPAL_IDS_H
#define PAYPAL_IDS_H

#include <stddef.h>
#include <stdint.h>

#define PAYPAL_ID_LEN 17        /* order, authorization, capture, refund ids */
#define PAYPAL_PAYER_ID_LEN 13  /* PayerID */

/* An id of `len` upper-case letters and digits derived from the parts
 * (NULL-terminated list of strings), written with its NUL into out. */
void paypal_derive_id(char *out, size_t len, const char *const *parts);

/* Shorthand for two parts: paypal_derive_id(out, len, {a, b, NULL}). */
void paypal_derive_id2(char *out, size_t len, const char *a, const char *b);

/* A UUID-shaped lower-case hex id (36 characters + NUL) from two parts, as
 * PayPal writes transmission ids. out must hold 37 bytes. */
void paypal_derive_uuid(char *out, const char *a, const char *b);

/* Format ms since the epoch as UTC ISO 8601: "2026-03-01T10:00:00Z", or
 * with millis "2026-03-01T10:00:00.000Z". out must hold 32 bytes. */
void paypal_format_time(int64_t ms, int with_millis, char *out, size_t out_size);

#endif
