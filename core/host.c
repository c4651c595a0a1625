/* TenderHost: creation from options, the registry view, listeners, the
 * clock, and quotes. The payment operations live in operations.c. */
#include <string.h>

#include <tender/decline.h>

#include "engine-private.h"
#include "policy.h"

/* ---- options ------------------------------------------------------------ */

TenderHostOptions *tender_host_options_new(void)
{
    TenderHostOptions *o = g_new0(TenderHostOptions, 1);
    o->plugin_dirs = g_ptr_array_new_with_free_func(g_free);
    return o;
}

void tender_host_options_free(TenderHostOptions *o)
{
    if (o == NULL)
        return;
    g_ptr_array_unref(o->plugin_dirs);
    g_free(o->config_file);
    g_free(o->config_data);
    g_free(o->ledger_path);
    g_free(o);
}

void tender_host_options_add_plugin_dir(TenderHostOptions *o, const char *dir)
{
    g_ptr_array_add(o->plugin_dirs, g_strdup(dir));
}

void tender_host_options_set_config_file(TenderHostOptions *o, const char *path)
{
    g_free(o->config_file);
    o->config_file = g_strdup(path);
}

void tender_host_options_set_config_data(TenderHostOptions *o, const char *json)
{
    g_free(o->config_data);
    o->config_data = g_strdup(json);
}

void tender_host_options_set_ledger(TenderHostOptions *o, const char *path)
{
    g_free(o->ledger_path);
    o->ledger_path = g_strdup(path);
}

void tender_host_options_set_ledger_flush(TenderHostOptions *o, gboolean flush)
{
    o->ledger_no_flush = !flush;
}

void tender_host_options_set_ledger_no_create(TenderHostOptions *o, gboolean no_create)
{
    o->ledger_no_create = no_create;
}

void tender_host_options_set_http_transport(TenderHostOptions *o, TenderHttpTransport *transport)
{
    o->http_transport = transport;
}

void tender_host_options_set_trace_http(TenderHostOptions *o, gboolean trace)
{
    o->trace_http = trace;
}

void tender_host_options_set_fixed_now(TenderHostOptions *o, gint64 now_ms)
{
    o->fixed_clock = TRUE;
    o->now_ms = now_ms;
}

/* ---- host --------------------------------------------------------------- */

static void host_method_free(HostMethod *m)
{
    if (m->instance)
        m->abi->ops->destroy(m->instance);
    g_mutex_clear(&m->call_lock);
    g_free(m);
}

static TenderRefusal *refusal_new(const char *file, const char *plugin_id, const char *reason)
{
    TenderRefusal *r = g_new0(TenderRefusal, 1);
    r->file = g_strdup(file);
    r->plugin_id = g_strdup(plugin_id);
    r->reason = g_strdup(reason);
    return r;
}

/* Create an instance of every registered, enabled method. A plugin whose
 * create fails is reported like a refused plugin and its method is left
 * out: one broken method never stops the others. */
static void create_instances(TenderHost *host)
{
    const GPtrArray *methods = loader_methods(host->loader);
    for (guint i = 0; i < methods->len; i++) {
        const TenderMethodInfo *info = g_ptr_array_index(methods, i);
        if (!config_method_enabled(host->config, info->id))
            continue;
        HostMethod *m = g_new0(HostMethod, 1);
        g_mutex_init(&m->call_lock);
        m->info = info;
        m->abi = loader_method_abi(host->loader, info->id);
        m->thread_safe = (info->capabilities & TENDER_CAP_THREAD_SAFE) != 0;
        m->isolated = loader_isolated_plugin(host->loader, info->plugin_id);
        char message[512] = "";
        if (m->abi->ops->create(host_services_for_method(host, info->id), info->id,
                                &m->instance, message, sizeof message) != 0) {
            g_autofree char *reason = g_strdup_printf(
                "%s (plugin '%s'): method '%s' failed to start: %s", info->plugin_file,
                info->plugin_id, info->id, message[0] ? message : "no reason given");
            g_ptr_array_add(host->refusals,
                            refusal_new(info->plugin_file, info->plugin_id, reason));
            m->instance = NULL;
            host_method_free(m);
            continue;
        }
        g_hash_table_insert(host->methods, info->id, m);
    }
}

static TenderConfig *load_config(const TenderHostOptions *o, GPtrArray *warnings, GError **error)
{
    if (o->config_data)
        return config_load_data(o->config_data, -1, "config", warnings, error);
    if (o->config_file)
        return config_load_file(o->config_file, warnings, error);
    return config_load_data(tender_config_default_json(), -1, "embedded default config",
                                   warnings, error);
}

TenderHost *tender_host_new(const TenderHostOptions *o, GError **error)
{
    TenderHost *host = g_new0(TenderHost, 1);
    host_services_init(host);
    g_mutex_init(&host->listeners_lock);
    g_mutex_init(&host->busy_lock);
    g_cond_init(&host->busy_cond);
    host->listeners = g_array_new(FALSE, FALSE, sizeof(HostListener));
    host->warnings = g_ptr_array_new_with_free_func(g_free);
    host->refusals = g_ptr_array_new_with_free_func((GDestroyNotify)refusal_free);
    host->methods =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)host_method_free);
    host->fixed_clock = o->fixed_clock;
    host->trace_http = o->trace_http;
    host->http_transport = o->http_transport;
    if (host->http_transport == NULL) {
        host->http_transport = tender_http_transport_new_default();
        host->owns_http_transport = TRUE;
    }
    host->now_ms = o->now_ms;

    host->config = load_config(o, host->warnings, error);
    if (host->config == NULL) {
        tender_host_free(host);
        return NULL;
    }
    /* The config's switch and the option are the same trace: either turns
     * it on (an operator cannot turn off a trace the caller asked for). */
    host->trace_http = host->trace_http || config_trace_http(host->config);

    host->loader = loader_new(HOST_SERVICES(host));
    host_services_attach(host, host->loader);
    host_isolation_attach(host, host->loader);
    GStrvBuilder *scanned = g_strv_builder_new();
    for (guint i = 0; i < o->plugin_dirs->len; i++) {
        loader_scan_dir(host->loader, g_ptr_array_index(o->plugin_dirs, i));
        g_strv_builder_add(scanned, g_ptr_array_index(o->plugin_dirs, i));
    }
    const char *const *config_dirs = config_plugin_dirs(host->config);
    for (gsize i = 0; config_dirs && config_dirs[i]; i++) {
        loader_scan_dir(host->loader, config_dirs[i]);
        g_strv_builder_add(scanned, config_dirs[i]);
    }
    host->plugin_dirs = g_strv_builder_end(scanned);
    g_strv_builder_unref(scanned);
    const GPtrArray *refused = loader_refusals(host->loader);
    for (guint i = 0; i < refused->len; i++) {
        const TenderRefusal *r = g_ptr_array_index(refused, i);
        g_ptr_array_add(host->refusals, refusal_new(r->file, r->plugin_id, r->reason));
    }
    config_warn_unprovided(host->config, loader_methods(host->loader),
                                  host->warnings);
    create_instances(host);

    const char *ledger_path = o->ledger_path ? o->ledger_path
                              : config_ledger_path(host->config)
                                  ? config_ledger_path(host->config)
                                  : "tender-ledger.db";
    host->ledger = o->ledger_no_create ? ledger_open_no_create(ledger_path, error)
                                       : ledger_open(ledger_path, error);
    if (host->ledger == NULL) {
        tender_host_free(host);
        return NULL;
    }
    if (o->ledger_no_flush)
        ledger_set_flush(host->ledger, FALSE);
    ledger_set_busy_timeout(host->ledger, config_ledger_busy_ms(host->config));
    /* Quarantines other processes started (crashes are in the ledger). */
    LedgerUnit *unit = ledger_begin_read(host->ledger, NULL);
    if (unit != NULL) {
        host_isolation_refresh(host, unit, NULL);
        ledger_rollback(unit);
    }
    return host;
}

void tender_host_free(TenderHost *host)
{
    if (host == NULL)
        return;
    /* Instances before the loader: destroy runs plugin code. */
    g_hash_table_destroy(host->methods);
    ledger_close(host->ledger);
    loader_free(host->loader);
    host_services_clear(host);
    config_free(host->config);
    g_ptr_array_unref(host->warnings);
    g_ptr_array_unref(host->refusals);
    g_strfreev(host->plugin_dirs);
    g_array_unref(host->listeners);
    g_mutex_clear(&host->listeners_lock);
    g_mutex_clear(&host->busy_lock);
    g_cond_clear(&host->busy_cond);
    g_free(host);
}

gint64 tender_host_now(TenderHost *host)
{
    if (host->fixed_clock)
        return __atomic_load_n(&host->now_ms, __ATOMIC_RELAXED);
    return g_get_real_time() / 1000;
}

void tender_host_set_now(TenderHost *host, gint64 now_ms)
{
    if (host->fixed_clock)
        __atomic_store_n(&host->now_ms, now_ms, __ATOMIC_RELAXED);
}

const GPtrArray *tender_host_config_warnings(TenderHost *host)
{
    return host->warnings;
}

const GPtrArray *tender_host_plugins(TenderHost *host)
{
    return loader_plugins(host->loader);
}

const GPtrArray *tender_host_methods(TenderHost *host)
{
    return loader_methods(host->loader);
}

const GPtrArray *tender_host_refusals(TenderHost *host)
{
    return host->refusals;
}

const char *const *tender_host_plugin_dirs(TenderHost *host)
{
    return (const char *const *)host->plugin_dirs;
}

const TenderMethodInfo *tender_host_method(TenderHost *host, const char *method_id)
{
    return loader_method_info(host->loader, method_id);
}

HostMethod *host_method_get(TenderHost *host, const char *method_id)
{
    return method_id ? g_hash_table_lookup(host->methods, method_id) : NULL;
}

const char *tender_capability_name(guint64 bit)
{
    switch (bit) {
    case TENDER_CAP_AUTHORIZE:
        return "authorize";
    case TENDER_CAP_PURCHASE:
        return "purchase";
    case TENDER_CAP_CAPTURE:
        return "capture";
    case TENDER_CAP_PARTIAL_CAPTURE:
        return "partial_capture";
    case TENDER_CAP_MULTI_CAPTURE:
        return "multi_capture";
    case TENDER_CAP_VOID:
        return "void";
    case TENDER_CAP_REFUND:
        return "refund";
    case TENDER_CAP_PARTIAL_REFUND:
        return "partial_refund";
    case TENDER_CAP_SYNC:
        return "sync";
    case TENDER_CAP_COMPLETE_ACTION:
        return "complete_action";
    case TENDER_CAP_NOTIFICATION:
        return "notification";
    case TENDER_CAP_THREAD_SAFE:
        return "thread_safe";
    case TENDER_CAP_STEP_UP:
        return "step_up";
    case TENDER_CAP_VOID_REMAINDER:
        return "void_remainder";
    case TENDER_CAP_REAUTHORIZE:
        return "reauthorize";
    default:
        return NULL;
    }
}

/* ---- listeners ---------------------------------------------------------- */

guint tender_host_add_listener(TenderHost *host, TenderStateFunc func, gpointer user_data)
{
    g_mutex_lock(&host->listeners_lock);
    HostListener l = {++host->next_listener_id, func, user_data};
    g_array_append_val(host->listeners, l);
    g_mutex_unlock(&host->listeners_lock);
    return l.id;
}

void tender_host_remove_listener(TenderHost *host, guint listener_id)
{
    g_mutex_lock(&host->listeners_lock);
    for (guint i = 0; i < host->listeners->len; i++)
        if (g_array_index(host->listeners, HostListener, i).id == listener_id) {
            g_array_remove_index(host->listeners, i);
            break;
        }
    g_mutex_unlock(&host->listeners_lock);
}

void host_emit(TenderHost *host, const char *payment_id, TenderStatus old_status,
                      TenderStatus new_status)
{
    if (old_status == new_status)
        return;
    /* Copy under the lock, call outside it: a listener may add another. */
    g_mutex_lock(&host->listeners_lock);
    GArray *copy = g_array_copy(host->listeners);
    g_mutex_unlock(&host->listeners_lock);
    for (guint i = 0; i < copy->len; i++) {
        HostListener *l = &g_array_index(copy, HostListener, i);
        l->func(payment_id, old_status, new_status, l->user_data);
    }
    g_array_unref(copy);
}

gboolean host_check_input_size(guint32 struct_size, gsize minimum, const char *type,
                                      GError **error)
{
    if (struct_size >= minimum)
        return TRUE;
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                "%s.struct_size is %u, smaller than the %zu bytes of its first version: "
                "set it to sizeof(%s)",
                type, struct_size, minimum, type);
    return FALSE;
}

/* ---- quotes ------------------------------------------------------------- */

static gint64 usage_lookup(const char *key, gpointer unit)
{
    return ledger_usage_get(unit, key);
}

/* A quote with what it costs in the order's currency, for sorting. */
typedef struct {
    TenderQuote *quote;
    gboolean comparable; /* the total could be converted */
    gint64 cost;         /* total in the order currency, ISO exponent */
} RankedQuote;

static int compare_ranked(gconstpointer a, gconstpointer b)
{
    const RankedQuote *ra = a, *rb = b;
    if (ra->quote->offered != rb->quote->offered)
        return ra->quote->offered ? -1 : 1;
    if (ra->quote->offered && ra->comparable != rb->comparable)
        return ra->comparable ? -1 : 1;
    if (ra->quote->offered && ra->comparable && ra->cost != rb->cost)
        return ra->cost < rb->cost ? -1 : 1;
    return g_strcmp0(ra->quote->method, rb->quote->method);
}

/* Offered methods first, cheapest first: every total converted into the
 * order currency with the config's rates (a total that cannot be converted
 * goes after those that can), then the methods not offered, by id. */
static void sort_quotes(const TenderConfig *config, GPtrArray *quotes, const char *order_currency)
{
    GArray *ranked = g_array_sized_new(FALSE, FALSE, sizeof(RankedQuote), quotes->len);
    for (guint i = 0; i < quotes->len; i++) {
        RankedQuote r = {g_ptr_array_index(quotes, i), FALSE, 0};
        if (r.quote->offered && r.quote->currency)
            r.comparable = config_convert(config, r.quote->total, r.quote->currency,
                                                 r.quote->exponent, order_currency, -1, &r.cost);
        g_array_append_val(ranked, r);
    }
    g_array_sort(ranked, compare_ranked);
    for (guint i = 0; i < ranked->len; i++)
        quotes->pdata[i] = g_array_index(ranked, RankedQuote, i).quote;
    g_array_unref(ranked);
}

static TenderQuote *quote_from_decision(const TenderMethodInfo *info, const TenderPolicyDecision *d)
{
    TenderQuote *q = g_new0(TenderQuote, 1);
    q->method = g_strdup(info->id);
    q->offered = d->offered;
    if (!d->offered) {
        q->reason_code = g_strdup(tender_decline_lookup(d->code)->name);
        q->reason = g_strdup(d->reason ? d->reason : "not offered");
    }
    q->currency = g_strdup(d->pay_currency);
    q->exponent = d->pay_exponent;
    q->amount = d->pay_amount;
    q->fee = d->fee;
    q->total = d->total;
    q->exchange = g_strdup(d->exchange);
    q->step_up = d->step_up;
    return q;
}

GPtrArray *tender_host_quote(TenderHost *host, const TenderBuyer *buyer, GError **error)
{
    if (buyer != NULL && !TENDER_INPUT_OK(buyer, TenderBuyer, tier, error))
        return NULL;
    if (buyer == NULL || buyer->region == NULL || buyer->currency == NULL ||
        buyer->amount == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "a quote needs a region, a currency and an amount");
        return NULL;
    }
    if (!tender_region_is_valid(buyer->region)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "unknown region '%s' (expected an ISO 3166-1 alpha-2 code such as US)",
                    buyer->region);
        return NULL;
    }
    gint64 amount;
    if (!tender_money_parse(buyer->amount, buyer->currency, -1, &amount, error))
        return NULL;

    TenderPolicyBuyer pb = {
        .region = buyer->region,
        .currency = buyer->currency,
        .amount = amount,
        .account = buyer->account ? buyer->account : "",
        .tier = buyer->tier ? buyer->tier : "",
        .now_ms = tender_host_now(host),
    };
    GPtrArray *quotes = g_ptr_array_new_with_free_func((GDestroyNotify)tender_quote_free);
    const GPtrArray *methods = loader_methods(host->loader);
    LedgerUnit *unit = ledger_begin_read(host->ledger, error);
    if (unit == NULL) {
        g_ptr_array_unref(quotes);
        return NULL;
    }
    /* A quarantine another process started or cleared shows here at once. */
    host_isolation_refresh(host, unit, NULL);
    for (guint i = 0; i < methods->len; i++) {
        const TenderMethodInfo *info = g_ptr_array_index(methods, i);
        TenderPolicyDecision d;
        policy_decision_init(&d);
        if (!policy_evaluate(host->config, info, &pb, usage_lookup, unit, &d, error)) {
            policy_decision_clear(&d);
            ledger_rollback(unit);
            g_ptr_array_unref(quotes);
            return NULL;
        }
        char *quarantined = d.offered ? host_isolation_quarantine_reason(host, info) : NULL;
        if (quarantined != NULL) {
            d.offered = FALSE;
            d.code = TENDER_DECLINE_PROCESSOR_UNAVAILABLE;
            g_free(d.reason);
            d.reason = quarantined;
        }
        if (d.offered && host_method_get(host, info->id) == NULL) {
            d.offered = FALSE;
            d.code = TENDER_DECLINE_PROCESSOR_UNAVAILABLE;
            g_free(d.reason);
            d.reason = g_strdup_printf("%s is not available: its plugin failed to start "
                                       "(see `tender plugins`)",
                                       info->id);
        }
        g_ptr_array_add(quotes, quote_from_decision(info, &d));
        policy_decision_clear(&d);
    }
    ledger_rollback(unit);
    sort_quotes(host->config, quotes, buyer->currency);
    return quotes;
}

/* ---- limit usage -------------------------------------------------------- */

GPtrArray *tender_host_limit_usage(TenderHost *host, const char *account, GError **error)
{
    if (account == NULL || account[0] == '\0') {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "limit usage needs an account: cumulative limits count per account");
        return NULL;
    }
    LedgerUnit *unit = ledger_begin_read(host->ledger, error);
    if (unit == NULL)
        return NULL;
    GPtrArray *usage = g_ptr_array_new_with_free_func((GDestroyNotify)tender_limit_usage_free);
    const GPtrArray *methods = loader_methods(host->loader);
    gint64 now = tender_host_now(host);
    for (guint i = 0; i < methods->len; i++)
        policy_limit_usage(host->config, g_ptr_array_index(methods, i), account, now, usage_lookup,
                           unit, usage);
    /* A counter that could not be read would show as 0 used: an error
     * instead of a number that looks right. */
    if (unit->failure != NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "limit usage: %s",
                    unit->failure->message);
        g_clear_pointer(&usage, g_ptr_array_unref);
    }
    ledger_rollback(unit);
    return usage;
}

const TenderServiceConfig *tender_host_service_config(TenderHost *host)
{
    return config_service(host->config);
}
