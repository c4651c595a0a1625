/* Alipay's result codes and what they mean in Tender's terms. */
#ifndef ALIPAY_CODES_H
#define ALIPAY_CODES_H

#include <tender/plugin.h>

/* Gateway codes (the "code" of every response). */
#define ALIPAY_CODE_SUCCESS "10000"
#define ALIPAY_CODE_UNAVAILABLE "20000"    /* service currently unavailable */
#define ALIPAY_CODE_MISSING "40001"        /* missing required arguments */
#define ALIPAY_CODE_INVALID "40002"        /* invalid arguments (bad signature, app id…) */
#define ALIPAY_CODE_BUSINESS "40004"       /* business failed: see sub_code */

/* The Tender decline code for an Alipay sub_code (ACQ.*, isv.*, isp.*).
 * Unknown codes read as DO_NOT_HONOR, the safest meaning. */
tender_decline_code alipay_decline_for(const char *sub_code);

#endif
