// libtender-testhost through <tender/testhost.h> alone: the services a
// plugin gets (settings by kind, recorded reads, fixed clock, deterministic
// random bytes, captured or dropped log), loading with its error sentences,
// and calls that go through the host's own slot lookups.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include <tender/tender.h>
#include <tender/testhost.h>

namespace {

struct HostDeleter {
    void operator()(TenderTestHost *h) const { tender_test_host_free(h); }
};
using Host = std::unique_ptr<TenderTestHost, HostDeleter>;

std::string card_so()
{
    return std::string(CARD_PLUGIN_DIR) + "/card.so";
}

// A 10.00 USD authorize with the card's test number.
const tender_param card_params[] = {
    {"number", "4242424242424242"}, {"exp_month", "12"}, {"exp_year", "2031"}, {"cvc", "737"}};

tender_request CardAuthorize()
{
    tender_request req = tender_test_request(TENDER_OP_AUTHORIZE, 1000, "USD", 2);
    req.params = card_params;
    req.n_params = G_N_ELEMENTS(card_params);
    return req;
}

} // namespace

TEST(TestHost, SettingsAnswerByKindAndEveryReadIsRecorded)
{
    Host host(tender_test_host_new());
    const tender_host_services *s = tender_test_host_services(host.get());
    tender_test_host_set_setting(host.get(), "text_number", "42");
    tender_test_host_set_setting(host.get(), "text_flag", "true");
    tender_test_host_set_setting_string(host.get(), "typed_string", "42");
    tender_test_host_set_setting_int(host.get(), "typed_int", 7);
    tender_test_host_set_setting_bool(host.get(), "typed_bool", FALSE);

    char buf[8];
    int64_t n = 0;
    int b = -5;
    EXPECT_EQ(s->config_string(s, "any", "text_number", buf, sizeof buf), 1);
    EXPECT_STREQ(buf, "42");
    EXPECT_EQ(s->config_int64(s, "any", "text_number", &n), 1);
    EXPECT_EQ(n, 42);
    EXPECT_EQ(s->config_bool(s, "any", "text_number", &b), -1);
    EXPECT_EQ(s->config_bool(s, "any", "text_flag", &b), 1);
    EXPECT_EQ(b, 1);
    EXPECT_EQ(s->config_int64(s, "any", "text_flag", &n), -1);
    // A typed setting answers its own kind only, as a JSON value would.
    EXPECT_EQ(s->config_int64(s, "any", "typed_string", &n), -1);
    EXPECT_EQ(s->config_string(s, "any", "typed_int", buf, sizeof buf), -1);
    EXPECT_EQ(s->config_int64(s, "any", "typed_int", &n), 1);
    EXPECT_EQ(n, 7);
    EXPECT_EQ(s->config_bool(s, "any", "typed_bool", &b), 1);
    EXPECT_EQ(b, 0);
    EXPECT_EQ(s->config_string(s, "any", "missing", buf, sizeof buf), 0);
    // Too long for the caller's buffer: -1, never a truncated value.
    tender_test_host_set_setting(host.get(), "long", "0123456789");
    EXPECT_EQ(s->config_string(s, "any", "long", buf, sizeof buf), -1);

    GPtrArray *reads = tender_test_host_setting_reads(host.get());
    ASSERT_EQ(reads->len, 11u);
    EXPECT_STREQ((const char *)g_ptr_array_index(reads, 0), "string:text_number");
    EXPECT_STREQ((const char *)g_ptr_array_index(reads, 1), "int64:text_number");
    EXPECT_STREQ((const char *)g_ptr_array_index(reads, 2), "bool:text_number");
    g_ptr_array_unref(reads);
    tender_test_host_clear_settings(host.get());
    EXPECT_EQ(s->config_int64(s, "any", "typed_int", &n), 0);
    reads = tender_test_host_setting_reads(host.get());
    EXPECT_EQ(reads->len, 1u);
    g_ptr_array_unref(reads);
}

TEST(TestHost, ClockRandomAndLog)
{
    Host host(tender_test_host_new());
    const tender_host_services *s = tender_test_host_services(host.get());
    EXPECT_EQ(s->now_ms(s), TENDER_TEST_HOST_DEFAULT_NOW_MS);
    tender_test_host_set_now(host.get(), 1234);
    EXPECT_EQ(s->now_ms(s), 1234);
    EXPECT_EQ(tender_test_host_now(host.get()), 1234);

    unsigned char a[4], b[4];
    s->random_bytes(s, a, sizeof a);
    s->random_bytes(s, b, sizeof b);
    const unsigned char first[4] = {7, 138, 13, 144}; // n * 131 + 7 mod 256
    EXPECT_EQ(std::memcmp(a, first, 4), 0);
    EXPECT_NE(std::memcmp(a, b, 4), 0);
    Host again(tender_test_host_new());
    const tender_host_services *s2 = tender_test_host_services(again.get());
    unsigned char c[4];
    s2->random_bytes(s2, c, sizeof c);
    EXPECT_EQ(std::memcmp(a, c, 4), 0) << "the same bytes every run";

    s->log(s, TENDER_LOG_WARNING, "m", "hello world");
    EXPECT_TRUE(tender_test_host_logs_contain(host.get(), "hello world"));
    EXPECT_FALSE(tender_test_host_logs_contain(host.get(), "absent"));
    ASSERT_EQ(tender_test_host_logs(host.get())->len, 1u);
    EXPECT_NE(std::strstr((const char *)g_ptr_array_index(tender_test_host_logs(host.get()), 0),
                          "m: hello world"),
              nullptr);
    tender_test_host_set_log_capture(host.get(), FALSE);
    s->log(s, TENDER_LOG_INFO, "m", "dropped");
    EXPECT_EQ(tender_test_host_logs(host.get())->len, 1u);
}

TEST(TestHost, LoadingSaysWhyItFailed)
{
    Host host(tender_test_host_new());
    char *error = nullptr;
    EXPECT_EQ(tender_test_plugin_load(host.get(), "/nonexistent/plugin.so", &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::strstr(error, "dlopen failed"), nullptr) << error;
    g_free(error);
}

TEST(TestHost, DrivesABundledPluginAsAHostWould)
{
    Host host(tender_test_host_new());
    // The card plugin needs its gateway key to start.
    tender_test_host_set_setting(host.get(), "secret_key", "sk_test_testhost");
    char *error = nullptr;
    TenderTestPlugin *plugin = tender_test_plugin_load(host.get(), card_so().c_str(), &error);
    ASSERT_NE(plugin, nullptr) << error;
    EXPECT_TRUE(tender_plugin_check_descriptor(tender_test_plugin_descriptor(plugin), nullptr));
    EXPECT_EQ(tender_test_plugin_method(plugin, "no_such_method"), nullptr);
    const tender_method *m = tender_test_plugin_method(plugin, "card");
    ASSERT_NE(m, nullptr);
    void *instance = nullptr;
    ASSERT_EQ(tender_test_instance_new(host.get(), m, &instance, &error), 0) << error;

    tender_request req = CardAuthorize();
    tender_result res;
    ASSERT_TRUE(tender_test_call(m, instance, &req, &res));
    EXPECT_EQ(res.struct_size, sizeof res);
    // The card passed the plugin's checks and went to the test host's http
    // service, which has no network: nothing was sent.
    EXPECT_EQ(res.outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << res.message;
    EXPECT_STREQ(res.display_last4, "4242");
    // An operation the method does not declare is not called.
    tender_request note = tender_test_request(TENDER_OP_NOTIFICATION, 0, "USD", 2);
    note.payment_id = nullptr;
    EXPECT_EQ(tender_method_identify_fn(m) != nullptr, tender_test_call(m, instance, &note, &res));

    tender_test_instance_free(m, instance);
    tender_test_plugin_free(plugin);
}

// The same plugin in a worker process (tender_test_plugin_load_isolated):
// the descriptor and its fixtures are the worker's copies, the entry point
// and every call run there, and the plugin's service calls (settings, log,
// http) are answered by this test host as for an in-process plugin.
TEST(TestHost, DrivesABundledPluginInAWorker)
{
    Host direct_host(tender_test_host_new());
    char *error = nullptr;
    TenderTestPlugin *direct =
        tender_test_plugin_load(direct_host.get(), card_so().c_str(), &error);
    ASSERT_NE(direct, nullptr) << error;

    Host host(tender_test_host_new());
    tender_test_host_set_setting(host.get(), "secret_key", "sk_test_testhost");
    TenderTestPlugin *plugin =
        tender_test_plugin_load_isolated(host.get(), card_so().c_str(), TRUE, &error);
    ASSERT_NE(plugin, nullptr) << error;
    EXPECT_TRUE(tender_test_plugin_is_isolated(plugin));
    EXPECT_FALSE(tender_test_plugin_is_isolated(direct));
    EXPECT_EQ(tender_test_plugin_entry(plugin), nullptr);
    const tender_plugin_descriptor *d = tender_test_plugin_descriptor(plugin);
    EXPECT_TRUE(tender_plugin_check_descriptor(d, nullptr));
    EXPECT_NE(d, tender_test_plugin_descriptor(direct));
    EXPECT_STREQ(d->id, tender_test_plugin_descriptor(direct)->id);

    const tender_method *m = tender_test_plugin_method(plugin, "card");
    const tender_method *dm = tender_test_plugin_method(direct, "card");
    ASSERT_NE(m, nullptr);
    ASSERT_NE(dm, nullptr);
    // The fixtures cross the socket whole: names, inputs and expectations.
    size_t n = 0, dn = 0;
    const tender_fixture *fx = tender_method_fixtures(m, &n);
    const tender_fixture *dfx = tender_method_fixtures(dm, &dn);
    ASSERT_GT(dn, 0u);
    ASSERT_EQ(n, dn);
    ASSERT_NE(fx, dfx);
    for (size_t i = 0; i < n; i++) {
        EXPECT_STREQ(fx[i].name, dfx[i].name);
        EXPECT_STREQ(fx[i].currency, dfx[i].currency);
        EXPECT_STREQ(fx[i].amount, dfx[i].amount);
        EXPECT_EQ(fx[i].expect_outcome, dfx[i].expect_outcome);
        EXPECT_EQ(fx[i].expect_decline, dfx[i].expect_decline);
        EXPECT_EQ(fx[i].expect_after_action, dfx[i].expect_after_action);
        EXPECT_STREQ(fx[i].sandbox_event, dfx[i].sandbox_event);
        ASSERT_EQ(fx[i].n_params, dfx[i].n_params);
        for (size_t j = 0; j < fx[i].n_params; j++) {
            EXPECT_STREQ(fx[i].params[j].key, dfx[i].params[j].key);
            EXPECT_STREQ(fx[i].params[j].value, dfx[i].params[j].value);
        }
        ASSERT_EQ(fx[i].n_complete_params, dfx[i].n_complete_params);
    }

    tender_test_host_clear_settings(host.get());
    tender_test_host_set_setting(host.get(), "secret_key", "sk_test_testhost");
    void *instance = nullptr;
    ASSERT_EQ(tender_test_instance_new(host.get(), m, &instance, &error), 0) << error;
    // The worker's create read its key through this host.
    GPtrArray *reads = tender_test_host_setting_reads(host.get());
    bool read_key = false;
    for (guint i = 0; i < reads->len; i++)
        read_key = read_key ||
                   std::strstr((const char *)g_ptr_array_index(reads, i), "secret_key") != nullptr;
    g_ptr_array_unref(reads);
    EXPECT_TRUE(read_key);

    tender_request req = CardAuthorize();
    tender_result res;
    ASSERT_TRUE(tender_test_call(m, instance, &req, &res));
    // As in-process: the worker's http call came back to this host, which
    // has no network.
    EXPECT_EQ(res.outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << res.message;
    EXPECT_STREQ(res.display_last4, "4242");

    tender_test_instance_free(m, instance);
    tender_test_plugin_free(plugin);
    tender_test_plugin_free(direct);
}

TEST(TestHost, LoadingInAWorkerSaysWhyItFailed)
{
    Host host(tender_test_host_new());
    char *error = nullptr;
    EXPECT_EQ(tender_test_plugin_load_isolated(host.get(), "/nonexistent/plugin.so", TRUE, &error),
              nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::strstr(error, "/nonexistent/plugin.so"), nullptr) << error;
    g_free(error);
}
