/* Charges: the record of one confirmation attempt that reached the
 * issuer (or was blocked on the way), as a PaymentIntent's latest_charge.
 * It carries what the merchant may read about the card and the outcome:
 * payment_method_details.card (brand, last4, checks, three_d_secure,
 * multicapture) and outcome (network_status, type, reason). Capture and
 * refunds update its amount_captured and amount_refunded. */
#include "sandbox-card.h"

#include <string.h>

JsonObject *card_charge_new(CardCall *call, JsonObject *intent, const char *code,
                            const char *decline_code, const char *three_d_secure)
{
    JsonObject *facts =
        json_object_get_object_member(json_object_get_object_member(intent, "_sandbox"), "card");
    gboolean paid = code == NULL;
    JsonObject *charge = json_object_new();
    char *id = sandbox_new_id("ch_");
    json_object_set_string_member(charge, "id", id);
    json_object_set_string_member(charge, "object", "charge");
    json_object_set_int_member(charge, "amount", json_object_get_int_member(intent, "amount"));
    json_object_set_int_member(charge, "amount_captured", 0);
    json_object_set_int_member(charge, "amount_refunded", 0);
    json_object_set_boolean_member(charge, "captured", FALSE);
    json_object_set_int_member(charge, "created", card_seconds(call->now_ms));
    json_object_set_string_member(charge, "currency",
                                  json_object_get_string_member(intent, "currency"));
    json_object_set_member(charge, "description",
                           json_node_copy(json_object_get_member(intent, "description")));
    if (paid) {
        json_object_set_null_member(charge, "failure_code");
        json_object_set_null_member(charge, "failure_message");
    } else {
        json_object_set_string_member(charge, "failure_code", code);
        json_object_set_string_member(charge, "failure_message",
                                      card_error_message(code, decline_code));
    }
    json_object_set_boolean_member(charge, "livemode", FALSE);
    json_object_set_member(charge, "metadata",
                           json_node_copy(json_object_get_member(intent, "metadata")));

    JsonObject *outcome = json_object_new();
    const char *network_status = "approved_by_network";
    const char *type = "authorized";
    const char *reason = NULL;
    const char *risk_level = "normal";
    if (g_strcmp0(decline_code, "fraudulent") == 0) {
        network_status = "not_sent_to_network";
        type = "blocked";
        reason = "highest_risk_level";
        risk_level = "highest";
    } else if (g_strcmp0(code, "payment_intent_authentication_failure") == 0) {
        network_status = "not_sent_to_network";
        type = "blocked";
        reason = "authentication_failed";
    } else if (!paid) {
        network_status = "declined_by_network";
        type = "issuer_declined";
        reason = decline_code ? decline_code : code;
    }
    json_object_set_string_member(outcome, "network_status", network_status);
    if (reason)
        json_object_set_string_member(outcome, "reason", reason);
    else
        json_object_set_null_member(outcome, "reason");
    json_object_set_string_member(outcome, "risk_level", risk_level);
    json_object_set_string_member(outcome, "seller_message",
                                  paid ? "Payment complete."
                                       : card_error_message(code, decline_code));
    json_object_set_string_member(outcome, "type", type);
    json_object_set_object_member(charge, "outcome", outcome);

    json_object_set_boolean_member(charge, "paid", paid);
    json_object_set_string_member(charge, "payment_intent",
                                  json_object_get_string_member(intent, "id"));
    JsonObject *details = json_object_new();
    JsonObject *card = json_object_new();
    json_object_set_string_member(card, "brand", json_object_get_string_member(facts, "brand"));
    json_object_set_string_member(card, "country", json_object_get_string_member(facts, "country"));
    json_object_set_int_member(card, "exp_month", json_object_get_int_member(facts, "exp_month"));
    json_object_set_int_member(card, "exp_year", json_object_get_int_member(facts, "exp_year"));
    json_object_set_string_member(card, "funding", json_object_get_string_member(facts, "funding"));
    json_object_set_string_member(card, "last4", json_object_get_string_member(facts, "last4"));
    json_object_set_string_member(card, "network", json_object_get_string_member(facts, "brand"));
    JsonObject *checks = json_object_new();
    json_object_set_string_member(checks, "cvc_check",
                                  !json_object_get_boolean_member(facts, "cvc_given") ? "unchecked"
                                  : g_strcmp0(code, "incorrect_cvc") == 0             ? "fail"
                                                                                      : "pass");
    json_object_set_object_member(card, "checks", checks);
    if (json_object_get_boolean_member(json_object_get_object_member(intent, "_sandbox"),
                                       "multicapture") &&
        paid) {
        JsonObject *multicapture = json_object_new();
        json_object_set_string_member(multicapture, "status", "available");
        json_object_set_object_member(card, "multicapture", multicapture);
    }
    if (three_d_secure != NULL) {
        JsonObject *tds = json_object_new();
        json_object_set_string_member(tds, "result", three_d_secure);
        json_object_set_string_member(tds, "version", "2.2.0");
        json_object_set_string_member(tds, "authentication_flow",
                                      json_object_get_int_member(facts, "scenario") ==
                                              CARD_SCENARIO_FRICTIONLESS
                                          ? "frictionless"
                                          : "challenge");
        json_object_set_object_member(card, "three_d_secure", tds);
    } else {
        json_object_set_null_member(card, "three_d_secure");
    }
    json_object_set_object_member(details, "card", card);
    json_object_set_string_member(details, "type", "card");
    json_object_set_object_member(charge, "payment_method_details", details);
    json_object_set_boolean_member(charge, "refunded", FALSE);
    json_object_set_string_member(charge, "status", paid ? "succeeded" : "failed");

    json_object_set_object_member(card_collection(call->state, "charges"), id, charge);
    json_object_set_string_member(intent, "latest_charge", id);
    g_free(id);
    return charge;
}

JsonObject *card_intent_charge(CardCall *call, JsonObject *intent)
{
    const char *id = json_object_get_string_member_with_default(intent, "latest_charge", NULL);
    JsonObject *charges = card_collection(call->state, "charges");
    return id && json_object_has_member(charges, id) ? json_object_get_object_member(charges, id)
                                                     : NULL;
}

CardAnswer card_charge_retrieve(CardCall *call, const char *id)
{
    JsonObject *charges = card_collection(call->state, "charges");
    if (!json_object_has_member(charges, id))
        return card_error(SOUP_STATUS_NOT_FOUND, "invalid_request_error", "resource_missing", "id",
                          "No such charge: '%s'", id);
    return card_ok(json_object_ref(json_object_get_object_member(charges, id)));
}
