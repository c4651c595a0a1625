/* Cases about a method's table and instances: "capabilities" (every
 * declared operation has its function and answers, every undeclared one is
 * absent), "create" (empty config, two instances, destroy) and "bad_config"
 * (a wrong setting is refused with a clear message). */
#include <string.h>

#include "conformance-private.h"

static gboolean need_methods(tc_context *ctx, tc_report *report, GPtrArray **methods)
{
    if (ctx->load_error != NULL) {
        tc_report_fail(report, "expected a loadable plugin: %s", ctx->load_error);
        return FALSE;
    }
    *methods = tc_methods(ctx);
    if ((*methods)->len == 0) {
        tc_report_fail(report, "expected at least one method to check, found none");
        g_ptr_array_unref(*methods);
        return FALSE;
    }
    return TRUE;
}

typedef struct {
    uint64_t cap;
    const char *cap_name;
    const char *slot_name;
    tender_operation op;
    size_t offset;
} Slot;

#define SLOT(cap, cname, field, op) {cap, cname, #field, op, offsetof(tender_method_ops, field)}

static const Slot slots[] = {
    SLOT(TENDER_CAP_AUTHORIZE, "authorize", authorize, TENDER_OP_AUTHORIZE),
    SLOT(TENDER_CAP_PURCHASE, "purchase", purchase, TENDER_OP_PURCHASE),
    SLOT(TENDER_CAP_CAPTURE, "capture", capture, TENDER_OP_CAPTURE),
    SLOT(TENDER_CAP_VOID, "void", void_payment, TENDER_OP_VOID),
    SLOT(TENDER_CAP_REFUND, "refund", refund, TENDER_OP_REFUND),
    SLOT(TENDER_CAP_SYNC, "sync", sync, TENDER_OP_SYNC),
    SLOT(TENDER_CAP_COMPLETE_ACTION, "complete_action", complete_action,
         TENDER_OP_COMPLETE_ACTION),
    SLOT(TENDER_CAP_NOTIFICATION, "notification", identify_notification,
         TENDER_OP_NOTIFICATION),
    SLOT(TENDER_CAP_NOTIFICATION, "notification", notification, TENDER_OP_NOTIFICATION),
    /* Appended in 1.2: slot_fn reads it only from a table that holds it. */
    SLOT(TENDER_CAP_REAUTHORIZE, "reauthorize", reauthorize, TENDER_OP_REAUTHORIZE),
};

#define KNOWN_CAPS ((uint64_t)(TENDER_CAP_REAUTHORIZE << 1) - 1)

static tender_operation_fn slot_fn(const tender_method_ops *ops, const Slot *s)
{
    if (ops->struct_size < s->offset + sizeof(tender_operation_fn))
        return NULL;
    tender_operation_fn fn;
    memcpy(&fn, (const char *)ops + s->offset, sizeof fn);
    return fn;
}

/* Call one declared operation with a minimal request (no payment behind it)
 * and check the answer is within the ABI. */
static void answer(tc_context *ctx, tc_report *report, const tender_method *m, void *instance,
                   const Slot *s, tender_operation_fn fn)
{
    TcRequest r;
    tc_request_minimal(ctx, m, s->op, &r);
    gboolean identify = strcmp(s->slot_name, "identify_notification") == 0;
    if (identify) {
        r.req.payment_id = NULL;
        r.req.body = "";
        r.req.body_len = 0;
    }
    tender_result res;
    memset(&res, 0, sizeof res);
    res.struct_size = sizeof res;
    fn(instance, &r.req, &res);
    char *where = g_strdup_printf("method %s: %s with a minimal request", m->id, s->slot_name);
    tc_check_result(report, where, &res);
    if (identify && res.outcome == TENDER_OUTCOME_APPROVED)
        tc_report_fail(report, "%s: expected an empty, unsigned notification refused "
                       "(DECLINED, security_check_failed), the plugin approved it", where);
    g_free(where);
    tc_request_clear(&r);
}

tc_status tc_case_capabilities(tc_context *ctx, tc_report *report)
{
    GPtrArray *methods = NULL;
    if (!need_methods(ctx, report, &methods))
        return TC_FAIL;
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        const tender_method_ops *ops = tc_ops(m);
        if (ops == NULL) {
            tc_report_fail(report, "method %s: expected an ops table, it has none", m->id);
            continue;
        }
        uint64_t caps = m->capabilities;
        if (caps & ~KNOWN_CAPS)
            tc_report_fail(report, "method %s: expected only ABI 1.2 capability bits, it also "
                           "sets 0x%" G_GINT64_MODIFIER "x", m->id,
                           (guint64)(caps & ~KNOWN_CAPS));
        if (!(caps & (TENDER_CAP_AUTHORIZE | TENDER_CAP_PURCHASE)))
            tc_report_fail(report, "method %s: expected authorize or purchase, it declares "
                           "neither", m->id);
        if ((caps & (TENDER_CAP_PARTIAL_CAPTURE | TENDER_CAP_MULTI_CAPTURE)) &&
            !(caps & TENDER_CAP_CAPTURE))
            tc_report_fail(report, "method %s: declares partial or multi capture, expected "
                           "capture with it, it does not declare capture", m->id);
        if ((caps & TENDER_CAP_CAPTURE) && !(caps & TENDER_CAP_AUTHORIZE))
            tc_report_fail(report, "method %s: declares capture, expected authorize with it "
                           "(nothing else leaves funds to capture), it does not", m->id);
        if ((caps & TENDER_CAP_PARTIAL_REFUND) && !(caps & TENDER_CAP_REFUND))
            tc_report_fail(report, "method %s: declares partial_refund, expected refund with "
                           "it, it does not declare refund", m->id);

        void *instance = NULL;
        char *error = NULL;
        int rc = tc_instance_new(ctx, m, &instance, &error);
        if (rc != 0) {
            tc_report_fail(report, "method %s: expected create with an empty config to "
                           "succeed, it returned %d: %s", m->id, rc, error ? error : "");
            g_free(error);
        }
        int n_answered = 0;
        for (size_t k = 0; k < G_N_ELEMENTS(slots); k++) {
            const Slot *s = &slots[k];
            tender_operation_fn fn = slot_fn(ops, s);
            gboolean declared = (caps & s->cap) != 0;
            if (declared && fn == NULL)
                tc_report_fail(report, "method %s: declares %s, expected ops->%s set, it is "
                               "NULL", m->id, s->cap_name, s->slot_name);
            else if (!declared && fn != NULL)
                tc_report_fail(report, "method %s: does not declare %s, expected ops->%s NULL "
                               "(the host never calls it), it is set", m->id, s->cap_name,
                               s->slot_name);
            else if (declared && rc == 0) {
                answer(ctx, report, m, instance, s, fn);
                n_answered++;
            }
        }
        if (rc == 0) {
            TenderSandboxNotificationFn sandbox = tender_method_sandbox_notification_fn(m);
            if (sandbox != NULL) {
                TcRequest r;
                tc_request_minimal(ctx, m, TENDER_OP_NOTIFICATION, &r);
                tender_result res;
                memset(&res, 0, sizeof res);
                res.struct_size = sizeof res;
                sandbox(instance, &r.req, "tender_conformance_no_such_event", &res);
                char *where = g_strdup_printf("method %s: sandbox_notification of an unknown "
                                              "event", m->id);
                if (res.outcome != 0)
                    tc_check_result(report, where, &res);
                g_free(where);
                tc_request_clear(&r);
            }
            tc_instance_free(m, instance);
        }
        tc_report_note(report, "method %s: %d operation(s) answered", m->id, n_answered);
    }
    g_ptr_array_unref(methods);
    return tc_report_failures(report) ? TC_FAIL : TC_PASS;
}

tc_status tc_case_create(tc_context *ctx, tc_report *report)
{
    GPtrArray *methods = NULL;
    if (!need_methods(ctx, report, &methods))
        return TC_FAIL;
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        const tender_method_ops *ops = tc_ops(m);
        if (ops == NULL || ops->create == NULL || ops->destroy == NULL) {
            tc_report_fail(report, "method %s: expected create and destroy, one is missing",
                           m->id);
            continue;
        }
        tc_settings_clear(ctx);
        void *a = NULL, *b = NULL;
        char *error = NULL;
        int rc = tc_instance_new(ctx, m, &a, &error);
        if (rc != 0) {
            tc_report_fail(report, "method %s: expected create with an empty config to succeed, "
                           "it returned %d: %s", m->id, rc, error ? error : "");
            g_free(error);
            continue;
        }
        /* Two live instances at once: nothing global may be shared. */
        rc = tc_instance_new(ctx, m, &b, &error);
        if (rc != 0) {
            tc_report_fail(report, "method %s: expected a second instance while the first is "
                           "alive, create returned %d: %s", m->id, rc, error ? error : "");
            g_free(error);
        }
        if (a != NULL && a == b)
            tc_report_fail(report, "method %s: expected distinct instances, create returned "
                           "the same pointer twice", m->id);
        tc_instance_free(m, b);
        tc_instance_free(m, a);
        ops->destroy(NULL); /* documented as a no-op */
        tc_report_note(report, "method %s: created, created again, destroyed", m->id);
    }
    tc_settings_clear(ctx);
    g_ptr_array_unref(methods);
    return tc_report_failures(report) ? TC_FAIL : TC_PASS;
}

/* Choose a bad setting from what the method read with an empty config:
 * "mode" read as a string gets "bogus"; otherwise the first key read gets a
 * value of the wrong type. FALSE when the method reads no settings. */
static gboolean choose_bad_setting(tc_context *ctx, GPtrArray *reads, char **key, char **what)
{
    for (guint i = 0; i < reads->len; i++)
        if (strcmp(g_ptr_array_index(reads, i), "string:mode") == 0) {
            tc_settings_set_string(ctx, "mode", "bogus");
            *key = g_strdup("mode");
            *what = g_strdup("settings {\"mode\": \"bogus\"}");
            return TRUE;
        }
    if (reads->len == 0)
        return FALSE;
    const char *first = g_ptr_array_index(reads, 0);
    const char *colon = strchr(first, ':');
    *key = g_strdup(colon + 1);
    if (g_str_has_prefix(first, "string:")) {
        tc_settings_set_int(ctx, *key, 42);
        *what = g_strdup_printf("settings {\"%s\": 42} (a number where it reads a string)", *key);
    } else {
        tc_settings_set_string(ctx, *key, "bogus");
        *what = g_strdup_printf("settings {\"%s\": \"bogus\"} (a string where it reads a %.*s)",
                                *key, (int)(colon - first), first);
    }
    return TRUE;
}

tc_status tc_case_bad_config(tc_context *ctx, tc_report *report)
{
    GPtrArray *methods = NULL;
    if (!need_methods(ctx, report, &methods))
        return TC_FAIL;
    gboolean any = FALSE;
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        tc_settings_clear(ctx);
        void *inst = NULL;
        char *error = NULL;
        if (tc_instance_new(ctx, m, &inst, &error) != 0) {
            tc_report_fail(report, "method %s: expected create with an empty config to succeed, "
                           "it failed: %s", m->id, error ? error : "");
            g_free(error);
            continue;
        }
        tc_instance_free(m, inst);
        GPtrArray *reads = tc_settings_reads(ctx);
        tc_settings_clear(ctx);
        char *key = NULL, *what = NULL;
        if (!choose_bad_setting(ctx, reads, &key, &what)) {
            tc_report_note(report, "method %s reads no settings: nothing to refuse", m->id);
            g_ptr_array_unref(reads);
            continue;
        }
        any = TRUE;
        int rc = tc_instance_new(ctx, m, &inst, &error);
        if (rc == 0) {
            tc_report_fail(report, "method %s: expected create with %s to fail with a message, "
                           "it succeeded", m->id, what);
            tc_instance_free(m, inst);
        } else if (error == NULL || error[0] == '\0') {
            tc_report_fail(report, "method %s: expected create with %s to write a message, it "
                           "returned %d with an empty message", m->id, what, rc);
        } else if (strstr(error, key) == NULL) {
            tc_report_fail(report, "method %s: expected the message for %s to name the setting "
                           "\"%s\", it says: %s", m->id, what, key, error);
        } else {
            tc_report_note(report, "method %s refuses %s: %s", m->id, what, error);
        }
        g_free(error);
        g_free(key);
        g_free(what);
        g_ptr_array_unref(reads);
    }
    tc_settings_clear(ctx);
    g_ptr_array_unref(methods);
    if (tc_report_failures(report))
        return TC_FAIL;
    return any ? TC_PASS : TC_SKIP;
}
