#include "alipay-test-util.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

std::string alipay_test_key(const char *name)
{
    std::ifstream in(std::string(ALIPAY_KEYS_DIR) + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string alipay_test_pem_body(const std::string &pem)
{
    std::string out;
    std::istringstream in(pem);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("-----", 0) != 0)
            out += line;
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static std::string decode(const std::string &s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() + 0 && hexval(s[i + 1]) >= 0 &&
                   hexval(s[i + 2]) >= 0) {
            out += (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

static std::string encode(const std::string &s)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            out += (char)c;
        else if (c == ' ')
            out += '+';
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

Form form_parse(const std::string &body)
{
    Form form;
    size_t start = 0;
    while (start <= body.size()) {
        size_t amp = body.find('&', start);
        std::string pair = body.substr(start, amp == std::string::npos ? std::string::npos
                                                                       : amp - start);
        size_t eq = pair.find('=');
        if (eq != std::string::npos)
            form.emplace_back(decode(pair.substr(0, eq)), decode(pair.substr(eq + 1)));
        if (amp == std::string::npos)
            break;
        start = amp + 1;
    }
    return form;
}

std::string form_build(const Form &form)
{
    std::string out;
    for (const auto &kv : form) {
        if (!out.empty())
            out += '&';
        out += encode(kv.first) + "=" + encode(kv.second);
    }
    return out;
}

const std::string *form_get(const Form &form, const std::string &key)
{
    for (const auto &kv : form)
        if (kv.first == key)
            return &kv.second;
    return nullptr;
}

void form_set(Form &form, const std::string &key, const std::string &value)
{
    for (auto &kv : form)
        if (kv.first == key) {
            kv.second = value;
            return;
        }
    form.emplace_back(key, value);
}

void form_erase(Form &form, const std::string &key)
{
    form.erase(std::remove_if(form.begin(), form.end(),
                              [&](const auto &kv) { return kv.first == key; }),
               form.end());
}

static std::string sorted_pairs(Form pairs)
{
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto &kv : pairs) {
        if (!out.empty())
            out += '&';
        out += kv.first + "=" + kv.second;
    }
    return out;
}

std::string request_signing_string(const Form &form)
{
    Form kept;
    for (const auto &kv : form)
        if (!kv.second.empty() && kv.first != "sign")
            kept.push_back(kv);
    return sorted_pairs(kept);
}

std::string notification_signing_string(const Form &form, bool keep_sign_type)
{
    Form kept;
    for (const auto &kv : form)
        if (kv.first != "sign" && (keep_sign_type || kv.first != "sign_type"))
            kept.push_back(kv);
    return sorted_pairs(kept);
}

std::string rsa2_sign(const std::string &private_pem, const std::string &data)
{
    BIO *bio = BIO_new_mem_buf(private_pem.data(), (int)private_pem.size());
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!key)
        return "";
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = 0;
    std::string sig;
    if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestSign(ctx, nullptr, &len, (const unsigned char *)data.data(), data.size()) == 1) {
        std::vector<unsigned char> raw(len);
        if (EVP_DigestSign(ctx, raw.data(), &len, (const unsigned char *)data.data(),
                           data.size()) == 1) {
            std::vector<unsigned char> b64(4 * ((len + 2) / 3) + 1);
            int n = EVP_EncodeBlock(b64.data(), raw.data(), (int)len);
            sig.assign((const char *)b64.data(), (size_t)n);
        }
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return sig;
}

bool rsa2_verify(const std::string &public_pem, const std::string &data, const std::string &sig)
{
    BIO *bio = BIO_new_mem_buf(public_pem.data(), (int)public_pem.size());
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!key)
        return false;
    std::vector<unsigned char> raw(sig.size() + 4);
    int n = EVP_DecodeBlock(raw.data(), (const unsigned char *)sig.data(), (int)sig.size());
    bool ok = false;
    if (n > 0) {
        /* EVP_DecodeBlock counts padding bytes as output: trim them. */
        size_t len = (size_t)n;
        if (sig.size() >= 1 && sig[sig.size() - 1] == '=') len--;
        if (sig.size() >= 2 && sig[sig.size() - 2] == '=') len--;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
             EVP_DigestVerify(ctx, raw.data(), len, (const unsigned char *)data.data(),
                              data.size()) == 1;
        EVP_MD_CTX_free(ctx);
    }
    EVP_PKEY_free(key);
    return ok;
}

void form_resign(Form &form, const std::string &private_pem)
{
    form_set(form, "sign_type", "RSA2");
    form_set(form, "sign", rsa2_sign(private_pem, notification_signing_string(form, false)));
}

std::string alipay_test_trade_state(const char *out_trade_no, long long total,
                                    long long created_ms, const char *status)
{
    Form f = {{"v", "1"},
              {"otn", out_trade_no},
              {"st", status},
              {"tot", std::to_string(total)},
              {"ref", "0"},
              {"gc", std::to_string(created_ms)},
              {"exp", std::to_string(created_ms + 15 * 60 * 1000)},
              {"te", "15m"},
              {"pd", "qr"},
              {"act", "https://qr.alipay.com/bax08888888888888888888"},
              {"subj", "Green tea"}};
    return form_build(f);
}
