/* The payment lifecycle: the state machine and the money invariants. Pure
 * (see lifecycle.h): a payment in memory in, the same payment changed out. */
#include <string.h>

#include <tender/decline.h>

#include "lifecycle.h"

static const char *const kind_names[] = {
    "authorize", "purchase",        "capture",      "void",       "refund",
    "sync",      "complete_action", "notification", "reauthorize"};

const char *lifecycle_kind_name(LifecycleKind kind)
{
    return (guint)kind < G_N_ELEMENTS(kind_names) ? kind_names[kind] : "unknown";
}

tender_operation lifecycle_kind_operation(LifecycleKind kind)
{
    switch (kind) {
    case LIFECYCLE_AUTHORIZE:
        return TENDER_OP_AUTHORIZE;
    case LIFECYCLE_PURCHASE:
        return TENDER_OP_PURCHASE;
    case LIFECYCLE_CAPTURE:
        return TENDER_OP_CAPTURE;
    case LIFECYCLE_VOID:
        return TENDER_OP_VOID;
    case LIFECYCLE_REFUND:
        return TENDER_OP_REFUND;
    case LIFECYCLE_SYNC:
        return TENDER_OP_SYNC;
    case LIFECYCLE_COMPLETE:
        return TENDER_OP_COMPLETE_ACTION;
    case LIFECYCLE_REAUTHORIZE:
        return TENDER_OP_REAUTHORIZE;
    case LIFECYCLE_NOTIFICATION:
    default:
        return TENDER_OP_NOTIFICATION;
    }
}

guint64 lifecycle_kind_capability(LifecycleKind kind)
{
    switch (kind) {
    case LIFECYCLE_AUTHORIZE:
        return TENDER_CAP_AUTHORIZE;
    case LIFECYCLE_PURCHASE:
        return TENDER_CAP_PURCHASE;
    case LIFECYCLE_CAPTURE:
        return TENDER_CAP_CAPTURE;
    case LIFECYCLE_VOID:
        return TENDER_CAP_VOID;
    case LIFECYCLE_REFUND:
        return TENDER_CAP_REFUND;
    case LIFECYCLE_SYNC:
        return TENDER_CAP_SYNC;
    case LIFECYCLE_COMPLETE:
        return TENDER_CAP_COMPLETE_ACTION;
    case LIFECYCLE_REAUTHORIZE:
        return TENDER_CAP_REAUTHORIZE;
    case LIFECYCLE_NOTIFICATION:
    default:
        return 0;
    }
}

static char *dup_field(const char *field, gsize size)
{
    return field[0] ? g_strndup(field, size) : NULL;
}

/* What a payment holds against cumulative limits (docs/config.md). */
gint64 lifecycle_held_amount(const TenderPayment *p)
{
    switch (p->status) {
    case TENDER_STATUS_AUTHORIZED:
    case TENDER_STATUS_PARTIALLY_CAPTURED:
    case TENDER_STATUS_PENDING:
    case TENDER_STATUS_REQUIRES_ACTION:
    case TENDER_STATUS_UNKNOWN:
        return MAX(p->amount, p->captured) - p->refunded;
    default:
        return MAX(p->captured - p->refunded, 0);
    }
}

/* The status that the amounts say, once money has been authorized. */
TenderStatus lifecycle_status_from_amounts(const TenderPayment *p, const TenderMethodInfo *info)
{
    if (p->refunded > 0)
        return p->refunded >= p->captured ? TENDER_STATUS_REFUNDED
                                          : TENDER_STATUS_PARTIALLY_REFUNDED;
    if (p->captured > 0) {
        if (p->captured >= p->amount || !(info->capabilities & TENDER_CAP_MULTI_CAPTURE))
            return TENDER_STATUS_CAPTURED;
        return TENDER_STATUS_PARTIALLY_CAPTURED;
    }
    return TENDER_STATUS_AUTHORIZED;
}

/* The most a payment may capture in total: the authorization, or the
 * method's declared over-capture. */
gint64 lifecycle_capture_ceiling(const TenderPayment *p, const TenderMethodInfo *info)
{
    gint64 ceiling = p->amount;
    if (info->over_capture_bps > 10000) {
        tender_money_mul_div(p->amount, info->over_capture_bps, 10000, FALSE, &ceiling);
        if (info->over_capture_max_extra > 0 &&
            g_strcmp0(info->over_capture_currency, p->currency) == 0)
            ceiling = MIN(ceiling, p->amount + info->over_capture_max_extra);
    }
    return ceiling;
}

static void clear_action(TenderPayment *p)
{
    p->action_kind = TENDER_ACTION_NONE;
    g_clear_pointer(&p->action_data, g_free);
    g_clear_pointer(&p->action_hint, g_free);
    p->action_expires_ms = 0;
}

void lifecycle_set_decline(TenderPayment *p, guint32 code, const char *raw, const char *message)
{
    p->decline_code = code;
    g_free(p->decline_raw_code);
    p->decline_raw_code = g_strdup(raw && raw[0] ? raw : NULL);
    g_free(p->decline_message);
    p->decline_message =
        g_strdup(message && message[0] ? message : tender_decline_lookup(code)->advice_text);
}

static void start_hold(TenderPayment *p, gint64 *authorized_ms, const TenderMethodInfo *info,
                       gint64 now)
{
    *authorized_ms = now;
    p->hold_expires_ms = info->hold_seconds > 0 ? now + info->hold_seconds * 1000 : 0;
}

gboolean lifecycle_apply_event(TenderPayment *p, gint64 *authorized_ms,
                               const TenderMethodInfo *info, guint32 event,
                               const tender_result *res, gint64 now)
{
    switch (event) {
    case TENDER_EVENT_NONE:
        return TRUE;
    case TENDER_EVENT_AUTHORIZED:
        if (res->amount > 0 && res->amount != p->amount)
            return FALSE;
        if (*authorized_ms == 0)
            start_hold(p, authorized_ms, info, now);
        clear_action(p);
        p->status = lifecycle_status_from_amounts(p, info);
        return TRUE;
    case TENDER_EVENT_CAPTURED: {
        gint64 total = res->amount > 0 ? res->amount : p->amount;
        if (total > lifecycle_capture_ceiling(p, info) || total < p->captured)
            return FALSE;
        p->captured = total;
        clear_action(p);
        p->status = lifecycle_status_from_amounts(p, info);
        return TRUE;
    }
    case TENDER_EVENT_REFUNDED: {
        gint64 total = res->amount > 0 ? res->amount : p->captured;
        if (total > p->captured || total < p->refunded)
            return FALSE;
        p->refunded = total;
        p->status = lifecycle_status_from_amounts(p, info);
        return TRUE;
    }
    case TENDER_EVENT_VOIDED:
        if (p->captured > 0)
            return FALSE;
        clear_action(p);
        p->status = TENDER_STATUS_VOIDED;
        return TRUE;
    case TENDER_EVENT_DECLINED:
        if (p->captured > 0)
            return FALSE;
        clear_action(p);
        lifecycle_set_decline(p,
                              res->decline_code ? res->decline_code : TENDER_DECLINE_DO_NOT_HONOR,
                              res->raw_code, res->message);
        p->status = TENDER_STATUS_DECLINED;
        return TRUE;
    case TENDER_EVENT_EXPIRED:
        clear_action(p);
        if (p->captured == 0) {
            lifecycle_set_decline(p,
                                  p->status == TENDER_STATUS_REQUIRES_ACTION
                                      ? TENDER_DECLINE_ACTION_EXPIRED
                                      : TENDER_DECLINE_AUTHORIZATION_EXPIRED,
                                  res->raw_code, res->message);
            p->status = TENDER_STATUS_EXPIRED;
        } else {
            p->status = lifecycle_status_from_amounts(p, info);
        }
        return TRUE;
    case TENDER_EVENT_PENDING:
        if (p->captured == 0 && p->status != TENDER_STATUS_AUTHORIZED)
            p->status = TENDER_STATUS_PENDING;
        return TRUE;
    case TENDER_EVENT_ACTION_REQUIRED:
        if (p->captured == 0)
            p->status = TENDER_STATUS_REQUIRES_ACTION;
        return TRUE;
    default:
        return TRUE; /* an event from a newer plugin: change nothing */
    }
}

static void apply_action(TenderPayment *p, const TenderMethodInfo *info, const tender_result *res,
                         gint64 now)
{
    p->status = TENDER_STATUS_REQUIRES_ACTION;
    p->action_kind = res->action_kind;
    g_free(p->action_data);
    p->action_data = dup_field(res->action_data, sizeof res->action_data);
    g_free(p->action_hint);
    p->action_hint = dup_field(res->action_hint, sizeof res->action_hint);
    p->action_expires_ms = res->action_expires_ms > 0 ? res->action_expires_ms
                           : info->action_timeout_seconds > 0
                               ? now + info->action_timeout_seconds * 1000
                               : 0;
}

/* Apply the plugin's result to the payment. Returns FALSE with error set
 * when the operation was refused by the processor (capture, void, refund):
 * the refusal is recorded, the payment otherwise unchanged. */
gboolean lifecycle_apply_result(TenderPayment *p, gint64 *authorized_ms,
                                const TenderMethodInfo *info, LifecycleKind kind,
                                const tender_result *res, gint64 requested, gboolean late,
                                gint64 now, GError **error)
{
    guint32 outcome = late ? TENDER_OUTCOME_UNKNOWN : res->outcome;
    gboolean money_op = kind == LIFECYCLE_CAPTURE || kind == LIFECYCLE_VOID ||
                        kind == LIFECYCLE_REFUND || kind == LIFECYCLE_REAUTHORIZE;

    switch (outcome) {
    case TENDER_OUTCOME_APPROVED:
        switch (kind) {
        case LIFECYCLE_AUTHORIZE:
            start_hold(p, authorized_ms, info, now);
            clear_action(p);
            p->status = TENDER_STATUS_AUTHORIZED;
            return TRUE;
        case LIFECYCLE_PURCHASE:
            clear_action(p);
            p->captured = p->amount;
            p->status = TENDER_STATUS_CAPTURED;
            return TRUE;
        case LIFECYCLE_CAPTURE:
            /* The host asked for `requested`; an approval is for exactly
             * that (there is no partial approval of a capture). */
            p->captured += requested;
            p->status = lifecycle_status_from_amounts(p, info);
            return TRUE;
        case LIFECYCLE_REFUND:
            p->refunded += requested;
            p->status = lifecycle_status_from_amounts(p, info);
            return TRUE;
        case LIFECYCLE_VOID:
            clear_action(p);
            if (p->captured > 0) {
                /* The remainder was released: the authorization is now
                 * what was captured, and nothing more can be captured. */
                p->amount = p->captured;
                p->status = TENDER_STATUS_CAPTURED;
            } else {
                p->status = TENDER_STATUS_VOIDED;
            }
            return TRUE;
        case LIFECYCLE_REAUTHORIZE: {
            /* A new authorization replaces the uncaptured part of the old
             * one: the payment now holds what was captured plus what the
             * new authorization holds. The hold keeps its expiry (PayPal
             * counts the 29 days from the original authorization). */
            gint64 held = res->amount > 0 ? res->amount : requested;
            p->amount = p->captured + held;
            p->decline_code = 0;
            g_clear_pointer(&p->decline_raw_code, g_free);
            g_clear_pointer(&p->decline_message, g_free);
            p->status = lifecycle_status_from_amounts(p, info);
            return TRUE;
        }
        default: {
            guint32 event = res->event;
            if (event == TENDER_EVENT_NONE && kind == LIFECYCLE_COMPLETE)
                event = *authorized_ms == 0 && (info->capabilities & TENDER_CAP_AUTHORIZE) &&
                                !(info->capabilities & TENDER_CAP_PURCHASE)
                            ? TENDER_EVENT_AUTHORIZED
                            : TENDER_EVENT_CAPTURED;
            if (!lifecycle_apply_event(p, authorized_ms, info, event, res, now)) {
                p->status = TENDER_STATUS_UNKNOWN;
                g_set_error(error, TENDER_ERROR, TENDER_ERROR_PLUGIN,
                            "%s reported an amount that breaks the payment's invariants; "
                            "payment %s left unknown for an operator",
                            info->id, p->id);
                return FALSE;
            }
            return TRUE;
        }
        }
    case TENDER_OUTCOME_DECLINED:
        if (money_op) {
            if (kind == LIFECYCLE_CAPTURE &&
                res->decline_code == TENDER_DECLINE_AUTHORIZATION_EXPIRED && p->captured == 0) {
                lifecycle_set_decline(p, res->decline_code, res->raw_code, res->message);
                p->status = TENDER_STATUS_EXPIRED;
            }
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_DECLINED, "%s declined by %s: %s (%s)",
                        lifecycle_kind_name(kind), info->id,
                        tender_decline_lookup(res->decline_code)->name,
                        res->message[0] ? res->message : res->raw_code);
            return FALSE;
        }
        if (kind == LIFECYCLE_SYNC || kind == LIFECYCLE_NOTIFICATION) {
            /* A sync or notification that says "declined" reports the
             * payment's fate, unless the plugin named another event. */
            guint32 event = res->event ? res->event : TENDER_EVENT_DECLINED;
            if (kind == LIFECYCLE_NOTIFICATION && res->event == TENDER_EVENT_NONE)
                event = TENDER_EVENT_NONE;
            lifecycle_apply_event(p, authorized_ms, info, event, res, now);
            return TRUE;
        }
        if (kind == LIFECYCLE_COMPLETE && p->captured > 0)
            return TRUE;
        clear_action(p);
        lifecycle_set_decline(p, res->decline_code, res->raw_code, res->message);
        p->status = TENDER_STATUS_DECLINED;
        return TRUE;
    case TENDER_OUTCOME_ACTION_REQUIRED:
        if (money_op || p->captured > 0)
            break;
        apply_action(p, info, res, now);
        return TRUE;
    case TENDER_OUTCOME_PENDING:
        if (money_op)
            break; /* the capture/refund settles later: sync or notification */
        if (kind == LIFECYCLE_SYNC || kind == LIFECYCLE_NOTIFICATION) {
            lifecycle_apply_event(p, authorized_ms, info,
                                  res->event ? res->event : TENDER_EVENT_PENDING, res, now);
            return TRUE;
        }
        clear_action(p);
        p->status = TENDER_STATUS_PENDING;
        return TRUE;
    case TENDER_OUTCOME_NOT_SENT:
        if (kind == LIFECYCLE_AUTHORIZE || kind == LIFECYCLE_PURCHASE) {
            lifecycle_set_decline(p, TENDER_DECLINE_PROCESSOR_UNAVAILABLE, res->raw_code,
                                  res->message);
            p->status = TENDER_STATUS_FAILED;
            return TRUE;
        }
        if (money_op) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_DECLINED,
                        "%s not sent to %s after retries: %s; nothing changed; try again later",
                        lifecycle_kind_name(kind), info->id,
                        res->message[0] ? res->message : "no reason");
            return FALSE;
        }
        return TRUE; /* sync/complete/notification not sent: nothing learned */
    default:         /* UNKNOWN */
        if (kind == LIFECYCLE_SYNC)
            return TRUE; /* the truth is still unknown: keep what we had */
        p->status = TENDER_STATUS_UNKNOWN;
        return TRUE;
    }
    /* Pending or action on a money operation: the payment's money is in
     * doubt until a sync says otherwise. */
    p->status = TENDER_STATUS_UNKNOWN;
    return TRUE;
}

static gboolean refuse(GError **error, TenderErrorCode code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static gboolean refuse(GError **error, TenderErrorCode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, TENDER_ERROR, code, msg);
    return FALSE;
}

/* An operation's amount: the caller's decimal (NULL: fallback), positive
 * and at most room; else refused, naming the operation (noun, verb) and
 * what room is ("what remains capturable"). */
static gboolean amount_within(const TenderPayment *p, const char *requested, gint64 fallback,
                              gint64 room, const char *noun, const char *verb, const char *room_is,
                              gint64 *amount, GError **error)
{
    if (requested == NULL)
        *amount = fallback;
    else if (!tender_money_parse(requested, p->currency, p->exponent, amount, error))
        return FALSE;
    if (*amount <= 0)
        return refuse(error, TENDER_ERROR_INVALID_ARGUMENT, "nothing to %s", verb);
    if (*amount > room) {
        g_autofree char *a = tender_money_format(*amount, p->currency, p->exponent);
        g_autofree char *left = tender_money_format(room, p->currency, p->exponent);
        return refuse(error, TENDER_ERROR_AMOUNT_EXCEEDED, "%s of %s %s exceeds %s (%s %s)", noun,
                      a, p->currency, room_is, left, p->currency);
    }
    return TRUE;
}

/* The state machine and money invariants, checked before the plugin is
 * called. Sets *amount to what the operation moves. */
gboolean lifecycle_check(const TenderPayment *p, const TenderMethodInfo *info, LifecycleKind kind,
                         const char *requested, gint64 *amount, GError **error)
{
    const char *status = tender_status_to_string(p->status);
    guint64 capability = lifecycle_kind_capability(kind);
    if (capability && !(info->capabilities & capability))
        return refuse(error, TENDER_ERROR_NOT_SUPPORTED, "%s does not support %s", info->id,
                      lifecycle_kind_name(kind));
    *amount = 0;
    switch (kind) {
    case LIFECYCLE_CAPTURE: {
        if (p->status == TENDER_STATUS_EXPIRED)
            return refuse(error, TENDER_ERROR_AUTHORIZATION_EXPIRED,
                          "authorization_expired: the authorization of %s lapsed; "
                          "nothing can be captured",
                          p->id);
        gboolean more = p->status == TENDER_STATUS_PARTIALLY_CAPTURED &&
                        (info->capabilities & TENDER_CAP_MULTI_CAPTURE);
        if (p->status != TENDER_STATUS_AUTHORIZED && !more)
            return refuse(error, TENDER_ERROR_INVALID_STATE, "cannot capture payment %s: it is %s",
                          p->id, status);
        gint64 room = lifecycle_capture_ceiling(p, info) - p->captured;
        if (!amount_within(p, requested, MAX(p->amount - p->captured, 0), room, "capture",
                           "capture", "what remains capturable", amount, error))
            return FALSE;
        if (*amount < p->amount - p->captured && !(info->capabilities & TENDER_CAP_PARTIAL_CAPTURE))
            return refuse(error, TENDER_ERROR_NOT_SUPPORTED, "%s does not support partial capture",
                          info->id);
        return TRUE;
    }
    case LIFECYCLE_REFUND: {
        if (p->status != TENDER_STATUS_CAPTURED && p->status != TENDER_STATUS_PARTIALLY_CAPTURED &&
            p->status != TENDER_STATUS_PARTIALLY_REFUNDED &&
            !(p->status == TENDER_STATUS_EXPIRED && p->captured > p->refunded))
            return refuse(error, TENDER_ERROR_INVALID_STATE, "cannot refund payment %s: it is %s%s",
                          p->id, status, p->captured == 0 ? " (nothing captured)" : "");
        gint64 room = p->captured - p->refunded;
        if (!amount_within(p, requested, room, room, "refund", "refund", "what remains refundable",
                           amount, error))
            return FALSE;
        if ((*amount < room || p->refunded > 0) &&
            !(info->capabilities & TENDER_CAP_PARTIAL_REFUND))
            return refuse(error, TENDER_ERROR_NOT_SUPPORTED, "%s does not support partial refunds",
                          info->id);
        return TRUE;
    }
    case LIFECYCLE_VOID:
        if (p->status == TENDER_STATUS_PARTIALLY_CAPTURED &&
            (info->capabilities & TENDER_CAP_VOID_REMAINDER)) {
            /* Release the part of the authorization that was not captured. */
            *amount = p->amount - p->captured;
            return TRUE;
        }
        if (p->captured > p->refunded)
            return refuse(error, TENDER_ERROR_INVALID_STATE,
                          "cannot void payment %s: it is %s, and %s cannot void after a capture; "
                          "refund what was captured instead",
                          p->id, status, info->id);
        if (!(p->status == TENDER_STATUS_AUTHORIZED && p->captured == 0) &&
            p->status != TENDER_STATUS_REQUIRES_ACTION && p->status != TENDER_STATUS_PENDING)
            return refuse(error, TENDER_ERROR_INVALID_STATE, "cannot void payment %s: it is %s",
                          p->id, status);
        *amount = p->amount;
        return TRUE;
    case LIFECYCLE_REAUTHORIZE: {
        if (p->status == TENDER_STATUS_EXPIRED)
            return refuse(error, TENDER_ERROR_AUTHORIZATION_EXPIRED,
                          "authorization_expired: the authorization of %s lapsed; "
                          "it cannot be reauthorized (start a new payment)",
                          p->id);
        if (p->status != TENDER_STATUS_AUTHORIZED && p->status != TENDER_STATUS_PARTIALLY_CAPTURED)
            return refuse(error, TENDER_ERROR_INVALID_STATE,
                          "cannot reauthorize payment %s: it is %s (only an authorization "
                          "not fully captured can be renewed)",
                          p->id, status);
        /* The new authorization holds what remains to capture, by default;
         * at most what the old one could still capture (the over-capture
         * ceiling, PayPal's 115%). */
        gint64 room = lifecycle_capture_ceiling(p, info) - p->captured;
        return amount_within(p, requested, MAX(p->amount - p->captured, 0), room, "reauthorization",
                             "reauthorize", "what the authorization allows", amount, error);
    }
    case LIFECYCLE_COMPLETE:
        if (p->status != TENDER_STATUS_REQUIRES_ACTION)
            return refuse(error, TENDER_ERROR_INVALID_STATE,
                          "payment %s has no action to complete: it is %s", p->id, status);
        return TRUE;
    case LIFECYCLE_SYNC:
        return TRUE;
    default:
        return refuse(error, TENDER_ERROR_INTERNAL, "unexpected operation");
    }
}

const char *lifecycle_apply_lapse(TenderPayment *p, gint64 now)
{
    if ((p->status == TENDER_STATUS_AUTHORIZED || p->status == TENDER_STATUS_PARTIALLY_CAPTURED) &&
        p->hold_expires_ms > 0 && now >= p->hold_expires_ms) {
        if (p->captured > 0) {
            /* What was captured stays; the rest of the hold is gone. */
            p->status = TENDER_STATUS_CAPTURED;
        } else {
            lifecycle_set_decline(p, TENDER_DECLINE_AUTHORIZATION_EXPIRED, NULL, NULL);
            p->status = TENDER_STATUS_EXPIRED;
        }
        p->hold_expires_ms = 0;
        return "the authorization lapsed";
    }
    if (p->status == TENDER_STATUS_REQUIRES_ACTION && p->action_expires_ms > 0 &&
        now >= p->action_expires_ms) {
        clear_action(p);
        lifecycle_set_decline(p, TENDER_DECLINE_ACTION_EXPIRED, NULL, NULL);
        p->status = TENDER_STATUS_EXPIRED;
        return "the payer did not complete the action in time";
    }
    return NULL;
}
