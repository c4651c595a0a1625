/* tenderd: the payments service. JSON over HTTP for any language, provider
 * webhooks in, signed merchant webhooks out, on the public host API.
 *
 *   tenderd [--config FILE] [--ledger PATH] [--listen ADDR:PORT]
 *           [--plugin-dir DIR]... [--time-scale X]
 *
 * The base URL is the first line of standard output, printed once the
 * server accepts connections. SIGTERM (or SIGINT) stops listening,
 * lets the requests in flight finish and exits 0. Exit codes as `tender`'s: 64
 * usage, 74 ledger, 78 config (the message names the JSON path), 71 when
 * the address cannot be listened on. */
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

enum { EXIT_USAGE = 64, EXIT_OSERR = 71, EXIT_IOERR = 74, EXIT_CONFIG = 78 };

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_MAX_BODY_BYTES (1024 * 1024)
#define DEFAULT_MAX_HEADERS 100
#define DEFAULT_CLIENT_TIMEOUT_MS 10000
#define DEFAULT_MAX_IN_FLIGHT 256
#define DRAIN_DEADLINE_MS 30000

static char *opt_config;
static char *opt_ledger;
static char *opt_listen;
static char **opt_plugin_dirs;
static double opt_time_scale = 1.0;

static const GOptionEntry entries[] = {
    {"config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config,
     "Policy config file (default: the embedded one); its \"service\" section too", "FILE"},
    {"ledger", 0, 0, G_OPTION_ARG_FILENAME, &opt_ledger,
     "Ledger database (default: the config's, else ./tender-ledger.db)", "PATH"},
    {"listen", 0, 0, G_OPTION_ARG_STRING, &opt_listen,
     "Address to serve on (port 0: ephemeral; default: the config's, else " DEFAULT_LISTEN ")",
     "ADDR:PORT"},
    {"plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_plugin_dirs,
     "Load plugins from DIR (repeatable; also $TENDER_PLUGIN_PATH)", "DIR"},
    {"time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &opt_time_scale,
     "Divide webhook retry delays by X (tests)", "X"},
    {NULL}};

/* The build tree's plugins when run from the build tree, else the
 * installed ones (as `tender` does). */
static const char *default_plugin_dir(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    if (exe && g_str_has_prefix(exe, TENDER_BUILD_ROOT "/"))
        return TENDER_BUILD_PLUGIN_DIR;
    return TENDER_INSTALLED_PLUGIN_DIR;
}

static TenderHost *open_host(int *exit_code)
{
    TenderHostOptions *o = tender_host_options_new();
    gboolean any_dir = FALSE;
    for (gsize i = 0; opt_plugin_dirs && opt_plugin_dirs[i]; i++, any_dir = TRUE)
        tender_host_options_add_plugin_dir(o, opt_plugin_dirs[i]);
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
    if (opt_config)
        tender_host_options_set_config_file(o, opt_config);
    if (opt_ledger)
        tender_host_options_set_ledger(o, opt_ledger);
    GError *error = NULL;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    if (host == NULL) {
        *exit_code = error->code == TENDER_ERROR_CONFIG   ? EXIT_CONFIG
                     : error->code == TENDER_ERROR_LEDGER ? EXIT_IOERR
                                                          : EXIT_FAILURE;
        service_log("error", "cannot start", "error", error->message, NULL);
        fprintf(stderr, "tenderd: %s\n", error->message);
        g_error_free(error);
        return NULL;
    }
    const GPtrArray *warnings = tender_host_config_warnings(host);
    for (guint i = 0; i < warnings->len; i++)
        service_log("warning", "config", "warning", (const char *)g_ptr_array_index(warnings, i),
                    NULL);
    return host;
}

static gboolean on_signal(gpointer data)
{
    gpointer *pair = data;
    service_log("info", "signal received: draining", NULL);
    service_server_drain(pair[0], pair[1], DRAIN_DEADLINE_MS);
    return G_SOURCE_CONTINUE; /* removed in main(); a second signal changes nothing */
}

int main(int argc, char **argv)
{
    GOptionContext *ctx = g_option_context_new("- the Tender payments service");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 1 || !(opt_time_scale > 0)) {
        fprintf(stderr, "tenderd: %s\n",
                error       ? error->message
                : argc != 1 ? "unexpected arguments"
                            : "--time-scale must be greater than 0");
        g_clear_error(&error);
        g_option_context_free(ctx);
        return EXIT_USAGE;
    }
    g_option_context_free(ctx);

    int code = 0;
    TenderHost *host = open_host(&code);
    if (host == NULL)
        return code;
    const TenderServiceConfig *conf = tender_host_service_config(host);
    Service svc = {
        .host = host,
        .metrics = metrics_new(),
        .idempotency = idempotency_store_new(),
        .keys = auth_key_cache_new(),
        .max_body_bytes = conf->max_body_bytes ? conf->max_body_bytes : DEFAULT_MAX_BODY_BYTES,
        .max_headers = (guint)(conf->max_headers ? conf->max_headers : DEFAULT_MAX_HEADERS),
        .client_timeout_ms =
            conf->client_timeout_ms ? conf->client_timeout_ms : DEFAULT_CLIENT_TIMEOUT_MS,
        .max_in_flight = (guint)(conf->max_in_flight ? conf->max_in_flight : DEFAULT_MAX_IN_FLIGHT),
        .time_scale = opt_time_scale,
    };
    const char *listen = opt_listen ? opt_listen : conf->listen ? conf->listen : DEFAULT_LISTEN;

    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    ServiceServer *server = service_server_new(&svc);
    char *base_url = NULL;
    if (!service_server_listen(server, listen, &base_url, &error)) {
        fprintf(stderr, "tenderd: cannot listen on %s: %s\n", listen, error->message);
        service_log("error", "cannot listen", "listen", listen, "error", error->message, NULL);
        g_error_free(error);
        code = strchr(listen, ':') == NULL ? EXIT_USAGE : EXIT_OSERR;
    } else {
        /* Undelivered events of a previous run go out from the start. */
        Outbox *outbox = outbox_start(&svc);
        /* The signals are ours before anyone learns where we listen. */
        gpointer pair[] = {server, loop};
        guint term = g_unix_signal_add(SIGTERM, on_signal, pair);
        guint intr = g_unix_signal_add(SIGINT, on_signal, pair);
        printf("%s\n", base_url);
        fflush(stdout);
        service_log("info", "listening", "url", base_url, NULL);
        g_main_loop_run(loop);
        g_source_remove(term);
        g_source_remove(intr);
        outbox_stop(outbox);
        service_log("info", "stopped", NULL);
    }
    g_free(base_url);
    service_server_free(server);
    g_main_loop_unref(loop);
    idempotency_store_free(svc.idempotency);
    auth_key_cache_free(svc.keys);
    metrics_free(svc.metrics);
    tender_host_free(host);
    return code;
}
