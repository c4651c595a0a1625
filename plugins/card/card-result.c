/* Helpers every card operation uses to fill its result the same way. */
#include "card-ops.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <tender/sdk.h>

#include "card-codes.h"

static void digest(const char *seed, char hex[65])
{
    gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, seed ? seed : "", -1);
    tender_copy_string(hex, 65, sum);
    g_free(sum);
}

void card_reference(const char *prefix, const char *seed, char *out, size_t out_size)
{
    char hex[65];
    digest(seed, hex);
    hex[24] = '\0';
    snprintf(out, out_size, "%s%s", prefix, hex);
}

void card_approval_code(const char *seed, char *out, size_t out_size)
{
    char hex[65];
    digest(seed, hex);
    for (int i = 0; i < 6; i++)
        hex[i] = (char)g_ascii_toupper(hex[40 + i]);
    hex[6] = '\0';
    tender_copy_string(out, out_size, hex);
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
