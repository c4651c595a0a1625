/* See sandbox-launch.h. */
#include "sandbox-launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

struct SandboxLaunch {
    GPid pid;          /* 0 once reaped */
    int wait_status;   /* waitpid()'s, once reaped */
    char *dir;
    char *config_path;
    char *url;
};

GQuark sandbox_launch_error_quark(void)
{
    return g_quark_from_static_string("sandbox-launch-error");
}

static char *launch_executable_in(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(path, G_FILE_TEST_IS_DIR))
        return path;
    g_free(path);
    return NULL;
}

char *sandbox_launch_find(const char *explicit_path, const char *beside_dir)
{
    if (explicit_path != NULL && *explicit_path)
        return g_strdup(explicit_path);
    const char *env = g_getenv("TENDER_SANDBOX");
    if (env != NULL && *env)
        return g_strdup(env);
    if (beside_dir != NULL) {
        char *found = launch_executable_in(beside_dir, "tender-sandbox");
        if (found != NULL)
            return found;
        /* The build tree: build/tools/ or build/conformance/ beside
         * build/sandbox/. */
        g_autofree char *sibling = g_build_filename(beside_dir, "..", "sandbox", NULL);
        found = launch_executable_in(sibling, "tender-sandbox");
        if (found != NULL)
            return found;
    }
    return g_find_program_in_path("tender-sandbox");
}

/* In the child, before exec: the kernel sends SIGTERM when the starting
 * thread ends, which the sandbox answers by stopping cleanly. */
static void launch_die_with_parent(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
}

gboolean sandbox_launch_running(SandboxLaunch *launch)
{
    if (launch->pid == 0)
        return FALSE;
    pid_t got;
    while ((got = waitpid(launch->pid, &launch->wait_status, WNOHANG)) < 0 && errno == EINTR)
        ;
    if (got == 0)
        return TRUE;
    /* Exited (got == pid), or not ours to wait for any more (-1). */
    g_spawn_close_pid(launch->pid);
    launch->pid = 0;
    return FALSE;
}

/* The first line of the file at path once it is complete; NULL before. */
static char *launch_first_line(const char *path)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    char *nl = strchr(text, '\n');
    return nl ? g_strndup(text, (gsize)(nl - text)) : NULL;
}

static int launch_open_log(const char *dir, const char *name, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    int fd = g_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        g_set_error(error, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_SPAWN, "%s: %s", path,
                    g_strerror(errno));
    return fd;
}

static gboolean launch_spawn(SandboxLaunch *launch, const SandboxLaunchOptions *options,
                             GError **error)
{
    int out = launch_open_log(launch->dir, "stdout.txt", error);
    if (out < 0)
        return FALSE;
    int err = launch_open_log(launch->dir, "stderr.log", error);
    if (err < 0) {
        close(out);
        return FALSE;
    }
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)options->program);
    g_ptr_array_add(argv, (char *)"--listen");
    g_ptr_array_add(argv, (char *)"127.0.0.1:0");
    g_ptr_array_add(argv, (char *)"--config-out");
    g_ptr_array_add(argv, launch->config_path);
    for (guint i = 0; options->extra_args && options->extra_args[i]; i++)
        g_ptr_array_add(argv, (char *)options->extra_args[i]);
    g_ptr_array_add(argv, NULL);
    GError *local = NULL;
    gboolean ok = g_spawn_async_with_fds(
        options->run_in_dir ? launch->dir : NULL, (char **)argv->pdata, NULL,
        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, launch_die_with_parent, NULL,
        &launch->pid, -1, out, err, &local);
    g_ptr_array_free(argv, TRUE);
    close(out);
    close(err);
    if (!ok) {
        launch->pid = 0;
        g_set_error(error, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_SPAWN, "%s",
                    local->message);
        g_error_free(local);
    }
    return ok;
}

SandboxLaunch *sandbox_launch_start(const SandboxLaunchOptions *options, char **stderr_text,
                                    GError **error)
{
    g_return_val_if_fail(options != NULL && options->program != NULL, NULL);
    if (stderr_text != NULL)
        *stderr_text = NULL;
    GError *local = NULL;
    char *dir = g_dir_make_tmp(options->dir_template ? options->dir_template
                                                     : "tender-sandbox-XXXXXX",
                               &local);
    if (dir == NULL) {
        g_set_error(error, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_NO_DIR,
                    "no temporary directory: %s", local->message);
        g_error_free(local);
        return NULL;
    }
    SandboxLaunch *launch = g_new0(SandboxLaunch, 1);
    launch->dir = dir;
    launch->config_path = g_build_filename(dir, "config.json", NULL);
    if (!launch_spawn(launch, options, error)) {
        sandbox_launch_free(launch);
        return NULL;
    }
    g_autofree char *stdout_path = g_build_filename(dir, "stdout.txt", NULL);
    gint64 deadline = g_get_monotonic_time() + SANDBOX_LAUNCH_START_TIMEOUT_S * G_USEC_PER_SEC;
    while ((launch->url = launch_first_line(stdout_path)) == NULL) {
        gboolean died = !sandbox_launch_running(launch);
        if (died || g_get_monotonic_time() >= deadline) {
            g_set_error(error, SANDBOX_LAUNCH_ERROR,
                        died ? SANDBOX_LAUNCH_ERROR_EXITED : SANDBOX_LAUNCH_ERROR_TIMED_OUT,
                        "%s %s", options->program,
                        died ? "exited before printing its URL"
                             : "printed no URL within " G_STRINGIFY(
                                   SANDBOX_LAUNCH_START_TIMEOUT_S) " s");
            if (stderr_text != NULL) {
                *stderr_text = sandbox_launch_stderr(launch);
                if (*stderr_text == NULL)
                    *stderr_text = g_strdup("");
            }
            sandbox_launch_free(launch);
            return NULL;
        }
        g_usleep(2000);
    }
    return launch;
}

const char *sandbox_launch_url(SandboxLaunch *launch)
{
    return launch->url;
}

const char *sandbox_launch_config_path(SandboxLaunch *launch)
{
    return launch->config_path;
}

const char *sandbox_launch_dir(SandboxLaunch *launch)
{
    return launch->dir;
}

gboolean sandbox_launch_stop(SandboxLaunch *launch)
{
    if (sandbox_launch_running(launch)) {
        kill(launch->pid, SIGTERM);
        gint64 deadline = g_get_monotonic_time() + SANDBOX_LAUNCH_STOP_GRACE_S * G_USEC_PER_SEC;
        while (sandbox_launch_running(launch) && g_get_monotonic_time() < deadline)
            g_usleep(5000);
        if (launch->pid != 0) {
            kill(launch->pid, SIGKILL);
            while (waitpid(launch->pid, &launch->wait_status, 0) < 0 && errno == EINTR)
                ;
            g_spawn_close_pid(launch->pid);
            launch->pid = 0;
        }
    }
    return WIFEXITED(launch->wait_status) && WEXITSTATUS(launch->wait_status) == 0;
}

char *sandbox_launch_stderr(SandboxLaunch *launch)
{
    g_autofree char *path = g_build_filename(launch->dir, "stderr.log", NULL);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return text;
}

/* The private directory and the files the sandbox left in it (it makes no
 * subdirectory). */
static void launch_remove_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d != NULL) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            g_autofree char *path = g_build_filename(dir, name, NULL);
            g_remove(path);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
}

void sandbox_launch_free(SandboxLaunch *launch)
{
    if (launch == NULL)
        return;
    sandbox_launch_stop(launch);
    if (launch->dir != NULL)
        launch_remove_dir(launch->dir);
    g_free(launch->dir);
    g_free(launch->config_path);
    g_free(launch->url);
    g_free(launch);
}
