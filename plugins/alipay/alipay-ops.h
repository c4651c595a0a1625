/* The operations of the alipay method (tender_method_ops slots). Each reads
 * the request, talks to the gateway (the offline sandbox in this build)
 * with signed requests, and fills the result. */
#ifndef ALIPAY_OPS_H
#define ALIPAY_OPS_H

#include <tender/plugin.h>

/* alipay.trade.precreate: a QR-code trade, ACTION_REQUIRED until paid. */
void alipay_op_purchase(void *instance, const tender_request *req, tender_result *res);
/* alipay.trade.query: the trade's truth (paid, waiting, closed). */
void alipay_op_sync(void *instance, const tender_request *req, tender_result *res);
/* alipay.trade.close: cancel an unpaid trade. */
void alipay_op_void(void *instance, const tender_request *req, tender_result *res);
/* alipay.trade.refund: a (partial) refund under its own request number. */
void alipay_op_refund(void *instance, const tender_request *req, tender_result *res);

/* Asynchronous notifications (alipay-notify.c). */
void alipay_op_identify_notification(void *instance, const tender_request *req,
                                     tender_result *res);
void alipay_op_notification(void *instance, const tender_request *req, tender_result *res);

/* The notification the sandbox platform would POST (alipay-sandbox-notify.c). */
void alipay_op_sandbox_notification(void *instance, const tender_request *req,
                                    const char *event, tender_result *res);


#endif
