/* tests/support/sandbox-process.h: a tender-sandbox process for a test.
 *
 * The process writes its standard output and standard error to files in
 * its private directory rather than to pipes: nobody has to drain them, a
 * chatty sandbox cannot block on a full pipe, and its log is there to quote
 * when it fails to come up. */
#include "sandbox-process.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

struct TestSandbox {
    GSubprocess *process;
    char *dir;
    char *url;
    char *config_path;
    JsonParser *config;
};

#define START_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define STOP_GRACE_US (5 * G_USEC_PER_SEC)

/* $TENDER_SANDBOX_PROGRAM (a test build of the frame with a test-only
 * provider), else $TENDER_BUILD_ROOT/sandbox/tender-sandbox. */
static char *program_path(void)
{
    const char *program = g_getenv("TENDER_SANDBOX_PROGRAM");
    if (program && *program)
        return g_strdup(program);
    const char *root = g_getenv("TENDER_BUILD_ROOT");
    return g_build_filename(root ? root : ".", "sandbox", "tender-sandbox", NULL);
}

/* A test that crashes must not leave its sandbox running. */
static void die_with_parent(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean exited(GSubprocess *p)
{
    /* GSubprocess reaps the child from GLib's worker thread: the
     * identifier goes to NULL once it exited, with no main loop needed. */
    return g_subprocess_get_identifier(p) == NULL;
}

/* The first line of the stdout file, once it is complete; NULL before. */
static char *first_line(const char *path)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    char *nl = strchr(text, '\n');
    return nl ? g_strndup(text, (gsize)(nl - text)) : NULL;
}

static char *read_log(TestSandbox *sb)
{
    g_autofree char *path = g_build_filename(sb->dir, "stderr.log", NULL);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        text = g_strdup("(no standard error)");
    return text;
}

static void kill_and_wait(GSubprocess *p)
{
    if (exited(p))
        goto reap;
    g_subprocess_send_signal(p, SIGTERM);
    gint64 deadline = g_get_monotonic_time() + STOP_GRACE_US;
    while (!exited(p) && g_get_monotonic_time() < deadline)
        g_usleep(5000);
    if (!exited(p))
        g_subprocess_force_exit(p);
reap:
    g_subprocess_wait(p, NULL, NULL);
}

static gboolean load_config(TestSandbox *sb, GError **error)
{
    sb->config = json_parser_new();
    if (!json_parser_load_from_file(sb->config, sb->config_path, error))
        return FALSE;
    JsonNode *root = json_parser_get_root(sb->config);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a JSON object",
                    sb->config_path);
        return FALSE;
    }
    return TRUE;
}

TestSandbox *test_sandbox_start(double time_scale, const char *const *extra_args, GError **error)
{
    TestSandbox *sb = g_new0(TestSandbox, 1);
    sb->dir = g_dir_make_tmp("tender-sandbox-XXXXXX", error);
    if (sb->dir == NULL) {
        g_free(sb);
        return NULL;
    }
    sb->config_path = g_build_filename(sb->dir, "config.json", NULL);
    g_autofree char *program = program_path();
    g_autofree char *stdout_path = g_build_filename(sb->dir, "stdout.txt", NULL);
    g_autofree char *stderr_path = g_build_filename(sb->dir, "stderr.log", NULL);
    char scale[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_dtostr(scale, sizeof scale, time_scale > 0 ? time_scale : 1);

    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, program);
    g_ptr_array_add(argv, (char *)"--listen");
    g_ptr_array_add(argv, (char *)"127.0.0.1:0");
    g_ptr_array_add(argv, (char *)"--config-out");
    g_ptr_array_add(argv, sb->config_path);
    g_ptr_array_add(argv, (char *)"--time-scale");
    g_ptr_array_add(argv, scale);
    for (guint i = 0; extra_args && extra_args[i]; i++)
        g_ptr_array_add(argv, (char *)extra_args[i]);
    g_ptr_array_add(argv, NULL);

    GSubprocessLauncher *launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_INHERIT);
    g_subprocess_launcher_set_cwd(launcher, sb->dir);
    g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
    g_subprocess_launcher_set_stdout_file_path(launcher, stdout_path);
    g_subprocess_launcher_set_stderr_file_path(launcher, stderr_path);
    sb->process = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, error);
    g_object_unref(launcher);
    g_ptr_array_free(argv, TRUE);
    if (sb->process == NULL) {
        test_sandbox_stop(sb);
        return NULL;
    }

    gint64 deadline = g_get_monotonic_time() + START_TIMEOUT_US;
    while ((sb->url = first_line(stdout_path)) == NULL) {
        if (exited(sb->process) || g_get_monotonic_time() >= deadline) {
            gboolean died = exited(sb->process);
            g_autofree char *log = read_log(sb);
            g_set_error(error, G_IO_ERROR, died ? G_IO_ERROR_FAILED : G_IO_ERROR_TIMED_OUT,
                        "%s %s before printing its URL; its standard error:\n%s", program,
                        died ? "exited" : "took more than 10 s", log);
            test_sandbox_stop(sb);
            return NULL;
        }
        g_usleep(2000);
    }
    if (!g_str_has_prefix(sb->url, "http://") || !load_config(sb, error)) {
        if (error && *error == NULL)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the first line is not a URL: %s", sb->url);
        test_sandbox_stop(sb);
        return NULL;
    }
    return sb;
}

/* Remove the private directory and what the sandbox left in it (files
 * only: it makes no subdirectory). */
static void remove_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            g_autofree char *path = g_build_filename(dir, name, NULL);
            g_remove(path);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
}

void test_sandbox_stop(TestSandbox *sb)
{
    if (sb == NULL)
        return;
    if (sb->process) {
        gboolean was_running = !exited(sb->process);
        kill_and_wait(sb->process);
        /* A sandbox that died before its test ended, or did not stop
         * cleanly on SIGTERM, is worth a line in the test's log. */
        if (sb->url && (!was_running || !g_subprocess_get_if_exited(sb->process) ||
                        g_subprocess_get_exit_status(sb->process) != 0)) {
            g_autofree char *log = read_log(sb);
            gsize n = strlen(log);
            g_printerr("test_sandbox_stop: tender-sandbox %s; the end of its standard error:\n%s\n",
                       was_running ? "did not stop cleanly on SIGTERM"
                                   : "had exited before the test ended",
                       n > 4000 ? log + n - 4000 : log);
        }
        g_object_unref(sb->process);
    }
    if (sb->config)
        g_object_unref(sb->config);
    if (sb->dir)
        remove_dir(sb->dir);
    g_free(sb->dir);
    g_free(sb->url);
    g_free(sb->config_path);
    g_free(sb);
}

const char *test_sandbox_url(TestSandbox *sb)
{
    return sb->url;
}

const char *test_sandbox_config_path(TestSandbox *sb)
{
    return sb->config_path;
}

static JsonObject *object_member(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;
    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

JsonObject *test_sandbox_settings(TestSandbox *sb, const char *method)
{
    JsonObject *root = json_node_get_object(json_parser_get_root(sb->config));
    return object_member(object_member(object_member(root, "methods"), method), "settings");
}

char *test_sandbox_settings_json(TestSandbox *sb, const char *method)
{
    JsonObject *settings = test_sandbox_settings(sb, method);
    if (settings == NULL)
        return NULL;
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(node, settings);
    return json_to_string(node, FALSE);
}

gboolean test_sandbox_set_faults(TestSandbox *sb, const char *body_json, GError **error)
{
    /* A session of its own, without a proxy (an http_proxy in the
     * environment must not divert a loopback request). */
    g_autoptr(SoupSession) session =
        soup_session_new_with_options("timeout", 10, "proxy-resolver", NULL, NULL);
    g_autofree char *url = g_strconcat(sb->url, "/_sandbox/faults", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_POST, url);
    g_autoptr(GBytes) body = g_bytes_new(body_json, strlen(body_json));
    soup_message_set_request_body_from_bytes(msg, "application/json", body);
    g_autoptr(GBytes) answer = soup_session_send_and_read(session, msg, NULL, error);
    if (answer == NULL)
        return FALSE;
    guint status = soup_message_get_status(msg);
    if (status != SOUP_STATUS_OK) {
        gsize len;
        const char *text = g_bytes_get_data(answer, &len);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "POST /_sandbox/faults: %u %.*s", status,
                    (int)len, text ? text : "");
        return FALSE;
    }
    return TRUE;
}
