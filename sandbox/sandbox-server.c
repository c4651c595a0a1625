/* The server: one SoupServer, the routes the providers registered, the
 * control endpoints under /_sandbox/, and the fault layer every provider
 * request passes through before its handler sees it.
 *
 * SoupServer's own path matching is not used for providers: the frame keeps
 * a table of prefixes and picks the longest that matches, so that a request
 * is known to belong to a provider (for its faults) before anything else
 * happens, and an unknown path gets the same JSON 404 wherever it is. */
#include <string.h>

#include "sandbox-private.h"

typedef struct {
    char *path; /* "/card" or a longer path under a provider's prefix */
    const SandboxProvider *provider;
    SoupServerCallback handler;
    gpointer user_data;
} Route;

struct SandboxServer {
    SandboxOptions options;
    const SandboxProvider *const *providers;
    guint n_providers;
    SoupServer *server;
    char *base_url;
    GPtrArray *routes; /* of Route*, registration order */
    const SandboxProvider *installing;
    SandboxStateStore *state;
    SandboxFaultTable *faults;
    SandboxNotifier *notifier;
    guint save_source;
    GList *delayed; /* of Delayed*: requests the latency fault holds */
    GTlsCertificate *client_ca; /* --client-ca, or NULL */
};

static void sandbox_remember_peer(SandboxServer *sb, SoupServerMessage *msg);

/* A provider request held back by the latency fault. */
typedef struct {
    SandboxServer *sb;
    SoupServerMessage *msg; /* a reference */
    Route *route;
    guint source;
} Delayed;

static void route_free(gpointer data)
{
    Route *route = data;
    g_free(route->path);
    g_free(route);
}

/* ---- Answers ------------------------------------------------------------ */

void sandbox_respond(SoupServerMessage *msg, guint status, const char *content_type,
                     const char *body, gsize len)
{
    soup_server_message_set_status(msg, status, NULL);
    soup_server_message_set_response(msg, content_type, SOUP_MEMORY_COPY, body, len);
}

void sandbox_respond_json(SoupServerMessage *msg, guint status, JsonNode *node)
{
    g_autofree char *text = json_to_string(node, FALSE);
    sandbox_respond(msg, status, "application/json", text, strlen(text));
}

/* {"error": {"code": code, "message": message}} with status. */
static void respond_error(SoupServerMessage *msg, guint status, const char *code,
                          const char *message)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "code");
    json_builder_add_string_value(b, code);
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    json_builder_end_object(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    sandbox_respond_json(msg, status, node);
}

const char *sandbox_request_body(SoupServerMessage *msg, gsize *len)
{
    SoupMessageBody *body = soup_server_message_get_request_body(msg);
    /* Flattening a SoupMessageBody yields a buffer that ends with a NUL
     * byte not counted in its length (libsoup documents this), so the
     * text may be used as a C string. */
    GBytes *flat = soup_message_body_flatten(body);
    g_bytes_unref(flat);
    if (len)
        *len = (gsize)body->length;
    return body->data ? body->data : "";
}

/* ---- Routing ------------------------------------------------------------ */

void sandbox_add_handler(SandboxServer *sb, const char *path, SoupServerCallback handler,
                         gpointer user_data)
{
    g_return_if_fail(path != NULL && path[0] == '/' && handler != NULL);
    Route *route = g_new0(Route, 1);
    route->path = g_strdup(path);
    /* Trailing slashes are not significant: "/card/" and "/card" are one
     * route, matching "/card" and everything under "/card/". */
    gsize n = strlen(route->path);
    while (n > 1 && route->path[n - 1] == '/')
        route->path[--n] = '\0';
    route->provider = sb->installing;
    if (route->provider && route->provider->prefix &&
        !g_str_has_prefix(route->path, route->provider->prefix))
        sandbox_log(route->provider->name, "route %s lies outside the prefix %s", route->path,
                    route->provider->prefix);
    route->handler = handler;
    route->user_data = user_data;
    g_ptr_array_add(sb->routes, route);
}

static gboolean route_matches(const Route *route, const char *path)
{
    gsize n = strlen(route->path);
    if (strncmp(path, route->path, n) != 0)
        return FALSE;
    return path[n] == '\0' || path[n] == '/' || (n == 1 && route->path[0] == '/');
}

/* The longest matching route, or NULL. */
static Route *route_find(SandboxServer *sb, const char *path)
{
    Route *best = NULL;
    for (guint i = 0; i < sb->routes->len; i++) {
        Route *route = g_ptr_array_index(sb->routes, i);
        if (route_matches(route, path) &&
            (best == NULL || strlen(route->path) > strlen(best->path)))
            best = route;
    }
    return best;
}

static const char *route_provider_name(const Route *route)
{
    return route->provider ? route->provider->name : "sandbox";
}

static void save_if_changed(SandboxServer *sb);

static void run_handler(SandboxServer *sb, SoupServerMessage *msg, Route *route)
{
    GUri *uri = soup_server_message_get_uri(msg);
    const char *query_text = g_uri_get_query(uri);
    GHashTable *query = query_text ? soup_form_decode(query_text) : NULL;
    route->handler(sb->server, msg, g_uri_get_path(uri), query, route->user_data);
    if (query)
        g_hash_table_unref(query);
    /* Saved before the answer goes out: a client that got the answer and
     * restarts the sandbox finds what the request changed. */
    save_if_changed(sb);
}

/* The faults that come after the latency: drop, 503, or the handler. */
static void dispatch_after_latency(SandboxServer *sb, SoupServerMessage *msg, Route *route)
{
    const char *name = route_provider_name(route);
    switch (sandbox_fault_take(sb->faults, name)) {
    case SANDBOX_FAULT_DROP: {
        /* The request was read whole; the client now loses the connection
         * without a byte of answer, as when a provider's front end dies
         * after accepting a request: the outcome is unknown to it. */
        sandbox_log(name, "fault: dropping %s %s", soup_server_message_get_method(msg),
                    g_uri_get_path(soup_server_message_get_uri(msg)));
        GIOStream *stream = soup_server_message_steal_connection(msg);
        if (stream) {
            g_io_stream_close(stream, NULL, NULL);
            g_object_unref(stream);
        }
        return;
    }
    case SANDBOX_FAULT_5XX:
        sandbox_fault_respond_5xx(msg);
        return;
    case SANDBOX_FAULT_NONE:
        break;
    }
    run_handler(sb, msg, route);
}

static gboolean delayed_resume(gpointer data)
{
    Delayed *d = data;
    d->sb->delayed = g_list_remove(d->sb->delayed, d);
    /* Unpause first: a handler that answers later pauses the message
     * again itself, and that pause must be the one in force. */
    soup_server_message_unpause(d->msg);
    dispatch_after_latency(d->sb, d->msg, d->route);
    g_object_unref(d->msg);
    g_free(d);
    return G_SOURCE_REMOVE;
}

static void dispatch_provider(SandboxServer *sb, SoupServerMessage *msg, Route *route)
{
    guint latency = sandbox_fault_latency(sb->faults, route_provider_name(route));
    if (latency == 0) {
        dispatch_after_latency(sb, msg, route);
        return;
    }
    Delayed *d = g_new0(Delayed, 1);
    d->sb = sb;
    d->msg = g_object_ref(msg);
    d->route = route;
    soup_server_message_pause(msg);
    d->source = g_timeout_add(latency, delayed_resume, d);
    sb->delayed = g_list_prepend(sb->delayed, d);
}

/* ---- Control endpoints -------------------------------------------------- */

static JsonNode *clock_node(SandboxServer *sb)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "now_ms");
    json_builder_add_int_value(b, sandbox_now_ms(sb));
    json_builder_set_member_name(b, "offset_seconds");
    json_builder_add_double_value(b,
                                  (double)sandbox_state_store_clock_offset_ms(sb->state) / 1000.0);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* POST /_sandbox/clock {"advance_seconds": N}: the providers' clock moves
 * forward (never back: a provider's clock does not run backwards). */
static void control_clock(SandboxServer *sb, SoupServerMessage *msg)
{
    const char *method = soup_server_message_get_method(msg);
    if (strcmp(method, "POST") == 0) {
        gsize len;
        const char *body = sandbox_request_body(msg, &len);
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonObject *o = NULL;
        if (json_parser_load_from_data(parser, body, (gssize)len, NULL) &&
            JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
            o = json_node_get_object(json_parser_get_root(parser));
        JsonNode *n = o ? json_object_get_member(o, "advance_seconds") : NULL;
        if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) ||
            (json_node_get_value_type(n) != G_TYPE_INT64 &&
             json_node_get_value_type(n) != G_TYPE_DOUBLE) ||
            json_node_get_double(n) < 0) {
            respond_error(msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                          "expected {\"advance_seconds\": N} with N >= 0");
            return;
        }
        gint64 offset = sandbox_state_store_clock_offset_ms(sb->state) +
                        (gint64)(json_node_get_double(n) * 1000.0);
        sandbox_state_store_set_clock_offset_ms(sb->state, offset);
        sandbox_state_store_mark_changed(sb->state);
        save_if_changed(sb);
        sandbox_log("sandbox", "clock advanced by %g s", json_node_get_double(n));
    } else if (strcmp(method, "GET") != 0) {
        respond_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                      "GET or POST /_sandbox/clock");
        return;
    }
    g_autoptr(JsonNode) node = clock_node(sb);
    sandbox_respond_json(msg, SOUP_STATUS_OK, node);
}

static void control(SandboxServer *sb, SoupServerMessage *msg, const char *path)
{
    if (strcmp(path, "/_sandbox/health") == 0)
        sandbox_respond(msg, SOUP_STATUS_OK, "text/plain", "ok", 2);
    else if (strcmp(path, "/_sandbox/clock") == 0)
        control_clock(sb, msg);
    else if (strcmp(path, "/_sandbox/faults") == 0)
        sandbox_fault_control(sb, sb->faults, msg);
    else
        respond_error(msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such control endpoint");
}

static void serve(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                  gpointer user_data)
{
    (void)server;
    (void)query;
    SandboxServer *sb = user_data;
    sandbox_remember_peer(sb, msg);
    if (g_str_has_prefix(path, "/_sandbox/")) {
        control(sb, msg, path);
        return;
    }
    Route *route = route_find(sb, path);
    if (route == NULL) {
        respond_error(msg, SOUP_STATUS_NOT_FOUND, "not_found",
                      "no simulated provider serves this path");
        return;
    }
    dispatch_provider(sb, msg, route);
}

/* One line per request, once its answer went out (or it was dropped). */
static void request_finished(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
    (void)server;
    (void)user_data;
    GUri *uri = soup_server_message_get_uri(msg);
    sandbox_log("http", "%s %s -> %u", soup_server_message_get_method(msg),
                uri ? g_uri_get_path(uri) : "?", soup_server_message_get_status(msg));
}

static void request_aborted(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
    (void)server;
    (void)user_data;
    GUri *uri = soup_server_message_get_uri(msg);
    sandbox_log("http", "%s %s -> no answer (connection closed)",
                soup_server_message_get_method(msg), uri ? g_uri_get_path(uri) : "?");
}

/* ---- State, clock and options for providers ----------------------------- */

JsonObject *sandbox_state(SandboxServer *sb, const char *provider)
{
    return sandbox_state_store_provider(sb->state, provider);
}

static void save_if_changed(SandboxServer *sb)
{
    if (sb->save_source) {
        g_source_remove(sb->save_source);
        sb->save_source = 0;
    }
    g_autoptr(GError) error = NULL;
    if (!sandbox_state_store_save(sb->state, &error))
        sandbox_log("sandbox", "could not save the state: %s", error->message);
}

static gboolean save_now(gpointer data)
{
    SandboxServer *sb = data;
    sb->save_source = 0;
    save_if_changed(sb);
    return G_SOURCE_REMOVE;
}

/* A handler may change the state several times in one request: the frame
 * saves once, when the handler returns. A change made outside any handler
 * (a provider's timer, a handler that answers later) is saved from an idle
 * callback, before the main loop polls again. */
void sandbox_state_changed(SandboxServer *sb)
{
    sandbox_state_store_mark_changed(sb->state);
    if (sb->save_source == 0)
        sb->save_source = g_idle_add_full(G_PRIORITY_HIGH_IDLE, save_now, sb, NULL);
}

gint64 sandbox_now_ms(SandboxServer *sb)
{
    return g_get_real_time() / 1000 + sandbox_state_store_clock_offset_ms(sb->state);
}

const char *sandbox_base_url(SandboxServer *sb)
{
    return sb->base_url;
}

const char *sandbox_webhook_base(SandboxServer *sb)
{
    return sb->options.webhook_base;
}

double sandbox_time_scale(SandboxServer *sb)
{
    return sb->options.time_scale;
}

void sandbox_notify(SandboxServer *sb, const SandboxNotification *n)
{
    sandbox_notifier_queue(sb->notifier, n);
}

guint sandbox_server_provider_count(SandboxServer *sb)
{
    return sb->n_providers;
}

const SandboxProvider *sandbox_server_provider(SandboxServer *sb, guint i)
{
    return i < sb->n_providers ? sb->providers[i] : NULL;
}

const SandboxProvider *sandbox_server_provider_named(SandboxServer *sb, const char *name)
{
    for (guint i = 0; i < sb->n_providers; i++)
        if (strcmp(sb->providers[i]->name, name) == 0)
            return sb->providers[i];
    return NULL;
}

gboolean sandbox_server_allow_remote(SandboxServer *sb)
{
    return sb->options.allow_remote;
}

SandboxNotifier *sandbox_server_notifier(SandboxServer *sb)
{
    return sb->notifier;
}

/* ---- TLS ------------------------------------------------------------------ */

/* Any client certificate passes the handshake: GLib's TLS layer would
 * refuse one it cannot verify (another CA, expired) and close the
 * connection, while WebMoney answers such a request with 403, which is what
 * the plugin must see. sandbox_client_identity() verifies it per request. */
static gboolean sandbox_accept_any_certificate(SoupServerMessage *msg, GTlsCertificate *cert,
                                               GTlsCertificateFlags errors, gpointer data)
{
    (void)msg;
    (void)cert;
    (void)errors;
    (void)data;
    return TRUE;
}

/* The message of a new connection exists before its handshake: connect
 * here, in time for the handshake's accept-certificate. */
static void sandbox_request_started(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
    (void)server;
    (void)data;
    g_signal_connect(msg, "accept-certificate", G_CALLBACK(sandbox_accept_any_certificate), NULL);
}

/* The server's certificate and, with a client CA, the request for a client
 * certificate. The request is optional at the TLS level: the payer's pages
 * and the other providers need none, so a provider's own paths decide
 * (sandbox_client_identity) and answer as that provider does without one. */
static gboolean sandbox_server_setup_tls(SandboxServer *sb, GError **error)
{
    const SandboxTls *tls = &sb->options.tls;
    if (tls->cert_file == NULL && tls->key_file == NULL && tls->client_ca == NULL)
        return TRUE;
    if (tls->cert_file == NULL || tls->key_file == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--tls-cert and --tls-key go together (and --client-ca needs both)");
        return FALSE;
    }
    g_autoptr(GTlsCertificate) cert =
        g_tls_certificate_new_from_files(tls->cert_file, tls->key_file, error);
    if (cert == NULL) {
        g_prefix_error(error, "--tls-cert/--tls-key: ");
        return FALSE;
    }
    soup_server_set_tls_certificate(sb->server, cert);
    if (tls->client_ca != NULL) {
        sb->client_ca = g_tls_certificate_new_from_file(tls->client_ca, error);
        g_autoptr(GTlsDatabase) db =
            sb->client_ca ? g_tls_file_database_new(tls->client_ca, error) : NULL;
        if (db == NULL) {
            g_prefix_error(error, "--client-ca %s: ", tls->client_ca);
            return FALSE;
        }
        soup_server_set_tls_database(sb->server, db);
        soup_server_set_tls_auth_mode(sb->server, G_TLS_AUTHENTICATION_REQUESTED);
        g_signal_connect(sb->server, "request-started", G_CALLBACK(sandbox_request_started), sb);
    }
    return TRUE;
}

const SandboxTls *sandbox_tls(SandboxServer *sb)
{
    return &sb->options.tls;
}

/* The CN= part of a distinguished name as GLib writes it ("CN=x,O=y"). */
static char *sandbox_common_name(const char *dn)
{
    g_auto(GStrv) parts = g_strsplit(dn ? dn : "", ",", -1);
    for (gsize i = 0; parts[i]; i++) {
        const char *part = g_strstrip(parts[i]);
        if (g_str_has_prefix(part, "CN="))
            return g_strdup(part + 3);
    }
    return NULL;
}

/* libsoup 3.2 gives the client's certificate to the first message of a
 * connection only; a kept-alive connection's later requests would look
 * anonymous. So every request leaves it on its connection's socket, which
 * lives as long as the connection, for the later ones. */
#define SANDBOX_PEER_KEY "tender-sandbox-peer-certificate"

static void sandbox_remember_peer(SandboxServer *sb, SoupServerMessage *msg)
{
    GTlsCertificate *peer = soup_server_message_get_tls_peer_certificate(msg);
    GSocket *socket = soup_server_message_get_socket(msg);
    if (sb->client_ca != NULL && peer != NULL && socket != NULL)
        g_object_set_data_full(G_OBJECT(socket), SANDBOX_PEER_KEY, g_object_ref(peer),
                               g_object_unref);
}

char *sandbox_client_identity(SandboxServer *sb, SoupServerMessage *msg, GError **error)
{
    GSocket *socket = soup_server_message_get_socket(msg);
    GTlsCertificate *peer = soup_server_message_get_tls_peer_certificate(msg);
    if (peer == NULL && socket != NULL)
        peer = g_object_get_data(G_OBJECT(socket), SANDBOX_PEER_KEY);
    if (sb->client_ca == NULL || peer == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "no client certificate was presented");
        return NULL;
    }
    /* Checked here against the CA itself, whatever the TLS layer let
     * through: the request mode accepts any certificate. */
    GTlsCertificateFlags flags = g_tls_certificate_verify(peer, NULL, sb->client_ca);
    if (flags != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "the client certificate is %s",
                    flags & G_TLS_CERTIFICATE_EXPIRED       ? "expired"
                    : flags & G_TLS_CERTIFICATE_NOT_ACTIVATED ? "not valid yet"
                    : flags & G_TLS_CERTIFICATE_UNKNOWN_CA   ? "not issued by the client CA"
                                                             : "not acceptable");
        return NULL;
    }
    g_autofree char *dn = g_tls_certificate_get_subject_name(peer);
    char *cn = sandbox_common_name(dn);
    if (cn == NULL)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "the client certificate names nobody (no CN)");
    return cn;
}

/* ---- Life cycle --------------------------------------------------------- */

SandboxServer *sandbox_server_new(const SandboxOptions *options,
                                  const SandboxProvider *const *providers, guint n_providers,
                                  GError **error)
{
    SandboxStateStore *state = sandbox_state_store_new(options->state_file, error);
    if (state == NULL)
        return NULL;
    SandboxServer *sb = g_new0(SandboxServer, 1);
    sb->options = *options;
    if (!(sb->options.time_scale > 0))
        sb->options.time_scale = 1;
    sb->providers = providers;
    sb->n_providers = n_providers;
    sb->state = state;
    sb->routes = g_ptr_array_new_with_free_func(route_free);
    sb->faults = sandbox_fault_table_new(&options->faults);
    sb->notifier = sandbox_notifier_new(sb, sb->faults);
    sb->server = soup_server_new("server-header", "tender-sandbox ", NULL);
    if (!sandbox_server_setup_tls(sb, error)) {
        sandbox_server_free(sb);
        return NULL;
    }
    soup_server_add_handler(sb->server, NULL, serve, sb, NULL);
    g_signal_connect(sb->server, "request-finished", G_CALLBACK(request_finished), sb);
    g_signal_connect(sb->server, "request-aborted", G_CALLBACK(request_aborted), sb);
    for (guint i = 0; i < n_providers; i++) {
        sb->installing = providers[i];
        providers[i]->install(sb);
    }
    sb->installing = NULL;
    return sb;
}

/* Split "HOST:PORT" or "[V6]:PORT". */
static gboolean parse_listen(const char *listen, char **host, guint16 *port, GError **error)
{
    const char *colon = strrchr(listen, ':');
    char *h = NULL;
    guint64 p;
    if (colon && colon != listen && listen[0] == '[' && colon[-1] == ']' && colon - listen >= 3)
        h = g_strndup(listen + 1, (gsize)(colon - listen - 2));
    else if (colon && colon != listen && listen[0] != '[')
        h = g_strndup(listen, (gsize)(colon - listen));
    if (h == NULL || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &p, NULL)) {
        g_free(h);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--listen %s: expected HOST:PORT (an IP address; [::1]:PORT for IPv6)", listen);
        return FALSE;
    }
    *host = h;
    *port = (guint16)p;
    return TRUE;
}

gboolean sandbox_server_listen(SandboxServer *sb, GError **error)
{
    g_autofree char *host = NULL;
    guint16 port;
    if (!parse_listen(sb->options.listen, &host, &port, error))
        return FALSE;
    GInetAddress *addr = strcmp(host, "localhost") == 0
                             ? g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4)
                             : g_inet_address_new_from_string(host);
    if (addr == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--listen %s: %s is not an IP address", sb->options.listen, host);
        return FALSE;
    }
    if (!g_inet_address_get_is_loopback(addr) && !sb->options.allow_remote) {
        g_object_unref(addr);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "--listen %s: not a loopback address; tender-sandbox is a test server "
                    "(pass --allow-remote to listen there anyway)",
                    sb->options.listen);
        return FALSE;
    }
    GSocketAddress *sa = g_inet_socket_address_new(addr, port);
    g_object_unref(addr);
    gboolean tls = sb->options.tls.cert_file != NULL;
    gboolean ok = soup_server_listen(sb->server, sa, tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error);
    g_object_unref(sa);
    if (!ok)
        return FALSE;
    GSList *uris = soup_server_get_uris(sb->server);
    if (uris == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "not listening");
        return FALSE;
    }
    GUri *uri = uris->data;
    const char *h = g_uri_get_host(uri);
    const char *scheme = tls ? "https" : "http";
    sb->base_url = strchr(h, ':')
                       ? g_strdup_printf("%s://[%s]:%d", scheme, h, g_uri_get_port(uri))
                       : g_strdup_printf("%s://%s:%d", scheme, h, g_uri_get_port(uri));
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    return TRUE;
}

void sandbox_server_free(SandboxServer *sb)
{
    if (sb == NULL)
        return;
    /* Requests still held by the latency fault get no answer: their
     * clients see the connection close, as at any server's shutdown. */
    for (GList *l = sb->delayed; l; l = l->next) {
        Delayed *d = l->data;
        g_source_remove(d->source);
        g_object_unref(d->msg);
        g_free(d);
    }
    g_list_free(sb->delayed);
    sb->delayed = NULL;
    /* Stop serving before the notifier winds down: it runs the main
     * context until its cancelled deliveries came back, and no request
     * may be handled meanwhile. */
    soup_server_disconnect(sb->server);
    sandbox_notifier_free(sb->notifier);
    if (sb->save_source)
        g_source_remove(sb->save_source);
    g_autoptr(GError) error = NULL;
    if (!sandbox_state_store_save(sb->state, &error))
        sandbox_log("sandbox", "could not save the state: %s", error->message);
    g_object_unref(sb->server);
    sandbox_fault_table_free(sb->faults);
    sandbox_state_store_free(sb->state);
    g_ptr_array_unref(sb->routes);
    g_clear_object(&sb->client_ca);
    g_free(sb->base_url);
    g_free(sb);
}
