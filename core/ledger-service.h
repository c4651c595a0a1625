/* The payments service's tables in the ledger (private to libtender): the
 * outbox event a payment state change writes inside its own transaction.
 * The public side (API keys, webhook endpoints, events, deliveries) is in
 * tender.h. */
#ifndef TENDER_CORE_LEDGER_SERVICE_H
#define TENDER_CORE_LEDGER_SERVICE_H

#include <glib.h>

#include <tender/tender.h>

#include "ledger.h"

G_BEGIN_DECLS

/* Inside a unit of work: record that payment p went from old_status
 * to its status (an event "payment.<status>" with a stable id and a body
 * fixed now), and one pending delivery for every webhook endpoint that
 * wants it. Nothing is written when the status did not change. Writing the
 * event in the transaction of the change is what makes the outbox exact: a
 * change is committed with its event or not at all. */
gboolean ledger_event_add(LedgerUnit *unit, const TenderPayment *p, TenderStatus old_status,
                          gint64 now_ms, GError **error);

/* The same for an event that is not a status change: type is its name
 * (LEDGER_EVENT_REAUTHORIZED: the payment's authorization was renewed; its
 * processor_reference is the new authorization's id). */
#define LEDGER_EVENT_REAUTHORIZED "payment.reauthorized"
gboolean ledger_event_add_typed(LedgerUnit *unit, const TenderPayment *p, TenderStatus old_status,
                                const char *type, gint64 now_ms, GError **error);

G_END_DECLS

#endif
