// The card gateway of tender-sandbox: the 3-D Secure page, webhook endpoints
// and signed events (checked with OpenSSL's HMAC, independently of the
// sandbox's GLib signing), and state kept across a restart with --state.
#include "card-test-support.h"

using namespace card_test;

namespace
{

// ---- 3-D Secure --------------------------------------------------------------

TEST_F(SandboxCard, ChallengeCardShowsTheCodePageAndTheRightCodeApproves)
{
    Answer a = pay("4000000000003220", "manual", 1500,
                   {{"return_url", "http://127.0.0.1:9/return?order=7"}});
    ASSERT_EQ(a.status, 200) << a.body;
    Json j(a.body);
    EXPECT_EQ(j.str("status"), "requires_action");
    EXPECT_EQ(j.str("next_action.type"), "redirect_to_url");
    std::string page = j.str("next_action.redirect_to_url.url");
    EXPECT_EQ(page, std::string(test_sandbox_url(sb_)) + "/card/3ds/" + j.str("id"));
    EXPECT_EQ(j.str("next_action.redirect_to_url.return_url"), "http://127.0.0.1:9/return?order=7");

    Answer form = http("GET", page, "", {});
    EXPECT_EQ(form.status, 200);
    EXPECT_NE(form.body.find("name=\"code\""), std::string::npos) << form.body;
    EXPECT_NE(form.body.find("autocomplete=\"one-time-code\""), std::string::npos);
    EXPECT_NE(form.body.find("inputmode=\"numeric\""), std::string::npos);

    Answer back = submit_code(page, "123456");
    EXPECT_EQ(back.status, 303);
    EXPECT_EQ(back.header("location"), "http://127.0.0.1:9/return?order=7&payment_intent=" +
                                           j.str("id") + "&redirect_status=succeeded");
    Json after(get("/v1/payment_intents/" + j.str("id") + "?expand[]=latest_charge").body);
    EXPECT_EQ(after.str("status"), "requires_capture");
    EXPECT_EQ(after.num("amount_capturable"), 1500);
    EXPECT_EQ(after.str("latest_charge.payment_method_details.card.three_d_secure.result"),
              "authenticated");

    // The page is done: it no longer takes a code.
    EXPECT_EQ(http("GET", page, "", {}).status, 409);
}

TEST_F(SandboxCard, WrongCodeFailsAuthentication)
{
    Json j(pay("4000000000003220").body);
    std::string page = j.str("next_action.redirect_to_url.url");
    Answer done = submit_code(page, "000000");
    EXPECT_EQ(done.status, 200); // no return_url: a plain page
    Json after(get("/v1/payment_intents/" + j.str("id")).body);
    EXPECT_EQ(after.str("status"), "requires_payment_method");
    EXPECT_EQ(after.str("last_payment_error.code"), "payment_intent_authentication_failure");
}

TEST_F(SandboxCard, ChallengeThenDeclineCardDeclinesAfterTheCode)
{
    Json j(
        pay("4000008400001629", "automatic", 900, {{"return_url", "https://shop.example/r"}}).body);
    ASSERT_EQ(j.str("status"), "requires_action");
    Answer back = submit_code(j.str("next_action.redirect_to_url.url"), "123456");
    EXPECT_EQ(back.status, 303);
    EXPECT_NE(back.header("location").find("redirect_status=failed"), std::string::npos);
    Json after(get("/v1/payment_intents/" + j.str("id")).body);
    EXPECT_EQ(after.str("status"), "requires_payment_method");
    EXPECT_EQ(after.str("last_payment_error.code"), "card_declined");
    EXPECT_EQ(after.str("last_payment_error.decline_code"), "generic_decline");
}

TEST_F(SandboxCard, FrictionlessAndRequestedChallenge)
{
    Json f(pay("4000000000003055", "automatic", 100, {{"expand[]", "latest_charge"}}).body);
    EXPECT_EQ(f.str("status"), "succeeded");
    EXPECT_EQ(f.str("latest_charge.payment_method_details.card.three_d_secure.result"),
              "authenticated");

    Json c(pay("4242424242424242", "automatic", 100,
               {{"payment_method_options[card][request_three_d_secure]", "challenge"}})
               .body);
    EXPECT_EQ(c.str("status"), "requires_action");
    submit_code(c.str("next_action.redirect_to_url.url"), "123456");
    EXPECT_EQ(Json(get("/v1/payment_intents/" + c.str("id")).body).str("status"), "succeeded");

    // A card that declines is declined, not challenged.
    Answer d = pay("4000000000000002", "automatic", 100,
                   {{"payment_method_options[card][request_three_d_secure]", "challenge"}});
    EXPECT_EQ(d.status, 402);
}

// ---- Webhooks ----------------------------------------------------------------

TEST_F(SandboxCard, WebhookEndpointReceivesSignedEvents)
{
    Receiver receiver;
    register_webhook(receiver.url());
    Json auth(pay("4242424242424242", "manual", 1200).body);
    ASSERT_TRUE(receiver.wait_for(1));
    Delivery d = receiver.deliveries()[0];
    EXPECT_TRUE(signature_valid(d.headers["stripe-signature"], d.body, webhook_secret_));
    EXPECT_FALSE(signature_valid(d.headers["stripe-signature"], d.body + " ", webhook_secret_));
    Json event(d.body);
    EXPECT_TRUE(g_str_has_prefix(event.str("id").c_str(), "evt_"));
    EXPECT_EQ(event.str("object"), "event");
    EXPECT_EQ(event.str("type"), "payment_intent.amount_capturable_updated");
    EXPECT_EQ(event.str("data.object.id"), auth.str("id"));
    EXPECT_EQ(event.str("data.object.metadata.tender_payment"), "pay_test");
    // The signature's timestamp is the provider's clock, in seconds.
    gint64 t = g_ascii_strtoll(d.headers["stripe-signature"].c_str() + 2, nullptr, 10);
    EXPECT_LE(std::llabs(t - g_get_real_time() / G_USEC_PER_SEC), 60);

    post("/v1/payment_intents/" + auth.str("id") + "/capture", {});
    ASSERT_TRUE(receiver.wait_for(2));
    Json succeeded(receiver.deliveries()[1].body);
    EXPECT_EQ(succeeded.str("type"), "payment_intent.succeeded");
    EXPECT_EQ(succeeded.num("data.object.amount_received"), 1200);

    post("/v1/refunds", {{"payment_intent", auth.str("id")}, {"amount", "200"}});
    ASSERT_TRUE(receiver.wait_for(4));
    bool refunded = false;
    for (auto &delivery : receiver.deliveries()) {
        Json e(delivery.body);
        if (e.str("type") == "charge.refunded") {
            refunded = true;
            EXPECT_EQ(e.str("data.object.payment_intent"), auth.str("id"));
            EXPECT_EQ(e.num("data.object.amount_refunded"), 200);
        }
        EXPECT_TRUE(
            signature_valid(delivery.headers["stripe-signature"], delivery.body, webhook_secret_));
    }
    EXPECT_TRUE(refunded);
}

TEST_F(SandboxCard, FailedDeliveriesAreRetriedUntilAnswered2xx)
{
    Receiver receiver(2); // 500, 500, then 200
    register_webhook(receiver.url());
    Json failed(pay("4000000000000002").body);
    ASSERT_TRUE(receiver.wait_for(3));
    auto deliveries = receiver.deliveries();
    EXPECT_EQ(deliveries[0].body, deliveries[2].body);
    EXPECT_EQ(Json(deliveries[2].body).str("type"), "payment_intent.payment_failed");
    // Nothing more once answered.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(receiver.deliveries().size(), 3u);
    EXPECT_EQ(receiver.answered_ok(), 1);
}

// Stripe signs every attempt anew: a retry hours later carries that hour's
// timestamp (a merchant checks it against a five-minute tolerance), signed
// validly over the same body. The sandbox runs at a time scale that puts
// the first retry 3 s after the failed attempt, and its clock moves an hour
// in between.
TEST_F(SandboxCard, ARetriedEventIsSignedAfreshForItsAttempt)
{
    test_sandbox_stop(sb_);
    sb_ = nullptr;
    start(nullptr, 100.0); // first retry 300 s / 100 after the first attempt
    Receiver receiver(1);  // 500, then 200
    register_webhook(receiver.url());
    Json failed(pay("4000000000000002").body);
    ASSERT_TRUE(receiver.wait_for(1));
    advance_clock(3600);
    ASSERT_TRUE(receiver.wait_for(2));
    auto deliveries = receiver.deliveries();
    const std::string &first = deliveries[0].headers["stripe-signature"];
    const std::string &retry = deliveries[1].headers["stripe-signature"];
    EXPECT_EQ(deliveries[0].body, deliveries[1].body);
    EXPECT_TRUE(signature_valid(first, deliveries[0].body, webhook_secret_));
    EXPECT_TRUE(signature_valid(retry, deliveries[1].body, webhook_secret_));
    gint64 t_first = g_ascii_strtoll(first.c_str() + 2, nullptr, 10);
    gint64 t_retry = g_ascii_strtoll(retry.c_str() + 2, nullptr, 10);
    EXPECT_GE(t_retry - t_first, 3600) << first << " then " << retry;
    EXPECT_NE(first, retry);
    EXPECT_EQ(receiver.answered_ok(), 1);
}

TEST_F(SandboxCard, WebhookEndpointsCanBeListedAndDeleted)
{
    std::string id = register_webhook("http://127.0.0.1:9/hooks");
    Answer got = get("/v1/webhook_endpoints/" + id);
    EXPECT_EQ(got.status, 200);
    EXPECT_FALSE(Json(got.body).has("secret"));
    Answer list = get("/v1/webhook_endpoints");
    EXPECT_NE(list.body.find(id), std::string::npos);
    Answer gone = http("DELETE", endpoint_ + "/v1/webhook_endpoints/" + id, "",
                       {"Authorization: Bearer " + secret_key_});
    EXPECT_EQ(gone.status, 200);
    EXPECT_EQ(get("/v1/webhook_endpoints/" + id).status, 404);
    Answer bad = post("/v1/webhook_endpoints", {{"url", "http://127.0.0.1:9/x"}});
    EXPECT_EQ(Json(bad.body).str("error.param"), "enabled_events");
}

TEST_F(SandboxCard, WebhookBaseRegistersTenderAtStart)
{
    Receiver receiver;
    std::string base = receiver.url().substr(0, receiver.url().find("/hooks"));
    const char *args[] = {"--webhook-base", base.c_str(), nullptr};
    restart(args);
    Answer list = get("/v1/webhook_endpoints");
    EXPECT_NE(list.body.find(base + "/v1/webhooks/card"), std::string::npos) << list.body;
}

TEST_F(SandboxCard, StatusChangesWithoutARequestPostEventsToo)
{
    Receiver receiver;
    register_webhook(receiver.url());
    Json challenged(pay("4000000000003220").body);
    ASSERT_TRUE(receiver.wait_for(1));
    EXPECT_EQ(Json(receiver.deliveries()[0].body).str("type"), "payment_intent.requires_action");
    submit_code(challenged.str("next_action.redirect_to_url.url"), "123456");
    ASSERT_TRUE(receiver.wait_for(2));
    Json passed(receiver.deliveries()[1].body);
    EXPECT_EQ(passed.str("type"), "payment_intent.succeeded");
    EXPECT_EQ(passed.str("data.object.id"), challenged.str("id"));
    EXPECT_TRUE(passed.is_null("request.id")); // the payer's page, not an API request

    Json auth(pay("4242424242424242", "manual", 300).body);
    ASSERT_TRUE(receiver.wait_for(3));
    advance_clock(7 * 24 * 3600 + 1);
    // The sweep cancels it without anyone asking.
    ASSERT_TRUE(receiver.wait_for(4));
    Json lapsed(receiver.deliveries()[3].body);
    EXPECT_EQ(lapsed.str("type"), "payment_intent.canceled");
    EXPECT_EQ(lapsed.str("data.object.id"), auth.str("id"));
    EXPECT_EQ(lapsed.str("data.object.cancellation_reason"), "automatic");
    for (auto &d : receiver.deliveries())
        EXPECT_TRUE(signature_valid(d.headers["stripe-signature"], d.body, webhook_secret_));
}

TEST_F(SandboxCard, EnabledEventsFilterWhatAnEndpointReceives)
{
    Receiver receiver;
    Answer a = post("/v1/webhook_endpoints", {{"url", receiver.url()},
                                              {"enabled_events[0]", "refund.created"},
                                              {"enabled_events[1]", "charge.refunded"}});
    ASSERT_EQ(a.status, 200) << a.body;
    Json paid(pay("4242424242424242", "automatic", 900).body);
    Json refund(post("/v1/refunds", {{"payment_intent", paid.str("id")},
                                     {"amount", "100"},
                                     {"metadata[reason_code]", "r1"}})
                    .body);
    ASSERT_TRUE(receiver.wait_for(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto deliveries = receiver.deliveries();
    ASSERT_EQ(deliveries.size(), 2u); // nothing about the payment itself
    bool saw_refund = false;
    for (auto &d : deliveries) {
        Json e(d.body);
        EXPECT_TRUE(e.str("type") == "refund.created" || e.str("type") == "charge.refunded");
        if (e.str("type") == "refund.created") {
            saw_refund = true;
            EXPECT_EQ(e.str("data.object.id"), refund.str("id"));
            EXPECT_EQ(e.str("data.object.metadata.reason_code"), "r1");
        }
    }
    EXPECT_TRUE(saw_refund);
}

TEST_F(SandboxCard, RecentEventsCanBeListedAndRetrieved)
{
    // No endpoint registered: the events are still there to be found.
    Json paid(pay("4242424242424242", "automatic", 640).body);
    Json declined(pay("4000000000000002").body);
    post("/v1/refunds", {{"payment_intent", paid.str("id")}, {"amount", "40"}});

    Json succeeded(get("/v1/events?type=payment_intent.succeeded").body);
    EXPECT_EQ(succeeded.str("object"), "list");
    JsonArray *data = json_node_get_array(succeeded.at("data"));
    ASSERT_EQ(json_array_get_length(data), 1u);
    JsonObject *first = json_array_get_object_element(data, 0);
    EXPECT_STREQ(json_object_get_string_member(first, "type"), "payment_intent.succeeded");
    std::string event_id = json_object_get_string_member(first, "id");

    Json one(get("/v1/events/" + event_id).body);
    EXPECT_EQ(one.str("data.object.id"), paid.str("id"));
    EXPECT_EQ(get("/v1/events/evt_unknown").status, 404);

    // Newest first; limit and has_more.
    Json newest(get("/v1/events?limit=1").body);
    EXPECT_TRUE(json_node_get_boolean(newest.at("has_more")));
    EXPECT_EQ(json_object_get_string_member(
                  json_array_get_object_element(json_node_get_array(newest.at("data")), 0), "type"),
              std::string("refund.created"));
    Json failed(get("/v1/events?type=payment_intent.payment_failed").body);
    EXPECT_EQ(json_array_get_length(json_node_get_array(failed.at("data"))), 1u);
    EXPECT_EQ(get("/v1/events?limit=0").status, 400);
}

// ---- State across restarts -----------------------------------------------------

TEST_F(SandboxCard, StateSurvivesARestartWithStateFile)
{
    gchar *dir = g_dir_make_tmp("sandbox-card-XXXXXX", nullptr);
    ASSERT_NE(dir, nullptr);
    std::string state = std::string(dir) + "/state.json";
    const char *args[] = {"--state", state.c_str(), nullptr};
    restart(args);
    Json auth(pay("4242424242424242", "manual", 1000).body);
    ASSERT_EQ(auth.str("status"), "requires_capture");
    Answer first = post("/v1/payment_intents/" + auth.str("id") + "/capture",
                        {{"amount_to_capture", "400"}}, "cap-1");
    ASSERT_EQ(first.status, 200);

    restart(args);
    Json again(get("/v1/payment_intents/" + auth.str("id")).body);
    EXPECT_EQ(again.str("status"), "succeeded");
    EXPECT_EQ(again.num("amount_received"), 400);
    // The idempotency record came back too.
    Answer replay = post("/v1/payment_intents/" + auth.str("id") + "/capture",
                         {{"amount_to_capture", "400"}}, "cap-1");
    EXPECT_EQ(replay.status, 200);
    EXPECT_EQ(replay.header("idempotent-replayed"), "true");
    // And no card number was written to the state file.
    gchar *text = nullptr;
    ASSERT_TRUE(g_file_get_contents(state.c_str(), &text, nullptr, nullptr));
    EXPECT_EQ(std::string(text).find("4242424242424242"), std::string::npos);
    g_free(text);

    test_sandbox_stop(sb_);
    sb_ = nullptr;
    g_unlink(state.c_str());
    g_rmdir(dir);
    g_free(dir);
    start(nullptr);
}

} // namespace
