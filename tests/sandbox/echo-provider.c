/* Test-only providers for the frame's tests: "echo" (under /echo), which
 * exercises every helper of sandbox.h through plain requests, and a
 * stand-in "card" (under /card) that only writes settings and answers, so
 * that per-provider faults and the merge into an existing method of the
 * default config can be observed without the real card module.
 *
 * Linked with sandbox_frame_lib into tender-sandbox-echo, a test build of
 * the program; never installed. */
#include <string.h>

#include "sandbox.h"
#include "sandbox-private.h"

static void answer_json(SoupServerMessage *msg, guint status, JsonBuilder *b)
{
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    sandbox_respond_json(msg, status, node);
}

static void ping(SandboxServer *sb, SoupServerMessage *msg)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "now_ms");
    json_builder_add_int_value(b, sandbox_now_ms(sb));
    json_builder_set_member_name(b, "time_scale");
    json_builder_add_double_value(b, sandbox_time_scale(sb));
    json_builder_set_member_name(b, "base_url");
    json_builder_add_string_value(b, sandbox_base_url(sb));
    json_builder_end_object(b);
    answer_json(msg, SOUP_STATUS_OK, b);
}

static void count(SandboxServer *sb, SoupServerMessage *msg)
{
    JsonObject *state = sandbox_state(sb, "echo");
    gint64 n = json_object_get_int_member_with_default(state, "count", 0) + 1;
    json_object_set_int_member(state, "count", n);
    sandbox_state_changed(sb);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "count");
    json_builder_add_int_value(b, n);
    json_builder_end_object(b);
    answer_json(msg, SOUP_STATUS_OK, b);
}

/* As Alipay does: only a 200 whose body is "success" ends a delivery. */
static gboolean accepted_success(guint status, const char *body, gsize len)
{
    return status == 200 && len == 7 && memcmp(body, "success", 7) == 0;
}

/* POST {"url": U, "body": B, "delays": [seconds...], "headers": [n, v, ...]} */
static void notify(SandboxServer *sb, SoupServerMessage *msg)
{
    gsize len;
    const char *text = sandbox_request_body(msg, &len);
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, text, (gssize)len, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        sandbox_respond(msg, 400, "text/plain", "bad json", 8);
        return;
    }
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    JsonArray *delays = json_object_get_array_member(o, "delays");
    JsonArray *headers =
        json_object_has_member(o, "headers") ? json_object_get_array_member(o, "headers") : NULL;
    guint n_delays = delays ? json_array_get_length(delays) : 0;
    g_autofree double *d = g_new0(double, n_delays + 1);
    for (guint i = 0; i < n_delays; i++)
        d[i] = json_array_get_double_element(delays, i);
    guint n_headers = headers ? json_array_get_length(headers) : 0;
    g_autofree const char **h = g_new0(const char *, n_headers + 1);
    for (guint i = 0; i < n_headers; i++)
        h[i] = json_array_get_string_element(headers, i);
    const char *body = json_object_get_string_member(o, "body");
    SandboxNotification n = {
        .provider = "echo",
        .url = json_object_get_string_member(o, "url"),
        .content_type = "application/x-www-form-urlencoded",
        .body = body,
        .body_len = strlen(body),
        .headers = h,
        .accepted = accepted_success,
        .delays = d,
        .n_delays = n_delays,
    };
    sandbox_notify(sb, &n);
    sandbox_respond(msg, SOUP_STATUS_ACCEPTED, "application/json", "{\"queued\":true}", 15);
}

static void page(SoupServerMessage *msg, GHashTable *query)
{
    const char *title = query ? g_hash_table_lookup(query, "title") : NULL;
    g_autofree char *escaped = sandbox_html_escape(title ? title : "Echo");
    g_autofree char *body =
        g_strdup_printf("<form method=\"post\" action=\"/echo/form\"><label>Code "
                        "<input name=\"code\" autocomplete=\"one-time-code\"></label>"
                        "<p>%s</p><button type=\"submit\">Send</button></form>",
                        escaped);
    sandbox_page_respond(msg, SOUP_STATUS_OK, title ? title : "Echo", body);
}

static void form(SoupServerMessage *msg)
{
    gsize len;
    const char *text = sandbox_request_body(msg, &len);
    GHashTable *fields = sandbox_form_decode(text, len);
    if (fields == NULL) {
        sandbox_respond(msg, 400, "text/plain", "malformed form", 14);
        return;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, fields);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        json_builder_set_member_name(b, k);
        json_builder_add_string_value(b, v);
    }
    json_builder_end_object(b);
    g_hash_table_unref(fields);
    answer_json(msg, SOUP_STATUS_OK, b);
}

static void new_id(SoupServerMessage *msg)
{
    g_autofree char *id = sandbox_new_id("ech_");
    g_autofree char *json = g_strdup_printf("{\"id\":\"%s\"}", id);
    sandbox_respond(msg, SOUP_STATUS_OK, "application/json", json, strlen(json));
}

static void echo_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                         GHashTable *query, gpointer user_data)
{
    (void)server;
    SandboxServer *sb = user_data;
    if (strcmp(path, "/echo/ping") == 0)
        ping(sb, msg);
    else if (strcmp(path, "/echo/count") == 0)
        count(sb, msg);
    else if (strcmp(path, "/echo/notify") == 0)
        notify(sb, msg);
    else if (strcmp(path, "/echo/page") == 0)
        page(msg, query);
    else if (strcmp(path, "/echo/form") == 0)
        form(msg);
    else if (strcmp(path, "/echo/id") == 0)
        new_id(msg);
    else
        sandbox_respond(msg, SOUP_STATUS_NOT_FOUND, "application/json", "{\"echo\":\"no\"}", 13);
}

/* A longer route under the same prefix wins over /echo. */
static void echo_deep_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                              GHashTable *query, gpointer user_data)
{
    (void)server;
    (void)query;
    (void)user_data;
    g_autofree char *json = g_strdup_printf("{\"deep\":\"%s\"}", path);
    sandbox_respond(msg, SOUP_STATUS_OK, "application/json", json, strlen(json));
}

static void echo_install(SandboxServer *sb)
{
    sandbox_add_handler(sb, "/echo", echo_handler, sb);
    sandbox_add_handler(sb, "/echo/deep/", echo_deep_handler, sb);
}

static void echo_write_settings(SandboxServer *sb, JsonObject *settings)
{
    g_autofree char *endpoint = g_strconcat(sandbox_base_url(sb), "/echo", NULL);
    json_object_set_string_member(settings, "endpoint", endpoint);
    json_object_set_string_member(settings, "api_key", "echo_test_key");
    if (sandbox_webhook_base(sb)) {
        g_autofree char *url = g_strconcat(sandbox_webhook_base(sb), "/v1/webhooks/echo", NULL);
        json_object_set_string_member(settings, "notify_url", url);
    }
}

static void echo_print_keys(FILE *out)
{
    fprintf(out, "api_key: echo_test_key\n");
}

static const SandboxProvider echo_provider = {"echo", "/echo", echo_install, echo_write_settings,
                                              echo_print_keys};

static void stand_in_card_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                                  GHashTable *query, gpointer user_data)
{
    (void)server;
    (void)path;
    (void)query;
    (void)user_data;
    sandbox_respond(msg, SOUP_STATUS_OK, "application/json", "{\"card\":\"stand-in\"}", 19);
}

static void stand_in_card_install(SandboxServer *sb)
{
    sandbox_add_handler(sb, "/card", stand_in_card_handler, NULL);
}

static void stand_in_card_write_settings(SandboxServer *sb, JsonObject *settings)
{
    g_autofree char *endpoint = g_strconcat(sandbox_base_url(sb), "/card", NULL);
    json_object_set_string_member(settings, "endpoint", endpoint);
}

static void stand_in_card_print_keys(FILE *out)
{
    fprintf(out, "secret_key: stand-in\n");
}

static const SandboxProvider stand_in_card_provider = {
    "card", "/card", stand_in_card_install, stand_in_card_write_settings, stand_in_card_print_keys};

static const SandboxProvider *const test_providers[] = {&echo_provider, &stand_in_card_provider};

int main(int argc, char **argv)
{
    return sandbox_cli_main(argc, argv, test_providers, G_N_ELEMENTS(test_providers));
}
