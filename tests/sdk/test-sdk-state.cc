// The table-driven plugin_state codec and the bounded id lists.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <tender/sdk.h>

namespace
{

enum Stage { STAGE_NONE = 0, STAGE_OPEN = 1, STAGE_DONE = 2 };
const char *const stage_names[] = {"none", "open", "done", nullptr};

struct Record {
    char ref[16];
    Stage stage;
    int64_t amount;
    uint32_t code;
    int count;
    char seen[64];
};

const tender_state_field record_fields[] = {
    TENDER_STATE_TEXT_FIELD(Record, "ref", ref, TENDER_STATE_REQUIRED),
    TENDER_STATE_ENUM_FIELD(Record, "st", stage, TENDER_STATE_REQUIRED, stage_names),
    TENDER_STATE_INT_FIELD(Record, "amt", amount, 0),
    TENDER_STATE_UINT_FIELD(Record, "code", code, 0),
    TENDER_STATE_INT_FIELD(Record, "n", count, 0),
    TENDER_STATE_TEXT_FIELD(Record, "seen", seen, 0),
};

const tender_state_codec codec_v2 = {"2", sizeof(Record), record_fields,
                                     TENDER_N_ELEMENTS(record_fields), 0};
const tender_state_codec codec_v3 = {"3", sizeof(Record), record_fields,
                                     TENDER_N_ELEMENTS(record_fields), 0};
const tender_state_codec codec_short = {"2", sizeof(Record), record_fields,
                                        TENDER_N_ELEMENTS(record_fields), TENDER_STATE_OMIT_EMPTY};

Record sample()
{
    Record r{};
    std::strcpy(r.ref, "ord&1=x");
    r.stage = STAGE_OPEN;
    r.amount = -1234567890123LL;
    r.code = 4000000000u;
    r.count = -7;
    std::strcpy(r.seen, "a,b");
    return r;
}

} // namespace

TEST(SdkState, RoundTripKeepsEveryFieldAndEscapes)
{
    Record in = sample(), out;
    char text[TENDER_RESULT_STATE_MAX];
    ASSERT_EQ(tender_state_encode(&codec_v2, &in, text, sizeof text), 1);
    EXPECT_EQ(std::string(text).rfind("v=2&", 0), 0u) << text;
    EXPECT_NE(std::string(text).find("ref=ord%261%3Dx"), std::string::npos) << text;
    ASSERT_EQ(tender_state_decode(&codec_v2, text, &out), TENDER_STATE_OK);
    EXPECT_STREQ(out.ref, in.ref);
    EXPECT_EQ(out.stage, STAGE_OPEN);
    EXPECT_EQ(out.amount, in.amount);
    EXPECT_EQ(out.code, 4000000000u);
    EXPECT_EQ(out.count, -7);
    EXPECT_STREQ(out.seen, "a,b");
}

TEST(SdkState, AnotherVersionIsRefusedAsAWhole)
{
    Record in = sample(), out;
    char text[TENDER_RESULT_STATE_MAX];
    ASSERT_EQ(tender_state_encode(&codec_v2, &in, text, sizeof text), 1);
    std::memset(&out, 0x55, sizeof out);
    EXPECT_EQ(tender_state_decode(&codec_v3, text, &out), TENDER_STATE_VERSION_MISMATCH);
    EXPECT_EQ(out.ref[0], '\0');
    EXPECT_EQ(out.amount, 0);
    // No version key at all is a mismatch too; nothing is an empty state.
    EXPECT_EQ(tender_state_decode(&codec_v2, "ref=x&st=open", &out), TENDER_STATE_VERSION_MISMATCH);
    EXPECT_EQ(tender_state_decode(&codec_v2, "", &out), TENDER_STATE_EMPTY);
    EXPECT_EQ(tender_state_decode(&codec_v2, nullptr, &out), TENDER_STATE_EMPTY);
}

TEST(SdkState, RequiredFieldsBadNumbersAndUnknownNamesAreMalformed)
{
    Record out;
    EXPECT_EQ(tender_state_decode(&codec_v2, "v=2&st=open", &out), TENDER_STATE_MALFORMED);
    EXPECT_EQ(tender_state_decode(&codec_v2, "v=2&ref=x", &out), TENDER_STATE_MALFORMED);
    EXPECT_EQ(tender_state_decode(&codec_v2, "v=2&ref=x&st=closed", &out), TENDER_STATE_MALFORMED);
    EXPECT_EQ(tender_state_decode(&codec_v2, "v=2&ref=x&st=open&amt=12x", &out),
              TENDER_STATE_MALFORMED);
    EXPECT_EQ(out.ref[0], '\0');
    // Absent optional fields read as empty and zero; a text too long for
    // its field reads as empty rather than cut.
    std::string long_seen = "v=2&ref=x&st=done&seen=" + std::string(100, 'z');
    ASSERT_EQ(tender_state_decode(&codec_v2, long_seen.c_str(), &out), TENDER_STATE_OK);
    EXPECT_EQ(out.stage, STAGE_DONE);
    EXPECT_EQ(out.amount, 0);
    EXPECT_STREQ(out.seen, "");
}

TEST(SdkState, OmitEmptyLeavesOutZerosAndReadsBackTheSame)
{
    Record in{}, out;
    std::strcpy(in.ref, "r");
    in.stage = STAGE_DONE;
    char text[TENDER_RESULT_STATE_MAX];
    ASSERT_EQ(tender_state_encode(&codec_short, &in, text, sizeof text), 1);
    EXPECT_STREQ(text, "v=2&ref=r&st=done");
    ASSERT_EQ(tender_state_decode(&codec_short, text, &out), TENDER_STATE_OK);
    EXPECT_EQ(std::memcmp(&in, &out, sizeof in), 0);
}

TEST(SdkState, EncodeRefusesWhatDoesNotFit)
{
    Record in = sample();
    char small[16] = "junk";
    EXPECT_EQ(tender_state_encode(&codec_v2, &in, small, sizeof small), 0);
    EXPECT_STREQ(small, "");
    in.stage = static_cast<Stage>(9); // no name: could never be read back
    char text[TENDER_RESULT_STATE_MAX];
    EXPECT_EQ(tender_state_encode(&codec_v2, &in, text, sizeof text), 0);
}

TEST(SdkIdList, KeepsAtMostMaxIdsDroppingTheOldest)
{
    char list[64] = "";
    for (int i = 1; i <= 5; i++) {
        std::string id = "id" + std::to_string(i);
        EXPECT_EQ(tender_id_list_add(list, sizeof list, ',', 3, id.c_str()), 1);
        EXPECT_LE(tender_id_list_count(list, ','), 3u);
    }
    EXPECT_STREQ(list, "id3,id4,id5");
    EXPECT_FALSE(tender_id_list_contains(list, ',', "id1"));
    EXPECT_TRUE(tender_id_list_contains(list, ',', "id4"));
    EXPECT_FALSE(tender_id_list_contains(list, ',', "id"));
    EXPECT_FALSE(tender_id_list_contains(list, ',', ""));
    // A repeat changes nothing.
    EXPECT_EQ(tender_id_list_add(list, sizeof list, ',', 3, "id4"), 0);
    EXPECT_STREQ(list, "id3,id4,id5");
}

TEST(SdkIdList, KeepsWithinItsBytesAndRefusesBadIds)
{
    char list[12] = "";
    EXPECT_EQ(tender_id_list_add(list, sizeof list, '_', 100, "aaaa"), 1);
    EXPECT_EQ(tender_id_list_add(list, sizeof list, '_', 100, "bbbb"), 1);
    EXPECT_STREQ(list, "aaaa_bbbb");
    EXPECT_EQ(tender_id_list_add(list, sizeof list, '_', 100, "cccc"), 1);
    EXPECT_STREQ(list, "bbbb_cccc");
    EXPECT_EQ(tender_id_list_add(list, sizeof list, '_', 100, "x_y"), -1);
    EXPECT_EQ(tender_id_list_add(list, sizeof list, '_', 100, ""), -1);
    EXPECT_EQ(tender_id_list_add(list, sizeof list, '_', 100, "123456789012"), -1);
    EXPECT_STREQ(list, "bbbb_cccc");
    EXPECT_EQ(tender_id_list_count("", '_'), 0u);
}

TEST(SdkIdList, AmountsAreFoundAndNeverDropped)
{
    char list[32] = "";
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 3, "r1", 500), 1);
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 3, "r2", 0), 1);
    EXPECT_STREQ(list, "r1:500;r2:0");
    EXPECT_EQ(tender_id_list_amount(list, ';', ':', "r1"), 500);
    EXPECT_EQ(tender_id_list_amount(list, ';', ':', "r2"), 0);
    EXPECT_EQ(tender_id_list_amount(list, ';', ':', "r"), -1);
    EXPECT_EQ(tender_id_list_amount(list, ';', ':', ""), -1);
    // A repeat keeps the first amount.
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 3, "r1", 7), 0);
    EXPECT_EQ(tender_id_list_amount(list, ';', ':', "r1"), 500);
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 3, "r3", 1), 1);
    // Full by count, then by bytes: refused, nothing dropped.
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 3, "r4", 1), -1);
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 10, "a-long-id-here", 1), -1);
    EXPECT_STREQ(list, "r1:500;r2:0;r3:1");
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 10, "x;y", 1), -1);
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 10, "x:y", 1), -1);
    EXPECT_EQ(tender_id_list_add_amount(list, sizeof list, ';', ':', 10, "x", -1), -1);
}
