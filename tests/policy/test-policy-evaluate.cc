#include <gtest/gtest.h>
TEST(PolicyEvaluate, Placeholder) {}
