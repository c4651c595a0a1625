/* A WebMoney payment's plugin_state, through the SDK's table-driven codec
 * (<tender/sdk-state.h>): the record is described once, below, and the SDK
 * writes and reads it. The version key lets a later plugin tell this
 * plugin's states apart; a state without a known flow and status is not a
 * WebMoney payment of ours and is refused as a whole. */
#include <stddef.h>

#include <tender/sdk-state.h>

#include "webmoney.h"

#define WM_STATE_VERSION "2" /* 2: WebMoney is reached over HTTP; no code digest */

static const char *const flow_names[] = {
    [WM_FLOW_NONE] = "none",
    [WM_FLOW_MERCHANT] = "merchant",
    [WM_FLOW_PROTECTED] = "protected",
    NULL,
};

static const char *const status_names[] = {
    [WM_STATUS_NONE] = "none",         [WM_STATUS_WAITING] = "waiting",
    [WM_STATUS_PAID] = "paid",         [WM_STATUS_LOCKED] = "locked",
    [WM_STATUS_RELEASED] = "released", [WM_STATUS_RETURNED] = "returned",
    [WM_STATUS_EXPIRED] = "expired",   NULL,
};

#define TEXT(key, member) TENDER_STATE_TEXT_FIELD(wm_state, key, member, 0)
#define INT(key, member) TENDER_STATE_INT_FIELD(wm_state, key, member, 0)

static const tender_state_field wm_state_fields[] = {
    TENDER_STATE_ENUM_FIELD(wm_state, "flow", flow, TENDER_STATE_REQUIRED, flow_names),
    TENDER_STATE_ENUM_FIELD(wm_state, "status", status, TENDER_STATE_REQUIRED, status_names),
    TEXT("payer", payer),
    TEXT("wmid", wmid),
    TEXT("payee", payee),
    TEXT("currency", currency),
    INT("amount", amount),
    INT("created", created),
    TENDER_STATE_UINT_FIELD(wm_state, "pno", pno, 0),
    TEXT("desc", desc),
    TEXT("trans", trans),
    TEXT("invs", invs),
    TEXT("paid_from", paid_from),
    TEXT("paid_date", paid_date),
    TEXT("back", back),
    TEXT("fail", fail),
    INT("days", days),
    INT("expires", expires),
    INT("tries", tries),
    TEXT("refunds", refunds),
    INT("refunded", refunded),
};

static const tender_state_codec wm_state_codec = {
    WM_STATE_VERSION,        sizeof(wm_state), wm_state_fields, TENDER_N_ELEMENTS(wm_state_fields),
    TENDER_STATE_OMIT_EMPTY,
};

int wm_state_load(const char *text, wm_state *st)
{
    return tender_state_decode(&wm_state_codec, text, st) == TENDER_STATE_OK;
}

int wm_state_store(const wm_state *st, tender_result *res)
{
    char text[TENDER_RESULT_STATE_MAX];
    if (!tender_state_encode(&wm_state_codec, st, text, sizeof text))
        return 0;
    TENDER_SET(res, plugin_state, text);
    return 1;
}

const char *wm_status_name(wm_status status)
{
    if ((size_t)status >= TENDER_N_ELEMENTS(status_names) - 1)
        status = WM_STATUS_NONE;
    return status_names[status];
}
