/* The 3-D Secure challenge page the payer is redirected to
 * (next_action.redirect_to_url.url = <base>/card/3ds/<intent id>): a
 * plain HTML form asking for the one-time code the "issuer" sent. The
 * sandbox's code is CARD_3DS_CODE; any other code fails authentication.
 * After the POST the payer is sent back (303) to the intent's return_url
 * with payment_intent=<id> and redirect_status, or shown a plain "done"
 * page when there is none. The merchant learns the result by retrieving
 * the intent or from the webhook, never from the redirect alone. */
#include "sandbox-card.h"

#include <string.h>

static void page_for_unknown(SoupServerMessage *msg, const char *id)
{
    char *safe_id = sandbox_html_escape(id);
    char *body = g_strdup_printf("<p>There is no authentication waiting for payment "
                                 "<code>%s</code>.</p>",
                                 safe_id);
    sandbox_page_respond(msg, SOUP_STATUS_NOT_FOUND, "Authentication not found", body);
    g_free(body);
    g_free(safe_id);
}

static void page_for_settled(SoupServerMessage *msg, JsonObject *intent)
{
    char *status = sandbox_html_escape(json_object_get_string_member(intent, "status"));
    char *body = g_strdup_printf("<p>This payment needs no authentication now (its status is "
                                 "<code>%s</code>). Return to the merchant's site.</p>",
                                 status);
    sandbox_page_respond(msg, SOUP_STATUS_CONFLICT, "Nothing to authenticate", body);
    g_free(body);
    g_free(status);
}

/* The challenge form. */
static void page_for_challenge(SoupServerMessage *msg, JsonObject *intent, gboolean retry_hint)
{
    const char *id = json_object_get_string_member(intent, "id");
    JsonObject *facts =
        json_object_get_object_member(json_object_get_object_member(intent, "_sandbox"), "card");
    char *safe_id = sandbox_html_escape(id);
    char *currency = g_ascii_strup(json_object_get_string_member(intent, "currency"), -1);
    char *safe_currency = sandbox_html_escape(currency);
    char *safe_brand = sandbox_html_escape(json_object_get_string_member(facts, "brand"));
    char *safe_last4 = sandbox_html_escape(json_object_get_string_member(facts, "last4"));
    char *body = g_strdup_printf(
        "<p>Your bank asks you to confirm a payment of %" G_GINT64_FORMAT
        " (smallest unit of %s) with your %s card ending in %s.</p>\n"
        "<p>Enter the one-time code sent to you. In this sandbox the code is "
        "<strong>" CARD_3DS_CODE "</strong>; any other code fails the authentication.</p>\n"
        "<form method=\"post\" action=\"/card/3ds/%s\">\n"
        "<label for=\"code\">One-time code</label>\n"
        "<input id=\"code\" name=\"code\" type=\"text\" autocomplete=\"one-time-code\" "
        "inputmode=\"numeric\" pattern=\"[0-9]*\" required>\n"
        "<button type=\"submit\">Confirm</button>\n"
        "</form>%s\n",
        json_object_get_int_member(intent, "amount"), safe_currency, safe_brand, safe_last4,
        safe_id, retry_hint ? "\n<p>A code is required.</p>" : "");
    sandbox_page_respond(msg, SOUP_STATUS_OK, "Confirm your payment", body);
    g_free(body);
    g_free(safe_last4);
    g_free(safe_brand);
    g_free(safe_currency);
    g_free(currency);
    g_free(safe_id);
}

/* Back to the merchant: 303 to return_url with the intent's id, or a
 * plain page. */
static void send_back(SoupServerMessage *msg, JsonObject *intent)
{
    const char *id = json_object_get_string_member(intent, "id");
    const char *status = json_object_get_string_member(intent, "status");
    gboolean failed = strcmp(status, "requires_payment_method") == 0;
    const char *return_url = json_object_get_string_member_with_default(
        json_object_get_object_member(intent, "_sandbox"), "return_url", NULL);
    if (return_url != NULL) {
        char *location = g_strdup_printf("%s%cpayment_intent=%s&redirect_status=%s", return_url,
                                         strchr(return_url, '?') ? '&' : '?', id,
                                         failed ? "failed" : "succeeded");
        soup_server_message_set_redirect(msg, SOUP_STATUS_SEE_OTHER, location);
        g_free(location);
        return;
    }
    sandbox_page_respond(msg, SOUP_STATUS_OK,
                         failed ? "Authentication failed" : "Authentication complete",
                         failed ? "<p>The payment could not be confirmed. Return to the "
                                  "merchant's site to try again.</p>"
                                : "<p>Done. Return to the merchant's site.</p>");
}

void card_3ds_page(SandboxServer *sb, SoupServerMessage *msg, const char *intent_id)
{
    const char *method = soup_server_message_get_method(msg);
    JsonObject *params = NULL;
    if (strcmp(method, "POST") == 0) {
        gsize len = 0;
        const char *body = sandbox_request_body(msg, &len);
        params = card_form_decode(body ? body : "", body ? len : 0);
    } else {
        params = json_object_new();
    }
    if (params == NULL) {
        sandbox_page_respond(msg, SOUP_STATUS_BAD_REQUEST, "Bad request",
                             "<p>The form could not be read.</p>");
        return;
    }
    CardCall call = {
        .sb = sb,
        .state = sandbox_state(sb, "card"),
        .params = params,
        .now_ms = sandbox_now_ms(sb),
    };
    JsonObject *intent = card_intent_lookup(&call, intent_id);
    if (intent == NULL) {
        page_for_unknown(msg, intent_id);
    } else if (strcmp(json_object_get_string_member(intent, "status"), "requires_action") != 0) {
        page_for_settled(msg, intent);
    } else if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        page_for_challenge(msg, intent, FALSE);
    } else if (strcmp(method, "POST") != 0) {
        sandbox_page_respond(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Not allowed",
                             "<p>Use the form.</p>");
    } else {
        const char *code = card_param(params, "code");
        if (code == NULL || code[0] == '\0') {
            page_for_challenge(msg, intent, TRUE);
        } else {
            gboolean passed = strcmp(code, CARD_3DS_CODE) == 0;
            card_intent_authenticated(&call, intent, passed);
            sandbox_state_changed(sb);
            sandbox_log("card", "3-D Secure for %s: %s", intent_id,
                        passed ? "code accepted" : "wrong code, authentication failed");
            send_back(msg, intent);
        }
    }
    json_object_unref(params);
}
