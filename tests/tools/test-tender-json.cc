// The JSON text writer (core/json-text) and the payment written with it
// (tools/tender-json.c): tenderd's answers must stay byte for byte what
// json_to_string() printed for the JsonBuilder trees they replace, so each
// test builds the tree json-glib's way and compares the text.
#include <gtest/gtest.h>

#include <string>

#include <json-glib/json-glib.h>

#include "json-text.h"
#include "tender-json.h"

namespace {

std::string tree_text(JsonNode *node, bool pretty)
{
    char *text = json_to_string(node, pretty);
    std::string s(text);
    g_free(text);
    return s;
}

// Strings that need every kind of escape, and some that need none. Not
// 0x1f: json-glib 1.6 lets it through raw, which JSON forbids; the writer
// escapes it (UnitSeparatorIsEscaped).
const char *const kAwkward = "q\"b\\s/\b\f\n\r\t\x01\x1e\x7f <é> 支付 end";

// The same document through the writer and through a JsonBuilder.
std::string written(bool pretty)
{
    GString *out = g_string_new(nullptr);
    JsonTextWriter w;
    json_text_writer_init(&w, out, pretty);
    json_text_begin_object(&w, nullptr);
    json_text_string(&w, "plain", "abc");
    json_text_string(&w, "awkward", kAwkward);
    json_text_string(&w, "empty", "");
    json_text_string(&w, "none", nullptr);
    json_text_null(&w, "null");
    json_text_int(&w, "negative", G_MININT64);
    json_text_int(&w, "big", G_MAXINT64);
    json_text_boolean(&w, "yes", TRUE);
    json_text_boolean(&w, "no", FALSE);
    json_text_begin_object(&w, "empty_object");
    json_text_end_object(&w);
    json_text_begin_array(&w, "empty_array");
    json_text_end_array(&w);
    json_text_begin_array(&w, "list");
    json_text_begin_object(&w, nullptr);
    json_text_int(&w, "seq", 1);
    json_text_begin_object(&w, "inner");
    json_text_end_object(&w);
    json_text_end_object(&w);
    json_text_begin_object(&w, nullptr);
    json_text_end_object(&w);
    json_text_string(&w, nullptr, "x");
    json_text_begin_array(&w, nullptr);
    json_text_int(&w, nullptr, 0);
    json_text_end_array(&w);
    json_text_end_array(&w);
    json_text_string(&w, kAwkward, "an awkward name");
    json_text_end_object(&w);
    EXPECT_EQ(w.depth, 0u);
    std::string text(out->str, out->len);
    g_string_free(out, TRUE);
    return text;
}

JsonNode *built()
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "plain");
    json_builder_add_string_value(b, "abc");
    json_builder_set_member_name(b, "awkward");
    json_builder_add_string_value(b, kAwkward);
    json_builder_set_member_name(b, "empty");
    json_builder_add_string_value(b, "");
    json_builder_set_member_name(b, "none");
    json_builder_add_null_value(b);
    json_builder_set_member_name(b, "null");
    json_builder_add_null_value(b);
    json_builder_set_member_name(b, "negative");
    json_builder_add_int_value(b, G_MININT64);
    json_builder_set_member_name(b, "big");
    json_builder_add_int_value(b, G_MAXINT64);
    json_builder_set_member_name(b, "yes");
    json_builder_add_boolean_value(b, TRUE);
    json_builder_set_member_name(b, "no");
    json_builder_add_boolean_value(b, FALSE);
    json_builder_set_member_name(b, "empty_object");
    json_builder_begin_object(b);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "empty_array");
    json_builder_begin_array(b);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "list");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "seq");
    json_builder_add_int_value(b, 1);
    json_builder_set_member_name(b, "inner");
    json_builder_begin_object(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    json_builder_begin_object(b);
    json_builder_end_object(b);
    json_builder_add_string_value(b, "x");
    json_builder_begin_array(b);
    json_builder_add_int_value(b, 0);
    json_builder_end_array(b);
    json_builder_end_array(b);
    json_builder_set_member_name(b, kAwkward);
    json_builder_add_string_value(b, "an awkward name");
    json_builder_end_object(b);
    JsonNode *node = json_builder_get_root(b);
    g_object_unref(b);
    return node;
}

TEST(JsonText, PrettyIsWhatJsonGlibPrints)
{
    JsonNode *node = built();
    EXPECT_EQ(written(true), tree_text(node, true));
    json_node_unref(node);
}

TEST(JsonText, CompactIsWhatJsonGlibPrints)
{
    JsonNode *node = built();
    EXPECT_EQ(written(false), tree_text(node, false));
    json_node_unref(node);
}

TEST(JsonText, EscapedStringParsesBack)
{
    GString *out = g_string_new(nullptr);
    json_text_append_escaped(out, kAwkward);
    JsonNode *string_node = json_node_init_string(json_node_alloc(), kAwkward);
    EXPECT_EQ(std::string(out->str), tree_text(string_node, false));
    json_node_unref(string_node);
    JsonNode *node = json_from_string(out->str, nullptr);
    ASSERT_NE(node, nullptr);
    EXPECT_STREQ(json_node_get_string(node), kAwkward);
    json_node_unref(node);
    g_string_free(out, TRUE);
}

// Deeper than the writer's one run of spaces (16 levels).
TEST(JsonText, DeepNestingIsIndentedAsJsonGlibIndents)
{
    GString *out = g_string_new(nullptr);
    JsonTextWriter w;
    json_text_writer_init(&w, out, TRUE);
    JsonBuilder *b = json_builder_new();
    json_text_begin_object(&w, nullptr);
    json_builder_begin_object(b);
    for (int i = 0; i < 20; i++) {
        json_text_begin_object(&w, "n");
        json_builder_set_member_name(b, "n");
        json_builder_begin_object(b);
    }
    json_text_int(&w, "leaf", 1);
    json_builder_set_member_name(b, "leaf");
    json_builder_add_int_value(b, 1);
    for (int i = 0; i <= 20; i++) {
        json_text_end_object(&w);
        json_builder_end_object(b);
    }
    JsonNode *node = json_builder_get_root(b);
    EXPECT_EQ(std::string(out->str), tree_text(node, true));
    json_node_unref(node);
    g_object_unref(b);
    g_string_free(out, TRUE);
}

TEST(JsonText, UnitSeparatorIsEscaped)
{
    GString *out = g_string_new(nullptr);
    json_text_append_escaped(out, "a\x1f" "b");
    EXPECT_STREQ(out->str, "\"a\\u001fb\"");
    JsonNode *node = json_from_string(out->str, nullptr);
    ASSERT_NE(node, nullptr);
    EXPECT_STREQ(json_node_get_string(node), "a\x1f" "b");
    json_node_unref(node);
    g_string_free(out, TRUE);
}

// A payment with every optional part: an action, a decline, display data,
// converted amounts and operations, and awkward text in plugin-given fields.
TenderPayment full_payment(GPtrArray *operations)
{
    TenderPayment p = {};
    p.id = (char *)"pay_1";
    p.method = (char *)"card";
    p.account = (char *)"acct \"7\"";
    p.tier = (char *)"";
    p.region = (char *)"US";
    p.currency = (char *)"USD";
    p.exponent = 2;
    p.status = TENDER_STATUS_REQUIRES_ACTION;
    p.amount = 12345;
    p.captured = 0;
    p.refunded = -1;
    p.fee = 30;
    p.processor_ref = (char *)"ch_9";
    p.idempotency_key = (char *)"k\n1";
    p.action_kind = TENDER_ACTION_REDIRECT;
    p.action_data = (char *)"https://example.test/?a=1&b=<2>";
    p.action_hint = nullptr;
    p.action_expires_ms = 1764000000000;
    p.decline_code = TENDER_DECLINE_DO_NOT_HONOR;
    p.decline_raw_code = (char *)"05";
    p.decline_message = (char *)kAwkward;
    p.brand = (char *)"visa";
    p.first6 = (char *)"424242";
    p.last4 = (char *)"4242";
    p.issuer_country = (char *)"GB";
    p.details = (char *)"{\"x\":1}";
    p.created_ms = 1764000000123;
    p.updated_ms = 1764000001999;
    p.hold_expires_ms = 0;
    p.operations = operations;
    p.order_currency = (char *)"JPY";
    p.order_amount = 1900;
    p.order_exponent = 0;
    p.exchange_rate = (char *)"1 USD = 154 JPY as of 2026-11-01";
    p.effective_tier = (char *)"gold";
    return p;
}

// What the payment's text must parse back to, checked field by field where
// the types matter (numbers stay numbers, null stays null).
TEST(TenderJsonPayment, TextIsPrettyTreeText)
{
    TenderOperation op = {};
    op.seq = 3;
    op.kind = (char *)"authorize";
    op.amount = 12345;
    op.outcome = (char *)"approved";
    op.message = (char *)kAwkward;
    op.status_after = (char *)"requires_action";
    op.created_ms = 1764000000500;
    op.attempts = 2;
    GPtrArray *ops = g_ptr_array_new();
    g_ptr_array_add(ops, &op);
    GPtrArray *none = g_ptr_array_new();

    TenderPayment variants[] = {full_payment(ops), full_payment(none), full_payment(nullptr),
                                full_payment(ops)};
    variants[3].status = TENDER_STATUS_DECLINED;
    variants[3].order_currency = nullptr;
    variants[3].decline_code = TENDER_DECLINE_NONE;
    variants[3].first6 = nullptr;
    for (const TenderPayment &p : variants) {
        gsize length = 0;
        char *text = tender_json_payment_text(&p, TRUE, &length);
        EXPECT_EQ(length, strlen(text));
        JsonNode *tree = tender_json_payment(&p);
        EXPECT_EQ(std::string(text), tree_text(tree, true));
        char *compact = tender_json_payment_text(&p, FALSE, nullptr);
        EXPECT_EQ(std::string(compact), tree_text(tree, false));

        JsonObject *o = json_node_get_object(tree);
        EXPECT_STREQ(json_object_get_string_member(o, "amount"), "123.45");
        EXPECT_STREQ(json_object_get_string_member(o, "account"), "acct \"7\"");
        EXPECT_TRUE(json_object_get_null_member(o, "tier"));
        EXPECT_STREQ(json_object_get_string_member(o, "created_at"), "2025-11-24T16:00:00Z");
        EXPECT_TRUE(json_object_get_null_member(o, "hold_expires_at"));
        EXPECT_EQ(json_object_get_boolean_member(o, "operations_included"),
                  p.operations != nullptr);
        if (p.operations && p.operations->len) {
            JsonArray *a = json_object_get_array_member(o, "operations");
            JsonObject *first = json_array_get_object_element(a, 0);
            EXPECT_EQ(json_node_get_value_type(json_object_get_member(first, "seq")), G_TYPE_INT64);
            EXPECT_EQ(json_object_get_int_member(first, "seq"), 3);
            EXPECT_EQ(json_object_get_int_member(first, "attempts"), 2);
            EXPECT_STREQ(json_object_get_string_member(first, "message"), kAwkward);
        }
        if (p.decline_code) {
            JsonObject *d = json_object_get_object_member(o, "decline");
            EXPECT_EQ(json_node_get_value_type(json_object_get_member(d, "retryable")),
                      G_TYPE_BOOLEAN);
            EXPECT_STREQ(json_object_get_string_member(d, "message"), kAwkward);
        } else {
            EXPECT_TRUE(json_object_get_null_member(o, "decline"));
        }
        json_node_unref(tree);
        g_free(compact);
        g_free(text);
    }
    g_ptr_array_unref(ops);
    g_ptr_array_unref(none);
}

// A plugin's text that is not UTF-8 cannot go into a tree as it is: the tree
// gets U+FFFD for it rather than the command failing.
TEST(TenderJsonPayment, TreeSurvivesTextThatIsNotUtf8)
{
    TenderPayment p = full_payment(nullptr);
    p.decline_message = (char *)"caf\xe9";
    JsonNode *tree = tender_json_payment(&p);
    ASSERT_NE(tree, nullptr);
    JsonObject *d = json_object_get_object_member(json_node_get_object(tree), "decline");
    EXPECT_STREQ(json_object_get_string_member(d, "message"), "caf\xef\xbf\xbd");
    json_node_unref(tree);
}

} // namespace
