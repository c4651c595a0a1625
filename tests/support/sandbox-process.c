/* tests/support/sandbox-process.h: a tender-sandbox process for a test,
 * through the shared launcher (sandbox/launch/sandbox-launch.h), which
 * writes its standard output and error to files in its private directory
 * and gives it SIGTERM should the test crash. */
#include "sandbox-process.h"

#include <string.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "sandbox-launch.h"

struct TestSandbox {
    SandboxLaunch *launch;
    JsonParser *config;
};

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

static gboolean load_config(TestSandbox *sb, GError **error)
{
    const char *path = sandbox_launch_config_path(sb->launch);
    sb->config = json_parser_new();
    if (!json_parser_load_from_file(sb->config, path, error))
        return FALSE;
    JsonNode *root = json_parser_get_root(sb->config);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a JSON object", path);
        return FALSE;
    }
    return TRUE;
}

TestSandbox *test_sandbox_start(double time_scale, const char *const *extra_args, GError **error)
{
    g_autofree char *program = program_path();
    char scale[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_dtostr(scale, sizeof scale, time_scale > 0 ? time_scale : 1);
    GPtrArray *args = g_ptr_array_new();
    g_ptr_array_add(args, (char *)"--time-scale");
    g_ptr_array_add(args, scale);
    for (guint i = 0; extra_args && extra_args[i]; i++)
        g_ptr_array_add(args, (char *)extra_args[i]);
    g_ptr_array_add(args, NULL);
    SandboxLaunchOptions options = {
        .program = program,
        .dir_template = "tender-sandbox-XXXXXX",
        .extra_args = (const char *const *)args->pdata,
        .run_in_dir = TRUE,
    };
    g_autofree char *log = NULL;
    GError *local = NULL;
    SandboxLaunch *launch = sandbox_launch_start(&options, &log, &local);
    g_ptr_array_free(args, TRUE);
    if (launch == NULL) {
        gboolean died = g_error_matches(local, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_EXITED);
        if (died || g_error_matches(local, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_TIMED_OUT))
            g_set_error(error, G_IO_ERROR, died ? G_IO_ERROR_FAILED : G_IO_ERROR_TIMED_OUT,
                        "%s %s before printing its URL; its standard error:\n%s", program,
                        died ? "exited" : "took more than 10 s",
                        log && *log ? log : "(no standard error)");
        else
            g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, local->message);
        g_error_free(local);
        return NULL;
    }
    TestSandbox *sb = g_new0(TestSandbox, 1);
    sb->launch = launch;
    const char *url = sandbox_launch_url(launch);
    gboolean is_url = g_str_has_prefix(url, "http://") || g_str_has_prefix(url, "https://");
    if (!is_url || !load_config(sb, error)) {
        if (error && *error == NULL)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the first line is not a URL: %s", url);
        test_sandbox_stop(sb);
        return NULL;
    }
    return sb;
}

void test_sandbox_stop(TestSandbox *sb)
{
    if (sb == NULL)
        return;
    if (sb->launch) {
        gboolean was_running = sandbox_launch_running(sb->launch);
        gboolean clean = sandbox_launch_stop(sb->launch);
        /* A sandbox that died before its test ended, or did not stop
         * cleanly on SIGTERM, is worth a line in the test's log. */
        if (!was_running || !clean) {
            g_autofree char *log = sandbox_launch_stderr(sb->launch);
            if (log == NULL)
                log = g_strdup("(no standard error)");
            gsize n = strlen(log);
            g_printerr("test_sandbox_stop: tender-sandbox %s; the end of its standard error:\n%s\n",
                       was_running ? "did not stop cleanly on SIGTERM"
                                   : "had exited before the test ended",
                       n > 4000 ? log + n - 4000 : log);
        }
        sandbox_launch_free(sb->launch);
    }
    if (sb->config)
        g_object_unref(sb->config);
    g_free(sb);
}

const char *test_sandbox_url(TestSandbox *sb)
{
    return sandbox_launch_url(sb->launch);
}

const char *test_sandbox_config_path(TestSandbox *sb)
{
    return sandbox_launch_config_path(sb->launch);
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

/* POST body_json to a control endpoint; FALSE with error unless it is
 * answered 200. */
static gboolean control_post(TestSandbox *sb, const char *path, const char *body_json,
                             GError **error)
{
    /* A session of its own, without a proxy (an http_proxy in the
     * environment must not divert a loopback request). */
    g_autoptr(SoupSession) session =
        soup_session_new_with_options("timeout", 10, "proxy-resolver", NULL, NULL);
    g_autofree char *url = g_strconcat(test_sandbox_url(sb), path, NULL);
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
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "POST %s: %u %.*s", path, status,
                    (int)len, text ? text : "");
        return FALSE;
    }
    return TRUE;
}

gboolean test_sandbox_set_faults(TestSandbox *sb, const char *body_json, GError **error)
{
    return control_post(sb, "/_sandbox/faults", body_json, error);
}

gboolean test_sandbox_advance_clock(TestSandbox *sb, double seconds, GError **error)
{
    char number[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(number, sizeof number, "%.3f", seconds);
    g_autofree char *body = g_strdup_printf("{\"advance_seconds\": %s}", number);
    return control_post(sb, "/_sandbox/clock", body, error);
}
