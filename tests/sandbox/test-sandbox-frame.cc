// The tender-sandbox frame, tested without the real providers: a test build
// of the program (tender-sandbox-echo, with the test-only providers of
// echo-provider.c) is started through tests/support/sandbox-process.h and
// talked to over loopback HTTP, as a provider's client would.
#include <gtest/gtest.h>

#include <signal.h>
#include <string.h>

#include <string>
#include <utility>
#include <vector>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <tender/tender.h>

#include "test-ledger.h"

#include "sandbox-process.h"
extern "C" {
#include "sandbox-private.h"
}

namespace {

struct Answer {
    guint status = 0;      // 0: no HTTP answer at all
    std::string body;
    std::string error;     // the transport error when status is 0
    std::string content_type;
    std::string csp;
    double seconds = 0;
};

// One HTTP exchange with a session of its own (no proxy, 10 s bound).
Answer http(const std::string &method, const std::string &url, const std::string &body = "",
            const char *content_type = "application/json")
{
    g_autoptr(SoupSession) session =
        soup_session_new_with_options("timeout", 10, "proxy-resolver", NULL, NULL);
    g_autoptr(SoupMessage) msg = soup_message_new(method.c_str(), url.c_str());
    if (!body.empty() || method == "POST") {
        g_autoptr(GBytes) bytes = g_bytes_new(body.data(), body.size());
        soup_message_set_request_body_from_bytes(msg, content_type, bytes);
    }
    Answer a;
    gint64 start = g_get_monotonic_time();
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) got = soup_session_send_and_read(session, msg, NULL, &error);
    a.seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    if (got == NULL) {
        a.error = error ? error->message : "?";
        return a;
    }
    a.status = soup_message_get_status(msg);
    gsize len;
    const char *data = (const char *)g_bytes_get_data(got, &len);
    a.body.assign(data ? data : "", len);
    SoupMessageHeaders *h = soup_message_get_response_headers(msg);
    const char *ct = soup_message_headers_get_one(h, "Content-Type");
    const char *csp = soup_message_headers_get_one(h, "Content-Security-Policy");
    a.content_type = ct ? ct : "";
    a.csp = csp ? csp : "";
    return a;
}

JsonNode *parse(const std::string &text)
{
    g_autoptr(JsonParser) p = json_parser_new();
    if (!json_parser_load_from_data(p, text.c_str(), (gssize)text.size(), NULL))
        return NULL;
    return json_node_copy(json_parser_get_root(p));
}

gint64 int_member(const std::string &json, const char *name)
{
    g_autoptr(JsonNode) n = parse(json);
    if (n == NULL || !JSON_NODE_HOLDS_OBJECT(n))
        return -1;
    return json_object_get_int_member_with_default(json_node_get_object(n), name, -1);
}

std::string run_capture(const std::vector<std::string> &args, int *status, std::string *err)
{
    std::vector<const char *> argv;
    for (auto &a : args)
        argv.push_back(a.c_str());
    argv.push_back(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) p = g_subprocess_newv(
        argv.data(), (GSubprocessFlags)(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE),
        &error);
    if (p == NULL) {
        *status = -1;
        return "";
    }
    g_autofree char *out = NULL, *e = NULL;
    g_subprocess_communicate_utf8(p, NULL, NULL, &out, &e, NULL);
    *status = g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
    if (err)
        *err = e ? e : "";
    return out ? out : "";
}

// ---- A merchant's notification receiver: a SoupServer on its own thread ----

struct Received {
    std::string body;
    std::string seq; // the X-Seq header the test sent along
    gint64 at_us;
};

class Receiver
{
  public:
    // Answers 500 to the first `refuse` requests, then "success" (or,
    // with never_accept, "failure" forever).
    explicit Receiver(int refuse, bool never_accept = false)
        : refuse_(refuse), never_accept_(never_accept)
    {
        g_mutex_init(&lock_);
        g_cond_init(&ready_);
        ctx_ = g_main_context_new();
        loop_ = g_main_loop_new(ctx_, FALSE);
        g_mutex_lock(&lock_);
        thread_ = g_thread_new("receiver", run, this);
        while (url_.empty())
            g_cond_wait(&ready_, &lock_);
        g_mutex_unlock(&lock_);
    }
    ~Receiver()
    {
        g_main_context_invoke(ctx_, quit, loop_);
        g_thread_join(thread_);
        g_main_loop_unref(loop_);
        g_main_context_unref(ctx_);
        g_mutex_clear(&lock_);
        g_cond_clear(&ready_);
    }
    std::string url() const
    {
        return url_ + "/notify";
    }
    // Wait (5 s at most) until n requests arrived; a copy of them.
    std::vector<Received> wait_for(size_t n, double max_seconds = 5)
    {
        gint64 deadline = g_get_monotonic_time() + (gint64)(max_seconds * G_USEC_PER_SEC);
        for (;;) {
            g_mutex_lock(&lock_);
            std::vector<Received> copy = got_;
            g_mutex_unlock(&lock_);
            if (copy.size() >= n || g_get_monotonic_time() >= deadline)
                return copy;
            g_usleep(5000);
        }
    }

  private:
    static gboolean quit(gpointer loop)
    {
        g_main_loop_quit((GMainLoop *)loop);
        return G_SOURCE_REMOVE;
    }
    static void handle(SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
                       gpointer data)
    {
        Receiver *r = (Receiver *)data;
        SoupMessageBody *body = soup_server_message_get_request_body(msg);
        g_autoptr(GBytes) flat = soup_message_body_flatten(body);
        gsize len;
        const char *text = (const char *)g_bytes_get_data(flat, &len);
        const char *seq =
            soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "X-Seq");
        g_mutex_lock(&r->lock_);
        r->got_.push_back({std::string(text ? text : "", len), seq ? seq : "",
                           g_get_monotonic_time()});
        bool refuse = (int)r->got_.size() <= r->refuse_;
        g_mutex_unlock(&r->lock_);
        if (refuse)
            soup_server_message_set_status(msg, 500, NULL);
        else
            soup_server_message_set_status(msg, 200, NULL);
        const char *answer = refuse || r->never_accept_ ? "failure" : "success";
        soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_COPY, answer,
                                         strlen(answer));
    }
    static gpointer run(gpointer data)
    {
        Receiver *r = (Receiver *)data;
        g_main_context_push_thread_default(r->ctx_);
        SoupServer *server = soup_server_new(NULL, NULL);
        soup_server_add_handler(server, "/notify", handle, r, NULL);
        GError *error = NULL;
        std::string url = "http://127.0.0.1:0";
        if (soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error)) {
            GSList *uris = soup_server_get_uris(server);
            g_autofree char *s = g_strdup_printf("http://127.0.0.1:%d",
                                                 g_uri_get_port((GUri *)uris->data));
            url = s;
            g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
        } else {
            g_error_free(error);
        }
        g_mutex_lock(&r->lock_);
        r->url_ = url;
        g_cond_signal(&r->ready_);
        g_mutex_unlock(&r->lock_);
        g_main_loop_run(r->loop_);
        soup_server_disconnect(server);
        g_object_unref(server);
        g_main_context_pop_thread_default(r->ctx_);
        return NULL;
    }

    int refuse_;
    bool never_accept_;
    GMutex lock_;
    GCond ready_;
    GMainContext *ctx_;
    GMainLoop *loop_;
    GThread *thread_;
    std::string url_;
    std::vector<Received> got_;
};

// ---- Fixture: an echo sandbox per test ---------------------------------

class SandboxFrame : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        g_setenv("TENDER_SANDBOX_PROGRAM", SANDBOX_ECHO_EXE, TRUE);
    }
    void TearDown() override
    {
        test_sandbox_stop(sb_);
        g_unsetenv("TENDER_SANDBOX_PROGRAM");
    }
    void start(double scale = 1, std::vector<const char *> extra = {})
    {
        extra.push_back(NULL);
        g_autoptr(GError) error = NULL;
        sb_ = test_sandbox_start(scale, extra.data(), &error);
        ASSERT_NE(sb_, nullptr) << (error ? error->message : "");
    }
    std::string url(const char *path) const
    {
        return std::string(test_sandbox_url(sb_)) + path;
    }
    std::string notify_body(const std::string &to, const std::string &body,
                            const std::string &delays, const std::string &seq)
    {
        return "{\"url\":\"" + to + "\",\"body\":\"" + body + "\",\"delays\":" + delays +
               ",\"headers\":[\"X-Seq\",\"" + seq + "\"]}";
    }
    TestSandbox *sb_ = nullptr;
};

// ---- The URL line, health, routing ---------------------------------------

TEST_F(SandboxFrame, PrintsItsLoopbackUrlAndAnswersHealth)
{
    start();
    EXPECT_TRUE(g_regex_match_simple("^http://127\\.0\\.0\\.1:[0-9]+$", test_sandbox_url(sb_),
                                     (GRegexCompileFlags)0, (GRegexMatchFlags)0))
        << test_sandbox_url(sb_);
    Answer a = http("GET", url("/_sandbox/health"));
    EXPECT_EQ(a.status, 200u);
    EXPECT_EQ(a.body, "ok");
}

TEST_F(SandboxFrame, RoutesByLongestPrefixAndAnswersUnknownPathsWithJson404)
{
    start();
    Answer ping = http("GET", url("/echo/ping"));
    EXPECT_EQ(ping.status, 200u) << ping.error;
    EXPECT_NE(ping.body.find(test_sandbox_url(sb_)), std::string::npos) << ping.body;
    Answer deep = http("GET", url("/echo/deep/x"));
    EXPECT_EQ(deep.body, "{\"deep\":\"/echo/deep/x\"}");
    Answer card = http("GET", url("/card/v1/anything"));
    EXPECT_EQ(card.body, "{\"card\":\"stand-in\"}");
    // A path that only starts with a prefix's letters is not under it.
    Answer near = http("GET", url("/echoes"));
    EXPECT_EQ(near.status, 404u);
    EXPECT_EQ(near.content_type, "application/json");
    g_autoptr(JsonNode) n = parse(near.body);
    ASSERT_NE(n, nullptr) << near.body;
    EXPECT_TRUE(json_object_has_member(json_node_get_object(n), "error"));
    EXPECT_EQ(http("GET", url("/nowhere")).status, 404u);
    EXPECT_EQ(http("GET", url("/_sandbox/nothing")).status, 404u);
}

// ---- --config-out ----------------------------------------------------------

TEST_F(SandboxFrame, ConfigOutMergesEveryProvidersSettingsIntoTheDefaultConfig)
{
    start(1, {"--webhook-base", "http://127.0.0.1:9/"});
    JsonObject *echo = test_sandbox_settings(sb_, "echo");
    ASSERT_NE(echo, nullptr);
    EXPECT_EQ(std::string(json_object_get_string_member(echo, "endpoint")), url("/echo"));
    EXPECT_STREQ(json_object_get_string_member(echo, "api_key"), "echo_test_key");
    // The webhook base loses its trailing slash before providers see it.
    EXPECT_STREQ(json_object_get_string_member(echo, "notify_url"),
                 "http://127.0.0.1:9/v1/webhooks/echo");
    // An existing method keeps its keys ("mode") and gains the provider's.
    JsonObject *card = test_sandbox_settings(sb_, "card");
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(std::string(json_object_get_string_member(card, "endpoint")), url("/card"));
    EXPECT_STREQ(json_object_get_string_member(card, "mode"), "sandbox");
    // Methods without a provider here are left as the default has them.
    JsonObject *paypal = test_sandbox_settings(sb_, "paypal");
    ASSERT_NE(paypal, nullptr);
    EXPECT_FALSE(json_object_has_member(paypal, "endpoint"));
    g_autofree char *json = test_sandbox_settings_json(sb_, "card");
    EXPECT_NE(std::string(json).find("\"mode\":\"sandbox\""), std::string::npos) << json;
    EXPECT_EQ(test_sandbox_settings_json(sb_, "nosuchmethod"), nullptr);

    // Everything else is the embedded default config, and Tender loads it.
    g_autoptr(JsonParser) written = json_parser_new();
    ASSERT_TRUE(json_parser_load_from_file(written, test_sandbox_config_path(sb_), NULL));
    g_autoptr(JsonParser) def = json_parser_new();
    ASSERT_TRUE(json_parser_load_from_data(def, tender_config_default_json(), -1, NULL));
    JsonObject *w = json_node_get_object(json_parser_get_root(written));
    JsonObject *d = json_node_get_object(json_parser_get_root(def));
    for (const char *member : {"merchant", "exchange", "bin_countries"}) {
        g_autofree char *a = json_to_string(json_object_get_member(w, member), FALSE);
        g_autofree char *b = json_to_string(json_object_get_member(d, member), FALSE);
        EXPECT_STREQ(a, b) << member;
    }
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    EXPECT_TRUE(tender_config_check_file(test_sandbox_config_path(sb_), warnings, &error))
        << (error ? error->message : "");
}

TEST(SandboxProgram, ConfigOutOfTheRealProgramCreatesATenderHost)
{
    g_unsetenv("TENDER_SANDBOX_PROGRAM");
    g_autoptr(GError) error = NULL;
    TestSandbox *sb = test_sandbox_start(1, NULL, &error);
    ASSERT_NE(sb, nullptr) << (error ? error->message : "");
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_set_config_file(o, test_sandbox_config_path(sb));
    test_ledger_set_options(o, ":memory:");
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    EXPECT_NE(host, nullptr) << (error ? error->message : "");
    if (host)
        tender_host_free(host);
    test_sandbox_stop(sb);
}

// ---- State -----------------------------------------------------------------

TEST_F(SandboxFrame, StateSurvivesARestartWithStateFile)
{
    g_autofree char *dir = g_dir_make_tmp("sandbox-state-XXXXXX", NULL);
    ASSERT_NE(dir, nullptr);
    g_autofree char *state = g_build_filename(dir, "state.json", NULL);
    start(1, {"--state", state});
    EXPECT_EQ(int_member(http("POST", url("/echo/count")).body, "count"), 1);
    EXPECT_EQ(int_member(http("POST", url("/echo/count")).body, "count"), 2);
    EXPECT_EQ(http("POST", url("/_sandbox/clock"), "{\"advance_seconds\": 86400}").status, 200u);
    // Saved after the request, before the process stops.
    g_autofree char *text = NULL;
    ASSERT_TRUE(g_file_get_contents(state, &text, NULL, NULL));
    g_autoptr(JsonNode) saved = parse(text);
    ASSERT_NE(saved, nullptr) << text;
    JsonObject *echo = json_object_get_object_member(json_node_get_object(saved), "echo");
    ASSERT_NE(echo, nullptr) << text;
    EXPECT_EQ(json_object_get_int_member(echo, "count"), 2);
    test_sandbox_stop(sb_);
    sb_ = nullptr;

    start(1, {"--state", state});
    EXPECT_EQ(int_member(http("POST", url("/echo/count")).body, "count"), 3);
    gint64 now = int_member(http("GET", url("/echo/ping")).body, "now_ms");
    EXPECT_GE(now, g_get_real_time() / 1000 + 86400000 - 60000);
    test_sandbox_stop(sb_);
    sb_ = nullptr;
    g_remove(state);
    g_rmdir(dir);
}

TEST_F(SandboxFrame, WithoutStateFileEachStartIsFresh)
{
    start();
    EXPECT_EQ(int_member(http("POST", url("/echo/count")).body, "count"), 1);
    test_sandbox_stop(sb_);
    sb_ = nullptr;
    start();
    EXPECT_EQ(int_member(http("POST", url("/echo/count")).body, "count"), 1);
}

TEST(SandboxProgram, AStateFileThatIsNotAnObjectIsRefused)
{
    g_autofree char *dir = g_dir_make_tmp("sandbox-state-XXXXXX", NULL);
    g_autofree char *state = g_build_filename(dir, "state.json", NULL);
    ASSERT_TRUE(g_file_set_contents(state, "[1,2]", -1, NULL));
    int status;
    std::string err;
    std::string out = run_capture({SANDBOX_ECHO_EXE, "--state", state}, &status, &err);
    EXPECT_NE(status, 0);
    EXPECT_EQ(out, "");
    EXPECT_NE(err.find("not a JSON object"), std::string::npos) << err;
    ASSERT_TRUE(g_file_set_contents(state, "{\"echo\": 5}", -1, NULL));
    run_capture({SANDBOX_ECHO_EXE, "--state", state}, &status, &err);
    EXPECT_EQ(status, 73);
    EXPECT_NE(err.find("\"echo\" is not an object"), std::string::npos) << err;
    g_autofree char *nowhere = g_build_filename(dir, "missing", "state.json", NULL);
    out = run_capture({SANDBOX_ECHO_EXE, "--state", nowhere}, &status, &err);
    EXPECT_EQ(status, 73);
    EXPECT_EQ(out, "");
    EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
    g_remove(state);
    g_rmdir(dir);
}

// ---- Faults ------------------------------------------------------------------

TEST_F(SandboxFrame, LatencyDelaysOnlyTheProviderItIsSetFor)
{
    start();
    g_autoptr(GError) error = NULL;
    ASSERT_TRUE(test_sandbox_set_faults(sb_, "{\"provider\":\"echo\",\"latency_ms\":1000}", &error))
        << error->message;
    Answer slow = http("GET", url("/echo/ping"));
    EXPECT_EQ(slow.status, 200u);
    EXPECT_GE(slow.seconds, 0.98);
    Answer other = http("GET", url("/card/x"));
    EXPECT_EQ(other.status, 200u);
    EXPECT_LT(other.seconds, 0.9);
    // Control endpoints never suffer faults.
    EXPECT_LT(http("GET", url("/_sandbox/health")).seconds, 0.9);
    Answer cleared = http("DELETE", url("/_sandbox/faults"));
    EXPECT_EQ(cleared.status, 200u);
    EXPECT_EQ(cleared.body, "{\"faults\":{}}");
    EXPECT_LT(http("GET", url("/echo/ping")).seconds, 0.9);
}

TEST_F(SandboxFrame, Fail5xxAnswers503ForTheNextNRequestsThenNormally)
{
    start();
    g_autoptr(GError) error = NULL;
    ASSERT_TRUE(test_sandbox_set_faults(sb_, "{\"provider\":\"*\",\"fail_5xx\":2}", &error));
    Answer shown = http("GET", url("/_sandbox/faults"));
    EXPECT_NE(shown.body.find("\"*\":{\"latency_ms\":0,\"drop\":0,\"fail_5xx\":2"),
              std::string::npos)
        << shown.body;
    Answer first = http("POST", url("/echo/count"));
    EXPECT_EQ(first.status, 503u);
    EXPECT_NE(first.body.find("service_unavailable"), std::string::npos);
    EXPECT_EQ(http("GET", url("/card/x")).status, 503u);
    Answer after = http("POST", url("/echo/count"));
    EXPECT_EQ(after.status, 200u);
    // The handler never saw the failed requests.
    EXPECT_EQ(int_member(after.body, "count"), 1);
}

TEST_F(SandboxFrame, DropReadsTheRequestAndClosesWithoutAnAnswer)
{
    start();
    g_autoptr(GError) error = NULL;
    ASSERT_TRUE(test_sandbox_set_faults(sb_, "{\"provider\":\"echo\",\"drop\":1}", &error));
    Answer dropped = http("POST", url("/echo/count"), "{}");
    EXPECT_EQ(dropped.status, 0u) << dropped.body;
    EXPECT_FALSE(dropped.error.empty());
    Answer next = http("POST", url("/echo/count"));
    EXPECT_EQ(next.status, 200u);
    EXPECT_EQ(int_member(next.body, "count"), 1);
}

TEST_F(SandboxFrame, FaultFlagsApplyToEveryProviderFromTheStart)
{
    start(1, {"--fail-5xx", "1", "--drop", "1", "--latency-ms", "300"});
    Answer dropped = http("GET", url("/echo/ping"));
    EXPECT_EQ(dropped.status, 0u);
    EXPECT_GE(dropped.seconds, 0.28);
    Answer failed = http("GET", url("/card/x"));
    EXPECT_EQ(failed.status, 503u);
    Answer ok = http("GET", url("/echo/ping"));
    EXPECT_EQ(ok.status, 200u);
    EXPECT_GE(ok.seconds, 0.28);
}

TEST_F(SandboxFrame, BadFaultSettingsAreRefused)
{
    start();
    for (const char *body : {"{\"provider\":\"nosuch\",\"drop\":1}", "{\"drop\":-1}",
                             "{\"drop\":\"1\"}", "{\"latency\":5}", "[1]", "not json",
                             "{\"duplicate_notifications\":1}", "{\"provider\":7}"}) {
        g_autoptr(GError) error = NULL;
        EXPECT_FALSE(test_sandbox_set_faults(sb_, body, &error)) << body;
        if (error) {
            EXPECT_NE(strstr(error->message, "400"), nullptr) << error->message;
        }
    }
    EXPECT_EQ(http("GET", url("/_sandbox/faults")).body, "{\"faults\":{}}");
    EXPECT_EQ(http("PUT", url("/_sandbox/faults"), "{}").status, 405u);
}

// ---- Clock --------------------------------------------------------------------

TEST_F(SandboxFrame, ClockAdvancesTheProvidersTime)
{
    start();
    gint64 before = int_member(http("GET", url("/echo/ping")).body, "now_ms");
    gint64 real = g_get_real_time() / 1000;
    EXPECT_LE(llabs(before - real), 5000);
    Answer a = http("POST", url("/_sandbox/clock"), "{\"advance_seconds\": 3600}");
    EXPECT_EQ(a.status, 200u);
    EXPECT_GE(int_member(a.body, "now_ms"), before + 3600 * 1000);
    gint64 after = int_member(http("GET", url("/echo/ping")).body, "now_ms");
    EXPECT_GE(after, before + 3600 * 1000);
    EXPECT_LT(after, before + 3600 * 1000 + 60000);
    EXPECT_EQ(http("POST", url("/_sandbox/clock"), "{\"advance_seconds\": 1.5}").status, 200u);
    EXPECT_EQ(http("POST", url("/_sandbox/clock"), "{\"advance_seconds\": -5}").status, 400u);
    EXPECT_EQ(http("POST", url("/_sandbox/clock"), "{}").status, 400u);
    EXPECT_EQ(http("GET", url("/_sandbox/clock")).status, 200u);
}

// ---- Notifications -------------------------------------------------------------

TEST_F(SandboxFrame, NotificationRetriesOnTheCompressedScheduleUntilAccepted)
{
    Receiver r(2); // two refusals, then "success"
    start(100);    // 10 s becomes 0.1 s
    Answer q = http("POST", url("/echo/notify"),
                    notify_body(r.url(), "trade_status=TRADE_SUCCESS&n=1", "[10, 10, 10, 10]", "1"));
    EXPECT_EQ(q.status, 202u);
    std::vector<Received> got = r.wait_for(3);
    ASSERT_EQ(got.size(), 3u);
    for (auto &g : got)
        EXPECT_EQ(g.body, "trade_status=TRADE_SUCCESS&n=1");
    EXPECT_EQ(got[0].seq, "1");
    double gap1 = (double)(got[1].at_us - got[0].at_us) / G_USEC_PER_SEC;
    double gap2 = (double)(got[2].at_us - got[1].at_us) / G_USEC_PER_SEC;
    EXPECT_GE(gap1, 0.09);
    EXPECT_GE(gap2, 0.09);
    EXPECT_LT(gap1, 2.0);
    // Accepted at the third attempt: no fourth.
    EXPECT_EQ(r.wait_for(4, 0.6).size(), 3u);
}

TEST_F(SandboxFrame, NotificationStopsWhenTheScheduleRunsOut)
{
    Receiver r(0, true); // answers 200 "failure": never what the provider wants
    start(100);
    http("POST", url("/echo/notify"), notify_body(r.url(), "x=1", "[1, 2]", "1"));
    std::vector<Received> got = r.wait_for(3);
    EXPECT_EQ(got.size(), 3u);
    EXPECT_EQ(r.wait_for(4, 0.5).size(), 3u);
}

TEST_F(SandboxFrame, DuplicateFaultDeliversAnAcceptedNotificationOnceMore)
{
    Receiver r(0);
    start(100);
    g_autoptr(GError) error = NULL;
    ASSERT_TRUE(test_sandbox_set_faults(
        sb_, "{\"provider\":\"echo\",\"duplicate_notifications\":true}", &error));
    http("POST", url("/echo/notify"), notify_body(r.url(), "a=1", "[10]", "1"));
    std::vector<Received> got = r.wait_for(2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].body, got[1].body);
    EXPECT_EQ(r.wait_for(3, 0.5).size(), 2u);
}

TEST_F(SandboxFrame, ReorderFaultSendsTheLaterNotificationFirst)
{
    Receiver r(0);
    start(0.25); // the hold lasts 2 s / 0.25: the second notification comes well before
    g_autoptr(GError) error = NULL;
    ASSERT_TRUE(test_sandbox_set_faults(sb_, "{\"reorder_notifications\":true}", &error));
    http("POST", url("/echo/notify"), notify_body(r.url(), "n=1", "[]", "1"));
    EXPECT_EQ(r.wait_for(1, 0.3).size(), 0u); // held
    http("POST", url("/echo/notify"), notify_body(r.url(), "n=2", "[]", "2"));
    std::vector<Received> got = r.wait_for(2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].seq, "2");
    EXPECT_EQ(got[1].seq, "1");
}

TEST_F(SandboxFrame, ReorderFaultReleasesAHeldNotificationWhenNoneFollows)
{
    Receiver r(0);
    start(10); // held for 2 s / 10
    g_autoptr(GError) error = NULL;
    ASSERT_TRUE(test_sandbox_set_faults(sb_, "{\"reorder_notifications\":true}", &error));
    gint64 t0 = g_get_monotonic_time();
    http("POST", url("/echo/notify"), notify_body(r.url(), "n=1", "[]", "1"));
    std::vector<Received> got = r.wait_for(1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_GE((double)(got[0].at_us - t0) / G_USEC_PER_SEC, 0.15);
}

TEST(SandboxNotify, OnlyLoopbackUrlsCountAsLoopback)
{
    EXPECT_TRUE(sandbox_url_is_loopback("http://127.0.0.1:8080/n"));
    EXPECT_TRUE(sandbox_url_is_loopback("http://127.3.4.5/n"));
    EXPECT_TRUE(sandbox_url_is_loopback("http://localhost:1/"));
    EXPECT_TRUE(sandbox_url_is_loopback("http://[::1]:9/x"));
    EXPECT_FALSE(sandbox_url_is_loopback("http://192.0.2.1/n"));
    EXPECT_FALSE(sandbox_url_is_loopback("https://merchant.example/n"));
    EXPECT_FALSE(sandbox_url_is_loopback("ftp://127.0.0.1/n"));
    EXPECT_FALSE(sandbox_url_is_loopback("not a url"));
}

// ---- Pages, forms, ids ------------------------------------------------------------

TEST_F(SandboxFrame, PagesAreEscapedScriptFreeHtml)
{
    start();
    Answer a = http("GET", url("/echo/page?title=%3Cb%3E%26x"));
    EXPECT_EQ(a.status, 200u);
    EXPECT_EQ(a.content_type, "text/html; charset=utf-8");
    EXPECT_NE(a.body.find("<title>&lt;b&gt;&amp;x</title>"), std::string::npos) << a.body;
    EXPECT_EQ(a.body.find("<b>"), std::string::npos);
    EXPECT_EQ(a.body.find("<script"), std::string::npos);
    EXPECT_NE(a.body.find("autocomplete=\"one-time-code\""), std::string::npos);
    EXPECT_NE(a.csp.find("default-src 'none'"), std::string::npos);
}

TEST(SandboxHelpers, FormDecodingFollowsHtmlForms)
{
    const char *text = "a=1+2&b=%26%3D&c=&d=%E4%BD%A0";
    GHashTable *t = sandbox_form_decode(text, strlen(text));
    ASSERT_NE(t, nullptr);
    EXPECT_STREQ((const char *)g_hash_table_lookup(t, "a"), "1 2");
    EXPECT_STREQ((const char *)g_hash_table_lookup(t, "b"), "&=");
    EXPECT_STREQ((const char *)g_hash_table_lookup(t, "c"), "");
    EXPECT_STREQ((const char *)g_hash_table_lookup(t, "d"), "\xe4\xbd\xa0");
    g_hash_table_unref(t);
    EXPECT_EQ(sandbox_form_decode("a=%zz", 5), nullptr);
    GHashTable *empty = sandbox_form_decode("", 0);
    ASSERT_NE(empty, nullptr);
    EXPECT_EQ(g_hash_table_size(empty), 0u);
    g_hash_table_unref(empty);
    g_autofree char *escaped = sandbox_html_escape("<a href=\"x\">&'");
    EXPECT_STREQ(escaped, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
}

TEST(SandboxHelpers, NewIdsArePrefixedRandomAlphanumerics)
{
    g_autofree char *a = sandbox_new_id("pi_");
    g_autofree char *b = sandbox_new_id("pi_");
    ASSERT_EQ(strlen(a), 27u);
    EXPECT_TRUE(g_str_has_prefix(a, "pi_"));
    for (const char *c = a + 3; *c; c++)
        EXPECT_TRUE(g_ascii_isalnum(*c)) << a;
    EXPECT_STRNE(a, b);
}

TEST_F(SandboxFrame, FormsPostedToAProviderAreDecoded)
{
    start();
    Answer a = http("POST", url("/echo/form"), "code=12+34&x=%2B", "application/x-www-form-urlencoded");
    EXPECT_EQ(a.status, 200u);
    g_autoptr(JsonNode) n = parse(a.body);
    ASSERT_NE(n, nullptr);
    EXPECT_STREQ(json_object_get_string_member(json_node_get_object(n), "code"), "12 34");
    EXPECT_STREQ(json_object_get_string_member(json_node_get_object(n), "x"), "+");
    EXPECT_EQ(http("POST", url("/echo/form"), "x=%zz", "application/x-www-form-urlencoded").status,
              400u);
    Answer id = http("GET", url("/echo/id"));
    EXPECT_NE(id.body.find("\"id\":\"ech_"), std::string::npos) << id.body;
}

// ---- The program: signals, --listen, --help, keys -----------------------------------

TEST(SandboxProgram, SigtermAndSigintStopItWithStatusZeroAndTheStateSaved)
{
    for (int sig : {SIGTERM, SIGINT}) {
        g_autofree char *dir = g_dir_make_tmp("sandbox-term-XXXXXX", NULL);
        g_autofree char *state = g_build_filename(dir, "state.json", NULL);
        g_autofree char *out = g_build_filename(dir, "out.txt", NULL);
        g_autoptr(GSubprocessLauncher) l =
            g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE);
        g_subprocess_launcher_set_stdout_file_path(l, out);
        g_autoptr(GError) error = NULL;
        g_autoptr(GSubprocess) p = g_subprocess_launcher_spawn(
            l, &error, SANDBOX_ECHO_EXE, "--listen", "127.0.0.1:0", "--state", state, NULL);
        ASSERT_NE(p, nullptr);
        std::string base;
        for (int i = 0; i < 1000 && base.empty(); i++) {
            g_autofree char *text = NULL;
            if (g_file_get_contents(out, &text, NULL, NULL) && strchr(text, '\n'))
                base.assign(text, strchr(text, '\n') - text);
            else
                g_usleep(10000);
        }
        ASSERT_FALSE(base.empty());
        EXPECT_EQ(http("POST", base + "/_sandbox/clock", "{\"advance_seconds\": 60}").status,
                  200u);
        g_subprocess_send_signal(p, sig);
        ASSERT_TRUE(g_subprocess_wait(p, NULL, &error));
        ASSERT_TRUE(g_subprocess_get_if_exited(p)) << "signal " << sig;
        EXPECT_EQ(g_subprocess_get_exit_status(p), 0) << "signal " << sig;
        g_autofree char *saved = NULL;
        ASSERT_TRUE(g_file_get_contents(state, &saved, NULL, NULL));
        EXPECT_NE(strstr(saved, "\"clock_offset_ms\" : 60000"), nullptr) << saved;
        // Nothing listens there any more.
        EXPECT_EQ(http("GET", base + "/_sandbox/health").status, 0u);
        g_remove(state);
        g_remove(out);
        g_rmdir(dir);
    }
}

TEST(SandboxProgram, NonLoopbackListenIsRefusedWithoutAllowRemote)
{
    int status;
    std::string err;
    std::string out = run_capture({SANDBOX_EXE, "--listen", "0.0.0.0:0"}, &status, &err);
    EXPECT_EQ(status, 64);
    EXPECT_EQ(out, "");
    EXPECT_NE(err.find("--allow-remote"), std::string::npos) << err;
    out = run_capture({SANDBOX_EXE, "--listen", "nonsense"}, &status, &err);
    EXPECT_EQ(status, 64);
    out = run_capture({SANDBOX_EXE, "--time-scale", "0"}, &status, &err);
    EXPECT_EQ(status, 64);
    out = run_capture({SANDBOX_EXE, "--drop", "-1"}, &status, &err);
    EXPECT_EQ(status, 64);
}

TEST(SandboxProgram, HelpDocumentsEveryFlag)
{
    int status;
    std::string out = run_capture({SANDBOX_EXE, "--help"}, &status, NULL);
    EXPECT_EQ(status, 0);
    for (const char *flag :
         {"--listen", "--config-out", "--state", "--time-scale", "--webhook-base", "--latency-ms",
          "--fail-5xx", "--drop", "--duplicate-notifications", "--reorder-notifications",
          "--allow-remote", "keys", "/_sandbox/faults", "/_sandbox/clock", "/_sandbox/health"})
        EXPECT_NE(out.find(flag), std::string::npos) << flag;
}

TEST(SandboxProgram, KeysPrintsEachProvidersKeys)
{
    int status;
    std::string out = run_capture({SANDBOX_ECHO_EXE, "keys"}, &status, NULL);
    EXPECT_EQ(status, 0);
    EXPECT_NE(out.find("# echo (under /echo)\napi_key: echo_test_key\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("# card (under /card)\nsecret_key: stand-in\n"), std::string::npos) << out;
    out = run_capture({SANDBOX_EXE, "keys"}, &status, NULL);
    EXPECT_EQ(status, 0);
}

} // namespace
