/* The redacted trace of HTTP exchanges (private to libtender): one exchange
 * (request, and response or failure) formatted for the log when tracing is
 * on, with nothing in it that must not reach a log.
 *
 * Removed: the values of Authorization, Proxy-Authorization, Cookie and
 * Set-Cookie headers and of every header whose name contains "key",
 * "secret", "signature", "token", "password" or "auth" (ASCII case
 * ignored). Everything else (request line, other header values, bodies,
 * the failure message) goes through redact() (redact.h), the one
 * redaction routine: card-number-like digit runs masked, and the call's
 * sensitive values replaced by TENDER_REDACTED wherever they stand.
 *
 * Pure and thread-safe. */
#ifndef TENDER_CORE_HTTP_TRACE_H
#define TENDER_CORE_HTTP_TRACE_H

#include "http-client.h"

G_BEGIN_DECLS

/* Bodies longer than this (after redaction) are cut in the trace, with the
 * number of bytes left out. */
#define TENDER_HTTP_TRACE_MAX_BODY (64 * 1024)

/* Whether a header called name has its value removed from the trace. */
gboolean http_trace_header_is_secret(const char *name);

/* A newly allocated, multi-line text for one exchange: lines of the request
 * start with "> ", of the response with "< ", and a failure is one line
 * "! " and its message. response and failure may both be NULL (a request
 * refused before sending: the caller adds why). secrets is the call's
 * sensitive values (NULL-terminated, may be NULL), as for redact().
 * elapsed_ms < 0 leaves the time out. */
gchar *http_trace_format(const TenderHttpClientRequest *request,
                                const TenderHttpClientResponse *response, const GError *failure,
                                gint64 elapsed_ms, const char *const *secrets);

G_END_DECLS

#endif
