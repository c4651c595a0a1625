/* The tender-sandbox behind `tender demo`.
 *
 * Its standard output and standard error go to files in a private
 * directory: the URL line is read from there, the demo's own output stays
 * free of the sandbox's request log, and the log is at hand to quote when
 * the sandbox does not come up. The child asks the kernel for SIGTERM when
 * its parent dies, so a demo interrupted half-way leaves no server behind. */
#include "demo-sandbox.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#define START_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define STOP_GRACE_US (5 * G_USEC_PER_SEC)

struct DemoSandbox {
    GSubprocess *process;
    char *dir;
    char *url;
    char *config;
};

static char *self_dir(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    return exe ? g_path_get_dirname(exe) : NULL;
}

char *demo_sandbox_find(const char *explicit_path)
{
    if (explicit_path && *explicit_path)
        return g_strdup(explicit_path);
    const char *env = g_getenv("TENDER_SANDBOX");
    if (env && *env)
        return g_strdup(env);
    g_autofree char *dir = self_dir();
    if (dir) {
        char *beside = g_build_filename(dir, "tender-sandbox", NULL);
        if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
            return beside;
        g_free(beside);
        char *sibling = g_build_filename(dir, "..", "sandbox", "tender-sandbox", NULL);
        if (g_file_test(sibling, G_FILE_TEST_IS_EXECUTABLE))
            return sibling;
        g_free(sibling);
    }
    return g_find_program_in_path("tender-sandbox");
}

static void die_with_parent(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean exited(GSubprocess *p)
{
    /* GSubprocess reaps the child on GLib's worker thread: no main loop is
     * needed for the identifier to go to NULL once it exited. */
    return g_subprocess_get_identifier(p) == NULL;
}

static char *log_tail(DemoSandbox *sb)
{
    g_autofree char *path = g_build_filename(sb->dir, "stderr.log", NULL);
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &text, &len, NULL) || len == 0)
        return g_strdup("(it wrote nothing on standard error)");
    return g_strdup(len > 600 ? text + len - 600 : text);
}

DemoSandbox *demo_sandbox_start(const char *program, GError **error)
{
    DemoSandbox *sb = g_new0(DemoSandbox, 1);
    sb->dir = g_dir_make_tmp("tender-demo-XXXXXX", error);
    if (sb->dir == NULL) {
        g_free(sb);
        return NULL;
    }
    sb->config = g_build_filename(sb->dir, "config.json", NULL);
    g_autofree char *out = g_build_filename(sb->dir, "stdout.txt", NULL);
    g_autofree char *err = g_build_filename(sb->dir, "stderr.log", NULL);
    GSubprocessLauncher *l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_INHERIT);
    g_subprocess_launcher_set_stdout_file_path(l, out);
    g_subprocess_launcher_set_stderr_file_path(l, err);
    g_subprocess_launcher_set_child_setup(l, die_with_parent, NULL, NULL);
    sb->process = g_subprocess_launcher_spawn(l, error, program, "--listen", "127.0.0.1:0",
                                              "--config-out", sb->config, NULL);
    g_object_unref(l);
    if (sb->process == NULL) {
        demo_sandbox_stop(sb);
        return NULL;
    }
    gint64 deadline = g_get_monotonic_time() + START_TIMEOUT_US;
    for (;;) {
        g_autofree char *text = NULL;
        char *nl;
        if (g_file_get_contents(out, &text, NULL, NULL) && (nl = strchr(text, '\n')) != NULL) {
            sb->url = g_strndup(text, (gsize)(nl - text));
            break;
        }
        if (exited(sb->process) || g_get_monotonic_time() >= deadline) {
            g_autofree char *tail = log_tail(sb);
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: %s", program,
                        exited(sb->process) ? "exited" : "did not print its URL within 10 s", tail);
            demo_sandbox_stop(sb);
            return NULL;
        }
        g_usleep(2000);
    }
    return sb;
}

const char *demo_sandbox_url(DemoSandbox *sb)
{
    return sb->url;
}

const char *demo_sandbox_config(DemoSandbox *sb)
{
    return sb->config;
}

void demo_sandbox_stop(DemoSandbox *sb)
{
    if (sb == NULL)
        return;
    if (sb->process) {
        if (!exited(sb->process)) {
            g_subprocess_send_signal(sb->process, SIGTERM);
            gint64 deadline = g_get_monotonic_time() + STOP_GRACE_US;
            while (!exited(sb->process) && g_get_monotonic_time() < deadline)
                g_usleep(5000);
            if (!exited(sb->process))
                g_subprocess_force_exit(sb->process);
        }
        g_subprocess_wait(sb->process, NULL, NULL);
        g_object_unref(sb->process);
    }
    if (sb->dir) {
        GDir *d = g_dir_open(sb->dir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d)) != NULL) {
            g_autofree char *path = g_build_filename(sb->dir, name, NULL);
            g_remove(path);
        }
        if (d)
            g_dir_close(d);
        g_rmdir(sb->dir);
    }
    g_free(sb->dir);
    g_free(sb->url);
    g_free(sb->config);
    g_free(sb);
}
