/* Starting and stopping a tender-sandbox: the one launcher behind the
 * tests' sandbox (tests/support/sandbox-process.h), `tender demo`
 * (tools/demo-sandbox.c) and tender-conformance (conformance/
 * runner-sandbox.c).
 *
 * The program runs as `PROGRAM --listen 127.0.0.1:0 --config-out
 * DIR/config.json [extra args...]` with a private temporary directory DIR.
 * Its standard output and standard error go to files there (stdout.txt,
 * stderr.log) rather than to pipes: nobody has to drain them, a chatty
 * sandbox cannot block on a full pipe, and its log is at hand to quote when
 * it does not come up. The child asks the kernel for SIGTERM when the
 * thread that started it ends (PR_SET_PDEATHSIG), so a caller that crashes
 * or is killed leaves no server behind.
 *
 * The child is reaped with waitpid() on the caller's thread, never by a
 * GLib worker thread: tender-conformance forks its cases after starting
 * the sandbox and must not fork with a helper thread running. Not
 * thread-safe: start, poll and stop a launch from one thread; the URL and
 * config path may be read anywhere. */
#ifndef TENDER_SANDBOX_LAUNCH_H
#define TENDER_SANDBOX_LAUNCH_H

#include <glib.h>

G_BEGIN_DECLS

/* How long the sandbox has to print its URL, and to stop on SIGTERM
 * before it gets SIGKILL. */
#define SANDBOX_LAUNCH_START_TIMEOUT_S 10
#define SANDBOX_LAUNCH_STOP_GRACE_S 5

#define SANDBOX_LAUNCH_ERROR (sandbox_launch_error_quark())
GQuark sandbox_launch_error_quark(void);

typedef enum {
    /* The program could not be run; the message is GLib's. */
    SANDBOX_LAUNCH_ERROR_SPAWN,
    /* It exited before printing its URL. */
    SANDBOX_LAUNCH_ERROR_EXITED,
    /* It printed no URL within SANDBOX_LAUNCH_START_TIMEOUT_S. */
    SANDBOX_LAUNCH_ERROR_TIMED_OUT,
    /* No private directory ("no temporary directory: " and GLib's
     * reason). */
    SANDBOX_LAUNCH_ERROR_NO_DIR,
} SandboxLaunchError;

typedef struct {
    /* The program, a path or a name looked up on PATH. */
    const char *program;
    /* The private directory's g_dir_make_tmp() template. */
    const char *dir_template;
    /* More arguments after --config-out FILE; NULL-terminated, may be
     * NULL. */
    const char *const *extra_args;
    /* Run it in the private directory (a relative program path is then
     * taken from there too). */
    gboolean run_in_dir;
} SandboxLaunchOptions;

typedef struct SandboxLaunch SandboxLaunch;

/* The program a tool runs: explicit_path when given, else $TENDER_SANDBOX,
 * else tender-sandbox in beside_dir (the tool's own directory; may be
 * NULL), else in beside_dir/../sandbox/ (the build tree), else on PATH.
 * NULL when none is found; an explicit one is returned as given. g_free. */
char *sandbox_launch_find(const char *explicit_path, const char *beside_dir);

/* Starts the program and waits until the first line of its standard output
 * (its base URL) is complete. NULL with error set when it does not come up;
 * for SANDBOX_LAUNCH_ERROR_EXITED and _TIMED_OUT, *stderr_text (when not
 * NULL) is set to what it wrote on standard error (g_free; "" when
 * nothing), for the caller's message. Nothing is left behind on failure. */
SandboxLaunch *sandbox_launch_start(const SandboxLaunchOptions *options, char **stderr_text,
                                    GError **error);

/* The first line it printed ("http://127.0.0.1:PORT"), the path of the
 * config it wrote (DIR/config.json) and its directory; owned by launch. */
const char *sandbox_launch_url(SandboxLaunch *launch);
const char *sandbox_launch_config_path(SandboxLaunch *launch);
const char *sandbox_launch_dir(SandboxLaunch *launch);

/* Whether it is still running (reaps it when it has exited). */
gboolean sandbox_launch_running(SandboxLaunch *launch);

/* Stops it: SIGTERM, SIGKILL after SANDBOX_LAUNCH_STOP_GRACE_S, and reaps
 * it. Nothing when it has already exited. Returns TRUE when it ended by
 * exiting with status 0 (what it does on SIGTERM). */
gboolean sandbox_launch_stop(SandboxLaunch *launch);

/* What it wrote on standard error so far (g_free); NULL when unreadable. */
char *sandbox_launch_stderr(SandboxLaunch *launch);

/* Stops it if need be, removes its directory and frees launch. NULL is
 * ignored. */
void sandbox_launch_free(SandboxLaunch *launch);

G_END_DECLS

#endif
