/* Structured logs: one JSON object per line on standard error, so a log
 * shipper reads them without a parser of its own. Request lines carry the
 * request id the client also got in Request-Id. Bodies, keys and secrets
 * are never logged. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "service.h"

static GMutex log_lock;

/* text as a JSON string literal: quotes, backslashes and control
 * characters escaped (the rest of UTF-8 goes as it is). */
static void log_append_string(GString *out, const char *text)
{
    g_string_append_c(out, '"');
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\')
            g_string_append_c(out, '\\');
        if ((guchar)*c < 0x20)
            g_string_append_printf(out, "\\u%04x", (guint)(guchar)*c);
        else
            g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
}

/* The line is written as text, time, level and msg first, then the fields
 * as json-glib writes them: a request's line is written for every request,
 * and copying its fields into a second tree cost more than the rest. */
void service_log_object(const char *level, const char *msg, JsonObject *fields)
{
    GString *line = g_string_sized_new(256);
    /* gmtime_r rather than GDateTime, whose formatting cost as much as the
     * rest of a request's line. */
    gint64 now_us = g_get_real_time();
    time_t seconds = (time_t)(now_us / G_USEC_PER_SEC);
    struct tm tm;
    gmtime_r(&seconds, &tm);
    g_string_append_printf(line, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\"",
                           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                           tm.tm_sec, (int)(now_us % G_USEC_PER_SEC));
    g_string_append(line, ",\"level\":");
    log_append_string(line, level);
    g_string_append(line, ",\"msg\":");
    log_append_string(line, msg);
    if (fields != NULL && json_object_get_size(fields) > 0) {
        JsonNode *node = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(node, fields);
        gsize len = 0;
        g_autofree char *text = json_to_string(node, FALSE);
        len = strlen(text);
        json_node_unref(node);
        /* "{...}": its members follow ours. */
        g_string_append_c(line, ',');
        g_string_append_len(line, text + 1, (gssize)len - 1);
    } else {
        if (fields != NULL)
            json_object_unref(fields);
        g_string_append_c(line, '}');
    }
    g_string_append_c(line, '\n');
    g_mutex_lock(&log_lock);
    fwrite(line->str, 1, line->len, stderr);
    fflush(stderr);
    g_mutex_unlock(&log_lock);
    g_string_free(line, TRUE);
}

void service_log(const char *level, const char *msg, ...)
{
    JsonObject *fields = json_object_new();
    va_list ap;
    va_start(ap, msg);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        if (value)
            json_object_set_string_member(fields, name, value);
    }
    va_end(ap);
    service_log_object(level, msg, fields);
}
