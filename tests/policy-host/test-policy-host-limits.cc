// Cumulative limits and velocity rules through the host (issue 4): the real
// ledger, the bundled card plugin, a fixed clock moved across calendar
// boundaries in UTC. What a refusal looks like in the ledger, how voids,
// refunds, lapses and declines give the room back, and how attempts and
// declines are capped per account (docs/config.md, "Counting rule").
#include "policy-host-support.h"

namespace {

using ph::Payment;

class PolicyHost : public ::testing::Test {
protected:
    void TearDown() override
    {
        tender_host_free(host);
        host = nullptr;
    }

    // Start a host whose card method has this policy, at this time.
    void start(const std::string &card_policy, const char *now)
    {
        std::string why;
        host = ph::make_host(ph::card_config(card_policy).c_str(), ledger, ph::utc_ms(now),
                             ph::card_dir(), &why);
        ASSERT_NE(host, nullptr) << why;
    }

    void at(const char *now) { tender_host_set_now(host, ph::utc_ms(now)); }

    Payment pay(const char *account, const char *amount, gboolean capture = FALSE,
                const char *number = ph::kGoodCard)
    {
        return Payment(ph::pay_card(host, account, amount, capture, number));
    }

    Payment void_payment(const TenderPayment *p)
    {
        GError *error = nullptr;
        Payment out(tender_host_void(host, p->id, nullptr, &error));
        EXPECT_NE(out, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return out;
    }

    Payment capture(const TenderPayment *p, const char *amount)
    {
        GError *error = nullptr;
        Payment out(tender_host_capture(host, p->id, amount, nullptr, &error));
        EXPECT_NE(out, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return out;
    }

    Payment refund(const TenderPayment *p, const char *amount)
    {
        GError *error = nullptr;
        Payment out(tender_host_refund(host, p->id, amount, nullptr, &error));
        EXPECT_NE(out, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return out;
    }

    gint64 usage(const std::string &key) { return ph::usage_value(ledger, key); }
    gint64 counted(const TenderPayment *p, const std::string &key)
    {
        return ph::payment_counted(ledger, p->id, key);
    }

    ph::TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    TenderHost *host = nullptr;
};

// The payment went through the plugin and holds money.
void expect_authorized(const TenderPayment *p, TenderStatus status = TENDER_STATUS_AUTHORIZED)
{
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, status) << tender_status_to_string(p->status) << ": "
                                 << (p->decline_message ? p->decline_message : "");
    // The plugin saw the card: the display data is its answer.
    EXPECT_STREQ(p->brand, "visa");
    EXPECT_STREQ(p->last4, "4242");
}

// The policy refused the payment: recorded as declined with code and reason,
// and the plugin was never called (no display data, no processor reference,
// one operation whose raw code is "policy").
void expect_refused(const TenderPayment *p, const char *code, const std::string &reason)
{
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED) << tender_status_to_string(p->status);
    EXPECT_EQ(ph::decline_name(p), code);
    EXPECT_STREQ(p->decline_raw_code, "policy");
    EXPECT_EQ(std::string(p->decline_message ? p->decline_message : ""), reason);
    EXPECT_TRUE(p->brand == nullptr || p->brand[0] == '\0') << p->brand;
    EXPECT_TRUE(p->first6 == nullptr || p->first6[0] == '\0') << p->first6;
    EXPECT_TRUE(p->last4 == nullptr || p->last4[0] == '\0') << p->last4;
    EXPECT_TRUE(p->processor_ref == nullptr || p->processor_ref[0] == '\0') << p->processor_ref;
    ASSERT_NE(p->operations, nullptr);
    ASSERT_EQ(p->operations->len, 1u);
    const auto *op = static_cast<const TenderOperation *>(g_ptr_array_index(p->operations, 0));
    EXPECT_TRUE(g_strcmp0(op->kind, "authorize") == 0 || g_strcmp0(op->kind, "purchase") == 0)
        << op->kind;
    EXPECT_STREQ(op->outcome, "declined");
    EXPECT_STREQ(op->decline_code, code);
    EXPECT_STREQ(op->raw_code, "policy");
    EXPECT_STREQ(op->status_after, "declined");
}

// ---- limits across calendar boundaries ----------------------------------

TEST_F(PolicyHost, DailyLimitFilledAtTheLastSecondRestartsAtMidnightUtc)
{
    start(R"("limits": [{"window": "day", "currency": "USD", "max": "100.00"}])",
          "2026-11-25T10:00:00Z");
    Payment a = pay("acct-day", "60.00");
    expect_authorized(a.get());
    at("2026-11-25T23:59:59Z");
    Payment b = pay("acct-day", "40.00");  // reaching the limit exactly is allowed
    expect_authorized(b.get());

    Payment c = pay("acct-day", "0.01");
    expect_refused(c.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");
    at("2026-11-25T23:59:59.999Z");
    Payment d = pay("acct-day", "0.01");
    expect_refused(d.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");

    at("2026-11-26T00:00:00Z");
    Payment e = pay("acct-day", "100.00");
    expect_authorized(e.get());
    Payment f = pay("acct-day", "0.01");
    expect_refused(f.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");

    // Another account has its own counter.
    Payment g = pay("acct-other", "100.00");
    expect_authorized(g.get());

    EXPECT_EQ(usage(ph::amount_key("card", "acct-day", "day", "2026-11-25", "USD")), 10000);
    EXPECT_EQ(usage(ph::amount_key("card", "acct-day", "day", "2026-11-26", "USD")), 10000);
    // A refusal holds nothing.
    EXPECT_EQ(counted(c.get(), ph::amount_key("card", "acct-day", "day", "2026-11-25", "USD")),
              -1);
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, MonthlyLimitRestartsOnTheFirst)
{
    start(R"("limits": [{"window": "month", "currency": "USD", "max": "100.00"}])",
          "2026-11-02T12:00:00Z");
    Payment a = pay("acct-month", "60.00", TRUE);
    expect_authorized(a.get(), TENDER_STATUS_CAPTURED);
    // Days pass; the month's counter keeps the first payment.
    at("2026-11-30T23:59:59Z");
    Payment b = pay("acct-month", "40.01", TRUE);
    expect_refused(b.get(), "limit_exceeded",
                   "monthly limit for Bank card is 100.00 USD; 60.00 used; 40.01 requested");
    Payment c = pay("acct-month", "40.00", TRUE);
    expect_authorized(c.get(), TENDER_STATUS_CAPTURED);
    Payment d = pay("acct-month", "0.01", TRUE);
    expect_refused(d.get(), "limit_exceeded",
                   "monthly limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");

    at("2026-12-01T00:00:00Z");
    Payment e = pay("acct-month", "100.00", TRUE);
    expect_authorized(e.get(), TENDER_STATUS_CAPTURED);
    Payment f = pay("acct-month", "0.01", TRUE);
    expect_refused(f.get(), "limit_exceeded",
                   "monthly limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");

    EXPECT_EQ(usage(ph::amount_key("card", "acct-month", "month", "2026-11-01", "USD")), 10000);
    EXPECT_EQ(usage(ph::amount_key("card", "acct-month", "month", "2026-12-01", "USD")), 10000);
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, WeeklyLimitRestartsOnMonday)
{
    // 2026-11-23 and 2026-11-30 are Mondays (ISO 8601 weeks).
    start(R"("limits": [{"window": "week", "currency": "USD", "max": "100.00"}])",
          "2026-11-23T00:00:00Z");
    Payment a = pay("acct-week", "100.00", TRUE);
    expect_authorized(a.get(), TENDER_STATUS_CAPTURED);
    at("2026-11-29T23:59:59Z");  // Sunday
    Payment b = pay("acct-week", "0.01", TRUE);
    expect_refused(b.get(), "limit_exceeded",
                   "weekly limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");
    at("2026-11-30T00:00:00Z");  // Monday
    Payment c = pay("acct-week", "100.00", TRUE);
    expect_authorized(c.get(), TENDER_STATUS_CAPTURED);

    EXPECT_EQ(usage(ph::amount_key("card", "acct-week", "week", "2026-11-23", "USD")), 10000);
    EXPECT_EQ(usage(ph::amount_key("card", "acct-week", "week", "2026-11-30", "USD")), 10000);
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, TierLimitInAnotherCurrencyNamesTierUsedAndRequested)
{
    // The card plugin declares no tiers, so the config's count; the limit is
    // in EUR and the payments in USD (1 USD = 0.92 EUR).
    start(R"("tiers": {"gold": {"limits": [{"window": "day", "currency": "EUR", "max": "100.00"}]}},
             "default_tier": "gold")",
          "2026-11-25T10:00:00Z");
    Payment a = pay("acct-gold", "60.00");
    expect_authorized(a.get());
    Payment b = pay("acct-gold", "50.00");
    expect_refused(b.get(), "limit_exceeded",
                   "daily limit for tier gold is 100.00 EUR; 55.20 used; 46.00 requested");
    Payment c = pay("acct-gold", "48.69");  // 44.7948 -> 44.79 EUR: 99.99 in all
    expect_authorized(c.get());
    EXPECT_EQ(usage(ph::amount_key("card", "acct-gold", "day", "2026-11-25", "EUR")), 9999);
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

// ---- what the operator reads: tender_host_limit_usage -----------------------

struct UsageRows {
    GPtrArray *rows = nullptr;
    ~UsageRows() { g_clear_pointer(&rows, g_ptr_array_unref); }
    const TenderLimitUsage *at(guint i) const
    {
        return static_cast<const TenderLimitUsage *>(g_ptr_array_index(rows, i));
    }
};

TEST_F(PolicyHost, LimitUsageShowsEachLimitWithWhatTheAccountUsedAndWhatRemains)
{
    start(R"("limits": [{"window": "day", "currency": "USD", "max": "100.00"},
                        {"window": "month", "currency": "USD", "max": "150.00"}],
             "tiers": {"gold": {"limits": [{"window": "week", "currency": "EUR", "max": "1000.00"}]}})",
          "2026-11-25T10:00:00Z");
    expect_authorized(pay("acct-use", "60.00").get());
    at("2026-11-26T09:00:00Z");
    Payment b = pay("acct-use", "30.00");
    expect_authorized(b.get());
    expect_authorized(pay("acct-else", "10.00").get());  // another account's

    GError *error = nullptr;
    UsageRows u;
    u.rows = tender_host_limit_usage(host, "acct-use", &error);
    ASSERT_NE(u.rows, nullptr) << error->message;
    ASSERT_EQ(u.rows->len, 3u);
    // Every buyer's limits first, in config order; today's window only.
    EXPECT_STREQ(u.at(0)->method, "card");
    EXPECT_EQ(u.at(0)->tier, nullptr);
    EXPECT_STREQ(u.at(0)->window, "day");
    EXPECT_STREQ(u.at(0)->window_start, "2026-11-26");
    EXPECT_STREQ(u.at(0)->currency, "USD");
    EXPECT_EQ(u.at(0)->exponent, 2);
    EXPECT_EQ(u.at(0)->limit, 10000);
    EXPECT_EQ(u.at(0)->used, 3000);
    EXPECT_EQ(u.at(0)->remaining, 7000);
    EXPECT_STREQ(u.at(1)->window, "month");
    EXPECT_STREQ(u.at(1)->window_start, "2026-11-01");
    EXPECT_EQ(u.at(1)->used, 9000);
    EXPECT_EQ(u.at(1)->remaining, 6000);
    // A tier's limit counts what the account's payments hold, converted
    // into its currency (1 USD = 0.92 EUR), whatever tier they were paid in.
    EXPECT_STREQ(u.at(2)->tier, "gold");
    EXPECT_STREQ(u.at(2)->window, "week");
    EXPECT_STREQ(u.at(2)->window_start, "2026-11-23");
    EXPECT_STREQ(u.at(2)->currency, "EUR");
    EXPECT_EQ(u.at(2)->used, 8280);
    EXPECT_EQ(u.at(2)->remaining, 100000 - 8280);

    // What a void gives back shows at once.
    Payment v = void_payment(b.get());
    ASSERT_NE(v, nullptr);
    UsageRows after;
    after.rows = tender_host_limit_usage(host, "acct-use", nullptr);
    ASSERT_NE(after.rows, nullptr);
    EXPECT_EQ(after.at(0)->used, 0);
    EXPECT_EQ(after.at(0)->remaining, 10000);
    EXPECT_EQ(after.at(1)->used, 6000);

    // An account that never paid has used nothing of any limit.
    UsageRows fresh;
    fresh.rows = tender_host_limit_usage(host, "acct-new", nullptr);
    ASSERT_NE(fresh.rows, nullptr);
    ASSERT_EQ(fresh.rows->len, 3u);
    for (guint i = 0; i < fresh.rows->len; i++) {
        EXPECT_EQ(fresh.at(i)->used, 0);
        EXPECT_EQ(fresh.at(i)->remaining, fresh.at(i)->limit);
    }
}

TEST_F(PolicyHost, LimitUsageNeedsAnAccountAndIsEmptyWithoutLimits)
{
    start(R"("fees": {"bps": 100})", "2026-11-25T10:00:00Z");
    GError *error = nullptr;
    EXPECT_EQ(tender_host_limit_usage(host, nullptr, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    EXPECT_EQ(tender_host_limit_usage(host, "", &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT));
    g_clear_error(&error);
    UsageRows none;
    none.rows = tender_host_limit_usage(host, "acct-1", &error);
    ASSERT_NE(none.rows, nullptr);
    EXPECT_EQ(none.rows->len, 0u);
}

// ---- room given back ------------------------------------------------------

TEST_F(PolicyHost, VoidGivesBackTheRoom)
{
    start(R"("limits": [{"window": "day", "currency": "USD", "max": "100.00"}])",
          "2026-11-25T10:00:00Z");
    std::string key = ph::amount_key("card", "acct-void", "day", "2026-11-25", "USD");
    Payment a = pay("acct-void", "100.00");
    expect_authorized(a.get());
    EXPECT_EQ(counted(a.get(), key), 10000);
    Payment b = pay("acct-void", "100.00");
    expect_refused(b.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 USD; 100.00 used; 100.00 requested");

    Payment v = void_payment(a.get());
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->status, TENDER_STATUS_VOIDED);
    EXPECT_EQ(counted(a.get(), key), 0);
    EXPECT_EQ(usage(key), 0);

    Payment c = pay("acct-void", "100.00");
    expect_authorized(c.get());
    EXPECT_EQ(usage(key), 10000);
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, CaptureThenPartialRefundGivesBackItsShare)
{
    // Limit in EUR, payments in USD: the full charge of 100.00 USD is
    // 92.00 EUR; what a payment still holds is counted in proportion and
    // rounded up (docs/config.md).
    start(R"("limits": [{"window": "day", "currency": "EUR", "max": "100.00"}])",
          "2026-11-25T10:00:00Z");
    std::string key = ph::amount_key("card", "acct-refund", "day", "2026-11-25", "EUR");
    Payment a = pay("acct-refund", "100.00");
    expect_authorized(a.get());
    EXPECT_EQ(usage(key), 9200);
    Payment b = pay("acct-refund", "10.00");
    expect_refused(b.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 EUR; 92.00 used; 9.20 requested");

    Payment captured = capture(a.get(), nullptr);
    ASSERT_NE(captured, nullptr);
    EXPECT_EQ(captured->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(usage(key), 9200);  // a capture of the whole hold changes nothing

    Payment r1 = refund(a.get(), "33.33");
    ASSERT_NE(r1, nullptr);
    EXPECT_EQ(r1->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    // Holds 66.67 USD: ceil(9200 * 6667 / 10000) = ceil(6133.64) = 6134.
    EXPECT_EQ(counted(a.get(), key), 6134);
    EXPECT_EQ(usage(key), 6134);

    Payment c = pay("acct-refund", "41.00");  // 37.72 EUR: 99.06 in all
    expect_authorized(c.get());
    Payment d = pay("acct-refund", "1.10");   // 1.012 -> 1.01 EUR
    expect_refused(d.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 EUR; 99.06 used; 1.01 requested");

    Payment r2 = refund(a.get(), nullptr);  // the rest
    ASSERT_NE(r2, nullptr);
    EXPECT_EQ(r2->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(counted(a.get(), key), 0);
    EXPECT_EQ(usage(key), 3772);
    Payment e = pay("acct-refund", "10.00");
    expect_authorized(e.get());
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, PartialCaptureHoldsTheAuthorizationUntilItLapses)
{
    // A partially captured authorization holds all of it while open; when
    // the hold lapses it keeps what was captured (docs/decisions.md).
    start(R"("limits": [{"window": "month", "currency": "USD", "max": "100.00"}])",
          "2026-11-02T10:00:00Z");
    std::string key = ph::amount_key("card", "acct-part", "month", "2026-11-01", "USD");
    Payment a = pay("acct-part", "100.00");
    expect_authorized(a.get());
    Payment part = capture(a.get(), "40.00");
    ASSERT_NE(part, nullptr);
    EXPECT_EQ(part->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    EXPECT_EQ(usage(key), 10000);
    Payment b = pay("acct-part", "0.01");
    expect_refused(b.get(), "limit_exceeded",
                   "monthly limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");

    at("2026-11-10T10:00:00Z");  // the 7-day hold has lapsed
    GError *error = nullptr;
    Payment got(tender_host_get(host, a->id, &error));
    ASSERT_NE(got, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    EXPECT_EQ(got->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(got->captured, 4000);
    EXPECT_EQ(counted(a.get(), key), 4000);
    EXPECT_EQ(usage(key), 4000);
    Payment c = pay("acct-part", "60.00");
    expect_authorized(c.get());
    Payment d = pay("acct-part", "0.01");
    expect_refused(d.get(), "limit_exceeded",
                   "monthly limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, DeclinedPaymentHoldsNothing)
{
    start(R"("limits": [{"window": "day", "currency": "USD", "max": "100.00"}])",
          "2026-11-25T10:00:00Z");
    std::string key = ph::amount_key("card", "acct-poor", "day", "2026-11-25", "USD");
    Payment d = pay("acct-poor", "100.00", FALSE, ph::kPoorCard);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(ph::decline_name(d.get()), "insufficient_funds");
    EXPECT_STRNE(d->decline_raw_code, "policy");  // the issuer's answer
    EXPECT_EQ(counted(d.get(), key), 0);
    EXPECT_EQ(usage(key), 0);

    Payment a = pay("acct-poor", "100.00");
    expect_authorized(a.get());
    EXPECT_EQ(usage(key), 10000);
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, LapsedHoldGivesBackTheRoomOnceApplied)
{
    // The card hold lasts 7 days; the lapse is applied when the payment is
    // next touched (docs/decisions.md, "Lapses").
    start(R"("limits": [{"window": "month", "currency": "USD", "max": "100.00"}])",
          "2026-11-02T10:00:00Z");
    std::string key = ph::amount_key("card", "acct-lapse", "month", "2026-11-01", "USD");
    Payment a = pay("acct-lapse", "100.00");
    expect_authorized(a.get());
    at("2026-11-10T10:00:00Z");
    GError *error = nullptr;
    Payment got(tender_host_get(host, a->id, &error));
    ASSERT_NE(got, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    EXPECT_EQ(got->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(usage(key), 0);
    Payment b = pay("acct-lapse", "100.00");
    expect_authorized(b.get());
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, LapsedHoldNeverBlocksTheAccountsNextPayment)
{
    // Nothing touches the lapsed payment: the next payment of the account
    // applies the lapse itself before the limit is checked.
    start(R"("limits": [{"window": "month", "currency": "USD", "max": "100.00"}])",
          "2026-11-02T10:00:00Z");
    std::string key = ph::amount_key("card", "acct-idle", "month", "2026-11-01", "USD");
    Payment a = pay("acct-idle", "100.00");
    expect_authorized(a.get());
    at("2026-11-09T10:00:00Z");  // exactly 7 days: the hold has lapsed
    Payment b = pay("acct-idle", "100.00");
    expect_authorized(b.get());
    EXPECT_EQ(usage(key), 10000);
    GError *error = nullptr;
    Payment got(tender_host_get(host, a->id, &error));
    ASSERT_NE(got, nullptr) << (error ? error->message : "");
    EXPECT_EQ(got->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(counted(a.get(), key), 0);
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, RefundAfterTheWindowEndedAdjustsThatWindow)
{
    // Counters of an ended window are adjusted too: the history stays exact,
    // and today's room is not affected (docs/config.md).
    start(R"("limits": [{"window": "day", "currency": "USD", "max": "100.00"}])",
          "2026-11-25T10:00:00Z");
    std::string day1 = ph::amount_key("card", "acct-late", "day", "2026-11-25", "USD");
    std::string day2 = ph::amount_key("card", "acct-late", "day", "2026-11-26", "USD");
    Payment a = pay("acct-late", "100.00", TRUE);
    expect_authorized(a.get(), TENDER_STATUS_CAPTURED);
    at("2026-11-26T09:00:00Z");
    Payment b = pay("acct-late", "100.00", TRUE);
    expect_authorized(b.get(), TENDER_STATUS_CAPTURED);
    Payment r = refund(a.get(), "25.00");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(usage(day1), 7500);
    EXPECT_EQ(usage(day2), 10000);
    Payment c = pay("acct-late", "0.01", TRUE);
    expect_refused(c.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 USD; 100.00 used; 0.01 requested");
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, ReplayedPaymentCountsOnce)
{
    start(R"("limits": [{"window": "day", "currency": "USD", "max": "100.00"}])",
          "2026-11-25T10:00:00Z");
    std::string key = ph::amount_key("card", "acct-replay", "day", "2026-11-25", "USD");
    tender_param params[] = {
        {"number", ph::kGoodCard}, {"exp_month", "12"}, {"exp_year", "2031"}, {"cvc", "737"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "card";
    req.region = "US";
    req.currency = "USD";
    req.amount = "60.00";
    req.account = "acct-replay";
    req.idempotency_key = "order-1";
    req.params = params;
    req.n_params = G_N_ELEMENTS(params);
    GError *error = nullptr;
    Payment first(tender_host_pay(host, &req, &error));
    ASSERT_NE(first, nullptr) << (error ? error->message : "");
    Payment again(tender_host_pay(host, &req, &error));
    ASSERT_NE(again, nullptr) << (error ? error->message : "");
    EXPECT_STREQ(first->id, again->id);
    EXPECT_EQ(usage(key), 6000);
    Payment b = pay("acct-replay", "40.00");
    expect_authorized(b.get());
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

// ---- velocity -------------------------------------------------------------

TEST_F(PolicyHost, FourthAttemptInAMinuteIsRefusedUntilTheNextMinute)
{
    start(R"("velocity": [{"window": "minute", "max_attempts": 3}])", "2026-11-25T10:00:00Z");
    Payment a = pay("acct-fast", "1.00");
    expect_authorized(a.get());
    at("2026-11-25T10:00:20Z");
    Payment b = pay("acct-fast", "1.00");
    expect_authorized(b.get());
    at("2026-11-25T10:00:40Z");
    Payment c = pay("acct-fast", "1.00");
    expect_authorized(c.get());
    at("2026-11-25T10:00:59.999Z");
    Payment d = pay("acct-fast", "1.00");
    expect_refused(d.get(), "velocity_exceeded",
                   "at most 3 payment attempts per minute with Bank card; 3 made. "
                   "Try again later.");
    // Another account is not slowed down.
    Payment other = pay("acct-slow", "1.00");
    expect_authorized(other.get());

    at("2026-11-25T10:01:00Z");
    Payment e = pay("acct-fast", "1.00");
    expect_authorized(e.get());
}

TEST_F(PolicyHost, DeclinesPerMinuteAreCapped)
{
    start(R"("velocity": [{"window": "minute", "max_declines": 2}])", "2026-11-25T10:00:00Z");
    Payment a = pay("acct-dec", "1.00", FALSE, ph::kPoorCard);
    Payment b = pay("acct-dec", "1.00", FALSE, ph::kPoorCard);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(ph::decline_name(a.get()), "insufficient_funds");
    EXPECT_EQ(ph::decline_name(b.get()), "insufficient_funds");
    Payment c = pay("acct-dec", "1.00");
    expect_refused(c.get(), "velocity_exceeded",
                   "at most 2 declined payments per minute with Bank card; 2 declined. "
                   "Try again later.");
    at("2026-11-25T10:01:00Z");
    Payment d = pay("acct-dec", "1.00");
    expect_authorized(d.get());
}

TEST_F(PolicyHost, LimitRefusalsCountAsDeclines)
{
    // A buyer who keeps hitting a limit is slowed down too (docs/config.md).
    start(R"("limits": [{"window": "day", "currency": "USD", "max": "100.00"}],
             "velocity": [{"window": "minute", "max_declines": 2}])",
          "2026-11-25T10:00:00Z");
    Payment a = pay("acct-hit", "100.00");
    expect_authorized(a.get());
    Payment b = pay("acct-hit", "1.00");
    Payment c = pay("acct-hit", "1.00");
    expect_refused(b.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 USD; 100.00 used; 1.00 requested");
    expect_refused(c.get(), "limit_exceeded",
                   "daily limit for Bank card is 100.00 USD; 100.00 used; 1.00 requested");
    Payment v = void_payment(a.get());
    ASSERT_NE(v, nullptr);
    Payment d = pay("acct-hit", "1.00");  // room again, but two declines this minute
    expect_refused(d.get(), "velocity_exceeded",
                   "at most 2 declined payments per minute with Bank card; 2 declined. "
                   "Try again later.");
    at("2026-11-25T10:01:00Z");
    Payment e = pay("acct-hit", "1.00");
    expect_authorized(e.get());
}

// ---- the tier held to, the order kept (issue 10 items 6 and 7) ------------

// A card payment with a tier ("" for none), through the host API.
Payment pay_with_tier(TenderHost *host, const char *account, const char *amount,
                      const char *tier, const char *currency = "USD")
{
    tender_param params[] = {{"number", ph::kGoodCard},
                             {"exp_month", "12"},
                             {"exp_year", "2031"},
                             {"cvc", "737"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "card";
    req.region = "US";
    req.currency = currency;
    req.amount = amount;
    req.account = account;
    req.tier = tier;
    req.params = params;
    req.n_params = G_N_ELEMENTS(params);
    GError *error = nullptr;
    Payment p(tender_host_pay(host, &req, &error));
    EXPECT_NE(p, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    return p;
}

TEST_F(PolicyHost, BuyerWithoutTierIsHeldToTheDefaultTierAndThePaymentSaysSo)
{
    start(R"("tiers": {"basic": {"limits": [{"window": "day", "currency": "USD", "max": "50.00"}]},
                       "gold": {"limits": [{"window": "day", "currency": "USD", "max": "500.00"}]}},
             "default_tier": "basic")",
          "2026-11-25T10:00:00Z");
    Payment a = pay_with_tier(host, "acct-none", "40.00", nullptr);
    expect_authorized(a.get());
    EXPECT_STREQ(a->tier, "");
    EXPECT_STREQ(a->effective_tier, "basic");
    Payment b = pay_with_tier(host, "acct-none", "20.00", "");
    expect_refused(b.get(), "limit_exceeded",
                   "daily limit for tier basic is 50.00 USD; 40.00 used; 20.00 requested");
    EXPECT_STREQ(b->effective_tier, "basic");
    // The tier the buyer names wins over the default.
    Payment c = pay_with_tier(host, "acct-none", "20.00", "gold");
    expect_authorized(c.get());
    EXPECT_STREQ(c->tier, "gold");
    EXPECT_STREQ(c->effective_tier, "gold");
    // Read back from the ledger, not only from the answer to pay.
    GError *error = nullptr;
    Payment again(tender_host_get(host, b->id, &error));
    ASSERT_NE(again, nullptr) << (error ? error->message : "");
    EXPECT_STREQ(again->tier, "");
    EXPECT_STREQ(again->effective_tier, "basic");
    EXPECT_TRUE(ph::usage_mismatches(ledger).empty());
}

TEST_F(PolicyHost, EmbeddedDefaultHoldsWebmoneyBuyersWithoutPassportToAlias)
{
    std::string why;
    host = ph::make_host(nullptr, ledger, ph::utc_ms("2026-11-25T10:00:00Z"), ph::plugins_dir(),
                         &why);
    ASSERT_NE(host, nullptr) << why;
    tender_param params[] = {{"purse", "Z123456789012"}, {"wmid", "123456789012"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "webmoney";
    req.region = "US";
    req.currency = "USD";
    req.amount = "80.00";
    req.account = "wm-anon";
    req.params = params;
    req.n_params = G_N_ELEMENTS(params);
    req.capture = TRUE;
    GError *error = nullptr;
    Payment first(tender_host_pay(host, &req, &error));
    ASSERT_NE(first, nullptr) << (error ? error->message : "");
    EXPECT_EQ(first->status, TENDER_STATUS_REQUIRES_ACTION)
        << (first->decline_message ? first->decline_message : "");
    EXPECT_STREQ(first->effective_tier, "alias");
    req.amount = "40.00";
    Payment second(tender_host_pay(host, &req, &error));
    ASSERT_NE(second, nullptr) << (error ? error->message : "");
    EXPECT_EQ(ph::decline_name(second.get()), "limit_exceeded");
    EXPECT_STREQ(second->decline_message,
                 "daily limit for tier alias is 100.00 USD; 80.00 used; 40.00 requested");
    EXPECT_STREQ(second->effective_tier, "alias");
    // A higher passport, named, is not held to alias.
    req.tier = "formal";
    Payment formal(tender_host_pay(host, &req, &error));
    ASSERT_NE(formal, nullptr) << (error ? error->message : "");
    EXPECT_EQ(formal->status, TENDER_STATUS_REQUIRES_ACTION)
        << (formal->decline_message ? formal->decline_message : "");
    EXPECT_STREQ(formal->effective_tier, "formal");
}

TEST_F(PolicyHost, ConvertedPaymentKeepsItsOrderRateAndFee)
{
    // The card takes only EUR here: a USD order is converted at the
    // configured 0.92 and the fee is charged in EUR.
    start(R"("currencies": ["EUR"], "fees": {"bps": 290, "fixed": {"EUR": "0.25"}})",
          "2026-11-25T10:00:00Z");
    Payment p = pay_with_tier(host, "acct-fx", "100.00", nullptr);
    expect_authorized(p.get());
    EXPECT_STREQ(p->currency, "EUR");
    EXPECT_EQ(p->amount, 9200);
    EXPECT_EQ(p->fee, 292);  // 2.90% of 92.00 = 2.668 -> 2.67, + 0.25
    EXPECT_STREQ(p->order_currency, "USD");
    EXPECT_EQ(p->order_amount, 10000);
    EXPECT_EQ(p->order_exponent, 2);
    EXPECT_STREQ(p->exchange_rate, "1 USD = 0.92 EUR as of 2026-11-01");
    EXPECT_STREQ(p->effective_tier, "");

    GError *error = nullptr;
    Payment again(tender_host_get(host, p->id, &error));
    ASSERT_NE(again, nullptr) << (error ? error->message : "");
    EXPECT_STREQ(again->order_currency, "USD");
    EXPECT_EQ(again->order_amount, 10000);
    EXPECT_STREQ(again->exchange_rate, "1 USD = 0.92 EUR as of 2026-11-01");
    EXPECT_EQ(again->fee, 292);
    GPtrArray *all = tender_host_list(host, nullptr, &error);
    ASSERT_NE(all, nullptr) << (error ? error->message : "");
    ASSERT_EQ(all->len, 1u);
    auto *listed = static_cast<TenderPayment *>(g_ptr_array_index(all, 0));
    EXPECT_STREQ(listed->order_currency, "USD");
    EXPECT_STREQ(listed->exchange_rate, "1 USD = 0.92 EUR as of 2026-11-01");
    g_ptr_array_unref(all);

    // In its own currency: the order is the payment, and there is no rate.
    Payment eur = pay_with_tier(host, "acct-fx", "10.00", nullptr, "EUR");
    expect_authorized(eur.get());
    EXPECT_STREQ(eur->order_currency, "EUR");
    EXPECT_EQ(eur->order_amount, 1000);
    EXPECT_EQ(eur->exchange_rate, nullptr);
    EXPECT_EQ(eur->fee, 54);  // 0.29 + 0.25
}

}  // namespace
