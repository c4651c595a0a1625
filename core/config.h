/* The policy config: loading, validation and typed access (private to
 * libtender). A TenderConfig is immutable once loaded, so every accessor is
 * thread-safe. docs/config.md documents every key. */
#ifndef TENDER_CORE_CONFIG_H
#define TENDER_CORE_CONFIG_H

#include <glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

typedef struct TenderConfig TenderConfig;

/* Parse and validate JSON config text. `origin` names the source in messages
 * (a file path, or "embedded default"). On any problem: NULL and
 * TENDER_ERROR_CONFIG whose message names the JSON path ("$.methods.card.
 * limits[0].currency") and the line when known. Non-fatal findings are
 * appended to warnings (strings) when it is not NULL. */
TenderConfig *tender_config_load_data(const char *json, gssize length, const char *origin,
                                      GPtrArray *warnings, GError **error);
TenderConfig *tender_config_load_file(const char *path, GPtrArray *warnings, GError **error);
void tender_config_free(TenderConfig *config);

/* Warn (append to warnings) about every configured method that no plugin
 * provides. methods: TenderMethodInfo*. */
void tender_config_warn_unprovided(const TenderConfig *config, const GPtrArray *methods,
                                   GPtrArray *warnings);

/* Plugin directories and ledger path from the config; NULL when not set. */
const char *const *tender_config_plugin_dirs(const TenderConfig *config);
const char *tender_config_ledger_path(const TenderConfig *config);

/* FALSE when the config disables the method ("enabled": false). */
gboolean tender_config_method_enabled(const TenderConfig *config, const char *method_id);

/* Per-method call deadline in ms (default 10000), NOT_SENT retry count
 * (default 2) and first backoff in ms (default 100, doubling). */
gint64 tender_config_deadline_ms(const TenderConfig *config, const char *method_id);
guint tender_config_max_retries(const TenderConfig *config, const char *method_id);
gint64 tender_config_retry_backoff_ms(const TenderConfig *config, const char *method_id);

/* Age after which a pending payment is re-synced by reconcile (default 15
 * minutes). */
gint64 tender_config_reconcile_age_ms(const TenderConfig *config);

/* Typed reads of methods.<id>.settings, with the semantics of the ABI's
 * tender_host_services config_* slots: 1 found, 0 absent, -1 other type or
 * (strings) too long for out_size. */
int tender_config_setting_string(const TenderConfig *config, const char *method_id,
                                 const char *key, char *out, gsize out_size);
int tender_config_setting_int64(const TenderConfig *config, const char *method_id,
                                const char *key, gint64 *out);
int tender_config_setting_bool(const TenderConfig *config, const char *method_id,
                               const char *key, int *out);

G_END_DECLS

#endif
