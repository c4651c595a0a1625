/* Flat JSON objects for biz_content and gateway responses. */
#include "alipay-json.h"

#include <glib.h>
#include <string.h>

static void write_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (*p < 0x20)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
}

char *alipay_json_from_params(const AlipayParams *params)
{
    GString *out = g_string_new("{");
    for (size_t i = 0; i < alipay_params_count(params); i++) {
        if (i > 0)
            g_string_append_c(out, ',');
        write_string(out, alipay_params_key(params, i));
        g_string_append_c(out, ':');
        write_string(out, alipay_params_value(params, i));
    }
    g_string_append_c(out, '}');
    return g_string_free(out, FALSE);
}

typedef struct {
    const char *p;
} Cursor;

static void skip_ws(Cursor *c)
{
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
        c->p++;
}

/* Read a JSON string at c->p (which is at '"') into out (NULL: skip). */
static int read_string(Cursor *c, GString *out)
{
    if (*c->p != '"')
        return 0;
    c->p++;
    while (*c->p && *c->p != '"') {
        if ((unsigned char)*c->p < 0x20)
            return 0;
        if (*c->p != '\\') {
            if (out)
                g_string_append_c(out, *c->p);
            c->p++;
            continue;
        }
        c->p++;
        char e = *c->p;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e != '\0' && simple) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            if (out)
                g_string_append_c(out, map[simple - "\"\\/bfnrt"]);
            c->p++;
        } else if (e == 'u') {
            gunichar u = 0;
            for (int i = 1; i <= 4; i++) {
                int d = g_ascii_xdigit_value(c->p[i]);
                if (d < 0)
                    return 0;
                u = u * 16 + (gunichar)d;
            }
            /* Surrogates are not needed by any Alipay field; refuse them
             * rather than produce invalid UTF-8. */
            if (u == 0 || (u >= 0xD800 && u <= 0xDFFF))
                return 0;
            if (out)
                g_string_append_unichar(out, u);
            c->p += 5;
        } else {
            return 0;
        }
    }
    if (*c->p != '"')
        return 0;
    c->p++;
    return 1;
}

/* Skip any JSON value; 1 when well formed. depth bounds nesting. */
static int skip_value(Cursor *c, int depth)
{
    skip_ws(c);
    if (depth > 32)
        return 0;
    if (*c->p == '"')
        return read_string(c, NULL);
    if (*c->p == '{' || *c->p == '[') {
        char close = *c->p == '{' ? '}' : ']';
        int object = *c->p == '{';
        c->p++;
        skip_ws(c);
        if (*c->p == close) {
            c->p++;
            return 1;
        }
        for (;;) {
            if (object) {
                skip_ws(c);
                if (!read_string(c, NULL))
                    return 0;
                skip_ws(c);
                if (*c->p != ':')
                    return 0;
                c->p++;
            }
            if (!skip_value(c, depth + 1))
                return 0;
            skip_ws(c);
            if (*c->p == ',') {
                c->p++;
                continue;
            }
            if (*c->p != close)
                return 0;
            c->p++;
            return 1;
        }
    }
    /* number, true, false, null */
    const char *start = c->p;
    while (*c->p && strchr("+-.0123456789eEtrufalsn", *c->p))
        c->p++;
    return c->p > start;
}

AlipayParams *alipay_json_to_params(const char *text)
{
    if (text == NULL)
        return NULL;
    Cursor c = {text};
    AlipayParams *params = alipay_params_new();
    GString *key = g_string_new(NULL);
    GString *value = g_string_new(NULL);
    skip_ws(&c);
    if (*c.p != '{')
        goto fail;
    c.p++;
    skip_ws(&c);
    if (*c.p == '}') {
        c.p++;
    } else {
        for (;;) {
            skip_ws(&c);
            g_string_truncate(key, 0);
            g_string_truncate(value, 0);
            if (!read_string(&c, key))
                goto fail;
            skip_ws(&c);
            if (*c.p != ':')
                goto fail;
            c.p++;
            skip_ws(&c);
            if (*c.p == '"') {
                if (!read_string(&c, value))
                    goto fail;
            } else {
                const char *start = c.p;
                if (!skip_value(&c, 1))
                    goto fail;
                g_string_append_len(value, start, c.p - start);
            }
            if (alipay_params_get(params, key->str) != NULL)
                goto fail;
            alipay_params_set(params, key->str, value->str);
            skip_ws(&c);
            if (*c.p == ',') {
                c.p++;
                continue;
            }
            if (*c.p != '}')
                goto fail;
            c.p++;
            break;
        }
    }
    skip_ws(&c);
    if (*c.p != '\0')
        goto fail;
    g_string_free(key, TRUE);
    g_string_free(value, TRUE);
    return params;
fail:
    g_string_free(key, TRUE);
    g_string_free(value, TRUE);
    alipay_params_free(params);
    return NULL;
}
