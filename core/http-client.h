/* The outbound HTTP client (private to libtender): the one client through
 * which the host sends every request a plugin asks for, on libcurl.
 *
 * One TenderHttpClient per host. It shares one connection cache, DNS cache
 * and TLS session cache between all its calls and keeps a few idle easy
 * handles for reuse, so that consecutive calls to the same provider reuse the
 * connection. It is thread-safe: any number of threads may call
 * http_client_send() on the same client at once.
 *
 * A call either gets a response (any status, 5xx included: the provider
 * answered) or fails in exactly one of two ways, which is all a payment
 * needs to know about a transport failure:
 *
 *   TENDER_HTTP_CLIENT_NOT_SENT: no byte of the request was written, so the
 *     provider cannot have acted on it (name resolution, connection refused,
 *     TLS handshake or certificate failure, malformed or unsupported URL,
 *     deadline passed before sending, proxy refused the tunnel). Retrying is
 *     safe.
 *   TENDER_HTTP_CLIENT_UNKNOWN: some of the request was written, so the
 *     provider may have acted on it (timeout after sending, reset, empty,
 *     truncated or unreadable answer, answer over the size cap). Only a later
 *     query can tell what happened.
 *
 * TLS certificates and host names are always verified; there is no option
 * to turn that off. Redirects are never followed (a redirect is a response
 * like any other), so a request reaches only the URL it names. */
#ifndef TENDER_CORE_HTTP_CLIENT_H
#define TENDER_CORE_HTTP_CLIENT_H

#include <glib.h>

#include <tender/http-transport.h>

G_BEGIN_DECLS

/* The GError domain of http_client_send() failures; the code is a
 * TenderHttpClientFailure. The public transport's domain, with the same
 * codes, so that the default transport passes the client's errors on as
 * they are. */
#define TENDER_HTTP_CLIENT_ERROR TENDER_HTTP_TRANSPORT_ERROR

typedef enum {
    TENDER_HTTP_CLIENT_NOT_SENT = 1,
    TENDER_HTTP_CLIENT_UNKNOWN = 2,
    /* Only from http_client_new(): the client could not be set up. */
    TENDER_HTTP_CLIENT_SETUP_FAILED = 3,
} TenderHttpClientFailure;

/* The default cap on a response (status line, headers and body together). */
#define TENDER_HTTP_CLIENT_DEFAULT_MAX_RESPONSE (1024 * 1024)

/* The default longest time to establish a connection (TCP, proxy tunnel and
 * TLS handshake), always cut to what is left of the call's deadline. */
#define TENDER_HTTP_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS 10000

typedef struct {
    /* A PEM file of the CA certificates to trust instead of the system's
     * store (for providers or sandboxes behind a private CA). NULL: the
     * system store. Copied by http_client_new(). */
    const char *ca_file;
    /* The outbound proxy, as a URL ("http://proxy.example:3128"). NULL: no
     * proxy; the http_proxy/https_proxy environment variables are ignored
     * either way, so that only the operator's setting decides. Copied. */
    const char *proxy;
    /* The client certificate (PEM) and its private key (PEM) presented to
     * servers that ask for one, and the key's passphrase when it is
     * encrypted (a secret: never in a message). NULL: none. The pair must
     * belong together (http-tls-identity.h); http_client_new() checks it.
     * Copied; the passphrase copy is wiped when the client is freed. */
    const char *tls_client_cert;
    const char *tls_client_key;
    const char *tls_client_key_passphrase;
    /* The cap on a response, in bytes; 0: the default. A response over it
     * fails as UNKNOWN without more of it being buffered. */
    gsize max_response_bytes;
    /* The longest time to connect, in ms; 0: the default. */
    guint connect_timeout_ms;
} TenderHttpClientOptions;

/* One header: a name and a value, both NUL-terminated (the public
 * transport's type). */
typedef TenderHttpHeader TenderHttpClientHeader;

/* A request. Everything is borrowed for the duration of the call. A method
 * or header name that is not an HTTP token, or a header value with a line
 * break, fails the call as NOT_SENT. */
typedef struct {
    /* "GET", "POST", ...; NULL means "GET". */
    const char *method;
    /* An absolute http:// or https:// URL. The caller applies the allow-list
     * (http-allow.h) before sending. */
    const char *url;
    const TenderHttpClientHeader *headers;
    gsize n_headers;
    /* The body, body_len bytes, sent as is (NULL with 0 for none). */
    const void *body;
    gsize body_len;
    /* Absolute deadline in ms since the epoch on the wall clock
     * (g_get_real_time() / 1000), the clock of op_context.deadline_ms,
     * so that the host service can pass the operation's deadline through.
     * It is turned once into a relative timeout, which libcurl enforces on
     * the monotonic clock. 0: no deadline (tests and tools only). */
    gint64 deadline_ms;
} TenderHttpClientRequest;

/* A response: the public transport's (<tender/http-transport.h>), so that
 * the default transport hands it on without a copy. The headers are those
 * of the final response, in the order received, names and values as sent
 * (values trimmed of surrounding blanks). Owned by the caller; free it with
 * http_client_response_free(). */
typedef TenderHttpTransportResponse TenderHttpClientResponse;

typedef struct TenderHttpClient TenderHttpClient;

/* Why request cannot be sent as given (a method or header name that is not
 * an HTTP token, a header value with a line break, a missing body or
 * header array), or NULL when it can. http_client_send() checks it
 * too; the host service checks it before any transport. */
const char *http_client_request_malformed(const TenderHttpClientRequest *request);

/* A new client; options may be NULL for all defaults. Returns NULL with
 * error set (TENDER_HTTP_CLIENT_SETUP_FAILED) when libcurl cannot be
 * initialised, ca_file is not readable, or the client certificate and key
 * cannot be read or do not belong together (the message names the setting,
 * never the passphrase). */
TenderHttpClient *http_client_new(const TenderHttpClientOptions *options, GError **error);

/* Frees the client and closes its connections. No call may be in flight on
 * it. NULL is allowed. */
void http_client_free(TenderHttpClient *client);

/* Sends request and waits for the whole response, at most until the
 * request's deadline. Returns the response, or NULL with error set in the
 * TENDER_HTTP_CLIENT_ERROR domain, code NOT_SENT or UNKNOWN as described
 * above, and a message fit for a log (it names the failure, never the
 * request's headers or body). Thread-safe. */
TenderHttpClientResponse *http_client_send(TenderHttpClient *client,
                                                  const TenderHttpClientRequest *request,
                                                  GError **error);

/* The value of the first response header called name (ASCII case is
 * ignored), or NULL. Borrowed from response. */
const char *http_client_response_header(const TenderHttpClientResponse *response,
                                               const char *name);

/* NULL is allowed. */
void http_client_response_free(TenderHttpClientResponse *response);

G_END_DECLS

#endif
