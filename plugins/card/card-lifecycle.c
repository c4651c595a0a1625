/* After authorization: captures, void, refunds and sync, checked against
 * the amounts the plugin recorded itself. The host enforces the same money
 * rules; the plugin refuses on its own too, as a processor would. */
#include "card-ops.h"

#include <string.h>

#include <tender/sdk.h>

#define RAW_INVALID_TRANSACTION "12"
#define RAW_INVALID_AMOUNT "13"

/* Load the payment's state or decline res. */
static int load(const tender_request *req, tender_result *res, card_state *st)
{
    if (card_state_load(req->plugin_state, st))
        return 1;
    tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, RAW_INVALID_TRANSACTION,
                          "this payment has no card authorization to act on");
    return 0;
}

static int hold_lapsed(const card_state *st, int64_t now_ms)
{
    return now_ms >= st->auth_ms + CARD_HOLD_SECONDS * 1000;
}

/* The operation's amount: the request's, or all that remains when it is
 * 0. -1 when negative. */
static int64_t wanted(const tender_request *req, int64_t remaining)
{
    if (req->amount < 0)
        return -1;
    return req->amount == 0 ? remaining : req->amount;
}

static void not_allowed(tender_result *res, const char *what, const card_state *st)
{
    tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, RAW_INVALID_TRANSACTION,
                          "%s is not allowed: the card payment is %s", what,
                          card_status_name(st->status));
}

void card_capture(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_state st;
    if (!load(req, res, &st))
        return;
    card_result_display(res, &st);
    if (st.status != CARD_STATUS_AUTHORIZED) {
        not_allowed(res, "capture", &st);
        return;
    }
    int64_t remaining = st.authorized - st.captured;
    if (remaining <= 0) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, RAW_INVALID_TRANSACTION,
                              "capture is not allowed: the authorization is fully captured");
        return;
    }
    if (hold_lapsed(&st, tender_now_ms(config->host))) {
        tender_result_decline(res, TENDER_DECLINE_AUTHORIZATION_EXPIRED, RAW_INVALID_TRANSACTION,
                              "capture refused: the authorization lapsed %lld days after "
                              "approval",
                              (long long)(CARD_HOLD_SECONDS / 86400));
        return;
    }
    int64_t amount = wanted(req, remaining);
    if (amount <= 0 || amount > remaining) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, RAW_INVALID_AMOUNT,
                              "amount: a capture must be more than zero and at most the %lld "
                              "minor units still authorized",
                              (long long)remaining);
        return;
    }
    st.captured += amount;
    st.captures++;
    char ref[TENDER_RESULT_REF_MAX], extra[TENDER_RESULT_REF_MAX + 16];
    card_reference("cp_", card_request_seed(req), ref, sizeof ref);
    tender_format_string(extra, sizeof extra, "capture_id=%s", ref);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "captured");
    res->amount = amount;
    card_result_details(res, &st, extra);
    card_result_state(res, &st);
    tender_log(config->host, TENDER_LOG_INFO, config->method_id,
               "capture %lld of %lld (capture %d, %lld captured)", (long long)amount,
               (long long)st.authorized, st.captures, (long long)st.captured);
}

void card_void(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_state st;
    if (!load(req, res, &st))
        return;
    card_result_display(res, &st);
    /* Only an uncaptured authorization (or an unfinished challenge) can be
     * released; money already taken comes back by refund. */
    if ((st.status != CARD_STATUS_AUTHORIZED && st.status != CARD_STATUS_REQUIRES_ACTION) ||
        st.captured > 0) {
        if (st.captured > 0)
            tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                                  RAW_INVALID_TRANSACTION,
                                  "void is not allowed: the payment was captured; refund it");
        else
            not_allowed(res, "void", &st);
        return;
    }
    st.status = CARD_STATUS_VOIDED;
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "authorization released");
    res->amount = st.authorized;
    card_result_details(res, &st, NULL);
    card_result_state(res, &st);
    tender_log(config->host, TENDER_LOG_INFO, config->method_id, "void of %lld",
               (long long)st.authorized);
}

void card_refund(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_state st;
    if (!load(req, res, &st))
        return;
    card_result_display(res, &st);
    if (st.status != CARD_STATUS_AUTHORIZED || st.captured <= 0) {
        if (st.status == CARD_STATUS_AUTHORIZED)
            tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                                  RAW_INVALID_TRANSACTION,
                                  "refund is not allowed: nothing was captured; void instead");
        else
            not_allowed(res, "refund", &st);
        return;
    }
    int64_t remaining = st.captured - st.refunded;
    if (remaining <= 0) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, RAW_INVALID_TRANSACTION,
                              "refund is not allowed: the payment is fully refunded");
        return;
    }
    int64_t amount = wanted(req, remaining);
    if (amount <= 0 || amount > remaining) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, RAW_INVALID_AMOUNT,
                              "amount: a refund must be more than zero and at most the %lld "
                              "minor units captured and not yet refunded",
                              (long long)remaining);
        return;
    }
    st.refunded += amount;
    st.refunds++;
    char ref[TENDER_RESULT_REF_MAX], extra[TENDER_RESULT_REF_MAX + 16];
    card_reference("re_", card_request_seed(req), ref, sizeof ref);
    tender_format_string(extra, sizeof extra, "refund_id=%s", ref);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "refunded");
    res->amount = amount;
    card_result_details(res, &st, extra);
    card_result_state(res, &st);
    tender_log(config->host, TENDER_LOG_INFO, config->method_id,
               "refund %lld (refund %d, %lld of %lld refunded)", (long long)amount, st.refunds,
               (long long)st.refunded, (long long)st.captured);
}

void card_sync(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    int64_t now_ms = tender_now_ms(config->host);
    card_state st;
    if (!load(req, res, &st))
        return;
    card_result_display(res, &st);
    card_result_details(res, &st, NULL);

    switch (st.status) {
    case CARD_STATUS_REQUIRES_ACTION:
        if (now_ms >= st.action_ms + CARD_ACTION_TIMEOUT_SECONDS * 1000) {
            /* The challenge was never answered: the ACS gave up. */
            st.status = CARD_STATUS_DECLINED;
            st.decline_code = TENDER_DECLINE_ACTION_EXPIRED;
            tender_copy_string(st.decline_raw, sizeof st.decline_raw, "3DS-U");
            tender_result_decline(res, TENDER_DECLINE_ACTION_EXPIRED, "3DS-U",
                                  "3-D Secure: the challenge expired unanswered");
            res->event = TENDER_EVENT_EXPIRED;
            break;
        }
        card_result_challenge(config, res, &st, req->processor_ref);
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        break;
    case CARD_STATUS_DECLINED:
        tender_result_decline(res, (tender_decline_code)st.decline_code, st.decline_raw,
                              "the payment was declined (%s)", st.decline_raw);
        res->event = TENDER_EVENT_DECLINED;
        break;
    case CARD_STATUS_VOIDED:
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "authorization released");
        res->event = TENDER_EVENT_VOIDED;
        res->amount = st.authorized;
        break;
    case CARD_STATUS_AUTHORIZED:
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", NULL);
        if (st.refunded > 0) {
            res->event = TENDER_EVENT_REFUNDED;
            res->amount = st.refunded;
            TENDER_SET(res, message, "refunded");
        } else if (st.captured > 0) {
            res->event = TENDER_EVENT_CAPTURED;
            res->amount = st.captured;
            TENDER_SET(res, message, "captured");
        } else if (hold_lapsed(&st, now_ms)) {
            res->event = TENDER_EVENT_EXPIRED;
            res->amount = st.authorized;
            TENDER_SET(res, message, "the authorization lapsed uncaptured");
        } else {
            res->event = TENDER_EVENT_AUTHORIZED;
            res->amount = st.authorized;
            TENDER_SET(res, message, "authorized");
        }
        break;
    case CARD_STATUS_NONE:
        break;
    }
    card_result_state(res, &st);
}
