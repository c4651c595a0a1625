// The host's TLS client identity (issue 13: WebMoney Keeper WebPro): the
// settings tls_client_cert, tls_client_key and tls_client_key_passphrase,
// checked when the client is made and when the config is loaded, and
// presented to a loopback server that requires a client certificate.
#include <gtest/gtest.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <string>

extern "C" {
#include "http-client.h"
#include "http-misbehave.h"
#include "http-tls-identity.h"
#include "sandbox-pki.h"
}

namespace {

const char kPassphrase[] = "correct horse battery staple 42";

class TlsIdentityTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        dir = g_dir_make_tmp("tender-tls-id-XXXXXX", nullptr);
        ASSERT_NE(dir, nullptr);
        GError *error = nullptr;
        ASSERT_TRUE(sandbox_pki_make_ca(path("ca.pem").c_str(), path("ca-key.pem").c_str(),
                                        "test CA", &error))
            << error->message;
        SandboxPkiLeaf server = {"localhost", "DNS:localhost,IP:127.0.0.1", -60, 3600, nullptr};
        ASSERT_TRUE(issue(server, "server"));
        SandboxPkiLeaf merchant = {"100000000001", nullptr, -60, 3600, kPassphrase};
        ASSERT_TRUE(issue(merchant, "merchant"));
        SandboxPkiLeaf clear = {"100000000002", nullptr, -60, 3600, nullptr};
        ASSERT_TRUE(issue(clear, "clear"));
        SandboxPkiLeaf expired = {"100000000003", nullptr, -7200, -3600, nullptr};
        ASSERT_TRUE(issue(expired, "expired"));
        // A certificate of another CA, for a server that trusts only the first.
        ASSERT_TRUE(sandbox_pki_make_ca(path("other-ca.pem").c_str(),
                                        path("other-ca-key.pem").c_str(), "other CA", &error));
        SandboxPkiLeaf stranger = {"100000000004", nullptr, -60, 3600, nullptr};
        ASSERT_TRUE(sandbox_pki_issue(path("other-ca.pem").c_str(),
                                      path("other-ca-key.pem").c_str(), &stranger,
                                      path("stranger.pem").c_str(),
                                      path("stranger-key.pem").c_str(), &error));
        server_ = http_misbehave_start_client_auth(path("server.pem").c_str(),
                                                   path("server-key.pem").c_str(),
                                                   path("ca.pem").c_str());
        ASSERT_NE(server_, nullptr);
    }

    void TearDown() override
    {
        http_misbehave_stop(server_);
        GDir *d = g_dir_open(dir, 0, nullptr);
        for (const char *name; d && (name = g_dir_read_name(d));)
            g_unlink(path(name).c_str());
        if (d)
            g_dir_close(d);
        g_rmdir(dir);
        g_free(dir);
    }

    bool issue(const SandboxPkiLeaf &leaf, const std::string &name)
    {
        GError *error = nullptr;
        bool ok = sandbox_pki_issue(path("ca.pem").c_str(), path("ca-key.pem").c_str(), &leaf,
                                    path(name + ".pem").c_str(),
                                    path(name + "-key.pem").c_str(), &error);
        if (!ok) {
            ADD_FAILURE() << error->message;
            g_error_free(error);
        }
        return ok;
    }

    std::string path(const std::string &name) const
    {
        return std::string(dir) + "/" + name;
    }

    // A client trusting the CA, with the given identity (names in dir).
    TenderHttpClient *client(const char *cert, const char *key, const char *passphrase,
                             std::string *error_out = nullptr)
    {
        std::string cert_path = cert ? path(cert) : "", key_path = key ? path(key) : "";
        std::string ca = path("ca.pem");
        TenderHttpClientOptions options = {};
        options.ca_file = ca.c_str();
        options.tls_client_cert = cert ? cert_path.c_str() : nullptr;
        options.tls_client_key = key ? key_path.c_str() : nullptr;
        options.tls_client_key_passphrase = passphrase;
        GError *error = nullptr;
        TenderHttpClient *c = http_client_new(&options, &error);
        if (error_out)
            *error_out = error ? error->message : "";
        g_clear_error(&error);
        return c;
    }

    // GET /ok; the failure code (0 on an answer) and message.
    int get(TenderHttpClient *c, std::string *message = nullptr, int *status = nullptr)
    {
        std::string url = "https://127.0.0.1:" + std::to_string(http_misbehave_port(server_)) +
                          "/ok";
        TenderHttpClientRequest request = {};
        request.url = url.c_str();
        request.deadline_ms = g_get_real_time() / 1000 + 5000;
        GError *error = nullptr;
        TenderHttpClientResponse *response = http_client_send(c, &request, &error);
        int failure = error ? error->code : 0;
        if (message)
            *message = error ? error->message : "";
        if (status)
            *status = response ? response->status : 0;
        g_clear_error(&error);
        http_client_response_free(response);
        return failure;
    }

    char *dir = nullptr;
    HttpMisbehave *server_ = nullptr;
};

TEST_F(TlsIdentityTest, EncryptedKeyWithItsPassphraseIsPresented)
{
    TenderHttpClient *c = client("merchant.pem", "merchant-key.pem", kPassphrase);
    ASSERT_NE(c, nullptr);
    int status = 0;
    std::string message;
    EXPECT_EQ(get(c, &message, &status), 0) << message;
    EXPECT_EQ(status, 200);
    char *cn = http_misbehave_last_client_cn(server_);
    ASSERT_NE(cn, nullptr);
    EXPECT_STREQ(cn, "100000000001");
    free(cn);
    http_client_free(c);
}

TEST_F(TlsIdentityTest, ClearKeyNeedsNoPassphrase)
{
    TenderHttpClient *c = client("clear.pem", "clear-key.pem", nullptr);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(get(c), 0);
    char *cn = http_misbehave_last_client_cn(server_);
    EXPECT_STREQ(cn, "100000000002");
    free(cn);
    http_client_free(c);
}

TEST_F(TlsIdentityTest, ServerRequiringACertificateRefusesAClientWithout)
{
    // Refused in the handshake: the server reads no request. With TLS 1.3 the
    // client may have written its request before the server's alert arrives,
    // so the failure may be UNKNOWN as well as NOT_SENT; either way it fails.
    for (const char *cert : {(const char *)nullptr, "stranger.pem", "expired.pem"}) {
        std::string key = cert ? std::string(cert).replace(std::string(cert).size() - 4, 4,
                                                          "-key.pem")
                               : "";
        TenderHttpClient *c = client(cert, cert ? key.c_str() : nullptr, nullptr);
        ASSERT_NE(c, nullptr) << (cert ? cert : "none");
        std::string message;
        EXPECT_NE(get(c, &message), 0) << (cert ? cert : "none");
        http_client_free(c);
    }
    EXPECT_EQ(http_misbehave_requests(server_), 0);
    EXPECT_EQ(http_misbehave_last_client_cn(server_), nullptr);
}

TEST_F(TlsIdentityTest, BadPairFailsNamingTheSettingNeverThePassphrase)
{
    struct {
        const char *cert, *key, *passphrase, *needle;
    } cases[] = {
        {"merchant.pem", "merchant-key.pem", "wrong passphrase 99", "tls_client_key_passphrase"},
        {"merchant.pem", "merchant-key.pem", nullptr, "tls_client_key_passphrase"},
        {"merchant.pem", "clear-key.pem", nullptr, "do not match"},
        {"missing.pem", "clear-key.pem", nullptr, "tls_client_cert"},
        {"clear.pem", "missing-key.pem", nullptr, "tls_client_key"},
        {"clear-key.pem", "clear-key.pem", nullptr, "tls_client_cert"},
        {"clear.pem", nullptr, nullptr, "go together"},
        {nullptr, "clear-key.pem", nullptr, "go together"},
    };
    for (auto &c : cases) {
        std::string error;
        TenderHttpClient *made = client(c.cert, c.key, c.passphrase, &error);
        EXPECT_EQ(made, nullptr) << c.needle;
        http_client_free(made);
        EXPECT_NE(error.find(c.needle), std::string::npos) << error;
        if (c.passphrase) {
            EXPECT_EQ(error.find(c.passphrase), std::string::npos) << error;
        }
        EXPECT_EQ(error.find(kPassphrase), std::string::npos) << error;
    }
}

TEST_F(TlsIdentityTest, ExpiryIsCheckedWhenAsked)
{
    // The client leaves expiry to the server (a certificate may expire while
    // a client lives); the config check refuses it up front.
    std::string cert = path("expired.pem"), key = path("expired-key.pem");
    GError *error = nullptr;
    EXPECT_TRUE(http_tls_identity_check(cert.c_str(), key.c_str(), nullptr, FALSE, &error));
    EXPECT_FALSE(http_tls_identity_check(cert.c_str(), key.c_str(), nullptr, TRUE, &error));
    ASSERT_NE(error, nullptr);
    EXPECT_NE(strstr(error->message, "tls_client_cert"), nullptr) << error->message;
    EXPECT_NE(strstr(error->message, "expired"), nullptr) << error->message;
    g_clear_error(&error);
    std::string good = path("merchant.pem"), good_key = path("merchant-key.pem");
    EXPECT_TRUE(
        http_tls_identity_check(good.c_str(), good_key.c_str(), kPassphrase, TRUE, &error));
    EXPECT_TRUE(http_tls_identity_check(nullptr, nullptr, nullptr, TRUE, &error));
}

} // namespace
