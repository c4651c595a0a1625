/* The fixture flow driver shared by the flow and sensitive-data cases. */
#ifndef TENDER_CONFORMANCE_FLOW_H
#define TENDER_CONFORMANCE_FLOW_H

#include "conformance-private.h"

G_BEGIN_DECLS

typedef struct {
    int payments, captures, partial_captures, refunds, partial_refunds, voids, syncs;
} TcFlowCounts;

/* Pay with fixture f through host, check the first outcome against the
 * fixture, and (finish) complete its action and check what follows.
 * Problems go to report, prefixed with where. Returns the payment (free it)
 * or NULL when the host could not run it. */
TenderPayment *tc_flow_start(tc_report *report, TenderHost *host, const tender_method *m,
                             const tender_fixture *f, gboolean finish, const char *where);

G_END_DECLS

#endif
