/* What the engine's modules share among themselves (private to libtender):
 * call.c (calling a plugin), lease.c (leases and lapses), operation.c (the
 * operation skeleton and the operations on a payment), pay.c (a new
 * payment) and notify.c. See docs/architecture.md for the way they fit.
 *
 * Everything here is named host_* and G_GNUC_INTERNAL: none of it is API,
 * none of it is in an installed header, and none of it is visible outside
 * libtender.so. */
#ifndef TENDER_CORE_ENGINE_PRIVATE_H
#define TENDER_CORE_ENGINE_PRIVATE_H

#include "host-private.h"
#include "lifecycle.h"
#include "policy.h"

G_BEGIN_DECLS

/* ---- call.c ---------------------------------------------------------------- */

/* Log through the services table, as the host (its redaction applies). */
G_GNUC_INTERNAL void host_log(TenderHost *host, tender_log_level level, const char *method_id,
                              const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* The values of the request's sensitive parameters (per the method's
 * specs): scrubbed from anything the plugin returns. NULL-terminated,
 * values borrowed; free the array with g_free. */
G_GNUC_INTERNAL const char **host_sensitive_values(const TenderMethodInfo *info,
                                                   const tender_param *params, gsize n);
/* TRUE when key is a parameter the method declared sensitive. */
G_GNUC_INTERNAL gboolean host_param_is_sensitive(const TenderMethodInfo *info, const char *key);

/* One call into a plugin entry point whose signature is not the common
 * tender_operation_fn (the sandbox's notification maker): invoke calls it
 * with data. host_call_plugin_with gives it the same deadline, retries and
 * sanitising as host_call_plugin. */
typedef void (*HostInvokeFn)(HostMethod *m, const tender_request *req, tender_result *res,
                             gpointer data);
G_GNUC_INTERNAL void host_call_plugin_with(TenderHost *host, HostMethod *m, HostInvokeFn invoke,
                                           gpointer data, tender_request *req, tender_result *res,
                                           const char *const *secrets, CallReport *report);

/* ---- isolation-host.c ------------------------------------------------------ */

/* Let the loader ask the config which plugins run in a worker. */
G_GNUC_INTERNAL void host_isolation_attach(TenderHost *host, TenderLoader *loader);
/* Read every isolated plugin's crashes from the ledger (inside the
 * caller's transaction): the quarantine other processes started holds
 * here too. */
G_GNUC_INTERNAL gboolean host_isolation_refresh(TenderHost *host, LedgerUnit *unit,
                                                GError **error);
/* After a call into m (isolated): write the crashes it saw to the ledger. */
G_GNUC_INTERNAL void host_isolation_after_call(TenderHost *host, HostMethod *m);
/* Why the method's plugin is quarantined (newly allocated), or NULL. */
G_GNUC_INTERNAL char *host_isolation_quarantine_reason(TenderHost *host,
                                                       const TenderMethodInfo *info);

/* ---- lease.c ---------------------------------------------------------------- */

/* Wall-clock milliseconds: leases are shared between processes, so they
 * run on the wall clock, never the host's (possibly fixed) clock. */
G_GNUC_INTERNAL gint64 host_wall_ms(void);
/* How long an operation of the method may hold its payment. */
G_GNUC_INTERNAL gint64 host_lease_ms(TenderHost *host, const char *method_id);
/* Wake this process's callers waiting for a payment's lease. */
G_GNUC_INTERNAL void host_wake_waiters(TenderHost *host);
/* Begin a unit of work holding payment_id, not leased by anyone else (a
 * lease whose holder stopped is taken over). On success the unit is
 * returned open and *row_out is set; NULL with error otherwise. */
G_GNUC_INTERNAL LedgerUnit *host_begin_on_payment(TenderHost *host, const char *payment_id,
                                                  LedgerPayment **row_out, GError **error);
/* host_begin_on_payment, with any lapse that is due applied and committed
 * first; *info_out is the payment's method. */
G_GNUC_INTERNAL LedgerUnit *host_begin_and_lapse(TenderHost *host, const char *payment_id,
                                                 LedgerPayment **row_out,
                                                 const TenderMethodInfo **info_out, GError **error);
/* TRUE when another caller holds a live lease on the payment. */
G_GNUC_INTERNAL gboolean host_leased_by_another(TenderHost *host, const char *payment_id);

/* A status change to tell the listeners once its transaction commits. */
typedef struct {
    char *payment_id;
    TenderStatus old_status;
    TenderStatus new_status;
} HostStatusChange;
G_GNUC_INTERNAL void host_status_change_clear(gpointer change);
/* Apply the lapses that are due on an account's payments, inside the
 * caller's unit, appending each change to changes. */
G_GNUC_INTERNAL gboolean host_lapse_account(TenderHost *host, LedgerUnit *unit, const char *account,
                                            gint64 now, GArray *changes, GError **error);

/* ---- operation.c: the skeleton -------------------------------------------- */

/* One operation as the skeleton runs it. The caller fills the request part;
 * host_op_record_intent fills the rest. Clear with host_op_clear. */
typedef struct {
    /* The request. */
    LifecycleKind kind;
    gint64 amount;               /* what it moves (0: nothing, e.g. sync) */
    const char *idempotency_key; /* the caller's key, or the notification id */
    const char *hash;            /* the request's fingerprint; NULL: none */
    const tender_param *params;  /* sensitive ones are scrubbed from the result */
    gsize n_params;
    const tender_param *headers; /* a notification's */
    gsize n_headers;
    const char *body;
    gsize body_len;
    guint32 flags;                        /* TENDER_REQUEST_* */
    const TenderPolicyDecision *decision; /* pay: charges on a decline */
    gboolean new_payment; /* pay: the row is not in the ledger yet; the intent inserts it */
    /* Filled by host_op_record_intent. */
    char *request_id;
    TenderOperation record; /* the ledger's operation row */
} HostOp;
G_GNUC_INTERNAL void host_op_clear(HostOp *op);
G_GNUC_INTERNAL void host_operation_clear(TenderOperation *op);

/* Step 1's end, the same for every operation: inside the caller's open
 * unit on row, record the operation as in flight, lease the payment to it
 * and commit the intent. The unit is ended on return (committed on
 * success, rolled back on failure). */
G_GNUC_INTERNAL gboolean host_op_record_intent(TenderHost *host, LedgerUnit *unit,
                                               LedgerPayment *row, HostOp *op, GError **error);

/* Steps 2 and 3: call the method's plugin for op (deadline, NOT_SENT
 * retries, sanitised result), then apply the result, store it, release the
 * lease, commit and tell the listeners. row is the payment as leased (read
 * only). Returns the public payment, or NULL with error (a refusal by the
 * processor is recorded first). When res_out is given it receives the
 * plugin's sanitised result (notifications reply with it). */
G_GNUC_INTERNAL TenderPayment *host_op_call_and_finish(TenderHost *host, HostMethod *m,
                                                       const LedgerPayment *row, HostOp *op,
                                                       tender_result *res_out, GError **error);

/* A fingerprint of what a request asks for, to tell a replay (same key,
 * same request) from a conflict. fields ends with (const char *)-1;
 * sensitive parameters are left out. */
G_GNUC_INTERNAL char *host_fingerprint(const TenderMethodInfo *info, const char *const *fields,
                                       const tender_param *params, gsize n);

G_END_DECLS

#endif
