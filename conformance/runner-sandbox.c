/* tender-conformance's tender-sandbox (runner-sandbox.h). */
#include "runner-sandbox.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

struct RunnerSandbox {
    GPid pid;
    char *dir;
    char *config_path;
};

static char *executable_beside(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(path, G_FILE_TEST_IS_DIR))
        return path;
    g_free(path);
    return NULL;
}

char *runner_sandbox_find(const char *explicit_path, const char *argv0)
{
    if (explicit_path != NULL && *explicit_path)
        return g_strdup(explicit_path);
    const char *env = g_getenv("TENDER_SANDBOX");
    if (env != NULL && *env)
        return g_strdup(env);
    char *found = NULL;
    if (argv0 != NULL && strchr(argv0, '/') != NULL) {
        char *dir = g_path_get_dirname(argv0);
        found = executable_beside(dir, "tender-sandbox");
        if (found == NULL) {
            /* The build tree: build/conformance/ beside build/sandbox/. */
            char *sibling = g_build_filename(dir, "..", "sandbox", NULL);
            found = executable_beside(sibling, "tender-sandbox");
            g_free(sibling);
        }
        g_free(dir);
    }
    return found ? found : g_find_program_in_path("tender-sandbox");
}

/* A runner that dies (killed, or by SIGPIPE when its output is piped into
 * `head`) must not leave its sandbox running: the kernel sends the sandbox
 * SIGTERM then, which it answers by stopping cleanly. The shell execs the
 * sandbox, which keeps the setting. */
static void die_with_runner(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
}

RunnerSandbox *runner_sandbox_start(const char *program, char *why, size_t why_size)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("tender-conformance-sandbox-XXXXXX", &error);
    if (dir == NULL) {
        snprintf(why, why_size, "no temporary directory: %s", error->message);
        g_error_free(error);
        return NULL;
    }
    RunnerSandbox *sb = g_new0(RunnerSandbox, 1);
    sb->dir = dir;
    sb->config_path = g_build_filename(dir, "config.json", NULL);
    char *log = g_build_filename(dir, "log", NULL);
    /* Through the shell for the redirections only; every argument quoted. */
    char *q_program = g_shell_quote(program), *q_config = g_shell_quote(sb->config_path),
         *q_log = g_shell_quote(log);
    char *command = g_strdup_printf("exec %s --listen 127.0.0.1:0 --config-out %s >%s 2>&1",
                                    q_program, q_config, q_log);
    const char *argv[] = {"/bin/sh", "-c", command, NULL};
    gboolean started = g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                     die_with_runner, NULL, &sb->pid, &error);
    g_free(command);
    g_free(q_program);
    g_free(q_config);
    g_free(q_log);
    if (!started) {
        snprintf(why, why_size, "cannot run %s: %s", program, error->message);
        g_error_free(error);
        g_free(log);
        sb->pid = 0;
        runner_sandbox_stop(sb);
        return NULL;
    }
    /* The config is written (atomically) before the sandbox accepts. */
    for (int i = 0; i < 100; i++) {
        gsize len = 0;
        char *text = NULL;
        if (g_file_get_contents(sb->config_path, &text, &len, NULL) && len > 0) {
            g_free(text);
            g_free(log);
            return sb;
        }
        g_free(text);
        if (waitpid(sb->pid, NULL, WNOHANG) == sb->pid) {
            sb->pid = 0;
            break;
        }
        g_usleep(100 * 1000);
    }
    char *text = NULL;
    g_file_get_contents(log, &text, NULL, NULL);
    snprintf(why, why_size, "%s did not come up%s%.200s", program, text ? ": " : "",
             text ? text : "");
    g_free(text);
    g_free(log);
    runner_sandbox_stop(sb);
    return NULL;
}

int runner_sandbox_apply(RunnerSandbox *sb, tc_context *ctx)
{
    JsonParser *parser = json_parser_new();
    int methods = 0;
    if (json_parser_load_from_file(parser, sb->config_path, NULL) &&
        JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        JsonObject *root = json_node_get_object(json_parser_get_root(parser));
        JsonObject *all = json_object_has_member(root, "methods")
                              ? json_object_get_object_member(root, "methods")
                              : NULL;
        GList *ids = all ? json_object_get_members(all) : NULL;
        for (GList *id = ids; id; id = id->next) {
            JsonObject *m = json_object_get_object_member(all, id->data);
            JsonObject *settings = m && json_object_has_member(m, "settings")
                                       ? json_object_get_object_member(m, "settings")
                                       : NULL;
            /* Only the providers the sandbox serves: their settings name
             * it as the endpoint. */
            if (settings == NULL || !json_object_has_member(settings, "endpoint"))
                continue;
            GList *keys = json_object_get_members(settings);
            for (GList *k = keys; k; k = k->next) {
                JsonNode *node = json_object_get_member(settings, k->data);
                if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING)
                    tc_context_set_setting_string(ctx, id->data, k->data, json_node_get_string(node));
            }
            g_list_free(keys);
            methods++;
        }
        g_list_free(ids);
    }
    g_object_unref(parser);
    return methods;
}

static void remove_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);
        g_remove(path);
        g_free(path);
    }
    g_dir_close(d);
    g_rmdir(dir);
}

void runner_sandbox_stop(RunnerSandbox *sb)
{
    if (sb == NULL)
        return;
    if (sb->pid > 0) {
        kill(sb->pid, SIGTERM);
        int status = 0;
        gboolean gone = FALSE;
        for (int i = 0; i < 50 && !gone; i++) {
            gone = waitpid(sb->pid, &status, WNOHANG) == sb->pid;
            if (!gone)
                g_usleep(100 * 1000);
        }
        if (!gone) {
            kill(sb->pid, SIGKILL);
            waitpid(sb->pid, &status, 0);
        }
        g_spawn_close_pid(sb->pid);
    }
    remove_dir(sb->dir);
    g_free(sb->dir);
    g_free(sb->config_path);
    g_free(sb);
}
