/* Policy evaluation: is a method offered to a buyer, at what cost, and which
 * usage counters the payment occupies.
 *
 * The plugin's facts come first and the config only narrows them: a method is
 * never offered outside the regions, currencies or amounts its plugin
 * declares, whatever the config says. Every refusal carries a decline code and
 * a sentence a person understands. All money arithmetic is integer; the one
 * rounding rule (half up, once per conversion or fee part) is documented in
 * docs/config.md. */
#include "policy.h"

#include <string.h>

#include <tender/decline.h>
#include <tender/money.h>

void policy_decision_init(TenderPolicyDecision *decision)
{
    memset(decision, 0, sizeof *decision);
}

static void charge_clear(gpointer data)
{
    TenderUsageCharge *charge = data;
    g_free(charge->key);
}

static GArray *charges_new(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(TenderUsageCharge));
    g_array_set_clear_func(a, charge_clear);
    return a;
}

void policy_decision_clear(TenderPolicyDecision *decision)
{
    if (decision == NULL)
        return;
    g_free(decision->reason);
    g_free(decision->pay_currency);
    g_free(decision->exchange);
    g_free(decision->exchange_rate);
    g_free(decision->tier);
    if (decision->amount_charges != NULL)
        g_array_unref(decision->amount_charges);
    if (decision->attempt_charges != NULL)
        g_array_unref(decision->attempt_charges);
    if (decision->decline_charges != NULL)
        g_array_unref(decision->decline_charges);
    memset(decision, 0, sizeof *decision);
}

/* Add a charge unless the key is already there: two rules over the same
 * window and currency share one counter. */
static void add_charge(GArray *charges, char *key, gint64 amount)
{
    for (guint i = 0; i < charges->len; i++) {
        if (strcmp(g_array_index(charges, TenderUsageCharge, i).key, key) == 0) {
            g_free(key);
            return;
        }
    }
    TenderUsageCharge c = {key, amount};
    g_array_append_val(charges, c);
}

/* Accounts are free text; '|' separates key fields, so escape it (and the
 * escape character) to keep keys unambiguous. */
static char *escape_account(const char *account)
{
    GString *s = g_string_new(NULL);
    for (const char *a = account; *a; a++) {
        if (*a == '|' || *a == '%')
            g_string_append_printf(s, "%%%02X", (guchar)*a);
        else
            g_string_append_c(s, *a);
    }
    return g_string_free(s, FALSE);
}

/* "amt|card|acct-1|day|2026-11-25|USD" */
static char *amount_key(const char *method, const char *account, TenderWindow window,
                        gint64 now_ms, const char *currency)
{
    char *acct = escape_account(account);
    char *start = window_start(window, now_ms);
    char *key = g_strdup_printf("amt|%s|%s|%s|%s|%s", method, acct, window_name(window),
                                start, currency);
    g_free(start);
    g_free(acct);
    return key;
}

/* "att|card|acct-1|hour|2026-11-25T14" and "dec|…" */
static char *velocity_key(const char *kind, const char *method, const char *account,
                          TenderWindow window, gint64 now_ms)
{
    char *acct = escape_account(account);
    char *start = window_start(window, now_ms);
    char *key = g_strdup_printf("%s|%s|%s|%s|%s", kind, method, acct,
                                window_name(window), start);
    g_free(start);
    g_free(acct);
    return key;
}

static const char *window_adjective(TenderWindow window)
{
    switch (window) {
    case TENDER_WINDOW_MINUTE:
        return "per-minute";
    case TENDER_WINDOW_HOUR:
        return "hourly";
    case TENDER_WINDOW_DAY:
        return "daily";
    case TENDER_WINDOW_WEEK:
        return "weekly";
    case TENDER_WINDOW_MONTH:
        return "monthly";
    case TENDER_WINDOW_YEAR:
        return "yearly";
    case TENDER_WINDOW_LIFETIME:
    default:
        return "lifetime";
    }
}

static const char *method_label(const TenderMethodInfo *method)
{
    return method->name != NULL && method->name[0] != '\0' ? method->name : method->id;
}

static G_GNUC_PRINTF(3, 4) gboolean refuse(TenderPolicyDecision *d, tender_decline_code code,
                                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(d->reason);
    d->reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    d->offered = FALSE;
    d->code = code;
    return TRUE;
}

static const TenderCurrencyInfo *fact_for(const TenderMethodInfo *method, const char *code)
{
    for (guint i = 0; method->currencies != NULL && i < method->currencies->len; i++) {
        const TenderCurrencyInfo *c = &g_array_index(method->currencies, TenderCurrencyInfo, i);
        if (strcmp(c->code, code) == 0)
            return c;
    }
    return NULL;
}

static int fact_exponent(const TenderCurrencyInfo *fact)
{
    return fact->exponent >= 0 ? fact->exponent : tender_currency_exponent(fact->code);
}

/* The method takes code from a buyer in region: the plugin declares it (and
 * its home region, if any, is the buyer's) and the config does not leave it
 * out. */
static const TenderCurrencyInfo *accepted(const TenderMethodInfo *method,
                                          const TenderMethodPolicy *policy, const char *code,
                                          const char *region)
{
    const TenderCurrencyInfo *fact = fact_for(method, code);
    if (fact == NULL)
        return NULL;
    if (fact->home_region != NULL && fact->home_region[0] != '\0' &&
        strcmp(fact->home_region, region) != 0)
        return NULL;
    if (policy != NULL && policy->currencies != NULL &&
        !g_strv_contains((const char *const *)policy->currencies, code))
        return NULL;
    return fact;
}

static gboolean plugin_serves(const TenderMethodInfo *method, const char *region)
{
    if (method->regions == NULL)
        return FALSE;
    return g_strv_contains((const char *const *)method->regions, "*") ||
           g_strv_contains((const char *const *)method->regions, region);
}

static char *regions_text(const TenderMethodInfo *method)
{
    if (method->regions == NULL || method->regions[0] == NULL)
        return g_strdup("no region");
    return g_strjoinv(", ", method->regions);
}

/* Tiers the method knows: the plugin's when it declares any (the plugin's
 * facts bound the config), else the config's. */
static gboolean method_has_tiers(const TenderMethodInfo *method,
                                 const TenderMethodPolicy *policy)
{
    if (method->tiers != NULL && method->tiers[0] != NULL)
        return TRUE;
    return policy != NULL && policy->tiers->len > 0;
}

static gboolean method_knows_tier(const TenderMethodInfo *method,
                                  const TenderMethodPolicy *policy, const char *tier)
{
    if (method->tiers != NULL && method->tiers[0] != NULL)
        return g_strv_contains((const char *const *)method->tiers, tier);
    return method_policy_tier(policy, tier) != NULL;
}

static char *known_tiers_text(const TenderMethodInfo *method, const TenderMethodPolicy *policy)
{
    if (method->tiers != NULL && method->tiers[0] != NULL)
        return g_strjoinv(", ", method->tiers);
    GString *s = g_string_new(NULL);
    for (guint i = 0; policy != NULL && i < policy->tiers->len; i++) {
        const TenderTierPolicy *t = g_ptr_array_index(policy->tiers, i);
        g_string_append_printf(s, "%s%s", i ? ", " : "", t->name);
    }
    return g_string_free(s, FALSE);
}

/* "12.50 USD" */
static char *money_text(gint64 amount, const char *currency, int exponent)
{
    char *num = tender_money_format(amount, currency, exponent);
    char *text = g_strdup_printf("%s %s", num, currency);
    g_free(num);
    return text;
}

/* Region checks: plugin facts first, then the config's allow and deny. */
static gboolean check_region(const TenderMethodInfo *method, const TenderMethodPolicy *policy,
                             const char *region, TenderPolicyDecision *d)
{
    if (!plugin_serves(method, region)) {
        char *list = regions_text(method);
        refuse(d, TENDER_DECLINE_REGION_NOT_SUPPORTED,
               "%s is not available to buyers in %s; it serves %s.", method_label(method),
               region, list);
        g_free(list);
        return FALSE;
    }
    if (policy == NULL)
        return TRUE;
    gboolean allowed = policy->allow == NULL ||
                       g_strv_contains((const char *const *)policy->allow, "*") ||
                       g_strv_contains((const char *const *)policy->allow, region);
    gboolean denied = policy->deny != NULL &&
                      g_strv_contains((const char *const *)policy->deny, region);
    if (!allowed || denied) {
        refuse(d, TENDER_DECLINE_REGION_NOT_SUPPORTED,
               "%s is not offered to buyers in %s by this merchant.", method_label(method),
               region);
        return FALSE;
    }
    return TRUE;
}

/* Choose the currency the buyer pays in and the amount in it. */
static gboolean choose_currency(const TenderConfig *config, const TenderMethodInfo *method,
                                const TenderMethodPolicy *policy, const TenderPolicyBuyer *buyer,
                                TenderPolicyDecision *d)
{
    const char *label = method_label(method);
    int order_exp = tender_currency_exponent(buyer->currency);
    const TenderCurrencyInfo *fact = accepted(method, policy, buyer->currency, buyer->region);
    if (fact != NULL) {
        int exp = fact_exponent(fact);
        gint64 amount = 0;
        if (!tender_money_rescale(buyer->amount, order_exp, exp, &amount)) {
            char *order = money_text(buyer->amount, buyer->currency, order_exp);
            if (exp == 0)
                refuse(d, TENDER_DECLINE_INVALID_AMOUNT,
                       "%s takes %s in whole units only; %s cannot be paid exactly.", label,
                       buyer->currency, order);
            else
                refuse(d, TENDER_DECLINE_INVALID_AMOUNT,
                       "%s takes %s with at most %d decimals; %s cannot be paid exactly.",
                       label, buyer->currency, exp, order);
            g_free(order);
            return FALSE;
        }
        d->pay_currency = g_strdup(buyer->currency);
        d->pay_exponent = exp;
        d->pay_amount = amount;
        return TRUE;
    }

    /* A currency the method keeps for in-country accounts (PayPal's BRL for
     * Brazil) is refused to other buyers rather than converted: the order
     * was priced for that country, and the provider would refuse it too. */
    const TenderCurrencyInfo *home = fact_for(method, buyer->currency);
    if (home != NULL && home->home_region != NULL && home->home_region[0] != '\0' &&
        strcmp(home->home_region, buyer->region) != 0) {
        refuse(d, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED,
               "%s takes %s only from buyers in %s; this buyer is in %s.", label,
               buyer->currency, home->home_region, buyer->region);
        return FALSE;
    }

    /* Convert into the first currency the method takes for this buyer: the
     * config's order when it lists currencies, else the plugin's. */
    GPtrArray *candidates = g_ptr_array_new();
    if (policy != NULL && policy->currencies != NULL) {
        for (guint i = 0; policy->currencies[i] != NULL; i++)
            g_ptr_array_add(candidates, policy->currencies[i]);
    } else {
        for (guint i = 0; method->currencies != NULL && i < method->currencies->len; i++)
            g_ptr_array_add(candidates,
                            g_array_index(method->currencies, TenderCurrencyInfo, i).code);
    }
    const char *usable = NULL;
    for (guint i = 0; i < candidates->len; i++) {
        const char *code = g_ptr_array_index(candidates, i);
        const TenderCurrencyInfo *c = accepted(method, policy, code, buyer->region);
        if (c == NULL)
            continue;
        if (usable == NULL)
            usable = code;
        gint64 amount = 0;
        if (!policy_exchange_convert(config_exchange(config), buyer->amount, buyer->currency,
                                     order_exp, code, fact_exponent(c), &amount))
            continue;
        d->pay_currency = g_strdup(code);
        d->pay_exponent = fact_exponent(c);
        d->pay_amount = amount;
        d->exchange =
            policy_exchange_rate_text(config_exchange(config), buyer->currency, code);
        d->exchange_rate =
            policy_exchange_rate_quote(config_exchange(config), buyer->currency, code);
        g_ptr_array_unref(candidates);
        return TRUE;
    }
    g_ptr_array_unref(candidates);
    if (usable == NULL)
        refuse(d, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED,
               "%s takes no currency usable by buyers in %s.", label, buyer->region);
    else
        refuse(d, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED,
               "%s does not take %s and there is no exchange rate from %s to %s.", label,
               buyer->currency, buyer->currency, usable);
    return FALSE;
}

/* Fee in the pay currency: percentage parts in basis points of the amount,
 * summed then rounded half up once, plus the fixed part for that currency
 * (converted from the first configured one when the currency has none). */
static gboolean compute_fee(const TenderConfig *config, const TenderMethodPolicy *policy,
                            const TenderPolicyBuyer *buyer, TenderPolicyDecision *d)
{
    d->fee = 0;
    if (policy == NULL)
        return TRUE;
    gint64 bps = policy->fee_bps;
    const char *merchant = config_merchant_region(config);
    if (merchant[0] != '\0' && strcmp(merchant, buyer->region) != 0)
        bps += policy->cross_border_bps;
    gint64 pct = 0;
    if (bps > 0 && !tender_money_mul_div(d->pay_amount, bps, 10000, TRUE, &pct))
        return FALSE;
    gint64 fixed = 0;
    const TenderMoneyEntry *entry = NULL;
    for (guint i = 0; i < policy->fee_fixed->len; i++) {
        const TenderMoneyEntry *e = &g_array_index(policy->fee_fixed, TenderMoneyEntry, i);
        if (strcmp(e->currency, d->pay_currency) == 0) {
            entry = e;
            break;
        }
    }
    if (entry == NULL && policy->fee_fixed->len > 0)
        entry = &g_array_index(policy->fee_fixed, TenderMoneyEntry, 0);
    if (entry != NULL &&
        !policy_exchange_convert(config_exchange(config), entry->value, entry->currency, -1,
                                 d->pay_currency, d->pay_exponent, &fixed))
        return FALSE;
    return tender_money_add(pct, fixed, &d->fee);
}

/* Per-transaction bounds on the amount the method is asked to move (the
 * order amount in the pay currency; the fee is the merchant's and is not
 * sent to the plugin). The plugin's inherent bounds come first, then the
 * config's. */
static gboolean check_bounds(const TenderConfig *config, const TenderMethodInfo *method,
                             const TenderMethodPolicy *policy, TenderPolicyDecision *d)
{
    const char *label = method_label(method);
    const TenderCurrencyInfo *fact = fact_for(method, d->pay_currency);
    gboolean ok = TRUE;
    if (fact != NULL && ((fact->min_amount > 0 && d->pay_amount < fact->min_amount) ||
                         (fact->max_amount > 0 && d->pay_amount > fact->max_amount))) {
        gboolean below = fact->min_amount > 0 && d->pay_amount < fact->min_amount;
        char *amount = money_text(d->pay_amount, d->pay_currency, d->pay_exponent);
        char *bound = money_text(below ? fact->min_amount : fact->max_amount, d->pay_currency,
                                 d->pay_exponent);
        refuse(d, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE, "%s is %s the %s of %s for %s.", amount,
               below ? "below" : "above", below ? "minimum" : "maximum", bound, label);
        g_free(amount);
        g_free(bound);
        return FALSE;
    }
    if (policy == NULL || policy->amounts->len == 0)
        return TRUE;
    /* The config's bounds for the pay currency, else the first configured
     * ones with the amount converted into their currency. */
    const TenderAmountBounds *b = NULL;
    for (guint i = 0; i < policy->amounts->len; i++) {
        const TenderAmountBounds *x = &g_array_index(policy->amounts, TenderAmountBounds, i);
        if (strcmp(x->currency, d->pay_currency) == 0) {
            b = x;
            break;
        }
    }
    if (b == NULL)
        b = &g_array_index(policy->amounts, TenderAmountBounds, 0);
    char *amount = money_text(d->pay_amount, d->pay_currency, d->pay_exponent);
    gint64 value = 0;
    if (!policy_exchange_convert(config_exchange(config), d->pay_amount, d->pay_currency,
                                 d->pay_exponent, b->currency, -1, &value)) {
        refuse(d, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED,
               "%s cannot check %s against its bounds: there is no exchange rate from %s "
               "to %s.",
               label, amount, d->pay_currency, b->currency);
        g_free(amount);
        return FALSE;
    }
    char *shown;
    if (strcmp(b->currency, d->pay_currency) == 0) {
        shown = g_strdup(amount);
    } else {
        char *conv = money_text(value, b->currency, -1);
        shown = g_strdup_printf("%s (about %s)", amount, conv);
        g_free(conv);
    }
    if (b->has_min && value < b->min) {
        char *min = money_text(b->min, b->currency, -1);
        ok = !refuse(d, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                     "%s is below the minimum of %s for %s.", shown, min, label);
        g_free(min);
    } else if (b->has_max && value > b->max) {
        char *max = money_text(b->max, b->currency, -1);
        ok = !refuse(d, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                     "%s is above the maximum of %s for %s.", shown, max, label);
        g_free(max);
    }
    g_free(shown);
    g_free(amount);
    return ok;
}

/* Cumulative limits on what the payment holds (the amount, converted into
 * each limit's currency). Every limit rule of the method (for every buyer
 * and for every tier) names a counter; a payment occupies all of them, so
 * the usage stays right when an account changes tier. Only the rules for
 * the buyer's tier decide. */
static gboolean check_limits(const TenderConfig *config, const TenderMethodInfo *method,
                             const TenderMethodPolicy *policy, const TenderPolicyBuyer *buyer,
                             const char *tier, TenderUsageLookup lookup, gpointer lookup_data,
                             TenderPolicyDecision *d)
{
    const TenderTierPolicy *tp = tier != NULL ? method_policy_tier(policy, tier) : NULL;
    guint n_groups = 1 + policy->tiers->len;
    gboolean ok = TRUE;
    for (guint g = 0; g < n_groups; g++) {
        const TenderTierPolicy *group = g == 0 ? NULL : g_ptr_array_index(policy->tiers, g - 1);
        const GArray *rules = group == NULL ? policy->limits : group->limits;
        gboolean applies = group == NULL || group == tp;
        for (guint i = 0; i < rules->len; i++) {
            const TenderLimitRule *rule = &g_array_index(rules, TenderLimitRule, i);
            gint64 requested = 0;
            gboolean converted = policy_exchange_convert(
                config_exchange(config), d->pay_amount, d->pay_currency, d->pay_exponent,
                rule->currency, -1, &requested);
            if (!converted) {
                if (applies && ok) {
                    ok = !refuse(d, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED,
                                 "%s cannot check its %s limit: there is no exchange rate "
                                 "from %s to %s.",
                                 method_label(method), window_adjective(rule->window),
                                 d->pay_currency, rule->currency);
                }
                continue;
            }
            char *key = amount_key(method->id, buyer->account, rule->window, buyer->now_ms,
                                   rule->currency);
            gint64 used = lookup != NULL ? lookup(key, lookup_data) : 0;
            gint64 after = 0;
            if (applies && ok &&
                (!tender_money_add(used, requested, &after) || after > rule->max)) {
                char *max = money_text(rule->max, rule->currency, -1);
                char *u = tender_money_format(used, rule->currency, -1);
                char *r = tender_money_format(requested, rule->currency, -1);
                if (group != NULL)
                    refuse(d, TENDER_DECLINE_LIMIT_EXCEEDED,
                           "%s limit for tier %s is %s; %s used; %s requested",
                           window_adjective(rule->window), group->name, max, u, r);
                else
                    refuse(d, TENDER_DECLINE_LIMIT_EXCEEDED,
                           "%s limit for %s is %s; %s used; %s requested",
                           window_adjective(rule->window), method_label(method), max, u, r);
                g_free(max);
                g_free(u);
                g_free(r);
                ok = FALSE;
            }
            add_charge(d->amount_charges, key, requested);
        }
    }
    return ok;
}

void policy_limit_usage(const TenderConfig *config, const TenderMethodInfo *method,
                        const char *account, gint64 now_ms, TenderUsageLookup lookup,
                        gpointer lookup_data, GPtrArray *out)
{
    const TenderMethodPolicy *policy = config_method(config, method->id);
    if (policy == NULL)
        return;
    for (guint g = 0; g < 1 + policy->tiers->len; g++) {
        const TenderTierPolicy *group = g == 0 ? NULL : g_ptr_array_index(policy->tiers, g - 1);
        const GArray *rules = group == NULL ? policy->limits : group->limits;
        for (guint i = 0; i < rules->len; i++) {
            const TenderLimitRule *rule = &g_array_index(rules, TenderLimitRule, i);
            char *key = amount_key(method->id, account, rule->window, now_ms, rule->currency);
            TenderLimitUsage *u = g_new0(TenderLimitUsage, 1);
            u->method = g_strdup(method->id);
            u->tier = group ? g_strdup(group->name) : NULL;
            u->window = g_strdup(window_name(rule->window));
            u->window_start = window_start(rule->window, now_ms);
            u->currency = g_strdup(rule->currency);
            u->exponent = tender_currency_exponent(rule->currency);
            u->limit = rule->max;
            u->used = lookup(key, lookup_data);
            u->remaining = u->used < u->limit ? u->limit - u->used : 0;
            g_ptr_array_add(out, u);
            g_free(key);
        }
    }
}

/* Velocity: attempts and declines per account and window. */
static gboolean check_velocity(const TenderMethodInfo *method, const TenderMethodPolicy *policy,
                               const TenderPolicyBuyer *buyer, TenderUsageLookup lookup,
                               gpointer lookup_data, TenderPolicyDecision *d)
{
    gboolean ok = TRUE;
    for (guint i = 0; i < policy->velocity->len; i++) {
        const TenderVelocityRule *rule = &g_array_index(policy->velocity, TenderVelocityRule, i);
        const char *wname = window_name(rule->window);
        char *att = velocity_key("att", method->id, buyer->account, rule->window, buyer->now_ms);
        char *dec = velocity_key("dec", method->id, buyer->account, rule->window, buyer->now_ms);
        gint64 attempts = lookup != NULL ? lookup(att, lookup_data) : 0;
        gint64 declines = lookup != NULL ? lookup(dec, lookup_data) : 0;
        if (ok && rule->max_attempts > 0 && attempts >= rule->max_attempts) {
            refuse(d, TENDER_DECLINE_VELOCITY_EXCEEDED,
                   "at most %" G_GINT64_FORMAT " payment attempts per %s with %s; %"
                   G_GINT64_FORMAT " made. Try again later.", rule->max_attempts, wname,
                   method_label(method), attempts);
            ok = FALSE;
        } else if (ok && rule->max_declines > 0 && declines >= rule->max_declines) {
            refuse(d, TENDER_DECLINE_VELOCITY_EXCEEDED,
                   "at most %" G_GINT64_FORMAT " declined payments per %s with %s; %"
                   G_GINT64_FORMAT " declined. Try again later.", rule->max_declines, wname,
                   method_label(method), declines);
            ok = FALSE;
        }
        add_charge(d->attempt_charges, att, 1);
        add_charge(d->decline_charges, dec, 1);
    }
    return ok;
}

/* step_up.issuer_country_mismatch: a card issued in another country than
 * the buyer's region. Unknown issuing country: no opinion. */
static gboolean issuer_abroad(const TenderMethodPolicy *policy, const char *issuer_country,
                              const char *buyer_region)
{
    if (policy == NULL || !policy->step_up_issuer_mismatch || issuer_country == NULL ||
        issuer_country[0] == '\0' || buyer_region == NULL || buyer_region[0] == '\0')
        return FALSE;
    return g_ascii_strcasecmp(issuer_country, buyer_region) != 0;
}

/* Strong authentication when the amount is above the configured threshold
 * (in the pay currency, else converted into the first threshold's
 * currency). */
static gboolean wants_step_up(const TenderConfig *config, const TenderMethodInfo *method,
                              const TenderMethodPolicy *policy, const TenderPolicyDecision *d)
{
    if ((method->capabilities & TENDER_CAP_STEP_UP) == 0 || policy == NULL ||
        policy->step_up_above->len == 0)
        return FALSE;
    const TenderMoneyEntry *entry = NULL;
    for (guint i = 0; i < policy->step_up_above->len; i++) {
        const TenderMoneyEntry *e = &g_array_index(policy->step_up_above, TenderMoneyEntry, i);
        if (strcmp(e->currency, d->pay_currency) == 0) {
            entry = e;
            break;
        }
    }
    if (entry == NULL)
        entry = &g_array_index(policy->step_up_above, TenderMoneyEntry, 0);
    gint64 value = 0;
    if (!policy_exchange_convert(config_exchange(config), d->pay_amount, d->pay_currency,
                                 d->pay_exponent, entry->currency, -1, &value))
        return TRUE; /* cannot tell: the safe side */
    return value > entry->value;
}

gboolean policy_evaluate(const TenderConfig *config, const TenderMethodInfo *method,
                                const TenderPolicyBuyer *buyer, TenderUsageLookup lookup,
                                gpointer lookup_data, TenderPolicyDecision *decision,
                                GError **error)
{
    g_return_val_if_fail(config != NULL && method != NULL && buyer != NULL &&
                         decision != NULL, FALSE);
    TenderPolicyDecision *d = decision;
    policy_decision_clear(d);
    d->amount_charges = charges_new();
    d->attempt_charges = charges_new();
    d->decline_charges = charges_new();
    d->offered = FALSE;

    if (buyer->currency == NULL || !tender_currency_is_known(buyer->currency)) {
        refuse(d, TENDER_DECLINE_INVALID_REQUEST, "unknown currency");
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "unknown currency '%s' (expected an ISO 4217 code such as USD)",
                    buyer->currency != NULL ? buyer->currency : "");
        return FALSE;
    }
    if (buyer->region == NULL || !tender_region_is_valid(buyer->region)) {
        refuse(d, TENDER_DECLINE_INVALID_REQUEST, "unknown region");
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "unknown region '%s' (expected an ISO 3166-1 alpha-2 code such as US)",
                    buyer->region != NULL ? buyer->region : "");
        return FALSE;
    }
    if (!config_check_buyer_region(config, buyer->region, error)) {
        refuse(d, TENDER_DECLINE_INVALID_REQUEST, "undeclared user-assigned region");
        return FALSE;
    }
    if (buyer->amount < 0) {
        refuse(d, TENDER_DECLINE_INVALID_AMOUNT, "negative amount");
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "the amount must not be negative");
        return FALSE;
    }
    const char *account = buyer->account != NULL ? buyer->account : "";
    const char *buyer_tier = buyer->tier != NULL ? buyer->tier : "";
    const TenderMethodPolicy *policy = config_method(config, method->id);
    const char *label = method_label(method);

    TenderPolicyBuyer b = *buyer;
    b.account = account;
    /* Velocity counters do not depend on the amount: name them whatever
     * happens next, so the host can count an attempt it makes. */
    if (policy != NULL && account[0] != '\0')
        check_velocity(method, policy, &b, NULL, NULL, d);

    if (policy != NULL && !policy->enabled) {
        refuse(d, TENDER_DECLINE_NOT_PERMITTED, "%s is turned off by the merchant.", label);
        return TRUE;
    }
    if (!check_region(method, policy, buyer->region, d))
        return TRUE;

    /* The tier: the buyer's, else the config's default, so a buyer who
     * names no tier is held to the default tier's limits rather than to
     * none. A method without tiers ignores it; a tier the method does not
     * know is refused. */
    const char *tier = NULL;
    if (method_has_tiers(method, policy)) {
        if (buyer_tier[0] != '\0') {
            if (!method_knows_tier(method, policy, buyer_tier)) {
                char *known = known_tiers_text(method, policy);
                refuse(d, TENDER_DECLINE_RESTRICTED,
                       "%s does not know the account tier \"%s\" (its tiers: %s).", label,
                       buyer_tier, known);
                g_free(known);
                return TRUE;
            }
            tier = buyer_tier;
        } else if (policy != NULL && policy->default_tier != NULL) {
            tier = policy->default_tier;
        }
    }
    d->tier = g_strdup(tier);

    if (!choose_currency(config, method, policy, buyer, d))
        return TRUE;
    if (!compute_fee(config, policy, buyer, d) ||
        !tender_money_add(d->pay_amount, d->fee, &d->total)) {
        refuse(d, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE, "The amount is too large for %s.", label);
        return TRUE;
    }
    if (!check_bounds(config, method, policy, d))
        return TRUE;
    if (policy != NULL && account[0] != '\0') {
        if (!check_limits(config, method, policy, &b, tier, lookup, lookup_data, d)) {
            g_array_set_size(d->amount_charges, 0);
            return TRUE;
        }
        if (!check_velocity(method, policy, &b, lookup, lookup_data, d)) {
            g_array_set_size(d->amount_charges, 0);
            return TRUE;
        }
    }
    d->step_up = wants_step_up(config, method, policy, d) ||
                 ((method->capabilities & TENDER_CAP_STEP_UP) &&
                  issuer_abroad(policy, buyer->issuer_country, buyer->region));
    d->offered = TRUE;
    d->code = TENDER_DECLINE_NONE;
    g_clear_pointer(&d->reason, g_free);
    return TRUE;
}

const char *policy_bin_country(const TenderConfig *config, const char *first6)
{
    return config_bin_country(config, first6);
}
