/* Isolated plugins: a plugin whose code runs in a tender-plugin-worker
 * process of its own (private to libtender; docs/isolation.md).
 *
 * To the rest of the host an isolated plugin is an ordinary one: its
 * descriptor is a copy the host holds, whose ops tables point at proxy
 * functions (isolation-proxy.c) that forward each call to the worker with
 * the call's deadline and answer UNKNOWN when the worker dies, hangs past
 * the deadline or breaks the protocol. A plugin has a pool of up to
 * `workers` worker processes (plugins.<id>.workers): one call at a time
 * per worker, so up to that many at once; the engine's own serialisation
 * is unchanged.
 *
 *   isolation-protocol.c  the wire format (shared with the worker)
 *   isolation-worker.c    the worker process: spawn, handshake, wait, kill,
 *                         crash accounting and quarantine
 *   isolation-proxy.c     the host-side descriptor and ops table, and the
 *                         host services served to the worker */
#ifndef TENDER_CORE_ISOLATION_H
#define TENDER_CORE_ISOLATION_H

#include <glib.h>

#include <tender/plugin.h>

G_BEGIN_DECLS

typedef struct IsolatedPlugin IsolatedPlugin;

/* The most worker processes one isolated plugin may have (plugins.<id>.workers). */
#define ISOLATION_MAX_WORKERS 16

/* Per-plugin limits (config: plugins.<id>; docs/config.md). 0: no limit. */
typedef struct {
    guint64 address_space_mb;
    guint64 cpu_seconds;
    guint64 open_files;
    guint crash_limit;        /* crashes within crash_window_ms that quarantine */
    gint64 crash_window_ms;
    gboolean seccomp; /* the worker drops to its syscall allow-list */
    guint workers;    /* worker processes at most, 1 to ISOLATION_MAX_WORKERS */
} IsolationLimits;

#define ISOLATION_DEFAULT_ADDRESS_SPACE_MB 1024
#define ISOLATION_DEFAULT_CPU_SECONDS 600
#define ISOLATION_DEFAULT_OPEN_FILES 256
#define ISOLATION_DEFAULT_CRASH_LIMIT 3
#define ISOLATION_DEFAULT_CRASH_WINDOW_MS (10 * 60 * 1000)
void isolation_limits_default(IsolationLimits *limits);

/* Start a worker for the plugin file at path (which the loader has already
 * checked), hand it the host's ABI version and read its descriptor; the
 * plugin's service calls while it loads are served with services. NULL
 * when the plugin is refused, crashes or hangs while loading: *reason says
 * why and *plugin_id is its id when the worker could tell it. */
IsolatedPlugin *isolation_start(const char *path, const tender_host_services *services,
                                const IsolationLimits *limits, char **plugin_id, char **reason);
/* The host-side copy of the plugin's descriptor (lives as long as p). */
const tender_plugin_descriptor *isolation_descriptor(IsolatedPlugin *p);
const char *isolation_plugin_id(IsolatedPlugin *p);
/* When m is a method of an isolated plugin's host-side descriptor: TRUE,
 * with the copy of its sandbox fixtures (NULL and 0 when it has none). */
gboolean isolation_method_fixtures(const tender_method *m, const tender_fixture **table, size_t *n);
/* Change the limits (the running worker's at once, through prlimit). */
void isolation_set_limits(IsolatedPlugin *p, const IsolationLimits *limits);
/* Stop the worker and free everything (after the method instances). */
void isolation_free(IsolatedPlugin *p);

/* ---- crashes and quarantine ---- */

/* A crash to persist (the ledger's plugin_crashes). */
typedef struct {
    gint64 at_ms; /* wall clock */
    char *reason;
} IsolationCrash;
void isolation_crash_free(gpointer crash);
/* The crashes since the last call, for the ledger (IsolationCrash*, owned
 * by the caller; NULL when none). */
GPtrArray *isolation_take_crashes(IsolatedPlugin *p);
/* Replace the crash history with the ledger's (wall ms, ascending; those
 * after the last clear only). Recomputes the quarantine. */
void isolation_set_history(IsolatedPlugin *p, const gint64 *at_ms, gsize n,
                           const char *last_reason);
/* When p is quarantined at now_ms (wall clock): TRUE, with until and a
 * sentence saying why. */
gboolean isolation_quarantined(IsolatedPlugin *p, gint64 now_ms, gint64 *until_ms,
                               char **reason);
/* The end of the quarantine the crash times at_ms (ascending) put a plugin
 * in, 0 when none: limit crashes within window_ms quarantine it for a
 * window from the crash that reached the limit. */
gint64 isolation_quarantine_end(const gint64 *at_ms, gsize n, guint limit, gint64 window_ms);
/* How many workers were started for p (the first included). */
guint isolation_spawn_count(IsolatedPlugin *p);

G_END_DECLS

#endif
