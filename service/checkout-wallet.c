/* The account fields a wallet method needs from the buyer before it can
 * send them to its provider's page: WebMoney's purse and WMID
 * (docs/methods/webmoney.md, "Request parameters").
 *
 * The page asks for them, its script checks them as the buyer types and
 * sends, and the server checks them again before anything reaches the
 * plugin, with the same words: a purse of another currency or a WMID that
 * is not 12 digits is the field's error in the page and no payment. The
 * plugin checks them a third time (it is the one that knows the rules);
 * the page's checks are there so the buyer fixes a typo without leaving
 * the page or spending an attempt. */
#include <string.h>

#include "checkout.h"

/* The purse letter that holds each currency WebMoney takes. */
static const char *webmoney_purse_letter(const char *currency)
{
    static const char *const letters[][2] = {{"USD", "Z"}, {"EUR", "E"}, {"KZT", "K"},
                                             {"BYN", "B"}, {"VND", "V"}, {"UZS", "Y"}};
    for (gsize i = 0; i < G_N_ELEMENTS(letters); i++)
        if (strcmp(letters[i][0], currency) == 0)
            return letters[i][1];
    return NULL;
}

static gboolean twelve_digits(const char *text)
{
    if (strlen(text) != 12)
        return FALSE;
    for (const char *c = text; *c; c++)
        if (!g_ascii_isdigit(*c))
            return FALSE;
    return TRUE;
}

/* A purse of the order's currency: its letter and 12 digits. */
static gboolean check_purse(const char *value, const char *currency)
{
    const char *letter = webmoney_purse_letter(currency);
    return letter != NULL && value[0] == letter[0] && twelve_digits(value + 1);
}

static gboolean check_wmid(const char *value, const char *currency)
{
    (void)currency;
    return twelve_digits(value);
}

typedef struct {
    const char *method;
    const char *param;     /* the method's parameter */
    const char *label_key; /* translation table keys */
    const char *hint_key;
    const char *missing_key;
    const char *format_key;
    gboolean (*check)(const char *value, const char *currency);
} WalletField;

static const WalletField wallet_fields[] = {
    {"webmoney", "purse", "wm_purse", "wm_purse_hint", "err_purse_missing", "err_purse_format",
     check_purse},
    {"webmoney", "wmid", "wm_wmid", "wm_wmid_hint", "err_wmid_missing", "err_wmid_format",
     check_wmid},
};

static const WalletField *wallet_field(const char *method, const char *param)
{
    for (gsize i = 0; i < G_N_ELEMENTS(wallet_fields); i++)
        if (strcmp(wallet_fields[i].method, method) == 0 &&
            strcmp(wallet_fields[i].param, param) == 0)
            return &wallet_fields[i];
    return NULL;
}

gboolean checkout_wallet_has_fields(const char *method)
{
    for (gsize i = 0; i < G_N_ELEMENTS(wallet_fields); i++)
        if (strcmp(wallet_fields[i].method, method) == 0)
            return TRUE;
    return FALSE;
}

gboolean checkout_wallet_asks(const char *method, const char *param)
{
    return wallet_field(method, param) != NULL;
}

void checkout_wallet_form_clear(WalletForm *f)
{
    g_clear_pointer(&f->method, g_free);
    g_clear_pointer(&f->values, g_hash_table_unref);
    g_clear_pointer(&f->errors, g_hash_table_unref);
}

gboolean checkout_wallet_form_check(WalletForm *f, const char *method, GHashTable *form,
                                    const char *currency)
{
    f->method = g_strdup(method);
    f->values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    f->errors = g_hash_table_new(g_str_hash, g_str_equal);
    for (gsize i = 0; i < G_N_ELEMENTS(wallet_fields); i++) {
        const WalletField *w = &wallet_fields[i];
        if (strcmp(w->method, method) != 0)
            continue;
        const char *sent = g_hash_table_lookup(form, w->param);
        /* Spaces a buyer pastes around an account number are not part of
         * it; a purse's letter is upper-case at WebMoney. */
        char *value = g_strstrip(g_strdup(sent ? sent : ""));
        if (strcmp(w->param, "purse") == 0 && value[0])
            value[0] = g_ascii_toupper(value[0]);
        const char *error = value[0] == '\0'             ? w->missing_key
                            : !w->check(value, currency) ? w->format_key
                                                         : NULL;
        g_hash_table_insert(f->values, (gpointer)w->param, value);
        if (error)
            g_hash_table_insert(f->errors, (gpointer)w->param, (gpointer)error);
    }
    return g_hash_table_size(f->errors) == 0;
}

const char *checkout_wallet_value(const WalletForm *f, const char *param)
{
    return f && f->values ? g_hash_table_lookup(f->values, param) : NULL;
}

/* The pattern the page's script checks, the server's check_* in a regular
 * expression. */
static char *field_pattern(const WalletField *w, const char *currency)
{
    if (w->check == check_purse) {
        const char *letter = webmoney_purse_letter(currency);
        return g_strdup_printf("^%s[0-9]{12}$", letter ? letter : "-");
    }
    return g_strdup("^[0-9]{12}$");
}

void checkout_wallet_render_fields(GString *html, const char *lang, const char *method,
                                   const char *currency, const WalletForm *sent)
{
    gboolean mine = sent && sent->method && strcmp(sent->method, method) == 0;
    for (gsize i = 0; i < G_N_ELEMENTS(wallet_fields); i++) {
        const WalletField *w = &wallet_fields[i];
        if (strcmp(w->method, method) != 0)
            continue;
        const char *value = mine ? g_hash_table_lookup(sent->values, w->param) : NULL;
        const char *error = mine ? g_hash_table_lookup(sent->errors, w->param) : NULL;
        g_autofree char *pattern = field_pattern(w, currency);
        checkout_html_printf(html,
                             "<div class=\"field\">\n<label for=\"%s-%s\">%s</label>\n"
                             "<p class=\"hint\" id=\"%s-%s-hint\">%s</p>\n",
                             method, w->param, checkout_text(lang, w->label_key), method, w->param,
                             checkout_text(lang, w->hint_key));
        checkout_html_printf(html,
                             "<input id=\"%s-%s\" name=\"%s\" class=\"wallet-field\" "
                             "autocomplete=\"off\" spellcheck=\"false\" value=\"%s\" "
                             "data-pattern=\"%s\" data-err-missing=\"%s\" data-err-format=\"%s\" "
                             "aria-describedby=\"%s-%s-hint %s-%s-error\"",
                             method, w->param, w->param, value ? value : "", pattern,
                             checkout_text(lang, w->missing_key),
                             checkout_text(lang, w->format_key), method, w->param, method,
                             w->param);
        g_string_append(html, error ? " aria-invalid=\"true\">\n" : ">\n");
        checkout_html_printf(html, "<p class=\"error\" id=\"%s-%s-error\">%s</p>\n</div>\n", method,
                             w->param, error ? checkout_text(lang, error) : "");
    }
}
