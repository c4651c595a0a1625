/* The sandbox processor's payment operations: Orders v2 (create, approve,
 * authorize, capture) and Payments v2 (capture, void, refund an
 * authorization or capture), with PayPal's statuses and error names.
 *
 * Idempotency works like the PayPal-Request-Id header: every id is derived
 * from the request id, and the last request applied to the payment is
 * remembered with its result, so a repeated request returns the original
 * result and changes nothing. */
#include "paypal-orders.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <tender/sdk.h>

#include "paypal-errors.h"
#include "paypal-ids.h"
#include "paypal-orders-internal.h"

#define MS_PER_S 1000LL
#define APPROVE_URL "https://www.sandbox.paypal.com/checkoutnow?token="

const PaypalCurrency *paypal_order_load(const tender_request *req, PaypalOrder *o,
                                        tender_result *res)
{
    const PaypalCurrency *cur = NULL;
    if (paypal_state_load(o, req->plugin_state))
        cur = paypal_currency_find(o->currency);
    if (cur == NULL)
        paypal_decline(res, "INVALID_RESOURCE_ID",
                       "no PayPal order is recorded for this payment (plugin_state is empty or "
                       "not a PayPal order)");
    return cur;
}

int64_t paypal_to_request_units(const PaypalCurrency *cur, int64_t pp, const tender_request *req)
{
    int64_t out = 0;
    if (!paypal_amount_from_paypal(cur, pp, req->exponent, &out))
        return 0;
    return out;
}

int paypal_auth_expired(const PaypalOrder *o, int64_t now)
{
    return o->auth_id[0] != '\0' && now > o->auth_ms + PAYPAL_HOLD_SECONDS * MS_PER_S;
}

void paypal_approve_url(const PaypalOrder *o, char *out, size_t out_size)
{
    snprintf(out, out_size, APPROVE_URL "%s", o->order_id);
}

/* Append "key=value\n" to details when value is set. */
static void detail(char *details, size_t size, const char *key, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    size_t len = strlen(details);
    snprintf(details + len, size - len, "%s=%s\n", key, value);
}

void paypal_order_finish(const PaypalOrder *o, tender_result *res, const char *extra)
{
    char details[TENDER_RESULT_DETAILS_MAX] = "";
    if (!paypal_state_save(o, res->plugin_state, sizeof res->plugin_state)) {
        /* Cannot happen with bounded fields; never leave a stale state. */
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "STATE_TOO_LARGE",
                              "the PayPal order state does not fit in plugin_state");
        return;
    }
    detail(details, sizeof details, "order_id", o->order_id);
    detail(details, sizeof details, "order_status", o->status);
    detail(details, sizeof details, "intent", o->intent);
    detail(details, sizeof details, "country_code", paypal_country_code(o->region));
    detail(details, sizeof details, "payer_id", o->payer_id);
    detail(details, sizeof details, "authorization_id", o->auth_id);
    detail(details, sizeof details, "authorization_status", o->auth_status);
    detail(details, sizeof details, "capture_id", o->last_capture_id);
    detail(details, sizeof details, "pending_capture_id", o->pending_capture_id);
    detail(details, sizeof details, "refund_id", o->last_refund_id);
    if (extra != NULL) {
        size_t len = strlen(details);
        snprintf(details + len, sizeof details - len, "%s", extra);
    }
    TENDER_SET(res, details, details);
    TENDER_SET(res, display_brand, "PayPal");
    TENDER_SET(res, display_account, o->payer_display);
    TENDER_SET(res, display_country, o->region);
}

/* ---- idempotent replay -------------------------------------------------- */

/* Remember res as the result of req (PayPal-Request-Id). */
static void remember(PaypalOrder *o, const tender_request *req, const tender_result *res)
{
    if (req->request_id == NULL || req->request_id[0] == '\0')
        return;
    tender_copy_string(o->last_request, sizeof o->last_request, req->request_id);
    o->last_op = req->operation;
    o->last_outcome = res->outcome;
    o->last_decline = res->decline_code;
    o->last_amount = res->amount;
    tender_copy_string(o->last_raw, sizeof o->last_raw, res->raw_code);
    tender_copy_string(o->last_ref, sizeof o->last_ref, res->processor_ref);
}

/* When req repeats the last request applied, write its original result and
 * return 1: nothing happens twice. */
static int replay(const PaypalOrder *o, const tender_request *req, tender_result *res)
{
    if (req->request_id == NULL || req->request_id[0] == '\0' ||
        strcmp(o->last_request, req->request_id) != 0 || o->last_op != req->operation)
        return 0;
    res->outcome = o->last_outcome;
    res->decline_code = o->last_decline;
    res->amount = o->last_amount;
    TENDER_SET(res, raw_code, o->last_raw);
    TENDER_SET(res, processor_ref, o->last_ref);
    TENDER_SET(res, message, "repeated request: the original result (PayPal-Request-Id)");
    if (res->outcome == TENDER_OUTCOME_ACTION_REQUIRED) {
        res->action_kind = TENDER_ACTION_REDIRECT;
        paypal_approve_url(o, res->action_data, sizeof res->action_data);
        res->action_expires_ms = o->created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S;
    }
    paypal_order_finish(o, res, "replayed=true\n");
    return 1;
}

/* Remember and save: the common end of an operation that changed o. */
static void conclude(PaypalOrder *o, const tender_request *req, tender_result *res,
                     const char *extra)
{
    remember(o, req, res);
    paypal_order_finish(o, res, extra);
}

/* ---- create ------------------------------------------------------------- */

/* Which sandbox test payer an e-mail names (its local part), "" for any
 * other payer. */
static const char *payer_class(const char *email)
{
    static const char *const classes[][2] = {
        {"declined", "declined"},
        {"refused", "refused"},
        {"payer-action", "payer_action"},
        {"pending", "pending"},
    };
    const char *at = strchr(email, '@');
    size_t local = at ? (size_t)(at - email) : 0;
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strlen(classes[i][0]) == local && strncasecmp(email, classes[i][0], local) == 0)
            return classes[i][1];
    return "";
}

/* A plausible e-mail address: one '@', something on both sides, a dot in
 * the domain, no spaces, at most 254 characters (RFC 5321). */
static int email_valid(const char *email)
{
    const char *at = strchr(email, '@');
    if (at == NULL || at == email || strchr(at + 1, '@') != NULL || strlen(email) > 254)
        return 0;
    const char *dot = strchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        return 0;
    for (const char *p = email; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>')
            return 0;
    return 1;
}

/* "d***@sandbox.example": enough to recognise, nothing to misuse. */
static void mask_email(const char *email, char *out, size_t out_size)
{
    const char *at = strchr(email, '@');
    snprintf(out, out_size, "%c***%s", email[0], at ? at : "");
}

static int url_valid(const char *url)
{
    return (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) &&
           strlen(url) <= 2000 && strpbrk(url, " \t\r\n\"<>") == NULL;
}

/* The intent: the "intent" parameter wins, then the operator's "intent"
 * setting, then the operation (authorize -> AUTHORIZE, purchase ->
 * CAPTURE). Returns NULL for a bad parameter. */
static const char *choose_intent(const PaypalInstance *inst, const tender_request *req,
                                 int purchase)
{
    const char *param = tender_request_param(req, "intent");
    if (param != NULL && param[0] != '\0') {
        if (strcasecmp(param, "CAPTURE") == 0)
            return "CAPTURE";
        if (strcasecmp(param, "AUTHORIZE") == 0)
            return "AUTHORIZE";
        return NULL;
    }
    if (inst->configured_intent[0] != '\0')
        return inst->configured_intent;
    return purchase ? "CAPTURE" : "AUTHORIZE";
}

void paypal_order_create(PaypalInstance *inst, const tender_request *req, tender_result *res,
                         int purchase)
{
    const PaypalCurrency *cur = paypal_currency_find(req->currency);
    if (cur == NULL) {
        paypal_decline(res, "CURRENCY_NOT_SUPPORTED",
                       "currency %.8s is not supported by PayPal", req->currency ? req->currency : "");
        return;
    }
    int64_t pp = 0;
    switch (paypal_amount_to_paypal(cur, req->amount, req->exponent, &pp)) {
    case PAYPAL_AMOUNT_OK:
        break;
    case PAYPAL_AMOUNT_PRECISION:
        paypal_decline(res, "DECIMAL_PRECISION",
                       "amount: PayPal takes %d decimals in %s; this amount has more", cur->decimals,
                       cur->code);
        return;
    case PAYPAL_AMOUNT_NOT_POSITIVE:
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "INVALID_PARAMETER_VALUE",
                              "amount must be greater than zero");
        return;
    default:
        paypal_decline(res, "INVALID_PARAMETER_VALUE", "amount: exponent %d is not usable",
                       (int)req->exponent);
        return;
    }
    if (cur->max_amount > 0 && pp > cur->max_amount) {
        char max[32];
        paypal_amount_value(cur, cur->max_amount, max, sizeof max);
        paypal_decline(res, "TRANSACTION_LIMIT_EXCEEDED",
                       "amount is above PayPal's per-transaction maximum of %s %s", max, cur->code);
        return;
    }
    if (cur->home_region != NULL &&
        (req->region == NULL || strcmp(req->region, cur->home_region) != 0)) {
        paypal_decline(res, "CURRENCY_NOT_SUPPORTED",
                       "%s is for PayPal accounts in %s only; the buyer is in %s", cur->code,
                       paypal_country_code(cur->home_region),
                       req->region && req->region[0] ? paypal_country_code(req->region) : "an unknown region");
        return;
    }
    const char *intent = choose_intent(inst, req, purchase);
    if (intent == NULL) {
        paypal_decline(res, "INVALID_PARAMETER_VALUE", "parameter intent must be CAPTURE or AUTHORIZE");
        return;
    }
    const char *email = tender_request_param(req, "payer_email");
    if (email != NULL && email[0] != '\0' && !email_valid(email)) {
        paypal_decline(res, "INVALID_PARAMETER_SYNTAX",
                       "parameter payer_email is not a valid e-mail address");
        return;
    }
    static const char *const url_params[] = {"return_url", "cancel_url"};
    for (size_t i = 0; i < 2; i++) {
        const char *url = tender_request_param(req, url_params[i]);
        if (url != NULL && url[0] != '\0' && !url_valid(url)) {
            paypal_decline(res, "INVALID_PARAMETER_SYNTAX",
                           "parameter %s must be an http(s) URL", url_params[i]);
            res->decline_code = TENDER_DECLINE_INVALID_REQUEST;
            return;
        }
    }

    PaypalOrder o;
    memset(&o, 0, sizeof o);
    /* PayPal-Request-Id: the same request creates the same order. */
    paypal_derive_id2(o.order_id, PAYPAL_ID_LEN,
                      req->request_id && req->request_id[0] ? req->request_id : req->payment_id,
                      "order");
    tender_copy_string(o.intent, sizeof o.intent, intent);
    tender_copy_string(o.status, sizeof o.status, "PAYER_ACTION_REQUIRED");
    tender_copy_string(o.currency, sizeof o.currency, cur->code);
    o.amount = pp;
    tender_copy_string(o.region, sizeof o.region, req->region);
    if (email != NULL && email[0] != '\0') {
        tender_copy_string(o.payer_class, sizeof o.payer_class, payer_class(email));
        mask_email(email, o.payer_display, sizeof o.payer_display);
    }
    o.created_ms = tender_now_ms(inst->host);

    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_REDIRECT;
    paypal_approve_url(&o, res->action_data, sizeof res->action_data);
    TENDER_SET(res, action_hint, "Log in to PayPal and approve the payment.");
    res->action_expires_ms = o.created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S;
    res->amount = req->amount;
    TENDER_SET(res, raw_code, "PAYER_ACTION_REQUIRED");
    TENDER_SETF(res, message, "PayPal order %s created (intent %s): the payer must approve it",
                o.order_id, o.intent);
    TENDER_SET(res, processor_ref, o.order_id);
    conclude(&o, req, res, NULL);
}

/* ---- approval ----------------------------------------------------------- */

/* Refuse by the sandbox payer's class; returns 1 when refused. */
static int payer_refuses(PaypalOrder *o, tender_result *res, const char *step)
{
    const char *name = NULL;
    if (strcmp(o->payer_class, "declined") == 0)
        name = "INSTRUMENT_DECLINED";
    else if (strcmp(o->payer_class, "refused") == 0)
        name = "TRANSACTION_REFUSED";
    if (name == NULL)
        return 0;
    tender_copy_string(o->decline_name, sizeof o->decline_name, name);
    paypal_decline(res, name, "PayPal refused the %s: %s", step,
                   strcmp(name, "INSTRUMENT_DECLINED") == 0
                       ? "the payer's funding instrument was declined"
                       : "the transaction was refused");
    res->event = TENDER_EVENT_DECLINED;
    return 1;
}

void paypal_order_after_approval(const PaypalInstance *inst, const tender_request *req,
                                 tender_result *res, PaypalOrder *o, const PaypalCurrency *cur)
{
    int64_t now = tender_now_ms(inst->host);
    if (strcmp(o->intent, "AUTHORIZE") == 0) {
        if (payer_refuses(o, res, "authorization"))
            return;
        paypal_derive_id2(o->auth_id, PAYPAL_ID_LEN, o->order_id, "authorization");
        tender_copy_string(o->auth_status, sizeof o->auth_status, "CREATED");
        o->auth_amount = o->amount;
        o->auth_ms = now;
        tender_copy_string(o->status, sizeof o->status, "COMPLETED");
        o->decline_name[0] = '\0';
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_AUTHORIZED;
        res->amount = paypal_to_request_units(cur, o->auth_amount, req);
        TENDER_SET(res, raw_code, "CREATED");
        TENDER_SETF(res, message, "PayPal authorization %s created; valid 29 days, honored 3",
                    o->auth_id);
        return;
    }
    if (payer_refuses(o, res, "capture"))
        return;
    char capture_id[PAYPAL_ID_LEN + 1];
    paypal_derive_id2(capture_id, PAYPAL_ID_LEN, o->order_id, "capture");
    tender_copy_string(o->status, sizeof o->status, "COMPLETED");
    o->decline_name[0] = '\0';
    if (strcmp(o->payer_class, "pending") == 0) {
        tender_copy_string(o->pending_capture_id, sizeof o->pending_capture_id, capture_id);
        o->pending_capture_amount = o->amount;
        res->outcome = TENDER_OUTCOME_PENDING;
        res->event = TENDER_EVENT_PENDING;
        res->amount = 0;
        TENDER_SET(res, raw_code, "PENDING");
        TENDER_SETF(res, message, "PayPal capture %s is PENDING (PENDING_REVIEW)", capture_id);
        return;
    }
    tender_copy_string(o->last_capture_id, sizeof o->last_capture_id, capture_id);
    o->last_capture_amount = o->amount;
    o->captured = o->amount;
    o->first_capture_ms = now;
    paypal_ring_add(o->capture_ids, sizeof o->capture_ids, capture_id);
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->event = TENDER_EVENT_CAPTURED;
    res->amount = paypal_to_request_units(cur, o->captured, req);
    TENDER_SET(res, raw_code, "COMPLETED");
    TENDER_SETF(res, message, "PayPal capture %s COMPLETED", capture_id);
}

/* PayerID: 13 upper-case letters and digits. */
static int payer_id_valid(const char *s)
{
    if (strlen(s) != PAYPAL_PAYER_ID_LEN)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

void paypal_order_complete(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL || replay(&o, req, res))
        return;
    int64_t now = tender_now_ms(inst->host);
    const char *action = tender_request_param(req, "payer_action");
    const char *payer_id = tender_request_param(req, "PayerID");
    const char *token = tender_request_param(req, "token");
    if (action != NULL && action[0] != '\0' && strcasecmp(action, "approve") != 0 &&
        strcasecmp(action, "cancel") != 0) {
        paypal_decline(res, "INVALID_PARAMETER_VALUE",
                       "parameter payer_action must be approve or cancel");
        return;
    }
    if ((action == NULL || action[0] == '\0') && (payer_id == NULL || payer_id[0] == '\0')) {
        paypal_decline(res, "MISSING_REQUIRED_PARAMETER",
                       "parameter payer_action (approve or cancel) or PayerID is required");
        return;
    }
    if (payer_id != NULL && payer_id[0] != '\0' && !payer_id_valid(payer_id)) {
        paypal_decline(res, "INVALID_PARAMETER_VALUE",
                       "parameter PayerID must be 13 upper-case letters or digits");
        return;
    }
    if (token != NULL && token[0] != '\0' && strcmp(token, o.order_id) != 0) {
        paypal_decline(res, "INVALID_PARAMETER_VALUE",
                       "parameter token does not name this payment's order %s", o.order_id);
        return;
    }
    if (strcmp(o.status, "COMPLETED") == 0) {
        int authorize = strcmp(o.intent, "AUTHORIZE") == 0;
        paypal_decline(res, authorize ? "ORDER_ALREADY_AUTHORIZED" : "ORDER_ALREADY_CAPTURED",
                       "order %s is already %s", o.order_id, authorize ? "authorized" : "captured");
        return;
    }
    if (strcmp(o.status, "VOIDED") == 0) {
        paypal_decline(res, o.decline_name[0] ? o.decline_name : "ORDER_NOT_APPROVED",
                       "order %s was cancelled or voided", o.order_id);
        return;
    }
    if (strcmp(o.status, "PAYER_ACTION_REQUIRED") == 0 &&
        now > o.created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S) {
        tender_copy_string(o.status, sizeof o.status, "VOIDED");
        tender_copy_string(o.decline_name, sizeof o.decline_name, "ORDER_EXPIRED");
        paypal_decline(res, "ORDER_EXPIRED",
                       "order %s was not approved within 3 hours and has expired", o.order_id);
        res->event = TENDER_EVENT_EXPIRED;
        conclude(&o, req, res, NULL);
        return;
    }
    if (action != NULL && strcasecmp(action, "cancel") == 0) {
        tender_copy_string(o.status, sizeof o.status, "VOIDED");
        tender_copy_string(o.decline_name, sizeof o.decline_name, "PAYER_CANCELLED");
        paypal_decline(res, "PAYER_CANCELLED", "the payer cancelled at PayPal (cancel_url)");
        res->event = TENDER_EVENT_DECLINED;
        conclude(&o, req, res, NULL);
        return;
    }
    /* Sandbox payer "payer-action@…": PayPal asks for one more step first. */
    if (strcmp(o.payer_class, "payer_action") == 0 && !o.extra_step_done) {
        o.extra_step_done = 1;
        res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        res->action_kind = TENDER_ACTION_REDIRECT;
        paypal_approve_url(&o, res->action_data, sizeof res->action_data);
        TENDER_SET(res, action_hint, "PayPal needs one more step from the payer: approve again.");
        res->action_expires_ms = o.created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S;
        TENDER_SET(res, raw_code, "PAYER_ACTION_REQUIRED");
        TENDER_SET(res, message, "PAYER_ACTION_REQUIRED: the payer must complete an extra step");
        conclude(&o, req, res, NULL);
        return;
    }
    tender_copy_string(o.status, sizeof o.status, "APPROVED");
    o.approved_ms = now;
    if (payer_id != NULL && payer_id[0] != '\0')
        tender_copy_string(o.payer_id, sizeof o.payer_id, payer_id);
    else
        paypal_derive_id2(o.payer_id, PAYPAL_PAYER_ID_LEN, o.order_id, "payer");
    paypal_order_after_approval(inst, req, res, &o, cur);
    conclude(&o, req, res, NULL);
}

/* ---- capture, void, refund ---------------------------------------------- */

/* Convert the operation's amount, declining when it cannot be taken. */
static int operation_amount(const PaypalCurrency *cur, const tender_request *req,
                            tender_result *res, int64_t *pp)
{
    switch (paypal_amount_to_paypal(cur, req->amount, req->exponent, pp)) {
    case PAYPAL_AMOUNT_OK:
        return 1;
    case PAYPAL_AMOUNT_PRECISION:
        paypal_decline(res, "DECIMAL_PRECISION",
                       "amount: PayPal takes %d decimals in %s; this amount has more", cur->decimals,
                       cur->code);
        return 0;
    default:
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "INVALID_PARAMETER_VALUE",
                              "amount must be greater than zero");
        return 0;
    }
}

/* The most captures may total: 115% of the authorization, and for USD at
 * most 75.00 USD above it. Other currencies get the 115% rule alone: the
 * plugin has no exchange rate to convert the 75 USD cap. */
static int64_t capture_ceiling(const PaypalCurrency *cur, int64_t authorized)
{
    int64_t ceiling = authorized / 10000 * PAYPAL_OVER_CAPTURE_BPS +
                      authorized % 10000 * PAYPAL_OVER_CAPTURE_BPS / 10000;
    if (strcmp(cur->code, "USD") == 0 && ceiling > authorized + PAYPAL_OVER_CAPTURE_MAX_EXTRA_USD)
        ceiling = authorized + PAYPAL_OVER_CAPTURE_MAX_EXTRA_USD;
    return ceiling;
}

void paypal_order_capture(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL || replay(&o, req, res))
        return;
    int64_t now = tender_now_ms(inst->host);
    if (strcmp(o.status, "PAYER_ACTION_REQUIRED") == 0 || strcmp(o.status, "CREATED") == 0) {
        paypal_decline(res, "ORDER_NOT_APPROVED", "the payer has not approved order %s yet",
                       o.order_id);
        return;
    }
    if (strcmp(o.intent, "CAPTURE") == 0) {
        /* A CAPTURE order is captured once, whole, right after approval. */
        if (o.captured > 0 || o.pending_capture_id[0] != '\0') {
            paypal_decline(res, "ORDER_ALREADY_CAPTURED", "order %s is already captured",
                           o.order_id);
            return;
        }
        paypal_decline(res, o.decline_name[0] ? o.decline_name : "ORDER_NOT_APPROVED",
                       "order %s has no authorization to capture", o.order_id);
        return;
    }
    if (o.auth_id[0] == '\0') {
        paypal_decline(res, o.decline_name[0] ? o.decline_name : "ORDER_NOT_APPROVED",
                       "order %s has no authorization to capture", o.order_id);
        return;
    }
    if (strcmp(o.auth_status, "VOIDED") == 0) {
        paypal_decline(res, "PREVIOUSLY_VOIDED", "authorization %s was voided", o.auth_id);
        return;
    }
    if (paypal_auth_expired(&o, now)) {
        paypal_decline(res, "AUTHORIZATION_EXPIRED",
                       "authorization %s is older than 29 days and has expired", o.auth_id);
        res->event = TENDER_EVENT_EXPIRED;
        return;
    }
    if (strcmp(o.auth_status, "CAPTURED") == 0) {
        paypal_decline(res, "AUTHORIZATION_ALREADY_CAPTURED",
                       "authorization %s is already fully captured", o.auth_id);
        return;
    }
    int64_t pp;
    if (!operation_amount(cur, req, res, &pp))
        return;
    int64_t ceiling = capture_ceiling(cur, o.auth_amount);
    int64_t taken = o.captured + o.pending_capture_amount;
    if (pp > ceiling - taken) {
        char left[32];
        paypal_amount_value(cur, ceiling - taken > 0 ? ceiling - taken : 0, left, sizeof left);
        paypal_decline(res, "MAX_CAPTURE_AMOUNT_EXCEEDED",
                       "amount: captures may total 115%% of the authorization%s; at most %s %s "
                       "remains",
                       strcmp(cur->code, "USD") == 0 ? " and at most 75.00 USD above it" : "",
                       left, cur->code);
        return;
    }
    /* Past the 3-day honor period PayPal reauthorizes before capturing; the
     * sandbox's payers always have the funds, so the capture goes through. */
    int honor_over = now > o.auth_ms + PAYPAL_HONOR_SECONDS * MS_PER_S;
    const char *extra = honor_over ? "honor_period=expired\nreauthorized=true\n"
                                   : "honor_period=valid\n";

    char capture_id[PAYPAL_ID_LEN + 1];
    paypal_derive_id2(capture_id, PAYPAL_ID_LEN, req->request_id, "capture");
    TENDER_SET(res, processor_ref, capture_id);
    res->amount = req->amount;
    if (strcmp(o.payer_class, "pending") == 0 && o.pending_capture_id[0] == '\0') {
        tender_copy_string(o.pending_capture_id, sizeof o.pending_capture_id, capture_id);
        o.pending_capture_amount = pp;
        res->outcome = TENDER_OUTCOME_PENDING;
        TENDER_SET(res, raw_code, "PENDING");
        TENDER_SETF(res, message, "PayPal capture %s is PENDING (PENDING_REVIEW)", capture_id);
        conclude(&o, req, res, extra);
        return;
    }
    o.captured += pp;
    if (o.first_capture_ms == 0)
        o.first_capture_ms = now;
    tender_copy_string(o.last_capture_id, sizeof o.last_capture_id, capture_id);
    o.last_capture_amount = pp;
    paypal_ring_add(o.capture_ids, sizeof o.capture_ids, capture_id);
    tender_copy_string(o.auth_status, sizeof o.auth_status,
                       o.captured >= o.auth_amount ? "CAPTURED" : "PARTIALLY_CAPTURED");
    res->outcome = TENDER_OUTCOME_APPROVED;
    TENDER_SET(res, raw_code, "COMPLETED");
    TENDER_SETF(res, message, "PayPal capture %s COMPLETED%s", capture_id,
                honor_over ? " after the 3-day honor period (PayPal reauthorized)" : "");
    conclude(&o, req, res, extra);
}

void paypal_order_void(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL || replay(&o, req, res))
        return;
    int64_t now = tender_now_ms(inst->host);
    if (o.auth_id[0] != '\0') {
        if (strcmp(o.auth_status, "VOIDED") == 0) {
            paypal_decline(res, "PREVIOUSLY_VOIDED", "authorization %s was already voided",
                           o.auth_id);
            return;
        }
        if (strcmp(o.auth_status, "CAPTURED") == 0) {
            paypal_decline(res, "AUTHORIZATION_ALREADY_CAPTURED",
                           "authorization %s is fully captured and cannot be voided", o.auth_id);
            return;
        }
        if (paypal_auth_expired(&o, now)) {
            paypal_decline(res, "AUTHORIZATION_EXPIRED", "authorization %s has expired",
                           o.auth_id);
            res->event = TENDER_EVENT_EXPIRED;
            return;
        }
        /* A partly captured authorization can be voided: the rest is released. */
        tender_copy_string(o.auth_status, sizeof o.auth_status, "VOIDED");
        TENDER_SET(res, processor_ref, o.auth_id);
        TENDER_SETF(res, message, "PayPal authorization %s VOIDED", o.auth_id);
    } else {
        if (o.captured > 0 || o.pending_capture_id[0] != '\0') {
            paypal_decline(res, "ORDER_ALREADY_CAPTURED",
                           "order %s is captured: refund it instead", o.order_id);
            return;
        }
        if (strcmp(o.status, "VOIDED") == 0) {
            paypal_decline(res, "PREVIOUSLY_VOIDED", "order %s was already voided", o.order_id);
            return;
        }
        /* An order nobody captured is simply abandoned: it expires at PayPal. */
        tender_copy_string(o.status, sizeof o.status, "VOIDED");
        TENDER_SETF(res, message, "PayPal order %s VOIDED (abandoned before capture)",
                    o.order_id);
    }
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->amount = 0;
    TENDER_SET(res, raw_code, "VOIDED");
    conclude(&o, req, res, NULL);
}

void paypal_order_refund(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL || replay(&o, req, res))
        return;
    int64_t now = tender_now_ms(inst->host);
    if (o.captured <= 0) {
        paypal_decline(res, "INVALID_RESOURCE_ID", "order %s has no completed capture to refund",
                       o.order_id);
        return;
    }
    if (o.refunded >= o.captured) {
        paypal_decline(res, "CAPTURE_FULLY_REFUNDED", "the captures of order %s are fully refunded",
                       o.order_id);
        return;
    }
    if (now > o.first_capture_ms + PAYPAL_REFUND_WINDOW_SECONDS * MS_PER_S) {
        paypal_decline(res, "REFUND_TIME_LIMIT_EXCEEDED",
                       "the capture is older than 180 days and can no longer be refunded");
        return;
    }
    int64_t pp;
    if (!operation_amount(cur, req, res, &pp))
        return;
    if (pp > o.captured - o.refunded) {
        char left[32];
        paypal_amount_value(cur, o.captured - o.refunded, left, sizeof left);
        paypal_decline(res, "REFUND_AMOUNT_EXCEEDED",
                       "amount: at most %s %s remains to refund", left, cur->code);
        return;
    }
    char refund_id[PAYPAL_ID_LEN + 1];
    paypal_derive_id2(refund_id, PAYPAL_ID_LEN, req->request_id, "refund");
    o.refunded += pp;
    tender_copy_string(o.last_refund_id, sizeof o.last_refund_id, refund_id);
    o.last_refund_amount = pp;
    paypal_ring_add(o.refund_ids, sizeof o.refund_ids, refund_id);
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->amount = req->amount;
    TENDER_SET(res, processor_ref, refund_id);
    TENDER_SET(res, raw_code, "COMPLETED");
    TENDER_SETF(res, message, "PayPal refund %s COMPLETED", refund_id);
    conclude(&o, req, res, NULL);
}

/* ---- sync ----------------------------------------------------------------- */

void paypal_order_sync(PaypalInstance *inst, const tender_request *req, tender_result *res)
{
    PaypalOrder o;
    const PaypalCurrency *cur = paypal_order_load(req, &o, res);
    if (cur == NULL)
        return;
    int64_t now = tender_now_ms(inst->host);
    if (strcmp(o.status, "PAYER_ACTION_REQUIRED") == 0) {
        if (now > o.created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S) {
            tender_copy_string(o.status, sizeof o.status, "VOIDED");
            tender_copy_string(o.decline_name, sizeof o.decline_name, "ORDER_EXPIRED");
            paypal_decline(res, "ORDER_EXPIRED", "order %s was never approved and has expired",
                           o.order_id);
            res->event = TENDER_EVENT_EXPIRED;
        } else {
            res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
            res->event = TENDER_EVENT_ACTION_REQUIRED;
            res->action_kind = TENDER_ACTION_REDIRECT;
            paypal_approve_url(&o, res->action_data, sizeof res->action_data);
            TENDER_SET(res, action_hint, "Log in to PayPal and approve the payment.");
            res->action_expires_ms = o.created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S;
            TENDER_SET(res, raw_code, "PAYER_ACTION_REQUIRED");
            TENDER_SETF(res, message, "order %s waits for the payer's approval", o.order_id);
        }
    } else if (strcmp(o.status, "VOIDED") == 0 && o.auth_id[0] == '\0') {
        if (o.decline_name[0] != '\0') {
            paypal_decline(res, o.decline_name, "order %s: %s", o.order_id, o.decline_name);
            res->event = strcmp(o.decline_name, "ORDER_EXPIRED") == 0 ? TENDER_EVENT_EXPIRED
                                                                       : TENDER_EVENT_DECLINED;
        } else {
            tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "VOIDED", "the order was voided");
            res->event = TENDER_EVENT_VOIDED;
        }
    } else if (o.pending_capture_id[0] != '\0') {
        tender_result_outcome(res, TENDER_OUTCOME_PENDING, "PENDING",
                              "a capture is PENDING at PayPal");
        res->event = TENDER_EVENT_PENDING;
    } else if (o.refunded > 0) {
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "REFUNDED", "refunds COMPLETED");
        res->event = TENDER_EVENT_REFUNDED;
        res->amount = paypal_to_request_units(cur, o.refunded, req);
    } else if (o.captured > 0) {
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "COMPLETED", "captures COMPLETED");
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = paypal_to_request_units(cur, o.captured, req);
    } else if (o.auth_id[0] != '\0' && strcmp(o.auth_status, "VOIDED") == 0) {
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "VOIDED", "the authorization was voided");
        res->event = TENDER_EVENT_VOIDED;
    } else if (o.auth_id[0] != '\0') {
        if (paypal_auth_expired(&o, now)) {
            paypal_decline(res, "AUTHORIZATION_EXPIRED", "authorization %s has expired", o.auth_id);
            res->event = TENDER_EVENT_EXPIRED;
        } else {
            tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "CREATED", "authorization CREATED");
            res->event = TENDER_EVENT_AUTHORIZED;
            res->amount = paypal_to_request_units(cur, o.auth_amount, req);
        }
    } else {
        /* Approved, but the authorization or capture was refused or denied. */
        paypal_decline(res, o.decline_name[0] ? o.decline_name : "ORDER_NOT_APPROVED",
                       "order %s was approved but not paid", o.order_id);
        res->event = TENDER_EVENT_DECLINED;
    }
    paypal_order_finish(&o, res, NULL);
}
