/* The HTTP transport: what the host's `http` service (ABI 1.1) sends a
 * plugin's requests through, replaceable by the application.
 *
 * The host checks a plugin's request (allow-list, method and header syntax),
 * traces it and counts it; the transport only moves bytes and says how that
 * went. libtender's own transport is libcurl's (TLS always verified,
 * connections reused, responses capped at 1 MiB). An application replaces
 * it with tender_host_options_set_http_transport(), to record, script or
 * break exchanges (the conformance kit injects faults that way, and the
 * test host, <tender/testhost.h>, accepts the same transport so that a
 * plugin's unit tests can script answers or reach a loopback server). A
 * replacement that wants the real network delegates to a transport from
 * tender_http_transport_new_default().
 *
 * A transport's answer is exactly one of:
 *   - a response (any status: a 5xx is an answer, the provider spoke);
 *   - a GError in TENDER_HTTP_TRANSPORT_ERROR, code NOT_SENT: no byte of the
 *     request left, so the provider cannot have acted (name resolution,
 *     connection refused, TLS, deadline passed before sending);
 *   - a GError in TENDER_HTTP_TRANSPORT_ERROR, code UNKNOWN: the request may
 *     have reached the provider and no usable answer came (timeout after
 *     sending, reset, truncated or unreadable answer, over the cap).
 * Any other error is read as UNKNOWN, the safe meaning.
 *
 * Versioning: every struct here starts with struct_size, and fields are
 * only ever appended. Set struct_size to sizeof the struct you built against;
 * read a field of a struct you were handed only when struct_size covers it
 * (TENDER_HAS_FIELD in <tender/plugin.h>). */
#ifndef TENDER_HTTP_TRANSPORT_H
#define TENDER_HTTP_TRANSPORT_H

#include <tender/tender.h>

G_BEGIN_DECLS

#define TENDER_HTTP_TRANSPORT_ERROR (tender_http_transport_error_quark())
GQuark tender_http_transport_error_quark(void);

typedef enum {
    TENDER_HTTP_TRANSPORT_NOT_SENT = 1,
    TENDER_HTTP_TRANSPORT_UNKNOWN = 2,
} TenderHttpTransportFailure;

/* One header: a name and a value, both NUL-terminated. */
typedef struct {
    const char *name;
    const char *value;
} TenderHttpHeader;

/* A request, as the host hands it to the transport. Everything is borrowed
 * for the duration of the send call. */
typedef struct {
    guint32 struct_size;
    /* The method whose plugin made the request ("card"). */
    const char *method_id;
    /* "GET", "POST", ... (never NULL: the host fills in "GET"). */
    const char *method;
    /* An absolute http:// or https:// URL, already inside the method's
     * allow-list. */
    const char *url;
    const TenderHttpHeader *headers;
    gsize n_headers;
    /* body_len bytes (NULL with 0 for none). */
    const void *body;
    gsize body_len;
    /* The absolute deadline, ms since the epoch on the wall clock
     * (g_get_real_time() / 1000): the plugin call's. A transport must
     * answer by then; past it, NOT_SENT if nothing was sent yet. */
    gint64 deadline_ms;
    /* The method's `ca_file` and `proxy` settings, NULL when unset. */
    const char *ca_file;
    const char *proxy;
    /* Appended after the first version: the method's TLS client identity, the settings
     * `tls_client_cert` and `tls_client_key` (PEM file paths) and
     * `tls_client_key_passphrase` (a secret: a transport must never log
     * it), NULL when unset. A transport that cannot present a client
     * certificate should fail such a request as NOT_SENT rather than send
     * it without one. */
    const char *tls_client_cert;
    const char *tls_client_key;
    const char *tls_client_key_passphrase;
} TenderHttpTransportRequest;

/* A response. Allocated by the transport with
 * tender_http_transport_response_new(); the host frees it with
 * tender_http_transport_response_free() (so every pointer in it is GLib
 * memory the response owns). */
typedef struct {
    guint32 struct_size;
    /* The HTTP status, 100 to 599. */
    int status;
    /* The headers in the order received; strings owned by the response. */
    TenderHttpHeader *headers;
    gsize n_headers;
    /* body_len bytes, followed by a NUL that body_len does not count. */
    char *body;
    gsize body_len;
} TenderHttpTransportResponse;

/* A new response with status and a copy of body (NULL with 0 for none). */
TenderHttpTransportResponse *tender_http_transport_response_new(int status, const void *body,
                                                                gsize body_len);
/* Append a copy of a header. */
void tender_http_transport_response_add_header(TenderHttpTransportResponse *response,
                                               const char *name, const char *value);
/* The value of the first header called name (ASCII case ignored), or NULL;
 * borrowed from response. */
const char *tender_http_transport_response_header(const TenderHttpTransportResponse *response,
                                                  const char *name);
/* NULL is allowed. */
void tender_http_transport_response_free(TenderHttpTransportResponse *response);

typedef struct TenderHttpTransport TenderHttpTransport;

/* Send request and wait for the answer, at most until request->deadline_ms.
 * Returns the response (newly allocated, see above) or NULL with error set
 * as described at the top of this file. Called from any thread, several at
 * once: it must be thread-safe. */
typedef TenderHttpTransportResponse *(*TenderHttpTransportSendFunc)(
    TenderHttpTransport *transport, const TenderHttpTransportRequest *request, GError **error);

/* A transport: a table the application fills (first version below). */
struct TenderHttpTransport {
    guint32 struct_size; /* sizeof(TenderHttpTransport) */
    TenderHttpTransportSendFunc send;
    /* Called by tender_http_transport_free(); NULL: nothing to free. */
    void (*destroy)(TenderHttpTransport *transport);
    /* The application's, untouched by libtender. */
    gpointer user_data;
};

/* libtender's own transport (libcurl): one connection cache per distinct
 * ca_file, proxy and TLS client identity, TLS always verified, responses over 1 MiB UNKNOWN.
 * Free with tender_http_transport_free(). Every host that is given no
 * transport makes one of its own. */
TenderHttpTransport *tender_http_transport_new_default(void);

/* transport->send, after checking transport and request are whole (a table
 * or request too short for its first version fails as NOT_SENT: nothing
 * was sent). The way a wrapping transport delegates. Thread-safe when the
 * transport is. */
TenderHttpTransportResponse *tender_http_transport_send(TenderHttpTransport *transport,
                                                        const TenderHttpTransportRequest *request,
                                                        GError **error);

/* Calls transport->destroy (when set). No send may be in flight. NULL is
 * allowed. */
void tender_http_transport_free(TenderHttpTransport *transport);

/* Send the `http` service's requests of the hosts made with these options
 * through transport instead of a default transport of their own. Borrowed:
 * the transport must outlive every host created with these options (free
 * the hosts first). NULL: back to the default. */
void tender_host_options_set_http_transport(TenderHostOptions *options,
                                            TenderHttpTransport *transport);

G_END_DECLS

#endif
