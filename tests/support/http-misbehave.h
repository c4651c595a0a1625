/* A loopback HTTP/1.1 server that misbehaves on request, for tests of the
 * outbound HTTP client. Each request's path picks the behaviour:
 *
 *   /ok             200 with body "reply N" (N: the server's request count)
 *                   and header X-Request: N
 *   /echo           200 with the request's body as the body
 *   /status/503     that status (any 3-digit code), body "status"
 *   /delay/MS       waits MS ms, then as /ok
 *   /silent         reads the request, never answers (until the client
 *                   closes, the server stops, or 10 s pass)
 *   /close          closes right after reading the request (empty reply)
 *   /close-early    closes after the request's head, before its body
 *   /reset          resets the connection after reading the request
 *   /garbage        answers bytes that are not HTTP, then closes
 *   /truncate       announces 1000 bytes of body, sends 10, then closes
 *   /huge           a chunked body of 64 MiB, written until the client
 *                   stops reading
 *   /huge-length    the same with a Content-Length of 64 MiB
 *   /duplicate      answers as /ok twice in a row on the same connection
 *   anything else   404
 *
 * Connections are kept alive between requests. Every wait is bounded, and
 * http_misbehave_stop() returns within about a second. With a certificate
 * and key, the server speaks TLS (OpenSSL). */
#ifndef TENDER_TEST_HTTP_MISBEHAVE_H
#define TENDER_TEST_HTTP_MISBEHAVE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HttpMisbehave HttpMisbehave;

/* Starts a server on 127.0.0.1 (or ::1 when ipv6), on an ephemeral port.
 * cert_file and key_file: PEM files for TLS, or both NULL for plain HTTP.
 * Returns NULL when it cannot listen. */
HttpMisbehave *http_misbehave_start(int ipv6, const char *cert_file, const char *key_file);

/* Like http_misbehave_start() on 127.0.0.1 with TLS, but the handshake
 * requires a client certificate issued by the CA in client_ca_file (PEM)
 * and in its validity period; a client without one is refused before any
 * request is read. */
HttpMisbehave *http_misbehave_start_client_auth(const char *cert_file, const char *key_file,
                                                const char *client_ca_file);

/* A newly allocated copy (free()) of the common name of the last client
 * certificate a handshake accepted, or NULL when none was. */
char *http_misbehave_last_client_cn(HttpMisbehave *server);

/* Like http_misbehave_start() on 127.0.0.1 in plain HTTP, but the port
 * refuses connections (bound, not listening) for the first ms
 * milliseconds, then serves: a provider that comes back up. */
HttpMisbehave *http_misbehave_start_listening_after(long ms);

/* Stops the server, closes every connection and frees it. */
void http_misbehave_stop(HttpMisbehave *server);

int http_misbehave_port(const HttpMisbehave *server);

/* Connections accepted and requests read so far. */
int http_misbehave_connections(const HttpMisbehave *server);
int http_misbehave_requests(const HttpMisbehave *server);

/* Bytes of body written for /huge and /huge-length so far. */
size_t http_misbehave_huge_bytes_sent(const HttpMisbehave *server);

/* Second answers written for /duplicate so far. */
int http_misbehave_duplicates_sent(const HttpMisbehave *server);

/* A newly allocated copy (free()) of the last request received, head and
 * body, or NULL. */
char *http_misbehave_last_request(HttpMisbehave *server);

/* A loopback port on which nothing listens: a socket bound and not
 * listening, so that a connection is refused and nobody else can take the
 * port meanwhile. Close *fd_out when done. Returns the port, or -1. */
int http_misbehave_refused_port(int *fd_out);

/* Writes a self-signed certificate and its key as PEM files cert_file and
 * key_file, for the names in alt_names (OpenSSL's subjectAltName syntax,
 * "DNS:a,IP:1.2.3.4"; NULL: localhost, 127.0.0.1 and ::1). Returns 0 on
 * success. */
int http_misbehave_make_certificate(const char *cert_file, const char *key_file,
                                    const char *alt_names);

#ifdef __cplusplus
}
#endif

#endif
