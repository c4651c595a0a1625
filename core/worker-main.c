/* tender-plugin-worker (built from core/worker-main.c): runs one plugin's
 * code in a process of its own.
 *
 * The host (core/isolation-host.c) checks the plugin file, makes a
 * SOCK_SEQPACKET socket pair, and starts this program with its end as
 * descriptor 3, stdout and stderr on /dev/null and every other descriptor
 * closed. Usage (by the host only):
 *
 *     tender-plugin-worker [--as-mb N] [--cpu-seconds N] [--open-files N] PLUGIN.so
 *
 * After the handshake (ISO_HELLO; the worker runs the entry point and the
 * host's own descriptor checks, and answers ISO_DESCRIPTOR or ISO_REFUSED)
 * it serves create, destroy and operation calls, one at a time, until the
 * host closes the socket. Every host service the plugin calls is forwarded
 * to the host over the same socket, so its rules stay the host's. Anything
 * the worker cannot understand ends it: the host reads that as a crash. */
#include <dlfcn.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "isolation-protocol.h"
#include "loader.h"
#include "worker-seccomp.h"

#define WORKER_SPIN_US 100

/* The call being served (0: the handshake). Exported for the test
 * fixtures that forge messages; nothing else reads it. */
__attribute__((visibility("default"))) volatile guint32 tender_worker_current_call_id;

static const tender_plugin_descriptor *descriptor;
static GPtrArray *instances;           /* index + 1 is the handle */
static GPtrArray *instance_methods;    /* const tender_method*, same index */
static GMutex service_lock;            /* one service exchange at a time */
static GSList *open_responses;         /* IsolationHttpResponse*, released after each call */

static G_NORETURN void die(const char *why)
{
    (void)why;
    _exit(2);
}

/* ---- forwarded services ---- */

/* Send a service request and wait for its answer (NULL: none expected). */
static GVariant *service_call(guint32 service, GVariant *args, gboolean want_reply)
{
    g_mutex_lock(&service_lock);
    guint32 call_id = tender_worker_current_call_id;
    if (!isolation_send(ISOLATION_WORKER_FD, ISO_SERVICE, call_id,
                        g_variant_new("(uv)", service, args)))
        die("host gone");
    GVariant *reply = NULL;
    if (want_reply) {
        guint32 kind, id;
        if (isolation_recv(ISOLATION_WORKER_FD, &kind, &id, &reply) != ISO_RECV_OK ||
            kind != ISO_SERVICE_REPLY || id != call_id)
            die("bad service reply");
    }
    g_mutex_unlock(&service_lock);
    return reply;
}

static GVariant *bytes_of(const char *s)
{
    return g_variant_new_bytestring(s ? s : "");
}

static void svc_log(const tender_host_services *self, tender_log_level level,
                    const char *method_id, const char *message)
{
    (void)self;
    service_call(ISO_SVC_LOG,
                 g_variant_new("(u@ay@ay)", (guint32)level, bytes_of(method_id), bytes_of(message)),
                 FALSE);
}

static int64_t svc_now(const tender_host_services *self)
{
    (void)self;
    GVariant *r = service_call(ISO_SVC_NOW, g_variant_new("()"), TRUE);
    gint64 now = 0;
    if (g_variant_is_of_type(r, G_VARIANT_TYPE("(x)")))
        g_variant_get(r, "(x)", &now);
    g_variant_unref(r);
    return now;
}

static void svc_random(const tender_host_services *self, void *buf, size_t len)
{
    (void)self;
    /* In pieces: an answer must fit in one packet. */
    for (size_t done = 0; done < len;) {
        size_t piece = MIN(len - done, 64 * 1024);
        GVariant *r = service_call(ISO_SVC_RANDOM, g_variant_new("(t)", (guint64)piece), TRUE);
        gsize n = 0;
        GVariant *ay = g_variant_is_of_type(r, G_VARIANT_TYPE("(ay)"))
                           ? g_variant_get_child_value(r, 0)
                           : NULL;
        const void *p = ay ? g_variant_get_fixed_array(ay, &n, 1) : NULL;
        if (n != piece)
            die("short random");
        memcpy((char *)buf + done, p, piece);
        g_variant_unref(ay);
        g_variant_unref(r);
        done += piece;
    }
}

static int svc_config_string(const tender_host_services *self, const char *method_id,
                             const char *key, char *out, size_t out_size)
{
    (void)self;
    GVariant *r = service_call(
        ISO_SVC_CONFIG_STRING,
        g_variant_new("(@ay@ayt)", bytes_of(method_id), bytes_of(key), (guint64)out_size), TRUE);
    gint32 rc = -1;
    if (g_variant_is_of_type(r, G_VARIANT_TYPE("(iay)"))) {
        GVariant *ay = g_variant_get_child_value(r, 1);
        gsize n = 0;
        const char *p = g_variant_get_fixed_array(ay, &n, 1);
        g_variant_get_child(r, 0, "i", &rc);
        if (rc == 1 && out != NULL && n < out_size) {
            if (n > 0) /* an empty array may come back as NULL */
                memcpy(out, p, n);
            out[n] = '\0';
        } else if (rc == 1) {
            rc = -1;
        }
        g_variant_unref(ay);
    }
    g_variant_unref(r);
    return rc;
}

static int svc_config_int64(const tender_host_services *self, const char *method_id,
                            const char *key, int64_t *out)
{
    (void)self;
    GVariant *r = service_call(ISO_SVC_CONFIG_INT64,
                               g_variant_new("(@ay@ay)", bytes_of(method_id), bytes_of(key)), TRUE);
    gint32 rc = -1;
    gint64 value = 0;
    if (g_variant_is_of_type(r, G_VARIANT_TYPE("(ix)")))
        g_variant_get(r, "(ix)", &rc, &value);
    if (rc == 1 && out != NULL)
        *out = value;
    g_variant_unref(r);
    return rc;
}

static int svc_config_bool(const tender_host_services *self, const char *method_id,
                           const char *key, int *out)
{
    (void)self;
    GVariant *r = service_call(ISO_SVC_CONFIG_BOOL,
                               g_variant_new("(@ay@ay)", bytes_of(method_id), bytes_of(key)), TRUE);
    gint32 rc = -1, value = 0;
    if (g_variant_is_of_type(r, G_VARIANT_TYPE("(ii)")))
        g_variant_get(r, "(ii)", &rc, &value);
    if (rc == 1 && out != NULL)
        *out = value != 0;
    g_variant_unref(r);
    return rc;
}

static void response_free(IsolationHttpResponse *w)
{
    isolation_http_response_clear(w);
    g_free(w);
}

static void svc_http_release(const tender_host_services *self, tender_http_response *res)
{
    (void)self;
    if (res == NULL || !TENDER_HAS_FIELD(res, tender_http_response, host_private) ||
        res->host_private == NULL)
        return;
    IsolationHttpResponse *w = res->host_private;
    if (g_slist_find(open_responses, w) != NULL) {
        open_responses = g_slist_remove(open_responses, w);
        response_free(w);
    }
    res->host_private = NULL;
    res->headers = NULL;
    res->n_headers = 0;
    res->body = NULL;
    res->body_len = 0;
}

static uint32_t svc_http(const tender_host_services *self, const char *method_id,
                         const tender_http_request *req, tender_http_response *res)
{
    (void)self;
    if (res == NULL || !TENDER_HAS_FIELD(res, tender_http_response, host_private))
        return TENDER_HTTP_NOT_SENT;
    static GByteArray *encoded;
    if (encoded == NULL)
        encoded = g_byte_array_sized_new(4096);
    isolation_http_request_encode(encoded, method_id, req);
    g_mutex_lock(&service_lock);
    guint32 call_id = tender_worker_current_call_id;
    if (!isolation_send_flat(ISOLATION_WORKER_FD, ISO_HTTP, call_id, encoded))
        die("host gone");
    guint32 kind, id;
    GVariant *reply = NULL;
    if (isolation_recv(ISOLATION_WORKER_FD, &kind, &id, &reply) != ISO_RECV_OK ||
        kind != ISO_HTTP_REPLY || id != call_id)
        die("bad http reply");
    g_mutex_unlock(&service_lock);
    gsize len;
    const guint8 *data = isolation_flat_body(reply, &len);
    IsolationHttpResponse *w = g_new0(IsolationHttpResponse, 1);
    if (!isolation_http_response_decode(data, len, w))
        die("bad http reply");
    g_variant_unref(reply);
    /* The plugin's struct, field by field: it may be an older, shorter
     * one (host_private was checked above, and it is the last field). */
    res->outcome = w->res.outcome;
    res->status = w->res.status;
    res->headers = w->res.headers;
    res->n_headers = w->res.n_headers;
    res->body = w->res.body;
    res->body_len = w->res.body_len;
    memcpy(res->message, w->res.message, sizeof res->message);
    res->host_private = w;
    open_responses = g_slist_prepend(open_responses, w);
    return res->outcome;
}

static const tender_host_services services = {
    .struct_size = sizeof(tender_host_services),
    .abi_major = TENDER_ABI_MAJOR,
    .abi_minor = TENDER_ABI_MINOR,
    .log = svc_log,
    .now_ms = svc_now,
    .random_bytes = svc_random,
    .config_string = svc_config_string,
    .config_int64 = svc_config_int64,
    .config_bool = svc_config_bool,
    .http = svc_http,
    .http_release = svc_http_release,
};

/* ---- loading ---- */

static void refuse(const char *plugin_id, char *reason)
{
    isolation_send(ISOLATION_WORKER_FD, ISO_REFUSED, 0,
                   g_variant_new("(@may@ay)", isolation_maybe_bytes(plugin_id),
                                 g_variant_new_bytestring(reason)));
    g_free(reason);
    _exit(0);
}

/* The plugin id when it is printable, for the refusal. */
static char *readable_id(const tender_plugin_descriptor *d)
{
    if (!TENDER_HAS_FIELD(d, tender_plugin_descriptor, id) || d->id == NULL)
        return NULL;
    size_t n = strnlen(d->id, 65);
    for (size_t i = 0; i < n; i++)
        if (d->id[i] < 0x20 || d->id[i] > 0x7e || d->id[i] == '\'')
            return NULL;
    return n > 0 && n <= 64 ? g_strndup(d->id, n) : NULL;
}

/* OpenSSL reads its configuration file (openssl.cnf) on its first use,
 * which for a plugin is usually its first signature, after the seccomp
 * filter forbids open(). When the plugin links libcrypto, have it read the
 * file now. Found through the plugin's own handle (its dependencies are not
 * global), so the worker itself does not link OpenSSL. */
static void preload_openssl_config(void *plugin)
{
    enum { OPENSSL_INIT_LOAD_CONFIG = 0x40 }; /* <openssl/crypto.h> */
    void *sym = dlsym(plugin, "OPENSSL_init_crypto");
    if (sym == NULL)
        return;
    int (*init)(uint64_t, const void *);
    memcpy(&init, &sym, sizeof init);
    init(OPENSSL_INIT_LOAD_CONFIG, NULL);
}

static void load(const char *path, guint32 host_major, guint32 host_minor)
{
    dlerror();
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        why = why ? why : "unknown dlopen error";
        if (g_str_has_prefix(why, path) && g_str_has_prefix(why + strlen(path), ": "))
            why += strlen(path) + 2;
        refuse(NULL, strstr(why, "undefined symbol")
                         ? g_strdup_printf("has unresolved symbols (dlopen: %s)", why)
                         : g_strdup_printf("not a loadable shared object (dlopen: %s)", why));
    }
    void *sym = dlsym(handle, TENDER_PLUGIN_ENTRY_SYMBOL);
    if (sym == NULL)
        refuse(NULL,
               g_strdup("does not export " TENDER_PLUGIN_ENTRY_SYMBOL "(); not a Tender plugin"));
    tender_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const tender_plugin_descriptor *d = entry(host_major, host_minor, &services);
    if (d == NULL)
        refuse(NULL, g_strdup_printf(TENDER_PLUGIN_ENTRY_SYMBOL "() returned NULL: the plugin "
                                     "refused this host (Tender ABI %u.%u)",
                                     host_major, host_minor));
    char *reason = NULL;
    if (!abi_check_descriptor(d, &reason))
        refuse(readable_id(d), reason);
    descriptor = d;
    /* Files libraries read lazily, on a first use that would come after
     * the seccomp filter: OpenSSL's configuration, GLib's charset alias
     * table (GLib is the worker's and the plugin's one copy). */
    preload_openssl_config(handle);
    const char *charset = NULL;
    g_get_charset(&charset);
}

/* ---- serving ---- */

static const tender_method *find_method(const char *id)
{
    for (size_t i = 0; i < descriptor->n_methods; i++)
        if (strcmp(descriptor->methods[i]->id, id) == 0)
            return descriptor->methods[i];
    return NULL;
}

static void serve_create(guint32 call_id, GVariant *body)
{
    if (!g_variant_is_of_type(body, G_VARIANT_TYPE("(ayb)")))
        die("bad create");
    char *id = NULL;
    gboolean seccomp = FALSE;
    g_variant_get(body, "(^ayb)", &id, &seccomp);
    /* Confined before the plugin's first create, after loading (dlopen
     * opens and maps files). Once on, it stays on: a host never asks
     * otherwise for one worker. A kernel that refuses the filter ends the
     * worker rather than run the plugin unconfined. */
    static gboolean confined;
    if (seccomp && !confined) {
        char *why = NULL;
        if (!worker_seccomp_apply(&why))
            die(why);
        confined = TRUE;
    }
    const tender_method *m = find_method(id);
    char error[512] = "";
    void *instance = NULL;
    gint32 rc = -1;
    if (m == NULL)
        g_snprintf(error, sizeof error, "no method '%s' in this plugin", id);
    else
        rc = m->ops->create(&services, m->id, &instance, error, sizeof error);
    error[sizeof error - 1] = '\0';
    guint64 handle = 0;
    if (rc == 0) {
        g_ptr_array_add(instances, instance);
        g_ptr_array_add(instance_methods, (gpointer)m);
        handle = instances->len;
    }
    g_free(id);
    if (!isolation_send(ISOLATION_WORKER_FD, ISO_CREATED, call_id,
                        g_variant_new("(it@ay)", rc, handle, g_variant_new_bytestring(error))))
        die("host gone");
}

static const tender_method *instance_of(guint64 handle, void **instance)
{
    if (handle == 0 || handle > instances->len)
        die("unknown instance");
    *instance = g_ptr_array_index(instances, handle - 1);
    return g_ptr_array_index(instance_methods, handle - 1);
}

static void serve_destroy(guint32 call_id, GVariant *body)
{
    if (!g_variant_is_of_type(body, G_VARIANT_TYPE("(t)")))
        die("bad destroy");
    guint64 handle;
    g_variant_get(body, "(t)", &handle);
    void *instance;
    const tender_method *m = instance_of(handle, &instance);
    if (instance != NULL)
        m->ops->destroy(instance);
    g_ptr_array_index(instances, handle - 1) = NULL;
    if (!isolation_send(ISOLATION_WORKER_FD, ISO_DONE, call_id, g_variant_new("()")))
        die("host gone");
}

static void serve_call(guint32 call_id, GVariant *body)
{
    gsize len;
    const guint8 *data = isolation_flat_body(body, &len);
    IsolationCall call;
    if (!isolation_call_decode(data, len, &call) || call.slot >= ISO_SLOT_COUNT_)
        die("bad call");
    void *instance;
    const tender_method *m = instance_of(call.handle, &instance);
    /* Kept between calls: an 18 KiB result and its encoding. */
    static tender_result *res;
    static GByteArray *encoded;
    if (res == NULL) {
        res = g_new(tender_result, 1);
        encoded = g_byte_array_sized_new(sizeof *res + 256);
    }
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
    if (call.slot == ISO_SLOT_SANDBOX_NOTIFICATION) {
        void (*fn)(void *, const tender_request *, const char *, tender_result *) =
            abi_sandbox_notification_fn(m);
        if (fn == NULL)
            die("no such slot");
        fn(instance, &call.req, call.event, res);
    } else {
        tender_operation_fn fn = isolation_slot_fn(m, call.slot);
        if (fn == NULL)
            die("no such slot");
        fn(instance, &call.req, res);
    }
    /* Responses the plugin did not release end with the call, as the
     * host's do. */
    g_slist_free_full(open_responses, (GDestroyNotify)response_free);
    open_responses = NULL;
    isolation_result_encode(encoded, res);
    if (!isolation_send_flat(ISOLATION_WORKER_FD, ISO_RESULT, call_id, encoded))
        die("host gone");
    isolation_call_clear(&call);
}

static void set_limit(int resource, guint64 value)
{
    if (value == 0)
        return;
    struct rlimit rl = {value, value};
    if (resource == RLIMIT_CPU)
        rl.rlim_max = value + 1; /* SIGXCPU first, then SIGKILL a second later */
    setrlimit(resource, &rl);
}

int main(int argc, char **argv)
{
    guint64 as_mb = 0, cpu = 0, nofile = 0;
    int i = 1;
    for (; i + 1 < argc && g_str_has_prefix(argv[i], "--"); i += 2) {
        guint64 v = g_ascii_strtoull(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--as-mb") == 0)
            as_mb = v;
        else if (strcmp(argv[i], "--cpu-seconds") == 0)
            cpu = v;
        else if (strcmp(argv[i], "--open-files") == 0)
            nofile = v;
    }
    if (i != argc - 1) {
        fprintf(stderr, "tender-plugin-worker is started by the Tender host only\n");
        return 64;
    }
#ifndef __SANITIZE_ADDRESS__
    /* AddressSanitizer reserves terabytes of shadow address space: an
     * address-space limit would stop it before main. */
    set_limit(RLIMIT_AS, as_mb * 1024 * 1024);
#else
    (void)as_mb;
#endif
    set_limit(RLIMIT_CPU, cpu);
    set_limit(RLIMIT_NOFILE, nofile);
    instances = g_ptr_array_new();
    instance_methods = g_ptr_array_new();

    guint32 kind, call_id;
    GVariant *body = NULL;
    if (isolation_recv(ISOLATION_WORKER_FD, &kind, &call_id, &body) != ISO_RECV_OK ||
        kind != ISO_HELLO || !g_variant_is_of_type(body, G_VARIANT_TYPE("(uuu)")))
        die("no hello");
    guint32 protocol, major, minor;
    g_variant_get(body, "(uuu)", &protocol, &major, &minor);
    g_variant_unref(body);
    if (protocol != ISOLATION_PROTOCOL_VERSION)
        refuse(NULL, g_strdup_printf("tender-plugin-worker speaks protocol %u, the host %u",
                                     ISOLATION_PROTOCOL_VERSION, protocol));
    load(argv[i], major, minor);
    if (!isolation_send(ISOLATION_WORKER_FD, ISO_DESCRIPTOR, 0,
                        isolation_descriptor_encode(descriptor)))
        die("host gone");

    for (;;) {
        /* Stay awake a little for the next call (the host spins the same
         * way for the answer): a worker asleep in recv() takes tens of
         * microseconds to be woken. */
        struct pollfd pfd = {ISOLATION_WORKER_FD, POLLIN, 0};
        gint64 spin_until = g_get_monotonic_time() + WORKER_SPIN_US;
        while (poll(&pfd, 1, 0) == 0 && g_get_monotonic_time() < spin_until)
            ;
        IsolationRecv r = isolation_recv(ISOLATION_WORKER_FD, &kind, &call_id, &body);
        if (r == ISO_RECV_CLOSED)
            break;
        if (r != ISO_RECV_OK)
            die("malformed");
        tender_worker_current_call_id = call_id;
        if (kind == ISO_CREATE)
            serve_create(call_id, body);
        else if (kind == ISO_DESTROY)
            serve_destroy(call_id, body);
        else if (kind == ISO_CALL)
            serve_call(call_id, body);
        else
            die("unexpected message");
        g_variant_unref(body);
    }
    /* Plugins are not unloaded: _exit skips their destructors, as a
     * crash would, and the host expects nothing more. */
    _exit(0);
}
