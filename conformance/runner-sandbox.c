/* tender-conformance's tender-sandbox (runner-sandbox.h). */
#include "runner-sandbox.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sandbox-launch.h"

struct RunnerSandbox {
    SandboxLaunch *launch;
};

char *runner_sandbox_find(const char *explicit_path, const char *argv0)
{
    g_autofree char *dir = argv0 != NULL && strchr(argv0, '/') != NULL
                               ? g_path_get_dirname(argv0)
                               : NULL;
    return sandbox_launch_find(explicit_path, dir);
}

RunnerSandbox *runner_sandbox_start(const char *program, char *why, size_t why_size)
{
    /* The launcher gives the sandbox SIGTERM when the runner dies (killed,
     * or by SIGPIPE when its output is piped into `head`), and reaps it on
     * this thread: the runner forks its cases afterwards. The config is
     * written (atomically) before the sandbox accepts and prints its URL. */
    SandboxLaunchOptions options = {.program = program,
                                    .dir_template = "tender-conformance-sandbox-XXXXXX"};
    char *log = NULL;
    GError *error = NULL;
    SandboxLaunch *launch = sandbox_launch_start(&options, &log, &error);
    if (launch == NULL) {
        if (g_error_matches(error, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_NO_DIR))
            snprintf(why, why_size, "%s", error->message);
        else if (g_error_matches(error, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_SPAWN))
            snprintf(why, why_size, "cannot run %s: %s", program, error->message);
        else
            snprintf(why, why_size, "%s did not come up%s%.200s", program,
                     log && *log ? ": " : "", log ? log : "");
        g_error_free(error);
        g_free(log);
        return NULL;
    }
    RunnerSandbox *sb = g_new0(RunnerSandbox, 1);
    sb->launch = launch;
    return sb;
}

int runner_sandbox_apply(RunnerSandbox *sb, tc_context *ctx)
{
    JsonParser *parser = json_parser_new();
    int methods = 0;
    if (json_parser_load_from_file(parser, sandbox_launch_config_path(sb->launch), NULL) &&
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

void runner_sandbox_stop(RunnerSandbox *sb)
{
    if (sb == NULL)
        return;
    sandbox_launch_free(sb->launch);
    g_free(sb);
}
