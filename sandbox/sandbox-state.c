/* The providers' state: one JSON document, an object per provider, and the
 * frame's own values under "_sandbox" (the clock offset, so that a
 * restarted sandbox keeps the time a test moved it to).
 *
 * With --state FILE the document is read at start and written whole with
 * g_file_set_contents (a temporary file renamed over the old one), so a
 * sandbox killed in the middle of a save leaves the previous document, not
 * half of a new one. */
#include <string.h>

#include "sandbox-private.h"

#define FRAME_MEMBER "_sandbox"

struct SandboxStateStore {
    char *path; /* NULL: memory only */
    JsonObject *root;
    gboolean changed;
};

/* The object member name of o, or NULL (json_object_get_object_member
 * complains about a missing member). */
static JsonObject *object_member(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);
    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static gboolean load(SandboxStateStore *store, GError **error)
{
    g_autofree char *text = NULL;
    gsize len;
    g_autoptr(GError) read_error = NULL;
    if (!g_file_get_contents(store->path, &text, &len, &read_error)) {
        if (g_error_matches(read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE; /* the first run: it is written at the first change */
        g_propagate_error(error, g_steal_pointer(&read_error));
        return FALSE;
    }
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) parse_error = NULL;
    if (!json_parser_load_from_data(parser, text, (gssize)len, &parse_error)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "state file %s: %s", store->path,
                    parse_error->message);
        return FALSE;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "state file %s: not a JSON object",
                    store->path);
        return FALSE;
    }
    JsonObject *o = json_node_get_object(root);
    g_autoptr(GList) members = json_object_get_members(o);
    for (GList *l = members; l; l = l->next)
        if (!JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, l->data))) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "state file %s: \"%s\" is not an object", store->path,
                        (const char *)l->data);
            return FALSE;
        }
    json_object_unref(store->root);
    store->root = json_object_ref(o);
    return TRUE;
}

SandboxStateStore *sandbox_state_store_new(const char *path, GError **error)
{
    SandboxStateStore *store = g_new0(SandboxStateStore, 1);
    store->root = json_object_new();
    store->path = g_strdup(path);
    if (path) {
        /* Refused now rather than at the first save, which would only be
         * logged while the test that relied on it went on. */
        g_autofree char *dir = g_path_get_dirname(path);
        if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                        "state file %s: the directory %s does not exist", path, dir);
            sandbox_state_store_free(store);
            return NULL;
        }
    }
    if (path && !load(store, error)) {
        sandbox_state_store_free(store);
        return NULL;
    }
    return store;
}

void sandbox_state_store_free(SandboxStateStore *store)
{
    if (store == NULL)
        return;
    json_object_unref(store->root);
    g_free(store->path);
    g_free(store);
}

JsonObject *sandbox_state_store_provider(SandboxStateStore *store, const char *provider)
{
    JsonObject *o = object_member(store->root, provider);
    if (o == NULL) {
        o = json_object_new();
        json_object_set_object_member(store->root, provider, o);
    }
    return o;
}

gint64 sandbox_state_store_clock_offset_ms(SandboxStateStore *store)
{
    JsonObject *frame = object_member(store->root, FRAME_MEMBER);
    if (frame == NULL)
        return 0;
    return json_object_get_int_member_with_default(frame, "clock_offset_ms", 0);
}

void sandbox_state_store_set_clock_offset_ms(SandboxStateStore *store, gint64 offset_ms)
{
    JsonObject *frame = sandbox_state_store_provider(store, FRAME_MEMBER);
    json_object_set_int_member(frame, "clock_offset_ms", offset_ms);
    store->changed = TRUE;
}

void sandbox_state_store_mark_changed(SandboxStateStore *store)
{
    store->changed = TRUE;
}

gboolean sandbox_state_store_save(SandboxStateStore *store, GError **error)
{
    if (store->path == NULL || !store->changed)
        return TRUE;
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(node, store->root);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, node);
    json_generator_set_pretty(gen, TRUE);
    gsize len;
    g_autofree char *text = json_generator_to_data(gen, &len);
    if (!g_file_set_contents(store->path, text, (gssize)len, error))
        return FALSE;
    store->changed = FALSE;
    return TRUE;
}
