/* Idempotency-Key, as Stripe's API has it: the first request with a key
 * runs, and its response (status and body) is kept; the same key with the
 * same method, path and body gets that response again; with different
 * ones, 409 idempotency_error. A request that arrives while the first is
 * still running waits for it, so concurrent requests with one key reach
 * the plugin once.
 *
 * The responses are kept in memory, per API key, for a day. What survives
 * a restart is the host's own idempotency (the key is handed to the host):
 * a payment or operation made under a key is never made twice, and the
 * replay then answers with the payment as it is now. */
#include <string.h>

#include "service.h"

#define KEEP_US ((gint64)G_USEC_PER_SEC * 86400)

typedef struct {
    char *fingerprint; /* SHA-256 of method, path and body */
    gboolean done;
    guint status;
    char *content_type;
    GBytes *body;
    GPtrArray *headers;
    gint64 stored_us;
} Entry;

struct IdempotencyStore {
    GMutex lock;
    GCond finished;
    GHashTable *entries; /* "<api key id>\n<Idempotency-Key>" -> Entry* */
};

static void entry_free(gpointer data)
{
    Entry *e = data;
    g_free(e->fingerprint);
    g_free(e->content_type);
    if (e->body)
        g_bytes_unref(e->body);
    if (e->headers)
        g_ptr_array_unref(e->headers);
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

static void replay(const Entry *e, ServiceResponse *resp)
{
    resp->status = e->status;
    resp->content_type = g_strdup(e->content_type);
    resp->body = e->body ? g_bytes_ref(e->body) : NULL;
    for (guint i = 0; e->headers && i + 1 < e->headers->len; i += 2)
        service_response_add_header(resp, g_ptr_array_index(e->headers, i),
                                    g_ptr_array_index(e->headers, i + 1));
    service_response_add_header(resp, "Idempotent-Replayed", "true");
    resp->replayed = TRUE;
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
    g_autofree char *slot = g_strdup_printf("%s\n%s", req->key ? req->key->id : "", key);
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
        if (same) {
            metrics_count_replay(svc->metrics);
        } else {
            service_error(resp, 409, "idempotency_error", "idempotency_key_reused",
                          "this Idempotency-Key was used with a different request (method, "
                          "path or body); use a new key for a new request",
                          NULL, NULL);
        }
        return;
    }
    e = g_new0(Entry, 1);
    e->fingerprint = g_strdup(print);
    g_hash_table_insert(s->entries, g_strdup(slot), e);
    g_mutex_unlock(&s->lock);

    route->handler(svc, req, resp);

    g_mutex_lock(&s->lock);
    /* Keep answers that are the request's own result. A 5xx or 429 (the
     * ledger, the service or the payment was busy) is not: the client's
     * retry with the same key must be tried again, so the slot is freed. */
    if (resp->status >= 500 || resp->status == 429) {
        g_hash_table_remove(s->entries, slot);
    } else {
        e->done = TRUE;
        e->status = resp->status;
        e->content_type = g_strdup(resp->content_type);
        e->body = resp->body ? g_bytes_ref(resp->body) : NULL;
        if (resp->headers) {
            e->headers = g_ptr_array_new_with_free_func(g_free);
            for (guint i = 0; i < resp->headers->len; i++)
                g_ptr_array_add(e->headers, g_strdup(g_ptr_array_index(resp->headers, i)));
        }
        e->stored_us = g_get_monotonic_time();
    }
    g_cond_broadcast(&s->finished);
    g_mutex_unlock(&s->lock);
}
