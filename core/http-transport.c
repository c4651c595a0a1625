/* The replaceable HTTP transport (<tender/http-transport.h>): the public
 * response helpers, the checked send, and libtender's default transport,
 * which hands each request to the libcurl client (http-client.c) that suits
 * its method's ca_file, proxy and TLS client identity.
 *
 * The default transport keeps one client per distinct set of those
 * settings rather than per method: methods that share the settings share the
 * connection cache, and a client is only ever made for settings some
 * request used. Clients live as long as the transport. */
#include <tender/http-transport.h>

#include <string.h>

#include <tender/plugin.h>

#include "http-client.h"

TenderHttpTransportResponse *tender_http_transport_response_new(int status, const void *body,
                                                                gsize body_len)
{
    TenderHttpTransportResponse *response = g_new0(TenderHttpTransportResponse, 1);
    response->struct_size = sizeof *response;
    response->status = status;
    response->body = g_malloc(body_len + 1);
    if (body_len > 0)
        memcpy(response->body, body, body_len);
    response->body[body_len] = '\0';
    response->body_len = body_len;
    return response;
}

void tender_http_transport_response_add_header(TenderHttpTransportResponse *response,
                                               const char *name, const char *value)
{
    g_return_if_fail(response != NULL && name != NULL && value != NULL);
    response->headers = g_renew(TenderHttpHeader, response->headers, response->n_headers + 1);
    response->headers[response->n_headers].name = g_strdup(name);
    response->headers[response->n_headers].value = g_strdup(value);
    response->n_headers++;
}

const char *tender_http_transport_response_header(const TenderHttpTransportResponse *response,
                                                  const char *name)
{
    return http_client_response_header(response, name);
}

void tender_http_transport_response_free(TenderHttpTransportResponse *response)
{
    http_client_response_free(response);
}

TenderHttpTransportResponse *tender_http_transport_send(TenderHttpTransport *transport,
                                                        const TenderHttpTransportRequest *request,
                                                        GError **error)
{
    if (transport == NULL || !TENDER_HAS_FIELD(transport, TenderHttpTransport, send) ||
        transport->send == NULL) {
        g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_NOT_SENT,
                    "no transport to send with");
        return NULL;
    }
    if (request == NULL || !TENDER_HAS_FIELD(request, TenderHttpTransportRequest, proxy) ||
        request->url == NULL) {
        g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_NOT_SENT,
                    "malformed transport request (struct_size or URL)");
        return NULL;
    }
    GError *local = NULL;
    TenderHttpTransportResponse *response = transport->send(transport, request, &local);
    if (response == NULL && local == NULL)
        g_set_error(&local, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN,
                    "the transport failed without saying why");
    else if (response == NULL && (local->domain != TENDER_HTTP_TRANSPORT_ERROR ||
                                  (local->code != TENDER_HTTP_TRANSPORT_NOT_SENT &&
                                   local->code != TENDER_HTTP_TRANSPORT_UNKNOWN))) {
        /* An error outside the contract: the safe reading is "may have been
         * sent". */
        GError *unknown = g_error_new(TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN,
                                      "%s", local->message);
        g_error_free(local);
        local = unknown;
    }
    if (local != NULL)
        g_propagate_error(error, local);
    return response;
}

void tender_http_transport_free(TenderHttpTransport *transport)
{
    if (transport != NULL && TENDER_HAS_FIELD(transport, TenderHttpTransport, destroy) &&
        transport->destroy != NULL)
        transport->destroy(transport);
}

/* ---- the default transport ------------------------------------------------ */

typedef struct {
    TenderHttpTransport base; /* first: the public table */
    GMutex lock;
    GHashTable *clients; /* default_client_key() -> TenderHttpClient* */
    /* The client of methods with neither setting, the usual case, found
     * without building the key (set once, under lock, then only read). */
    TenderHttpClient *plain;
} DefaultTransport;

/* The clients' table key for the settings that choose a client (options
 * of the request's settings only). The passphrase enters only as its
 * SHA-256, so the table holds no second copy of the secret; it is part of
 * the key at all so that a corrected passphrase gets a new client rather
 * than the one that failed. */
static char *default_client_key(const TenderHttpClientOptions *s)
{
    g_autofree char *pass_hash =
        s->tls_client_key_passphrase
            ? g_compute_checksum_for_string(G_CHECKSUM_SHA256, s->tls_client_key_passphrase, -1)
            : NULL;
    return g_strjoin("\n", s->ca_file ? s->ca_file : "", s->proxy ? s->proxy : "",
                     s->tls_client_cert ? s->tls_client_cert : "",
                     s->tls_client_key ? s->tls_client_key : "", pass_hash ? pass_hash : "", NULL);
}

/* The client for these settings, made on first use. NULL with error
 * (NOT_SENT: nothing was sent) when it cannot be made, e.g. an unreadable
 * ca_file or a client key that does not match its certificate. */
static TenderHttpClient *default_client(DefaultTransport *t, const TenderHttpClientOptions *s,
                                        GError **error)
{
    gboolean plain = s->ca_file == NULL && s->proxy == NULL && s->tls_client_cert == NULL &&
                     s->tls_client_key == NULL;
    if (plain) {
        TenderHttpClient *known = g_atomic_pointer_get(&t->plain);
        if (known != NULL)
            return known;
    }
    g_autofree char *key = default_client_key(s);
    g_mutex_lock(&t->lock);
    TenderHttpClient *client = g_hash_table_lookup(t->clients, key);
    if (client == NULL) {
        GError *local = NULL;
        client = http_client_new(s, &local);
        if (client != NULL) {
            g_hash_table_insert(t->clients, g_steal_pointer(&key), client);
            if (plain)
                g_atomic_pointer_set(&t->plain, client);
        } else {
            g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_NOT_SENT,
                        "the HTTP client cannot start: %s", local->message);
            g_error_free(local);
        }
    }
    g_mutex_unlock(&t->lock);
    return client;
}

static const char *default_setting(const char *value)
{
    return value && value[0] ? value : NULL;
}

static TenderHttpTransportResponse *default_send(TenderHttpTransport *transport,
                                                 const TenderHttpTransportRequest *request,
                                                 GError **error)
{
    DefaultTransport *t = (DefaultTransport *)transport;
    TenderHttpClientOptions settings = {
        .ca_file = default_setting(request->ca_file),
        .proxy = default_setting(request->proxy),
    };
    if (TENDER_HAS_FIELD(request, TenderHttpTransportRequest, tls_client_key_passphrase)) {
        settings.tls_client_cert = default_setting(request->tls_client_cert);
        settings.tls_client_key = default_setting(request->tls_client_key);
        settings.tls_client_key_passphrase = default_setting(request->tls_client_key_passphrase);
    }
    TenderHttpClient *client = default_client(t, &settings, error);
    if (client == NULL)
        return NULL;
    TenderHttpClientRequest sent = {
        .method = request->method,
        .url = request->url,
        .headers = request->headers,
        .n_headers = request->n_headers,
        .body = request->body,
        .body_len = request->body_len,
        .deadline_ms = request->deadline_ms,
    };
    return http_client_send(client, &sent, error);
}

static void default_destroy(TenderHttpTransport *transport)
{
    DefaultTransport *t = (DefaultTransport *)transport;
    g_hash_table_destroy(t->clients);
    g_mutex_clear(&t->lock);
    g_free(t);
}

TenderHttpTransport *tender_http_transport_new_default(void)
{
    DefaultTransport *t = g_new0(DefaultTransport, 1);
    t->base.struct_size = sizeof t->base;
    t->base.send = default_send;
    t->base.destroy = default_destroy;
    g_mutex_init(&t->lock);
    t->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)http_client_free);
    return &t->base;
}
