/* The operations of the alipay method (tender_method_ops slots). Each reads
 * the request, talks to Alipay's gateway with signed requests
 * (alipay-gateway.h) and fills the result from its verified answer. */
#ifndef ALIPAY_OPS_H
#define ALIPAY_OPS_H

#include <tender/plugin.h>

/* alipay.trade.precreate (QR, the default) or alipay.trade.page.pay /
 * .wap.pay (redirect to the cashier): ACTION_REQUIRED until paid. */
void alipay_op_purchase(void *instance, const tender_request *req, tender_result *res);
/* alipay.trade.query (and alipay.trade.fastpay.refund.query for a refund
 * whose answer was lost): the trade's truth. */
void alipay_op_sync(void *instance, const tender_request *req, tender_result *res);
/* alipay.trade.close on an unpaid trade. */
void alipay_op_void(void *instance, const tender_request *req, tender_result *res);
/* alipay.trade.refund with out_request_no = the request id (partial,
 * repeat-safe). */
void alipay_op_refund(void *instance, const tender_request *req, tender_result *res);
/* The payer is back from the cashier (or says so): alipay.trade.query.
 * In sandbox mode a "sandbox_buyer" parameter first pays at tender-sandbox's
 * cashier as that test buyer. */
void alipay_op_complete(void *instance, const tender_request *req, tender_result *res);
/* The asynchronous notification (alipay-notify.c). */
void alipay_op_identify_notification(void *instance, const tender_request *req,
                                     tender_result *res);
void alipay_op_notification(void *instance, const tender_request *req, tender_result *res);

#endif
