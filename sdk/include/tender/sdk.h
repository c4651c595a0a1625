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
#include <tender/sdk-names.h>
#include <tender/sdk-state.h>

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

/* The whole descriptor of a plugin with one method, and its entry point
 * (TENDER_PLUGIN_DEFINE): id, name, version and description as
 * tender_plugin_descriptor documents them; method is a static const
 * tender_method. Use once per plugin, at file scope. */
#define TENDER_PLUGIN_DEFINE_ONE_METHOD(plugin_id, plugin_name, plugin_version,           \
                                        plugin_description, method)                       \
    static const tender_method *const tender_plugin_methods_[] = {&(method)};             \
    static const tender_plugin_descriptor tender_plugin_descriptor_ = {                   \
        sizeof(tender_plugin_descriptor), TENDER_ABI_MAJOR, TENDER_ABI_MINOR, (plugin_id), \
        (plugin_name), (plugin_version), (plugin_description), tender_plugin_methods_, 1}; \
    TENDER_PLUGIN_DEFINE(tender_plugin_descriptor_)

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

/* ---- processor codes ------------------------------------------------------ */
/* One row of a plugin-static table from the processor's own codes to the
 * standard decline codes. */
typedef struct tender_decline_map {
    const char *raw;           /* the processor's code, matched exactly */
    tender_decline_code code;
} tender_decline_map;

/* The decline code of raw in map[0..n), or fallback when raw is NULL or
 * not in the table (do_not_honor is the safe choice: no retry advised). */
tender_decline_code tender_decline_for_raw(const tender_decline_map *map, size_t n,
                                           const char *raw, tender_decline_code fallback);

/* ---- settings ------------------------------------------------------------ */
/* Typed reads of the method's own settings (the host's config_* services)
 * with the checks every plugin makes. Each returns 1 when the key is
 * present (and *out set), 0 when absent (*out set to fallback), -1 when it
 * has another type or does not fit: then error (error_size bytes) says so,
 * naming the key, and *out holds the fallback. A host that lends no
 * settings service reads as "absent". */
int tender_setting_string(const tender_host_services *host, const char *method_id,
                          const char *key, const char *fallback, char *out, size_t out_size,
                          char *error, size_t error_size);
int tender_setting_int64(const tender_host_services *host, const char *method_id,
                         const char *key, int64_t fallback, int64_t *out, char *error,
                         size_t error_size);
int tender_setting_bool(const tender_host_services *host, const char *method_id,
                        const char *key, int fallback, int *out, char *error,
                        size_t error_size);

/* The "mode" setting every bundled method shares: absent means "sandbox",
 * the only processor a plugin without a transport has. Returns 0 when the
 * mode is "sandbox"; else -1 with a message in error that names the setting,
 * the value and what `label` (the plugin's name for messages, e.g.
 * "webmoney") accepts. */
int tender_setting_require_sandbox(const tender_host_services *host, const char *method_id,
                                   const char *label, char *error, size_t error_size);

/* 1 when the host lends every 1.0 service a plugin needs: log, clock,
 * randomness and the three settings reads. A plugin's create refuses a host
 * without them rather than crash on a NULL slot later. */
int tender_host_services_complete(const tender_host_services *host);

/* The host's clock (ms since the epoch, UTC): the only clock a plugin may
 * use, since the host can run on a fixed or advanced one. 0 from a host
 * without a clock. */
int64_t tender_now_ms(const tender_host_services *host);

/* ---- http (ABI 1.1) ------------------------------------------------------ */
/* 1 when the host lends the http service: a 1.1 host or later whose http
 * and http_release slots are set. */
int tender_host_has_http(const tender_host_services *host);

/* One HTTP exchange through the host's http service for method_id: a
 * request from the arguments (headers and body borrowed for the call; body
 * may be NULL), res zeroed and sized, then host->http. Returns the outcome
 * (TENDER_HTTP_RESPONSE, TENDER_HTTP_NOT_SENT or TENDER_HTTP_UNKNOWN, also
 * in res->outcome); without an http service TENDER_HTTP_NOT_SENT, with
 * res->message saying so, and the host is not called. Release res with
 * tender_http_release() after every call, whatever the outcome. Thread-safe
 * as the host's service is. */
uint32_t tender_http_exchange(const tender_host_services *host, const char *method_id,
                              const char *method, const char *url,
                              const tender_http_header *headers, size_t n_headers,
                              const void *body, size_t body_len, tender_http_response *res);

/* Hand res back to the host (its body and headers are gone after); safe on
 * a response tender_http_exchange() filled without calling the host. */
void tender_http_release(const tender_host_services *host, tender_http_response *res);

/* ---- required parameters -------------------------------------------------- */
/* The first parameter among specs[0..n_specs) flagged TENDER_PARAM_REQUIRED
 * that req lacks or carries empty, or NULL when every one is there. Check
 * authorize/purchase against tender_method.params, complete_action against
 * action_params. */
const char *tender_missing_required_param(const tender_param_spec *specs, size_t n_specs,
                                          const tender_request *req);

/* The check above, finishing res when a parameter is missing: DECLINED with
 * TENDER_DECLINE_INVALID_REQUEST, raw_code, and the message "NAME is
 * required: DESCRIPTION". Returns 1 when every required parameter is there
 * (res untouched), 0 after declining. */
int tender_check_required_params(const tender_param_spec *specs, size_t n_specs,
                                 const tender_request *req, const char *raw_code,
                                 tender_result *res);

/* ---- secrets ----------------------------------------------------------------- */
/* 1 when a and b hold the same a_len and b_len bytes. The time taken
 * depends on the lengths only, never on where the bytes differ, so a
 * signature, MAC or code compared with it leaks nothing through timing. */
int tender_secure_equal(const void *a, size_t a_len, const void *b, size_t b_len);
/* The same for NUL-terminated strings (NULL equals nothing, not even NULL). */
int tender_secure_streq(const char *a, const char *b);

/* ---- fixtures ----------------------------------------------------------------- */
/* Rows of a plugin's sandbox fixture table (tender_fixture). params and
 * complete are arrays (not pointers): their length is counted here. */
#define TENDER_N_ELEMENTS(array) (sizeof(array) / sizeof((array)[0]))

/* A fixture the first call settles: outcome, and decline when DECLINED. */
#define TENDER_FIXTURE(name, region, currency, amount, tier, params, outcome, decline)     \
    {sizeof(tender_fixture), (name), (region), (currency), (amount), (tier), (params),  \
     TENDER_N_ELEMENTS(params), (outcome), (decline), NULL, 0, NULL, 0}

/* A fixture that asks for the payer's action, finished by complete_action
 * with `complete` (an array of tender_param), then settles as `after`. */
#define TENDER_FIXTURE_COMPLETE(name, region, currency, amount, tier, params, complete,   \
                                after)                                                   \
    {sizeof(tender_fixture), (name), (region), (currency), (amount), (tier), (params),  \
     TENDER_N_ELEMENTS(params), TENDER_OUTCOME_ACTION_REQUIRED, TENDER_DECLINE_NONE,     \
     (complete), TENDER_N_ELEMENTS(complete), NULL, (after)}

/* A fixture that asks for the payer's action, finished by the sandbox
 * notification for `event` (e.g. "paid"), then settles as `after`. */
#define TENDER_FIXTURE_EVENT(name, region, currency, amount, tier, params, event, after)   \
    {sizeof(tender_fixture), (name), (region), (currency), (amount), (tier), (params),  \
     TENDER_N_ELEMENTS(params), TENDER_OUTCOME_ACTION_REQUIRED, TENDER_DECLINE_NONE,     \
     NULL, 0, (event), (after)}

/* Defines `static const tender_fixture *fn(size_t *n)` returning the
 * plugin-static array `table`: the tender_method_ops.sandbox_fixtures slot. */
#define TENDER_FIXTURES_FUNCTION(fn, table)                                              \
    static const tender_fixture *fn(size_t *n)                                           \
    {                                                                                    \
        *n = TENDER_N_ELEMENTS(table);                                                   \
        return (table);                                                                  \
    }

#ifdef __cplusplus
}
#endif

#endif /* TENDER_SDK_H */
