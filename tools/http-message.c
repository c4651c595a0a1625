/* See http-message.h. */
#include "http-message.h"

#include <stdlib.h>
#include <string.h>

/* RFC 9110 token characters, enough to tell "Content-Type: x" from a form
 * body such as "notify_time=2026-12-01 10:00:00&…". */
static gboolean is_token_char(char c)
{
    return g_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean is_header_line(const char *line, gsize len)
{
    gsize i = 0;
    while (i < len && is_token_char(line[i]))
        i++;
    return i > 0 && i < len && line[i] == ':';
}

static gboolean is_request_line(const char *line, gsize len)
{
    g_autofree char *copy = g_strndup(line, len);
    g_strchomp(copy);
    g_auto(GStrv) parts = g_strsplit(copy, " ", -1);
    return g_strv_length(parts) == 3 && g_str_has_prefix(parts[2], "HTTP/") && parts[0][0] &&
           parts[1][0] == '/';
}

/* The length of the line at p (without its end), and where the next begins. */
static gsize line_at(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (stop > p && stop[-1] == '\r')
        stop--;
    return (gsize)(stop - p);
}

gboolean http_message_detect(const char *text, gsize len)
{
    const char *next;
    gsize n = line_at(text, text + len, &next);
    return is_request_line(text, n) || is_header_line(text, n);
}

gboolean http_message_parse(const char *text, gsize len, GArray *headers, const char **body,
                            gsize *body_len, GError **error)
{
    const char *p = text, *end = text + len, *next;
    gsize n = line_at(p, end, &next);
    if (is_request_line(p, n))
        p = next;
    gint64 content_length = -1;
    for (;;) {
        if (p >= end) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                        "the message ends before the blank line that separates headers and body");
            return FALSE;
        }
        n = line_at(p, end, &next);
        if (n == 0) {
            p = next;
            break;
        }
        if (!is_header_line(p, n)) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                        "not a header line: '%.*s'", (int)MIN(n, 60), p);
            return FALSE;
        }
        const char *colon = memchr(p, ':', n);
        tender_param h = {g_strndup(p, (gsize)(colon - p)),
                          g_strstrip(g_strndup(colon + 1, (gsize)(p + n - colon - 1)))};
        if (g_ascii_strcasecmp(h.key, "Content-Length") == 0) {
            char *stop = NULL;
            content_length = g_ascii_strtoll(h.value, &stop, 10);
            if (stop == h.value || *stop != '\0' || content_length < 0) {
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                            "Content-Length '%s' is not a number", h.value);
                g_free((char *)h.key);
                g_free((char *)h.value);
                return FALSE;
            }
        }
        g_array_append_val(headers, h);
        p = next;
    }
    gsize rest = (gsize)(end - p);
    if (content_length >= 0 && (guint64)content_length > rest) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "the body has %zu bytes, Content-Length says %" G_GINT64_FORMAT, rest,
                    content_length);
        return FALSE;
    }
    *body = p;
    *body_len = content_length >= 0 ? (gsize)content_length : rest;
    return TRUE;
}

char *http_message_format(const char *header_lines, const char *body)
{
    GString *out = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit(header_lines ? header_lines : "", "\n", -1);
    for (gsize i = 0; lines[i]; i++) {
        g_strchomp(lines[i]);
        /* Ours is the only Content-Length: it must count the body exactly. */
        if (lines[i][0] && g_ascii_strncasecmp(lines[i], "Content-Length:", 15) != 0)
            g_string_append_printf(out, "%s\n", lines[i]);
    }
    g_string_append_printf(out, "Content-Length: %zu\n\n%s\n", strlen(body ? body : ""),
                           body ? body : "");
    return g_string_free(out, FALSE);
}
