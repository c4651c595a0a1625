/* The policy config: loading, validation and typed access (private to
 * libtender). A TenderConfig is immutable once loaded, so every accessor is
 * thread-safe. docs/config.md documents every key. */
#ifndef TENDER_CORE_CONFIG_H
#define TENDER_CORE_CONFIG_H

#include <glib.h>

#include <tender/tender.h>

#include "isolation.h"
#include "policy-exchange.h"
#include "policy-windows.h"

G_BEGIN_DECLS

typedef struct TenderConfig TenderConfig;

/* Parse and validate JSON config text. `origin` names the source in messages
 * (a file path, or "embedded default"). On any problem: NULL and
 * TENDER_ERROR_CONFIG whose message names the JSON path ("$.methods.card.
 * limits[0].currency") and the line when known. Non-fatal findings are
 * appended to warnings (strings) when it is not NULL. */
TenderConfig *config_load_data(const char *json, gssize length, const char *origin,
                                      GPtrArray *warnings, GError **error);
TenderConfig *config_load_file(const char *path, GPtrArray *warnings, GError **error);
void config_free(TenderConfig *config);

/* Warn (append to warnings) about every configured method that no plugin
 * provides. methods: TenderMethodInfo*. */
void config_warn_unprovided(const TenderConfig *config, const GPtrArray *methods,
                                   GPtrArray *warnings);

/* Plugin directories and ledger path from the config; NULL when not set. */
const char *const *config_plugin_dirs(const TenderConfig *config);
const char *config_ledger_path(const TenderConfig *config);
/* $.service (tender_host_service_config). */
const TenderServiceConfig *config_service(const TenderConfig *config);

/* Whether plugin_id runs in a worker process (plugins.<id>.isolation; by
 * default TRUE unless bundled: shipped with Tender), and its worker's
 * limits (the defaults of isolation.h where not configured). */
gboolean config_plugin_isolated(const TenderConfig *config, const char *plugin_id,
                                gboolean bundled, IsolationLimits *limits);

/* FALSE when the config disables the method ("enabled": false). */
gboolean config_method_enabled(const TenderConfig *config, const char *method_id);

/* Per-method call deadline in ms (default 10000), NOT_SENT retry count
 * (default 2) and first backoff in ms (default 100, doubling). */
gint64 config_deadline_ms(const TenderConfig *config, const char *method_id);
guint config_max_retries(const TenderConfig *config, const char *method_id);
gint64 config_retry_backoff_ms(const TenderConfig *config, const char *method_id);

/* Age after which a pending payment is re-synced by reconcile (default 15
 * minutes). */
gint64 config_reconcile_age_ms(const TenderConfig *config);

/* ledger_busy_seconds: how long starting a unit of work may wait for a
 * ledger another process holds before it fails (default 10 s). */
gint64 config_ledger_busy_ms(const TenderConfig *config);

/* transport.trace: log every exchange through the `http` service, as
 * tender_host_options_set_trace_http(TRUE) does (default FALSE). */
gboolean config_trace_http(const TenderConfig *config);

/* Typed reads of methods.<id>.settings, with the semantics of the ABI's
 * tender_host_services config_* slots: 1 found, 0 absent, -1 other type or
 * (strings) too long for out_size. */
int config_setting_string(const TenderConfig *config, const char *method_id,
                                 const char *key, char *out, gsize out_size);
int config_setting_int64(const TenderConfig *config, const char *method_id,
                                const char *key, gint64 *out);
int config_setting_bool(const TenderConfig *config, const char *method_id,
                               const char *key, int *out);

/* ---- Added by the policy work: the parsed policy, read by policy.c -------
 * Everything below is private to libtender. The structs are immutable once
 * tender_config_load_*() returns. Money values are in ISO 4217 minor units
 * of their currency unless stated otherwise. */

typedef struct {
    TenderWindow window;
    char currency[4];
    gint64 max;
} TenderLimitRule;

typedef struct {
    char *name;
    GArray *limits;           /* TenderLimitRule */
} TenderTierPolicy;

typedef struct {
    TenderWindow window;      /* minute, hour or day */
    gint64 max_attempts;      /* 0: no bound */
    gint64 max_declines;      /* 0: no bound */
} TenderVelocityRule;

/* A money value keyed by currency (fixed fees, step-up thresholds). */
typedef struct {
    char currency[4];
    gint64 value;
} TenderMoneyEntry;

/* Per-transaction bounds in one currency. */
typedef struct {
    char currency[4];
    gboolean has_min;
    gboolean has_max;
    gint64 min;
    gint64 max;
} TenderAmountBounds;

/* methods.<id> of the config. */
typedef struct {
    char *id;
    gboolean enabled;
    GStrv allow;              /* regions ("*" = all); NULL: every region */
    GStrv deny;               /* NULL: none */
    GStrv currencies;         /* NULL: every currency the plugin takes */
    GArray *amounts;          /* TenderAmountBounds, config order */
    GArray *limits;           /* TenderLimitRule: every buyer */
    GPtrArray *tiers;         /* TenderTierPolicy*, config order */
    char *default_tier;       /* NULL: none */
    GArray *velocity;         /* TenderVelocityRule */
    gint64 fee_bps;
    gint64 cross_border_bps;
    GArray *fee_fixed;        /* TenderMoneyEntry */
    GArray *step_up_above;    /* TenderMoneyEntry */
    gboolean step_up_issuer_mismatch;
    gint64 deadline_ms;
    guint max_retries;
    gint64 backoff_ms;
} TenderMethodPolicy;

/* The policy of method_id, or NULL when the config does not mention it (the
 * method then runs on its plugin's facts alone). */
const TenderMethodPolicy *config_method(const TenderConfig *config,
                                               const char *method_id);
/* The tier policy called name, or NULL. */
const TenderTierPolicy *method_policy_tier(const TenderMethodPolicy *policy,
                                                  const char *name);

/* FALSE for a user-assigned region (AA, QM-QZ, XA-XZ, ZZ) that the config's
 * user_assigned_regions does not list; TRUE for any other region. */
gboolean config_region_declared(const TenderConfig *config, const char *region);
/* A buyer's region the config accepts: a valid ISO 3166-1 alpha-2 code and,
 * when it is user-assigned, declared. Else FALSE with
 * TENDER_ERROR_INVALID_ARGUMENT saying which and what to do. */
gboolean config_check_buyer_region(const TenderConfig *config, const char *region,
                                          GError **error);

/* The merchant's region ("" when not configured: no cross-border fees). */
const char *config_merchant_region(const TenderConfig *config);

/* The config's exchange table (never NULL for a loaded config; empty without
 * an "exchange" section). Money conversion is policy-exchange.c's alone: the
 * policy calls it on this table. Borrowed, lives as long as the config. */
const PolicyExchange *config_exchange(const TenderConfig *config);

/* The same four reads of the exchange table by way of the config, for callers
 * that hold a config (quote sorting in host.c, the fuzz target); each one
 * forwards to policy_exchange_has_rate, _convert, _rate_text and _rate_quote
 * (policy-exchange.h documents them). */
gboolean config_has_rate(const TenderConfig *config, const char *currency);
gboolean config_convert(const TenderConfig *config, gint64 amount, const char *from,
                               int from_exponent, const char *to, int to_exponent,
                               gint64 *out);
char *config_rate_text(const TenderConfig *config, const char *from, const char *to);
char *config_rate_quote(const TenderConfig *config, const char *from, const char *to);

/* The issuing country of a card from the config's BIN-country table (the
 * longest configured prefix of digits that matches), or NULL. */
const char *config_bin_country(const TenderConfig *config, const char *digits);

/* The exchange rates' as-of date ("" when none). */
const char *config_exchange_as_of(const TenderConfig *config);

G_END_DECLS

#endif
