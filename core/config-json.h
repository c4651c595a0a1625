/* Typed reading of a JSON document with paths and line numbers (private to
 * libtender, hidden from the library's exports).
 *
 * The config loaders read json-glib nodes through these functions so that
 * every problem is reported the same way: "ORIGIN:LINE: $.json.path: what is
 * wrong", with the line where the path starts in the text when it is known.
 * A reader records the first problem only; every function returns FALSE (or
 * NULL) once something is wrong, so loaders can simply stop. A reader is
 * used by one thread at a time. */
#ifndef TENDER_CORE_CONFIG_JSON_H
#define TENDER_CORE_CONFIG_JSON_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
    const char *origin;       /* names the text in messages (borrowed) */
    GHashTable *lines;        /* path -> GINT_TO_POINTER(line); NULL until read */
    GError **error;           /* where the first problem goes */
    gboolean failed;
} ConfigJsonReader;

/* Parse text (len bytes) into a tree and index the line of every path. On
 * success the root (a new reference: json_node_unref) and reader->lines are
 * set. A NUL byte, invalid UTF-8, malformed JSON ("ORIGIN:LINE:COL: $:
 * malformed JSON: …"), an empty document or a key given twice in one object
 * (which json-glib would silently merge) fail the reader and return NULL.
 * Release the reader with config_json_reader_clear either way. */
G_GNUC_INTERNAL JsonNode *config_json_read_document(ConfigJsonReader *reader, const char *text,
                                                    gsize len);
G_GNUC_INTERNAL void config_json_reader_clear(ConfigJsonReader *reader);

/* Fail the reader with "ORIGIN[:LINE]: PATH: message" unless it failed
 * already. Always returns FALSE. */
G_GNUC_INTERNAL G_GNUC_PRINTF(3, 4) gboolean
config_json_fail(ConfigJsonReader *reader, const char *path, const char *fmt, ...);

/* Paths: "$.a.b", "$.a[\"odd key\"]", "$.a[3]". Newly allocated. */
G_GNUC_INTERNAL char *config_json_member_path(const char *parent, const char *key);
G_GNUC_INTERNAL char *config_json_index_path(const char *parent, guint index);

/* "an object", "a string", "an integer", … for messages. */
G_GNUC_INTERNAL const char *config_json_kind(JsonNode *node);
/* TRUE when node is a plain value of type (G_TYPE_STRING, G_TYPE_INT64, …). */
G_GNUC_INTERNAL gboolean config_json_holds(JsonNode *node, GType type);

/* Typed reads: the value, or NULL/FALSE after failing the reader with
 * "expected …, found …". Borrowed results live as long as the tree. */
G_GNUC_INTERNAL JsonObject *config_json_object(ConfigJsonReader *reader, const char *path,
                                               JsonNode *node);
G_GNUC_INTERNAL JsonArray *config_json_array(ConfigJsonReader *reader, const char *path,
                                             JsonNode *node);
G_GNUC_INTERNAL const char *config_json_string(ConfigJsonReader *reader, const char *path,
                                               JsonNode *node);
G_GNUC_INTERNAL gboolean config_json_bool(ConfigJsonReader *reader, const char *path,
                                          JsonNode *node, gboolean *out);
/* An integer in [min, max]; a negative value where none is allowed gets its
 * own message (a negative fee or limit is a classic slip). */
G_GNUC_INTERNAL gboolean config_json_int(ConfigJsonReader *reader, const char *path,
                                         JsonNode *node, gint64 min, gint64 max, gint64 *out);

/* Every member of obj must be one of known (NULL-terminated); an unknown key
 * fails with the known ones and, when one is close, "did you mean". */
G_GNUC_INTERNAL gboolean config_json_check_keys(ConfigJsonReader *reader, const char *path,
                                                JsonObject *obj, const char *const *known);

/* An array of strings, each checked by item (which sets *out to the text to
 * keep, borrowed from the tree, or fails the reader). *out is replaced by a
 * new GStrv on success. */
typedef gboolean (*ConfigJsonItemCheck)(ConfigJsonReader *reader, const char *path,
                                        JsonNode *node, gpointer data, const char **out);
G_GNUC_INTERNAL gboolean config_json_strv(ConfigJsonReader *reader, const char *path,
                                          JsonNode *node, ConfigJsonItemCheck item,
                                          gpointer data, GStrv *out);

/* Visit the members of the object at path in document order: visit gets
 * the member's path, its name and its value, and returns FALSE (having
 * failed the reader) to stop. FALSE when node is not an object or a visit
 * failed. */
typedef gboolean (*ConfigJsonVisitMember)(const char *path, const char *name, JsonNode *value,
                                          gpointer data);
G_GNUC_INTERNAL gboolean config_json_each_member(ConfigJsonReader *reader, const char *path,
                                                 JsonNode *node, ConfigJsonVisitMember visit,
                                                 gpointer data);

/* Visit the elements of the array at path, each required to be an object
 * whose keys are among known (NULL-terminated): visit gets the element's
 * path and the object. FALSE when node is not such an array or a visit
 * failed. */
typedef gboolean (*ConfigJsonVisitObject)(const char *path, JsonObject *obj, gpointer data);
G_GNUC_INTERNAL gboolean config_json_each_object(ConfigJsonReader *reader, const char *path,
                                                 JsonNode *node, const char *const *known,
                                                 ConfigJsonVisitObject visit, gpointer data);

/* An ISO 4217 code as a value (copied into out) or as a member key. */
G_GNUC_INTERNAL gboolean config_json_currency(ConfigJsonReader *reader, const char *path,
                                              JsonNode *node, char out[4]);
G_GNUC_INTERNAL gboolean config_json_currency_key(ConfigJsonReader *reader, const char *path,
                                                  const char *code);

/* A money value of currency in its ISO minor units: a decimal string
 * ("10.50", exact, at most the currency's decimals) or a JSON integer (whole
 * units); never negative, never a fractional JSON number. */
G_GNUC_INTERNAL gboolean config_json_money(ConfigJsonReader *reader, const char *path,
                                           JsonNode *node, const char *currency, gint64 *out);

G_END_DECLS

#endif
