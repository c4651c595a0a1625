// The WebMoney plugin with auth "light" (Keeper WebPro) against
// tender-sandbox speaking TLS (--tls-dir): the host presents the merchant's
// client certificate (encrypted key, passphrase setting) and the plugin calls
// X3/X5/X14 at the "…Cert.asp" interfaces without <wmid> or a signature.
// Refunds (X14) and protected-transfer codes (X5) over TLS; a certificate
// the sandbox does not know, none at all, or an expired one, refused; the
// passphrase and the protection code never in the log (HTTP trace on).
#include <gtest/gtest.h>

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <tender/tender.h>

#include "test-ledger.h"

extern "C" {
#include "demo-webmoney.h"
#include "sandbox-pki.h"
#include "sandbox-process.h"
}

namespace {

std::mutex log_lock;
std::string log_text;

GLogWriterOutput log_writer(GLogLevelFlags, const GLogField *fields, gsize n, gpointer)
{
    std::lock_guard<std::mutex> guard(log_lock);
    for (gsize i = 0; i < n; i++)
        if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
            log_text += std::string(static_cast<const char *>(fields[i].value)) + "\n";
    return G_LOG_WRITER_HANDLED;
}

std::string logged()
{
    std::lock_guard<std::mutex> guard(log_lock);
    return log_text;
}

// A string member's value in settings (JSON text of one flat object).
std::string member(const std::string &json, const char *name)
{
    JsonNode *root = json_from_string(json.c_str(), nullptr);
    std::string value = root ? json_object_get_string_member_with_default(
                                   json_node_get_object(root), name, "")
                             : "";
    if (root)
        json_node_unref(root);
    return value;
}

// settings with member name set to value, or removed when value is null.
std::string with(const std::string &json, const char *name, const char *value)
{
    JsonNode *root = json_from_string(json.c_str(), nullptr);
    EXPECT_NE(root, nullptr) << json;
    if (root == nullptr)
        return json;
    JsonObject *object = json_node_get_object(root);
    if (value != nullptr)
        json_object_set_string_member(object, name, value);
    else if (json_object_has_member(object, name))
        json_object_remove_member(object, name);
    char *text = json_to_string(root, FALSE);
    std::string out = text;
    g_free(text);
    json_node_unref(root);
    return out;
}

class WebMoneyLight : public ::testing::Test {
  protected:
    void SetUp() override
    {
        static std::once_flag once;
        std::call_once(once, [] { g_log_set_writer_func(log_writer, nullptr, nullptr); });
        dir = g_dir_make_tmp("wm-light-XXXXXX", nullptr);
        ASSERT_NE(dir, nullptr);
        const char *args[] = {"--tls-dir", dir, nullptr};
        GError *error = nullptr;
        sb = test_sandbox_start(1000.0, args, &error);
        ASSERT_NE(sb, nullptr) << (error ? error->message : "no error");
        ASSERT_EQ(std::string(test_sandbox_url(sb)).rfind("https://127.0.0.1:", 0), 0u);
        char *json = test_sandbox_settings_json(sb, "webmoney");
        ASSERT_NE(json, nullptr);
        settings = json;
        g_free(json);
        ASSERT_EQ(member(settings, "auth"), "light") << settings;
        passphrase = member(settings, "tls_client_key_passphrase");
        ASSERT_FALSE(passphrase.empty()) << settings;
        demo_webmoney_trust(path("ca.pem").c_str());
    }

    void TearDown() override
    {
        stop();
        demo_webmoney_trust(nullptr);
        test_sandbox_stop(sb);
        GDir *d = dir ? g_dir_open(dir, 0, nullptr) : nullptr;
        for (const char *name; d && (name = g_dir_read_name(d));)
            g_unlink(path(name).c_str());
        if (d)
            g_dir_close(d);
        if (dir)
            g_rmdir(dir);
        g_free(dir);
    }

    std::string path(const std::string &name) const
    {
        return std::string(dir) + "/" + name;
    }

    // A host on the default config with these webmoney settings; NULL and
    // the error's message in error_out when it does not start.
    TenderHost *start(const std::string &wm_settings, std::string *error_out = nullptr)
    {
        stop();
        std::string json = tender_config_default_json();
        const std::string plain = "\"settings\": {\"mode\": \"sandbox\"}";
        size_t at = json.find(plain, json.find("\"webmoney\""));
        EXPECT_NE(at, std::string::npos);
        json.replace(at, plain.size(), "\"settings\": " + wm_settings);
        TenderHostOptions *options = tender_host_options_new();
        tender_host_options_add_plugin_dir(options, WEBMONEY_PLUGIN_DIR);
        test_ledger_set_options(options, ledger.c_str());
        tender_host_options_set_config_data(options, json.c_str());
        tender_host_options_set_trace_http(options, TRUE);
        GError *error = nullptr;
        host = tender_host_new(options, &error);
        tender_host_options_free(options);
        if (error_out)
            *error_out = error ? error->message : "";
        g_clear_error(&error);
        return host;
    }

    void stop()
    {
        for (TenderPayment *p : payments)
            tender_payment_free(p);
        payments.clear();
        tender_host_free(host);
        host = nullptr;
    }

    TenderPayment *keep(TenderPayment *p, GError *error)
    {
        if (p)
            payments.push_back(p);
        last_error = error ? error->message : "";
        g_clear_error(&error);
        return p;
    }

    TenderPayment *pay(const char *amount, std::vector<tender_param> params)
    {
        TenderPayRequest req = {};
        req.struct_size = sizeof req;
        req.method = "webmoney";
        req.region = "US";
        req.currency = "USD";
        req.amount = amount;
        req.account = "wm-light";
        req.tier = "personal";
        req.params = params.data();
        req.n_params = params.size();
        req.capture = TRUE;
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        return keep(p, error);
    }

    // A page payment the payer paid, captured through X18.
    TenderPayment *paid(const char *amount)
    {
        TenderPayment *p = pay(amount, {{"purse", DEMO_WM_PAYER_PURSE},
                                        {"wmid", DEMO_WM_PAYER_WMID}});
        if (p == nullptr || !demo_webmoney_pay_on_page(p->action_data, DEMO_WM_PAYER_WMID,
                                                       DEMO_WM_PAYER_PURSE, nullptr))
            return nullptr;
        GError *error = nullptr;
        TenderPayment *synced = tender_host_sync(host, p->id, &error);
        return keep(synced, error);
    }

    TenderPayment *refund(const char *id, const char *amount)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_refund(host, id, amount, nullptr, &error);
        return keep(p, error);
    }

    TenderPayment *complete(const char *id, const char *code)
    {
        tender_param params[] = {{"protection_code", code}};
        GError *error = nullptr;
        TenderPayment *p = tender_host_complete(host, id, params, 1, &error);
        return keep(p, error);
    }

    // A client certificate for the merchant's WMID issued by ca (the
    // sandbox's own when ca is "ca"), valid from..until seconds from now.
    std::string issue(const char *name, const char *ca, gint64 from, gint64 until)
    {
        std::string ca_cert = path(std::string(ca) + ".pem");
        std::string ca_key = path(std::string(ca) + "-key.pem");
        GError *error = nullptr;
        if (strcmp(ca, "ca") != 0) {
            EXPECT_TRUE(sandbox_pki_make_ca(ca_cert.c_str(), ca_key.c_str(), ca, &error));
        }
        SandboxPkiLeaf leaf = {"100000000001", nullptr, from, until, nullptr};
        leaf.common_name = merchant_wmid.c_str();
        EXPECT_TRUE(sandbox_pki_issue(ca_cert.c_str(), ca_key.c_str(), &leaf,
                                      path(std::string(name) + ".pem").c_str(),
                                      path(std::string(name) + "-key.pem").c_str(), &error))
            << (error ? error->message : "");
        g_clear_error(&error);
        std::string s = with(settings, "tls_client_cert", path(std::string(name) + ".pem").c_str());
        s = with(s, "tls_client_key", path(std::string(name) + "-key.pem").c_str());
        return with(s, "tls_client_key_passphrase", nullptr);
    }

    char *dir = nullptr;
    TestSandbox *sb = nullptr;
    std::string settings, passphrase, last_error;
    std::string merchant_wmid = "100000000001";
    std::string ledger = ":memory:"; // a file when a test restarts the host
    TenderHost *host = nullptr;
    std::vector<TenderPayment *> payments;
};

TEST_F(WebMoneyLight, RefundsOverTlsWithTheClientCertificate)
{
    merchant_wmid = member(settings, "merchant_wmid");
    ASSERT_NE(start(settings), nullptr);
    TenderPayment *p = paid("10.5");
    ASSERT_NE(p, nullptr) << last_error;
    ASSERT_EQ(p->status, TENDER_STATUS_CAPTURED);
    TenderPayment *part = refund(p->id, "3");
    ASSERT_NE(part, nullptr) << last_error;
    EXPECT_EQ(part->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(part->refunded, 300);
    EXPECT_EQ(refund(p->id, "8"), nullptr) << "more than is left";
    TenderPayment *rest = refund(p->id, nullptr);
    ASSERT_NE(rest, nullptr) << last_error;
    EXPECT_EQ(rest->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(rest->refunded, 1050);

    std::string log = logged();
    EXPECT_NE(log.find("/webmoney/asp/XMLTransMoneybackCert.asp"), std::string::npos) << log;
    EXPECT_NE(log.find("/webmoney/asp/XMLOperationsCert.asp"), std::string::npos);
    // Each traced exchange is one message: a Light request names no signer.
    size_t light = 0;
    for (size_t at = log.find("Cert.asp"); at != std::string::npos;
         at = log.find("Cert.asp", at + 1)) {
        size_t end = log.find(": http\n", at);
        std::string exchange = log.substr(at, end == std::string::npos ? end : end - at);
        EXPECT_EQ(exchange.find("<wmid>"), std::string::npos) << exchange;
        EXPECT_EQ(exchange.find("<sha256>"), std::string::npos) << exchange;
        EXPECT_EQ(exchange.find("<sign>"), std::string::npos) << exchange;
        light++;
    }
    EXPECT_GE(light, 4u) << "X3 and X14 for each refund";
    EXPECT_EQ(log.find(passphrase), std::string::npos) << "the passphrase is never logged";
}

// The plugin in a worker process (`tender` with "isolation": "process"):
// its http calls are the host's, so the host's client certificate goes
// with them unchanged.
TEST_F(WebMoneyLight, RefundFromAnIsolatedWorker)
{
    std::string config = path("isolated.json");
    {
        JsonParser *parser = json_parser_new();
        ASSERT_TRUE(json_parser_load_from_file(parser, test_sandbox_config_path(sb), nullptr));
        JsonObject *root = json_node_get_object(json_parser_get_root(parser));
        JsonObject *plugin = json_object_new();
        json_object_set_string_member(plugin, "isolation", "process");
        JsonObject *plugins = json_object_new();
        json_object_set_object_member(plugins, "webmoney", plugin);
        json_object_set_object_member(root, "plugins", plugins);
        char *text = json_to_string(json_parser_get_root(parser), TRUE);
        ASSERT_TRUE(g_file_set_contents(config.c_str(), text, -1, nullptr));
        g_free(text);
        g_object_unref(parser);
    }
    // The file, or under `meson test --setup postgres` a schema of the server.
    g_autofree char *location = test_ledger_location(path("isolated.db").c_str());
    std::string ledger_file = location;
    auto tender = [&](std::vector<std::string> args, std::string *err = nullptr) {
        std::vector<std::string> argv = {TENDER_EXE, "--config", config, "--ledger",
                                         ledger_file, "--json"};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char *> cargv;
        for (auto &a : argv)
            cargv.push_back(const_cast<char *>(a.c_str()));
        cargv.push_back(nullptr);
        char *out = nullptr, *errs = nullptr;
        int status = -1;
        EXPECT_TRUE(g_spawn_sync(nullptr, cargv.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr,
                                 &out, &errs, &status, nullptr));
        std::string text = out ? out : "";
        if (err)
            *err = errs ? errs : "";
        g_free(out);
        g_free(errs);
        return text;
    };
    std::string paid = tender({"pay", "--method", "webmoney", "--amount", "6", "--currency",
                               "USD", "--region", "US", "--tier", "personal", "--param",
                               "purse=" DEMO_WM_PAYER_PURSE, "--param",
                               "wmid=" DEMO_WM_PAYER_WMID});
    std::string id = member(paid, "id");
    ASSERT_FALSE(id.empty()) << paid;
    EXPECT_EQ(member(tender({"complete", id, "--param", "payer_action=pay"}), "status"),
              "captured");
    std::string trace;
    std::string refunded =
        tender({"--trace-http", "refund", id, "--amount", "2"}, &trace);
    EXPECT_EQ(member(refunded, "status"), "partially_refunded") << refunded << trace;
    EXPECT_EQ(member(refunded, "refunded"), "2.00");
    EXPECT_NE(trace.find("/webmoney/asp/XMLTransMoneybackCert.asp"), std::string::npos) << trace;
    EXPECT_EQ(trace.find(passphrase), std::string::npos) << "the passphrase is never logged";
    std::string listed = tender({"plugins"});
    EXPECT_NE(listed.find("process"), std::string::npos) << listed;
}

TEST_F(WebMoneyLight, ProtectedTransferCodesOverTls)
{
    ASSERT_NE(start(settings), nullptr);
    const char *code = "Light-Code-5150";
    TenderPayment *p = pay("25", {{"purse", DEMO_WM_PAYER_PURSE},
                                 {"wmid", DEMO_WM_PAYER_WMID},
                                 {"protection_days", "3"},
                                 {"protection_code", code}});
    ASSERT_NE(p, nullptr) << last_error;
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    std::string endpoint = member(settings, "endpoint");
    ASSERT_TRUE(demo_webmoney_send_protected(endpoint.c_str(), "Z100000000001", "25", 3, code,
                                             (std::string("Payment ") + p->id).c_str()));
    TenderPayment *wrong = complete(p->id, "Not-The-Code-2");
    ASSERT_NE(wrong, nullptr) << last_error;
    EXPECT_EQ(wrong->status, TENDER_STATUS_REQUIRES_ACTION);
    TenderPayment *done = complete(p->id, code);
    ASSERT_NE(done, nullptr) << last_error;
    EXPECT_EQ(done->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(done->captured, 2500);
    TenderPayment *part = refund(p->id, "5");
    ASSERT_NE(part, nullptr) << last_error;
    EXPECT_EQ(part->refunded, 500);

    std::string log = logged();
    EXPECT_NE(log.find("/webmoney/asp/XMLFinishProtectCert.asp"), std::string::npos) << log;
    EXPECT_EQ(log.find(code), std::string::npos) << "the protection code is never logged";
    EXPECT_EQ(log.find(passphrase), std::string::npos) << "the passphrase is never logged";
}

TEST_F(WebMoneyLight, CertificateOfAnotherCaIsRefused)
{
    merchant_wmid = member(settings, "merchant_wmid");
    std::string stranger = issue("stranger", "stranger-ca", -60, 3600);
    ledger = path("ledger.db");
    ASSERT_NE(start(settings), nullptr);
    TenderPayment *p = paid("10");
    ASSERT_NE(p, nullptr) << last_error;
    std::string id = p->id;
    // The same merchant with a certificate WebMoney did not issue: X3 is
    // refused (403) before anything is read, and the refund declined.
    ASSERT_NE(start(stranger), nullptr);
    GError *error = nullptr;
    TenderPayment *r = tender_host_refund(host, id.c_str(), "4", nullptr, &error);
    keep(r, error);
    error = nullptr; // keep() took it
    EXPECT_EQ(r, nullptr);
    EXPECT_NE(last_error.find("authentication_failed"), std::string::npos) << last_error;
    TenderPayment *after = tender_host_get(host, id.c_str(), &error);
    keep(after, error);
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->refunded, 0);
    EXPECT_NE(logged().find("403"), std::string::npos);
}

TEST_F(WebMoneyLight, MissingOrExpiredCertificateFailsAtCreate)
{
    merchant_wmid = member(settings, "merchant_wmid");
    // No certificate with auth "light": the method does not start, and the
    // message names the setting.
    std::string none = with(with(with(settings, "tls_client_cert", nullptr), "tls_client_key",
                                 nullptr),
                            "tls_client_key_passphrase", nullptr);
    std::string error;
    if (start(none, &error) != nullptr) {
        TenderPayment *p = pay("10", {{"purse", DEMO_WM_PAYER_PURSE},
                                      {"wmid", DEMO_WM_PAYER_WMID}});
        EXPECT_EQ(p, nullptr);
        // The method is left out, and the host says why, naming the setting.
        const GPtrArray *refusals = tender_host_refusals(host);
        bool named = false;
        for (guint i = 0; i < refusals->len; i++) {
            auto *r = static_cast<const TenderRefusal *>(g_ptr_array_index(refusals, i));
            named = named || strstr(r->reason, "\"tls_client_cert\" is required") != nullptr;
        }
        EXPECT_TRUE(named);
    } else {
        EXPECT_NE(error.find("tls_client_cert"), std::string::npos) << error;
    }
    // An expired one: the config is refused, naming the setting.
    std::string expired = issue("expired", "ca", -7200, -3600);
    EXPECT_EQ(start(expired, &error), nullptr);
    EXPECT_NE(error.find("tls_client_cert"), std::string::npos) << error;
    EXPECT_NE(error.find("expired"), std::string::npos) << error;
    // A wrong passphrase: refused too, and not repeated.
    std::string wrong = with(settings, "tls_client_key_passphrase", "not-the-passphrase-7");
    EXPECT_EQ(start(wrong, &error), nullptr);
    EXPECT_NE(error.find("tls_client_key_passphrase"), std::string::npos) << error;
    EXPECT_EQ(error.find("not-the-passphrase-7"), std::string::npos) << error;
}

// The sandbox itself, asked directly the way WebMoney would be: no
// certificate, or an expired one, is refused with 403 before the request is
// read; the merchant's own is taken.
TEST_F(WebMoneyLight, SandboxRefusesLightRequestsWithoutAValidCertificate)
{
    merchant_wmid = member(settings, "merchant_wmid");
    issue("expired", "ca", -7200, -3600);
    issue("valid", "ca", -60, 3600);
    std::string url = member(settings, "endpoint") + "/asp/XMLOperationsCert.asp";
    std::string body = "<w3s.request><reqn>1</reqn><getoperations><purse>Z100000000001</purse>"
                       "<datestart>20260101 00:00:00</datestart><datefinish>20300101 00:00:00"
                       "</datefinish></getoperations></w3s.request>";
    auto post = [&](const char *cert_name, std::string *reply) {
        SoupSession *session = soup_session_new_with_options("timeout", 10, NULL);
        GTlsDatabase *db = g_tls_file_database_new(path("ca.pem").c_str(), nullptr);
        soup_session_set_tls_database(session, db);
        g_object_unref(db);
        SoupMessage *msg = soup_message_new("POST", url.c_str());
        if (cert_name) {
            GTlsCertificate *cert = g_tls_certificate_new_from_files(
                path(std::string(cert_name) + ".pem").c_str(),
                path(std::string(cert_name) + "-key.pem").c_str(), nullptr);
            EXPECT_NE(cert, nullptr);
            soup_message_set_tls_client_certificate(msg, cert);
            g_clear_object(&cert);
        }
        GBytes *bytes = g_bytes_new(body.data(), body.size());
        soup_message_set_request_body_from_bytes(msg, "text/xml", bytes);
        g_bytes_unref(bytes);
        GBytes *answer = soup_session_send_and_read(session, msg, nullptr, nullptr);
        guint status = soup_message_get_status(msg);
        if (reply && answer)
            *reply = std::string((const char *)g_bytes_get_data(answer, nullptr),
                                 g_bytes_get_size(answer));
        if (answer)
            g_bytes_unref(answer);
        g_object_unref(msg);
        g_object_unref(session);
        return status;
    };
    std::string reply;
    EXPECT_EQ(post(nullptr, &reply), 403u) << reply;
    guint expired = post("expired", &reply);
    EXPECT_TRUE(expired == 403u || expired == 0u) << expired << " " << reply;
    EXPECT_EQ(post("valid", &reply), 200u);
    EXPECT_NE(reply.find("<retval>0</retval>"), std::string::npos) << reply;
}

} // namespace
