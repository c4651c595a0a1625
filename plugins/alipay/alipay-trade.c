/* The trade record in plugin_state. */
#include "alipay-trade.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "alipay-rsa2.h"

/* State keys are short on purpose: the state is bounded at 4096 bytes. */
#define K_VERSION "v"
#define K_OUT_TRADE_NO "otn"
#define K_TRADE_NO "tno"
#define K_STATUS "st"
#define K_TOTAL "tot"
#define K_REFUNDED "ref"
#define K_CREATED "gc"
#define K_DEADLINE "exp"
#define K_PAID "gp"
#define K_CLOSED "gx"
#define K_TIMEOUT "te"
#define K_BUYER "buyer"
#define K_SUBJECT "subj"
#define K_REFUNDS "rn"
#define K_NOTIFIES "nid"

static int valid_status(const char *s)
{
    return strcmp(s, ALIPAY_WAIT_BUYER_PAY) == 0 || strcmp(s, ALIPAY_TRADE_SUCCESS) == 0 ||
           strcmp(s, ALIPAY_TRADE_FINISHED) == 0 || strcmp(s, ALIPAY_TRADE_CLOSED) == 0;
}

int alipay_trade_load(AlipayTrade *trade, const char *state)
{
    memset(trade, 0, sizeof *trade);
    if (state == NULL || *state == '\0')
        return 0;
    if (tender_kv_get_int(state, K_VERSION, 0) != 1)
        return 0;
    if (tender_kv_get(state, K_OUT_TRADE_NO, trade->out_trade_no, sizeof trade->out_trade_no) != 1 ||
        tender_kv_get(state, K_STATUS, trade->status, sizeof trade->status) != 1 ||
        !valid_status(trade->status))
        return 0;
    /* Optional text fields: absent or too long reads as empty. */
    if (tender_kv_get(state, K_TRADE_NO, trade->trade_no, sizeof trade->trade_no) != 1)
        trade->trade_no[0] = '\0';
    if (tender_kv_get(state, K_TIMEOUT, trade->timeout, sizeof trade->timeout) != 1)
        trade->timeout[0] = '\0';
    if (tender_kv_get(state, K_BUYER, trade->buyer_id, sizeof trade->buyer_id) != 1)
        trade->buyer_id[0] = '\0';
    if (tender_kv_get(state, K_SUBJECT, trade->subject, sizeof trade->subject) != 1)
        trade->subject[0] = '\0';
    if (tender_kv_get(state, K_REFUNDS, trade->refunds, sizeof trade->refunds) != 1)
        trade->refunds[0] = '\0';
    if (tender_kv_get(state, K_NOTIFIES, trade->notifies, sizeof trade->notifies) != 1)
        trade->notifies[0] = '\0';
    trade->total = tender_kv_get_int(state, K_TOTAL, -1);
    trade->refunded = tender_kv_get_int(state, K_REFUNDED, 0);
    trade->created_ms = tender_kv_get_int(state, K_CREATED, 0);
    trade->deadline_ms = tender_kv_get_int(state, K_DEADLINE, 0);
    trade->paid_ms = tender_kv_get_int(state, K_PAID, 0);
    trade->closed_ms = tender_kv_get_int(state, K_CLOSED, 0);
    if (trade->total <= 0 || trade->refunded < 0 || trade->refunded > trade->total)
        return 0;
    return 1;
}

int alipay_trade_save(const AlipayTrade *trade, char *out, size_t out_size)
{
    char buf[TENDER_RESULT_STATE_MAX] = "";
    int ok = tender_kv_set_int(buf, sizeof buf, K_VERSION, 1) &&
             tender_kv_set(buf, sizeof buf, K_OUT_TRADE_NO, trade->out_trade_no) &&
             tender_kv_set(buf, sizeof buf, K_TRADE_NO, trade->trade_no) &&
             tender_kv_set(buf, sizeof buf, K_STATUS, trade->status) &&
             tender_kv_set_int(buf, sizeof buf, K_TOTAL, trade->total) &&
             tender_kv_set_int(buf, sizeof buf, K_REFUNDED, trade->refunded) &&
             tender_kv_set_int(buf, sizeof buf, K_CREATED, trade->created_ms) &&
             tender_kv_set_int(buf, sizeof buf, K_DEADLINE, trade->deadline_ms) &&
             tender_kv_set_int(buf, sizeof buf, K_PAID, trade->paid_ms) &&
             tender_kv_set_int(buf, sizeof buf, K_CLOSED, trade->closed_ms) &&
             tender_kv_set(buf, sizeof buf, K_TIMEOUT, trade->timeout) &&
             tender_kv_set(buf, sizeof buf, K_BUYER, trade->buyer_id) &&
             tender_kv_set(buf, sizeof buf, K_SUBJECT, trade->subject) &&
             tender_kv_set(buf, sizeof buf, K_REFUNDS, trade->refunds) &&
             tender_kv_set(buf, sizeof buf, K_NOTIFIES, trade->notifies);
    if (!ok || strlen(buf) + 1 > out_size)
        return 0;
    memcpy(out, buf, strlen(buf) + 1);
    return 1;
}

/* The compact form of a refund number or notification id. */
static void short_hash(const char *text, char out[13])
{
    alipay_sha256_hex(text, 6, out);
}

int64_t alipay_trade_refund_lookup(const AlipayTrade *trade, const char *request_no)
{
    char h[13];
    short_hash(request_no, h);
    for (const char *p = trade->refunds; *p;) {
        if (strncmp(p, h, 12) == 0 && p[12] == '.') {
            long long amount = 0;
            if (sscanf(p + 13, "%lld", &amount) == 1)
                return amount;
        }
        const char *next = strchr(p, '_');
        if (next == NULL)
            break;
        p = next + 1;
    }
    return -1;
}

int alipay_trade_refund_count(const AlipayTrade *trade)
{
    if (trade->refunds[0] == '\0')
        return 0;
    int n = 1;
    for (const char *p = trade->refunds; *p; p++)
        n += *p == '_';
    return n;
}

int alipay_trade_refund_add(AlipayTrade *trade, const char *request_no, int64_t amount)
{
    if (alipay_trade_refund_count(trade) >= ALIPAY_MAX_REFUNDS || amount < 0)
        return 0;
    char h[13], entry[40];
    short_hash(request_no, h);
    snprintf(entry, sizeof entry, "%s%s.%lld", trade->refunds[0] ? "_" : "", h,
             (long long)amount);
    if (strlen(trade->refunds) + strlen(entry) + 1 > sizeof trade->refunds)
        return 0;
    strcat(trade->refunds, entry);
    return 1;
}

int alipay_trade_notify_seen(const AlipayTrade *trade, const char *notify_id)
{
    char h[13];
    short_hash(notify_id, h);
    for (const char *p = trade->notifies; *p;) {
        if (strncmp(p, h, 12) == 0 && (p[12] == '_' || p[12] == '\0'))
            return 1;
        const char *next = strchr(p, '_');
        if (next == NULL)
            break;
        p = next + 1;
    }
    return 0;
}

void alipay_trade_notify_add(AlipayTrade *trade, const char *notify_id)
{
    if (alipay_trade_notify_seen(trade, notify_id))
        return;
    int n = trade->notifies[0] ? 1 : 0;
    for (const char *p = trade->notifies; *p; p++)
        n += *p == '_';
    if (n >= ALIPAY_MAX_NOTIFY_IDS) {
        /* Drop the oldest entry. */
        char *next = strchr(trade->notifies, '_');
        if (next)
            memmove(trade->notifies, next + 1, strlen(next + 1) + 1);
        else
            trade->notifies[0] = '\0';
    }
    char h[13];
    short_hash(notify_id, h);
    if (trade->notifies[0])
        strcat(trade->notifies, "_");
    strcat(trade->notifies, h);
}

int alipay_trade_was_paid(const AlipayTrade *trade)
{
    return trade->paid_ms > 0;
}
