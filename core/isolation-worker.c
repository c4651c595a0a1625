/* The host's side of a worker process: starting it, the handshake, waiting
 * for an answer under a deadline, killing it, and counting its crashes
 * (isolation.h). The proxy functions (isolation-proxy.c) build on these. */
#include "isolation-private.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long a worker has to load its plugin and answer the handshake, and
 * how long it has after SIGTERM before SIGKILL. */
#define HANDSHAKE_MS 5000
#define KILL_GRACE_MS 200
/* Respawn backoff: doubles from the first to the cap. */
#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS 5000

void isolation_limits_default(IsolationLimits *l)
{
    l->address_space_mb = ISOLATION_DEFAULT_ADDRESS_SPACE_MB;
    l->cpu_seconds = ISOLATION_DEFAULT_CPU_SECONDS;
    l->open_files = ISOLATION_DEFAULT_OPEN_FILES;
    l->crash_limit = ISOLATION_DEFAULT_CRASH_LIMIT;
    l->crash_window_ms = ISOLATION_DEFAULT_CRASH_WINDOW_MS;
    l->seccomp = TRUE;
    l->workers = 1;
}

gint64 isolation_wall_ms(void)
{
    return g_get_real_time() / 1000;
}

/* The worker program: $TENDER_PLUGIN_WORKER; else the build tree's when
 * libtender itself runs from its build tree; else the one installed beside
 * this libtender (its libexec directory relative to the library's own, so a
 * staged or moved installation finds its own worker); else the configured
 * install path. Returns a newly allocated path. */
static char *worker_path(void)
{
    const char *env = g_getenv("TENDER_PLUGIN_WORKER");
    if (env != NULL && env[0] != '\0')
        return g_strdup(env);
    Dl_info info;
    if (dladdr((void *)worker_path, &info) == 0 || info.dli_fname == NULL)
        return g_strdup(TENDER_INSTALLED_WORKER);
    if (g_str_has_prefix(info.dli_fname, TENDER_BUILD_ROOT "/"))
        return g_strdup(TENDER_BUILD_ROOT "/core/tender-plugin-worker");
    g_autofree char *libdir = g_path_get_dirname(info.dli_fname);
    if (g_str_has_suffix(libdir, "/" TENDER_LIBDIR_REL)) {
        g_autofree char *prefix =
            g_strndup(libdir, strlen(libdir) - strlen("/" TENDER_LIBDIR_REL));
        char *beside = g_build_filename(prefix, TENDER_LIBEXECDIR_REL, "tender-plugin-worker",
                                        NULL);
        if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
            return beside;
        g_free(beside);
    }
    return g_strdup(TENDER_INSTALLED_WORKER);
}

static void apply_limit(pid_t pid, int resource, guint64 value)
{
    if (value == 0 || pid <= 0)
        return;
#ifdef __SANITIZE_ADDRESS__
    if (resource == RLIMIT_AS)
        return; /* AddressSanitizer's shadow memory needs the address space */
#endif
    struct rlimit rl = {value, resource == RLIMIT_CPU ? value + 1 : value};
    prlimit(pid, resource, &rl, NULL);
}

/* ---- spawning ---- */

static gboolean spawn(IsolationWorker *w, char **reason)
{
    IsolatedPlugin *p = w->plugin;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        *reason = g_strdup_printf("cannot make the worker's socket: %s", g_strerror(errno));
        return FALSE;
    }
    g_autofree char *program = worker_path();
    char as[32], cpu[32], files[32];
    g_snprintf(as, sizeof as, "%" G_GUINT64_FORMAT, p->limits.address_space_mb);
    g_snprintf(cpu, sizeof cpu, "%" G_GUINT64_FORMAT, p->limits.cpu_seconds);
    g_snprintf(files, sizeof files, "%" G_GUINT64_FORMAT, p->limits.open_files);
    char *argv[] = {(char *)"tender-plugin-worker", (char *)"--as-mb", as,
                    (char *)"--cpu-seconds", cpu, (char *)"--open-files", files, p->path, NULL};
    char **envp = g_get_environ();
#ifdef __SANITIZE_ADDRESS__
    /* A worker crashes on purpose at times: no leak report, a crash
     * ends it by its signal as in any other build (the host reports the
     * signal), and memory past the limit ends it instead of taking the
     * machine. */
    g_autofree char *asan = g_strdup_printf(
        "detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:"
        "allocator_may_return_null=1:hard_rss_limit_mb=%" G_GUINT64_FORMAT,
        p->limits.address_space_mb ? p->limits.address_space_mb : 4096);
    envp = g_environ_setenv(envp, "ASAN_OPTIONS", asan, TRUE);
#endif
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls from here to exec. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(sv[1], ISOLATION_WORKER_FD) < 0 || dup2(null, 0) < 0 ||
            dup2(null, 1) < 0 || dup2(null, 2) < 0)
            _exit(127);
        /* Nothing of the host's but the socket. */
        close_range(ISOLATION_WORKER_FD + 1, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(program, argv, envp);
        _exit(127);
    }
    int fork_errno = errno;
    g_strfreev(envp);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        *reason = g_strdup_printf("cannot start %s: %s", program, g_strerror(fork_errno));
        return FALSE;
    }
    g_mutex_lock(&p->pool_lock);
    w->pid = pid;
    g_mutex_unlock(&p->pool_lock);
    w->fd = sv[0];
    w->generation++;
    g_mutex_lock(&p->state_lock);
    p->spawns++;
    g_mutex_unlock(&p->state_lock);
    return TRUE;
}

/* How the worker ended, in words. */
static char *describe_status(int status)
{
    if (WIFSIGNALED(status))
        return g_strdup_printf("killed by signal %d (%s)", WTERMSIG(status),
                               g_strsignal(WTERMSIG(status)));
    if (WIFEXITED(status))
        return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
    return g_strdup("ended");
}

/* Stop the worker (SIGTERM, SIGKILL after the grace) and reap it; returns
 * how it ended (NULL when there was none). */
char *isolation_kill(IsolationWorker *w)
{
    if (w->pid <= 0)
        return NULL;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    int status = 0;
    pid_t r = waitpid(w->pid, &status, WNOHANG);
    if (r == 0) {
        kill(w->pid, SIGTERM);
        for (int waited = 0; waited < KILL_GRACE_MS && r == 0; waited += 5) {
            g_usleep(5000);
            r = waitpid(w->pid, &status, WNOHANG);
        }
        if (r == 0) {
            kill(w->pid, SIGKILL);
            r = waitpid(w->pid, &status, 0);
        }
    }
    g_mutex_lock(&w->plugin->pool_lock);
    w->pid = 0;
    g_mutex_unlock(&w->plugin->pool_lock);
    return r > 0 ? describe_status(status) : g_strdup("gone");
}

/* ---- waiting ---- */

#define ISOLATION_SPIN_US 100

IsolationWait isolation_wait(IsolationWorker *w, guint32 call_id, guint32 want_kind,
                             gint64 deadline_us, GVariant **body, char **why)
{
    for (;;) {
        gint64 left_us = deadline_us - g_get_monotonic_time();
        if (left_us <= 0) {
            *why = g_strdup("no answer by the deadline");
            return ISO_WAIT_TIMEOUT;
        }
        /* Spin a little before sleeping: most answers come within this
         * time, and a CPU that went idle in poll() takes tens of
         * microseconds to be woken (on a virtual machine even more). */
        struct pollfd pfd = {w->fd, POLLIN, 0};
        gint64 spin_until = g_get_monotonic_time() + MIN(left_us, ISOLATION_SPIN_US);
        int n;
        do
            n = poll(&pfd, 1, 0);
        while (n == 0 && g_get_monotonic_time() < spin_until);
        if (n == 0)
            n = poll(&pfd, 1, (int)MIN((left_us + 999) / 1000, G_MAXINT));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            continue;
        guint32 kind, id;
        GVariant *msg = NULL;
        IsolationRecv r = isolation_recv(w->fd, &kind, &id, &msg);
        if (r == ISO_RECV_CLOSED) {
            *why = g_strdup("the worker died");
            return ISO_WAIT_DEAD;
        }
        if (r == ISO_RECV_MALFORMED) {
            *why = g_strdup("the worker sent a malformed or oversized message");
            return ISO_WAIT_VIOLATION;
        }
        if (id != call_id) {
            *why = g_strdup_printf("the worker answered call %u, which is not in flight", id);
            g_variant_unref(msg);
            return ISO_WAIT_VIOLATION;
        }
        if (kind == ISO_SERVICE || kind == ISO_HTTP) {
            gboolean ok = kind == ISO_HTTP ? isolation_serve_http(w, call_id, msg)
                                           : isolation_serve(w, call_id, msg);
            g_variant_unref(msg);
            if (!ok) {
                *why = g_strdup("the worker sent a malformed service request");
                return ISO_WAIT_VIOLATION;
            }
            continue;
        }
        if (kind != want_kind && !(want_kind == ISO_DESCRIPTOR && kind == ISO_REFUSED)) {
            *why = g_strdup_printf("the worker sent message kind %u where %u was due", kind,
                                   want_kind);
            g_variant_unref(msg);
            return ISO_WAIT_VIOLATION;
        }
        /* The one answer a call gets: anything already queued behind it
         * is a second answer. */
        struct pollfd again = {w->fd, POLLIN, 0};
        if (poll(&again, 1, 0) > 0 && (again.revents & POLLIN)) {
            *why = g_strdup("the worker answered more than once");
            g_variant_unref(msg);
            return ISO_WAIT_VIOLATION;
        }
        *body = msg;
        if (kind == ISO_REFUSED)
            return ISO_WAIT_REFUSED;
        return ISO_WAIT_OK;
    }
}

/* ---- the handshake ---- */

/* Start a worker and read its descriptor. On ISO_WAIT_OK *descriptor is the
 * body; otherwise *why (and for a refusal *plugin_id when known). */
IsolationWait isolation_handshake(IsolationWorker *w, GVariant **descriptor, char **plugin_id,
                                  char **why)
{
    if (!spawn(w, why))
        return ISO_WAIT_DEAD;
    if (!isolation_send(w->fd, ISO_HELLO, 0,
                        g_variant_new("(uuu)", (guint32)ISOLATION_PROTOCOL_VERSION,
                                      (guint32)TENDER_ABI_MAJOR, (guint32)TENDER_ABI_MINOR))) {
        g_free(isolation_kill(w));
        *why = g_strdup("the worker did not start");
        return ISO_WAIT_DEAD;
    }
    GVariant *body = NULL;
    IsolationWait r = isolation_wait(w, 0, ISO_DESCRIPTOR,
                                     g_get_monotonic_time() + HANDSHAKE_MS * 1000, &body, why);
    if (r == ISO_WAIT_REFUSED) {
        if (g_variant_is_of_type(body, G_VARIANT_TYPE("(mayay)"))) {
            GVariant *id = g_variant_get_child_value(body, 0);
            *plugin_id = isolation_dup_maybe_bytes(id);
            g_variant_unref(id);
            g_variant_get_child(body, 1, "^ay", why);
        } else {
            *why = g_strdup("the worker refused the plugin without a reason");
        }
        g_variant_unref(body);
        g_free(isolation_kill(w));
        return r;
    }
    if (r != ISO_WAIT_OK) {
        char *ended = isolation_kill(w);
        char *full = g_strdup_printf("%s while loading the plugin (worker %s)", *why,
                                     ended ? ended : "gone");
        g_free(*why);
        g_free(ended);
        *why = full;
        return r;
    }
    *descriptor = body;
    return ISO_WAIT_OK;
}

/* ---- crashes ---- */

void isolation_crash_free(gpointer crash)
{
    IsolationCrash *c = crash;
    g_free(c->reason);
    g_free(c);
}

gint64 isolation_quarantine_end(const gint64 *at_ms, gsize n, guint limit, gint64 window_ms)
{
    gint64 end = 0;
    if (limit == 0)
        return 0;
    for (gsize i = limit - 1; i < n; i++)
        if (at_ms[i] - at_ms[i + 1 - limit] <= window_ms)
            end = MAX(end, at_ms[i] + window_ms);
    return end;
}

static void recompute_quarantine(IsolatedPlugin *p)
{
    p->quarantined_until =
        isolation_quarantine_end((const gint64 *)(gpointer)p->crashes->data, p->crashes->len,
                                 p->limits.crash_limit, p->limits.crash_window_ms);
}

void isolation_record_crash(IsolatedPlugin *p, const char *reason)
{
    gint64 now = isolation_wall_ms();
    g_mutex_lock(&p->state_lock);
    g_array_append_val(p->crashes, now);
    g_free(p->last_crash);
    p->last_crash = g_strdup(reason);
    IsolationCrash *c = g_new0(IsolationCrash, 1);
    c->at_ms = now;
    c->reason = g_strdup(reason);
    g_ptr_array_add(p->unsaved, c);
    p->consecutive++;
    gint64 backoff = BACKOFF_FIRST_MS;
    for (guint i = 1; i < p->consecutive && backoff < BACKOFF_MAX_MS; i++)
        backoff *= 2;
    p->respawn_at = now + MIN(backoff, BACKOFF_MAX_MS);
    recompute_quarantine(p);
    g_mutex_unlock(&p->state_lock);
    g_warning("plugin '%s': %s", p->plugin_id ? p->plugin_id : p->path, reason);
}

GPtrArray *isolation_take_crashes(IsolatedPlugin *p)
{
    g_mutex_lock(&p->state_lock);
    GPtrArray *out = NULL;
    if (p->unsaved->len > 0) {
        out = p->unsaved;
        p->unsaved = g_ptr_array_new_with_free_func(isolation_crash_free);
    }
    g_mutex_unlock(&p->state_lock);
    return out;
}

void isolation_set_history(IsolatedPlugin *p, const gint64 *at_ms, gsize n,
                           const char *last_reason)
{
    g_mutex_lock(&p->state_lock);
    g_array_set_size(p->crashes, 0);
    g_array_append_vals(p->crashes, at_ms, (guint)n);
    if (last_reason != NULL) {
        g_free(p->last_crash);
        p->last_crash = g_strdup(last_reason);
    }
    if (n == 0) {
        /* Cleared: start again at once, from the first backoff. */
        p->respawn_at = 0;
        p->consecutive = 0;
    }
    recompute_quarantine(p);
    g_mutex_unlock(&p->state_lock);
}

gboolean isolation_quarantined(IsolatedPlugin *p, gint64 now_ms, gint64 *until_ms, char **reason)
{
    g_mutex_lock(&p->state_lock);
    gboolean q = p->quarantined_until > now_ms;
    if (q && until_ms)
        *until_ms = p->quarantined_until;
    if (q && reason) {
        g_autoptr(GDateTime) until =
            g_date_time_new_from_unix_utc(p->quarantined_until / 1000);
        g_autofree char *when = g_date_time_format_iso8601(until);
        *reason = g_strdup_printf(
            "plugin '%s' is quarantined until %s: it crashed %u times within %" G_GINT64_FORMAT
            " s (last: %s); `tender plugins --clear-quarantine %s` lifts it",
            p->plugin_id, when, p->limits.crash_limit, p->limits.crash_window_ms / 1000,
            p->last_crash ? p->last_crash : "unknown", p->plugin_id);
    }
    g_mutex_unlock(&p->state_lock);
    return q;
}

guint isolation_spawn_count(IsolatedPlugin *p)
{
    g_mutex_lock(&p->state_lock);
    guint n = p->spawns;
    g_mutex_unlock(&p->state_lock);
    return n;
}

void isolation_set_limits(IsolatedPlugin *p, const IsolationLimits *limits)
{
    g_mutex_lock(&p->state_lock);
    p->limits = *limits;
    recompute_quarantine(p);
    g_mutex_unlock(&p->state_lock);
    /* Every running worker of the pool (pid is read under pool_lock, as
     * spawn and isolation_kill write it); a new size of the pool applies
     * from the next call. */
    g_mutex_lock(&p->pool_lock);
    for (guint i = 0; i < ISOLATION_MAX_WORKERS; i++) {
        pid_t pid = p->workers[i].pid;
        apply_limit(pid, RLIMIT_AS, limits->address_space_mb * 1024 * 1024);
        apply_limit(pid, RLIMIT_CPU, limits->cpu_seconds);
        apply_limit(pid, RLIMIT_NOFILE, limits->open_files);
    }
    g_mutex_unlock(&p->pool_lock);
}
