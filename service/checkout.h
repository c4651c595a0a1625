/* Hosted checkout (docs/checkout.md): what the checkout modules share.
 *
 * A checkout session is the merchant's order as tenderd will charge it:
 * amount, currency, buyer region, account, tier and where to send the
 * buyer back. The buyer's browser only ever names the session; everything
 * that decides money is read from the stored session, never from the page.
 *
 * Sessions and their payment attempts are kept in the ledger through the
 * host's stored-response API (docs/decisions.md, "Checkout sessions"), so
 * they survive a restart and need no table of their own. */
#ifndef TENDER_SERVICE_CHECKOUT_H
#define TENDER_SERVICE_CHECKOUT_H

#include "service.h"

G_BEGIN_DECLS

/* How long a session can be paid after it is created. The ledger drops
 * kept responses after a day, so this stays under that. */
#define CHECKOUT_SESSION_SECONDS 3600
/* Payment attempts one session allows (a decline, then another card…). */
#define CHECKOUT_MAX_ATTEMPTS 10

typedef struct {
    char *id; /* "cs_" and 32 hex digits: unguessable, the page's only secret */
    char *amount;
    char *currency;
    char *region;
    char *account; /* may be NULL */
    char *tier;    /* may be NULL */
    char *return_url;
    char *locale; /* "en" or "zh": the page's default language */
    gboolean capture;
    gint64 created_ms;
    gint64 expires_ms;
} CheckoutSession;

void checkout_session_free(CheckoutSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CheckoutSession, checkout_session_free)

/* The session with this id, or NULL when there is none (never created,
 * or dropped from the ledger). An expired one is returned: the caller
 * decides (checkout_session_expired). NULL with *error set when the ledger
 * fails. */
CheckoutSession *checkout_session_load(Service *svc, const char *id, GError **error);
gboolean checkout_session_expired(const CheckoutSession *s);

/* The session's latest payment attempt: *attempt_out its number (-1 when
 * none) and the payment id (newly allocated) or NULL. */
char *checkout_latest_payment(Service *svc, const CheckoutSession *s, int *attempt_out,
                              GError **error);
/* Record payment_id as attempt n of the session; the first record stays. */
gboolean checkout_record_payment(Service *svc, const CheckoutSession *s, int attempt,
                                 const char *payment_id, GError **error);
/* The idempotency key of attempt n: the same submission twice reaches the
 * host with the same key, so it is never charged twice. */
char *checkout_attempt_key(const CheckoutSession *s, int attempt);

/* A payment no further attempt may replace: anything but a decline or a
 * failure (an open action, a pending answer, money taken). */
gboolean checkout_payment_is_final_or_open(const TenderPayment *p);

/* n_bytes (at most 64) from the kernel's CSPRNG as hex; newly allocated. */
char *checkout_random_hex(gsize n_bytes);

/* Amount in minor units as a decimal string ("12.50"); newly allocated. */
char *checkout_format_minor(gint64 minor, int exponent);

/* The base URL the buyer's browser used to reach us: "http://HOST" from
 * the Host header (https when a proxy says X-Forwarded-Proto: https). */
char *checkout_base_url(const ServiceRequest *req);

/* ---- the card form (checkout-card.c) --------------------------------------------------- */

typedef struct {
    char *number; /* digits only; wiped when freed */
    char *exp_month;
    char *exp_year;
    char *cvc; /* wiped when freed */
    char *holder;
    /* Per field: a message key of the translation table, or NULL when the
     * field is fine. */
    const char *number_error;
    const char *expiry_error;
    const char *cvc_error;
    const char *holder_error;
} CardForm;

void card_form_clear(CardForm *f);
/* Read the form's fields and check them as the gateway would, before any
 * request leaves: TRUE when every field is fine. now_ms: the clock for the
 * expiry. */
gboolean card_form_check(CardForm *f, GHashTable *form, gint64 now_ms);
/* The brand name for display, from the first digits (NULL if none). */
const char *card_form_brand(const char *digits);

/* ---- a wallet's account fields (checkout-wallet.c) ------------------------------------- */

/* What the buyer typed for a wallet method (WebMoney's purse and WMID),
 * with each field's error. */
typedef struct {
    char *method;
    GHashTable *values; /* param -> the value as checked (owned) */
    GHashTable *errors; /* param -> a message key of the translation table */
} WalletForm;

/* TRUE when the page asks the buyer for some of method's parameters. */
gboolean checkout_wallet_has_fields(const char *method);
/* TRUE when param of method is one the page asks the buyer for. */
gboolean checkout_wallet_asks(const char *method, const char *param);
/* Read method's fields from the posted form and check them for an order
 * in currency (the rules of the method's provider): TRUE when all fine.
 * Clear f with checkout_wallet_form_clear whatever the answer. */
gboolean checkout_wallet_form_check(WalletForm *f, const char *method, GHashTable *form,
                                    const char *currency);
void checkout_wallet_form_clear(WalletForm *f);
/* The checked value of param, or NULL; borrowed from f. */
const char *checkout_wallet_value(const WalletForm *f, const char *param);
/* The labelled inputs of method's fields; sent (may be NULL) is what was
 * posted, shown again with its errors. */
void checkout_wallet_render_fields(GString *html, const char *lang, const char *method,
                                   const char *currency, const WalletForm *sent);

/* ---- pages (checkout-html.c) --------------------------------------------------------------- */

/* The language of a page: ?lang=, else Accept-Language, else the
 * session's. */
const char *checkout_page_lang(const ServiceRequest *req, const CheckoutSession *s);
/* The translation of key in lang ("en", "zh"); the English text when the
 * key has no translation; the key itself when unknown. */
const char *checkout_text(const char *lang, const char *key);
/* The advice for the buyer about a decline code, in lang. */
const char *checkout_advice_text(const char *lang, guint32 decline_code);
/* The way forward after a decline: a message key ("forward_retry",
 * "forward_other_method", "forward_contact_bank", …). */
const char *checkout_forward_key(guint32 decline_code);

/* Append text to out with HTML's special characters escaped. */
void checkout_html_escape(GString *out, const char *text);
void checkout_html_printf(GString *out, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* The page's head and the end: lang, title, the stylesheet and script. */
void checkout_html_begin(GString *out, const char *lang, const char *title);
void checkout_html_end(GString *out);
/* Answer with html (consumed) as a page: the security headers set
 * (Content-Security-Policy without inline script, no framing, no cache). */
void checkout_respond_html(ServiceResponse *resp, guint status, GString *html);
void checkout_respond_redirect(ServiceResponse *resp, const char *location);
/* A form post's fields (application/x-www-form-urlencoded) as name ->
 * value; the copy of the body is wiped. Free with checkout_form_free,
 * which wipes the values too (card numbers, API keys). */
GHashTable *checkout_form_decode(const ServiceRequest *req);
void checkout_form_free(GHashTable *form);
/* A page with a heading and one paragraph (404 unknown session…). */
void checkout_respond_message(ServiceResponse *resp, guint status, const char *lang,
                              const char *title_key, const char *text_key);

/* ---- QR codes (checkout-qr.c) ------------------------------------------------------------------ */

/* Append payload as an SVG QR code (an image labelled label). FALSE when
 * it cannot be encoded (too long). */
gboolean checkout_qr_svg(GString *html, const char *payload, const char *label);

/* ---- routes (checkout-sessions.c, checkout-pages.c) ------------------------------------------ */

void routes_checkout_session_create(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_checkout_session_get(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_checkout_page(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_checkout_card(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_checkout_pay(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_checkout_status(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_checkout_return(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_checkout_asset(Service *svc, ServiceRequest *req, ServiceResponse *resp);

G_END_DECLS

#endif
