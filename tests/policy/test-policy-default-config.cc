// The embedded default config is a data resource (issue 11): the text
// tender_config_default_json() returns is data/default-config.json byte for
// byte, it is well-formed JSON, it loads as a valid config, and it is the
// same static string on every call.
#include <gtest/gtest.h>

#include <string>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "policy-test-support.h"

TEST(PolicyDefaultConfig, ResourceIsTheSourceFileByteForByte)
{
    char *source = nullptr;
    gsize length = 0;
    GError *error = nullptr;
    ASSERT_TRUE(g_file_get_contents(TENDER_DEFAULT_CONFIG_SOURCE, &source, &length, &error))
        << (error != nullptr ? error->message : "");
    const char *embedded = tender_config_default_json();
    ASSERT_NE(embedded, nullptr);
    EXPECT_EQ(std::string(embedded), std::string(source, length));
    g_free(source);
    // Static: the same pointer every time, so callers may keep it.
    EXPECT_EQ(tender_config_default_json(), embedded);
}

TEST(PolicyDefaultConfig, ResourceParsesAsJsonAndLoads)
{
    const char *embedded = tender_config_default_json();
    JsonParser *parser = json_parser_new();
    GError *error = nullptr;
    ASSERT_TRUE(json_parser_load_from_data(parser, embedded, -1, &error))
        << (error != nullptr ? error->message : "");
    JsonNode *root = json_parser_get_root(parser);
    ASSERT_NE(root, nullptr);
    ASSERT_TRUE(JSON_NODE_HOLDS_OBJECT(root));
    JsonObject *methods = json_object_get_object_member(json_node_get_object(root), "methods");
    ASSERT_NE(methods, nullptr);
    EXPECT_EQ(json_object_get_size(methods), 4u);
    g_object_unref(parser);

    Loaded l(embedded, "embedded default");
    ASSERT_NE(l.config, nullptr) << l.error;
    for (const char *id : {"card", "alipay", "paypal", "webmoney"})
        EXPECT_NE(config_method(l.config, id), nullptr) << id;
}

TEST(PolicyDefaultConfig, RegisteredUnderTheLibrarysOwnPrefix)
{
    (void)tender_config_default_json();
    GBytes *bytes = g_resources_lookup_data("/org/tender/config/default-config.json",
                                            G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
    ASSERT_NE(bytes, nullptr);
    EXPECT_STREQ((const char *)g_bytes_get_data(bytes, nullptr), tender_config_default_json());
    g_bytes_unref(bytes);
}
