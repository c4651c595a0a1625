// The scripted gateway (card-gateway-script.h) on libsoup 3.
#include "card-gateway-script.h"

#include <libsoup/soup.h>

ScriptedGateway::ScriptedGateway()
{
    context_ = g_main_context_new();
    loop_ = g_main_loop_new(context_, FALSE);
    g_main_context_push_thread_default(context_);
    SoupServer *server = soup_server_new("server-header", "scripted-gateway", nullptr);
    soup_server_add_handler(server, nullptr, (SoupServerCallback)handle, this, nullptr);
    GError *error = nullptr;
    if (!soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
        g_error("scripted gateway cannot listen: %s", error->message);
    GSList *uris = soup_server_get_uris(server);
    GUri *uri = (GUri *)uris->data;
    base_ = "http://127.0.0.1:" + std::to_string(g_uri_get_port(uri));
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    g_main_context_pop_thread_default(context_);
    server_ = server;
    thread_ = g_thread_new("scripted-gateway", run, this);
}

ScriptedGateway::~ScriptedGateway()
{
    // Quit from inside the loop: a quit before the thread reached
    // g_main_loop_run would be lost and the join would wait forever.
    GSource *quit = g_idle_source_new();
    g_source_set_callback(
        quit,
        [](gpointer loop) -> gboolean {
            g_main_loop_quit((GMainLoop *)loop);
            return G_SOURCE_REMOVE;
        },
        loop_, nullptr);
    g_source_attach(quit, context_);
    g_source_unref(quit);
    g_thread_join(thread_);
    g_main_context_push_thread_default(context_);
    soup_server_disconnect((SoupServer *)server_);
    g_object_unref(server_);
    while (g_main_context_iteration(context_, FALSE))
        ;
    g_main_context_pop_thread_default(context_);
    g_main_loop_unref(loop_);
    g_main_context_unref(context_);
}

gpointer ScriptedGateway::run(gpointer data)
{
    auto *self = (ScriptedGateway *)data;
    g_main_context_push_thread_default(self->context_);
    g_main_loop_run(self->loop_);
    g_main_context_pop_thread_default(self->context_);
    return nullptr;
}

void ScriptedGateway::answer(int status, const std::string &json,
                             const std::map<std::string, std::string> &headers)
{
    std::lock_guard<std::mutex> hold(lock_);
    Answer a;
    a.status = status;
    a.body = json;
    a.headers = headers;
    queue_.push_back(a);
}

void ScriptedGateway::drop()
{
    std::lock_guard<std::mutex> hold(lock_);
    Answer a;
    a.drop = true;
    queue_.push_back(a);
}

std::vector<ScriptedRequest> ScriptedGateway::requests()
{
    std::lock_guard<std::mutex> hold(lock_);
    return seen_;
}

size_t ScriptedGateway::pending()
{
    std::lock_guard<std::mutex> hold(lock_);
    return queue_.size();
}

void ScriptedGateway::handle(void *, void *m, const char *path, GHashTable *, gpointer data)
{
    auto *self = (ScriptedGateway *)data;
    auto *msg = (SoupServerMessage *)m;
    ScriptedRequest seen;
    seen.method = soup_server_message_get_method(msg);
    seen.path = path;
    const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
    seen.query = query ? query : "";
    SoupMessageHeadersIter iter;
    const char *name, *value;
    soup_message_headers_iter_init(&iter, soup_server_message_get_request_headers(msg));
    while (soup_message_headers_iter_next(&iter, &name, &value)) {
        char *lower = g_ascii_strdown(name, -1);
        seen.headers[lower] = value;
        g_free(lower);
    }
    SoupMessageBody *body = soup_server_message_get_request_body(msg);
    GBytes *bytes = soup_message_body_flatten(body);
    gsize len = 0;
    const char *data_ptr = (const char *)g_bytes_get_data(bytes, &len);
    seen.body.assign(data_ptr ? data_ptr : "", len);
    g_bytes_unref(bytes);
    if (!seen.body.empty()) {
        GHashTable *form =
            g_uri_parse_params(seen.body.c_str(), -1, "&", G_URI_PARAMS_WWW_FORM, nullptr);
        if (form) {
            GHashTableIter it;
            gpointer k, v;
            g_hash_table_iter_init(&it, form);
            while (g_hash_table_iter_next(&it, &k, &v))
                seen.form[(const char *)k] = (const char *)v;
            g_hash_table_unref(form);
        }
    }

    Answer a;
    bool have = false;
    {
        std::lock_guard<std::mutex> hold(self->lock_);
        self->seen_.push_back(seen);
        if (!self->queue_.empty()) {
            a = self->queue_.front();
            self->queue_.erase(self->queue_.begin());
            have = true;
        }
    }
    if (!have) {
        a.status = 500;
        a.body = "{\"error\":{\"type\":\"api_error\",\"message\":\"no scripted answer\"}}";
    }
    if (a.drop) {
        GIOStream *stream = soup_server_message_steal_connection(msg);
        g_io_stream_close(stream, nullptr, nullptr);
        g_object_unref(stream);
        return;
    }
    soup_server_message_set_status(msg, a.status, nullptr);
    SoupMessageHeaders *out = soup_server_message_get_response_headers(msg);
    for (const auto &h : a.headers)
        soup_message_headers_replace(out, h.first.c_str(), h.second.c_str());
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, a.body.data(),
                                     a.body.size());
}
