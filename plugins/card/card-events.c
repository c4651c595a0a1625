/* Finding the PaymentIntent of a payment whose authorization answer was
 * lost: the intent id never reached the plugin, but the gateway records an
 * Event for each change of an intent, and every intent the plugin creates
 * carries metadata[tender_payment_id]. GET /v1/events (newest first, paged
 * with starting_after) is Stripe's documented list of them; the search is
 * bounded, and finding nothing settles nothing. */
#include "card-ops.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "card-gateway.h"

/* Pages of 100 events looked through at most. */
#define EVENT_PAGES 5

/* The intent in list page reply whose metadata names payment_id (copied to
 * intent), and the last event's id (for the next page) in last. */
static int scan_page(const card_reply *reply, const char *payment_id, char *intent,
                     size_t intent_size, char *last, size_t last_size, int *more)
{
    JsonNode *data = json_object_has_member(reply->object, "data")
                         ? json_object_get_member(reply->object, "data")
                         : NULL;
    JsonArray *events = data && JSON_NODE_HOLDS_ARRAY(data) ? json_node_get_array(data) : NULL;
    JsonNode *has_more = json_object_has_member(reply->object, "has_more")
                             ? json_object_get_member(reply->object, "has_more")
                             : NULL;
    *more = has_more && JSON_NODE_HOLDS_VALUE(has_more) && json_node_get_boolean(has_more);
    last[0] = '\0';
    for (guint i = 0; events && i < json_array_get_length(events); i++) {
        JsonNode *node = json_array_get_element(events, i);
        if (!JSON_NODE_HOLDS_OBJECT(node))
            continue;
        JsonObject *event = json_node_get_object(node);
        const char *id = card_json_string(event, "id");
        if (id)
            tender_copy_string(last, last_size, id);
        JsonObject *object = card_json_object(card_json_object(event, "data"), "object");
        const char *object_id = card_json_string(object, "id");
        const char *named =
            card_json_string(card_json_object(object, "metadata"), "tender_payment_id");
        if (object_id && strncmp(object_id, "pi_", 3) == 0 && named &&
            strcmp(named, payment_id) == 0) {
            tender_copy_string(intent, intent_size, object_id);
            return 1;
        }
    }
    return 0;
}

int card_find_intent_of_payment(const card_config *config, const char *payment_id, char *intent,
                                size_t intent_size)
{
    if (payment_id == NULL || *payment_id == '\0')
        return 0;
    char last[128] = "";
    for (int page = 0; page < EVENT_PAGES; page++) {
        char path[256];
        if (last[0])
            tender_format_string(path, sizeof path, "/v1/events?limit=100&starting_after=%s", last);
        else
            tender_format_string(path, sizeof path, "/v1/events?limit=100");
        card_reply reply;
        card_gateway_call(config, "GET", path, NULL, NULL, &reply);
        int found = 0, more = 0;
        if (reply.kind == CARD_REPLY_ANSWER && reply.status == 200)
            found = scan_page(&reply, payment_id, intent, intent_size, last, sizeof last, &more);
        card_reply_clear(&reply);
        if (found) {
            tender_log(config->host, TENDER_LOG_INFO, config->method_id,
                       "found intent %s of payment %s among the gateway's events", intent,
                       payment_id);
            return 1;
        }
        if (!more || last[0] == '\0')
            break;
    }
    return 0;
}
