/* See http-misbehave.h. Plain POSIX sockets and threads, OpenSSL for TLS:
 * one thread accepts, one thread per connection answers. */
#include "http-misbehave.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MISBEHAVE_MAX_CONNECTIONS 64
#define MISBEHAVE_HUGE (64u * 1024 * 1024)
#define MISBEHAVE_IDLE_MS 10000
#define MISBEHAVE_TICK_MS 50

struct HttpMisbehave {
    int listen_fd;
    int port;
    SSL_CTX *tls;
    atomic_int stopping;
    atomic_int connections;
    atomic_int requests;
    atomic_size_t huge_sent;
    atomic_int duplicates_sent;
    pthread_t acceptor;
    pthread_mutex_t lock;
    pthread_t workers[MISBEHAVE_MAX_CONNECTIONS];
    int n_workers;
    char *last_request;
    char *last_client_cn; /* the CN of the last client certificate accepted */
    long listen_after_ms; /* > 0: bound now, listening only after this long */
};

typedef struct {
    HttpMisbehave *server;
    int fd;
    SSL *ssl;
    char buf[65536];
    size_t used;
} MisbehaveConn;

static long misbehave_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Waits until fd is readable, the server stops or ms pass: 1, 0 or -1. */
static int misbehave_wait_readable(MisbehaveConn *conn, long ms)
{
    if (conn->ssl != NULL && SSL_pending(conn->ssl) > 0)
        return 1;
    long until = misbehave_now_ms() + ms;
    while (!atomic_load(&conn->server->stopping)) {
        struct pollfd p = {.fd = conn->fd, .events = POLLIN};
        int r = poll(&p, 1, MISBEHAVE_TICK_MS);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
        if (misbehave_now_ms() >= until)
            return 0;
    }
    return -1;
}

static long misbehave_read(MisbehaveConn *conn, char *into, size_t n)
{
    if (misbehave_wait_readable(conn, MISBEHAVE_IDLE_MS) != 1)
        return -1;
    if (conn->ssl != NULL)
        return SSL_read(conn->ssl, into, (int)n);
    return recv(conn->fd, into, n, 0);
}

static int misbehave_write(MisbehaveConn *conn, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        long w = conn->ssl != NULL ? SSL_write(conn->ssl, p, (int)n)
                                   : send(conn->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void misbehave_sleep(HttpMisbehave *server, long ms)
{
    long until = misbehave_now_ms() + ms;
    while (!atomic_load(&server->stopping) && misbehave_now_ms() < until)
        usleep(MISBEHAVE_TICK_MS * 1000 / 5);
}

/* Reads one request into conn->buf: returns the length of head and body
 * together (path and method parsed), or -1 when the peer went away. */
static long misbehave_read_request(MisbehaveConn *conn, char *method, char *path, size_t path_size)
{
    char *end;
    while ((end = memmem(conn->buf, conn->used, "\r\n\r\n", 4)) == NULL) {
        if (conn->used == sizeof conn->buf - 1)
            return -1;
        long got = misbehave_read(conn, conn->buf + conn->used, sizeof conn->buf - 1 - conn->used);
        if (got <= 0)
            return -1;
        conn->used += (size_t)got;
    }
    size_t head = (size_t)(end - conn->buf) + 4;
    conn->buf[conn->used] = '\0';
    if (strncmp(conn->buf + strcspn(conn->buf, " "), " /close-early ", 14) == 0)
        return -1; /* before the body: the client is still writing it */
    size_t body = 0;
    const char *length = strcasestr(conn->buf, "\r\nContent-Length:");
    if (length != NULL && length < conn->buf + head)
        body = strtoul(length + 17, NULL, 10);
    if (head + body > sizeof conn->buf - 1)
        return -1;
    while (conn->used < head + body) {
        long got = misbehave_read(conn, conn->buf + conn->used, sizeof conn->buf - 1 - conn->used);
        if (got <= 0)
            return -1;
        conn->used += (size_t)got;
    }
    char fmt[32];
    snprintf(fmt, sizeof fmt, "%%15s %%%zus", path_size - 1);
    if (sscanf(conn->buf, fmt, method, path) != 2)
        return -1;
    pthread_mutex_lock(&conn->server->lock);
    free(conn->server->last_request);
    conn->server->last_request = strndup(conn->buf, head + body);
    pthread_mutex_unlock(&conn->server->lock);
    return (long)(head + body);
}

static int misbehave_answer(MisbehaveConn *conn, int status, const char *body, size_t len, int n)
{
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d Whatever\r\nContent-Type: text/plain\r\nX-Request: %d\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      status, n, len);
    if (misbehave_write(conn, head, (size_t)hl) != 0)
        return -1;
    return misbehave_write(conn, body, len);
}

static int misbehave_answer_ok(MisbehaveConn *conn, int n)
{
    char body[64];
    int len = snprintf(body, sizeof body, "reply %d", n);
    return misbehave_answer(conn, 200, body, (size_t)len, n);
}

static void misbehave_huge(MisbehaveConn *conn, int chunked)
{
    char head[160];
    int hl = chunked ? snprintf(head, sizeof head,
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                     : snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n",
                                MISBEHAVE_HUGE);
    if (misbehave_write(conn, head, (size_t)hl) != 0)
        return;
    static char block[65536];
    memset(block, 'x', sizeof block);
    for (size_t sent = 0; sent < MISBEHAVE_HUGE && !atomic_load(&conn->server->stopping);
         sent += sizeof block) {
        if (chunked && misbehave_write(conn, "10000\r\n", 7) != 0)
            return;
        if (misbehave_write(conn, block, sizeof block) != 0)
            return;
        if (chunked && misbehave_write(conn, "\r\n", 2) != 0)
            return;
        atomic_fetch_add(&conn->server->huge_sent, sizeof block);
    }
    if (chunked)
        misbehave_write(conn, "0\r\n\r\n", 5);
}

/* Answers one request; returns whether the connection stays open. */
static int misbehave_serve(MisbehaveConn *conn, const char *path, long request_len)
{
    int n = atomic_fetch_add(&conn->server->requests, 1) + 1;
    int code;
    long ms;
    if (strcmp(path, "/ok") == 0)
        return misbehave_answer_ok(conn, n) == 0;
    if (strcmp(path, "/echo") == 0) {
        const char *body = memmem(conn->buf, (size_t)request_len, "\r\n\r\n", 4) + 4;
        return misbehave_answer(conn, 200, body, (size_t)(conn->buf + request_len - body), n) == 0;
    }
    if (sscanf(path, "/status/%d", &code) == 1 && code >= 100 && code <= 599)
        return misbehave_answer(conn, code, "status", 6, n) == 0;
    if (sscanf(path, "/delay/%ld", &ms) == 1) {
        misbehave_sleep(conn->server, ms);
        return misbehave_answer_ok(conn, n) == 0;
    }
    if (strcmp(path, "/silent") == 0) {
        /* Until the client gives up (readable: its close) or the cap. */
        misbehave_wait_readable(conn, MISBEHAVE_IDLE_MS);
        return 0;
    }
    if (strcmp(path, "/close") == 0)
        return 0;
    if (strcmp(path, "/reset") == 0) {
        struct linger hard = {.l_onoff = 1, .l_linger = 0};
        setsockopt(conn->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        return 0;
    }
    if (strcmp(path, "/garbage") == 0) {
        const char junk[] = "\x16\x03\x01 this is not HTTP at all\r\n\r\n\xff\xfe";
        misbehave_write(conn, junk, sizeof junk - 1);
        return 0;
    }
    if (strcmp(path, "/truncate") == 0) {
        const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly these";
        misbehave_write(conn, part, sizeof part - 1);
        return 0;
    }
    if (strcmp(path, "/huge") == 0 || strcmp(path, "/huge-length") == 0) {
        misbehave_huge(conn, strcmp(path, "/huge") == 0);
        return 0;
    }
    if (strcmp(path, "/duplicate") == 0) {
        if (misbehave_answer_ok(conn, n) != 0)
            return 0;
        misbehave_sleep(conn->server, 20);
        int sent = misbehave_answer_ok(conn, n) == 0;
        atomic_fetch_add(&conn->server->duplicates_sent, sent);
        return sent;
    }
    return misbehave_answer(conn, 404, "not found", 9, n) == 0;
}

static void *misbehave_connection(void *data)
{
    MisbehaveConn *conn = data;
    struct timeval backstop = {.tv_sec = 2};
    setsockopt(conn->fd, SOL_SOCKET, SO_RCVTIMEO, &backstop, sizeof backstop);
    setsockopt(conn->fd, SOL_SOCKET, SO_SNDTIMEO, &backstop, sizeof backstop);
    int open = 1;
    if (conn->server->tls != NULL) {
        conn->ssl = SSL_new(conn->server->tls);
        SSL_set_fd(conn->ssl, conn->fd);
        open = SSL_accept(conn->ssl) == 1;
        X509 *peer = open ? SSL_get1_peer_certificate(conn->ssl) : NULL;
        if (peer != NULL) {
            char cn[256] = "";
            X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
            pthread_mutex_lock(&conn->server->lock);
            free(conn->server->last_client_cn);
            conn->server->last_client_cn = strdup(cn);
            pthread_mutex_unlock(&conn->server->lock);
            X509_free(peer);
        }
    }
    while (open && !atomic_load(&conn->server->stopping)) {
        char method[16], path[256];
        long len = misbehave_read_request(conn, method, path, sizeof path);
        if (len < 0)
            break;
        open = misbehave_serve(conn, path, len);
        memmove(conn->buf, conn->buf + len, conn->used - (size_t)len);
        conn->used -= (size_t)len;
    }
    if (conn->ssl != NULL) {
        SSL_free(conn->ssl);
    }
    close(conn->fd);
    free(conn);
    return NULL;
}

static void *misbehave_accept(void *data)
{
    HttpMisbehave *server = data;
    /* OpenSSL writes with write(): a client that went away would raise
     * SIGPIPE. Blocked here, and in the connection threads, which inherit
     * the mask; a pending thread-directed signal dies with its thread. */
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);
    /* Until listen(), the bound socket refuses every connection, as a
     * provider that is down does; then it comes up on the same port. */
    if (server->listen_after_ms > 0) {
        misbehave_sleep(server, server->listen_after_ms);
        listen(server->listen_fd, 64);
    }
    while (!atomic_load(&server->stopping)) {
        struct pollfd p = {.fd = server->listen_fd, .events = POLLIN};
        if (poll(&p, 1, MISBEHAVE_TICK_MS) <= 0)
            continue;
        int fd = accept(server->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        /* An answer is written head then body: without this, Nagle holds the
         * body until the client's delayed ACK (~40 ms a request). */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_mutex_lock(&server->lock);
        if (server->n_workers == MISBEHAVE_MAX_CONNECTIONS) {
            pthread_mutex_unlock(&server->lock);
            close(fd);
            continue;
        }
        atomic_fetch_add(&server->connections, 1);
        MisbehaveConn *conn = calloc(1, sizeof *conn);
        conn->server = server;
        conn->fd = fd;
        pthread_create(&server->workers[server->n_workers++], NULL, misbehave_connection, conn);
        pthread_mutex_unlock(&server->lock);
    }
    return NULL;
}

static HttpMisbehave *misbehave_start(int ipv6, const char *cert_file, const char *key_file,
                                      const char *client_ca_file, long listen_after_ms)
{
    HttpMisbehave *server = calloc(1, sizeof *server);
    pthread_mutex_init(&server->lock, NULL);
    if (cert_file != NULL) {
        server->tls = SSL_CTX_new(TLS_server_method());
        if (client_ca_file != NULL) {
            /* A client without a certificate of this CA (or with an expired
             * one) fails the handshake: nothing of its request is read. */
            SSL_CTX_set_verify(server->tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                               NULL);
            if (SSL_CTX_load_verify_locations(server->tls, client_ca_file, NULL) != 1) {
                SSL_CTX_free(server->tls);
                free(server);
                return NULL;
            }
        }
        if (SSL_CTX_use_certificate_chain_file(server->tls, cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(server->tls, key_file, SSL_FILETYPE_PEM) != 1) {
            SSL_CTX_free(server->tls);
            free(server);
            return NULL;
        }
    }
    struct sockaddr_storage addr = {0};
    socklen_t len;
    if (ipv6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addr;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&addr;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    server->listen_fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server->listen_fd < 0 || bind(server->listen_fd, (struct sockaddr *)&addr, len) != 0 ||
        (listen_after_ms <= 0 && listen(server->listen_fd, 64) != 0) ||
        getsockname(server->listen_fd, (struct sockaddr *)&addr, &len) != 0) {
        if (server->listen_fd >= 0)
            close(server->listen_fd);
        SSL_CTX_free(server->tls);
        free(server);
        return NULL;
    }
    server->port = ntohs(ipv6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
                              : ((struct sockaddr_in *)&addr)->sin_port);
    server->listen_after_ms = listen_after_ms;
    pthread_create(&server->acceptor, NULL, misbehave_accept, server);
    return server;
}

HttpMisbehave *http_misbehave_start(int ipv6, const char *cert_file, const char *key_file)
{
    return misbehave_start(ipv6, cert_file, key_file, NULL, 0);
}

HttpMisbehave *http_misbehave_start_client_auth(const char *cert_file, const char *key_file,
                                                const char *client_ca_file)
{
    return misbehave_start(0, cert_file, key_file, client_ca_file, 0);
}

char *http_misbehave_last_client_cn(HttpMisbehave *server)
{
    pthread_mutex_lock(&server->lock);
    char *cn = server->last_client_cn ? strdup(server->last_client_cn) : NULL;
    pthread_mutex_unlock(&server->lock);
    return cn;
}

HttpMisbehave *http_misbehave_start_listening_after(long ms)
{
    return misbehave_start(0, NULL, NULL, NULL, ms);
}

void http_misbehave_stop(HttpMisbehave *server)
{
    if (server == NULL)
        return;
    atomic_store(&server->stopping, 1);
    pthread_join(server->acceptor, NULL);
    for (int i = 0; i < server->n_workers; i++)
        pthread_join(server->workers[i], NULL);
    close(server->listen_fd);
    SSL_CTX_free(server->tls);
    pthread_mutex_destroy(&server->lock);
    free(server->last_request);
    free(server->last_client_cn);
    free(server);
}

int http_misbehave_port(const HttpMisbehave *server)
{
    return server->port;
}

int http_misbehave_connections(const HttpMisbehave *server)
{
    return atomic_load(&((HttpMisbehave *)server)->connections);
}

int http_misbehave_requests(const HttpMisbehave *server)
{
    return atomic_load(&((HttpMisbehave *)server)->requests);
}

size_t http_misbehave_huge_bytes_sent(const HttpMisbehave *server)
{
    return atomic_load(&((HttpMisbehave *)server)->huge_sent);
}

int http_misbehave_duplicates_sent(const HttpMisbehave *server)
{
    return atomic_load(&((HttpMisbehave *)server)->duplicates_sent);
}

char *http_misbehave_last_request(HttpMisbehave *server)
{
    pthread_mutex_lock(&server->lock);
    char *copy = server->last_request != NULL ? strdup(server->last_request) : NULL;
    pthread_mutex_unlock(&server->lock);
    return copy;
}

int http_misbehave_refused_port(int *fd_out)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *fd_out = fd;
    return ntohs(a.sin_port);
}

int http_misbehave_make_certificate(const char *cert_file, const char *key_file,
                                    const char *alt_names)
{
    int rc = -1;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *cert = X509_new();
    X509_EXTENSION *san = NULL;
    FILE *out = NULL;
    if (key == NULL || cert == NULL)
        goto done;
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)time(NULL));
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
                              alt_names != NULL ? alt_names : "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (san == NULL || !X509_add_ext(cert, san, -1) || !X509_sign(cert, key, EVP_sha256()))
        goto done;
    out = fopen(cert_file, "w");
    if (out == NULL || !PEM_write_X509(out, cert))
        goto done;
    fclose(out);
    out = fopen(key_file, "w");
    if (out == NULL || !PEM_write_PrivateKey(out, key, NULL, NULL, 0, NULL, NULL))
        goto done;
    rc = 0;
done:
    if (out != NULL)
        fclose(out);
    X509_EXTENSION_free(san);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}
