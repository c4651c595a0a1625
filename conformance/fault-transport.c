/* See fault-transport.h. */
#include "fault-transport.h"

#include <string.h>

struct TcFaultTransport {
    TenderHttpTransport table; /* first: the table is the transport */
    TenderHttpTransport *real;
    GMutex lock;
    TcFault fault;
    guint on_call;
    guint calls;
    gboolean fired;
};

const char *tc_fault_name(TcFault fault)
{
    static const char *const names[] = {"none",    "refuse",   "delay",    "timeout",
                                        "5xx",     "garbage",  "truncate", "duplicate"};
    return (guint)fault < G_N_ELEMENTS(names) ? names[fault] : "?";
}

/* Which fault, if any, this call gets; counts it. */
static TcFault take_fault(TcFaultTransport *t)
{
    g_mutex_lock(&t->lock);
    guint n = ++t->calls;
    TcFault fault = t->fault != TC_FAULT_NONE && n == t->on_call ? t->fault : TC_FAULT_NONE;
    if (fault != TC_FAULT_NONE)
        t->fired = TRUE;
    g_mutex_unlock(&t->lock);
    return fault;
}

/* A body that is no provider's format: binary, an HTML fragment, no
 * structure a parser could half-accept. */
static const char garbage[] = "\x00\xff\xfe<html><body>502 Bad Gateway</b\x01\x02";

static TenderHttpTransportResponse *fault_send(TenderHttpTransport *table,
                                               const TenderHttpTransportRequest *request,
                                               GError **error)
{
    TcFaultTransport *t = (TcFaultTransport *)table;
    TcFault fault = take_fault(t);
    TenderHttpTransportResponse *answer = NULL;
    switch (fault) {
    case TC_FAULT_REFUSE:
        g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_NOT_SENT,
                    "connection refused (injected by the conformance kit)");
        return NULL;
    case TC_FAULT_DELAY:
        g_usleep(TC_FAULT_DELAY_MS * 1000);
        return tender_http_transport_send(t->real, request, error);
    case TC_FAULT_DUPLICATE:
        tender_http_transport_response_free(tender_http_transport_send(t->real, request, NULL));
        return tender_http_transport_send(t->real, request, error);
    case TC_FAULT_NONE:
        return tender_http_transport_send(t->real, request, error);
    default:
        break;
    }
    /* The faults after sending: the provider gets the request and acts. */
    answer = tender_http_transport_send(t->real, request, NULL);
    TenderHttpTransportResponse *faulty = NULL;
    switch (fault) {
    case TC_FAULT_TIMEOUT:
        g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN,
                    "timed out after sending the request (injected by the conformance kit)");
        break;
    case TC_FAULT_5XX:
        faulty = tender_http_transport_response_new(503, "Service Unavailable", 19);
        tender_http_transport_response_add_header(faulty, "Content-Type", "text/plain");
        break;
    case TC_FAULT_GARBAGE:
        faulty = tender_http_transport_response_new(200, garbage, sizeof garbage - 1);
        break;
    case TC_FAULT_TRUNCATE:
        if (answer != NULL && answer->body_len > 0) {
            faulty = tender_http_transport_response_new(answer->status, answer->body,
                                                        answer->body_len / 2);
            for (gsize i = 0; i < answer->n_headers; i++)
                if (g_ascii_strcasecmp(answer->headers[i].name, "Content-Length") != 0)
                    tender_http_transport_response_add_header(faulty, answer->headers[i].name,
                                                              answer->headers[i].value);
        } else {
            g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_UNKNOWN,
                        "truncated answer (injected by the conformance kit)");
            /* An empty body has nothing to cut: the connection dropping
             * mid-answer is all a truncation can be then. */
        }
        break;
    default:
        break;
    }
    tender_http_transport_response_free(answer);
    return faulty;
}

static void fault_destroy(TenderHttpTransport *table)
{
    TcFaultTransport *t = (TcFaultTransport *)table;
    tender_http_transport_free(t->real);
    g_mutex_clear(&t->lock);
    g_free(t);
}

TcFaultTransport *tc_fault_transport_new(void)
{
    TcFaultTransport *t = g_new0(TcFaultTransport, 1);
    t->table.struct_size = sizeof t->table;
    t->table.send = fault_send;
    t->table.destroy = fault_destroy;
    t->real = tender_http_transport_new_default();
    g_mutex_init(&t->lock);
    return t;
}

void tc_fault_transport_free(TcFaultTransport *t)
{
    if (t != NULL)
        tender_http_transport_free(&t->table);
}

TenderHttpTransport *tc_fault_transport_table(TcFaultTransport *t)
{
    return &t->table;
}

void tc_fault_transport_arm(TcFaultTransport *t, TcFault fault, guint on_call)
{
    g_mutex_lock(&t->lock);
    t->fault = fault;
    t->on_call = on_call;
    t->calls = 0;
    t->fired = FALSE;
    g_mutex_unlock(&t->lock);
}

guint tc_fault_transport_calls(TcFaultTransport *t)
{
    g_mutex_lock(&t->lock);
    guint n = t->calls;
    g_mutex_unlock(&t->lock);
    return n;
}

gboolean tc_fault_transport_fired(TcFaultTransport *t)
{
    g_mutex_lock(&t->lock);
    gboolean fired = t->fired;
    g_mutex_unlock(&t->lock);
    return fired;
}
