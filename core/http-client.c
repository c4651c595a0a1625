/* See http-client.h.
 *
 * How NOT_SENT and UNKNOWN are told apart. The question is not which error
 * libcurl reports but whether any byte of the request left this process on
 * the connection to the provider, so the client counts exactly those bytes:
 *
 *   - CURLOPT_PREREQFUNCTION is called once the connection is ready for the
 *     request: TCP connected, proxy tunnel set up, TLS handshake done and
 *     the certificate verified. Before it, nothing the provider could act on
 *     has been sent (a CONNECT to the proxy or a TLS ClientHello are not the
 *     request).
 *   - libcurl counts what it wrote: CURLINFO_REQUEST_SIZE grows by the
 *     bytes of the request head (and of a small body sent with it) that a
 *     write to the socket (or into TLS) accepted, CURLINFO_SIZE_UPLOAD_T by
 *     the body bytes written after it. Their sum is read when the
 *     prerequest callback runs and again when the transfer ends: the
 *     difference is the bytes of the request that were written (a proxy's
 *     CONNECT, counted in REQUEST_SIZE too, comes before the callback).
 *
 * Counting through the debug callback (CURLOPT_VERBOSE) would see the same
 * bytes, but verbose mode makes libcurl format every informational line
 * for the callback to drop: about a seventh of a loopback call's
 * instructions (bench/README.md, http-roundtrip).
 *
 * A failure with none of them written is NOT_SENT, whatever libcurl's error
 * code; with one or more it is UNKNOWN, even when the code would suggest
 * otherwise (an answer that is not HTTP comes back as "unsupported
 * protocol", which before sending would mean a bad URL). A write accepted by
 * the kernel may never reach the peer; UNKNOWN is the cautious side.
 *
 * One thing libcurl does on its own: when a reused keep-alive connection
 * turns out to be closed before any answer byte arrives, it sends the
 * request again on a new connection (the server closed the idle connection
 * as the request went out). The bytes of both attempts are counted, so a
 * failure is still UNKNOWN; a payment provider sees the request at most
 * twice, which its idempotency key is there for.
 *
 * HTTP/1.1 only: the byte accounting above is exact for it, and providers'
 * APIs do not need HTTP/2. */
#include "http-client.h"
#include "http-tls-identity.h"

#include <curl/curl.h>
#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string.h>

GQuark tender_http_transport_error_quark(void)
{
    return g_quark_from_static_string("tender-http-transport-error");
}

/* Idle easy handles kept for reuse; more may be in use at once, the extra
 * ones are freed when returned. */
#define HTTP_CLIENT_IDLE_HANDLES 8

/* Connections kept open for reuse. libcurl's default (5) is per easy
 * handle, but the cache is shared: with more threads than that, each call
 * would close another's idle connection and every call would connect anew. */
#define HTTP_CLIENT_MAX_CONNECTIONS 32

struct TenderHttpClient {
    CURLSH *share;
    GMutex share_locks[CURL_LOCK_DATA_LAST];
    GMutex pool_lock;
    GPtrArray *idle; /* HttpHandle *, idle */
    GMutex sockets_lock;
    GHashTable *sockets; /* int fd as pointer -> HttpSocket: the sockets libcurl has open */
    char *ca_file;
    char *proxy;
    char *tls_client_cert;
    char *tls_client_key;
    char *tls_client_key_passphrase; /* a secret: wiped on free */
    gsize max_response;
    guint connect_timeout_ms;
    gboolean guard_sigpipe; /* libcurl may raise SIGPIPE: see http_sigpipe_block() */
};

/* A pooled easy handle and the buffers its calls receive into, kept with it
 * so that a call allocates only what it hands out. */
typedef struct {
    CURL *easy;
    GArray *headers; /* TenderHttpClientHeader; empty between calls */
    GByteArray *body;
} HttpHandle;

/* A body buffer larger than this is not kept for the handle's next call. */
#define HTTP_CLIENT_KEPT_BODY_BYTES (64 * 1024)

/* One of libcurl's sockets: its ports, looked up once it is connected (a
 * TCP socket connects once, so they do not change while it is open). */
typedef struct {
    int local_port; /* 0: not known yet */
    int peer_port;
} HttpSocket;

/* The state of one call, shared with the callbacks. */
typedef struct {
    TenderHttpClient *client;
    CURL *easy;
    gsize max_response;
    gboolean check_reused;    /* look for stale bytes on a reused connection */
    gboolean stale;           /* found some, and stopped before sending */
    gboolean request_started; /* the prerequest callback ran */
    curl_off_t written_base;  /* libcurl's written count when it last ran */
    curl_off_t request_bytes; /* request bytes written after it */
    gsize received;           /* header and body bytes received */
    gboolean over_cap;
    GArray *headers; /* TenderHttpClientHeader, owned strings: the handle's */
    GByteArray *body;  /* the handle's */
} HttpCall;

static void http_handle_free(HttpHandle *handle);

static void http_share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *user)
{
    (void)handle;
    (void)access;
    TenderHttpClient *client = user;
    g_mutex_lock(&client->share_locks[data]);
}

static void http_share_unlock(CURL *handle, curl_lock_data data, void *user)
{
    (void)handle;
    TenderHttpClient *client = user;
    g_mutex_unlock(&client->share_locks[data]);
}

static gboolean http_global_init(void)
{
    static gsize done = 0;
    static gboolean ok = FALSE;
    if (g_once_init_enter(&done)) {
        ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
        g_once_init_leave(&done, 1);
    }
    return ok;
}

TenderHttpClient *http_client_new(const TenderHttpClientOptions *options, GError **error)
{
    TenderHttpClientOptions none = {0};
    if (options == NULL)
        options = &none;
    if (!http_global_init()) {
        g_set_error(error, TENDER_HTTP_CLIENT_ERROR, TENDER_HTTP_CLIENT_SETUP_FAILED,
                    "libcurl could not be initialised");
        return NULL;
    }
    if (options->ca_file != NULL && g_access(options->ca_file, R_OK) != 0) {
        g_set_error(error, TENDER_HTTP_CLIENT_ERROR, TENDER_HTTP_CLIENT_SETUP_FAILED,
                    "ca_file %s is not readable", options->ca_file);
        return NULL;
    }
    /* The pair is checked now, not left to the first handshake, whose
     * failure libcurl can only describe in its own words. Expiry is not:
     * the provider judges that, and a certificate may expire while the
     * client lives. */
    if (!http_tls_identity_check(options->tls_client_cert, options->tls_client_key,
                                 options->tls_client_key_passphrase, FALSE, error))
        return NULL;
    TenderHttpClient *client = g_new0(TenderHttpClient, 1);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        g_mutex_init(&client->share_locks[i]);
    g_mutex_init(&client->pool_lock);
    client->idle = g_ptr_array_new();
    g_mutex_init(&client->sockets_lock);
    client->sockets = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    client->ca_file = g_strdup(options->ca_file);
    client->proxy = g_strdup(options->proxy);
    client->tls_client_cert = g_strdup(options->tls_client_cert);
    client->tls_client_key = g_strdup(options->tls_client_key);
    client->tls_client_key_passphrase = g_strdup(options->tls_client_key_passphrase);
    client->max_response = options->max_response_bytes ? options->max_response_bytes
                                                       : TENDER_HTTP_CLIENT_DEFAULT_MAX_RESPONSE;
    client->connect_timeout_ms = options->connect_timeout_ms
                                     ? options->connect_timeout_ms
                                     : TENDER_HTTP_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS;
    /* Four system calls a request (two each way), a fifth of what a
     * loopback request makes, for libcurl versions that need them only. */
    client->guard_sigpipe = curl_version_info(CURLVERSION_NOW)->version_num < 0x075800;
    client->share = curl_share_init();
    if (client->share == NULL) {
        http_client_free(client);
        g_set_error(error, TENDER_HTTP_CLIENT_ERROR, TENDER_HTTP_CLIENT_SETUP_FAILED,
                    "libcurl share could not be created");
        return NULL;
    }
    curl_share_setopt(client->share, CURLSHOPT_LOCKFUNC, http_share_lock);
    curl_share_setopt(client->share, CURLSHOPT_UNLOCKFUNC, http_share_unlock);
    curl_share_setopt(client->share, CURLSHOPT_USERDATA, client);
    curl_share_setopt(client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return client;
}

void http_client_free(TenderHttpClient *client)
{
    if (client == NULL)
        return;
    /* Easy handles first: the share may not go while a handle uses it. */
    for (guint i = 0; i < client->idle->len; i++)
        http_handle_free(g_ptr_array_index(client->idle, i));
    g_ptr_array_free(client->idle, TRUE);
    if (client->share != NULL)
        curl_share_cleanup(client->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        g_mutex_clear(&client->share_locks[i]);
    g_mutex_clear(&client->pool_lock);
    g_hash_table_destroy(client->sockets);
    g_mutex_clear(&client->sockets_lock);
    g_free(client->ca_file);
    g_free(client->proxy);
    g_free(client->tls_client_cert);
    g_free(client->tls_client_key);
    if (client->tls_client_key_passphrase != NULL) {
        memset(client->tls_client_key_passphrase, 0, strlen(client->tls_client_key_passphrase));
        g_free(client->tls_client_key_passphrase);
    }
    g_free(client);
}

static void http_configure_handle(TenderHttpClient *client, CURL *easy);

static void http_handle_free(HttpHandle *handle)
{
    if (handle == NULL)
        return;
    curl_easy_cleanup(handle->easy);
    g_array_free(handle->headers, TRUE); /* empty: its strings were handed out or freed */
    g_byte_array_unref(handle->body);
    g_free(handle);
}

/* An idle handle, or a new one. A handle is configured once, when made,
 * with every option that is the same for all the client's calls; a call
 * sets only what is its own (http_configure_call) and takes it off again
 * before the handle goes back. Resetting and configuring a handle anew on
 * every call cost about 6 k instructions (bench/README.md). */
static HttpHandle *http_take_handle(TenderHttpClient *client)
{
    HttpHandle *handle = NULL;
    g_mutex_lock(&client->pool_lock);
    if (client->idle->len > 0)
        handle = g_ptr_array_steal_index_fast(client->idle, client->idle->len - 1);
    g_mutex_unlock(&client->pool_lock);
    if (handle != NULL)
        return handle;
    CURL *easy = curl_easy_init();
    if (easy == NULL)
        return NULL;
    http_configure_handle(client, easy);
    handle = g_new0(HttpHandle, 1);
    handle->easy = easy;
    handle->headers = g_array_new(FALSE, FALSE, sizeof(TenderHttpClientHeader));
    handle->body = g_byte_array_new();
    return handle;
}

/* Back to the pool, its buffers empty (what they held was handed out or
 * freed). */
static void http_return_handle(TenderHttpClient *client, HttpHandle *handle)
{
    g_array_set_size(handle->headers, 0);
    if (handle->body->len > HTTP_CLIENT_KEPT_BODY_BYTES) {
        g_byte_array_unref(handle->body);
        handle->body = g_byte_array_new();
    }
    g_byte_array_set_size(handle->body, 0);
    g_mutex_lock(&client->pool_lock);
    if (client->idle->len < HTTP_CLIENT_IDLE_HANDLES) {
        g_ptr_array_add(client->idle, handle);
        handle = NULL;
    }
    g_mutex_unlock(&client->pool_lock);
    http_handle_free(handle);
}

/* The client's open sockets, for http_reused_connection_is_stale(): libcurl
 * does not tell which socket a transfer will use until it has sent on it, so
 * the client opens and closes them itself and keeps the set. */
static curl_socket_t http_open_socket(void *user, curlsocktype purpose,
                                      struct curl_sockaddr *address)
{
    (void)purpose;
    TenderHttpClient *client = user;
    int fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd < 0)
        return CURL_SOCKET_BAD;
    g_mutex_lock(&client->sockets_lock);
    g_hash_table_insert(client->sockets, GINT_TO_POINTER(fd), g_new0(HttpSocket, 1));
    g_mutex_unlock(&client->sockets_lock);
    return fd;
}

static int http_close_socket(void *user, curl_socket_t fd)
{
    TenderHttpClient *client = user;
    g_mutex_lock(&client->sockets_lock);
    g_hash_table_remove(client->sockets, GINT_TO_POINTER(fd));
    g_mutex_unlock(&client->sockets_lock);
    return close(fd);
}

static int http_socket_port(int fd, gboolean peer)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if ((peer ? getpeername(fd, (struct sockaddr *)&addr, &len)
              : getsockname(fd, (struct sockaddr *)&addr, &len)) != 0)
        return -1;
    if (addr.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&addr)->sin_port);
    if (addr.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
    return -1;
}

/* Whether the call is about to send on a reused connection (local_port to
 * peer_port) that already has bytes to read. An idle HTTP/1.1 connection
 * has nothing to say: bytes there are a close or a stray answer (a server
 * that answered twice), and libcurl would read a stray answer as the answer
 * to the next request, that is to another payment's request. Checked before
 * anything is sent, so that the call can go again on a fresh connection.
 * Bytes that arrive after the request went out cannot be told apart from its
 * answer: no HTTP/1.1 client can, and a provider that answers twice is
 * broken. */
static gboolean http_reused_connection_is_stale(TenderHttpClient *client, CURL *easy,
                                                int local_port, int peer_port)
{
    long connects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK || connects > 0)
        return FALSE; /* a new connection: a TLS session ticket may be waiting, rightly */
    gboolean stale = FALSE;
    g_mutex_lock(&client->sockets_lock);
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, client->sockets);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        int fd = GPOINTER_TO_INT(key);
        HttpSocket *ports = value;
        if (ports->local_port <= 0 || ports->peer_port <= 0) {
            /* Two system calls, once per connection rather than per call. */
            ports->local_port = http_socket_port(fd, FALSE);
            ports->peer_port = http_socket_port(fd, TRUE);
        }
        if (ports->local_port != local_port || ports->peer_port != peer_port)
            continue;
        struct pollfd ready = {.fd = fd, .events = POLLIN};
        stale = poll(&ready, 1, 0) > 0;
        break;
    }
    g_mutex_unlock(&client->sockets_lock);
    return stale;
}

/* What libcurl has written in this transfer so far: the request head (and
 * a body small enough to go with it) plus the body written after it. */
static curl_off_t http_written_so_far(CURL *easy)
{
    long head = 0;
    curl_off_t body = 0;
    curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &head);
    curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &body);
    return (curl_off_t)head + body;
}

/* Adds what was written since the prerequest callback last ran. libcurl
 * counts on across its own retry on a new connection (see above); should
 * it start again from zero, everything counted is new. */
static void http_count_written(HttpCall *call)
{
    if (!call->request_started)
        return;
    curl_off_t now = http_written_so_far(call->easy);
    call->request_bytes += now >= call->written_base ? now - call->written_base : now;
    call->written_base = now;
}

static int http_on_prereq(void *user, char *conn_primary_ip, char *conn_local_ip,
                          int conn_primary_port, int conn_local_port)
{
    (void)conn_primary_ip;
    (void)conn_local_ip;
    HttpCall *call = user;
    if (call->check_reused && http_reused_connection_is_stale(call->client, call->easy,
                                                              conn_local_port, conn_primary_port)) {
        call->stale = TRUE;
        return CURL_PREREQFUNC_ABORT;
    }
    /* libcurl's own retry on a new connection runs this again: what the
     * earlier attempt wrote is counted first. */
    http_count_written(call);
    call->written_base = http_written_so_far(call->easy);
    call->request_started = TRUE;
    return CURL_PREREQFUNC_OK;
}

static void http_clear_headers(GArray *headers)
{
    for (guint i = 0; i < headers->len; i++) {
        TenderHttpClientHeader *h = &g_array_index(headers, TenderHttpClientHeader, i);
        g_free((char *)h->name);
        g_free((char *)h->value);
    }
    g_array_set_size(headers, 0);
}

/* Whether len more received bytes keep the call within the cap. */
static gboolean http_within_cap(HttpCall *call, gsize len)
{
    if (len > call->max_response - call->received) {
        call->over_cap = TRUE;
        return FALSE;
    }
    call->received += len;
    return TRUE;
}

static size_t http_on_header(char *data, size_t size, size_t count, void *user)
{
    HttpCall *call = user;
    gsize len = size * count;
    if (!http_within_cap(call, len))
        return 0;
    /* A status line starts a response: only the last one's headers count
     * (an interim 100 Continue has its own). */
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        http_clear_headers(call->headers);
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (colon == NULL || colon == data)
        return len; /* the blank line that ends the headers, or junk */
    TenderHttpClientHeader h;
    h.name = g_strndup(data, (gsize)(colon - data));
    char *value = g_strndup(colon + 1, len - (gsize)(colon + 1 - data));
    h.value = g_strstrip(value);
    g_array_append_val(call->headers, h);
    return len;
}

static size_t http_on_body(char *data, size_t size, size_t count, void *user)
{
    HttpCall *call = user;
    gsize len = size * count;
    if (!http_within_cap(call, len))
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    g_byte_array_append(call->body, (const guint8 *)data, (guint)len);
    return len;
}

static struct curl_slist *http_header_list(const TenderHttpClientRequest *request)
{
    struct curl_slist *list = NULL;
    for (gsize i = 0; i < request->n_headers; i++) {
        const TenderHttpClientHeader *h = &request->headers[i];
        /* "Name;" is libcurl's way of sending a header with an empty value
         * ("Name:" would remove it). */
        char *line = h->value[0] != '\0' ? g_strconcat(h->name, ": ", h->value, NULL)
                                         : g_strconcat(h->name, ";", NULL);
        list = curl_slist_append(list, line);
        g_free(line);
    }
    /* No "Expect: 100-continue": it costs a round trip (or a second's wait)
     * on every larger POST, and providers answer the request anyway. Only a
     * request with a body could have it. */
    if (request->body_len > 0)
        list = curl_slist_append(list, "Expect:");
    return list;
}

/* The options every call of the client shares, set once per handle. */
static void http_configure_handle(TenderHttpClient *client, CURL *easy)
{
    curl_easy_setopt(easy, CURLOPT_SHARE, client->share);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (client->ca_file != NULL)
        curl_easy_setopt(easy, CURLOPT_CAINFO, client->ca_file);
    if (client->tls_client_cert != NULL) {
        curl_easy_setopt(easy, CURLOPT_SSLCERT, client->tls_client_cert);
        curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(easy, CURLOPT_SSLKEY, client->tls_client_key);
        curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
        if (client->tls_client_key_passphrase != NULL)
            curl_easy_setopt(easy, CURLOPT_KEYPASSWD, client->tls_client_key_passphrase);
    }
    /* "" rather than unset: no proxy from the environment either. */
    curl_easy_setopt(easy, CURLOPT_PROXY, client->proxy != NULL ? client->proxy : "");
    curl_easy_setopt(easy, CURLOPT_MAXCONNECTS, (long)HTTP_CLIENT_MAX_CONNECTIONS);
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)client->max_response);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, http_open_socket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, client);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, http_close_socket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, client);
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, http_on_prereq);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, http_on_body);
}

/* The options that are this call's own. Each is set on every call, so that
 * nothing of the handle's previous call (its method, body, timeouts, a
 * fresh connection asked for) carries over. */
static void http_configure_call(TenderHttpClient *client, CURL *easy,
                                const TenderHttpClientRequest *request, HttpCall *call,
                                struct curl_slist *headers, char *errbuf, gint64 remaining_ms)
{
    const char *method = request->method != NULL ? request->method : "GET";
    curl_easy_setopt(easy, CURLOPT_URL, request->url);
    if (remaining_ms > 0) {
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)remaining_ms);
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)MIN(remaining_ms, (gint64)client->connect_timeout_ms));
    } else {
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 0L);
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)client->connect_timeout_ms);
    }
    curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 0L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);

    /* Back to a plain GET first: NOBODY off, no custom method. */
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(easy, CURLOPT_NOBODY, 0L);
    if (g_ascii_strcasecmp(method, "GET") == 0 && request->body_len == 0) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (g_ascii_strcasecmp(method, "HEAD") == 0) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
        /* POSTFIELDS sends the body with a Content-Length; CUSTOMREQUEST
         * puts the method's name on the request line. */
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_len);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request->body != NULL ? request->body : "");
        if (g_ascii_strcasecmp(method, "POST") != 0)
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    }

    curl_easy_setopt(easy, CURLOPT_PREREQDATA, call);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, call);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, call);
}

/* Takes off the handle what points into the call that ended: the header
 * list, the error buffer and the body are freed or go out of scope. */
static void http_unconfigure_call(CURL *easy, const TenderHttpClientRequest *request)
{
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
    if (request->body_len > 0 || (request->method != NULL &&
                                  g_ascii_strcasecmp(request->method, "GET") != 0 &&
                                  g_ascii_strcasecmp(request->method, "HEAD") != 0)) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
    }
}

/* The failure message: what went wrong, in libcurl's words when it has
 * some. libcurl's messages name hosts and addresses, never the request's
 * headers or body. */
static void http_set_failure(GError **error, const HttpCall *call, CURLcode code,
                             const char *errbuf)
{
    TenderHttpClientFailure failure =
        call->request_bytes > 0 ? TENDER_HTTP_CLIENT_UNKNOWN : TENDER_HTTP_CLIENT_NOT_SENT;
    const char *what = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
    if (call->over_cap || code == CURLE_FILESIZE_EXCEEDED)
        what = "response over the size cap";
    g_set_error(error, TENDER_HTTP_CLIENT_ERROR, failure, "%s: %s",
                failure == TENDER_HTTP_CLIENT_UNKNOWN ? "request may have been sent"
                                                      : "request not sent",
                what);
}

/* SIGPIPE. With CURLOPT_NOSIGNAL (required with threads) libcurl leaves
 * SIGPIPE alone. libcurl 7.88 writes through its own OpenSSL BIO with
 * MSG_NOSIGNAL, but older versions let OpenSSL write() to the socket, and a
 * write to a connection the peer closed raises SIGPIPE, which by default
 * kills the process. Changing the process's disposition is not a library's
 * business, so the calling thread blocks SIGPIPE for the call, and a
 * SIGPIPE raised meanwhile (directed at this thread) is taken off before
 * unblocking, as libpq does. With libcurl 7.88 or later (checked when the
 * client is made) nothing is blocked: every write, plain or TLS, goes
 * through send() with MSG_NOSIGNAL, which test-core-http's
 * PeerGoneWhileWritingIsUnknown checks under the default disposition. */
typedef struct {
    sigset_t old_mask;
    gboolean was_pending;
} HttpSigpipeGuard;

static void http_sigpipe_block(HttpSigpipeGuard *guard)
{
    sigset_t pipe_only, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &guard->old_mask);
    sigpending(&pending);
    guard->was_pending = sigismember(&pending, SIGPIPE);
}

static void http_sigpipe_restore(HttpSigpipeGuard *guard)
{
    sigset_t pipe_only, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    if (!guard->was_pending && sigismember(&pending, SIGPIPE)) {
        struct timespec none = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &none) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &guard->old_mask, NULL);
}

/* An HTTP token (RFC 9110): what a method or a header name may consist of. */
static gboolean http_is_token(const char *text)
{
    if (text == NULL || text[0] == '\0')
        return FALSE;
    for (const char *c = text; *c != '\0'; c++)
        if (!g_ascii_isalnum(*c) && strchr("!#$%&'*+-.^_`|~", *c) == NULL)
            return FALSE;
    return TRUE;
}

/* Why the request cannot be sent as given, or NULL. libcurl writes the
 * method and headers as they are: a line break in a value (say, from a
 * payer's input a plugin copied) would add headers or a second request. */
const char *http_client_request_malformed(const TenderHttpClientRequest *request)
{
    if (request->method != NULL && !http_is_token(request->method))
        return "the method is not an HTTP token";
    if (request->n_headers > 0 && request->headers == NULL)
        return "headers missing";
    if (request->body_len > 0 && request->body == NULL)
        return "body missing";
    for (gsize i = 0; i < request->n_headers; i++) {
        const TenderHttpClientHeader *h = &request->headers[i];
        if (!http_is_token(h->name))
            return "a header name is not an HTTP token";
        if (h->value == NULL || strpbrk(h->value, "\r\n") != NULL)
            return "a header value is missing or has a line break";
    }
    return NULL;
}

TenderHttpClientResponse *http_client_send(TenderHttpClient *client,
                                                  const TenderHttpClientRequest *request,
                                                  GError **error)
{
    g_return_val_if_fail(client != NULL && request != NULL && request->url != NULL, NULL);
    gint64 remaining_ms = 0;
    if (request->deadline_ms != 0) {
        remaining_ms = request->deadline_ms - g_get_real_time() / 1000;
        if (remaining_ms <= 0) {
            g_set_error(error, TENDER_HTTP_CLIENT_ERROR, TENDER_HTTP_CLIENT_NOT_SENT,
                        "request not sent: the deadline had passed");
            return NULL;
        }
    }
    const char *bad = http_client_request_malformed(request);
    if (bad != NULL) {
        g_set_error(error, TENDER_HTTP_CLIENT_ERROR, TENDER_HTTP_CLIENT_NOT_SENT,
                    "request not sent: %s", bad);
        return NULL;
    }
    HttpHandle *handle = http_take_handle(client);
    if (handle == NULL) {
        g_set_error(error, TENDER_HTTP_CLIENT_ERROR, TENDER_HTTP_CLIENT_NOT_SENT,
                    "request not sent: libcurl handle could not be created");
        return NULL;
    }
    CURL *easy = handle->easy;
    HttpCall call = {
        .client = client,
        .easy = easy,
        .max_response = client->max_response,
        .check_reused = TRUE,
        .headers = handle->headers,
        .body = handle->body,
    };
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = http_header_list(request);
    http_configure_call(client, easy, request, &call, headers, errbuf, remaining_ms);

    HttpSigpipeGuard guard;
    if (client->guard_sigpipe)
        http_sigpipe_block(&guard);
    CURLcode code = curl_easy_perform(easy);
    if (call.stale) {
        /* Nothing was sent: go again on a new connection, within what is
         * left of the deadline. */
        gint64 left =
            request->deadline_ms != 0 ? request->deadline_ms - g_get_real_time() / 1000 : 0;
        call.stale = FALSE;
        call.check_reused = FALSE;
        errbuf[0] = '\0';
        if (request->deadline_ms == 0 || left > 0) {
            if (left > 0) {
                curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)left);
                curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                                 (long)MIN(left, (gint64)client->connect_timeout_ms));
            }
            curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
            code = curl_easy_perform(easy);
        } else {
            code = CURLE_OPERATION_TIMEDOUT;
        }
    }
    if (client->guard_sigpipe)
        http_sigpipe_restore(&guard);
    http_count_written(&call);
    long status = 0;
    if (code == CURLE_OK)
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);

    /* Nothing of this call may outlive it in the pooled handle. */
    http_unconfigure_call(easy, request);
    curl_slist_free_all(headers);

    TenderHttpClientResponse *response = NULL;
    if (code != CURLE_OK || status < 100 || status > 599) {
        if (code == CURLE_OK) /* cannot happen with HTTP/1.1, but cheap to check */
            code = CURLE_WEIRD_SERVER_REPLY;
        http_set_failure(error, &call, code, errbuf);
        http_clear_headers(call.headers);
    } else {
        /* Copied out of the handle's buffers, exactly sized; the header
         * strings change owner. */
        response = g_new0(TenderHttpClientResponse, 1);
        response->struct_size = sizeof *response;
        response->status = (int)status;
        response->n_headers = call.headers->len;
        response->headers = g_memdup2(call.headers->data,
                                      call.headers->len * sizeof(TenderHttpClientHeader));
        response->body_len = call.body->len;
        response->body = g_malloc(call.body->len + 1);
        if (call.body->len > 0)
            memcpy(response->body, call.body->data, call.body->len);
        response->body[call.body->len] = '\0';
    }
    http_return_handle(client, handle);
    return response;
}

const char *http_client_response_header(const TenderHttpClientResponse *response,
                                               const char *name)
{
    for (gsize i = 0; i < response->n_headers; i++)
        if (g_ascii_strcasecmp(response->headers[i].name, name) == 0)
            return response->headers[i].value;
    return NULL;
}

void http_client_response_free(TenderHttpClientResponse *response)
{
    if (response == NULL)
        return;
    for (gsize i = 0; i < response->n_headers; i++) {
        g_free((char *)response->headers[i].name);
        g_free((char *)response->headers[i].value);
    }
    g_free(response->headers);
    g_free(response->body);
    g_free(response);
}
