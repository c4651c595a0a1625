/* Encoding of card_state as plugin_state, through the SDK's table-driven
 * codec. The version key lets a later plugin tell states written by this
 * one apart. */
#include "card-state.h"

#include <tender/sdk.h>

/* 2: the gateway client (intent and charge ids); a version-1 state was
 * written by the in-plugin simulator and names no gateway object. */
#define CARD_STATE_VERSION "2"

static const char *const status_names[] = {
    [CARD_STATUS_NONE] = "none",
    [CARD_STATUS_REQUIRES_ACTION] = "requires_action",
    [CARD_STATUS_AUTHORIZED] = "authorized",
    [CARD_STATUS_VOIDED] = "voided",
    [CARD_STATUS_DECLINED] = "declined",
    [CARD_STATUS_SENT] = "sent",
    NULL,
};

#define TEXT(key, member) TENDER_STATE_TEXT_FIELD(card_state, key, member, 0)
#define INT(key, member) TENDER_STATE_INT_FIELD(card_state, key, member, 0)

static const tender_state_field card_state_fields[] = {
    /* A state without a known status is not a card payment of ours. */
    TENDER_STATE_ENUM_FIELD(card_state, "status", status, TENDER_STATE_REQUIRED, status_names),
    TEXT("intent", intent),
    TEXT("charge", charge),
    TEXT("brand", brand),
    TEXT("first6", first6),
    TEXT("last4", last4),
    TEXT("country", country),
    TEXT("op", op),
    TEXT("action_url", action_url),
    TEXT("three_ds", three_ds),
    TEXT("eci", eci),
    INT("authorized", authorized),
    INT("captured", captured),
    INT("refunded", refunded),
    INT("captures", captures),
    INT("refunds", refunds),
    INT("multicapture", multicapture),
    INT("auth_ms", auth_ms),
    INT("action_ms", action_ms),
    TENDER_STATE_UINT_FIELD(card_state, "decline", decline_code, 0),
    TEXT("decline_raw", decline_raw),
};

static const tender_state_codec card_state_codec = {
    CARD_STATE_VERSION,
    sizeof(card_state),
    card_state_fields,
    TENDER_N_ELEMENTS(card_state_fields),
    0,
};

const char *card_status_name(card_status status)
{
    if ((size_t)status >= TENDER_N_ELEMENTS(status_names) - 1)
        status = CARD_STATUS_NONE;
    return status_names[status];
}

int card_state_load(const char *text, card_state *st)
{
    return tender_state_decode(&card_state_codec, text, st) == TENDER_STATE_OK;
}

int card_state_store(const card_state *st, char *buf, size_t buf_size)
{
    return tender_state_encode(&card_state_codec, st, buf, buf_size);
}
