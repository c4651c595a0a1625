/* Helpers every card operation uses to fill its result the same way. */
#include "card-ops.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "card-brand.h"

void card_result_display(tender_result *res, const card_state *st)
{
    TENDER_SET(res, display_brand, st->brand);
    TENDER_SET(res, display_first6, st->first6);
    TENDER_SET(res, display_last4, st->last4);
    TENDER_SET(res, display_country, st->country);
}

void card_result_state(tender_result *res, const card_state *st)
{
    card_state_store(st, res->plugin_state, sizeof res->plugin_state);
}

void card_result_details(tender_result *res, const card_state *st, const char *extra)
{
    char text[TENDER_RESULT_DETAILS_MAX] = "";
    size_t n = 0;
    if (st->three_ds[0])
        n += (size_t)snprintf(text + n, sizeof text - n, "three_ds=%s\n", st->three_ds);
    if (st->eci[0] && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n, "eci=%s\n", st->eci);
    if (st->intent[0] && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n, "payment_intent=%s\n", st->intent);
    if (extra && *extra && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s\n", extra);
    /* No trailing newline: lines are separated, not terminated. */
    size_t len = strlen(text);
    if (len > 0 && text[len - 1] == '\n')
        text[len - 1] = '\0';
    TENDER_SET(res, details, text);
}

void card_state_set_three_ds(card_state *st, char status)
{
    st->three_ds[0] = status;
    st->three_ds[1] = '\0';
    card_brand brand = card_brand_from_name(st->brand);
    /* An ECI describes an authentication outcome: none while a challenge
     * is still open. */
    if (status == 'C')
        st->eci[0] = '\0';
    else
        tender_copy_string(st->eci, sizeof st->eci, card_brand_eci(brand, status));
}
