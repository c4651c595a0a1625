/* See services-http.h. */
#include "services-http.h"

#include <string.h>

#include "engine-private.h"
#include "http-allow.h"
#include "http-client.h"
#include "http-trace.h"

/* A call outside any plugin operation (create) gets this much time. */
#define HTTP_BUDGET_OUTSIDE_CALL_MS 10000

/* A response the host holds for the plugin: the client's answer and the
 * header array lent in the ABI's shape. */
typedef struct {
    TenderHttpClientResponse *response;
    tender_http_header *headers;
} HeldResponse;

/* Thread-local, like the call's secrets: the plugin calls the service from
 * the thread the host called it on. */
static __thread gint64 call_deadline_ms; /* wall clock; 0: no call running */
static __thread GPtrArray *call_held;    /* HeldResponse*, released at call end */

static void held_free(gpointer data)
{
    HeldResponse *h = data;
    http_client_response_free(h->response);
    g_free(h->headers);
    g_free(h);
}

void host_http_init(TenderHost *host)
{
    g_mutex_init(&host->http_lock);
    host->http_clients =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                              (GDestroyNotify)http_client_free);
}

void host_http_clear(TenderHost *host)
{
    g_clear_pointer(&host->http_clients, g_hash_table_destroy);
    g_mutex_clear(&host->http_lock);
}

void host_http_call_begin(gint64 budget_ms)
{
    call_deadline_ms = g_get_real_time() / 1000 + budget_ms;
}

void host_http_call_end(void)
{
    call_deadline_ms = 0;
    /* Freed, not kept for the next call: a thread that ends must not leave
     * its array behind. */
    g_clear_pointer(&call_held, g_ptr_array_unref);
}

static char *setting(TenderHost *host, const char *method_id, const char *key)
{
    char value[1024];
    if (config_setting_string(host->config, method_id, key, value, sizeof value) != 1 ||
        value[0] == '\0')
        return NULL;
    return g_strdup(value);
}

/* The method's client, created on first use with its ca_file and proxy
 * settings; NULL with a message when it cannot be (an unreadable ca_file). */
static TenderHttpClient *client_for(TenderHost *host, const char *method_id, char **why)
{
    g_mutex_lock(&host->http_lock);
    TenderHttpClient *client = g_hash_table_lookup(host->http_clients, method_id);
    if (client == NULL) {
        g_autofree char *ca_file = setting(host, method_id, "ca_file");
        g_autofree char *proxy = setting(host, method_id, "proxy");
        TenderHttpClientOptions options = {.ca_file = ca_file, .proxy = proxy};
        GError *error = NULL;
        client = http_client_new(&options, &error);
        if (client)
            g_hash_table_insert(host->http_clients, g_strdup(method_id), client);
        else
            *why = g_strdup_printf("the HTTP client cannot start: %s", error->message);
        g_clear_error(&error);
    }
    g_mutex_unlock(&host->http_lock);
    return client;
}

/* One exchange into the log, redacted (http-trace.c), when tracing is on. */
static void trace_exchange(const char *method_id, const TenderHttpClientRequest *request,
                           const TenderHttpClientResponse *response, const GError *error,
                           gint64 elapsed_ms)
{
    g_autofree gchar *text = http_trace_format(request, response, error, elapsed_ms,
                                                      host_call_secrets());
    g_log_structured("tender", G_LOG_LEVEL_MESSAGE, "TENDER_METHOD", method_id, "MESSAGE",
                     "%s: http\n%s", method_id, text);
}

static uint32_t fail(tender_http_response *res, uint32_t outcome, const char *message)
{
    res->outcome = outcome;
    g_strlcpy(res->message, message, sizeof res->message);
    return outcome;
}

/* Whether the response struct the plugin handed us holds every field we
 * write (a plugin built for a later minor may hand a longer one). */
static gboolean response_fits(const tender_http_response *res)
{
    return res != NULL && TENDER_HAS_FIELD(res, tender_http_response, host_private);
}

uint32_t host_http_send(TenderHost *host, const char *method_id, const tender_http_request *req,
                        tender_http_response *res)
{
    if (!response_fits(res))
        return TENDER_HTTP_NOT_SENT;
    uint32_t size = res->struct_size;
    memset(res, 0, size < sizeof *res ? size : sizeof *res);
    res->struct_size = size;
    if (req == NULL || !TENDER_HAS_FIELD(req, tender_http_request, body_len) || req->url == NULL)
        return fail(res, TENDER_HTTP_NOT_SENT, "request not sent: no URL");

    g_autofree char *endpoint = setting(host, method_id, "endpoint");
    g_autofree char *allowed = setting(host, method_id, "allowed_hosts");
    g_auto(GStrv) allowed_hosts = allowed ? g_strsplit(allowed, ",", -1) : NULL;
    for (gsize i = 0; allowed_hosts && allowed_hosts[i]; i++)
        g_strstrip(allowed_hosts[i]);
    g_autofree char *reason = NULL;
    if (!http_allow_url(req->url, endpoint, (const char *const *)allowed_hosts, &reason)) {
        g_autofree char *line = g_strdup_printf("request not sent: %s", reason);
        host_log(host, TENDER_LOG_WARNING, method_id, "%s", line);
        return fail(res, TENDER_HTTP_NOT_SENT, line);
    }
    g_autofree char *why = NULL;
    TenderHttpClient *client = client_for(host, method_id, &why);
    if (client == NULL) {
        host_log(host, TENDER_LOG_ERROR, method_id, "%s", why);
        return fail(res, TENDER_HTTP_NOT_SENT, why);
    }

    g_autofree TenderHttpClientHeader *headers = g_new0(TenderHttpClientHeader, req->n_headers + 1);
    for (gsize i = 0; i < req->n_headers; i++) {
        headers[i].name = req->headers[i].name;
        headers[i].value = req->headers[i].value;
    }
    TenderHttpClientRequest request = {
        .method = req->method,
        .url = req->url,
        .headers = headers,
        .n_headers = req->n_headers,
        .body = req->body,
        .body_len = req->body_len,
        .deadline_ms = call_deadline_ms ? call_deadline_ms
                                        : g_get_real_time() / 1000 + HTTP_BUDGET_OUTSIDE_CALL_MS,
    };
    GError *error = NULL;
    gint64 started = g_get_monotonic_time();
    TenderHttpClientResponse *response = http_client_send(client, &request, &error);
    if (host->trace_http)
        trace_exchange(method_id, &request, response, error,
                       (g_get_monotonic_time() - started) / 1000);
    if (response == NULL) {
        uint32_t outcome = g_error_matches(error, TENDER_HTTP_CLIENT_ERROR,
                                           TENDER_HTTP_CLIENT_NOT_SENT)
                               ? TENDER_HTTP_NOT_SENT
                               : TENDER_HTTP_UNKNOWN;
        fail(res, outcome, error->message);
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
    if (call_held == NULL)
        call_held = g_ptr_array_new_with_free_func(held_free);
    g_ptr_array_add(call_held, held);
    res->outcome = TENDER_HTTP_RESPONSE;
    res->status = response->status;
    res->headers = held->headers;
    res->n_headers = response->n_headers;
    res->body = response->body;
    res->body_len = response->body_len;
    res->host_private = held;
    return TENDER_HTTP_RESPONSE;
}

void host_http_release(tender_http_response *res)
{
    if (!response_fits(res) || res->host_private == NULL)
        return;
    /* Only what this thread's call still holds: a response from a call that
     * already returned was released then, and its pointer is stale. */
    if (call_held)
        g_ptr_array_remove_fast(call_held, res->host_private);
    res->host_private = NULL;
    res->headers = NULL;
    res->n_headers = 0;
    res->body = NULL;
    res->body_len = 0;
}
