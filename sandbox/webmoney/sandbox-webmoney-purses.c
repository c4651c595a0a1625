/* Purses, passports, spending limits and transfers of the simulated
 * WebMoney.
 *
 * A purse belongs to one WMID; its letter fixes its currency, and money
 * moves only between purses of the same letter. A WMID's passport bounds
 * what its Z purses may spend in a rolling day, week and month
 * (METHODS.md: alias 100/300/500, formal 3,000/10,000/15,000, initial
 * 12,000/30,000/60,000 USD; personal and above unlimited).
 *
 * A transfer ("operation") record holds: tranid, pursesrc, pursedest,
 * amount, desc, datecrt and dateupd (Unix ms), opertype (0 done, 4
 * protected and still locked, 12 protection refused: the money went back),
 * and for protected transfers period (days), expires_ms, code_salt,
 * code_hash (SHA-256 of salt and code: the code itself is never kept),
 * attempts (wrong codes so far); refunded (hundredths returned by X14);
 * inwmtranid on a refund; wminvid on a payment-page payment. */
#include "sandbox-webmoney.h"

#include <string.h>

#define DAY_MS ((gint64)86400 * 1000)

JsonObject *wm_purse(SandboxServer *sb, const char *purse)
{
    JsonObject *purses = wm_state_object(sb, "purses");
    return purse != NULL && json_object_has_member(purses, purse)
               ? json_object_get_object_member(purses, purse)
               : NULL;
}

JsonObject *wm_wmid(SandboxServer *sb, const char *wmid)
{
    JsonObject *wmids = wm_state_object(sb, "wmids");
    return wmid != NULL && json_object_has_member(wmids, wmid)
               ? json_object_get_object_member(wmids, wmid)
               : NULL;
}

/* The Z-purse limits of a passport in whole USD: day, week, month; NULL
 * when it has none. */
static const gint64 *passport_limits(const char *passport)
{
    static const gint64 alias[3] = {100, 300, 500};
    static const gint64 formal[3] = {3000, 10000, 15000};
    static const gint64 initial[3] = {12000, 30000, 60000};
    if (g_strcmp0(passport, "alias") == 0)
        return alias;
    if (g_strcmp0(passport, "formal") == 0)
        return formal;
    if (g_strcmp0(passport, "initial") == 0)
        return initial;
    return NULL;
}

/* What the WMID's Z purses spent since since_ms. */
static gint64 spent_since(SandboxServer *sb, const char *wmid, gint64 since_ms)
{
    JsonObject *spent = wm_state_object(sb, "spent");
    if (!json_object_has_member(spent, wmid))
        return 0;
    JsonArray *entries = json_object_get_array_member(spent, wmid);
    gint64 total = 0;
    for (guint i = 0; i < json_array_get_length(entries); i++) {
        JsonArray *entry = json_array_get_array_element(entries, i);
        if (json_array_get_int_element(entry, 0) >= since_ms)
            total += json_array_get_int_element(entry, 1);
    }
    return total;
}

int wm_check_debit(SandboxServer *sb, const char *wmid, const char *purse_src,
                   const char *purse_dest, gint64 amount, const char **why)
{
    JsonObject *src = wm_purse(sb, purse_src);
    if (src == NULL) {
        *why = "pursesrc: no such purse";
        return 7;
    }
    if (strcmp(json_object_get_string_member(src, "wmid"), wmid) != 0) {
        *why = "pursesrc does not belong to this WMID";
        return 111;
    }
    JsonObject *owner = wm_wmid(sb, wmid);
    if (owner == NULL || json_object_get_boolean_member(owner, "blocked")) {
        *why = "the passport of this WMID is blocked";
        return 35;
    }
    JsonObject *dest = wm_purse(sb, purse_dest);
    if (dest == NULL) {
        *why = "pursedest: no such purse";
        return 6;
    }
    if (strcmp(purse_src, purse_dest) == 0) {
        *why = "pursesrc and pursedest are the same purse";
        return 26;
    }
    if (purse_src[0] != purse_dest[0]) {
        *why = "pursesrc and pursedest are of different types";
        return 29;
    }
    if (json_object_get_int_member(src, "balance") < amount) {
        *why = "not enough funds in pursesrc";
        return 17;
    }
    const gint64 *limits = passport_limits(json_object_get_string_member(owner, "passport"));
    if (purse_src[0] == 'Z' && limits != NULL) {
        gint64 now = sandbox_now_ms(sb);
        static const gint64 window_days[3] = {1, 7, 30};
        static const char *const window_names[3] = {
            "the passport's daily spending limit is exceeded",
            "the passport's weekly spending limit is exceeded",
            "the passport's monthly spending limit is exceeded"};
        for (int i = 0; i < 3; i++) {
            if (spent_since(sb, wmid, now - window_days[i] * DAY_MS) + amount > limits[i] * 100) {
                *why = window_names[i];
                return 58;
            }
        }
    }
    *why = "";
    return 0;
}

void wm_debit(SandboxServer *sb, const char *purse_src, gint64 amount)
{
    JsonObject *src = wm_purse(sb, purse_src);
    json_object_set_int_member(src, "balance", json_object_get_int_member(src, "balance") - amount);
    if (purse_src[0] == 'Z') {
        const char *wmid = json_object_get_string_member(src, "wmid");
        JsonObject *spent = wm_state_object(sb, "spent");
        if (!json_object_has_member(spent, wmid))
            json_object_set_array_member(spent, wmid, json_array_new());
        JsonArray *entry = json_array_new();
        json_array_add_int_element(entry, sandbox_now_ms(sb));
        json_array_add_int_element(entry, amount);
        json_array_add_array_element(json_object_get_array_member(spent, wmid), entry);
    }
    sandbox_state_changed(sb);
}

void wm_credit(SandboxServer *sb, const char *purse, gint64 amount)
{
    JsonObject *dest = wm_purse(sb, purse);
    json_object_set_int_member(dest, "balance",
                               json_object_get_int_member(dest, "balance") + amount);
    sandbox_state_changed(sb);
}

JsonObject *wm_operation_new(SandboxServer *sb, const char *wmtransid, const char *purse_src,
                             const char *purse_dest, gint64 amount, const char *desc)
{
    gint64 now = sandbox_now_ms(sb);
    JsonObject *op = json_object_new();
    json_object_set_string_member(op, "pursesrc", purse_src);
    json_object_set_string_member(op, "pursedest", purse_dest);
    json_object_set_int_member(op, "amount", amount);
    json_object_set_string_member(op, "desc", desc != NULL ? desc : "");
    json_object_set_int_member(op, "datecrt", now);
    json_object_set_int_member(op, "dateupd", now);
    json_object_set_int_member(op, "opertype", 0);
    json_object_set_int_member(op, "refunded", 0);
    json_object_set_object_member(wm_state_object(sb, "operations"), wmtransid, op);
    sandbox_state_changed(sb);
    return op;
}

JsonObject *wm_operation(SandboxServer *sb, const char *wmtransid)
{
    JsonObject *ops = wm_state_object(sb, "operations");
    if (wmtransid == NULL || !json_object_has_member(ops, wmtransid))
        return NULL;
    JsonObject *op = json_object_get_object_member(ops, wmtransid);
    /* The protection period ended with the code never entered: WebMoney
     * returns the money to the payer. Done lazily, when anyone looks. */
    if (json_object_get_int_member(op, "opertype") == 4 &&
        sandbox_now_ms(sb) >= json_object_get_int_member(op, "expires_ms")) {
        json_object_set_int_member(op, "opertype", 12);
        json_object_set_int_member(op, "dateupd", sandbox_now_ms(sb));
        wm_credit(sb, json_object_get_string_member(op, "pursesrc"),
                  json_object_get_int_member(op, "amount"));
        sandbox_log(WM_PROVIDER, "protected transfer %s expired: returned to the payer", wmtransid);
    }
    return op;
}

static void append_element(GString *out, const char *name, const char *text)
{
    char *escaped = g_markup_escape_text(text != NULL ? text : "", -1);
    g_string_append_printf(out, "<%s>%s</%s>", name, escaped, name);
    g_free(escaped);
}

void wm_operation_to_xml(SandboxServer *sb, GString *out, const char *wmtransid, JsonObject *op)
{
    (void)sb;
    char *amount = wm_amount_format(json_object_get_int_member(op, "amount"));
    char *datecrt = wm_date_format(json_object_get_int_member(op, "datecrt"));
    char *dateupd = wm_date_format(json_object_get_int_member(op, "dateupd"));
    char *opertype =
        g_strdup_printf("%" G_GINT64_FORMAT, json_object_get_int_member(op, "opertype"));
    char *period = g_strdup_printf("%" G_GINT64_FORMAT,
                                   json_object_get_int_member_with_default(op, "period", 0));
    g_string_append_printf(out, "<operation id=\"%s\" ts=\"%" G_GINT64_FORMAT "\">", wmtransid,
                           json_object_get_int_member(op, "datecrt"));
    append_element(out, "tranid", json_object_get_string_member_with_default(op, "tranid", "0"));
    append_element(out, "pursesrc", json_object_get_string_member(op, "pursesrc"));
    append_element(out, "pursedest", json_object_get_string_member(op, "pursedest"));
    append_element(out, "amount", amount);
    append_element(out, "comiss", "0");
    append_element(out, "opertype", opertype);
    append_element(out, "period", period);
    append_element(out, "wminvid", json_object_get_string_member_with_default(op, "wminvid", "0"));
    append_element(out, "orderid", json_object_get_string_member_with_default(op, "orderid", "0"));
    if (json_object_has_member(op, "inwmtranid"))
        append_element(out, "inwmtranid", json_object_get_string_member(op, "inwmtranid"));
    append_element(out, "desc", json_object_get_string_member(op, "desc"));
    append_element(out, "datecrt", datecrt);
    append_element(out, "dateupd", dateupd);
    g_string_append(out, "</operation>");
    g_free(period);
    g_free(opertype);
    g_free(dateupd);
    g_free(datecrt);
    g_free(amount);
}
