/* Idempotency-Key, as Stripe's API has it: the first request with a key
 * runs, and its response (status and body) is kept; the same key with the
 * same method, path and body gets that response again; with different
 * ones, 409 idempotency_error. A request that arrives while the first is
 * still running waits for it, so concurrent requests with one key reach
 * the plugin once.
 *
 * Responses are kept for a day, one namespace per ledger like the host's
 * own keys: in memory, where concurrent
 * requests wait for each other, and in the ledger, so that a retry after a
 * restart gets the same bytes. The host's own idempotency (the key is
 * handed to it) is the floor under both: a payment or an operation is
 * never made twice under one key, even if keeping a response failed. */
#include <string.h>

#include "service.h"

#define KEEP_US ((gint64)G_USEC_PER_SEC * 86400)

typedef struct {
    char *fingerprint; /* SHA-256 of method, path and body */
    gboolean done;
    guint status;
    char *content_type;
    GBytes *body;
    char *headers; /* "Name: value\n" lines */
    gint64 stored_us;
} Entry;

struct IdempotencyStore {
    GMutex lock;
    GCond finished;
    GHashTable *entries; /* Idempotency-Key -> Entry* */
};

static void entry_free(gpointer data)
{
    Entry *e = data;
    g_free(e->fingerprint);
    g_free(e->content_type);
    if (e->body)
        g_bytes_unref(e->body);
    g_free(e->headers);
    g_free(e);
}

IdempotencyStore *idempotency_store_new(void)
{
    IdempotencyStore *s = g_new0(IdempotencyStore, 1);
    g_mutex_init(&s->lock);
    g_cond_init(&s->finished);
    s->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
    return s;
}

void idempotency_store_free(IdempotencyStore *store)
{
    if (store == NULL)
        return;
    g_hash_table_unref(store->entries);
    g_cond_clear(&store->finished);
    g_mutex_clear(&store->lock);
    g_free(store);
}

static char *fingerprint(const ServiceRequest *req)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)req->method, -1);
    g_checksum_update(sum, (const guchar *)"\n", 1);
    g_checksum_update(sum, (const guchar *)req->path, -1);
    g_checksum_update(sum, (const guchar *)"\n", 1);
    gsize len = 0;
    const guchar *data = req->body ? g_bytes_get_data(req->body, &len) : NULL;
    if (len)
        g_checksum_update(sum, data, (gssize)len);
    char *out = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    return out;
}

static void expire_old(IdempotencyStore *s, gint64 now)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, s->entries);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Entry *e = value;
        if (e->done && now - e->stored_us > KEEP_US)
            g_hash_table_iter_remove(&it);
    }
}

/* "Name: value\n" lines of a response's extra headers ("" for none). */
static char *headers_text(const GPtrArray *headers)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; headers && i + 1 < headers->len; i += 2)
        g_string_append_printf(out, "%s: %s\n", (const char *)g_ptr_array_index(headers, i),
                               (const char *)g_ptr_array_index(headers, i + 1));
    return g_string_free(out, FALSE);
}

/* Called without the lock: only the thread that inserted e writes it
 * before marking it done. */
static void fill_entry(Entry *e, guint status, const char *content_type, GBytes *body,
                       const char *headers)
{
    e->status = status;
    e->content_type = g_strdup(content_type);
    e->body = body ? g_bytes_ref(body) : NULL;
    e->headers = g_strdup(headers ? headers : "");
}

static void replay(const Entry *e, ServiceResponse *resp)
{
    resp->status = e->status;
    resp->content_type = g_strdup(e->content_type);
    resp->body = e->body ? g_bytes_ref(e->body) : NULL;
    g_auto(GStrv) lines = g_strsplit(e->headers ? e->headers : "", "\n", -1);
    for (gsize i = 0; lines[i]; i++) {
        char *colon = strstr(lines[i], ": ");
        if (colon == NULL)
            continue;
        *colon = '\0';
        service_response_add_header(resp, lines[i], colon + 2);
    }
    service_response_add_header(resp, "Idempotent-Replayed", "true");
    resp->replayed = TRUE;
}

static void conflict(ServiceResponse *resp)
{
    service_error(resp, 409, "idempotency_error", "idempotency_key_reused",
                  "this Idempotency-Key was used with a different request (method, path or "
                  "body); use a new key for a new request",
                  NULL, NULL);
}

void idempotency_run(Service *svc, const Route *route, ServiceRequest *req, ServiceResponse *resp)
{
    const char *key = service_request_header(req, "Idempotency-Key");
    if (!route->idempotent || key == NULL) {
        route->handler(svc, req, resp);
        return;
    }
    if (key[0] == '\0' || strlen(key) > 255) {
        service_error(resp, 400, "invalid_request_error", "idempotency_key_invalid",
                      "Idempotency-Key must be 1 to 255 characters", "Idempotency-Key", NULL);
        return;
    }
    IdempotencyStore *s = svc->idempotency;
    g_autofree char *print = fingerprint(req);
    /* One namespace for the whole ledger, as the host's idempotency keys
     * are: every API key of a ledger acts for the same merchant. */
    g_autofree char *slot = g_strdup(key);
    g_mutex_lock(&s->lock);
    expire_old(s, g_get_monotonic_time());
    Entry *e;
    while ((e = g_hash_table_lookup(s->entries, slot)) != NULL && !e->done &&
           strcmp(e->fingerprint, print) == 0)
        g_cond_wait(&s->finished, &s->lock);
    if (e != NULL) {
        gboolean same = strcmp(e->fingerprint, print) == 0;
        if (same)
            replay(e, resp);
        g_mutex_unlock(&s->lock);
        if (same)
            metrics_count_replay(svc->metrics);
        else
            conflict(resp);
        return;
    }
    e = g_new0(Entry, 1);
    e->fingerprint = g_strdup(print);
    g_hash_table_insert(s->entries, g_strdup(slot), e);
    g_mutex_unlock(&s->lock);

    const char *scope = "";
    GError *error = NULL;
    TenderStoredResponse *stored = tender_host_stored_response_get(svc->host, scope, key, &error);
    gboolean keep = FALSE;
    if (stored != NULL) {
        /* Answered before this process started. */
        g_free(e->fingerprint);
        e->fingerprint = g_strdup(stored->fingerprint);
        fill_entry(e, stored->status, stored->content_type, stored->body, stored->headers);
        if (strcmp(stored->fingerprint, print) == 0) {
            replay(e, resp);
            metrics_count_replay(svc->metrics);
        } else {
            conflict(resp);
        }
        keep = TRUE;
        tender_stored_response_free(stored);
    } else if (error != NULL) {
        service_error_from_gerror(resp, error, NULL);
        g_error_free(error);
    } else {
        route->handler(svc, req, resp);
        /* Keep answers that are the request's own result. A 5xx or 429
         * (the ledger, the service or the payment was busy) is not: the
         * client's retry with the same key must run again. */
        keep = resp->status < 500 && resp->status != 429;
        if (keep) {
            g_autofree char *headers = headers_text(resp->headers);
            fill_entry(e, resp->status, resp->content_type, resp->body, headers);
            TenderStoredResponse kept = {.fingerprint = print,
                                         .status = resp->status,
                                         .content_type = resp->content_type,
                                         .body = resp->body,
                                         .headers = headers};
            if (!tender_host_stored_response_put(svc->host, scope, key, &kept, KEEP_US / 1000,
                                                 &error)) {
                /* The answer stands (what it did is committed); a retry
                 * after a restart then meets the host's idempotency. */
                service_log("warning", "keeping an idempotent response failed", "request_id",
                            req->request_id, "error", error->message, NULL);
                g_clear_error(&error);
            }
        }
    }

    g_mutex_lock(&s->lock);
    if (keep) {
        e->done = TRUE;
        e->stored_us = g_get_monotonic_time();
    } else {
        g_hash_table_remove(s->entries, slot);
    }
    g_cond_broadcast(&s->finished);
    g_mutex_unlock(&s->lock);
}
