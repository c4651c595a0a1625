/* The version and size-check helpers of core/abi-check.c: which versions
 * load, the ABI 1.0 minimum sizes (frozen, whatever later minors append),
 * and the size-checked way to reach an operation. */
#include <gtest/gtest.h>

#include <string>

#include "loader.h"

namespace {

void op_a(void *, const tender_request *, tender_result *) {}
void op_b(void *, const tender_request *, tender_result *) {}

std::string version_reason(guint32 major, guint32 minor, gboolean *ok)
{
    char *reason = nullptr;
    *ok = abi_check_version(major, minor, &reason);
    std::string r = reason ? reason : "";
    g_free(reason);
    return r;
}

} // namespace

TEST(AbiCheck, MinimumSizesOfAbi10AreFrozen)
{
    /* These never change: they are what a 1.0 plugin built. A later minor
     * grows sizeof(), never these. */
    EXPECT_EQ(TENDER_ABI_1_0_DESCRIPTOR_SIZE, 64u);
    EXPECT_EQ(TENDER_ABI_1_0_METHOD_SIZE, 144u);
    EXPECT_EQ(TENDER_ABI_1_0_OPS_SIZE, 112u);
}

TEST(AbiCheck, SameMajorOlderOrEqualMinorLoads)
{
    for (guint32 minor = 0; minor <= TENDER_ABI_MINOR; minor++) {
        gboolean ok = FALSE;
        std::string r = version_reason(TENDER_ABI_MAJOR, minor, &ok);
        EXPECT_TRUE(ok) << "1." << minor << ": " << r;
        EXPECT_EQ(r, "");
    }
    EXPECT_TRUE(abi_check_version(TENDER_ABI_MAJOR, TENDER_ABI_MINOR, nullptr));
}

TEST(AbiCheck, NewerMinorIsRefusedNamingBothVersions)
{
    gboolean ok = TRUE;
    std::string r = version_reason(TENDER_ABI_MAJOR, TENDER_ABI_MINOR + 1, &ok);
    EXPECT_FALSE(ok);
    std::string plugin_v = std::to_string(TENDER_ABI_MAJOR) + "." +
                           std::to_string(TENDER_ABI_MINOR + 1);
    std::string host_v = std::to_string(TENDER_ABI_MAJOR) + "." + std::to_string(TENDER_ABI_MINOR);
    EXPECT_NE(r.find("built for Tender ABI " + plugin_v + ", this host speaks " + host_v),
              std::string::npos)
        << r;
    r = version_reason(1, 99, &ok);
    EXPECT_FALSE(ok);
    EXPECT_NE(r.find("1.99"), std::string::npos) << r;
}

TEST(AbiCheck, OtherMajorIsRefusedNamingBothVersions)
{
    gboolean ok = TRUE;
    std::string r = version_reason(2, 0, &ok);
    EXPECT_FALSE(ok);
    std::string host_v = std::to_string(TENDER_ABI_MAJOR) + "." + std::to_string(TENDER_ABI_MINOR);
    EXPECT_NE(r.find("built for Tender ABI 2.0, this host speaks " + host_v), std::string::npos)
        << r;
    r = version_reason(0, 9, &ok);
    EXPECT_FALSE(ok);
    EXPECT_NE(r.find("0.9"), std::string::npos) << r;
    EXPECT_FALSE(abi_check_version(2, 0, nullptr));
}

class OperationFn : public ::testing::Test {
protected:
    void SetUp() override
    {
        ops = {};
        ops.struct_size = sizeof ops;
        ops.authorize = op_a;
        ops.purchase = op_a;
        ops.capture = op_a;
        ops.void_payment = op_a;
        ops.refund = op_a;
        ops.sync = op_a;
        ops.complete_action = op_a;
        ops.identify_notification = op_b;
        ops.notification = op_a;
        method = {};
        method.struct_size = sizeof method;
        method.capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_PURCHASE | TENDER_CAP_CAPTURE |
                              TENDER_CAP_VOID | TENDER_CAP_REFUND | TENDER_CAP_SYNC |
                              TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_NOTIFICATION;
        method.ops = &ops;
    }
    tender_method_ops ops;
    tender_method method;
};

TEST_F(OperationFn, DeclaredOperationsAreReached)
{
    for (int op = TENDER_OP_AUTHORIZE; op <= TENDER_OP_NOTIFICATION; op++)
        EXPECT_EQ(abi_operation_fn(&method, (tender_operation)op), &op_a) << op;
    EXPECT_EQ(abi_identify_fn(&method), &op_b);
}

TEST_F(OperationFn, UndeclaredCapabilityGivesNull)
{
    method.capabilities = TENDER_CAP_AUTHORIZE;
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_AUTHORIZE), &op_a);
    for (int op = TENDER_OP_PURCHASE; op <= TENDER_OP_NOTIFICATION; op++)
        EXPECT_EQ(abi_operation_fn(&method, (tender_operation)op), nullptr) << op;
    EXPECT_EQ(abi_identify_fn(&method), nullptr);
}

TEST_F(OperationFn, ShortOpsTableGivesNullBeyondItsEnd)
{
    /* An older plugin's table ending after capture: the slots past its end
     * hold something (here a valid function), but must not be read. */
    ops.struct_size = (uint32_t)(offsetof(tender_method_ops, capture) + sizeof(void *));
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_CAPTURE), &op_a);
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_VOID), nullptr);
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_REFUND), nullptr);
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_NOTIFICATION), nullptr);
    EXPECT_EQ(abi_identify_fn(&method), nullptr);
    EXPECT_EQ(abi_fixtures_fn(&method), nullptr);
    EXPECT_EQ(abi_sandbox_notification_fn(&method), nullptr);
}

TEST_F(OperationFn, EmptySlotGivesNull)
{
    ops.refund = nullptr;
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_REFUND), nullptr);
}

TEST_F(OperationFn, ShortMethodOrNoOpsGivesNull)
{
    method.struct_size = (uint32_t)offsetof(tender_method, ops);
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_AUTHORIZE), nullptr);
    method.struct_size = sizeof method;
    method.ops = nullptr;
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_AUTHORIZE), nullptr);
    EXPECT_EQ(abi_operation_fn(nullptr, TENDER_OP_AUTHORIZE), nullptr);
    EXPECT_EQ(abi_fixtures_fn(nullptr), nullptr);
}

TEST_F(OperationFn, UnknownOperationGivesNull)
{
    EXPECT_EQ(abi_operation_fn(&method, (tender_operation)0), nullptr);
    EXPECT_EQ(abi_operation_fn(&method, (tender_operation)99), nullptr);
}

TEST_F(OperationFn, SandboxSlotsNeedNoCapability)
{
    EXPECT_EQ(abi_fixtures_fn(&method), nullptr);
    auto fixtures = [](size_t *n) -> const tender_fixture * {
        *n = 0;
        return nullptr;
    };
    ops.sandbox_fixtures = fixtures;
    EXPECT_NE(abi_fixtures_fn(&method), nullptr);
}

// describe_instrument (1.1) is reached only when the plugin's ops are long
// enough to hold it: a 1.0 plugin's ops end before the slot, and whatever
// lies past them is never read.
// reauthorize (1.2) needs its capability and a table that holds its slot.
TEST_F(OperationFn, ReauthorizeNeedsCapabilityAndStructSize)
{
    auto reauthorize = [](void *, const tender_request *, tender_result *) {};
    ops.reauthorize = reauthorize;
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_REAUTHORIZE), nullptr);
    method.capabilities |= TENDER_CAP_REAUTHORIZE;
    EXPECT_NE(abi_operation_fn(&method, TENDER_OP_REAUTHORIZE), nullptr);
    ops.struct_size = (uint32_t)(offsetof(tender_method_ops, describe_instrument) + sizeof(void *));
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_REAUTHORIZE), nullptr);
    ops.struct_size = sizeof ops;
    ops.reauthorize = nullptr;
    EXPECT_EQ(abi_operation_fn(&method, TENDER_OP_REAUTHORIZE), nullptr);
}

TEST_F(OperationFn, DescribeInstrumentOnlyWithinStructSize)
{
    auto describe = [](void *, const tender_request *, tender_result *) {};
    ops.describe_instrument = describe;
    EXPECT_NE(abi_describe_instrument_fn(&method), nullptr);
    ops.struct_size = (uint32_t)(offsetof(tender_method_ops, sandbox_notification) + sizeof(void *));
    EXPECT_EQ(abi_describe_instrument_fn(&method), nullptr);
    ops.struct_size = sizeof ops;
    ops.describe_instrument = nullptr;
    EXPECT_EQ(abi_describe_instrument_fn(&method), nullptr);
}
