/* --config-out: a Tender policy config pointed at this sandbox.
 *
 * The embedded default config (data/default-config.json, compiled in as a
 * GResource: it is data, not code) with each present provider's settings
 * merged into methods.<name>.settings. Keys the default already has
 * ("mode") stay unless the provider writes them. The file is written with
 * g_file_set_contents, so a reader that sees it sees all of it. */
#include <string.h>

#include "sandbox-private.h"
#include "sandbox-resources.h"

#define DEFAULT_CONFIG_PATH "/org/tender/sandbox/default-config.json"

static JsonObject *ensure_object_member(JsonObject *parent, const char *name)
{
    JsonNode *n = json_object_get_member(parent, name);
    if (n && JSON_NODE_HOLDS_OBJECT(n))
        return json_node_get_object(n);
    JsonObject *o = json_object_new();
    json_object_set_object_member(parent, name, o);
    return o;
}

/* The default config as text (free with g_free). The resource is
 * registered only for this read: nothing else in the program uses it. */
static char *default_config_text(gsize *len, GError **error)
{
    sandbox_resources_register_resource();
    GBytes *data =
        g_resource_lookup_data(sandbox_resources_get_resource(), DEFAULT_CONFIG_PATH, 0, error);
    char *text = NULL;
    if (data) {
        gconstpointer bytes = g_bytes_get_data(data, len);
        text = g_strndup(bytes, *len);
        g_bytes_unref(data);
    }
    sandbox_resources_unregister_resource();
    return text;
}

gboolean sandbox_config_write(SandboxServer *sb, const char *path, GError **error)
{
    gsize len;
    g_autofree char *text = default_config_text(&len, error);
    if (text == NULL)
        return FALSE;
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, text, (gssize)len, error))
        return FALSE;
    JsonNode *root = json_parser_get_root(parser);
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the embedded default config is not a JSON object");
        return FALSE;
    }
    JsonObject *methods = ensure_object_member(json_node_get_object(root), "methods");
    for (guint i = 0; i < sandbox_server_provider_count(sb); i++) {
        const SandboxProvider *p = sandbox_server_provider(sb, i);
        if (p->write_settings == NULL)
            continue;
        JsonObject *method = ensure_object_member(methods, p->name);
        JsonObject *settings = ensure_object_member(method, "settings");
        /* Over TLS, every method must trust the sandbox's private CA. */
        if (sandbox_tls(sb)->ca_file != NULL)
            json_object_set_string_member(settings, "ca_file", sandbox_tls(sb)->ca_file);
        p->write_settings(sb, settings);
    }
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    g_autofree char *out = json_generator_to_data(gen, &len);
    return g_file_set_contents(path, out, (gssize)len, error);
}
