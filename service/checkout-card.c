/* The card form's server-side checks: what the page's script checks, done
 * again here because a browser without script (or a forged post) skips
 * it. A form that fails one is answered with the field's error and never
 * reaches the plugin, so no request leaves for the gateway.
 *
 * The checks are the ones every card shares (digits, length, Luhn, a date
 * not past, a code of the right size); the plugin's brand table still has
 * the last word on what it accepts. */
#include <string.h>

#include <tender/sdk.h>

#include "checkout.h"

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        g_free(s);
    }
}

void card_form_clear(CardForm *f)
{
    wipe_free(f->number);
    wipe_free(f->cvc);
    g_free(f->exp_month);
    g_free(f->exp_year);
    g_free(f->holder);
    memset(f, 0, sizeof *f);
}

static const char *field(GHashTable *form, const char *name)
{
    const char *v = form ? g_hash_table_lookup(form, name) : NULL;
    return v ? v : "";
}

const char *card_form_brand(const char *digits)
{
    if (g_str_has_prefix(digits, "34") || g_str_has_prefix(digits, "37"))
        return "American Express";
    if (digits[0] == '4')
        return "Visa";
    if ((digits[0] == '5' && digits[1] >= '1' && digits[1] <= '5') ||
        (strlen(digits) >= 4 && strncmp(digits, "2221", 4) >= 0 && strncmp(digits, "2720", 4) <= 0))
        return "Mastercard";
    if (g_str_has_prefix(digits, "62"))
        return "UnionPay";
    if (g_str_has_prefix(digits, "6011") || g_str_has_prefix(digits, "65"))
        return "Discover";
    if (g_str_has_prefix(digits, "35"))
        return "JCB";
    return NULL;
}

static void check_number(CardForm *f, const char *typed)
{
    GString *digits = g_string_new(NULL);
    gboolean bad_char = FALSE;
    for (const char *c = typed; *c; c++) {
        if (g_ascii_isdigit(*c))
            g_string_append_c(digits, *c);
        else if (*c != ' ' && *c != '-')
            bad_char = TRUE;
    }
    f->number = g_string_free(digits, FALSE);
    gsize n = strlen(f->number);
    if (n == 0 && !bad_char)
        f->number_error = "err_number_missing";
    else if (bad_char)
        f->number_error = "err_number_chars";
    else if (n < 12 || n > 19)
        f->number_error = "err_number_length";
    /* UnionPay numbers need not pass Luhn (the card plugin's default). */
    else if (!g_str_has_prefix(f->number, "62") && !tender_luhn_valid(f->number))
        f->number_error = "err_number_luhn";
}

static void check_expiry(CardForm *f, gint64 now_ms)
{
    if (f->exp_month[0] == '\0' || f->exp_year[0] == '\0') {
        f->expiry_error = "err_expiry_missing";
        return;
    }
    gsize ylen = strlen(f->exp_year);
    if (!tender_all_digits(f->exp_month) || strlen(f->exp_month) > 2 ||
        !tender_all_digits(f->exp_year) || (ylen != 2 && ylen != 4)) {
        f->expiry_error = "err_expiry_invalid";
        return;
    }
    int month = atoi(f->exp_month);
    int year = atoi(f->exp_year) + (ylen == 2 ? 2000 : 0);
    g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc(now_ms / 1000);
    int this_year = g_date_time_get_year(now);
    if (month < 1 || month > 12 || year > this_year + 20) {
        f->expiry_error = "err_expiry_invalid";
        return;
    }
    /* A card is good through the last day of its expiry month. */
    if (year < this_year || (year == this_year && month < g_date_time_get_month(now)))
        f->expiry_error = "err_expiry_past";
}

static void check_cvc(CardForm *f)
{
    if (f->cvc[0] == '\0') {
        f->cvc_error = "err_cvc_missing";
        return;
    }
    gboolean amex = g_str_has_prefix(f->number, "34") || g_str_has_prefix(f->number, "37");
    gsize want = amex ? 4 : 3;
    if (!tender_all_digits(f->cvc) || strlen(f->cvc) != want)
        f->cvc_error = "err_cvc_length";
}

gboolean card_form_check(CardForm *f, GHashTable *form, gint64 now_ms)
{
    memset(f, 0, sizeof *f);
    check_number(f, field(form, "number"));
    f->exp_month = g_strstrip(g_strdup(field(form, "exp_month")));
    f->exp_year = g_strstrip(g_strdup(field(form, "exp_year")));
    f->cvc = g_strstrip(g_strdup(field(form, "cvc")));
    f->holder = g_strstrip(g_strdup(field(form, "holder")));
    check_expiry(f, now_ms);
    check_cvc(f);
    if (strlen(f->holder) > 100)
        f->holder_error = "err_holder";
    for (const char *c = f->holder; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            f->holder_error = "err_holder";
    return !f->number_error && !f->expiry_error && !f->cvc_error && !f->holder_error;
}
