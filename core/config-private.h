/* What the config's own files share (private to libtender, hidden from the
 * library's exports): the TenderConfig struct, the loading context and the
 * section loaders.
 *
 *   config.c           the TenderConfig object: lifetime and every accessor
 *   config-json.c      typed JSON reading with paths and lines
 *   config-load.c      the document: top-level sections, regions, loading
 *   config-exchange.c  $.exchange into the policy's exchange table
 *   config-methods.c   $.methods.<id>: every per-method section
 *
 * The arithmetic on what is loaded lives on the policy side
 * (policy-exchange.c, policy-windows.c). */
#ifndef TENDER_CORE_CONFIG_PRIVATE_H
#define TENDER_CORE_CONFIG_PRIVATE_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "config-json.h"
#include "config.h"
#include "policy-exchange.h"

G_BEGIN_DECLS

#define CONFIG_DEFAULT_DEADLINE_MS 10000
#define CONFIG_DEFAULT_MAX_RETRIES 2
#define CONFIG_DEFAULT_BACKOFF_MS 100
#define CONFIG_DEFAULT_RECONCILE_AGE_S (15 * 60)
#define CONFIG_DEFAULT_LEDGER_BUSY_S 10

struct TenderConfig {
    char *origin;
    GStrv plugin_dirs;
    char *ledger;
    char merchant_region[3];
    GStrv user_assigned;      /* user-assigned regions the operator declared; NULL: none */
    gint64 reconcile_age_ms;
    gint64 ledger_busy_ms;    /* ledger_busy_seconds, in ms */
    gboolean trace_http;      /* transport.trace */
    PolicyExchange *exchange; /* never NULL; empty without an exchange section */
    GHashTable *bins;         /* digit prefix -> region */
    guint max_bin_len;
    GPtrArray *methods;       /* TenderMethodPolicy*, config order */
    GHashTable *by_id;        /* id -> TenderMethodPolicy* */
    GHashTable *settings;     /* id -> JsonObject* (ref) */
    TenderServiceConfig service; /* $.service; listen owned (char *) */
    GHashTable *plugins;      /* plugin id -> its $.plugins entry (config-plugins.c) */
};

/* An empty config: every default, no method (config.c). */
G_GNUC_INTERNAL TenderConfig *config_alloc(const char *origin);
/* A method policy with every default; the config's methods array frees it. */
G_GNUC_INTERNAL TenderMethodPolicy *config_method_policy_new(const char *id);

/* Loading one document into one config. The reader comes first so a
 * ConfigLoad* is also read by config_json_* through &load->json. */
typedef struct {
    ConfigJsonReader json;
    TenderConfig *config;
} ConfigLoad;

/* A region value (ISO 3166-1 alpha-2, "*" when star_ok), refused when it is
 * user-assigned and the config does not declare it (config-load.c). */
G_GNUC_INTERNAL gboolean config_load_region(ConfigLoad *ctx, const char *path, JsonNode *node,
                                            gboolean star_ok, const char **out);

/* $.exchange (config-exchange.c). Read before any money value. */
G_GNUC_INTERNAL gboolean config_load_exchange(ConfigLoad *ctx, const char *path, JsonNode *node);
/* A money value keyed by currency needs a rate, since Tender converts it
 * whenever a payment is in another currency (config-exchange.c). */
G_GNUC_INTERNAL gboolean config_load_need_rate(ConfigLoad *ctx, const char *path,
                                               const char *currency);

/* $.methods.<id> (config-methods.c): appends the method's policy to the
 * config. */
G_GNUC_INTERNAL gboolean config_load_method(ConfigLoad *ctx, const char *path, const char *id,
                                            JsonNode *node);

/* $.plugins (config-plugins.c). */
G_GNUC_INTERNAL gboolean config_load_plugins(ConfigLoad *ctx, const char *path, JsonNode *node);

G_END_DECLS

#endif
