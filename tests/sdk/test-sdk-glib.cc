// The GLib helpers: hex digests, HMAC, strict base64, the form codec (with
// a GBK body) and wall-clock formatting.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <tender/sdk-glib.h>

TEST(SdkHash, Sha256HexWholeAndPrefix)
{
    char hex[65];
    tender_digest_hex(G_CHECKSUM_SHA256, "abc", 3, 0, hex, sizeof hex);
    EXPECT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    tender_digest_hex(G_CHECKSUM_SHA256, "abc", 3, 1, hex, sizeof hex);
    EXPECT_STREQ(hex, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    char prefix[13];
    tender_digest_hex(G_CHECKSUM_SHA256, "abc", 3, 0, prefix, sizeof prefix);
    EXPECT_STREQ(prefix, "ba7816bf8f01");
    char odd[4];
    tender_hex_encode("\xAB\xCD", 2, 0, odd, sizeof odd);
    EXPECT_STREQ(odd, "abc");

    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)"abc", 3);
    EXPECT_EQ(tender_checksum_number(sum, 4), 0xba7816bfu);
    g_checksum_free(sum);
}

TEST(SdkHash, HmacSha256KnownAnswer)
{
    // RFC 4231, test case 2.
    char hex[65];
    const char *data = "what do ya want for nothing?";
    tender_hmac_hex(G_CHECKSUM_SHA256, "Jefe", 4, data, std::strlen(data), 0, hex, sizeof hex);
    EXPECT_STREQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SdkBase64, StrictDecoding)
{
    gsize n = 0;
    guchar *b = tender_base64_decode_strict("aGVsbG8=", 0, &n);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(std::string((char *)b, n), "hello");
    g_free(b);
    b = tender_base64_decode_strict("aGVs\r\nbG8=", 1, &n);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(std::string((char *)b, n), "hello");
    g_free(b);
    for (const char *bad : {"", "aGVsbG8", "aGVs bG8=", "aGV=bG8=", "aGVsbG8===", "!!!!"})
        EXPECT_EQ(tender_base64_decode_strict(bad, 0, &n), nullptr) << bad;
    EXPECT_EQ(tender_base64_decode_strict("aGVs\nbG8=", 0, &n), nullptr);
}

namespace
{

std::string pair_text(GArray *pairs, guint i, bool name)
{
    TenderFormPair *p = &g_array_index(pairs, TenderFormPair, i);
    char *text = tender_form_text(name ? p->name : p->value, "UTF-8");
    std::string out = text ? text : "<invalid>";
    g_free(text);
    return out;
}

} // namespace

TEST(SdkForm, RoundTripOfAwkwardText)
{
    const char *keys[] = {"subject", "a b", "sym"};
    const char *values[] = {"\xe6\x94\xaf\xe4\xbb\x98\xe5\xae\x9d x", "1+1=2 & more", "*~%"};
    for (unsigned flags : {0u, (unsigned)TENDER_FORM_SPACE_AS_PLUS,
                           (unsigned)(TENDER_FORM_SPACE_AS_PLUS | TENDER_FORM_KEEP_STAR)}) {
        GString *form = g_string_new(NULL);
        for (int i = 0; i < 3; i++)
            tender_form_append_pair(form, keys[i], values[i], flags);
        char err[128] = "";
        GArray *pairs = tender_form_split(form->str, form->len, err, sizeof err);
        ASSERT_NE(pairs, nullptr) << err << " " << form->str;
        ASSERT_EQ(pairs->len, 3u);
        for (guint i = 0; i < 3; i++) {
            EXPECT_EQ(pair_text(pairs, i, true), keys[i]);
            EXPECT_EQ(pair_text(pairs, i, false), values[i]);
        }
        g_array_unref(pairs);
        g_string_free(form, TRUE);
    }
    GString *form = g_string_new(NULL);
    tender_form_append_escaped(form, "a b*c", TENDER_FORM_SPACE_AS_PLUS | TENDER_FORM_KEEP_STAR);
    EXPECT_STREQ(form->str, "a+b*c");
    g_string_truncate(form, 0);
    tender_form_append_escaped(form, "a b*c", 0);
    EXPECT_STREQ(form->str, "a%20b%2Ac");
    g_string_free(form, TRUE);
}

TEST(SdkForm, SplitRefusesMalformedBodies)
{
    char err[128];
    for (const char *bad : {"", "a", "=x", "a=1&b", "a=%zz", "a=%00", "a=1&&b=2"}) {
        err[0] = '\0';
        EXPECT_EQ(tender_form_split(bad, std::strlen(bad), err, sizeof err), nullptr) << bad;
        EXPECT_NE(err[0], '\0') << bad;
    }
    const char ok[] = "a=1&b=%2B+\r\n";
    GArray *pairs = tender_form_split(ok, std::strlen(ok), err, sizeof err);
    ASSERT_NE(pairs, nullptr) << err;
    EXPECT_EQ(pair_text(pairs, 1, false), "+ ");
    g_array_unref(pairs);
}

TEST(SdkForm, TextInTheDeclaredCharset)
{
    // "支付" in GBK is D6 A7 B8 B6.
    const char body[] = "subject=%D6%A7%B8%B6&charset=gbk";
    char err[128];
    GArray *pairs = tender_form_split(body, std::strlen(body), err, sizeof err);
    ASSERT_NE(pairs, nullptr) << err;
    TenderFormPair *p = &g_array_index(pairs, TenderFormPair, 0);
    char *text = tender_form_text(p->value, "GBK");
    ASSERT_NE(text, nullptr);
    EXPECT_STREQ(text, "\xe6\x94\xaf\xe4\xbb\x98");
    g_free(text);
    // The same bytes are not UTF-8.
    EXPECT_EQ(tender_form_text(p->value, "UTF-8"), nullptr);
    g_array_unref(pairs);
}

TEST(SdkTime, FixedZonesAndRfc3339)
{
    // 2026-03-01T10:00:00.250Z
    const int64_t ms = 1772359200250LL;
    char out[40];
    ASSERT_EQ(tender_time_format(ms, 8 * 60, "%Y-%m-%d %H:%M:%S", out, sizeof out), 1);
    EXPECT_STREQ(out, "2026-03-01 18:00:00");
    ASSERT_EQ(tender_time_format(ms, 3 * 60, "%Y%m%d %H:%M:%S", out, sizeof out), 1);
    EXPECT_STREQ(out, "20260301 13:00:00");
    ASSERT_EQ(tender_time_rfc3339(ms, 0, out, sizeof out), 1);
    EXPECT_STREQ(out, "2026-03-01T10:00:00Z");
    ASSERT_EQ(tender_time_rfc3339(ms, 1, out, sizeof out), 1);
    EXPECT_STREQ(out, "2026-03-01T10:00:00.250Z");
    ASSERT_EQ(tender_time_rfc3339(-1, 1, out, sizeof out), 1);
    EXPECT_STREQ(out, "1969-12-31T23:59:59.999Z");
    char small[8] = "x";
    EXPECT_EQ(tender_time_rfc3339(ms, 0, small, sizeof small), 0);
    EXPECT_STREQ(small, "");
}

TEST(SdkResident, KeepsALoadedLibraryOnly)
{
    // GLib is loaded (this program links it); nothing is at address 0.
    EXPECT_EQ(tender_keep_library_resident((const void *)g_checksum_new), 1);
    EXPECT_EQ(tender_keep_library_resident(nullptr), 0);
}
