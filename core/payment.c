/* Freeing the host API's result structs. */
#include <tender/tender.h>

#include "ledger.h"

void tender_operation_free(TenderOperation *op)
{
    if (op == NULL)
        return;
    g_free(op->kind); g_free(op->request_id); g_free(op->idempotency_key);
    g_free(op->outcome); g_free(op->decline_code); g_free(op->raw_code);
    g_free(op->message); g_free(op->processor_ref); g_free(op->status_after);
    g_free(op);
}

void tender_payment_free(TenderPayment *payment)
{
    if (payment == NULL)
        return;
    /* A TenderPayment's fields are exactly the public part of a ledger row;
     * free them through the row so the two never drift apart. */
    LedgerPayment *row = g_new0(LedgerPayment, 1);
    row->pub = *payment;
    ledger_payment_free(row);
    g_free(payment);
}

void tender_quote_free(TenderQuote *q)
{
    if (q == NULL)
        return;
    g_free(q->method); g_free(q->reason_code); g_free(q->reason);
    g_free(q->currency); g_free(q->exchange);
    g_free(q);
}

void tender_limit_usage_free(TenderLimitUsage *usage)
{
    if (usage == NULL)
        return;
    g_free(usage->method);
    g_free(usage->tier);
    g_free(usage->window);
    g_free(usage->window_start);
    g_free(usage->currency);
    g_free(usage);
}

void tender_notify_reply_free(TenderNotifyReply *reply)
{
    if (reply == NULL)
        return;
    g_free(reply->content_type); g_free(reply->body); g_free(reply->payment_id);
    g_free(reply);
}
