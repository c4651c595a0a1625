/* The wire protocol between the host and tender-plugin-worker (private to
 * libtender and the worker; docs/isolation.md describes it).
 *
 * One SOCK_SEQPACKET socket pair: every message is one packet, so the
 * kernel keeps the boundaries and a reader never sees half a message. A
 * packet is an 8-byte frame header (kind, call id: two little-endian
 * uint32) and a body whose format the kind fixes:
 *
 * - the hot messages (ISO_CALL, ISO_RESULT: every isolated call is one of
 *   each; ISO_HTTP, ISO_HTTP_REPLY: one each per provider request) have a
 *   flat body, see "flat bodies" below;
 * - every other message's body is a serialised GVariant of type "v" whose
 *   inner type the kind fixes. Everything a plugin produced travels as
 *   byte strings ("ay"), never as "s": a plugin's string need not be
 *   UTF-8. GVariant reads untrusted data safely (a malformed packet gives a
 *   message of the wrong type, never a read out of bounds), and the
 *   receiver checks every type and bound before it uses anything.
 *
 * Both sides compile this file; nothing in it knows the host. */
#ifndef TENDER_CORE_ISOLATION_PROTOCOL_H
#define TENDER_CORE_ISOLATION_PROTOCOL_H

#include <glib.h>

#include <tender/plugin.h>

G_BEGIN_DECLS

/* Bumped whenever a body's type changes; the handshake refuses a worker of
 * another version. */
#define ISOLATION_PROTOCOL_VERSION 3

/* The biggest packet either side sends or accepts. A tender_result is about
 * 18 KiB; the rest is room for a provider's HTTP answer. A longer packet is
 * a protocol violation. */
#define ISOLATION_MAX_MESSAGE (128 * 1024)

/* The worker's end of the socket pair is always this descriptor. */
#define ISOLATION_WORKER_FD 3

/* The frame header: kind, then call id. */
#define ISOLATION_FRAME_HEADER 8

typedef enum {
    /* host -> worker */
    ISO_HELLO = 1,         /* (uuu) protocol, host ABI major, minor */
    ISO_CREATE = 2,        /* (ayb) method id, whether the worker confines itself
                              (seccomp) before it runs the plugin's create */
    ISO_DESTROY = 3,       /* (t) instance */
    ISO_CALL = 4,          /* flat: instance, slot, sandbox event, request */
    ISO_SERVICE_REPLY = 5, /* v: the service's answer */
    ISO_HTTP_REPLY = 6,    /* flat: the http service's answer */
    /* worker -> host */
    ISO_DESCRIPTOR = 16, /* v: a descriptor, or (ay) the refusal */
    ISO_REFUSED = 17,    /* (ay) why the plugin could not be loaded */
    ISO_CREATED = 18,    /* (itay) rc, instance, error text */
    ISO_DONE = 19,       /* () destroy finished */
    ISO_RESULT = 20,     /* flat: a tender_result */
    ISO_SERVICE = 21,    /* (uv) a host service the plugin called */
    ISO_HTTP = 22,       /* flat: the plugin called the http service */
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
    /* 7 was the http service, a flat ISO_HTTP since protocol 3 */
} IsolationService;

/* The operation slots the method's table sets without declaring their
 * capability (bits 1 << IsolationSlot): mirrored in the host-side table so
 * that a check of the table sees them, never called (the host reaches a
 * slot only through its capability). */
guint32 isolation_method_undeclared_slots(const tender_method *m);

/* The function of m for slot (through the size- and capability-checked
 * table; NULL when absent). ISO_SLOT_SANDBOX_NOTIFICATION is not a
 * tender_operation_fn: use abi_sandbox_notification_fn. */
tender_operation_fn isolation_slot_fn(const tender_method *m, IsolationSlot slot);
/* A bit per IsolationSlot the method fills. */
guint32 isolation_method_slots(const tender_method *m);

/* ---- packets ---- */

/* Whether a kind's body is flat (else a GVariant). */
gboolean isolation_kind_is_flat(guint32 kind);

/* Send one message with a GVariant body; FALSE when the peer is gone or the
 * packet is too big. body is consumed when floating. */
gboolean isolation_send(int fd, guint32 kind, guint32 call_id, GVariant *body);
/* Send one message with a flat body (isolation_call_encode() and
 * isolation_result_encode() write one). */
gboolean isolation_send_flat(int fd, guint32 kind, guint32 call_id, const GByteArray *body);

typedef enum {
    ISO_RECV_OK,
    ISO_RECV_CLOSED,    /* the peer closed its end (or died) */
    ISO_RECV_MALFORMED, /* too big, shorter than its header, or a GVariant
                           body that is not a variant in normal form */
} IsolationRecv;
/* Receive one message (blocking); on ISO_RECV_OK *body is a new reference:
 * for a flat kind an "ay" of the body's bytes (unchecked: its decoder
 * checks it), else the GVariant the body carried. */
IsolationRecv isolation_recv(int fd, guint32 *kind, guint32 *call_id, GVariant **body);
/* A flat body's bytes (NULL and *len 0 when body is not an "ay"; the
 * pointer may also be NULL for an empty body). Owned by body. */
const guint8 *isolation_flat_body(GVariant *body, gsize *len);

/* ---- payloads ---- */

/* A method's sandbox fixtures in its descriptor: name, region, currency,
 * amount, tier, params, expect_outcome, expect_decline, complete_params,
 * sandbox_event, expect_after_action. */
#define ISOLATION_FIXTURES_TYPE "a(maymaymaymaymaya(maymay)uua(maymay)mayu)"

/* A string as "may" (NULL as nothing) and back (an owned copy, NULL for
 * nothing). Byte strings are read up to their first NUL. */
GVariant *isolation_maybe_bytes(const char *s);
char *isolation_dup_maybe_bytes(GVariant *v);
/* An "ay" (NUL-terminated or not) as an owned string, up to its first NUL. */
char *isolation_dup_bytes(GVariant *ay);
/* A fixed char array as "ay", up to its first NUL or its size. */
GVariant *isolation_array_bytes(const char *field, gsize size);

/* ---- flat bodies (isolation-flat.c) ----
 *
 * A flat body is a 16-byte header, a fixed part of integers, then strings:
 *
 *     offset 0   uint32 layout     ISOLATION_FLAT_LAYOUT
 *            4   uint32 fixed_size the fixed part's size (the strings start
 *                                  at 16 + fixed_size)
 *            8   uint32 n_strings  how many strings follow the fixed part
 *           12   uint32 total      the body's size in bytes
 *           16   the fixed part (integers, little-endian, at fixed offsets)
 *                then each string: uint32 length (0xffffffff: NULL), bytes
 *
 * ISO_CALL's fixed part: uint64 instance, uint32 slot, operation, flags,
 * attempt, exponent, reserved, int64 amount, authorized, captured,
 * refunded, deadline_ms, uint32 n_params, n_headers; its strings: the
 * sandbox event, payment_id, request_id, currency, region, account, tier,
 * plugin_state, processor_ref, a key and a value per param, then per
 * header, and the body (bytes, may hold NULs).
 *
 * ISO_RESULT's fixed part: uint32 outcome, decline_code, event,
 * action_kind, reply_status, reserved, int64 amount, action_expires_ms;
 * its strings: the result's 18 char arrays in struct order, none NULL.
 *
 * A decoder refuses a body whose header disagrees with its layout or its
 * size, a string that runs past the end, a count the body cannot hold, a
 * C string holding a NUL, and any byte after the last string. */
#define ISOLATION_FLAT_LAYOUT 1
#define ISOLATION_FLAT_N_STRINGS_AT 8
#define ISOLATION_FLAT_TOTAL_AT 12

/* The call, encoded into out (emptied first) by the host and decoded by
 * the worker into storage the decoder owns (IsolationCall keeps the
 * strings). */
void isolation_call_encode(GByteArray *out, guint64 handle, guint32 slot, const char *event,
                           const tender_request *req);
typedef struct {
    guint64 handle;
    guint32 slot;
    const char *event; /* NULL but for sandbox_notification */
    tender_request req;
    char *arena; /* every string of req and event */
    tender_param *params;
    tender_param *headers;
} IsolationCall;
/* FALSE when the body is not a well-formed call (c is then partly filled:
 * isolation_call_clear() it all the same). */
gboolean isolation_call_decode(const guint8 *data, gsize len, IsolationCall *c);
void isolation_call_clear(IsolationCall *c);

/* The result, encoded by the worker into out (emptied first). */
void isolation_result_encode(GByteArray *out, const tender_result *res);
/* Fill res (zeroed by the caller, struct_size set) from a flat body; every
 * string is truncated to its array and terminated. FALSE when the body is
 * not a well-formed result (res is then partly written: the caller wipes
 * it). */
gboolean isolation_result_decode(const guint8 *data, gsize len, tender_result *res);

/* The http service, forwarded by the worker (ISO_HTTP) and answered by
 * the host (ISO_HTTP_REPLY). The request's fixed part: uint32 n_headers,
 * reserved; its strings: method id, HTTP method, URL, a name and a value
 * per header (never NULL), the body (NULL: none). The response's fixed
 * part: uint32 outcome, status, n_headers, reserved; its strings: a name
 * and a value per header, the body (never NULL), the message. */
void isolation_http_request_encode(GByteArray *out, const char *method_id,
                                   const tender_http_request *req);
typedef struct {
    const char *method_id;
    tender_http_request req;
    char *arena; /* every string and the body */
    tender_http_header *headers;
} IsolationHttpRequest;
gboolean isolation_http_request_decode(const guint8 *data, gsize len, IsolationHttpRequest *h);
void isolation_http_request_clear(IsolationHttpRequest *h);

void isolation_http_response_encode(GByteArray *out, const tender_http_response *res);
typedef struct {
    tender_http_response res; /* host_private unset: the decoder's caller owns it */
    char *arena;              /* every string and the body (NUL after it) */
    tender_http_header *headers;
} IsolationHttpResponse;
gboolean isolation_http_response_decode(const guint8 *data, gsize len,
                                        IsolationHttpResponse *h);
void isolation_http_response_clear(IsolationHttpResponse *h);

/* The descriptor: everything a host reads of it, with which slots each
 * method's ops table fills (a bit per IsolationSlot; create and destroy are
 * mandatory and not counted). */
GVariant *isolation_descriptor_encode(const tender_plugin_descriptor *d);

G_END_DECLS

#endif
