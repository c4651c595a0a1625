/* The payment lifecycle: the state machine and the money invariants
 * (private to libtender).
 *
 * Pure: every routine here reads and changes a TenderPayment in memory and
 * nothing else. No ledger, no plugin, no clock (the caller passes "now"), no
 * logging. That is what lets tests/core/test-core-lifecycle-pure.cpp walk
 * every transition without a host, and what a reader opens to learn which
 * operation is allowed in which state and for how much.
 *
 * authorized_ms is the one fact the lifecycle needs that the public payment
 * does not carry (when the hold started; 0 before any authorization). */
#ifndef TENDER_CORE_LIFECYCLE_H
#define TENDER_CORE_LIFECYCLE_H

#include <glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

/* What the host asks of a plugin; the names are the ledger's operation
 * kinds. AUTHORIZE and PURCHASE create a payment, the others act on one. */
typedef enum {
    LIFECYCLE_AUTHORIZE,
    LIFECYCLE_PURCHASE,
    LIFECYCLE_CAPTURE,
    LIFECYCLE_VOID,
    LIFECYCLE_REFUND,
    LIFECYCLE_SYNC,
    LIFECYCLE_COMPLETE,
    LIFECYCLE_NOTIFICATION,
    LIFECYCLE_REAUTHORIZE /* ABI 1.2 */
} LifecycleKind;

/* "authorize", "purchase", ..., "complete_action", "notification",
 * "reauthorize". */
const char *lifecycle_kind_name(LifecycleKind kind);
/* The ABI operation a kind calls. */
tender_operation lifecycle_kind_operation(LifecycleKind kind);
/* The capability a method must declare for the kind on an existing payment
 * (0 for notification: checked where notifications are taken). */
guint64 lifecycle_kind_capability(LifecycleKind kind);

/* What a payment holds against cumulative limits (docs/config.md). */
gint64 lifecycle_held_amount(const TenderPayment *p);
/* The status that the amounts say, once money has been authorized. */
TenderStatus lifecycle_status_from_amounts(const TenderPayment *p, const TenderMethodInfo *info);
/* The most a payment may capture in total: the authorization, or the
 * method's declared over-capture. */
gint64 lifecycle_capture_ceiling(const TenderPayment *p, const TenderMethodInfo *info);

/* Record a decline on the payment (message NULL or empty: the code's
 * advice). Does not change the status. */
void lifecycle_set_decline(TenderPayment *p, guint32 code, const char *raw, const char *message);

/* Is kind allowed on p now, and for how much? amount is the caller's
 * decimal (capture, refund; NULL: all that remains). On success *amount_out
 * is what the operation moves; on refusal error says why, with the code the
 * public API promises (INVALID_STATE, AMOUNT_EXCEEDED, NOT_SUPPORTED,
 * AUTHORIZATION_EXPIRED, INVALID_ARGUMENT). */
gboolean lifecycle_check(const TenderPayment *p, const TenderMethodInfo *info, LifecycleKind kind,
                         const char *amount, gint64 *amount_out, GError **error);

/* Apply an event reported by sync, a notification or a completed action.
 * Totals in res->amount (0: the whole payment). Returns FALSE, changing
 * nothing, when the event would break a money invariant. */
gboolean lifecycle_apply_event(TenderPayment *p, gint64 *authorized_ms,
                               const TenderMethodInfo *info, guint32 event,
                               const tender_result *res, gint64 now);

/* Apply a plugin's (sanitized) result for kind to the payment's status,
 * amounts, action and decline. requested is what the host asked to move;
 * late means the call missed its deadline (the outcome is not trusted).
 * Returns FALSE with error set when the processor refused a capture, void
 * or refund (the payment otherwise unchanged) or when a reported event
 * broke an invariant (the payment then unknown, for an operator). */
gboolean lifecycle_apply_result(TenderPayment *p, gint64 *authorized_ms,
                                const TenderMethodInfo *info, LifecycleKind kind,
                                const tender_result *res, gint64 requested, gboolean late,
                                gint64 now, GError **error);

/* Apply a lapse that is due at now: a hold past its expiry or an action the
 * payer did not complete in time. Returns why (static text) when the
 * payment changed, else NULL. */
const char *lifecycle_apply_lapse(TenderPayment *p, gint64 now);

G_END_DECLS

#endif
