// Shared fixture for the direct card plugin tests: loads card.so through the
// plugin harness, runs operations, and checks after every test that no
// result field and no log line ever carried a card number, security code or
// one-time code.
#ifndef TEST_CARD_SUPPORT_H
#define TEST_CARD_SUPPORT_H

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "plugin-harness.h"
}

#include "test-card-numbers.h"

// A test-mode key for the harness (create requires one).
constexpr const char *kHarnessKey = "sk_test_harnessKey123";

// The outcome of a card that passed every local check: the test host's
// http service has no network, so the plugin reports that nothing was sent.
constexpr tender_outcome kLocalChecksPassed = TENDER_OUTCOME_NOT_SENT;

// 2026-03-01T10:00:00Z, the harness's default clock.
constexpr gint64 kHarnessNow = 1772359200000LL;
constexpr gint64 kDayMs = 86400000LL;

// ms since the epoch of a UTC date and time.
gint64 utc_ms(int year, int month, int day, int hour = 0, int minute = 0, int second = 0,
              int ms = 0);

using Params = std::vector<std::pair<std::string, std::string>>;

// What a test keeps of a payment between calls.
struct Payment {
    std::string state;
    std::string ref;
    gint64 amount = 0;
    gint64 captured = 0;
    gint64 refunded = 0;
};

class CardTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // (Re)load the plugin with these settings (key, value, …); a
    // secret_key of kHarnessKey is added unless settings give one.
    void load(const std::vector<std::string> &settings = {});
    // Like load, but expect create to fail; returns the error text.
    std::string load_error(const std::vector<std::string> &settings);

    // The standard card params with overrides: an empty value removes the key.
    static Params card(const std::string &number, const std::string &cvc = "737",
                       const std::string &month = "12", const std::string &year = "2030");

    // Run one operation; the result is owned by the fixture.
    tender_result *call(tender_request &req, const Params &params = {});
    // authorize (or purchase) amount minor units of USD with params.
    tender_result *pay(const Params &params, gint64 amount = 1000, guint32 flags = 0,
                       tender_operation op = TENDER_OP_AUTHORIZE,
                       const char *request_id = "req_pay_1");
    // An operation on an existing payment; updates p from the result.
    tender_result *act(Payment &p, tender_operation op, gint64 amount = 0,
                       const Params &params = {}, const char *request_id = "req_act_1");
    // Remember what a payment result says.
    static Payment payment_of(const tender_result *res, gint64 amount);

    TestPlugin *plugin = nullptr;
    std::vector<tender_result *> results;
    // Values that must never come back; the flag marks one-time codes.
    std::vector<std::pair<std::string, bool>> secrets;
    std::vector<std::string> settings_;
    std::vector<std::string> owned_;    // storage for request strings
};

// The details line "key=value" of res, or "" when absent.
std::string detail(const tender_result *res, const std::string &key);

#endif
