/* Helpers for plugin authors: the things every plugin would otherwise write
 * again. They live in the static library libtender-sdk (pkg-config
 * tender-sdk), are linked into the plugin, and never cross the ABI.
 *
 * All functions are reentrant and thread-safe: they keep no state.
 */
#ifndef TENDER_SDK_H
#define TENDER_SDK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <tender/decline.h>
#include <tender/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declares the plugin's entry point returning `descriptor` (a const
 * tender_plugin_descriptor with static storage). Refuses a host whose major
 * differs. Use once per plugin, at file scope. */
#define TENDER_PLUGIN_DEFINE(descriptor)                                        \
    TENDER_PLUGIN_EXPORT const tender_plugin_descriptor *tender_plugin_entry(  \
        uint32_t host_abi_major, uint32_t host_abi_minor,                      \
        const tender_host_services *services);                                 \
    TENDER_PLUGIN_EXPORT const tender_plugin_descriptor *tender_plugin_entry(  \
        uint32_t host_abi_major, uint32_t host_abi_minor,                      \
        const tender_host_services *services)                                  \
    {                                                                          \
        (void)host_abi_minor;                                                  \
        (void)services;                                                        \
        if (host_abi_major != TENDER_ABI_MAJOR)                                \
            return NULL;                                                       \
        return &(descriptor);                                                  \
    }

/* Copy src (NULL: empty) into dst of dst_size bytes, always NUL-terminated,
 * truncating at a UTF-8 character boundary. Returns 1 when it all fit. */
int tender_copy_string(char *dst, size_t dst_size, const char *src);

/* Set a fixed-size string field of a result: TENDER_SET(res, message, "…"). */
#define TENDER_SET(res, field, src) \
    tender_copy_string((res)->field, sizeof((res)->field), (src))

/* printf into a fixed-size field, truncating safely. */
int tender_format_string(char *dst, size_t dst_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define TENDER_SETF(res, field, ...) \
    tender_format_string((res)->field, sizeof((res)->field), __VA_ARGS__)

/* Finish res as DECLINED with a standard code, the processor's raw code and
 * a message (printf format). Never put a sensitive value in the message. */
void tender_result_decline(tender_result *res, tender_decline_code code,
                           const char *raw_code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Finish res with outcome and raw code (no decline). */
void tender_result_outcome(tender_result *res, tender_outcome outcome,
                           const char *raw_code, const char *message);

/* The value of request parameter `key`, or NULL. Later duplicates win. */
const char *tender_request_param(const tender_request *req, const char *key);

/* The value of notification header `name` (case-insensitive), or NULL. */
const char *tender_request_header(const tender_request *req, const char *name);

/* Luhn (mod 10) check of a string of ASCII digits; 0 for anything else. */
int tender_luhn_valid(const char *digits);

/* True when s is non-empty and every character is an ASCII digit. */
int tender_all_digits(const char *s);

/* Format amount (minor units at `exponent` decimals) as a wire decimal:
 * "10.50", or "10.5" with trim_zeros (WebMoney), "10" for a whole amount
 * with trim_zeros. Returns 1 on success, 0 if it does not fit. */
int tender_money_to_wire(int64_t amount, int exponent, int trim_zeros,
                         char *out, size_t out_size);

/* Parse a wire decimal ("10.5", "10.50", "10") into minor units at
 * `exponent`. Refuses signs, more decimals than the exponent, overflow.
 * Returns 1 on success. */
int tender_money_from_wire(const char *text, int exponent, int64_t *amount);

/* A small "key=value&key=value" store with percent-encoding, for
 * plugin_state and form bodies. tender_kv_get copies the decoded value of
 * key into out and returns 1, or returns 0 when absent (or -1 when it does
 * not fit). tender_kv_set replaces or appends key in buf (buf_size bytes)
 * and returns 1, or 0 when it would not fit (buf unchanged). */
int tender_kv_get(const char *kv, const char *key, char *out, size_t out_size);
int tender_kv_set(char *buf, size_t buf_size, const char *key, const char *value);
/* Convenience for integers. */
int64_t tender_kv_get_int(const char *kv, const char *key, int64_t fallback);
int tender_kv_set_int(char *buf, size_t buf_size, const char *key, int64_t value);

/* Log through the host with printf formatting. Never log a sensitive value. */
void tender_log(const tender_host_services *host, tender_log_level level,
                const char *method_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#endif /* TENDER_SDK_H */
