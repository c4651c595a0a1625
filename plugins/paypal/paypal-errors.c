/* PayPal error names -> Tender decline codes. docs/methods/paypal.md has
 * the same table for people. */
#include "paypal-errors.h"

#include <stdarg.h>
#include <stdio.h>

#include <tender/sdk.h>

static const tender_decline_map error_map[] = {
    /* The payer has not approved (or cannot be charged without acting). */
    {"ORDER_NOT_APPROVED", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    {"PAYER_ACTION_REQUIRED", TENDER_DECLINE_AUTHENTICATION_REQUIRED},
    /* The funding instrument or PayPal's risk checks refused. */
    {"INSTRUMENT_DECLINED", TENDER_DECLINE_DO_NOT_HONOR},
    {"TRANSACTION_REFUSED", TENDER_DECLINE_NOT_PERMITTED},
    {"DENIED", TENDER_DECLINE_DO_NOT_HONOR},
    /* The payment's state forbids the operation. */
    {"ORDER_ALREADY_CAPTURED", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    {"ORDER_ALREADY_AUTHORIZED", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    {"AUTHORIZATION_ALREADY_CAPTURED", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    {"PREVIOUSLY_VOIDED", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    {"CAPTURE_FULLY_REFUNDED", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    {"INVALID_RESOURCE_ID", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    {"REFUND_TIME_LIMIT_EXCEEDED", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    {"AUTHORIZATION_EXPIRED", TENDER_DECLINE_AUTHORIZATION_EXPIRED},
    {"ORDER_EXPIRED", TENDER_DECLINE_ACTION_EXPIRED},
    {"PAYER_CANCELLED", TENDER_DECLINE_CANCELLED_BY_PAYER},
    /* Amounts. */
    {"MAX_CAPTURE_AMOUNT_EXCEEDED", TENDER_DECLINE_AMOUNT_OUT_OF_RANGE},
    {"REFUND_AMOUNT_EXCEEDED", TENDER_DECLINE_AMOUNT_OUT_OF_RANGE},
    {"TRANSACTION_LIMIT_EXCEEDED", TENDER_DECLINE_AMOUNT_OUT_OF_RANGE},
    {"DECIMAL_PRECISION", TENDER_DECLINE_INVALID_AMOUNT},
    {"CURRENCY_NOT_SUPPORTED", TENDER_DECLINE_CURRENCY_NOT_SUPPORTED},
    /* Malformed requests. */
    {"INVALID_PARAMETER_VALUE", TENDER_DECLINE_INVALID_REQUEST},
    {"INVALID_PARAMETER_SYNTAX", TENDER_DECLINE_INVALID_ACCOUNT},
    {"MISSING_REQUIRED_PARAMETER", TENDER_DECLINE_INVALID_REQUEST},
    {"MALFORMED_REQUEST_JSON", TENDER_DECLINE_INVALID_REQUEST},
    /* Webhook verification (verification_status FAILURE). */
    {"WEBHOOK_VERIFICATION_FAILURE", TENDER_DECLINE_SECURITY_CHECK_FAILED},
};

tender_decline_code paypal_error_decline(const char *name)
{
    return tender_decline_for_raw(error_map, TENDER_N_ELEMENTS(error_map), name,
                                  TENDER_DECLINE_DO_NOT_HONOR);
}

void paypal_decline(tender_result *res, const char *name, const char *fmt, ...)
{
    char message[TENDER_RESULT_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    tender_result_decline(res, paypal_error_decline(name), name, "%s", message);
}
