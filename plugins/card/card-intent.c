/* From the gateway's answers to Tender results. The PaymentIntent's status
 * is the truth: every operation reports what the intent says now, so a
 * replayed answer, a sync and a notification all land on the same state.
 * A status or an answer the plugin cannot read is UNKNOWN, never a guess. */
#include "card-intent.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <tender/sdk.h>

#include "card-codes.h"
#include "card-ops.h"

int card_intent_read(JsonObject *object, card_intent *intent)
{
    memset(intent, 0, sizeof *intent);
    intent->id = card_json_string(object, "id");
    intent->status = card_json_string(object, "status");
    if (intent->id == NULL || strncmp(intent->id, "pi_", 3) != 0 || intent->status == NULL)
        return 0;
    intent->currency = card_json_string(object, "currency");
    intent->cancellation_reason = card_json_string(object, "cancellation_reason");
    intent->amount = card_json_int(object, "amount", 0);
    intent->amount_capturable = card_json_int(object, "amount_capturable", 0);
    intent->amount_received = card_json_int(object, "amount_received", 0);
    intent->last_error = card_json_object(object, "last_payment_error");

    JsonObject *next = card_json_object(object, "next_action");
    intent->redirect_url = card_json_string(card_json_object(next, "redirect_to_url"), "url");

    /* latest_charge is an id, or the charge itself with expand[]. */
    JsonObject *charge = card_json_object(object, "latest_charge");
    intent->charge_id =
        charge ? card_json_string(charge, "id") : card_json_string(object, "latest_charge");
    if (charge) {
        intent->amount_refunded = card_json_int(charge, "amount_refunded", 0);
        JsonObject *card =
            card_json_object(card_json_object(charge, "payment_method_details"), "card");
        intent->brand = card_json_string(card, "brand");
        intent->last4 = card_json_string(card, "last4");
        intent->three_ds_result =
            card_json_string(card_json_object(card, "three_d_secure"), "result");
        intent->multicapture = card_json_string(card_json_object(card, "multicapture"), "status");
    }
    return 1;
}

/* The gateway's exponent where it differs from ISO 4217's. */
static int gateway_exponent(const tender_request *req)
{
    if (req->currency && g_ascii_strcasecmp(req->currency, "ISK") == 0)
        return 2;
    return req->exponent;
}

static int64_t scale(int64_t amount, int from, int to)
{
    for (; from < to; from++)
        amount *= 10;
    for (; from > to; from--)
        amount /= 10;
    return amount;
}

int64_t card_amount_to_gateway(const tender_request *req, int64_t amount)
{
    return scale(amount, req->exponent, gateway_exponent(req));
}

int64_t card_amount_from_gateway(const tender_request *req, int64_t amount)
{
    return scale(amount, gateway_exponent(req), req->exponent);
}

char card_three_ds_letter(const char *result)
{
    static const struct {
        const char *result;
        char letter;
    } letters[] = {
        {"authenticated", 'Y'}, {"attempt_acknowledged", 'A'}, {"exempted", 'A'},
        {"not_supported", 'U'}, {"processing_error", 'U'},     {"failed", 'N'},
        {"rejected", 'R'},
    };
    for (size_t i = 0; result && i < TENDER_N_ELEMENTS(letters); i++)
        if (strcmp(letters[i].result, result) == 0)
            return letters[i].letter;
    return 0;
}

/* Copy what the intent says into st. */
static void update_state(const tender_request *req, card_state *st, const card_intent *intent)
{
    tender_copy_string(st->intent, sizeof st->intent, intent->id);
    if (intent->charge_id)
        tender_copy_string(st->charge, sizeof st->charge, intent->charge_id);
    if (intent->amount > 0)
        st->authorized = card_amount_from_gateway(req, intent->amount);
    int64_t received = card_amount_from_gateway(req, intent->amount_received);
    if (received != st->captured && received > 0) {
        if (received > st->captured)
            st->captures++;
        st->captured = received;
    }
    int64_t refunded = card_amount_from_gateway(req, intent->amount_refunded);
    if (refunded > st->refunded)
        st->refunded = refunded;
    if (st->brand[0] == '\0' && intent->brand)
        tender_copy_string(st->brand, sizeof st->brand, intent->brand);
    if (st->last4[0] == '\0' && intent->last4)
        tender_copy_string(st->last4, sizeof st->last4, intent->last4);
    if (intent->multicapture)
        st->multicapture = strcmp(intent->multicapture, "available") == 0 ? 1 : -1;
    char letter = card_three_ds_letter(intent->three_ds_result);
    if (letter)
        card_state_set_three_ds(st, letter);
}

/* Finish res as DECLINED from a gateway error object (a card error, or the
 * intent's last_payment_error). */
static void decline_from_error(const card_config *config, tender_result *res, card_state *st,
                               JsonObject *error, int http_status)
{
    const char *code = card_json_string(error, "code");
    const char *decline_code = card_json_string(error, "decline_code");
    const char *raw = decline_code ? decline_code : (code ? code : "card_declined");
    tender_decline_code decline =
        card_gateway_decline(decline_code, card_gateway_decline(code, TENDER_DECLINE_DO_NOT_HONOR));
    const card_gateway_code *known = card_gateway_code_lookup(raw);
    st->status = CARD_STATUS_DECLINED;
    st->decline_code = decline;
    tender_copy_string(st->decline_raw, sizeof st->decline_raw, raw);
    if (decline == TENDER_DECLINE_AUTHENTICATION_FAILED && st->three_ds[0] == 'C')
        card_state_set_three_ds(st, 'N');
    /* The gateway's message is written for developers and never carries
     * the card number; the raw code is what operators search for. */
    const char *text = card_json_string(error, "message");
    tender_result_decline(res, decline, raw, "gateway declined: %s%s%s", known ? known->text : raw,
                          text ? " — " : "", text ? text : "");
    tender_log(config->host, TENDER_LOG_INFO, config->method_id,
               "%s %s…%s declined by the gateway: %s (HTTP %d)", st->brand[0] ? st->brand : "card",
               st->first6, st->last4, raw, http_status);
}

static void report_action(const card_config *config, tender_result *res, card_state *st,
                          const card_intent *intent, int64_t now_ms)
{
    if (st->status != CARD_STATUS_REQUIRES_ACTION || st->action_ms == 0)
        st->action_ms = now_ms;
    st->status = CARD_STATUS_REQUIRES_ACTION;
    tender_copy_string(st->action_url, sizeof st->action_url, intent->redirect_url);
    card_state_set_three_ds(st, 'C');
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_REDIRECT;
    TENDER_SET(res, action_data, intent->redirect_url ? intent->redirect_url : "");
    TENDER_SET(res, action_hint,
               "Open the bank's 3-D Secure page and enter the one-time code it sent you.");
    res->action_expires_ms = st->action_ms + CARD_ACTION_TIMEOUT_SECONDS * 1000;
    TENDER_SET(res, raw_code, "requires_action");
    TENDER_SET(res, message, "3-D Secure challenge: the cardholder must authenticate");
    tender_log(config->host, TENDER_LOG_INFO, config->method_id,
               "%s %s %s…%s: 3-D Secure challenge (%s)", st->op, st->brand, st->first6, st->last4,
               intent->id);
}

/* requires_capture and succeeded: the money is held or taken. */
static void report_approved(const card_config *config, tender_result *res, card_state *st,
                            const card_intent *intent, card_report_mode mode, int64_t now_ms)
{
    int fresh = st->status != CARD_STATUS_AUTHORIZED;
    st->status = CARD_STATUS_AUTHORIZED;
    st->action_url[0] = '\0';
    if (fresh || st->auth_ms == 0)
        st->auth_ms = now_ms;
    int succeeded = strcmp(intent->status, "succeeded") == 0;
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, intent->status,
                          succeeded ? "captured" : "authorized");
    if (mode == CARD_REPORT_START) {
        res->amount = st->authorized;
    } else if (st->refunded > 0) {
        res->event = TENDER_EVENT_REFUNDED;
        res->amount = st->refunded;
        TENDER_SET(res, message, "refunded");
    } else if (st->captured > 0) {
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = st->captured;
    } else {
        res->event = TENDER_EVENT_AUTHORIZED;
        res->amount = st->authorized;
    }
    if (fresh)
        tender_log(config->host, TENDER_LOG_INFO, config->method_id, "%s %s %s…%s %s (%s)%s%s",
                   st->op, st->brand, st->first6, st->last4, res->message, intent->id,
                   st->three_ds[0] ? ", 3-D Secure " : "", st->three_ds);
}

static void report_canceled(tender_result *res, card_state *st, const card_intent *intent)
{
    int lapsed =
        intent->cancellation_reason && strcmp(intent->cancellation_reason, "automatic") == 0;
    if (st->captured > 0) {
        /* The rest of a partly captured authorization was released: the
         * payment stays captured for what it took. */
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "canceled",
                              "the uncaptured rest was released");
        res->event = st->refunded > 0 ? TENDER_EVENT_REFUNDED : TENDER_EVENT_CAPTURED;
        res->amount = st->refunded > 0 ? st->refunded : st->captured;
        return;
    }
    st->status = CARD_STATUS_VOIDED;
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "canceled",
                          lapsed ? "the authorization lapsed uncaptured"
                                 : "authorization released");
    res->event = lapsed ? TENDER_EVENT_EXPIRED : TENDER_EVENT_VOIDED;
    res->amount = st->authorized;
}

void card_report_intent(const card_config *config, const tender_request *req, tender_result *res,
                        card_state *st, const card_intent *intent, card_report_mode mode)
{
    int64_t now_ms = tender_now_ms(config->host);
    update_state(req, st, intent);
    TENDER_SET(res, processor_ref, intent->id);
    card_result_display(res, st);
    const char *status = intent->status;

    if (strcmp(status, "requires_action") == 0 && intent->redirect_url) {
        report_action(config, res, st, intent, now_ms);
        res->event = mode == CARD_REPORT_SETTLE ? TENDER_EVENT_ACTION_REQUIRED : 0;
    } else if (strcmp(status, "requires_capture") == 0 || strcmp(status, "succeeded") == 0) {
        report_approved(config, res, st, intent, mode, now_ms);
    } else if (strcmp(status, "requires_payment_method") == 0 && intent->last_error) {
        decline_from_error(config, res, st, intent->last_error, 200);
        res->event = mode == CARD_REPORT_SETTLE ? TENDER_EVENT_DECLINED : 0;
    } else if (strcmp(status, "canceled") == 0) {
        report_canceled(res, st, intent);
        if (mode == CARD_REPORT_START)
            res->event = 0;
    } else if (strcmp(status, "processing") == 0) {
        tender_result_outcome(res, TENDER_OUTCOME_PENDING, status,
                              "the gateway is still processing the payment");
        res->event = mode == CARD_REPORT_SETTLE ? TENDER_EVENT_PENDING : 0;
    } else {
        /* requires_confirmation, requires_payment_method without an error,
         * requires_action without a redirect, or a status this plugin does
         * not know: report what it is, settle nothing. */
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, status,
                              "the gateway's payment intent is in a state this plugin does "
                              "not act on");
        tender_log(config->host, TENDER_LOG_WARNING, config->method_id,
                   "payment intent %s has status %s: left unknown", intent->id, status);
    }
    card_result_details(res, st, NULL);
    card_result_state(res, st);
}

void card_report_failure(const card_config *config, const tender_request *req, tender_result *res,
                         card_state *st, const card_reply *reply, const char *what)
{
    card_result_display(res, st);
    if (reply->kind == CARD_REPLY_NOT_SENT) {
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "not_sent", reply->message);
        card_result_state(res, st);
        return;
    }
    if (reply->kind != CARD_REPLY_ANSWER || reply->status >= 500 || reply->status == 409 ||
        reply->error == NULL) {
        /* The gateway may have acted: a lost answer, a server error, a
         * concurrent request on the same key, or an answer we cannot
         * read. A sync asks again. */
        if (st->status == CARD_STATUS_NONE)
            st->status = CARD_STATUS_SENT;
        char raw[24];
        snprintf(raw, sizeof raw, reply->kind == CARD_REPLY_ANSWER ? "http_%d" : "no_answer",
                 reply->status);
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, raw, NULL);
        TENDER_SETF(res, message, "%s: outcome unknown (%s)", what,
                    reply->kind == CARD_REPLY_ANSWER ? "the gateway failed" : reply->message);
        card_result_state(res, st);
        tender_log(config->host, TENDER_LOG_WARNING, config->method_id, "%s", res->message);
        return;
    }
    if (reply->status == 429) {
        /* Rate limited: the gateway did nothing; the same request may be
         * sent again. */
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "rate_limit",
                              "the gateway asked to slow down (HTTP 429)");
        card_result_state(res, st);
        return;
    }
    JsonObject *error = reply->error;
    const char *code = card_json_string(error, "code");
    if (reply->status == 401 || reply->status == 403) {
        /* The key, never shown: the gateway masks it and so do we. */
        tender_result_decline(res, TENDER_DECLINE_PROCESSOR_UNAVAILABLE,
                              code ? code : "invalid_api_key",
                              "%s: the gateway refused the key in setting \"secret_key\" (HTTP "
                              "%d); the method's configuration must be fixed",
                              what, reply->status);
        tender_log(config->host, TENDER_LOG_ERROR, config->method_id,
                   "the gateway refused setting \"secret_key\" (HTTP %d)", reply->status);
        if (st->status == CARD_STATUS_NONE) {
            st->status = CARD_STATUS_DECLINED;
            st->decline_code = res->decline_code;
            tender_copy_string(st->decline_raw, sizeof st->decline_raw, res->raw_code);
        }
        card_result_state(res, st);
        return;
    }
    if (reply->status == 402) {
        /* A card error carries the intent it left requires_payment_method. */
        card_intent intent;
        JsonObject *embedded = card_json_object(error, "payment_intent");
        if (embedded && card_intent_read(embedded, &intent)) {
            update_state(req, st, &intent);
            TENDER_SET(res, processor_ref, intent.id);
        }
        decline_from_error(config, res, st, error, reply->status);
        card_result_details(res, st, NULL);
        card_result_state(res, st);
        return;
    }
    /* 400 and 404: the gateway refused the request itself; nothing moved. */
    const char *raw =
        code ? code : (reply->status == 404 ? "resource_missing" : "invalid_request_error");
    tender_decline_code decline = card_gateway_decline(raw, TENDER_DECLINE_INVALID_REQUEST);
    const char *text = card_json_string(error, "message");
    tender_result_decline(res, decline, raw, "%s refused by the gateway: %s", what,
                          text ? text : raw);
    tender_log(config->host, TENDER_LOG_INFO, config->method_id, "%s refused: %s (HTTP %d)", what,
               raw, reply->status);
    if (st->status == CARD_STATUS_NONE) {
        st->status = CARD_STATUS_DECLINED;
        st->decline_code = decline;
        tender_copy_string(st->decline_raw, sizeof st->decline_raw, raw);
    }
    card_result_state(res, st);
}
