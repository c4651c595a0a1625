/* The kit's transport (private to the kit): installed in place of
 * libtender's in the kit's test host and in every real host it builds, it
 * delegates to libtender's own transport (tender_http_transport_new_default)
 * while healthy and injects one fault, on one chosen call, when armed. The
 * transport cases use it to see how a plugin classifies what the network
 * did to it. Thread-safe (the thread-safety case sends from 8 threads). */
#ifndef TENDER_CONFORMANCE_FAULT_TRANSPORT_H
#define TENDER_CONFORMANCE_FAULT_TRANSPORT_H

#include <glib.h>

#include <tender/http-transport.h>

G_BEGIN_DECLS

typedef enum {
    TC_FAULT_NONE = 0,
    /* Connection refused: nothing sent, nothing delegated. */
    TC_FAULT_REFUSE,
    /* The answer comes late (TC_FAULT_DELAY_MS), but it comes. */
    TC_FAULT_DELAY,
    /* Sent (delegated: the provider acts), then no answer by the deadline. */
    TC_FAULT_TIMEOUT,
    /* Sent (delegated), and the provider answers 503 instead of its answer. */
    TC_FAULT_5XX,
    /* Sent (delegated), and the answer's body is replaced by bytes that mean
     * nothing (status 200 kept). */
    TC_FAULT_GARBAGE,
    /* Sent (delegated), and the answer's body is cut in half. */
    TC_FAULT_TRUNCATE,
    /* Sent twice (delegated twice, as a retrying proxy would); the second
     * answer is returned. */
    TC_FAULT_DUPLICATE,
} TcFault;

#define TC_FAULT_DELAY_MS 150

typedef struct TcFaultTransport TcFaultTransport;

TcFaultTransport *tc_fault_transport_new(void);
/* NULL is fine. No send may be in flight. */
void tc_fault_transport_free(TcFaultTransport *t);
/* The table to hand to hosts (owned by t). */
TenderHttpTransport *tc_fault_transport_table(TcFaultTransport *t);

/* Reset the call count and inject fault on the on_call-th call from now
 * (1-based; every other call is healthy). TC_FAULT_NONE: all healthy. */
void tc_fault_transport_arm(TcFaultTransport *t, TcFault fault, guint on_call);
/* Calls since the last arm. */
guint tc_fault_transport_calls(TcFaultTransport *t);
/* TRUE when the armed fault was injected since the last arm. */
gboolean tc_fault_transport_fired(TcFaultTransport *t);

/* "refuse", "delay", ... */
const char *tc_fault_name(TcFault fault);

G_END_DECLS

#endif
