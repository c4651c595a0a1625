/* The WMID-signed XML interfaces: X2 (transfer, optionally protected by a
 * code), X3 (operations of a purse), X5 (finish a protected transfer with
 * its code) and X14 (fee-free refund of an incoming transfer).
 *
 * Each request is <w3s.request> with <reqn> (a number greater than the
 * WMID's previous one) and the operation's element. WebMoney authenticates
 * these in one of two ways, as documented:
 *   - Keeper WebPro (Light), at "…Cert.asp": the TLS client certificate is
 *     the signer, and the request carries neither <wmid> nor <sign>. The
 *     sandbox takes the WMID from the certificate's common name
 *     (sandbox-webmoney.c checks the certificate and adds it under
 *     WM_LIGHT_SIGNER before these handlers run).
 *   - Keeper WinPro, at "….asp": <wmid> and a WMSigner <sign>. WMSigner is
 *     a proprietary key format the sandbox does not simulate; it takes the
 *     form WebMoney offers for X18 instead: <sha256> = hex SHA-256 of the
 *     interface's documented sign string followed by the signer's secret
 *     key (docs/decisions.md, "WebMoney X-interface signatures"). A <sign>
 *     without <sha256> is refused.
 *
 * Every answer is HTTP 200 with <w3s.response><reqn/><retval/><retdesc/>
 * and, on success, the <operation>; retval 0 is success. */
#include "sandbox-webmoney.h"

#include <stdlib.h>
#include <string.h>

static const char *field(GHashTable *req, const char *name)
{
    const char *value = g_hash_table_lookup(req, name);
    return value != NULL ? value : "";
}

static void respond(SoupServerMessage *msg, GHashTable *req, int retval, const char *retdesc,
                    const GString *body)
{
    GString *xml = g_string_new("<?xml version=\"1.0\" encoding=\"utf-8\"?><w3s.response>");
    char *reqn = g_markup_escape_text(field(req, "reqn"), -1);
    char *desc = g_markup_escape_text(retdesc, -1);
    g_string_append_printf(xml, "<reqn>%s</reqn><retval>%d</retval><retdesc>%s</retdesc>", reqn,
                           retval, desc);
    if (body != NULL)
        g_string_append_len(xml, body->str, (gssize)body->len);
    g_string_append(xml, "</w3s.response>");
    g_free(desc);
    g_free(reqn);
    wm_respond_xml(msg, xml);
}

static gboolean digits_only(const char *s, gsize max_len)
{
    gsize n = strlen(s);
    if (n == 0 || n > max_len)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
    return TRUE;
}

/* Check the envelope: well-formed reqn and WMID, the sha256 over
 * sign_source + the WMID's secret key, and a reqn greater than the last
 * one. On failure it answers and returns FALSE. */
static gboolean authenticate(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req,
                             const char *sign_source)
{
    const char *reqn = field(req, "reqn"), *wmid = field(req, "wmid");
    gboolean light = g_hash_table_contains(req, WM_LIGHT_SIGNER);
    if (g_strcmp0(g_hash_table_lookup(req, ""), "w3s.request") != 0) {
        respond(msg, req, -1, "the root element must be w3s.request", NULL);
        return FALSE;
    }
    if (!digits_only(reqn, 15) || !wm_wmid_valid(wmid)) {
        respond(msg, req, -2, "reqn or wmid is malformed", NULL);
        return FALSE;
    }
    const char *secret = wm_secret_for_wmid(sb, wmid);
    if (secret == NULL) {
        respond(msg, req, -5, "unknown wmid", NULL);
        return FALSE;
    }
    if (light) {
        /* The certificate signed it; nothing more to check. */
    } else if (*field(req, "sha256") == '\0') {
        respond(msg, req, -4,
                *field(req, "sign") != '\0'
                    ? "WMSigner signatures are not simulated: sign with sha256 and the secret key"
                    : "the request is not signed",
                NULL);
        return FALSE;
    }
    char *source = light ? NULL : g_strconcat(sign_source, secret, NULL);
    char *expected = light ? NULL : wm_hex_digest(G_CHECKSUM_SHA256, source);
    gboolean good = light || wm_digest_matches(field(req, "sha256"), expected);
    g_free(expected);
    g_free(source);
    if (!good) {
        sandbox_log(WM_PROVIDER, "refused a request from WMID %s: wrong sha256", wmid);
        respond(msg, req, -4, "the signature is wrong", NULL);
        return FALSE;
    }
    JsonObject *last = wm_state_object(sb, "reqn");
    gint64 number = g_ascii_strtoll(reqn, NULL, 10);
    if (json_object_has_member(last, wmid) && number <= json_object_get_int_member(last, wmid)) {
        respond(msg, req, 102, "reqn must be greater than the previous request's", NULL);
        return FALSE;
    }
    json_object_set_int_member(last, wmid, number);
    sandbox_state_changed(sb);
    return TRUE;
}

static void respond_operation(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req,
                              int retval, const char *retdesc, const char *wmtransid,
                              JsonObject *op)
{
    GString *body = g_string_new(NULL);
    wm_operation_to_xml(sb, body, wmtransid, op);
    respond(msg, req, retval, retdesc, body);
    g_string_free(body, TRUE);
}

static char *code_hash(const char *salt, const char *code)
{
    char *source = g_strconcat(salt, code, NULL);
    char *hash = wm_hex_digest(G_CHECKSUM_SHA256, source);
    g_free(source);
    return hash;
}

/* ---- X2: transfer ----------------------------------------------------------- */

void wm_x2_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req)
{
    const char *tranid = field(req, "tranid"), *src = field(req, "pursesrc"),
               *dest = field(req, "pursedest"), *amount_text = field(req, "amount"),
               *period_text = field(req, "period"), *pcode = field(req, "pcode"),
               *desc = field(req, "desc"), *wminvid = field(req, "wminvid");
    char *sign_source = g_strconcat(field(req, "reqn"), tranid, src, dest, amount_text, period_text,
                                    pcode, desc, wminvid, NULL);
    gboolean ok = authenticate(sb, msg, req, sign_source);
    g_free(sign_source);
    if (!ok)
        return;

    const char *wmid = field(req, "wmid");
    gint64 amount = 0;
    gint64 period = *period_text ? g_ascii_strtoll(period_text, NULL, 10) : 0;
    if (!digits_only(tranid, 10) || g_ascii_strtoll(tranid, NULL, 10) <= 0 ||
        g_ascii_strtoll(tranid, NULL, 10) > G_MAXUINT32) {
        respond(msg, req, -2, "tranid must be a positive 32-bit number", NULL);
        return;
    }
    if (!wm_purse_valid(src) || !wm_purse_valid(dest)) {
        respond(msg, req, -2, "pursesrc and pursedest must be a letter and 12 digits", NULL);
        return;
    }
    if (!wm_amount_parse(amount_text, &amount)) {
        respond(msg, req, -2, "amount must be positive, at most 2 decimals, no trailing zeros",
                NULL);
        return;
    }
    if ((*period_text && !digits_only(period_text, 3)) || period < 0 ||
        period > WM_MAX_PROTECTION_DAYS) {
        respond(msg, req, -2, "period must be 0 to 255 days", NULL);
        return;
    }
    if ((period > 0) != (*pcode != '\0') || strlen(pcode) > 255) {
        respond(msg, req, -2, "a protection code (at most 255 characters) goes with a period",
                NULL);
        return;
    }
    if (strlen(desc) > 255) {
        respond(msg, req, -2, "desc is longer than 255 characters", NULL);
        return;
    }
    char *tranid_key = g_strdup_printf("%s/%s", wmid, tranid);
    JsonObject *tranids = wm_state_object(sb, "tranids");
    if (json_object_has_member(tranids, tranid_key)) {
        g_free(tranid_key);
        respond(msg, req, 103, "a transfer with this tranid was already made", NULL);
        return;
    }
    const char *why = NULL;
    int refused = wm_check_debit(sb, wmid, src, dest, amount, &why);
    if (refused != 0) {
        g_free(tranid_key);
        respond(msg, req, refused, why, NULL);
        return;
    }

    char *wmtransid = wm_next_number(sb);
    wm_debit(sb, src, amount);
    JsonObject *op = wm_operation_new(sb, wmtransid, src, dest, amount, desc);
    json_object_set_string_member(op, "tranid", tranid);
    json_object_set_string_member(op, "wminvid", *wminvid ? wminvid : "0");
    if (period > 0) {
        char *salt = sandbox_new_id("");
        char *hash = code_hash(salt, pcode);
        json_object_set_int_member(op, "opertype", 4);
        json_object_set_int_member(op, "period", period);
        json_object_set_int_member(op, "expires_ms",
                                   sandbox_now_ms(sb) +
                                       (gint64)(period * 86400000.0 / sandbox_time_scale(sb)));
        json_object_set_string_member(op, "code_salt", salt);
        json_object_set_string_member(op, "code_hash", hash);
        json_object_set_int_member(op, "attempts", 0);
        g_free(hash);
        g_free(salt);
    } else {
        wm_credit(sb, dest, amount);
    }
    json_object_set_string_member(tranids, tranid_key, wmtransid);
    sandbox_state_changed(sb);
    sandbox_log(WM_PROVIDER, "X2 %s: %s -> %s %s%s", wmtransid, src, dest, amount_text,
                period > 0 ? " (protected)" : "");
    respond_operation(sb, msg, req, 0, "", wmtransid, op);
    g_free(wmtransid);
    g_free(tranid_key);
}

/* ---- X5: finish a protected transfer --------------------------------------- */

void wm_x5_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req)
{
    const char *wmtranid = field(req, "wmtranid"), *pcode = field(req, "pcode");
    char *sign_source = g_strconcat(wmtranid, pcode, field(req, "reqn"), NULL);
    gboolean ok = authenticate(sb, msg, req, sign_source);
    g_free(sign_source);
    if (!ok)
        return;

    JsonObject *op = wm_operation(sb, wmtranid);
    if (op == NULL) {
        respond(msg, req, 8, "no such transfer", NULL);
        return;
    }
    JsonObject *dest = wm_purse(sb, json_object_get_string_member(op, "pursedest"));
    if (strcmp(json_object_get_string_member(dest, "wmid"), field(req, "wmid")) != 0) {
        respond(msg, req, 111, "only the recipient finishes a protected transfer", NULL);
        return;
    }
    if (json_object_get_int_member(op, "opertype") != 4) {
        respond_operation(sb, msg, req, 22, "the transfer is not awaiting a protection code",
                          wmtranid, op);
        return;
    }
    if (*pcode == '\0') {
        respond(msg, req, -2, "pcode is empty", NULL);
        return;
    }
    char *hash = code_hash(json_object_get_string_member(op, "code_salt"), pcode);
    gboolean right = wm_digest_matches(hash, json_object_get_string_member(op, "code_hash"));
    g_free(hash);
    json_object_set_int_member(op, "dateupd", sandbox_now_ms(sb));
    if (right) {
        json_object_set_int_member(op, "opertype", 0);
        wm_credit(sb, json_object_get_string_member(op, "pursedest"),
                  json_object_get_int_member(op, "amount"));
        sandbox_log(WM_PROVIDER, "X5 %s: released", wmtranid);
        respond_operation(sb, msg, req, 0, "", wmtranid, op);
        return;
    }
    gint64 attempts = json_object_get_int_member(op, "attempts") + 1;
    json_object_set_int_member(op, "attempts", attempts);
    sandbox_state_changed(sb);
    if (attempts >= WM_MAX_CODE_ATTEMPTS) {
        json_object_set_int_member(op, "opertype", 12);
        wm_credit(sb, json_object_get_string_member(op, "pursesrc"),
                  json_object_get_int_member(op, "amount"));
        sandbox_log(WM_PROVIDER, "X5 %s: too many wrong codes, returned to the payer", wmtranid);
        respond_operation(sb, msg, req, 21,
                          "too many wrong protection codes: the money went back to the payer",
                          wmtranid, op);
        return;
    }
    char *why = g_strdup_printf("wrong protection code: %d attempts left",
                                (int)(WM_MAX_CODE_ATTEMPTS - attempts));
    respond_operation(sb, msg, req, 20, why, wmtranid, op);
    g_free(why);
}

/* ---- X14: fee-free refund ---------------------------------------------------- */

void wm_x14_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req)
{
    const char *inwmtranid = field(req, "inwmtranid"), *amount_text = field(req, "amount");
    char *sign_source = g_strconcat(field(req, "reqn"), inwmtranid, amount_text, NULL);
    gboolean ok = authenticate(sb, msg, req, sign_source);
    g_free(sign_source);
    if (!ok)
        return;

    gint64 amount = 0;
    if (!wm_amount_parse(amount_text, &amount)) {
        respond(msg, req, -2, "amount must be positive, at most 2 decimals, no trailing zeros",
                NULL);
        return;
    }
    JsonObject *op = wm_operation(sb, inwmtranid);
    if (op == NULL || json_object_has_member(op, "inwmtranid")) {
        respond(msg, req, 8, "no such incoming transfer", NULL);
        return;
    }
    const char *merchant_purse = json_object_get_string_member(op, "pursedest");
    JsonObject *dest = wm_purse(sb, merchant_purse);
    if (strcmp(json_object_get_string_member(dest, "wmid"), field(req, "wmid")) != 0) {
        respond(msg, req, 111, "the transfer was not made to a purse of this WMID", NULL);
        return;
    }
    if (json_object_get_int_member(op, "opertype") != 0) {
        respond(msg, req, 22, "a protected transfer that was not finished cannot be refunded",
                NULL);
        return;
    }
    gint64 left =
        json_object_get_int_member(op, "amount") - json_object_get_int_member(op, "refunded");
    if (amount > left) {
        char *left_text = wm_amount_format(left);
        char *why = g_strdup_printf("amount exceeds what is left to refund (%s)", left_text);
        respond(msg, req, 13, why, NULL);
        g_free(why);
        g_free(left_text);
        return;
    }
    if (json_object_get_int_member(dest, "balance") < amount) {
        respond(msg, req, 17, "not enough funds in the purse to refund", NULL);
        return;
    }
    const char *payer_purse = json_object_get_string_member(op, "pursesrc");
    char *wmtransid = wm_next_number(sb);
    wm_debit(sb, merchant_purse, amount);
    wm_credit(sb, payer_purse, amount);
    char *desc = g_strdup_printf("refund of transfer %s", inwmtranid);
    JsonObject *refund = wm_operation_new(sb, wmtransid, merchant_purse, payer_purse, amount, desc);
    json_object_set_string_member(refund, "inwmtranid", inwmtranid);
    json_object_set_int_member(op, "refunded", json_object_get_int_member(op, "refunded") + amount);
    sandbox_state_changed(sb);
    sandbox_log(WM_PROVIDER, "X14 %s: refunded %s of %s", wmtransid, amount_text, inwmtranid);
    respond_operation(sb, msg, req, 0, "", wmtransid, refund);
    g_free(desc);
    g_free(wmtransid);
}

/* ---- X3: operations of a purse ----------------------------------------------- */

/* "YYYYMMDD HH:MM:SS" Moscow time to Unix ms; -1 when malformed. */
static gint64 parse_moscow_date(const char *text)
{
    int y, mo, d, h, mi, s;
    char tail;
    if (sscanf(text, "%4d%2d%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6)
        return -1;
    GDateTime *utc = g_date_time_new_utc(y, mo, d, h, mi, s);
    if (utc == NULL)
        return -1;
    gint64 ms = (g_date_time_to_unix(utc) - 3 * 3600) * 1000;
    g_date_time_unref(utc);
    return ms;
}

void wm_x3_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req)
{
    const char *purse = field(req, "purse");
    char *sign_source = g_strconcat(purse, field(req, "reqn"), NULL);
    gboolean ok = authenticate(sb, msg, req, sign_source);
    g_free(sign_source);
    if (!ok)
        return;

    JsonObject *record = wm_purse(sb, purse);
    if (record == NULL ||
        strcmp(json_object_get_string_member(record, "wmid"), field(req, "wmid")) != 0) {
        respond(msg, req, 111, "the purse does not belong to this WMID", NULL);
        return;
    }
    const char *want_id = field(req, "wmtranid"), *want_tranid = field(req, "tranid");
    gint64 start = *field(req, "datestart") ? parse_moscow_date(field(req, "datestart")) : 0;
    gint64 finish =
        *field(req, "datefinish") ? parse_moscow_date(field(req, "datefinish")) : G_MAXINT64;
    if (start < 0 || finish < 0) {
        respond(msg, req, -2, "datestart and datefinish are written YYYYMMDD HH:MM:SS", NULL);
        return;
    }

    JsonObject *ops = wm_state_object(sb, "operations");
    GList *ids = json_object_get_members(ops);
    GString *list = g_string_new(NULL);
    int count = 0;
    for (GList *l = ids; l != NULL; l = l->next) {
        JsonObject *op = wm_operation(sb, l->data);
        gint64 created = json_object_get_int_member(op, "datecrt");
        if (strcmp(json_object_get_string_member(op, "pursesrc"), purse) != 0 &&
            strcmp(json_object_get_string_member(op, "pursedest"), purse) != 0)
            continue;
        if (*want_id && strcmp(want_id, "0") != 0 && strcmp(want_id, l->data) != 0)
            continue;
        if (*want_tranid && strcmp(want_tranid, "0") != 0 &&
            g_strcmp0(want_tranid, json_object_get_string_member_with_default(op, "tranid", "")) !=
                0)
            continue;
        if (created < start || created >= finish)
            continue;
        wm_operation_to_xml(sb, list, l->data, op);
        count++;
    }
    g_list_free(ids);
    GString *body = g_string_new(NULL);
    g_string_append_printf(body, "<operations cnt=\"%d\">%s</operations>", count, list->str);
    respond(msg, req, 0, "", body);
    g_string_free(body, TRUE);
    g_string_free(list, TRUE);
}
