/* The host-side face of an isolated plugin (isolation.h): a descriptor the
 * host owns, rebuilt from the worker's handshake, whose ops tables point at
 * the proxy functions below; and the host services the worker forwards,
 * served with the plugin's own services table so that redaction, the
 * allow-list, the per-method settings and the call's deadline stay the
 * host's.
 *
 * A proxy function never returns before the worker answered, died or
 * passed the deadline. The outcome it reports when the worker did not
 * answer is UNKNOWN once the request was handed over (the plugin may have
 * reached its provider), NOT_SENT only when it provably never was: the
 * worker was restarting, quarantined, or gone before the request went out,
 * or every worker of the pool stayed busy until just before the call's
 * deadline. */
#include "isolation-private.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "loader.h"

#define CREATE_TIMEOUT_MS 10000
#define DESTROY_TIMEOUT_MS 2000
/* The longest a call waits for its worker, whatever its deadline says. */
#define MAX_CALL_MS (24 * 60 * 60 * 1000LL)
/* How much earlier than its deadline a call stops waiting for a free worker
 * of the pool (a fifth of its time, at most this): the engine treats an
 * answer that comes after the deadline as UNKNOWN, so a NOT_SENT given at
 * the deadline itself would send to reconciliation a payment the plugin
 * never saw. */
#define POOL_WAIT_MARGIN_MS 100
/* Room a packet keeps for everything but an HTTP answer's headers and body. */
#define PACKET_OVERHEAD 4096

/* services table -> IsolatedPlugin: create() is handed only the table. */
static GMutex registry_lock;
static GHashTable *registry;

static IsolatedPlugin *registry_lookup(const tender_host_services *services)
{
    g_mutex_lock(&registry_lock);
    IsolatedPlugin *p = registry ? g_hash_table_lookup(registry, services) : NULL;
    g_mutex_unlock(&registry_lock);
    return p;
}

typedef struct {
    IsolatedPlugin *plugin;
    char *method_id;
    /* By worker of the pool: the instance's handle there and the
     * generation of the worker it belongs to (0: none there). */
    guint64 handle[ISOLATION_MAX_WORKERS];
    guint generation[ISOLATION_MAX_WORKERS];
} ProxyInstance;

/* ---- the pool ---- */

static guint pool_size(IsolatedPlugin *p)
{
    g_mutex_lock(&p->state_lock);
    guint n = CLAMP(p->limits.workers, 1, ISOLATION_MAX_WORKERS);
    g_mutex_unlock(&p->state_lock);
    return n;
}

/* How long until the plugin may start a worker again after a crash
 * (its restart backoff), in µs; 0 when it may now. Called with the pool
 * lock held: the state lock is taken inside it, never the other way. */
static gint64 restart_wait_us(IsolatedPlugin *p)
{
    gint64 now = isolation_wall_ms();
    g_mutex_lock(&p->state_lock);
    gint64 respawn_at = p->respawn_at;
    g_mutex_unlock(&p->state_lock);
    return respawn_at > now ? (respawn_at - now) * 1000 : 0;
}

/* Take a worker of the pool for one call: a running one that is free;
 * else a free place with no worker running, for ensure_worker to start one
 * in (so workers are started only when all running ones are busy); else
 * wait for one to be given back, until deadline_us (monotonic). NULL when
 * the deadline came first: the call never reached the plugin.
 *
 * In the restart backoff after a crash, ensure_worker would refuse to
 * start a worker in a free place (NOT_SENT). While another worker still
 * runs, the call waits for that one instead, or for the backoff to end:
 * one crashed worker of a pool must not fail the calls the others can
 * serve. With no worker running at all, the place is taken and the call
 * refused at once: the plugin is restarting. */
static IsolationWorker *pool_take(IsolatedPlugin *p, gint64 deadline_us)
{
    guint n = pool_size(p);
    IsolationWorker *got = NULL;
    g_mutex_lock(&p->pool_lock);
    for (;;) {
        IsolationWorker *empty = NULL;
        gboolean any_running = FALSE;
        for (guint i = 0; i < n && got == NULL; i++) {
            IsolationWorker *w = &p->workers[i];
            any_running |= w->pid > 0;
            if (w->busy)
                continue;
            if (w->pid > 0)
                got = w;
            else if (empty == NULL)
                empty = w;
        }
        gint64 restart_in = empty != NULL && got == NULL ? restart_wait_us(p) : 0;
        if (got == NULL && empty != NULL && (restart_in == 0 || !any_running))
            got = empty;
        gint64 now = g_get_monotonic_time();
        if (got != NULL || now >= deadline_us)
            break;
        g_cond_wait_until(&p->pool_cond, &p->pool_lock,
                          restart_in > 0 ? MIN(deadline_us, now + restart_in) : deadline_us);
    }
    if (got != NULL)
        got->busy = TRUE;
    g_mutex_unlock(&p->pool_lock);
    return got;
}

/* Take this worker of the pool, however long its call takes. */
static void pool_take_this(IsolationWorker *w)
{
    IsolatedPlugin *p = w->plugin;
    g_mutex_lock(&p->pool_lock);
    while (w->busy)
        g_cond_wait(&p->pool_cond, &p->pool_lock);
    w->busy = TRUE;
    g_mutex_unlock(&p->pool_lock);
}

static void pool_give(IsolationWorker *w)
{
    IsolatedPlugin *p = w->plugin;
    g_mutex_lock(&p->pool_lock);
    w->busy = FALSE;
    /* Broadcast: a destroy waits for one worker in particular, so the
     * waiter woken must not be left to chance. */
    g_cond_broadcast(&p->pool_cond);
    g_mutex_unlock(&p->pool_lock);
}

/* ---- the worker, ready for a call ---- */

/* TRUE, with *why, when the plugin is quarantined now: no worker of it
 * takes a call, however many still run. */
static gboolean quarantined(IsolatedPlugin *p, char **why)
{
    gint64 now = isolation_wall_ms();
    g_mutex_lock(&p->state_lock);
    gboolean q = p->quarantined_until > now;
    g_mutex_unlock(&p->state_lock);
    if (q)
        *why = g_strdup_printf("plugin '%s' is quarantined after %u crashes", p->plugin_id,
                               p->limits.crash_limit);
    return q;
}

/* The taken worker w running this plugin, started when there is none and
 * the backoff and quarantine allow. FALSE (nothing sent) with *why
 * otherwise. */
static gboolean ensure_worker(IsolationWorker *w, char **why)
{
    IsolatedPlugin *p = w->plugin;
    /* A worker stopped here, between calls, broke no call: the one at
     * hand gets a new worker at once (the crash still counts). */
    gboolean restart_now = FALSE;
    if (w->pid > 0) {
        /* Between calls the worker has nothing to say: a packet waiting
         * now is a late second answer or noise. */
        char probe;
        if (recv(w->fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
            char *ended = isolation_kill(w);
            g_autofree char *reason = g_strdup_printf(
                "worker %s: it sent a message between calls", ended ? ended : "gone");
            g_free(ended);
            isolation_record_crash(p, reason);
            restart_now = TRUE;
        }
    }
    if (w->pid > 0) {
        int status;
        if (waitpid(w->pid, &status, WNOHANG) != w->pid)
            return TRUE;
        /* It ended between calls: nothing was in flight, so nothing is
         * lost; it is started again below. The pid is cleared first so
         * that isolation_kill only closes the socket. */
        g_mutex_lock(&p->pool_lock);
        w->pid = 0;
        g_mutex_unlock(&p->pool_lock);
        if (w->fd >= 0)
            close(w->fd);
        w->fd = -1;
    }
    if (quarantined(p, why))
        return FALSE;
    gint64 now = isolation_wall_ms();
    g_mutex_lock(&p->state_lock);
    gint64 respawn_at = p->respawn_at;
    g_mutex_unlock(&p->state_lock);
    if (now < respawn_at && !restart_now) {
        *why = g_strdup_printf("plugin '%s' is restarting after a crash (next attempt in "
                               "%" G_GINT64_FORMAT " ms)",
                               p->plugin_id, respawn_at - now);
        return FALSE;
    }
    /* Every worker of the pool, like every respawn, must present the
     * descriptor the host built its copy from. */
    GVariant *descriptor = NULL;
    char *id = NULL;
    IsolationWait r = isolation_handshake(w, &descriptor, &id, why);
    g_free(id);
    if (r != ISO_WAIT_OK) {
        isolation_record_crash(p, *why);
        return FALSE;
    }
    GBytes *bytes = g_variant_get_data_as_bytes(descriptor);
    gboolean same = g_bytes_equal(bytes, p->descriptor_bytes);
    g_bytes_unref(bytes);
    g_variant_unref(descriptor);
    if (!same) {
        g_free(isolation_kill(w));
        *why = g_strdup("the plugin file changed since it was loaded; restart the host");
        isolation_record_crash(p, *why);
        return FALSE;
    }
    return TRUE;
}

/* The worker failed during call `what`: stop it and count the crash. */
static char *worker_failed(IsolationWorker *w, const char *what, const char *why)
{
    char *ended = isolation_kill(w);
    char *reason = g_strdup_printf("worker %s during %s: %s", ended ? ended : "gone", what, why);
    g_free(ended);
    isolation_record_crash(w->plugin, reason);
    return reason;
}

/* An instance of pi's method in the taken worker w: created there before
 * its first call, and again after each restart of it. */
static gboolean ensure_instance(ProxyInstance *pi, IsolationWorker *w, char **why)
{
    IsolatedPlugin *p = pi->plugin;
    if (!ensure_worker(w, why))
        return FALSE;
    if (pi->generation[w->index] == w->generation)
        return TRUE;
    guint32 id = ++w->next_call;
    /* The seccomp choice travels with create, not on the worker's command
     * line: the discovery worker is started before the plugin's id, and so
     * its config, is known. */
    g_mutex_lock(&p->state_lock);
    gboolean seccomp = p->limits.seccomp;
    g_mutex_unlock(&p->state_lock);
    if (!isolation_send(w->fd, ISO_CREATE, id,
                        g_variant_new("(@ayb)", g_variant_new_bytestring(pi->method_id),
                                      seccomp))) {
        g_free(isolation_kill(w));
        *why = g_strdup("the worker was gone before create");
        return FALSE;
    }
    GVariant *body = NULL;
    char *wait_why = NULL;
    IsolationWait r = isolation_wait(w, id, ISO_CREATED,
                                     g_get_monotonic_time() + CREATE_TIMEOUT_MS * 1000, &body,
                                     &wait_why);
    if (r == ISO_WAIT_OK && !g_variant_is_of_type(body, G_VARIANT_TYPE("(itay)"))) {
        r = ISO_WAIT_VIOLATION;
        g_free(wait_why);
        wait_why = g_strdup("the worker sent a malformed create answer");
        g_variant_unref(body);
    }
    if (r != ISO_WAIT_OK) {
        *why = worker_failed(w, "create", wait_why);
        g_free(wait_why);
        return FALSE;
    }
    gint32 rc;
    guint64 handle;
    char *error = NULL;
    g_variant_get(body, "(it^ay)", &rc, &handle, &error);
    g_variant_unref(body);
    if (rc != 0) {
        *why = error;
        return FALSE;
    }
    g_free(error);
    pi->handle[w->index] = handle;
    pi->generation[w->index] = w->generation;
    return TRUE;
}

/* ---- the proxy ops ---- */

static int proxy_create(const tender_host_services *host, const char *method_id,
                        void **instance, char *error, size_t error_size)
{
    IsolatedPlugin *p = registry_lookup(host);
    if (p == NULL) {
        g_strlcpy(error, "no worker for this plugin", error_size);
        return 1;
    }
    ProxyInstance *pi = g_new0(ProxyInstance, 1);
    pi->plugin = p;
    pi->method_id = g_strdup(method_id);
    /* Created in one worker now, so that a plugin refusing the instance
     * is known at once; the other workers create it before their first
     * call of it. */
    char *why = NULL;
    IsolationWorker *w = pool_take(p, g_get_monotonic_time() + CREATE_TIMEOUT_MS * 1000);
    gboolean ok = FALSE;
    if (w == NULL) {
        why = g_strdup("every worker of the plugin stayed busy");
    } else {
        ok = ensure_instance(pi, w, &why);
        pool_give(w);
    }
    if (!ok) {
        g_strlcpy(error, why ? why : "create failed", error_size);
        g_free(why);
        g_free(pi->method_id);
        g_free(pi);
        return 1;
    }
    *instance = pi;
    return 0;
}

static void proxy_destroy(void *instance)
{
    ProxyInstance *pi = instance;
    if (pi == NULL)
        return;
    IsolatedPlugin *p = pi->plugin;
    for (guint i = 0; i < ISOLATION_MAX_WORKERS; i++) {
        if (pi->generation[i] == 0)
            continue;
        IsolationWorker *w = &p->workers[i];
        pool_take_this(w);
        /* Only the worker that created it: one started since has none. */
        if (w->pid > 0 && pi->generation[i] == w->generation) {
            guint32 id = ++w->next_call;
            GVariant *body = NULL;
            char *why = NULL;
            if (!isolation_send(w->fd, ISO_DESTROY, id, g_variant_new("(t)", pi->handle[i])))
                g_free(isolation_kill(w));
            else if (isolation_wait(w, id, ISO_DONE,
                                    g_get_monotonic_time() + DESTROY_TIMEOUT_MS * 1000, &body,
                                    &why) == ISO_WAIT_OK)
                g_variant_unref(body);
            else
                g_free(worker_failed(w, "destroy", why));
            g_free(why);
        }
        pool_give(w);
    }
    g_free(pi->method_id);
    g_free(pi);
}

static const char *const slot_names[ISO_SLOT_COUNT_] = {
    "authorize", "purchase", "capture", "void", "refund", "sync", "complete_action",
    "identify_notification", "notification", "sandbox_notification", "describe_instrument",
    "reauthorize"};

static void proxy_call(ProxyInstance *pi, IsolationSlot slot, const char *event,
                       const tender_request *req, tender_result *res)
{
    IsolatedPlugin *p = pi->plugin;
    /* A host with no deadline passes G_MAXINT64 (the test host does):
     * clamped so that the microseconds below cannot overflow. */
    gint64 now_ms = p->services->now_ms(p->services);
    gint64 left_ms = req->deadline_ms > now_ms ? MIN(req->deadline_ms - now_ms, MAX_CALL_MS) : 0;
    gint64 deadline_us = g_get_monotonic_time() + MAX(left_ms, 1) * 1000;
    char *why = NULL;
    IsolationWorker *w = NULL;
    /* A quarantine stops the workers still running too, not only new
     * ones: with a pool, some may have outlived the crashes. */
    if (!quarantined(p, &why)) {
        gint64 margin_us = MIN(MAX(left_ms, 1) / 5, POOL_WAIT_MARGIN_MS) * 1000;
        w = pool_take(p, deadline_us - margin_us);
        if (w == NULL)
            why = g_strdup_printf("every worker of plugin '%s' stayed busy until the deadline",
                                  p->plugin_id);
    }
    if (w == NULL || !ensure_instance(pi, w, &why)) {
        res->outcome = TENDER_OUTCOME_NOT_SENT;
        g_snprintf(res->message, sizeof res->message, "not sent: %s", why);
        g_free(why);
        if (w != NULL)
            pool_give(w);
        return;
    }
    guint32 id = ++w->next_call;
    /* The thread's buffer, kept between calls: a call's request is a few
     * hundred bytes, rarely more. */
    static GPrivate call_buffer = G_PRIVATE_INIT((GDestroyNotify)g_byte_array_unref);
    GByteArray *call = g_private_get(&call_buffer);
    if (call == NULL) {
        call = g_byte_array_sized_new(4096);
        g_private_set(&call_buffer, call);
    }
    isolation_call_encode(call, pi->handle[w->index], slot, event, req);
    if (!isolation_send_flat(w->fd, ISO_CALL, id, call)) {
        /* Not handed over: the worker never saw it. */
        g_free(isolation_kill(w));
        res->outcome = TENDER_OUTCOME_NOT_SENT;
        g_snprintf(res->message, sizeof res->message,
                   "not sent: the plugin's worker was gone before the request went out");
        pool_give(w);
        return;
    }
    GVariant *body = NULL;
    IsolationWait r = isolation_wait(w, id, ISO_RESULT, deadline_us, &body, &why);
    if (r == ISO_WAIT_OK) {
        /* Decoded in place: a malformed result is wiped below, so a
         * half-filled res is never seen (an 18 KiB copy less a call). */
        memset(res, 0, sizeof *res);
        res->struct_size = sizeof *res;
        gsize len;
        const guint8 *data = isolation_flat_body(body, &len);
        if (!isolation_result_decode(data, len, res)) {
            r = ISO_WAIT_VIOLATION;
            why = g_strdup("the worker sent a malformed result");
        }
        g_variant_unref(body);
    }
    if (r == ISO_WAIT_OK) {
        g_mutex_lock(&p->state_lock);
        p->consecutive = 0;
        g_mutex_unlock(&p->state_lock);
    } else {
        char *reason = worker_failed(w, slot_names[slot], why);
        memset(res, 0, sizeof *res);
        res->struct_size = sizeof *res;
        res->outcome = TENDER_OUTCOME_UNKNOWN;
        g_snprintf(res->message, sizeof res->message, "outcome unknown: plugin %s",
                   reason);
        g_free(reason);
    }
    g_free(why);
    pool_give(w);
}

#define PROXY_SLOT(name, slot)                                                                     \
    static void proxy_##name(void *instance, const tender_request *req, tender_result *res)      \
    {                                                                                              \
        proxy_call(instance, slot, NULL, req, res);                                                \
    }
PROXY_SLOT(authorize, ISO_SLOT_AUTHORIZE)
PROXY_SLOT(purchase, ISO_SLOT_PURCHASE)
PROXY_SLOT(capture, ISO_SLOT_CAPTURE)
PROXY_SLOT(void_payment, ISO_SLOT_VOID)
PROXY_SLOT(refund, ISO_SLOT_REFUND)
PROXY_SLOT(sync, ISO_SLOT_SYNC)
PROXY_SLOT(complete_action, ISO_SLOT_COMPLETE_ACTION)
PROXY_SLOT(identify_notification, ISO_SLOT_IDENTIFY_NOTIFICATION)
PROXY_SLOT(notification, ISO_SLOT_NOTIFICATION)
PROXY_SLOT(describe_instrument, ISO_SLOT_DESCRIBE_INSTRUMENT)
PROXY_SLOT(reauthorize, ISO_SLOT_REAUTHORIZE)
#undef PROXY_SLOT

static void proxy_sandbox_notification(void *instance, const tender_request *req,
                                       const char *event, tender_result *res)
{
    proxy_call(instance, ISO_SLOT_SANDBOX_NOTIFICATION, event, req, res);
}

/* A slot the plugin set without declaring its capability. */
static void proxy_undeclared(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    (void)req;
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
    res->outcome = TENDER_OUTCOME_NOT_SENT;
    g_strlcpy(res->message, "not sent: the method does not declare this operation",
              sizeof res->message);
}

/* ---- the descriptor ---- */

static gpointer keep(IsolatedPlugin *p, gpointer allocation)
{
    g_ptr_array_add(p->allocations, allocation);
    return allocation;
}

static const char *keep_maybe(IsolatedPlugin *p, GVariant *maybe)
{
    char *s = isolation_dup_maybe_bytes(maybe);
    return s ? keep(p, s) : NULL;
}

static const char *const *keep_strv(IsolatedPlugin *p, GVariant *aay)
{
    gsize n = g_variant_n_children(aay);
    const char **v = keep(p, g_new0(const char *, n + 1));
    for (gsize i = 0; i < n; i++) {
        GVariant *s = g_variant_get_child_value(aay, i);
        v[i] = keep(p, isolation_dup_bytes(s));
        g_variant_unref(s);
    }
    return v;
}

static const tender_param_spec *keep_specs(IsolatedPlugin *p, GVariant *a, size_t *n)
{
    *n = g_variant_n_children(a);
    tender_param_spec *specs = keep(p, g_new0(tender_param_spec, *n + 1));
    for (gsize i = 0; i < *n; i++) {
        GVariant *e = g_variant_get_child_value(a, i);
        GVariant *name = g_variant_get_child_value(e, 0), *desc = g_variant_get_child_value(e, 2);
        specs[i].struct_size = sizeof specs[i];
        specs[i].name = keep_maybe(p, name);
        g_variant_get_child(e, 1, "u", &specs[i].flags);
        specs[i].description = keep_maybe(p, desc);
        g_variant_unref(name);
        g_variant_unref(desc);
        g_variant_unref(e);
    }
    return *n ? specs : NULL;
}

/* The worker's method facts (isolation-protocol.c's method_encode), its
 * fixtures last. */
#define METHOD_TYPE                                                                                \
    "(maymaytaaya(mayixxmay)a(mayumay)a(mayumay)xxuxmaybuaayub" ISOLATION_FIXTURES_TYPE "u)"

/* The copies of the proxy methods' fixtures, by method: the slot takes no
 * instance, so a proxy function could not tell which method is asked;
 * tender_method_fixtures asks isolation_method_fixtures instead. */
typedef struct {
    const tender_fixture *table; /* NULL when the method has none */
    size_t n;
} ProxyFixtures;

static GHashTable *fixture_registry; /* const tender_method * -> ProxyFixtures * */

gboolean isolation_method_fixtures(const tender_method *m, const tender_fixture **table, size_t *n)
{
    g_mutex_lock(&registry_lock);
    const ProxyFixtures *pf = fixture_registry ? g_hash_table_lookup(fixture_registry, m) : NULL;
    if (pf != NULL) {
        *table = pf->table;
        *n = pf->n;
    }
    g_mutex_unlock(&registry_lock);
    return pf != NULL;
}

static const tender_param *keep_params(IsolatedPlugin *p, GVariant *a, size_t *n)
{
    *n = g_variant_n_children(a);
    tender_param *params = keep(p, g_new0(tender_param, *n + 1));
    for (gsize i = 0; i < *n; i++) {
        GVariant *key, *value;
        g_variant_get_child(a, i, "(@may@may)", &key, &value);
        params[i].key = keep_maybe(p, key);
        params[i].value = keep_maybe(p, value);
        g_variant_unref(key);
        g_variant_unref(value);
    }
    return *n ? params : NULL;
}

static ProxyFixtures *keep_fixtures(IsolatedPlugin *p, gboolean has_slot, GVariant *a)
{
    ProxyFixtures *pf = keep(p, g_new0(ProxyFixtures, 1));
    pf->n = has_slot ? g_variant_n_children(a) : 0;
    if (!has_slot)
        return pf;
    tender_fixture *fx = keep(p, g_new0(tender_fixture, pf->n + 1));
    for (gsize i = 0; i < pf->n; i++) {
        GVariant *name, *region, *currency, *amount, *tier, *params, *complete, *event;
        tender_fixture *f = &fx[i];
        g_variant_get_child(a, i, "(@may@may@may@may@may@a(maymay)uu@a(maymay)@mayu)", &name,
                            &region, &currency, &amount, &tier, &params, &f->expect_outcome,
                            &f->expect_decline, &complete, &event, &f->expect_after_action);
        f->struct_size = sizeof *f;
        f->name = keep_maybe(p, name);
        f->region = keep_maybe(p, region);
        f->currency = keep_maybe(p, currency);
        f->amount = keep_maybe(p, amount);
        f->tier = keep_maybe(p, tier);
        f->params = keep_params(p, params, &f->n_params);
        f->complete_params = keep_params(p, complete, &f->n_complete_params);
        f->sandbox_event = keep_maybe(p, event);
        GVariant *all[] = {name, region, currency, amount, tier, params, complete, event};
        for (gsize j = 0; j < G_N_ELEMENTS(all); j++)
            g_variant_unref(all[j]);
    }
    /* A plugin whose slot returns no table has the slot but no fixtures. */
    pf->table = fx;
    return pf;
}

static tender_method *method_decode(IsolatedPlugin *p, GVariant *v)
{
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE(METHOD_TYPE)))
        return NULL;
    tender_method *m = keep(p, g_new0(tender_method, 1));
    GVariant *id, *name, *regions, *currencies, *params, *action_params, *over_currency, *tiers;
    guint64 caps;
    gint64 hold, action_timeout, over_extra;
    GVariant *fixtures;
    guint32 over_bps, plugin_size, slots, undeclared;
    gboolean has_tiers, has_fixtures;
    g_variant_get(
        v,
        "(@may@mayt@aay@a(mayixxmay)@a(mayumay)@a(mayumay)xxux@maybu@aayub@" ISOLATION_FIXTURES_TYPE
        "u)",
        &id, &name, &caps, &regions, &currencies, &params, &action_params, &hold, &action_timeout,
        &over_bps, &over_extra, &over_currency, &has_tiers, &plugin_size, &tiers, &slots,
        &has_fixtures, &fixtures, &undeclared);
    (void)plugin_size;
    m->struct_size = sizeof *m;
    m->id = keep_maybe(p, id);
    m->name = keep_maybe(p, name);
    m->capabilities = caps;
    /* A bit whose slot the worker's plugin cannot hold (an older plugin)
     * is dropped here, as the loader drops it in-process. */
    if (!(slots & (1u << ISO_SLOT_REAUTHORIZE)))
        m->capabilities &= ~(guint64)TENDER_CAP_REAUTHORIZE;
    m->regions = keep_strv(p, regions);
    m->n_currencies = g_variant_n_children(currencies);
    tender_currency_fact *facts = keep(p, g_new0(tender_currency_fact, m->n_currencies + 1));
    for (gsize i = 0; i < m->n_currencies; i++) {
        GVariant *c = g_variant_get_child_value(currencies, i);
        GVariant *code, *home;
        gint64 min, max;
        g_variant_get(c, "(@mayixx@may)", &code, &facts[i].exponent, &min, &max, &home);
        facts[i].struct_size = sizeof facts[i];
        facts[i].code = keep_maybe(p, code);
        facts[i].min_amount = min;
        facts[i].max_amount = max;
        facts[i].home_region = keep_maybe(p, home);
        g_variant_unref(code);
        g_variant_unref(home);
        g_variant_unref(c);
    }
    m->currencies = m->n_currencies ? facts : NULL;
    m->params = keep_specs(p, params, &m->n_params);
    m->action_params = keep_specs(p, action_params, &m->n_action_params);
    m->hold_seconds = hold;
    m->action_timeout_seconds = action_timeout;
    m->over_capture_bps = over_bps;
    m->over_capture_max_extra = over_extra;
    m->over_capture_currency = keep_maybe(p, over_currency);
    m->tiers = has_tiers ? keep_strv(p, tiers) : NULL;
    tender_method_ops *ops = keep(p, g_new0(tender_method_ops, 1));
    ops->struct_size = sizeof *ops;
    ops->create = proxy_create;
    ops->destroy = proxy_destroy;
#define SET(slot, field, fn)                                                                       \
    if (slots & (1u << slot))                                                                      \
        ops->field = fn;
    SET(ISO_SLOT_AUTHORIZE, authorize, proxy_authorize)
    SET(ISO_SLOT_PURCHASE, purchase, proxy_purchase)
    SET(ISO_SLOT_CAPTURE, capture, proxy_capture)
    SET(ISO_SLOT_VOID, void_payment, proxy_void_payment)
    SET(ISO_SLOT_REFUND, refund, proxy_refund)
    SET(ISO_SLOT_SYNC, sync, proxy_sync)
    SET(ISO_SLOT_COMPLETE_ACTION, complete_action, proxy_complete_action)
    SET(ISO_SLOT_IDENTIFY_NOTIFICATION, identify_notification, proxy_identify_notification)
    SET(ISO_SLOT_NOTIFICATION, notification, proxy_notification)
    SET(ISO_SLOT_SANDBOX_NOTIFICATION, sandbox_notification, proxy_sandbox_notification)
    SET(ISO_SLOT_DESCRIBE_INSTRUMENT, describe_instrument, proxy_describe_instrument)
    SET(ISO_SLOT_REAUTHORIZE, reauthorize, proxy_reauthorize)
#undef SET
    /* Set in the plugin's table without their capability: mirrored so a
     * check of the table sees them, answered here (never forwarded: the
     * worker calls only declared slots, as the host does). */
#define SET_UNDECLARED(slot, field)                                                                \
    if (undeclared & (1u << slot))                                                                 \
        ops->field = proxy_undeclared;
    SET_UNDECLARED(ISO_SLOT_AUTHORIZE, authorize)
    SET_UNDECLARED(ISO_SLOT_PURCHASE, purchase)
    SET_UNDECLARED(ISO_SLOT_CAPTURE, capture)
    SET_UNDECLARED(ISO_SLOT_VOID, void_payment)
    SET_UNDECLARED(ISO_SLOT_REFUND, refund)
    SET_UNDECLARED(ISO_SLOT_SYNC, sync)
    SET_UNDECLARED(ISO_SLOT_COMPLETE_ACTION, complete_action)
    SET_UNDECLARED(ISO_SLOT_IDENTIFY_NOTIFICATION, identify_notification)
    SET_UNDECLARED(ISO_SLOT_NOTIFICATION, notification)
    SET_UNDECLARED(ISO_SLOT_REAUTHORIZE, reauthorize)
#undef SET_UNDECLARED
    m->ops = ops;
    ProxyFixtures *pf = keep_fixtures(p, has_fixtures, fixtures);
    g_mutex_lock(&registry_lock);
    if (fixture_registry == NULL)
        fixture_registry = g_hash_table_new(NULL, NULL);
    g_hash_table_insert(fixture_registry, m, pf);
    g_mutex_unlock(&registry_lock);
    GVariant *all[] = {id,    name,    regions, currencies, params, action_params, over_currency,
                       tiers, fixtures};
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++)
        g_variant_unref(all[i]);
    return m;
}

static gboolean descriptor_decode(IsolatedPlugin *p, GVariant *v)
{
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE("(uumaymaymaymayav)")))
        return FALSE;
    tender_plugin_descriptor *d = &p->descriptor;
    GVariant *id, *name, *version, *description, *methods;
    g_variant_get(v, "(uu@may@may@may@may@av)", &d->abi_major, &d->abi_minor, &id, &name,
                  &version, &description, &methods);
    d->struct_size = sizeof *d;
    d->id = keep_maybe(p, id);
    d->name = keep_maybe(p, name);
    d->version = keep_maybe(p, version);
    d->description = keep_maybe(p, description);
    d->n_methods = g_variant_n_children(methods);
    const tender_method **list = keep(p, g_new0(const tender_method *, d->n_methods + 1));
    gboolean ok = TRUE;
    for (gsize i = 0; ok && i < d->n_methods; i++) {
        GVariant *boxed = g_variant_get_child_value(methods, i);
        GVariant *m = g_variant_get_variant(boxed);
        list[i] = method_decode(p, m);
        ok = list[i] != NULL;
        g_variant_unref(m);
        g_variant_unref(boxed);
    }
    d->methods = list;
    GVariant *all[] = {id, name, version, description, methods};
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++)
        g_variant_unref(all[i]);
    return ok;
}

/* ---- life ---- */

static void plugin_free(IsolatedPlugin *p)
{
    g_mutex_lock(&registry_lock);
    for (size_t i = 0; fixture_registry && p->descriptor.methods && i < p->descriptor.n_methods;
         i++)
        g_hash_table_remove(fixture_registry, p->descriptor.methods[i]);
    g_mutex_unlock(&registry_lock);
    for (guint i = 0; i < ISOLATION_MAX_WORKERS; i++)
        g_free(isolation_kill(&p->workers[i]));
    g_free(p->path);
    g_free(p->plugin_id);
    if (p->descriptor_bytes)
        g_bytes_unref(p->descriptor_bytes);
    g_ptr_array_unref(p->allocations);
    g_array_unref(p->crashes);
    g_ptr_array_unref(p->unsaved);
    g_free(p->last_crash);
    g_mutex_clear(&p->pool_lock);
    g_cond_clear(&p->pool_cond);
    g_mutex_clear(&p->state_lock);
    g_free(p);
}

IsolatedPlugin *isolation_start(const char *path, const tender_host_services *services,
                                const IsolationLimits *limits, char **plugin_id, char **reason)
{
    IsolatedPlugin *p = g_new0(IsolatedPlugin, 1);
    g_mutex_init(&p->pool_lock);
    g_cond_init(&p->pool_cond);
    g_mutex_init(&p->state_lock);
    p->path = g_strdup(path);
    p->services = services;
    p->limits = *limits;
    for (guint i = 0; i < ISOLATION_MAX_WORKERS; i++) {
        p->workers[i].plugin = p;
        p->workers[i].index = i;
        p->workers[i].fd = -1;
    }
    p->allocations = g_ptr_array_new_with_free_func(g_free);
    p->crashes = g_array_new(FALSE, FALSE, sizeof(gint64));
    p->unsaved = g_ptr_array_new_with_free_func(isolation_crash_free);
    GVariant *descriptor = NULL;
    /* The first worker of the pool: its descriptor is the one every
     * other worker must present. */
    if (isolation_handshake(&p->workers[0], &descriptor, plugin_id, reason) != ISO_WAIT_OK) {
        plugin_free(p);
        return NULL;
    }
    if (!descriptor_decode(p, descriptor)) {
        g_variant_unref(descriptor);
        *reason = g_strdup("its worker sent a malformed descriptor");
        plugin_free(p);
        return NULL;
    }
    p->descriptor_bytes = g_variant_get_data_as_bytes(descriptor);
    g_variant_unref(descriptor);
    p->plugin_id = g_strdup(p->descriptor.id);
    g_mutex_lock(&registry_lock);
    if (registry == NULL)
        registry = g_hash_table_new(NULL, NULL);
    g_hash_table_insert(registry, (gpointer)services, p);
    g_mutex_unlock(&registry_lock);
    return p;
}

const tender_plugin_descriptor *isolation_descriptor(IsolatedPlugin *p)
{
    return &p->descriptor;
}

const char *isolation_plugin_id(IsolatedPlugin *p)
{
    return p->plugin_id;
}

void isolation_free(IsolatedPlugin *p)
{
    if (p == NULL)
        return;
    g_mutex_lock(&registry_lock);
    if (registry && g_hash_table_lookup(registry, p->services) == p)
        g_hash_table_remove(registry, p->services);
    g_mutex_unlock(&registry_lock);
    plugin_free(p);
}
