// What the payments service keeps in the ledger (schema 5): API keys (only
// a digest stored, revocation at once), webhook endpoints, the outbox (an
// event per state change, written with the change, a pending delivery per
// endpoint that wants it), and list pagination by cursor.
#include <json-glib/json-glib.h>

#include <set>

#include "core-test-util.h"
#include "ledger-rows.h"

using namespace coretest;

namespace
{

class ServiceTables : public HostTest
{
  protected:
    TempDir dir;
    std::string ledger;

    void SetUp() override
    {
        ledger = dir.file("ledger.db");
        make_host({}, ledger);
    }

    std::string pay_one(const char *account = nullptr)
    {
        TenderPayment *p = pay("fx_count", "10.00", "USD");
        EXPECT_NE(p, nullptr);
        (void)account;
        return p ? p->id : "";
    }

    std::vector<TenderEvent *> events()
    {
        GError *error = nullptr;
        GPtrArray *all = tender_host_events(host, 0, &error);
        EXPECT_NE(all, nullptr) << (error ? error->message : "");
        std::vector<TenderEvent *> out;
        for (guint i = 0; all && i < all->len; i++) {
            auto *e = static_cast<TenderEvent *>(g_ptr_array_index(all, i));
            TenderEvent *copy = g_new0(TenderEvent, 1);
            *copy = *e;
            copy->id = g_strdup(e->id);
            copy->type = g_strdup(e->type);
            copy->payment_id = g_strdup(e->payment_id);
            copy->body = g_strdup(e->body);
            kept_events.push_back(copy);
            out.push_back(copy);
        }
        if (all)
            g_ptr_array_unref(all);
        return out;
    }

    void TearDown() override
    {
        for (TenderEvent *e : kept_events)
            tender_event_free(e);
        HostTest::TearDown();
    }

    std::vector<TenderEvent *> kept_events;
};

TEST_F(ServiceTables, ApiKeysStoreOnlyADigestAndRevokeAtOnce)
{
    GError *error = nullptr;
    char *secret = nullptr;
    TenderApiKey *key =
        tender_host_api_key_create(host, "shop", TENDER_API_SCOPE_READ, &secret, &error);
    ASSERT_NE(key, nullptr) << (error ? error->message : "");
    ASSERT_NE(secret, nullptr);
    EXPECT_EQ(strlen(secret), 4u + 64u);
    EXPECT_TRUE(g_str_has_prefix(secret, "tsk_"));
    EXPECT_TRUE(g_str_has_prefix(key->id, "key_"));

    TenderApiKey *found = tender_host_api_key_verify(host, secret, &error);
    ASSERT_NE(found, nullptr) << (error ? error->message : "");
    EXPECT_STREQ(found->id, key->id);
    EXPECT_EQ(found->scope, TENDER_API_SCOPE_READ);
    tender_api_key_free(found);

    // One character off: no key.
    std::string wrong = secret;
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    EXPECT_EQ(tender_host_api_key_verify(host, wrong.c_str(), &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND));
    g_clear_error(&error);

    // The ledger holds no secret, only its digest: every row, copied into
    // a file (from PostgreSQL too), bytes scanned.
    g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret, -1);
    gchar *bytes = nullptr;
    gsize len = 0;
    ASSERT_TRUE(testledger::LedgerRows(ledger).copy_to_file(dir.file("copy.db")));
    ASSERT_TRUE(g_file_get_contents(dir.file("copy.db").c_str(), &bytes, &len, nullptr));
    std::string content(bytes, len);
    g_free(bytes);
    EXPECT_EQ(content.find(secret), std::string::npos);
    EXPECT_NE(content.find(digest), std::string::npos);

    ASSERT_TRUE(tender_host_api_key_revoke(host, key->id, &error));
    EXPECT_EQ(tender_host_api_key_verify(host, secret, &error), nullptr);
    g_clear_error(&error);
    EXPECT_FALSE(tender_host_api_key_revoke(host, "key_unknown", &error));
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND));
    g_clear_error(&error);

    GPtrArray *all = tender_host_api_keys(host, &error);
    ASSERT_NE(all, nullptr);
    ASSERT_EQ(all->len, 1u);
    EXPECT_GT(static_cast<TenderApiKey *>(g_ptr_array_index(all, 0))->revoked_ms, 0);
    g_ptr_array_unref(all);
    tender_api_key_free(key);
    g_free(secret);
}

TEST_F(ServiceTables, EveryStateChangeWritesOneEventAndItsDeliveries)
{
    GError *error = nullptr;
    char *secret = nullptr;
    TenderWebhookEndpoint *all_events =
        tender_host_webhook_endpoint_add(host, "http://127.0.0.1:9/all", nullptr, &secret, &error);
    ASSERT_NE(all_events, nullptr) << (error ? error->message : "");
    EXPECT_TRUE(g_str_has_prefix(secret, "whsec_"));
    g_free(secret);
    TenderWebhookEndpoint *captures = tender_host_webhook_endpoint_add(
        host, "https://shop.example/hooks", "payment.captured", &secret, &error);
    ASSERT_NE(captures, nullptr) << (error ? error->message : "");
    g_free(secret);
    EXPECT_EQ(tender_host_webhook_endpoint_add(host, "ftp://x/", nullptr, &secret, &error),
              nullptr);
    g_clear_error(&error);
    EXPECT_EQ(tender_host_webhook_endpoint_add(host, "http://x/", "payment.nope", &secret, &error),
              nullptr);
    g_clear_error(&error);

    std::string id = pay_one();
    TenderPayment *captured = keep(tender_host_capture(host, id.c_str(), nullptr, nullptr, &error));
    ASSERT_NE(captured, nullptr) << (error ? error->message : "");
    // A read changes nothing: no event.
    keep(tender_host_get(host, id.c_str(), &error));

    auto evs = events();
    ASSERT_EQ(evs.size(), 2u);
    EXPECT_STREQ(evs[0]->type, "payment.captured");
    EXPECT_STREQ(evs[1]->type, "payment.authorized");
    EXPECT_STREQ(evs[0]->payment_id, id.c_str());
    EXPECT_EQ(evs[0]->pending, 2u); // both endpoints want captures
    EXPECT_EQ(evs[1]->pending, 1u); // only "all" wants authorizations
    EXPECT_NE(std::string(evs[0]->body).find("\"previous_status\":\"authorized\""),
              std::string::npos)
        << evs[0]->body;
    EXPECT_NE(std::string(evs[0]->body).find(evs[0]->id), std::string::npos);
    EXPECT_EQ(tender_host_outbox_depth(host), 3);

    GPtrArray *due = tender_host_deliveries_due(host, g_get_real_time() / 1000 + 1000, 0, &error);
    ASSERT_NE(due, nullptr);
    ASSERT_EQ(due->len, 3u);
    // Deliver one, retry one later, give one up.
    auto *d0 = static_cast<TenderDelivery *>(g_ptr_array_index(due, 0));
    auto *d1 = static_cast<TenderDelivery *>(g_ptr_array_index(due, 1));
    auto *d2 = static_cast<TenderDelivery *>(g_ptr_array_index(due, 2));
    gint64 now = g_get_real_time() / 1000;
    ASSERT_TRUE(tender_host_delivery_record(host, d0->event_seq, d0->endpoint_id, TRUE, 200,
                                            nullptr, now, 0, &error));
    ASSERT_TRUE(tender_host_delivery_record(host, d1->event_seq, d1->endpoint_id, FALSE, 503,
                                            "HTTP 503", now, now + 60000, &error));
    ASSERT_TRUE(tender_host_delivery_record(host, d2->event_seq, d2->endpoint_id, FALSE, 0,
                                            "refused", now, 0, &error));
    EXPECT_EQ(tender_host_outbox_depth(host), 1);
    GPtrArray *later = tender_host_deliveries_due(host, now + 1000, 0, &error);
    ASSERT_NE(later, nullptr);
    EXPECT_EQ(later->len, 0u); // the retry is not due yet
    g_ptr_array_unref(later);
    later = tender_host_deliveries_due(host, now + 61000, 0, &error);
    ASSERT_EQ(later->len, 1u);
    EXPECT_EQ(static_cast<TenderDelivery *>(g_ptr_array_index(later, 0))->attempts, 1u);
    g_ptr_array_unref(later);

    // resend: every wanting endpoint again, from now.
    std::string first_id = d0->event_id;
    ASSERT_TRUE(tender_host_event_resend(host, first_id.c_str(), &error));
    EXPECT_GE(tender_host_outbox_depth(host), 2);
    EXPECT_FALSE(tender_host_event_resend(host, "evt_unknown", &error));
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND));
    g_clear_error(&error);
    g_ptr_array_unref(due);

    // Removing an endpoint drops its pending deliveries.
    ASSERT_TRUE(tender_host_webhook_endpoint_remove(host, captures->id, &error));
    EXPECT_FALSE(tender_host_webhook_endpoint_remove(host, captures->id, &error));
    g_clear_error(&error);
    tender_webhook_endpoint_free(all_events);
    tender_webhook_endpoint_free(captures);
}

// The event body is JSON written by hand on the hot path (ledger-service.c):
// what a buyer or a plugin put in a string — quotes, backslashes, control
// characters, non-ASCII — comes back exactly when the body is parsed.
TEST_F(ServiceTables, EventBodiesAreJsonWhateverTheStrings)
{
    const char *account = "acct \"q\" \\ back\nline\ttab\x01 caf\xc3\xa9";
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "fx_count";
    req.region = "US";
    req.currency = "USD";
    req.amount = "12.34";
    req.account = account;
    GError *error = nullptr;
    TenderPayment *p = keep(tender_host_pay(host, &req, &error));
    ASSERT_NE(p, nullptr) << (error ? error->message : "");

    auto evs = events();
    ASSERT_GE(evs.size(), 1u);
    JsonParser *parser = json_parser_new();
    ASSERT_TRUE(json_parser_load_from_data(parser, evs[0]->body, -1, &error))
        << evs[0]->body << ": " << (error ? error->message : "");
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    EXPECT_STREQ(json_object_get_string_member(root, "id"), evs[0]->id);
    EXPECT_STREQ(json_object_get_string_member(root, "type"), evs[0]->type);
    EXPECT_EQ(json_object_get_int_member(root, "created"), evs[0]->created_ms / 1000);
    JsonObject *payment = json_object_get_object_member(
        json_object_get_object_member(root, "data"), "payment");
    EXPECT_STREQ(json_object_get_string_member(payment, "account"), account);
    EXPECT_STREQ(json_object_get_string_member(payment, "id"), p->id);
    EXPECT_STREQ(json_object_get_string_member(payment, "status"),
                 tender_status_to_string(p->status));
    EXPECT_STREQ(json_object_get_string_member(payment, "amount"), "12.34");
    EXPECT_STREQ(json_object_get_string_member(payment, "currency"), "USD");
    // An empty value is null, never "".
    EXPECT_TRUE(json_object_has_member(payment, "processor_reference"));
    g_object_unref(parser);
}

// A new payment's answer is built from what the host holds, not read back
// (operation.c): it must be what a read of the ledger gives afterwards.
TEST_F(ServiceTables, APaymentsAnswerIsWhatTheLedgerHolds)
{
    TenderPayment *answer = pay("fx_count", "10.00", "USD", "key-answer");
    ASSERT_NE(answer, nullptr);
    TenderPayment *read = get(answer->id);
    ASSERT_NE(read, nullptr);
    EXPECT_EQ(answer->status, read->status);
    EXPECT_EQ(answer->amount, read->amount);
    EXPECT_EQ(answer->updated_ms, read->updated_ms);
    EXPECT_EQ(answer->hold_expires_ms, read->hold_expires_ms);
    EXPECT_STREQ(answer->processor_ref, read->processor_ref);
    ASSERT_NE(answer->operations, nullptr);
    ASSERT_NE(read->operations, nullptr);
    ASSERT_EQ(answer->operations->len, read->operations->len);
    ASSERT_EQ(answer->operations->len, 1u);
    auto *a = static_cast<TenderOperation *>(g_ptr_array_index(answer->operations, 0));
    auto *b = static_cast<TenderOperation *>(g_ptr_array_index(read->operations, 0));
    EXPECT_EQ(a->seq, b->seq);
    EXPECT_STREQ(a->kind, b->kind);
    EXPECT_STREQ(a->request_id, b->request_id);
    EXPECT_STREQ(a->idempotency_key, b->idempotency_key);
    EXPECT_STREQ(a->idempotency_key, "key-answer");
    EXPECT_EQ(a->amount, b->amount);
    EXPECT_STREQ(a->outcome, b->outcome);
    EXPECT_STREQ(a->decline_code, b->decline_code);
    EXPECT_STREQ(a->raw_code, b->raw_code);
    EXPECT_STREQ(a->message, b->message);
    EXPECT_STREQ(a->processor_ref, b->processor_ref);
    EXPECT_STREQ(a->status_after, b->status_after);
    EXPECT_EQ(a->created_ms, b->created_ms);
    EXPECT_EQ(a->attempts, b->attempts);
}

TEST_F(ServiceTables, APolicyDeclineIsAnEventToo)
{
    // fx_count takes at most 5.00 USD here: a payment above it is refused
    // by the policy, recorded as declined, the plugin never called.
    tender_host_free(host);
    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, fixture_dir());
    tender_host_options_set_config_data(
        options, "{\"exchange\": {\"base\": \"USD\"}, \"methods\": {\"fx_count\": "
                 "{\"amounts\": {\"USD\": {\"max\": \"5.00\"}}}}}");
    test_ledger_set_options(options, dir.file("declines.db").c_str());
    tender_host_options_set_fixed_now(options, kNow);
    GError *error = nullptr;
    host = tender_host_new(options, &error);
    tender_host_options_free(options);
    ASSERT_NE(host, nullptr) << (error ? error->message : "");
    char *secret = nullptr;
    TenderWebhookEndpoint *e =
        tender_host_webhook_endpoint_add(host, "http://127.0.0.1:9/", "*", &secret, &error);
    ASSERT_NE(e, nullptr);
    g_free(secret);
    tender_webhook_endpoint_free(e);
    TenderPayment *p = pay("fx_count", "10.00");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_DECLINED);
    auto evs = events();
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_STREQ(evs[0]->type, "payment.declined");
    EXPECT_EQ(evs[0]->pending, 1u);
}

TEST_F(ServiceTables, ListPagesByCursor)
{
    std::vector<std::string> made;
    for (int i = 0; i < 5; i++) {
        tender_host_set_now(host, kNow + (i < 3 ? 0 : i * 1000)); // three in one millisecond
        made.push_back(pay_one());
    }
    std::vector<std::string> seen;
    std::string after;
    for (int page = 0; page < 10; page++) {
        TenderListFilter f = {sizeof f};
        f.limit = 2;
        f.after_id = after.empty() ? nullptr : after.c_str();
        GError *error = nullptr;
        GPtrArray *list = tender_host_list(host, &f, &error);
        ASSERT_NE(list, nullptr) << (error ? error->message : "");
        for (guint i = 0; i < list->len; i++)
            seen.push_back(static_cast<TenderPayment *>(g_ptr_array_index(list, i))->id);
        guint n = list->len;
        if (n)
            after = seen.back();
        g_ptr_array_unref(list);
        if (n < 2)
            break;
    }
    EXPECT_EQ(seen.size(), 5u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
              std::set<std::string>(made.begin(), made.end()));

    // An unknown cursor is not found; a host built before after_id existed
    // (a shorter struct_size) is never read past its end.
    TenderListFilter f = {sizeof f};
    f.after_id = "pay_unknown";
    GError *error = nullptr;
    EXPECT_EQ(tender_host_list(host, &f, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND));
    g_clear_error(&error);
    f.struct_size = offsetof(TenderListFilter, after_id);
    GPtrArray *all = tender_host_list(host, &f, &error);
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->len, 5u);
    g_ptr_array_unref(all);
}

TEST_F(ServiceTables, StoredResponsesKeepTheFirst)
{
    GError *error = nullptr;
    EXPECT_EQ(tender_host_stored_response_get(host, "", "k1", &error), nullptr);
    EXPECT_EQ(error, nullptr);
    GBytes *body = g_bytes_new_static("{\"a\":1}\0x", 9); // binary-safe
    TenderStoredResponse first = {
        (char *)"fp1", 402, (char *)"application/json", body, (char *)"Retry-After: 1\n", 0};
    ASSERT_TRUE(tender_host_stored_response_put(host, "", "k1", &first, 0, &error));
    GBytes *other_body = g_bytes_new_static("{}", 2);
    TenderStoredResponse second = {(char *)"fp2", 200,        (char *)"text/plain",
                                   other_body,    (char *)"", 0};
    ASSERT_TRUE(tender_host_stored_response_put(host, "", "k1", &second, 0, &error));
    TenderStoredResponse *got = tender_host_stored_response_get(host, "", "k1", &error);
    ASSERT_NE(got, nullptr);
    EXPECT_STREQ(got->fingerprint, "fp1");
    EXPECT_EQ(got->status, 402u);
    EXPECT_STREQ(got->content_type, "application/json");
    EXPECT_TRUE(g_bytes_equal(got->body, body));
    EXPECT_STREQ(got->headers, "Retry-After: 1\n");
    tender_stored_response_free(got);
    // Another scope is another key.
    EXPECT_EQ(tender_host_stored_response_get(host, "other", "k1", &error), nullptr);
    // Old ones go when a new one is kept with a maximum age.
    g_usleep(20000);
    ASSERT_TRUE(tender_host_stored_response_put(host, "", "k2", &second, 10, &error));
    EXPECT_EQ(tender_host_stored_response_get(host, "", "k1", &error), nullptr);
    got = tender_host_stored_response_get(host, "", "k2", &error);
    ASSERT_NE(got, nullptr);
    tender_stored_response_free(got);
    g_bytes_unref(body);
    g_bytes_unref(other_body);
}

} // namespace
