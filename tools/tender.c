/* The `tender` command: global options, subcommand dispatch, and the thin
 * subcommands that map one-to-one onto the host API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tender/http-metrics.h>

#include "cli.h"

CliGlobals cli_globals;

static const GOptionEntry global_entries[] = {
    {"plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cli_globals.plugin_dirs,
     "Load plugins from DIR (repeatable; also $TENDER_PLUGIN_PATH)", "DIR"},
    {"config", 0, 0, G_OPTION_ARG_FILENAME, &cli_globals.config,
     "Policy config file (default: the embedded one)", "FILE"},
    {"ledger", 0, 0, G_OPTION_ARG_FILENAME, &cli_globals.ledger,
     "Ledger database (default: the config's, else ./tender-ledger.db)", "PATH"},
    {"now", 0, 0, G_OPTION_ARG_STRING, &cli_globals.now,
     "Run on a fixed clock, e.g. 2026-03-01T10:00:00Z", "ISO-8601"},
    {"json", 0, 0, G_OPTION_ARG_NONE, &cli_globals.json, "Print one JSON document", NULL},
    {"trace-http", 0, 0, G_OPTION_ARG_NONE, &cli_globals.trace_http,
     "Log every HTTP exchange plugins make, redacted, on stderr", NULL},
    {"http-metrics", 0, 0, G_OPTION_ARG_NONE, &cli_globals.http_metrics,
     "After the command, print the HTTP service's metrics per method on stderr "
     "(Prometheus text)",
     NULL},
    {NULL}};

const GOptionEntry *cli_global_entries(void)
{
    return global_entries;
}

static gboolean show_version;

/* Options of `tender` itself, before any subcommand. */
static const GOptionEntry main_entries[] = {
    {"version", 0, 0, G_OPTION_ARG_NONE, &show_version,
     "Print the version and the plugin ABI versions this host loads", NULL},
    {NULL}};

static const char summary[] =
    "Commands:\n"
    "  plugins [--clear-quarantine ID] list loaded plugins and refused files\n"
    "  methods --region R --currency C --amount X [--account A] [--tier T]\n"
    "                                  quote every method for a buyer\n"
    "  check-config FILE               validate a policy config\n"
    "  pay --method M --amount X --currency C --region R [--account A] [--tier T]\n"
    "      [--capture] [--idempotency-key K] [--param key=value]...\n"
    "  complete ID --param key=value...  finish the payer's action\n"
    "  capture ID [--amount X] [--idempotency-key K]\n"
    "  void ID [--idempotency-key K]\n"
    "  refund ID [--amount X] [--idempotency-key K]\n"
    "  reauthorize ID [--amount X] [--idempotency-key K]   renew an authorization (PayPal:\n"
    "                                  day 4 to 29; the new authorization id is the reference)\n"
    "  notify METHOD [--header 'K: V']... [--body-file F]   (body from stdin without it)\n"
    "  sandbox-notification ID EVENT   print the notification the sandbox provider would send\n"
    "  show ID | sync ID | reconcile\n"
    "  list [--account A] [--status S] [--method M] [--from T] [--to T] [--limit N]\n"
    "  demo [--sandbox PATH]           walk a buyer through every bundled method, against a\n"
    "                                  tender-sandbox it starts and stops\n"
    "  api-key create NAME [--scope read|write] | list | revoke ID   keys for tenderd\n"
    "  webhook-endpoint add URL [--events LIST] | list | remove ID   merchant webhooks\n"
    "  events list [--limit N] | resend ID   the outbox tenderd delivers\n"
    "  ledger copy --from LOCATION --to LOCATION   move a ledger to another (empty) one\n"
    "  help [COMMAND]                  the command list, or one command's usage\n";

static const char cli_exit_codes_text[] =
    "Exit codes: 0 success (an action still pending counts as success); 1 a negative business\n"
    "answer (declined, not offered, a plugin refused); 64 usage error; 65 invalid input data;\n"
    "70 internal error; 74 ledger I/O error; 78 configuration error.";

/* ---- host ---------------------------------------------------------------- */

/* Where plugins come from when no --plugin-dir or $TENDER_PLUGIN_PATH says:
 * the build tree's plugins when this binary runs from the build tree, else
 * the installed plugin directory. */
static const char *default_plugin_dir(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    if (exe && g_str_has_prefix(exe, TENDER_BUILD_ROOT "/"))
        return TENDER_BUILD_PLUGIN_DIR;
    return TENDER_INSTALLED_PLUGIN_DIR;
}

/* One sample line of the Prometheus text format. */
static void print_metric(const char *name, const char *method, const char *labels, double value)
{
    fprintf(stderr, "%s{method=\"%s\"%s} %.17g\n", name, method, labels, value);
}

/* --http-metrics: the counters of every method that made a request, in the
 * Prometheus text format (what tenderd will serve), on stderr so that a
 * command's --json document stays alone on stdout. */
static void print_http_metrics(TenderHost *host)
{
    const GPtrArray *methods = tender_host_methods(host);
    const guint32 *bounds = tender_http_latency_bounds_ms();
    for (guint i = 0; i < methods->len; i++) {
        const TenderMethodInfo *info = g_ptr_array_index(methods, i);
        TenderHttpMetrics m = {.struct_size = sizeof m};
        if (!tender_host_http_metrics(host, info->id, &m, NULL) || m.calls == 0)
            continue;
        print_metric("tender_http_requests_total", info->id, "", (double)m.calls);
        const struct {
            const char *labels;
            guint64 value;
        } ends[] = {
            {",class=\"1xx\"", m.responses_1xx},       {",class=\"2xx\"", m.responses_2xx},
            {",class=\"3xx\"", m.responses_3xx},       {",class=\"4xx\"", m.responses_4xx},
            {",class=\"5xx\"", m.responses_5xx},       {",class=\"refused\"", m.refused},
            {",class=\"not_sent\"", m.not_sent},       {",class=\"unknown\"", m.unknown},
        };
        for (gsize k = 0; k < G_N_ELEMENTS(ends); k++)
            print_metric("tender_http_requests_by_end_total", info->id, ends[k].labels,
                         (double)ends[k].value);
        for (int b = 0; b < TENDER_HTTP_LATENCY_N_BUCKETS; b++) {
            g_autofree char *le =
                b < TENDER_HTTP_LATENCY_N_BOUNDS ? g_strdup_printf(",le=\"%u\"", bounds[b])
                                                 : g_strdup(",le=\"+Inf\"");
            print_metric("tender_http_latency_ms_bucket", info->id, le,
                         (double)m.latency_buckets[b]);
        }
        print_metric("tender_http_latency_ms_sum", info->id, "", m.latency_sum_ms);
        print_metric("tender_http_latency_ms_count", info->id, "", (double)m.latency_count);
    }
}

void cli_host_close(TenderHost *host)
{
    if (host != NULL && cli_globals.http_metrics)
        print_http_metrics(host);
    tender_host_free(host);
}

static gboolean parse_now(const char *text, gint64 *ms)
{
    GDateTime *dt = g_date_time_new_from_iso8601(text, g_time_zone_new_utc());
    if (dt == NULL)
        return FALSE;
    *ms = g_date_time_to_unix(dt) * 1000 + g_date_time_get_microsecond(dt) / 1000;
    g_date_time_unref(dt);
    return TRUE;
}

TenderHost *cli_host_new(const char *ledger_fallback, int *exit_code)
{
    return cli_host_open(ledger_fallback, CLI_LEDGER_WRITE, exit_code);
}

TenderHost *cli_host_open(const char *ledger_fallback, CliLedgerMode mode, int *exit_code)
{
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_set_ledger_no_create(o, mode == CLI_LEDGER_READ);
    tender_host_options_set_trace_http(o, cli_globals.trace_http);
    gboolean any_dir = FALSE;
    for (gsize i = 0; cli_globals.plugin_dirs && cli_globals.plugin_dirs[i]; i++, any_dir = TRUE)
        tender_host_options_add_plugin_dir(o, cli_globals.plugin_dirs[i]);
    const char *env = g_getenv("TENDER_PLUGIN_PATH");
    if (env && env[0]) {
        g_auto(GStrv) dirs = g_strsplit(env, ":", -1);
        for (gsize i = 0; dirs[i]; i++)
            if (dirs[i][0]) {
                tender_host_options_add_plugin_dir(o, dirs[i]);
                any_dir = TRUE;
            }
    }
    if (!any_dir)
        tender_host_options_add_plugin_dir(o, default_plugin_dir());
    if (cli_globals.config)
        tender_host_options_set_config_file(o, cli_globals.config);
    if (cli_globals.ledger)
        tender_host_options_set_ledger(o, cli_globals.ledger);
    else if (ledger_fallback)
        tender_host_options_set_ledger(o, ledger_fallback);
    if (cli_globals.now) {
        gint64 ms;
        if (!parse_now(cli_globals.now, &ms)) {
            tender_host_options_free(o);
            *exit_code = cli_usage_error(NULL, "--now '%s' is not an ISO-8601 time "
                                           "(e.g. 2026-03-01T10:00:00Z)",
                                     cli_globals.now);
            return NULL;
        }
        tender_host_options_set_fixed_now(o, ms);
    }
    GError *error = NULL;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    if (host == NULL) {
        *exit_code = cli_fail(error);
        return NULL;
    }
    const GPtrArray *warnings = tender_host_config_warnings(host);
    for (guint i = 0; i < warnings->len; i++)
        fprintf(stderr, "tender: warning: %s\n", (const char *)g_ptr_array_index(warnings, i));
    return host;
}

/* A host for a command that needs a payment method: with no plugin loaded
 * at all, every such command would fail on some "unknown method" far from
 * the cause, so say at once that none is loaded and where they were
 * looked for (a configuration error). */
static TenderHost *host_with_plugins(CliLedgerMode mode, int *exit_code)
{
    TenderHost *host = cli_host_open(NULL, mode, exit_code);
    if (host == NULL || tender_host_plugins(host)->len > 0)
        return host;
    g_autofree char *why = cli_no_plugins_message(host);
    cli_host_close(host);
    *exit_code = cli_fail(g_error_new(TENDER_ERROR, TENDER_ERROR_CONFIG, "%s", why));
    return NULL;
}

/* ---- params -------------------------------------------------------------- */

void cli_params_free(GArray *params)
{
    for (guint i = 0; params && i < params->len; i++) {
        tender_param *p = &g_array_index(params, tender_param, i);
        g_free((char *)p->key);
        /* Values may be card numbers: wipe before freeing. */
        if (p->value)
            explicit_bzero((char *)p->value, strlen(p->value));
        g_free((char *)p->value);
    }
    if (params)
        g_array_unref(params);
}

GArray *cli_parse_params(char **pairs, GError **error)
{
    GArray *params = g_array_new(FALSE, TRUE, sizeof(tender_param));
    for (gsize i = 0; pairs && pairs[i]; i++) {
        const char *eq = strchr(pairs[i], '=');
        if (eq == NULL || eq == pairs[i]) {
            /* Name only the key part: the value may be sensitive. */
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                        "--param expects key=value (parameter %zu has no '=' or no key)", i + 1);
            cli_params_free(params);
            return NULL;
        }
        tender_param p = {g_strndup(pairs[i], (gsize)(eq - pairs[i])), g_strdup(eq + 1)};
        g_array_append_val(params, p);
    }
    return params;
}

/* ---- subcommands ---------------------------------------------------------- */

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
} Command;

/* Parse argv with the command's own entries plus the global ones. */
GOptionContext *cli_command_context(const char *name, const char *args,
                                       const GOptionEntry *entries)
{
    g_autofree char *title = g_strdup_printf("%s %s", name, args ? args : "");
    GOptionContext *ctx = g_option_context_new(title);
    if (entries)
        g_option_context_add_main_entries(ctx, entries, NULL);
    GOptionGroup *global =
        g_option_group_new("global", "Global options", "Show global options", NULL, NULL);
    g_option_group_add_entries(global, global_entries);
    g_option_context_add_group(ctx, global);
    g_option_context_set_description(ctx, cli_exit_codes_text);
    return ctx;
}

gboolean cli_parse_command(GOptionContext *ctx, int *argc, char ***argv, int *code)
{
    GError *error = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        *code = cli_usage_error(NULL, "%s", error->message);
        g_error_free(error);
        return FALSE;
    }
    return TRUE;
}

static int run_plugins(int argc, char **argv)
{
    int code = 0;
    g_autofree char *clear = NULL;
    GOptionEntry entries[] = {
        {"clear-quarantine", 0, 0, G_OPTION_ARG_STRING, &clear,
         "Lift an isolated plugin's quarantine (in the ledger) before listing", "ID"},
        {NULL}};
    GOptionContext *ctx = cli_command_context("plugins", NULL, entries);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    g_option_context_free(ctx);
    if (!ok)
        return code;
    /* Listing needs no ledger (a quarantine shows with --ledger); lifting
     * a quarantine writes the one the other commands use, but never
     * creates one: where there is none, there is no quarantine either. */
    TenderHost *host = cli_host_open(clear ? NULL : ":memory:", CLI_LEDGER_READ, &code);
    if (host == NULL)
        return code;
    GError *error = NULL;
    if (clear != NULL && !tender_host_clear_quarantine(host, clear, &error)) {
        code = cli_fail(error);
        cli_host_close(host);
        return code;
    }
    cli_print_plugins(host);
    code = tender_host_refusals(host)->len > 0 || tender_host_plugins(host)->len == 0
               ? EXIT_NEGATIVE
               : EXIT_OK;
    cli_host_close(host);
    return code;
}

static int run_check_config(int argc, char **argv)
{
    int code = 0;
    GOptionContext *ctx = cli_command_context("check-config", "FILE", NULL);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    if (ok && argc != 2)
        code = cli_usage_error(ctx, "check-config takes one FILE%s", NULL), ok = FALSE;
    g_option_context_free(ctx);
    if (!ok)
        return code;
    GError *error = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    if (!tender_config_check_file(argv[1], warnings, &error))
        return cli_fail(error);
    for (guint i = 0; i < warnings->len; i++)
        fprintf(stderr, "tender: warning: %s\n", (const char *)g_ptr_array_index(warnings, i));
    /* Load the plugins too, so a configured method that no plugin provides
     * is reported (as a warning: the config itself is valid). */
    g_free(cli_globals.config);
    cli_globals.config = g_strdup(argv[1]);
    TenderHost *host = cli_host_new(":memory:", &code);
    if (host == NULL)
        return code;
    guint n_warnings = warnings->len + tender_host_config_warnings(host)->len;
    cli_host_close(host);
    if (cli_globals.json) {
        printf("{ \"valid\": true, \"warnings\": %u }\n", n_warnings);
    } else {
        printf("%s: valid%s\n", argv[1], n_warnings ? " (with warnings)" : "");
    }
    return EXIT_OK;
}

static int run_methods(int argc, char **argv)
{
    int code = 0;
    TenderBuyer buyer = {sizeof(TenderBuyer)};
    GOptionEntry entries[] = {
        {"region", 0, 0, G_OPTION_ARG_STRING, &buyer.region, "Buyer's region (ISO 3166-1)", "R"},
        {"currency", 0, 0, G_OPTION_ARG_STRING, &buyer.currency, "Order currency (ISO 4217)", "C"},
        {"amount", 0, 0, G_OPTION_ARG_STRING, &buyer.amount, "Order amount", "X"},
        {"account", 0, 0, G_OPTION_ARG_STRING, &buyer.account, "Buyer's account", "A"},
        {"tier", 0, 0, G_OPTION_ARG_STRING, &buyer.tier, "Buyer's account tier", "T"},
        {NULL}};
    GOptionContext *ctx = cli_command_context("methods", NULL, entries);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    if (ok && (!buyer.region || !buyer.currency || !buyer.amount))
        code = cli_usage_error(ctx, "methods needs --region, --currency and --amount%s", NULL),
        ok = FALSE;
    g_option_context_free(ctx);
    TenderHost *host = ok ? host_with_plugins(CLI_LEDGER_READ, &code) : NULL;
    if (host) {
        GError *error = NULL;
        GPtrArray *quotes = tender_host_quote(host, &buyer, &error);
        if (quotes == NULL) {
            code = cli_fail(error);
        } else {
            cli_print_quotes(&buyer, quotes);
            code = quotes->len > 0 && ((TenderQuote *)g_ptr_array_index(quotes, 0))->offered
                       ? EXIT_OK
                       : EXIT_NEGATIVE;
            g_ptr_array_unref(quotes);
        }
        cli_host_close(host);
    }
    g_free((char *)buyer.region);
    g_free((char *)buyer.currency);
    g_free((char *)buyer.amount);
    g_free((char *)buyer.account);
    g_free((char *)buyer.tier);
    return code;
}

/* Print the payment (or the error) and return the exit code. */
static int finish_with_payment(TenderPayment *p, GError *error)
{
    if (p == NULL)
        return cli_fail(error);
    cli_print_payment(p);
    int code = cli_payment_exit_code(p);
    tender_payment_free(p);
    return code;
}

static int run_pay(int argc, char **argv)
{
    int code = 0;
    char *method = NULL, *amount = NULL, *currency = NULL, *region = NULL, *account = NULL;
    char *tier = NULL, *key = NULL;
    char **param_pairs = NULL;
    gboolean capture = FALSE;
    GOptionEntry entries[] = {
        {"method", 0, 0, G_OPTION_ARG_STRING, &method, "Payment method id", "M"},
        {"amount", 0, 0, G_OPTION_ARG_STRING, &amount, "Amount, e.g. 12.50", "X"},
        {"currency", 0, 0, G_OPTION_ARG_STRING, &currency, "ISO 4217 code", "C"},
        {"region", 0, 0, G_OPTION_ARG_STRING, &region, "Buyer's region (ISO 3166-1)", "R"},
        {"account", 0, 0, G_OPTION_ARG_STRING, &account, "Buyer's account", "A"},
        {"tier", 0, 0, G_OPTION_ARG_STRING, &tier, "Buyer's account tier", "T"},
        {"idempotency-key", 0, 0, G_OPTION_ARG_STRING, &key, "Replay-safe request key", "K"},
        {"param", 0, 0, G_OPTION_ARG_STRING_ARRAY, &param_pairs, "Method parameter", "key=value"},
        {"capture", 0, 0, G_OPTION_ARG_NONE, &capture, "Capture at once (purchase)", NULL},
        {NULL}};
    GOptionContext *ctx = cli_command_context("pay", NULL, entries);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    if (ok && (!method || !amount || !currency || !region))
        code = cli_usage_error(ctx, "pay needs --method, --amount, --currency and --region%s", NULL),
        ok = FALSE;
    g_option_context_free(ctx);
    GError *error = NULL;
    GArray *params = ok ? cli_parse_params(param_pairs, &error) : NULL;
    if (ok && params == NULL)
        code = cli_fail(error), ok = FALSE;
    TenderHost *host = ok ? host_with_plugins(CLI_LEDGER_WRITE, &code) : NULL;
    if (host) {
        TenderPayRequest r = {sizeof(TenderPayRequest),
                              method,
                              region,
                              currency,
                              amount,
                              account,
                              tier,
                              key,
                              (const tender_param *)params->data,
                              params->len,
                              capture};
        TenderPayment *p = tender_host_pay(host, &r, &error);
        code = finish_with_payment(p, error);
        cli_host_close(host);
    }
    cli_params_free(params);
    if (param_pairs)
        for (gsize i = 0; param_pairs[i]; i++)
            explicit_bzero(param_pairs[i], strlen(param_pairs[i]));
    g_strfreev(param_pairs);
    g_free(method);
    g_free(amount);
    g_free(currency);
    g_free(region);
    g_free(account);
    g_free(tier);
    g_free(key);
    return code;
}

typedef enum {
    PAYMENT_SHOW,
    PAYMENT_SYNC,
    PAYMENT_CAPTURE,
    PAYMENT_VOID,
    PAYMENT_REFUND,
    PAYMENT_REAUTHORIZE,
    PAYMENT_COMPLETE
} PaymentCommand;

/* The subcommands that take a payment ID. */
static int run_on_payment(int argc, char **argv, PaymentCommand which)
{
    int code = 0;
    char *amount = NULL, *key = NULL;
    char **param_pairs = NULL;
    GOptionEntry amount_entries[] = {
        {"amount", 0, 0, G_OPTION_ARG_STRING, &amount, "Amount (default: all)", "X"},
        {"idempotency-key", 0, 0, G_OPTION_ARG_STRING, &key, "Replay-safe request key", "K"},
        {NULL}};
    GOptionEntry key_entries[] = {
        {"idempotency-key", 0, 0, G_OPTION_ARG_STRING, &key, "Replay-safe request key", "K"},
        {NULL}};
    GOptionEntry complete_entries[] = {
        {"param", 0, 0, G_OPTION_ARG_STRING_ARRAY, &param_pairs, "Action parameter", "key=value"},
        {NULL}};
    const GOptionEntry *entries = which == PAYMENT_CAPTURE || which == PAYMENT_REFUND ||
                                          which == PAYMENT_REAUTHORIZE
                                      ? amount_entries
                                  : which == PAYMENT_VOID     ? key_entries
                                  : which == PAYMENT_COMPLETE ? complete_entries
                                                              : NULL;
    GOptionContext *ctx = cli_command_context(argv[0], "ID", entries);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    if (ok && argc != 2)
        code = cli_usage_error(ctx, "%s takes one payment ID", argv[0]), ok = FALSE;
    g_option_context_free(ctx);
    GError *error = NULL;
    GArray *params = NULL;
    if (ok && which == PAYMENT_COMPLETE && (params = cli_parse_params(param_pairs, &error)) == NULL)
        code = cli_fail(error), ok = FALSE;
    TenderHost *host = !ok                     ? NULL
                       : which == PAYMENT_SHOW ? cli_host_open(NULL, CLI_LEDGER_READ, &code)
                                               : host_with_plugins(CLI_LEDGER_WRITE, &code);
    if (host) {
        const char *id = argv[1];
        TenderPayment *p = NULL;
        switch (which) {
        case PAYMENT_SHOW:
            p = tender_host_get(host, id, &error);
            break;
        case PAYMENT_SYNC:
            p = tender_host_sync(host, id, &error);
            break;
        case PAYMENT_CAPTURE:
            p = tender_host_capture(host, id, amount, key, &error);
            break;
        case PAYMENT_VOID:
            p = tender_host_void(host, id, key, &error);
            break;
        case PAYMENT_REFUND:
            p = tender_host_refund(host, id, amount, key, &error);
            break;
        case PAYMENT_REAUTHORIZE:
            p = tender_host_reauthorize(host, id, amount, key, &error);
            break;
        case PAYMENT_COMPLETE:
            p = tender_host_complete(host, id, (const tender_param *)params->data, params->len,
                                     &error);
            break;
        }
        code = finish_with_payment(p, error);
        cli_host_close(host);
    }
    cli_params_free(params);
    g_strfreev(param_pairs);
    g_free(amount);
    g_free(key);
    return code;
}

static int run_show(int argc, char **argv)
{
    return run_on_payment(argc, argv, PAYMENT_SHOW);
}
static int run_sync(int argc, char **argv)
{
    return run_on_payment(argc, argv, PAYMENT_SYNC);
}
static int run_capture(int argc, char **argv)
{
    return run_on_payment(argc, argv, PAYMENT_CAPTURE);
}
static int run_void(int argc, char **argv)
{
    return run_on_payment(argc, argv, PAYMENT_VOID);
}
static int run_refund(int argc, char **argv)
{
    return run_on_payment(argc, argv, PAYMENT_REFUND);
}
static int run_reauthorize(int argc, char **argv)
{
    return run_on_payment(argc, argv, PAYMENT_REAUTHORIZE);
}
static int run_complete(int argc, char **argv)
{
    return run_on_payment(argc, argv, PAYMENT_COMPLETE);
}

static int run_list(int argc, char **argv)
{
    int code = 0;
    char *account = NULL, *status = NULL, *method = NULL;
    char *from = NULL, *to = NULL;
    int limit = 0;
    GOptionEntry entries[] = {
        {"account", 0, 0, G_OPTION_ARG_STRING, &account, "Only this account", "A"},
        {"status", 0, 0, G_OPTION_ARG_STRING, &status, "Only this status", "S"},
        {"method", 0, 0, G_OPTION_ARG_STRING, &method, "Only this method", "M"},
        {"from", 0, 0, G_OPTION_ARG_STRING, &from, "Created at or after", "ISO-8601"},
        {"to", 0, 0, G_OPTION_ARG_STRING, &to, "Created before", "ISO-8601"},
        {"limit", 0, 0, G_OPTION_ARG_INT, &limit, "At most N payments", "N"},
        {NULL}};
    GOptionContext *ctx = cli_command_context("list", NULL, entries);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    TenderListFilter filter = {.struct_size = sizeof(TenderListFilter),
                               .account = account,
                               .method = method,
                               .limit = (guint)MAX(limit, 0)};
    if (ok && status && !tender_status_from_string(status, &filter.status))
        code = cli_usage_error(ctx, "unknown status '%s'", status), ok = FALSE;
    if (ok && from && !parse_now(from, &filter.from_ms))
        code = cli_usage_error(ctx, "--from '%s' is not an ISO-8601 time", from), ok = FALSE;
    if (ok && to && !parse_now(to, &filter.to_ms))
        code = cli_usage_error(ctx, "--to '%s' is not an ISO-8601 time", to), ok = FALSE;
    filter.has_status = status != NULL;
    g_option_context_free(ctx);
    TenderHost *host = ok ? cli_host_open(NULL, CLI_LEDGER_READ, &code) : NULL;
    if (host) {
        GError *error = NULL;
        GPtrArray *list = tender_host_list(host, &filter, &error);
        if (list == NULL) {
            code = cli_fail(error);
        } else {
            cli_print_payments(list);
            g_ptr_array_unref(list);
        }
        cli_host_close(host);
    }
    g_free(account);
    g_free(status);
    g_free(method);
    g_free(from);
    g_free(to);
    return code;
}

static int run_reconcile(int argc, char **argv)
{
    int code = 0;
    GOptionContext *ctx = cli_command_context("reconcile", NULL, NULL);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    g_option_context_free(ctx);
    TenderHost *host = ok ? cli_host_new(NULL, &code) : NULL;
    if (host == NULL)
        return code;
    GError *error = NULL;
    TenderReconcileReport report;
    if (!tender_host_reconcile(host, &report, &error)) {
        code = cli_fail(error);
    } else if (cli_globals.json) {
        printf("{ \"examined\": %u, \"resolved\": %u, \"expired\": %u, \"still_open\": %u, "
               "\"errors\": %u }\n",
               report.examined, report.resolved, report.expired, report.still_open, report.errors);
    } else {
        printf("reconcile: %u examined, %u resolved, %u lapsed, %u still open, %u errors\n",
               report.examined, report.resolved, report.expired, report.still_open, report.errors);
    }
    if (code == 0 && report.errors)
        code = EXIT_INTERNAL;
    cli_host_close(host);
    return code;
}

static int run_help(int argc, char **argv);

static const Command commands[] = {
    {"help", run_help},
    {"plugins", run_plugins},
    {"methods", run_methods},
    {"check-config", run_check_config},
    {"pay", run_pay},
    {"complete", run_complete},
    {"capture", run_capture},
    {"void", run_void},
    {"refund", run_refund},
    {"reauthorize", run_reauthorize},
    {"show", run_show},
    {"sync", run_sync},
    {"list", run_list},
    {"reconcile", run_reconcile},
    {"notify", cli_run_notify},
    {"sandbox-notification", cli_run_sandbox_notification},
    {"demo", cli_demo},
    {"api-key", cli_run_api_key},
    {"webhook-endpoint", cli_run_webhook_endpoint},
    {"events", cli_run_events},
    {"ledger", cli_run_ledger},
};

static const Command *find_command(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

/* `tender` itself: global options first, stopping at the subcommand. */
static GOptionContext *main_context(void)
{
    GOptionContext *ctx = g_option_context_new("COMMAND [ARGS...]");
    g_option_context_add_main_entries(ctx, global_entries, NULL);
    g_option_context_add_main_entries(ctx, main_entries, NULL);
    g_option_context_set_strict_posix(ctx, TRUE);
    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, cli_exit_codes_text);
    return ctx;
}

/* `tender help` prints what `tender --help` does; `tender help COMMAND`
 * what `tender COMMAND --help` does, from the same option table the command
 * parses with, so the two never drift apart. */
static int run_help(int argc, char **argv)
{
    int code = 0;
    GOptionContext *ctx = cli_command_context("help", "[COMMAND]", NULL);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    if (ok && argc > 2)
        code = cli_usage_error(ctx, "help takes at most one COMMAND%s", NULL), ok = FALSE;
    const Command *command = ok && argc == 2 ? find_command(argv[1]) : NULL;
    if (ok && argc == 2 && command == NULL)
        code = cli_usage_error(NULL, "unknown command '%s' (`tender help` lists them)", argv[1]),
        ok = FALSE;
    g_option_context_free(ctx);
    if (!ok)
        return code;
    if (command == NULL) {
        GOptionContext *main = main_context();
        g_autofree char *help = g_option_context_get_help(main, TRUE, NULL);
        g_option_context_free(main);
        fputs(help, stdout);
        return EXIT_OK;
    }
    /* GOption prints the usage and exits 0 on --help. */
    char *help_argv[] = {(char *)command->name, (char *)"--help", NULL};
    return command->run(2, help_argv);
}

/* The package version and the plugin ABI versions this host loads: the
 * major it was built with, every minor up to its own (docs/abi.md). */
static int print_version(void)
{
    GString *accepted = g_string_new(NULL);
    for (int minor = 0; minor <= TENDER_ABI_MINOR; minor++)
        g_string_append_printf(accepted, "%s%d.%d", minor ? ", " : "", TENDER_ABI_MAJOR, minor);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "version");
        json_builder_add_string_value(b, TENDER_VERSION);
        json_builder_set_member_name(b, "abi");
        json_builder_add_string_value(
            b, G_STRINGIFY(TENDER_ABI_MAJOR) "." G_STRINGIFY(TENDER_ABI_MINOR));
        json_builder_set_member_name(b, "abi_accepted");
        json_builder_begin_array(b);
        for (int minor = 0; minor <= TENDER_ABI_MINOR; minor++) {
            g_autofree char *v = g_strdup_printf("%d.%d", TENDER_ABI_MAJOR, minor);
            json_builder_add_string_value(b, v);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        cli_print_builder(b);
    } else {
        printf("tender %s\nplugin ABI %d.%d (loads plugins built for ABI %s)\n", TENDER_VERSION,
               TENDER_ABI_MAJOR, TENDER_ABI_MINOR, accepted->str);
    }
    g_string_free(accepted, TRUE);
    return EXIT_OK;
}

/* TRUE when --json is among the arguments (before any "--"). A parse that
 * fails leaves cli_globals.json unset (GOption reverts every flag it read),
 * yet its usage error must still come as JSON. */
static gboolean wants_json(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--json") == 0)
            return TRUE;
    }
    return FALSE;
}

int main(int argc, char **argv)
{
    GOptionContext *ctx = main_context();
    cli_globals.json_requested = wants_json(argc, argv);
    GError *error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        int code = cli_usage_error(ctx, "%s", error->message);
        g_error_free(error);
        g_option_context_free(ctx);
        return code;
    }
    if (show_version) {
        g_option_context_free(ctx);
        return print_version();
    }
    if (argc < 2) {
        int code = cli_usage_error(ctx, "no command given%s", NULL);
        g_option_context_free(ctx);
        return code;
    }
    const Command *command = find_command(argv[1]);
    if (command) {
        g_option_context_free(ctx);
        int code = command->run(argc - 1, argv + 1);
        fflush(stdout);
        return code;
    }
    int code = cli_usage_error(ctx, "unknown command '%s'", argv[1]);
    g_option_context_free(ctx);
    return code;
}
