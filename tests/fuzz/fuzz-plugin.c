/* Plugins under fuzzing: loading with a fake host, and result checks (see
 * fuzz-plugin.h). */
#include "fuzz-plugin.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_PLUGIN_DIR
#define FUZZ_PLUGIN_DIR ""
#endif

/* 2026-11-25T12:00:00Z: inside every sandbox's validity windows. */
#define FUZZ_NOW_MS INT64_C(1795608000000)

static uint64_t random_counter;

static void fake_log(const tender_host_services *self, tender_log_level level,
                     const char *method_id, const char *message)
{
    (void)self, (void)level, (void)method_id;
    /* Touch the whole message: a bad pointer or a missing NUL shows here. */
    (void)strlen(message);
}

static int64_t fake_now(const tender_host_services *self)
{
    (void)self;
    return FUZZ_NOW_MS;
}

static void fake_random(const tender_host_services *self, void *buf, size_t len)
{
    (void)self;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(random_counter++ * 151u + 7u);
}

static int fake_string(const tender_host_services *self, const char *method_id, const char *key,
                       char *out, size_t out_size)
{
    (void)self, (void)method_id, (void)key, (void)out, (void)out_size;
    return 0;
}

static int fake_int64(const tender_host_services *self, const char *method_id, const char *key,
                      int64_t *out)
{
    (void)self, (void)method_id, (void)key, (void)out;
    return 0;
}

static int fake_bool(const tender_host_services *self, const char *method_id, const char *key,
                     int *out)
{
    (void)self, (void)method_id, (void)key, (void)out;
    return 0;
}

static const tender_host_services fake_services = {
    .struct_size = sizeof(tender_host_services),
    .abi_major = TENDER_ABI_MAJOR,
    .abi_minor = TENDER_ABI_MINOR,
    .log = fake_log,
    .now_ms = fake_now,
    .random_bytes = fake_random,
    .config_string = fake_string,
    .config_int64 = fake_int64,
    .config_bool = fake_bool,
};

/* Loaded once per process and kept: dlclose would only make the fuzzer
 * slower (and some plugins keep their libraries resident anyway). */
static GHashTable *loaded; /* id -> FuzzPlugin* */

const FuzzPlugin *fuzz_plugin(const char *id)
{
    if (loaded == NULL)
        loaded = g_hash_table_new(g_str_hash, g_str_equal);
    FuzzPlugin *p = g_hash_table_lookup(loaded, id);
    if (p)
        return p;
    const char *dir = g_getenv("TENDER_FUZZ_PLUGIN_DIR");
    char *file = g_strconcat(id, ".so", NULL);
    char *path = g_build_filename(dir ? dir : FUZZ_PLUGIN_DIR, id, file, NULL);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fprintf(stderr, "fuzz: cannot load %s: %s\n", path, dlerror());
        abort();
    }
    tender_plugin_entry_fn entry =
        (tender_plugin_entry_fn)dlsym(handle, TENDER_PLUGIN_ENTRY_SYMBOL);
    const tender_plugin_descriptor *desc =
        entry ? entry(TENDER_ABI_MAJOR, TENDER_ABI_MINOR, &fake_services) : NULL;
    p = g_new0(FuzzPlugin, 1);
    for (size_t i = 0; desc && i < desc->n_methods; i++)
        if (strcmp(desc->methods[i]->id, id) == 0)
            p->method = desc->methods[i];
    char error[256] = "";
    if (p->method == NULL ||
        p->method->ops->create(&fake_services, id, &p->instance, error, sizeof error) != 0) {
        fprintf(stderr, "fuzz: %s: no usable method %s %s\n", path, id, error);
        abort();
    }
    g_hash_table_insert(loaded, (gpointer)p->method->id, p);
    g_free(file);
    g_free(path);
    return p;
}

tender_request fuzz_request(tender_operation op)
{
    tender_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.operation = op;
    req.attempt = 1;
    req.payment_id = "pay_0123456789abcdef01234567";
    req.request_id = "req_0123456789abcdef01234567";
    req.amount = 1000;
    req.currency = "USD";
    req.exponent = 2;
    req.region = "US";
    req.account = "";
    req.tier = "";
    req.plugin_state = "";
    req.processor_ref = "";
    req.body = "";
    req.deadline_ms = FUZZ_NOW_MS + 10000;
    return req;
}

tender_result *fuzz_result_new(void)
{
    tender_result *res = g_new0(tender_result, 1);
    res->struct_size = sizeof *res;
    return res;
}

#define CHECK_FIELD(res, field)                                                  \
    do {                                                                         \
        if (memchr((res)->field, '\0', sizeof (res)->field) == NULL) {           \
            fprintf(stderr, "fuzz: result field " #field " is not terminated\n"); \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* TRUE when needle occurs in the bytes of haystack. */
static gboolean contains(const void *haystack, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    return n > 0 && n <= size && memmem(haystack, size, needle, n) != NULL;
}

void fuzz_check_result(const tender_result *res, const char *const *secrets)
{
    CHECK_FIELD(res, raw_code);
    CHECK_FIELD(res, message);
    CHECK_FIELD(res, processor_ref);
    CHECK_FIELD(res, plugin_state);
    CHECK_FIELD(res, action_data);
    CHECK_FIELD(res, action_hint);
    CHECK_FIELD(res, display_brand);
    CHECK_FIELD(res, display_first6);
    CHECK_FIELD(res, display_last4);
    CHECK_FIELD(res, display_account);
    CHECK_FIELD(res, display_country);
    CHECK_FIELD(res, details);
    CHECK_FIELD(res, notify_payment_id);
    CHECK_FIELD(res, notify_id);
    CHECK_FIELD(res, reply_content_type);
    CHECK_FIELD(res, reply_body);
    CHECK_FIELD(res, notify_headers);
    CHECK_FIELD(res, notify_body);
    if (res->outcome == TENDER_OUTCOME_INVALID || res->outcome > TENDER_OUTCOME_LAST_) {
        fprintf(stderr, "fuzz: outcome %u\n", res->outcome);
        abort();
    }
    if (res->decline_code > TENDER_DECLINE_LAST_ ||
        (res->outcome == TENDER_OUTCOME_DECLINED) != (res->decline_code != TENDER_DECLINE_NONE)) {
        fprintf(stderr, "fuzz: outcome %u with decline code %u (%s)\n", res->outcome,
                res->decline_code, res->message);
        abort();
    }
    for (size_t i = 0; secrets && secrets[i]; i++)
        if (contains(res, sizeof *res, secrets[i])) {
            fprintf(stderr, "fuzz: a sensitive parameter's value is in the result\n");
            abort();
        }
}

GPtrArray *fuzz_split_lines(const char *text, char sep, gboolean stop_at_blank,
                            const char **rest)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *p = text;
    if (rest)
        *rest = "";
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len == 0 && stop_at_blank) {
            if (rest)
                *rest = end ? end + 1 : p + strlen(p);
            break;
        }
        const char *mark = memchr(p, sep, len);
        if (mark) {
            const char *value = mark + 1;
            size_t vlen = len - (size_t)(value - p);
            /* "Name: value": drop the space after the colon. */
            if (sep == ':')
                while (vlen > 0 && *value == ' ')
                    value++, vlen--;
            g_ptr_array_add(out, g_strndup(p, (size_t)(mark - p)));
            g_ptr_array_add(out, g_strndup(value, vlen));
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return out;
}
