/* Reading the gateway's answers (PaymentIntent, Refund, error objects) and
 * turning them into Tender results. Pure functions of their arguments:
 * thread-safe. */
#ifndef CARD_INTENT_H
#define CARD_INTENT_H

#include <stdint.h>

#include <json-glib/json-glib.h>

#include <tender/plugin.h>

#include "card-config.h"
#include "card-gateway.h"
#include "card-state.h"

/* The fields of a PaymentIntent the plugin uses; strings borrowed from the
 * JSON object (NULL when absent). Amounts in the gateway's units. */
typedef struct {
    const char *id;
    const char *status;
    const char *currency;
    const char *cancellation_reason;
    const char *redirect_url; /* next_action.redirect_to_url.url */
    const char *charge_id;    /* latest_charge, expanded or not */
    int64_t amount;
    int64_t amount_capturable;
    int64_t amount_received;
    int64_t amount_refunded; /* from the expanded charge; 0 otherwise */
    /* From the expanded charge's payment_method_details.card. */
    const char *brand;
    const char *last4;
    const char *three_ds_result;
    /* payment_method_details.card.multicapture.status: "available",
     * "unavailable", or NULL when the charge does not say. */
    const char *multicapture;
    /* The last failed attempt's error object (may be NULL). */
    JsonObject *last_error;
} card_intent;

/* Read object as a PaymentIntent. Returns 1, or 0 when it is not one (no
 * "pi_" id or no status). */
int card_intent_read(JsonObject *object, card_intent *intent);

/* The amount in the gateway's units for the request's currency and
 * exponent, and back. The gateway writes amounts in the currency's
 * smallest unit as it defines them, which differs from ISO 4217 for a few
 * currencies (ISK: two decimals at the gateway, none in ISO). */
int64_t card_amount_to_gateway(const tender_request *req, int64_t amount);
int64_t card_amount_from_gateway(const tender_request *req, int64_t amount);

/* How a report reads: the answer to authorize/purchase, or a settlement
 * (complete_action, sync, notification) that sets res->event. */
typedef enum { CARD_REPORT_START, CARD_REPORT_SETTLE } card_report_mode;

/* Fill res (and st, then res->plugin_state) from intent. */
void card_report_intent(const card_config *config, const tender_request *req, tender_result *res,
                        card_state *st, const card_intent *intent, card_report_mode mode);

/* Fill res from a reply that is not a successful answer: a transport
 * failure (NOT_SENT, UNKNOWN), a gateway error (DECLINED with the gateway's
 * raw code, or UNKNOWN for a 5xx), never a guess. what names the operation
 * for messages. Keeps st (and writes it as plugin_state) so a later sync
 * knows the intent; a card error's embedded intent updates st. */
void card_report_failure(const card_config *config, const tender_request *req, tender_result *res,
                         card_state *st, const card_reply *reply, const char *what);

/* The 3-D Secure letter (Y, A, N, U, R) of a charge's three_d_secure.result
 * ("authenticated", …), or 0 when unknown. */
char card_three_ds_letter(const char *result);

#endif
