/* JSON written straight into a GString (json-text.h). The layout copies
 * json-glib 1.6's generator exactly, quirks included (an empty object is
 * "{", the indentation of its depth, "}"), because tests and the OpenAPI
 * checks compare answers that json_to_string() used to write. */
#include "json-text.h"

void json_text_append_escaped(GString *out, const char *value)
{
    g_string_append_c(out, '"');
    /* Runs of plain bytes are copied at once: most strings (ids, amounts,
     * currency codes) have nothing to escape. */
    const char *run = value;
    for (const char *c = value;; c++) {
        guchar byte = (guchar)*c;
        if (byte >= 0x20 && byte != '"' && byte != '\\' && byte != 0x7f)
            continue;
        g_string_append_len(out, run, c - run);
        run = c + 1;
        switch (byte) {
        case '\0':
            g_string_append_c(out, '"');
            return;
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            g_string_append_printf(out, "\\u%04x", (guint)byte);
        }
    }
}

void json_text_writer_init(JsonTextWriter *w, GString *out, gboolean pretty)
{
    *w = (JsonTextWriter){.out = out, .pretty = pretty, .depth = 0, .empty = TRUE};
}

static void json_text_indent(JsonTextWriter *w, guint depth)
{
    /* One append for the usual depths (a payment goes three deep), not
     * one per level: indentation is a third of what a pretty answer adds. */
    static const char spaces[] = "                                ";
    gsize want = 2 * (gsize)depth;
    while (want > 0) {
        gsize n = MIN(want, sizeof spaces - 1);
        g_string_append_len(w->out, spaces, (gssize)n);
        want -= n;
    }
}

/* What comes before a value: the separator from the previous one, the line
 * break and indentation when pretty, and the member's name. */
static void json_text_open_value(JsonTextWriter *w, const char *name)
{
    if (w->depth > 0) {
        if (!w->empty)
            g_string_append_c(w->out, ',');
        if (w->pretty) {
            g_string_append_c(w->out, '\n');
            json_text_indent(w, w->depth);
        }
    }
    w->empty = FALSE;
    if (name) {
        json_text_append_escaped(w->out, name);
        g_string_append(w->out, w->pretty ? " : " : ":");
    }
}

static void json_text_open_container(JsonTextWriter *w, const char *name, char bracket)
{
    json_text_open_value(w, name);
    g_string_append_c(w->out, bracket);
    w->depth++;
    w->empty = TRUE;
}

void json_text_begin_object(JsonTextWriter *w, const char *name)
{
    json_text_open_container(w, name, '{');
}

void json_text_begin_array(JsonTextWriter *w, const char *name)
{
    json_text_open_container(w, name, '[');
}

static void json_text_close_container(JsonTextWriter *w, char bracket)
{
    g_return_if_fail(w->depth > 0);
    w->depth--;
    if (w->pretty) {
        if (!w->empty) {
            g_string_append_c(w->out, '\n');
            json_text_indent(w, w->depth);
        } else if (bracket == '}') {
            /* json-glib indents inside an empty object, not an empty array. */
            json_text_indent(w, w->depth);
        }
    }
    g_string_append_c(w->out, bracket);
    w->empty = FALSE;
}

void json_text_end_object(JsonTextWriter *w)
{
    json_text_close_container(w, '}');
}

void json_text_end_array(JsonTextWriter *w)
{
    json_text_close_container(w, ']');
}

void json_text_string(JsonTextWriter *w, const char *name, const char *value)
{
    json_text_open_value(w, name);
    if (value)
        json_text_append_escaped(w->out, value);
    else
        g_string_append(w->out, "null");
}

void json_text_int(JsonTextWriter *w, const char *name, gint64 value)
{
    json_text_open_value(w, name);
    /* Digits by hand: g_string_append_printf cost more than the rest of
     * the member (every outbox event has one, bench/README.md, issue 17).
     * The magnitude is unsigned so that G_MININT64 prints too. */
    char digits[20];
    int n = 0;
    guint64 mag = value < 0 ? (guint64)0 - (guint64)value : (guint64)value;
    do {
        digits[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag > 0);
    if (value < 0)
        g_string_append_c(w->out, '-');
    while (n > 0)
        g_string_append_c(w->out, digits[--n]);
}

void json_text_boolean(JsonTextWriter *w, const char *name, gboolean value)
{
    json_text_open_value(w, name);
    g_string_append(w->out, value ? "true" : "false");
}

void json_text_null(JsonTextWriter *w, const char *name)
{
    json_text_open_value(w, name);
    g_string_append(w->out, "null");
}
