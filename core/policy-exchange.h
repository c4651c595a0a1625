/* Money conversion for the policy (private to libtender, hidden from the
 * library's exports): the one place where an amount in one currency becomes
 * an amount in another, and where the rates used are written down.
 *
 * A PolicyExchange is a table of rates quoted against one base currency, as
 * exact decimals. The config loader builds it (config-exchange.c) and then
 * never changes it, so every reading function is thread-safe on a finished
 * table. */
#ifndef TENDER_CORE_POLICY_EXCHANGE_H
#define TENDER_CORE_POLICY_EXCHANGE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct PolicyExchange PolicyExchange;

/* An empty table: no base, no rates. Conversions within one currency (a
 * change of exponent only) work on it; any other conversion fails. Free with
 * policy_exchange_free. */
G_GNUC_INTERNAL PolicyExchange *policy_exchange_new(void);
G_GNUC_INTERNAL void policy_exchange_free(PolicyExchange *exchange);

/* Building (the loader, before the table is shared). The base's rate is 1
 * and is added by set_base; add_rate takes 1 base = mantissa / 10^scale
 * units of code (mantissa > 0, 0 <= scale <= 12). as_of is a date text
 * ("2026-11-01") or "" for none. code and base: ISO 4217 codes. */
G_GNUC_INTERNAL void policy_exchange_set_base(PolicyExchange *exchange, const char *base);
G_GNUC_INTERNAL void policy_exchange_set_as_of(PolicyExchange *exchange, const char *as_of);
G_GNUC_INTERNAL void policy_exchange_add_rate(PolicyExchange *exchange, const char *code,
                                              gint64 mantissa, int scale);

/* The base currency ("" when none) and the rates' as-of date ("" when none);
 * owned by the table. */
G_GNUC_INTERNAL const char *policy_exchange_base(const PolicyExchange *exchange);
G_GNUC_INTERNAL const char *policy_exchange_as_of(const PolicyExchange *exchange);

/* TRUE when amounts in currency can be converted (it is the base or has a
 * rate). */
G_GNUC_INTERNAL gboolean policy_exchange_has_rate(const PolicyExchange *exchange,
                                                  const char *currency);

/* Convert amount (minor units of from at from_exponent; -1: the ISO
 * exponent) into to at to_exponent (-1: ISO) in exact integer arithmetic,
 * rounded half up once. The same currency needs no rate (rescaling only).
 * FALSE when a rate is missing or the result overflows. */
G_GNUC_INTERNAL gboolean policy_exchange_convert(const PolicyExchange *exchange, gint64 amount,
                                                 const char *from, int from_exponent,
                                                 const char *to, int to_exponent, gint64 *out);

/* "1 EUR = 1.086957 USD as of 2026-11-01": the computed rate of 1 `from` in
 * `to`, to 6 decimals with trailing zeros dropped. Newly allocated; NULL
 * when a rate is missing. */
G_GNUC_INTERNAL char *policy_exchange_rate_text(const PolicyExchange *exchange, const char *from,
                                                const char *to);

/* The configured rates a conversion from `from` into `to` uses, exactly as
 * configured, written against the base: "1 USD = 7.1 CNY as of 2026-11-01"
 * when either currency is the base, "1 USD = 0.79 GBP = 7.1 CNY as of …"
 * otherwise. " as of …" only with a date. Newly allocated; NULL for the same
 * currency or a missing rate. */
G_GNUC_INTERNAL char *policy_exchange_rate_quote(const PolicyExchange *exchange, const char *from,
                                                 const char *to);

G_END_DECLS

#endif
