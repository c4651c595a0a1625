/* The gateway's error codes (an error's decline_code, else its code) and
 * the Tender decline each maps to, so buyers get the same advice as when
 * the plugin spoke ISO 8583 (docs/methods/card.md lists the table).
 * Constant table: thread-safe. */
#ifndef CARD_CODES_H
#define CARD_CODES_H

#include <tender/plugin.h>

typedef struct {
    const char *raw; /* "generic_decline", "insufficient_funds", … */
    tender_decline_code code;
    const char *text; /* the code's meaning, for operators */
} card_gateway_code;

/* The entry for raw, or NULL when the gateway's code is not in the table. */
const card_gateway_code *card_gateway_code_lookup(const char *raw);

/* The decline for raw: its table entry's, or fallback for a code the table
 * does not know (or NULL). */
tender_decline_code card_gateway_decline(const char *raw, tender_decline_code fallback);

#endif
