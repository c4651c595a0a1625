// The simulated WebMoney in tender-sandbox, spoken to over HTTP the way
// WebMoney's documentation tells a merchant to: the payment form, the
// pre-request and the result notification (LMI_HASH checked here with
// OpenSSL), X18 with its sha256/md5 hash, X2/X5 protected transfers, X3 and
// X14 refunds. Each test starts its own sandbox on an ephemeral port.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>

#include "sandbox-process.h"

namespace {

using Form = std::map<std::string, std::string>;

// ---- Hashing as the merchant does it -----------------------------------------

std::string hex_digest(const EVP_MD *md, const std::string &text, bool upper)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EXPECT_EQ(1, EVP_Digest(text.data(), text.size(), digest, &len, md, nullptr));
    static const char lower_digits[] = "0123456789abcdef", upper_digits[] = "0123456789ABCDEF";
    const char *digits = upper ? upper_digits : lower_digits;
    std::string out;
    for (unsigned int i = 0; i < len; i++) {
        out += digits[digest[i] >> 4];
        out += digits[digest[i] & 15];
    }
    return out;
}

std::string sha256(const std::string &text, bool upper = false)
{
    return hex_digest(EVP_sha256(), text, upper);
}

// ---- HTTP ------------------------------------------------------------------------

struct Reply {
    guint status = 0;
    std::string body;
    std::string location;
};

std::string form_encode(const Form &form)
{
    std::string out;
    for (const auto &[name, value] : form) {
        char *n = g_uri_escape_string(name.c_str(), nullptr, FALSE);
        char *v = g_uri_escape_string(value.c_str(), nullptr, FALSE);
        out += (out.empty() ? "" : "&") + std::string(n) + "=" + v;
        g_free(v);
        g_free(n);
    }
    return out;
}

Form form_decode(const std::string &text)
{
    Form form;
    GHashTable *table = soup_form_decode(text.c_str());
    GHashTableIter it;
    gpointer name, value;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, &name, &value))
        form[(const char *)name] = (const char *)value;
    g_hash_table_unref(table);
    return form;
}

Reply post(const std::string &url, const std::string &content_type, const std::string &body)
{
    SoupSession *session = soup_session_new_with_options("timeout", 15, nullptr);
    SoupMessage *msg = soup_message_new("POST", url.c_str());
    EXPECT_NE(nullptr, msg) << url;
    Reply reply;
    if (msg == nullptr) {
        g_object_unref(session);
        return reply;
    }
    soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
    GBytes *payload = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(msg, content_type.c_str(), payload);
    g_bytes_unref(payload);
    GError *error = nullptr;
    GBytes *answer = soup_session_send_and_read(session, msg, nullptr, &error);
    EXPECT_EQ(nullptr, error) << (error ? error->message : "");
    if (answer != nullptr) {
        gsize len = 0;
        const char *data = (const char *)g_bytes_get_data(answer, &len);
        reply.body.assign(data ? data : "", len);
        g_bytes_unref(answer);
    }
    g_clear_error(&error);
    reply.status = soup_message_get_status(msg);
    const char *location =
        soup_message_headers_get_one(soup_message_get_response_headers(msg), "Location");
    reply.location = location ? location : "";
    g_object_unref(msg);
    g_object_unref(session);
    return reply;
}

Reply get(const std::string &url)
{
    SoupSession *session = soup_session_new_with_options("timeout", 15, nullptr);
    SoupMessage *msg = soup_message_new("GET", url.c_str());
    Reply reply;
    EXPECT_NE(nullptr, msg) << url;
    if (msg != nullptr) {
        soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
        GBytes *answer = soup_session_send_and_read(session, msg, nullptr, nullptr);
        if (answer != nullptr) {
            gsize len = 0;
            const char *data = (const char *)g_bytes_get_data(answer, &len);
            reply.body.assign(data ? data : "", len);
            g_bytes_unref(answer);
        }
        reply.status = soup_message_get_status(msg);
        g_object_unref(msg);
    }
    g_object_unref(session);
    return reply;
}

std::string xml_field(const std::string &xml, const std::string &name)
{
    std::smatch m;
    std::regex re("<" + name + "(?: [^>]*)?>([^<]*)</" + name + ">");
    return std::regex_search(xml, m, re) ? m[1].str() : std::string("<absent>");
}

// ---- The merchant's Result URL: a loopback receiver on its own thread -----------

class Receiver
{
  public:
    Receiver()
    {
        std::promise<void> ready;
        auto started = ready.get_future();
        thread_ = std::thread([this, &ready] { run(ready); });
        started.wait();
    }
    ~Receiver()
    {
        g_main_loop_quit(loop_);
        thread_.join();
    }
    std::string url() const { return url_; }

    void set_prerequest_answer(const std::string &text)
    {
        std::lock_guard<std::mutex> lock(mu_);
        prerequest_answer_ = text;
    }
    void fail_results(int count)
    {
        std::lock_guard<std::mutex> lock(mu_);
        result_failures_left_ = count;
    }
    // Wait until n result notifications arrived (or a few seconds passed).
    std::vector<Form> wait_results(size_t n, int seconds = 10)
    {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::seconds(seconds), [&] { return results_.size() >= n; });
        return results_;
    }
    std::vector<Form> prerequests()
    {
        std::lock_guard<std::mutex> lock(mu_);
        return prerequests_;
    }
    std::vector<Form> results()
    {
        std::lock_guard<std::mutex> lock(mu_);
        return results_;
    }

  private:
    static void handle(SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
                       gpointer self_ptr)
    {
        auto *self = static_cast<Receiver *>(self_ptr);
        SoupMessageBody *body = soup_server_message_get_request_body(msg);
        GBytes *bytes = soup_message_body_flatten(body);
        gsize len = 0;
        const char *data = (const char *)g_bytes_get_data(bytes, &len);
        Form form = form_decode(std::string(data ? data : "", len));
        g_bytes_unref(bytes);
        std::string answer = "OK";
        guint status = 200;
        {
            std::lock_guard<std::mutex> lock(self->mu_);
            if (form["LMI_PREREQUEST"] == "1") {
                self->prerequests_.push_back(form);
                answer = self->prerequest_answer_;
            } else {
                self->results_.push_back(form);
                if (self->result_failures_left_ > 0) {
                    self->result_failures_left_--;
                    status = 500;
                }
            }
        }
        self->cv_.notify_all();
        soup_server_message_set_status(msg, status, nullptr);
        soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_COPY, answer.data(),
                                          answer.size());
    }

    void run(std::promise<void> &ready)
    {
        GMainContext *context = g_main_context_new();
        g_main_context_push_thread_default(context);
        loop_ = g_main_loop_new(context, FALSE);
        SoupServer *server = soup_server_new(nullptr, nullptr);
        soup_server_add_handler(server, "/", handle, this, nullptr);
        GError *error = nullptr;
        soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
        g_assert_no_error(error);
        GSList *uris = soup_server_get_uris(server);
        char *text = g_uri_to_string((GUri *)uris->data);
        url_ = std::string(text) + "result";
        g_free(text);
        g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
        ready.set_value();
        g_main_loop_run(loop_);
        soup_server_disconnect(server);
        g_object_unref(server);
        g_main_loop_unref(loop_);
        g_main_context_pop_thread_default(context);
        g_main_context_unref(context);
    }

    std::thread thread_;
    GMainLoop *loop_ = nullptr;
    std::string url_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::string prerequest_answer_ = "YES";
    int result_failures_left_ = 0;
    std::vector<Form> prerequests_, results_;
};

// ---- The test accounts, as the checked-in key file names them -------------------

const char *const kMerchantWmid = "100000000001";
const char *const kMerchantZ = "Z100000000001";
const char *const kPayerWmid = "000000000044";
const char *const kPayerZ = "Z000000000044";
const char *const kPayerSecret = "tender-sandbox-payer-44";

class WebMoneySandbox : public ::testing::Test
{
  protected:
    void SetUp() override { start(nullptr); }
    void TearDown() override { test_sandbox_stop(sb_); }

    void start(const char *const *extra)
    {
        GError *error = nullptr;
        sb_ = test_sandbox_start(1000.0, extra, &error);
        ASSERT_NE(nullptr, sb_) << (error ? error->message : "");
        JsonObject *settings = test_sandbox_settings(sb_, "webmoney");
        ASSERT_NE(nullptr, settings);
        endpoint_ = json_object_get_string_member(settings, "endpoint");
        secret_ = json_object_get_string_member(settings, "secret_key");
    }

    // Post the merchant's form; return the invoice number the page offers.
    std::string open_invoice(Form form, Reply *page = nullptr)
    {
        Reply reply = post(endpoint_ + "/lmi/payment_utf.asp",
                           "application/x-www-form-urlencoded", form_encode(form));
        if (page)
            *page = reply;
        std::smatch m;
        std::regex re("name=\"invoice\" value=\"([0-9]+)\"");
        return std::regex_search(reply.body, m, re) ? m[1].str() : std::string();
    }

    Form merchant_form(const std::string &amount, const std::string &number)
    {
        return Form{{"LMI_PAYEE_PURSE", kMerchantZ},
                    {"LMI_PAYMENT_AMOUNT", amount},
                    {"LMI_PAYMENT_NO", number},
                    {"LMI_PAYMENT_DESC", "Order " + number},
                    {"LMI_SIM_MODE", "0"},
                    {"LMI_RESULT_URL", receiver_.url()},
                    {"LMI_SUCCESS_URL", "http://127.0.0.1:9/shop/success"},
                    {"LMI_FAIL_URL", "http://127.0.0.1:9/shop/fail"},
                    {"ORDER_REF", "order-" + number}};
    }

    Reply pay(const std::string &invoice, const std::string &wmid, const std::string &purse,
              const std::string &action = "pay")
    {
        return post(endpoint_ + "/pay/confirm", "application/x-www-form-urlencoded",
                    form_encode({{"invoice", invoice},
                                 {"payer_wmid", wmid},
                                 {"payer_purse", purse},
                                 {"action", action}}));
    }

    std::string x18(const std::string &number, const std::string &type = "0",
                    const std::string &algorithm = "sha256", const std::string &secret = "")
    {
        std::string key = secret.empty() ? secret_ : secret;
        std::string source = std::string(kMerchantWmid) + kMerchantZ + number + key;
        std::string hash = algorithm == "md5" ? hex_digest(EVP_md5(), source, false)
                                              : sha256(source);
        std::string body = "<merchant.request><wmid>" + std::string(kMerchantWmid) +
                           "</wmid><lmi_payee_purse>" + kMerchantZ +
                           "</lmi_payee_purse><lmi_payment_no>" + number +
                           "</lmi_payment_no><lmi_payment_no_type>" + type +
                           "</lmi_payment_no_type><sign></sign><" + algorithm + ">" + hash +
                           "</" + algorithm + "><secret_key></secret_key></merchant.request>";
        Reply reply = post(endpoint_ + "/conf/xml/XMLTransGet.asp", "text/xml", body);
        EXPECT_EQ(200u, reply.status);
        return reply.body;
    }

    // One signed w3s request: sha256 of sign_source + secret.
    std::string w3s(const std::string &iface, const std::string &wmid, const std::string &secret,
                    const std::string &sign_source, const std::string &inner)
    {
        std::string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><w3s.request><reqn>" +
                           reqn_ + "</reqn><wmid>" + wmid + "</wmid><sign></sign><sha256>" +
                           sha256(sign_source + secret) + "</sha256>" + inner + "</w3s.request>";
        Reply reply = post(endpoint_ + "/asp/" + iface, "text/xml", body);
        EXPECT_EQ(200u, reply.status);
        return reply.body;
    }

    std::string next_reqn()
    {
        reqn_ = std::to_string(++reqn_counter_);
        return reqn_;
    }

    std::string x2(const std::string &tranid, const std::string &amount,
                   const std::string &period, const std::string &pcode,
                   const std::string &src = kPayerZ, const std::string &wmid = kPayerWmid,
                   const std::string &secret = kPayerSecret)
    {
        std::string reqn = next_reqn();
        std::string desc = "Protected order", wminvid = "0";
        std::string source = reqn + tranid + src + kMerchantZ + amount + period + pcode + desc +
                             wminvid;
        return w3s("XMLTrans.asp", wmid, secret, source,
                   "<trans><tranid>" + tranid + "</tranid><pursesrc>" + src +
                       "</pursesrc><pursedest>" + kMerchantZ + "</pursedest><amount>" + amount +
                       "</amount><period>" + period + "</period><pcode>" + pcode +
                       "</pcode><desc>" + desc + "</desc><wminvid>" + wminvid +
                       "</wminvid><onlyauth>1</onlyauth></trans>");
    }

    std::string x5(const std::string &wmtranid, const std::string &pcode)
    {
        std::string reqn = next_reqn();
        return w3s("XMLFinishProtect.asp", kMerchantWmid, secret_, wmtranid + pcode + reqn,
                   "<finishprotect><wmtranid>" + wmtranid + "</wmtranid><pcode>" + pcode +
                       "</pcode></finishprotect>");
    }

    std::string x3(const std::string &purse, const std::string &wmid, const std::string &secret,
                   const std::string &wmtranid)
    {
        std::string reqn = next_reqn();
        return w3s("XMLOperations.asp", wmid, secret, purse + reqn,
                   "<getoperations><purse>" + purse + "</purse><wmtranid>" + wmtranid +
                       "</wmtranid><tranid></tranid><wminvid></wminvid><orderid></orderid>"
                       "<datestart>20000101 00:00:00</datestart>"
                       "<datefinish>21000101 00:00:00</datefinish></getoperations>");
    }

    std::string x14(const std::string &inwmtranid, const std::string &amount)
    {
        std::string reqn = next_reqn();
        return w3s("XMLTransMoneyback.asp", kMerchantWmid, secret_, reqn + inwmtranid + amount,
                   "<trans><inwmtranid>" + inwmtranid + "</inwmtranid><amount>" + amount +
                       "</amount><moneybackphone></moneybackphone></trans>");
    }

    // A paid page payment; returns its LMI_SYS_TRANS_NO.
    std::string paid_page_payment(const std::string &amount, const std::string &number)
    {
        std::string invoice = open_invoice(merchant_form(amount, number));
        EXPECT_FALSE(invoice.empty());
        Reply done = pay(invoice, kPayerWmid, kPayerZ);
        EXPECT_EQ(302u, done.status) << done.body;
        std::vector<Form> results = receiver_.wait_results(1);
        EXPECT_FALSE(results.empty());
        return results.empty() ? std::string() : results.back()["LMI_SYS_TRANS_NO"];
    }

    TestSandbox *sb_ = nullptr;
    Receiver receiver_;
    std::string endpoint_, secret_, reqn_;
    long reqn_counter_ = 1000;
};

std::string expected_lmi_hash(Form &f, const std::string &secret)
{
    return sha256(f["LMI_PAYEE_PURSE"] + f["LMI_PAYMENT_AMOUNT"] + f["LMI_PAYMENT_NO"] +
                      f["LMI_MODE"] + f["LMI_SYS_INVS_NO"] + f["LMI_SYS_TRANS_NO"] +
                      f["LMI_SYS_TRANS_DATE"] + secret + f["LMI_PAYER_PURSE"] +
                      f["LMI_PAYER_WM"],
                  true);
}

// ---- The payment page --------------------------------------------------------------

TEST_F(WebMoneySandbox, SettingsPointAtTheSandbox)
{
    JsonObject *settings = test_sandbox_settings(sb_, "webmoney");
    EXPECT_EQ(std::string(test_sandbox_url(sb_)) + "/webmoney", endpoint_);
    EXPECT_STREQ(kMerchantWmid, json_object_get_string_member(settings, "merchant_wmid"));
    EXPECT_NE(nullptr, strstr(json_object_get_string_member(settings, "purse"), kMerchantZ));
    EXPECT_STREQ("sandbox", json_object_get_string_member(settings, "mode"));
    EXPECT_FALSE(secret_.empty());
}

TEST_F(WebMoneySandbox, PagePaymentSendsPrerequestThenSignedResultThenRedirects)
{
    Reply page;
    std::string invoice = open_invoice(merchant_form("10.5", "4001"), &page);
    ASSERT_FALSE(invoice.empty()) << page.body;
    EXPECT_EQ(200u, page.status);
    EXPECT_NE(std::string::npos, page.body.find("<form method=\"post\""));
    EXPECT_NE(std::string::npos, page.body.find("10.5"));

    Reply done = pay(invoice, kPayerWmid, kPayerZ);
    ASSERT_EQ(302u, done.status) << done.body;
    EXPECT_EQ(0u, done.location.rfind("http://127.0.0.1:9/shop/success?", 0)) << done.location;
    EXPECT_NE(std::string::npos, done.location.find("LMI_PAYMENT_NO=4001"));
    EXPECT_NE(std::string::npos, done.location.find("ORDER_REF=order-4001"));

    std::vector<Form> pre = receiver_.prerequests();
    ASSERT_EQ(1u, pre.size());
    EXPECT_EQ("10.5", pre[0]["LMI_PAYMENT_AMOUNT"]);
    EXPECT_EQ(kPayerWmid, pre[0]["LMI_PAYER_WM"]);
    EXPECT_EQ("order-4001", pre[0]["ORDER_REF"]);
    EXPECT_EQ(0u, pre[0].count("LMI_HASH"));

    std::vector<Form> results = receiver_.wait_results(1);
    ASSERT_EQ(1u, results.size());
    Form r = results[0];
    EXPECT_EQ(kMerchantZ, r["LMI_PAYEE_PURSE"]);
    EXPECT_EQ("10.5", r["LMI_PAYMENT_AMOUNT"]);
    EXPECT_EQ("4001", r["LMI_PAYMENT_NO"]);
    EXPECT_EQ("1", r["LMI_MODE"]);
    EXPECT_EQ(invoice, r["LMI_SYS_INVS_NO"]);
    EXPECT_EQ(kPayerZ, r["LMI_PAYER_PURSE"]);
    EXPECT_EQ("order-4001", r["ORDER_REF"]);
    EXPECT_TRUE(std::regex_match(r["LMI_SYS_TRANS_DATE"],
                                 std::regex("[0-9]{8} [0-9]{2}:[0-9]{2}:[0-9]{2}")));
    EXPECT_EQ(expected_lmi_hash(r, secret_), r["LMI_HASH"]);
    EXPECT_NE(expected_lmi_hash(r, secret_ + "x"), r["LMI_HASH"]);
}

TEST_F(WebMoneySandbox, PrerequestNotAnsweredYesRefusesThePayment)
{
    receiver_.set_prerequest_answer("NO: unknown order");
    std::string invoice = open_invoice(merchant_form("3", "4002"));
    ASSERT_FALSE(invoice.empty());
    Reply done = pay(invoice, kPayerWmid, kPayerZ);
    ASSERT_EQ(302u, done.status);
    EXPECT_EQ(0u, done.location.rfind("http://127.0.0.1:9/shop/fail?", 0)) << done.location;
    EXPECT_EQ(1u, receiver_.prerequests().size());
    g_usleep(200 * 1000);
    EXPECT_TRUE(receiver_.results().empty());

    std::string answer = x18("4002");
    EXPECT_EQ("8", xml_field(answer, "retval")) << answer;
    EXPECT_NE(std::string::npos, answer.find("<errorlog")) << answer;
}

TEST_F(WebMoneySandbox, ResultIsRetriedUntilTheMerchantAnswers)
{
    receiver_.fail_results(2);
    std::string invoice = open_invoice(merchant_form("7", "4003"));
    ASSERT_EQ(302u, pay(invoice, kPayerWmid, kPayerZ).status);
    std::vector<Form> results = receiver_.wait_results(3, 20);
    ASSERT_EQ(3u, results.size());
    EXPECT_EQ(results[0]["LMI_SYS_TRANS_NO"], results[2]["LMI_SYS_TRANS_NO"]);
    EXPECT_EQ(results[0]["LMI_HASH"], results[2]["LMI_HASH"]);
    g_usleep(500 * 1000); // nothing after the accepted attempt
    EXPECT_EQ(3u, receiver_.results().size());
}

TEST_F(WebMoneySandbox, MerchantFormMistakesAreRefused)
{
    Reply page;
    EXPECT_TRUE(open_invoice(merchant_form("10.50", "4004"), &page).empty());
    EXPECT_EQ(400u, page.status);
    EXPECT_NE(std::string::npos, page.body.find("trailing zeros"));

    Form foreign = merchant_form("10", "4004");
    foreign["LMI_PAYEE_PURSE"] = kPayerZ; // not a purse of the Merchant Interface
    EXPECT_TRUE(open_invoice(foreign, &page).empty());
    EXPECT_EQ(400u, page.status);

    Form no_desc = merchant_form("10", "4004");
    no_desc.erase("LMI_PAYMENT_DESC");
    EXPECT_TRUE(open_invoice(no_desc, &page).empty());
    EXPECT_EQ(400u, page.status);

    Form base64 = merchant_form("10", "4004");
    base64.erase("LMI_PAYMENT_DESC");
    base64["LMI_PAYMENT_DESC_BASE64"] = "0JfQsNC60LDQtyA0MDA0"; // "Заказ 4004"
    EXPECT_FALSE(open_invoice(base64, &page).empty()) << page.body;

    paid_page_payment("1", "4005");
    EXPECT_TRUE(open_invoice(merchant_form("1", "4005"), &page).empty());
    EXPECT_EQ(409u, page.status) << "a paid LMI_PAYMENT_NO cannot be paid twice";
}

TEST_F(WebMoneySandbox, PayersAreCheckedAsWebMoneyDoes)
{
    std::string invoice = open_invoice(merchant_form("60", "4010"));
    Reply r = pay(invoice, "000000000051", "Z000000000051");
    EXPECT_EQ(200u, r.status);
    EXPECT_NE(std::string::npos, r.body.find("not enough funds")) << r.body;
    r = pay(invoice, "000000000062", "Z000000000062");
    EXPECT_NE(std::string::npos, r.body.find("blocked")) << r.body;
    r = pay(invoice, kPayerWmid, "E000000000044");
    EXPECT_NE(std::string::npos, r.body.find("different types")) << r.body;
    r = pay(invoice, kPayerWmid, "Z000000000011");
    EXPECT_NE(std::string::npos, r.body.find("does not belong")) << r.body;
    EXPECT_TRUE(receiver_.prerequests().empty());

    // An alias passport spends at most 100 WMZ a day: 60, then 50 more is refused.
    ASSERT_EQ(302u, pay(invoice, "000000000011", "Z000000000011").status);
    std::string second = open_invoice(merchant_form("50", "4011"));
    r = pay(second, "000000000011", "Z000000000011");
    EXPECT_NE(std::string::npos, r.body.find("daily spending limit")) << r.body;
    // A cancel sends the payer to the Fail URL.
    r = pay(second, "", "", "cancel");
    EXPECT_EQ(302u, r.status);
    EXPECT_EQ(0u, r.location.rfind("http://127.0.0.1:9/shop/fail?", 0));
}

TEST_F(WebMoneySandbox, SimulatedFailureInTestMode)
{
    Form form = merchant_form("2", "4012");
    form["LMI_SIM_MODE"] = "1";
    std::string invoice = open_invoice(form);
    Reply r = pay(invoice, kPayerWmid, kPayerZ);
    EXPECT_EQ(302u, r.status);
    EXPECT_EQ(0u, r.location.rfind("http://127.0.0.1:9/shop/fail?", 0));
    EXPECT_TRUE(receiver_.prerequests().empty());
}

// A merchant may send the payer with a GET link (the form as a query), and
// ask for the Success URL by POST form or as a plain link.
TEST_F(WebMoneySandbox, GetLinkAndSuccessMethods)
{
    Form form = merchant_form("4.2", "4013");
    form["LMI_SUCCESS_METHOD"] = "1";
    Reply page = get(endpoint_ + "/lmi/payment_utf.asp?" + form_encode(form));
    ASSERT_EQ(200u, page.status) << page.body;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(page.body, m, std::regex("name=\"invoice\" value=\"([0-9]+)\"")));
    Reply done = pay(m[1].str(), kPayerWmid, kPayerZ);
    EXPECT_EQ(200u, done.status);
    EXPECT_NE(std::string::npos,
              done.body.find("<form method=\"post\" action=\"http://127.0.0.1:9/shop/success\">"))
        << done.body;
    EXPECT_NE(std::string::npos, done.body.find("name=\"LMI_PAYMENT_NO\" value=\"4013\""));
    EXPECT_EQ(std::string::npos, done.body.find("<script"));

    form = merchant_form("4.2", "4014");
    form["LMI_SUCCESS_METHOD"] = "2";
    done = pay(open_invoice(form), kPayerWmid, kPayerZ);
    EXPECT_EQ(200u, done.status);
    EXPECT_NE(std::string::npos, done.body.find("<a href=\"http://127.0.0.1:9/shop/success\">"));
}

// ---- X18 -----------------------------------------------------------------------------

TEST_F(WebMoneySandbox, X18FindsThePaymentWithASecretKeyHash)
{
    std::string trans_no = paid_page_payment("12.34", "4020");
    std::string answer = x18("4020");
    EXPECT_EQ("0", xml_field(answer, "retval")) << answer;
    EXPECT_EQ("12.34", xml_field(answer, "amount"));
    EXPECT_EQ(kPayerZ, xml_field(answer, "pursefrom"));
    EXPECT_EQ(kPayerWmid, xml_field(answer, "wmidfrom"));
    EXPECT_NE(std::string::npos, answer.find("wmtransid=\"" + trans_no + "\""));

    EXPECT_EQ("0", xml_field(x18("4020", "0", "md5"), "retval"));
    EXPECT_EQ("0", xml_field(x18(trans_no, "2"), "retval"));
    EXPECT_EQ("8", xml_field(x18("4999"), "retval"));
    EXPECT_EQ("-8", xml_field(x18("4020", "0", "sha256", "not-the-secret"), "retval"));
}

// ---- X2 / X5 protected transfers ------------------------------------------------

TEST_F(WebMoneySandbox, ProtectedTransferWrongThenRightCode)
{
    std::string answer = x2("501", "25", "3", "sandbox-code-42");
    ASSERT_EQ("0", xml_field(answer, "retval")) << answer;
    EXPECT_EQ("4", xml_field(answer, "opertype"));
    std::smatch m;
    ASSERT_TRUE(std::regex_search(answer, m, std::regex("<operation id=\"([0-9]+)\"")));
    std::string wmtranid = m[1].str();

    answer = x5(wmtranid, "wrong-code");
    EXPECT_EQ("20", xml_field(answer, "retval"));
    EXPECT_NE(std::string::npos, xml_field(answer, "retdesc").find("7 attempts left"));
    answer = x5(wmtranid, "sandbox-code-42");
    EXPECT_EQ("0", xml_field(answer, "retval")) << answer;
    EXPECT_EQ("0", xml_field(answer, "opertype"));
    EXPECT_EQ("22", xml_field(x5(wmtranid, "sandbox-code-42"), "retval"));

    answer = x3(kMerchantZ, kMerchantWmid, secret_, wmtranid);
    EXPECT_EQ("0", xml_field(answer, "retval")) << answer;
    EXPECT_NE(std::string::npos, answer.find("cnt=\"1\""));
    EXPECT_EQ("0", xml_field(answer, "opertype"));
}

TEST_F(WebMoneySandbox, EightWrongCodesReturnTheFunds)
{
    std::string answer = x2("502", "30", "5", "right-code");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(answer, m, std::regex("<operation id=\"([0-9]+)\"")));
    std::string wmtranid = m[1].str();
    for (int i = 1; i < 8; i++)
        EXPECT_EQ("20", xml_field(x5(wmtranid, "wrong-" + std::to_string(i)), "retval"));
    answer = x5(wmtranid, "wrong-8");
    EXPECT_EQ("21", xml_field(answer, "retval")) << answer;
    EXPECT_EQ("12", xml_field(answer, "opertype"));
    EXPECT_EQ("22", xml_field(x5(wmtranid, "right-code"), "retval"));
    answer = x3(kPayerZ, kPayerWmid, kPayerSecret, wmtranid);
    EXPECT_EQ("12", xml_field(answer, "opertype")) << answer;
}

TEST_F(WebMoneySandbox, ProtectionPeriodEndReturnsTheFunds)
{
    std::string answer = x2("503", "4", "1", "code");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(answer, m, std::regex("<operation id=\"([0-9]+)\"")));
    std::string wmtranid = m[1].str();
    // One day divided by the time scale (1000) is 86.4 s of sandbox clock.
    Reply clock = post(std::string(test_sandbox_url(sb_)) + "/_sandbox/clock",
                       "application/json", "{\"advance_seconds\": 200}");
    ASSERT_EQ(200u, clock.status) << clock.body;
    EXPECT_EQ("22", xml_field(x5(wmtranid, "code"), "retval"));
    EXPECT_EQ("12", xml_field(x3(kPayerZ, kPayerWmid, kPayerSecret, wmtranid), "opertype"));
}

TEST_F(WebMoneySandbox, X2RefusalsAndSignatures)
{
    EXPECT_EQ("-2", xml_field(x2("504", "10", "256", "code"), "retval"));
    EXPECT_EQ("-2", xml_field(x2("504", "10", "3", ""), "retval"));
    EXPECT_EQ("-2", xml_field(x2("504", "10.50", "0", ""), "retval"));
    EXPECT_EQ("17", xml_field(x2("504", "999999", "0", ""), "retval"));
    EXPECT_EQ("0", xml_field(x2("504", "1", "0", ""), "retval"));
    EXPECT_EQ("103", xml_field(x2("504", "1", "0", ""), "retval"));
    // Signed with someone else's key: refused before anything moves.
    EXPECT_EQ("-4", xml_field(x2("505", "1", "0", "", kPayerZ, kPayerWmid, "not-the-key"),
                              "retval"));
    // Somebody else's purse.
    EXPECT_EQ("111", xml_field(x2("506", "1", "0", "", "Z000000000022"), "retval"));
    // reqn must grow.
    reqn_counter_ -= 10;
    EXPECT_EQ("102", xml_field(x2("507", "1", "0", ""), "retval"));
}

// The passport's Z-purse limits are rolling windows of the providers' clock: a
// formal passport spends 3,000 a day and 10,000 a week.
TEST_F(WebMoneySandbox, PassportLimitsRollWithTheClock)
{
    const std::string wmid = "000000000022", purse = "Z000000000022";
    const std::string secret = "tender-sandbox-payer-22";
    auto advance_day = [&] {
        Reply r = post(std::string(test_sandbox_url(sb_)) + "/_sandbox/clock",
                       "application/json", "{\"advance_seconds\": 86401}");
        ASSERT_EQ(200u, r.status);
    };
    EXPECT_EQ("0", xml_field(x2("601", "2900", "0", "", purse, wmid, secret), "retval"));
    std::string refused = x2("602", "200", "0", "", purse, wmid, secret);
    EXPECT_EQ("58", xml_field(refused, "retval"));
    EXPECT_NE(std::string::npos, xml_field(refused, "retdesc").find("daily"));
    advance_day();
    EXPECT_EQ("0", xml_field(x2("603", "2900", "0", "", purse, wmid, secret), "retval"));
    advance_day();
    EXPECT_EQ("0", xml_field(x2("604", "2900", "0", "", purse, wmid, secret), "retval"));
    advance_day();
    refused = x2("605", "1400", "0", "", purse, wmid, secret);
    EXPECT_EQ("58", xml_field(refused, "retval")) << "8,700 + 1,400 is over 10,000 a week";
    EXPECT_NE(std::string::npos, xml_field(refused, "retdesc").find("weekly"));
    EXPECT_EQ("0", xml_field(x2("606", "1300", "0", "", purse, wmid, secret), "retval"));
}

// ---- X14 refunds ----------------------------------------------------------------------

TEST_F(WebMoneySandbox, X14RefundsPartlyUpToThePayment)
{
    std::string trans_no = paid_page_payment("10.5", "4030");
    std::string answer = x14(trans_no, "5");
    ASSERT_EQ("0", xml_field(answer, "retval")) << answer;
    EXPECT_EQ(trans_no, xml_field(answer, "inwmtranid"));
    EXPECT_EQ(kPayerZ, xml_field(answer, "pursedest"));
    answer = x14(trans_no, "6");
    EXPECT_EQ("13", xml_field(answer, "retval"));
    EXPECT_NE(std::string::npos, xml_field(answer, "retdesc").find("5.5"));
    EXPECT_EQ("0", xml_field(x14(trans_no, "5.5"), "retval"));
    EXPECT_EQ("13", xml_field(x14(trans_no, "0.01"), "retval"));
    EXPECT_EQ("8", xml_field(x14("12345", "1"), "retval"));
}

// ---- Configured Result URL and state across a restart -----------------------------

TEST_F(WebMoneySandbox, ConfiguredResultUrlAndStateAcrossRestart)
{
    test_sandbox_stop(sb_);
    char *dir = g_dir_make_tmp("wm-state-XXXXXX", nullptr);
    ASSERT_NE(nullptr, dir);
    std::string state = std::string(dir) + "/state.json";
    // Tender's service receives at <webhook base>/v1/webhooks/webmoney.
    std::string base = receiver_.url().substr(0, receiver_.url().size() - strlen("/result"));
    const char *args[] = {"--state", state.c_str(), "--webhook-base", base.c_str(), nullptr};
    start(args);
    JsonObject *settings = test_sandbox_settings(sb_, "webmoney");
    EXPECT_EQ(base + "/v1/webhooks/webmoney",
              std::string(json_object_get_string_member(settings, "result_url")));

    Form form = merchant_form("9", "4040");
    form.erase("LMI_RESULT_URL");
    std::string invoice = open_invoice(form);
    ASSERT_EQ(302u, pay(invoice, kPayerWmid, kPayerZ).status);
    ASSERT_EQ(1u, receiver_.wait_results(1).size());

    test_sandbox_stop(sb_);
    start(args);
    std::string answer = x18("4040");
    EXPECT_EQ("0", xml_field(answer, "retval")) << answer;
    EXPECT_EQ("9", xml_field(answer, "amount"));
    test_sandbox_stop(sb_);
    sb_ = nullptr;
    g_unlink(state.c_str());
    g_rmdir(dir);
    g_free(dir);
}

} // namespace

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
