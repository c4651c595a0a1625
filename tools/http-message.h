/* A notification as an HTTP message: optional request line, header lines,
 * a blank line, the body. `tender sandbox-notification` writes this form
 * and `tender notify` reads it, so that the one can be piped into the
 * other exactly as a provider would have posted it. */
#ifndef TENDER_TOOLS_HTTP_MESSAGE_H
#define TENDER_TOOLS_HTTP_MESSAGE_H

#include <glib.h>

#include <tender/plugin.h>
#include <tender/tender.h>

G_BEGIN_DECLS

/* Whether text starts like an HTTP message (a request line or a
 * "Name: value" header line) rather than a bare body. */
gboolean http_message_detect(const char *text, gsize len);

/* Split text into headers (appended to headers, an array of tender_param
 * whose key and value are newly allocated) and the body (*body points into
 * text, *body_len bytes: Content-Length bytes when that header is present,
 * else the rest). Lines end in CRLF or LF. FALSE with TENDER_ERROR_INVALID_ARGUMENT
 * when a header line is malformed or the body is shorter than
 * Content-Length. */
gboolean http_message_parse(const char *text, gsize len, GArray *headers, const char **body,
                            gsize *body_len, GError **error);

/* The HTTP-message form of a notification: header lines (LF-separated, as
 * plugins write them), Content-Length, a blank line, the body, a newline
 * for the terminal (outside Content-Length, so it is not part of the body).
 * Newly allocated. */
char *http_message_format(const char *header_lines, const char *body);

G_END_DECLS

#endif
