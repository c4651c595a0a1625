/* `tender notify` and `tender sandbox-notification`: a provider's
 * notification in (a bare body or a whole HTTP message), the reply out. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "http-message.h"

static gboolean read_body(const char *file, char **body, gsize *len, GError **error)
{
    if (file)
        return g_file_get_contents(file, body, len, error);
    GString *s = g_string_new(NULL);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        g_string_append_len(s, buf, (gssize)n);
    *len = s->len;
    *body = g_string_free(s, FALSE);
    return TRUE;
}

/* Headers from --header 'K: V' options, appended to headers. */
static gboolean headers_from_options(char **lines, GArray *headers, int *code)
{
    for (gsize i = 0; lines && lines[i]; i++) {
        const char *colon = strchr(lines[i], ':');
        if (colon == NULL || colon == lines[i]) {
            *code = cli_usage_error(NULL, "--header expects 'Name: value', got '%s'", lines[i]);
            return FALSE;
        }
        tender_param h = {g_strstrip(g_strndup(lines[i], (gsize)(colon - lines[i]))),
                          g_strstrip(g_strdup(colon + 1))};
        g_array_append_val(headers, h);
    }
    return TRUE;
}

int cli_run_notify(int argc, char **argv)
{
    int code = 0;
    char **header_lines = NULL;
    char *body_file = NULL;
    GOptionEntry entries[] = {
        {"header", 0, 0, G_OPTION_ARG_STRING_ARRAY, &header_lines, "HTTP header", "'K: V'"},
        {"body-file", 0, 0, G_OPTION_ARG_FILENAME, &body_file,
         "Body, or a whole HTTP message (default: stdin)", "F"},
        {NULL}};
    GOptionContext *ctx = cli_command_context("notify", "METHOD", entries);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    if (ok && argc != 2)
        code = cli_usage_error(ctx, "notify takes one METHOD%s", NULL), ok = FALSE;
    g_option_context_free(ctx);
    GArray *headers = g_array_new(FALSE, TRUE, sizeof(tender_param));
    ok = ok && headers_from_options(header_lines, headers, &code);
    GError *error = NULL;
    char *input = NULL;
    gsize input_len = 0;
    if (ok && !read_body(body_file, &input, &input_len, &error)) {
        error->domain = TENDER_ERROR;
        error->code = TENDER_ERROR_INVALID_ARGUMENT;
        code = cli_fail(error);
        ok = FALSE;
    }
    /* Without --header the input may be the whole message, as
     * `tender sandbox-notification` prints it or a capture holds it. */
    const char *body = input;
    gsize body_len = input_len;
    if (ok && header_lines == NULL && http_message_detect(input, input_len) &&
        !http_message_parse(input, input_len, headers, &body, &body_len, &error)) {
        g_prefix_error(&error, "the notification is not a valid HTTP message: ");
        code = cli_fail(error);
        ok = FALSE;
    }
    TenderHost *host = ok ? cli_host_new(NULL, &code) : NULL;
    if (host) {
        TenderNotifyReply *reply = NULL;
        gboolean accepted = tender_host_notify(host, argv[1], (tender_param *)headers->data,
                                               headers->len, body, body_len, &reply, &error);
        /* The reply goes out in every case: it is what the provider must
         * be answered, whatever Tender made of the notification. */
        if (reply)
            cli_print_reply(reply, accepted ? NULL : error);
        if (!accepted)
            code = reply ? cli_fail_quietly(error) : cli_fail(error);
        tender_notify_reply_free(reply);
        tender_host_free(host);
    }
    cli_params_free(headers);
    g_strfreev(header_lines);
    g_free(body_file);
    g_free(input);
    return code;
}

int cli_run_sandbox_notification(int argc, char **argv)
{
    int code = 0;
    GOptionContext *ctx = cli_command_context("sandbox-notification", "ID EVENT", NULL);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    if (ok && argc != 3)
        code = cli_usage_error(ctx, "sandbox-notification takes a payment ID and an EVENT%s", NULL),
        ok = FALSE;
    g_option_context_free(ctx);
    TenderHost *host = ok ? cli_host_new(NULL, &code) : NULL;
    if (host == NULL)
        return code;
    GError *error = NULL;
    char *headers = NULL, *body = NULL;
    if (!tender_host_sandbox_notification(host, argv[1], argv[2], &headers, &body, &error)) {
        code = cli_fail(error);
    } else if (cli_globals.json) {
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "headers", headers);
        json_object_set_string_member(o, "body", body);
        JsonNode *node = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(node, o);
        cli_print_json(node);
        json_node_unref(node);
    } else {
        g_autofree char *message = http_message_format(headers, body);
        fputs(message, stdout);
    }
    g_free(headers);
    g_free(body);
    tender_host_free(host);
    return code;
}
