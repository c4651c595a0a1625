/* The ISO 8583 response codes METHODS.md lists, plus N7 (Visa's security
 * code mismatch), mapped to Tender's standard decline codes. */
#include "card-codes.h"

#include <string.h>

static const card_response_code codes[] = {
    {"00", TENDER_DECLINE_NONE, "approved"},
    {"05", TENDER_DECLINE_DO_NOT_HONOR, "do not honor"},
    {"12", TENDER_DECLINE_OPERATION_NOT_ALLOWED, "invalid transaction"},
    {"13", TENDER_DECLINE_INVALID_AMOUNT, "invalid amount"},
    {"14", TENDER_DECLINE_INVALID_NUMBER, "invalid card number"},
    {"30", TENDER_DECLINE_INVALID_REQUEST, "format error"},
    {"41", TENDER_DECLINE_LOST_CARD, "lost card, pick up"},
    {"43", TENDER_DECLINE_STOLEN_CARD, "stolen card, pick up"},
    {"51", TENDER_DECLINE_INSUFFICIENT_FUNDS, "insufficient funds"},
    {"54", TENDER_DECLINE_EXPIRED_METHOD, "expired card"},
    {"57", TENDER_DECLINE_NOT_PERMITTED, "transaction not permitted to cardholder"},
    {"59", TENDER_DECLINE_SUSPECTED_FRAUD, "suspected fraud"},
    {"61", TENDER_DECLINE_LIMIT_EXCEEDED, "exceeds withdrawal amount limit"},
    {"62", TENDER_DECLINE_RESTRICTED, "restricted card"},
    {"65", TENDER_DECLINE_VELOCITY_EXCEEDED, "exceeds withdrawal frequency limit"},
    {"91", TENDER_DECLINE_PROCESSOR_UNAVAILABLE, "issuer or switch inoperative"},
    {"96", TENDER_DECLINE_PROCESSING_ERROR, "system malfunction"},
    {"N7", TENDER_DECLINE_INVALID_SECURITY_CODE, "decline for CVV2 failure"},
};

const card_response_code *card_response_lookup(const char *raw)
{
    for (size_t i = 0; raw && i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].raw, raw) == 0)
            return &codes[i];
    return &codes[1];
}
