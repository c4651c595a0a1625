/* The HTTP side of tenderd on libsoup 3: limits checked as soon as the
 * headers are in (body size, header count), slow clients dropped, a request
 * id on every answer, routes answered on worker threads, one JSON log line
 * per request, and the drain on SIGTERM.
 *
 * Threads: a few I/O loops, each a thread with its own main context and
 * SoupServer listening on the same address (SO_REUSEPORT: the kernel
 * spreads new connections over them), so reading and writing HTTP is not
 * one thread's work. A connection stays on its loop. A request that
 * reaches a route is paused, copied into a ServiceRequest and handed to the
 * worker pool, since the host API blocks (plugins, the ledger). The
 * worker's response comes back to the request's loop through
 * g_main_context_invoke, which sets it on the message and unpauses it. The
 * caller's (main) thread only handles signals and the drain. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <gio/gnetworking.h>
#include <libsoup/soup.h>

#include "service.h"

/* One thread serving HTTP: its own main context and SoupServer. */
typedef struct {
    ServiceServer *server;
    GMainContext *context;
    GMainLoop *loop;
    SoupServer *soup;
    GThread *thread; /* NULL until started */
} IoLoop;

struct ServiceServer {
    Service *svc;
    IoLoop *loops;
    guint n_loops;
    GThreadPool *pool;
    gint in_flight; /* atomic: requests handed to a worker and not yet sent */
    gint draining;  /* atomic */
    GMainLoop *drain_loop; /* quit when the last request in flight is sent */
    guint drain_timeout;   /* on the caller's (main) context */
};

/* What the server keeps about one message, as its "tenderd-request" data. */
typedef struct {
    ServiceServer *server;
    char *request_id;
    const char *route;
    gint64 start_us;
    GSource *slow_timer; /* drops the client unless its request is read in time */
    gboolean dispatched; /* counted in in_flight */
    gint64 body_bytes;   /* read so far; -1 once over the cap */
    char *key_id;
    gboolean replayed;
    char *error_type;
} MessageState;

typedef struct {
    ServiceServer *server;
    IoLoop *io;             /* the loop the request came on */
    SoupServerMessage *msg; /* a reference; touched on io's thread only */
    const Route *route;
    ServiceRequest req;
    ServiceResponse resp;
} Job;

/* Timers are attached to the loop's own context, so they are cancelled by
 * their GSource, not by an id (ids name sources of the global context). */
static void server_cancel_slow_timer(MessageState *st)
{
    if (st->slow_timer == NULL)
        return;
    g_source_destroy(st->slow_timer);
    g_clear_pointer(&st->slow_timer, g_source_unref);
}

static void message_state_free(gpointer data)
{
    MessageState *st = data;
    server_cancel_slow_timer(st);
    g_free(st->request_id);
    g_free(st->key_id);
    g_free(st->error_type);
    g_free(st);
}

static MessageState *state_of(SoupServerMessage *msg)
{
    return g_object_get_data(G_OBJECT(msg), "tenderd-request");
}

/* ---- answering ---------------------------------------------------------------- */

static void send_response(SoupServerMessage *msg, ServiceResponse *resp)
{
    MessageState *st = state_of(msg);
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    soup_server_message_set_status(msg, resp->status ? resp->status : 500, NULL);
    if (st)
        soup_message_headers_replace(headers, "Request-Id", st->request_id);
    for (guint i = 0; resp->headers && i + 1 < resp->headers->len; i += 2)
        soup_message_headers_replace(headers, g_ptr_array_index(resp->headers, i),
                                     g_ptr_array_index(resp->headers, i + 1));
    gsize len = 0;
    const char *data = resp->body ? g_bytes_get_data(resp->body, &len) : "";
    soup_server_message_set_response(msg,
                                     resp->content_type ? resp->content_type : "application/json",
                                     SOUP_MEMORY_COPY, data, len);
    if (st) {
        st->replayed = resp->replayed;
        g_free(st->error_type);
        st->error_type = g_strdup(resp->error_type);
    }
}

/* An answer made on the loop's thread (limits, unknown routes, draining). */
static void answer_now(SoupServerMessage *msg, guint status, const char *type, const char *code,
                       const char *message, const char *param)
{
    ServiceResponse resp = {0};
    service_error(&resp, status, type, code, message, param, NULL);
    send_response(msg, &resp);
    service_response_clear(&resp);
}

/* ---- workers -------------------------------------------------------------------- */

static void job_free(Job *job)
{
    ServiceRequest *r = &job->req;
    g_free(r->method);
    g_free(r->path);
    if (r->query)
        g_hash_table_unref(r->query);
    if (r->headers)
        g_ptr_array_unref(r->headers);
    if (r->body)
        g_bytes_unref(r->body);
    g_free(r->request_id);
    g_free(r->path_arg);
    tender_api_key_free(r->key);
    service_response_clear(&job->resp);
    g_object_unref(job->msg);
    g_free(job);
}

/* Back on the request's loop: send what the worker answered. */
static gboolean job_done(gpointer data)
{
    Job *job = data;
    MessageState *st = state_of(job->msg);
    if (st && job->req.key)
        st->key_id = g_strdup(job->req.key->id);
    send_response(job->msg, &job->resp);
    soup_server_message_unpause(job->msg);
    job_free(job);
    return G_SOURCE_REMOVE;
}

static void work(gpointer data, gpointer user_data)
{
    Job *job = data;
    (void)user_data;
    Service *svc = job->server->svc;
    if (service_authenticate(svc, &job->req, job->route->access, &job->resp))
        idempotency_run(svc, job->route, &job->req, &job->resp);
    g_main_context_invoke(job->io->context, job_done, job);
}

static void free_header(gpointer data)
{
    tender_param *h = data;
    g_free((char *)h->key);
    g_free((char *)h->value);
    g_free(h);
}

static void copy_header(const char *name, const char *value, gpointer user_data)
{
    tender_param *h = g_new(tender_param, 1);
    h->key = g_strdup(name);
    h->value = g_strdup(value);
    g_ptr_array_add(user_data, h);
}

/* ---- the request's life --------------------------------------------------------- */

static gboolean drop_slow_client(gpointer data)
{
    SoupServerMessage *msg = data;
    MessageState *st = state_of(msg);
    if (st) /* the source is being destroyed by its G_SOURCE_REMOVE */
        g_clear_pointer(&st->slow_timer, g_source_unref);
    /* The request was not read in time: close the connection under it.
     * libsoup sees the end of the stream and lets the message go. */
    GSocket *socket = soup_server_message_get_socket(msg);
    if (socket)
        g_socket_shutdown(socket, TRUE, TRUE, NULL);
    service_log("warning", "client too slow: connection closed", "request_id",
                st ? st->request_id : NULL, NULL);
    return G_SOURCE_REMOVE;
}

static void body_read(SoupServerMessage *msg, gpointer user_data)
{
    (void)user_data;
    MessageState *st = state_of(msg);
    if (st)
        server_cancel_slow_timer(st);
}

/* A body without Content-Length (chunked) is refused as it grows past the
 * cap: the connection is closed under it, so it is never held whole. */
static void chunk_read(SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
    ServiceServer *server = ((IoLoop *)user_data)->server;
    MessageState *st = state_of(msg);
    /* A body with a Content-Length over the cap was answered 413 before it
     * was read (early_handler); only a chunked one is counted here. */
    if (st == NULL || st->body_bytes < 0 || soup_server_message_get_status(msg) != 0 ||
        soup_message_headers_get_encoding(soup_server_message_get_request_headers(msg)) !=
            SOUP_ENCODING_CHUNKED)
        return;
    st->body_bytes += (gint64)g_bytes_get_size(chunk);
    if (st->body_bytes <= server->svc->max_body_bytes)
        return;
    st->body_bytes = -1;
    GSocket *socket = soup_server_message_get_socket(msg);
    if (socket)
        g_socket_shutdown(socket, TRUE, TRUE, NULL);
    service_log("warning", "request body over the cap: connection closed", "request_id",
                st->request_id, NULL);
}

static void request_started(SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
    (void)soup;
    IoLoop *io = data;
    ServiceServer *server = io->server;
    MessageState *st = g_new0(MessageState, 1);
    st->server = server;
    st->start_us = g_get_monotonic_time();
    g_autofree char *uuid = g_uuid_string_random();
    st->request_id = g_strdup_printf("req_%s", uuid);
    g_object_set_data_full(G_OBJECT(msg), "tenderd-request", st, message_state_free);
    if (server->svc->client_timeout_ms > 0) {
        st->slow_timer = g_timeout_source_new((guint)server->svc->client_timeout_ms);
        g_source_set_callback(st->slow_timer, drop_slow_client, g_object_ref(msg),
                              g_object_unref);
        g_source_attach(st->slow_timer, io->context);
    }
    g_signal_connect(msg, "got-body", G_CALLBACK(body_read), NULL);
    g_signal_connect(msg, "got-chunk", G_CALLBACK(chunk_read), io);
}

/* Any thread: quit the drain's loop once nothing is in flight. */
static void check_drained(ServiceServer *server)
{
    if (g_atomic_int_get(&server->draining) && g_atomic_int_get(&server->in_flight) == 0)
        g_main_loop_quit(server->drain_loop);
}

static void request_done(SoupServer *soup, SoupServerMessage *msg, gpointer data, gboolean aborted)
{
    (void)soup;
    ServiceServer *server = ((IoLoop *)data)->server;
    MessageState *st = state_of(msg);
    if (st == NULL)
        return;
    server_cancel_slow_timer(st);
    /* A connection that closed before it sent a request is no request. */
    if (soup_server_message_get_method(msg) != NULL || aborted) {
        guint status = soup_server_message_get_status(msg);
        metrics_count_request(server->svc->metrics, st->route, status);
        JsonObject *fields = json_object_new();
        json_object_set_string_member(fields, "request_id", st->request_id);
        const char *method = soup_server_message_get_method(msg);
        GUri *uri = soup_server_message_get_uri(msg);
        if (method)
            json_object_set_string_member(fields, "method", method);
        if (uri)
            json_object_set_string_member(fields, "path", g_uri_get_path(uri));
        if (st->route)
            json_object_set_string_member(fields, "route", st->route);
        json_object_set_int_member(fields, "status", status);
        json_object_set_double_member(fields, "duration_ms",
                                      (double)(g_get_monotonic_time() - st->start_us) / 1000.0);
        if (st->key_id)
            json_object_set_string_member(fields, "api_key", st->key_id);
        if (st->replayed)
            json_object_set_boolean_member(fields, "idempotent_replay", TRUE);
        if (st->error_type)
            json_object_set_string_member(fields, "error_type", st->error_type);
        if (aborted)
            json_object_set_boolean_member(fields, "aborted", TRUE);
        service_log_object(aborted ? "warning" : "info", "request", fields);
    }
    if (st->dispatched) {
        st->dispatched = FALSE;
        if (g_atomic_int_dec_and_test(&server->in_flight))
            check_drained(server);
    }
}

static void request_finished(SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
    request_done(soup, msg, data, FALSE);
}

static void request_aborted(SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
    request_done(soup, msg, data, TRUE);
}

static void count_header(const char *name, const char *value, gpointer user_data)
{
    (void)name;
    (void)value;
    (*(guint *)user_data)++;
}

/* After the headers, before the body: refuse what is too big now, so a
 * huge body is never read. A body sent without Content-Length (chunked) is
 * checked once read. */
static void early_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                          GHashTable *query, gpointer data)
{
    (void)soup;
    (void)path;
    (void)query;
    ServiceServer *server = ((IoLoop *)data)->server;
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
    guint count = 0;
    soup_message_headers_foreach(headers, count_header, &count);
    if (count > server->svc->max_headers) {
        g_autofree char *message =
            g_strdup_printf("the request has %u header lines; at most %u are accepted", count,
                            server->svc->max_headers);
        answer_now(msg, 431, "invalid_request_error", "too_many_headers", message, NULL);
        return;
    }
    goffset length = soup_message_headers_get_content_length(headers);
    if (length > server->svc->max_body_bytes) {
        g_autofree char *message = g_strdup_printf(
            "the body is %" G_GOFFSET_FORMAT " bytes; at most %" G_GINT64_FORMAT " are accepted",
            length, server->svc->max_body_bytes);
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                     "close");
        answer_now(msg, 413, "invalid_request_error", "body_too_large", message, NULL);
    }
}

static void handler(SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                    gpointer data)
{
    (void)soup;
    IoLoop *io = data;
    ServiceServer *server = io->server;
    MessageState *st = state_of(msg);
    const char *method = soup_server_message_get_method(msg);
    /* The whole request is in: the client was not too slow, whatever
     * signals a bodiless request gets. */
    if (st)
        server_cancel_slow_timer(st);
    if (g_atomic_int_get(&server->draining)) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                     "close");
        answer_now(msg, 503, "api_error", "shutting_down",
                   "the service is shutting down; try again", NULL);
        return;
    }
    char *path_arg = NULL;
    gboolean wrong_method = FALSE;
    const Route *route = service_route_find(method, path, &path_arg, &wrong_method);
    if (route == NULL) {
        if (wrong_method)
            answer_now(msg, 405, "invalid_request_error", "method_not_allowed",
                       "this path does not take that HTTP method", NULL);
        else
            answer_now(msg, 404, "invalid_request_error", "route_unknown",
                       "no such route (GET /v1/openapi.json lists them)", NULL);
        return;
    }
    if (st)
        st->route = route->pattern;
    SoupMessageBody *body = soup_server_message_get_request_body(msg);
    GBytes *bytes = soup_message_body_flatten(body);
    if ((gint64)g_bytes_get_size(bytes) > server->svc->max_body_bytes) {
        g_bytes_unref(bytes);
        g_free(path_arg);
        g_autofree char *message = g_strdup_printf(
            "the body is larger than %" G_GINT64_FORMAT " bytes", server->svc->max_body_bytes);
        answer_now(msg, 413, "invalid_request_error", "body_too_large", message, NULL);
        return;
    }
    /* Count this request in before looking, so that loops admitting at
     * the same moment cannot together pass the cap. */
    if ((guint)g_atomic_int_add(&server->in_flight, 1) >= server->svc->max_in_flight) {
        if (g_atomic_int_dec_and_test(&server->in_flight))
            check_drained(server);
        g_bytes_unref(bytes);
        g_free(path_arg);
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
                                     "1");
        answer_now(msg, 429, "rate_limit_error", "too_many_requests",
                   "too many requests in flight; retry shortly", NULL);
        return;
    }
    Job *job = g_new0(Job, 1);
    job->server = server;
    job->io = io;
    job->msg = g_object_ref(msg);
    job->route = route;
    job->req.method = g_strdup(method);
    job->req.path = g_strdup(path);
    job->req.query = query ? g_hash_table_ref(query) : NULL;
    job->req.headers = g_ptr_array_new_with_free_func(free_header);
    soup_message_headers_foreach(soup_server_message_get_request_headers(msg), copy_header,
                                 job->req.headers);
    job->req.body = bytes;
    job->req.request_id = g_strdup(st ? st->request_id : "");
    job->req.route = route->pattern;
    job->req.path_arg = path_arg;
    if (st)
        st->dispatched = TRUE;
    else if (g_atomic_int_dec_and_test(&server->in_flight))
        check_drained(server); /* not counted: nothing would count it out */
    soup_server_message_pause(msg);
    g_thread_pool_push(server->pool, job, NULL);
}

/* ---- the server ----------------------------------------------------------------- */

/* I/O loops: one per processor, at least two (a loop busy writing a large
 * answer does not hold up the others), at most eight. */
#define IO_LOOPS_MIN 2
#define IO_LOOPS_MAX 8

ServiceServer *service_server_new(Service *svc)
{
    ServiceServer *server = g_new0(ServiceServer, 1);
    server->svc = svc;
    /* One worker for every request that may be in flight: a worker spends
     * most of its time blocked (the plugin's answer, the ledger's flush), so
     * a smaller pool would queue requests behind blocked ones, and the
     * ledger's group commit batches only the requests that reach it
     * together. Threads are started as requests come. */
    server->pool = g_thread_pool_new(work, NULL, (gint)svc->max_in_flight, FALSE, NULL);
    server->n_loops = CLAMP(g_get_num_processors(), IO_LOOPS_MIN, IO_LOOPS_MAX);
    server->loops = g_new0(IoLoop, server->n_loops);
    for (guint i = 0; i < server->n_loops; i++) {
        IoLoop *io = &server->loops[i];
        io->server = server;
        io->context = g_main_context_new();
        io->loop = g_main_loop_new(io->context, FALSE);
        io->soup = soup_server_new("server-header", "tenderd ", NULL);
        soup_server_add_early_handler(io->soup, NULL, early_handler, io, NULL);
        soup_server_add_handler(io->soup, NULL, handler, io, NULL);
        g_signal_connect(io->soup, "request-started", G_CALLBACK(request_started), io);
        g_signal_connect(io->soup, "request-finished", G_CALLBACK(request_finished), io);
        g_signal_connect(io->soup, "request-aborted", G_CALLBACK(request_aborted), io);
    }
    return server;
}

/* A listening socket on address that other sockets may share
 * (SO_REUSEPORT), as libsoup would make one otherwise. bind(2) is called
 * directly: g_socket_bind clears SO_REUSEPORT on stream sockets. */
static GSocket *server_listening_socket(GSocketAddress *address, GError **error)
{
    GSocketFamily family = g_socket_address_get_family(address);
    g_autoptr(GSocket) socket =
        g_socket_new(family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
    if (socket == NULL)
        return NULL;
    if (family == G_SOCKET_FAMILY_IPV6)
        g_socket_set_option(socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
    if (!g_socket_set_option(socket, SOL_SOCKET, SO_REUSEADDR, TRUE, error) ||
        !g_socket_set_option(socket, SOL_SOCKET, SO_REUSEPORT, TRUE, error))
        return NULL;
    struct sockaddr_storage native;
    gssize len = g_socket_address_get_native_size(address);
    if (len < 0 || !g_socket_address_to_native(address, &native, sizeof native, error))
        return NULL;
    if (bind(g_socket_get_fd(socket), (struct sockaddr *)&native, (socklen_t)len) != 0) {
        int saved = errno;
        g_autofree char *shown =
            g_socket_connectable_to_string(G_SOCKET_CONNECTABLE(address));
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                    "Error binding to address %s: %s", shown, g_strerror(saved));
        return NULL;
    }
    if (!g_socket_listen(socket, error))
        return NULL;
    return g_steal_pointer(&socket);
}

/* Whether address can be listened on by this process alone. SO_REUSEPORT
 * would let our sockets join those of another tenderd (same user) already
 * on the port, and the two would share its connections; a plain bind,
 * which a listening socket refuses, finds it first. (Its socket is closed
 * at once: another process could still take the port in between, as with
 * any bind.) */
static gboolean server_port_free(GSocketAddress *address, GError **error)
{
    g_autoptr(GSocket) probe = g_socket_new(g_socket_address_get_family(address),
                                            G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
    return probe != NULL && g_socket_bind(probe, address, TRUE, error);
}

/* The loop's SoupServer takes socket; its sources belong to the loop's
 * context, so it is made the thread-default while libsoup attaches them. */
static gboolean server_loop_listen(IoLoop *io, GSocket *socket, GError **error)
{
    g_main_context_push_thread_default(io->context);
    gboolean ok = soup_server_listen_socket(io->soup, socket, 0, error);
    g_main_context_pop_thread_default(io->context);
    return ok;
}

static gpointer server_loop_run(gpointer data)
{
    IoLoop *io = data;
    /* Connections accepted here attach their sources to the thread-default
     * context. */
    g_main_context_push_thread_default(io->context);
    g_main_loop_run(io->loop);
    g_main_context_pop_thread_default(io->context);
    return NULL;
}

static gboolean server_loop_quit(gpointer data)
{
    g_main_loop_quit(((IoLoop *)data)->loop);
    return G_SOURCE_REMOVE;
}

gboolean service_server_listen(ServiceServer *server, const char *listen, char **base_url_out,
                               GError **error)
{
    const char *colon = strrchr(listen, ':');
    guint64 port = 0;
    if (colon == NULL || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--listen expects ADDR:PORT, got '%s'", listen);
        return FALSE;
    }
    g_autofree char *host = g_strndup(listen, (gsize)(colon - listen));
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host) - 2);
        host[strlen(host) - 2] = '\0';
    }
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string(host, (guint)port);
    if (address == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--listen: '%s' is not an IP address", host);
        return FALSE;
    }
    if (port != 0 && !server_port_free(address, error))
        return FALSE;
    for (guint i = 0; i < server->n_loops; i++) {
        g_autoptr(GSocket) socket = server_listening_socket(address, error);
        if (socket == NULL || !server_loop_listen(&server->loops[i], socket, error))
            return FALSE;
        if (i == 0 && port == 0) {
            /* The other loops listen on the port the first one was given. */
            g_object_unref(address);
            address = g_socket_get_local_address(socket, error);
            if (address == NULL)
                return FALSE;
        }
    }
    GSList *uris = soup_server_get_uris(server->loops[0].soup);
    if (uris == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the server listens nowhere");
        return FALSE;
    }
    GUri *uri = uris->data;
    g_autofree char *shown = g_uri_to_string(uri);
    /* Without the trailing slash: clients append "/v1/…". */
    if (g_str_has_suffix(shown, "/"))
        shown[strlen(shown) - 1] = '\0';
    *base_url_out = g_steal_pointer(&shown);
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    for (guint i = 0; i < server->n_loops; i++)
        server->loops[i].thread = g_thread_new("tenderd-io", server_loop_run, &server->loops[i]);
    return TRUE;
}

static gboolean drain_deadline(gpointer data)
{
    ServiceServer *server = data;
    server->drain_timeout = 0;
    service_log("warning", "drain deadline passed with requests in flight", NULL);
    g_main_loop_quit(server->drain_loop);
    return G_SOURCE_REMOVE;
}

/* Stop listening: a client that connects now is refused by the kernel at
 * once (and a load balancer moves on), while the connections already open
 * keep being served. Shutting a listening socket down makes Linux stop
 * listening on it; libsoup's accept then fails and its listener stops
 * watching. The descriptor is closed with the server. */
static void server_stop_listening(ServiceServer *server)
{
    for (guint i = 0; i < server->n_loops; i++) {
        GSList *listeners = soup_server_get_listeners(server->loops[i].soup);
        for (GSList *l = listeners; l; l = l->next) {
            GError *error = NULL;
            if (!g_socket_shutdown(l->data, TRUE, TRUE, &error)) {
                service_log("warning", "cannot stop listening", "error", error->message, NULL);
                g_error_free(error);
            }
        }
        g_slist_free(listeners);
    }
}

void service_server_drain(ServiceServer *server, GMainLoop *loop, gint64 deadline_ms)
{
    if (g_atomic_int_get(&server->draining))
        return;
    server->drain_loop = g_main_loop_ref(loop);
    g_atomic_int_set(&server->draining, TRUE);
    server_stop_listening(server);
    server->drain_timeout = g_timeout_add((guint)deadline_ms, drain_deadline, server);
    check_drained(server);
}

void service_server_free(ServiceServer *server)
{
    if (server == NULL)
        return;
    if (server->drain_timeout)
        g_source_remove(server->drain_timeout);
    for (guint i = 0; i < server->n_loops; i++) {
        IoLoop *io = &server->loops[i];
        if (io->thread) {
            /* Quit from inside the loop: a quit that came before its thread
             * reached g_main_loop_run would be lost. */
            g_main_context_invoke(io->context, server_loop_quit, io);
            g_thread_join(io->thread);
        }
    }
    /* Workers finish what they hold; their answers are not sent any more. */
    g_thread_pool_free(server->pool, FALSE, TRUE);
    for (guint i = 0; i < server->n_loops; i++) {
        IoLoop *io = &server->loops[i];
        g_main_context_push_thread_default(io->context);
        soup_server_disconnect(io->soup);
        g_object_unref(io->soup);
        g_main_context_pop_thread_default(io->context);
        g_main_loop_unref(io->loop);
        g_main_context_unref(io->context);
    }
    if (server->drain_loop)
        g_main_loop_unref(server->drain_loop);
    g_free(server->loops);
    g_free(server);
}
