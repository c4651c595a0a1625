/* Refunds: POST /v1/refunds with payment_intent (or charge) and an
 * optional amount (the rest by default), GET /v1/refunds/{id}. Several
 * partial refunds are normal; together they never exceed what was
 * captured. Each refund updates its charge and posts charge.refunded
 * (the charge, as Stripe sends it) and refund.created (the refund). */
#include "sandbox-card.h"

#include <string.h>

static const char *const refund_reasons[] = {"duplicate", "fraudulent", "requested_by_customer",
                                             NULL};

static gboolean reason_valid(const char *reason)
{
    return reason == NULL || g_strv_contains(refund_reasons, reason);
}

/* The intent a refund names by payment_intent or by charge; NULL with
 * *refusal when neither is given or it does not exist. */
static JsonObject *refunded_intent(CardCall *call, CardAnswer *refusal)
{
    const char *intent_id = card_param(call->params, "payment_intent");
    const char *charge_id = card_param(call->params, "charge");
    if (intent_id == NULL && charge_id == NULL) {
        *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_missing",
                              "payment_intent",
                              "One of the following params should be provided for this request: "
                              "payment_intent or charge.");
        return NULL;
    }
    if (intent_id == NULL) {
        JsonObject *charges = card_collection(call->state, "charges");
        if (!json_object_has_member(charges, charge_id)) {
            *refusal = card_error(SOUP_STATUS_NOT_FOUND, "invalid_request_error",
                                  "resource_missing", "charge", "No such charge: '%s'", charge_id);
            return NULL;
        }
        intent_id = json_object_get_string_member(json_object_get_object_member(charges, charge_id),
                                                  "payment_intent");
    }
    JsonObject *intent = card_intent_lookup(call, intent_id);
    if (intent == NULL)
        *refusal = card_error(SOUP_STATUS_NOT_FOUND, "invalid_request_error", "resource_missing",
                              "payment_intent", "No such payment_intent: '%s'", intent_id);
    return intent;
}

CardAnswer card_refund_create(CardCall *call)
{
    CardAnswer refusal = {0, NULL};
    const char *amount_text = card_param(call->params, "amount");
    gint64 amount = 0;
    if (amount_text != NULL) {
        char *end = NULL;
        amount = g_ascii_strtoll(amount_text, &end, 10);
        if (!g_ascii_isdigit(amount_text[0]) || *end != '\0')
            return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error",
                              "parameter_invalid_integer", "amount", "Invalid integer: %s",
                              amount_text);
        if (amount < 1)
            return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "amount_too_small",
                              "amount", "This value must be greater than or equal to 1.");
    }
    const char *reason = card_param(call->params, "reason");
    if (!reason_valid(reason))
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "reason",
                          "Invalid reason: must be one of duplicate, fraudulent, or "
                          "requested_by_customer");
    JsonObject *intent = refunded_intent(call, &refusal);
    if (intent == NULL)
        return refusal;
    JsonObject *charge = card_intent_charge(call, intent);
    gint64 received = json_object_get_int_member(intent, "amount_received");
    if (charge == NULL || received == 0)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error",
                          "payment_intent_unexpected_state", "payment_intent",
                          "This PaymentIntent (%s) does not have a successful charge to refund.",
                          json_object_get_string_member(intent, "id"));
    const char *charge_id = json_object_get_string_member(charge, "id");
    gint64 refunded = json_object_get_int_member(charge, "amount_refunded");
    gint64 left = received - refunded;
    if (left == 0)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error",
                          "charge_already_refunded", NULL, "Charge %s has already been refunded.",
                          charge_id);
    if (amount_text == NULL)
        amount = left;
    if (amount > left)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "amount_too_large",
                          "amount",
                          "Refund amount (%" G_GINT64_FORMAT ") is greater than unrefunded amount "
                          "on charge (%" G_GINT64_FORMAT ")",
                          amount, left);

    JsonObject *refund = json_object_new();
    char *id = sandbox_new_id("re_");
    json_object_set_string_member(refund, "id", id);
    json_object_set_string_member(refund, "object", "refund");
    json_object_set_int_member(refund, "amount", amount);
    json_object_set_string_member(refund, "charge", charge_id);
    json_object_set_int_member(refund, "created", card_seconds(call->now_ms));
    json_object_set_string_member(refund, "currency",
                                  json_object_get_string_member(intent, "currency"));
    JsonObject *metadata = json_object_new();
    JsonObject *given = card_param_object(call->params, "metadata");
    GList *names = given ? json_object_get_members(given) : NULL;
    for (GList *l = names; l; l = l->next) {
        JsonNode *value = json_object_get_member(given, l->data);
        if (JSON_NODE_HOLDS_VALUE(value))
            json_object_set_string_member(metadata, l->data, json_node_get_string(value));
    }
    g_list_free(names);
    json_object_set_object_member(refund, "metadata", metadata);
    json_object_set_string_member(refund, "payment_intent",
                                  json_object_get_string_member(intent, "id"));
    if (reason)
        json_object_set_string_member(refund, "reason", reason);
    else
        json_object_set_null_member(refund, "reason");
    json_object_set_string_member(refund, "status", "succeeded");
    json_object_set_object_member(card_collection(call->state, "refunds"), id, refund);

    json_object_set_int_member(charge, "amount_refunded", refunded + amount);
    json_object_set_boolean_member(charge, "refunded",
                                   refunded + amount ==
                                       json_object_get_int_member(charge, "amount_captured"));
    card_event_emit(call, "charge.refunded", charge);
    card_event_emit(call, "refund.created", refund);
    g_free(id);
    return card_ok(json_object_ref(refund));
}

CardAnswer card_refund_retrieve(CardCall *call, const char *id)
{
    JsonObject *refunds = card_collection(call->state, "refunds");
    if (!json_object_has_member(refunds, id))
        return card_error(SOUP_STATUS_NOT_FOUND, "invalid_request_error", "resource_missing", "id",
                          "No such refund: '%s'", id);
    return card_ok(json_object_ref(json_object_get_object_member(refunds, id)));
}
