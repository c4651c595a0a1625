/* API keys: "Authorization: Bearer SECRET". The host looks the key up by
 * the secret's SHA-256 and compares digests in constant time
 * (tender_host_api_key_verify).
 *
 * A verified key is remembered for KEY_CACHE_TTL_US, by the SHA-256 of its
 * secret (the secret itself is not kept): under load most requests come
 * with a key verified a moment ago, and asking the ledger for each of them
 * is a ledger transaction per request, contending with the payments for the
 * ledger's lock. The price is that a key revoked by `tender api-key revoke`
 * (another process, which cannot tell us) keeps working for at most that
 * long. Only valid keys are remembered: an unknown or revoked secret always
 * asks the ledger. */
#include <string.h>

#include "service.h"

#define KEY_CACHE_TTL_US ((gint64)G_USEC_PER_SEC)
#define KEY_CACHE_PRUNE_AT 1024 /* entries before expired ones are swept */

typedef struct {
    TenderApiKey key;
    gint64 verified_us;
} CachedKey;

struct ServiceKeyCache {
    GMutex lock;
    GHashTable *entries; /* SHA-256 hex of the secret -> CachedKey* */
};

static void auth_key_clear(TenderApiKey *key)
{
    g_free(key->id);
    g_free(key->name);
}

static void auth_key_copy(TenderApiKey *to, const TenderApiKey *from)
{
    *to = *from;
    to->id = g_strdup(from->id);
    to->name = g_strdup(from->name);
}

static void cached_key_free(gpointer data)
{
    CachedKey *c = data;
    auth_key_clear(&c->key);
    g_free(c);
}

ServiceKeyCache *auth_key_cache_new(void)
{
    ServiceKeyCache *cache = g_new0(ServiceKeyCache, 1);
    g_mutex_init(&cache->lock);
    cache->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_key_free);
    return cache;
}

void auth_key_cache_free(ServiceKeyCache *cache)
{
    if (cache == NULL)
        return;
    g_hash_table_unref(cache->entries);
    g_mutex_clear(&cache->lock);
    g_free(cache);
}

static gboolean auth_entry_expired(gpointer name, gpointer value, gpointer now)
{
    (void)name;
    return *(gint64 *)now - ((CachedKey *)value)->verified_us >= KEY_CACHE_TTL_US;
}

/* The key for secret: remembered if verified within the TTL, else asked of
 * the ledger (and remembered when valid). NULL with error as
 * tender_host_api_key_verify. */
static TenderApiKey *auth_verify(Service *svc, const char *secret, GError **error)
{
    ServiceKeyCache *cache = svc->keys;
    g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret, -1);
    gint64 now = g_get_monotonic_time();
    g_mutex_lock(&cache->lock);
    CachedKey *hit = g_hash_table_lookup(cache->entries, digest);
    if (hit && now - hit->verified_us < KEY_CACHE_TTL_US) {
        TenderApiKey *key = g_new0(TenderApiKey, 1);
        auth_key_copy(key, &hit->key);
        g_mutex_unlock(&cache->lock);
        return key;
    }
    g_mutex_unlock(&cache->lock);
    TenderApiKey *key = tender_host_api_key_verify(svc->host, secret, error);
    g_mutex_lock(&cache->lock);
    if (key == NULL) {
        /* Revoked (or never valid): forget it now. */
        g_hash_table_remove(cache->entries, digest);
    } else {
        if (g_hash_table_size(cache->entries) >= KEY_CACHE_PRUNE_AT)
            g_hash_table_foreach_remove(cache->entries, auth_entry_expired, &now);
        CachedKey *entry = g_new0(CachedKey, 1);
        auth_key_copy(&entry->key, key);
        entry->verified_us = now;
        g_hash_table_replace(cache->entries, g_steal_pointer(&digest), entry);
    }
    g_mutex_unlock(&cache->lock);
    return key;
}

gboolean service_authenticate(Service *svc, ServiceRequest *req, RouteAccess access,
                              ServiceResponse *resp)
{
    if (access == ROUTE_PUBLIC)
        return TRUE;
    const char *header = service_request_header(req, "Authorization");
    if (header == NULL || g_ascii_strncasecmp(header, "Bearer ", 7) != 0 || header[7] == '\0') {
        service_response_add_header(resp, "WWW-Authenticate", "Bearer");
        service_error(resp, 401, "authentication_error", "missing_api_key",
                      "no API key: send Authorization: Bearer SECRET "
                      "(`tender api-key create NAME` makes one)",
                      NULL, NULL);
        return FALSE;
    }
    GError *error = NULL;
    TenderApiKey *key = auth_verify(svc, header + 7, &error);
    if (key == NULL) {
        gboolean ledger = error->code == TENDER_ERROR_LEDGER;
        if (ledger) {
            service_error_from_gerror(resp, error, NULL);
        } else {
            service_response_add_header(resp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
            service_error(resp, 401, "authentication_error", "invalid_api_key",
                          "the API key is not valid (unknown or revoked)", NULL, NULL);
        }
        g_error_free(error);
        return FALSE;
    }
    if (access == ROUTE_WRITE && key->scope != TENDER_API_SCOPE_WRITE) {
        g_autofree char *message = g_strdup_printf(
            "the API key %s may only read: this route moves money or changes a payment", key->id);
        service_error(resp, 403, "permission_error", "insufficient_scope", message, NULL, NULL);
        tender_api_key_free(key);
        return FALSE;
    }
    req->key = key;
    return TRUE;
}
