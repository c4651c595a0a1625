/* See webhook-receiver.h. */
#include "webhook-receiver.h"

#include <libsoup/soup.h>
#include <string.h>

#define WEBHOOK_PREFIX "/v1/webhooks/"

struct TestWebhookReceiver {
    GMainContext *context;
    GMainLoop *loop;
    GThread *thread;
    SoupServer *server;
    char *url;
    /* Held for a whole delivery, so attach() can wait out the old host. */
    GMutex lock;
    TenderHost *host; /* guarded by lock */
    gint accepted;    /* atomics */
    gint rejected;
};

static void receiver_answer(SoupServerMessage *msg, const TenderNotifyReply *reply)
{
    soup_server_message_set_status(msg, reply->status, NULL);
    const char *type = reply->content_type && *reply->content_type ? reply->content_type
                                                                   : "text/plain";
    const char *body = reply->body ? reply->body : "";
    soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body, strlen(body));
}

static void receiver_deliver(SoupServer *server, SoupServerMessage *msg, const char *path,
                             GHashTable *query, gpointer data)
{
    (void)server;
    (void)query;
    TestWebhookReceiver *receiver = data;
    const char *method_id = path + strlen(WEBHOOK_PREFIX);
    if (strcmp(soup_server_message_get_method(msg), "POST") != 0 || *method_id == '\0' ||
        strchr(method_id, '/') != NULL) {
        soup_server_message_set_status(msg, 404, NULL);
        return;
    }

    GArray *headers = g_array_new(FALSE, FALSE, sizeof(tender_param));
    SoupMessageHeadersIter iter;
    const char *name, *value;
    soup_message_headers_iter_init(&iter, soup_server_message_get_request_headers(msg));
    while (soup_message_headers_iter_next(&iter, &name, &value)) {
        tender_param header = {name, value};
        g_array_append_val(headers, header);
    }
    GBytes *body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    gsize body_len = 0;
    const char *text = g_bytes_get_data(body, &body_len);

    g_mutex_lock(&receiver->lock);
    if (receiver->host == NULL) {
        g_mutex_unlock(&receiver->lock);
        soup_server_message_set_status(msg, 503, NULL);
    } else {
        TenderNotifyReply *reply = NULL;
        GError *error = NULL;
        gboolean ok = tender_host_notify(receiver->host, method_id, (tender_param *)headers->data,
                                         headers->len, text ? text : "", body_len, &reply, &error);
        g_mutex_unlock(&receiver->lock);
        g_atomic_int_inc(ok ? &receiver->accepted : &receiver->rejected);
        if (reply != NULL)
            receiver_answer(msg, reply);
        else
            soup_server_message_set_status(msg, 500, NULL);
        tender_notify_reply_free(reply);
        g_clear_error(&error);
    }
    g_bytes_unref(body);
    g_array_free(headers, TRUE);
}

static gpointer receiver_run(gpointer data)
{
    TestWebhookReceiver *receiver = data;
    g_main_context_push_thread_default(receiver->context);
    g_main_loop_run(receiver->loop);
    g_main_context_pop_thread_default(receiver->context);
    return NULL;
}

TestWebhookReceiver *test_webhook_receiver_start(GError **error)
{
    TestWebhookReceiver *receiver = g_new0(TestWebhookReceiver, 1);
    g_mutex_init(&receiver->lock);
    receiver->context = g_main_context_new();
    receiver->loop = g_main_loop_new(receiver->context, FALSE);
    /* The server attaches its sources to the thread-default context at
     * listen time: the receiver's own, which its thread then runs. */
    g_main_context_push_thread_default(receiver->context);
    receiver->server = soup_server_new(NULL, NULL);
    soup_server_add_handler(receiver->server, WEBHOOK_PREFIX, receiver_deliver, receiver, NULL);
    gboolean listening = soup_server_listen_local(receiver->server, 0,
                                                  SOUP_SERVER_LISTEN_IPV4_ONLY, error);
    g_main_context_pop_thread_default(receiver->context);
    if (!listening) {
        test_webhook_receiver_stop(receiver);
        return NULL;
    }
    GSList *uris = soup_server_get_uris(receiver->server);
    receiver->url = g_strdup_printf("http://127.0.0.1:%d", g_uri_get_port(uris->data));
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    receiver->thread = g_thread_new("webhook-receiver", receiver_run, receiver);
    return receiver;
}

static gboolean receiver_quit(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

void test_webhook_receiver_stop(TestWebhookReceiver *receiver)
{
    if (receiver == NULL)
        return;
    if (receiver->thread != NULL) {
        GSource *quit = g_idle_source_new();
        g_source_set_callback(quit, receiver_quit, receiver->loop, NULL);
        g_source_attach(quit, receiver->context);
        g_source_unref(quit);
        g_thread_join(receiver->thread);
    }
    g_main_context_push_thread_default(receiver->context);
    soup_server_disconnect(receiver->server);
    g_object_unref(receiver->server);
    while (g_main_context_iteration(receiver->context, FALSE))
        ;
    g_main_context_pop_thread_default(receiver->context);
    g_main_loop_unref(receiver->loop);
    g_main_context_unref(receiver->context);
    g_mutex_clear(&receiver->lock);
    g_free(receiver->url);
    g_free(receiver);
}

const char *test_webhook_receiver_url(TestWebhookReceiver *receiver)
{
    return receiver->url;
}

void test_webhook_receiver_attach(TestWebhookReceiver *receiver, TenderHost *host)
{
    g_mutex_lock(&receiver->lock);
    receiver->host = host;
    g_mutex_unlock(&receiver->lock);
}

guint test_webhook_receiver_accepted(TestWebhookReceiver *receiver)
{
    return (guint)g_atomic_int_get(&receiver->accepted);
}

guint test_webhook_receiver_rejected(TestWebhookReceiver *receiver)
{
    return (guint)g_atomic_int_get(&receiver->rejected);
}

gboolean test_webhook_receiver_wait_accepted(TestWebhookReceiver *receiver, guint n,
                                             guint timeout_ms)
{
    gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (test_webhook_receiver_accepted(receiver) < n) {
        if (g_get_monotonic_time() >= until)
            return FALSE;
        g_usleep(10 * 1000);
    }
    return TRUE;
}
