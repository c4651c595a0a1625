/* Checkout sessions: POST /v1/checkout-sessions creates one, GET
 * /v1/checkout-sessions/{id} tells the merchant how it ended, and the
 * pages (checkout-pages.c) read it and record its payment attempts.
 *
 * Storage: a session is one kept response in the ledger (scope
 * "checkout_session", key the session id, body its JSON), an attempt one
 * more (scope "checkout_attempt", key "<session>/<n>", body the payment
 * id). Kept responses are first-write-wins and durable when the put
 * returns, which is what both need: a session never changes after it is
 * created, and an attempt number names one payment forever. The ledger
 * drops kept responses after a day; a session expires well before. */
#include <string.h>
#include <sys/random.h>

#include <tender/sdk.h>

#include "checkout.h"
#include "tender-json.h"

#define SCOPE_SESSION "checkout_session"
#define SCOPE_ATTEMPT "checkout_attempt"
/* What the idempotency module keeps responses for; passing the same age
 * keeps the ledger's pruning the same whoever puts first. */
#define KEEP_MS ((gint64)86400 * 1000)

void checkout_session_free(CheckoutSession *s)
{
    if (s == NULL)
        return;
    g_free(s->id);
    g_free(s->amount);
    g_free(s->currency);
    g_free(s->region);
    g_free(s->account);
    g_free(s->tier);
    g_free(s->return_url);
    g_free(s->locale);
    g_free(s);
}

gboolean checkout_session_expired(const CheckoutSession *s)
{
    return g_get_real_time() / 1000 >= s->expires_ms;
}

static JsonNode *session_to_json(const CheckoutSession *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    tender_json_add_string(b, "id", s->id);
    tender_json_add_string(b, "amount", s->amount);
    tender_json_add_string(b, "currency", s->currency);
    tender_json_add_string(b, "region", s->region);
    tender_json_add_string(b, "account", s->account);
    tender_json_add_string(b, "tier", s->tier);
    tender_json_add_string(b, "return_url", s->return_url);
    tender_json_add_string(b, "locale", s->locale);
    json_builder_set_member_name(b, "capture");
    json_builder_add_boolean_value(b, s->capture);
    json_builder_set_member_name(b, "created_ms");
    json_builder_add_int_value(b, s->created_ms);
    json_builder_set_member_name(b, "expires_ms");
    json_builder_add_int_value(b, s->expires_ms);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static char *member_dup(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);
    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
        return NULL;
    return g_strdup(json_node_get_string(n));
}

static CheckoutSession *session_from_json(const char *text, gsize len)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, text, (gssize)len, NULL))
        return NULL;
    JsonNode *root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
        return NULL;
    JsonObject *o = json_node_get_object(root);
    CheckoutSession *s = g_new0(CheckoutSession, 1);
    s->id = member_dup(o, "id");
    s->amount = member_dup(o, "amount");
    s->currency = member_dup(o, "currency");
    s->region = member_dup(o, "region");
    s->account = member_dup(o, "account");
    s->tier = member_dup(o, "tier");
    s->return_url = member_dup(o, "return_url");
    s->locale = member_dup(o, "locale");
    s->capture = json_object_get_boolean_member_with_default(o, "capture", TRUE);
    s->created_ms = json_object_get_int_member_with_default(o, "created_ms", 0);
    s->expires_ms = json_object_get_int_member_with_default(o, "expires_ms", 0);
    if (!s->id || !s->amount || !s->currency || !s->region || !s->return_url) {
        checkout_session_free(s);
        return NULL;
    }
    if (s->locale == NULL)
        s->locale = g_strdup("en");
    return s;
}

/* Session ids reach us from browsers: refuse anything that is not one
 * before it gets near the ledger. */
static gboolean session_id_valid(const char *id)
{
    if (id == NULL || !g_str_has_prefix(id, "cs_") || strlen(id) != 35)
        return FALSE;
    for (const char *c = id + 3; *c; c++)
        if (!g_ascii_isxdigit(*c))
            return FALSE;
    return TRUE;
}

CheckoutSession *checkout_session_load(Service *svc, const char *id, GError **error)
{
    if (!session_id_valid(id))
        return NULL;
    TenderStoredResponse *kept =
        tender_host_stored_response_get(svc->host, SCOPE_SESSION, id, error);
    if (kept == NULL)
        return NULL;
    gsize len = 0;
    const char *text = g_bytes_get_data(kept->body, &len);
    CheckoutSession *s = session_from_json(text, len);
    tender_stored_response_free(kept);
    return s;
}

static gboolean put_text(Service *svc, const char *scope, const char *key, const char *text,
                         GError **error)
{
    TenderStoredResponse r = {
        .fingerprint = (char *)scope,
        .status = 200,
        .content_type = (char *)"application/json",
        .body = g_bytes_new(text, strlen(text)),
        .headers = (char *)"",
        .created_ms = g_get_real_time() / 1000,
    };
    gboolean ok = tender_host_stored_response_put(svc->host, scope, key, &r, KEEP_MS, error);
    g_bytes_unref(r.body);
    return ok;
}

char *checkout_random_hex(gsize n_bytes)
{
    guchar bytes[64];
    g_assert(n_bytes <= sizeof bytes);
    /* The kernel's CSPRNG: GLib's g_random (and so g_uuid_string_random)
     * is not meant for secrets, and these ids and tokens are. */
    if (getrandom(bytes, n_bytes, 0) != (ssize_t)n_bytes)
        g_error("getrandom failed");
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < n_bytes; i++)
        g_string_append_printf(s, "%02x", bytes[i]);
    explicit_bzero(bytes, sizeof bytes);
    return g_string_free(s, FALSE);
}

char *checkout_attempt_key(const CheckoutSession *s, int attempt)
{
    return g_strdup_printf("%s/%d", s->id, attempt);
}

char *checkout_latest_payment(Service *svc, const CheckoutSession *s, int *attempt_out,
                              GError **error)
{
    char *payment_id = NULL;
    *attempt_out = -1;
    for (int n = 0; n < CHECKOUT_MAX_ATTEMPTS; n++) {
        g_autofree char *key = checkout_attempt_key(s, n);
        GError *local = NULL;
        TenderStoredResponse *kept =
            tender_host_stored_response_get(svc->host, SCOPE_ATTEMPT, key, &local);
        if (local) {
            g_propagate_error(error, local);
            g_free(payment_id);
            return NULL;
        }
        if (kept == NULL)
            break;
        gsize len = 0;
        const char *data = g_bytes_get_data(kept->body, &len);
        g_free(payment_id);
        payment_id = g_strndup(data, len);
        *attempt_out = n;
        tender_stored_response_free(kept);
    }
    return payment_id;
}

gboolean checkout_record_payment(Service *svc, const CheckoutSession *s, int attempt,
                                 const char *payment_id, GError **error)
{
    g_autofree char *key = checkout_attempt_key(s, attempt);
    return put_text(svc, SCOPE_ATTEMPT, key, payment_id, error);
}

gboolean checkout_payment_is_final_or_open(const TenderPayment *p)
{
    return p->status != TENDER_STATUS_DECLINED && p->status != TENDER_STATUS_FAILED &&
           p->status != TENDER_STATUS_EXPIRED;
}

char *checkout_format_minor(gint64 minor, int exponent)
{
    char text[32];
    if (!tender_money_to_wire(minor, exponent, 0, text, sizeof text))
        return g_strdup("?");
    return g_strdup(text);
}

char *checkout_base_url(const ServiceRequest *req)
{
    const char *host = service_request_header(req, "Host");
    const char *proto = service_request_header(req, "X-Forwarded-Proto");
    gboolean tls = proto && g_ascii_strcasecmp(proto, "https") == 0;
    return g_strdup_printf("%s://%s", tls ? "https" : "http", host ? host : "127.0.0.1");
}

/* Only an absolute http(s) URL with a host: the buyer is sent there. */
static gboolean return_url_valid(const char *url)
{
    g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    if (uri == NULL || g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0')
        return FALSE;
    const char *scheme = g_uri_get_scheme(uri);
    return g_ascii_strcasecmp(scheme, "http") == 0 || g_ascii_strcasecmp(scheme, "https") == 0;
}

/* The answer about a session: its fields, the page's URL, its state and
 * the latest payment (null before the buyer paid). */
static void answer_session(Service *svc, const ServiceRequest *req, ServiceResponse *resp,
                           const CheckoutSession *s)
{
    GError *error = NULL;
    int attempt = -1;
    g_autofree char *payment_id = checkout_latest_payment(svc, s, &attempt, &error);
    if (error) {
        service_error_from_gerror(resp, error, NULL);
        g_error_free(error);
        return;
    }
    TenderPayment *p = payment_id ? tender_host_get(svc->host, payment_id, NULL) : NULL;
    JsonNode *node = session_to_json(s);
    JsonObject *o = json_node_get_object(node);
    json_object_remove_member(o, "created_ms");
    json_object_remove_member(o, "expires_ms");
    g_autofree char *base = checkout_base_url(req);
    g_autofree char *url = g_strdup_printf("%s/checkout/%s", base, s->id);
    g_autofree char *created = tender_json_iso_time(s->created_ms);
    g_autofree char *expires = tender_json_iso_time(s->expires_ms);
    json_object_set_string_member(o, "url", url);
    json_object_set_string_member(o, "created_at", created);
    json_object_set_string_member(o, "expires_at", expires);
    const char *state = "open";
    if (p && checkout_payment_is_final_or_open(p) && p->status != TENDER_STATUS_REQUIRES_ACTION)
        state = "complete";
    else if (checkout_session_expired(s))
        state = "expired";
    json_object_set_string_member(o, "status", state);
    json_object_set_int_member(o, "attempts", attempt + 1);
    if (p)
        json_object_set_member(o, "payment", tender_json_payment(p));
    else
        json_object_set_null_member(o, "payment");
    tender_payment_free(p);
    service_response_json(resp, 200, node);
}

void routes_checkout_session_create(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    static const FieldSpec fields[] = {{"amount", FIELD_STRING, TRUE},
                                       {"currency", FIELD_STRING, TRUE},
                                       {"region", FIELD_STRING, TRUE},
                                       {"account", FIELD_STRING, FALSE},
                                       {"tier", FIELD_STRING, FALSE},
                                       {"return_url", FIELD_STRING, TRUE},
                                       {"locale", FIELD_STRING, FALSE},
                                       {"capture", FIELD_BOOLEAN, FALSE},
                                       {NULL, 0, FALSE}};
    g_autoptr(JsonObject) body = service_parse_body(req, fields, resp);
    if (body == NULL)
        return;
    const char *return_url = service_field_string(body, "return_url");
    if (!return_url_valid(return_url)) {
        service_error(resp, 400, "invalid_request_error", "parameter_invalid",
                      "return_url must be an absolute http or https URL", "return_url", NULL);
        return;
    }
    const char *locale = service_field_string(body, "locale");
    if (locale && strcmp(locale, "en") != 0 && strcmp(locale, "zh") != 0) {
        service_error(resp, 400, "invalid_request_error", "parameter_invalid",
                      "locale must be \"en\" or \"zh\"", "locale", NULL);
        return;
    }
    /* The quote checks the order as a payment would (amount, currency,
     * region, tier): a session that could never be paid is refused now. */
    TenderBuyer buyer = {.struct_size = sizeof buyer,
                         .region = service_field_string(body, "region"),
                         .currency = service_field_string(body, "currency"),
                         .amount = service_field_string(body, "amount"),
                         .account = service_field_string(body, "account"),
                         .tier = service_field_string(body, "tier")};
    GError *error = NULL;
    GPtrArray *quotes = tender_host_quote(svc->host, &buyer, &error);
    if (quotes == NULL) {
        service_error_from_gerror(resp, error, NULL);
        g_error_free(error);
        return;
    }
    g_ptr_array_unref(quotes);

    CheckoutSession s = {0};
    g_autofree char *random = checkout_random_hex(16);
    s.id = g_strconcat("cs_", random, NULL);
    s.amount = (char *)buyer.amount;
    s.currency = (char *)buyer.currency;
    s.region = (char *)buyer.region;
    s.account = (char *)buyer.account;
    s.tier = (char *)buyer.tier;
    s.return_url = (char *)return_url;
    s.locale = (char *)(locale ? locale : "en");
    s.capture = json_object_has_member(body, "capture")
                    ? json_object_get_boolean_member(body, "capture")
                    : TRUE;
    s.created_ms = g_get_real_time() / 1000;
    s.expires_ms = s.created_ms + (gint64)CHECKOUT_SESSION_SECONDS * 1000;

    JsonNode *node = session_to_json(&s);
    g_autofree char *text = json_to_string(node, FALSE);
    json_node_unref(node);
    if (!put_text(svc, SCOPE_SESSION, s.id, text, &error)) {
        service_error_from_gerror(resp, error, NULL);
        g_error_free(error);
    } else {
        answer_session(svc, req, resp, &s);
    }
    g_free(s.id);
}

void routes_checkout_session_get(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    GError *error = NULL;
    g_autoptr(CheckoutSession) s = checkout_session_load(svc, req->path_arg, &error);
    if (error) {
        service_error_from_gerror(resp, error, NULL);
        g_error_free(error);
        return;
    }
    if (s == NULL) {
        service_error(resp, 404, "invalid_request_error", "resource_missing",
                      "no such checkout session", "id", NULL);
        return;
    }
    answer_session(svc, req, resp, s);
}
