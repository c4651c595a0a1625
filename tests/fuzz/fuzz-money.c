/* Fuzz target: the money parser (see fuzz-targets.h). */
#include <stdlib.h>
#include <string.h>

#include <tender/tender.h>

#include "fuzz-targets.h"

int tender_fuzz_money(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int exponent = (int)(data[0] % 6) - 1;
    char currency[4] = {(char)data[1], (char)data[2], (char)data[3], '\0'};
    char *text = g_strndup((const char *)data + 4, size - 4);
    gint64 minor = 0;
    GError *error = NULL;
    if (tender_money_parse(text, currency, exponent, &minor, &error)) {
        /* What parsed must format and parse back to the same amount. */
        char *formatted = tender_money_format(minor, currency, exponent);
        gint64 again = -1;
        if (!tender_money_parse(formatted, currency, exponent, &again, NULL) || again != minor)
            abort();
        g_free(formatted);
        if (minor < 0)
            abort();
    } else if (error == NULL || error->domain != TENDER_ERROR) {
        abort(); /* a refusal always says why */
    }
    g_clear_error(&error);
    g_free(text);
    return 0;
}
