/* Typed reading of a JSON document, with the JSON path and the line of every
 * problem.
 *
 * json-glib parses; this file adds what a person fixing a config needs and
 * json-glib does not give: the line where a path starts, a refusal of keys
 * given twice (json-glib keeps the last and silently drops the first), and
 * one wording for every type mismatch.
 *
 * Why a scanner of our own rather than json-glib's positions: json-glib 1.6
 * (Debian 12) has no position on a node, and json_parser_get_current_line()
 * is only meaningful inside its object-member and array-element signals,
 * which fire after the member's value has been read, so a member whose value
 * is an object or array spans lines and gets the line where that value ends,
 * not the line of its key. The messages operators and tests rely on name the
 * key's line, so the scanner below records it directly; it runs only over
 * text json-glib has already accepted and gives up quietly on anything else
 * (line numbers are a convenience, never a second parser's opinion). */
#include "config-json.h"

#include <stdio.h>
#include <string.h>

#include <tender/money.h>
#include <tender/tender.h>

/* ------------------------------------------------------------------------ */
/* Line numbers                                                              */
/* ------------------------------------------------------------------------ */

/* json-glib gives no positions for nodes, so a small scanner walks the text
 * (already accepted by json-glib) and records the line where each JSON path
 * starts. It also spots duplicate keys, which json-glib silently merges and
 * which would hide one of two settings. The scanner gives up quietly on
 * anything it does not expect: line numbers are a convenience. */
typedef struct {
    const char *p;
    const char *end;
    int line;
    GHashTable *lines; /* path -> GINT_TO_POINTER(line) */
    char *duplicate;   /* the first duplicated path, or NULL */
    int duplicate_line;
} Scanner;

static gboolean key_is_plain(const char *key)
{
    if (*key == '\0')
        return FALSE;
    for (const char *k = key; *k; k++) {
        if (!g_ascii_isalnum(*k) && *k != '_' && *k != '-')
            return FALSE;
    }
    return TRUE;
}

/* The path of member key inside the object at parent. */
char *config_json_member_path(const char *parent, const char *key)
{
    if (key_is_plain(key))
        return g_strdup_printf("%s.%s", parent, key);
    GString *s = g_string_new(parent);
    g_string_append(s, "[\"");
    for (const char *k = key; *k; k++) {
        if (*k == '"' || *k == '\\')
            g_string_append_c(s, '\\');
        g_string_append_c(s, *k);
    }
    g_string_append(s, "\"]");
    return g_string_free(s, FALSE);
}

char *config_json_index_path(const char *parent, guint index)
{
    return g_strdup_printf("%s[%u]", parent, index);
}

static void scan_skip(Scanner *s)
{
    while (s->p < s->end) {
        char ch = *s->p;
        if (ch == '\n') {
            s->line++;
            s->p++;
        } else if (ch == ' ' || ch == '\t' || ch == '\r') {
            s->p++;
        } else if (ch == '/' && s->p + 1 < s->end && s->p[1] == '/') {
            while (s->p < s->end && *s->p != '\n')
                s->p++;
        } else if (ch == '/' && s->p + 1 < s->end && s->p[1] == '*') {
            s->p += 2;
            while (s->p + 1 < s->end && !(s->p[0] == '*' && s->p[1] == '/')) {
                if (*s->p == '\n')
                    s->line++;
                s->p++;
            }
            s->p = MIN(s->p + 2, s->end);
        } else {
            return;
        }
    }
}

/* Reads a string token; returns its (unescaped enough for keys) text. */
static char *scan_string(Scanner *s)
{
    if (s->p >= s->end || *s->p != '"')
        return NULL;
    const char *start = ++s->p;
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end)
            s->p++;
        if (*s->p == '\n')
            s->line++;
        s->p++;
    }
    if (s->p >= s->end)
        return NULL;
    /* Keys with escapes are rare in a config; compress reads them. */
    char *raw = g_strndup(start, (gsize)(s->p - start));
    char *text = g_strcompress(raw);
    g_free(raw);
    s->p++;
    return text;
}

static gboolean scan_value(Scanner *s, const char *path, int depth);

static gboolean scan_object(Scanner *s, const char *path, int depth)
{
    s->p++; /* { */
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gboolean ok = FALSE;
    scan_skip(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        ok = TRUE;
        goto out;
    }
    for (;;) {
        scan_skip(s);
        int key_line = s->line;
        char *key = scan_string(s);
        if (key == NULL)
            goto out;
        char *child = config_json_member_path(path, key);
        if (!g_hash_table_add(seen, key) && s->duplicate == NULL) {
            s->duplicate = g_strdup(child);
            s->duplicate_line = key_line;
        }
        g_hash_table_replace(s->lines, g_strdup(child), GINT_TO_POINTER(key_line));
        scan_skip(s);
        if (s->p >= s->end || *s->p != ':') {
            g_free(child);
            goto out;
        }
        s->p++;
        gboolean value_ok = scan_value(s, child, depth + 1);
        g_free(child);
        if (!value_ok)
            goto out;
        scan_skip(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            ok = TRUE;
        }
        goto out;
    }
out:
    g_hash_table_unref(seen);
    return ok;
}

static gboolean scan_array(Scanner *s, const char *path, int depth)
{
    s->p++; /* [ */
    scan_skip(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return TRUE;
    }
    for (guint i = 0;; i++) {
        char *child = config_json_index_path(path, i);
        scan_skip(s);
        /* The element's own line, unless the member key already set it. */
        g_hash_table_replace(s->lines, g_strdup(child), GINT_TO_POINTER(s->line));
        gboolean ok = scan_value(s, child, depth + 1);
        g_free(child);
        if (!ok)
            return FALSE;
        scan_skip(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return TRUE;
        }
        return FALSE;
    }
}

static gboolean scan_value(Scanner *s, const char *path, int depth)
{
    if (depth > 200)
        return FALSE;
    scan_skip(s);
    if (s->p >= s->end)
        return FALSE;
    char ch = *s->p;
    if (ch == '{')
        return scan_object(s, path, depth);
    if (ch == '[')
        return scan_array(s, path, depth);
    if (ch == '"') {
        char *text = scan_string(s);
        g_free(text);
        return text != NULL;
    }
    /* number, true, false, null */
    const char *start = s->p;
    while (s->p < s->end &&
           (g_ascii_isalnum(*s->p) || *s->p == '-' || *s->p == '+' || *s->p == '.'))
        s->p++;
    return s->p > start;
}

/* ------------------------------------------------------------------------ */
/* Typed reads                                                               */
/* ------------------------------------------------------------------------ */

/* Record the first problem: "origin:LINE: $.path: message". */
gboolean config_json_fail(ConfigJsonReader *reader, const char *path, const char *fmt, ...)
{
    if (reader->failed)
        return FALSE;
    reader->failed = TRUE;
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    gpointer line = NULL;
    if (reader->lines != NULL && g_hash_table_lookup_extended(reader->lines, path, NULL, &line))
        g_set_error(reader->error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s:%d: %s: %s",
                    reader->origin, GPOINTER_TO_INT(line), path, msg);
    else
        g_set_error(reader->error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s: %s: %s", reader->origin,
                    path, msg);
    g_free(msg);
    return FALSE;
}

const char *config_json_kind(JsonNode *node)
{
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
        return "an object";
    case JSON_NODE_ARRAY:
        return "an array";
    case JSON_NODE_NULL:
        return "null";
    case JSON_NODE_VALUE:
    default:
        break;
    }
    GType t = json_node_get_value_type(node);
    if (t == G_TYPE_STRING)
        return "a string";
    if (t == G_TYPE_BOOLEAN)
        return "a boolean";
    if (t == G_TYPE_INT64)
        return "an integer";
    return "a number";
}

gboolean config_json_holds(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

JsonObject *config_json_object(ConfigJsonReader *reader, const char *path, JsonNode *node)
{
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        config_json_fail(reader, path, "expected an object, found %s", config_json_kind(node));
        return NULL;
    }
    return json_node_get_object(node);
}

JsonArray *config_json_array(ConfigJsonReader *reader, const char *path, JsonNode *node)
{
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        config_json_fail(reader, path, "expected an array, found %s", config_json_kind(node));
        return NULL;
    }
    return json_node_get_array(node);
}

const char *config_json_string(ConfigJsonReader *reader, const char *path, JsonNode *node)
{
    if (!config_json_holds(node, G_TYPE_STRING)) {
        config_json_fail(reader, path, "expected a string, found %s", config_json_kind(node));
        return NULL;
    }
    return json_node_get_string(node);
}

gboolean config_json_bool(ConfigJsonReader *reader, const char *path, JsonNode *node, gboolean *out)
{
    if (!config_json_holds(node, G_TYPE_BOOLEAN))
        return config_json_fail(reader, path, "expected a boolean (true or false), found %s",
                                config_json_kind(node));
    *out = json_node_get_boolean(node);
    return TRUE;
}

gboolean config_json_int(ConfigJsonReader *reader, const char *path, JsonNode *node, gint64 min,
                         gint64 max, gint64 *out)
{
    if (!config_json_holds(node, G_TYPE_INT64))
        return config_json_fail(reader, path, "expected an integer, found %s",
                                config_json_kind(node));
    gint64 v = json_node_get_int(node);
    if (v < 0 && min >= 0)
        return config_json_fail(reader, path, "must not be negative (found %" G_GINT64_FORMAT ")",
                                v);
    if (v < min || v > max)
        return config_json_fail(reader, path,
                                "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                                " to %" G_GINT64_FORMAT ")",
                                v, min, max);
    *out = v;
    return TRUE;
}

/* Levenshtein distance, for "did you mean" hints on unknown keys. */
static guint keys_edit_distance(const char *a, const char *b)
{
    gsize la = strlen(a), lb = strlen(b);
    guint *row = g_new(guint, lb + 1);
    for (gsize j = 0; j <= lb; j++)
        row[j] = (guint)j;
    for (gsize i = 1; i <= la; i++) {
        guint diag = row[0];
        row[0] = (guint)i;
        for (gsize j = 1; j <= lb; j++) {
            guint up = row[j];
            guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    guint d = row[lb];
    g_free(row);
    return d;
}

gboolean config_json_check_keys(ConfigJsonReader *reader, const char *path, JsonObject *obj,
                                const char *const *known)
{
    GList *members = json_object_get_members(obj);
    gboolean ok = TRUE;
    for (GList *l = members; l != NULL && ok; l = l->next) {
        const char *key = l->data;
        if (g_strv_contains(known, key))
            continue;
        const char *best = NULL;
        guint best_d = G_MAXUINT;
        for (const char *const *k = known; *k; k++) {
            guint d = keys_edit_distance(key, *k);
            if (d < best_d) {
                best_d = d;
                best = *k;
            }
        }
        char *list = g_strjoinv(", ", (char **)known);
        char *child = config_json_member_path(path, key);
        if (best != NULL && best_d <= 2)
            config_json_fail(reader, child,
                             "unknown key \"%s\" (did you mean \"%s\"? known keys: %s)", key, best,
                             list);
        else
            config_json_fail(reader, child, "unknown key \"%s\" (known keys: %s)", key, list);
        g_free(child);
        g_free(list);
        ok = FALSE;
    }
    g_list_free(members);
    return ok;
}

gboolean config_json_currency(ConfigJsonReader *reader, const char *path, JsonNode *node,
                              char out[4])
{
    const char *code = config_json_string(reader, path, node);
    if (code == NULL)
        return FALSE;
    if (!tender_currency_is_known(code))
        return config_json_fail(
            reader, path, "unknown currency \"%s\" (expected an ISO 4217 code such as USD)", code);
    g_strlcpy(out, code, 4);
    return TRUE;
}

gboolean config_json_currency_key(ConfigJsonReader *reader, const char *path, const char *code)
{
    if (!tender_currency_is_known(code))
        return config_json_fail(
            reader, path, "unknown currency \"%s\" (expected an ISO 4217 code such as USD)", code);
    return TRUE;
}

gboolean config_json_money(ConfigJsonReader *reader, const char *path, JsonNode *node,
                           const char *currency, gint64 *out)
{
    int exponent = tender_currency_exponent(currency);
    char *text = NULL;
    if (config_json_holds(node, G_TYPE_INT64)) {
        gint64 v = json_node_get_int(node);
        if (v < 0)
            return config_json_fail(
                reader, path, "must not be negative (found %" G_GINT64_FORMAT " %s)", v, currency);
        text = g_strdup_printf("%" G_GINT64_FORMAT, v);
    } else if (config_json_holds(node, G_TYPE_STRING)) {
        text = g_strdup(json_node_get_string(node));
    } else if (config_json_holds(node, G_TYPE_DOUBLE)) {
        return config_json_fail(reader, path,
                                "write amounts as decimal strings (e.g. \"%.2f\"), not as "
                                "fractional numbers, so they are exact",
                                json_node_get_double(node));
    } else {
        return config_json_fail(reader, path,
                                "expected an amount (a decimal string such as \"10.00\"), "
                                "found %s",
                                config_json_kind(node));
    }
    g_strstrip(text);
    gboolean ok = FALSE;
    if (text[0] == '-') {
        config_json_fail(reader, path, "must not be negative (found \"%s\" %s)", text, currency);
        goto out;
    }
    const char *dot = strchr(text, '.');
    if (dot != NULL) {
        gsize decimals = strspn(dot + 1, "0123456789");
        if ((int)decimals > exponent) {
            config_json_fail(reader, path, "\"%s\" has %zu decimals but %s takes %d", text,
                             decimals, currency, exponent);
            goto out;
        }
    }
    GError *err = NULL;
    if (!tender_money_parse(text, currency, -1, out, &err)) {
        config_json_fail(reader, path, "invalid amount \"%s\" %s: %s", text, currency,
                         err != NULL ? err->message : "not a decimal amount");
        g_clear_error(&err);
        goto out;
    }
    ok = TRUE;
out:
    g_free(text);
    return ok;
}

gboolean config_json_strv(ConfigJsonReader *reader, const char *path, JsonNode *node,
                          ConfigJsonItemCheck item, gpointer data, GStrv *out)
{
    JsonArray *arr = config_json_array(reader, path, node);
    if (arr == NULL)
        return FALSE;
    GStrvBuilder *b = g_strv_builder_new();
    guint n = json_array_get_length(arr);
    for (guint i = 0; i < n; i++) {
        char *child = config_json_index_path(path, i);
        const char *text = NULL;
        gboolean ok = item(reader, child, json_array_get_element(arr, i), data, &text);
        g_free(child);
        if (!ok) {
            g_strv_builder_unref(b);
            return FALSE;
        }
        g_strv_builder_add(b, text);
    }
    g_strfreev(*out);
    *out = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return TRUE;
}

gboolean config_json_each_member(ConfigJsonReader *reader, const char *path, JsonNode *node,
                                 ConfigJsonVisitMember visit, gpointer data)
{
    JsonObject *obj = config_json_object(reader, path, node);
    if (obj == NULL)
        return FALSE;
    GList *members = json_object_get_members(obj);
    gboolean ok = TRUE;
    for (GList *l = members; l != NULL && ok; l = l->next) {
        char *child = config_json_member_path(path, l->data);
        ok = visit(child, l->data, json_object_get_member(obj, l->data), data);
        g_free(child);
    }
    g_list_free(members);
    return ok;
}

gboolean config_json_each_object(ConfigJsonReader *reader, const char *path, JsonNode *node,
                                 const char *const *known, ConfigJsonVisitObject visit,
                                 gpointer data)
{
    JsonArray *arr = config_json_array(reader, path, node);
    if (arr == NULL)
        return FALSE;
    guint n = json_array_get_length(arr);
    gboolean ok = TRUE;
    for (guint i = 0; i < n && ok; i++) {
        char *child = config_json_index_path(path, i);
        JsonObject *obj = config_json_object(reader, child, json_array_get_element(arr, i));
        ok = obj != NULL && config_json_check_keys(reader, child, obj, known) &&
             visit(child, obj, data);
        g_free(child);
    }
    return ok;
}

/* ------------------------------------------------------------------------ */
/* The document                                                              */
/* ------------------------------------------------------------------------ */

/* json-glib reports "<data>:LINE:COL: Parse error: …"; keep the position,
 * replace the placeholder with our origin and name the root path. */
static void document_parse_error(const char *origin, const GError *perr, GError **error)
{
    const char *msg = perr->message;
    int line = 0, col = 0, consumed = 0;
    const char *colon = strstr(msg, ">:");
    if (g_str_has_prefix(msg, "<data>") && colon != NULL &&
        sscanf(colon + 2, "%d:%d: %n", &line, &col, &consumed) >= 2 && consumed > 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s:%d:%d: $: malformed JSON: %s",
                    origin, line, col, colon + 2 + consumed);
    } else {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s: $: malformed JSON: %s", origin,
                    msg);
    }
}

static JsonNode *document_refuse(ConfigJsonReader *reader, const char *what)
{
    reader->failed = TRUE;
    g_set_error(reader->error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s: $: malformed JSON: %s",
                reader->origin, what);
    return NULL;
}

JsonNode *config_json_read_document(ConfigJsonReader *reader, const char *text, gsize len)
{
    if (memchr(text, '\0', len) != NULL)
        return document_refuse(reader, "the text contains a NUL byte");
    if (!g_utf8_validate(text, (gssize)len, NULL))
        return document_refuse(reader, "the text is not valid UTF-8");
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    GError *perr = NULL;
    if (!json_parser_load_from_data(parser, text, (gssize)len, &perr)) {
        reader->failed = TRUE;
        document_parse_error(reader->origin, perr, reader->error);
        g_error_free(perr);
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (root == NULL)
        return document_refuse(reader, "the document is empty");

    /* json-glib accepted the text, so the scanner walks well-formed JSON. */
    Scanner scanner = {text, text + len, 1, NULL, NULL, 0};
    scanner.lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    scan_skip(&scanner);
    g_hash_table_replace(scanner.lines, g_strdup("$"), GINT_TO_POINTER(scanner.line));
    scan_value(&scanner, "$", 0);
    if (reader->lines != NULL)
        g_hash_table_unref(reader->lines);
    reader->lines = scanner.lines;
    if (scanner.duplicate != NULL) {
        config_json_fail(reader, scanner.duplicate, "duplicate key (each key may appear once)");
        g_free(scanner.duplicate);
        return NULL;
    }
    return json_node_ref(root);
}

void config_json_reader_clear(ConfigJsonReader *reader)
{
    g_clear_pointer(&reader->lines, g_hash_table_unref);
}
