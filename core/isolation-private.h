/* What isolation-worker.c and isolation-proxy.c share (private). */
#ifndef TENDER_CORE_ISOLATION_PRIVATE_H
#define TENDER_CORE_ISOLATION_PRIVATE_H

#include <sys/types.h>

#include "isolation-protocol.h"
#include "isolation.h"

G_BEGIN_DECLS

/* One worker process of the plugin's pool. A worker is held by one call at a
 * time (busy, under the plugin's pool_lock); the call that holds it owns
 * every field but pid, which is also written under pool_lock so that
 * isolation_set_limits can reach the running workers. */
typedef struct {
    IsolatedPlugin *plugin;
    guint index;      /* in plugin->workers */
    gboolean busy;    /* held by a call (pool_lock) */
    pid_t pid;        /* 0: no worker running in this slot */
    int fd;           /* the host's end of the socket, -1 when none */
    guint generation; /* bumped at each spawn: instances of older ones are gone */
    guint32 next_call;
} IsolationWorker;

struct IsolatedPlugin {
    /* The pool: a call takes a worker that is not busy and gives it back;
     * pool_cond is broadcast when one is given back. */
    GMutex pool_lock;
    GCond pool_cond;
    IsolationWorker workers[ISOLATION_MAX_WORKERS];
    GMutex state_lock; /* the crash state (from `crashes` on), spawns and limits */
    char *path;
    char *plugin_id;
    const tender_host_services *services; /* the host's table for this plugin */
    IsolationLimits limits;
    guint spawns;
    GBytes *descriptor_bytes; /* the first handshake's, to compare respawns with */
    /* The host-side descriptor (isolation-proxy.c). */
    tender_plugin_descriptor descriptor;
    GPtrArray *allocations; /* everything the descriptor points into */
    /* Crashes: wall ms since the last clear (ascending), the ones not yet in
     * the ledger, the backoff and the quarantine they give. */
    GArray *crashes;
    GPtrArray *unsaved;
    char *last_crash;
    guint consecutive;
    gint64 respawn_at;
    gint64 quarantined_until;
};

typedef enum {
    ISO_WAIT_OK,
    ISO_WAIT_REFUSED,  /* handshake: the plugin was refused (body: the reason) */
    ISO_WAIT_TIMEOUT,  /* nothing by the deadline */
    ISO_WAIT_DEAD,     /* the worker died (or never started) */
    ISO_WAIT_VIOLATION /* malformed, oversized, unknown call id, second answer */
} IsolationWait;

gint64 isolation_wall_ms(void);
/* Wait for the answer of kind want_kind to call_id, serving the worker's
 * service requests meanwhile; *body on ISO_WAIT_OK/REFUSED, else *why. */
IsolationWait isolation_wait(IsolationWorker *w, guint32 call_id, guint32 want_kind,
                             gint64 deadline_us, GVariant **body, char **why);
IsolationWait isolation_handshake(IsolationWorker *w, GVariant **descriptor, char **plugin_id,
                                  char **why);
/* Stop and reap this worker; how it ended (NULL: none was running). */
char *isolation_kill(IsolationWorker *w);
/* Count a crash of any of the plugin's workers (once, whichever it was): backoff, quarantine, the ledger's
 * queue. */
void isolation_record_crash(IsolatedPlugin *p, const char *reason);
/* Serve one ISO_SERVICE request with the plugin's services (isolation-services.c);
 * FALSE when it is malformed. */
gboolean isolation_serve(IsolationWorker *w, guint32 call_id, GVariant *request);
/* Serve one ISO_HTTP request (its flat body); FALSE when it is malformed. */
gboolean isolation_serve_http(IsolationWorker *w, guint32 call_id, GVariant *request);

G_END_DECLS

#endif
