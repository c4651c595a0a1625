/* The host <-> worker wire format (isolation-protocol.h). */
#include "isolation-protocol.h"
#include "loader.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define MESSAGE_TYPE G_VARIANT_TYPE("(uuv)")

static GPrivate recv_buffer = G_PRIVATE_INIT(g_free);

gboolean isolation_send(int fd, guint32 kind, guint32 call_id, GVariant *body)
{
    GVariant *fields[] = {g_variant_new_uint32(kind), g_variant_new_uint32(call_id),
                          g_variant_new_variant(body)};
    GVariant *msg = g_variant_ref_sink(g_variant_new_tuple(fields, G_N_ELEMENTS(fields)));
    gsize size = g_variant_get_size(msg);
    gboolean ok = FALSE;
    if (size <= ISOLATION_MAX_MESSAGE) {
        const void *data = g_variant_get_data(msg);
        ssize_t n;
        do
            n = send(fd, data, size, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        ok = n == (ssize_t)size;
    }
    g_variant_unref(msg);
    return ok;
}

IsolationRecv isolation_recv(int fd, guint32 *kind, guint32 *call_id, GVariant **body)
{
    /* One byte more than the limit: a packet that fills it was too big.
     * The buffer is the thread's, kept between packets (a fresh 128 KiB
     * block a packet cost an allocation and its page faults); the message
     * keeps a copy of just the bytes that came. */
    guint8 *buf = g_private_get(&recv_buffer);
    if (buf == NULL) {
        buf = g_malloc(ISOLATION_MAX_MESSAGE + 1);
        g_private_set(&recv_buffer, buf);
    }
    ssize_t n;
    do
        n = recv(fd, buf, ISOLATION_MAX_MESSAGE + 1, MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return ISO_RECV_CLOSED;
    if (n > ISOLATION_MAX_MESSAGE)
        return ISO_RECV_MALFORMED;
    GBytes *bytes = g_bytes_new(buf, (gsize)n);
    GVariant *msg = g_variant_ref_sink(g_variant_new_from_bytes(MESSAGE_TYPE, bytes, FALSE));
    g_bytes_unref(bytes);
    /* Untrusted data: only a message in normal form is taken at its word
     * (a non-normal one is what a hand-made packet looks like). */
    if (!g_variant_is_normal_form(msg)) {
        g_variant_unref(msg);
        return ISO_RECV_MALFORMED;
    }
    g_variant_get(msg, "(uuv)", kind, call_id, body);
    g_variant_unref(msg);
    return ISO_RECV_OK;
}

/* ---- strings ---- */

GVariant *isolation_maybe_bytes(const char *s)
{
    return g_variant_new_maybe(G_VARIANT_TYPE_BYTESTRING,
                               s ? g_variant_new_bytestring(s) : NULL);
}

char *isolation_dup_bytes(GVariant *ay)
{
    gsize n = 0;
    const char *p = g_variant_get_fixed_array(ay, &n, 1);
    /* An empty array may come back as NULL; g_strndup would keep it NULL. */
    return n > 0 ? g_strndup(p, n) : g_strdup("");
}

char *isolation_dup_maybe_bytes(GVariant *v)
{
    GVariant *inner = g_variant_get_maybe(v);
    if (inner == NULL)
        return NULL;
    char *s = isolation_dup_bytes(inner);
    g_variant_unref(inner);
    return s;
}

GVariant *isolation_array_bytes(const char *field, gsize size)
{
    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, field, strnlen(field, size), 1);
}

static GVariant *bytes_or_empty(const char *s)
{
    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, s ? s : "", s ? strlen(s) : 0, 1);
}

/* ---- request ---- */

/* A list of nullable strings travels as two byte arrays: one presence
 * byte per string (0: NULL, 1: present) and the present strings packed,
 * each NUL-terminated. The request's 8 strings and each pair of its params
 * and headers were "may" children of their own (a(maymay) for the lists):
 * about 60 % of an isolated call's instructions went to building, checking
 * and taking those children apart. C strings hold no NUL, so the packing is
 * unambiguous; the decoder checks it all the same. */
typedef struct {
    GByteArray *presence;
    GByteArray *packed;
} StringPack;

static void pack_add(StringPack *sp, const char *s)
{
    guint8 present = s != NULL;
    g_byte_array_append(sp->presence, &present, 1);
    if (s != NULL)
        g_byte_array_append(sp->packed, (const guint8 *)s, (guint)strlen(s) + 1);
}

static GVariant *pack_end(StringPack *sp)
{
    GVariant *pair[] = {
        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, sp->presence->data, sp->presence->len, 1),
        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, sp->packed->data, sp->packed->len, 1)};
    GVariant *v = g_variant_new_tuple(pair, G_N_ELEMENTS(pair));
    g_byte_array_unref(sp->presence);
    g_byte_array_unref(sp->packed);
    return v;
}

static StringPack pack_new(void)
{
    return (StringPack){g_byte_array_new(), g_byte_array_new()};
}

static GVariant *params_encode(const tender_param *params, size_t n)
{
    StringPack sp = pack_new();
    for (size_t i = 0; params && i < n; i++) {
        pack_add(&sp, params[i].key);
        pack_add(&sp, params[i].value);
    }
    return pack_end(&sp);
}

#define PACK_TYPE "(ayay)"
#define REQUEST_TYPE "(uuuuxixxxx" PACK_TYPE PACK_TYPE PACK_TYPE "ay)"
#define REQUEST_N_STRINGS 8

GVariant *isolation_request_encode(const tender_request *req)
{
    StringPack sp = pack_new();
    const char *strings[REQUEST_N_STRINGS] = {req->payment_id,   req->request_id,   req->currency,
                                              req->region,       req->account,      req->tier,
                                              req->plugin_state, req->processor_ref};
    for (size_t i = 0; i < REQUEST_N_STRINGS; i++)
        pack_add(&sp, strings[i]);
    /* Built child by child: g_variant_new() would parse its format string
     * on every call, a third of this function's cost. */
    GVariant *fields[] = {
        g_variant_new_uint32(req->struct_size),
        g_variant_new_uint32(req->operation),
        g_variant_new_uint32(req->flags),
        g_variant_new_uint32(req->attempt),
        g_variant_new_int64(req->amount),
        g_variant_new_int32(req->exponent),
        g_variant_new_int64(req->authorized_amount),
        g_variant_new_int64(req->captured_amount),
        g_variant_new_int64(req->refunded_amount),
        g_variant_new_int64(req->deadline_ms),
        pack_end(&sp),
        params_encode(req->params, req->n_params),
        params_encode(req->headers, req->n_headers),
        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, req->body ? req->body : "",
                                  req->body ? req->body_len : 0, 1)};
    return g_variant_new_tuple(fields, G_N_ELEMENTS(fields));
}

/* Reading a StringPack back; every string is copied into r->strings. */
typedef struct {
    const guint8 *presence;
    gsize n, next;
    const char *packed;
    gsize left;
} StringUnpack;

static void unpack_start(StringUnpack *u, GVariant *pack, GVariant **presence, GVariant **packed)
{
    *presence = g_variant_get_child_value(pack, 0);
    *packed = g_variant_get_child_value(pack, 1);
    u->presence = g_variant_get_fixed_array(*presence, &u->n, 1);
    u->packed = g_variant_get_fixed_array(*packed, &u->left, 1);
    u->next = 0;
}

/* The next string (NULL when absent) into *out; FALSE when the pack is not
 * what pack_add wrote. */
static gboolean unpack_next(StringUnpack *u, IsolationRequest *r, const char **out)
{
    if (u->next >= u->n || u->presence[u->next] > 1)
        return FALSE;
    *out = NULL;
    if (u->presence[u->next++] == 0)
        return TRUE;
    /* left 0: packed may be NULL (GVariant's empty array) */
    const char *nul = u->left > 0 ? memchr(u->packed, '\0', u->left) : NULL;
    if (nul == NULL)
        return FALSE;
    gsize len = (gsize)(nul - u->packed);
    char *s = g_strndup(u->packed, len);
    g_ptr_array_add(r->strings, s);
    *out = s;
    u->packed = nul + 1;
    u->left -= len + 1;
    return TRUE;
}

static gboolean unpack_done(const StringUnpack *u)
{
    return u->next == u->n && u->left == 0;
}

static tender_param *params_decode(IsolationRequest *r, GVariant *pack, size_t *n, gboolean *ok)
{
    GVariant *presence, *packed;
    StringUnpack u;
    unpack_start(&u, pack, &presence, &packed);
    *n = u.n / 2;
    tender_param *out = g_new0(tender_param, *n + 1);
    *ok = *ok && u.n % 2 == 0;
    for (size_t i = 0; *ok && i < *n; i++)
        *ok = unpack_next(&u, r, &out[i].key) && unpack_next(&u, r, &out[i].value);
    *ok = *ok && unpack_done(&u);
    g_variant_unref(presence);
    g_variant_unref(packed);
    return out;
}

gboolean isolation_request_decode(GVariant *v, IsolationRequest *r)
{
    memset(r, 0, sizeof *r);
    r->strings = g_ptr_array_new_with_free_func(g_free);
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE(REQUEST_TYPE)))
        return FALSE;
    GVariant *strings_v, *params_v, *headers_v, *body_v;
    guint32 struct_size, operation, flags, attempt;
    gint64 amount, authorized, captured, refunded, deadline;
    gint32 exponent;
    g_variant_get(v, "(uuuuxixxxx@" PACK_TYPE "@" PACK_TYPE "@" PACK_TYPE "@ay)", &struct_size,
                  &operation, &flags, &attempt, &amount, &exponent, &authorized, &captured,
                  &refunded, &deadline, &strings_v, &params_v, &headers_v, &body_v);
    tender_request *q = &r->req;
    q->struct_size = sizeof *q;
    q->operation = operation;
    q->flags = flags;
    q->attempt = attempt;
    q->amount = amount;
    q->exponent = exponent;
    q->authorized_amount = authorized;
    q->captured_amount = captured;
    q->refunded_amount = refunded;
    q->deadline_ms = deadline;

    GVariant *presence, *packed;
    StringUnpack u;
    unpack_start(&u, strings_v, &presence, &packed);
    gboolean ok = unpack_next(&u, r, &q->payment_id) && unpack_next(&u, r, &q->request_id) &&
                  unpack_next(&u, r, &q->currency) && unpack_next(&u, r, &q->region) &&
                  unpack_next(&u, r, &q->account) && unpack_next(&u, r, &q->tier) &&
                  unpack_next(&u, r, &q->plugin_state) && unpack_next(&u, r, &q->processor_ref) &&
                  unpack_done(&u);
    g_variant_unref(presence);
    g_variant_unref(packed);

    r->params = params_decode(r, params_v, &q->n_params, &ok);
    q->params = r->params;
    r->headers = params_decode(r, headers_v, &q->n_headers, &ok);
    q->headers = r->headers;
    gsize body_len = 0;
    const char *body = g_variant_get_fixed_array(body_v, &body_len, 1);
    /* The body keeps its length (it may hold NULs) and gets a NUL after. */
    char *copy = g_malloc(body_len + 1);
    if (body_len > 0) /* an empty array may come back as NULL */
        memcpy(copy, body, body_len);
    copy[body_len] = '\0';
    g_ptr_array_add(r->strings, copy);
    q->body = copy;
    q->body_len = body_len;
    GVariant *all[] = {strings_v, params_v, headers_v, body_v};
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++)
        g_variant_unref(all[i]);
    (void)struct_size;
    return ok;
}

void isolation_request_clear(IsolationRequest *r)
{
    if (r->strings)
        g_ptr_array_unref(r->strings);
    g_free(r->params);
    g_free(r->headers);
    memset(r, 0, sizeof *r);
}

/* ---- result ---- */

/* Every char array of tender_result, in the order it travels. */
#define RESULT_STRINGS(X)                                                                          \
    X(raw_code) X(message) X(processor_ref) X(plugin_state) X(action_data) X(action_hint)          \
        X(display_brand) X(display_first6) X(display_last4) X(display_account) X(display_country) \
            X(details) X(notify_payment_id) X(notify_id) X(reply_content_type) X(reply_body)      \
                X(notify_headers) X(notify_body)
#define RESULT_N_STRINGS 18

/* The 18 strings travel as one byte array, each followed by its NUL: one
 * GVariant child instead of 18 (an "aay" of them cost the worker and the
 * host about 70 k instructions a call to build, check and take apart). A
 * C string holds no NUL, so the separators are unambiguous; the decoder
 * still treats the array as untrusted and wants exactly 18 of them. */
GVariant *isolation_result_encode(const tender_result *res)
{
    char packed[sizeof *res + RESULT_N_STRINGS];
    gsize used = 0;
#define ADD(f)                                                                                     \
    {                                                                                              \
        gsize n = strnlen(res->f, sizeof res->f);                                                  \
        memcpy(packed + used, res->f, n);                                                          \
        used += n;                                                                                 \
        packed[used++] = '\0';                                                                     \
    }
    RESULT_STRINGS(ADD)
#undef ADD
    return g_variant_new("(uuuuxuxu@ay)", res->outcome, res->decline_code, res->event,
                         res->action_kind, (gint64)res->amount, res->reply_status,
                         (gint64)res->action_expires_ms, (guint32)RESULT_N_STRINGS,
                         g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, packed, used, 1));
}

gboolean isolation_result_decode(GVariant *v, tender_result *res)
{
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE("(uuuuxuxuay)")))
        return FALSE;
    guint32 n_strings;
    gint64 amount, expires;
    GVariant *strings;
    g_variant_get(v, "(uuuuxuxu@ay)", &res->outcome, &res->decline_code, &res->event,
                  &res->action_kind, &amount, &res->reply_status, &expires, &n_strings,
                  &strings);
    res->amount = amount;
    res->action_expires_ms = expires;
    gsize left = 0;
    const char *p = g_variant_get_fixed_array(strings, &left, 1);
    gboolean ok = n_strings == RESULT_N_STRINGS;
#define GET(f)                                                                                     \
    if (ok) {                                                                                      \
        /* left 0: p may be NULL (GVariant's empty array) */                                     \
        const char *nul = left > 0 ? memchr(p, '\0', left) : NULL;                                 \
        ok = nul != NULL;                                                                          \
        if (ok) {                                                                                  \
            gsize n = MIN((gsize)(nul - p), sizeof res->f - 1);                                    \
            memcpy(res->f, p, n);                                                                  \
            res->f[n] = '\0';                                                                      \
            left -= (gsize)(nul - p) + 1;                                                          \
            p = nul + 1;                                                                           \
        }                                                                                          \
    }
    RESULT_STRINGS(GET)
#undef GET
    g_variant_unref(strings);
    /* Bytes after the 18th string: not something this host's worker sends. */
    return ok && left == 0;
}

/* ---- descriptor ---- */

static const void *nth(const void *base, uint32_t stride, size_t i)
{
    return (const char *)base + (size_t)stride * i;
}

static GVariant *strv_encode(const char *const *list)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("aay"));
    for (size_t i = 0; list && list[i] && i < 1024; i++)
        g_variant_builder_add_value(&b, bytes_or_empty(list[i]));
    return g_variant_builder_end(&b);
}

static GVariant *specs_encode(const tender_param_spec *specs, size_t n)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(mayumay)"));
    for (size_t i = 0; specs && i < n; i++) {
        const tender_param_spec *s = nth(specs, specs[0].struct_size, i);
        g_variant_builder_add(&b, "(@mayu@may)", isolation_maybe_bytes(s->name), s->flags,
                              isolation_maybe_bytes(s->description));
    }
    return g_variant_builder_end(&b);
}

tender_operation_fn isolation_slot_fn(const tender_method *m, IsolationSlot slot)
{
    static const tender_operation ops[] = {
        [ISO_SLOT_AUTHORIZE] = TENDER_OP_AUTHORIZE,
        [ISO_SLOT_PURCHASE] = TENDER_OP_PURCHASE,
        [ISO_SLOT_CAPTURE] = TENDER_OP_CAPTURE,
        [ISO_SLOT_VOID] = TENDER_OP_VOID,
        [ISO_SLOT_REFUND] = TENDER_OP_REFUND,
        [ISO_SLOT_SYNC] = TENDER_OP_SYNC,
        [ISO_SLOT_COMPLETE_ACTION] = TENDER_OP_COMPLETE_ACTION,
        [ISO_SLOT_NOTIFICATION] = TENDER_OP_NOTIFICATION,
        [ISO_SLOT_REAUTHORIZE] = TENDER_OP_REAUTHORIZE,
    };
    switch (slot) {
    case ISO_SLOT_IDENTIFY_NOTIFICATION:
        return abi_identify_fn(m);
    case ISO_SLOT_DESCRIBE_INSTRUMENT:
        return abi_describe_instrument_fn(m);
    case ISO_SLOT_SANDBOX_NOTIFICATION:
    case ISO_SLOT_COUNT_:
        return NULL;
    default:
        return abi_operation_fn(m, ops[slot]);
    }
}

guint32 isolation_method_slots(const tender_method *m)
{
    guint32 slots = 0;
    for (guint s = 0; s < ISO_SLOT_COUNT_; s++)
        if (isolation_slot_fn(m, s) != NULL)
            slots |= 1u << s;
    if (abi_sandbox_notification_fn(m) != NULL)
        slots |= 1u << ISO_SLOT_SANDBOX_NOTIFICATION;
    return slots;
}

static GVariant *method_encode(const tender_method *m)
{
    GVariantBuilder cur;
    g_variant_builder_init(&cur, G_VARIANT_TYPE("a(mayixxmay)"));
    for (size_t i = 0; m->currencies && i < m->n_currencies; i++) {
        const tender_currency_fact *f = nth(m->currencies, m->currencies[0].struct_size, i);
        g_variant_builder_add(&cur, "(@mayixx@may)", isolation_maybe_bytes(f->code), f->exponent,
                              (gint64)f->min_amount, (gint64)f->max_amount,
                              isolation_maybe_bytes(f->home_region));
    }
    return g_variant_new("(@may@mayt@aay@a(mayixxmay)@a(mayumay)@a(mayumay)xxux@maybu@aayu)",
                         isolation_maybe_bytes(m->id), isolation_maybe_bytes(m->name),
                         (guint64)m->capabilities, strv_encode(m->regions),
                         g_variant_builder_end(&cur), specs_encode(m->params, m->n_params),
                         specs_encode(m->action_params, m->n_action_params),
                         (gint64)m->hold_seconds, (gint64)m->action_timeout_seconds,
                         m->over_capture_bps, (gint64)m->over_capture_max_extra,
                         isolation_maybe_bytes(m->over_capture_currency), m->tiers != NULL,
                         (guint32)m->struct_size, strv_encode(m->tiers),
                         isolation_method_slots(m));
}

GVariant *isolation_descriptor_encode(const tender_plugin_descriptor *d)
{
    GVariantBuilder methods;
    g_variant_builder_init(&methods, G_VARIANT_TYPE("av"));
    for (size_t i = 0; i < d->n_methods; i++)
        g_variant_builder_add(&methods, "v", method_encode(d->methods[i]));
    return g_variant_new("(uu@may@may@may@may@av)", d->abi_major, d->abi_minor,
                         isolation_maybe_bytes(d->id), isolation_maybe_bytes(d->name),
                         isolation_maybe_bytes(d->version), isolation_maybe_bytes(d->description),
                         g_variant_builder_end(&methods));
}
