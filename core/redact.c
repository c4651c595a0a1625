/* See redact.h. */
#include "redact.h"

#include <string.h>

/* Mask a digit run that looks like a card number (PAN): keep six and four,
 * as PCI DSS allows for display. */
static void append_masked_run(GString *out, const char *run, gsize len)
{
    GString *digits = g_string_new(NULL);
    for (gsize i = 0; i < len; i++)
        if (g_ascii_isdigit(run[i]))
            g_string_append_c(digits, run[i]);
    if (digits->len >= 12 && digits->len <= 19) {
        g_string_append_len(out, digits->str, 6);
        for (gsize i = 6; i + 4 < digits->len; i++)
            g_string_append_c(out, '*');
        g_string_append(out, digits->str + digits->len - 4);
    } else {
        g_string_append_len(out, run, (gssize)len);
    }
    g_string_free(digits, TRUE);
}

static void mask_card_numbers(GString *out, const char *text)
{
    const char *p = text;
    while (*p) {
        if (!g_ascii_isdigit(*p)) {
            g_string_append_c(out, *p++);
            continue;
        }
        /* A run of digits with single spaces or dashes between groups. */
        const char *start = p, *end = p;
        while (*p && (g_ascii_isdigit(*p) || ((*p == ' ' || *p == '-') && g_ascii_isdigit(p[1])))) {
            p++;
            if (g_ascii_isdigit(p[-1]))
                end = p;
        }
        append_masked_run(out, start, (gsize)(end - start));
        g_string_append_len(out, end, p - end);
    }
}

gchar *tender_redact(const char *text, const char *const *secrets)
{
    if (text == NULL)
        return NULL;
    GString *masked = g_string_new(NULL);
    mask_card_numbers(masked, text);
    for (gsize i = 0; secrets && secrets[i]; i++) {
        /* Very short secrets (a 3-digit CVC) would match innocent numbers
         * too; masking them anyway errs on the safe side. */
        if (secrets[i][0] == '\0')
            continue;
        g_string_replace(masked, secrets[i], "[redacted]", 0);
    }
    return g_string_free(masked, FALSE);
}

void tender_redact_in_place(char *field, gsize field_size, const char *const *secrets)
{
    if (field == NULL || field[0] == '\0')
        return;
    g_autofree gchar *clean = tender_redact(field, secrets);
    g_strlcpy(field, clean, field_size);
}
