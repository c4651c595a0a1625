/* Alipay trades, the test buyers' wallets, and the money and time formats
 * of the open platform.
 *
 * A trade is made by alipay.trade.page.pay / wap.pay / precreate and waits
 * for its buyer (WAIT_BUYER_PAY). Like Alipay, the sandbox only shows it to
 * alipay.trade.query / close / refund once a buyer has opened its cashier
 * (logged in, or scanned the QR code): before that they answer
 * ACQ.TRADE_NOT_EXIST. Paid, it is TRADE_SUCCESS until its refund period
 * (three months) ends (TRADE_FINISHED), or until it is fully refunded
 * (TRADE_CLOSED). Unpaid, it closes at its timeout_express (TRADE_CLOSED).
 * Waiting is measured on sandbox_now_ms and divided by --time-scale. */
#include "sandbox-alipay.h"

#include <stdlib.h>
#include <string.h>

/* How long a paid trade stays refundable: Alipay's default refund period
 * is three months; 90 days here. */
#define REFUND_PERIOD_MS ((gint64)90 * 24 * 3600 * 1000)
/* A buyer's yearly limits count the payments of the last 365 days. */
#define YEAR_MS ((gint64)365 * 24 * 3600 * 1000)

/* The test buyers. The password is the sandbox accounts' usual 111111.
 * Limits on wallet-balance payments by real-name class: I 1,000 CNY since
 * the account opened, II 100,000 CNY a year, III 200,000 CNY a year. */
const SandboxAlipayBuyer sandbox_alipay_buyers[] = {
    {"2088102100000031", "buyer-iii@sandbox.alipay.test", "111111", 3, 50000000},
    {"2088102100000021", "buyer-ii@sandbox.alipay.test", "111111", 2, 50000000},
    {"2088102100000011", "buyer-i@sandbox.alipay.test", "111111", 1, 500000},
    {"2088102100000099", "buyer-poor@sandbox.alipay.test", "111111", 2, 1000},
};
const gsize sandbox_alipay_n_buyers = G_N_ELEMENTS(sandbox_alipay_buyers);

const SandboxAlipayBuyer *sandbox_alipay_buyer_by_logon(const char *logon_id)
{
    for (gsize i = 0; i < sandbox_alipay_n_buyers; i++)
        if (logon_id != NULL && strcmp(sandbox_alipay_buyers[i].logon_id, logon_id) == 0)
            return &sandbox_alipay_buyers[i];
    return NULL;
}

char *sandbox_alipay_mask_logon_id(const char *logon_id)
{
    const char *at = strchr(logon_id, '@');
    gsize keep = at != NULL ? (gsize)MIN(at - logon_id, 3) : MIN(strlen(logon_id), 3);
    return g_strdup_printf("%.*s***%s", (int)keep, logon_id, at != NULL ? at : "");
}

/* ---- Money and time ------------------------------------------------------ */

gboolean sandbox_alipay_parse_amount(const char *text, gint64 *fen)
{
    if (text == NULL || !g_ascii_isdigit(text[0]))
        return FALSE;
    gint64 whole = 0;
    const char *p = text;
    for (; g_ascii_isdigit(*p); p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > 1000000000000)
            return FALSE;
    }
    gint64 cents = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        for (; g_ascii_isdigit(*p) && digits < 2; p++, digits++)
            cents = cents * 10 + (*p - '0');
        if (digits == 0)
            return FALSE;
        if (digits == 1)
            cents *= 10;
    }
    if (*p != '\0')
        return FALSE;
    *fen = whole * 100 + cents;
    return TRUE;
}

char *sandbox_alipay_format_amount(gint64 fen)
{
    return g_strdup_printf("%" G_GINT64_FORMAT ".%02d", fen / 100, (int)(fen % 100));
}

static GDateTime *beijing_time(gint64 unix_ms)
{
    GTimeZone *tz = g_time_zone_new_offset(8 * 3600);
    GDateTime *utc = g_date_time_new_from_unix_utc(unix_ms / 1000);
    GDateTime *local = g_date_time_to_timezone(utc, tz);
    g_date_time_unref(utc);
    g_time_zone_unref(tz);
    return local;
}

char *sandbox_alipay_beijing_time(gint64 unix_ms, gboolean with_millis)
{
    GDateTime *t = beijing_time(unix_ms);
    char *text = g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
    g_date_time_unref(t);
    if (!with_millis)
        return text;
    char *out = g_strdup_printf("%s.%03d", text, (int)(unix_ms % 1000));
    g_free(text);
    return out;
}

gboolean sandbox_alipay_valid_timestamp(const char *text)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    if (text == NULL || strlen(text) != sizeof shape - 1)
        return FALSE;
    for (gsize i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !g_ascii_isdigit(text[i]) : text[i] != shape[i])
            return FALSE;
    int month = atoi(text + 5), day = atoi(text + 8);
    int hour = atoi(text + 11), minute = atoi(text + 14), second = atoi(text + 17);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
           second <= 59;
}

gboolean sandbox_alipay_parse_timeout(const char *text, gint64 created_ms, gint64 *timeout_ms)
{
    gsize len = text != NULL ? strlen(text) : 0;
    if (len < 2 || len > 6 || text[0] == '0')
        return FALSE;
    gint64 n = 0;
    for (gsize i = 0; i + 1 < len; i++) {
        if (!g_ascii_isdigit(text[i]))
            return FALSE;
        n = n * 10 + (text[i] - '0');
    }
    gint64 unit;
    switch (text[len - 1]) {
    case 'm':
        unit = 60000;
        break;
    case 'h':
        unit = 3600000;
        break;
    case 'd':
        unit = 86400000;
        break;
    case 'c': {
        /* "1c": until the coming midnight, Beijing time. */
        if (n != 1)
            return FALSE;
        GDateTime *now = beijing_time(created_ms);
        gint64 into_day = ((gint64)g_date_time_get_hour(now) * 3600 +
                           g_date_time_get_minute(now) * 60 + g_date_time_get_second(now)) *
                              1000 +
                          created_ms % 1000;
        g_date_time_unref(now);
        *timeout_ms = 86400000 - into_day;
        return TRUE;
    }
    default:
        return FALSE;
    }
    gint64 ms = n * unit;
    if (ms < 60000 || ms > (gint64)15 * 86400000)
        return FALSE;
    *timeout_ms = ms;
    return TRUE;
}

/* ---- Trades ---------------------------------------------------------------- */

/* The state's object member name, created when absent. */
static JsonObject *state_object(SandboxServer *sb, const char *name)
{
    JsonObject *state = sandbox_state(sb, SANDBOX_ALIPAY_PROVIDER);
    if (!json_object_has_member(state, name))
        json_object_set_object_member(state, name, json_object_new());
    return json_object_get_object_member(state, name);
}

JsonObject *sandbox_alipay_trade_by_out_trade_no(SandboxServer *sb, const char *out_trade_no)
{
    JsonObject *trades = state_object(sb, "trades");
    if (out_trade_no == NULL || !json_object_has_member(trades, out_trade_no))
        return NULL;
    return json_object_get_object_member(trades, out_trade_no);
}

static JsonObject *trade_by_index(SandboxServer *sb, const char *index, const char *key)
{
    JsonObject *map = state_object(sb, index);
    if (key == NULL || !json_object_has_member(map, key))
        return NULL;
    return sandbox_alipay_trade_by_out_trade_no(sb, json_object_get_string_member(map, key));
}

JsonObject *sandbox_alipay_trade_by_trade_no(SandboxServer *sb, const char *trade_no)
{
    return trade_by_index(sb, "trade_nos", trade_no);
}

JsonObject *sandbox_alipay_trade_by_token(SandboxServer *sb, const char *token)
{
    return trade_by_index(sb, "tokens", token);
}

/* Alipay's 28-digit trade number: the Beijing date, a product code and a
 * serial. The serial is random here (unique within the state). */
static char *new_trade_no(SandboxServer *sb, gint64 now_ms)
{
    GDateTime *t = beijing_time(now_ms);
    char *date = g_date_time_format(t, "%Y%m%d");
    g_date_time_unref(t);
    for (;;) {
        GString *no = g_string_new(date);
        g_string_append(no, "2200");
        for (int i = 0; i < 16; i++)
            g_string_append_c(no, (char)('0' + g_random_int_range(0, 10)));
        if (sandbox_alipay_trade_by_trade_no(sb, no->str) == NULL) {
            g_free(date);
            return g_string_free(no, FALSE);
        }
        g_string_free(no, TRUE);
    }
}

JsonObject *sandbox_alipay_trade_create(SandboxServer *sb, const char *out_trade_no,
                                        const char *product, const char *subject, gint64 total_fen,
                                        gint64 timeout_ms, const char *return_url,
                                        const char *notify_url)
{
    gint64 now = sandbox_now_ms(sb);
    char *trade_no = new_trade_no(sb, now);
    char *token = sandbox_new_id("bax");
    JsonObject *trade = json_object_new();
    json_object_set_string_member(trade, "out_trade_no", out_trade_no);
    json_object_set_string_member(trade, "trade_no", trade_no);
    json_object_set_string_member(trade, "product", product);
    json_object_set_string_member(trade, "subject", subject);
    json_object_set_int_member(trade, "total_fen", total_fen);
    json_object_set_string_member(trade, "status", "WAIT_BUYER_PAY");
    json_object_set_boolean_member(trade, "scanned", FALSE);
    json_object_set_int_member(trade, "created_ms", now);
    json_object_set_int_member(trade, "expire_ms",
                               now + (gint64)((double)timeout_ms / sandbox_time_scale(sb)));
    json_object_set_string_member(trade, "return_url", return_url != NULL ? return_url : "");
    json_object_set_string_member(trade, "notify_url", notify_url != NULL ? notify_url : "");
    json_object_set_string_member(trade, "token", token);
    json_object_set_int_member(trade, "refunded_fen", 0);
    json_object_set_object_member(trade, "refunds", json_object_new());
    json_object_set_object_member(state_object(sb, "trades"), out_trade_no, trade);
    json_object_set_string_member(state_object(sb, "trade_nos"), trade_no, out_trade_no);
    json_object_set_string_member(state_object(sb, "tokens"), token, out_trade_no);
    sandbox_state_changed(sb);
    g_free(trade_no);
    g_free(token);
    return trade;
}

char *sandbox_alipay_trade_cashier_url(SandboxServer *sb, JsonObject *trade)
{
    return g_strconcat(sandbox_base_url(sb), "/alipay/cashier/",
                       json_object_get_string_member(trade, "token"), NULL);
}

void sandbox_alipay_trade_close(SandboxServer *sb, JsonObject *trade)
{
    json_object_set_string_member(trade, "status", "TRADE_CLOSED");
    json_object_set_int_member(trade, "closed_ms", sandbox_now_ms(sb));
    sandbox_state_changed(sb);
    if (json_object_get_boolean_member(trade, "scanned"))
        sandbox_alipay_notify_trade(sb, trade, SANDBOX_ALIPAY_EVENT_CLOSED, NULL);
}

void sandbox_alipay_trades_advance(SandboxServer *sb)
{
    gint64 now = sandbox_now_ms(sb);
    gint64 refund_period = (gint64)((double)REFUND_PERIOD_MS / sandbox_time_scale(sb));
    JsonObject *trades = state_object(sb, "trades");
    GList *names = json_object_get_members(trades);
    for (GList *l = names; l != NULL; l = l->next) {
        JsonObject *trade = json_object_get_object_member(trades, l->data);
        const char *status = json_object_get_string_member(trade, "status");
        if (strcmp(status, "WAIT_BUYER_PAY") == 0 &&
            now >= json_object_get_int_member(trade, "expire_ms")) {
            sandbox_log(SANDBOX_ALIPAY_PROVIDER, "trade %s closed: unpaid at its timeout",
                        (const char *)l->data);
            sandbox_alipay_trade_close(sb, trade);
        } else if (strcmp(status, "TRADE_SUCCESS") == 0 &&
                   now >= json_object_get_int_member(trade, "paid_ms") + refund_period) {
            json_object_set_string_member(trade, "status", "TRADE_FINISHED");
            json_object_set_int_member(trade, "finished_ms", now);
            sandbox_state_changed(sb);
            sandbox_alipay_notify_trade(sb, trade, SANDBOX_ALIPAY_EVENT_FINISHED, NULL);
        }
    }
    g_list_free(names);
}

/* ---- Wallets ------------------------------------------------------------------ */

static JsonObject *wallet(SandboxServer *sb, const SandboxAlipayBuyer *buyer)
{
    JsonObject *wallets = state_object(sb, "buyers");
    if (!json_object_has_member(wallets, buyer->user_id)) {
        JsonObject *w = json_object_new();
        json_object_set_int_member(w, "balance_fen", buyer->opening_balance_fen);
        json_object_set_array_member(w, "payments", json_array_new());
        json_object_set_object_member(wallets, buyer->user_id, w);
    }
    return json_object_get_object_member(wallets, buyer->user_id);
}

/* The wallet payments since since_ms, in fen. */
static gint64 paid_since(JsonObject *w, gint64 since_ms)
{
    JsonArray *payments = json_object_get_array_member(w, "payments");
    gint64 sum = 0;
    for (guint i = 0; i < json_array_get_length(payments); i++) {
        JsonArray *p = json_array_get_array_element(payments, i);
        if (json_array_get_int_element(p, 0) >= since_ms)
            sum += json_array_get_int_element(p, 1);
    }
    return sum;
}

const char *sandbox_alipay_trade_pay(SandboxServer *sb, JsonObject *trade,
                                     const SandboxAlipayBuyer *buyer)
{
    gint64 now = sandbox_now_ms(sb);
    gint64 total = json_object_get_int_member(trade, "total_fen");
    JsonObject *w = wallet(sb, buyer);
    gint64 class_limit = buyer->account_class == 1   ? 100000
                         : buyer->account_class == 2 ? 10000000
                                                     : 20000000;
    gint64 class_spent = paid_since(w, buyer->account_class == 1 ? G_MININT64 : now - YEAR_MS);
    if (class_spent + total > class_limit ||
        paid_since(w, now - YEAR_MS) + total > SANDBOX_ALIPAY_PERSON_YEAR_FEN)
        return "BEYOND_PAY_RESTRICTION";
    if (json_object_get_int_member(w, "balance_fen") < total)
        return "BUYER_BALANCE_NOT_ENOUGH";

    json_object_set_int_member(w, "balance_fen",
                               json_object_get_int_member(w, "balance_fen") - total);
    JsonArray *payment = json_array_new();
    json_array_add_int_element(payment, now);
    json_array_add_int_element(payment, total);
    json_array_add_array_element(json_object_get_array_member(w, "payments"), payment);

    char *masked = sandbox_alipay_mask_logon_id(buyer->logon_id);
    json_object_set_string_member(trade, "status", "TRADE_SUCCESS");
    json_object_set_int_member(trade, "paid_ms", now);
    json_object_set_string_member(trade, "buyer_id", buyer->user_id);
    json_object_set_string_member(trade, "buyer_logon_id", masked);
    g_free(masked);
    sandbox_state_changed(sb);
    sandbox_alipay_notify_trade(sb, trade, SANDBOX_ALIPAY_EVENT_PAID, NULL);
    return NULL;
}

/* Give a refund back to the wallet it came from. */
void sandbox_alipay_wallet_refund(SandboxServer *sb, JsonObject *trade, gint64 amount_fen)
{
    const char *buyer_id = json_object_get_string_member_with_default(trade, "buyer_id", "");
    for (gsize i = 0; i < sandbox_alipay_n_buyers; i++) {
        if (strcmp(sandbox_alipay_buyers[i].user_id, buyer_id) == 0) {
            JsonObject *w = wallet(sb, &sandbox_alipay_buyers[i]);
            json_object_set_int_member(w, "balance_fen",
                                       json_object_get_int_member(w, "balance_fen") + amount_fen);
            sandbox_state_changed(sb);
        }
    }
}
