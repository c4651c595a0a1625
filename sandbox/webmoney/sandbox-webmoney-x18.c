/* X18: a merchant asks for the details of a payment made through the
 * Merchant Interface (merchant.webmoney.ru/conf/xml/XMLTransGet.asp).
 *
 * The request is <merchant.request> with <wmid> (the merchant's WMID, which
 * owns the purse), <lmi_payee_purse>, <lmi_payment_no>,
 * <lmi_payment_no_type> (0 or absent: the merchant's LMI_PAYMENT_NO; 1:
 * LMI_SYS_INVS_NO; 2: LMI_SYS_TRANS_NO) and one proof of identity. X18
 * takes a WMSigner <sign> or, when the merchant enabled it, a hash with
 * the purse's secret key: <sha256> or <md5> = hex digest of wmid +
 * lmi_payee_purse + lmi_payment_no + secret key. The sandbox takes the two
 * hashes; a <sign> alone is refused (WMSigner is not simulated).
 *
 * Only a completed payment is found. For a number that was tried and
 * failed, the answer also carries an <errorlog> naming the failure. */
#include "sandbox-webmoney.h"

#include <string.h>

static const char *field(GHashTable *req, const char *name)
{
    const char *value = g_hash_table_lookup(req, name);
    return value != NULL ? value : "";
}

static void append_element(GString *out, const char *name, const char *text)
{
    char *escaped = g_markup_escape_text(text != NULL ? text : "", -1);
    g_string_append_printf(out, "<%s>%s</%s>", name, escaped, name);
    g_free(escaped);
}

static void respond(SoupServerMessage *msg, int retval, const char *retdesc, const GString *body)
{
    GString *xml = g_string_new("<?xml version=\"1.0\" encoding=\"utf-8\"?><merchant.response>");
    if (body != NULL)
        g_string_append_len(xml, body->str, (gssize)body->len);
    g_string_append_printf(xml, "<retval>%d</retval>", retval);
    append_element(xml, "retdesc", retdesc);
    g_string_append(xml, "</merchant.response>");
    wm_respond_xml(msg, xml);
}

static gboolean hash_matches(GHashTable *req, const char *secret)
{
    char *source = g_strconcat(field(req, "wmid"), field(req, "lmi_payee_purse"),
                               field(req, "lmi_payment_no"), secret, NULL);
    gboolean good = FALSE;
    if (*field(req, "sha256") != '\0') {
        char *expected = wm_hex_digest(G_CHECKSUM_SHA256, source);
        good = wm_digest_matches(field(req, "sha256"), expected);
        g_free(expected);
    } else if (*field(req, "md5") != '\0') {
        char *expected = wm_hex_digest(G_CHECKSUM_MD5, source);
        good = wm_digest_matches(field(req, "md5"), expected);
        g_free(expected);
    }
    g_free(source);
    return good;
}

/* The invoice the request names, or NULL. */
static JsonObject *find_invoice(SandboxServer *sb, GHashTable *req, const char **invs_no)
{
    const char *purse = field(req, "lmi_payee_purse"), *number = field(req, "lmi_payment_no");
    const char *type = field(req, "lmi_payment_no_type");
    JsonObject *invoices = wm_state_object(sb, "invoices");
    if (*type == '\0' || strcmp(type, "0") == 0) {
        /* The paid invoice for this payment number, else the last one tried. */
        char *key = g_strdup_printf("%s/%s", purse, number);
        JsonObject *paid = wm_state_object(sb, "payments");
        JsonObject *tried = wm_state_object(sb, "attempts");
        const char *id = json_object_has_member(paid, key)
                             ? json_object_get_string_member(paid, key)
                             : json_object_get_string_member_with_default(tried, key, NULL);
        g_free(key);
        *invs_no = id;
        return id != NULL ? json_object_get_object_member(invoices, id) : NULL;
    }
    if (strcmp(type, "1") == 0) {
        *invs_no = number;
        return json_object_has_member(invoices, number)
                   ? json_object_get_object_member(invoices, number)
                   : NULL;
    }
    if (strcmp(type, "2") == 0) {
        GList *ids = json_object_get_members(invoices);
        JsonObject *found = NULL;
        for (GList *l = ids; l != NULL && found == NULL; l = l->next) {
            JsonObject *inv = json_object_get_object_member(invoices, l->data);
            if (g_strcmp0(json_object_get_string_member_with_default(inv, "trans_no", NULL),
                          number) == 0) {
                found = inv;
                *invs_no = json_object_get_string_member(inv, "invs_no");
            }
        }
        g_list_free(ids);
        return found;
    }
    return NULL;
}

static void append_operation(GString *out, const char *invs_no, JsonObject *inv)
{
    char *amount = wm_amount_format(json_object_get_int_member(inv, "amount"));
    char *date = wm_date_format(json_object_get_int_member(inv, "trans_date"));
    g_string_append_printf(out, "<operation wmtransid=\"%s\" wminvoiceid=\"%s\">",
                           json_object_get_string_member(inv, "trans_no"), invs_no);
    append_element(out, "amount", amount);
    append_element(out, "operdate", date);
    append_element(out, "purpose", json_object_get_string_member(inv, "desc"));
    append_element(out, "pursefrom", json_object_get_string_member(inv, "payer_purse"));
    append_element(out, "wmidfrom", json_object_get_string_member(inv, "payer_wm"));
    append_element(out, "hold_period", "0");
    append_element(out, "hold_state", "0");
    append_element(out, "capitallerflag", "0");
    append_element(out, "enumflag", "0");
    append_element(out, "IPAddress", "127.0.0.1");
    append_element(out, "telepat_phone", "");
    append_element(out, "telepat_paytype", "");
    append_element(out, "paymer_number", "");
    append_element(out, "paymer_email", "");
    append_element(out, "paymer_type", "");
    append_element(out, "cashier_number", "");
    append_element(out, "cashier_date", "");
    append_element(out, "cashier_amount", "");
    append_element(out, "sdp_type", "0");
    g_string_append(out, "</operation>");
    g_free(date);
    g_free(amount);
}

static void append_errorlog(GString *out, GHashTable *req, JsonObject *inv)
{
    char *created = wm_date_format(json_object_get_int_member(inv, "created"));
    char *updated = wm_date_format(json_object_get_int_member(inv, "updated"));
    char *purse = g_markup_escape_text(field(req, "lmi_payee_purse"), -1);
    char *number = g_markup_escape_text(json_object_get_string_member(inv, "payment_no"), -1);
    g_string_append_printf(out, "<errorlog lmi_payee_purse=\"%s\" lmi_payment_no=\"%s\">", purse,
                           number);
    append_element(out, "datecrt", created);
    append_element(out, "dateupd", updated);
    append_element(out, "p_type", "0");
    append_element(out, "err_code",
                   json_object_get_string_member_with_default(inv, "err_code", "0"));
    append_element(out, "att", json_object_get_string_member_with_default(inv, "err_text", ""));
    g_string_append(out, "</errorlog>");
    g_free(number);
    g_free(purse);
    g_free(updated);
    g_free(created);
}

void wm_x18_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req)
{
    if (g_strcmp0(g_hash_table_lookup(req, ""), "merchant.request") != 0) {
        respond(msg, -1, "the root element must be merchant.request", NULL);
        return;
    }
    const char *wmid = field(req, "wmid"), *purse = field(req, "lmi_payee_purse");
    const char *number = field(req, "lmi_payment_no");
    if (!wm_wmid_valid(wmid) || !wm_purse_valid(purse) || *number == '\0') {
        respond(msg, -2, "wmid, lmi_payee_purse or lmi_payment_no is malformed", NULL);
        return;
    }
    JsonObject *record = wm_purse(sb, purse);
    if (record == NULL || strcmp(json_object_get_string_member(record, "wmid"), wmid) != 0) {
        respond(msg, -4, "the purse does not belong to this WMID", NULL);
        return;
    }
    if (*field(req, "sha256") == '\0' && *field(req, "md5") == '\0') {
        respond(msg, -8,
                *field(req, "sign") != '\0'
                    ? "WMSigner signatures are not simulated: send sha256 or md5"
                    : "the request carries no sha256 or md5",
                NULL);
        return;
    }
    /* The secret key is the merchant's (one for all its purses here). */
    const char *secret = wm_secret_for_wmid(sb, wmid);
    if (secret == NULL || !hash_matches(req, secret)) {
        sandbox_log(WM_PROVIDER, "X18 refused for purse %s: wrong hash", purse);
        respond(msg, -8, "the hash is wrong", NULL);
        return;
    }
    const char *invs_no = NULL;
    JsonObject *inv = find_invoice(sb, req, &invs_no);
    if (inv != NULL && g_strcmp0(json_object_get_string_member(inv, "payee_purse"), purse) != 0)
        inv = NULL;
    if (inv != NULL && g_strcmp0(json_object_get_string_member(inv, "state"), "paid") == 0) {
        GString *body = g_string_new(NULL);
        append_operation(body, invs_no, inv);
        respond(msg, 0, "", body);
        g_string_free(body, TRUE);
        return;
    }
    GString *body = g_string_new(NULL);
    if (inv != NULL)
        append_errorlog(body, req, inv);
    respond(msg, 8, "no completed payment with this number", body);
    g_string_free(body, TRUE);
}
