/* The ABI checks: the one place in libtender that knows the size of every
 * ABI 1.x struct and which function slot belongs to which capability.
 *
 * A plugin's descriptor is plugin-static memory we did not write, so every
 * read of a field appended after 1.0 goes through TENDER_HAS_FIELD, and a
 * struct shorter than ABI 1.0's is refused before any of its fields is read.
 * The checks stop at the first problem and say what it is in a sentence a
 * plugin author can act on. */
#include "loader.h"

#include <string.h>

#include <tender/money.h>

/* Minimum sizes of the 1.0 structs loader.h does not list (the ones a
 * method's tables point to). */
#define ABI_1_0_CURRENCY_SIZE (offsetof(tender_currency_fact, home_region) + sizeof(void *))
#define ABI_1_0_PARAM_SIZE (offsetof(tender_param_spec, description) + sizeof(void *))

/* Bounds that stop a garbage descriptor from sending us through memory
 * forever; no real plugin comes near them. */
#define MAX_METHODS 256
#define MAX_LIST 1024
#define MAX_METHOD_ID 31
#define MAX_PLUGIN_ID 63
#define MAX_EXPONENT 9

gboolean abi_check_version(guint32 plugin_major, guint32 plugin_minor, char **reason)
{
    if (plugin_major != TENDER_ABI_MAJOR) {
        if (reason != NULL)
            *reason = g_strdup_printf("built for Tender ABI %u.%u, this host speaks %u.%u "
                                      "(a different major version is not compatible)",
                                      plugin_major, plugin_minor, TENDER_ABI_MAJOR,
                                      TENDER_ABI_MINOR);
        return FALSE;
    }
    if (plugin_minor > TENDER_ABI_MINOR) {
        if (reason != NULL)
            *reason = g_strdup_printf("built for Tender ABI %u.%u, this host speaks %u.%u "
                                      "(the plugin needs a newer host)",
                                      plugin_major, plugin_minor, TENDER_ABI_MAJOR,
                                      TENDER_ABI_MINOR);
        return FALSE;
    }
    return TRUE;
}

/* ---- well-formed names ---------------------------------------------------- */

static gboolean is_method_id(const char *id)
{
    size_t n = 0;
    for (; id[n] != '\0'; n++) {
        char c = id[n];
        if (n >= MAX_METHOD_ID)
            return FALSE;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return FALSE;
    }
    return n > 0;
}

static gboolean is_plugin_id(const char *id)
{
    size_t n = 0;
    for (; id[n] != '\0'; n++) {
        char c = id[n];
        if (n >= MAX_PLUGIN_ID)
            return FALSE;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return FALSE;
    }
    return n > 0;
}

static gboolean is_upper_code(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return FALSE;
    return s[len] == '\0';
}

static gboolean is_region(const char *s)
{
    return s != NULL && is_upper_code(s, 2);
}

static gboolean is_currency_code(const char *s)
{
    return s != NULL && is_upper_code(s, 3);
}

static gboolean is_text(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* A string from the plugin made safe to quote in a message. */
static char *quoted(const char *s)
{
    if (s == NULL)
        return g_strdup("(null)");
    char *head = g_strndup(s, 40);
    char *valid = g_utf8_make_valid(head, -1);
    char *escaped = g_strescape(valid, NULL);
    g_free(head);
    g_free(valid);
    return escaped;
}

/* ---- capabilities and their functions ------------------------------------ */

typedef struct {
    guint64 bit;
    const char *cap_name;
    const char *fn_name;
    size_t offset; /* offset of the slot in tender_method_ops */
} CapSlot;

#define SLOT(bit, cap, field) \
    {bit, cap, #field, offsetof(tender_method_ops, field)}

static const CapSlot cap_slots[] = {
    SLOT(TENDER_CAP_AUTHORIZE, "authorize", authorize),
    SLOT(TENDER_CAP_PURCHASE, "purchase", purchase),
    SLOT(TENDER_CAP_CAPTURE, "capture", capture),
    SLOT(TENDER_CAP_VOID, "void", void_payment),
    SLOT(TENDER_CAP_REFUND, "refund", refund),
    SLOT(TENDER_CAP_SYNC, "sync", sync),
    SLOT(TENDER_CAP_COMPLETE_ACTION, "complete_action", complete_action),
    SLOT(TENDER_CAP_NOTIFICATION, "notification", identify_notification),
    SLOT(TENDER_CAP_NOTIFICATION, "notification", notification),
    SLOT(TENDER_CAP_REAUTHORIZE, "reauthorize", reauthorize),
};

/* Slots appended after 1.0 hold capabilities an older plugin cannot have
 * meant: with a table too short for the slot, the bit is ignored (as any
 * unknown bit is), never a reason to refuse the plugin. */
static gboolean slot_in_table(const tender_method_ops *ops, size_t offset)
{
    return offset < TENDER_ABI_1_0_OPS_SIZE ||
           (ops != NULL && ops->struct_size >= offset + sizeof(tender_operation_fn));
}

/* The operation in the slot at offset of ops, or NULL when the slot is
 * empty or the table (as the plugin built it) is too short to hold it: an
 * older plugin's short table means "not supported", never a read past it. */
static tender_operation_fn ops_operation(const tender_method_ops *ops, size_t offset)
{
    tender_operation_fn fn;
    if (ops == NULL || ops->struct_size < offset + sizeof fn)
        return NULL;
    memcpy(&fn, (const char *)ops + offset, sizeof fn);
    return fn;
}

/* The ops table of a method, NULL when the method struct cannot hold one. */
static const tender_method_ops *method_ops(const tender_method *method)
{
    if (!TENDER_HAS_FIELD(method, tender_method, ops))
        return NULL;
    return method->ops;
}

static guint64 method_caps(const tender_method *method)
{
    if (!TENDER_HAS_FIELD(method, tender_method, capabilities))
        return 0;
    return method->capabilities;
}

tender_operation_fn abi_operation_fn(const tender_method *method, tender_operation op)
{
    guint64 bit;
    size_t offset;
    switch (op) {
    case TENDER_OP_AUTHORIZE:
        bit = TENDER_CAP_AUTHORIZE, offset = offsetof(tender_method_ops, authorize);
        break;
    case TENDER_OP_PURCHASE:
        bit = TENDER_CAP_PURCHASE, offset = offsetof(tender_method_ops, purchase);
        break;
    case TENDER_OP_CAPTURE:
        bit = TENDER_CAP_CAPTURE, offset = offsetof(tender_method_ops, capture);
        break;
    case TENDER_OP_VOID:
        bit = TENDER_CAP_VOID, offset = offsetof(tender_method_ops, void_payment);
        break;
    case TENDER_OP_REFUND:
        bit = TENDER_CAP_REFUND, offset = offsetof(tender_method_ops, refund);
        break;
    case TENDER_OP_SYNC:
        bit = TENDER_CAP_SYNC, offset = offsetof(tender_method_ops, sync);
        break;
    case TENDER_OP_COMPLETE_ACTION:
        bit = TENDER_CAP_COMPLETE_ACTION, offset = offsetof(tender_method_ops, complete_action);
        break;
    case TENDER_OP_NOTIFICATION:
        bit = TENDER_CAP_NOTIFICATION, offset = offsetof(tender_method_ops, notification);
        break;
    case TENDER_OP_REAUTHORIZE: /* appended in 1.2 */
        bit = TENDER_CAP_REAUTHORIZE, offset = offsetof(tender_method_ops, reauthorize);
        break;
    default:
        return NULL;
    }
    if ((method_caps(method) & bit) == 0)
        return NULL;
    return ops_operation(method_ops(method), offset);
}

tender_operation_fn abi_identify_fn(const tender_method *method)
{
    if ((method_caps(method) & TENDER_CAP_NOTIFICATION) == 0)
        return NULL;
    return ops_operation(method_ops(method), offsetof(tender_method_ops, identify_notification));
}

const tender_fixture *(*abi_fixtures_fn(const tender_method *method))(size_t *n)
{
    const tender_method_ops *ops = method_ops(method);
    if (!TENDER_HAS_FIELD(ops, tender_method_ops, sandbox_fixtures))
        return NULL;
    return ops->sandbox_fixtures;
}

void (*abi_sandbox_notification_fn(const tender_method *method))(
    void *, const tender_request *, const char *, tender_result *)
{
    const tender_method_ops *ops = method_ops(method);
    if (!TENDER_HAS_FIELD(ops, tender_method_ops, sandbox_notification))
        return NULL;
    return ops->sandbox_notification;
}

tender_operation_fn abi_describe_instrument_fn(const tender_method *method)
{
    /* Appended in 1.1: a 1.0 plugin's ops end before it. */
    const tender_method_ops *ops = method_ops(method);
    if (!TENDER_HAS_FIELD(ops, tender_method_ops, describe_instrument))
        return NULL;
    return ops->describe_instrument;
}

/* ---- descriptor check ----------------------------------------------------- */

/* Each check_* returns NULL when fine, else a newly allocated reason. */

static char *check_size(const char *what, uint32_t size, size_t minimum)
{
    if (size < minimum)
        return g_strdup_printf("%s struct_size is %u, smaller than ABI 1.0's %zu", what,
                               size, minimum);
    return NULL;
}

static char *check_params(const char *mid, const char *what, const tender_param_spec *params,
                          size_t n)
{
    if (n == 0)
        return NULL;
    if (params == NULL)
        return g_strdup_printf("method '%s' declares %zu %s but no table", mid, n, what);
    if (n > MAX_LIST)
        return g_strdup_printf("method '%s' declares %zu %s, more than %d", mid, n, what,
                               MAX_LIST);
    /* Entries are laid out with the plugin's own sizeof; ABI 1.0's is the
     * minimum and a newer plugin's is only ever larger. */
    size_t stride = params[0].struct_size;
    for (size_t i = 0; i < n; i++) {
        const tender_param_spec *p =
            (const tender_param_spec *)((const char *)params + i * stride);
        char *err = check_size("parameter spec", p->struct_size, ABI_1_0_PARAM_SIZE);
        if (err != NULL) {
            char *full = g_strdup_printf("method '%s' %s #%zu: %s", mid, what, i, err);
            g_free(err);
            return full;
        }
        if (p->struct_size % _Alignof(tender_param_spec) != 0)
            return g_strdup_printf("method '%s' %s #%zu: struct_size %u is not a multiple of "
                                   "the struct's alignment", mid, what, i, p->struct_size);
        if (p->struct_size != stride)
            return g_strdup_printf("method '%s' %s #%zu: struct_size %u differs from the "
                                   "first entry's %zu", mid, what, i, p->struct_size, stride);
        if (!is_text(p->name))
            return g_strdup_printf("method '%s' %s #%zu has no name", mid, what, i);
    }
    return NULL;
}

static char *check_currencies(const tender_method *m)
{
    const char *mid = m->id;
    if (m->n_currencies == 0 || m->currencies == NULL)
        return g_strdup_printf("method '%s' declares no currency", mid);
    if (m->n_currencies > MAX_LIST)
        return g_strdup_printf("method '%s' declares %zu currencies, more than %d", mid,
                               m->n_currencies, MAX_LIST);
    size_t stride = m->currencies[0].struct_size;
    for (size_t i = 0; i < m->n_currencies; i++) {
        const tender_currency_fact *c =
            (const tender_currency_fact *)((const char *)m->currencies + i * stride);
        char *err = check_size("currency", c->struct_size, ABI_1_0_CURRENCY_SIZE);
        if (err != NULL) {
            char *full = g_strdup_printf("method '%s' currency #%zu: %s", mid, i, err);
            g_free(err);
            return full;
        }
        if (c->struct_size % _Alignof(tender_currency_fact) != 0)
            return g_strdup_printf("method '%s' currency #%zu: struct_size %u is not a "
                                   "multiple of the struct's alignment", mid, i, c->struct_size);
        if (c->struct_size != stride)
            return g_strdup_printf("method '%s' currency #%zu: struct_size %u differs from "
                                   "the first entry's %zu", mid, i, c->struct_size, stride);
        if (!is_currency_code(c->code)) {
            char *q = quoted(c->code);
            char *r = g_strdup_printf("method '%s' currency #%zu: code \"%s\" is not three "
                                      "upper-case letters (ISO 4217)", mid, i, q);
            g_free(q);
            return r;
        }
        if (c->exponent == -1) {
            if (tender_currency_exponent(c->code) < 0)
                return g_strdup_printf("method '%s' currency %s: exponent -1 means \"as ISO "
                                       "4217\", but %s is not an ISO 4217 currency; declare "
                                       "its exponent", mid, c->code, c->code);
        } else if (c->exponent < 0 || c->exponent > MAX_EXPONENT) {
            return g_strdup_printf("method '%s' currency %s: exponent %d is not -1 or 0..%d",
                                   mid, c->code, (int)c->exponent, MAX_EXPONENT);
        }
        if (c->min_amount < 0 || c->max_amount < 0)
            return g_strdup_printf("method '%s' currency %s: negative amount bound", mid,
                                   c->code);
        if (c->max_amount != 0 && c->max_amount < c->min_amount)
            return g_strdup_printf("method '%s' currency %s: max_amount %" G_GINT64_FORMAT
                                   " is below min_amount %" G_GINT64_FORMAT, mid, c->code,
                                   (gint64)c->max_amount, (gint64)c->min_amount);
        if (c->home_region != NULL && !is_region(c->home_region)) {
            char *q = quoted(c->home_region);
            char *r = g_strdup_printf("method '%s' currency %s: home_region \"%s\" is not "
                                      "two upper-case letters", mid, c->code, q);
            g_free(q);
            return r;
        }
        for (size_t j = 0; j < i; j++) {
            const tender_currency_fact *o =
                (const tender_currency_fact *)((const char *)m->currencies + j * stride);
            if (strcmp(o->code, c->code) == 0)
                return g_strdup_printf("method '%s' declares currency %s twice", mid,
                                       c->code);
        }
    }
    return NULL;
}

static char *check_regions(const tender_method *m)
{
    const char *mid = m->id;
    if (m->regions == NULL || m->regions[0] == NULL)
        return g_strdup_printf("method '%s' declares no region (use {\"*\", NULL} for "
                               "everywhere)", mid);
    if (strcmp(m->regions[0], "*") == 0) {
        if (m->regions[1] != NULL)
            return g_strdup_printf("method '%s': region \"*\" must be the only entry", mid);
        return NULL;
    }
    for (size_t i = 0; m->regions[i] != NULL; i++) {
        if (i >= MAX_LIST)
            return g_strdup_printf("method '%s' declares more than %d regions", mid, MAX_LIST);
        if (!is_region(m->regions[i])) {
            char *q = quoted(m->regions[i]);
            char *r = g_strdup_printf("method '%s': region \"%s\" is not two upper-case "
                                      "letters (ISO 3166-1 alpha-2) or \"*\" alone", mid, q);
            g_free(q);
            return r;
        }
    }
    return NULL;
}

static char *check_capabilities(const tender_method *m)
{
    const char *mid = m->id;
    guint64 caps = m->capabilities;
    if ((caps & (TENDER_CAP_AUTHORIZE | TENDER_CAP_PURCHASE)) == 0)
        return g_strdup_printf("method '%s' declares neither authorize nor purchase", mid);
    for (size_t i = 0; i < G_N_ELEMENTS(cap_slots); i++) {
        const CapSlot *s = &cap_slots[i];
        if ((caps & s->bit) != 0 && slot_in_table(m->ops, s->offset) &&
            ops_operation(m->ops, s->offset) == NULL)
            return g_strdup_printf("method '%s' declares capability %s but ops->%s is NULL",
                                   mid, s->cap_name, s->fn_name);
    }
    if ((caps & TENDER_CAP_PARTIAL_CAPTURE) && !(caps & TENDER_CAP_CAPTURE))
        return g_strdup_printf("method '%s' declares partial_capture without capture", mid);
    if ((caps & TENDER_CAP_MULTI_CAPTURE) && !(caps & TENDER_CAP_CAPTURE))
        return g_strdup_printf("method '%s' declares multi_capture without capture", mid);
    if ((caps & TENDER_CAP_PARTIAL_REFUND) && !(caps & TENDER_CAP_REFUND))
        return g_strdup_printf("method '%s' declares partial_refund without refund", mid);
    return NULL;
}

static char *check_method(const tender_method *m, size_t index)
{
    if (m == NULL)
        return g_strdup_printf("method #%zu is NULL", index);
    char *err = check_size("method", m->struct_size, TENDER_ABI_1_0_METHOD_SIZE);
    if (err != NULL) {
        char *full = g_strdup_printf("method #%zu: %s", index, err);
        g_free(err);
        return full;
    }
    if (m->id == NULL)
        return g_strdup_printf("method #%zu has no id", index);
    if (!is_method_id(m->id)) {
        char *q = quoted(m->id);
        char *r = g_strdup_printf("method id \"%s\" is not 1..%d characters of [a-z0-9_]", q,
                                  MAX_METHOD_ID);
        g_free(q);
        return r;
    }
    const char *mid = m->id;
    if (!is_text(m->name))
        return g_strdup_printf("method '%s' has no name", mid);
    if (m->ops == NULL)
        return g_strdup_printf("method '%s' has no ops table", mid);
    err = check_size("ops table", m->ops->struct_size, TENDER_ABI_1_0_OPS_SIZE);
    if (err != NULL) {
        char *full = g_strdup_printf("method '%s' %s", mid, err);
        g_free(err);
        return full;
    }
    if (m->ops->create == NULL)
        return g_strdup_printf("method '%s' has no create function (mandatory)", mid);
    if (m->ops->destroy == NULL)
        return g_strdup_printf("method '%s' has no destroy function (mandatory)", mid);
    if ((err = check_capabilities(m)) != NULL || (err = check_regions(m)) != NULL ||
        (err = check_currencies(m)) != NULL ||
        (err = check_params(mid, "parameters", m->params, m->n_params)) != NULL ||
        (err = check_params(mid, "action parameters", m->action_params, m->n_action_params)) !=
            NULL)
        return err;
    if (m->hold_seconds < 0 || m->action_timeout_seconds < 0)
        return g_strdup_printf("method '%s' has a negative hold or action timeout", mid);
    if (m->over_capture_bps != 0 && m->over_capture_bps < 10000)
        return g_strdup_printf("method '%s': over_capture_bps %u is below 10000 (use 0 for no "
                               "over-capture)", mid, m->over_capture_bps);
    if (m->over_capture_max_extra < 0)
        return g_strdup_printf("method '%s': negative over_capture_max_extra", mid);
    if (m->over_capture_max_extra > 0 && !is_currency_code(m->over_capture_currency))
        return g_strdup_printf("method '%s': over_capture_max_extra needs an "
                               "over_capture_currency of three upper-case letters", mid);
    if (m->tiers != NULL) {
        for (size_t i = 0; m->tiers[i] != NULL; i++) {
            if (i >= MAX_LIST)
                return g_strdup_printf("method '%s' declares more than %d tiers", mid,
                                       MAX_LIST);
            if (m->tiers[i][0] == '\0')
                return g_strdup_printf("method '%s' tier #%zu is empty", mid, i);
        }
    }
    return NULL;
}

gboolean abi_check_descriptor(const tender_plugin_descriptor *d, char **reason)
{
    char *err = NULL;
    g_return_val_if_fail(reason != NULL, FALSE);
    *reason = NULL;
    if (d == NULL) {
        *reason = g_strdup("no descriptor");
        return FALSE;
    }
    /* The version first, when the struct holds it: a plugin of another major
     * may have another layout altogether, and the version is what its
     * author needs to hear about. */
    if (TENDER_HAS_FIELD(d, tender_plugin_descriptor, abi_minor) &&
        !abi_check_version(d->abi_major, d->abi_minor, reason))
        return FALSE;
    if ((err = check_size("descriptor", d->struct_size, TENDER_ABI_1_0_DESCRIPTOR_SIZE))) {
        *reason = err;
        return FALSE;
    }
    if (d->id == NULL || d->id[0] == '\0') {
        *reason = g_strdup("the descriptor has no plugin id");
        return FALSE;
    }
    if (!is_plugin_id(d->id)) {
        char *q = quoted(d->id);
        *reason = g_strdup_printf("plugin id \"%s\" is not 1..%d characters of [a-z0-9_.-]", q,
                                  MAX_PLUGIN_ID);
        g_free(q);
        return FALSE;
    }
    if (!is_text(d->name)) {
        *reason = g_strdup("the descriptor has no name");
        return FALSE;
    }
    if (!is_text(d->version)) {
        *reason = g_strdup("the descriptor has no version");
        return FALSE;
    }
    if (d->methods == NULL || d->n_methods == 0) {
        *reason = g_strdup("the descriptor declares no method");
        return FALSE;
    }
    if (d->n_methods > MAX_METHODS) {
        *reason = g_strdup_printf("the descriptor declares %zu methods, more than %d",
                                  d->n_methods, MAX_METHODS);
        return FALSE;
    }
    for (size_t i = 0; i < d->n_methods; i++) {
        if ((err = check_method(d->methods[i], i)) != NULL) {
            *reason = err;
            return FALSE;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(d->methods[j]->id, d->methods[i]->id) == 0) {
                *reason = g_strdup_printf("method id '%s' appears twice in the descriptor",
                                          d->methods[i]->id);
                return FALSE;
            }
        }
    }
    return TRUE;
}
