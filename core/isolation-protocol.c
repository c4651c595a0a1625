/* The host <-> worker wire format (isolation-protocol.h). */
#include "isolation-protocol.h"
#include "loader.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define BODY_TYPE G_VARIANT_TYPE_VARIANT

static GPrivate recv_buffer = G_PRIVATE_INIT(g_free);

gboolean isolation_kind_is_flat(guint32 kind)
{
    return kind == ISO_CALL || kind == ISO_RESULT || kind == ISO_HTTP || kind == ISO_HTTP_REPLY;
}

/* The frame header and the body in one packet, without copying them
 * together first. */
static gboolean send_frame(int fd, guint32 kind, guint32 call_id, const void *body, gsize size)
{
    if (size > ISOLATION_MAX_MESSAGE - ISOLATION_FRAME_HEADER)
        return FALSE;
    guint32 header[2] = {GUINT32_TO_LE(kind), GUINT32_TO_LE(call_id)};
    struct iovec iov[2] = {{header, sizeof header}, {(void *)body, size}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = size > 0 ? 2 : 1};
    ssize_t n;
    do
        n = sendmsg(fd, &m, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)(sizeof header + size);
}

gboolean isolation_send(int fd, guint32 kind, guint32 call_id, GVariant *body)
{
    GVariant *v = g_variant_ref_sink(g_variant_new_variant(body));
    gboolean ok = send_frame(fd, kind, call_id, g_variant_get_data(v), g_variant_get_size(v));
    g_variant_unref(v);
    return ok;
}

gboolean isolation_send_flat(int fd, guint32 kind, guint32 call_id, const GByteArray *body)
{
    return send_frame(fd, kind, call_id, body->data, body->len);
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
    if (n > ISOLATION_MAX_MESSAGE || n < ISOLATION_FRAME_HEADER)
        return ISO_RECV_MALFORMED;
    guint32 header[2];
    memcpy(header, buf, sizeof header);
    *kind = GUINT32_FROM_LE(header[0]);
    *call_id = GUINT32_FROM_LE(header[1]);
    GBytes *bytes = g_bytes_new(buf + ISOLATION_FRAME_HEADER, (gsize)n - ISOLATION_FRAME_HEADER);
    if (isolation_kind_is_flat(*kind)) {
        /* Any bytes are an "ay": the flat decoders check the rest. */
        *body = g_variant_ref_sink(
            g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
        g_bytes_unref(bytes);
        return ISO_RECV_OK;
    }
    GVariant *v = g_variant_ref_sink(g_variant_new_from_bytes(BODY_TYPE, bytes, FALSE));
    g_bytes_unref(bytes);
    /* Untrusted data: only a body in normal form is taken at its word
     * (a non-normal one is what a hand-made packet looks like). */
    if (!g_variant_is_normal_form(v)) {
        g_variant_unref(v);
        return ISO_RECV_MALFORMED;
    }
    *body = g_variant_get_variant(v);
    g_variant_unref(v);
    return ISO_RECV_OK;
}

const guint8 *isolation_flat_body(GVariant *body, gsize *len)
{
    *len = 0;
    if (!g_variant_is_of_type(body, G_VARIANT_TYPE_BYTESTRING))
        return NULL;
    return g_variant_get_fixed_array(body, len, 1);
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

guint32 isolation_method_undeclared_slots(const tender_method *m)
{
    static const size_t offsets[] = {
        [ISO_SLOT_AUTHORIZE] = offsetof(tender_method_ops, authorize),
        [ISO_SLOT_PURCHASE] = offsetof(tender_method_ops, purchase),
        [ISO_SLOT_CAPTURE] = offsetof(tender_method_ops, capture),
        [ISO_SLOT_VOID] = offsetof(tender_method_ops, void_payment),
        [ISO_SLOT_REFUND] = offsetof(tender_method_ops, refund),
        [ISO_SLOT_SYNC] = offsetof(tender_method_ops, sync),
        [ISO_SLOT_COMPLETE_ACTION] = offsetof(tender_method_ops, complete_action),
        [ISO_SLOT_IDENTIFY_NOTIFICATION] = offsetof(tender_method_ops, identify_notification),
        [ISO_SLOT_NOTIFICATION] = offsetof(tender_method_ops, notification),
        [ISO_SLOT_REAUTHORIZE] = offsetof(tender_method_ops, reauthorize),
    };
    const tender_method_ops *ops =
        m->struct_size >= offsetof(tender_method, ops) + sizeof m->ops ? m->ops : NULL;
    guint32 slots = 0;
    for (guint s = 0; ops != NULL && s < G_N_ELEMENTS(offsets); s++) {
        if (offsets[s] == 0 || ops->struct_size < offsets[s] + sizeof(tender_operation_fn))
            continue;
        tender_operation_fn fn;
        memcpy(&fn, (const char *)ops + offsets[s], sizeof fn);
        if (fn != NULL && isolation_slot_fn(m, s) == NULL)
            slots |= 1u << s;
    }
    return slots;
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

/* A parameter list (key, value) as the fixtures hold them. */
static GVariant *params_encode(const tender_param *params, size_t n)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(maymay)"));
    for (size_t i = 0; params && i < n; i++)
        g_variant_builder_add(&b, "(@may@may)", isolation_maybe_bytes(params[i].key),
                              isolation_maybe_bytes(params[i].value));
    return g_variant_builder_end(&b);
}

/* The method's sandbox fixtures travel with its facts: the slot returns
 * plugin-static data with no instance, so the host keeps a copy rather
 * than asking the worker (tender_method_fixtures answers from it). */
static GVariant *fixtures_encode(const tender_method *m)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE(ISOLATION_FIXTURES_TYPE));
    size_t n = 0;
    const tender_fixture *fx = tender_method_fixtures(m, &n);
    for (size_t i = 0; fx && i < n && i < 1024; i++) {
        const tender_fixture *f = &fx[i];
        g_variant_builder_add(&b, "(@may@may@may@may@may@a(maymay)uu@a(maymay)@mayu)",
                              isolation_maybe_bytes(f->name), isolation_maybe_bytes(f->region),
                              isolation_maybe_bytes(f->currency), isolation_maybe_bytes(f->amount),
                              isolation_maybe_bytes(f->tier), params_encode(f->params, f->n_params),
                              f->expect_outcome, f->expect_decline,
                              params_encode(f->complete_params, f->n_complete_params),
                              isolation_maybe_bytes(f->sandbox_event), f->expect_after_action);
    }
    return g_variant_builder_end(&b);
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
    return g_variant_new(
        "(@may@mayt@aay@a(mayixxmay)@a(mayumay)@a(mayumay)xxux@maybu@aayub@" ISOLATION_FIXTURES_TYPE
        "u)",
        isolation_maybe_bytes(m->id), isolation_maybe_bytes(m->name), (guint64)m->capabilities,
        strv_encode(m->regions), g_variant_builder_end(&cur), specs_encode(m->params, m->n_params),
        specs_encode(m->action_params, m->n_action_params), (gint64)m->hold_seconds,
        (gint64)m->action_timeout_seconds, m->over_capture_bps, (gint64)m->over_capture_max_extra,
        isolation_maybe_bytes(m->over_capture_currency), m->tiers != NULL, (guint32)m->struct_size,
        strv_encode(m->tiers), isolation_method_slots(m), abi_fixtures_fn(m) != NULL,
        fixtures_encode(m), isolation_method_undeclared_slots(m));
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
