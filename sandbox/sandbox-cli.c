/* The program: options, the `keys` subcommand, and serving until SIGTERM
 * or SIGINT.
 *
 * Standard output carries exactly one line, the base URL, printed once the
 * server accepts connections and --config-out's file is complete: a test or
 * `tender demo` that read the line may use both at once. Everything else
 * (the request log, notifications, errors) goes to standard error. */
#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox-pki.h"
#include "sandbox-private.h"

#define EXIT_USAGE 64
#define EXIT_SOFTWARE 70
#define EXIT_CANTCREAT 73

typedef struct {
    char *listen;
    char *config_out;
    char *state_file;
    double time_scale;
    char *webhook_base;
    gint latency_ms;
    gint fail_5xx;
    gint drop;
    gboolean duplicate;
    gboolean reorder;
    gboolean allow_remote;
    char *tls_dir;
    char *tls_cert;
    char *tls_key;
    char *client_ca;
} CliOptions;

/* The files --tls-dir writes and serves with (TEST ONLY keys). */
typedef struct {
    char *ca, *ca_key, *cert, *key;
} TlsDirFiles;

static const char description[] =
    "Simulates the payment providers of Tender's bundled methods on one base URL, each under\n"
    "its own path prefix, for tests and demos. It is a test server: it listens on loopback\n"
    "only unless --allow-remote is given.\n"
    "\n"
    "Standard output carries one line, the base URL (http://127.0.0.1:PORT), printed once\n"
    "connections are accepted; the log goes to standard error.\n"
    "\n"
    "Control endpoints: GET /_sandbox/health; GET|POST|DELETE /_sandbox/faults\n"
    "({\"provider\": \"card\"|\"*\", \"latency_ms\": N, \"drop\": N, \"fail_5xx\": N,\n"
    "\"duplicate_notifications\": B, \"reorder_notifications\": B}); GET|POST /_sandbox/clock\n"
    "({\"advance_seconds\": N}).\n"
    "\n"
    "TLS: --tls-dir DIR writes a test CA (ca.pem, ca-key.pem), a server certificate for\n"
    "127.0.0.1, ::1 and localhost (server.pem, server-key.pem) and the providers' merchant client\n"
    "certificates (WebMoney's Keeper WebPro one: webmoney-merchant.pem) into DIR, serves https://\n"
    "with them and asks clients for a certificate of that CA; --config-out then sets every\n"
    "method's ca_file and WebMoney's client certificate. --tls-cert, --tls-key and --client-ca\n"
    "give the files by hand instead.\n"
    "\n"
    "Subcommand: `tender-sandbox keys` prints each provider's test keys and credentials.\n"
    "Stops on SIGTERM or SIGINT, saving the state.";

static int print_keys(const SandboxProvider *const *providers, guint n)
{
    if (n == 0) {
        printf("# this tender-sandbox was built without any provider\n");
        return EXIT_SUCCESS;
    }
    for (guint i = 0; i < n; i++) {
        printf("%s# %s (under %s)\n", i ? "\n" : "", providers[i]->name, providers[i]->prefix);
        fflush(stdout);
        if (providers[i]->print_keys)
            providers[i]->print_keys(stdout);
    }
    fflush(stdout);
    return EXIT_SUCCESS;
}

static gboolean on_signal(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_CONTINUE;
}

static gboolean check_count(const char *flag, gint value, GError **error)
{
    if (value >= 0)
        return TRUE;
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s must not be negative", flag);
    return FALSE;
}

static gboolean check_options(const CliOptions *o, GError **error)
{
    if (!(o->time_scale > 0) || o->time_scale > 1e9) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--time-scale must be a number above 0");
        return FALSE;
    }
    if (!check_count("--latency-ms", o->latency_ms, error) ||
        !check_count("--fail-5xx", o->fail_5xx, error) || !check_count("--drop", o->drop, error))
        return FALSE;
    if (o->webhook_base) {
        g_autoptr(GUri) uri = g_uri_parse(o->webhook_base, G_URI_FLAGS_NONE, NULL);
        if (uri == NULL || g_uri_get_host(uri) == NULL ||
            (g_strcmp0(g_uri_get_scheme(uri), "http") != 0 &&
             g_strcmp0(g_uri_get_scheme(uri), "https") != 0)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "--webhook-base %s: expected an http:// or https:// URL", o->webhook_base);
            return FALSE;
        }
    }
    return TRUE;
}

/* --tls-dir: a fresh CA and server certificate in dir. */
static gboolean write_tls_dir(const char *dir, TlsDirFiles *files, GError **error)
{
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "--tls-dir %s: %s", dir,
                    g_strerror(errno));
        return FALSE;
    }
    files->ca = g_build_filename(dir, "ca.pem", NULL);
    files->ca_key = g_build_filename(dir, "ca-key.pem", NULL);
    files->cert = g_build_filename(dir, "server.pem", NULL);
    files->key = g_build_filename(dir, "server-key.pem", NULL);
    const SandboxPkiLeaf server = {
        .common_name = "tender-sandbox",
        .alt_names = "DNS:localhost,IP:127.0.0.1,IP:::1",
        .not_before_s = -3600,
        .not_after_s = 365L * 24 * 3600,
    };
    return sandbox_pki_make_ca(files->ca, files->ca_key, "tender-sandbox test CA", error) &&
           sandbox_pki_issue(files->ca, files->ca_key, &server, files->cert, files->key, error);
}

static void tls_dir_files_clear(TlsDirFiles *files)
{
    g_free(files->ca);
    g_free(files->ca_key);
    g_free(files->cert);
    g_free(files->key);
}

static int serve_with(const CliOptions *o, const SandboxProvider *const *providers, guint n,
                      TlsDirFiles *dir_files_out);

static int serve(const CliOptions *o, const SandboxProvider *const *providers, guint n)
{
    TlsDirFiles files = {0};
    int code = serve_with(o, providers, n, &files);
    tls_dir_files_clear(&files);
    return code;
}

static int serve_with(const CliOptions *o, const SandboxProvider *const *providers, guint n,
                      TlsDirFiles *dir_files_out)
{
    g_autoptr(GError) tls_error = NULL;
    TlsDirFiles *files = dir_files_out;
    if (o->tls_dir && !write_tls_dir(o->tls_dir, files, &tls_error)) {
        fprintf(stderr, "tender-sandbox: %s\n", tls_error->message);
        return EXIT_CANTCREAT;
    }
    g_autofree char *webhook_base = NULL;
    if (o->webhook_base) {
        /* "http://host:port/" and "http://host:port" name one base. */
        webhook_base = g_strdup(o->webhook_base);
        gsize len = strlen(webhook_base);
        while (len > 0 && webhook_base[len - 1] == '/')
            webhook_base[--len] = '\0';
    }
    SandboxOptions options = {
        .listen = o->listen,
        .allow_remote = o->allow_remote,
        .state_file = o->state_file,
        .webhook_base = webhook_base,
        .time_scale = o->time_scale,
        .faults = {.latency_ms = (guint)o->latency_ms,
                   .drop = (guint)o->drop,
                   .fail_5xx = (guint)o->fail_5xx,
                   .duplicate_notifications = o->duplicate,
                   .reorder_notifications = o->reorder},
        .tls = {.cert_file = o->tls_cert ? o->tls_cert : files->cert,
                .key_file = o->tls_key ? o->tls_key : files->key,
                .client_ca = o->client_ca ? o->client_ca : files->ca,
                /* A self-signed --tls-cert is its own trust anchor. */
                .ca_file = o->tls_cert ? o->tls_cert : files->ca,
                .dir = o->tls_dir,
                .ca_key = files->ca_key},
    };
    g_autoptr(GError) error = NULL;
    SandboxServer *sb = sandbox_server_new(&options, providers, n, &error);
    if (sb == NULL) {
        fprintf(stderr, "tender-sandbox: %s\n", error->message);
        return EXIT_CANTCREAT;
    }
    if (!sandbox_server_listen(sb, &error)) {
        fprintf(stderr, "tender-sandbox: %s\n", error->message);
        sandbox_server_free(sb);
        return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
                       g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)
                   ? EXIT_USAGE
                   : EXIT_SOFTWARE;
    }
    if (o->config_out && !sandbox_config_write(sb, o->config_out, &error)) {
        fprintf(stderr, "tender-sandbox: --config-out %s: %s\n", o->config_out, error->message);
        sandbox_server_free(sb);
        return EXIT_CANTCREAT;
    }
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    guint term = g_unix_signal_add(SIGTERM, on_signal, loop);
    guint intr = g_unix_signal_add(SIGINT, on_signal, loop);
    printf("%s\n", sandbox_base_url(sb));
    fflush(stdout);
    GString *names = g_string_new(NULL);
    for (guint i = 0; i < n; i++)
        g_string_append_printf(names, "%s%s", i ? ", " : "", providers[i]->name);
    sandbox_log("sandbox", "serving %s at %s (time scale %g)", n ? names->str : "no provider",
                sandbox_base_url(sb), options.time_scale);
    g_string_free(names, TRUE);
    g_main_loop_run(loop);
    sandbox_log("sandbox", "stopping");
    g_source_remove(term);
    g_source_remove(intr);
    sandbox_server_free(sb);
    g_main_loop_unref(loop);
    return EXIT_SUCCESS;
}

int sandbox_cli_main(int argc, char **argv, const SandboxProvider *const *providers,
                     guint n_providers)
{
    if (argc >= 2 && strcmp(argv[1], "keys") == 0) {
        if (argc > 2) {
            fprintf(stderr, "tender-sandbox: usage: tender-sandbox keys\n");
            return EXIT_USAGE;
        }
        return print_keys(providers, n_providers);
    }
    CliOptions o = {.time_scale = 1};
    const GOptionEntry entries[] = {
        {"listen", 0, 0, G_OPTION_ARG_STRING, &o.listen,
         "Listen on HOST:PORT (default 127.0.0.1:0: an ephemeral port; [::1]:PORT for IPv6)",
         "HOST:PORT"},
        {"allow-remote", 0, 0, G_OPTION_ARG_NONE, &o.allow_remote,
         "Allow a non-loopback --listen address and notification URLs (a test server: avoid)",
         NULL},
        {"config-out", 0, 0, G_OPTION_ARG_FILENAME, &o.config_out,
         "Write a Tender policy config pointed at this sandbox to FILE before the URL line",
         "FILE"},
        {"state", 0, 0, G_OPTION_ARG_FILENAME, &o.state_file,
         "Load the providers' state from FILE and save it there after each change and at exit",
         "FILE"},
        {"time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &o.time_scale,
         "Divide notification retry delays and simulated waits by F (default 1)", "F"},
        {"webhook-base", 0, 0, G_OPTION_ARG_STRING, &o.webhook_base,
         "Base URL of the Tender service receiving notifications (URL/v1/webhooks/METHOD)", "URL"},
        {"latency-ms", 0, 0, G_OPTION_ARG_INT, &o.latency_ms,
         "Delay every provider request by N milliseconds", "N"},
        {"fail-5xx", 0, 0, G_OPTION_ARG_INT, &o.fail_5xx,
         "Answer the next N provider requests with 503", "N"},
        {"drop", 0, 0, G_OPTION_ARG_INT, &o.drop,
         "Read the next N provider requests, then close the connection without an answer", "N"},
        {"duplicate-notifications", 0, 0, G_OPTION_ARG_NONE, &o.duplicate,
         "Deliver every accepted notification once more", NULL},
        {"reorder-notifications", 0, 0, G_OPTION_ARG_NONE, &o.reorder,
         "Hold each notification until the next one for its provider, and send the later first",
         NULL},
        {"tls-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.tls_dir,
         "Write a test CA, server and merchant client certificates into DIR and serve https://",
         "DIR"},
        {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &o.tls_cert,
         "Serve https:// with this server certificate (PEM; with --tls-key)", "FILE"},
        {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &o.tls_key, "The key of --tls-cert (PEM)",
         "FILE"},
        {"client-ca", 0, 0, G_OPTION_ARG_FILENAME, &o.client_ca,
         "Ask clients for a certificate of this CA (PEM); WebMoney's ...Cert.asp interfaces "
         "require one",
         "FILE"},
        {NULL}};
    GOptionContext *ctx = g_option_context_new("[keys] - simulated payment providers");
    g_option_context_set_description(ctx, description);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    int code = EXIT_SUCCESS;
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || !check_options(&o, &error)) {
        fprintf(stderr, "tender-sandbox: %s\n", error->message);
        code = EXIT_USAGE;
    } else if (argc > 1) {
        fprintf(stderr, "tender-sandbox: unexpected argument %s (see --help)\n", argv[1]);
        code = EXIT_USAGE;
    } else {
        if (o.listen == NULL)
            o.listen = g_strdup("127.0.0.1:0");
        code = serve(&o, providers, n_providers);
    }
    g_option_context_free(ctx);
    g_free(o.listen);
    g_free(o.config_out);
    g_free(o.state_file);
    g_free(o.webhook_base);
    g_free(o.tls_dir);
    g_free(o.tls_cert);
    g_free(o.tls_key);
    g_free(o.client_ca);
    return code;
}
