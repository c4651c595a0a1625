/* ISO 8583 response codes (field 39) the sandbox issuer answers with, and
 * the Tender decline code each maps to. Constant table: thread-safe. */
#ifndef CARD_CODES_H
#define CARD_CODES_H

#include <tender/plugin.h>

typedef struct {
    const char *raw;            /* "05", "51", "N7", … */
    tender_decline_code code;   /* TENDER_DECLINE_NONE for "00" */
    const char *text;           /* the code's meaning, for operators */
} card_response_code;

/* The entry for raw, or the one for "05" (do not honor) when raw is not
 * known: an unknown refusal is a generic refusal. Never NULL. */
const card_response_code *card_response_lookup(const char *raw);

#endif
