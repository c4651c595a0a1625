/* Helpers every card operation uses to fill its result the same way. */
#include "card-ops.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>

#include "card-codes.h"

void card_reference(const char *prefix, const char *seed, char *out, size_t out_size)
{
    /* The first 24 hex digits of SHA-256(seed): deterministic, short. */
    char hex[25];
    const char *text = seed ? seed : "";
    tender_digest_hex(G_CHECKSUM_SHA256, text, strlen(text), 0, hex, sizeof hex);
    snprintf(out, out_size, "%s%s", prefix, hex);
}

void card_approval_code(const char *seed, char *out, size_t out_size)
{
    /* Six upper-case hex digits from the middle of SHA-256(seed), so the
     * code does not repeat the reference's digits. */
    char hex[47];
    const char *text = seed ? seed : "";
    tender_digest_hex(G_CHECKSUM_SHA256, text, strlen(text), 1, hex, sizeof hex);
    tender_copy_string(out, out_size, hex + 40);
}

const char *card_request_seed(const tender_request *req)
{
    if (req->request_id && *req->request_id)
        return req->request_id;
    return req->payment_id ? req->payment_id : "";
}

void card_result_display(tender_result *res, const card_state *st)
{
    TENDER_SET(res, display_brand, st->brand);
    TENDER_SET(res, display_first6, st->first6);
    TENDER_SET(res, display_last4, st->last4);
    TENDER_SET(res, display_country, st->country);
}

void card_result_state(tender_result *res, const card_state *st)
{
    card_state_store(st, res->plugin_state, sizeof res->plugin_state);
}

void card_result_details(tender_result *res, const card_state *st, const char *extra)
{
    char text[TENDER_RESULT_DETAILS_MAX] = "";
    size_t n = 0;
    if (st->three_ds[0])
        n += (size_t)snprintf(text + n, sizeof text - n, "three_ds=%s\n", st->three_ds);
    if (st->eci[0] && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n, "eci=%s\n", st->eci);
    if (extra && *extra && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s\n", extra);
    /* No trailing newline: lines are separated, not terminated. */
    size_t len = strlen(text);
    if (len > 0 && text[len - 1] == '\n')
        text[len - 1] = '\0';
    TENDER_SET(res, details, text);
}

void card_result_challenge(const card_config *config, tender_result *res, const card_state *st,
                           const char *ref)
{
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_ONE_TIME_CODE;
    TENDER_SETF(res, action_data, "https://acs.sandbox.tender.invalid/3ds2/challenge?ref=%s",
                ref);
    TENDER_SETF(res, action_hint,
                "Enter the one-time code your bank sent you (sandbox code: %s).",
                config->sandbox_otp);
    res->action_expires_ms = st->action_ms + CARD_ACTION_TIMEOUT_SECONDS * 1000;
    TENDER_SET(res, raw_code, "3DS-C");
    TENDER_SET(res, message, "3-D Secure challenge: the cardholder must enter a one-time code");
}

void card_result_issuer_decline(tender_result *res, const char *raw)
{
    const card_response_code *rc = card_response_lookup(raw);
    tender_result_decline(res, rc->code, rc->raw, "issuer declined: %s (%s)", rc->text, rc->raw);
}
