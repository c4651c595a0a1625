/* The gateway's decline codes (Stripe's "Decline codes" and "Error codes"
 * pages) mapped to Tender's standard declines. The issuer's reasons come
 * as decline_code on a card_error; request problems as code. */
#include "card-codes.h"

#include <string.h>

static const card_gateway_code codes[] = {
    /* Issuer refusals. */
    {"generic_decline", TENDER_DECLINE_DO_NOT_HONOR, "declined by the issuer"},
    {"do_not_honor", TENDER_DECLINE_DO_NOT_HONOR, "do not honor"},
    {"call_issuer", TENDER_DECLINE_DO_NOT_HONOR, "declined; the cardholder should call the issuer"},
    {"card_declined", TENDER_DECLINE_DO_NOT_HONOR, "card declined"},
    {"insufficient_funds", TENDER_DECLINE_INSUFFICIENT_FUNDS, "insufficient funds"},
    {"lost_card", TENDER_DECLINE_LOST_CARD, "lost card"},
    {"stolen_card", TENDER_DECLINE_STOLEN_CARD, "stolen card"},
    {"pickup_card", TENDER_DECLINE_RESTRICTED, "pick up card"},
    {"restricted_card", TENDER_DECLINE_RESTRICTED, "restricted card"},
    {"security_violation", TENDER_DECLINE_RESTRICTED, "security violation"},
    {"expired_card", TENDER_DECLINE_EXPIRED_METHOD, "expired card"},
    {"incorrect_cvc", TENDER_DECLINE_INVALID_SECURITY_CODE, "incorrect security code"},
    {"invalid_cvc", TENDER_DECLINE_INVALID_SECURITY_CODE, "invalid security code"},
    {"incorrect_number", TENDER_DECLINE_INVALID_NUMBER, "incorrect card number"},
    {"invalid_number", TENDER_DECLINE_INVALID_NUMBER, "invalid card number"},
    {"invalid_account", TENDER_DECLINE_INVALID_ACCOUNT, "invalid account"},
    {"invalid_expiry_month", TENDER_DECLINE_INVALID_EXPIRY, "invalid expiry month"},
    {"invalid_expiry_year", TENDER_DECLINE_INVALID_EXPIRY, "invalid expiry year"},
    {"fraudulent", TENDER_DECLINE_SUSPECTED_FRAUD, "suspected fraud"},
    {"merchant_blacklist", TENDER_DECLINE_SUSPECTED_FRAUD, "blocked by the merchant's rules"},
    {"card_velocity_exceeded", TENDER_DECLINE_VELOCITY_EXCEEDED, "card velocity exceeded"},
    {"withdrawal_count_limit_exceeded", TENDER_DECLINE_VELOCITY_EXCEEDED,
     "withdrawal count limit exceeded"},
    {"card_not_supported", TENDER_DECLINE_NOT_PERMITTED, "card does not support this purchase"},
    {"transaction_not_allowed", TENDER_DECLINE_NOT_PERMITTED, "transaction not allowed"},
    {"not_permitted", TENDER_DECLINE_NOT_PERMITTED, "not permitted"},
    {"currency_not_supported", TENDER_DECLINE_CURRENCY_NOT_SUPPORTED,
     "card does not support the currency"},
    {"duplicate_transaction", TENDER_DECLINE_DUPLICATE_TRANSACTION, "duplicate transaction"},
    {"issuer_not_available", TENDER_DECLINE_PROCESSOR_UNAVAILABLE, "issuer not available"},
    {"try_again_later", TENDER_DECLINE_PROCESSOR_UNAVAILABLE, "try again later"},
    {"reenter_transaction", TENDER_DECLINE_PROCESSOR_UNAVAILABLE, "re-enter the transaction"},
    {"processing_error", TENDER_DECLINE_PROCESSING_ERROR, "processing error"},
    {"authentication_required", TENDER_DECLINE_AUTHENTICATION_REQUIRED, "authentication required"},
    {"payment_intent_authentication_failure", TENDER_DECLINE_AUTHENTICATION_FAILED,
     "3-D Secure authentication failed"},
    /* Request problems the gateway reports as invalid_request_error. */
    {"amount_too_large", TENDER_DECLINE_INVALID_AMOUNT, "amount too large"},
    {"amount_too_small", TENDER_DECLINE_INVALID_AMOUNT, "amount too small"},
    {"invalid_amount", TENDER_DECLINE_INVALID_AMOUNT, "invalid amount"},
    {"charge_already_refunded", TENDER_DECLINE_OPERATION_NOT_ALLOWED, "already fully refunded"},
    {"charge_already_captured", TENDER_DECLINE_OPERATION_NOT_ALLOWED, "already captured"},
    {"payment_intent_unexpected_state", TENDER_DECLINE_OPERATION_NOT_ALLOWED,
     "not possible in the payment's state"},
    {"charge_expired_for_capture", TENDER_DECLINE_AUTHORIZATION_EXPIRED,
     "the authorization lapsed"},
    {"resource_missing", TENDER_DECLINE_OPERATION_NOT_ALLOWED, "no such object"},
    {"parameter_missing", TENDER_DECLINE_INVALID_REQUEST, "a parameter is missing"},
    {"parameter_invalid_integer", TENDER_DECLINE_INVALID_REQUEST, "a parameter is invalid"},
    {"parameter_invalid_empty", TENDER_DECLINE_INVALID_REQUEST, "a parameter is empty"},
    {"idempotency_error", TENDER_DECLINE_INVALID_REQUEST,
     "the idempotency key was used with other parameters"},
};

const card_gateway_code *card_gateway_code_lookup(const char *raw)
{
    for (size_t i = 0; raw && i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].raw, raw) == 0)
            return &codes[i];
    return NULL;
}

tender_decline_code card_gateway_decline(const char *raw, tender_decline_code fallback)
{
    const card_gateway_code *c = card_gateway_code_lookup(raw);
    return c ? c->code : fallback;
}
