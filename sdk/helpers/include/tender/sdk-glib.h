/* GLib helpers for the bundled plugins: hashing to hex, HMAC, strict
 * base64, form (application/x-www-form-urlencoded) encoding and decoding,
 * and wall-clock formatting on GDateTime.
 *
 * These live in the static library libtender-sdk-glib, which the bundled
 * plugins link next to libtender-sdk. A third-party plugin that wants no
 * GLib never needs it: nothing in <tender/sdk.h> depends on it.
 *
 * Thread-safety: every function keeps no state and may be called from any
 * thread. Strings returned as char * are newly allocated: g_free() them.
 */
#ifndef TENDER_SDK_GLIB_H
#define TENDER_SDK_GLIB_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* ---- hashing ----------------------------------------------------------------- */

/* n bytes as hex (upper-case digits when upper) into out, cut to fit
 * out_size - 1 characters (always NUL-terminated). */
void tender_hex_encode(const void *bytes, size_t n, int upper, char *out, size_t out_size);

/* The hex digest of sum (which is finished by this call), cut to fit out. */
void tender_checksum_hex(GChecksum *sum, int upper, char *out, size_t out_size);

/* The hex digest of len bytes of data, cut to fit out: the whole SHA-256
 * takes 65 bytes; a shorter out keeps a prefix (compact identifiers). */
void tender_digest_hex(GChecksumType type, const void *data, size_t len, int upper, char *out,
                       size_t out_size);

/* The first `bytes` (1..8) bytes of sum's digest (finished by this call)
 * as a big-endian number: derived, deterministic identifiers. */
uint64_t tender_checksum_number(GChecksum *sum, size_t bytes);

/* HMAC of data under key (GHmac), as hex cut to fit out. */
void tender_hmac_hex(GChecksumType type, const void *key, size_t key_len, const void *data,
                     size_t len, int upper, char *out, size_t out_size);

/* ---- base64 ------------------------------------------------------------------ */

/* Decode standard base64 strictly (GLib's decoder accepts anything): the
 * alphabet, '=' padding only at the end, a length that is a multiple of 4;
 * with skip_line_breaks, '\r' and '\n' anywhere are ignored first (senders
 * that wrap at 64 or 76 columns). Returns the bytes (g_free; *len set) or
 * NULL for anything else, the empty string included. */
guchar *tender_base64_decode_strict(const char *text, int skip_line_breaks, gsize *len);

/* ---- forms ------------------------------------------------------------------ */

/* Encoding flags. */
enum {
    TENDER_FORM_SPACE_AS_PLUS = 1u << 0, /* ' ' as '+' (HTML forms), else %20 */
    TENDER_FORM_KEEP_STAR = 1u << 1      /* '*' as it is (Java's URLEncoder) */
};

/* Append text percent-encoded: ASCII letters, digits and "-._~" as they
 * are, the rest as %XX (upper-case hex), with the flags above. */
void tender_form_append_escaped(GString *out, const char *text, unsigned flags);

/* Append "key=value" (both encoded), after a '&' when out is not empty. */
void tender_form_append_pair(GString *out, const char *key, const char *value, unsigned flags);

/* One raw pair of a form body: percent-decoded, but still in whatever
 * charset the body is written in. */
typedef struct TenderFormPair {
    GBytes *name;
    GBytes *value;
} TenderFormPair;

/* Split a form body at '&' and '=' and percent-decode each side ('+' is a
 * space; an escaped "%2B" stays '+'); a trailing line break is ignored.
 * Returns a GArray of TenderFormPair (g_array_unref frees the pairs too),
 * or NULL with a reason in error: an empty body, a pair without '=' or with
 * an empty name, a bad %-escape, or a NUL byte (which no C string could
 * carry faithfully). The bytes are not checked against any charset: see
 * tender_form_text. */
GArray *tender_form_split(const char *body, size_t body_len, char *error, size_t error_size);

/* bytes, written in charset (an iconv name), as a UTF-8 string; NULL when
 * they are not valid text in that charset. */
char *tender_form_text(GBytes *bytes, const char *charset);

/* ---- time ------------------------------------------------------------------- */

/* ms since the epoch as wall-clock time offset_minutes east of UTC (Beijing
 * +480, Moscow +180; no daylight saving), formatted by g_date_time_format()
 * into out. Returns 1, or 0 (out "") when it cannot be formatted or does not
 * fit. */
int tender_time_format(int64_t ms, int offset_minutes, const char *format, char *out,
                       size_t out_size);

/* ms since the epoch as RFC 3339 UTC, "2026-03-01T10:00:00Z", or with
 * milliseconds "2026-03-01T10:00:00.250Z". Returns 1, or 0 (out ""). */
int tender_time_rfc3339(int64_t ms, int with_millis, char *out, size_t out_size);

/* ---- libraries that must outlive the plugin -------------------------------- */

/* Make the shared library that defines `symbol` (e.g. json_builder_new)
 * resident: never unloaded, even when the host unloads the plugin that
 * pulled it in. Libraries that register GObject types (json-glib) need
 * this, since a type can never be registered twice in a process: a plugin
 * loaded again after dlclose would fail. Call it from create; cheap to
 * repeat. Returns 1 when the library is resident (or is the program). */
int tender_keep_library_resident(const void *symbol);

G_END_DECLS

#endif /* TENDER_SDK_GLIB_H */
