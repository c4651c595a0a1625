/* The flat (fixed-layout) bodies of the hot messages: ISO_CALL and
 * ISO_RESULT (isolation-protocol.h describes the layout).
 *
 * These two messages are every isolated call's cost. As GVariants they
 * cost the host and the worker about 400 k instructions a call between
 * them (building the tree of children, the normal-form check of untrusted
 * data, taking the children apart); written as integers at fixed offsets
 * and strings as length + bytes they are a few memcpy()s.
 *
 * The reader trusts nothing: every length is checked against what is left
 * of the packet before a byte is read, every count against what the packet
 * could hold before anything is allocated, and a body that does not end
 * exactly where its last string ends is refused. Integers are read with
 * memcpy() (the packet has no alignment) and are little-endian on the
 * wire. */
#include "isolation-protocol.h"

#include <string.h>

#define FLAT_NULL_STRING 0xffffffffu

/* ---- writing ---- */

static void put_u32(GByteArray *out, guint32 v)
{
    v = GUINT32_TO_LE(v);
    g_byte_array_append(out, (const guint8 *)&v, sizeof v);
}

static void put_u64(GByteArray *out, guint64 v)
{
    v = GUINT64_TO_LE(v);
    g_byte_array_append(out, (const guint8 *)&v, sizeof v);
}

/* A string: its length then its bytes (NULL: the length FLAT_NULL_STRING). */
static void put_bytes(GByteArray *out, const char *s, gsize n)
{
    if (s == NULL) {
        put_u32(out, FLAT_NULL_STRING);
        return;
    }
    put_u32(out, (guint32)n);
    g_byte_array_append(out, (const guint8 *)s, (guint)n);
}

static void put_string(GByteArray *out, const char *s)
{
    put_bytes(out, s, s ? strlen(s) : 0);
}

/* The header, with total and n_strings patched in by end_body(). */
static void begin_body(GByteArray *out, guint32 fixed_size)
{
    g_byte_array_set_size(out, 0);
    put_u32(out, ISOLATION_FLAT_LAYOUT);
    put_u32(out, fixed_size);
    put_u32(out, 0);
    put_u32(out, 0);
}

static void end_body(GByteArray *out, guint32 n_strings)
{
    guint32 n = GUINT32_TO_LE(n_strings), total = GUINT32_TO_LE(out->len);
    memcpy(out->data + ISOLATION_FLAT_N_STRINGS_AT, &n, sizeof n);
    memcpy(out->data + ISOLATION_FLAT_TOTAL_AT, &total, sizeof total);
}

/* ---- reading ---- */

typedef struct {
    const guint8 *p;
    gsize left;
    gboolean ok; /* FALSE once anything was out of bounds; sticky */
} FlatReader;

/* n bytes into out (zeros once out of bounds). */
static void get_raw(FlatReader *r, void *out, gsize n)
{
    if (r->ok && r->left >= n) {
        memcpy(out, r->p, n);
        r->p += n;
        r->left -= n;
    } else {
        r->ok = FALSE;
        memset(out, 0, n);
    }
}

static guint32 get_u32(FlatReader *r)
{
    guint32 v;
    get_raw(r, &v, sizeof v);
    return GUINT32_FROM_LE(v);
}

static guint64 get_u64(FlatReader *r)
{
    guint64 v;
    get_raw(r, &v, sizeof v);
    return GUINT64_FROM_LE(v);
}

/* The next string: *s and *n point into the packet (*s NULL for a NULL
 * string). FALSE when its length runs past the end. */
static gboolean get_bytes(FlatReader *r, const guint8 **s, gsize *n)
{
    guint32 len = get_u32(r);
    *s = NULL;
    *n = 0;
    if (!r->ok || len == FLAT_NULL_STRING)
        return r->ok;
    if (len > r->left)
        return r->ok = FALSE;
    *s = r->p;
    *n = len;
    r->p += len;
    r->left -= len;
    return TRUE;
}

/* Check the header; on success the reader stands at the fixed fields and
 * *n_strings is the count the header claims, already checked against what
 * the packet can hold (every string takes at least its 4-byte length). */
static gboolean open_body(FlatReader *r, const guint8 *data, gsize len, guint32 fixed_size,
                          guint32 *n_strings)
{
    *r = (FlatReader){data, len, TRUE};
    guint32 layout = get_u32(r), fixed = get_u32(r);
    *n_strings = get_u32(r);
    guint32 total = get_u32(r);
    return r->ok && layout == ISOLATION_FLAT_LAYOUT && fixed == fixed_size && total == len &&
           r->left >= fixed_size && *n_strings <= (r->left - fixed_size) / 4;
}

/* ---- the call ---- */

#define CALL_FIXED_SIZE (8 + 4 * 6 + 8 * 5 + 4 * 2)
#define CALL_REQUEST_STRINGS 8

void isolation_call_encode(GByteArray *out, guint64 handle, guint32 slot, const char *event,
                           const tender_request *req)
{
    size_t n_params = req->params ? req->n_params : 0;
    size_t n_headers = req->headers ? req->n_headers : 0;
    begin_body(out, CALL_FIXED_SIZE);
    put_u64(out, handle);
    put_u32(out, slot);
    put_u32(out, req->operation);
    put_u32(out, req->flags);
    put_u32(out, req->attempt);
    put_u32(out, (guint32)req->exponent);
    put_u32(out, 0); /* reserved: keeps the 64-bit fields on 8 bytes */
    put_u64(out, (guint64)req->amount);
    put_u64(out, (guint64)req->authorized_amount);
    put_u64(out, (guint64)req->captured_amount);
    put_u64(out, (guint64)req->refunded_amount);
    put_u64(out, (guint64)req->deadline_ms);
    put_u32(out, (guint32)n_params);
    put_u32(out, (guint32)n_headers);
    put_string(out, event);
    const char *strings[CALL_REQUEST_STRINGS] = {
        req->payment_id, req->request_id, req->currency,     req->region,
        req->account,    req->tier,       req->plugin_state, req->processor_ref};
    for (size_t i = 0; i < CALL_REQUEST_STRINGS; i++)
        put_string(out, strings[i]);
    for (size_t i = 0; i < n_params; i++) {
        put_string(out, req->params[i].key);
        put_string(out, req->params[i].value);
    }
    for (size_t i = 0; i < n_headers; i++) {
        put_string(out, req->headers[i].key);
        put_string(out, req->headers[i].value);
    }
    put_bytes(out, req->body ? req->body : "", req->body ? req->body_len : 0);
    end_body(out, (guint32)(1 + CALL_REQUEST_STRINGS + 2 * (n_params + n_headers) + 1));
}

/* The next C string, copied into the arena and terminated; FALSE when it
 * is out of bounds or holds a NUL (no C string does). */
static gboolean take_string(FlatReader *r, char **arena, const char **out)
{
    const guint8 *s;
    gsize n;
    if (!get_bytes(r, &s, &n))
        return FALSE;
    *out = NULL;
    if (s == NULL)
        return TRUE;
    if (n > 0 && memchr(s, '\0', n) != NULL)
        return r->ok = FALSE;
    if (n > 0)
        memcpy(*arena, s, n);
    (*arena)[n] = '\0';
    *out = *arena;
    *arena += n + 1;
    return TRUE;
}

static gboolean take_params(FlatReader *r, char **arena, tender_param *params, gsize n)
{
    for (gsize i = 0; i < n; i++)
        if (!take_string(r, arena, &params[i].key) || !take_string(r, arena, &params[i].value))
            return FALSE;
    return TRUE;
}

gboolean isolation_call_decode(const guint8 *data, gsize len, IsolationCall *c)
{
    memset(c, 0, sizeof *c);
    FlatReader r;
    guint32 n_strings;
    if (!open_body(&r, data, len, CALL_FIXED_SIZE, &n_strings))
        return FALSE;
    tender_request *q = &c->req;
    q->struct_size = sizeof *q;
    c->handle = get_u64(&r);
    c->slot = get_u32(&r);
    q->operation = get_u32(&r);
    q->flags = get_u32(&r);
    q->attempt = get_u32(&r);
    q->exponent = (gint32)get_u32(&r);
    (void)get_u32(&r);
    q->amount = (gint64)get_u64(&r);
    q->authorized_amount = (gint64)get_u64(&r);
    q->captured_amount = (gint64)get_u64(&r);
    q->refunded_amount = (gint64)get_u64(&r);
    q->deadline_ms = (gint64)get_u64(&r);
    guint32 n_params = get_u32(&r), n_headers = get_u32(&r);
    /* Both counts are checked against n_strings, itself bounded by the
     * packet's size, before the arrays are allocated. */
    if (!r.ok || n_params > n_strings / 2 || n_headers > n_strings / 2 ||
        n_strings != 1 + CALL_REQUEST_STRINGS + 2 * (n_params + n_headers) + 1)
        return FALSE;
    /* Every string needs at most its length field's room in the arena for
     * its bytes and NUL, so the packet's size bounds the arena. */
    c->arena = g_malloc(len + 1);
    char *arena = c->arena;
    const char **strings[CALL_REQUEST_STRINGS] = {&q->payment_id,   &q->request_id,   &q->currency,
                                                  &q->region,       &q->account,      &q->tier,
                                                  &q->plugin_state, &q->processor_ref};
    gboolean ok = take_string(&r, &arena, &c->event);
    for (size_t i = 0; ok && i < CALL_REQUEST_STRINGS; i++)
        ok = take_string(&r, &arena, strings[i]);
    c->params = g_new0(tender_param, n_params + 1);
    c->headers = g_new0(tender_param, n_headers + 1);
    ok = ok && take_params(&r, &arena, c->params, n_params) &&
         take_params(&r, &arena, c->headers, n_headers);
    q->params = c->params;
    q->n_params = n_params;
    q->headers = c->headers;
    q->n_headers = n_headers;
    /* The body keeps its length (it may hold NULs) and gets a NUL after. */
    const guint8 *body;
    gsize body_len;
    ok = ok && get_bytes(&r, &body, &body_len) && body != NULL;
    if (ok) {
        if (body_len > 0)
            memcpy(arena, body, body_len);
        arena[body_len] = '\0';
        q->body = arena;
        q->body_len = body_len;
    }
    return ok && r.left == 0;
}

void isolation_call_clear(IsolationCall *c)
{
    g_free(c->arena);
    g_free(c->params);
    g_free(c->headers);
    memset(c, 0, sizeof *c);
}

/* ---- the result ---- */

/* Every char array of tender_result, in the order it travels. */
#define RESULT_STRINGS(X)                                                                          \
    X(raw_code)                                                                                    \
    X(message) X(processor_ref) X(plugin_state) X(action_data) X(action_hint) X(display_brand)     \
        X(display_first6) X(display_last4) X(display_account) X(display_country) X(details)        \
            X(notify_payment_id) X(notify_id) X(reply_content_type) X(reply_body)                  \
                X(notify_headers) X(notify_body)
#define RESULT_N_STRINGS 18
#define RESULT_FIXED_SIZE (4 * 6 + 8 * 2)

void isolation_result_encode(GByteArray *out, const tender_result *res)
{
    begin_body(out, RESULT_FIXED_SIZE);
    put_u32(out, res->outcome);
    put_u32(out, res->decline_code);
    put_u32(out, res->event);
    put_u32(out, res->action_kind);
    put_u32(out, res->reply_status);
    put_u32(out, 0); /* reserved */
    put_u64(out, (guint64)res->amount);
    put_u64(out, (guint64)res->action_expires_ms);
#define PUT(f) put_bytes(out, res->f, strnlen(res->f, sizeof res->f));
    RESULT_STRINGS(PUT)
#undef PUT
    end_body(out, RESULT_N_STRINGS);
}

/* The next string into a char array, truncated to it and terminated. */
static gboolean take_field(FlatReader *r, char *field, gsize size)
{
    const guint8 *s;
    gsize n;
    if (!get_bytes(r, &s, &n) || s == NULL)
        return r->ok = FALSE;
    n = MIN(n, size - 1);
    if (n > 0)
        memcpy(field, s, n);
    field[n] = '\0';
    return TRUE;
}

gboolean isolation_result_decode(const guint8 *data, gsize len, tender_result *res)
{
    FlatReader r;
    guint32 n_strings;
    if (!open_body(&r, data, len, RESULT_FIXED_SIZE, &n_strings) || n_strings != RESULT_N_STRINGS)
        return FALSE;
    res->outcome = get_u32(&r);
    res->decline_code = get_u32(&r);
    res->event = get_u32(&r);
    res->action_kind = get_u32(&r);
    res->reply_status = get_u32(&r);
    (void)get_u32(&r);
    res->amount = (gint64)get_u64(&r);
    res->action_expires_ms = (gint64)get_u64(&r);
    gboolean ok = r.ok;
#define GET(f) ok = ok && take_field(&r, res->f, sizeof res->f);
    RESULT_STRINGS(GET)
#undef GET
    /* Bytes after the 18th string: not something this host's worker sends. */
    return ok && r.left == 0;
}

/* ---- the http service ---- */

/* The next byte string (a body: may hold NULs), copied into the arena with
 * a NUL after it; *out NULL for a NULL string. */
static gboolean take_blob(FlatReader *r, char **arena, const char **out, gsize *len)
{
    const guint8 *s;
    if (!get_bytes(r, &s, len))
        return FALSE;
    *out = NULL;
    if (s == NULL)
        return TRUE;
    if (*len > 0)
        memcpy(*arena, s, *len);
    (*arena)[*len] = '\0';
    *out = *arena;
    *arena += *len + 1;
    return TRUE;
}

static void put_http_headers(GByteArray *out, const tender_http_header *headers, size_t n)
{
    /* A NULL name or value travels as "", as the host's own service would
     * read it. */
    for (size_t i = 0; i < n; i++) {
        put_string(out, headers[i].name ? headers[i].name : "");
        put_string(out, headers[i].value ? headers[i].value : "");
    }
}

/* n headers into an array the caller frees (n is bounded by n_strings). */
static tender_http_header *take_http_headers(FlatReader *r, char **arena, gsize n, gboolean *ok)
{
    tender_http_header *headers = g_new0(tender_http_header, n + 1);
    for (gsize i = 0; *ok && i < n; i++)
        *ok = take_string(r, arena, &headers[i].name) && headers[i].name != NULL &&
              take_string(r, arena, &headers[i].value) && headers[i].value != NULL;
    return headers;
}

#define HTTP_REQUEST_FIXED_SIZE 8
#define HTTP_RESPONSE_FIXED_SIZE 16

void isolation_http_request_encode(GByteArray *out, const char *method_id,
                                   const tender_http_request *req)
{
    size_t n_headers = req && req->headers ? req->n_headers : 0;
    begin_body(out, HTTP_REQUEST_FIXED_SIZE);
    put_u32(out, (guint32)n_headers);
    put_u32(out, 0); /* reserved */
    put_string(out, method_id);
    put_string(out, req ? req->method : NULL);
    put_string(out, req ? req->url : NULL);
    if (n_headers > 0)
        put_http_headers(out, req->headers, n_headers);
    put_bytes(out, req ? req->body : NULL, req && req->body ? req->body_len : 0);
    end_body(out, (guint32)(3 + 2 * n_headers + 1));
}

gboolean isolation_http_request_decode(const guint8 *data, gsize len, IsolationHttpRequest *h)
{
    memset(h, 0, sizeof *h);
    FlatReader r;
    guint32 n_strings;
    if (!open_body(&r, data, len, HTTP_REQUEST_FIXED_SIZE, &n_strings))
        return FALSE;
    guint32 n_headers = get_u32(&r);
    (void)get_u32(&r);
    if (!r.ok || n_headers > n_strings / 2 || n_strings != 3 + 2 * n_headers + 1)
        return FALSE;
    h->arena = g_malloc(len + 1);
    char *arena = h->arena;
    tender_http_request *q = &h->req;
    q->struct_size = sizeof *q;
    gboolean ok = take_string(&r, &arena, &h->method_id) && take_string(&r, &arena, &q->method) &&
                  take_string(&r, &arena, &q->url);
    h->headers = take_http_headers(&r, &arena, n_headers, &ok);
    q->headers = h->headers;
    q->n_headers = n_headers;
    const char *body = NULL;
    gsize body_len = 0;
    ok = ok && take_blob(&r, &arena, &body, &body_len);
    q->body = body;
    q->body_len = body_len;
    return ok && r.left == 0;
}

void isolation_http_request_clear(IsolationHttpRequest *h)
{
    g_free(h->arena);
    g_free(h->headers);
    memset(h, 0, sizeof *h);
}

void isolation_http_response_encode(GByteArray *out, const tender_http_response *res)
{
    size_t n_headers = res->headers ? res->n_headers : 0;
    begin_body(out, HTTP_RESPONSE_FIXED_SIZE);
    put_u32(out, res->outcome);
    put_u32(out, (guint32)res->status);
    put_u32(out, (guint32)n_headers);
    put_u32(out, 0); /* reserved */
    if (n_headers > 0)
        put_http_headers(out, res->headers, n_headers);
    put_bytes(out, res->body ? res->body : "", res->body ? res->body_len : 0);
    put_bytes(out, res->message, strnlen(res->message, sizeof res->message));
    end_body(out, (guint32)(2 * n_headers + 2));
}

gboolean isolation_http_response_decode(const guint8 *data, gsize len, IsolationHttpResponse *h)
{
    memset(h, 0, sizeof *h);
    FlatReader r;
    guint32 n_strings;
    if (!open_body(&r, data, len, HTTP_RESPONSE_FIXED_SIZE, &n_strings))
        return FALSE;
    tender_http_response *res = &h->res;
    res->struct_size = sizeof *res;
    res->outcome = get_u32(&r);
    res->status = (int)get_u32(&r);
    guint32 n_headers = get_u32(&r);
    (void)get_u32(&r);
    if (!r.ok || n_headers > n_strings / 2 || n_strings != 2 * n_headers + 2)
        return FALSE;
    h->arena = g_malloc(len + 1);
    char *arena = h->arena;
    gboolean ok = TRUE;
    h->headers = take_http_headers(&r, &arena, n_headers, &ok);
    res->headers = h->headers;
    res->n_headers = n_headers;
    const char *body = NULL;
    gsize body_len = 0;
    ok = ok && take_blob(&r, &arena, &body, &body_len) && body != NULL;
    res->body = body;
    res->body_len = body_len;
    ok = ok && take_field(&r, res->message, sizeof res->message);
    return ok && r.left == 0;
}

void isolation_http_response_clear(IsolationHttpResponse *h)
{
    g_free(h->arena);
    g_free(h->headers);
    memset(h, 0, sizeof *h);
}
