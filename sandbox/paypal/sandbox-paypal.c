/* The simulated PayPal provider: routing under /paypal, PayPal's error
 * body, PayPal-Request-Id replays, and the provider's entry points for
 * the frame (settings for a Tender config, the printed test keys).
 *
 * Routes (all under the prefix /paypal, as under https://api-m.paypal.com):
 *   POST /v1/oauth2/token                          client credentials
 *   /v2/checkout/orders[/{id}[/authorize|/capture]] Orders v2
 *   /v2/payments/authorizations|captures|refunds/...  Payments v2
 *   /v1/notifications/webhooks[/{id}]              webhook registrations
 *   GET /v1/notifications/certs/{name}             the signing certificate
 *   GET|POST /checkoutnow?token={order}           the payer's approval page */
#include "sandbox-paypal-internal.h"

#include <string.h>

/* The request being answered, for paypal_respond_object's replay record.
 * Handlers run one at a time on the main loop (sandbox.h). */
static SandboxServer *paypal_current_sb;
static char *paypal_current_replay_key;

JsonObject *paypal_table(SandboxServer *sb, const char *kind)
{
    JsonObject *state = sandbox_state(sb, PAYPAL_PROVIDER);
    if (!json_object_has_member(state, kind)) {
        JsonObject *table = json_object_new();
        json_object_set_object_member(state, kind, table);
    }
    return json_object_get_object_member(state, kind);
}

char *paypal_time_text(gint64 unix_ms)
{
    GDateTime *time = g_date_time_new_from_unix_utc(unix_ms / 1000);
    char *text = g_date_time_format(time, "%Y-%m-%dT%H:%M:%SZ");
    g_date_time_unref(time);
    return text;
}

gint64 paypal_period_ms(SandboxServer *sb, gint64 seconds)
{
    double scale = sandbox_time_scale(sb);
    if (scale <= 0)
        scale = 1;
    return (gint64)((double)seconds * 1000.0 / scale);
}

char *paypal_new_resource_id(void)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char *id = g_malloc(18);
    for (int i = 0; i < 17; i++)
        id[i] = alphabet[g_random_int_range(0, 36)];
    id[17] = '\0';
    return id;
}

const char *paypal_json_text(JsonObject *object, const char *name)
{
    if (object == NULL || !json_object_has_member(object, name))
        return NULL;
    JsonNode *node = json_object_get_member(object, name);
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

gboolean paypal_json_flag(JsonObject *object, const char *name, gboolean fallback)
{
    if (object == NULL || !json_object_has_member(object, name))
        return fallback;
    JsonNode *node = json_object_get_member(object, name);
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
        return fallback;
    return json_node_get_boolean(node);
}

JsonNode *paypal_link(const char *href, const char *rel, const char *method)
{
    JsonObject *link = json_object_new();
    json_object_set_string_member(link, "href", href);
    json_object_set_string_member(link, "rel", rel);
    json_object_set_string_member(link, "method", method);
    JsonNode *node = json_node_init_object(json_node_alloc(), link);
    json_object_unref(link);
    return node;
}

/* ---- Answers ---------------------------------------------------------- */

void paypal_respond_error(SoupServerMessage *msg, guint status, const char *name,
                          const char *issue, const char *description, const char *field)
{
    static const struct {
        const char *name;
        const char *message;
    } messages[] = {
        {"INVALID_REQUEST",
         "Request is not well-formed, syntactically incorrect, or violates schema."},
        {"UNPROCESSABLE_ENTITY", "The requested action could not be performed, semantically "
                                 "incorrect, or failed business validation."},
        {"RESOURCE_NOT_FOUND", "The specified resource does not exist."},
        {"AUTHENTICATION_FAILURE", "Authentication failed due to invalid authentication "
                                   "credentials or a missing Authorization header."},
        {"METHOD_NOT_SUPPORTED", "The server does not implement the requested HTTP method."},
    };
    const char *message = "An internal server error has occurred.";
    for (gsize i = 0; i < G_N_ELEMENTS(messages); i++)
        if (strcmp(messages[i].name, name) == 0)
            message = messages[i].message;

    char *debug_id = sandbox_new_id("");
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    json_builder_set_member_name(b, "debug_id");
    json_builder_add_string_value(b, debug_id);
    if (issue != NULL) {
        json_builder_set_member_name(b, "details");
        json_builder_begin_array(b);
        json_builder_begin_object(b);
        if (field != NULL) {
            json_builder_set_member_name(b, "field");
            json_builder_add_string_value(b, field);
            json_builder_set_member_name(b, "location");
            json_builder_add_string_value(b, "body");
        }
        json_builder_set_member_name(b, "issue");
        json_builder_add_string_value(b, issue);
        json_builder_set_member_name(b, "description");
        json_builder_add_string_value(b, description != NULL ? description : issue);
        json_builder_end_object(b);
        json_builder_end_array(b);
    }
    char *href = g_strdup_printf("https://developer.paypal.com/api/rest/reference/orders/v2/"
                                 "errors/#%s",
                                 issue != NULL ? issue : name);
    json_builder_set_member_name(b, "links");
    json_builder_begin_array(b);
    json_builder_add_value(b, paypal_link(href, "information_link", "GET"));
    json_builder_end_array(b);
    json_builder_end_object(b);
    JsonNode *root = json_builder_get_root(b);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Paypal-Debug-Id",
                                 debug_id);
    sandbox_respond_json(msg, status, root);
    sandbox_log(PAYPAL_PROVIDER, "%u %s%s%s", status, name, issue != NULL ? " " : "",
                issue != NULL ? issue : "");
    json_node_unref(root);
    g_object_unref(b);
    g_free(href);
    g_free(debug_id);
}

void paypal_respond_not_found(SoupServerMessage *msg)
{
    paypal_respond_error(msg, 404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID",
                         "Specified resource ID does not exist. Please check the resource ID "
                         "and try again.",
                         NULL);
}

void paypal_respond_unprocessable(SoupServerMessage *msg, const char *issue,
                                  const char *description)
{
    paypal_respond_error(msg, 422, "UNPROCESSABLE_ENTITY", issue, description, NULL);
}

void paypal_respond_invalid(SoupServerMessage *msg, const char *issue, const char *description,
                            const char *field)
{
    paypal_respond_error(msg, 400, "INVALID_REQUEST", issue, description, field);
}

void paypal_respond_object(SoupServerMessage *msg, guint status, JsonObject *object)
{
    JsonNode *node = NULL;
    char *body = NULL;
    if (object != NULL) {
        node = json_node_init_object(json_node_alloc(), object);
        body = json_to_string(node, FALSE);
        sandbox_respond(msg, status, "application/json", body, strlen(body));
    } else {
        body = g_strdup("");
        soup_server_message_set_status(msg, status, NULL);
    }
    /* PayPal-Request-Id: a later request with the same id (and the same
     * operation) gets this very answer, and nothing happens again. Only
     * successes are kept: a refused request may be retried. */
    if (paypal_current_replay_key != NULL && status >= 200 && status < 300) {
        JsonObject *replays = paypal_table(paypal_current_sb, "replays");
        JsonObject *record = json_object_new();
        json_object_set_int_member(record, "status", status);
        json_object_set_string_member(record, "body", body);
        json_object_set_object_member(replays, paypal_current_replay_key, record);
        sandbox_state_changed(paypal_current_sb);
    }
    g_free(body);
    if (node != NULL)
        json_node_unref(node);
}

JsonObject *paypal_request_object(SoupServerMessage *msg)
{
    gsize len = 0;
    const char *body = sandbox_request_body(msg, &len);
    if (body == NULL || len == 0)
        return json_object_new();
    JsonParser *parser = json_parser_new();
    JsonObject *object = NULL;
    if (json_parser_load_from_data(parser, body, (gssize)len, NULL)) {
        JsonNode *root = json_parser_get_root(parser);
        if (root != NULL && JSON_NODE_HOLDS_OBJECT(root))
            object = json_object_ref(json_node_get_object(root));
    }
    g_object_unref(parser);
    if (object == NULL)
        paypal_respond_invalid(msg, "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.",
                               NULL);
    return object;
}

/* ---- Routing ------------------------------------------------------------ */

static gboolean paypal_replayed(SandboxServer *sb, SoupServerMessage *msg, const char *key)
{
    JsonObject *replays = paypal_table(sb, "replays");
    if (!json_object_has_member(replays, key))
        return FALSE;
    JsonObject *record = json_object_get_object_member(replays, key);
    const char *body = json_object_get_string_member(record, "body");
    guint status = (guint)json_object_get_int_member(record, "status");
    if (*body != '\0')
        sandbox_respond(msg, status, "application/json", body, strlen(body));
    else
        soup_server_message_set_status(msg, status, NULL);
    sandbox_log(PAYPAL_PROVIDER, "replayed the answer for PayPal-Request-Id %s", key);
    return TRUE;
}

static void paypal_route(SandboxServer *sb, SoupServerMessage *msg, const char *path)
{
    const char *method = soup_server_message_get_method(msg);

    if (strcmp(path, "/v1/oauth2/token") == 0) {
        paypal_handle_token(sb, msg);
        return;
    }
    if (strcmp(path, "/checkoutnow") == 0) {
        paypal_handle_checkout_page(sb, msg);
        return;
    }
    if (g_str_has_prefix(path, "/v1/notifications/certs/")) {
        paypal_handle_cert(msg, path + strlen("/v1/notifications/certs/"));
        return;
    }

    const char *api = NULL;
    const char *rest = NULL;
    if (g_str_has_prefix(path, "/v2/checkout/orders")) {
        api = "orders";
        rest = path + strlen("/v2/checkout/orders");
    } else if (g_str_has_prefix(path, "/v2/payments/")) {
        api = "payments";
        rest = path + strlen("/v2/payments");
    } else if (g_str_has_prefix(path, "/v1/notifications/")) {
        api = "notifications";
        rest = path + strlen("/v1/notifications");
    }
    if (api == NULL) {
        paypal_respond_error(msg, 404, "RESOURCE_NOT_FOUND", "INVALID_URI",
                             "The requested URI does not exist.", NULL);
        return;
    }
    if (!paypal_require_bearer(sb, msg))
        return;
    paypal_settle_pending(sb);

    const char *request_id = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                                          "PayPal-Request-Id");
    if (strcmp(method, "POST") == 0 && request_id != NULL && *request_id != '\0') {
        char *key = g_strdup_printf("%s %s|%s", method, path, request_id);
        if (paypal_replayed(sb, msg, key)) {
            g_free(key);
            return;
        }
        paypal_current_replay_key = key;
    }
    paypal_current_sb = sb;

    if (strcmp(api, "orders") == 0)
        paypal_handle_orders(sb, msg, rest);
    else if (strcmp(api, "payments") == 0)
        paypal_handle_payments(sb, msg, rest);
    else
        paypal_handle_notifications(sb, msg, rest);

    g_clear_pointer(&paypal_current_replay_key, g_free);
    paypal_current_sb = NULL;
}

static void paypal_server_callback(SoupServer *server, SoupServerMessage *msg, const char *path,
                                   GHashTable *query, gpointer user_data)
{
    (void)server;
    (void)query;
    SandboxServer *sb = user_data;
    const char *rest = path + strlen("/paypal");
    /* Tolerate one trailing slash, as PayPal's gateway does. */
    char *trimmed = g_strdup(rest);
    gsize len = strlen(trimmed);
    if (len > 1 && trimmed[len - 1] == '/')
        trimmed[len - 1] = '\0';
    paypal_route(sb, msg, trimmed);
    g_free(trimmed);
}

static void paypal_install(SandboxServer *sb)
{
    sandbox_add_handler(sb, "/paypal", paypal_server_callback, sb);
}

/* ---- Settings and keys ---------------------------------------------------- */

/* The test CA the plugin needs to check the webhook certificate's chain,
 * as a file: in the temporary directory, named by a digest of its content
 * so every sandbox writes the same file and none writes where it runs
 * (g_file_set_contents replaces it atomically). */
static char *paypal_write_ca_file(void)
{
    const char *pem = paypal_key_ca_pem();
    char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, pem, -1);
    char *name = g_strdup_printf("tender-sandbox-paypal-ca-%.16s.pem", digest);
    char *path = g_build_filename(g_get_tmp_dir(), name, NULL);
    g_free(name);
    g_free(digest);
    if (!g_file_set_contents(path, pem, -1, NULL))
        g_clear_pointer(&path, g_free);
    return path;
}

static void paypal_write_settings(SandboxServer *sb, JsonObject *settings)
{
    char *endpoint = g_strconcat(sandbox_base_url(sb), "/paypal", NULL);
    json_object_set_string_member(settings, "mode", "sandbox");
    json_object_set_string_member(settings, "endpoint", endpoint);
    json_object_set_string_member(settings, "client_id", PAYPAL_CLIENT_ID);
    json_object_set_string_member(settings, "client_secret", PAYPAL_CLIENT_SECRET);
    char *ca_file = paypal_write_ca_file();
    if (ca_file != NULL)
        json_object_set_string_member(settings, "webhook_ca_file", ca_file);
    else
        sandbox_log(PAYPAL_PROVIDER, "could not write the test CA file; webhook_ca_file unset");
    const char *webhook_base = sandbox_webhook_base(sb);
    if (webhook_base != NULL) {
        char *url = g_strconcat(webhook_base, "/v1/webhooks/paypal", NULL);
        json_object_set_string_member(settings, "webhook_id", paypal_webhook_ensure(sb, url));
        g_free(url);
    }
    g_free(ca_file);
    g_free(endpoint);
}

static void paypal_print_keys(FILE *out)
{
    fprintf(out, "PayPal (REST app; Tender settings methods.paypal.settings)\n");
    fprintf(out, "  client_id      %s\n", PAYPAL_CLIENT_ID);
    fprintf(out, "  client_secret  %s\n", PAYPAL_CLIENT_SECRET);
    fprintf(out, "  endpoint       <sandbox base URL>/paypal\n");
    fprintf(out, "  webhook_id     from POST /paypal/v1/notifications/webhooks (or --config-out)\n");
    fprintf(out, "  webhook_ca_file: a file holding this test CA, which issued the webhook "
                 "signing certificate served at PAYPAL-CERT-URL:\n%s",
            paypal_key_ca_pem());
    fprintf(out, "  The webhook signing certificate (%s):\n%s", PAYPAL_CERT_NAME,
            paypal_key_webhook_cert_pem());
}

const SandboxProvider sandbox_paypal_provider = {
    .name = "paypal",
    .prefix = "/paypal",
    .install = paypal_install,
    .write_settings = paypal_write_settings,
    .print_keys = paypal_print_keys,
};
