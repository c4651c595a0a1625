/* The frame's own interfaces between its files (sandbox-server.c,
 * sandbox-faults.c, sandbox-state.c, sandbox-notify.c, sandbox-config.c,
 * sandbox-cli.c). Provider modules include sandbox.h only: nothing here is
 * part of their contract.
 *
 * Every function here runs on the process's one GLib main loop, like those
 * of sandbox.h, and none is thread-safe. */
#ifndef TENDER_SANDBOX_PRIVATE_H
#define TENDER_SANDBOX_PRIVATE_H

#include "sandbox.h"

/* ---- Options ------------------------------------------------------------ */

/* The fault settings of one provider (or of "*", every provider). Counts
 * are "the next N requests" and go down as requests consume them; a
 * latency applies to every request while it is set. */
typedef struct SandboxFaults {
    guint latency_ms;
    guint drop;
    guint fail_5xx;
    gboolean duplicate_notifications;
    gboolean reorder_notifications;
} SandboxFaults;

/* What the command line asked for (sandbox-cli.c fills it). Strings are
 * borrowed from the caller and must outlive the server. */
typedef struct SandboxOptions {
    const char *listen;       /* "HOST:PORT", "[::1]:PORT" */
    gboolean allow_remote;    /* listening and notifying beyond loopback */
    const char *state_file;   /* NULL: state lives only in memory */
    const char *webhook_base; /* NULL: none */
    double time_scale;        /* > 0 */
    SandboxFaults faults;     /* the "*" faults the flags set */
    /* TLS (sandbox.h, SandboxTls): the server's certificate and key (PEM)
     * make the base URL https://; client_ca (PEM) makes the server ask
     * every client for a certificate of that CA (optional at the TLS level:
     * a provider decides which of its paths require one, with
     * sandbox_client_identity()). The merchant_* files and ca_file are only
     * written into --config-out. All NULL: plain HTTP. */
    SandboxTls tls;
} SandboxOptions;

/* ---- The server (sandbox-server.c) -------------------------------------- */

/* Create the server: load the state (error when the state file exists but
 * is not a JSON object), then install each provider (providers is an array
 * of n pointers, borrowed for the server's lifetime). Not listening yet. */
SandboxServer *sandbox_server_new(const SandboxOptions *options,
                                  const SandboxProvider *const *providers, guint n_providers,
                                  GError **error);

/* Listen on options->listen. Refuses a non-loopback address unless
 * options->allow_remote. On success the base URL is known. */
gboolean sandbox_server_listen(SandboxServer *sb, GError **error);

/* Save the state one last time (when it changed), stop listening, free.
 * NULL is ignored. */
void sandbox_server_free(SandboxServer *sb);

guint sandbox_server_provider_count(SandboxServer *sb);
const SandboxProvider *sandbox_server_provider(SandboxServer *sb, guint i);
const SandboxProvider *sandbox_server_provider_named(SandboxServer *sb, const char *name);
gboolean sandbox_server_allow_remote(SandboxServer *sb);

/* ---- Faults (sandbox-faults.c) ------------------------------------------ */

typedef struct SandboxFaultTable SandboxFaultTable;

SandboxFaultTable *sandbox_fault_table_new(const SandboxFaults *everyone);
void sandbox_fault_table_free(SandboxFaultTable *table);

/* What a request to provider must suffer: the latency to wait, and whether
 * it is dropped or answered 503 (consuming one of the counts; the
 * provider's own settings first, then "*"). */
typedef enum { SANDBOX_FAULT_NONE, SANDBOX_FAULT_DROP, SANDBOX_FAULT_5XX } SandboxFaultAction;
guint sandbox_fault_latency(SandboxFaultTable *table, const char *provider);
SandboxFaultAction sandbox_fault_take(SandboxFaultTable *table, const char *provider);

/* The notification faults in force for provider (its own or "*"). */
gboolean sandbox_fault_duplicate(SandboxFaultTable *table, const char *provider);
gboolean sandbox_fault_reorder(SandboxFaultTable *table, const char *provider);

/* The control endpoint /_sandbox/faults: GET shows, POST sets (the fields
 * given replace those of that provider), DELETE clears. */
void sandbox_fault_control(SandboxServer *sb, SandboxFaultTable *table, SoupServerMessage *msg);

/* Answer 503 with a small JSON body, as the fault says. */
void sandbox_fault_respond_5xx(SoupServerMessage *msg);

/* ---- State (sandbox-state.c) -------------------------------------------- */

typedef struct SandboxStateStore SandboxStateStore;

/* Load path (NULL: memory only; a missing file: empty state). */
SandboxStateStore *sandbox_state_store_new(const char *path, GError **error);
void sandbox_state_store_free(SandboxStateStore *store);
JsonObject *sandbox_state_store_provider(SandboxStateStore *store, const char *provider);
/* The frame's own values (the clock offset) kept in the same document. */
gint64 sandbox_state_store_clock_offset_ms(SandboxStateStore *store);
void sandbox_state_store_set_clock_offset_ms(SandboxStateStore *store, gint64 offset_ms);
void sandbox_state_store_mark_changed(SandboxStateStore *store);
/* Write the document when it changed since the last save (atomically).
 * FALSE with error when the write failed; the state stays marked. */
gboolean sandbox_state_store_save(SandboxStateStore *store, GError **error);

/* ---- Notifications (sandbox-notify.c) ----------------------------------- */

typedef struct SandboxNotifier SandboxNotifier;

SandboxNotifier *sandbox_notifier_new(SandboxServer *sb, SandboxFaultTable *faults);
/* Cancels every delivery still waiting. */
void sandbox_notifier_free(SandboxNotifier *notifier);
void sandbox_notifier_queue(SandboxNotifier *notifier, const SandboxNotification *n);
SandboxNotifier *sandbox_server_notifier(SandboxServer *sb);

/* Is this URL's host a loopback address (127.0.0.0/8, ::1, localhost)? */
gboolean sandbox_url_is_loopback(const char *url);

/* ---- The Tender config (sandbox-config.c) ------------------------------- */

/* The embedded default policy config with every provider's settings
 * merged into methods.<name>.settings, written atomically to path. */
gboolean sandbox_config_write(SandboxServer *sb, const char *path, GError **error);

/* ---- The program (sandbox-cli.c) ---------------------------------------- */

/* The whole of main(): the command line, the `keys` subcommand, serving
 * until SIGTERM or SIGINT. Returns the exit status. */
int sandbox_cli_main(int argc, char **argv, const SandboxProvider *const *providers,
                     guint n_providers);

#endif
