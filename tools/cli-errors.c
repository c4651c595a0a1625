/* The `tender` command's errors: exit codes, the JSON error envelope,
 * usage errors. */
#include <stdio.h>

#include "cli.h"
#include "tender-json.h"

int cli_exit_code_for(const GError *error)
{
    if (error->domain != TENDER_ERROR)
        return EXIT_INTERNAL;
    switch ((TenderErrorCode)error->code) {
    case TENDER_ERROR_INVALID_ARGUMENT:
    case TENDER_ERROR_NOT_FOUND:
    case TENDER_ERROR_IDEMPOTENCY_CONFLICT:
    case TENDER_ERROR_UNKNOWN_METHOD:
    case TENDER_ERROR_NOTIFICATION_REJECTED:
    case TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT:
        return EXIT_DATAERR;
    case TENDER_ERROR_CONFIG:
        return EXIT_CONFIG;
    case TENDER_ERROR_LEDGER:
        return EXIT_IOERR;
    case TENDER_ERROR_INVALID_STATE:
    case TENDER_ERROR_AMOUNT_EXCEEDED:
    case TENDER_ERROR_NOT_SUPPORTED:
    case TENDER_ERROR_AUTHORIZATION_EXPIRED:
    case TENDER_ERROR_DECLINED:
        return EXIT_NEGATIVE;
    default:
        return EXIT_INTERNAL;
    }
}

const char *cli_error_code_name(const GError *error)
{
    const char *name = tender_json_error_code(error);
    return name ? name : "error";
}

int cli_fail(GError *error)
{
    int code = cli_exit_code_for(error);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "error");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "code");
        json_builder_add_string_value(b, cli_error_code_name(error));
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, error->message);
        json_builder_set_member_name(b, "exit_code");
        json_builder_add_int_value(b, code);
        json_builder_end_object(b);
        json_builder_end_object(b);
        cli_print_builder(b);
    }
    fprintf(stderr, "tender: %s\n", error->message);
    g_error_free(error);
    return code;
}

/* As cli_fail, for an error whose JSON form was already printed inside the
 * command's own output: the message on stderr, the exit code. */
int cli_fail_quietly(GError *error)
{
    int code = cli_exit_code_for(error);
    fprintf(stderr, "tender: %s\n", error->message);
    g_error_free(error);
    return code;
}

/* A usage error: the message on stderr and, with --json, the error envelope
 * on stdout like every other failure, so a script reads one shape. */
int cli_usage_error(GOptionContext *ctx, const char *fmt, const char *arg)
{
    g_autofree char *message = g_strdup_printf(fmt, arg ? arg : "");
    if (cli_globals.json || cli_globals.json_requested) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "error");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "code");
        json_builder_add_string_value(b, "usage_error");
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, message);
        json_builder_set_member_name(b, "exit_code");
        json_builder_add_int_value(b, EXIT_USAGE);
        json_builder_end_object(b);
        json_builder_end_object(b);
        cli_print_builder(b);
    }
    fprintf(stderr, "tender: %s\n", message);
    if (ctx) {
        g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
        fprintf(stderr, "%s", help);
    }
    return EXIT_USAGE;
}

