/* The WebMoney plugin's private declarations, shared by its source files.
 *
 * The plugin is split by idea:
 *   webmoney-purse.c     purse and WMID formats, the purse-type table
 *   webmoney-merchant.c  LMI_HASH, merchant forms, the payment page,
 *                        identify_notification and notification
 *   webmoney-protect.c   code-protected transfers and complete_action
 *   webmoney-config.c    the settings, read once in create
 *   webmoney-x.c         the XML X-interfaces (X3, X5, X14, X18) over the
 *                        host's http service
 *   webmoney-fixtures.c  the conformance kit's fixtures
 *   webmoney-state.c     the payment's plugin_state, through the SDK's codec
 *   webmoney-method.c    the method table, purchase, sync
 *   webmoney-refund.c    refunds (X14, checked with X3)
 *
 * An instance holds its settings, read once in create and never written
 * afterwards, and one atomic request counter (X-interface reqn), so every
 * operation may run concurrently (TENDER_CAP_THREAD_SAFE).
 */
#ifndef TENDER_WEBMONEY_H
#define TENDER_WEBMONEY_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>

/* Method id, as the host knows it. */
#define WM_METHOD_ID "webmoney"

/* A purse is one type letter and 12 digits; a WMID is 12 digits. */
#define WM_PURSE_LEN 13
#define WM_WMID_LEN 12

/* Protected transfers: the period is 1..255 days, and the payer's code may
 * be tried this many times before the funds go back to the payer. */
#define WM_PROTECTION_DAYS_MAX 255
#define WM_PROTECTION_ATTEMPTS 8
#define WM_PROTECTION_CODE_MAX 255

/* The merchant payment page waits this long for the payer (seconds). */
#define WM_PAGE_TIMEOUT_SECONDS 86400

/* The merchant's own field WebMoney passes through untouched: it carries the
 * host's payment id from the payment page to the notifications. */
#define WM_FIELD_PAYMENT_ID "TENDER_PAYMENT_ID"

/* Longest LMI_PAYMENT_DESC WebMoney accepts (bytes). */
#define WM_DESCRIPTION_MAX 255

/* At most one payee purse per purse type the plugin supports. */
#define WM_MAX_PAYEES 6

/* ---- purse types (webmoney-purse.c) -------------------------------------- */

typedef enum {
    WM_PURSE_SUPPORTED = 0, /* has an ISO 4217 currency Tender can take */
    WM_PURSE_NO_ISO = 1,    /* a title unit with no ISO 4217 code (USDT, gold, crypto) */
    WM_PURSE_LEGACY = 2     /* withdrawn purse type (R, U): refused */
} wm_purse_kind;

typedef struct {
    char letter;           /* 'Z' */
    const char *title;     /* "WMZ" */
    const char *unit;      /* what one unit is worth: "USD", "gold (1 g)" */
    const char *currency;  /* ISO 4217 code, NULL when none */
    wm_purse_kind kind;
} wm_purse_type;

/* The type of purse letter (upper case), or NULL for a letter WebMoney does
 * not issue. */
const wm_purse_type *wm_purse_type_of(char letter);

/* The supported purse type whose currency is `currency`, or NULL. */
const wm_purse_type *wm_purse_type_for_currency(const char *currency);

/* 1 when purse is one upper-case letter followed by 12 ASCII digits. */
int wm_purse_well_formed(const char *purse);

/* 1 when wmid is exactly 12 ASCII digits. */
int wm_wmid_well_formed(const char *wmid);

/* Check the payer's purse for a payment in `currency`: well formed, a known
 * type, not legacy, with an ISO currency, and of the currency's type. On a
 * problem finish res as DECLINED (naming the parameter) and return 0. */
int wm_check_payer_purse(const char *purse, const char *currency, tender_result *res);

/* ---- plugin_state (webmoney-state.c) -------------------------------------- */

/* How the payment is made. */
typedef enum { WM_FLOW_NONE = 0, WM_FLOW_MERCHANT, WM_FLOW_PROTECTED } wm_flow;

/* Where it stands: a payment-page payment is WAITING then PAID; a protected
 * transfer is LOCKED, then RELEASED, RETURNED (wrong codes) or EXPIRED. */
typedef enum {
    WM_STATUS_NONE = 0,
    WM_STATUS_WAITING,
    WM_STATUS_PAID,
    WM_STATUS_LOCKED,
    WM_STATUS_RELEASED,
    WM_STATUS_RETURNED,
    WM_STATUS_EXPIRED
} wm_status;

/* The payer's way back from the payment page (return_url, cancel_url). */
#define WM_URL_MAX 512

/* Refund transfers kept per payment ("no:amount;no:amount"). */
#define WM_REFUNDS_MAX 512

/* Everything the plugin keeps about one payment between calls. */
typedef struct {
    wm_flow flow;
    wm_status status;
    char payer[WM_PURSE_LEN + 1]; /* the purse the payer named */
    char wmid[WM_WMID_LEN + 1];
    char payee[WM_PURSE_LEN + 1];
    char currency[4];
    int64_t amount;
    int64_t created; /* host clock, ms */
    /* payment page */
    uint32_t pno;                       /* LMI_PAYMENT_NO */
    char desc[WM_DESCRIPTION_MAX + 64]; /* LMI_PAYMENT_DESC */
    char trans[24];                     /* LMI_SYS_TRANS_NO, or the protected transfer's number */
    char invs[24];                      /* LMI_SYS_INVS_NO */
    char paid_from[WM_PURSE_LEN + 1];   /* LMI_PAYER_PURSE */
    char paid_date[24];                 /* LMI_SYS_TRANS_DATE */
    char back[WM_URL_MAX];              /* LMI_SUCCESS_URL: the return_url parameter */
    char fail[WM_URL_MAX];              /* LMI_FAIL_URL: the cancel_url parameter */
    /* protected transfer */
    int days;
    int64_t expires; /* host clock, ms */
    int tries;       /* wrong codes so far */
    /* refunds */
    char refunds[WM_REFUNDS_MAX];
    int64_t refunded;
} wm_state;

/* Read a payment's plugin_state. Returns 1 when it is a state this plugin
 * wrote (st filled), 0 otherwise (st zeroed: no state, another version's,
 * or unreadable). */
int wm_state_load(const char *text, wm_state *st);

/* The word a status is written as ("paid"). */
const char *wm_status_name(wm_status status);

/* Write st as plugin_state into res. Returns 1, or 0 when it does not fit
 * (res's state is then left as it was). */
int wm_state_store(const wm_state *st, tender_result *res);

/* ---- the instance (webmoney-config.c) ------------------------------------- */

/* WebMoney's documented hosts: the Merchant Interface (payment page) and
 * X18 live on merchant.web.money, the WMID-signed X-interfaces on
 * w3s.webmoney.ru. WebMoney's test mode is a flag on the same hosts. */
#define WM_LIVE_MERCHANT_ENDPOINT "https://merchant.web.money"
#define WM_LIVE_X_ENDPOINT "https://w3s.webmoney.ru"
#define WM_ENDPOINT_MAX 256
#define WM_SECRET_KEY_MAX 50 /* WebMoney's limit for the merchant secret key */

typedef struct {
    const tender_host_services *host;
    char method_id[32];
    int has_http;  /* the host lends the http service */
    int test_mode; /* mode "sandbox": LMI_SIM_MODE=0 on the page, LMI_MODE=1 expected */
    /* auth "light" (the default): X3/X5/X14 go to WebMoney's "…Cert.asp"
     * interfaces, authenticated by the merchant's Keeper WebPro (Light)
     * client certificate, which the host presents (its settings
     * tls_client_cert and tls_client_key), and carry neither <wmid> nor a
     * signature. auth "sha256": the plain interfaces with <wmid> and a
     * <sha256> of the sign string and the secret key, a form only
     * tender-sandbox accepts (docs/decisions.md). */
    int light;
    char endpoint[WM_ENDPOINT_MAX];   /* Merchant Interface and X18 */
    char x_endpoint[WM_ENDPOINT_MAX]; /* X3, X5, X14 */
    char merchant_wmid[WM_WMID_LEN + 1];
    char payees[WM_MAX_PAYEES][WM_PURSE_LEN + 1];
    size_t n_payees;
    char secret_key[64];
    char result_url[512]; /* LMI_RESULT_URL; empty: the one set in the merchant's account */
    gint64 last_reqn;     /* X-interface reqn: must grow per WMID (under x_lock) */
    GMutex x_lock;        /* X3/X5/X14 go one at a time, so reqn reaches WebMoney in order */
} wm_instance;

/* Read and check the settings into a new instance. Returns it, or NULL
 * with error naming the setting (never its value when it is a secret). */
wm_instance *wm_config_read(const tender_host_services *host, const char *method_id,
                            char *error, size_t error_size);

/* Wipe the secret and free the instance. */
void wm_config_free(wm_instance *wm);

/* The configured payee purse of the given type letter, or NULL. */
const char *wm_payee_for_letter(const wm_instance *wm, char letter);

/* ---- X-interfaces (webmoney-x.c) ----------------------------------------- */

typedef enum {
    WM_X_ANSWER = 0,   /* WebMoney answered: retval says what happened */
    WM_X_NOT_SENT = 1, /* nothing left: the request certainly did nothing */
    WM_X_UNKNOWN = 2   /* no readable answer: it may or may not have acted */
} wm_x_kind;

/* One element of an answer: its leaf elements by name, plus its attributes
 * as "@name". */
typedef GHashTable wm_x_element;

typedef struct {
    wm_x_kind kind;
    int retval;
    char retdesc[256];
    GPtrArray *operations; /* wm_x_element per <operation>, in order */
    char message[256];     /* why, when not an answer */
} wm_x_reply;

void wm_x_reply_clear(wm_x_reply *reply);

/* A field of an element, or "" when absent. */
const char *wm_x_get(wm_x_element *element, const char *name);

/* X18: the completed payment with this LMI_PAYMENT_NO to the payee purse. */
void wm_x18_payment(wm_instance *wm, const char *payee, uint32_t payment_no, wm_x_reply *reply);

/* X3: the operations of a merchant purse, optionally one transfer only
 * (wmtranid, NULL for all). */
void wm_x3_operations(wm_instance *wm, const char *purse, const char *wmtranid,
                      wm_x_reply *reply);

/* X5: finish a protected transfer to a merchant purse with its code. */
void wm_x5_finish(wm_instance *wm, const char *wmtranid, const char *code, wm_x_reply *reply);

/* X14: refund amount_wire of an incoming transfer. */
void wm_x14_refund(wm_instance *wm, const char *inwmtranid, const char *amount_wire,
                   wm_x_reply *reply);

/* In sandbox mode only: play the payer on tender-sandbox's payment page
 * (page_url, the purchase's redirect), paying from purse as wmid, as
 * `tender complete ID --param payer_action=pay` and the conformance
 * fixtures ask. Returns 1 when the page took the payment, else 0 with why. */
int wm_page_pay_as_payer(const wm_instance *wm, const char *page_url, const char *wmid,
                         const char *purse, char *why, size_t why_size);

/* Finish res as UNKNOWN (logged) for a call that has no answer. */
void wm_x_unknown(const wm_instance *wm, const char *what, const wm_x_reply *reply,
                  tender_result *res);

/* What X3 says was refunded of transfer wmtranid to purse (minor units of
 * the given exponent). Returns 1 with *total set when answered; 0 with res
 * finished as UNKNOWN when there was no answer; -1 with res DECLINED
 * (authentication_failed, WebMoney's retval as the raw code) when WebMoney
 * refused the merchant. */
int wm_refunded_total(wm_instance *wm, const char *purse, const char *wmtranid, int exponent,
                      int64_t *total, tender_result *res);

/* ---- merchant interface (webmoney-merchant.c) ---------------------------- */

/* LMI_HASH: upper-case hex SHA-256 over the ten fields in WebMoney's order
 * (the secret key between the date and the payer's purse). out: 65 bytes. */
void wm_lmi_hash(const char *payee_purse, const char *amount, const char *payment_no,
                 const char *mode, const char *invs_no, const char *trans_no,
                 const char *trans_date, const char *secret_key,
                 const char *payer_purse, const char *payer_wm, char out[65]);

/* LMI_PAYMENT_NO for a payment: WebMoney wants a positive 32-bit integer, so
 * it is derived deterministically from the host's payment id. */
uint32_t wm_payment_number(const char *payment_id);

/* Parse an application/x-www-form-urlencoded body into a table of decoded
 * strings (owned). NULL when the body is not a valid form. */
GHashTable *wm_form_parse(const char *body, size_t len);

/* The merchant payment page URL for the page payment st; out of out_size
 * bytes. Returns 1 when it fit. */
int wm_payment_page_url(const wm_instance *wm, const wm_state *st, const char *amount_wire,
                        const char *payment_id, char *out, size_t out_size);

void wm_identify_notification(void *instance, const tender_request *req, tender_result *res);
void wm_notification(void *instance, const tender_request *req, tender_result *res);

/* ---- protected transfers (webmoney-protect.c) ---------------------------- */

/* Start waiting for the payer's code-protected transfer of req->amount from
 * the (already checked) payer purse: ACTION_REQUIRED / PROTECTION_CODE.
 * state holds the common fields. */
void wm_protected_start(const wm_instance *wm, const tender_request *req, int days,
                        wm_state *st, tender_result *res);

/* Report a protected transfer's current state (sync), from X3. */
void wm_protected_sync(wm_instance *wm, const tender_request *req, const wm_state *st,
                       tender_result *res);

void wm_complete_action(void *instance, const tender_request *req, tender_result *res);

/* ---- sync and refund (webmoney-method.c, webmoney-refund.c) --------------- */

void wm_refund(void *instance, const tender_request *req, tender_result *res);

/* The status of a payment-page payment (X18), as sync reports it. */
void wm_merchant_sync(wm_instance *wm, const tender_request *req, const wm_state *st,
                      tender_result *res);

const tender_fixture *wm_fixtures(size_t *n);

/* ---- small shared helpers (webmoney-method.c) ----------------------------- */

/* Fill res's display data from a payer purse and WMID. */
void wm_set_display(tender_result *res, const char *purse, const char *wmid);

#endif
