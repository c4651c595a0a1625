/* The card gateway's front door: the provider definition, routing of
 * /card/v1/... to the API handlers, the secret key check, idempotency
 * around every POST, the answer's headers (Request-Id,
 * Idempotent-Replayed), and the settings and keys it offers Tender. */
#include "sandbox-card.h"

#include <string.h>

#define CARD_PREFIX "/card"

/* The lapse sweep runs this often; an intent looked up in between is
 * lapsed on the spot, so the period only bounds when the event goes out. */
#define CARD_LAPSE_SWEEP_SECONDS 1

/* ---- Answers ---------------------------------------------------------- */

CardAnswer card_error(guint status, const char *type, const char *code, const char *param,
                      const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *message = g_strdup_vprintf(format, args);
    va_end(args);

    JsonObject *error = json_object_new();
    if (code != NULL) {
        json_object_set_string_member(error, "code", code);
        char *doc_url = g_strdup_printf("https://stripe.com/docs/error-codes/%s", code);
        for (char *p = doc_url + strlen("https://stripe.com/docs/error-codes/"); *p; p++) {
            if (*p == '_')
                *p = '-';
        }
        json_object_set_string_member(error, "doc_url", doc_url);
        g_free(doc_url);
    }
    json_object_set_string_member(error, "message", message);
    if (param != NULL)
        json_object_set_string_member(error, "param", param);
    json_object_set_string_member(error, "type", type);
    g_free(message);

    JsonObject *root = json_object_new();
    json_object_set_object_member(root, "error", error);
    CardAnswer answer = {status, json_node_init_object(json_node_alloc(), root)};
    json_object_unref(root);
    return answer;
}

JsonObject *card_error_object(CardAnswer *answer)
{
    return json_object_get_object_member(json_node_get_object(answer->body), "error");
}

CardAnswer card_ok(JsonObject *object)
{
    CardAnswer answer = {SOUP_STATUS_OK, json_node_init_object(json_node_alloc(), object)};
    json_object_unref(object);
    return answer;
}

JsonObject *card_collection(JsonObject *state, const char *name)
{
    if (!json_object_has_member(state, name))
        json_object_set_object_member(state, name, json_object_new());
    return json_object_get_object_member(state, name);
}

gint64 card_seconds(gint64 now_ms)
{
    return now_ms / 1000;
}

/* ---- Authentication --------------------------------------------------- */

/* The key as Stripe shows it in an error: its sk_test_ style prefix, stars,
 * the last four characters (new string). */
static char *mask_key(const char *key)
{
    gsize len = strlen(key);
    gsize prefix = 0;
    const char *first = strchr(key, '_');
    const char *second = first ? strchr(first + 1, '_') : NULL;
    if (second != NULL && second - key <= 8)
        prefix = second - key + 1;
    if (len >= prefix + 8)
        return g_strdup_printf("%.*s****%s", (int)prefix, key, key + len - 4);
    return g_strdup_printf("%.*s****", (int)prefix, key);
}

/* The key the request presents (Bearer, or Basic with the key as user
 * name as Stripe also accepts), new string or NULL. */
static char *presented_key(SoupServerMessage *msg)
{
    const char *auth =
        soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
    if (auth == NULL)
        return NULL;
    if (g_ascii_strncasecmp(auth, "Bearer ", 7) == 0)
        return g_strstrip(g_strdup(auth + 7));
    if (g_ascii_strncasecmp(auth, "Basic ", 6) == 0) {
        gsize len = 0;
        guchar *decoded = g_base64_decode(auth + 6, &len);
        char *text = g_strndup((const char *)decoded, len);
        g_free(decoded);
        char *colon = strchr(text, ':');
        if (colon != NULL)
            *colon = '\0';
        return text;
    }
    return NULL;
}

/* TRUE when the request carries the test secret key, else FALSE and the
 * 401 in *refusal. */
static gboolean check_key(SoupServerMessage *msg, CardAnswer *refusal)
{
    char *key = presented_key(msg);
    if (key == NULL || key[0] == '\0') {
        g_free(key);
        *refusal = card_error(SOUP_STATUS_UNAUTHORIZED, "invalid_request_error", NULL, NULL,
                              "You did not provide an API key. You need to provide your API key "
                              "in the Authorization header, using Bearer auth (e.g. "
                              "'Authorization: Bearer YOUR_SECRET_KEY').");
        return FALSE;
    }
    /* Compare digests, not the keys: how long a comparison of digests
     * takes tells nothing about how much of the key was right. */
    char *presented = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
    char *expected = g_compute_checksum_for_string(G_CHECKSUM_SHA256, CARD_SECRET_KEY, -1);
    gboolean right = strcmp(presented, expected) == 0;
    g_free(presented);
    g_free(expected);
    if (!right) {
        char *masked = mask_key(key);
        *refusal = card_error(SOUP_STATUS_UNAUTHORIZED, "invalid_request_error", NULL, NULL,
                              "Invalid API Key provided: %s", masked);
        g_free(masked);
    }
    memset(key, 0, strlen(key));
    g_free(key);
    return right;
}

/* ---- Routing ---------------------------------------------------------- */

/* The request's parameters: the form body of a POST, the query of a GET
 * or DELETE. NULL when they do not decode. */
static JsonObject *request_params(SoupServerMessage *msg, const char *method)
{
    if (strcmp(method, "POST") == 0) {
        gsize len = 0;
        const char *body = sandbox_request_body(msg, &len);
        return card_form_decode(body ? body : "", body ? len : 0);
    }
    const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
    return card_form_decode(query ? query : "", query ? strlen(query) : 0);
}

static CardAnswer unrecognized(const char *method, const char *path)
{
    return card_error(SOUP_STATUS_NOT_FOUND, "invalid_request_error", NULL, NULL,
                      "Unrecognized request URL (%s: %s). Please see https://stripe.com/docs "
                      "or we can help at https://support.stripe.com/.",
                      method, path);
}

/* Run the handler for method and api_path ("/v1/..."). */
static CardAnswer route(CardCall *call, const char *method, const char *api_path)
{
    char **parts = g_strsplit(api_path + 1, "/", -1); /* "v1", resource, id, action */
    guint n = g_strv_length(parts);
    gboolean post = strcmp(method, "POST") == 0;
    gboolean get = strcmp(method, "GET") == 0;
    CardAnswer answer = {0, NULL};
    const char *resource = n >= 2 ? parts[1] : "";
    const char *id = n >= 3 && parts[2][0] != '\0' ? parts[2] : NULL;
    const char *action = n == 4 ? parts[3] : NULL;

    if (n < 2 || n > 4 || strcmp(parts[0], "v1") != 0) {
        /* falls through to unrecognized */
    } else if (strcmp(resource, "payment_intents") == 0) {
        if (n == 2 && post)
            answer = card_intent_create(call);
        else if (n == 3 && id && get)
            answer = card_intent_retrieve(call, id);
        else if (n == 4 && id && post && strcmp(action, "confirm") == 0)
            answer = card_intent_confirm(call, id);
        else if (n == 4 && id && post && strcmp(action, "capture") == 0)
            answer = card_intent_capture(call, id);
        else if (n == 4 && id && post && strcmp(action, "cancel") == 0)
            answer = card_intent_cancel(call, id);
    } else if (strcmp(resource, "events") == 0) {
        if (n == 2 && get)
            answer = card_event_list(call);
        else if (n == 3 && id && get)
            answer = card_event_retrieve(call, id);
    } else if (strcmp(resource, "charges") == 0) {
        if (n == 3 && id && get)
            answer = card_charge_retrieve(call, id);
    } else if (strcmp(resource, "refunds") == 0) {
        if (n == 2 && post)
            answer = card_refund_create(call);
        else if (n == 3 && id && get)
            answer = card_refund_retrieve(call, id);
    } else if (strcmp(resource, "webhook_endpoints") == 0) {
        if (n == 2 && post)
            answer = card_webhook_endpoint_create(call);
        else if (n == 2 && get)
            answer = card_webhook_endpoint_list(call);
        else if (n == 3 && id && get)
            answer = card_webhook_endpoint_retrieve(call, id);
        else if (n == 3 && id && strcmp(method, "DELETE") == 0)
            answer = card_webhook_endpoint_delete(call, id);
    }
    g_strfreev(parts);
    if (answer.body == NULL)
        answer = unrecognized(method, api_path);
    return answer;
}

static void respond(SoupServerMessage *msg, const CardAnswer *answer, const char *request_id,
                    gboolean replayed)
{
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    soup_message_headers_replace(headers, "Request-Id", request_id);
    if (replayed)
        soup_message_headers_replace(headers, "Idempotent-Replayed", "true");
    sandbox_respond_json(msg, answer->status, answer->body);
}

/* The API: key, parameters, idempotency, handler, answer. */
static void serve_api(SandboxServer *sb, SoupServerMessage *msg, const char *api_path)
{
    const char *method = soup_server_message_get_method(msg);
    char *request_id = sandbox_new_id("req_");
    CardAnswer answer = {0, NULL};
    gboolean replayed = FALSE;
    JsonObject *params = NULL;
    char *fingerprint = NULL;

    if (!check_key(msg, &answer))
        goto done;
    params = request_params(msg, method);
    if (params == NULL) {
        answer = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, NULL,
                            "Invalid request: the parameters could not be decoded as "
                            "application/x-www-form-urlencoded with bracketed names.");
        goto done;
    }

    CardCall call = {
        .sb = sb,
        .state = sandbox_state(sb, "card"),
        .params = params,
        .request_id = request_id,
        .idempotency_key = soup_message_headers_get_one(
            soup_server_message_get_request_headers(msg), "Idempotency-Key"),
        .now_ms = sandbox_now_ms(sb),
    };
    if (call.idempotency_key != NULL && strcmp(method, "POST") != 0)
        call.idempotency_key = NULL; /* Stripe: only POST requests are idempotent by key */
    if (call.idempotency_key != NULL) {
        fingerprint = card_params_fingerprint(method, api_path, params);
        CardIdempotency seen = card_idempotency_check(&call, fingerprint, &answer);
        if (seen != CARD_IDEMPOTENCY_NEW) {
            replayed = seen == CARD_IDEMPOTENCY_REPLAY;
            goto done;
        }
    }
    answer = route(&call, method, api_path);
    if (call.idempotency_key != NULL)
        card_idempotency_save(&call, fingerprint, &answer);
    if (strcmp(method, "GET") != 0)
        sandbox_state_changed(sb);

done:
    /* The frame logs every request; only what it cannot see is added. */
    if (replayed)
        sandbox_log("card", "%s %s answered from its Idempotency-Key record", method, api_path);
    respond(msg, &answer, request_id, replayed);
    json_node_unref(answer.body);
    if (params != NULL)
        json_object_unref(params);
    g_free(fingerprint);
    g_free(request_id);
}

static void card_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                         GHashTable *query, gpointer user_data)
{
    (void)server;
    (void)query;
    SandboxServer *sb = user_data;
    const char *rest = path + strlen(CARD_PREFIX);
    if (g_str_has_prefix(rest, "/3ds/") && rest[5] != '\0' && strchr(rest + 5, '/') == NULL) {
        card_3ds_page(sb, msg, rest + 5);
        return;
    }
    if (g_str_has_prefix(rest, "/v1/")) {
        serve_api(sb, msg, rest);
        return;
    }
    CardAnswer answer = unrecognized(soup_server_message_get_method(msg), path);
    char *request_id = sandbox_new_id("req_");
    respond(msg, &answer, request_id, FALSE);
    g_free(request_id);
    json_node_unref(answer.body);
}

/* ---- The provider ----------------------------------------------------- */

static gboolean lapse_sweep(gpointer user_data)
{
    card_intents_lapse_all(user_data);
    return G_SOURCE_CONTINUE;
}

static void card_install(SandboxServer *sb)
{
    sandbox_add_handler(sb, CARD_PREFIX, card_handler, sb);
    const char *webhook_base = sandbox_webhook_base(sb);
    if (webhook_base != NULL) {
        char *url = g_strconcat(webhook_base, "/v1/webhooks/card", NULL);
        card_webhook_endpoint_ensure(sb, url);
        g_free(url);
    }
    /* Authorizations made in an earlier run (--state) may have lapsed
     * while it was stopped. */
    card_intents_lapse_all(sb);
    g_timeout_add_seconds(CARD_LAPSE_SWEEP_SECONDS, lapse_sweep, sb);
}

static void card_write_settings(SandboxServer *sb, JsonObject *settings)
{
    char *endpoint = g_strconcat(sandbox_base_url(sb), CARD_PREFIX, NULL);
    json_object_set_string_member(settings, "endpoint", endpoint);
    json_object_set_string_member(settings, "secret_key", CARD_SECRET_KEY);
    json_object_set_string_member(settings, "mode", "sandbox");
    /* With --webhook-base the endpoint registered at install carries this
     * secret; without it, so does every endpoint registered later. */
    json_object_set_string_member(settings, "webhook_secret", CARD_WEBHOOK_SECRET);
    g_free(endpoint);
}

static void card_print_keys(FILE *out)
{
    fprintf(out, "  (a Stripe-style PaymentIntents gateway; send the secret key as "
                 "Authorization: Bearer)\n");
    fprintf(out, "  secret_key       %s\n", CARD_SECRET_KEY);
    fprintf(out, "  publishable_key  %s\n", CARD_PUBLISHABLE_KEY);
    fprintf(out, "  webhook_secret   %s (every webhook endpoint's signing secret)\n",
            CARD_WEBHOOK_SECRET);
    fprintf(out, "  3-D Secure code  %s (any other code fails authentication)\n", CARD_3DS_CODE);
    fprintf(out, "  test cards       4242424242424242 approved; 4000000000000002 declined; "
                 "4000000000003220 challenge; see docs/sandbox.md\n");
}

const SandboxProvider sandbox_card_provider = {
    .name = "card",
    .prefix = CARD_PREFIX,
    .install = card_install,
    .write_settings = card_write_settings,
    .print_keys = card_print_keys,
};
