// RSA keys and SHA256withRSA with the key pairs in tests/keys.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <openssl/err.h>

#include <tender/sdk-rsa.h>

namespace
{

std::string key_text(const char *name)
{
    std::ifstream in(std::string(TENDER_TEST_KEYS_DIR) + "/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The base64 body of a PEM text, on one line, as consoles show it.
std::string pem_body(const std::string &pem)
{
    std::string out;
    std::istringstream in(pem);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("-----", 0) != 0)
            out += line;
    return out;
}

} // namespace

TEST(SdkRsa, SignVerifyRoundTrip)
{
    char err[256] = "";
    EVP_PKEY *priv = tender_rsa_load_private(key_text("alipay-app-private.pem").c_str(), "app",
                                             2048, err, sizeof err);
    ASSERT_NE(priv, nullptr) << err;
    EVP_PKEY *pub = tender_rsa_load_public(key_text("alipay-app-public.pem").c_str(), "app", 2048,
                                           err, sizeof err);
    ASSERT_NE(pub, nullptr) << err;
    EXPECT_TRUE(tender_rsa_same_public(priv, pub));

    const char *data = "a=1&b=2";
    char *sig = tender_rsa_sha256_sign(priv, data, std::strlen(data));
    ASSERT_NE(sig, nullptr);
    EXPECT_EQ(std::strlen(sig), 344u); // 256 bytes in base64
    EXPECT_TRUE(tender_rsa_sha256_verify(pub, data, std::strlen(data), sig));
    EXPECT_FALSE(tender_rsa_sha256_verify(pub, "a=1&b=3", 7, sig));
    // Line breaks inside the base64 are skipped, other junk is not.
    std::string wrapped = std::string(sig).insert(64, "\r\n");
    EXPECT_TRUE(tender_rsa_sha256_verify(pub, data, std::strlen(data), wrapped.c_str()));
    std::string spaced = std::string(sig).insert(64, " ");
    EXPECT_FALSE(tender_rsa_sha256_verify(pub, data, std::strlen(data), spaced.c_str()));
    EXPECT_FALSE(tender_rsa_sha256_verify(pub, data, std::strlen(data), "!!!!"));
    g_free(sig);

    // Another pair's key does not verify it.
    EVP_PKEY *other = tender_rsa_load_public(key_text("alipay-platform-public.pem").c_str(),
                                             "other", 2048, err, sizeof err);
    ASSERT_NE(other, nullptr) << err;
    EXPECT_FALSE(tender_rsa_same_public(priv, other));
    sig = tender_rsa_sha256_sign(priv, data, std::strlen(data));
    EXPECT_FALSE(tender_rsa_sha256_verify(other, data, std::strlen(data), sig));
    g_free(sig);
    EVP_PKEY_free(other);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(priv);
}

TEST(SdkRsa, BareBase64KeysAreArmoured)
{
    char err[256] = "";
    EVP_PKEY *priv = tender_rsa_load_private(
        pem_body(key_text("paypal-webhook-private.pem")).c_str(), "k", 0, err, sizeof err);
    ASSERT_NE(priv, nullptr) << err;
    EVP_PKEY *pub = tender_rsa_load_public(pem_body(key_text("paypal-webhook-public.pem")).c_str(),
                                           "k", 0, err, sizeof err);
    ASSERT_NE(pub, nullptr) << err;
    EXPECT_TRUE(tender_rsa_same_public(priv, pub));
    EVP_PKEY_free(pub);
    EVP_PKEY_free(priv);
}

TEST(SdkRsa, RefusesWhatIsNotAUsableRsaKey)
{
    char err[256];
    EXPECT_EQ(tender_rsa_load_public("", "setting 'k'", 0, err, sizeof err), nullptr);
    EXPECT_NE(std::string(err).find("setting 'k'"), std::string::npos) << err;
    EXPECT_EQ(tender_rsa_load_public("garbage", "k", 0, err, sizeof err), nullptr);
    EXPECT_EQ(
        tender_rsa_load_private("-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----\n", "k",
                                0, err, sizeof err),
        nullptr);
    // A public key is not a private key.
    EXPECT_EQ(
        tender_rsa_load_private(key_text("alipay-app-public.pem").c_str(), "k", 0, err, sizeof err),
        nullptr);
    EXPECT_EQ(tender_rsa_load_private(key_text("alipay-weak-1024-private.pem").c_str(), "weak",
                                      2048, err, sizeof err),
              nullptr);
    EXPECT_NE(std::string(err).find("2048"), std::string::npos) << err;
    EVP_PKEY *weak = tender_rsa_load_private(key_text("alipay-weak-1024-private.pem").c_str(),
                                             "weak", 0, err, sizeof err);
    EXPECT_NE(weak, nullptr) << err;
    EVP_PKEY_free(weak);
    EXPECT_EQ(tender_rsa_load_private(key_text("alipay-ec-private.pem").c_str(), "ec", 0, err,
                                      sizeof err),
              nullptr);
    EXPECT_NE(std::string(err).find("not an RSA key"), std::string::npos) << err;
    EXPECT_EQ(ERR_peek_error(), 0ul);
}
