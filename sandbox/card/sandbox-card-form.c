/* Stripe's request encoding: application/x-www-form-urlencoded where a name
 * carries its nesting in brackets (payment_method_data[card][number]=...,
 * metadata[order]=..., expand[]=latest_charge). The frame's
 * sandbox_form_decode keeps one value per name, which loses repeated list
 * entries, so the card gateway decodes its own bodies into a tree. */
#include "sandbox-card.h"

#include <stdlib.h>
#include <string.h>

/* Percent-decode one name or value, '+' meaning a space. NULL when an
 * escape is malformed or decodes to a NUL byte. */
static char *form_unescape(const char *text, gsize len)
{
    char *plus_free = g_strndup(text, len);
    for (char *p = plus_free; *p; p++) {
        if (*p == '+')
            *p = ' ';
    }
    char *decoded = g_uri_unescape_string(plus_free, NULL);
    g_free(plus_free);
    return decoded;
}

/* Split "a[b][]" into "a", "b", "" (the segments of a name); NULL when the
 * brackets do not balance or the base name is empty. */
static char **form_name_segments(const char *name)
{
    const char *open = strchr(name, '[');
    if (open == name || name[0] == '\0')
        return NULL;
    GPtrArray *segments = g_ptr_array_new();
    g_ptr_array_add(segments, open ? g_strndup(name, open - name) : g_strdup(name));
    const char *p = open;
    while (p && *p) {
        const char *close = strchr(p, ']');
        if (*p != '[' || close == NULL || memchr(p + 1, '[', close - p - 1) != NULL) {
            g_ptr_array_add(segments, NULL);
            g_strfreev((char **)g_ptr_array_free(segments, FALSE));
            return NULL;
        }
        g_ptr_array_add(segments, g_strndup(p + 1, close - p - 1));
        p = close + 1;
    }
    g_ptr_array_add(segments, NULL);
    return (char **)g_ptr_array_free(segments, FALSE);
}

/* Place value at the segments' path under root. FALSE when the path
 * collides with what earlier pairs built (a value where an object is, a
 * name given twice) or has an empty segment (name[]=v goes to form_append). */
static gboolean form_insert(JsonObject *root, char **segments, const char *value)
{
    JsonObject *parent = root;
    guint n = g_strv_length(segments);
    for (guint i = 0; i + 1 < n; i++) {
        if (segments[i][0] == '\0')
            return FALSE;
        JsonNode *child = json_object_get_member(parent, segments[i]);
        if (child == NULL) {
            json_object_set_object_member(parent, segments[i], json_object_new());
            child = json_object_get_member(parent, segments[i]);
        }
        if (!JSON_NODE_HOLDS_OBJECT(child))
            return FALSE;
        parent = json_node_get_object(child);
    }
    const char *leaf = segments[n - 1];
    if (leaf[0] == '\0' || json_object_has_member(parent, leaf))
        return FALSE;
    json_object_set_string_member(parent, leaf, value);
    return TRUE;
}

/* name[]=value: the array at the path of every segment but the empty last
 * one, created when absent. */
static gboolean form_append(JsonObject *root, char **segments, const char *value)
{
    guint n = g_strv_length(segments);
    JsonObject *parent = root;
    for (guint i = 0; i + 2 < n; i++) {
        if (segments[i][0] == '\0')
            return FALSE;
        JsonNode *child = json_object_get_member(parent, segments[i]);
        if (child == NULL) {
            json_object_set_object_member(parent, segments[i], json_object_new());
            child = json_object_get_member(parent, segments[i]);
        }
        if (!JSON_NODE_HOLDS_OBJECT(child))
            return FALSE;
        parent = json_node_get_object(child);
    }
    const char *list_name = segments[n - 2];
    if (list_name[0] == '\0')
        return FALSE;
    JsonNode *list = json_object_get_member(parent, list_name);
    if (list == NULL) {
        json_object_set_array_member(parent, list_name, json_array_new());
        list = json_object_get_member(parent, list_name);
    }
    if (!JSON_NODE_HOLDS_ARRAY(list))
        return FALSE;
    json_array_add_string_element(json_node_get_array(list), value);
    return TRUE;
}

JsonObject *card_form_decode(const char *text, gsize len)
{
    JsonObject *root = json_object_new();
    gsize start = 0;
    while (start <= len) {
        gsize end = start;
        while (end < len && text[end] != '&')
            end++;
        if (end > start) {
            const char *pair = text + start;
            gsize pair_len = end - start;
            const char *eq = memchr(pair, '=', pair_len);
            gsize name_len = eq ? (gsize)(eq - pair) : pair_len;
            char *name = form_unescape(pair, name_len);
            char *value = eq ? form_unescape(eq + 1, pair_len - name_len - 1) : g_strdup("");
            char **segments = name && value ? form_name_segments(name) : NULL;
            gboolean ok = FALSE;
            if (segments != NULL) {
                guint n = g_strv_length(segments);
                ok = n > 1 && segments[n - 1][0] == '\0' ? form_append(root, segments, value)
                                                         : form_insert(root, segments, value);
            }
            g_strfreev(segments);
            g_free(name);
            g_free(value);
            if (!ok) {
                json_object_unref(root);
                return NULL;
            }
        }
        start = end + 1;
    }
    return root;
}

/* The node at a bracketed path, or NULL. */
static JsonNode *param_node(JsonObject *params, const char *path)
{
    char **segments = form_name_segments(path);
    if (segments == NULL)
        return NULL;
    JsonNode *node = NULL;
    JsonObject *at = params;
    for (guint i = 0; segments[i] != NULL; i++) {
        node = at ? json_object_get_member(at, segments[i]) : NULL;
        if (node == NULL)
            break;
        at = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
    }
    g_strfreev(segments);
    return node;
}

const char *card_param(JsonObject *params, const char *path)
{
    JsonNode *node = param_node(params, path);
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

JsonObject *card_param_object(JsonObject *params, const char *path)
{
    JsonNode *node = param_node(params, path);
    return node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

static gint compare_index_names(gconstpointer a, gconstpointer b)
{
    gint64 x = g_ascii_strtoll(*(const char *const *)a, NULL, 10);
    gint64 y = g_ascii_strtoll(*(const char *const *)b, NULL, 10);
    return x < y ? -1 : x > y;
}

static gboolean all_digits(const char *s)
{
    if (*s == '\0')
        return FALSE;
    for (; *s; s++) {
        if (!g_ascii_isdigit(*s))
            return FALSE;
    }
    return TRUE;
}

char **card_param_list(JsonObject *params, const char *path)
{
    JsonNode *node = param_node(params, path);
    if (node == NULL)
        return NULL;
    GPtrArray *out = g_ptr_array_new();
    if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *array = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(array); i++) {
            JsonNode *element = json_array_get_element(array, i);
            if (JSON_NODE_HOLDS_VALUE(element))
                g_ptr_array_add(out, g_strdup(json_node_get_string(element)));
        }
    } else if (JSON_NODE_HOLDS_OBJECT(node)) {
        /* a[0]=x&a[1]=y: the members in index order. */
        JsonObject *object = json_node_get_object(node);
        GList *names = json_object_get_members(object);
        GPtrArray *indexes = g_ptr_array_new();
        for (GList *l = names; l; l = l->next) {
            if (all_digits(l->data))
                g_ptr_array_add(indexes, l->data);
        }
        g_ptr_array_sort(indexes, compare_index_names);
        for (guint i = 0; i < indexes->len; i++) {
            JsonNode *element = json_object_get_member(object, indexes->pdata[i]);
            if (JSON_NODE_HOLDS_VALUE(element))
                g_ptr_array_add(out, g_strdup(json_node_get_string(element)));
        }
        g_ptr_array_free(indexes, TRUE);
        g_list_free(names);
    } else if (json_node_get_value_type(node) == G_TYPE_STRING) {
        g_ptr_array_add(out, g_strdup(json_node_get_string(node)));
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* Canonical text of a node: objects with members sorted, every string
 * length-prefixed so that no two different trees write the same text. */
static void canonical_append(GString *out, JsonNode *node)
{
    if (JSON_NODE_HOLDS_OBJECT(node)) {
        JsonObject *object = json_node_get_object(node);
        GList *names = g_list_sort(json_object_get_members(object), (GCompareFunc)strcmp);
        g_string_append_c(out, '{');
        for (GList *l = names; l; l = l->next) {
            const char *name = l->data;
            g_string_append_printf(out, "%zu:%s=", strlen(name), name);
            canonical_append(out, json_object_get_member(object, name));
        }
        g_string_append_c(out, '}');
        g_list_free(names);
    } else if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *array = json_node_get_array(node);
        g_string_append_c(out, '[');
        for (guint i = 0; i < json_array_get_length(array); i++)
            canonical_append(out, json_array_get_element(array, i));
        g_string_append_c(out, ']');
    } else {
        const char *s = json_node_get_string(node);
        s = s ? s : "";
        g_string_append_printf(out, "%zu:%s", strlen(s), s);
    }
}

char *card_params_fingerprint(const char *method, const char *path, JsonObject *params)
{
    GString *text = g_string_new(NULL);
    g_string_append_printf(text, "%s %s\n", method, path);
    JsonNode *node = json_node_init_object(json_node_alloc(), params);
    canonical_append(text, node);
    json_node_unref(node);
    char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text->str, text->len);
    /* The text holds the card number: wipe it before it goes back to the
     * allocator. */
    memset(text->str, 0, text->len);
    g_string_free(text, TRUE);
    return digest;
}
