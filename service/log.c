/* Structured logs: one JSON object per line on standard error, so a log
 * shipper reads them without a parser of its own. Request lines carry the
 * request id the client also got in Request-Id. Bodies, keys and secrets
 * are never logged. */
#include <stdarg.h>
#include <stdio.h>

#include "service.h"

static GMutex log_lock;

void service_log_object(const char *level, const char *msg, JsonObject *fields)
{
    JsonObject *line = json_object_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *time = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
    json_object_set_string_member(line, "time", time);
    json_object_set_string_member(line, "level", level);
    json_object_set_string_member(line, "msg", msg);
    if (fields) {
        GList *names = json_object_get_members(fields);
        for (GList *l = names; l; l = l->next)
            json_object_set_member(line, l->data,
                                   json_node_copy(json_object_get_member(fields, l->data)));
        g_list_free(names);
        json_object_unref(fields);
    }
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, line);
    g_autofree char *text = json_to_string(node, FALSE);
    json_node_unref(node);
    g_mutex_lock(&log_lock);
    fprintf(stderr, "%s\n", text);
    fflush(stderr);
    g_mutex_unlock(&log_lock);
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
