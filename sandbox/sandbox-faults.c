/* The fault settings: per provider and for "*" (every provider), from the
 * command line's flags and the control endpoint /_sandbox/faults.
 *
 * A request consults its provider's own settings first and "*" after: a
 * test that aims a fault at one provider is not disturbed by, and does not
 * use up, a fault set for everyone. */
#include <string.h>

#include "sandbox-private.h"

struct SandboxFaultTable {
    GHashTable *by_provider; /* name ("*" included) -> SandboxFaults* */
};

SandboxFaultTable *sandbox_fault_table_new(const SandboxFaults *everyone)
{
    SandboxFaultTable *table = g_new0(SandboxFaultTable, 1);
    table->by_provider = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (everyone && (everyone->latency_ms || everyone->drop || everyone->fail_5xx ||
                     everyone->duplicate_notifications || everyone->reorder_notifications))
        g_hash_table_insert(table->by_provider, g_strdup("*"),
                            g_memdup2(everyone, sizeof *everyone));
    return table;
}

void sandbox_fault_table_free(SandboxFaultTable *table)
{
    if (table == NULL)
        return;
    g_hash_table_unref(table->by_provider);
    g_free(table);
}

static SandboxFaults *faults_of(SandboxFaultTable *table, const char *provider)
{
    return g_hash_table_lookup(table->by_provider, provider);
}

guint sandbox_fault_latency(SandboxFaultTable *table, const char *provider)
{
    SandboxFaults *own = faults_of(table, provider);
    if (own && own->latency_ms)
        return own->latency_ms;
    SandboxFaults *all = faults_of(table, "*");
    return all ? all->latency_ms : 0;
}

static SandboxFaultAction take_from(SandboxFaults *f)
{
    if (f == NULL)
        return SANDBOX_FAULT_NONE;
    if (f->drop) {
        f->drop--;
        return SANDBOX_FAULT_DROP;
    }
    if (f->fail_5xx) {
        f->fail_5xx--;
        return SANDBOX_FAULT_5XX;
    }
    return SANDBOX_FAULT_NONE;
}

SandboxFaultAction sandbox_fault_take(SandboxFaultTable *table, const char *provider)
{
    SandboxFaultAction a = take_from(faults_of(table, provider));
    return a != SANDBOX_FAULT_NONE ? a : take_from(faults_of(table, "*"));
}

gboolean sandbox_fault_duplicate(SandboxFaultTable *table, const char *provider)
{
    SandboxFaults *own = faults_of(table, provider), *all = faults_of(table, "*");
    return (own && own->duplicate_notifications) || (all && all->duplicate_notifications);
}

gboolean sandbox_fault_reorder(SandboxFaultTable *table, const char *provider)
{
    SandboxFaults *own = faults_of(table, provider), *all = faults_of(table, "*");
    return (own && own->reorder_notifications) || (all && all->reorder_notifications);
}

void sandbox_fault_respond_5xx(SoupServerMessage *msg)
{
    static const char body[] =
        "{\"error\":{\"code\":\"service_unavailable\",\"message\":\"injected fault: "
        "try again later\"}}";
    sandbox_respond(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "application/json", body,
                    sizeof body - 1);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After", "1");
}

/* ---- The control endpoint ----------------------------------------------- */

static void add_faults(JsonBuilder *b, const char *name, const SandboxFaults *f)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "latency_ms");
    json_builder_add_int_value(b, f->latency_ms);
    json_builder_set_member_name(b, "drop");
    json_builder_add_int_value(b, f->drop);
    json_builder_set_member_name(b, "fail_5xx");
    json_builder_add_int_value(b, f->fail_5xx);
    json_builder_set_member_name(b, "duplicate_notifications");
    json_builder_add_boolean_value(b, f->duplicate_notifications);
    json_builder_set_member_name(b, "reorder_notifications");
    json_builder_add_boolean_value(b, f->reorder_notifications);
    json_builder_end_object(b);
}

/* {"faults": {"*": {...}, "card": {...}}}, names sorted. */
static void respond_table(SoupServerMessage *msg, SandboxFaultTable *table)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "faults");
    json_builder_begin_object(b);
    GList *names = g_list_sort(g_hash_table_get_keys(table->by_provider), (GCompareFunc)strcmp);
    for (GList *l = names; l; l = l->next)
        add_faults(b, l->data, faults_of(table, l->data));
    g_list_free(names);
    json_builder_end_object(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    sandbox_respond_json(msg, SOUP_STATUS_OK, node);
}

static void refuse(SoupServerMessage *msg, const char *message)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "code");
    json_builder_add_string_value(b, "bad_request");
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    json_builder_end_object(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    sandbox_respond_json(msg, SOUP_STATUS_BAD_REQUEST, node);
}

/* A count member: absent keeps *out; otherwise a whole number 0..10^7. */
static gboolean read_count(JsonObject *o, const char *name, guint *out)
{
    JsonNode *n = json_object_get_member(o, name);
    if (n == NULL)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    gint64 v = json_node_get_int(n);
    if (v < 0 || v > 10000000)
        return FALSE;
    *out = (guint)v;
    return TRUE;
}

static gboolean read_flag(JsonObject *o, const char *name, gboolean *out)
{
    JsonNode *n = json_object_get_member(o, name);
    if (n == NULL)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
        return FALSE;
    *out = json_node_get_boolean(n);
    return TRUE;
}

static const char *const known_members[] = {"provider",
                                            "latency_ms",
                                            "drop",
                                            "fail_5xx",
                                            "duplicate_notifications",
                                            "reorder_notifications",
                                            NULL};

static void set_faults(SandboxServer *sb, SandboxFaultTable *table, SoupServerMessage *msg)
{
    gsize len;
    const char *body = sandbox_request_body(msg, &len);
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, body, (gssize)len, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        refuse(msg, "expected a JSON object");
        return;
    }
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    g_autoptr(GList) members = json_object_get_members(o);
    for (GList *l = members; l; l = l->next)
        if (!g_strv_contains(known_members, l->data)) {
            g_autofree char *m = g_strdup_printf("unknown member \"%s\"", (char *)l->data);
            refuse(msg, m);
            return;
        }
    const char *provider = "*";
    JsonNode *pn = json_object_get_member(o, "provider");
    if (pn)
        provider = JSON_NODE_HOLDS_VALUE(pn) && json_node_get_value_type(pn) == G_TYPE_STRING
                       ? json_node_get_string(pn)
                       : NULL;
    if (provider == NULL ||
        (strcmp(provider, "*") != 0 && sandbox_server_provider_named(sb, provider) == NULL)) {
        refuse(msg, "\"provider\" must be \"*\" or the name of a provider this sandbox serves");
        return;
    }
    SandboxFaults f = {0};
    SandboxFaults *old = faults_of(table, provider);
    if (old)
        f = *old;
    if (!read_count(o, "latency_ms", &f.latency_ms) || !read_count(o, "drop", &f.drop) ||
        !read_count(o, "fail_5xx", &f.fail_5xx)) {
        refuse(msg, "latency_ms, drop and fail_5xx are whole numbers from 0 to 10000000");
        return;
    }
    if (!read_flag(o, "duplicate_notifications", &f.duplicate_notifications) ||
        !read_flag(o, "reorder_notifications", &f.reorder_notifications)) {
        refuse(msg, "duplicate_notifications and reorder_notifications are true or false");
        return;
    }
    g_hash_table_insert(table->by_provider, g_strdup(provider), g_memdup2(&f, sizeof f));
    sandbox_log("sandbox",
                "faults for %s: latency %u ms, drop %u, 5xx %u, duplicate %s, reorder %s", provider,
                f.latency_ms, f.drop, f.fail_5xx, f.duplicate_notifications ? "on" : "off",
                f.reorder_notifications ? "on" : "off");
    respond_table(msg, table);
}

void sandbox_fault_control(SandboxServer *sb, SandboxFaultTable *table, SoupServerMessage *msg)
{
    const char *method = soup_server_message_get_method(msg);
    if (strcmp(method, "GET") == 0) {
        respond_table(msg, table);
    } else if (strcmp(method, "POST") == 0) {
        set_faults(sb, table, msg);
    } else if (strcmp(method, "DELETE") == 0) {
        g_hash_table_remove_all(table->by_provider);
        sandbox_log("sandbox", "faults cleared");
        respond_table(msg, table);
    } else {
        static const char body[] = "{\"error\":{\"code\":\"method_not_allowed\",\"message\":"
                                   "\"GET, POST or DELETE /_sandbox/faults\"}}";
        sandbox_respond(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "application/json", body,
                        sizeof body - 1);
    }
}
