/* Encoding of card_state as plugin_state. A version key lets a later
 * plugin read states written by this one. */
#include "card-state.h"

#include <string.h>

#include <tender/sdk.h>

#define CARD_STATE_VERSION "1"

static const char *const status_names[] = {
    [CARD_STATUS_NONE] = "none",
    [CARD_STATUS_REQUIRES_ACTION] = "requires_action",
    [CARD_STATUS_AUTHORIZED] = "authorized",
    [CARD_STATUS_VOIDED] = "voided",
    [CARD_STATUS_DECLINED] = "declined",
};

const char *card_status_name(card_status status)
{
    if ((size_t)status >= sizeof status_names / sizeof status_names[0])
        status = CARD_STATUS_NONE;
    return status_names[status];
}

static card_status status_from_name(const char *name)
{
    for (size_t i = 1; i < sizeof status_names / sizeof status_names[0]; i++)
        if (strcmp(status_names[i], name) == 0)
            return (card_status)i;
    return CARD_STATUS_NONE;
}

/* Read key into a fixed field; an absent or oversized value leaves it
 * empty. */
#define GET_TEXT(text, key, field)                                         \
    do {                                                                    \
        if (tender_kv_get((text), (key), (field), sizeof(field)) != 1)      \
            (field)[0] = '\0';                                              \
    } while (0)

int card_state_load(const char *text, card_state *st)
{
    memset(st, 0, sizeof *st);
    char version[8], status[24];
    if (text == NULL || tender_kv_get(text, "v", version, sizeof version) != 1 ||
        strcmp(version, CARD_STATE_VERSION) != 0 ||
        tender_kv_get(text, "status", status, sizeof status) != 1)
        return 0;
    st->status = status_from_name(status);
    if (st->status == CARD_STATUS_NONE)
        return 0;
    GET_TEXT(text, "brand", st->brand);
    GET_TEXT(text, "first6", st->first6);
    GET_TEXT(text, "last4", st->last4);
    GET_TEXT(text, "country", st->country);
    GET_TEXT(text, "op", st->op);
    GET_TEXT(text, "after", st->after);
    GET_TEXT(text, "three_ds", st->three_ds);
    GET_TEXT(text, "eci", st->eci);
    GET_TEXT(text, "decline_raw", st->decline_raw);
    st->authorized = tender_kv_get_int(text, "authorized", 0);
    st->captured = tender_kv_get_int(text, "captured", 0);
    st->refunded = tender_kv_get_int(text, "refunded", 0);
    st->captures = (int)tender_kv_get_int(text, "captures", 0);
    st->refunds = (int)tender_kv_get_int(text, "refunds", 0);
    st->auth_ms = tender_kv_get_int(text, "auth_ms", 0);
    st->action_ms = tender_kv_get_int(text, "action_ms", 0);
    st->decline_code = (uint32_t)tender_kv_get_int(text, "decline", 0);
    return 1;
}

int card_state_store(const card_state *st, char *buf, size_t buf_size)
{
    char out[TENDER_RESULT_STATE_MAX] = "";
    int ok = tender_kv_set(out, sizeof out, "v", CARD_STATE_VERSION) &&
             tender_kv_set(out, sizeof out, "status", card_status_name(st->status)) &&
             tender_kv_set(out, sizeof out, "brand", st->brand) &&
             tender_kv_set(out, sizeof out, "first6", st->first6) &&
             tender_kv_set(out, sizeof out, "last4", st->last4) &&
             tender_kv_set(out, sizeof out, "country", st->country) &&
             tender_kv_set(out, sizeof out, "op", st->op) &&
             tender_kv_set(out, sizeof out, "after", st->after) &&
             tender_kv_set(out, sizeof out, "three_ds", st->three_ds) &&
             tender_kv_set(out, sizeof out, "eci", st->eci) &&
             tender_kv_set_int(out, sizeof out, "authorized", st->authorized) &&
             tender_kv_set_int(out, sizeof out, "captured", st->captured) &&
             tender_kv_set_int(out, sizeof out, "refunded", st->refunded) &&
             tender_kv_set_int(out, sizeof out, "captures", st->captures) &&
             tender_kv_set_int(out, sizeof out, "refunds", st->refunds) &&
             tender_kv_set_int(out, sizeof out, "auth_ms", st->auth_ms) &&
             tender_kv_set_int(out, sizeof out, "action_ms", st->action_ms) &&
             tender_kv_set_int(out, sizeof out, "decline", st->decline_code) &&
             tender_kv_set(out, sizeof out, "decline_raw", st->decline_raw);
    if (!ok)
        return 0;
    return tender_copy_string(buf, buf_size, out);
}
