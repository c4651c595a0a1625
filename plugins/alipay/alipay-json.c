/* biz_content and gateway responses as JSON, on json-glib. Writing is
 * JsonBuilder's; reading is JsonParser's, with two things Alipay needs that
 * a parsed tree forgets, taken from the parser's signals as it goes:
 *  - a name given twice in one object is refused (the value signed and the
 *    value acted on must be the same one), where a JsonObject keeps the last;
 *  - a value that is not a string is kept as its exact JSON text (Alipay
 *    signs a response over the text as sent), where a tree would only give
 *    back a regenerated one. The text is cut out of the input between the
 *    member's ':' and where the parser stands when it reports the member. */
#include "alipay-json.h"

#include <string.h>

#include <json-glib/json-glib.h>

char *alipay_json_from_params(const AlipayParams *params)
{
    JsonBuilder *builder = json_builder_new();
    json_builder_begin_object(builder);
    for (size_t i = 0; i < alipay_params_count(params); i++) {
        json_builder_set_member_name(builder, alipay_params_key(params, i));
        json_builder_add_string_value(builder, alipay_params_value(params, i));
    }
    json_builder_end_object(builder);
    JsonNode *root = json_builder_get_root(builder);
    char *text = json_to_string(root, FALSE);
    json_node_unref(root);
    g_object_unref(builder);
    return text;
}

/* What the signal handlers share while one text is read. */
typedef struct {
    const char *text;
    size_t len;
    GArray *line_starts; /* size_t: offset of each line's first byte */
    GPtrArray *names;    /* GHashTable per open object: the names seen */
    int depth;           /* objects and arrays open */
    size_t member_from;  /* where the top object's next member begins */
    gboolean bad;        /* a repeated name, or a position that made no sense */
    AlipayParams *params;
} JsonReading;

/* The byte offset of the parser's current position. */
static size_t reading_offset_(const JsonReading *r, JsonParser *parser)
{
    guint line = json_parser_get_current_line(parser);
    guint pos = json_parser_get_current_pos(parser);
    if (line == 0 || line > r->line_starts->len || pos == 0)
        return r->len;
    size_t at = g_array_index(r->line_starts, size_t, line - 1) + pos - 1;
    return at < r->len ? at : r->len;
}

static void on_container_start_(JsonParser *parser, gpointer data)
{
    JsonReading *r = data;
    (void)parser;
    r->depth++;
}

static void on_object_start_(JsonParser *parser, gpointer data)
{
    JsonReading *r = data;
    on_container_start_(parser, data);
    g_ptr_array_add(r->names, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL));
    if (r->depth == 1) {
        /* The last character the parser consumed is the '{'. */
        size_t brace = reading_offset_(r, parser);
        r->member_from = brace + 1;
        r->bad |= brace >= r->len || r->text[brace] != '{';
    }
}

static void on_array_end_(JsonParser *parser, JsonArray *array, gpointer data)
{
    JsonReading *r = data;
    (void)parser;
    (void)array;
    r->depth--;
}

static void on_object_end_(JsonParser *parser, JsonObject *object, gpointer data)
{
    JsonReading *r = data;
    (void)parser;
    (void)object;
    if (r->names->len > 0)
        g_ptr_array_remove_index(r->names, r->names->len - 1);
    r->depth--;
}

/* Skip JSON whitespace from at. */
static size_t skip_space_(const JsonReading *r, size_t at)
{
    while (at < r->len && strchr(" \t\r\n", r->text[at]) != NULL && r->text[at] != '\0')
        at++;
    return at;
}

/* The exact text of the member value that ends before `end`: past the
 * name (a string json-glib has already checked) and the ':'. */
static char *member_value_text_(const JsonReading *r, size_t from, size_t end)
{
    size_t at = skip_space_(r, from);
    if (at >= end || r->text[at] != '"')
        return NULL;
    for (at++; at < end && r->text[at] != '"'; at++)
        if (r->text[at] == '\\')
            at++;
    at = skip_space_(r, at + 1);
    if (at >= end || r->text[at] != ':')
        return NULL;
    at = skip_space_(r, at + 1);
    while (end > at && strchr(" \t\r\n", r->text[end - 1]) != NULL)
        end--;
    return end > at ? g_strndup(r->text + at, end - at) : NULL;
}

static void on_object_member_(JsonParser *parser, JsonObject *object, const char *name,
                              gpointer data)
{
    JsonReading *r = data;
    GHashTable *seen = r->names->len ? g_ptr_array_index(r->names, r->names->len - 1) : NULL;
    if (seen == NULL || !g_hash_table_add(seen, g_strdup(name)))
        r->bad = TRUE;
    if (r->depth != 1 || r->bad)
        return;
    /* The parser's position is the last character it consumed: the ','
     * after the value when it looked ahead for another member, else the
     * value's own last character (a quote, bracket, digit or letter: never
     * a ','). */
    size_t last = reading_offset_(r, parser);
    if (last >= r->len) {
        r->bad = TRUE;
        return;
    }
    size_t end = r->text[last] == ',' ? last : last + 1;
    JsonNode *node = json_object_get_member(object, name);
    if (node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_STRING) {
        alipay_params_set(r->params, name, json_node_get_string(node));
    } else {
        char *raw = member_value_text_(r, r->member_from, end);
        if (raw == NULL)
            r->bad = TRUE;
        else
            alipay_params_set(r->params, name, raw);
        g_free(raw);
    }
    r->member_from = last + 1;
}

AlipayParams *alipay_json_to_params(const char *text)
{
    if (text == NULL)
        return NULL;
    JsonReading r = {text,
                     strlen(text),
                     g_array_new(FALSE, FALSE, sizeof(size_t)),
                     g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref),
                     0,
                     0,
                     FALSE,
                     alipay_params_new()};
    size_t zero = 0;
    g_array_append_val(r.line_starts, zero);
    for (size_t i = 0; i < r.len; i++) {
        if (text[i] == '\n') {
            size_t next = i + 1;
            g_array_append_val(r.line_starts, next);
        }
    }
    JsonParser *parser = json_parser_new();
    g_signal_connect(parser, "object-start", G_CALLBACK(on_object_start_), &r);
    g_signal_connect(parser, "array-start", G_CALLBACK(on_container_start_), &r);
    g_signal_connect(parser, "object-member", G_CALLBACK(on_object_member_), &r);
    g_signal_connect(parser, "object-end", G_CALLBACK(on_object_end_), &r);
    g_signal_connect(parser, "array-end", G_CALLBACK(on_array_end_), &r);
    gboolean parsed = json_parser_load_from_data(parser, text, (gssize)r.len, NULL);
    JsonNode *root = parsed ? json_parser_get_root(parser) : NULL;
    gboolean ok = root != NULL && JSON_NODE_HOLDS_OBJECT(root) && !r.bad;
    g_object_unref(parser);
    g_array_unref(r.line_starts);
    g_ptr_array_unref(r.names);
    if (!ok) {
        alipay_params_free(r.params);
        return NULL;
    }
    return r.params;
}
