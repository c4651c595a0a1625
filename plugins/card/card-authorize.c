/* Authorize and purchase (with 3-D Secure 2 in the sandbox), and finishing
 * a 3-D Secure challenge with the payer's one-time code. */
#include "card-ops.h"

#include <string.h>

#include <tender/sdk.h>

#include "card-brand.h"
#include "card-codes.h"
#include "card-sandbox.h"
#include "card-validate.h"

/* Raw codes for 3-D Secure results that end a payment, written as the
 * authentication's transStatus. */
#define RAW_3DS_NOT_AUTHENTICATED "3DS-N"
#define RAW_3DS_REJECTED "3DS-R"

/* Fill the state's display data from a validated card. */
static void state_from_input(card_state *st, const card_input *in)
{
    tender_copy_string(st->brand, sizeof st->brand, card_brand_name(in->brand));
    tender_copy_string(st->first6, sizeof st->first6, in->first6);
    tender_copy_string(st->last4, sizeof st->last4, in->last4);
    tender_copy_string(st->country, sizeof st->country, card_bin_country(in->digits));
}

static void set_three_ds(card_state *st, char status)
{
    st->three_ds[0] = status;
    st->three_ds[1] = '\0';
    card_brand brand = card_brand_from_name(st->brand);
    /* An ECI describes an authentication outcome: none while a challenge
     * is still open. */
    if (status == 'C' || status == 0)
        tender_copy_string(st->eci, sizeof st->eci, status == 0 ? card_brand_eci(brand, 0) : "");
    else
        tender_copy_string(st->eci, sizeof st->eci, card_brand_eci(brand, status));
}

/* The payment is approved now: record the hold (and the capture for a
 * purchase) and finish res. */
static void approve(const card_config *config, const tender_request *req, tender_result *res,
                    card_state *st, int capture_now, int64_t now_ms)
{
    st->status = CARD_STATUS_AUTHORIZED;
    st->auth_ms = now_ms;
    if (capture_now) {
        st->captured = st->authorized;
        st->captures = 1;
    }
    char code[8], extra[32];
    card_approval_code(card_request_seed(req), code, sizeof code);
    tender_format_string(extra, sizeof extra, "auth_code=%s", code);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "approved");
    res->amount = st->authorized;
    card_result_details(res, st, extra);
    card_result_state(res, st);
    tender_log(config->host, TENDER_LOG_INFO, config->method_id,
               "%s %s %s…%s approved (00)%s%s", capture_now ? "purchase" : "authorize",
               st->brand, st->first6, st->last4, st->three_ds[0] ? ", 3-D Secure " : "",
               st->three_ds);
}

/* The payment is refused: record it and finish res with the decline. */
static void refuse(const card_config *config, tender_result *res, card_state *st,
                   tender_decline_code code, const char *raw, const char *message)
{
    st->status = CARD_STATUS_DECLINED;
    st->decline_code = code;
    tender_copy_string(st->decline_raw, sizeof st->decline_raw, raw);
    tender_result_decline(res, code, raw, "%s", message);
    card_result_details(res, st, NULL);
    card_result_state(res, st);
    tender_log(config->host, TENDER_LOG_INFO, config->method_id, "%s %s…%s declined: %s (%s)",
               st->brand[0] ? st->brand : "card", st->first6, st->last4,
               tender_decline_lookup(code)->name, raw);
}

static void issuer_refuse(const card_config *config, tender_result *res, card_state *st,
                          const char *raw)
{
    const card_response_code *rc = card_response_lookup(raw);
    char message[TENDER_RESULT_MESSAGE_MAX];
    tender_format_string(message, sizeof message, "issuer declined: %s (%s)", rc->text, rc->raw);
    refuse(config, res, st, rc->code, rc->raw, message);
}

static void start_payment(void *instance, const tender_request *req, tender_result *res,
                          int capture_now)
{
    const card_config *config = instance;
    int64_t now_ms = tender_now_ms(config->host);
    card_state st;
    memset(&st, 0, sizeof st);
    tender_copy_string(st.op, sizeof st.op, capture_now ? "purchase" : "authorize");
    st.authorized = req->amount;

    if (req->amount <= 0) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "13",
                              "amount: must be greater than zero");
        return;
    }

    /* "30" is the format-error code card-validate.c answers with too. */
    if (!tender_check_required_params(card_params, CARD_N_PARAMS, req, "30", res))
        return;
    card_input in;
    int valid = card_input_parse(config, req, now_ms, &in, res);
    if (in.brand != CARD_BRAND_UNKNOWN) {
        state_from_input(&st, &in);
        card_result_display(res, &st);
    }
    if (!valid) {
        card_input_wipe(&in);
        /* Keep the decline card_input_parse wrote; record it in the state. */
        st.status = CARD_STATUS_DECLINED;
        st.decline_code = res->decline_code;
        tender_copy_string(st.decline_raw, sizeof st.decline_raw, res->raw_code);
        card_result_state(res, &st);
        tender_log(config->host, TENDER_LOG_INFO, config->method_id,
                   "%s refused before the issuer: %s (%s)", st.op,
                   tender_decline_lookup(res->decline_code)->name, res->raw_code);
        return;
    }

    card_decision d = card_sandbox_decide(in.digits, (req->flags & TENDER_REQUEST_STEP_UP) != 0);
    card_input_wipe(&in);

    char ref[TENDER_RESULT_REF_MAX];
    card_reference("ch_", card_request_seed(req), ref, sizeof ref);
    TENDER_SET(res, processor_ref, ref);
    set_three_ds(&st, d.three_ds);

    switch (d.kind) {
    case CARD_DECISION_APPROVE:
        approve(config, req, res, &st, capture_now, now_ms);
        break;
    case CARD_DECISION_DECLINE:
        issuer_refuse(config, res, &st, d.raw);
        break;
    case CARD_DECISION_DECLINE_3DS:
        refuse(config, res, &st, TENDER_DECLINE_AUTHENTICATION_FAILED, RAW_3DS_REJECTED,
               "3-D Secure: the issuer rejected the authentication (status R)");
        break;
    case CARD_DECISION_CHALLENGE:
        st.status = CARD_STATUS_REQUIRES_ACTION;
        st.action_ms = now_ms;
        tender_copy_string(st.after, sizeof st.after, d.after_challenge);
        card_result_challenge(config, res, &st, ref);
        card_result_details(res, &st, NULL);
        card_result_state(res, &st);
        tender_log(config->host, TENDER_LOG_INFO, config->method_id,
                   "%s %s %s…%s: 3-D Secure challenge%s", st.op, st.brand, st.first6, st.last4,
                   (req->flags & TENDER_REQUEST_STEP_UP) ? " (step-up requested)" : "");
        break;
    }
}

void card_authorize(void *instance, const tender_request *req, tender_result *res)
{
    start_payment(instance, req, res, 0);
}

void card_purchase(void *instance, const tender_request *req, tender_result *res)
{
    start_payment(instance, req, res, 1);
}

/* Compare the payer's code with the expected one in time independent of
 * where they differ. */
static int codes_equal(const char *given, const char *expected)
{
    size_t a = strlen(given), b = strlen(expected);
    unsigned diff = (unsigned)(a ^ b);
    for (size_t i = 0; i < a && i < b; i++)
        diff |= (unsigned)(given[i] ^ expected[i]);
    return diff == 0;
}

void card_complete_action(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    int64_t now_ms = tender_now_ms(config->host);
    card_state st;
    if (!card_state_load(req->plugin_state, &st) || st.status != CARD_STATUS_REQUIRES_ACTION) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "12",
                              "no 3-D Secure challenge is waiting for this payment");
        return;
    }
    card_result_display(res, &st);
    if (now_ms >= st.action_ms + CARD_ACTION_TIMEOUT_SECONDS * 1000) {
        res->event = TENDER_EVENT_EXPIRED;
        refuse(config, res, &st, TENDER_DECLINE_ACTION_EXPIRED, "3DS-U",
               "3-D Secure: the challenge expired before the code was entered");
        return;
    }
    const char *otp = tender_request_param(req, "otp");
    if (otp == NULL || *otp == '\0') {
        res->event = TENDER_EVENT_DECLINED;
        set_three_ds(&st, 'N');
        refuse(config, res, &st, TENDER_DECLINE_INVALID_REQUEST, RAW_3DS_NOT_AUTHENTICATED,
               "otp: the one-time code is missing");
        return;
    }
    if (!codes_equal(otp, config->sandbox_otp)) {
        res->event = TENDER_EVENT_DECLINED;
        set_three_ds(&st, 'N');
        refuse(config, res, &st, TENDER_DECLINE_AUTHENTICATION_FAILED, RAW_3DS_NOT_AUTHENTICATED,
               "otp: the one-time code is wrong; 3-D Secure authentication failed (status N)");
        return;
    }

    set_three_ds(&st, 'Y');
    if (strcmp(st.after, "00") != 0) {
        res->event = TENDER_EVENT_DECLINED;
        issuer_refuse(config, res, &st, st.after);
        return;
    }
    int capture_now = strcmp(st.op, "purchase") == 0;
    approve(config, req, res, &st, capture_now, now_ms);
    res->event = capture_now ? TENDER_EVENT_CAPTURED : TENDER_EVENT_AUTHORIZED;
    res->amount = capture_now ? st.captured : st.authorized;
}
