/* See redact.h. */
#include "redact.h"

#include <string.h>

static gboolean is_token_char(char c)
{
    return g_ascii_isalnum(c);
}

/* Whether text[at, at + n) has no letter or digit on either side. */
static gboolean stands_alone(const char *text, gsize len, gsize at, gsize n)
{
    return (at == 0 || !is_token_char(text[at - 1])) &&
           (at + n >= len || !is_token_char(text[at + n]));
}

/* The offset of the first counting occurrence of value in text[from, len),
 * or -1. */
static gssize find_value(const char *text, gsize len, gsize from, const char *value, gsize n)
{
    while (from + n <= len) {
        const char *hit = memmem(text + from, len - from, value, n);
        if (hit == NULL)
            return -1;
        gsize at = (gsize)(hit - text);
        if (n >= TENDER_REDACT_ANYWHERE_LEN || stands_alone(text, len, at, n))
            return (gssize)at;
        from = at + 1;
    }
    return -1;
}

gboolean redact_contains(const char *text, gsize len, const char *value)
{
    if (text == NULL || value == NULL || value[0] == '\0')
        return FALSE;
    return find_value(text, len, 0, value, strlen(value)) >= 0;
}

static void replace_secret(GString *text, const char *secret)
{
    gsize n = strlen(secret);
    if (n == 0)
        return;
    gsize from = 0;
    gssize at;
    while ((at = find_value(text->str, text->len, from, secret, n)) >= 0) {
        g_string_erase(text, at, (gssize)n);
        g_string_insert(text, at, TENDER_REDACTED);
        from = (gsize)at + strlen(TENDER_REDACTED);
    }
}

/* Mask a digit run that looks like a card number (PAN): keep six and four,
 * as PCI DSS allows for display. */
static void append_masked_run(GString *out, const char *run, gsize len)
{
    char digits[20];
    gsize n = 0;
    for (gsize i = 0; i < len && n < sizeof digits; i++)
        if (g_ascii_isdigit(run[i]))
            digits[n++] = run[i];
    for (gsize i = 0; i < n; i++)
        g_string_append_c(out, i < 6 || i + 4 >= n ? digits[i] : '*');
}

/* Every whole-token run of 12 to 19 digits, single spaces or dashes allowed
 * between groups, keeps only its first six and last four digits. A run
 * glued to a letter ("Z123456789012", a WebMoney purse) is an identifier,
 * not a card number. */
static void mask_card_numbers(GString *out, const char *text)
{
    gsize len = strlen(text);
    gsize i = 0;
    while (i < len) {
        if (!g_ascii_isdigit(text[i])) {
            g_string_append_c(out, text[i++]);
            continue;
        }
        gsize start = i, end = i, digits = 0;
        while (i < len && (g_ascii_isdigit(text[i]) ||
                           ((text[i] == ' ' || text[i] == '-') && g_ascii_isdigit(text[i + 1])))) {
            if (g_ascii_isdigit(text[i])) {
                digits++;
                end = i + 1;
            }
            i++;
        }
        if (digits >= 12 && digits <= 19 && stands_alone(text, len, start, end - start))
            append_masked_run(out, text + start, end - start);
        else
            g_string_append_len(out, text + start, (gssize)(end - start));
        g_string_append_len(out, text + end, (gssize)(i - end));
    }
}

static gchar *redact_text(const char *text, const char *const *secrets, gboolean mask_numbers)
{
    if (text == NULL)
        return NULL;
    GString *out = g_string_new(NULL);
    if (mask_numbers)
        mask_card_numbers(out, text);
    else
        g_string_append(out, text);
    for (gsize i = 0; secrets && secrets[i]; i++)
        replace_secret(out, secrets[i]);
    return g_string_free(out, FALSE);
}

gchar *redact(const char *text, const char *const *secrets)
{
    return redact_text(text, secrets, TRUE);
}

gchar *redact_secrets(const char *text, const char *const *secrets)
{
    return redact_text(text, secrets, FALSE);
}

static void redact_field(char *field, gsize field_size, const char *const *secrets,
                         gboolean mask_numbers)
{
    if (field == NULL || field[0] == '\0')
        return;
    g_autofree gchar *clean = redact_text(field, secrets, mask_numbers);
    g_strlcpy(field, clean, field_size);
}

void redact_in_place(char *field, gsize field_size, const char *const *secrets)
{
    redact_field(field, field_size, secrets, TRUE);
}

void redact_secrets_in_place(char *field, gsize field_size, const char *const *secrets)
{
    redact_field(field, field_size, secrets, FALSE);
}
