/* PaymentIntents: create (with confirm=true, the usual server-side flow),
 * confirm, retrieve, capture (partial, and multicapture with
 * final_capture=false), cancel, and the 7-day lapse of an uncaptured
 * authorization. Each confirmation attempt that reaches the "issuer" makes
 * a Charge (latest_charge) carrying the card facts and the outcome; each
 * status change posts an Event.
 *
 * The stored intent is the API object plus "_sandbox" (see sandbox-card.h),
 * so that a retrieve is a copy without that member. */
#include "sandbox-card.h"

#include <string.h>

/* Stripe's bounds on an amount in the smallest currency unit. */
#define AMOUNT_MAX 99999999

/* ---- Small helpers ---------------------------------------------------- */

static JsonObject *private_of(JsonObject *intent)
{
    return json_object_get_object_member(intent, "_sandbox");
}

static const char *status_of(JsonObject *intent)
{
    return json_object_get_string_member(intent, "status");
}

static void set_status(JsonObject *intent, const char *status)
{
    json_object_set_string_member(intent, "status", status);
}

/* A non-negative integer parameter: 1 when absent, 0 when present and
 * valid (*value set), -1 with *refusal when it is not an integer. */
static int integer_param(CardCall *call, const char *name, gint64 *value, CardAnswer *refusal)
{
    const char *text = card_param(call->params, name);
    if (text == NULL)
        return 1;
    char *end = NULL;
    gint64 parsed = g_ascii_strtoll(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || parsed < 0 || !g_ascii_isdigit(text[0])) {
        *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error",
                              "parameter_invalid_integer", name, "Invalid integer: %s", text);
        return -1;
    }
    *value = parsed;
    return 0;
}

/* A boolean parameter: default when absent; -1 with *refusal when invalid. */
static int boolean_param(CardCall *call, const char *name, gboolean fallback, gboolean *value,
                         CardAnswer *refusal)
{
    const char *text = card_param(call->params, name);
    if (text == NULL) {
        *value = fallback;
        return 0;
    }
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *value = text[0] == 't';
        return 0;
    }
    *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error",
                          "parameter_invalid_boolean", name, "Invalid boolean: %s", text);
    return -1;
}

/* One of the allowed values or absent; FALSE with *refusal otherwise. */
static gboolean enum_param(CardCall *call, const char *name, const char *const *allowed,
                           const char **value, CardAnswer *refusal)
{
    const char *text = card_param(call->params, name);
    *value = NULL;
    if (text == NULL)
        return TRUE;
    for (guint i = 0; allowed[i]; i++) {
        if (strcmp(allowed[i], text) == 0) {
            *value = allowed[i];
            return TRUE;
        }
    }
    char *list = g_strjoinv(", ", (char **)allowed);
    *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, name,
                          "Invalid %s: must be one of %s", name, list);
    g_free(list);
    return FALSE;
}

static CardAnswer no_such_intent(const char *id)
{
    return card_error(SOUP_STATUS_NOT_FOUND, "invalid_request_error", "resource_missing", "intent",
                      "No such payment_intent: '%s'", id);
}

/* ---- The public view ---------------------------------------------------- */

static gboolean expand_lists(char **expand, const char *path)
{
    return expand != NULL && g_strv_contains((const char *const *)expand, path);
}

JsonObject *card_intent_public(CardCall *call, JsonObject *intent, char **expand)
{
    JsonObject *view = json_object_new();
    GList *names = json_object_get_members(intent);
    for (GList *l = names; l; l = l->next) {
        if (strcmp(l->data, "_sandbox") != 0)
            json_object_set_member(view, l->data,
                                   json_node_copy(json_object_get_member(intent, l->data)));
    }
    g_list_free(names);
    const char *charge_id =
        json_object_get_string_member_with_default(intent, "latest_charge", NULL);
    if (charge_id != NULL && expand_lists(expand, "latest_charge")) {
        JsonObject *charges = card_collection(call->state, "charges");
        JsonNode *charge = json_object_get_member(charges, charge_id);
        if (charge != NULL)
            json_object_set_member(view, "latest_charge", json_node_copy(charge));
    }
    return view;
}

/* expand[] may name only what this gateway expands. */
static gboolean expand_valid(char **expand, CardAnswer *refusal)
{
    for (guint i = 0; expand && expand[i]; i++) {
        if (strcmp(expand[i], "latest_charge") != 0) {
            *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "expand",
                                  "This property cannot be expanded (%s).", expand[i]);
            return FALSE;
        }
    }
    return TRUE;
}

static CardAnswer intent_answer(CardCall *call, JsonObject *intent)
{
    char **expand = card_param_list(call->params, "expand");
    CardAnswer answer = card_ok(card_intent_public(call, intent, expand));
    g_strfreev(expand);
    return answer;
}

/* A state refusal that carries the intent, as Stripe's do. */
static CardAnswer unexpected_state(CardCall *call, JsonObject *intent, const char *format,
                                   const char *allowed)
{
    CardAnswer answer =
        card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error",
                   "payment_intent_unexpected_state", NULL, format, status_of(intent), allowed);
    json_object_set_object_member(card_error_object(&answer), "payment_intent",
                                  card_intent_public(call, intent, NULL));
    return answer;
}

/* ---- Status changes ------------------------------------------------------ */

static void emit(CardCall *call, JsonObject *intent, const char *type)
{
    JsonObject *view = card_intent_public(call, intent, NULL);
    card_event_emit(call, type, view);
    json_object_unref(view);
}

/* Approved by the issuer (after 3-D Secure when three_d_secure is set). */
static void intent_approve(CardCall *call, JsonObject *intent, const char *three_d_secure)
{
    JsonObject *charge = card_charge_new(call, intent, NULL, NULL, three_d_secure);
    gint64 amount = json_object_get_int_member(intent, "amount");
    json_object_set_null_member(intent, "last_payment_error");
    json_object_set_null_member(intent, "next_action");
    if (strcmp(json_object_get_string_member(intent, "capture_method"), "manual") == 0) {
        set_status(intent, "requires_capture");
        json_object_set_int_member(intent, "amount_capturable", amount);
        json_object_set_int_member(private_of(intent), "authorized_ms", call->now_ms);
        emit(call, intent, "payment_intent.amount_capturable_updated");
    } else {
        set_status(intent, "succeeded");
        json_object_set_int_member(intent, "amount_received", amount);
        json_object_set_boolean_member(charge, "captured", TRUE);
        json_object_set_int_member(charge, "amount_captured", amount);
        emit(call, intent, "payment_intent.succeeded");
    }
}

/* The error object of a failed attempt, also kept as last_payment_error. */
static JsonObject *payment_error_new(JsonObject *intent, const char *type, const char *code,
                                     const char *decline_code, const char *param)
{
    JsonObject *error = json_object_new();
    const char *charge = json_object_get_string_member_with_default(intent, "latest_charge", NULL);
    if (charge != NULL)
        json_object_set_string_member(error, "charge", charge);
    json_object_set_string_member(error, "code", code);
    if (decline_code != NULL)
        json_object_set_string_member(error, "decline_code", decline_code);
    char *doc_url = g_strdup_printf("https://stripe.com/docs/error-codes/%s", code);
    g_strdelimit(doc_url + strlen("https://stripe.com/docs/error-codes/"), "_", '-');
    json_object_set_string_member(error, "doc_url", doc_url);
    g_free(doc_url);
    json_object_set_string_member(error, "message", card_error_message(code, decline_code));
    if (param != NULL)
        json_object_set_string_member(error, "param", param);
    json_object_set_string_member(error, "type", type);
    return error;
}

/* The attempt failed: back to requires_payment_method with the error. A
 * charge is made when the card got as far as the issuer (make_charge). */
static CardAnswer intent_fail(CardCall *call, JsonObject *intent, const char *type,
                              const char *code, const char *decline_code, const char *param,
                              gboolean make_charge, const char *three_d_secure)
{
    if (make_charge)
        card_charge_new(call, intent, code, decline_code, three_d_secure);
    set_status(intent, "requires_payment_method");
    json_object_set_int_member(intent, "amount_capturable", 0);
    json_object_set_null_member(intent, "next_action");
    json_object_set_object_member(intent, "last_payment_error",
                                  payment_error_new(intent, type, code, decline_code, param));
    emit(call, intent, "payment_intent.payment_failed");

    CardAnswer answer = {SOUP_STATUS_PAYMENT_REQUIRED, NULL};
    JsonObject *error = payment_error_new(intent, type, code, decline_code, param);
    char **expand = card_param_list(call->params, "expand");
    json_object_set_object_member(error, "payment_intent",
                                  card_intent_public(call, intent, expand));
    g_strfreev(expand);
    JsonObject *root = json_object_new();
    json_object_set_object_member(root, "error", error);
    answer.body = json_node_init_object(json_node_alloc(), root);
    json_object_unref(root);
    return answer;
}

/* 3-D Secure challenge: the payer must pass the gateway's page. */
static void intent_challenge(CardCall *call, JsonObject *intent)
{
    set_status(intent, "requires_action");
    JsonObject *redirect = json_object_new();
    char *url = g_strdup_printf("%s/card/3ds/%s", sandbox_base_url(call->sb),
                                json_object_get_string_member(intent, "id"));
    json_object_set_string_member(redirect, "url", url);
    g_free(url);
    const char *return_url =
        json_object_get_string_member_with_default(private_of(intent), "return_url", NULL);
    if (return_url != NULL)
        json_object_set_string_member(redirect, "return_url", return_url);
    else
        json_object_set_null_member(redirect, "return_url");
    JsonObject *action = json_object_new();
    json_object_set_string_member(action, "type", "redirect_to_url");
    json_object_set_object_member(action, "redirect_to_url", redirect);
    json_object_set_object_member(intent, "next_action", action);
    emit(call, intent, "payment_intent.requires_action");
}

/* Confirm with the intent's card: what the card's test scenario, the
 * expiry and request_three_d_secure make of it. */
static CardAnswer intent_attempt(CardCall *call, JsonObject *intent)
{
    JsonObject *private = private_of(intent);
    JsonObject *facts = json_object_get_object_member(private, "card");
    CardScenario scenario = (CardScenario)json_object_get_int_member(facts, "scenario");
    const char *code = json_object_get_string_member_with_default(facts, "code", NULL);
    const char *decline_code =
        json_object_get_string_member_with_default(facts, "decline_code", NULL);
    const char *request_3ds =
        json_object_get_string_member_with_default(private, "request_three_d_secure", "automatic");

    if (card_is_expired(facts, call->now_ms))
        return intent_fail(call, intent, "card_error", "expired_card", NULL, "exp_month", TRUE,
                           NULL);
    switch (scenario) {
    case CARD_SCENARIO_DECLINE:
    case CARD_SCENARIO_ERROR:
        return intent_fail(call, intent, "card_error", code, decline_code,
                           strcmp(code, "incorrect_cvc") == 0 ? "cvc" : NULL, TRUE, NULL);
    case CARD_SCENARIO_CHALLENGE:
    case CARD_SCENARIO_CHALLENGE_DECLINE:
        intent_challenge(call, intent);
        break;
    case CARD_SCENARIO_FRICTIONLESS:
    case CARD_SCENARIO_APPROVE:
        if (strcmp(request_3ds, "challenge") == 0)
            intent_challenge(call, intent);
        else if (scenario == CARD_SCENARIO_FRICTIONLESS || strcmp(request_3ds, "any") == 0)
            intent_approve(call, intent, "authenticated");
        else
            intent_approve(call, intent, NULL);
        break;
    }
    return intent_answer(call, intent);
}

void card_intent_authenticated(CardCall *call, JsonObject *intent, gboolean passed)
{
    JsonObject *facts = json_object_get_object_member(private_of(intent), "card");
    CardScenario scenario = (CardScenario)json_object_get_int_member(facts, "scenario");
    CardAnswer answer = {0, NULL};
    if (!passed)
        answer = intent_fail(call, intent, "invalid_request_error",
                             "payment_intent_authentication_failure", NULL, NULL, TRUE, "failed");
    else if (scenario == CARD_SCENARIO_CHALLENGE_DECLINE)
        answer = intent_fail(call, intent, "card_error", "card_declined",
                             json_object_get_string_member(facts, "decline_code"), NULL, TRUE,
                             "authenticated");
    else
        intent_approve(call, intent, "authenticated");
    if (answer.body != NULL)
        json_node_unref(answer.body);
}

/* ---- Lapse --------------------------------------------------------------- */

/* Cancel intent when its authorization is older than the hold lasts. */
static gboolean intent_lapse(CardCall *call, JsonObject *intent)
{
    if (strcmp(status_of(intent), "requires_capture") != 0)
        return FALSE;
    gint64 authorized_ms = json_object_get_int_member(private_of(intent), "authorized_ms");
    if (call->now_ms < authorized_ms + CARD_LAPSE_MS)
        return FALSE;
    set_status(intent, "canceled");
    json_object_set_string_member(intent, "cancellation_reason", "automatic");
    json_object_set_int_member(intent, "canceled_at", card_seconds(authorized_ms + CARD_LAPSE_MS));
    json_object_set_int_member(intent, "amount_capturable", 0);
    emit(call, intent, "payment_intent.canceled");
    sandbox_log("card", "%s lapsed: uncaptured 7 days after authorization",
                json_object_get_string_member(intent, "id"));
    return TRUE;
}

JsonObject *card_intent_lookup(CardCall *call, const char *id)
{
    JsonObject *intents = card_collection(call->state, "intents");
    if (!json_object_has_member(intents, id))
        return NULL;
    JsonObject *intent = json_object_get_object_member(intents, id);
    if (intent_lapse(call, intent))
        sandbox_state_changed(call->sb);
    return intent;
}

void card_intents_lapse_all(SandboxServer *sb)
{
    CardCall call = {
        .sb = sb,
        .state = sandbox_state(sb, "card"),
        .now_ms = sandbox_now_ms(sb),
    };
    JsonObject *empty = json_object_new();
    call.params = empty;
    JsonObject *intents = card_collection(call.state, "intents");
    GList *ids = json_object_get_members(intents);
    gboolean changed = FALSE;
    for (GList *l = ids; l; l = l->next)
        changed |= intent_lapse(&call, json_object_get_object_member(intents, l->data));
    g_list_free(ids);
    json_object_unref(empty);
    if (changed)
        sandbox_state_changed(sb);
}

/* ---- Endpoints ----------------------------------------------------------- */

static const char *const three_d_secure_values[] = {"any", "automatic", "challenge", NULL};
static const char *const multicapture_values[] = {"if_available", "never", NULL};
static const char *const capture_methods[] = {"automatic", "automatic_async", "manual", NULL};
static const char *const cancellation_reasons[] = {"abandoned", "duplicate", "fraudulent",
                                                   "requested_by_customer", NULL};

/* Multicapture exists for these brands only (Stripe's availability). */
static gboolean multicapture_brand(JsonObject *facts)
{
    const char *brand = json_object_get_string_member(facts, "brand");
    return strcmp(brand, "visa") == 0 || strcmp(brand, "mastercard") == 0 ||
           strcmp(brand, "amex") == 0 || strcmp(brand, "discover") == 0;
}

/* The parameters create and confirm share: return_url, the card options,
 * payment_method_data. Returns -1 with a 400 in *refusal, 1 with the card
 * refusal (402) in *refusal, 0 when they are applied to the intent. */
static int apply_confirm_params(CardCall *call, JsonObject *intent, CardAnswer *refusal)
{
    JsonObject *private = private_of(intent);
    const char *three_d_secure = NULL;
    const char *multicapture = NULL;
    if (!enum_param(call, "payment_method_options[card][request_three_d_secure]",
                    three_d_secure_values, &three_d_secure, refusal) ||
        !enum_param(call, "payment_method_options[card][request_multicapture]", multicapture_values,
                    &multicapture, refusal))
        return -1;
    const char *return_url = card_param(call->params, "return_url");
    if (return_url != NULL && !g_uri_is_valid(return_url, G_URI_FLAGS_NONE, NULL)) {
        *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "url_invalid",
                              "return_url", "Not a valid URL");
        return -1;
    }
    JsonObject *facts = NULL;
    if (card_param_object(call->params, "payment_method_data") != NULL) {
        facts = card_read_payment_method(call, refusal);
        if (facts == NULL)
            return refusal->status == SOUP_STATUS_PAYMENT_REQUIRED ? 1 : -1;
    }

    JsonObject *options = json_object_get_object_member(
        json_object_get_object_member(intent, "payment_method_options"), "card");
    if (three_d_secure != NULL) {
        json_object_set_string_member(private, "request_three_d_secure", three_d_secure);
        json_object_set_string_member(options, "request_three_d_secure", three_d_secure);
    }
    if (multicapture != NULL) {
        json_object_set_string_member(private, "request_multicapture", multicapture);
        json_object_set_string_member(options, "request_multicapture", multicapture);
    }
    if (return_url != NULL)
        json_object_set_string_member(private, "return_url", return_url);
    if (facts != NULL) {
        json_object_set_object_member(private, "card", facts);
        char *pm = sandbox_new_id("pm_");
        json_object_set_string_member(intent, "payment_method", pm);
        g_free(pm);
    }
    if (json_object_has_member(private, "card")) {
        const char *requested =
            json_object_get_string_member_with_default(private, "request_multicapture", "never");
        json_object_set_boolean_member(
            private, "multicapture",
            strcmp(requested, "if_available") == 0 &&
                multicapture_brand(json_object_get_object_member(private, "card")));
    }
    return 0;
}

/* A card refused before reaching the issuer: the attempt fails without a
 * charge, with the refusal's code and param. */
static CardAnswer fail_refused_card(CardCall *call, JsonObject *intent, CardAnswer *refusal)
{
    JsonObject *error = card_error_object(refusal);
    char *code = g_strdup(json_object_get_string_member(error, "code"));
    char *param = g_strdup(json_object_get_string_member_with_default(error, "param", NULL));
    json_node_unref(refusal->body);
    json_object_remove_member(private_of(intent), "card");
    json_object_set_null_member(intent, "payment_method");
    CardAnswer answer = intent_fail(call, intent, "card_error", code, NULL, param, FALSE, NULL);
    g_free(code);
    g_free(param);
    return answer;
}

static JsonObject *intent_new(CardCall *call, gint64 amount, const char *currency,
                              const char *capture_method)
{
    JsonObject *intent = json_object_new();
    char *id = sandbox_new_id("pi_");
    char *secret_tail = sandbox_new_id("");
    char *client_secret = g_strdup_printf("%s_secret_%s", id, secret_tail);
    json_object_set_string_member(intent, "id", id);
    json_object_set_string_member(intent, "object", "payment_intent");
    json_object_set_int_member(intent, "amount", amount);
    json_object_set_int_member(intent, "amount_capturable", 0);
    json_object_set_int_member(intent, "amount_received", 0);
    json_object_set_null_member(intent, "canceled_at");
    json_object_set_null_member(intent, "cancellation_reason");
    json_object_set_string_member(intent, "capture_method", capture_method);
    json_object_set_string_member(intent, "client_secret", client_secret);
    json_object_set_string_member(intent, "confirmation_method", "automatic");
    json_object_set_int_member(intent, "created", card_seconds(call->now_ms));
    json_object_set_string_member(intent, "currency", currency);
    const char *description = card_param(call->params, "description");
    if (description)
        json_object_set_string_member(intent, "description", description);
    else
        json_object_set_null_member(intent, "description");
    json_object_set_null_member(intent, "last_payment_error");
    json_object_set_null_member(intent, "latest_charge");
    json_object_set_boolean_member(intent, "livemode", FALSE);
    JsonObject *metadata = json_object_new();
    JsonObject *given = card_param_object(call->params, "metadata");
    GList *names = given ? json_object_get_members(given) : NULL;
    for (GList *l = names; l; l = l->next) {
        JsonNode *value = json_object_get_member(given, l->data);
        if (JSON_NODE_HOLDS_VALUE(value))
            json_object_set_string_member(metadata, l->data, json_node_get_string(value));
    }
    g_list_free(names);
    json_object_set_object_member(intent, "metadata", metadata);
    json_object_set_null_member(intent, "next_action");
    json_object_set_null_member(intent, "payment_method");
    JsonObject *options = json_object_new();
    JsonObject *card_options = json_object_new();
    json_object_set_string_member(card_options, "request_three_d_secure", "automatic");
    json_object_set_object_member(options, "card", card_options);
    json_object_set_object_member(intent, "payment_method_options", options);
    JsonArray *types = json_array_new();
    json_array_add_string_element(types, "card");
    json_object_set_array_member(intent, "payment_method_types", types);
    json_object_set_string_member(intent, "status", "requires_payment_method");
    json_object_set_object_member(intent, "_sandbox", json_object_new());
    g_free(client_secret);
    g_free(secret_tail);
    g_free(id);
    return intent;
}

/* Metadata as Stripe bounds it: up to 50 keys, keys up to 40 characters,
 * values up to 500. */
static gboolean metadata_valid(CardCall *call, CardAnswer *refusal)
{
    JsonNode *node = json_object_get_member(call->params, "metadata");
    if (node == NULL)
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "metadata",
                              "Invalid object");
        return FALSE;
    }
    JsonObject *metadata = json_node_get_object(node);
    GList *names = json_object_get_members(metadata);
    gboolean ok = g_list_length(names) <= 50;
    for (GList *l = names; ok && l; l = l->next) {
        JsonNode *value = json_object_get_member(metadata, l->data);
        ok = strlen(l->data) <= 40 && JSON_NODE_HOLDS_VALUE(value) &&
             strlen(json_node_get_string(value)) <= 500;
    }
    g_list_free(names);
    if (!ok)
        *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "metadata",
                              "Metadata may have up to 50 keys, each a string of up to 40 "
                              "characters, with string values of up to 500 characters.");
    return ok;
}

CardAnswer card_intent_create(CardCall *call)
{
    CardAnswer refusal = {0, NULL};
    gint64 amount = 0;
    int has_amount = integer_param(call, "amount", &amount, &refusal);
    if (has_amount < 0)
        return refusal;
    if (has_amount > 0)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_missing",
                          "amount", "Missing required param: amount.");
    if (amount < 1)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "amount_too_small",
                          "amount", "This value must be greater than or equal to 1.");
    if (amount > AMOUNT_MAX)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "amount_too_large",
                          "amount", "Amount must be no more than %d", AMOUNT_MAX);
    const char *currency_param = card_param(call->params, "currency");
    if (currency_param == NULL)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_missing",
                          "currency", "Missing required param: currency.");
    char *currency = g_ascii_strdown(currency_param, -1);
    if (!card_currency_known(currency)) {
        refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_invalid",
                             "currency", "Invalid currency: %s.", currency);
        g_free(currency);
        return refusal;
    }
    const char *capture_method = NULL;
    gboolean confirm = FALSE;
    char **expand = card_param_list(call->params, "expand");
    gboolean expand_ok = expand_valid(expand, &refusal);
    g_strfreev(expand);
    if (!expand_ok ||
        !enum_param(call, "capture_method", capture_methods, &capture_method, &refusal) ||
        boolean_param(call, "confirm", FALSE, &confirm, &refusal) < 0 ||
        !metadata_valid(call, &refusal)) {
        g_free(currency);
        return refusal;
    }
    if (confirm && card_param_object(call->params, "payment_method_data") == NULL) {
        g_free(currency);
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_missing",
                          "payment_method_data",
                          "You cannot confirm this PaymentIntent because it's missing a payment "
                          "method. Provide payment_method_data.");
    }

    JsonObject *intent =
        intent_new(call, amount, currency, capture_method ? capture_method : "automatic");
    g_free(currency);
    int applied = apply_confirm_params(call, intent, &refusal);
    if (applied < 0) {
        json_object_unref(intent);
        return refusal;
    }
    json_object_set_object_member(card_collection(call->state, "intents"),
                                  json_object_get_string_member(intent, "id"), intent);
    if (applied > 0)
        return fail_refused_card(call, intent, &refusal);
    if (!confirm) {
        if (json_object_has_member(private_of(intent), "card"))
            set_status(intent, "requires_confirmation");
        return intent_answer(call, intent);
    }
    return intent_attempt(call, intent);
}

CardAnswer card_intent_retrieve(CardCall *call, const char *id)
{
    CardAnswer refusal = {0, NULL};
    char **expand = card_param_list(call->params, "expand");
    gboolean expand_ok = expand_valid(expand, &refusal);
    g_strfreev(expand);
    if (!expand_ok)
        return refusal;
    JsonObject *intent = card_intent_lookup(call, id);
    return intent ? intent_answer(call, intent) : no_such_intent(id);
}

CardAnswer card_intent_confirm(CardCall *call, const char *id)
{
    JsonObject *intent = card_intent_lookup(call, id);
    if (intent == NULL)
        return no_such_intent(id);
    const char *status = status_of(intent);
    if (strcmp(status, "requires_payment_method") != 0 &&
        strcmp(status, "requires_confirmation") != 0)
        return unexpected_state(call, intent,
                                "You cannot confirm this PaymentIntent because it has a status of "
                                "%s. Only a PaymentIntent with one of the following statuses may "
                                "be confirmed: %s.",
                                "requires_payment_method, requires_confirmation");
    CardAnswer refusal = {0, NULL};
    if (!metadata_valid(call, &refusal))
        return refusal;
    int applied = apply_confirm_params(call, intent, &refusal);
    if (applied < 0)
        return refusal;
    if (applied > 0)
        return fail_refused_card(call, intent, &refusal);
    if (!json_object_has_member(private_of(intent), "card") ||
        (strcmp(status, "requires_payment_method") == 0 &&
         card_param_object(call->params, "payment_method_data") == NULL))
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_missing",
                          "payment_method_data",
                          "You cannot confirm this PaymentIntent because it's missing a payment "
                          "method. Provide payment_method_data.");
    return intent_attempt(call, intent);
}

CardAnswer card_intent_capture(CardCall *call, const char *id)
{
    JsonObject *intent = card_intent_lookup(call, id);
    if (intent == NULL)
        return no_such_intent(id);
    if (strcmp(status_of(intent), "requires_capture") != 0)
        return unexpected_state(call, intent,
                                "This PaymentIntent could not be captured because it has a status "
                                "of %s. Only a PaymentIntent with one of the following statuses "
                                "may be captured: %s.",
                                "requires_capture");
    CardAnswer refusal = {0, NULL};
    gint64 capturable = json_object_get_int_member(intent, "amount_capturable");
    gint64 amount = capturable;
    gboolean final_capture = TRUE;
    int has_amount = integer_param(call, "amount_to_capture", &amount, &refusal);
    if (has_amount < 0 || boolean_param(call, "final_capture", TRUE, &final_capture, &refusal) < 0)
        return refusal;
    if (amount < 1)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "amount_too_small",
                          "amount_to_capture", "This value must be greater than or equal to 1.");
    if (amount > capturable)
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "amount_too_large",
                          "amount_to_capture",
                          "The amount to capture (%" G_GINT64_FORMAT
                          ") must be less than or equal to the amount_capturable (%" G_GINT64_FORMAT
                          ").",
                          amount, capturable);
    if (!final_capture && !json_object_get_boolean_member(private_of(intent), "multicapture"))
        return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", NULL, "final_capture",
                          "final_capture=false is only allowed when multicapture is available "
                          "for this PaymentIntent (payment_method_options[card]"
                          "[request_multicapture]=if_available on a supported card).");

    JsonObject *charge = card_intent_charge(call, intent);
    gint64 received = json_object_get_int_member(intent, "amount_received") + amount;
    json_object_set_int_member(intent, "amount_received", received);
    json_object_set_boolean_member(charge, "captured", TRUE);
    json_object_set_int_member(charge, "amount_captured", received);
    if (final_capture || amount == capturable) {
        json_object_set_int_member(intent, "amount_capturable", 0);
        set_status(intent, "succeeded");
        emit(call, intent, "payment_intent.succeeded");
    } else {
        json_object_set_int_member(intent, "amount_capturable", capturable - amount);
        emit(call, intent, "payment_intent.amount_capturable_updated");
    }
    return intent_answer(call, intent);
}

CardAnswer card_intent_cancel(CardCall *call, const char *id)
{
    JsonObject *intent = card_intent_lookup(call, id);
    if (intent == NULL)
        return no_such_intent(id);
    const char *status = status_of(intent);
    if (strcmp(status, "succeeded") == 0 || strcmp(status, "canceled") == 0)
        return unexpected_state(call, intent,
                                "You cannot cancel this PaymentIntent because it has a status of "
                                "%s. Only a PaymentIntent with one of the following statuses may "
                                "be canceled: %s.",
                                "requires_payment_method, requires_capture, requires_confirmation, "
                                "requires_action, processing");
    CardAnswer refusal = {0, NULL};
    const char *reason = NULL;
    if (!enum_param(call, "cancellation_reason", cancellation_reasons, &reason, &refusal))
        return refusal;
    set_status(intent, "canceled");
    if (reason)
        json_object_set_string_member(intent, "cancellation_reason", reason);
    json_object_set_int_member(intent, "canceled_at", card_seconds(call->now_ms));
    json_object_set_int_member(intent, "amount_capturable", 0);
    json_object_set_null_member(intent, "next_action");
    emit(call, intent, "payment_intent.canceled");
    return intent_answer(call, intent);
}
