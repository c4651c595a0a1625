/* The wire protocol between the host and tender-plugin-worker (private to
 * libtender and the worker; docs/isolation.md describes it).
 *
 * One SOCK_SEQPACKET socket pair: every message is one packet, so the
 * kernel keeps the boundaries and a reader never sees half a message. A
 * message is a serialised GVariant of type "(uuv)": its kind, the call it
 * belongs to and a body whose type the kind fixes. Everything a plugin
 * produced travels as byte strings ("ay"), never as "s": a plugin's string
 * need not be UTF-8, and the reader checks every type and bound before it
 * uses anything (GVariant reads untrusted data safely: a malformed packet
 * gives a message of the wrong type, never a read out of bounds).
 *
 * Both sides compile this file; nothing in it knows the host. */
#ifndef TENDER_CORE_ISOLATION_PROTOCOL_H
#define TENDER_CORE_ISOLATION_PROTOCOL_H

#include <glib.h>

#include <tender/plugin.h>

G_BEGIN_DECLS

/* Bumped whenever a body's type changes; the handshake refuses a worker of
 * another version. */
#define ISOLATION_PROTOCOL_VERSION 2

/* The biggest packet either side sends or accepts. A tender_result is about
 * 18 KiB; the rest is room for a provider's HTTP answer. A longer packet is
 * a protocol violation. */
#define ISOLATION_MAX_MESSAGE (128 * 1024)

/* The worker's end of the socket pair is always this descriptor. */
#define ISOLATION_WORKER_FD 3

typedef enum {
    /* host -> worker */
    ISO_HELLO = 1,         /* (uuu) protocol, host ABI major, minor */
    ISO_CREATE = 2,        /* (ay) method id */
    ISO_DESTROY = 3,       /* (t) instance */
    ISO_CALL = 4,          /* (tumayv) instance, slot, sandbox event, request */
    ISO_SERVICE_REPLY = 5, /* v: the service's answer */
    /* worker -> host */
    ISO_DESCRIPTOR = 16, /* v: a descriptor, or (ay) the refusal */
    ISO_REFUSED = 17,    /* (ay) why the plugin could not be loaded */
    ISO_CREATED = 18,    /* (itay) rc, instance, error text */
    ISO_DONE = 19,       /* () destroy finished */
    ISO_RESULT = 20,     /* v: a tender_result */
    ISO_SERVICE = 21,    /* (uv) a host service the plugin called */
} IsolationKind;

/* Which function of a method's ops table an ISO_CALL runs. */
typedef enum {
    ISO_SLOT_AUTHORIZE = 0,
    ISO_SLOT_PURCHASE,
    ISO_SLOT_CAPTURE,
    ISO_SLOT_VOID,
    ISO_SLOT_REFUND,
    ISO_SLOT_SYNC,
    ISO_SLOT_COMPLETE_ACTION,
    ISO_SLOT_IDENTIFY_NOTIFICATION,
    ISO_SLOT_NOTIFICATION,
    ISO_SLOT_SANDBOX_NOTIFICATION,
    ISO_SLOT_DESCRIBE_INSTRUMENT,
    ISO_SLOT_REAUTHORIZE, /* ABI 1.2 */
    ISO_SLOT_COUNT_
} IsolationSlot;

/* The host services a worker forwards (ISO_SERVICE's first member). */
typedef enum {
    ISO_SVC_LOG = 1,           /* (uayay) level, method, message; no reply */
    ISO_SVC_NOW = 2,           /* () -> (x) */
    ISO_SVC_RANDOM = 3,        /* (t) -> (ay) */
    ISO_SVC_CONFIG_STRING = 4, /* (ayayt) -> (iay) */
    ISO_SVC_CONFIG_INT64 = 5,  /* (ayay) -> (ix) */
    ISO_SVC_CONFIG_BOOL = 6,   /* (ayay) -> (ii) */
    ISO_SVC_HTTP = 7,          /* (ayayaya(ayay)ay) -> (uia(ayay)ayay) */
} IsolationService;

/* The function of m for slot (through the size- and capability-checked
 * table; NULL when absent). ISO_SLOT_SANDBOX_NOTIFICATION is not a
 * tender_operation_fn: use abi_sandbox_notification_fn. */
tender_operation_fn isolation_slot_fn(const tender_method *m, IsolationSlot slot);
/* A bit per IsolationSlot the method fills. */
guint32 isolation_method_slots(const tender_method *m);

/* ---- packets ---- */

/* Send one message; FALSE when the peer is gone or the packet is too big.
 * body is consumed when floating. */
gboolean isolation_send(int fd, guint32 kind, guint32 call_id, GVariant *body);

typedef enum {
    ISO_RECV_OK,
    ISO_RECV_CLOSED,    /* the peer closed its end (or died) */
    ISO_RECV_MALFORMED, /* too big, or not a "(uuv)" */
} IsolationRecv;
/* Receive one message (blocking); on ISO_RECV_OK *body is a new reference. */
IsolationRecv isolation_recv(int fd, guint32 *kind, guint32 *call_id, GVariant **body);

/* ---- payloads ---- */

/* A string as "may" (NULL as nothing) and back (an owned copy, NULL for
 * nothing). Byte strings are read up to their first NUL. */
GVariant *isolation_maybe_bytes(const char *s);
char *isolation_dup_maybe_bytes(GVariant *v);
/* An "ay" (NUL-terminated or not) as an owned string, up to its first NUL. */
char *isolation_dup_bytes(GVariant *ay);
/* A fixed char array as "ay", up to its first NUL or its size. */
GVariant *isolation_array_bytes(const char *field, gsize size);

/* The request and the result. Encoded by the side that owns them; decoded
 * into storage the decoder owns (IsolationRequest keeps the strings). */
GVariant *isolation_request_encode(const tender_request *req);
typedef struct {
    tender_request req;
    GPtrArray *strings; /* everything req points at */
    tender_param *params;
    tender_param *headers;
} IsolationRequest;
gboolean isolation_request_decode(GVariant *v, IsolationRequest *out);
void isolation_request_clear(IsolationRequest *r);

GVariant *isolation_result_encode(const tender_result *res);
/* Fill res (zeroed by the caller, struct_size set) from v; every string is
 * truncated to its array and terminated. FALSE when v has the wrong type or
 * does not hold exactly the 18 NUL-terminated strings (res is then partly
 * written: the caller wipes it). */
gboolean isolation_result_decode(GVariant *v, tender_result *res);

/* The descriptor: everything a host reads of it, with which slots each
 * method's ops table fills (a bit per IsolationSlot; create and destroy are
 * mandatory and not counted). */
GVariant *isolation_descriptor_encode(const tender_plugin_descriptor *d);

G_END_DECLS

#endif
