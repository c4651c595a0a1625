// Host services are bound to the plugin they were lent to: a plugin reads
// the settings of the methods it provides and of no other (settings hold
// secrets), it cannot log in another method's name, and each refusal is
// logged. The fx-notify fixture's sandbox maker tries to read fx_counting's
// counter_file (a setting every test host sets), and logs as fx_counting,
// when asked for "snoop".
#include <mutex>

#include "core-test-util.h"

using namespace coretest;

namespace {

std::mutex log_lock;
std::string log_text;

GLogWriterOutput capture_writer(GLogLevelFlags, const GLogField *fields, gsize n, gpointer)
{
    std::lock_guard<std::mutex> guard(log_lock);
    for (gsize i = 0; i < n; i++)
        if (fields[i].length < 0)
            log_text += std::string(" ") + fields[i].key + "=" +
                        static_cast<const char *>(fields[i].value);
    log_text += "\n";
    return G_LOG_WRITER_HANDLED;
}

class Services : public HostTest {
protected:
    void SetUp() override
    {
        static std::once_flag once;
        std::call_once(once, [] { g_log_set_writer_func(capture_writer, nullptr, nullptr); });
        {
            std::lock_guard<std::mutex> guard(log_lock);
            log_text.clear();
        }
        make_host();
    }

    std::string logs()
    {
        std::lock_guard<std::mutex> guard(log_lock);
        return log_text;
    }

    std::string sandbox(const char *id, const char *event)
    {
        char *headers = nullptr, *body = nullptr;
        GError *error = nullptr;
        EXPECT_TRUE(tender_host_sandbox_notification(host, id, event, &headers, &body, &error))
            << (error ? error->message : "");
        g_clear_error(&error);
        std::string out = body ? body : "";
        g_free(headers);
        g_free(body);
        return out;
    }
};

TEST_F(Services, APluginCannotReadAnotherMethodsSettings)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    EXPECT_EQ(sandbox(p->id, "snoop"), "snoop=refused");
    std::string log = logs();
    EXPECT_NE(log.find("plugin 'fx-notify' asked for setting 'counter_file' of method "
                       "'fx_counting', which it does not provide; refused"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find(counter), std::string::npos) << "the value itself is never logged";
}

TEST_F(Services, APluginCannotLogInAnotherMethodsName)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    sandbox(p->id, "snoop");
    std::string log = logs();
    EXPECT_EQ(log.find("pretending"), std::string::npos) << log;
    EXPECT_NE(log.find("plugin 'fx-notify' asked for a log line of method 'fx_counting', which it "
                       "does not provide; refused"),
              std::string::npos)
        << log;
}

TEST_F(Services, APluginReadsItsOwnSettings)
{
    // fx_notify counts its calls only because it could read its own
    // counter_file setting at create().
    TenderPayment *p = pay("fx_notify", "10.00");
    EXPECT_EQ(calls("purchase", p->id), 1u);
    EXPECT_EQ(logs().find("refused"), std::string::npos) << logs();
}

} // namespace
