/* The host services an isolated plugin calls, served in the host
 * (isolation-private.h): each forwarded request is checked for its type and
 * bounds, then answered by the plugin's own services table, on the thread
 * of the call that is waiting for the worker, so the call's secrets and
 * HTTP deadline (thread-local in services.c and services-http.c) apply
 * exactly as they do to a plugin in the host's process. */
#include "isolation-private.h"

#include <string.h>

/* The biggest buffer a worker may ask for at once. */
#define MAX_SERVICE_BYTES (64 * 1024)

static gboolean reply(IsolationWorker *w, guint32 call_id, GVariant *body)
{
    /* A worker that died meanwhile is found by the next read. */
    isolation_send(w->fd, ISO_SERVICE_REPLY, call_id, body);
    return TRUE;
}

/* An "ay" argument as a string; "" reads as NULL where nullable. */
static char *arg_string(GVariant *args, gsize i, gboolean empty_is_null)
{
    GVariant *ay = g_variant_get_child_value(args, i);
    gsize n = 0;
    const char *p = g_variant_get_fixed_array(ay, &n, 1);
    /* An empty array may come back as NULL; g_strndup would keep it NULL. */
    char *s = n > 0 ? g_strndup(p, n) : g_strdup("");
    g_variant_unref(ay);
    if (empty_is_null && s[0] == '\0') {
        g_free(s);
        return NULL;
    }
    return s;
}

static GVariant *bytes(const void *data, gsize n)
{
    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data ? data : "", data ? n : 0, 1);
}

gboolean isolation_serve_http(IsolationWorker *w, guint32 call_id, GVariant *request)
{
    const tender_host_services *s = w->plugin->services;
    gsize len;
    const guint8 *data = isolation_flat_body(request, &len);
    IsolationHttpRequest in;
    if (!isolation_http_request_decode(data, len, &in)) {
        isolation_http_request_clear(&in);
        return FALSE;
    }
    tender_http_response res = {.struct_size = sizeof res};
    s->http(s, in.method_id, &in.req, &res);
    isolation_http_request_clear(&in);
    GByteArray *answer = g_byte_array_sized_new(4096);
    /* A body past the packet's size is not even encoded. */
    gsize size = res.body_len;
    if (size < ISOLATION_MAX_MESSAGE) {
        isolation_http_response_encode(answer, &res);
        size = answer->len + ISOLATION_FRAME_HEADER;
    }
    if (size > ISOLATION_MAX_MESSAGE) {
        /* The provider answered, but more than a packet holds: the plugin
         * cannot read it, so for the plugin it is an answer lost. */
        tender_http_response lost = {.struct_size = sizeof lost, .outcome = TENDER_HTTP_UNKNOWN};
        g_snprintf(lost.message, sizeof lost.message,
                   "the provider's answer (%zu bytes) is larger than an isolated plugin can "
                   "receive",
                   size);
        isolation_http_response_encode(answer, &lost);
    }
    s->http_release(s, &res);
    /* A worker that died meanwhile is found by the next read. */
    isolation_send_flat(w->fd, ISO_HTTP_REPLY, call_id, answer);
    g_byte_array_unref(answer);
    return TRUE;
}

gboolean isolation_serve(IsolationWorker *w, guint32 call_id, GVariant *request)
{
    if (!g_variant_is_of_type(request, G_VARIANT_TYPE("(uv)")))
        return FALSE;
    guint32 service;
    GVariant *args = NULL;
    g_variant_get(request, "(uv)", &service, &args);
    const tender_host_services *s = w->plugin->services;
    gboolean ok = FALSE;
    switch (service) {
    case ISO_SVC_LOG:
        if ((ok = g_variant_is_of_type(args, G_VARIANT_TYPE("(uayay)")))) {
            guint32 level;
            g_variant_get_child(args, 0, "u", &level);
            g_autofree char *method_id = arg_string(args, 1, TRUE);
            g_autofree char *message = arg_string(args, 2, FALSE);
            s->log(s, (tender_log_level)level, method_id, message);
        }
        break;
    case ISO_SVC_NOW:
        if ((ok = g_variant_is_of_type(args, G_VARIANT_TYPE("()"))))
            ok = reply(w, call_id, g_variant_new("(x)", (gint64)s->now_ms(s)));
        break;
    case ISO_SVC_RANDOM: {
        guint64 len = 0;
        if (g_variant_is_of_type(args, G_VARIANT_TYPE("(t)")))
            g_variant_get(args, "(t)", &len);
        if ((ok = len > 0 && len <= MAX_SERVICE_BYTES)) {
            g_autofree guint8 *buf = g_malloc(len);
            s->random_bytes(s, buf, len);
            ok = reply(w, call_id, g_variant_new("(@ay)", bytes(buf, len)));
        }
        break;
    }
    case ISO_SVC_CONFIG_STRING: {
        guint64 size = 0;
        if (g_variant_is_of_type(args, G_VARIANT_TYPE("(ayayt)")))
            g_variant_get_child(args, 2, "t", &size);
        if ((ok = size > 0 && size <= MAX_SERVICE_BYTES)) {
            g_autofree char *method_id = arg_string(args, 0, TRUE);
            g_autofree char *key = arg_string(args, 1, FALSE);
            g_autofree char *out = g_malloc0(size);
            int rc = s->config_string(s, method_id, key, out, size);
            ok = reply(w, call_id,
                       g_variant_new("(i@ay)", rc, bytes(out, rc == 1 ? strnlen(out, size) : 0)));
        }
        break;
    }
    case ISO_SVC_CONFIG_INT64:
    case ISO_SVC_CONFIG_BOOL:
        if ((ok = g_variant_is_of_type(args, G_VARIANT_TYPE("(ayay)")))) {
            g_autofree char *method_id = arg_string(args, 0, TRUE);
            g_autofree char *key = arg_string(args, 1, FALSE);
            if (service == ISO_SVC_CONFIG_INT64) {
                int64_t v = 0;
                int rc = s->config_int64(s, method_id, key, &v);
                ok = reply(w, call_id, g_variant_new("(ix)", rc, (gint64)v));
            } else {
                int v = 0;
                int rc = s->config_bool(s, method_id, key, &v);
                ok = reply(w, call_id, g_variant_new("(ii)", rc, v));
            }
        }
        break;
    default:
        ok = FALSE;
    }
    g_variant_unref(args);
    return ok;
}
