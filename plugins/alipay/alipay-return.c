/* The synchronous return's verification (alipay-return.h).
 *
 * Alipay signs the return parameters as it signs a notification, so the
 * notification's verifier applies; but a return is carried by the buyer's
 * browser, so anyone can write one: nothing in it counts until it
 * verifies, and then only for the trade and amount it names. */
#include "alipay-return.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "alipay-params.h"
#include "alipay-rsa2.h"

/* complete's own parameters, which the return never carries. */
static int is_complete_param(const char *key)
{
    return strcmp(key, "sandbox_buyer") == 0 || strcmp(key, "sandbox_password") == 0;
}

static AlipayReturnCheck forged(char *why, size_t why_size, const char *reason)
{
    snprintf(why, why_size, "%s", reason);
    return ALIPAY_RETURN_FORGED;
}

AlipayReturnCheck alipay_return_check(const AlipayInstance *inst, const AlipayTrade *trade,
                                      const tender_request *req, char *trade_no,
                                      size_t trade_no_size, char *why, size_t why_size)
{
    if (tender_request_param(req, "sign") == NULL)
        return ALIPAY_RETURN_NONE;
    AlipayParams *p = alipay_params_new();
    for (size_t i = 0; i < req->n_params; i++)
        if (req->params[i].key && req->params[i].value && !is_complete_param(req->params[i].key))
            alipay_params_set(p, req->params[i].key, req->params[i].value);
    AlipayReturnCheck verdict = ALIPAY_RETURN_VERIFIED;
    const char *method = alipay_params_get(p, "method");
    const char *out_trade_no = alipay_params_get(p, "out_trade_no");
    const char *total = alipay_params_get(p, "total_amount");
    const char *number = alipay_params_get(p, "trade_no");
    int64_t fen = -1;
    if (!alipay_rsa2_verify_notification(inst->alipay_public, p, why, why_size))
        verdict = ALIPAY_RETURN_FORGED; /* why says it */
    else if (g_strcmp0(alipay_params_get(p, "app_id"), inst->app_id) != 0)
        verdict = forged(why, why_size, "the return is for another app_id");
    else if (method == NULL || !g_str_has_suffix(method, ".return"))
        verdict = forged(why, why_size, "the return's method is not a *.return");
    else if (g_strcmp0(out_trade_no, trade->out_trade_no) != 0)
        verdict = forged(why, why_size, "the return is about another out_trade_no");
    else if (total == NULL || !tender_money_from_wire(total, 2, &fen) || fen != trade->total)
        verdict = forged(why, why_size, "the return's total_amount is not the trade's");
    else if (number == NULL || number[0] == '\0' || strlen(number) >= trade_no_size)
        verdict = forged(why, why_size, "the return has no usable trade_no");
    else
        tender_copy_string(trade_no, trade_no_size, number);
    alipay_params_free(p);
    return verdict;
}
