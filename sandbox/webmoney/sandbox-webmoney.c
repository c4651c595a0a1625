/* The simulated WebMoney: the provider entry (install, settings, keys), the
 * checked-in test accounts, the state's shape and the small formats every
 * interface shares (amounts, Moscow dates, hex digests, purse and WMID
 * syntax).
 *
 * Paths mirror WebMoney's own under the "/webmoney" prefix:
 *   /webmoney/lmi/payment_utf.asp (also /webmoney/pay)  payment page
 *   /webmoney/conf/xml/XMLTransGet.asp                   X18
 *   /webmoney/asp/XMLTrans.asp                           X2
 *   /webmoney/asp/XMLOperations.asp                      X3
 *   /webmoney/asp/XMLFinishProtect.asp                   X5
 *   /webmoney/asp/XMLTransMoneyback.asp                  X14
 *   /webmoney/asp/XMLOperationsCert.asp, XMLFinishProtectCert.asp,
 *   XMLTransMoneybackCert.asp: X3, X5, X14 for Keeper WebPro (Light),
 *   authenticated by the TLS client certificate (--tls-dir, --client-ca) */
#include "sandbox-webmoney.h"

#include <string.h>

#include <gio/gio.h>

#include "sandbox-pki.h"

#define WM_ACCOUNTS_RESOURCE "/org/tender/sandbox/webmoney/webmoney-accounts.json"

static JsonParser *accounts_parser;

JsonObject *wm_accounts(void)
{
    if (accounts_parser == NULL) {
        GBytes *bytes =
            g_resources_lookup_data(WM_ACCOUNTS_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
        /* The file is compiled in: failing to read it is a build error,
         * not something a request can cause. */
        g_assert(bytes != NULL);
        gsize len = 0;
        const char *data = g_bytes_get_data(bytes, &len);
        accounts_parser = json_parser_new();
        gboolean parsed = json_parser_load_from_data(accounts_parser, data, (gssize)len, NULL);
        g_assert(parsed);
        g_bytes_unref(bytes);
    }
    return json_node_get_object(json_parser_get_root(accounts_parser));
}

static JsonObject *merchant_account(void)
{
    return json_object_get_object_member(wm_accounts(), "merchant");
}

const char *wm_merchant_wmid(void)
{
    return json_object_get_string_member(merchant_account(), "wmid");
}

const char *wm_merchant_secret(void)
{
    return json_object_get_string_member(merchant_account(), "secret_key");
}

/* ---- State ---------------------------------------------------------------
 *
 * sandbox_state(sb, "webmoney") holds:
 *   wmids      WMID -> {passport, blocked, secret_key}
 *   purses     purse -> {wmid, balance (hundredths)}
 *   spent      WMID -> [[unix_ms, hundredths], ...]  Z-purse spending
 *   operations wmtransid -> a transfer (see sandbox-webmoney-purses.c)
 *   tranids    "WMID/tranid" -> wmtransid             X2's uniqueness
 *   reqn       WMID -> the last request number accepted
 *   invoices   LMI_SYS_INVS_NO -> a payment-page invoice
 *   payments   "purse/LMI_PAYMENT_NO" -> LMI_SYS_INVS_NO of the paid one
 *   next       the last number handed out
 * The accounts are copied in once, so balances move and survive a restart
 * with --state. */

JsonObject *wm_state(SandboxServer *sb)
{
    return sandbox_state(sb, WM_PROVIDER);
}

JsonObject *wm_state_object(SandboxServer *sb, const char *name)
{
    JsonObject *state = wm_state(sb);
    if (!json_object_has_member(state, name))
        json_object_set_object_member(state, name, json_object_new());
    return json_object_get_object_member(state, name);
}

static void seed_account(SandboxServer *sb, JsonObject *account)
{
    const char *wmid = json_object_get_string_member(account, "wmid");
    JsonObject *record = json_object_new();
    json_object_set_string_member(record, "passport",
                                  json_object_get_string_member(account, "passport"));
    json_object_set_boolean_member(
        record, "blocked", json_object_get_boolean_member_with_default(account, "blocked", FALSE));
    json_object_set_string_member(record, "secret_key",
                                  json_object_get_string_member(account, "secret_key"));
    json_object_set_object_member(wm_state_object(sb, "wmids"), wmid, record);

    JsonObject *purses = json_object_get_object_member(account, "purses");
    GList *names = json_object_get_members(purses);
    for (GList *l = names; l != NULL; l = l->next) {
        gint64 balance = 0;
        gboolean ok = wm_amount_parse(json_object_get_string_member(purses, l->data), &balance) ||
                      g_strcmp0(json_object_get_string_member(purses, l->data), "0") == 0;
        g_assert(ok);
        JsonObject *purse = json_object_new();
        json_object_set_string_member(purse, "wmid", wmid);
        json_object_set_int_member(purse, "balance", balance);
        json_object_set_object_member(wm_state_object(sb, "purses"), l->data, purse);
    }
    g_list_free(names);
}

static void seed_state(SandboxServer *sb)
{
    if (json_object_has_member(wm_state(sb), "wmids"))
        return;
    seed_account(sb, merchant_account());
    JsonArray *payers = json_object_get_array_member(wm_accounts(), "payers");
    for (guint i = 0; i < json_array_get_length(payers); i++)
        seed_account(sb, json_array_get_object_element(payers, i));
    json_object_set_int_member(wm_state(sb), "next", 1000000000);
    sandbox_state_changed(sb);
}

const char *wm_secret_for_wmid(SandboxServer *sb, const char *wmid)
{
    JsonObject *record = wm_wmid(sb, wmid);
    return record != NULL ? json_object_get_string_member(record, "secret_key") : NULL;
}

char *wm_next_number(SandboxServer *sb)
{
    JsonObject *state = wm_state(sb);
    gint64 next = json_object_get_int_member_with_default(state, "next", 1000000000) + 1;
    json_object_set_int_member(state, "next", next);
    sandbox_state_changed(sb);
    return g_strdup_printf("%" G_GINT64_FORMAT, next);
}

/* ---- Formats -------------------------------------------------------------- */

gboolean wm_amount_parse(const char *text, gint64 *hundredths)
{
    if (text == NULL || !g_ascii_isdigit(text[0]))
        return FALSE;
    const char *p = text;
    gint64 whole = 0;
    for (; g_ascii_isdigit(*p); p++) {
        if (whole > G_MAXINT64 / 1000)
            return FALSE;
        whole = whole * 10 + (*p - '0');
    }
    /* "007" is not how WebMoney writes 7. */
    if (text[0] == '0' && p - text > 1)
        return FALSE;
    gint64 fraction = 0;
    if (*p == '.') {
        const char *f = ++p;
        for (; g_ascii_isdigit(*p); p++)
            ;
        gsize digits = (gsize)(p - f);
        if (digits == 0 || digits > 2 || f[digits - 1] == '0')
            return FALSE;
        fraction = (f[0] - '0') * 10 + (digits == 2 ? f[1] - '0' : 0);
    }
    if (*p != '\0')
        return FALSE;
    gint64 total = whole * 100 + fraction;
    if (total <= 0)
        return FALSE;
    *hundredths = total;
    return TRUE;
}

char *wm_amount_format(gint64 hundredths)
{
    gint64 whole = hundredths / 100, fraction = hundredths % 100;
    if (fraction == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT, whole);
    if (fraction % 10 == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT ".%d", whole, (int)(fraction / 10));
    return g_strdup_printf("%" G_GINT64_FORMAT ".%02d", whole, (int)fraction);
}

char *wm_date_format(gint64 unix_ms)
{
    GDateTime *utc = g_date_time_new_from_unix_utc(unix_ms / 1000);
    GDateTime *moscow = g_date_time_add_hours(utc, 3);
    char *text = g_date_time_format(moscow, "%Y%m%d %H:%M:%S");
    g_date_time_unref(moscow);
    g_date_time_unref(utc);
    return text;
}

char *wm_hex_digest(GChecksumType type, const char *text)
{
    return g_compute_checksum_for_string(type, text, -1);
}

gboolean wm_digest_matches(const char *received, const char *expected_lower_hex)
{
    if (received == NULL)
        return FALSE;
    gsize n = strlen(expected_lower_hex);
    if (strlen(received) != n)
        return FALSE;
    unsigned char diff = 0;
    for (gsize i = 0; i < n; i++)
        diff |= (unsigned char)(g_ascii_tolower(received[i]) ^ expected_lower_hex[i]);
    return diff == 0;
}

static gboolean all_digits(const char *s, gsize n)
{
    if (strlen(s) != n)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
    return TRUE;
}

gboolean wm_purse_valid(const char *purse)
{
    return purse != NULL && g_ascii_isupper(purse[0]) && all_digits(purse + 1, 12);
}

gboolean wm_wmid_valid(const char *wmid)
{
    return wmid != NULL && all_digits(wmid, 12);
}

/* ---- Routing ---------------------------------------------------------------- */

typedef void (*XHandler)(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req);

static const struct {
    const char *path;
    XHandler handle;
    gboolean light; /* Keeper WebPro: the client certificate signs */
} x_interfaces[] = {
    {"/webmoney/conf/xml/XMLTransGet.asp", wm_x18_handle, FALSE},
    {"/webmoney/asp/XMLTrans.asp", wm_x2_handle, FALSE},
    {"/webmoney/asp/XMLOperations.asp", wm_x3_handle, FALSE},
    {"/webmoney/asp/XMLFinishProtect.asp", wm_x5_handle, FALSE},
    {"/webmoney/asp/XMLTransMoneyback.asp", wm_x14_handle, FALSE},
    {"/webmoney/asp/XMLOperationsCert.asp", wm_x3_handle, TRUE},
    {"/webmoney/asp/XMLFinishProtectCert.asp", wm_x5_handle, TRUE},
    {"/webmoney/asp/XMLTransMoneybackCert.asp", wm_x14_handle, TRUE},
};

/* A Light request's signer: the WMID of a valid client certificate, or
 * NULL after answering 403 as WebMoney's certificate servers do (IIS's
 * 403.7 "client certificate required", 403.16/17 untrusted or expired),
 * before the request is read. */
static char *light_signer(SandboxServer *sb, SoupServerMessage *msg)
{
    g_autoptr(GError) error = NULL;
    char *wmid = sandbox_client_identity(sb, msg, &error);
    if (wmid == NULL) {
        sandbox_log(WM_PROVIDER, "refused a Light request: %s", error->message);
        g_autofree char *text = g_strdup_printf("403 Forbidden: %s\n", error->message);
        sandbox_respond(msg, 403, "text/plain", text, strlen(text));
    }
    return wmid;
}

/* Light requests carry neither <wmid> nor <sign> (WebMoney's XML
 * interfaces overview): the certificate is both. */
static gboolean light_envelope_ok(GHashTable *req)
{
    static const char *const absent[] = {"wmid", "sign", "sha256"};
    for (gsize i = 0; i < G_N_ELEMENTS(absent); i++)
        if (g_hash_table_contains(req, absent[i]))
            return FALSE;
    return TRUE;
}

static void handle_request(SoupServer *server, SoupServerMessage *msg, const char *path,
                           GHashTable *query, gpointer user_data)
{
    (void)server;
    (void)query;
    SandboxServer *sb = user_data;

    if (g_str_has_prefix(path, "/webmoney/pay") ||
        g_str_has_prefix(path, "/webmoney/lmi/payment")) {
        wm_page_handle(sb, msg, path);
        return;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(x_interfaces); i++) {
        if (strcmp(path, x_interfaces[i].path) != 0)
            continue;
        if (strcmp(soup_server_message_get_method(msg), "POST") != 0) {
            sandbox_respond(msg, 405, "text/plain", "POST only\n", 10);
            return;
        }
        g_autofree char *signer = NULL;
        if (x_interfaces[i].light && (signer = light_signer(sb, msg)) == NULL)
            return;
        gsize len = 0;
        const char *body = sandbox_request_body(msg, &len);
        GHashTable *req = wm_xml_parse(body, len);
        if (req == NULL) {
            /* WebMoney answers a request it cannot read with retval -1
             * ("incorrect request format") inside a normal 200 answer. */
            GString *xml = g_string_new(NULL);
            g_string_append(xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?><w3s.response>"
                                 "<retval>-1</retval><retdesc>the request is not well-formed "
                                 "XML</retdesc></w3s.response>");
            wm_respond_xml(msg, xml);
            return;
        }
        if (signer != NULL) {
            if (!light_envelope_ok(req)) {
                GString *xml = g_string_new(NULL);
                g_string_append(xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?><w3s.response>"
                                     "<retval>-1</retval><retdesc>a request to a Cert.asp "
                                     "interface carries no wmid and no sign: the client "
                                     "certificate is the signer</retdesc></w3s.response>");
                wm_respond_xml(msg, xml);
                g_hash_table_unref(req);
                return;
            }
            g_hash_table_replace(req, g_strdup("wmid"), g_steal_pointer(&signer));
            g_hash_table_replace(req, g_strdup(WM_LIGHT_SIGNER), g_strdup("1"));
        }
        x_interfaces[i].handle(sb, msg, req);
        g_hash_table_unref(req);
        return;
    }
    sandbox_respond(msg, 404, "text/plain", "no such WebMoney interface\n", 27);
}

/* The test merchant's Keeper WebPro certificate, issued by the sandbox's
 * CA into --tls-dir: its common name is the WMID it signs for, as
 * WebMoney's are. The key is encrypted, as a certificate exported from
 * WebMoney is, so the passphrase setting is exercised. */
#define WM_WEBPRO_CERT "webmoney-merchant.pem"
#define WM_WEBPRO_KEY "webmoney-merchant-key.pem"
#define WM_WEBPRO_PASSPHRASE "tender-sandbox-webpro-passphrase"

static void issue_merchant_certificate(SandboxServer *sb)
{
    const SandboxTls *tls = sandbox_tls(sb);
    if (tls->dir == NULL || tls->ca_key == NULL || tls->client_ca == NULL)
        return;
    g_autofree char *cert = g_build_filename(tls->dir, WM_WEBPRO_CERT, NULL);
    g_autofree char *key = g_build_filename(tls->dir, WM_WEBPRO_KEY, NULL);
    const SandboxPkiLeaf leaf = {
        .common_name = wm_merchant_wmid(),
        .not_before_s = -3600,
        .not_after_s = 365L * 24 * 3600,
        .passphrase = WM_WEBPRO_PASSPHRASE,
    };
    g_autoptr(GError) error = NULL;
    if (!sandbox_pki_issue(tls->client_ca, tls->ca_key, &leaf, cert, key, &error))
        sandbox_log(WM_PROVIDER, "no merchant client certificate: %s", error->message);
}

static void webmoney_install(SandboxServer *sb)
{
    seed_state(sb);
    issue_merchant_certificate(sb);
    sandbox_add_handler(sb, "/webmoney", handle_request, sb);
}

static char *merchant_purse_list(void)
{
    JsonObject *purses = json_object_get_object_member(merchant_account(), "purses");
    GList *names = json_object_get_members(purses);
    GString *list = g_string_new(NULL);
    for (GList *l = names; l != NULL; l = l->next)
        g_string_append_printf(list, "%s%s", list->len ? "," : "", (const char *)l->data);
    g_list_free(names);
    return g_string_free(list, FALSE);
}

static void webmoney_write_settings(SandboxServer *sb, JsonObject *settings)
{
    char *endpoint = g_strdup_printf("%s/webmoney", sandbox_base_url(sb));
    char *purses = merchant_purse_list();
    json_object_set_string_member(settings, "endpoint", endpoint);
    json_object_set_string_member(settings, "mode", "sandbox");
    json_object_set_string_member(settings, "merchant_wmid", wm_merchant_wmid());
    json_object_set_string_member(settings, "purse", purses);
    json_object_set_string_member(settings, "secret_key", wm_merchant_secret());
    /* With a client CA the sandbox speaks Light, WebMoney's own way; over
     * plain HTTP only its sha256 form is left. */
    const SandboxTls *tls = sandbox_tls(sb);
    json_object_set_string_member(settings, "auth", tls->client_ca ? "light" : "sha256");
    if (tls->client_ca && tls->dir && tls->ca_key) {
        g_autofree char *cert = g_build_filename(tls->dir, WM_WEBPRO_CERT, NULL);
        g_autofree char *key = g_build_filename(tls->dir, WM_WEBPRO_KEY, NULL);
        json_object_set_string_member(settings, "tls_client_cert", cert);
        json_object_set_string_member(settings, "tls_client_key", key);
        json_object_set_string_member(settings, "tls_client_key_passphrase",
                                      WM_WEBPRO_PASSPHRASE);
    }
    if (sandbox_webhook_base(sb) != NULL) {
        char *result = g_strdup_printf("%s/v1/webhooks/webmoney", sandbox_webhook_base(sb));
        json_object_set_string_member(settings, "result_url", result);
        g_free(result);
    }
    g_free(purses);
    g_free(endpoint);
}

static void webmoney_print_keys(FILE *out)
{
    char *purses = merchant_purse_list();
    fprintf(out,
            "webmoney (test values, never use them live)\n"
            "  merchant WMID       %s\n"
            "  merchant purses     %s\n"
            "  secret key          %s   (LMI_HASH, X18 sha256/md5, X-interface sha256)\n"
            "  Keeper WebPro       with --tls-dir DIR: DIR/" WM_WEBPRO_CERT " (CN = the WMID),\n"
            "                      DIR/" WM_WEBPRO_KEY ", passphrase " WM_WEBPRO_PASSPHRASE "\n"
            "                      (auth \"light\": X3/X5/X14 at …Cert.asp)\n",
            wm_merchant_wmid(), purses, wm_merchant_secret());
    JsonArray *payers = json_object_get_array_member(wm_accounts(), "payers");
    fprintf(out, "  test payers (WMID, passport, secret key, purses):\n");
    for (guint i = 0; i < json_array_get_length(payers); i++) {
        JsonObject *payer = json_array_get_object_element(payers, i);
        GList *names = json_object_get_members(json_object_get_object_member(payer, "purses"));
        fprintf(out, "    %s %-8s %s%s ", json_object_get_string_member(payer, "wmid"),
                json_object_get_string_member(payer, "passport"),
                json_object_get_string_member(payer, "secret_key"),
                json_object_get_boolean_member_with_default(payer, "blocked", FALSE) ? " BLOCKED"
                                                                                     : "");
        for (GList *l = names; l != NULL; l = l->next)
            fprintf(out, " %s", (const char *)l->data);
        fputc('\n', out);
        g_list_free(names);
    }
    g_free(purses);
}

const SandboxProvider sandbox_webmoney_provider = {
    .name = "webmoney",
    .prefix = "/webmoney",
    .install = webmoney_install,
    .write_settings = webmoney_write_settings,
    .print_keys = webmoney_print_keys,
};
