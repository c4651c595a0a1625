/* libtender-testhost (see <tender/testhost.h>): one fake host for every
 * place that drives a plugin without libtender's engine. */
#include <tender/testhost.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <tender/http-transport.h>
#include <tender/tender.h>

/* How long a request may take when a transport is set: the test host runs
 * no operation, so it has no operation deadline to pass on. */
#define TESTHOST_HTTP_BUDGET_MS 10000

typedef enum {
    SETTING_TEXT,   /* answers every kind, parsed as a JSON config would */
    SETTING_STRING,
    SETTING_INT,
    SETTING_BOOL
} SettingKind;

typedef struct {
    SettingKind kind;
    char *text;
    gint64 number;
} Setting;

struct TenderTestHost {
    /* First, so that the services pointer a plugin hands back is the host. */
    tender_host_services services;
    GMutex lock;           /* guards settings, reads and logs */
    GHashTable *settings;  /* key -> Setting* */
    GPtrArray *reads;      /* "kind:key" */
    GPtrArray *logs;       /* captured lines */
    gboolean capture_logs;
    gint64 now_ms;         /* read with atomics: plugins may read it from any thread */
    guint64 random_counter;
    TenderHttpTransport *transport; /* borrowed; NULL: no network */
    GHashTable *held;               /* HeldResponse* the plugins have not released */
    guint http_requests;            /* read and written with atomics */
};

/* A response lent to a plugin: the transport's and the header array in the
 * ABI's shape. */
typedef struct {
    TenderHttpTransportResponse *response;
    tender_http_header *headers;
} HeldResponse;

static void held_free(gpointer data)
{
    HeldResponse *h = data;
    tender_http_transport_response_free(h->response);
    g_free(h->headers);
    g_free(h);
}

struct TenderTestPlugin {
    TenderIsolatedPlugin *isolated; /* NULL: loaded in this process */
    void *handle;
    tender_plugin_entry_fn entry;
    const tender_plugin_descriptor *descriptor;
    gboolean keep_mapped;
};

static TenderTestHost *host_of(const tender_host_services *self)
{
    return self != NULL ? (TenderTestHost *)self->host_data : NULL;
}

/* ---- services -------------------------------------------------------------- */

static void testhost_log(const tender_host_services *self, tender_log_level level,
                         const char *method_id, const char *message)
{
    TenderTestHost *host = host_of(self);
    if (host == NULL)
        return;
    if (!host->capture_logs) {
        /* Touch the whole message: a bad pointer or a missing NUL shows. */
        (void)strlen(message ? message : "");
        return;
    }
    char *line = g_strdup_printf("[%d] %s: %s", (int)level, method_id ? method_id : "",
                                 message ? message : "");
    g_mutex_lock(&host->lock);
    g_ptr_array_add(host->logs, line);
    g_mutex_unlock(&host->lock);
}

static int64_t testhost_now(const tender_host_services *self)
{
    TenderTestHost *host = host_of(self);
    return host != NULL ? __atomic_load_n(&host->now_ms, __ATOMIC_RELAXED) : 0;
}

static void testhost_random(const tender_host_services *self, void *buf, size_t len)
{
    TenderTestHost *host = host_of(self);
    unsigned char *p = buf;
    for (size_t i = 0; host != NULL && i < len; i++)
        p[i] = (unsigned char)(__atomic_fetch_add(&host->random_counter, 1, __ATOMIC_RELAXED) *
                                   131u + 7u);
}

/* The setting for key, after recording the read; called with the lock held. */
static const Setting *setting_read_locked(TenderTestHost *host, const char *kind,
                                          const char *key)
{
    g_ptr_array_add(host->reads, g_strdup_printf("%s:%s", kind, key ? key : ""));
    return key != NULL ? g_hash_table_lookup(host->settings, key) : NULL;
}

static int testhost_config_string(const tender_host_services *self, const char *method_id,
                                  const char *key, char *out, size_t out_size)
{
    (void)method_id;
    TenderTestHost *host = host_of(self);
    if (host == NULL)
        return 0;
    g_mutex_lock(&host->lock);
    const Setting *s = setting_read_locked(host, "string", key);
    int rc;
    if (s == NULL)
        rc = 0;
    else if ((s->kind != SETTING_TEXT && s->kind != SETTING_STRING) || out == NULL ||
             strlen(s->text) + 1 > out_size)
        rc = -1;
    else {
        memcpy(out, s->text, strlen(s->text) + 1);
        rc = 1;
    }
    g_mutex_unlock(&host->lock);
    return rc;
}

static int testhost_config_int64(const tender_host_services *self, const char *method_id,
                                 const char *key, int64_t *out)
{
    (void)method_id;
    TenderTestHost *host = host_of(self);
    if (host == NULL)
        return 0;
    g_mutex_lock(&host->lock);
    const Setting *s = setting_read_locked(host, "int64", key);
    int rc = -1;
    gint64 value = 0;
    if (s == NULL)
        rc = 0;
    else if (s->kind == SETTING_INT)
        value = s->number, rc = 1;
    else if (s->kind == SETTING_TEXT) {
        char *end = NULL;
        value = g_ascii_strtoll(s->text, &end, 10);
        rc = s->text[0] != '\0' && end != NULL && *end == '\0' ? 1 : -1;
    }
    g_mutex_unlock(&host->lock);
    if (rc == 1 && out != NULL)
        *out = value;
    return rc;
}

static int testhost_config_bool(const tender_host_services *self, const char *method_id,
                                const char *key, int *out)
{
    (void)method_id;
    TenderTestHost *host = host_of(self);
    if (host == NULL)
        return 0;
    g_mutex_lock(&host->lock);
    const Setting *s = setting_read_locked(host, "bool", key);
    int rc = -1;
    int value = 0;
    if (s == NULL)
        rc = 0;
    else if (s->kind == SETTING_BOOL)
        value = s->number != 0, rc = 1;
    else if (s->kind == SETTING_TEXT && strcmp(s->text, "true") == 0)
        value = 1, rc = 1;
    else if (s->kind == SETTING_TEXT && strcmp(s->text, "false") == 0)
        value = 0, rc = 1;
    g_mutex_unlock(&host->lock);
    if (rc == 1 && out != NULL)
        *out = value;
    return rc;
}

/* ---- the host ---------------------------------------------------------------- */

static void setting_free(gpointer p)
{
    Setting *s = p;
    g_free(s->text);
    g_free(s);
}

static uint32_t http_fail(tender_http_response *res, uint32_t outcome, const char *message)
{
    res->outcome = outcome;
    g_strlcpy(res->message, message, sizeof res->message);
    return outcome;
}

/* A text or string setting, copied (NULL when unset or empty). */
static char *setting_text(TenderTestHost *host, const char *key)
{
    g_mutex_lock(&host->lock);
    const Setting *s = g_hash_table_lookup(host->settings, key);
    char *text = s && (s->kind == SETTING_TEXT || s->kind == SETTING_STRING) && s->text[0]
                     ? g_strdup(s->text)
                     : NULL;
    g_mutex_unlock(&host->lock);
    return text;
}

/* Without a transport the test host has no network: every request is
 * refused before sending, which is what a plugin must report as NOT_SENT.
 * With one, the request goes through it as the real host would send it
 * (there is no allow-list here: that is the engine's, tested there). */
static uint32_t testhost_http(const tender_host_services *self, const char *method_id,
                              const tender_http_request *req, tender_http_response *res)
{
    TenderTestHost *host = host_of(self);
    if (host != NULL)
        g_atomic_int_inc(&host->http_requests);
    if (res == NULL || !TENDER_HAS_FIELD(res, tender_http_response, host_private))
        return TENDER_HTTP_NOT_SENT;
    uint32_t size = res->struct_size;
    memset(res, 0, MIN(size, (uint32_t)sizeof *res));
    res->struct_size = size;
    if (host == NULL || host->transport == NULL)
        return http_fail(res, TENDER_HTTP_NOT_SENT,
                         "request not sent: the test host has no network");
    if (req == NULL || !TENDER_HAS_FIELD(req, tender_http_request, body_len) || req->url == NULL)
        return http_fail(res, TENDER_HTTP_NOT_SENT, "request not sent: no URL");
    g_autofree TenderHttpHeader *headers = g_new0(TenderHttpHeader, req->n_headers + 1);
    for (size_t i = 0; i < req->n_headers; i++) {
        headers[i].name = req->headers[i].name;
        headers[i].value = req->headers[i].value;
    }
    g_autofree char *ca_file = setting_text(host, "ca_file");
    g_autofree char *proxy = setting_text(host, "proxy");
    TenderHttpTransportRequest sent = {
        .struct_size = sizeof sent,
        .method_id = method_id ? method_id : "",
        .method = req->method ? req->method : "GET",
        .url = req->url,
        .headers = headers,
        .n_headers = req->n_headers,
        .body = req->body,
        .body_len = req->body_len,
        .deadline_ms = g_get_real_time() / 1000 + TESTHOST_HTTP_BUDGET_MS,
        .ca_file = ca_file,
        .proxy = proxy,
    };
    GError *error = NULL;
    TenderHttpTransportResponse *response =
        tender_http_transport_send(host->transport, &sent, &error);
    if (response == NULL) {
        uint32_t outcome = error->code == TENDER_HTTP_TRANSPORT_NOT_SENT ? TENDER_HTTP_NOT_SENT
                                                                         : TENDER_HTTP_UNKNOWN;
        http_fail(res, outcome, error->message);
        g_error_free(error);
        return outcome;
    }
    HeldResponse *held = g_new0(HeldResponse, 1);
    held->response = response;
    held->headers = g_new0(tender_http_header, response->n_headers + 1);
    for (gsize i = 0; i < response->n_headers; i++) {
        held->headers[i].name = response->headers[i].name;
        held->headers[i].value = response->headers[i].value;
    }
    g_mutex_lock(&host->lock);
    g_hash_table_add(host->held, held);
    g_mutex_unlock(&host->lock);
    res->outcome = TENDER_HTTP_RESPONSE;
    res->status = response->status;
    res->headers = held->headers;
    res->n_headers = response->n_headers;
    res->body = response->body;
    res->body_len = response->body_len;
    res->host_private = held;
    return TENDER_HTTP_RESPONSE;
}

static void testhost_http_release(const tender_host_services *self, tender_http_response *res)
{
    TenderTestHost *host = host_of(self);
    if (host == NULL || res == NULL || !TENDER_HAS_FIELD(res, tender_http_response, host_private) ||
        res->host_private == NULL)
        return;
    g_mutex_lock(&host->lock);
    /* Only what this host still holds: a second release finds nothing. */
    g_hash_table_remove(host->held, res->host_private);
    g_mutex_unlock(&host->lock);
    res->host_private = NULL;
    res->headers = NULL;
    res->n_headers = 0;
    res->body = NULL;
    res->body_len = 0;
}

void tender_test_host_set_http_transport(TenderTestHost *host, TenderHttpTransport *transport)
{
    host->transport = transport;
}

TenderTestHost *tender_test_host_new(void)
{
    TenderTestHost *host = g_new0(TenderTestHost, 1);
    host->services.struct_size = sizeof host->services;
    host->services.abi_major = TENDER_ABI_MAJOR;
    host->services.abi_minor = TENDER_ABI_MINOR;
    host->services.host_data = host;
    host->services.log = testhost_log;
    host->services.now_ms = testhost_now;
    host->services.random_bytes = testhost_random;
    host->services.config_string = testhost_config_string;
    host->services.config_int64 = testhost_config_int64;
    host->services.config_bool = testhost_config_bool;
    host->services.http = testhost_http;
    host->services.http_release = testhost_http_release;
    g_mutex_init(&host->lock);
    host->settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, setting_free);
    host->reads = g_ptr_array_new_with_free_func(g_free);
    host->logs = g_ptr_array_new_with_free_func(g_free);
    host->held = g_hash_table_new_full(g_direct_hash, g_direct_equal, held_free, NULL);
    host->capture_logs = TRUE;
    host->now_ms = TENDER_TEST_HOST_DEFAULT_NOW_MS;
    return host;
}

void tender_test_host_free(TenderTestHost *host)
{
    if (host == NULL)
        return;
    g_hash_table_unref(host->settings);
    g_ptr_array_unref(host->reads);
    g_ptr_array_unref(host->logs);
    g_hash_table_unref(host->held);
    g_mutex_clear(&host->lock);
    g_free(host);
}

const tender_host_services *tender_test_host_services(TenderTestHost *host)
{
    return &host->services;
}

void tender_test_host_set_now(TenderTestHost *host, gint64 now_ms)
{
    __atomic_store_n(&host->now_ms, now_ms, __ATOMIC_RELAXED);
}

gint64 tender_test_host_now(TenderTestHost *host)
{
    return __atomic_load_n(&host->now_ms, __ATOMIC_RELAXED);
}

static void setting_put(TenderTestHost *host, const char *key, SettingKind kind,
                        const char *text, gint64 number)
{
    Setting *s = g_new0(Setting, 1);
    s->kind = kind;
    s->text = g_strdup(text ? text : "");
    s->number = number;
    g_mutex_lock(&host->lock);
    g_hash_table_replace(host->settings, g_strdup(key), s);
    g_mutex_unlock(&host->lock);
}

void tender_test_host_set_setting(TenderTestHost *host, const char *key, const char *text)
{
    setting_put(host, key, SETTING_TEXT, text, 0);
}

void tender_test_host_set_setting_string(TenderTestHost *host, const char *key,
                                         const char *value)
{
    setting_put(host, key, SETTING_STRING, value, 0);
}

void tender_test_host_set_setting_int(TenderTestHost *host, const char *key, gint64 value)
{
    setting_put(host, key, SETTING_INT, NULL, value);
}

void tender_test_host_set_setting_bool(TenderTestHost *host, const char *key, gboolean value)
{
    setting_put(host, key, SETTING_BOOL, NULL, value ? 1 : 0);
}

void tender_test_host_clear_settings(TenderTestHost *host)
{
    g_mutex_lock(&host->lock);
    g_hash_table_remove_all(host->settings);
    g_ptr_array_set_size(host->reads, 0);
    g_mutex_unlock(&host->lock);
}

static GPtrArray *copy_locked_strings(TenderTestHost *host, GPtrArray *from)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_mutex_lock(&host->lock);
    for (guint i = 0; i < from->len; i++)
        g_ptr_array_add(out, g_strdup(g_ptr_array_index(from, i)));
    g_mutex_unlock(&host->lock);
    return out;
}

GPtrArray *tender_test_host_setting_reads(TenderTestHost *host)
{
    return copy_locked_strings(host, host->reads);
}

void tender_test_host_set_log_capture(TenderTestHost *host, gboolean capture)
{
    host->capture_logs = capture;
}

const GPtrArray *tender_test_host_logs(TenderTestHost *host)
{
    return host->logs;
}

GPtrArray *tender_test_host_logs_copy(TenderTestHost *host)
{
    return copy_locked_strings(host, host->logs);
}

gboolean tender_test_host_logs_contain(TenderTestHost *host, const char *needle)
{
    gboolean found = FALSE;
    g_mutex_lock(&host->lock);
    for (guint i = 0; !found && i < host->logs->len; i++)
        found = strstr(g_ptr_array_index(host->logs, i), needle) != NULL;
    g_mutex_unlock(&host->lock);
    return found;
}

/* ---- plugins -------------------------------------------------------------------- */

TenderTestPlugin *tender_test_plugin_load(TenderTestHost *host, const char *path, char **error)
{
    char *why = NULL;
    /* dlopen searches the library path for a bare name: make it a path. */
    char *open_path = strchr(path, '/') ? g_strdup(path) : g_strconcat("./", path, NULL);
    dlerror();
    void *handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    g_free(open_path);
    tender_plugin_entry_fn entry = NULL;
    const tender_plugin_descriptor *descriptor = NULL;
    if (handle == NULL) {
        const char *dl = dlerror();
        why = g_strdup_printf("dlopen failed: %s", dl ? dl : "unknown error");
    } else {
        void *sym = dlsym(handle, TENDER_PLUGIN_ENTRY_SYMBOL);
        /* ISO C forbids converting void* to a function pointer; POSIX allows it. */
        memcpy(&entry, &sym, sizeof entry);
        if (entry == NULL)
            why = g_strdup("the plugin does not export " TENDER_PLUGIN_ENTRY_SYMBOL);
        else if ((descriptor = entry(TENDER_ABI_MAJOR, TENDER_ABI_MINOR, &host->services)) ==
                 NULL)
            why = g_strdup_printf("%s returned NULL for a %d.%d host",
                                  TENDER_PLUGIN_ENTRY_SYMBOL, TENDER_ABI_MAJOR,
                                  TENDER_ABI_MINOR);
    }
    if (why != NULL) {
        if (handle != NULL)
            dlclose(handle);
        if (error != NULL)
            *error = why;
        else
            g_free(why);
        return NULL;
    }
    TenderTestPlugin *plugin = g_new0(TenderTestPlugin, 1);
    plugin->handle = handle;
    plugin->entry = entry;
    plugin->descriptor = descriptor;
    return plugin;
}

TenderTestPlugin *tender_test_plugin_load_isolated(TenderTestHost *host, const char *path,
                                                   gboolean seccomp, char **error)
{
    TenderIsolatedPluginOptions options = {.struct_size = sizeof options, .no_seccomp = !seccomp};
    GError *failure = NULL;
    TenderIsolatedPlugin *isolated =
        tender_isolated_plugin_start(path, &host->services, &options, &failure);
    if (isolated == NULL) {
        if (error != NULL)
            *error = g_strdup(failure->message);
        g_error_free(failure);
        return NULL;
    }
    TenderTestPlugin *plugin = g_new0(TenderTestPlugin, 1);
    plugin->isolated = isolated;
    plugin->descriptor = tender_isolated_plugin_descriptor(isolated);
    return plugin;
}

gboolean tender_test_plugin_is_isolated(TenderTestPlugin *plugin)
{
    return plugin->isolated != NULL;
}

void tender_test_plugin_free(TenderTestPlugin *plugin)
{
    if (plugin == NULL)
        return;
    if (plugin->isolated != NULL)
        tender_isolated_plugin_free(plugin->isolated);
    else if (!plugin->keep_mapped)
        dlclose(plugin->handle);
    g_free(plugin);
}

void tender_test_plugin_keep_mapped(TenderTestPlugin *plugin, gboolean keep)
{
    plugin->keep_mapped = keep;
}

const tender_plugin_descriptor *tender_test_plugin_descriptor(TenderTestPlugin *plugin)
{
    return plugin->descriptor;
}

tender_plugin_entry_fn tender_test_plugin_entry(TenderTestPlugin *plugin)
{
    return plugin->entry;
}

const tender_method *tender_test_plugin_method(TenderTestPlugin *plugin, const char *method_id)
{
    const tender_plugin_descriptor *d = plugin->descriptor;
    if (d == NULL || d->struct_size < TENDER_ABI_1_0_DESCRIPTOR_SIZE || d->methods == NULL ||
        method_id == NULL)
        return NULL;
    for (size_t i = 0; i < d->n_methods; i++) {
        const tender_method *m = d->methods[i];
        if (m != NULL && m->struct_size >= TENDER_ABI_1_0_METHOD_SIZE && m->id != NULL &&
            strcmp(m->id, method_id) == 0)
            return m;
    }
    return NULL;
}

/* ---- instances and calls ------------------------------------------------------------ */

int tender_test_instance_new(TenderTestHost *host, const tender_method *method, void **instance,
                             char **error)
{
    *instance = NULL;
    const tender_method_ops *ops =
        TENDER_HAS_FIELD(method, tender_method, ops) ? method->ops : NULL;
    if (ops == NULL || ops->create == NULL) {
        if (error != NULL)
            *error = g_strdup("the method has no create function");
        return -1;
    }
    char message[512];
    memset(message, 0, sizeof message);
    void *made = NULL;
    int rc = ops->create(&host->services, method->id, &made, message, sizeof message);
    if (rc != 0) {
        if (error != NULL)
            *error = g_strndup(message, sizeof message);
        return rc;
    }
    *instance = made;
    if (error != NULL)
        *error = NULL;
    return 0;
}

void tender_test_instance_free(const tender_method *method, void *instance)
{
    const tender_method_ops *ops =
        TENDER_HAS_FIELD(method, tender_method, ops) ? method->ops : NULL;
    if (instance != NULL && ops != NULL && ops->destroy != NULL)
        ops->destroy(instance);
}

tender_request tender_test_request(tender_operation op, gint64 amount, const char *currency,
                                   int exponent)
{
    tender_request r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    r.operation = op;
    r.attempt = 1;
    r.payment_id = "pay_test_0001";
    r.request_id = "req_test_0001";
    r.amount = amount;
    r.currency = currency;
    r.exponent = exponent;
    r.region = "US";
    r.account = "";
    r.tier = "";
    r.plugin_state = "";
    r.processor_ref = "";
    r.deadline_ms = G_MAXINT64;
    return r;
}

static void result_reset(tender_result *res)
{
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
}

gboolean tender_test_call(const tender_method *method, void *instance, const tender_request *req,
                          tender_result *res)
{
    result_reset(res);
    tender_operation_fn fn =
        req->operation == TENDER_OP_NOTIFICATION && req->payment_id == NULL
            ? tender_method_identify_fn(method)
            : tender_method_operation_fn(method, (tender_operation)req->operation);
    if (fn == NULL)
        return FALSE;
    fn(instance, req, res);
    return TRUE;
}

gboolean tender_test_sandbox_notification(const tender_method *method, void *instance,
                                          const tender_request *req, const char *event,
                                          tender_result *res)
{
    result_reset(res);
    TenderSandboxNotificationFn fn = tender_method_sandbox_notification_fn(method);
    if (fn == NULL)
        return FALSE;
    fn(instance, req, event, res);
    return TRUE;
}

guint tender_test_host_http_requests(TenderTestHost *host)
{
    return host != NULL ? (guint)g_atomic_int_get(&host->http_requests) : 0;
}
