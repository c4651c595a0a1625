/* The offline sandbox of Alipay's open-platform gateway
 * (https://openapi.alipay.com/gateway.do): it receives the signed parameter
 * set of a request, checks it as Alipay does (app id, RSA2 signature with
 * the app's public key, biz_content) and runs alipay.trade.precreate,
 * .query, .refund or .close against the trade.
 *
 * The plugin is stateless, so the gateway's record of a trade travels in the
 * payment's plugin_state like the plugin's own: the caller passes the trade
 * in and stores what comes back. Deterministic: no randomness, the host
 * clock only. */
#ifndef ALIPAY_SANDBOX_H
#define ALIPAY_SANDBOX_H

#include "alipay-instance.h"
#include "alipay-params.h"
#include "alipay-trade.h"

/* One gateway response: code/msg, sub_code/sub_msg when it failed, and the
 * response fields (qr_code, trade_status, refund_fee, …). */
typedef struct {
    char code[8];
    char msg[64];
    char sub_code[64];
    char sub_msg[192];
    AlipayParams *fields;
} AlipayResponse;

void alipay_response_init(AlipayResponse *resp);
void alipay_response_clear(AlipayResponse *resp);
/* 1 when code is 10000. */
int alipay_response_ok(const AlipayResponse *resp);

/* Run one signed request. For precreate, *trade is filled with the new
 * trade; otherwise it is the trade the request names and is updated in
 * place (a WAIT_BUYER_PAY trade past its deadline closes first). */
void alipay_sandbox_gateway(const AlipayInstance *inst, const AlipayParams *request,
                            AlipayTrade *trade, AlipayResponse *resp);

/* The QR payload Alipay would return for this trade:
 * "https://qr.alipay.com/bax0…", derived from the app, the order number and
 * its creation time. out: at least 64 bytes. */
void alipay_sandbox_qr_code(const AlipayInstance *inst, const AlipayTrade *trade, char *out,
                            size_t out_size);

/* The sandbox's test buyers (buyer_id values). */
#define ALIPAY_SANDBOX_BUYER_DEFAULT "2088102177846880"
#define ALIPAY_SANDBOX_BUYER_NO_BALANCE "2088000000000051"
#define ALIPAY_SANDBOX_BUYER_RESTRICTED "2088000000000061"

#endif
