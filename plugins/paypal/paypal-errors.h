/* PayPal's error names and the Tender decline codes they map to. */
#ifndef PAYPAL_ERRORS_H
#define PAYPAL_ERRORS_H

#include <tender/plugin.h>

/* The decline code for a PayPal error name (issue names such as
 * "INSTRUMENT_DECLINED"); DO_NOT_HONOR for a name it does not know. */
tender_decline_code paypal_error_decline(const char *name);

/* Finish res as DECLINED with PayPal's name as raw code and its mapped
 * decline code; message is printf-formatted and names what failed. */
void paypal_decline(tender_result *res, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
