/* The trade record in plugin_state. */
#include "alipay-trade.h"

#include <string.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>


/* State keys are short on purpose: the state is bounded at 4096 bytes. */
#define TEXT(key, member, flags) TENDER_STATE_TEXT_FIELD(AlipayTrade, key, member, flags)
#define INT(key, member) TENDER_STATE_INT_FIELD(AlipayTrade, key, member, 0)

static const tender_state_field trade_fields[] = {
    TEXT("otn", out_trade_no, TENDER_STATE_REQUIRED),
    TEXT("tno", trade_no, 0),
    TEXT("st", status, TENDER_STATE_REQUIRED),
    INT("tot", total),
    INT("ref", refunded),
    INT("gc", created_ms),
    INT("exp", deadline_ms),
    INT("gp", paid_ms),
    INT("gx", closed_ms),
    TEXT("te", timeout, 0),
    TEXT("pd", product, 0),
    TEXT("act", action, 0),
    TEXT("prn", pending_refund, 0),
    INT("pra", pending_amount),
    TEXT("subj", subject, 0),
    TEXT("rn", refunds, 0),
    TEXT("nid", notifies, 0),
};

static const tender_state_codec trade_codec = {
    "1", sizeof(AlipayTrade), trade_fields, TENDER_N_ELEMENTS(trade_fields), 0,
};

static int valid_status(const char *s)
{
    return strcmp(s, ALIPAY_WAIT_BUYER_PAY) == 0 || strcmp(s, ALIPAY_TRADE_SUCCESS) == 0 ||
           strcmp(s, ALIPAY_TRADE_FINISHED) == 0 || strcmp(s, ALIPAY_TRADE_CLOSED) == 0;
}

int alipay_trade_load(AlipayTrade *trade, const char *state)
{
    if (tender_state_decode(&trade_codec, state, trade) != TENDER_STATE_OK)
        return 0;
    if (!valid_status(trade->status) || trade->total <= 0 || trade->refunded < 0 ||
        trade->refunded > trade->total) {
        memset(trade, 0, sizeof *trade);
        return 0;
    }
    return 1;
}

int alipay_trade_save(const AlipayTrade *trade, char *out, size_t out_size)
{
    return tender_state_encode(&trade_codec, trade, out, out_size);
}

/* The compact form of a refund number or notification id: the first 12
 * hex digits of its SHA-256. */
static void short_hash(const char *text, char out[13])
{
    tender_digest_hex(G_CHECKSUM_SHA256, text, strlen(text), 0, out, 13);
}

int64_t alipay_trade_refund_lookup(const AlipayTrade *trade, const char *request_no)
{
    char h[13];
    short_hash(request_no, h);
    return tender_id_list_amount(trade->refunds, '_', '.', h);
}

int alipay_trade_refund_count(const AlipayTrade *trade)
{
    return (int)tender_id_list_count(trade->refunds, '_');
}

int alipay_trade_refund_add(AlipayTrade *trade, const char *request_no, int64_t amount)
{
    char h[13];
    short_hash(request_no, h);
    return tender_id_list_add_amount(trade->refunds, sizeof trade->refunds, '_', '.',
                                     ALIPAY_MAX_REFUNDS, h, amount) == 1;
}

int alipay_trade_notify_seen(const AlipayTrade *trade, const char *notify_id)
{
    char h[13];
    short_hash(notify_id, h);
    return tender_id_list_contains(trade->notifies, '_', h);
}

void alipay_trade_notify_add(AlipayTrade *trade, const char *notify_id)
{
    char h[13];
    short_hash(notify_id, h);
    tender_id_list_add(trade->notifies, sizeof trade->notifies, '_', ALIPAY_MAX_NOTIFY_IDS, h);
}

int alipay_trade_was_paid(const AlipayTrade *trade)
{
    return trade->paid_ms > 0;
}
