/* Payments v2: authorizations (capture, void, reauthorize), captures
 * (refund) and refunds.
 *
 * PayPal's rules, against the providers' clock (sandbox_now_ms) with the
 * periods divided by --time-scale:
 * - an authorization is valid 29 days (then AUTHORIZATION_EXPIRED); its
 *   first 3 days are the honor period. After it PayPal reauthorizes on
 *   capture; the sandbox's payers always have the funds, so such a capture
 *   succeeds. A merchant may reauthorize once, which starts a new honor
 *   period for the new authorization (validity still counts from the
 *   original);
 * - captures may be partial and several, totalling at most 115% of the
 *   authorization and at most 75.00 above it in USD
 *   (MAX_CAPTURE_AMOUNT_EXCEEDED); a final_capture, or captures reaching
 *   the authorized amount, close it (AUTHORIZATION_ALREADY_CAPTURED);
 * - a capture may be refunded in parts up to what it captured, for 180
 *   days. */
#include "sandbox-paypal-internal.h"

#include <string.h>

/* ---- Records and rendering ----------------------------------------------- */

static JsonObject *paypal_record(SandboxServer *sb, const char *kind, const char *id)
{
    JsonObject *table = paypal_table(sb, kind);
    if (id == NULL || !json_object_has_member(table, id))
        return NULL;
    return json_object_get_object_member(table, id);
}

static const char *paypal_str(JsonObject *record, const char *name)
{
    return json_object_get_string_member_with_default(record, name, NULL);
}

static void paypal_set_time(JsonObject *object, const char *name, gint64 ms)
{
    char *text = paypal_time_text(ms);
    json_object_set_string_member(object, name, text);
    g_free(text);
}

static void paypal_copy_string(JsonObject *to, JsonObject *from, const char *name)
{
    if (paypal_str(from, name) != NULL)
        json_object_set_string_member(to, name, paypal_str(from, name));
}

static gint64 paypal_authorization_expires_ms(SandboxServer *sb, JsonObject *authorization)
{
    return json_object_get_int_member(authorization, "valid_from_ms") +
           paypal_period_ms(sb, PAYPAL_AUTHORIZATION_VALIDITY_S);
}

/* The status with time applied: an open authorization past its validity
 * is EXPIRED. */
static const char *paypal_authorization_status(SandboxServer *sb, JsonObject *authorization)
{
    const char *status = paypal_str(authorization, "status");
    if ((strcmp(status, "CREATED") == 0 || strcmp(status, "PARTIALLY_CAPTURED") == 0) &&
        sandbox_now_ms(sb) > paypal_authorization_expires_ms(sb, authorization))
        return "EXPIRED";
    return status;
}

static JsonNode *paypal_seller_protection(void)
{
    JsonObject *protection = json_object_new();
    json_object_set_string_member(protection, "status", "ELIGIBLE");
    JsonArray *categories = json_array_new();
    json_array_add_string_element(categories, "ITEM_NOT_RECEIVED");
    json_array_add_string_element(categories, "UNAUTHORIZED_TRANSACTION");
    json_object_set_array_member(protection, "dispute_categories", categories);
    JsonNode *node = json_node_init_object(json_node_alloc(), protection);
    json_object_unref(protection);
    return node;
}

static void paypal_set_related_ids(JsonObject *object, JsonObject *record)
{
    JsonObject *related = json_object_new();
    paypal_copy_string(related, record, "order_id");
    paypal_copy_string(related, record, "authorization_id");
    paypal_copy_string(related, record, "capture_id");
    JsonObject *supplementary = json_object_new();
    json_object_set_object_member(supplementary, "related_ids", related);
    json_object_set_object_member(object, "supplementary_data", supplementary);
}

static JsonArray *paypal_links(SandboxServer *sb, const char *kind, const char *id,
                               const char *const *actions, const char *up_kind, const char *up_id)
{
    JsonArray *links = json_array_new();
    char *self = g_strconcat(sandbox_base_url(sb), "/paypal/v2/payments/", kind, "/", id, NULL);
    json_array_add_element(links, paypal_link(self, "self", "GET"));
    for (; actions != NULL && *actions != NULL; actions++) {
        char *href = g_strconcat(self, "/", *actions, NULL);
        json_array_add_element(links, paypal_link(href, *actions, "POST"));
        g_free(href);
    }
    if (up_id != NULL) {
        char *up = g_strconcat(sandbox_base_url(sb), "/paypal/v2/", up_kind, "/", up_id, NULL);
        json_array_add_element(links, paypal_link(up, "up", "GET"));
        g_free(up);
    }
    g_free(self);
    return links;
}

static JsonNode *paypal_resource_node(JsonObject *object)
{
    JsonNode *node = json_node_init_object(json_node_alloc(), object);
    json_object_unref(object);
    return node;
}

JsonNode *paypal_authorization_render(SandboxServer *sb, JsonObject *authorization)
{
    const char *id = paypal_str(authorization, "id");
    JsonObject *out = json_object_new();
    json_object_set_string_member(out, "id", id);
    json_object_set_string_member(out, "status", paypal_authorization_status(sb, authorization));
    json_object_set_member(out, "amount",
                           paypal_money_node(paypal_str(authorization, "currency"),
                                             json_object_get_int_member(authorization, "amount_minor")));
    paypal_copy_string(out, authorization, "custom_id");
    paypal_copy_string(out, authorization, "invoice_id");
    json_object_set_member(out, "seller_protection", paypal_seller_protection());
    paypal_set_time(out, "expiration_time", paypal_authorization_expires_ms(sb, authorization));
    paypal_set_time(out, "create_time", json_object_get_int_member(authorization, "create_ms"));
    paypal_set_time(out, "update_time", json_object_get_int_member(authorization, "update_ms"));
    paypal_set_related_ids(out, authorization);
    static const char *const actions[] = {"capture", "void", "reauthorize", NULL};
    json_object_set_array_member(out, "links",
                                 paypal_links(sb, "authorizations", id, actions, "checkout/orders",
                                              paypal_str(authorization, "order_id")));
    return paypal_resource_node(out);
}

JsonNode *paypal_capture_render(SandboxServer *sb, JsonObject *capture)
{
    const char *id = paypal_str(capture, "id");
    JsonObject *out = json_object_new();
    json_object_set_string_member(out, "id", id);
    json_object_set_string_member(out, "status", paypal_str(capture, "status"));
    if (strcmp(paypal_str(capture, "status"), "PENDING") == 0) {
        JsonObject *details = json_object_new();
        json_object_set_string_member(details, "reason", "PENDING_REVIEW");
        json_object_set_object_member(out, "status_details", details);
    }
    json_object_set_member(out, "amount",
                           paypal_money_node(paypal_str(capture, "currency"),
                                             json_object_get_int_member(capture, "amount_minor")));
    json_object_set_boolean_member(out, "final_capture",
                                   json_object_get_boolean_member(capture, "final_capture"));
    paypal_copy_string(out, capture, "custom_id");
    paypal_copy_string(out, capture, "invoice_id");
    json_object_set_member(out, "seller_protection", paypal_seller_protection());
    paypal_set_time(out, "create_time", json_object_get_int_member(capture, "create_ms"));
    paypal_set_time(out, "update_time", json_object_get_int_member(capture, "update_ms"));
    paypal_set_related_ids(out, capture);
    static const char *const actions[] = {"refund", NULL};
    const char *authorization_id = paypal_str(capture, "authorization_id");
    char *up_id = authorization_id != NULL ? g_strdup(authorization_id)
                                           : g_strdup(paypal_str(capture, "order_id"));
    json_object_set_array_member(
        out, "links",
        paypal_links(sb, "captures", id, actions,
                     authorization_id != NULL ? "payments/authorizations" : "checkout/orders",
                     up_id));
    g_free(up_id);
    return paypal_resource_node(out);
}

JsonNode *paypal_refund_render(SandboxServer *sb, JsonObject *refund)
{
    const char *id = paypal_str(refund, "id");
    JsonObject *out = json_object_new();
    json_object_set_string_member(out, "id", id);
    json_object_set_string_member(out, "status", paypal_str(refund, "status"));
    json_object_set_member(out, "amount",
                           paypal_money_node(paypal_str(refund, "currency"),
                                             json_object_get_int_member(refund, "amount_minor")));
    paypal_copy_string(out, refund, "custom_id");
    paypal_copy_string(out, refund, "invoice_id");
    paypal_copy_string(out, refund, "note_to_payer");
    paypal_set_time(out, "create_time", json_object_get_int_member(refund, "create_ms"));
    paypal_set_time(out, "update_time", json_object_get_int_member(refund, "create_ms"));
    paypal_set_related_ids(out, refund);
    json_object_set_array_member(out, "links",
                                 paypal_links(sb, "refunds", id, NULL, "payments/captures",
                                              paypal_str(refund, "capture_id")));
    return paypal_resource_node(out);
}

static void paypal_respond_node(SoupServerMessage *msg, guint status, JsonNode *node)
{
    paypal_respond_object(msg, status, json_node_get_object(node));
    json_node_unref(node);
}

static void paypal_emit(SandboxServer *sb, const char *event_type, const char *resource_type,
                        const char *summary, JsonNode *node)
{
    paypal_emit_event(sb, event_type, resource_type, summary, node);
    json_node_unref(node);
}

/* ---- Creating records ------------------------------------------------------ */

static JsonObject *paypal_new_record(SandboxServer *sb, const char *kind, JsonObject *order,
                                     const char *currency, gint64 minor)
{
    char *id = paypal_new_resource_id();
    gint64 now = sandbox_now_ms(sb);
    JsonObject *record = json_object_new();
    json_object_set_string_member(record, "id", id);
    if (order != NULL) {
        json_object_set_string_member(record, "order_id", paypal_str(order, "id"));
        paypal_copy_string(record, order, "custom_id");
        paypal_copy_string(record, order, "invoice_id");
    }
    json_object_set_string_member(record, "currency", currency);
    json_object_set_int_member(record, "amount_minor", minor);
    json_object_set_int_member(record, "create_ms", now);
    json_object_set_int_member(record, "update_ms", now);
    json_object_set_object_member(paypal_table(sb, kind), id, record);
    g_free(id);
    sandbox_state_changed(sb);
    return record;
}

static void paypal_order_list_add(JsonObject *order, const char *list, const char *id)
{
    if (order != NULL)
        json_array_add_string_element(json_object_get_array_member(order, list), id);
}

JsonObject *paypal_authorization_create(SandboxServer *sb, JsonObject *order, gint64 minor,
                                        const char *parent_id)
{
    JsonObject *record =
        paypal_new_record(sb, "authorizations", order, paypal_str(order, "currency"), minor);
    gint64 now = json_object_get_int_member(record, "create_ms");
    json_object_set_string_member(record, "status", "CREATED");
    json_object_set_int_member(record, "captured_minor", 0);
    json_object_set_int_member(record, "valid_from_ms", now);
    if (parent_id != NULL) {
        JsonObject *parent = paypal_record(sb, "authorizations", parent_id);
        json_object_set_string_member(record, "parent_id", parent_id);
        json_object_set_int_member(record, "valid_from_ms",
                                   json_object_get_int_member(parent, "valid_from_ms"));
    }
    paypal_order_list_add(order, "authorizations", paypal_str(record, "id"));
    sandbox_log(PAYPAL_PROVIDER, "authorization %s created", paypal_str(record, "id"));
    return record;
}

static gboolean paypal_settle_timeout(gpointer user_data)
{
    paypal_settle_pending(user_data);
    return G_SOURCE_REMOVE;
}

JsonObject *paypal_capture_create(SandboxServer *sb, JsonObject *order,
                                  const char *authorization_id, gint64 minor,
                                  gboolean final_capture)
{
    /* The pending test payer's first capture waits for review. */
    gboolean pending = strcmp(paypal_order_payer_kind(order), "pending") == 0 &&
                       json_array_get_length(json_object_get_array_member(order, "captures")) == 0;
    JsonObject *record =
        paypal_new_record(sb, "captures", order, paypal_str(order, "currency"), minor);
    json_object_set_string_member(record, "status", pending ? "PENDING" : "COMPLETED");
    json_object_set_boolean_member(record, "final_capture", final_capture);
    json_object_set_int_member(record, "refunded_minor", 0);
    if (authorization_id != NULL)
        json_object_set_string_member(record, "authorization_id", authorization_id);
    if (pending) {
        gint64 delay = paypal_period_ms(sb, PAYPAL_PENDING_CLEARS_S);
        json_object_set_int_member(record, "settle_ms",
                                   json_object_get_int_member(record, "create_ms") + delay);
        g_timeout_add((guint)MIN(delay + 50, G_MAXUINT), paypal_settle_timeout, sb);
    }
    paypal_order_list_add(order, "captures", paypal_str(record, "id"));
    sandbox_log(PAYPAL_PROVIDER, "capture %s %s", paypal_str(record, "id"),
                pending ? "pending review" : "completed");
    return record;
}

void paypal_settle_pending(SandboxServer *sb)
{
    JsonObject *captures = paypal_table(sb, "captures");
    gint64 now = sandbox_now_ms(sb);
    GList *ids = json_object_get_members(captures);
    for (GList *l = ids; l != NULL; l = l->next) {
        JsonObject *capture = json_object_get_object_member(captures, l->data);
        if (strcmp(paypal_str(capture, "status"), "PENDING") != 0 ||
            json_object_get_int_member_with_default(capture, "settle_ms", G_MAXINT64) > now)
            continue;
        json_object_set_string_member(capture, "status", "COMPLETED");
        json_object_set_int_member(capture, "update_ms", now);
        sandbox_state_changed(sb);
        sandbox_log(PAYPAL_PROVIDER, "capture %s cleared review", paypal_str(capture, "id"));
        paypal_emit(sb, "PAYMENT.CAPTURE.COMPLETED", "capture", "Payment completed",
                    paypal_capture_render(sb, capture));
    }
    g_list_free(ids);
}

/* ---- Reading amounts ---------------------------------------------------------- */

/* The optional "amount" of a capture, reauthorization or refund, in the
 * record's currency. *given_out FALSE when absent. Answers and returns
 * FALSE when it does not hold. */
static gboolean paypal_request_amount(SoupServerMessage *msg, JsonObject *request,
                                      const char *currency_code, const char *mismatch_issue,
                                      gboolean *given_out, gint64 *minor_out)
{
    *given_out = FALSE;
    if (!json_object_has_member(request, "amount"))
        return TRUE;
    JsonNode *node = json_object_get_member(request, "amount");
    JsonObject *amount = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
    const char *code = paypal_json_text(amount, "currency_code");
    const char *value = paypal_json_text(amount, "value");
    if (code == NULL || value == NULL) {
        paypal_respond_invalid(msg, "MISSING_REQUIRED_PARAMETER",
                               "A required field / parameter is missing.", "/amount");
        return FALSE;
    }
    if (strcmp(code, currency_code) != 0) {
        paypal_respond_unprocessable(msg, mismatch_issue,
                                     "The currency must be the same as the original "
                                     "transaction's.");
        return FALSE;
    }
    const PaypalCurrency *currency = paypal_currency_find(currency_code);
    switch (paypal_amount_parse(currency, value, minor_out)) {
    case PAYPAL_AMOUNT_OK:
        *given_out = TRUE;
        return TRUE;
    case PAYPAL_AMOUNT_SYNTAX:
        paypal_respond_invalid(msg, "INVALID_PARAMETER_SYNTAX",
                               "The value of a field does not conform to the expected format.",
                               "/amount/value");
        return FALSE;
    case PAYPAL_AMOUNT_NO_DECIMALS:
        paypal_respond_unprocessable(msg, "DECIMALS_NOT_SUPPORTED",
                                     "Currency does not support decimals.");
        return FALSE;
    case PAYPAL_AMOUNT_PRECISION:
        paypal_respond_unprocessable(msg, "DECIMAL_PRECISION",
                                     "If the currency supports decimals, only two decimal place "
                                     "precision is supported.");
        return FALSE;
    case PAYPAL_AMOUNT_NOT_POSITIVE:
        paypal_respond_unprocessable(msg, "CANNOT_BE_ZERO_OR_NEGATIVE",
                                     "Must be greater than zero.");
        return FALSE;
    }
    return FALSE;
}

/* ---- Authorizations -------------------------------------------------------- */

/* Shared refusals of capture, void and reauthorize; FALSE after answering. */
static gboolean paypal_authorization_open(SandboxServer *sb, SoupServerMessage *msg,
                                          JsonObject *authorization)
{
    const char *status = paypal_authorization_status(sb, authorization);
    if (strcmp(status, "VOIDED") == 0) {
        paypal_respond_unprocessable(msg, "PREVIOUSLY_VOIDED",
                                     "Authorization has been previously voided and hence cannot "
                                     "be voided again.");
        return FALSE;
    }
    if (strcmp(status, "CAPTURED") == 0) {
        paypal_respond_unprocessable(msg, "AUTHORIZATION_ALREADY_CAPTURED",
                                     "Authorization has previously been captured.");
        return FALSE;
    }
    if (strcmp(status, "EXPIRED") == 0) {
        paypal_respond_unprocessable(msg, "AUTHORIZATION_EXPIRED",
                                     "An expired authorization cannot be captured.");
        return FALSE;
    }
    return TRUE;
}

static void paypal_authorization_capture(SandboxServer *sb, SoupServerMessage *msg,
                                         JsonObject *authorization, JsonObject *request)
{
    if (!paypal_authorization_open(sb, msg, authorization))
        return;
    const char *currency_code = paypal_str(authorization, "currency");
    const PaypalCurrency *currency = paypal_currency_find(currency_code);
    gint64 authorized = json_object_get_int_member(authorization, "amount_minor");
    gint64 captured = json_object_get_int_member(authorization, "captured_minor");
    gboolean given = FALSE;
    gint64 minor = 0;
    if (!paypal_request_amount(msg, request, currency_code, "AUTH_CAPTURE_CURRENCY_MISMATCH",
                               &given, &minor))
        return;
    if (!given)
        minor = authorized - captured;
    if (minor <= 0) {
        paypal_respond_unprocessable(msg, "AUTHORIZATION_ALREADY_CAPTURED",
                                     "Authorization has previously been captured.");
        return;
    }
    if (captured + minor > paypal_capture_ceiling(currency, authorized)) {
        paypal_respond_unprocessable(msg, "MAX_CAPTURE_AMOUNT_EXCEEDED",
                                     "Capture amount exceeds allowable limit. The default "
                                     "overage limit is 115% of the authorized amount or USD "
                                     "75.00, whichever is less.");
        return;
    }
    gboolean final_capture = paypal_json_flag(request, "final_capture", FALSE);
    JsonObject *order = paypal_order_find(sb, paypal_str(authorization, "order_id"));
    JsonObject *capture =
        paypal_capture_create(sb, order, paypal_str(authorization, "id"), minor, final_capture);
    if (paypal_json_text(request, "invoice_id") != NULL)
        json_object_set_string_member(capture, "invoice_id", paypal_json_text(request, "invoice_id"));
    captured += minor;
    json_object_set_int_member(authorization, "captured_minor", captured);
    json_object_set_string_member(authorization, "status",
                                  final_capture || captured >= authorized ? "CAPTURED"
                                                                          : "PARTIALLY_CAPTURED");
    json_object_set_int_member(authorization, "update_ms", sandbox_now_ms(sb));
    sandbox_state_changed(sb);
    gboolean pending = strcmp(paypal_str(capture, "status"), "PENDING") == 0;
    paypal_emit(sb, pending ? "PAYMENT.CAPTURE.PENDING" : "PAYMENT.CAPTURE.COMPLETED", "capture",
                pending ? "Payment pending" : "Payment completed",
                paypal_capture_render(sb, capture));
    paypal_respond_node(msg, 201, paypal_capture_render(sb, capture));
}

static gboolean paypal_prefers_representation(SoupServerMessage *msg)
{
    const char *prefer =
        soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Prefer");
    return prefer != NULL && strstr(prefer, "return=representation") != NULL;
}

static void paypal_authorization_void(SandboxServer *sb, SoupServerMessage *msg,
                                      JsonObject *authorization)
{
    if (!paypal_authorization_open(sb, msg, authorization))
        return;
    /* After partial captures a void releases the rest. */
    json_object_set_string_member(authorization, "status", "VOIDED");
    json_object_set_int_member(authorization, "update_ms", sandbox_now_ms(sb));
    sandbox_state_changed(sb);
    sandbox_log(PAYPAL_PROVIDER, "authorization %s voided", paypal_str(authorization, "id"));
    paypal_emit(sb, "PAYMENT.AUTHORIZATION.VOIDED", "authorization",
                "A payment authorization was voided",
                paypal_authorization_render(sb, authorization));
    if (paypal_prefers_representation(msg))
        paypal_respond_node(msg, 200, paypal_authorization_render(sb, authorization));
    else
        paypal_respond_object(msg, 204, NULL);
}

static void paypal_authorization_reauthorize(SandboxServer *sb, SoupServerMessage *msg,
                                             JsonObject *authorization, JsonObject *request)
{
    if (paypal_str(authorization, "parent_id") != NULL ||
        json_object_has_member(authorization, "reauthorized_by")) {
        paypal_respond_unprocessable(msg, "REAUTHORIZATION_NOT_SUPPORTED",
                                     "A reauthorize cannot be attempted on an authorization_id "
                                     "that is the result of a prior reauthorization or that was "
                                     "already reauthorized.");
        return;
    }
    if (!paypal_authorization_open(sb, msg, authorization))
        return;
    if (json_object_get_int_member(authorization, "captured_minor") > 0) {
        paypal_respond_unprocessable(msg, "AUTHORIZATION_ALREADY_CAPTURED",
                                     "Authorization has previously been captured.");
        return;
    }
    /* PayPal reauthorizes from day 4 to day 29: within the honor period the
     * funds are still held and there is nothing to renew. */
    if (sandbox_now_ms(sb) < json_object_get_int_member(authorization, "valid_from_ms") +
                                 paypal_period_ms(sb, PAYPAL_HONOR_PERIOD_S)) {
        paypal_respond_unprocessable(msg, "REAUTHORIZATION_TOO_SOON",
                                     "A reauthorization is only allowed once from Day 4 to "
                                     "Day 29 since the date of the original authorization.");
        return;
    }
    const char *currency_code = paypal_str(authorization, "currency");
    gint64 authorized = json_object_get_int_member(authorization, "amount_minor");
    gboolean given = FALSE;
    gint64 minor = 0;
    if (!paypal_request_amount(msg, request, currency_code, "AUTH_CURRENCY_MISMATCH", &given,
                               &minor))
        return;
    if (!given)
        minor = authorized;
    if (minor > paypal_capture_ceiling(paypal_currency_find(currency_code), authorized)) {
        paypal_respond_invalid(msg, "INVALID_PARAMETER_VALUE",
                               "A reauthorization may be at most 115% of the original "
                               "authorization.",
                               "/amount/value");
        return;
    }
    JsonObject *order = paypal_order_find(sb, paypal_str(authorization, "order_id"));
    char *parent_id = g_strdup(paypal_str(authorization, "id"));
    JsonObject *fresh = paypal_authorization_create(sb, order, minor, parent_id);
    /* The original is replaced by the reauthorization: captures go to the
     * new id. */
    json_object_set_string_member(authorization, "reauthorized_by", paypal_str(fresh, "id"));
    json_object_set_string_member(authorization, "status", "VOIDED");
    json_object_set_int_member(authorization, "update_ms", sandbox_now_ms(sb));
    sandbox_state_changed(sb);
    g_free(parent_id);
    paypal_emit(sb, "PAYMENT.AUTHORIZATION.CREATED", "authorization",
                "A payment authorization was created", paypal_authorization_render(sb, fresh));
    paypal_respond_node(msg, 201, paypal_authorization_render(sb, fresh));
}

/* ---- Captures ------------------------------------------------------------------ */

static void paypal_capture_refund(SandboxServer *sb, SoupServerMessage *msg, JsonObject *capture,
                                  JsonObject *request)
{
    const char *status = paypal_str(capture, "status");
    if (strcmp(status, "REFUNDED") == 0) {
        paypal_respond_unprocessable(msg, "CAPTURE_FULLY_REFUNDED",
                                     "The capture has already been fully refunded");
        return;
    }
    if (strcmp(status, "COMPLETED") != 0 && strcmp(status, "PARTIALLY_REFUNDED") != 0) {
        paypal_respond_unprocessable(msg, "REFUND_NOT_ALLOWED",
                                     "Refund cannot be issued for this capture.");
        return;
    }
    if (sandbox_now_ms(sb) >
        json_object_get_int_member(capture, "create_ms") + paypal_period_ms(sb, PAYPAL_REFUND_WINDOW_S)) {
        paypal_respond_unprocessable(msg, "REFUND_TIME_LIMIT_EXCEEDED",
                                     "You are over the time limit to perform a refund on this "
                                     "capture");
        return;
    }
    const char *currency_code = paypal_str(capture, "currency");
    gint64 remaining = json_object_get_int_member(capture, "amount_minor") -
                       json_object_get_int_member(capture, "refunded_minor");
    gboolean given = FALSE;
    gint64 minor = 0;
    if (!paypal_request_amount(msg, request, currency_code, "REFUND_CAPTURE_CURRENCY_MISMATCH",
                               &given, &minor))
        return;
    if (!given)
        minor = remaining;
    if (minor > remaining) {
        paypal_respond_unprocessable(msg, "REFUND_AMOUNT_EXCEEDED",
                                     "The refund amount must be less than or equal to the "
                                     "capture amount that has not yet been refunded.");
        return;
    }
    JsonObject *refund = paypal_new_record(sb, "refunds", NULL, currency_code, minor);
    json_object_set_string_member(refund, "status", "COMPLETED");
    json_object_set_string_member(refund, "capture_id", paypal_str(capture, "id"));
    paypal_copy_string(refund, capture, "order_id");
    paypal_copy_string(refund, capture, "custom_id");
    static const char *const from_request[] = {"invoice_id", "note_to_payer"};
    for (gsize i = 0; i < G_N_ELEMENTS(from_request); i++)
        if (paypal_json_text(request, from_request[i]) != NULL)
            json_object_set_string_member(refund, from_request[i],
                                          paypal_json_text(request, from_request[i]));
    gint64 refunded = json_object_get_int_member(capture, "refunded_minor") + minor;
    json_object_set_int_member(capture, "refunded_minor", refunded);
    json_object_set_string_member(capture, "status",
                                  refunded >= json_object_get_int_member(capture, "amount_minor")
                                      ? "REFUNDED"
                                      : "PARTIALLY_REFUNDED");
    json_object_set_int_member(capture, "update_ms", sandbox_now_ms(sb));
    sandbox_state_changed(sb);
    sandbox_log(PAYPAL_PROVIDER, "refund %s of capture %s", paypal_str(refund, "id"),
                paypal_str(capture, "id"));
    paypal_emit(sb, "PAYMENT.CAPTURE.REFUNDED", "refund", "A payment was refunded",
                paypal_refund_render(sb, refund));
    paypal_respond_node(msg, 201, paypal_refund_render(sb, refund));
}

/* ---- Routing ---------------------------------------------------------------------- */

void paypal_handle_payments(SandboxServer *sb, SoupServerMessage *msg, const char *path)
{
    const char *method = soup_server_message_get_method(msg);
    char **parts = g_strsplit(*path == '/' ? path + 1 : path, "/", 4);
    guint n = g_strv_length(parts);
    const char *kind = n >= 1 ? parts[0] : "";
    JsonObject *record = NULL;
    if (n >= 2 && (strcmp(kind, "authorizations") == 0 || strcmp(kind, "captures") == 0 ||
                   strcmp(kind, "refunds") == 0))
        record = paypal_record(sb, kind, parts[1]);
    if (record == NULL || n > 3) {
        paypal_respond_not_found(msg);
        g_strfreev(parts);
        return;
    }
    if (n == 2 && strcmp(method, "GET") == 0) {
        JsonNode *node = strcmp(kind, "authorizations") == 0 ? paypal_authorization_render(sb, record)
                         : strcmp(kind, "captures") == 0     ? paypal_capture_render(sb, record)
                                                              : paypal_refund_render(sb, record);
        paypal_respond_node(msg, 200, node);
        g_strfreev(parts);
        return;
    }
    if (n != 3 || strcmp(method, "POST") != 0) {
        paypal_respond_error(msg, 405, "METHOD_NOT_SUPPORTED", NULL, NULL, NULL);
        g_strfreev(parts);
        return;
    }
    JsonObject *request = paypal_request_object(msg);
    if (request == NULL) {
        g_strfreev(parts);
        return;
    }
    const char *action = parts[2];
    if (strcmp(kind, "authorizations") == 0 && strcmp(action, "capture") == 0)
        paypal_authorization_capture(sb, msg, record, request);
    else if (strcmp(kind, "authorizations") == 0 && strcmp(action, "void") == 0)
        paypal_authorization_void(sb, msg, record);
    else if (strcmp(kind, "authorizations") == 0 && strcmp(action, "reauthorize") == 0)
        paypal_authorization_reauthorize(sb, msg, record, request);
    else if (strcmp(kind, "captures") == 0 && strcmp(action, "refund") == 0)
        paypal_capture_refund(sb, msg, record, request);
    else
        paypal_respond_not_found(msg);
    json_object_unref(request);
    g_strfreev(parts);
}
