/* See wire-provider.h. The server runs its own main context on its own
 * thread, so that a test blocked in g_spawn_sync still gets answers. */
#include "wire-provider.h"

#include <string.h>

#include <libsoup/soup.h>

typedef struct {
    char *id;
    char *payment_id;
    gint64 amount;
    gboolean approved;
} WirePayment;

struct WireProvider {
    GMainContext *context;
    GMainLoop *loop;
    GThread *thread;
    SoupServer *server;
    int port;
    GMutex lock;
    GHashTable *by_key;     /* idempotency key -> WirePayment* (owned) */
    GHashTable *by_payment; /* payment id -> WirePayment* (borrowed) */
    int created;
};

static void wire_payment_free(gpointer data)
{
    WirePayment *p = data;
    g_free(p->id);
    g_free(p->payment_id);
    g_free(p);
}

static void answer_json(SoupServerMessage *msg, int status, const WirePayment *p)
{
    g_autofree char *body =
        p ? g_strdup_printf("{\"id\":\"%s\",\"status\":\"%s\",\"amount\":%" G_GINT64_FORMAT "}",
                            p->id, p->approved ? "approved" : "declined", p->amount)
          : g_strdup("{\"error\":\"not_found\"}");
    soup_server_message_set_status(msg, status, NULL);
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body,
                                     strlen(body));
}

static void handle_payments(SoupServer *server, SoupServerMessage *msg, const char *path,
                            GHashTable *query, gpointer data)
{
    (void)server;
    (void)path;
    WireProvider *wp = data;
    const char *method = soup_server_message_get_method(msg);
    g_mutex_lock(&wp->lock);
    if (strcmp(method, "GET") == 0) {
        const char *id = query ? g_hash_table_lookup(query, "payment_id") : NULL;
        WirePayment *p = id ? g_hash_table_lookup(wp->by_payment, id) : NULL;
        answer_json(msg, p ? 200 : 404, p);
    } else if (strcmp(method, "POST") == 0) {
        SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
        const char *key = soup_message_headers_get_one(headers, "Idempotency-Key");
        SoupMessageBody *body = soup_server_message_get_request_body(msg);
        g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
        g_autofree char *text = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
        GHashTable *form = soup_form_decode(text);
        const char *payment_id = g_hash_table_lookup(form, "payment_id");
        const char *amount = g_hash_table_lookup(form, "amount");
        if (key == NULL || payment_id == NULL || amount == NULL) {
            soup_server_message_set_status(msg, 400, NULL);
        } else {
            WirePayment *p = g_hash_table_lookup(wp->by_key, key);
            if (p == NULL) {
                p = g_new0(WirePayment, 1);
                p->id = g_strdup_printf("wp_%d", ++wp->created);
                p->payment_id = g_strdup(payment_id);
                p->amount = g_ascii_strtoll(amount, NULL, 10);
                p->approved = p->amount % 100 != 51;
                g_hash_table_insert(wp->by_key, g_strdup(key), p);
                g_hash_table_replace(wp->by_payment, p->payment_id, p);
            }
            answer_json(msg, 200, p);
        }
        g_hash_table_unref(form);
    } else {
        soup_server_message_set_status(msg, 405, NULL);
    }
    g_mutex_unlock(&wp->lock);
}

static gpointer serve(gpointer data)
{
    WireProvider *wp = data;
    g_main_context_push_thread_default(wp->context);
    g_main_loop_run(wp->loop);
    g_main_context_pop_thread_default(wp->context);
    return NULL;
}

WireProvider *wire_provider_start(void)
{
    WireProvider *wp = g_new0(WireProvider, 1);
    g_mutex_init(&wp->lock);
    wp->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, wire_payment_free);
    wp->by_payment = g_hash_table_new(g_str_hash, g_str_equal);
    wp->context = g_main_context_new();
    wp->loop = g_main_loop_new(wp->context, FALSE);
    /* The server attaches its sources to the thread-default context. */
    g_main_context_push_thread_default(wp->context);
    wp->server = soup_server_new(NULL, NULL);
    soup_server_add_handler(wp->server, "/payments", handle_payments, wp, NULL);
    GError *error = NULL;
    gboolean ok = soup_server_listen_local(wp->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
    g_main_context_pop_thread_default(wp->context);
    if (!ok) {
        g_warning("wire provider: %s", error->message);
        g_error_free(error);
        wire_provider_stop(wp);
        return NULL;
    }
    GSList *uris = soup_server_get_uris(wp->server);
    wp->port = uris ? g_uri_get_port(uris->data) : -1;
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    wp->thread = g_thread_new("wire-provider", serve, wp);
    return wp;
}

static gboolean quit_loop(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

void wire_provider_stop(WireProvider *wp)
{
    if (wp == NULL)
        return;
    if (wp->thread != NULL) {
        g_main_context_invoke(wp->context, quit_loop, wp->loop);
        g_thread_join(wp->thread);
    }
    g_clear_object(&wp->server);
    g_main_loop_unref(wp->loop);
    g_main_context_unref(wp->context);
    g_hash_table_destroy(wp->by_payment);
    g_hash_table_destroy(wp->by_key);
    g_mutex_clear(&wp->lock);
    g_free(wp);
}

int wire_provider_port(const WireProvider *wp)
{
    return wp->port;
}

int wire_provider_payments(WireProvider *wp)
{
    g_mutex_lock(&wp->lock);
    int n = wp->created;
    g_mutex_unlock(&wp->lock);
    return n;
}
