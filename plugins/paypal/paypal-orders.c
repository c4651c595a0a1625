/* The payment operations as PayPal REST calls: Orders v2 (create, then
 * authorize or capture once the payer approved) and Payments v2 (capture,
 * void, refund), and sync from GET /v2/checkout/orders/{id}.
 *
 * Every write carries PayPal-Request-Id: the host's request id for the
 * merchant's own calls, so a retried call is answered with the original
 * result and nothing happens twice; and "complete-<order id>" for the one
 * call that completes an order, which complete_action, the
 * CHECKOUT.ORDER.APPROVED webhook and sync may each make. */
#include "paypal-orders.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <tender/sdk.h>

#include "paypal-errors.h"
#include "paypal-orders-internal.h"
#include "paypal-rest.h"

#define MS_PER_S 1000LL

/* ---- shared ----------------------------------------------------------------- */

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

void paypal_result_from_failure(tender_result *res, const PaypalRestReply *reply)
{
    switch (reply->status) {
    case PAYPAL_REST_NOT_SENT:
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "NOT_SENT", NULL);
        TENDER_SETF(res, message, "%s", reply->message);
        break;
    case PAYPAL_REST_REFUSED:
        paypal_decline(res, reply->issue, "%s", reply->message);
        break;
    default:
        /* Sent, and no answer the plugin can trust: sync settles it. */
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "UNKNOWN", NULL);
        TENDER_SETF(res, message, "%s", reply->message);
        break;
    }
}

/* The payer must (again) go to PayPal: ACTION_REQUIRED with the link. */
void paypal_ask_payer(const PaypalOrder *o, tender_result *res, const char *hint)
{
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->event = TENDER_EVENT_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_REDIRECT;
    TENDER_SET(res, action_data, o->approve_url);
    TENDER_SET(res, action_hint, hint);
    res->action_expires_ms = o->created_ms + PAYPAL_ACTION_TIMEOUT_SECONDS * MS_PER_S;
    TENDER_SET(res, raw_code, "PAYER_ACTION_REQUIRED");
}

/* JSON {"currency_code": …, "value": …} for pp minor units. */
void paypal_add_money(JsonBuilder *b, const char *member, const PaypalCurrency *cur, int64_t pp)
{
    char value[40];
    paypal_amount_value(cur, pp, value, sizeof value);
    json_builder_set_member_name(b, member);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "currency_code");
    json_builder_add_string_value(b, cur->code);
    json_builder_set_member_name(b, "value");
    json_builder_add_string_value(b, value);
    json_builder_end_object(b);
}

char *paypal_builder_text(JsonBuilder *b)
{
    JsonNode *root = json_builder_get_root(b);
    char *text = json_to_string(root, FALSE);
    json_node_unref(root);
    g_object_unref(b);
    return text;
}

/* The pp amount of an object's "amount", or fallback. */
int64_t paypal_amount_of(JsonObject *object, const PaypalCurrency *cur, int64_t fallback)
{
    if (object == NULL || !json_object_has_member(object, "amount"))
        return fallback;
    JsonNode *node = json_object_get_member(object, "amount");
    const char *value = paypal_json_string(node, "value", NULL);
    int64_t pp = 0;
    return value != NULL && paypal_amount_parse(cur, value, &pp) ? pp : fallback;
}

/* ---- create ------------------------------------------------------------------ */

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

/* Convert the request's amount, declining when PayPal cannot take it. */
int paypal_request_amount(const PaypalCurrency *cur, const tender_request *req, tender_result *res,
                          int64_t *pp)
{
    switch (paypal_amount_to_paypal(cur, req->amount, req->exponent, pp)) {
    case PAYPAL_AMOUNT_OK:
        return 1;
    case PAYPAL_AMOUNT_PRECISION:
        paypal_decline(res, "DECIMAL_PRECISION",
                       "amount: PayPal takes %d decimals in %s; this amount has more", cur->decimals,
                       cur->code);
        return 0;
    case PAYPAL_AMOUNT_NOT_POSITIVE:
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "INVALID_PARAMETER_VALUE",
                              "amount must be greater than zero");
        return 0;
    default:
        paypal_decline(res, "INVALID_PARAMETER_VALUE", "amount: exponent %d is not usable",
                       (int)req->exponent);
        return 0;
    }
}

/* The checks PayPal would make anyway, made first so a request that cannot
 * succeed never leaves the machine; 0 after declining. */
static int order_request_valid(const tender_request *req, tender_result *res,
                               const PaypalCurrency *cur, int64_t pp)
{
    if (cur->max_amount > 0 && pp > cur->max_amount) {
        char max[32];
        paypal_amount_value(cur, cur->max_amount, max, sizeof max);
        paypal_decline(res, "TRANSACTION_LIMIT_EXCEEDED",
                       "amount is above PayPal's per-transaction maximum of %s %s", max, cur->code);
        return 0;
    }
    if (cur->home_region != NULL &&
        (req->region == NULL || strcmp(req->region, cur->home_region) != 0)) {
        paypal_decline(res, "CURRENCY_NOT_SUPPORTED",
                       "%s is for PayPal accounts in %s only; the buyer is in %s", cur->code,
                       paypal_country_code(cur->home_region),
                       req->region && req->region[0] ? paypal_country_code(req->region)
                                                     : "an unknown region");
        return 0;
    }
    const char *email = tender_request_param(req, "payer_email");
    if (email != NULL && email[0] != '\0' && !email_valid(email)) {
        paypal_decline(res, "INVALID_PARAMETER_SYNTAX",
                       "parameter payer_email is not a valid e-mail address");
        return 0;
    }
    static const char *const url_params[] = {"return_url", "cancel_url"};
    for (size_t i = 0; i < 2; i++) {
        const char *url = tender_request_param(req, url_params[i]);
        if (url != NULL && url[0] != '\0' && !url_valid(url)) {
            paypal_decline(res, "INVALID_PARAMETER_SYNTAX", "parameter %s must be an http(s) URL",
                           url_params[i]);
            res->decline_code = TENDER_DECLINE_INVALID_REQUEST;
            return 0;
        }
    }
    return 1;
}

static char *order_body(const tender_request *req, const char *intent, const PaypalCurrency *cur,
                        int64_t pp)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "intent");
    json_builder_add_string_value(b, intent);
    json_builder_set_member_name(b, "purchase_units");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    if (req->payment_id != NULL && req->payment_id[0] != '\0') {
        /* custom_id comes back in every webhook: it names the payment. */
        json_builder_set_member_name(b, "custom_id");
        json_builder_add_string_value(b, req->payment_id);
    }
    paypal_add_money(b, "amount", cur, pp);
    json_builder_end_object(b);
    json_builder_end_array(b);

    json_builder_set_member_name(b, "payment_source");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "paypal");
    json_builder_begin_object(b);
    const char *email = tender_request_param(req, "payer_email");
    if (email != NULL && email[0] != '\0') {
        json_builder_set_member_name(b, "email_address");
        json_builder_add_string_value(b, email);
    }
    if (req->region != NULL && req->region[0] != '\0') {
        json_builder_set_member_name(b, "address");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "country_code");
        json_builder_add_string_value(b, paypal_country_code(req->region));
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "experience_context");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "user_action");
    json_builder_add_string_value(b, "PAY_NOW");
    static const char *const urls[] = {"return_url", "cancel_url"};
    for (size_t i = 0; i < 2; i++) {
        const char *url = tender_request_param(req, urls[i]);
        if (url != NULL && url[0] != '\0') {
            json_builder_set_member_name(b, urls[i]);
            json_builder_add_string_value(b, url);
        }
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    return paypal_builder_text(b);
}

/* The link the payer follows: rel "payer-action" (an order created with a
 * PayPal payment source) or "approve". */
static const char *payer_link(JsonNode *order)
{
    JsonArray *links = NULL;
    JsonObject *object = order != NULL && JSON_NODE_HOLDS_OBJECT(order) ? json_node_get_object(order)
                                                                        : NULL;
    if (object != NULL && json_object_has_member(object, "links") &&
        JSON_NODE_HOLDS_ARRAY(json_object_get_member(object, "links")))
        links = json_object_get_array_member(object, "links");
    for (guint i = 0; links != NULL && i < json_array_get_length(links); i++) {
        JsonNode *link = json_array_get_element(links, i);
        const char *rel = paypal_json_string(link, "rel", NULL);
        if (rel != NULL && (strcmp(rel, "payer-action") == 0 || strcmp(rel, "approve") == 0))
            return paypal_json_string(link, "href", NULL);
    }
    return NULL;
}

void paypal_order_create(PaypalInstance *inst, const tender_request *req, tender_result *res,
                         int purchase)
{
    const PaypalCurrency *cur = paypal_currency_find(req->currency);
    if (cur == NULL) {
        paypal_decline(res, "CURRENCY_NOT_SUPPORTED", "currency %.8s is not supported by PayPal",
                       req->currency ? req->currency : "");
        return;
    }
    int64_t pp = 0;
    if (!paypal_request_amount(cur, req, res, &pp) || !order_request_valid(req, res, cur, pp))
        return;
    const char *intent = choose_intent(inst, req, purchase);
    if (intent == NULL) {
        paypal_decline(res, "INVALID_PARAMETER_VALUE",
                       "parameter intent must be CAPTURE or AUTHORIZE");
        return;
    }
    char *body = order_body(req, intent, cur, pp);
    PaypalRestReply reply;
    paypal_rest_call(inst, "POST", "/v2/checkout/orders", body, req->request_id, &reply);
    g_free(body);
    if (reply.status != PAYPAL_REST_OK) {
        paypal_result_from_failure(res, &reply);
        paypal_rest_reply_clear(&reply);
        return;
    }
    const char *id = paypal_json_string(reply.json, "id", NULL);
    const char *link = payer_link(reply.json);
    PaypalOrder o;
    memset(&o, 0, sizeof o);
    if (id == NULL || link == NULL || strlen(id) >= sizeof o.order_id ||
        strlen(link) >= sizeof o.approve_url) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "UNKNOWN",
                              "PayPal created an order but its answer lacks the id or the "
                              "payer's link");
        paypal_rest_reply_clear(&reply);
        return;
    }
    tender_copy_string(o.order_id, sizeof o.order_id, id);
    tender_copy_string(o.approve_url, sizeof o.approve_url, link);
    tender_copy_string(o.intent, sizeof o.intent, intent);
    tender_copy_string(o.status, sizeof o.status, "PAYER_ACTION_REQUIRED");
    tender_copy_string(o.currency, sizeof o.currency, cur->code);
    o.amount = pp;
    tender_copy_string(o.region, sizeof o.region, req->region);
    const char *email = tender_request_param(req, "payer_email");
    if (email != NULL && email[0] != '\0')
        mask_email(email, o.payer_display, sizeof o.payer_display);
    o.created_ms = tender_now_ms(inst->host);
    paypal_rest_reply_clear(&reply);

    paypal_ask_payer(&o, res, "Log in to PayPal and approve the payment.");
    res->event = TENDER_EVENT_NONE;
    res->amount = req->amount;
    TENDER_SETF(res, message, "PayPal order %s created (intent %s): the payer must approve it",
                o.order_id, o.intent);
    TENDER_SET(res, processor_ref, o.order_id);
    paypal_order_finish(&o, res, NULL);
}

/* ---- completing an approved order -------------------------------------------- */

void paypal_order_after_approval(PaypalInstance *inst, const tender_request *req,
                                 tender_result *res, PaypalOrder *o, const PaypalCurrency *cur)
{
    int authorize = strcmp(o->intent, "AUTHORIZE") == 0;
    char path[128], request_id[96];
    tender_format_string(path, sizeof path, "/v2/checkout/orders/%s/%s", o->order_id,
                         authorize ? "authorize" : "capture");
    tender_format_string(request_id, sizeof request_id, "complete-%s", o->order_id);
    PaypalRestReply reply;
    paypal_rest_call(inst, "POST", path, "{}", request_id, &reply);
    if (reply.status == PAYPAL_REST_REFUSED && strcmp(reply.issue, "PAYER_ACTION_REQUIRED") == 0) {
        tender_copy_string(o->status, sizeof o->status, "PAYER_ACTION_REQUIRED");
        paypal_ask_payer(o, res, "PayPal needs one more step from the payer: approve again.");
        TENDER_SET(res, message, "PAYER_ACTION_REQUIRED: the payer must return to PayPal");
        paypal_rest_reply_clear(&reply);
        return;
    }
    if (reply.status != PAYPAL_REST_OK) {
        paypal_result_from_failure(res, &reply);
        if (reply.status == PAYPAL_REST_REFUSED) {
            tender_copy_string(o->decline_name, sizeof o->decline_name, reply.issue);
            res->event = TENDER_EVENT_DECLINED;
        }
        paypal_rest_reply_clear(&reply);
        return;
    }
    tender_copy_string(o->status, sizeof o->status, "COMPLETED");
    o->decline_name[0] = '\0';
    const char *payer_id = paypal_json_string(reply.json, "payer", "payer_id", NULL);
    if (payer_id != NULL && o->payer_id[0] == '\0')
        tender_copy_string(o->payer_id, sizeof o->payer_id, payer_id);
    JsonObject *payment = paypal_json_object(reply.json, "purchase_units", "0", "payments",
                                             authorize ? "authorizations" : "captures", "0", NULL);
    const char *id = payment != NULL
                         ? json_object_get_string_member_with_default(payment, "id", NULL)
                         : NULL;
    const char *status = payment != NULL
                             ? json_object_get_string_member_with_default(payment, "status", "")
                             : "";
    if (id == NULL || strlen(id) >= PAYPAL_ID_MAX) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "UNKNOWN", NULL);
        TENDER_SETF(res, message, "PayPal completed order %s without naming its %s", o->order_id, authorize ? "authorization" : "capture");
        paypal_rest_reply_clear(&reply);
        return;
    }
    int64_t pp = paypal_amount_of(payment, cur, o->amount);
    int64_t now = tender_now_ms(inst->host);
    if (authorize) {
        tender_copy_string(o->auth_id, sizeof o->auth_id, id);
        tender_copy_string(o->auth_status, sizeof o->auth_status, status[0] ? status : "CREATED");
        o->auth_amount = pp;
        o->auth_ms = now;
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_AUTHORIZED;
        res->amount = paypal_to_request_units(cur, pp, req);
        TENDER_SET(res, raw_code, status[0] ? status : "CREATED");
        TENDER_SETF(res, message, "PayPal authorization %s %s; valid 29 days, honored 3", id,
                    status);
    } else if (strcmp(status, "PENDING") == 0) {
        tender_copy_string(o->pending_capture_id, sizeof o->pending_capture_id, id);
        o->pending_capture_amount = pp;
        res->outcome = TENDER_OUTCOME_PENDING;
        res->event = TENDER_EVENT_PENDING;
        res->amount = 0;
        TENDER_SET(res, raw_code, "PENDING");
        TENDER_SETF(res, message, "PayPal capture %s is PENDING (%s)", id,
                    paypal_json_string(json_object_get_member(payment, "status_details"), "reason",
                                       NULL) ?: "review");
    } else if (strcmp(status, "COMPLETED") == 0) {
        paypal_captures_add(o, id, pp);
        tender_copy_string(o->last_capture_id, sizeof o->last_capture_id, id);
        o->captured += pp;
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = paypal_to_request_units(cur, o->captured, req);
        TENDER_SET(res, raw_code, "COMPLETED");
        TENDER_SETF(res, message, "PayPal capture %s COMPLETED", id);
    } else {
        tender_copy_string(o->decline_name, sizeof o->decline_name, "DENIED");
        paypal_decline(res, "DENIED", "PayPal capture %s is %s", id, status);
        res->event = TENDER_EVENT_DECLINED;
    }
    paypal_rest_reply_clear(&reply);
}
