/* Orders v2: create, show, authorize, capture.
 *
 * An order is created CREATED (or PAYER_ACTION_REQUIRED when the merchant
 * names the PayPal payment source), carries an "approve" (or
 * "payer-action") link to the payer's page, becomes APPROVED when the payer
 * approves there, and COMPLETED when the merchant authorizes or captures it
 * according to its intent. An order not completed within 3 hours expires
 * (ORDER_EXPIRED). The sandbox's test payers are chosen by the local part
 * of the payer's e-mail address (see paypal_order_payer_kind). */
#include "sandbox-paypal-internal.h"

#include <string.h>

/* ---- Reading the request -------------------------------------------------- */

static JsonObject *paypal_member_object(JsonObject *object, const char *name)
{
    if (object == NULL || !json_object_has_member(object, name))
        return NULL;
    JsonNode *node = json_object_get_member(object, name);
    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

static const char *paypal_first_string(const char *a, const char *b)
{
    return a != NULL ? a : b;
}

/* ---- Records ------------------------------------------------------------ */

JsonObject *paypal_order_find(SandboxServer *sb, const char *id)
{
    JsonObject *orders = paypal_table(sb, "orders");
    if (id == NULL || !json_object_has_member(orders, id))
        return NULL;
    return json_object_get_object_member(orders, id);
}

static gboolean paypal_order_expired(SandboxServer *sb, JsonObject *order)
{
    const char *status = json_object_get_string_member(order, "status");
    if (strcmp(status, "COMPLETED") == 0 || strcmp(status, "VOIDED") == 0)
        return FALSE;
    return sandbox_now_ms(sb) >
           json_object_get_int_member(order, "create_ms") +
               paypal_period_ms(sb, PAYPAL_ORDER_LIFETIME_S);
}

static void paypal_order_touch(SandboxServer *sb, JsonObject *order, const char *status)
{
    if (status != NULL)
        json_object_set_string_member(order, "status", status);
    json_object_set_int_member(order, "update_ms", sandbox_now_ms(sb));
    sandbox_state_changed(sb);
}

const char *paypal_order_payer_kind(JsonObject *order)
{
    const char *email = json_object_get_string_member_with_default(order, "payer_email", "");
    static const char *const kinds[] = {"declined", "refused", "payer-action", "pending"};
    for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
        gsize n = strlen(kinds[i]);
        if (strncmp(email, kinds[i], n) == 0 && email[n] == '@')
            return kinds[i];
    }
    return "";
}

/* ---- Rendering ----------------------------------------------------------- */

static char *paypal_order_url(SandboxServer *sb, const char *id, const char *suffix)
{
    return g_strconcat(sandbox_base_url(sb), "/paypal/v2/checkout/orders/", id, suffix, NULL);
}

static void paypal_add_time(JsonBuilder *b, const char *name, gint64 ms)
{
    char *text = paypal_time_text(ms);
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, text);
    g_free(text);
}

static void paypal_add_member_string(JsonBuilder *b, JsonObject *from, const char *name)
{
    const char *value = json_object_get_string_member_with_default(from, name, NULL);
    if (value != NULL) {
        json_builder_set_member_name(b, name);
        json_builder_add_string_value(b, value);
    }
}

/* The refunds of the order's captures, oldest first. PayPal lists them in
 * the order's payment collection (payments.refunds, each with an "up" link
 * to its capture): a client that lost a refund's answer finds it there.
 * The refunds table keeps insertion order. */
static void paypal_add_refunds(SandboxServer *sb, JsonBuilder *b, JsonObject *order)
{
    JsonObject *refunds = paypal_table(sb, "refunds");
    const char *order_id = json_object_get_string_member(order, "id");
    GList *ids = json_object_get_members(refunds);
    gboolean any = FALSE;
    for (GList *l = ids; l != NULL; l = l->next) {
        JsonObject *refund = json_object_get_object_member(refunds, l->data);
        const char *of = json_object_get_string_member_with_default(refund, "order_id", "");
        if (strcmp(of, order_id) != 0)
            continue;
        if (!any) {
            json_builder_set_member_name(b, "refunds");
            json_builder_begin_array(b);
            any = TRUE;
        }
        json_builder_add_value(b, paypal_refund_render(sb, refund));
    }
    if (any)
        json_builder_end_array(b);
    g_list_free(ids);
}

static void paypal_add_payments(SandboxServer *sb, JsonBuilder *b, JsonObject *order)
{
    JsonArray *authorizations = json_object_get_array_member(order, "authorizations");
    JsonArray *captures = json_object_get_array_member(order, "captures");
    if (json_array_get_length(authorizations) == 0 && json_array_get_length(captures) == 0)
        return;
    json_builder_set_member_name(b, "payments");
    json_builder_begin_object(b);
    paypal_add_refunds(sb, b, order);
    const char *kinds[] = {"authorizations", "captures"};
    JsonArray *lists[] = {authorizations, captures};
    for (int k = 0; k < 2; k++) {
        if (json_array_get_length(lists[k]) == 0)
            continue;
        JsonObject *table = paypal_table(sb, kinds[k]);
        json_builder_set_member_name(b, kinds[k]);
        json_builder_begin_array(b);
        for (guint i = 0; i < json_array_get_length(lists[k]); i++) {
            const char *id = json_array_get_string_element(lists[k], i);
            if (!json_object_has_member(table, id))
                continue;
            JsonObject *record = json_object_get_object_member(table, id);
            json_builder_add_value(b, k == 0 ? paypal_authorization_render(sb, record)
                                             : paypal_capture_render(sb, record));
        }
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
}

JsonNode *paypal_order_render(SandboxServer *sb, JsonObject *order)
{
    const char *id = json_object_get_string_member(order, "id");
    const char *status = json_object_get_string_member(order, "status");
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_string_value(b, id);
    json_builder_set_member_name(b, "intent");
    json_builder_add_string_value(b, json_object_get_string_member(order, "intent"));
    json_builder_set_member_name(b, "status");
    json_builder_add_string_value(b, status);
    paypal_add_time(b, "create_time", json_object_get_int_member(order, "create_ms"));
    paypal_add_time(b, "update_time", json_object_get_int_member(order, "update_ms"));

    json_builder_set_member_name(b, "purchase_units");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    paypal_add_member_string(b, order, "reference_id");
    json_builder_set_member_name(b, "amount");
    json_builder_add_value(b, paypal_money_node(json_object_get_string_member(order, "currency"),
                                                json_object_get_int_member(order, "amount_minor")));
    paypal_add_member_string(b, order, "custom_id");
    paypal_add_member_string(b, order, "invoice_id");
    paypal_add_member_string(b, order, "description");
    json_builder_set_member_name(b, "payee");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "merchant_id");
    json_builder_add_string_value(b, "TENDERSANDBOX");
    json_builder_end_object(b);
    paypal_add_payments(sb, b, order);
    json_builder_end_object(b);
    json_builder_end_array(b);

    const char *payer_id = json_object_get_string_member_with_default(order, "payer_id", NULL);
    const char *email = json_object_get_string_member_with_default(order, "payer_email", NULL);
    const char *country = json_object_get_string_member_with_default(order, "payer_country", NULL);
    if (payer_id != NULL) {
        json_builder_set_member_name(b, "payer");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "payer_id");
        json_builder_add_string_value(b, payer_id);
        if (email != NULL) {
            json_builder_set_member_name(b, "email_address");
            json_builder_add_string_value(b, email);
        }
        if (country != NULL) {
            json_builder_set_member_name(b, "address");
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "country_code");
            json_builder_add_string_value(b, country);
            json_builder_end_object(b);
        }
        json_builder_end_object(b);
    }

    json_builder_set_member_name(b, "links");
    json_builder_begin_array(b);
    char *self = paypal_order_url(sb, id, "");
    json_builder_add_value(b, paypal_link(self, "self", "GET"));
    if (strcmp(status, "CREATED") == 0 || strcmp(status, "PAYER_ACTION_REQUIRED") == 0) {
        char *approve =
            g_strconcat(sandbox_base_url(sb), "/paypal/checkoutnow?token=", id, NULL);
        json_builder_add_value(b, paypal_link(approve, strcmp(status, "CREATED") == 0
                                                           ? "approve"
                                                           : "payer-action",
                                              "GET"));
        g_free(approve);
    } else if (strcmp(status, "APPROVED") == 0) {
        gboolean authorize =
            strcmp(json_object_get_string_member(order, "intent"), "AUTHORIZE") == 0;
        char *action = paypal_order_url(sb, id, authorize ? "/authorize" : "/capture");
        json_builder_add_value(b, paypal_link(action, authorize ? "authorize" : "capture", "POST"));
        g_free(action);
    }
    g_free(self);
    json_builder_end_array(b);
    json_builder_end_object(b);
    JsonNode *root = json_builder_get_root(b);
    g_object_unref(b);
    return root;
}

static void paypal_respond_order(SandboxServer *sb, SoupServerMessage *msg, guint status,
                                 JsonObject *order)
{
    JsonNode *node = paypal_order_render(sb, order);
    paypal_respond_object(msg, status, json_node_get_object(node));
    json_node_unref(node);
}

static void paypal_order_event(SandboxServer *sb, JsonObject *order, const char *event_type,
                               const char *summary)
{
    JsonNode *node = paypal_order_render(sb, order);
    paypal_emit_event(sb, event_type, "checkout-order", summary, node);
    json_node_unref(node);
}

/* ---- Create ------------------------------------------------------------- */

/* Checks the purchase unit's amount; answers and returns FALSE when it
 * does not hold. */
static gboolean paypal_order_amount(SoupServerMessage *msg, JsonObject *unit,
                                    const PaypalCurrency **currency_out, gint64 *minor_out)
{
    JsonObject *amount = paypal_member_object(unit, "amount");
    const char *code = paypal_json_text(amount, "currency_code");
    const char *value = paypal_json_text(amount, "value");
    if (amount == NULL || code == NULL || value == NULL) {
        paypal_respond_invalid(msg, "MISSING_REQUIRED_PARAMETER",
                               "A required field / parameter is missing.",
                               "/purchase_units/@reference_id=='default'/amount");
        return FALSE;
    }
    const PaypalCurrency *currency = paypal_currency_find(code);
    if (currency == NULL) {
        paypal_respond_unprocessable(msg, "INVALID_CURRENCY_CODE",
                                     "Currency code is invalid or is not currently supported.");
        return FALSE;
    }
    gint64 minor = 0;
    switch (paypal_amount_parse(currency, value, &minor)) {
    case PAYPAL_AMOUNT_OK:
        break;
    case PAYPAL_AMOUNT_SYNTAX:
        paypal_respond_invalid(msg, "INVALID_PARAMETER_SYNTAX",
                               "The value of a field does not conform to the expected format.",
                               "/purchase_units/@reference_id=='default'/amount/value");
        return FALSE;
    case PAYPAL_AMOUNT_NO_DECIMALS:
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
    if (currency->maximum_minor > 0 && minor > currency->maximum_minor) {
        paypal_respond_unprocessable(msg, "TRANSACTION_LIMIT_EXCEEDED",
                                     "Total payment amount exceeded transaction limit.");
        return FALSE;
    }
    *currency_out = currency;
    *minor_out = minor;
    return TRUE;
}

static void paypal_order_create(SandboxServer *sb, SoupServerMessage *msg)
{
    JsonObject *request = paypal_request_object(msg);
    if (request == NULL)
        return;
    const char *intent = paypal_json_text(request, "intent");
    JsonArray *units = json_object_has_member(request, "purchase_units") &&
                               JSON_NODE_HOLDS_ARRAY(json_object_get_member(request, "purchase_units"))
                           ? json_object_get_array_member(request, "purchase_units")
                           : NULL;
    const PaypalCurrency *currency = NULL;
    gint64 minor = 0;
    JsonObject *unit = NULL;
    if (intent == NULL) {
        paypal_respond_invalid(msg, "MISSING_REQUIRED_PARAMETER",
                               "A required field / parameter is missing.", "/intent");
        goto done;
    }
    if (strcmp(intent, "CAPTURE") != 0 && strcmp(intent, "AUTHORIZE") != 0) {
        paypal_respond_invalid(msg, "INVALID_PARAMETER_VALUE",
                               "The value of a field is invalid.", "/intent");
        goto done;
    }
    if (units == NULL || json_array_get_length(units) == 0) {
        paypal_respond_invalid(msg, "MISSING_REQUIRED_PARAMETER",
                               "A required field / parameter is missing.", "/purchase_units");
        goto done;
    }
    if (json_array_get_length(units) > 1) {
        /* Several purchase units are PayPal's multi-seller feature; the
         * sandbox's merchant is one seller. */
        paypal_respond_invalid(msg, "INVALID_ARRAY_MAX_ITEMS",
                               "The number of items in an array parameter is too large.",
                               "/purchase_units");
        goto done;
    }
    JsonNode *unit_node = json_array_get_element(units, 0);
    unit = JSON_NODE_HOLDS_OBJECT(unit_node) ? json_node_get_object(unit_node) : NULL;
    if (!paypal_order_amount(msg, unit, &currency, &minor))
        goto done;

    JsonObject *paypal_source = paypal_member_object(paypal_member_object(request, "payment_source"),
                                                     "paypal");
    JsonObject *payer = paypal_member_object(request, "payer");
    JsonObject *experience = paypal_member_object(paypal_source, "experience_context");
    JsonObject *application = paypal_member_object(request, "application_context");
    const char *country = paypal_first_string(
        paypal_json_text(paypal_member_object(paypal_source, "address"), "country_code"),
        paypal_json_text(paypal_member_object(payer, "address"), "country_code"));
    const char *email = paypal_first_string(paypal_json_text(paypal_source, "email_address"),
                                            paypal_json_text(payer, "email_address"));
    /* BRL, MYR and CNY are for in-country accounts: the payer must be in
     * Brazil, Malaysia or China ("C2" at PayPal, never "CN"). */
    if (currency->home_country != NULL &&
        (country == NULL || strcmp(country, currency->home_country) != 0)) {
        paypal_respond_unprocessable(msg, "CURRENCY_NOT_SUPPORTED_FOR_COUNTRY",
                                     "The currency of the Order is restricted by the country in "
                                     "which the account is based.");
        goto done;
    }

    char *id = paypal_new_resource_id();
    gint64 now = sandbox_now_ms(sb);
    JsonObject *order = json_object_new();
    json_object_set_string_member(order, "id", id);
    json_object_set_string_member(order, "intent", intent);
    json_object_set_string_member(order, "status",
                                  paypal_source != NULL ? "PAYER_ACTION_REQUIRED" : "CREATED");
    json_object_set_string_member(order, "currency", currency->code);
    json_object_set_int_member(order, "amount_minor", minor);
    json_object_set_string_member(
        order, "reference_id",
        paypal_json_text(unit, "reference_id") != NULL ? paypal_json_text(unit, "reference_id")
                                                       : "default");
    const char *copied[] = {"custom_id", "invoice_id", "description"};
    for (gsize i = 0; i < G_N_ELEMENTS(copied); i++)
        if (paypal_json_text(unit, copied[i]) != NULL)
            json_object_set_string_member(order, copied[i], paypal_json_text(unit, copied[i]));
    const char *return_url = paypal_first_string(paypal_json_text(experience, "return_url"),
                                                 paypal_json_text(application, "return_url"));
    const char *cancel_url = paypal_first_string(paypal_json_text(experience, "cancel_url"),
                                                 paypal_json_text(application, "cancel_url"));
    if (return_url != NULL)
        json_object_set_string_member(order, "return_url", return_url);
    if (cancel_url != NULL)
        json_object_set_string_member(order, "cancel_url", cancel_url);
    if (email != NULL)
        json_object_set_string_member(order, "payer_email", email);
    if (country != NULL)
        json_object_set_string_member(order, "payer_country", country);
    json_object_set_int_member(order, "create_ms", now);
    json_object_set_int_member(order, "update_ms", now);
    json_object_set_int_member(order, "approvals", 0);
    json_object_set_array_member(order, "authorizations", json_array_new());
    json_object_set_array_member(order, "captures", json_array_new());
    json_object_set_object_member(paypal_table(sb, "orders"), id, order);
    sandbox_state_changed(sb);
    sandbox_log(PAYPAL_PROVIDER, "order %s created (%s)", id, intent);
    paypal_respond_order(sb, msg, 201, order);
    g_free(id);
done:
    json_object_unref(request);
}

/* ---- Authorize and capture ---------------------------------------------- */

/* The checks both completions share; answers and returns FALSE when the
 * order cannot be completed now. */
static gboolean paypal_order_completable(SandboxServer *sb, SoupServerMessage *msg,
                                         JsonObject *order, const char *intent)
{
    const char *status = json_object_get_string_member(order, "status");
    if (strcmp(json_object_get_string_member(order, "intent"), intent) != 0) {
        paypal_respond_unprocessable(msg, "ACTION_DOES_NOT_MATCH_INTENT",
                                     strcmp(intent, "AUTHORIZE") == 0
                                         ? "Order was created with an intent to 'CAPTURE'."
                                         : "Order was created with an intent to 'AUTHORIZE'.");
        return FALSE;
    }
    if (strcmp(status, "COMPLETED") == 0) {
        if (strcmp(intent, "AUTHORIZE") == 0)
            paypal_respond_unprocessable(msg, "ORDER_ALREADY_AUTHORIZED",
                                         "Order already authorized. If 'intent=AUTHORIZE' only "
                                         "one authorization per order is allowed.");
        else
            paypal_respond_unprocessable(msg, "ORDER_ALREADY_CAPTURED",
                                         "Order already captured. If 'intent=CAPTURE' only one "
                                         "capture per order is allowed.");
        return FALSE;
    }
    if (paypal_order_expired(sb, order)) {
        paypal_respond_unprocessable(msg, "ORDER_EXPIRED",
                                     "Order is expired and hence cannot be authorized.");
        return FALSE;
    }
    if (strcmp(status, "APPROVED") != 0) {
        paypal_respond_unprocessable(msg, "ORDER_NOT_APPROVED",
                                     "Payer has not yet approved the Order for payment. Please "
                                     "redirect the payer to the 'rel':'approve' url.");
        return FALSE;
    }
    /* The test payers who fail at this moment. */
    const char *kind = paypal_order_payer_kind(order);
    if (strcmp(kind, "payer-action") == 0 && json_object_get_int_member(order, "approvals") < 2) {
        /* PayPal wants the payer back once more: the order waits for a
         * second approval at the payer-action link. */
        paypal_order_touch(sb, order, "PAYER_ACTION_REQUIRED");
        paypal_respond_unprocessable(msg, "PAYER_ACTION_REQUIRED",
                                     "Transaction cannot complete successfully, instruct the "
                                     "buyer to return to PayPal.");
        return FALSE;
    }
    if (strcmp(kind, "declined") == 0) {
        paypal_respond_unprocessable(msg, "INSTRUMENT_DECLINED",
                                     "The instrument presented was either declined by the "
                                     "processor or bank, or it can't be used for this payment.");
        return FALSE;
    }
    if (strcmp(kind, "refused") == 0) {
        paypal_respond_unprocessable(msg, "TRANSACTION_REFUSED", "The request was refused.");
        return FALSE;
    }
    return TRUE;
}

static void paypal_order_complete(SandboxServer *sb, SoupServerMessage *msg, JsonObject *order,
                                  const char *intent)
{
    JsonObject *request = paypal_request_object(msg);
    if (request == NULL)
        return;
    json_object_unref(request);
    if (!paypal_order_completable(sb, msg, order, intent))
        return;
    gint64 minor = json_object_get_int_member(order, "amount_minor");
    if (strcmp(intent, "AUTHORIZE") == 0) {
        JsonObject *authorization = paypal_authorization_create(sb, order, minor, NULL);
        paypal_order_touch(sb, order, "COMPLETED");
        JsonNode *node = paypal_authorization_render(sb, authorization);
        paypal_emit_event(sb, "PAYMENT.AUTHORIZATION.CREATED", "authorization",
                          "A payment authorization was created", node);
        json_node_unref(node);
    } else {
        JsonObject *capture = paypal_capture_create(sb, order, NULL, minor, TRUE);
        paypal_order_touch(sb, order, "COMPLETED");
        gboolean pending = strcmp(json_object_get_string_member(capture, "status"), "PENDING") == 0;
        JsonNode *node = paypal_capture_render(sb, capture);
        paypal_emit_event(sb, pending ? "PAYMENT.CAPTURE.PENDING" : "PAYMENT.CAPTURE.COMPLETED",
                          "capture", pending ? "Payment pending" : "Payment completed", node);
        json_node_unref(node);
    }
    paypal_respond_order(sb, msg, 201, order);
}

void paypal_handle_orders(SandboxServer *sb, SoupServerMessage *msg, const char *path)
{
    const char *method = soup_server_message_get_method(msg);
    if (*path == '\0') {
        if (strcmp(method, "POST") == 0)
            paypal_order_create(sb, msg);
        else
            paypal_respond_error(msg, 405, "METHOD_NOT_SUPPORTED", NULL, NULL, NULL);
        return;
    }
    char **parts = g_strsplit(path + 1, "/", 3);
    guint n = g_strv_length(parts);
    JsonObject *order = n >= 1 ? paypal_order_find(sb, parts[0]) : NULL;
    if (order == NULL || n > 2) {
        paypal_respond_not_found(msg);
    } else if (n == 1 && strcmp(method, "GET") == 0) {
        paypal_respond_order(sb, msg, 200, order);
    } else if (n == 2 && strcmp(method, "POST") == 0 && strcmp(parts[1], "authorize") == 0) {
        paypal_order_complete(sb, msg, order, "AUTHORIZE");
    } else if (n == 2 && strcmp(method, "POST") == 0 && strcmp(parts[1], "capture") == 0) {
        paypal_order_complete(sb, msg, order, "CAPTURE");
    } else {
        paypal_respond_error(msg, 405, "METHOD_NOT_SUPPORTED", NULL, NULL, NULL);
    }
    g_strfreev(parts);
}

/* ---- The payer's approval page --------------------------------------------- */

static void paypal_page_message(SoupServerMessage *msg, guint status, const char *title,
                                const char *text)
{
    char *escaped = sandbox_html_escape(text);
    char *body = g_strdup_printf("<h1>%s</h1>\n<p>%s</p>\n", title, escaped);
    sandbox_page_respond(msg, status, title, body);
    g_free(body);
    g_free(escaped);
}

static void paypal_checkout_form(SandboxServer *sb, SoupServerMessage *msg, JsonObject *order)
{
    const PaypalCurrency *currency =
        paypal_currency_find(json_object_get_string_member(order, "currency"));
    char *value = paypal_amount_format(currency, json_object_get_int_member(order, "amount_minor"));
    char *token = sandbox_html_escape(json_object_get_string_member(order, "id"));
    char *email = sandbox_html_escape(
        json_object_get_string_member_with_default(order, "payer_email", "buyer@sandbox.example"));
    char *description = sandbox_html_escape(
        json_object_get_string_member_with_default(order, "description", "Your order"));
    gboolean again = strcmp(json_object_get_string_member(order, "status"),
                            "PAYER_ACTION_REQUIRED") == 0 &&
                     json_object_get_int_member(order, "approvals") > 0;
    char *body = g_strdup_printf(
        "<h1>Pay with PayPal (sandbox)</h1>\n"
        "<p>%s: <strong>%s %s</strong></p>\n%s"
        "<form method=\"post\" action=\"%s/paypal/checkoutnow\">\n"
        "<input type=\"hidden\" name=\"token\" value=\"%s\">\n"
        "<p><label for=\"email\">PayPal account e-mail</label>\n"
        "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" value=\"%s\" "
        "required></p>\n"
        "<p><button type=\"submit\" name=\"action\" value=\"approve\">Continue</button>\n"
        "<button type=\"submit\" name=\"action\" value=\"cancel\">Cancel and return to the "
        "merchant</button></p>\n"
        "</form>\n",
        description, value, currency->code,
        again ? "<p>PayPal needs you to confirm this payment once more.</p>\n" : "",
        sandbox_base_url(sb), token, email);
    sandbox_page_respond(msg, 200, "Pay with PayPal", body);
    g_free(body);
    g_free(description);
    g_free(email);
    g_free(token);
    g_free(value);
}

/* Send the payer back: url?token=ID[&PayerID=...], with 303 so the
 * browser follows with GET. */
static void paypal_redirect_back(SoupServerMessage *msg, const char *url, const char *token,
                                 const char *payer_id)
{
    GString *location = g_string_new(url);
    g_string_append_c(location, strchr(url, '?') != NULL ? '&' : '?');
    g_string_append(location, "token=");
    g_string_append_uri_escaped(location, token, NULL, FALSE);
    if (payer_id != NULL) {
        g_string_append(location, "&PayerID=");
        g_string_append_uri_escaped(location, payer_id, NULL, FALSE);
    }
    soup_server_message_set_redirect(msg, 303, location->str);
    g_string_free(location, TRUE);
}

static void paypal_checkout_apply(SandboxServer *sb, SoupServerMessage *msg, JsonObject *order,
                                  GHashTable *form)
{
    const char *action = g_hash_table_lookup(form, "action");
    const char *id = json_object_get_string_member(order, "id");
    const char *status = json_object_get_string_member(order, "status");
    if (action != NULL && strcmp(action, "cancel") == 0) {
        sandbox_log(PAYPAL_PROVIDER, "order %s: the payer cancelled", id);
        const char *cancel_url = json_object_get_string_member_with_default(order, "cancel_url", NULL);
        if (cancel_url != NULL)
            paypal_redirect_back(msg, cancel_url, id, NULL);
        else
            paypal_page_message(msg, 200, "Payment cancelled",
                                "You cancelled. You can close this page.");
        return;
    }
    if (action == NULL || strcmp(action, "approve") != 0) {
        paypal_page_message(msg, 400, "Bad request", "Choose to continue or to cancel.");
        return;
    }
    if (strcmp(status, "CREATED") == 0 || strcmp(status, "PAYER_ACTION_REQUIRED") == 0) {
        const char *email = g_hash_table_lookup(form, "email");
        if (email != NULL && *email != '\0')
            json_object_set_string_member(order, "payer_email", email);
        if (!json_object_has_member(order, "payer_id")) {
            char *payer_id = paypal_new_resource_id();
            payer_id[13] = '\0'; /* PayPal payer ids have 13 characters */
            json_object_set_string_member(order, "payer_id", payer_id);
            g_free(payer_id);
        }
        json_object_set_int_member(order, "approvals",
                                   json_object_get_int_member(order, "approvals") + 1);
        paypal_order_touch(sb, order, "APPROVED");
        sandbox_log(PAYPAL_PROVIDER, "order %s approved by the payer", id);
        paypal_order_event(sb, order, "CHECKOUT.ORDER.APPROVED",
                           "An order has been approved by buyer");
    }
    const char *return_url = json_object_get_string_member_with_default(order, "return_url", NULL);
    if (return_url != NULL)
        paypal_redirect_back(msg, return_url, id,
                             json_object_get_string_member(order, "payer_id"));
    else
        paypal_page_message(msg, 200, "Payment approved",
                            "You approved the payment. You can close this page.");
}

void paypal_handle_checkout_page(SandboxServer *sb, SoupServerMessage *msg)
{
    const char *method = soup_server_message_get_method(msg);
    GHashTable *form = NULL;
    if (strcmp(method, "GET") == 0) {
        const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
        form = sandbox_form_decode(query != NULL ? query : "", query != NULL ? strlen(query) : 0);
    } else if (strcmp(method, "POST") == 0) {
        gsize len = 0;
        const char *body = sandbox_request_body(msg, &len);
        form = sandbox_form_decode(body != NULL ? body : "", len);
    }
    const char *token = form != NULL ? g_hash_table_lookup(form, "token") : NULL;
    JsonObject *order = paypal_order_find(sb, token);
    if (order == NULL) {
        paypal_page_message(msg, 404, "Order not found",
                            "This PayPal checkout link is not valid.");
    } else if (paypal_order_expired(sb, order)) {
        paypal_page_message(msg, 410, "Checkout expired",
                            "This checkout session has expired. Return to the merchant.");
    } else if (strcmp(json_object_get_string_member(order, "status"), "COMPLETED") == 0 ||
               strcmp(json_object_get_string_member(order, "status"), "VOIDED") == 0) {
        paypal_page_message(msg, 409, "Already done", "This order is no longer open.");
    } else if (strcmp(method, "GET") == 0) {
        paypal_checkout_form(sb, msg, order);
    } else {
        paypal_checkout_apply(sb, msg, order, form);
    }
    if (form != NULL)
        g_hash_table_unref(form);
}
