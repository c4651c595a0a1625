/* `tender ledger copy --from LOCATION --to LOCATION`: move a whole ledger
 * between backends (an SQLite file, a PostgreSQL URI), checked by counts and
 * sums before anything is committed (tender_ledger_copy). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tender-json.h"

static int copy_ledger(const char *from, const char *to)
{
    GError *error = NULL;
    TenderLedgerCopyReport report = {0};
    if (!tender_ledger_copy(from, to, &report, &error))
        return cli_fail(error);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "rows");
        json_builder_add_int_value(b, (gint64)report.rows);
        json_builder_set_member_name(b, "totals_checked");
        json_builder_add_int_value(b, report.totals);
        json_builder_end_object(b);
        cli_print_builder(b);
    } else {
        printf("ledger copied: %" G_GUINT64_FORMAT " row%s; %u counts and sums checked, all "
               "equal\n",
               report.rows, report.rows == 1 ? "" : "s", report.totals);
    }
    return EXIT_OK;
}

int cli_run_ledger(int argc, char **argv)
{
    int code = 0;
    char *from = NULL;
    char *to = NULL;
    GOptionEntry entries[] = {
        {"from", 0, 0, G_OPTION_ARG_FILENAME, &from, "copy: the ledger to copy", "LOCATION"},
        {"to", 0, 0, G_OPTION_ARG_FILENAME, &to, "copy: an empty or new ledger", "LOCATION"},
        {NULL}};
    GOptionContext *ctx =
        cli_command_context("ledger", "copy --from LOCATION --to LOCATION", entries);
    g_option_context_set_description(
        ctx, "A LOCATION is a file path (SQLite) or a database URI this build supports.\n"
             "The copy is checked by counts and sums before it is committed.");
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    if (ok && (argc != 2 || strcmp(argv[1], "copy") != 0))
        code = cli_usage_error(ctx, "ledger takes copy --from LOCATION --to LOCATION%s", NULL),
        ok = FALSE;
    if (ok && (from == NULL || to == NULL))
        code = cli_usage_error(ctx, "ledger copy needs both --from and --to%s", NULL), ok = FALSE;
    g_option_context_free(ctx);
    if (ok)
        code = copy_ledger(from, to);
    g_free(from);
    g_free(to);
    return code;
}
