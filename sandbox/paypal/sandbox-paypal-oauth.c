/* PayPal's OAuth 2.0 client-credentials grant and the bearer check.
 *
 * POST /v1/oauth2/token with "Authorization: Basic base64(id:secret)" and
 * the form body grant_type=client_credentials answers an access token and
 * its lifetime (expires_in, seconds). Every REST call then carries
 * "Authorization: Bearer <token>"; an unknown or expired token is 401
 * AUTHENTICATION_FAILURE, which is the client's cue to fetch a new one.
 * Tokens are kept in the state so they survive a restart with --state. */
#include "sandbox-paypal-internal.h"

#include <string.h>

static void paypal_oauth_error(SoupServerMessage *msg, guint status, const char *error,
                               const char *description)
{
    JsonObject *body = json_object_new();
    json_object_set_string_member(body, "error", error);
    json_object_set_string_member(body, "error_description", description);
    JsonNode *node = json_node_init_object(json_node_alloc(), body);
    sandbox_respond_json(msg, status, node);
    sandbox_log(PAYPAL_PROVIDER, "token refused: %s", error);
    json_node_unref(node);
    json_object_unref(body);
}

/* Do the Basic credentials name the sandbox's app? Compared as whole
 * strings; the secret is never logged. */
static gboolean paypal_basic_credentials_valid(const char *authorization)
{
    if (authorization == NULL || g_ascii_strncasecmp(authorization, "Basic ", 6) != 0)
        return FALSE;
    gsize len = 0;
    guchar *decoded = g_base64_decode(authorization + 6, &len);
    char *text = g_strndup((const char *)decoded, len);
    char *expected = g_strconcat(PAYPAL_CLIENT_ID, ":", PAYPAL_CLIENT_SECRET, NULL);
    gboolean valid = strlen(text) == len && strcmp(text, expected) == 0;
    g_free(expected);
    g_free(text);
    g_free(decoded);
    return valid;
}

void paypal_handle_token(SandboxServer *sb, SoupServerMessage *msg)
{
    if (strcmp(soup_server_message_get_method(msg), "POST") != 0) {
        paypal_respond_error(msg, 405, "METHOD_NOT_SUPPORTED", NULL, NULL, NULL);
        return;
    }
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
    if (!paypal_basic_credentials_valid(soup_message_headers_get_one(headers, "Authorization"))) {
        paypal_oauth_error(msg, 401, "invalid_client", "Client Authentication failed");
        return;
    }
    gsize len = 0;
    const char *body = sandbox_request_body(msg, &len);
    GHashTable *form = sandbox_form_decode(body != NULL ? body : "", len);
    const char *grant = form != NULL ? g_hash_table_lookup(form, "grant_type") : NULL;
    if (grant == NULL) {
        paypal_oauth_error(msg, 400, "unsupported_grant_type", "Grant Type is NULL");
    } else if (strcmp(grant, "client_credentials") != 0) {
        paypal_oauth_error(msg, 400, "unsupported_grant_type",
                           "Grant Type is not supported by this application");
    } else {
        char *token = sandbox_new_id("A21AA");
        gint64 now = sandbox_now_ms(sb);
        JsonObject *record = json_object_new();
        json_object_set_int_member(record, "expires_ms", now + PAYPAL_TOKEN_LIFETIME_S * 1000);
        json_object_set_object_member(paypal_table(sb, "tokens"), token, record);
        sandbox_state_changed(sb);

        char *nonce_time = paypal_time_text(now);
        char *nonce = g_strconcat(nonce_time, "tender-sandbox", NULL);
        JsonObject *answer = json_object_new();
        json_object_set_string_member(answer, "scope",
                                      "https://uri.paypal.com/services/payments/payment "
                                      "https://uri.paypal.com/services/payments/refund "
                                      "https://uri.paypal.com/services/applications/webhooks");
        json_object_set_string_member(answer, "access_token", token);
        json_object_set_string_member(answer, "token_type", "Bearer");
        json_object_set_string_member(answer, "app_id", "APP-TENDERSANDBOX01");
        json_object_set_int_member(answer, "expires_in", PAYPAL_TOKEN_LIFETIME_S);
        json_object_set_string_member(answer, "nonce", nonce);
        JsonNode *node = json_node_init_object(json_node_alloc(), answer);
        sandbox_respond_json(msg, 200, node);
        sandbox_log(PAYPAL_PROVIDER, "issued an access token for %s", PAYPAL_CLIENT_ID);
        json_node_unref(node);
        json_object_unref(answer);
        g_free(nonce);
        g_free(nonce_time);
        g_free(token);
    }
    if (form != NULL)
        g_hash_table_unref(form);
}

gboolean paypal_require_bearer(SandboxServer *sb, SoupServerMessage *msg)
{
    const char *authorization =
        soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
    if (authorization != NULL && g_ascii_strncasecmp(authorization, "Bearer ", 7) == 0) {
        JsonObject *tokens = paypal_table(sb, "tokens");
        const char *token = authorization + 7;
        if (json_object_has_member(tokens, token)) {
            JsonObject *record = json_object_get_object_member(tokens, token);
            if (sandbox_now_ms(sb) < json_object_get_int_member(record, "expires_ms"))
                return TRUE;
            /* Expired tokens are forgotten, as a cache would. */
            json_object_remove_member(tokens, token);
            sandbox_state_changed(sb);
        }
    }
    paypal_respond_error(msg, 401, "AUTHENTICATION_FAILURE", NULL, NULL, NULL);
    return FALSE;
}
