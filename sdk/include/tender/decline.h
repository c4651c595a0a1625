/* Metadata of Tender's standard decline codes: the stable name, whether a
 * retry can help, and what the buyer should be told.
 *
 * Header-only and libc-only, so the host and every plugin read the same
 * table. Thread-safe: the table is constant.
 */
#ifndef TENDER_DECLINE_H
#define TENDER_DECLINE_H

#include <stddef.h>
#include <string.h>

#include <tender/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the buyer should do next. Frozen numbering. */
typedef enum tender_advice {
    TENDER_ADVICE_NONE = 0,
    TENDER_ADVICE_CHECK_DETAILS = 1,     /* check and re-enter the details */
    TENDER_ADVICE_ADD_FUNDS = 2,         /* add funds or use another method */
    TENDER_ADVICE_CONTACT_ISSUER = 3,    /* contact the issuer; do not retry blindly */
    TENDER_ADVICE_USE_OTHER_METHOD = 4,  /* use another payment method */
    TENDER_ADVICE_TRY_LATER = 5,         /* try again later; nothing is charged twice */
    TENDER_ADVICE_UPDATE_METHOD = 6,     /* the method expired: update it */
    TENDER_ADVICE_AUTHENTICATE = 7,      /* complete the authentication and retry */
    TENDER_ADVICE_START_AGAIN = 8        /* start a new payment */
} tender_advice;

typedef struct tender_decline_info {
    tender_decline_code code;
    const char *name;        /* stable snake_case name, e.g. "insufficient_funds" */
    int retryable;           /* 1 when the same request may succeed later */
    tender_advice advice;
    const char *advice_text; /* one sentence for the buyer */
} tender_decline_info;

/* The metadata of `code`. An unknown code reads as do_not_honor, the safest
 * meaning (DESIGN rule 5). Never returns NULL. */
static inline const tender_decline_info *tender_decline_lookup(uint32_t code)
{
    static const tender_decline_info table[] = {
        {TENDER_DECLINE_NONE, "none", 0, TENDER_ADVICE_NONE, ""},
        {TENDER_DECLINE_DO_NOT_HONOR, "do_not_honor", 0, TENDER_ADVICE_CONTACT_ISSUER,
         "The issuer refused the payment: contact your issuer or use another method."},
        {TENDER_DECLINE_INSUFFICIENT_FUNDS, "insufficient_funds", 0, TENDER_ADVICE_ADD_FUNDS,
         "There are not enough funds: add funds or use another method."},
        {TENDER_DECLINE_LIMIT_EXCEEDED, "limit_exceeded", 0, TENDER_ADVICE_USE_OTHER_METHOD,
         "A spending limit would be exceeded: use another method or contact your provider."},
        {TENDER_DECLINE_INVALID_NUMBER, "invalid_number", 0, TENDER_ADVICE_CHECK_DETAILS,
         "The number is not valid: check it and enter it again."},
        {TENDER_DECLINE_INVALID_EXPIRY, "invalid_expiry", 0, TENDER_ADVICE_CHECK_DETAILS,
         "The expiry date is not valid: check it and enter it again."},
        {TENDER_DECLINE_INVALID_SECURITY_CODE, "invalid_security_code", 0, TENDER_ADVICE_CHECK_DETAILS,
         "The security code is not valid: check it and enter it again."},
        {TENDER_DECLINE_INVALID_ACCOUNT, "invalid_account", 0, TENDER_ADVICE_CHECK_DETAILS,
         "The account is not valid: check it and enter it again."},
        {TENDER_DECLINE_INVALID_AMOUNT, "invalid_amount", 0, TENDER_ADVICE_CHECK_DETAILS,
         "The amount is not valid for this method: check it."},
        {TENDER_DECLINE_EXPIRED_METHOD, "expired_method", 0, TENDER_ADVICE_UPDATE_METHOD,
         "The payment method has expired: update it or use another one."},
        {TENDER_DECLINE_SUSPECTED_FRAUD, "suspected_fraud", 0, TENDER_ADVICE_CONTACT_ISSUER,
         "The issuer suspects fraud: contact your issuer; do not retry."},
        {TENDER_DECLINE_SECURITY_CHECK_FAILED, "security_check_failed", 0, TENDER_ADVICE_CONTACT_ISSUER,
         "A security check failed: contact your issuer; do not retry."},
        {TENDER_DECLINE_LOST_CARD, "lost_card", 0, TENDER_ADVICE_CONTACT_ISSUER,
         "The card is reported lost: contact your issuer or use another method."},
        {TENDER_DECLINE_STOLEN_CARD, "stolen_card", 0, TENDER_ADVICE_CONTACT_ISSUER,
         "The card is reported stolen: contact your issuer or use another method."},
        {TENDER_DECLINE_RESTRICTED, "restricted", 0, TENDER_ADVICE_CONTACT_ISSUER,
         "The method is restricted for this payment: contact your issuer or use another method."},
        {TENDER_DECLINE_REGION_NOT_SUPPORTED, "region_not_supported", 0, TENDER_ADVICE_USE_OTHER_METHOD,
         "This method is not available in your region: use another method."},
        {TENDER_DECLINE_CURRENCY_NOT_SUPPORTED, "currency_not_supported", 0, TENDER_ADVICE_USE_OTHER_METHOD,
         "This method does not take this currency: use another method."},
        {TENDER_DECLINE_AUTHENTICATION_REQUIRED, "authentication_required", 1, TENDER_ADVICE_AUTHENTICATE,
         "The payment needs authentication: complete it and try again."},
        {TENDER_DECLINE_AUTHENTICATION_FAILED, "authentication_failed", 0, TENDER_ADVICE_CONTACT_ISSUER,
         "Authentication failed: contact your issuer or use another method."},
        {TENDER_DECLINE_PROCESSOR_UNAVAILABLE, "processor_unavailable", 1, TENDER_ADVICE_TRY_LATER,
         "The payment service is unavailable: try again later; you will not be charged twice."},
        {TENDER_DECLINE_PROCESSING_ERROR, "processing_error", 1, TENDER_ADVICE_TRY_LATER,
         "The payment could not be processed: try again later; you will not be charged twice."},
        {TENDER_DECLINE_AUTHORIZATION_EXPIRED, "authorization_expired", 0, TENDER_ADVICE_START_AGAIN,
         "The authorization has expired: start a new payment."},
        {TENDER_DECLINE_AMOUNT_OUT_OF_RANGE, "amount_out_of_range", 0, TENDER_ADVICE_USE_OTHER_METHOD,
         "The amount is outside what this method accepts: change it or use another method."},
        {TENDER_DECLINE_VELOCITY_EXCEEDED, "velocity_exceeded", 1, TENDER_ADVICE_TRY_LATER,
         "Too many attempts: wait before trying again."},
        {TENDER_DECLINE_INVALID_REQUEST, "invalid_request", 0, TENDER_ADVICE_CHECK_DETAILS,
         "Some payment details are missing or malformed: check them and enter them again."},
        {TENDER_DECLINE_CANCELLED_BY_PAYER, "cancelled_by_payer", 0, TENDER_ADVICE_START_AGAIN,
         "The payment was cancelled: start again if you still want to pay."},
        {TENDER_DECLINE_ACTION_EXPIRED, "action_expired", 0, TENDER_ADVICE_START_AGAIN,
         "The payment was not completed in time: start a new payment."},
        {TENDER_DECLINE_NOT_PERMITTED, "not_permitted", 0, TENDER_ADVICE_USE_OTHER_METHOD,
         "This payment is not permitted for this method: use another method."},
        {TENDER_DECLINE_DUPLICATE_TRANSACTION, "duplicate_transaction", 0, TENDER_ADVICE_NONE,
         "This payment was already made."},
        {TENDER_DECLINE_OPERATION_NOT_ALLOWED, "operation_not_allowed", 0, TENDER_ADVICE_NONE,
         "This operation is not allowed in the payment's current state."},
    };
    if (code >= sizeof table / sizeof table[0])
        code = TENDER_DECLINE_DO_NOT_HONOR;
    return &table[code];
}

/* The code named `name` (as tender_decline_lookup()->name), or -1. */
static inline int tender_decline_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (uint32_t c = 0; c <= TENDER_DECLINE_LAST_; c++)
        if (strcmp(tender_decline_lookup(c)->name, name) == 0)
            return (int)c;
    return -1;
}

#ifdef __cplusplus
}
#endif

#endif /* TENDER_DECLINE_H */
