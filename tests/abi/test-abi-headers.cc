/* Every public header compiles on its own, as C99 and as C++. The real test
 * is the build: tests/abi/meson.build generates one translation unit per
 * header and language that includes that header alone (C99 with -pedantic
 * for the sdk headers, which promise plain C99 and libc only). This test
 * makes sure each of them was linked in and runs. */
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "header-calls.h"

TEST(AbiHeaders, EachHeaderAloneInCAndCxx)
{
    std::set<std::string> seen;
    for (const auto &call : header_alone_calls) {
        EXPECT_EQ(call.fn(), 1) << call.name;
        seen.insert(call.name);
    }
    const char *headers[] = {"plugin", "decline",  "sdk",          "sdk_names",
                             "sdk_state", "tender", "money", "testhost",
                             "http_metrics", "http_transport"};
    for (const char *h : headers) {
        EXPECT_TRUE(seen.count(std::string("tender_header_alone_c_") + h)) << h << " as C99";
        EXPECT_TRUE(seen.count(std::string("tender_header_alone_cc_") + h)) << h << " as C++";
    }
    EXPECT_EQ(seen.size(), 20u);
}
