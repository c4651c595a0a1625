// The card gateway of tender-sandbox, payments: keys, parameters, test
// cards, idempotency, capture, cancel, lapse, refunds, confirmation. Spoken
// to over HTTP as Stripe's documentation says a client must: Bearer secret
// key, form-encoded bodies with bracketed names, Idempotency-Key, JSON
// answers. Each test starts its own sandbox on an ephemeral loopback port.
#include "card-test-support.h"

using namespace card_test;

namespace
{

// ---- Authentication, parameters ---------------------------------------------

TEST_F(SandboxCard, SettingsPointAtTheCardPrefix)
{
    EXPECT_EQ(endpoint_, std::string(test_sandbox_url(sb_)) + "/card");
    EXPECT_TRUE(g_str_has_prefix(secret_key_.c_str(), "sk_test_"));
    EXPECT_TRUE(g_str_has_prefix(webhook_secret_.c_str(), "whsec_"));
}

TEST_F(SandboxCard, MissingOrWrongKeyIs401WithTheKeyMasked)
{
    Answer none = http("GET", endpoint_ + "/v1/payment_intents/pi_x", "", {});
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(Json(none.body).str("error.type"), "invalid_request_error");

    const std::string wrong = "sk_test_thisIsNotTheRightKey1234";
    Answer bad = http("POST", endpoint_ + "/v1/payment_intents", "amount=100&currency=usd",
                      {"Authorization: Bearer " + wrong});
    EXPECT_EQ(bad.status, 401);
    Json j(bad.body);
    EXPECT_EQ(j.str("error.type"), "invalid_request_error");
    EXPECT_EQ(j.str("error.message"), "Invalid API Key provided: sk_test_****1234");
    EXPECT_EQ(bad.body.find(wrong), std::string::npos);
    EXPECT_FALSE(bad.header("request-id").empty());
}

TEST_F(SandboxCard, MissingAmountOrCurrencyAndUnknownCurrencyAre400)
{
    Answer a = post("/v1/payment_intents", {{"currency", "usd"}});
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(Json(a.body).str("error.code"), "parameter_missing");
    EXPECT_EQ(Json(a.body).str("error.param"), "amount");

    Answer c = post("/v1/payment_intents", {{"amount", "100"}});
    EXPECT_EQ(c.status, 400);
    EXPECT_EQ(Json(c.body).str("error.param"), "currency");

    Answer x = post("/v1/payment_intents", {{"amount", "100"}, {"currency", "xyz"}});
    EXPECT_EQ(x.status, 400);
    EXPECT_EQ(Json(x.body).str("error.type"), "invalid_request_error");
    EXPECT_EQ(Json(x.body).str("error.param"), "currency");

    Answer n = post("/v1/payment_intents", {{"amount", "ten"}, {"currency", "usd"}});
    EXPECT_EQ(n.status, 400);
    EXPECT_EQ(Json(n.body).str("error.param"), "amount");

    Answer u = get("/v1/nothing_here");
    EXPECT_EQ(u.status, 404);
    EXPECT_EQ(Json(u.body).str("error.type"), "invalid_request_error");

    Answer m = get("/v1/payment_intents/pi_doesNotExist");
    EXPECT_EQ(m.status, 404);
    EXPECT_EQ(Json(m.body).str("error.code"), "resource_missing");
}

// ---- Test cards ------------------------------------------------------------

TEST_F(SandboxCard, ApprovedCardSucceedsWithChargeFacts)
{
    Answer a = pay("4242424242424242", "automatic", 1000, {{"expand[]", "latest_charge"}});
    ASSERT_EQ(a.status, 200) << a.body;
    Json j(a.body);
    EXPECT_TRUE(g_str_has_prefix(j.str("id").c_str(), "pi_"));
    EXPECT_EQ(j.str("object"), "payment_intent");
    EXPECT_EQ(j.str("status"), "succeeded");
    EXPECT_EQ(j.num("amount"), 1000);
    EXPECT_EQ(j.num("amount_received"), 1000);
    EXPECT_EQ(j.num("amount_capturable"), 0);
    EXPECT_EQ(j.str("currency"), "usd");
    EXPECT_EQ(j.str("metadata.tender_payment"), "pay_test");
    EXPECT_EQ(j.str("latest_charge.payment_method_details.card.brand"), "visa");
    EXPECT_EQ(j.str("latest_charge.payment_method_details.card.last4"), "4242");
    EXPECT_TRUE(j.is_null("latest_charge.payment_method_details.card.three_d_secure"));
    EXPECT_EQ(j.str("latest_charge.outcome.network_status"), "approved_by_network");
    EXPECT_EQ(a.body.find("4242424242424242"), std::string::npos);

    // Retrieve without expand: latest_charge is the id.
    Answer r = get("/v1/payment_intents/" + j.str("id"));
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(g_str_has_prefix(Json(r.body).str("latest_charge").c_str(), "ch_"));
    EXPECT_EQ(Json(r.body).str("status"), "succeeded");
    Answer e = get("/v1/payment_intents/" + j.str("id") + "?expand[]=latest_charge");
    EXPECT_EQ(Json(e.body).str("latest_charge.object"), "charge");
    Answer charge = get("/v1/charges/" + Json(r.body).str("latest_charge"));
    ASSERT_EQ(charge.status, 200);
    EXPECT_EQ(Json(charge.body).str("payment_intent"), j.str("id"));
    EXPECT_EQ(Json(charge.body).num("amount_captured"), 1000);
    EXPECT_EQ(get("/v1/charges/ch_unknown").status, 404);
}

struct DeclineCase {
    const char *number;
    const char *code;
    const char *decline_code; // nullptr: none
};

TEST_F(SandboxCard, EveryDecliningTestCardAnswersItsError)
{
    const DeclineCase cases[] = {
        {"4000000000000002", "card_declined", "generic_decline"},
        {"4000000000009995", "card_declined", "insufficient_funds"},
        {"4000000000009987", "card_declined", "lost_card"},
        {"4000000000009979", "card_declined", "stolen_card"},
        {"4100000000000019", "card_declined", "fraudulent"},
        {"4000000000000069", "expired_card", nullptr},
        {"4000000000000127", "incorrect_cvc", nullptr},
        {"4000000000000119", "processing_error", nullptr},
        {"4242424242424241", "incorrect_number", nullptr},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.number);
        Answer a = pay(c.number);
        ASSERT_EQ(a.status, 402) << a.body;
        Json j(a.body);
        EXPECT_EQ(j.str("error.type"), "card_error");
        EXPECT_EQ(j.str("error.code"), c.code);
        if (c.decline_code)
            EXPECT_EQ(j.str("error.decline_code"), c.decline_code);
        else
            EXPECT_FALSE(j.has("error.decline_code"));
        EXPECT_EQ(j.str("error.payment_intent.status"), "requires_payment_method");
        EXPECT_EQ(j.str("error.payment_intent.last_payment_error.code"), c.code);
        EXPECT_EQ(a.body.find(c.number), std::string::npos);
        // The intent is kept as it failed.
        Answer r = get("/v1/payment_intents/" + j.str("error.payment_intent.id"));
        EXPECT_EQ(Json(r.body).str("status"), "requires_payment_method");
    }
}

TEST_F(SandboxCard, FraudIsBlockedBeforeTheNetworkAndDeclinesReachIt)
{
    Json fraud(pay("4100000000000019", "automatic", 500, {{"expand[]", "latest_charge"}}).body);
    EXPECT_EQ(fraud.str("error.payment_intent.latest_charge.outcome.network_status"),
              "not_sent_to_network");
    Json funds(pay("4000000000009995", "automatic", 500, {{"expand[]", "latest_charge"}}).body);
    EXPECT_EQ(funds.str("error.payment_intent.latest_charge.outcome.network_status"),
              "declined_by_network");
    EXPECT_EQ(funds.str("error.payment_intent.latest_charge.status"), "failed");
}

TEST_F(SandboxCard, MalformedCardsAreRefusedAsTheGatewayWould)
{
    auto with = [&](const char *field, const char *value) {
        Params p = {{"amount", "100"},
                    {"currency", "eur"},
                    {"confirm", "true"},
                    {"payment_method_data[type]", "card"},
                    {"payment_method_data[card][number]", "4242424242424242"},
                    {"payment_method_data[card][exp_month]", "12"},
                    {"payment_method_data[card][exp_year]", "2040"}};
        for (auto &e : p) {
            if (e.first == std::string("payment_method_data[card][") + field + "]")
                e.second = value;
        }
        return post("/v1/payment_intents", p);
    };
    Answer number = with("number", "4242-4242");
    EXPECT_EQ(number.status, 402);
    EXPECT_EQ(Json(number.body).str("error.code"), "incorrect_number");

    Answer past = with("exp_year", "2020");
    EXPECT_EQ(past.status, 402);
    EXPECT_EQ(Json(past.body).str("error.code"), "expired_card");

    Answer month = with("exp_month", "13");
    EXPECT_EQ(month.status, 402);
    EXPECT_EQ(Json(month.body).str("error.code"), "invalid_expiry_month");

    Answer year = with("exp_year", "soon");
    EXPECT_EQ(year.status, 402);
    EXPECT_EQ(Json(year.body).str("error.code"), "invalid_expiry_year");

    Answer far = with("exp_year", "2999");
    EXPECT_EQ(Json(far.body).str("error.code"), "invalid_expiry_year");

    Answer missing = post("/v1/payment_intents", {{"amount", "100"},
                                                  {"currency", "usd"},
                                                  {"confirm", "true"},
                                                  {"payment_method_data[type]", "card"},
                                                  {"payment_method_data[card][exp_month]", "1"},
                                                  {"payment_method_data[card][exp_year]", "2040"}});
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(Json(missing.body).str("error.code"), "parameter_missing");
    EXPECT_EQ(Json(missing.body).str("error.param"), "payment_method_data[card][number]");
}

TEST_F(SandboxCard, ExpiryIsJudgedAgainstTheProvidersClock)
{
    GDateTime *now = g_date_time_new_now_utc();
    std::string this_year = std::to_string(g_date_time_get_year(now));
    std::string this_month = std::to_string(g_date_time_get_month(now));
    g_date_time_unref(now);
    Params p = {{"amount", "100"},
                {"currency", "usd"},
                {"confirm", "true"},
                {"payment_method_data[type]", "card"},
                {"payment_method_data[card][number]", "5555555555554444"},
                {"payment_method_data[card][exp_month]", this_month},
                {"payment_method_data[card][exp_year]", this_year}};
    Answer ok = post("/v1/payment_intents", p);
    EXPECT_EQ(ok.status, 200) << ok.body; // valid through the end of the month
    EXPECT_EQ(Json(ok.body).str("status"), "succeeded");
    advance_clock(62 * 24 * 3600);
    Answer late = post("/v1/payment_intents", p);
    EXPECT_EQ(late.status, 402);
    EXPECT_EQ(Json(late.body).str("error.code"), "expired_card");
}

// ---- Idempotency -------------------------------------------------------------

TEST_F(SandboxCard, IdempotencyKeyReplaysTheFirstAnswerAndRefusesOtherParameters)
{
    Params p = {{"amount", "700"},
                {"currency", "usd"},
                {"confirm", "true"},
                {"payment_method_data[type]", "card"},
                {"payment_method_data[card][number]", "4242424242424242"},
                {"payment_method_data[card][exp_month]", "12"},
                {"payment_method_data[card][exp_year]", "2040"}};
    Answer first = post("/v1/payment_intents", p, "op-1");
    ASSERT_EQ(first.status, 200);
    EXPECT_TRUE(first.header("idempotent-replayed").empty());
    Answer again = post("/v1/payment_intents", p, "op-1");
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.header("idempotent-replayed"), "true");
    EXPECT_EQ(again.body, first.body);

    // A declined card's 402 is replayed too.
    Params d = p;
    d[4].second = "4000000000000002";
    Answer declined = post("/v1/payment_intents", d, "op-2");
    ASSERT_EQ(declined.status, 402);
    Answer declined_again = post("/v1/payment_intents", d, "op-2");
    EXPECT_EQ(declined_again.status, 402);
    EXPECT_EQ(declined_again.body, declined.body);

    Params other = p;
    other[0].second = "701";
    Answer conflict = post("/v1/payment_intents", other, "op-1");
    EXPECT_EQ(conflict.status, 400);
    EXPECT_EQ(Json(conflict.body).str("error.type"), "idempotency_error");

    // A capture with the key of the payment is another endpoint: refused.
    Answer elsewhere =
        post("/v1/payment_intents/" + Json(first.body).str("id") + "/capture", {}, "op-1");
    EXPECT_EQ(elsewhere.status, 400);
    EXPECT_EQ(Json(elsewhere.body).str("error.type"), "idempotency_error");
}

// ---- Capture, cancel -------------------------------------------------------------

TEST_F(SandboxCard, ManualCaptureWithPartialAmountReleasesTheRest)
{
    Json auth(pay("4242424242424242", "manual", 1000).body);
    ASSERT_EQ(auth.str("status"), "requires_capture");
    EXPECT_EQ(auth.num("amount_capturable"), 1000);
    EXPECT_EQ(auth.num("amount_received"), 0);
    std::string id = auth.str("id");

    Answer over = post("/v1/payment_intents/" + id + "/capture", {{"amount_to_capture", "1001"}});
    EXPECT_EQ(over.status, 400);
    EXPECT_EQ(Json(over.body).str("error.code"), "amount_too_large");

    Answer cap = post("/v1/payment_intents/" + id + "/capture", {{"amount_to_capture", "600"}});
    ASSERT_EQ(cap.status, 200) << cap.body;
    Json c(cap.body);
    EXPECT_EQ(c.str("status"), "succeeded");
    EXPECT_EQ(c.num("amount_received"), 600);
    EXPECT_EQ(c.num("amount_capturable"), 0);

    Answer again = post("/v1/payment_intents/" + id + "/capture", {});
    EXPECT_EQ(again.status, 400);
    EXPECT_EQ(Json(again.body).str("error.code"), "payment_intent_unexpected_state");
}

TEST_F(SandboxCard, MulticaptureKeepsTheRestCapturableUntilTheFinalCapture)
{
    Json auth(pay("4242424242424242", "manual", 1000,
                  {{"payment_method_options[card][request_multicapture]", "if_available"},
                   {"expand[]", "latest_charge"}})
                  .body);
    ASSERT_EQ(auth.str("status"), "requires_capture");
    EXPECT_EQ(auth.str("latest_charge.payment_method_details.card.multicapture.status"),
              "available");
    std::string id = auth.str("id");
    Json first(post("/v1/payment_intents/" + id + "/capture",
                    {{"amount_to_capture", "300"}, {"final_capture", "false"}})
                   .body);
    EXPECT_EQ(first.str("status"), "requires_capture");
    EXPECT_EQ(first.num("amount_capturable"), 700);
    EXPECT_EQ(first.num("amount_received"), 300);

    Json second(post("/v1/payment_intents/" + id + "/capture",
                     {{"amount_to_capture", "200"}, {"final_capture", "false"}})
                    .body);
    EXPECT_EQ(second.num("amount_capturable"), 500);
    EXPECT_EQ(second.num("amount_received"), 500);

    Answer over = post("/v1/payment_intents/" + id + "/capture", {{"amount_to_capture", "501"}});
    EXPECT_EQ(Json(over.body).str("error.code"), "amount_too_large");

    Json last(post("/v1/payment_intents/" + id + "/capture", {{"amount_to_capture", "100"}}).body);
    EXPECT_EQ(last.str("status"), "succeeded");
    EXPECT_EQ(last.num("amount_received"), 600);
    EXPECT_EQ(last.num("amount_capturable"), 0);

    // Without multicapture, final_capture=false is refused.
    Json plain(pay("4242424242424242", "manual", 1000).body);
    Answer refused = post("/v1/payment_intents/" + plain.str("id") + "/capture",
                          {{"amount_to_capture", "300"}, {"final_capture", "false"}});
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(Json(refused.body).str("error.param"), "final_capture");
}

TEST_F(SandboxCard, CancelReleasesAnAuthorizationOnce)
{
    Json auth(pay("4242424242424242", "manual", 2500).body);
    std::string id = auth.str("id");
    Answer cancel = post("/v1/payment_intents/" + id + "/cancel",
                         {{"cancellation_reason", "requested_by_customer"}});
    ASSERT_EQ(cancel.status, 200) << cancel.body;
    Json c(cancel.body);
    EXPECT_EQ(c.str("status"), "canceled");
    EXPECT_EQ(c.str("cancellation_reason"), "requested_by_customer");
    EXPECT_EQ(c.num("amount_capturable"), 0);
    Answer twice = post("/v1/payment_intents/" + id + "/cancel", {});
    EXPECT_EQ(twice.status, 400);
    EXPECT_EQ(Json(twice.body).str("error.code"), "payment_intent_unexpected_state");
    Answer capture = post("/v1/payment_intents/" + id + "/capture", {});
    EXPECT_EQ(Json(capture.body).str("error.code"), "payment_intent_unexpected_state");

    Json paid(pay("4242424242424242").body);
    Answer late = post("/v1/payment_intents/" + paid.str("id") + "/cancel", {});
    EXPECT_EQ(Json(late.body).str("error.code"), "payment_intent_unexpected_state");
}

TEST_F(SandboxCard, AnAuthorizationLapsesSevenDaysLater)
{
    Json auth(pay("4242424242424242", "manual", 800).body);
    std::string id = auth.str("id");
    advance_clock(7 * 24 * 3600 - 60);
    EXPECT_EQ(Json(get("/v1/payment_intents/" + id).body).str("status"), "requires_capture");
    advance_clock(120);
    Json lapsed(get("/v1/payment_intents/" + id).body);
    EXPECT_EQ(lapsed.str("status"), "canceled");
    EXPECT_EQ(lapsed.str("cancellation_reason"), "automatic");
    Answer capture = post("/v1/payment_intents/" + id + "/capture", {});
    EXPECT_EQ(Json(capture.body).str("error.code"), "payment_intent_unexpected_state");
}

// ---- Refunds -----------------------------------------------------------------

TEST_F(SandboxCard, PartialRefundsNeverExceedWhatWasReceived)
{
    Json paid(pay("4242424242424242", "automatic", 1000).body);
    std::string id = paid.str("id");
    Answer r1 = post("/v1/refunds", {{"payment_intent", id}, {"amount", "300"}});
    ASSERT_EQ(r1.status, 200) << r1.body;
    Json j1(r1.body);
    EXPECT_TRUE(g_str_has_prefix(j1.str("id").c_str(), "re_"));
    EXPECT_EQ(j1.str("status"), "succeeded");
    EXPECT_EQ(j1.num("amount"), 300);
    EXPECT_EQ(j1.str("payment_intent"), id);
    Answer r2 = post("/v1/refunds", {{"payment_intent", id}, {"amount", "200"}});
    EXPECT_EQ(r2.status, 200);
    Answer over = post("/v1/refunds", {{"payment_intent", id}, {"amount", "501"}});
    EXPECT_EQ(over.status, 400);
    EXPECT_EQ(Json(over.body).str("error.code"), "amount_too_large");
    Answer rest = post("/v1/refunds", {{"payment_intent", id}});
    ASSERT_EQ(rest.status, 200);
    EXPECT_EQ(Json(rest.body).num("amount"), 500);
    Answer none_left = post("/v1/refunds", {{"payment_intent", id}, {"amount", "1"}});
    EXPECT_EQ(none_left.status, 400);
    EXPECT_EQ(Json(none_left.body).str("error.code"), "charge_already_refunded");

    Answer fetched = get("/v1/refunds/" + j1.str("id"));
    EXPECT_EQ(fetched.status, 200);
    EXPECT_EQ(Json(fetched.body).num("amount"), 300);
    Json charge(get("/v1/payment_intents/" + id + "?expand[]=latest_charge").body);
    EXPECT_EQ(charge.num("latest_charge.amount_refunded"), 1000);

    // A partially captured authorization refunds only what was captured.
    Json auth(pay("4242424242424242", "manual", 1000).body);
    Answer nothing = post("/v1/refunds", {{"payment_intent", auth.str("id")}});
    EXPECT_EQ(nothing.status, 400);
    EXPECT_EQ(Json(nothing.body).str("error.code"), "payment_intent_unexpected_state");
    post("/v1/payment_intents/" + auth.str("id") + "/capture", {{"amount_to_capture", "400"}});
    Answer too_much = post("/v1/refunds", {{"payment_intent", auth.str("id")}, {"amount", "401"}});
    EXPECT_EQ(Json(too_much.body).str("error.code"), "amount_too_large");
}

// ---- Confirmation as a separate step, other encodings ------------------------------

TEST_F(SandboxCard, ConfirmAfterCreateAndAgainAfterADecline)
{
    Answer created =
        post("/v1/payment_intents", {{"amount", "450"},
                                     {"currency", "EUR"},
                                     {"payment_method_data[type]", "card"},
                                     {"payment_method_data[card][number]", "4000000000009995"},
                                     {"payment_method_data[card][exp_month]", "3"},
                                     {"payment_method_data[card][exp_year]", "2040"}});
    ASSERT_EQ(created.status, 200) << created.body;
    Json c(created.body);
    EXPECT_EQ(c.str("status"), "requires_confirmation");
    EXPECT_EQ(c.str("currency"), "eur");
    std::string id = c.str("id");

    Answer declined = post("/v1/payment_intents/" + id + "/confirm", {});
    EXPECT_EQ(declined.status, 402);
    EXPECT_EQ(Json(declined.body).str("error.decline_code"), "insufficient_funds");

    // Confirming again needs a new card.
    Answer without = post("/v1/payment_intents/" + id + "/confirm", {});
    EXPECT_EQ(without.status, 400);
    Answer retried = post("/v1/payment_intents/" + id + "/confirm",
                          {{"payment_method_data[type]", "card"},
                           {"payment_method_data[card][number]", "378282246310005"},
                           {"payment_method_data[card][exp_month]", "3"},
                           {"payment_method_data[card][exp_year]", "2040"},
                           {"payment_method_data[card][cvc]", "1234"},
                           {"expand[]", "latest_charge"}});
    ASSERT_EQ(retried.status, 200) << retried.body;
    Json r(retried.body);
    EXPECT_EQ(r.str("status"), "succeeded");
    EXPECT_EQ(r.str("latest_charge.payment_method_details.card.brand"), "amex");
    EXPECT_EQ(r.str("latest_charge.payment_method_details.card.checks.cvc_check"), "pass");

    Answer done = post("/v1/payment_intents/" + id + "/confirm", {});
    EXPECT_EQ(Json(done.body).str("error.code"), "payment_intent_unexpected_state");
}

TEST_F(SandboxCard, RefusedParametersAreNotKeptForTheKey)
{
    // A refusal of the request itself does not bind the key: the corrected
    // request with the same key runs (Stripe keeps results only once the
    // endpoint started executing).
    Answer missing = post("/v1/payment_intents", {{"amount", "100"}}, "op-fix");
    EXPECT_EQ(missing.status, 400);
    Answer fixed = post("/v1/payment_intents", {{"amount", "100"}, {"currency", "usd"}}, "op-fix");
    EXPECT_EQ(fixed.status, 200) << fixed.body;
    EXPECT_TRUE(fixed.header("idempotent-replayed").empty());
}

TEST_F(SandboxCard, BasicAuthAndMalformedBodies)
{
    gchar *basic = g_base64_encode(reinterpret_cast<const guchar *>((secret_key_ + ":").c_str()),
                                   secret_key_.size() + 1);
    Answer ok = http("POST", endpoint_ + "/v1/payment_intents", "amount=100&currency=usd",
                     {std::string("Authorization: Basic ") + basic});
    g_free(basic);
    EXPECT_EQ(ok.status, 200) << ok.body;

    std::vector<std::string> auth = {"Authorization: Bearer " + secret_key_};
    Answer escape =
        http("POST", endpoint_ + "/v1/payment_intents", "amount=1%G0&currency=usd", auth);
    EXPECT_EQ(escape.status, 400);
    Answer clash =
        http("POST", endpoint_ + "/v1/payment_intents", "metadata=x&metadata[a]=y&amount=1", auth);
    EXPECT_EQ(clash.status, 400);
    Answer bracket = http("POST", endpoint_ + "/v1/payment_intents", "metadata[a=1", auth);
    EXPECT_EQ(bracket.status, 400);
    Answer expand = get("/v1/payment_intents/" + Json(ok.body).str("id") + "?expand[]=customer");
    EXPECT_EQ(expand.status, 400);
    EXPECT_EQ(Json(expand.body).str("error.param"), "expand");
    Answer wrong_method = get("/v1/refunds");
    EXPECT_EQ(wrong_method.status, 404);
}

TEST_F(SandboxCard, ChallengePageAsksAgainForAnEmptyCodeAndAnyIsFrictionless)
{
    Json j(pay("4000000000003220").body);
    std::string page = j.str("next_action.redirect_to_url.url");
    Answer empty = submit_code(page, "");
    EXPECT_EQ(empty.status, 200);
    EXPECT_NE(empty.body.find("one-time-code"), std::string::npos);
    EXPECT_EQ(Json(get("/v1/payment_intents/" + j.str("id")).body).str("status"),
              "requires_action");
    EXPECT_EQ(http("GET", endpoint_ + "/3ds/pi_unknown", "", {}).status, 404);

    Json any(pay("4242424242424242", "automatic", 100,
                 {{"payment_method_options[card][request_three_d_secure]", "any"},
                  {"expand[]", "latest_charge"}})
                 .body);
    EXPECT_EQ(any.str("status"), "succeeded");
    EXPECT_EQ(any.str("latest_charge.payment_method_details.card.three_d_secure.result"),
              "authenticated");
}

} // namespace
