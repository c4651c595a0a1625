/* The simulated Alipay OpenAPI: the pieces of the provider module and what
 * they share. Private to sandbox/alipay/ (nothing here is frame API).
 *
 * Written from Alipay's open platform documentation (gateway.do, the
 * alipay.trade.* APIs, asynchronous notifications) and the behaviour of its
 * official SDKs, never from Tender's alipay plugin. Every function runs on
 * the sandbox's one main loop; none is thread-safe. */
#ifndef TENDER_SANDBOX_ALIPAY_H
#define TENDER_SANDBOX_ALIPAY_H

#include <openssl/evp.h>

#include "../sandbox.h"

#define SANDBOX_ALIPAY_PROVIDER "alipay"

/* The one merchant app the sandbox knows. */
#define SANDBOX_ALIPAY_APP_ID "9021000140600001"
#define SANDBOX_ALIPAY_SELLER_ID "2088721000000001"

/* Limits, in fen (0.01 CNY). */
#define SANDBOX_ALIPAY_MIN_TOTAL_FEN 10          /* 0.10 CNY */
#define SANDBOX_ALIPAY_MAX_TOTAL_FEN 30000000    /* 300,000.00 CNY */
#define SANDBOX_ALIPAY_PERSON_YEAR_FEN 300000000 /* 3,000,000 CNY a year */

/* ---- Keys (sandbox-alipay.c) ----------------------------------------
 * The PEM texts under keys/, compiled in as a GResource. The returned
 * strings and keys are loaded once and owned by the module. */
const char *sandbox_alipay_key_pem(const char *file_name);
EVP_PKEY *sandbox_alipay_app_public_key(void);
EVP_PKEY *sandbox_alipay_platform_private_key(void);

/* ---- Signing (sandbox-alipay-sign.c) ------------------------------------ */

/* One name=value pair of a form, the value as its raw bytes (after percent
 * decoding, before any charset conversion), NUL-terminated. */
typedef struct SandboxAlipayParam {
    char *name;
    char *value;
} SandboxAlipayParam;

/* Decode an application/x-www-form-urlencoded text ('+' is a space) and
 * append its pairs to params, which owns them. FALSE when an escape is
 * malformed or a name or value holds a NUL. */
gboolean sandbox_alipay_form_decode_into(GPtrArray *params, const char *text, gsize len);
GPtrArray *sandbox_alipay_params_new(void);
/* The value of name as a NUL-terminated string (borrowed), or NULL. */
const char *sandbox_alipay_param(GPtrArray *params, const char *name);
/* Add a copy of name=value (a NUL-terminated string). */
void sandbox_alipay_param_add(GPtrArray *params, const char *name, const char *value);

/* The string a request's signature covers: every parameter but sign,
 * sorted by name (byte order), empty values left out, joined k=v&k=v. */
GString *sandbox_alipay_request_signing_string(GPtrArray *params);
/* The string a notification's or return's signature covers: every
 * parameter but sign and sign_type, empty values kept (as "k="). */
GString *sandbox_alipay_notification_signing_string(GPtrArray *params);

/* SHA256withRSA (PKCS#1 v1.5) of data with the platform key, base64.
 * Free with g_free. */
char *sandbox_alipay_rsa2_sign(const void *data, gsize len);
/* Does sign_b64 (line breaks tolerated) verify data under key? */
gboolean sandbox_alipay_rsa2_verify(EVP_PKEY *key, const void *data, gsize len,
                                    const char *sign_b64);

/* Encode params as a form body (unreserved bytes as is, the rest %XX).
 * Free with g_free. */
char *sandbox_alipay_form_encode(GPtrArray *params);

/* ---- Money and time (sandbox-alipay-trade.c) ----------------------------- */

/* Parse "12", "12.3" or "12.30" (no sign, at most 2 decimals) into fen.
 * FALSE when malformed or absurdly large. */
gboolean sandbox_alipay_parse_amount(const char *text, gint64 *fen);
/* "12.30". Free with g_free. */
char *sandbox_alipay_format_amount(gint64 fen);
/* "yyyy-MM-dd HH:mm:ss" in Beijing time (UTC+8); with_millis adds ".SSS".
 * Free with g_free. */
char *sandbox_alipay_beijing_time(gint64 unix_ms, gboolean with_millis);
/* Is text a valid "yyyy-MM-dd HH:mm:ss"? */
gboolean sandbox_alipay_valid_timestamp(const char *text);
/* Parse timeout_express ("1m" … "15d", whole m/h/d units, or "1c" = until
 * the next midnight Beijing time) into milliseconds from created_ms. */
gboolean sandbox_alipay_parse_timeout(const char *text, gint64 created_ms, gint64 *timeout_ms);

/* ---- Trades (sandbox-alipay-trade.c) --------------------------------------
 * Trades live in sandbox_state(sb, "alipay") as JSON objects:
 *   trades.<out_trade_no> = {out_trade_no, trade_no, product, subject,
 *     total_fen, status, scanned, created_ms, expire_ms, paid_ms,
 *     closed_ms, buyer_id, buyer_logon_id, return_url, notify_url, token,
 *     refunded_fen, refunds{out_request_no: {amount_fen, ms}}, voided}
 *   trade_nos.<trade_no> = out_trade_no, tokens.<token> = out_trade_no
 *   buyers.<user_id> = {balance_fen, payments: [[ms, fen], ...]}
 * Statuses: WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_FINISHED, TRADE_CLOSED. */

/* The stored trade (owned by the state), or NULL. */
JsonObject *sandbox_alipay_trade_by_out_trade_no(SandboxServer *sb, const char *out_trade_no);
JsonObject *sandbox_alipay_trade_by_trade_no(SandboxServer *sb, const char *trade_no);
JsonObject *sandbox_alipay_trade_by_token(SandboxServer *sb, const char *token);
/* A new trade in WAIT_BUYER_PAY, not yet scanned, stored and indexed. */
JsonObject *sandbox_alipay_trade_create(SandboxServer *sb, const char *out_trade_no,
                                        const char *product, const char *subject, gint64 total_fen,
                                        gint64 timeout_ms, const char *return_url,
                                        const char *notify_url);
/* The URL of the trade's cashier (the QR payload too). Free with g_free. */
char *sandbox_alipay_trade_cashier_url(SandboxServer *sb, JsonObject *trade);
/* Apply the unpaid timeout and the end of the refund period to every
 * trade, as of sandbox_now_ms (notifying as Alipay does). */
void sandbox_alipay_trades_advance(SandboxServer *sb);
/* Close an unpaid trade (merchant close or timeout); notifies when the
 * buyer had seen it. */
void sandbox_alipay_trade_close(SandboxServer *sb, JsonObject *trade);

/* The sandbox's test buyers: fixed accounts, their wallets in the state. */
typedef struct SandboxAlipayBuyer {
    const char *user_id;  /* 2088 + 12 digits */
    const char *logon_id; /* what the buyer types at the cashier */
    const char *password;
    int account_class; /* real-name class I, II or III */
    gint64 opening_balance_fen;
} SandboxAlipayBuyer;
const SandboxAlipayBuyer *sandbox_alipay_buyer_by_logon(const char *logon_id);
extern const SandboxAlipayBuyer sandbox_alipay_buyers[];
extern const gsize sandbox_alipay_n_buyers;
/* Pay trade from the buyer's wallet balance. NULL on success, else
 * Alipay's error name (BUYER_BALANCE_NOT_ENOUGH, BEYOND_PAY_RESTRICTION),
 * a static string; nothing changes then. */
const char *sandbox_alipay_trade_pay(SandboxServer *sb, JsonObject *trade,
                                     const SandboxAlipayBuyer *buyer);
/* Give amount_fen of a refund back to the wallet that paid trade. */
void sandbox_alipay_wallet_refund(SandboxServer *sb, JsonObject *trade, gint64 amount_fen);
/* "abc***@example.com", as Alipay masks a logon id. Free with g_free. */
char *sandbox_alipay_mask_logon_id(const char *logon_id);

/* ---- Notifications (sandbox-alipay-notify.c) ----------------------------- */

typedef enum {
    SANDBOX_ALIPAY_EVENT_PAID,
    SANDBOX_ALIPAY_EVENT_REFUNDED,
    SANDBOX_ALIPAY_EVENT_CLOSED,
    SANDBOX_ALIPAY_EVENT_FINISHED,
} SandboxAlipayEvent;

/* Queue the trade_status_sync notification of event to the trade's
 * notify_url (or the app's configured one), signed with the platform key.
 * For SANDBOX_ALIPAY_EVENT_REFUNDED, out_request_no names the refund. */
void sandbox_alipay_notify_trade(SandboxServer *sb, JsonObject *trade, SandboxAlipayEvent event,
                                 const char *out_request_no);
/* The signed parameters the cashier appends to return_url. */
GPtrArray *sandbox_alipay_return_params(SandboxServer *sb, JsonObject *trade);
/* The retry schedule: Alipay's 4m, 10m, 10m, 1h, 2h, 6h, 15h (8 attempts
 * in about 25 hours). */
extern const double sandbox_alipay_notify_delays[];
extern const guint sandbox_alipay_n_notify_delays;

/* ---- Handlers ---------------------------------------------------------- */

/* /alipay/gateway.do (sandbox-alipay-gateway.c). */
void sandbox_alipay_gateway_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                                    GHashTable *query, gpointer user_data);
/* /alipay/cashier/<token> (sandbox-alipay-cashier.c). */
void sandbox_alipay_cashier_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                                    GHashTable *query, gpointer user_data);

#endif
