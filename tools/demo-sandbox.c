/* The tender-sandbox behind `tender demo`, through the shared launcher
 * (sandbox/launch/sandbox-launch.h): its standard output and error go to
 * files in a private directory, so the demo's own output stays free of the
 * sandbox's request log; it gets SIGTERM when the demo dies, so a demo
 * interrupted half-way leaves no server behind. */
#include "demo-sandbox.h"

#include <string.h>

#include <gio/gio.h>

#include "sandbox-launch.h"

struct DemoSandbox {
    SandboxLaunch *launch;
};

char *demo_sandbox_find(const char *explicit_path)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = exe ? g_path_get_dirname(exe) : NULL;
    return sandbox_launch_find(explicit_path, dir);
}

/* The end of its standard error, for the message. */
static char *log_tail(const char *text)
{
    gsize len = text ? strlen(text) : 0;
    if (len == 0)
        return g_strdup("(it wrote nothing on standard error)");
    return g_strdup(len > 600 ? text + len - 600 : text);
}

DemoSandbox *demo_sandbox_start(const char *program, GError **error)
{
    SandboxLaunchOptions options = {.program = program, .dir_template = "tender-demo-XXXXXX"};
    g_autofree char *stderr_text = NULL;
    GError *local = NULL;
    SandboxLaunch *launch = sandbox_launch_start(&options, &stderr_text, &local);
    if (launch == NULL) {
        if (g_error_matches(local, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_SPAWN) ||
            g_error_matches(local, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_NO_DIR)) {
            g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, local->message);
        } else {
            g_autofree char *tail = log_tail(stderr_text);
            gboolean exited =
                g_error_matches(local, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_EXITED);
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: %s", program,
                        exited ? "exited" : "did not print its URL within 10 s", tail);
        }
        g_error_free(local);
        return NULL;
    }
    DemoSandbox *sb = g_new0(DemoSandbox, 1);
    sb->launch = launch;
    return sb;
}

const char *demo_sandbox_url(DemoSandbox *sb)
{
    return sandbox_launch_url(sb->launch);
}

const char *demo_sandbox_config(DemoSandbox *sb)
{
    return sandbox_launch_config_path(sb->launch);
}

void demo_sandbox_stop(DemoSandbox *sb)
{
    if (sb == NULL)
        return;
    sandbox_launch_free(sb->launch);
    g_free(sb);
}
