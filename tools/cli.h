/* The `tender` command's shared pieces: global options, exit codes, the
 * output of payments, quotes and plugins (human text or JSON). */
#ifndef TENDER_TOOLS_CLI_H
#define TENDER_TOOLS_CLI_H

#include <glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

/* Exit codes (sysexits.h values), documented in README.md and --help. */
enum {
    EXIT_OK = 0,
    EXIT_NEGATIVE = 1,     /* declined, not offered, a plugin refused */
    EXIT_USAGE = 64,
    EXIT_DATAERR = 65,     /* invalid input data */
    EXIT_INTERNAL = 70,
    EXIT_IOERR = 74,       /* ledger I/O */
    EXIT_CONFIG = 78
};

typedef struct {
    char **plugin_dirs;
    char *config;
    char *ledger;
    char *now;
    gboolean json;
    gboolean trace_http; /* --trace-http */
    gboolean http_metrics; /* --http-metrics */
    /* --json was among the arguments, even if parsing them failed: a usage
     * error then still prints the JSON envelope. */
    gboolean json_requested;
} CliGlobals;

extern CliGlobals cli_globals;

/* The GOption entries of the global options (also accepted after the
 * subcommand). */
const GOptionEntry *cli_global_entries(void);

/* Create the host from the global options; ledger_fallback is used when no
 * --ledger or config ledger is given. On failure prints the error and sets
 * *exit_code. */
TenderHost *cli_host_new(const char *ledger_fallback, int *exit_code);

/* Free a host from cli_host_open(), printing its HTTP metrics first when
 * --http-metrics was given. NULL is fine. */
void cli_host_close(TenderHost *host);

typedef enum {
    CLI_LEDGER_WRITE, /* create the ledger when it does not exist */
    CLI_LEDGER_READ   /* never create it: a missing ledger reads as empty */
} CliLedgerMode;

/* cli_host_new() for a command that records (CLI_LEDGER_WRITE) or only
 * reads (CLI_LEDGER_READ: plugins, methods, show, list). */
TenderHost *cli_host_open(const char *ledger_fallback, CliLedgerMode mode, int *exit_code);

/* "no plugins are loaded: ..." naming every directory the host searched
 * (and how many files it refused). Newly allocated. */
char *cli_no_plugins_message(TenderHost *host);

/* Print error to stderr (or as JSON on stdout with --json) and return the
 * exit code its domain/code maps to. Frees error. */
int cli_fail(GError *error);
/* The stable name of an error's code ("not_found"), for the JSON envelope. */
const char *cli_error_code_name(const GError *error);
int cli_exit_code_for(const GError *error);
/* As cli_fail, for an error whose JSON form the command already printed in
 * its own output: the message on stderr, the exit code. Frees error. */
int cli_fail_quietly(GError *error);
/* A usage error: fmt (one %s for arg) on stderr with ctx's help when given
 * and, with --json, the error envelope on stdout. Returns EXIT_USAGE. */
int cli_usage_error(GOptionContext *ctx, const char *fmt, const char *arg);

/* A subcommand's option context: its own entries plus the global ones. */
GOptionContext *cli_command_context(const char *name, const char *args,
                                    const GOptionEntry *entries);
/* Parse argv with ctx; a failure is a usage error (*code set). */
gboolean cli_parse_command(GOptionContext *ctx, int *argc, char ***argv, int *code);

/* Subcommands living in their own files. */
int cli_run_notify(int argc, char **argv);
int cli_run_sandbox_notification(int argc, char **argv);
int cli_run_api_key(int argc, char **argv);          /* command-api-key.c */
int cli_run_webhook_endpoint(int argc, char **argv); /* command-webhooks.c */
int cli_run_events(int argc, char **argv);           /* command-webhooks.c */
int cli_run_ledger(int argc, char **argv);           /* command-ledger.c */

/* Print a payment (human or JSON). */
void cli_print_payment(const TenderPayment *p);
/* Exit code for a payment: 1 when declined, failed or expired. */
int cli_payment_exit_code(const TenderPayment *p);
void cli_print_payments(GPtrArray *payments);
void cli_print_quotes(const TenderBuyer *buyer, GPtrArray *quotes);
void cli_print_plugins(TenderHost *host);
/* A notification's reply: the exact body (text), or the whole reply as JSON
 * with the error, when there is one, as its "error" member. */
void cli_print_reply(const TenderNotifyReply *reply, const GError *error);

/* "key=value" into a tender_param array (strings owned by the array). */
GArray *cli_parse_params(char **pairs, GError **error);
void cli_params_free(GArray *params);

/* Subcommands. argv[0] is the subcommand name. */
int cli_demo(int argc, char **argv);

/* Print a JSON node to stdout, pretty, with a newline. */
#include <json-glib/json-glib.h>
void cli_print_json(JsonNode *node);
/* Print the builder's document and free the builder. */
void cli_print_builder(JsonBuilder *b);

G_END_DECLS

#endif
