/* After authorization: captures, void, refunds and sync, each one call to
 * the gateway. The host enforces the money rules before calling; the
 * gateway enforces its own and its refusals come back as declines with
 * its raw code. What the plugin records is what the gateway answered. */
#include "card-ops.h"

#include <string.h>

#include <tender/sdk.h>

#include "card-gateway.h"
#include "card-intent.h"

#define RAW_INVALID_TRANSACTION "12"

/* Load the payment's state with its intent id, or decline res. */
static int load(const tender_request *req, tender_result *res, card_state *st)
{
    if (card_state_load(req->plugin_state, st) && st->intent[0] != '\0')
        return 1;
    tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, RAW_INVALID_TRANSACTION,
                          "this payment has no card authorization at the gateway to act on");
    return 0;
}

/* Whether the gateway keeps the rest of a partial capture capturable: what
 * the charge said (payment_method_details.card.multicapture.status), else
 * its documented rule — Visa, Mastercard, American Express and Discover
 * only. */
static int multicapture_available(const card_state *st)
{
    if (st->multicapture != 0)
        return st->multicapture > 0;
    static const char *const brands[] = {"visa", "mastercard", "amex", "discover"};
    for (size_t i = 0; i < TENDER_N_ELEMENTS(brands); i++)
        if (strcmp(st->brand, brands[i]) == 0)
            return 1;
    return 0;
}

/* POST form to path and report the intent the gateway answers with. The
 * operation's own amount (captured or released now) is res->amount. */
static void post_and_report(const card_config *config, const tender_request *req,
                            tender_result *res, card_state *st, const char *path, card_form *form,
                            const char *what)
{
    card_reply reply;
    card_gateway_call(config, "POST", path, form, req->request_id, &reply);
    card_intent intent;
    if (reply.kind == CARD_REPLY_ANSWER && reply.status >= 200 && reply.status < 300 &&
        card_intent_read(reply.object, &intent) && strcmp(intent.id, st->intent) == 0) {
        card_report_intent(config, req, res, st, &intent, CARD_REPORT_START);
    } else if (reply.kind == CARD_REPLY_ANSWER && reply.status >= 200 && reply.status < 300) {
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

void card_capture(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_state st;
    if (!load(req, res, &st))
        return;
    int64_t before = st.captured;
    int64_t remaining = st.authorized - st.captured;
    int64_t amount = req->amount > 0 ? req->amount : remaining;

    char path[128];
    tender_format_string(path, sizeof path, "/v1/payment_intents/%s/capture", st.intent);
    card_form *form = card_form_new();
    card_form_add_int(form, "amount_to_capture", card_amount_to_gateway(req, amount));
    /* Multicapture: while a rest stays authorized, keep it capturable —
     * where the gateway granted multicapture for this card. Elsewhere a
     * partial capture is the last one and the gateway releases the rest. */
    if (amount < remaining && multicapture_available(&st))
        card_form_add(form, "final_capture", "false");
    card_form_add(form, "expand[]", "latest_charge");
    post_and_report(config, req, res, &st, path, form, "capture");
    card_form_free_secure(form);

    if (res->outcome == TENDER_OUTCOME_APPROVED) {
        int64_t taken = st.captured - before;
        res->amount = taken > 0 ? taken : amount;
        TENDER_SET(res, message, "captured");
        tender_log(config->host, TENDER_LOG_INFO, config->method_id,
                   "capture %lld of %lld (%lld captured)", (long long)res->amount,
                   (long long)st.authorized, (long long)st.captured);
    }
}

void card_void(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_state st;
    if (!load(req, res, &st))
        return;
    char path[128];
    tender_format_string(path, sizeof path, "/v1/payment_intents/%s/cancel", st.intent);
    card_form *form = card_form_new();
    card_form_add(form, "cancellation_reason", "requested_by_customer");
    card_form_add(form, "expand[]", "latest_charge");
    post_and_report(config, req, res, &st, path, form, "void");
    card_form_free_secure(form);

    if (res->outcome == TENDER_OUTCOME_APPROVED) {
        res->event = 0;
        res->amount = st.authorized - st.captured;
        TENDER_SET(res, message, "authorization released");
        /* The payment may have been captured in part: it stays so. */
        if (st.captured == 0)
            st.status = CARD_STATUS_VOIDED;
        card_result_state(res, &st);
        tender_log(config->host, TENDER_LOG_INFO, config->method_id, "void of %lld",
                   (long long)res->amount);
    }
}

/* The refund object's status: "succeeded" and "pending" count, "failed"
 * and "canceled" do not. */
static void report_refund(const card_config *config, const tender_request *req, tender_result *res,
                          card_state *st, JsonObject *refund, int64_t amount)
{
    const char *id = card_json_string(refund, "id");
    const char *status = card_json_string(refund, "status");
    int64_t refunded = card_amount_from_gateway(req, card_json_int(refund, "amount", 0));
    card_result_display(res, st);
    if (id == NULL || strncmp(id, "re_", 3) != 0 || status == NULL) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "unreadable_refund",
                              "refund: the gateway's answer is not a refund");
    } else if (strcmp(status, "succeeded") == 0 || strcmp(status, "pending") == 0) {
        st->refunded += refunded > 0 ? refunded : amount;
        st->refunds++;
        tender_result_outcome(res,
                              strcmp(status, "succeeded") == 0 ? TENDER_OUTCOME_APPROVED
                                                               : TENDER_OUTCOME_PENDING,
                              status, "refunded");
        res->amount = refunded > 0 ? refunded : amount;
        TENDER_SET(res, processor_ref, id);
        tender_log(config->host, TENDER_LOG_INFO, config->method_id,
                   "refund %lld (%s, refund %d, %lld of %lld refunded)", (long long)res->amount, id,
                   st->refunds, (long long)st->refunded, (long long)st->captured);
    } else {
        const char *reason = card_json_string(refund, "failure_reason");
        tender_result_decline(res, TENDER_DECLINE_PROCESSING_ERROR, status, "refund %s: %s", status,
                              reason ? reason : "no reason given");
    }
    char extra[TENDER_RESULT_REF_MAX + 16] = "";
    if (id)
        tender_format_string(extra, sizeof extra, "refund_id=%s", id);
    card_result_details(res, st, extra);
    card_result_state(res, st);
}

void card_refund(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_state st;
    if (!load(req, res, &st))
        return;
    int64_t amount = req->amount > 0 ? req->amount : st.captured - st.refunded;
    card_form *form = card_form_new();
    card_form_add(form, "payment_intent", st.intent);
    card_form_add_int(form, "amount", card_amount_to_gateway(req, amount));
    if (req->payment_id && *req->payment_id)
        card_form_add(form, "metadata[tender_payment_id]", req->payment_id);
    card_reply reply;
    card_gateway_call(config, "POST", "/v1/refunds", form, req->request_id, &reply);
    card_form_free_secure(form);
    if (reply.kind == CARD_REPLY_ANSWER && reply.status >= 200 && reply.status < 300)
        report_refund(config, req, res, &st, reply.object, amount);
    else
        card_report_failure(config, req, res, &st, &reply, "refund");
    card_reply_clear(&reply);
}

void card_sync(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_state st;
    int have_state = card_state_load(req->plugin_state, &st);
    if (!have_state)
        memset(&st, 0, sizeof st);
    if (st.intent[0] == '\0' && st.status != CARD_STATUS_DECLINED &&
        card_find_intent_of_payment(config, req->payment_id, st.intent, sizeof st.intent)) {
        /* The authorization's answer was lost (the host died, the call ran
         * past its deadline, the gateway failed after acting), but the
         * gateway's events name the intent: ask it. */
        if (st.op[0] == '\0')
            tender_copy_string(st.op, sizeof st.op, "authorize");
        if (st.authorized == 0)
            st.authorized = req->authorized_amount ? req->authorized_amount : req->amount;
        card_retrieve_and_report(config, req, res, &st, "sync");
        return;
    }
    if (!have_state) {
        /* No state and no intent found: never a decline on a guess. */
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "no_state",
                              "the answer to this payment's authorization never reached Tender, "
                              "and the gateway's recent events name no intent for it");
        return;
    }
    if (st.intent[0] == '\0') {
        card_result_display(res, &st);
        if (st.status == CARD_STATUS_DECLINED) {
            /* Refused before or by the gateway without an intent. */
            tender_result_decline(res, (tender_decline_code)st.decline_code, st.decline_raw,
                                  "the payment was declined (%s)", st.decline_raw);
            res->event = TENDER_EVENT_DECLINED;
        } else {
            /* The authorization was sent and its answer lost: without the
             * intent id the gateway cannot be asked (docs/methods/card.md,
             * "Unknown outcomes"). */
            tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "no_intent",
                                  "the gateway's answer to the authorization was lost, and its "
                                  "recent events name no intent for this payment");
        }
        card_result_state(res, &st);
        return;
    }
    card_retrieve_and_report(config, req, res, &st, "sync");
}
