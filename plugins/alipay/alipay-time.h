/* Alipay's notions of time: the timeout_express of an unpaid trade, and the
 * Beijing wall-clock times (UTC+8, no daylight saving) its messages carry. */
#ifndef ALIPAY_TIME_H
#define ALIPAY_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Parse a timeout_express: a whole number of minutes, hours or days
 * ("1m".."15d", no leading zero, no fraction), or "1c" (the trade closes at
 * the next midnight, Beijing time). On success returns 1 and sets *minutes
 * (0 for "1c"). Returns 0 for anything else: "0m", "16d", "1.5h", "90s",
 * "015m", "". */
int alipay_timeout_parse(const char *text, int64_t *minutes);

/* When a trade created at created_ms with this timeout_express closes (ms
 * since the epoch). text must have passed alipay_timeout_parse(). */
int64_t alipay_timeout_deadline(const char *text, int64_t created_ms);

/* ms since the epoch as Beijing time "2026-03-01 18:00:00" (out: 20 bytes). */
void alipay_beijing_time(int64_t ms, char *out, size_t out_size);

/* ms since the epoch as the Beijing date "20260301" (out: 9 bytes). */
void alipay_beijing_date(int64_t ms, char *out, size_t out_size);

#endif
