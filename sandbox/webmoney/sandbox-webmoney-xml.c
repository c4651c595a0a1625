/* Reading the XML-interface requests and writing their answers.
 *
 * WebMoney's requests are shallow: a root (<w3s.request>,
 * <merchant.request>), a few scalar elements, and at most one nested
 * element holding the operation's fields (<trans>, <finishprotect>,
 * <getoperations>). No field name repeats across those levels, so a table
 * of leaf name -> text is all a handler needs. GLib's GMarkup reads it:
 * it requires UTF-8, which the sandbox asks of its clients (WebMoney also
 * takes windows-1251; a UTF-8 client works with both). */
#include "sandbox-webmoney.h"

typedef struct {
    GHashTable *fields;
    GString *text;
    int depth;
} ReadState;

static void on_start(GMarkupParseContext *context, const char *element, const char **names,
                     const char **values, gpointer user_data, GError **error)
{
    (void)context;
    (void)names;
    (void)values;
    (void)error;
    ReadState *st = user_data;
    if (st->depth == 0)
        g_hash_table_replace(st->fields, g_strdup(""), g_strdup(element));
    st->depth++;
    g_string_truncate(st->text, 0);
}

static void on_end(GMarkupParseContext *context, const char *element, gpointer user_data,
                   GError **error)
{
    (void)context;
    (void)error;
    ReadState *st = user_data;
    st->depth--;
    /* A leaf's text; a container's end finds the text emptied by its
     * children's starts and the inner whitespace, and is not stored. */
    if (st->depth > 0 && !g_hash_table_contains(st->fields, element))
        g_hash_table_replace(st->fields, g_strdup(element), g_strstrip(g_strdup(st->text->str)));
    g_string_truncate(st->text, 0);
}

static void on_text(GMarkupParseContext *context, const char *text, gsize len, gpointer user_data,
                    GError **error)
{
    (void)context;
    (void)error;
    ReadState *st = user_data;
    g_string_append_len(st->text, text, (gssize)len);
}

GHashTable *wm_xml_parse(const char *body, gsize len)
{
    static const GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
    ReadState st = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
                    g_string_new(NULL), 0};
    GMarkupParseContext *context = g_markup_parse_context_new(&parser, 0, &st, NULL);
    gboolean ok = body != NULL && g_markup_parse_context_parse(context, body, (gssize)len, NULL) &&
                  g_markup_parse_context_end_parse(context, NULL);
    g_markup_parse_context_free(context);
    g_string_free(st.text, TRUE);
    if (!ok || !g_hash_table_contains(st.fields, "")) {
        g_hash_table_unref(st.fields);
        return NULL;
    }
    return st.fields;
}

void wm_respond_xml(SoupServerMessage *msg, GString *xml)
{
    sandbox_respond(msg, 200, "text/xml; charset=utf-8", xml->str, xml->len);
    g_string_free(xml, TRUE);
}
