/* WebMoney's XML interfaces as the merchant calls them, through the host's
 * http service only.
 *
 *  X18 (merchant.request, <endpoint>/conf/xml/XMLTransGet.asp): a payment
 *      made through the Merchant Interface, signed as WebMoney documents it:
 *      <sha256> = SHA-256 of wmid + lmi_payee_purse + lmi_payment_no +
 *      secret key.
 *  X3, X5, X14 (w3s.request, <x endpoint>/asp/…): operations of a purse,
 *      finishing a protected transfer, refunding a transfer. WebMoney
 *      authenticates these with a WMSigner signature (Keeper WinPro) at
 *      "….asp", or with the Keeper WebPro (Light) client certificate at
 *      "…Cert.asp", where the request carries neither <wmid> nor <sign>:
 *      the certificate names the WMID. With auth "light" the plugin uses
 *      the latter; the host presents the certificate (settings
 *      tls_client_cert, tls_client_key). With auth "sha256" it signs them
 *      the way X18 is signed, a SHA-256 of the interface's sign string
 *      followed by the secret key, which only tender-sandbox accepts
 *      (docs/decisions.md, "WebMoney X-interface signatures").
 *
 * Every answer is HTTP 200 and XML with a <retval>; anything else after the
 * request left (a 5xx, a dropped connection, a body that is not such XML)
 * is an unknown outcome: a guess could refund twice or lose a payment. */
#include <string.h>

#include "webmoney.h"

#define X18_PATH "/conf/xml/XMLTransGet.asp"
/* Each X-interface's name; ".asp" or, for Light, "Cert.asp" follows. */
#define X3_PATH "/asp/XMLOperations"
#define X5_PATH "/asp/XMLFinishProtect"
#define X14_PATH "/asp/XMLTransMoneyback"

void wm_x_reply_clear(wm_x_reply *reply)
{
    if (reply->operations)
        g_ptr_array_unref(reply->operations);
    memset(reply, 0, sizeof *reply);
}

const char *wm_x_get(wm_x_element *element, const char *name)
{
    const char *value = element ? g_hash_table_lookup(element, name) : NULL;
    return value ? value : "";
}

/* ---- reading an answer ---------------------------------------------------- */

/* The parse: leaf texts of the root go to top, those inside an <operation>
 * to that operation's table. */
typedef struct {
    GHashTable *top;
    GPtrArray *operations;
    wm_x_element *current; /* the open <operation>, or NULL */
    GString *text;
    int depth;
} answer_parse;

static wm_x_element *element_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void on_start(GMarkupParseContext *ctx, const char *name, const char **attr_names,
                     const char **attr_values, gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    answer_parse *p = data;
    p->depth++;
    g_string_truncate(p->text, 0);
    if (strcmp(name, "operation") == 0 && p->current == NULL) {
        p->current = element_new();
        for (size_t i = 0; attr_names[i]; i++)
            g_hash_table_replace(p->current, g_strconcat("@", attr_names[i], NULL),
                                 g_strdup(attr_values[i]));
        g_ptr_array_add(p->operations, p->current);
    }
}

static void on_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    answer_parse *p = data;
    p->depth--;
    if (strcmp(name, "operation") == 0 && p->current) {
        p->current = NULL;
        return;
    }
    GHashTable *into = p->current ? p->current : p->top;
    if (!g_hash_table_contains(into, name))
        g_hash_table_replace(into, g_strdup(name), g_strdup(p->text->str));
    g_string_truncate(p->text, 0);
}

static void on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
                    GError **error)
{
    (void)ctx;
    (void)error;
    answer_parse *p = data;
    g_string_append_len(p->text, text, (gssize)len);
}

/* Read a <w3s.response> or <merchant.response> into reply. */
static void read_answer(const char *body, size_t len, wm_x_reply *reply)
{
    static const GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
    answer_parse p = {element_new(), g_ptr_array_new_with_free_func(
                                         (GDestroyNotify)g_hash_table_unref),
                      NULL, g_string_new(NULL), 0};
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
    GError *error = NULL;
    gboolean ok = body && len > 0 && g_markup_parse_context_parse(ctx, body, (gssize)len, &error) &&
                  g_markup_parse_context_end_parse(ctx, &error);
    const char *retval = g_hash_table_lookup(p.top, "retval");
    gint64 number = 0;
    if (ok && retval && (retval[0] == '-' ? tender_all_digits(retval + 1) && retval[1]
                                          : tender_all_digits(retval)) &&
        strlen(retval) < 10) {
        number = g_ascii_strtoll(retval, NULL, 10);
        reply->kind = WM_X_ANSWER;
        reply->retval = (int)number;
        tender_copy_string(reply->retdesc, sizeof reply->retdesc,
                           g_hash_table_lookup(p.top, "retdesc")
                               ? (const char *)g_hash_table_lookup(p.top, "retdesc")
                               : "");
        reply->operations = g_ptr_array_ref(p.operations);
    } else {
        reply->kind = WM_X_UNKNOWN;
        tender_format_string(reply->message, sizeof reply->message,
                             "WebMoney's answer is not an X-interface response%s%s",
                             error ? ": " : "", error ? error->message : "");
    }
    g_clear_error(&error);
    g_markup_parse_context_free(ctx);
    g_ptr_array_unref(p.operations);
    g_hash_table_unref(p.top);
    g_string_free(p.text, TRUE);
}

/* ---- sending a request ---------------------------------------------------- */

static void call(const wm_instance *wm, const char *base, const char *path, GString *xml,
                 wm_x_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    const tender_host_services *host = wm->host;
    if (!wm->has_http) {
        reply->kind = WM_X_NOT_SENT;
        tender_copy_string(reply->message, sizeof reply->message,
                           "not sent: the host lends no http service (ABI 1.1)");
        return;
    }
    char url[WM_ENDPOINT_MAX + 64];
    g_snprintf(url, sizeof url, "%s%s", base, path);
    tender_http_header headers[] = {
        {"Content-Type", "text/xml; charset=utf-8"},
        {"Accept", "text/xml"},
    };
    tender_http_response res;
    uint32_t outcome = tender_http_exchange(host, wm->method_id, "POST", url, headers,
                                            TENDER_N_ELEMENTS(headers), xml->str, xml->len, &res);
    if (outcome == TENDER_HTTP_RESPONSE && res.status == 200) {
        read_answer(res.body, res.body_len, reply);
    } else if (outcome == TENDER_HTTP_RESPONSE && res.status == 403 && wm->light &&
               base == wm->x_endpoint) {
        /* A "…Cert.asp" interface refuses a missing, untrusted or expired
         * client certificate with 403 before reading the request: nothing
         * was done, and no retry mends it. Read as WebMoney's own refusal
         * of the signer (-4), which the operations map to
         * authentication_failed. */
        reply->kind = WM_X_ANSWER;
        reply->retval = -4;
        tender_copy_string(reply->retdesc, sizeof reply->retdesc,
                           "WebMoney refused the client certificate (HTTP 403): check "
                           "tls_client_cert and tls_client_key");
    } else if (outcome == TENDER_HTTP_RESPONSE) {
        reply->kind = WM_X_UNKNOWN;
        tender_format_string(reply->message, sizeof reply->message,
                             "WebMoney answered HTTP %d", res.status);
    } else if (outcome == TENDER_HTTP_NOT_SENT) {
        reply->kind = WM_X_NOT_SENT;
        tender_format_string(reply->message, sizeof reply->message, "not sent: %s", res.message);
    } else {
        reply->kind = WM_X_UNKNOWN;
        tender_format_string(reply->message, sizeof reply->message, "no answer from WebMoney: %s",
                             res.message);
    }
    tender_http_release(host, &res);
    /* The body may carry a protection code. */
    memset(xml->str, 0, xml->allocated_len);
    if (reply->kind != WM_X_ANSWER)
        tender_log(host, TENDER_LOG_WARNING, wm->method_id, "%s: %s", path, reply->message);
}

/* reqn must grow for every request of the WMID, across processes: the wall
 * clock in tenths of a millisecond (15 digits, WebMoney's most), or one
 * more than the last. Called under x_lock. */
static void next_reqn(wm_instance *wm, char out[24])
{
    gint64 now = g_get_real_time() / 100;
    wm->last_reqn = now > wm->last_reqn ? now : wm->last_reqn + 1;
    g_snprintf(out, 24, "%" G_GINT64_FORMAT, wm->last_reqn);
}

/* Lower-case hex SHA-256 of the parts followed by the secret key. */
static void sign(const wm_instance *wm, const char *const *parts, char out[65])
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    for (size_t i = 0; parts[i]; i++)
        g_checksum_update(sum, (const guchar *)parts[i], (gssize)strlen(parts[i]));
    g_checksum_update(sum, (const guchar *)wm->secret_key, (gssize)strlen(wm->secret_key));
    tender_checksum_hex(sum, 0, out, 65);
    g_checksum_free(sum);
}

static void element(GString *xml, const char *name, const char *text)
{
    char *escaped = g_markup_escape_text(text ? text : "", -1);
    g_string_append_printf(xml, "<%s>%s</%s>", name, escaped, name);
    g_free(escaped);
}

/* Where reqn goes among a request's sign parts. */
#define REQN ((const char *)1)

/* Times a request is signed again with a fresh reqn when WebMoney answers
 * 102 (reqn not above the WMID's last): concurrent requests of one WMID
 * may arrive out of order, and a 102 request did nothing. */
#define REQN_TRIES 5

/* Send a <w3s.request>: reqn, then (auth "sha256") wmid and the sha256
 * over parts (the interface's sign string, REQN where reqn goes), then the
 * operation's element (payload, wiped afterwards: it may carry a protection
 * code). With auth "light" the client certificate is the signature. */
static void w3s_call(wm_instance *wm, const char *interface, const char *const *parts,
                     GString *payload, wm_x_reply *reply)
{
    char path[64];
    g_snprintf(path, sizeof path, "%s%s", interface, wm->light ? "Cert.asp" : ".asp");
    /* One at a time: a later reqn must not overtake an earlier one. */
    g_mutex_lock(&wm->x_lock);
    for (int attempt = 0; attempt < REQN_TRIES; attempt++) {
        char reqn[24], hash[65];
        next_reqn(wm, reqn);
        const char *signed_parts[8];
        size_t n = 0;
        for (; parts[n] && n < G_N_ELEMENTS(signed_parts) - 1; n++)
            signed_parts[n] = parts[n] == REQN ? reqn : parts[n];
        signed_parts[n] = NULL;
        GString *xml = g_string_new("<?xml version=\"1.0\" encoding=\"utf-8\"?><w3s.request>");
        element(xml, "reqn", reqn);
        if (!wm->light) {
            sign(wm, signed_parts, hash);
            element(xml, "wmid", wm->merchant_wmid);
            element(xml, "sha256", hash);
        }
        g_string_append_len(xml, payload->str, (gssize)payload->len);
        g_string_append(xml, "</w3s.request>");
        call(wm, wm->x_endpoint, path, xml, reply);
        g_string_free(xml, TRUE);
        if (reply->kind != WM_X_ANSWER || reply->retval != 102 || attempt == REQN_TRIES - 1)
            break;
        wm_x_reply_clear(reply);
    }
    g_mutex_unlock(&wm->x_lock);
    memset(payload->str, 0, payload->allocated_len);
}

void wm_x18_payment(wm_instance *wm, const char *payee, uint32_t payment_no, wm_x_reply *reply)
{
    char no[16], hash[65];
    g_snprintf(no, sizeof no, "%u", payment_no);
    const char *parts[] = {wm->merchant_wmid, payee, no, NULL};
    sign(wm, parts, hash);
    GString *xml = g_string_new("<?xml version=\"1.0\" encoding=\"utf-8\"?><merchant.request>");
    element(xml, "wmid", wm->merchant_wmid);
    element(xml, "lmi_payee_purse", payee);
    element(xml, "lmi_payment_no", no);
    element(xml, "lmi_payment_no_type", "0");
    element(xml, "sha256", hash);
    g_string_append(xml, "</merchant.request>");
    call(wm, wm->endpoint, X18_PATH, xml, reply);
    g_string_free(xml, TRUE);
}

void wm_x3_operations(wm_instance *wm, const char *purse, const char *wmtranid,
                      wm_x_reply *reply)
{
    const char *parts[] = {purse, REQN, NULL};
    GString *payload = g_string_new("<getoperations>");
    element(payload, "purse", purse);
    element(payload, "wmtranid", wmtranid ? wmtranid : "0");
    element(payload, "tranid", "0");
    element(payload, "wminvid", "0");
    element(payload, "orderid", "0");
    element(payload, "datestart", "");
    element(payload, "datefinish", "");
    g_string_append(payload, "</getoperations>");
    w3s_call(wm, X3_PATH, parts, payload, reply);
    g_string_free(payload, TRUE);
}

void wm_x5_finish(wm_instance *wm, const char *wmtranid, const char *code, wm_x_reply *reply)
{
    const char *parts[] = {wmtranid, code, REQN, NULL};
    GString *payload = g_string_new("<finishprotect>");
    element(payload, "wmtranid", wmtranid);
    element(payload, "pcode", code);
    g_string_append(payload, "</finishprotect>");
    w3s_call(wm, X5_PATH, parts, payload, reply);
    g_string_free(payload, TRUE);
}

void wm_x14_refund(wm_instance *wm, const char *inwmtranid, const char *amount_wire,
                   wm_x_reply *reply)
{
    const char *parts[] = {REQN, inwmtranid, amount_wire, NULL};
    GString *payload = g_string_new("<trans>");
    element(payload, "inwmtranid", inwmtranid);
    element(payload, "amount", amount_wire);
    g_string_append(payload, "</trans>");
    w3s_call(wm, X14_PATH, parts, payload, reply);
    g_string_free(payload, TRUE);
}

void wm_x_unknown(const wm_instance *wm, const char *what, const wm_x_reply *reply,
                  tender_result *res)
{
    char why[TENDER_RESULT_MESSAGE_MAX];
    g_snprintf(why, sizeof why, "%s: %s", what, reply->message);
    tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN,
                          reply->kind == WM_X_NOT_SENT ? "not_sent" : "no_answer", why);
    tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id, "%s: outcome unknown (%s)", what,
               reply->message);
}

int wm_refunded_total(wm_instance *wm, const char *purse, const char *wmtranid, int exponent,
                      int64_t *total, tender_result *res)
{
    wm_x_reply reply;
    wm_x3_operations(wm, purse, NULL, &reply);
    if (reply.kind == WM_X_ANSWER && reply.retval != 0) {
        /* WebMoney refused the merchant (-4 signature, -5 WMID, 111 purse):
         * the settings are wrong, which no retry mends. */
        char raw[16];
        g_snprintf(raw, sizeof raw, "%d", reply.retval);
        tender_result_decline(res, TENDER_DECLINE_AUTHENTICATION_FAILED, raw,
                              "X3 refused the merchant (retval %d: %s); check the settings "
                              "merchant_wmid, purse and %s",
                              reply.retval, reply.retdesc,
                              wm->light ? "tls_client_cert/tls_client_key" : "secret_key");
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id, "X3 refused: retval %d",
                   reply.retval);
        wm_x_reply_clear(&reply);
        return -1;
    }
    if (reply.kind != WM_X_ANSWER) {
        wm_x_unknown(wm, "X3 operations", &reply, res);
        wm_x_reply_clear(&reply);
        return 0;
    }
    int64_t sum = 0;
    for (guint i = 0; i < reply.operations->len; i++) {
        wm_x_element *op = g_ptr_array_index(reply.operations, i);
        int64_t amount = 0;
        if (strcmp(wm_x_get(op, "inwmtranid"), wmtranid) == 0 &&
            strcmp(wm_x_get(op, "pursesrc"), purse) == 0 &&
            tender_money_from_wire(wm_x_get(op, "amount"), exponent, &amount))
            sum += amount;
    }
    *total = sum;
    wm_x_reply_clear(&reply);
    return 1;
}
