// Entry point of the policy-host test programs: GoogleTest, or the child
// process of the process race (policy-host-child.cc).
#include <gtest/gtest.h>

#include "policy-host-support.h"

int main(int argc, char **argv)
{
    int exit_code = 0;
    if (ph::run_child_if_asked(argc, argv, &exit_code))
        return exit_code;
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
