/* One Alipay trade as the plugin remembers it between calls: everything
 * lives in the payment's plugin_state (the plugin keeps nothing else), a
 * percent-encoded "k=v&k=v" string bounded by TENDER_RESULT_STATE_MAX (4096).
 *
 * The bound is kept by construction: the subject is at most 256 bytes, refund
 * request numbers are kept as 12-hex-digit SHA-256 prefixes with their
 * amounts (at most ALIPAY_MAX_REFUNDS of them), and only the last
 * ALIPAY_MAX_NOTIFY_IDS notification ids are kept (as 12-digit prefixes).
 * The action URL is bounded at 400 bytes and the pending refund number at
 * 64 (each encoded at most three times that). The worst case is under
 * 3,800 bytes. */
#ifndef ALIPAY_TRADE_H
#define ALIPAY_TRADE_H

#include <stddef.h>
#include <stdint.h>

#define ALIPAY_MAX_REFUNDS 50
#define ALIPAY_MAX_NOTIFY_IDS 16
#define ALIPAY_SUBJECT_KEEP 256
#define ALIPAY_ACTION_MAX 400

/* Alipay's trade statuses. */
#define ALIPAY_WAIT_BUYER_PAY "WAIT_BUYER_PAY"
#define ALIPAY_TRADE_SUCCESS "TRADE_SUCCESS"
#define ALIPAY_TRADE_FINISHED "TRADE_FINISHED"
#define ALIPAY_TRADE_CLOSED "TRADE_CLOSED"

typedef struct {
    char out_trade_no[65];   /* the merchant's order number: the host payment id */
    char trade_no[65];       /* Alipay's trade number, known once the buyer paid */
    char status[24];         /* one of the four statuses above */
    int64_t total;           /* total_amount in fen (CNY minor units) */
    int64_t refunded;        /* sum of accepted refunds, fen */
    int64_t created_ms;      /* gmt_create */
    int64_t deadline_ms;     /* when the unpaid trade closes */
    int64_t paid_ms;         /* gmt_payment, 0 when unpaid */
    int64_t closed_ms;       /* gmt_close, 0 while open */
    char timeout[8];         /* the timeout_express sent */
    char product[8];         /* "qr" (precreate), "page" or "wap" (page/wap pay) */
    char action[ALIPAY_ACTION_MAX]; /* the qr_code, or the cashier URL */
    /* A refund whose answer was lost: its out_request_no and amount (fen),
     * looked up by sync with alipay.trade.fastpay.refund.query. */
    char pending_refund[65];
    int64_t pending_amount;
    char subject[ALIPAY_SUBJECT_KEEP + 1];
    /* "<12 hex>.<fen>" entries joined by '_' (unreserved characters, so the
     * state encoding does not grow them). */
    char refunds[ALIPAY_MAX_REFUNDS * 22 + 1];
    /* "<12 hex>" entries joined by '_', oldest first. */
    char notifies[ALIPAY_MAX_NOTIFY_IDS * 13 + 1];
} AlipayTrade;

/* Read a trade from plugin_state. Returns 0 when the state is not an Alipay
 * trade (empty, foreign or damaged). */
int alipay_trade_load(AlipayTrade *trade, const char *state);

/* Write the trade as plugin_state into out. Returns 0 when it would not fit
 * (cannot happen within the bounds above). */
int alipay_trade_save(const AlipayTrade *trade, char *out, size_t out_size);

/* The amount refunded under request number request_no, or -1 when the number
 * is new. */
int64_t alipay_trade_refund_lookup(const AlipayTrade *trade, const char *request_no);
/* How many refund numbers the trade holds. */
int alipay_trade_refund_count(const AlipayTrade *trade);
/* Remember request_no with amount. Returns 0 when ALIPAY_MAX_REFUNDS are
 * already held. */
int alipay_trade_refund_add(AlipayTrade *trade, const char *request_no, int64_t amount);

/* 1 when notify_id was applied before (among the last ones kept). */
int alipay_trade_notify_seen(const AlipayTrade *trade, const char *notify_id);
/* Remember notify_id, forgetting the oldest past ALIPAY_MAX_NOTIFY_IDS. */
void alipay_trade_notify_add(AlipayTrade *trade, const char *notify_id);

/* 1 when the status is one of the paid ones (TRADE_SUCCESS, TRADE_FINISHED,
 * or TRADE_CLOSED after a payment, i.e. fully refunded). */
int alipay_trade_was_paid(const AlipayTrade *trade);

#endif
