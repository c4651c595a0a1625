/* Shared by the conformance kit's cases: the context, the test host the
 * plugin is loaded with, request building and result checks. Private to
 * the kit. */
#ifndef TENDER_CONFORMANCE_PRIVATE_H
#define TENDER_CONFORMANCE_PRIVATE_H

#include <glib.h>

#include <tender/plugin.h>
#include <tender/tender.h>
#include <tender/testhost.h>

#include "conformance.h"
#include "fault-transport.h"

G_BEGIN_DECLS

/* The fixed clock of the kit's test host and of the hosts it builds:
 * 2026-03-01T10:00:00Z. Fixtures must work at that time. */
#define TC_NOW_MS TENDER_TEST_HOST_DEFAULT_NOW_MS

/* The parameter a conforming plugin must ignore. */
#define TC_UNKNOWN_PARAM "tender_conformance_unknown"

struct tc_context {
    char *path;
    char *method_filter;
    char *load_error;
    TenderTestHost *host;      /* the services the plugin is loaded with */
    TenderTestPlugin *plugin;  /* NULL when it could not be loaded */
    const tender_plugin_descriptor *descriptor;
    char *tmpdir;              /* a private directory holding a link to the plugin */
    /* The run's directory, made by the runner before it forks a case: each
     * case's tmpdir is made inside it, so what a case that crashed left
     * behind is removed with it when the runner ends. NULL until then. */
    char *tmp_root;
    int owns_tmp_root;         /* FALSE in a case's child: the runner removes it */
    guint64 seq;               /* for unique payment and request ids */
    guint32 run_tag;           /* random, set at the first request: ids unique per run */
    TcFaultTransport *transport; /* every host's transport: healthy unless armed */
    GPtrArray *settings;         /* TcSetting*: --setting METHOD.KEY=VALUE, in order */
    int isolated;                /* --isolation: the hosts run the plugin in a worker */
    int no_seccomp;              /* --no-seccomp: that worker without its filter */
};

/* One operator setting for the kit's hosts. */
typedef struct {
    char *method_id;
    char *key;
    char *value;
    gboolean is_string; /* always a JSON string in a config, never a number */
} TcSetting;

struct tc_report {
    GString *failures;
    GString *notes;
    size_t n_failures;
};

/* ---- the context's test host (libtender-testhost) ------------------------ */

/* Clear the test host's settings, then put back the operator's
 * (tc_context_set_setting) for the methods checked. */
void tc_settings_clear(tc_context *ctx);
void tc_settings_set_string(tc_context *ctx, const char *key, const char *value);
void tc_settings_set_int(tc_context *ctx, const char *key, gint64 value);
/* A copy of the keys read since the last tc_settings_clear ("kind:key"). */
GPtrArray *tc_settings_reads(tc_context *ctx);
/* A copy of every line logged so far. */
GPtrArray *tc_logs(tc_context *ctx);

/* ---- methods, instances, fixtures -------------------------------------- */

/* The methods the cases check (all, or the one named by the filter).
 * Borrowed pointers; free the array. Empty when the plugin did not load. */
GPtrArray *tc_methods(tc_context *ctx);
/* The method's ops table, or NULL when its struct is too short for one. */
const tender_method_ops *tc_ops(const tender_method *m);
/* The method's fixtures (n 0 when it has none). */
const tender_fixture *tc_fixtures(const tender_method *m, size_t *n);
/* Create an instance with the current settings. Returns the plugin's return
 * code; on failure *error holds its message (g_free). */
int tc_instance_new(tc_context *ctx, const tender_method *m, void **instance, char **error);
void tc_instance_free(const tender_method *m, void *instance);

/* The exponent the method uses for currency (its own or ISO 4217's), or -1
 * when it does not declare the currency. */
int tc_method_exponent(const tender_method *m, const char *currency);
/* Does the fixture end approved (directly, or after its action)? */
gboolean tc_fixture_approves(const tender_fixture *f);
/* Is the fixture a direct approval (no action)? */
gboolean tc_fixture_approves_directly(const tender_fixture *f);
/* A param spec flag of the method's request (or action) parameter name. */
guint32 tc_param_flags(const tender_method *m, const char *name, gboolean action);

/* ---- direct calls ------------------------------------------------------- */

/* A request the kit owns: its strings and parameter copy live here. */
typedef struct {
    tender_request req;
    char payment_id[64];
    char request_id[64];
    char currency[8];
    char region[8];
    char tier[64];
    char *plugin_state;
    char *processor_ref;
    GArray *params;       /* tender_param, borrowed strings */
} TcRequest;

/* Fill r for operation op from fixture f (buyer, amount, params) with fresh
 * payment and request ids. FALSE (with *why, g_free) when the fixture's
 * amount or currency cannot be used. */
gboolean tc_request_from_fixture(tc_context *ctx, const tender_method *m,
                                 const tender_fixture *f, tender_operation op, TcRequest *r,
                                 char **why);
/* A minimal request for op: USD (or the method's first currency), its
 * smallest sensible amount, region of the method, no params. */
void tc_request_minimal(tc_context *ctx, const tender_method *m, tender_operation op,
                        TcRequest *r);
/* Follow-up request for op on the payment r ended in with res (state, ref,
 * amounts). */
void tc_request_follow(tc_context *ctx, const TcRequest *prev, const tender_result *res,
                       tender_operation op, int64_t amount, int64_t authorized,
                       int64_t captured, int64_t refunded, TcRequest *r);
/* Point r->req back at r's own strings after r was copied by value. */
void tc_request_repoint(TcRequest *r);
void tc_request_add_param(TcRequest *r, const char *key, const char *value);
void tc_request_remove_param(TcRequest *r, const char *key);
void tc_request_clear(TcRequest *r);

/* The authorize/purchase operation a fixture's first step uses. */
tender_operation tc_first_op(const tender_method *m);
/* Call the slot for req->operation (through the size-checked lookup the
 * host uses). FALSE when the method has no such slot. res is zeroed first. */
gboolean tc_call(const tender_method *m, void *instance, const tender_request *req,
                 tender_result *res);

/* Check a result is within the ABI: outcome 1..6, a decline code 1..LAST
 * with DECLINED, an action kind with ACTION_REQUIRED, an event in range,
 * every string NUL-terminated within its field. Each problem is reported,
 * prefixed with where. Returns TRUE when all is well. */
gboolean tc_check_result(tc_report *report, const char *where, const tender_result *res);

/* Names for messages. */
const char *tc_outcome_name(guint32 outcome);
const char *tc_operation_name(tender_operation op);

/* ---- sensitive values ---------------------------------------------------- */

/* The sensitive values a fixture hands the plugin: request parameters whose
 * spec says SENSITIVE and, with_action, action parameters too; at least 3
 * characters long. Borrowed strings; free the array. */
GPtrArray *tc_sensitive_values(const tender_method *m, const tender_fixture *f,
                               gboolean with_action);
/* TRUE when value occurs in data by the host's redaction rule
 * (tender_text_contains_value): as a whole token, or anywhere for a long
 * value. */
gboolean tc_contains_value(const char *data, size_t len, const char *value);
/* The first field of res that holds value, or NULL. */
const char *tc_result_field_with(const tender_result *res, const char *value);

/* ---- real hosts ---------------------------------------------------------- */

/* A libtender host that loads only this plugin, enables only method m with
 * no limits and the context's base settings for m, on the kit's fixed
 * clock. ledger: ":memory:" or a path. NULL with *error on failure. */
TenderHost *tc_host_new(tc_context *ctx, const tender_method *m, const char *ledger,
                        GError **error);
/* tc_host_new with the method's NOT_SENT retries set (retries >= 0; -1: the
 * config's default), for the transport cases, which want to see the
 * plugin's own outcome rather than a retry's. */
TenderHost *tc_host_new_with_retries(tc_context *ctx, const tender_method *m, const char *ledger,
                                     int retries, GError **error);
/* The kit's private temporary directory (created on first use, inside the
 * run's directory once tc_context_make_tmp_root made it). */
const char *tc_tmpdir(tc_context *ctx);

G_END_DECLS

#endif
