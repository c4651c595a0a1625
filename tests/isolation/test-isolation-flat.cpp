// The flat bodies of ISO_CALL and ISO_RESULT (core/isolation-flat.c): what
// goes in comes out, and a forged or truncated body is refused without a
// read past its end (each body is decoded from a heap block of exactly its
// size, so the sanitizer build sees any such read).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "isolation-protocol.h"

#include <tender/sdk.h>

namespace
{

// The strings start after the 16-byte header and the call's 80-byte fixed
// part (isolation-protocol.h).
constexpr size_t kCallNParamsAt = 16 + 72;
constexpr size_t kCallStringsAt = 16 + 80;

std::vector<guint8> bytes_of(GByteArray *a)
{
    return std::vector<guint8>(a->data, a->data + a->len);
}

void set_u32(std::vector<guint8> &b, size_t at, guint32 v)
{
    v = GUINT32_TO_LE(v);
    memcpy(b.data() + at, &v, sizeof v);
}

void fix_total(std::vector<guint8> &b)
{
    set_u32(b, ISOLATION_FLAT_TOTAL_AT, (guint32)b.size());
}

bool decode_call(const std::vector<guint8> &b, IsolationCall *c)
{
    // Exactly the body's bytes on the heap: a read past them is caught.
    guint8 *copy = (guint8 *)g_memdup2(b.data(), b.size());
    bool ok = isolation_call_decode(copy, b.size(), c);
    g_free(copy);
    return ok;
}

bool call_ok(const std::vector<guint8> &b)
{
    IsolationCall c;
    bool ok = decode_call(b, &c);
    isolation_call_clear(&c);
    return ok;
}

bool result_ok(const std::vector<guint8> &b, tender_result *res = nullptr)
{
    tender_result scratch = {};
    tender_result *out = res ? res : &scratch;
    guint8 *copy = (guint8 *)g_memdup2(b.data(), b.size());
    bool ok = isolation_result_decode(copy, b.size(), out);
    g_free(copy);
    return ok;
}

const tender_param kParams[] = {{"mode", "ok"}, {"empty", ""}};
const tender_param kHeaders[] = {{"Content-Type", "application/json"}};
const char kBody[] = "{\"a\":1}\0tail";

std::vector<guint8> sample_call()
{
    tender_request req = {};
    req.struct_size = sizeof req;
    req.operation = TENDER_OP_CAPTURE;
    req.flags = 3;
    req.attempt = 2;
    req.payment_id = "pay_1";
    req.request_id = "req_1";
    req.amount = -1234567890123;
    req.currency = "JPY";
    req.exponent = -2;
    req.region = "JP";
    req.account = nullptr;
    req.tier = "";
    req.authorized_amount = 5;
    req.captured_amount = 6;
    req.refunded_amount = 7;
    req.plugin_state = "state";
    req.processor_ref = nullptr;
    req.params = kParams;
    req.n_params = 2;
    req.headers = kHeaders;
    req.n_headers = 1;
    req.body = kBody;
    req.body_len = sizeof kBody - 1;
    req.deadline_ms = 1700000000123;
    GByteArray *out = g_byte_array_new();
    isolation_call_encode(out, 42, ISO_SLOT_CAPTURE, "paid", &req);
    std::vector<guint8> b = bytes_of(out);
    g_byte_array_unref(out);
    return b;
}

TEST(IsolationFlat, CallRoundTrip)
{
    IsolationCall c;
    ASSERT_TRUE(decode_call(sample_call(), &c));
    EXPECT_EQ(c.handle, 42u);
    EXPECT_EQ(c.slot, (guint32)ISO_SLOT_CAPTURE);
    EXPECT_STREQ(c.event, "paid");
    const tender_request &q = c.req;
    EXPECT_EQ(q.struct_size, sizeof q);
    EXPECT_EQ(q.operation, (uint32_t)TENDER_OP_CAPTURE);
    EXPECT_EQ(q.flags, 3u);
    EXPECT_EQ(q.attempt, 2u);
    EXPECT_STREQ(q.payment_id, "pay_1");
    EXPECT_STREQ(q.request_id, "req_1");
    EXPECT_EQ(q.amount, -1234567890123);
    EXPECT_STREQ(q.currency, "JPY");
    EXPECT_EQ(q.exponent, -2);
    EXPECT_STREQ(q.region, "JP");
    EXPECT_EQ(q.account, nullptr);
    EXPECT_STREQ(q.tier, "");
    EXPECT_EQ(q.authorized_amount, 5);
    EXPECT_EQ(q.captured_amount, 6);
    EXPECT_EQ(q.refunded_amount, 7);
    EXPECT_STREQ(q.plugin_state, "state");
    EXPECT_EQ(q.processor_ref, nullptr);
    ASSERT_EQ(q.n_params, 2u);
    EXPECT_STREQ(q.params[0].key, "mode");
    EXPECT_STREQ(q.params[0].value, "ok");
    EXPECT_STREQ(q.params[1].key, "empty");
    EXPECT_STREQ(q.params[1].value, "");
    ASSERT_EQ(q.n_headers, 1u);
    EXPECT_STREQ(q.headers[0].key, "Content-Type");
    EXPECT_STREQ(q.headers[0].value, "application/json");
    ASSERT_EQ(q.body_len, sizeof kBody - 1);
    EXPECT_EQ(memcmp(q.body, kBody, q.body_len), 0) << "the body keeps its NUL and tail";
    EXPECT_EQ(q.body[q.body_len], '\0');
    EXPECT_EQ(q.deadline_ms, 1700000000123);
    isolation_call_clear(&c);
}

TEST(IsolationFlat, TruncatedCallsAreRefused)
{
    std::vector<guint8> whole = sample_call();
    ASSERT_TRUE(call_ok(whole));
    for (size_t n = 0; n < whole.size(); n++) {
        std::vector<guint8> cut(whole.begin(), whole.begin() + (long)n);
        EXPECT_FALSE(call_ok(cut)) << "cut to " << n;
        // The header made to agree: the string reader must notice alone.
        if (n >= 16) {
            fix_total(cut);
            EXPECT_FALSE(call_ok(cut)) << "cut to " << n << ", total patched";
        }
    }
}

TEST(IsolationFlat, CallStringLengthPastTheEndIsRefused)
{
    std::vector<guint8> b = sample_call();
    for (guint32 len : {1u << 20, 0xfffffffeu, (guint32)b.size()}) {
        std::vector<guint8> forged = b;
        set_u32(forged, kCallStringsAt, len); // the event's length
        EXPECT_FALSE(call_ok(forged)) << len;
    }
}

TEST(IsolationFlat, CallCountsTooLargeAreRefused)
{
    std::vector<guint8> b = sample_call();
    std::vector<guint8> params = b;
    set_u32(params, kCallNParamsAt, 0x7fffffffu);
    EXPECT_FALSE(call_ok(params));
    // n_strings made to agree with the huge count: the packet cannot hold it.
    set_u32(params, ISOLATION_FLAT_N_STRINGS_AT, 10 + 2 * (0x7fffffffu + 1));
    EXPECT_FALSE(call_ok(params));
    std::vector<guint8> strings = b;
    set_u32(strings, ISOLATION_FLAT_N_STRINGS_AT, 0xffffffffu);
    EXPECT_FALSE(call_ok(strings));
    std::vector<guint8> headers = b;
    set_u32(headers, kCallNParamsAt + 4, 2); // one header more than travels
    EXPECT_FALSE(call_ok(headers));
}

TEST(IsolationFlat, ForgedCallHeadersAreRefused)
{
    std::vector<guint8> b = sample_call();
    std::vector<guint8> layout = b;
    set_u32(layout, 0, ISOLATION_FLAT_LAYOUT + 1);
    EXPECT_FALSE(call_ok(layout));
    std::vector<guint8> fixed = b;
    set_u32(fixed, 4, 76);
    EXPECT_FALSE(call_ok(fixed));
    std::vector<guint8> total = b;
    set_u32(total, ISOLATION_FLAT_TOTAL_AT, (guint32)b.size() - 1);
    EXPECT_FALSE(call_ok(total));
    std::vector<guint8> extra = b;
    extra.push_back(0);
    fix_total(extra);
    EXPECT_FALSE(call_ok(extra)) << "a byte after the body";
    std::vector<guint8> nul = b;
    nul[kCallStringsAt + 4 + 1] = '\0'; // "paid" -> "p\0id"
    EXPECT_FALSE(call_ok(nul)) << "a C string with a NUL in it";
}

std::vector<guint8> sample_result(const tender_result &res)
{
    GByteArray *out = g_byte_array_new();
    isolation_result_encode(out, &res);
    std::vector<guint8> b = bytes_of(out);
    g_byte_array_unref(out);
    return b;
}

TEST(IsolationFlat, ResultRoundTrip)
{
    auto *in = g_new0(tender_result, 1);
    in->struct_size = sizeof *in;
    in->outcome = TENDER_OUTCOME_DECLINED;
    in->decline_code = TENDER_DECLINE_PROCESSING_ERROR;
    in->event = 7;
    in->amount = -99;
    in->action_kind = 2;
    in->action_expires_ms = 123456789012;
    in->reply_status = 202;
    TENDER_SET(in, raw_code, "51");
    TENDER_SET(in, message, "declined");
    TENDER_SET(in, display_last4, "4242");
    // A plugin that fills a whole array, no NUL: it arrives truncated.
    memset(in->display_country, 'X', sizeof in->display_country);
    memset(in->reply_body, 'r', sizeof in->reply_body);
    memset(in->notify_body, 'n', sizeof in->notify_body - 1);
    auto *out = g_new0(tender_result, 1);
    ASSERT_TRUE(result_ok(sample_result(*in), out));
    EXPECT_EQ(out->outcome, in->outcome);
    EXPECT_EQ(out->decline_code, in->decline_code);
    EXPECT_EQ(out->event, 7u);
    EXPECT_EQ(out->amount, -99);
    EXPECT_EQ(out->action_kind, 2u);
    EXPECT_EQ(out->action_expires_ms, 123456789012);
    EXPECT_EQ(out->reply_status, 202u);
    EXPECT_STREQ(out->raw_code, "51");
    EXPECT_STREQ(out->message, "declined");
    EXPECT_STREQ(out->display_last4, "4242");
    EXPECT_STREQ(out->display_country, "XXX");
    EXPECT_EQ(strlen(out->reply_body), sizeof out->reply_body - 1);
    EXPECT_EQ(strlen(out->notify_body), sizeof out->notify_body - 1);
    EXPECT_STREQ(out->details, "");
    g_free(in);
    g_free(out);
}

TEST(IsolationFlat, ForgedOrTruncatedResultsAreRefused)
{
    auto *in = g_new0(tender_result, 1);
    in->outcome = TENDER_OUTCOME_APPROVED;
    TENDER_SET(in, message, "fine");
    std::vector<guint8> b = sample_result(*in);
    g_free(in);
    ASSERT_TRUE(result_ok(b));
    for (size_t n = 0; n < b.size(); n++) {
        std::vector<guint8> cut(b.begin(), b.begin() + (long)n);
        EXPECT_FALSE(result_ok(cut)) << "cut to " << n;
        if (n >= 16) {
            fix_total(cut);
            EXPECT_FALSE(result_ok(cut)) << "cut to " << n << ", total patched";
        }
    }
    // The strings start after the header and the 40-byte fixed part; the
    // first is raw_code, the second message.
    const size_t strings_at = 16 + 40;
    for (guint32 len : {1u << 20, 0xffffffffu, (guint32)b.size()}) {
        std::vector<guint8> forged = b;
        set_u32(forged, strings_at, len);
        EXPECT_FALSE(result_ok(forged)) << len;
    }
    std::vector<guint8> counts = b;
    set_u32(counts, ISOLATION_FLAT_N_STRINGS_AT, 19);
    EXPECT_FALSE(result_ok(counts));
    set_u32(counts, ISOLATION_FLAT_N_STRINGS_AT, 0xffffffffu);
    EXPECT_FALSE(result_ok(counts));
    std::vector<guint8> extra = b;
    extra.insert(extra.end(), {'x', 'y'});
    fix_total(extra);
    EXPECT_FALSE(result_ok(extra));
    std::vector<guint8> fixed = b;
    set_u32(fixed, 4, 48);
    EXPECT_FALSE(result_ok(fixed));
}

// The http service's request and answer: round trip, then every cut and a
// header count the body cannot hold.
std::vector<guint8> sample_http_request()
{
    const tender_http_header headers[] = {{"Accept", "*/*"}, {"X-Empty", ""}};
    const char body[] = "a=1\0b=2";
    tender_http_request req = {};
    req.struct_size = sizeof req;
    req.method = "POST";
    req.url = "https://example.test/pay";
    req.headers = headers;
    req.n_headers = 2;
    req.body = body;
    req.body_len = sizeof body - 1;
    GByteArray *out = g_byte_array_new();
    isolation_http_request_encode(out, "fx_http", &req);
    std::vector<guint8> b = bytes_of(out);
    g_byte_array_unref(out);
    return b;
}

bool http_request_ok(const std::vector<guint8> &b, IsolationHttpRequest *keep = nullptr)
{
    IsolationHttpRequest h;
    guint8 *copy = (guint8 *)g_memdup2(b.data(), b.size());
    bool ok = isolation_http_request_decode(copy, b.size(), &h);
    g_free(copy);
    if (keep != nullptr && ok)
        *keep = h;
    else
        isolation_http_request_clear(&h);
    return ok;
}

TEST(IsolationFlat, HttpRequestRoundTripAndForgeries)
{
    std::vector<guint8> b = sample_http_request();
    IsolationHttpRequest h;
    ASSERT_TRUE(http_request_ok(b, &h));
    EXPECT_STREQ(h.method_id, "fx_http");
    EXPECT_STREQ(h.req.method, "POST");
    EXPECT_STREQ(h.req.url, "https://example.test/pay");
    ASSERT_EQ(h.req.n_headers, 2u);
    EXPECT_STREQ(h.req.headers[0].name, "Accept");
    EXPECT_STREQ(h.req.headers[1].value, "");
    ASSERT_EQ(h.req.body_len, 7u);
    EXPECT_EQ(memcmp(h.req.body, "a=1\0b=2", 7), 0);
    isolation_http_request_clear(&h);

    for (size_t n = 0; n < b.size(); n++) {
        std::vector<guint8> cut(b.begin(), b.begin() + (long)n);
        EXPECT_FALSE(http_request_ok(cut)) << "cut to " << n;
        if (n >= 16) {
            fix_total(cut);
            EXPECT_FALSE(http_request_ok(cut)) << "cut to " << n << ", total patched";
        }
    }
    std::vector<guint8> count = b;
    set_u32(count, 16, 0x40000000u); // n_headers
    EXPECT_FALSE(http_request_ok(count));
    set_u32(count, ISOLATION_FLAT_N_STRINGS_AT, 3 + 2 * 0x40000000u + 1);
    EXPECT_FALSE(http_request_ok(count));
    std::vector<guint8> past = b;
    set_u32(past, 16 + 8, 0x7fffffffu); // the method id's length
    EXPECT_FALSE(http_request_ok(past));
}

TEST(IsolationFlat, HttpResponseRoundTripAndForgeries)
{
    const tender_http_header headers[] = {{"Content-Type", "text/plain"}};
    tender_http_response res = {};
    res.struct_size = sizeof res;
    res.outcome = TENDER_HTTP_RESPONSE;
    res.status = 201;
    res.headers = headers;
    res.n_headers = 1;
    res.body = "ok\0more";
    res.body_len = 7;
    memset(res.message, 'm', sizeof res.message); // no NUL: arrives truncated
    GByteArray *out = g_byte_array_new();
    isolation_http_response_encode(out, &res);
    std::vector<guint8> b = bytes_of(out);
    g_byte_array_unref(out);

    auto decode = [](const std::vector<guint8> &bytes, IsolationHttpResponse *h) {
        guint8 *copy = (guint8 *)g_memdup2(bytes.data(), bytes.size());
        bool ok = isolation_http_response_decode(copy, bytes.size(), h);
        g_free(copy);
        return ok;
    };
    IsolationHttpResponse h;
    ASSERT_TRUE(decode(b, &h));
    EXPECT_EQ(h.res.outcome, (uint32_t)TENDER_HTTP_RESPONSE);
    EXPECT_EQ(h.res.status, 201);
    ASSERT_EQ(h.res.n_headers, 1u);
    EXPECT_STREQ(h.res.headers[0].name, "Content-Type");
    EXPECT_STREQ(h.res.headers[0].value, "text/plain");
    ASSERT_EQ(h.res.body_len, 7u);
    EXPECT_EQ(memcmp(h.res.body, "ok\0more", 7), 0);
    EXPECT_EQ(h.res.body[7], '\0');
    EXPECT_EQ(strlen(h.res.message), sizeof h.res.message - 1);
    isolation_http_response_clear(&h);

    for (size_t n = 0; n < b.size(); n++) {
        std::vector<guint8> cut(b.begin(), b.begin() + (long)n);
        EXPECT_FALSE(decode(cut, &h)) << "cut to " << n;
        isolation_http_response_clear(&h);
        if (n >= 16) {
            fix_total(cut);
            EXPECT_FALSE(decode(cut, &h)) << "cut to " << n << ", total patched";
            isolation_http_response_clear(&h);
        }
    }
    std::vector<guint8> count = b;
    set_u32(count, 16 + 8, 0xffffffffu); // n_headers
    EXPECT_FALSE(decode(count, &h));
    isolation_http_response_clear(&h);
}

TEST(IsolationFlat, FlatBodyOfAnythingButBytesIsNothing)
{
    GVariant *v = g_variant_ref_sink(g_variant_new_uint32(7));
    gsize len = 99;
    EXPECT_EQ(isolation_flat_body(v, &len), nullptr);
    EXPECT_EQ(len, 0u);
    EXPECT_FALSE(isolation_result_decode(nullptr, 0, nullptr));
    g_variant_unref(v);
}

} // namespace
