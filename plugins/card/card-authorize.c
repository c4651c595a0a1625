/* Authorize and purchase: the card is checked here first (a number that
 * fails brand, length, Luhn, expiry or code checks never leaves the
 * machine), then one PaymentIntent is created and confirmed at the
 * gateway; and finishing a 3-D Secure challenge, by asking the gateway
 * what became of the intent once the payer came back from its page. */
#include "card-ops.h"

#include <string.h>

#include <tender/sdk.h>

#include "card-brand.h"
#include "card-gateway.h"
#include "card-intent.h"
#include "card-validate.h"

/* Fill the state's display data from a validated card. */
static void state_from_input(card_state *st, const card_input *in)
{
    tender_copy_string(st->brand, sizeof st->brand, card_brand_name(in->brand));
    tender_copy_string(st->first6, sizeof st->first6, in->first6);
    tender_copy_string(st->last4, sizeof st->last4, in->last4);
    const char *country = card_bin_country(in->digits);
    tender_copy_string(st->country, sizeof st->country, country ? country : "");
}

/* The form of POST /v1/payment_intents for a validated card. The body
 * holds the number and code: the caller frees it with
 * card_form_free_secure. */
static card_form *intent_form(const tender_request *req, const card_input *in, int capture_now)
{
    card_form *form = card_form_new();
    card_form_add_int(form, "amount", card_amount_to_gateway(req, req->amount));
    char currency[8];
    tender_copy_string(currency, sizeof currency, req->currency ? req->currency : "");
    for (char *c = currency; *c; c++)
        *c = g_ascii_tolower(*c);
    card_form_add(form, "currency", currency);
    card_form_add(form, "confirm", "true");
    card_form_add(form, "capture_method", capture_now ? "automatic" : "manual");
    card_form_add(form, "payment_method_data[type]", "card");
    card_form_add(form, "payment_method_data[card][number]", in->digits);
    card_form_add_int(form, "payment_method_data[card][exp_month]", in->exp_month);
    card_form_add_int(form, "payment_method_data[card][exp_year]", in->exp_year);
    const char *cvc = tender_request_param(req, "cvc");
    if (cvc && *cvc)
        card_form_add(form, "payment_method_data[card][cvc]", cvc);
    const char *holder = tender_request_param(req, "holder");
    if (holder && *holder)
        card_form_add(form, "payment_method_data[billing_details][name]", holder);
    if (req->flags & TENDER_REQUEST_STEP_UP)
        card_form_add(form, "payment_method_options[card][request_three_d_secure]", "challenge");
    if (!capture_now)
        card_form_add(form, "payment_method_options[card][request_multicapture]", "if_available");
    const char *return_url = tender_request_param(req, "return_url");
    if (return_url && *return_url)
        card_form_add(form, "return_url", return_url);
    if (req->payment_id && *req->payment_id) {
        card_form_add(form, "metadata[tender_payment_id]", req->payment_id);
        card_form_add(form, "description", req->payment_id);
    }
    card_form_add(form, "expand[]", "latest_charge");
    return form;
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
                   "%s refused before the gateway: %s (%s)", st.op,
                   tender_decline_lookup(res->decline_code)->name, res->raw_code);
        return;
    }
    card_state_set_three_ds(&st, 0);
    st.three_ds[0] = '\0';

    card_form *form = intent_form(req, &in, capture_now);
    card_input_wipe(&in);
    card_reply reply;
    card_gateway_call(config, "POST", "/v1/payment_intents", form, req->request_id, &reply);
    card_form_free_secure(form);

    card_intent intent;
    if (reply.kind == CARD_REPLY_ANSWER && reply.status >= 200 && reply.status < 300 &&
        card_intent_read(reply.object, &intent))
        card_report_intent(config, req, res, &st, &intent, CARD_REPORT_START);
    else if (reply.kind == CARD_REPLY_ANSWER && reply.status >= 200 && reply.status < 300)
        card_report_failure(config, req, res, &st,
                            &(card_reply){.kind = CARD_REPLY_UNKNOWN,
                                          .status = reply.status,
                                          .message = "the answer is not a payment intent"},
                            st.op);
    else
        card_report_failure(config, req, res, &st, &reply, st.op);
    card_reply_clear(&reply);
}

void card_authorize(void *instance, const tender_request *req, tender_result *res)
{
    start_payment(instance, req, res, 0);
}

void card_purchase(void *instance, const tender_request *req, tender_result *res)
{
    start_payment(instance, req, res, 1);
}

/* Ask the gateway for the intent named by st and report it (settlement
 * mode: res->event says what the payment became). Shared with sync. */
void card_retrieve_and_report(const card_config *config, const tender_request *req,
                              tender_result *res, card_state *st, const char *what)
{
    char path[128];
    tender_format_string(path, sizeof path, "/v1/payment_intents/%s?expand[]=latest_charge",
                         st->intent);
    card_reply reply;
    card_gateway_call(config, "GET", path, NULL, NULL, &reply);
    card_intent intent;
    if (reply.kind == CARD_REPLY_ANSWER && reply.status == 200 &&
        card_intent_read(reply.object, &intent) && strcmp(intent.id, st->intent) == 0) {
        card_report_intent(config, req, res, st, &intent, CARD_REPORT_SETTLE);
    } else if (reply.kind == CARD_REPLY_ANSWER && reply.status == 200) {
        card_report_failure(config, req, res, st,
                            &(card_reply){.kind = CARD_REPLY_UNKNOWN,
                                          .status = reply.status,
                                          .message = "the answer is not this payment intent"},
                            what);
    } else {
        card_report_failure(config, req, res, st, &reply, what);
    }
    card_reply_clear(&reply);
}

void card_complete_action(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_state st;
    if (!card_state_load(req->plugin_state, &st) || st.intent[0] == '\0' ||
        st.status != CARD_STATUS_REQUIRES_ACTION) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "12",
                              "no 3-D Secure challenge is waiting for this payment");
        return;
    }
    /* The payer answers the challenge on the gateway's page, not here: the
     * intent says how it went. In sandbox mode only, an "otp" parameter is
     * submitted to that page first, as the payer's browser would (so that
     * `tender complete ID --param otp=…` and the conformance fixtures can
     * finish a challenge without a browser). */
    const char *otp = tender_request_param(req, "otp");
    if (otp && *otp) {
        if (config->live) {
            tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "30",
                                  "otp: in live mode the payer enters the code on the bank's "
                                  "page; complete takes no code");
            return;
        }
        if (st.action_url[0] == '\0') {
            tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "12",
                                  "otp: the challenge's page is not known");
            return;
        }
        card_form *form = card_form_new();
        card_form_add(form, "code", otp);
        char why[256] = "";
        int status = card_gateway_submit_page(config, st.action_url, form, why, sizeof why);
        card_form_free_secure(form);
        if (status == 0)
            tender_log(config->host, TENDER_LOG_WARNING, config->method_id,
                       "the 3-D Secure page did not answer: %s", why);
        else if (status >= 400)
            tender_log(config->host, TENDER_LOG_WARNING, config->method_id,
                       "the 3-D Secure page refused the code (HTTP %d)", status);
    }
    card_retrieve_and_report(config, req, res, &st, "complete");
}
