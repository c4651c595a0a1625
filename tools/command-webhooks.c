/* `tender webhook-endpoint add URL [--events LIST]` (prints the signing
 * secret), `webhook-endpoint list`, `webhook-endpoint remove ID`; and the
 * outbox: `tender events list [--limit N]`, `events resend ID`. tenderd
 * delivers what these queue. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tender-json.h"

static void add_endpoint(JsonBuilder *b, const TenderWebhookEndpoint *e)
{
    tender_json_add_string(b, "id", e->id);
    tender_json_add_string(b, "url", e->url);
    tender_json_add_string(b, "events", e->events);
    g_autofree char *created = tender_json_iso_time(e->created_ms);
    g_autofree char *removed = tender_json_iso_time(e->removed_ms);
    tender_json_add_string(b, "created_at", created);
    tender_json_add_string(b, "removed_at", removed);
}

static int add(TenderHost *host, const char *url, const char *events)
{
    GError *error = NULL;
    char *secret = NULL;
    TenderWebhookEndpoint *e = tender_host_webhook_endpoint_add(host, url, events, &secret, &error);
    if (e == NULL)
        return cli_fail(error);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        add_endpoint(b, e);
        tender_json_add_string(b, "secret", secret);
        json_builder_end_object(b);
        cli_print_builder(b);
    } else {
        printf("webhook endpoint %s -> %s (events %s)\nsigning secret: %s\n", e->id, e->url,
               e->events, secret);
    }
    explicit_bzero(secret, strlen(secret));
    g_free(secret);
    tender_webhook_endpoint_free(e);
    return EXIT_OK;
}

static int list_endpoints(TenderHost *host)
{
    GError *error = NULL;
    g_autoptr(GPtrArray) all = tender_host_webhook_endpoints(host, &error);
    if (all == NULL)
        return cli_fail(error);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "webhook_endpoints");
        json_builder_begin_array(b);
        for (guint i = 0; i < all->len; i++) {
            json_builder_begin_object(b);
            add_endpoint(b, g_ptr_array_index(all, i));
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        cli_print_builder(b);
        return EXIT_OK;
    }
    for (guint i = 0; i < all->len; i++) {
        const TenderWebhookEndpoint *e = g_ptr_array_index(all, i);
        printf("%s  %s  events %s%s\n", e->id, e->url, e->events, e->removed_ms ? "  REMOVED" : "");
    }
    printf("%u webhook endpoint%s\n", all->len, all->len == 1 ? "" : "s");
    return EXIT_OK;
}

static int done(const char *what, const char *id)
{
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        tender_json_add_string(b, "id", id);
        json_builder_set_member_name(b, what);
        json_builder_add_boolean_value(b, TRUE);
        json_builder_end_object(b);
        cli_print_builder(b);
    } else {
        printf("%s %s\n", id, what);
    }
    return EXIT_OK;
}

/* Parse "GROUP ACTION [ARG]" with entries; *action and *arg point into argv. */
static gboolean parse_group(const char *group, const char *usage, const GOptionEntry *entries,
                            const char *const *actions, int *argc, char ***argv,
                            const char **action, const char **arg, int *code)
{
    GOptionContext *ctx = cli_command_context(group, usage, entries);
    gboolean ok = cli_parse_command(ctx, argc, argv, code);
    *action = ok && *argc >= 2 ? (*argv)[1] : NULL;
    gboolean known = FALSE;
    int want = 0;
    for (gsize i = 0; *action && actions[i]; i += 2)
        if (strcmp(*action, actions[i]) == 0) {
            known = TRUE;
            want = actions[i + 1][0] == '1' ? 3 : 2;
        }
    if (ok && (!known || *argc != want))
        *code = cli_usage_error(ctx, "usage: %s", usage), ok = FALSE;
    *arg = ok && want == 3 ? (*argv)[2] : NULL;
    g_option_context_free(ctx);
    return ok;
}

int cli_run_webhook_endpoint(int argc, char **argv)
{
    int code = 0;
    char *events = NULL;
    GOptionEntry entries[] = {{"events", 0, 0, G_OPTION_ARG_STRING, &events,
                               "add: the event types to send, comma-separated (default: all)",
                               "LIST"},
                              {NULL}};
    static const char *const actions[] = {"add", "1", "list", "0", "remove", "1", NULL};
    const char *action, *arg;
    if (!parse_group("webhook-endpoint", "webhook-endpoint add URL | list | remove ID", entries,
                     actions, &argc, &argv, &action, &arg, &code)) {
        g_free(events);
        return code;
    }
    TenderHost *host = cli_host_open(
        NULL, strcmp(action, "list") == 0 ? CLI_LEDGER_READ : CLI_LEDGER_WRITE, &code);
    if (host) {
        GError *error = NULL;
        if (strcmp(action, "add") == 0)
            code = add(host, arg, events);
        else if (strcmp(action, "list") == 0)
            code = list_endpoints(host);
        else
            code = tender_host_webhook_endpoint_remove(host, arg, &error) ? done("removed", arg)
                                                                          : cli_fail(error);
        tender_host_free(host);
    }
    g_free(events);
    return code;
}

static int list_events(TenderHost *host, int limit)
{
    GError *error = NULL;
    g_autoptr(GPtrArray) all = tender_host_events(host, (guint)MAX(limit, 0), &error);
    if (all == NULL)
        return cli_fail(error);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "events");
        json_builder_begin_array(b);
        for (guint i = 0; i < all->len; i++) {
            const TenderEvent *e = g_ptr_array_index(all, i);
            json_builder_begin_object(b);
            tender_json_add_string(b, "id", e->id);
            tender_json_add_string(b, "type", e->type);
            tender_json_add_string(b, "payment_id", e->payment_id);
            g_autofree char *created = tender_json_iso_time(e->created_ms);
            tender_json_add_string(b, "created_at", created);
            json_builder_set_member_name(b, "deliveries");
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "pending");
            json_builder_add_int_value(b, e->pending);
            json_builder_set_member_name(b, "delivered");
            json_builder_add_int_value(b, e->delivered);
            json_builder_set_member_name(b, "failed");
            json_builder_add_int_value(b, e->failed);
            json_builder_end_object(b);
            json_builder_set_member_name(b, "body");
            JsonNode *body = json_from_string(e->body, NULL);
            if (body)
                json_builder_add_value(b, body);
            else
                json_builder_add_string_value(b, e->body);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        cli_print_builder(b);
        return EXIT_OK;
    }
    for (guint i = 0; i < all->len; i++) {
        const TenderEvent *e = g_ptr_array_index(all, i);
        g_autofree char *created = tender_json_iso_time(e->created_ms);
        printf("%s  %-28s %s  %s  delivered %u, pending %u, failed %u\n", e->id, e->type,
               e->payment_id, created ? created : "", e->delivered, e->pending, e->failed);
    }
    printf("%u event%s\n", all->len, all->len == 1 ? "" : "s");
    return EXIT_OK;
}

int cli_run_events(int argc, char **argv)
{
    int code = 0;
    int limit = 0;
    GOptionEntry entries[] = {
        {"limit", 0, 0, G_OPTION_ARG_INT, &limit, "list: at most N events (newest first)", "N"},
        {NULL}};
    static const char *const actions[] = {"list", "0", "resend", "1", NULL};
    const char *action, *arg;
    if (!parse_group("events", "events list [--limit N] | resend ID", entries, actions, &argc,
                     &argv, &action, &arg, &code))
        return code;
    TenderHost *host = cli_host_open(
        NULL, strcmp(action, "list") == 0 ? CLI_LEDGER_READ : CLI_LEDGER_WRITE, &code);
    if (host) {
        GError *error = NULL;
        if (strcmp(action, "list") == 0)
            code = list_events(host, limit);
        else
            code =
                tender_host_event_resend(host, arg, &error) ? done("queued", arg) : cli_fail(error);
        tender_host_free(host);
    }
    return code;
}
