/* Policy evaluation (private to libtender): is a method offered to a buyer,
 * at what cost, and which usage counters a payment occupies.
 *
 * The evaluation is a pure function of the config, the method's facts, the
 * buyer and the current counter values (read through a callback), so the host
 * can run it inside the ledger transaction that reserves the counters:
 * concurrent payments (threads or processes) then serialize on that
 * transaction and can never together pass a limit. Thread-safe. */
#ifndef TENDER_CORE_POLICY_H
#define TENDER_CORE_POLICY_H

#include <glib.h>

#include <tender/tender.h>

#include "config.h"

G_BEGIN_DECLS

typedef struct {
    const char *region;
    const char *currency;   /* the order currency */
    gint64 amount;          /* order amount in ISO minor units of currency */
    const char *account;    /* "" when none: cumulative limits then do not apply */
    const char *tier;       /* "" when none: the method's default tier */
    gint64 now_ms;          /* the host clock, UTC */
    /* The instrument, as the method's describe_instrument told it before
     * the policy ran (ABI 1.1); NULL or "" when not known. */
    const char *issuer_country; /* ISO 3166-1 alpha-2 */
    const char *brand;
} TenderPolicyBuyer;

/* Current value of one usage counter (0 when it does not exist yet). */
typedef gint64 (*TenderUsageLookup)(const char *counter_key, gpointer user_data);

/* One counter a payment touches. Keys embed the window they count (e.g.
 * "amt|card|acct-1|day|2026-11-25|USD"), so a new window starts at 0 and
 * nothing is ever scanned. */
typedef struct {
    char *key;
    gint64 amount;          /* the full payment amount in the counter's units */
} TenderUsageCharge;

typedef struct {
    gboolean offered;
    tender_decline_code code;   /* why not offered */
    char *reason;               /* a sentence: "daily limit for tier alias is 100.00 USD; 40.00 used; 75.00 requested" */
    /* What the buyer pays: the order amount, converted when the method cannot
     * take the order currency. */
    char *pay_currency;
    int pay_exponent;           /* the method's exponent for pay_currency */
    gint64 pay_amount;          /* in pay_currency at pay_exponent */
    gint64 fee;                 /* in pay_currency at pay_exponent */
    gint64 total;               /* pay_amount + fee */
    char *exchange;             /* description of the conversion, or NULL */
    /* The configured rates the conversion used, exact ("1 USD = 7.1 CNY as
     * of 2026-11-01", config_rate_quote), or NULL when the method
     * takes the order currency. Recorded with the payment. */
    char *exchange_rate;
    /* The tier whose limits the buyer is held to: the buyer's, else the
     * method's default_tier; NULL when the method has no tiers or none
     * applies. Set as soon as it is known, so a refusal by a tier's limit
     * names the tier it applied. */
    char *tier;
    gboolean step_up;           /* ask the method for strong authentication */
    /* Amount counters: charged while the payment holds money, released on
     * void/refund in proportion (see docs/config.md). */
    GArray *amount_charges;     /* TenderUsageCharge */
    /* Attempt counters (+1 on every attempt) and decline counters (+1 when
     * the attempt is declined) for velocity rules. */
    GArray *attempt_charges;    /* TenderUsageCharge, amount 1 */
    GArray *decline_charges;    /* TenderUsageCharge, amount 1 */
} TenderPolicyDecision;

void policy_decision_init(TenderPolicyDecision *decision);
void policy_decision_clear(TenderPolicyDecision *decision);

/* Evaluate method for buyer. Always fills decision (offered or not, with a
 * code and reason). Returns FALSE with TENDER_ERROR_INVALID_ARGUMENT only
 * for malformed input (unknown currency or region). */
gboolean policy_evaluate(const TenderConfig *config, const TenderMethodInfo *method,
                                const TenderPolicyBuyer *buyer, TenderUsageLookup lookup,
                                gpointer lookup_data, TenderPolicyDecision *decision,
                                GError **error);

/* Append to out (TenderLimitUsage*) each cumulative limit of method's
 * policy, every buyer's then each tier's, with what account has used of it
 * in the window holding now_ms: the counters check_limits reads, read
 * through lookup. Nothing when the config sets no limit for the method. */
void policy_limit_usage(const TenderConfig *config, const TenderMethodInfo *method,
                        const char *account, gint64 now_ms, TenderUsageLookup lookup,
                        gpointer lookup_data, GPtrArray *out);

/* The issuing country of a card's first six digits from the config's
 * BIN-country table, or NULL. The operator's table wins over the plugin's
 * own knowledge. */
const char *policy_bin_country(const TenderConfig *config, const char *first6);

G_END_DECLS

#endif
