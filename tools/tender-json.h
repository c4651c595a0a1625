/* The JSON form of payments, quotes, methods and plugins, shared by the
 * `tender` command (--json) and the payments service (tenderd): one
 * encoder, so both print the same fields. Internal to the project's tools
 * (a static library), not installed.
 *
 * Every function returns a new JsonNode (json_node_unref it) or a newly
 * allocated string, and is safe from any thread. */
#ifndef TENDER_TOOLS_TENDER_JSON_H
#define TENDER_TOOLS_TENDER_JSON_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

/* A payment: every field README.md lists for `tender --json`; operations
 * when the payment carries them ("operations_included"). */
JsonNode *tender_json_payment(const TenderPayment *p);
/* The same payment as JSON text, laid out as json_to_string(node, pretty)
 * would lay out tender_json_payment()'s tree, byte for byte; its length in
 * *length when length is not NULL. g_free the result. */
char *tender_json_payment_text(const TenderPayment *p, gboolean pretty, gsize *length);
/* {"buyer": {...}, "methods": [...]}: the quote for a buyer. */
JsonNode *tender_json_quotes(const TenderBuyer *buyer, GPtrArray *quotes);
/* One method's facts (id, name, capabilities, regions, currencies, params,
 * hold and action timeouts, tiers). */
JsonNode *tender_json_method(const TenderMethodInfo *m);
/* Every loaded plugin with its methods, every refused file, the plugin
 * directories; no_plugins_message (may be NULL) as "message". */
JsonNode *tender_json_plugins(TenderHost *host, const char *no_plugins_message);

/* Pieces the human output shares. */
/* The stable code of a TENDER_ERROR (`invalid_argument`, `not_found`, …),
 * as `tender --json` and tenderd's error envelope name it; NULL for another
 * domain or an unknown code (the caller picks its fallback). */
const char *tender_json_error_code(const GError *error);
char *tender_json_iso_time(gint64 ms); /* NULL for ms <= 0 */
const char *tender_json_action_kind_name(guint32 kind);
char *tender_json_masked_number(const TenderPayment *p); /* NULL without first6/last4 */
GStrv tender_json_capability_names(guint64 caps);
/* name: value, or null when value is NULL. */
void tender_json_add_string(JsonBuilder *b, const char *name, const char *value);

G_END_DECLS

#endif
