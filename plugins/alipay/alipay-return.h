/* The synchronous return: what the cashier appends to the merchant's
 * return_url when the buyer has paid (page/wap pay), handed to complete as
 * its parameters. */
#ifndef ALIPAY_RETURN_H
#define ALIPAY_RETURN_H

#include <stddef.h>

#include <tender/plugin.h>

#include "alipay-instance.h"
#include "alipay-trade.h"

typedef enum {
    ALIPAY_RETURN_NONE,     /* no signed return among the parameters */
    ALIPAY_RETURN_VERIFIED, /* Alipay signed it, for this app, trade and amount */
    ALIPAY_RETURN_FORGED    /* signed badly, or about something else: never believed */
} AlipayReturnCheck;

/* Verify the return parameters in req->params before anything in them is
 * believed: the RSA2 signature over the sorted parameters (sign and
 * sign_type left out, as for a notification) with the Alipay public key,
 * then app_id, a *.return method, out_trade_no and total_amount against the
 * trade. On VERIFIED the return's trade_no is copied into trade_no (size
 * trade_no_size); on FORGED why says what failed, fit for a log line. */
AlipayReturnCheck alipay_return_check(const AlipayInstance *inst, const AlipayTrade *trade,
                                      const tender_request *req, char *trade_no,
                                      size_t trade_no_size, char *why, size_t why_size);

#endif
