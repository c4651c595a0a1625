/* Webhook endpoints and Events. The merchant registers an endpoint (url,
 * enabled_events[]) and receives, for every status change, an Event
 * {"id":"evt_...","object":"event","type":...,"data":{"object":...}}
 * posted with Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" keyed with the endpoint's secret>. Any 2xx ends a
 * delivery; otherwise the frame retries on the schedule below, Stripe's
 * "up to three days with exponential backoff" (compressed by
 * --time-scale).
 *
 * Every endpoint signs with the one test secret CARD_WEBHOOK_SECRET, so
 * that the config tender-sandbox writes (webhook_secret) fits endpoints
 * registered later through the API too. */
#include "sandbox-card.h"

#include <string.h>

/* Seconds between attempts: about 5 min, 30 min, 2 h, 4 h, 8 h, 16 h after
 * the first, then daily until 72 hours have passed. */
static const double retry_delays[] = {300, 1500, 5400, 7200, 14400, 28800, 86400, 86400, 28800};

/* How many recent events GET /v1/events can still show: enough for a test
 * or a reconciliation run, small enough that a --state file saved after
 * every request stays small. */
#define EVENTS_KEPT 250

static gboolean accepted_2xx(guint status, const char *body, gsize len)
{
    (void)body;
    (void)len;
    return status >= 200 && status < 300;
}

char *card_signature_header(const char *secret, gint64 t, const char *body, gsize len)
{
    GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret));
    char *t_text = g_strdup_printf("%" G_GINT64_FORMAT, t);
    g_hmac_update(hmac, (const guchar *)t_text, strlen(t_text));
    g_hmac_update(hmac, (const guchar *)".", 1);
    g_hmac_update(hmac, (const guchar *)body, len);
    char *header = g_strdup_printf("t=%s,v1=%s", t_text, g_hmac_get_string(hmac));
    g_hmac_unref(hmac);
    g_free(t_text);
    return header;
}

/* Stripe signs every delivery attempt anew: t is the time of the attempt,
 * so that a merchant checking the timestamp's tolerance (five minutes by
 * default) accepts a retry hours later. data is the endpoint's secret. */
static void sign_attempt(SandboxServer *sb, guint attempt, const char *body, gsize len,
                         SoupMessageHeaders *headers, gpointer data)
{
    (void)attempt;
    const char *secret = data;
    char *signature = card_signature_header(secret, card_seconds(sandbox_now_ms(sb)), body, len);
    soup_message_headers_replace(headers, "Stripe-Signature", signature);
    g_free(signature);
}

/* Does the endpoint want events of type? */
static gboolean endpoint_wants(JsonObject *endpoint, const char *type)
{
    if (strcmp(json_object_get_string_member(endpoint, "status"), "enabled") != 0)
        return FALSE;
    JsonArray *events = json_object_get_array_member(endpoint, "enabled_events");
    for (guint i = 0; i < json_array_get_length(events); i++) {
        const char *wanted = json_array_get_string_element(events, i);
        if (strcmp(wanted, "*") == 0 || strcmp(wanted, type) == 0)
            return TRUE;
    }
    return FALSE;
}

/* Keep event for GET /v1/events (the newest EVENTS_KEPT, oldest dropped
 * first): Stripe's way for a merchant to find events it missed. */
static void events_keep(CardCall *call, JsonObject *event)
{
    JsonObject *events = card_collection(call->state, "events");
    if (!json_object_has_member(call->state, "event_order"))
        json_object_set_array_member(call->state, "event_order", json_array_new());
    JsonArray *order = json_object_get_array_member(call->state, "event_order");
    const char *id = json_object_get_string_member(event, "id");
    json_object_set_object_member(events, id, json_object_ref(event));
    json_array_add_string_element(order, id);
    while (json_array_get_length(order) > EVENTS_KEPT) {
        json_object_remove_member(events, json_array_get_string_element(order, 0));
        json_array_remove_element(order, 0);
    }
}

void card_event_emit(CardCall *call, const char *type, JsonObject *object)
{
    JsonObject *endpoints = card_collection(call->state, "webhook_endpoints");
    GList *ids = json_object_get_members(endpoints);
    GPtrArray *targets = g_ptr_array_new();
    for (GList *l = ids; l; l = l->next) {
        JsonObject *endpoint = json_object_get_object_member(endpoints, l->data);
        if (endpoint_wants(endpoint, type))
            g_ptr_array_add(targets, endpoint);
    }
    g_list_free(ids);
    JsonObject *event = json_object_new();
    char *id = sandbox_new_id("evt_");
    json_object_set_string_member(event, "id", id);
    json_object_set_string_member(event, "object", "event");
    json_object_set_string_member(event, "api_version", "2024-06-20");
    json_object_set_int_member(event, "created", card_seconds(call->now_ms));
    JsonObject *data = json_object_new();
    /* A deep copy through text: the live object changes later, and the
     * body is fixed now anyway. */
    JsonNode *node = json_node_init_object(json_node_alloc(), object);
    char *object_text = json_to_string(node, FALSE);
    json_node_unref(node);
    json_object_set_member(data, "object", json_from_string(object_text, NULL));
    g_free(object_text);
    json_object_set_object_member(event, "data", data);
    json_object_set_boolean_member(event, "livemode", FALSE);
    json_object_set_int_member(event, "pending_webhooks", targets->len);
    JsonObject *request = json_object_new();
    if (call->request_id)
        json_object_set_string_member(request, "id", call->request_id);
    else
        json_object_set_null_member(request, "id");
    if (call->idempotency_key)
        json_object_set_string_member(request, "idempotency_key", call->idempotency_key);
    else
        json_object_set_null_member(request, "idempotency_key");
    json_object_set_object_member(event, "request", request);
    json_object_set_string_member(event, "type", type);
    JsonNode *event_node = json_node_init_object(json_node_alloc(), event);
    char *body = json_to_string(event_node, FALSE);
    json_node_unref(event_node);
    events_keep(call, event);
    json_object_unref(event);

    for (guint i = 0; i < targets->len; i++) {
        JsonObject *endpoint = targets->pdata[i];
        SandboxNotification n = {
            .provider = "card",
            .url = json_object_get_string_member(endpoint, "url"),
            .content_type = "application/json; charset=utf-8",
            .body = body,
            .body_len = strlen(body),
            .accepted = accepted_2xx,
            .delays = retry_delays,
            .n_delays = G_N_ELEMENTS(retry_delays),
            .attempt_headers = sign_attempt,
            .attempt_data = g_strdup(json_object_get_string_member(endpoint, "secret")),
            .attempt_data_free = g_free,
        };
        sandbox_notify(call->sb, &n);
    }
    if (targets->len > 0)
        sandbox_log("card", "event %s %s to %u endpoint(s)", id, type, targets->len);
    g_ptr_array_free(targets, TRUE);
    g_free(body);
    g_free(id);
}

/* ---- Endpoints ------------------------------------------------------------- */

/* An event name as Stripe writes them ("payment_intent.succeeded") or "*". */
static gboolean event_name_valid(const char *name)
{
    if (strcmp(name, "*") == 0)
        return TRUE;
    if (!strchr(name, '.') || name[0] == '.' || name[strlen(name) - 1] == '.')
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (!(g_ascii_islower(*p) || *p == '_' || *p == '.'))
            return FALSE;
    }
    return TRUE;
}

static JsonObject *endpoint_new(CardCall *call, const char *url, char **events,
                                const char *description)
{
    JsonObject *endpoint = json_object_new();
    char *id = sandbox_new_id("we_");
    json_object_set_string_member(endpoint, "id", id);
    json_object_set_string_member(endpoint, "object", "webhook_endpoint");
    json_object_set_null_member(endpoint, "api_version");
    json_object_set_null_member(endpoint, "application");
    json_object_set_int_member(endpoint, "created", card_seconds(call->now_ms));
    if (description)
        json_object_set_string_member(endpoint, "description", description);
    else
        json_object_set_null_member(endpoint, "description");
    JsonArray *enabled = json_array_new();
    for (guint i = 0; events[i]; i++)
        json_array_add_string_element(enabled, events[i]);
    json_object_set_array_member(endpoint, "enabled_events", enabled);
    json_object_set_boolean_member(endpoint, "livemode", FALSE);
    json_object_set_object_member(endpoint, "metadata", json_object_new());
    json_object_set_string_member(endpoint, "secret", CARD_WEBHOOK_SECRET);
    json_object_set_string_member(endpoint, "status", "enabled");
    json_object_set_string_member(endpoint, "url", url);
    json_object_set_object_member(card_collection(call->state, "webhook_endpoints"), id, endpoint);
    g_free(id);
    return endpoint;
}

/* Stripe shows the secret only in the answer to the creation. */
static JsonObject *endpoint_public(JsonObject *endpoint)
{
    JsonObject *view = json_object_new();
    GList *names = json_object_get_members(endpoint);
    for (GList *l = names; l; l = l->next) {
        if (strcmp(l->data, "secret") != 0)
            json_object_set_member(view, l->data,
                                   json_node_copy(json_object_get_member(endpoint, l->data)));
    }
    g_list_free(names);
    return view;
}

CardAnswer card_webhook_endpoint_create(CardCall *call)
{
    const char *url = card_param(call->params, "url");
    if (url == NULL)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_missing",
                          "url", "Missing required param: url.");
    GUri *uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    gboolean url_ok = uri != NULL && (strcmp(g_uri_get_scheme(uri), "http") == 0 ||
                                      strcmp(g_uri_get_scheme(uri), "https") == 0);
    if (uri)
        g_uri_unref(uri);
    if (!url_ok)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "url_invalid", "url",
                          "Invalid URL: %s", url);
    char **events = card_param_list(call->params, "enabled_events");
    if (events == NULL || events[0] == NULL) {
        g_strfreev(events);
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_missing",
                          "enabled_events", "Missing required param: enabled_events.");
    }
    for (guint i = 0; events[i]; i++) {
        if (!event_name_valid(events[i])) {
            CardAnswer refusal =
                card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "enabled_events",
                           "Invalid event type in enabled_events: %s", events[i]);
            g_strfreev(events);
            return refusal;
        }
    }
    JsonObject *endpoint = endpoint_new(call, url, events, card_param(call->params, "description"));
    g_strfreev(events);
    return card_ok(json_object_ref(endpoint));
}

static CardAnswer no_such_endpoint(const char *id)
{
    return card_error(SOUP_STATUS_NOT_FOUND, "invalid_request_error", "resource_missing",
                      "webhook_endpoint", "No such webhook endpoint: '%s'", id);
}

CardAnswer card_webhook_endpoint_retrieve(CardCall *call, const char *id)
{
    JsonObject *endpoints = card_collection(call->state, "webhook_endpoints");
    if (!json_object_has_member(endpoints, id))
        return no_such_endpoint(id);
    return card_ok(endpoint_public(json_object_get_object_member(endpoints, id)));
}

CardAnswer card_webhook_endpoint_list(CardCall *call)
{
    JsonObject *endpoints = card_collection(call->state, "webhook_endpoints");
    JsonArray *data = json_array_new();
    GList *ids = json_object_get_members(endpoints);
    for (GList *l = ids; l; l = l->next)
        json_array_add_object_element(
            data, endpoint_public(json_object_get_object_member(endpoints, l->data)));
    g_list_free(ids);
    JsonObject *list = json_object_new();
    json_object_set_string_member(list, "object", "list");
    json_object_set_array_member(list, "data", data);
    json_object_set_boolean_member(list, "has_more", FALSE);
    json_object_set_string_member(list, "url", "/v1/webhook_endpoints");
    return card_ok(list);
}

CardAnswer card_webhook_endpoint_delete(CardCall *call, const char *id)
{
    JsonObject *endpoints = card_collection(call->state, "webhook_endpoints");
    if (!json_object_has_member(endpoints, id))
        return no_such_endpoint(id);
    json_object_remove_member(endpoints, id);
    JsonObject *deleted = json_object_new();
    json_object_set_string_member(deleted, "id", id);
    json_object_set_string_member(deleted, "object", "webhook_endpoint");
    json_object_set_boolean_member(deleted, "deleted", TRUE);
    return card_ok(deleted);
}

void card_webhook_endpoint_ensure(SandboxServer *sb, const char *url)
{
    CardCall call = {.sb = sb, .state = sandbox_state(sb, "card"), .now_ms = sandbox_now_ms(sb)};
    JsonObject *endpoints = card_collection(call.state, "webhook_endpoints");
    GList *ids = json_object_get_members(endpoints);
    gboolean known = FALSE;
    for (GList *l = ids; l && !known; l = l->next) {
        JsonObject *endpoint = json_object_get_object_member(endpoints, l->data);
        known = strcmp(json_object_get_string_member(endpoint, "url"), url) == 0;
    }
    g_list_free(ids);
    if (known)
        return;
    char *all[] = {"*", NULL};
    endpoint_new(&call, url, all, "Registered by tender-sandbox --webhook-base");
    sandbox_state_changed(sb);
    sandbox_log("card", "webhook endpoint registered for %s", url);
}

/* ---- Events --------------------------------------------------------------- */

CardAnswer card_event_retrieve(CardCall *call, const char *id)
{
    JsonObject *events = card_collection(call->state, "events");
    if (!json_object_has_member(events, id))
        return card_error(SOUP_STATUS_NOT_FOUND, "invalid_request_error", "resource_missing", "id",
                          "No such event: '%s'", id);
    return card_ok(json_object_ref(json_object_get_object_member(events, id)));
}

CardAnswer card_event_list(CardCall *call)
{
    const char *type = card_param(call->params, "type");
    const char *starting_after = card_param(call->params, "starting_after");
    const char *limit_text = card_param(call->params, "limit");
    gint64 limit = 10;
    if (limit_text != NULL) {
        char *end = NULL;
        limit = g_ascii_strtoll(limit_text, &end, 10);
        if (*end != '\0' || limit < 1 || limit > 100)
            return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "limit",
                              "Invalid limit: must be an integer between 1 and 100");
    }
    JsonObject *events = card_collection(call->state, "events");
    JsonArray *order = json_object_has_member(call->state, "event_order")
                           ? json_object_get_array_member(call->state, "event_order")
                           : NULL;
    JsonArray *data = json_array_new();
    gboolean has_more = FALSE;
    /* Newest first, as Stripe lists. */
    gboolean skipping = starting_after != NULL;
    for (gint i = order ? (gint)json_array_get_length(order) - 1 : -1; i >= 0; i--) {
        const char *id = json_array_get_string_element(order, i);
        if (skipping) {
            skipping = strcmp(id, starting_after) != 0;
            continue;
        }
        JsonObject *event = json_object_get_object_member(events, id);
        if (type != NULL && strcmp(json_object_get_string_member(event, "type"), type) != 0)
            continue;
        if ((gint64)json_array_get_length(data) == limit) {
            has_more = TRUE;
            break;
        }
        json_array_add_object_element(data, json_object_ref(event));
    }
    JsonObject *list = json_object_new();
    json_object_set_string_member(list, "object", "list");
    json_object_set_array_member(list, "data", data);
    json_object_set_boolean_member(list, "has_more", has_more);
    json_object_set_string_member(list, "url", "/v1/events");
    return card_ok(list);
}
