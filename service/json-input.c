/* Request bodies: one JSON object with known fields of known types. Every
 * refusal is a 400 whose param names the field, so a client can point at
 * its mistake (malformed JSON names none). */
#include <string.h>

#include "service.h"

static const char *kind_of(JsonNode *node)
{
    if (JSON_NODE_HOLDS_NULL(node))
        return "null";
    if (JSON_NODE_HOLDS_OBJECT(node))
        return "an object";
    if (JSON_NODE_HOLDS_ARRAY(node))
        return "an array";
    GType t = json_node_get_value_type(node);
    if (t == G_TYPE_STRING)
        return "a string";
    if (t == G_TYPE_BOOLEAN)
        return "a boolean";
    return "a number";
}

static gboolean holds(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

static gboolean check_field(const FieldSpec *spec, JsonNode *node, ServiceResponse *resp)
{
    const char *want = NULL;
    switch (spec->type) {
    case FIELD_STRING:
        if (!holds(node, G_TYPE_STRING))
            want = "a string";
        break;
    case FIELD_BOOLEAN:
        if (!holds(node, G_TYPE_BOOLEAN))
            want = "a boolean";
        break;
    case FIELD_STRING_MAP:
        if (!JSON_NODE_HOLDS_OBJECT(node)) {
            want = "an object of strings";
            break;
        }
        JsonObject *map = json_node_get_object(node);
        GList *names = json_object_get_members(map);
        for (GList *l = names; l; l = l->next) {
            JsonNode *v = json_object_get_member(map, l->data);
            if (!holds(v, G_TYPE_STRING)) {
                g_autofree char *param =
                    g_strdup_printf("%s.%s", spec->name, (const char *)l->data);
                g_autofree char *message =
                    g_strdup_printf("%s must be a string, not %s", param, kind_of(v));
                service_error(resp, 400, "invalid_request_error", "parameter_invalid_type", message,
                              param, NULL);
                g_list_free(names);
                return FALSE;
            }
        }
        g_list_free(names);
        break;
    }
    if (want == NULL)
        return TRUE;
    g_autofree char *message =
        g_strdup_printf("%s must be %s, not %s", spec->name, want, kind_of(node));
    service_error(resp, 400, "invalid_request_error", "parameter_invalid_type", message, spec->name,
                  NULL);
    return FALSE;
}

JsonObject *service_parse_body(const ServiceRequest *req, const FieldSpec *specs,
                               ServiceResponse *resp)
{
    gsize len = 0;
    const char *data = req->body ? g_bytes_get_data(req->body, &len) : NULL;
    JsonObject *obj = NULL;
    if (len == 0) {
        obj = json_object_new();
    } else {
        g_autoptr(JsonParser) parser = json_parser_new();
        GError *error = NULL;
        if (!json_parser_load_from_data(parser, data, (gssize)len, &error)) {
            g_autofree char *message = g_strdup_printf("the body is not JSON: %s", error->message);
            g_error_free(error);
            service_error(resp, 400, "invalid_request_error", "invalid_json", message, NULL, NULL);
            return NULL;
        }
        JsonNode *root = json_parser_get_root(parser);
        if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
            service_error(resp, 400, "invalid_request_error", "invalid_json",
                          "the body must be one JSON object", NULL, NULL);
            return NULL;
        }
        obj = json_object_ref(json_node_get_object(root));
    }
    /* Unknown fields first: a misspelt optional field must not pass
     * silently as "not given". */
    GList *names = json_object_get_members(obj);
    for (GList *l = names; l; l = l->next) {
        const FieldSpec *spec = NULL;
        for (const FieldSpec *s = specs; s->name; s++)
            if (strcmp(s->name, l->data) == 0)
                spec = s;
        if (spec == NULL) {
            g_autofree char *message = g_strdup_printf("unknown field %s", (const char *)l->data);
            service_error(resp, 400, "invalid_request_error", "parameter_unknown", message, l->data,
                          NULL);
            g_list_free(names);
            json_object_unref(obj);
            return NULL;
        }
        if (!check_field(spec, json_object_get_member(obj, l->data), resp)) {
            g_list_free(names);
            json_object_unref(obj);
            return NULL;
        }
    }
    g_list_free(names);
    for (const FieldSpec *s = specs; s->name; s++)
        if (s->required && !json_object_has_member(obj, s->name)) {
            g_autofree char *message = g_strdup_printf("missing required field %s", s->name);
            service_error(resp, 400, "invalid_request_error", "parameter_missing", message, s->name,
                          NULL);
            json_object_unref(obj);
            return NULL;
        }
    return obj;
}

const char *service_field_string(JsonObject *obj, const char *name)
{
    JsonNode *node = json_object_get_member(obj, name);
    return node && JSON_NODE_HOLDS_VALUE(node) ? json_node_get_string(node) : NULL;
}
