/* The outbound allow-list (private to libtender): which URLs a payment
 * method may send requests to.
 *
 * A method may reach the scheme, host and port of its own `endpoint`
 * setting (the base URL under which all its provider's URLs live), plus the
 * hosts the operator lists for it in `allowed_hosts`. Plain http is allowed
 * only to loopback (127.0.0.0/8, ::1, localhost): anywhere else a request
 * and its answer could be read or changed on the way. The caller reports a
 * refused URL as not sent and logs the reason.
 *
 * The rule is strict about the URL's form, because libcurl parses the URL
 * again and the two parsers must not disagree on the host: URLs with
 * credentials (user@host), percent-encoded or empty hosts, backslashes,
 * spaces, control or non-ASCII characters are refused.
 *
 * All functions are pure and thread-safe. */
#ifndef TENDER_CORE_HTTP_ALLOW_H
#define TENDER_CORE_HTTP_ALLOW_H

#include <glib.h>

G_BEGIN_DECLS

/* The GError domain of the validators; the only code is 1, invalid. */
#define TENDER_HTTP_ALLOW_ERROR (http_allow_error_quark())
GQuark http_allow_error_quark(void);

/* Whether a method whose endpoint setting is endpoint (a URL validated by
 * http_endpoint_validate(); NULL: the method has none) and whose
 * operator allowed allowed_hosts (NULL-terminated, may be NULL) may send a
 * request to url.
 *
 * An allowed_hosts entry is "host" or "host:port" ("[v6]:port" for IPv6
 * addresses): a bare host allows the URL scheme's default port, 443 for
 * https. Host names compare without regard to ASCII case or one trailing
 * dot.
 *
 * On refusal returns FALSE and, when reason is not NULL, sets it to a newly
 * allocated sentence for the log. The reason names the host and port, never
 * the path or query (which may carry parameters). */
gboolean http_allow_url(const char *url, const char *endpoint,
                               const char *const *allowed_hosts, char **reason);

/* The same rule with the endpoint and allowed_hosts parsed once, for a
 * method whose settings do not change (the host keeps one per method):
 * http_allow_url() parses both on every call. The list copies what it
 * needs; entries that do not parse allow nothing, as in http_allow_url().
 * A list is immutable once made: any number of threads may check URLs
 * against it at once. */
typedef struct HttpAllowList HttpAllowList;
HttpAllowList *http_allow_list_new(const char *endpoint, const char *const *allowed_hosts);
gboolean http_allow_list_check(const HttpAllowList *list, const char *url, char **reason);
void http_allow_list_free(HttpAllowList *list);

/* Checks an `endpoint` setting: an absolute http or https URL with a host,
 * without credentials, query or fragment, https unless the host is
 * loopback. Returns FALSE with error set (TENDER_HTTP_ALLOW_ERROR, a
 * message without the JSON path, which the config loader adds) when not. */
gboolean http_endpoint_validate(const char *endpoint, GError **error);

/* Checks one `allowed_hosts` entry ("host" or "host:port"), as above. */
gboolean http_allowed_host_validate(const char *entry, GError **error);

/* Whether host (as in a URL, without brackets) is a loopback address or
 * "localhost". */
gboolean http_host_is_loopback(const char *host);

G_END_DECLS

#endif
