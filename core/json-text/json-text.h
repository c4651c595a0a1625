/* JSON written straight into a GString: a small writer for the documents
 * that are made on every request or state change (tenderd's payment answer,
 * the ledger's outbox event), where json-glib's tree of nodes and its
 * generator cost more than the rest of the work (bench/README.md, "Session
 * 5"). The text is byte for byte what json_to_string() prints for the same
 * tree, pretty or compact, so readers and tests see no difference.
 *
 * A static library shared by libtender and the tools (the one escaping
 * routine of the project's hand-written JSON); not installed. A writer is
 * owned by one thread at a time; the functions keep no global state. */
#ifndef TENDER_JSON_TEXT_H
#define TENDER_JSON_TEXT_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct JsonTextWriter {
    GString *out;   /* appended to; owned by the caller */
    gboolean pretty; /* json_to_string(node, TRUE)'s layout, else compact */
    guint depth;    /* objects and arrays open */
    gboolean empty; /* the innermost container has no member yet */
} JsonTextWriter;

/* Append value as a JSON string literal, quotes included, escaped as
 * json-glib escapes: '"', '\\', the short escapes, other control bytes and
 * DEL as \u00XX; every other byte as it is (UTF-8 passes through). Unlike
 * json-glib 1.6, 0x1f too, which JSON requires. */
void json_text_append_escaped(GString *out, const char *value);

/* A writer appending to out. */
void json_text_writer_init(JsonTextWriter *w, GString *out, gboolean pretty);

/* Each value below takes the member's name inside an object, NULL inside an
 * array or for the root. */
void json_text_begin_object(JsonTextWriter *w, const char *name);
void json_text_end_object(JsonTextWriter *w);
void json_text_begin_array(JsonTextWriter *w, const char *name);
void json_text_end_array(JsonTextWriter *w);
/* A string, or null when value is NULL. */
void json_text_string(JsonTextWriter *w, const char *name, const char *value);
void json_text_int(JsonTextWriter *w, const char *name, gint64 value);
void json_text_boolean(JsonTextWriter *w, const char *name, gboolean value);
void json_text_null(JsonTextWriter *w, const char *name);

G_END_DECLS

#endif
