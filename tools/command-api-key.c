/* `tender api-key create NAME [--scope read|write]`, `api-key list`,
 * `api-key revoke ID`: the keys tenderd's clients present. A secret is
 * printed once, at creation; the ledger keeps only its SHA-256. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tender-json.h"

static void add_key(JsonBuilder *b, const TenderApiKey *k)
{
    tender_json_add_string(b, "id", k->id);
    tender_json_add_string(b, "name", k->name);
    tender_json_add_string(b, "scope", tender_api_scope_to_string(k->scope));
    g_autofree char *created = tender_json_iso_time(k->created_ms);
    g_autofree char *revoked = tender_json_iso_time(k->revoked_ms);
    tender_json_add_string(b, "created_at", created);
    tender_json_add_string(b, "revoked_at", revoked);
}

static int create_key(TenderHost *host, const char *name, const char *scope_name)
{
    TenderApiScope scope = TENDER_API_SCOPE_WRITE;
    if (scope_name && !tender_api_scope_from_string(scope_name, &scope))
        return cli_usage_error(NULL, "--scope is read or write, not '%s'", scope_name);
    GError *error = NULL;
    char *secret = NULL;
    g_autoptr(TenderApiKey) key = tender_host_api_key_create(host, name, scope, &secret, &error);
    if (key == NULL)
        return cli_fail(error);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        add_key(b, key);
        tender_json_add_string(b, "secret", secret);
        json_builder_end_object(b);
        cli_print_builder(b);
    } else {
        printf("API key %s (%s, scope %s)\nsecret: %s\n"
               "The secret is shown only now: the ledger keeps only its SHA-256.\n",
               key->id, key->name, tender_api_scope_to_string(key->scope), secret);
    }
    explicit_bzero(secret, strlen(secret));
    g_free(secret);
    return EXIT_OK;
}

static int list_keys(TenderHost *host)
{
    GError *error = NULL;
    g_autoptr(GPtrArray) keys = tender_host_api_keys(host, &error);
    if (keys == NULL)
        return cli_fail(error);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "api_keys");
        json_builder_begin_array(b);
        for (guint i = 0; i < keys->len; i++) {
            json_builder_begin_object(b);
            add_key(b, g_ptr_array_index(keys, i));
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        cli_print_builder(b);
        return EXIT_OK;
    }
    for (guint i = 0; i < keys->len; i++) {
        const TenderApiKey *k = g_ptr_array_index(keys, i);
        g_autofree char *created = tender_json_iso_time(k->created_ms);
        printf("%s  %-5s  %-24s created %s%s\n", k->id, tender_api_scope_to_string(k->scope),
               k->name, created ? created : "?", k->revoked_ms ? "  REVOKED" : "");
    }
    printf("%u API key%s\n", keys->len, keys->len == 1 ? "" : "s");
    return EXIT_OK;
}

static int revoke_key(TenderHost *host, const char *id)
{
    GError *error = NULL;
    if (!tender_host_api_key_revoke(host, id, &error))
        return cli_fail(error);
    if (cli_globals.json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_object(b);
        tender_json_add_string(b, "id", id);
        json_builder_set_member_name(b, "revoked");
        json_builder_add_boolean_value(b, TRUE);
        json_builder_end_object(b);
        cli_print_builder(b);
    } else {
        printf("API key %s revoked\n", id);
    }
    return EXIT_OK;
}

int cli_run_api_key(int argc, char **argv)
{
    int code = 0;
    char *scope = NULL;
    GOptionEntry entries[] = {{"scope", 0, 0, G_OPTION_ARG_STRING, &scope,
                               "create: read (reads and quotes) or write (default: everything)",
                               "read|write"},
                              {NULL}};
    GOptionContext *ctx = cli_command_context("api-key", "create NAME | list | revoke ID", entries);
    gboolean ok = cli_parse_command(ctx, &argc, &argv, &code);
    const char *action = ok && argc >= 2 ? argv[1] : NULL;
    int want = g_strcmp0(action, "list") == 0 ? 2 : 3;
    if (ok && (action == NULL ||
               (strcmp(action, "create") && strcmp(action, "list") && strcmp(action, "revoke")) ||
               argc != want))
        code = cli_usage_error(ctx, "api-key takes create NAME, list, or revoke ID%s", NULL),
        ok = FALSE;
    if (ok && scope && strcmp(action, "create") != 0)
        code = cli_usage_error(ctx, "--scope goes with api-key create%s", NULL), ok = FALSE;
    g_option_context_free(ctx);
    TenderHost *host =
        ok ? cli_host_open(NULL, strcmp(action, "list") == 0 ? CLI_LEDGER_READ : CLI_LEDGER_WRITE,
                           &code)
           : NULL;
    if (host) {
        if (strcmp(action, "create") == 0)
            code = create_key(host, argv[2], scope);
        else if (strcmp(action, "list") == 0)
            code = list_keys(host);
        else
            code = revoke_key(host, argv[2]);
        tender_host_free(host);
    }
    g_free(scope);
    return code;
}
