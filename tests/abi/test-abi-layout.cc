/* Freezes the layout of ABI 1.0 on x86-64: the size and every field offset of
 * every struct in <tender/plugin.h>, the numbers of every enum and the sizes
 * of the result fields. The numbers are literals on purpose: a change that
 * moves a field, even one that "looks harmless", must fail here, because a
 * plugin built last year reads the old offsets. Appending a field in a later
 * minor changes sizeof only; update the sizeof line and say so in
 * docs/abi.md, never an offset. */
#include <gtest/gtest.h>

#include <cstddef>

#include <tender/plugin.h>

#if defined(__x86_64__) && defined(__LP64__)

TEST(AbiLayout, tender_param)
{
    EXPECT_EQ(sizeof(struct tender_param), 16u);
    EXPECT_EQ(offsetof(struct tender_param, key), 0u);
    EXPECT_EQ(offsetof(struct tender_param, value), 8u);
}

TEST(AbiLayout, tender_currency_fact)
{
    EXPECT_EQ(sizeof(struct tender_currency_fact), 48u);
    EXPECT_EQ(offsetof(struct tender_currency_fact, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_currency_fact, code), 8u);
    EXPECT_EQ(offsetof(struct tender_currency_fact, exponent), 16u);
    EXPECT_EQ(offsetof(struct tender_currency_fact, min_amount), 24u);
    EXPECT_EQ(offsetof(struct tender_currency_fact, max_amount), 32u);
    EXPECT_EQ(offsetof(struct tender_currency_fact, home_region), 40u);
}

TEST(AbiLayout, tender_param_spec)
{
    EXPECT_EQ(sizeof(struct tender_param_spec), 32u);
    EXPECT_EQ(offsetof(struct tender_param_spec, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_param_spec, name), 8u);
    EXPECT_EQ(offsetof(struct tender_param_spec, flags), 16u);
    EXPECT_EQ(offsetof(struct tender_param_spec, description), 24u);
}

TEST(AbiLayout, tender_host_services)
{
    EXPECT_EQ(sizeof(struct tender_host_services), 88u); /* 1.0: 72 */
    EXPECT_EQ(offsetof(struct tender_host_services, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_host_services, abi_major), 4u);
    EXPECT_EQ(offsetof(struct tender_host_services, abi_minor), 8u);
    EXPECT_EQ(offsetof(struct tender_host_services, host_data), 16u);
    EXPECT_EQ(offsetof(struct tender_host_services, log), 24u);
    EXPECT_EQ(offsetof(struct tender_host_services, now_ms), 32u);
    EXPECT_EQ(offsetof(struct tender_host_services, random_bytes), 40u);
    EXPECT_EQ(offsetof(struct tender_host_services, config_string), 48u);
    /* Appended in 1.1. */
    EXPECT_EQ(offsetof(struct tender_host_services, http), 72u);
    EXPECT_EQ(offsetof(struct tender_host_services, http_release), 80u);
    EXPECT_EQ(offsetof(struct tender_host_services, config_int64), 56u);
    EXPECT_EQ(offsetof(struct tender_host_services, config_bool), 64u);
}

TEST(AbiLayout, tender_request)
{
    EXPECT_EQ(sizeof(struct tender_request), 176u);
    EXPECT_EQ(offsetof(struct tender_request, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_request, operation), 4u);
    EXPECT_EQ(offsetof(struct tender_request, flags), 8u);
    EXPECT_EQ(offsetof(struct tender_request, attempt), 12u);
    EXPECT_EQ(offsetof(struct tender_request, payment_id), 16u);
    EXPECT_EQ(offsetof(struct tender_request, request_id), 24u);
    EXPECT_EQ(offsetof(struct tender_request, amount), 32u);
    EXPECT_EQ(offsetof(struct tender_request, currency), 40u);
    EXPECT_EQ(offsetof(struct tender_request, exponent), 48u);
    EXPECT_EQ(offsetof(struct tender_request, region), 56u);
    EXPECT_EQ(offsetof(struct tender_request, account), 64u);
    EXPECT_EQ(offsetof(struct tender_request, tier), 72u);
    EXPECT_EQ(offsetof(struct tender_request, authorized_amount), 80u);
    EXPECT_EQ(offsetof(struct tender_request, captured_amount), 88u);
    EXPECT_EQ(offsetof(struct tender_request, refunded_amount), 96u);
    EXPECT_EQ(offsetof(struct tender_request, plugin_state), 104u);
    EXPECT_EQ(offsetof(struct tender_request, processor_ref), 112u);
    EXPECT_EQ(offsetof(struct tender_request, params), 120u);
    EXPECT_EQ(offsetof(struct tender_request, n_params), 128u);
    EXPECT_EQ(offsetof(struct tender_request, headers), 136u);
    EXPECT_EQ(offsetof(struct tender_request, n_headers), 144u);
    EXPECT_EQ(offsetof(struct tender_request, body), 152u);
    EXPECT_EQ(offsetof(struct tender_request, body_len), 160u);
    EXPECT_EQ(offsetof(struct tender_request, deadline_ms), 168u);
}

TEST(AbiLayout, tender_result)
{
    EXPECT_EQ(sizeof(struct tender_result), 18624u);
    EXPECT_EQ(offsetof(struct tender_result, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_result, outcome), 4u);
    EXPECT_EQ(offsetof(struct tender_result, decline_code), 8u);
    EXPECT_EQ(offsetof(struct tender_result, event), 12u);
    EXPECT_EQ(offsetof(struct tender_result, amount), 16u);
    EXPECT_EQ(offsetof(struct tender_result, raw_code), 24u);
    EXPECT_EQ(offsetof(struct tender_result, message), 88u);
    EXPECT_EQ(offsetof(struct tender_result, processor_ref), 344u);
    EXPECT_EQ(offsetof(struct tender_result, plugin_state), 472u);
    EXPECT_EQ(offsetof(struct tender_result, action_kind), 4568u);
    EXPECT_EQ(offsetof(struct tender_result, action_data), 4572u);
    EXPECT_EQ(offsetof(struct tender_result, action_hint), 6620u);
    EXPECT_EQ(offsetof(struct tender_result, action_expires_ms), 6880u);
    EXPECT_EQ(offsetof(struct tender_result, display_brand), 6888u);
    EXPECT_EQ(offsetof(struct tender_result, display_first6), 6952u);
    EXPECT_EQ(offsetof(struct tender_result, display_last4), 6960u);
    EXPECT_EQ(offsetof(struct tender_result, display_account), 6968u);
    EXPECT_EQ(offsetof(struct tender_result, display_country), 7032u);
    EXPECT_EQ(offsetof(struct tender_result, details), 7036u);
    EXPECT_EQ(offsetof(struct tender_result, notify_payment_id), 7548u);
    EXPECT_EQ(offsetof(struct tender_result, notify_id), 7676u);
    EXPECT_EQ(offsetof(struct tender_result, reply_status), 7804u);
    EXPECT_EQ(offsetof(struct tender_result, reply_content_type), 7808u);
    EXPECT_EQ(offsetof(struct tender_result, reply_body), 7872u);
    EXPECT_EQ(offsetof(struct tender_result, notify_headers), 8384u);
    EXPECT_EQ(offsetof(struct tender_result, notify_body), 10432u);
}

TEST(AbiLayout, tender_fixture)
{
    EXPECT_EQ(sizeof(struct tender_fixture), 104u);
    EXPECT_EQ(offsetof(struct tender_fixture, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_fixture, name), 8u);
    EXPECT_EQ(offsetof(struct tender_fixture, region), 16u);
    EXPECT_EQ(offsetof(struct tender_fixture, currency), 24u);
    EXPECT_EQ(offsetof(struct tender_fixture, amount), 32u);
    EXPECT_EQ(offsetof(struct tender_fixture, tier), 40u);
    EXPECT_EQ(offsetof(struct tender_fixture, params), 48u);
    EXPECT_EQ(offsetof(struct tender_fixture, n_params), 56u);
    EXPECT_EQ(offsetof(struct tender_fixture, expect_outcome), 64u);
    EXPECT_EQ(offsetof(struct tender_fixture, expect_decline), 68u);
    EXPECT_EQ(offsetof(struct tender_fixture, complete_params), 72u);
    EXPECT_EQ(offsetof(struct tender_fixture, n_complete_params), 80u);
    EXPECT_EQ(offsetof(struct tender_fixture, sandbox_event), 88u);
    EXPECT_EQ(offsetof(struct tender_fixture, expect_after_action), 96u);
}

TEST(AbiLayout, tender_method_ops)
{
    EXPECT_EQ(sizeof(struct tender_method_ops), 128u); /* 1.0: 112, 1.1: 120 */
    EXPECT_EQ(offsetof(struct tender_method_ops, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_method_ops, create), 8u);
    EXPECT_EQ(offsetof(struct tender_method_ops, destroy), 16u);
    EXPECT_EQ(offsetof(struct tender_method_ops, authorize), 24u);
    EXPECT_EQ(offsetof(struct tender_method_ops, purchase), 32u);
    EXPECT_EQ(offsetof(struct tender_method_ops, capture), 40u);
    EXPECT_EQ(offsetof(struct tender_method_ops, void_payment), 48u);
    EXPECT_EQ(offsetof(struct tender_method_ops, refund), 56u);
    EXPECT_EQ(offsetof(struct tender_method_ops, sync), 64u);
    EXPECT_EQ(offsetof(struct tender_method_ops, complete_action), 72u);
    EXPECT_EQ(offsetof(struct tender_method_ops, identify_notification), 80u);
    EXPECT_EQ(offsetof(struct tender_method_ops, notification), 88u);
    EXPECT_EQ(offsetof(struct tender_method_ops, sandbox_fixtures), 96u);
    EXPECT_EQ(offsetof(struct tender_method_ops, sandbox_notification), 104u);
    /* Appended in 1.1. */
    EXPECT_EQ(offsetof(struct tender_method_ops, describe_instrument), 112u);
    /* Appended in 1.2. */
    EXPECT_EQ(offsetof(struct tender_method_ops, reauthorize), 120u);
}

TEST(AbiLayout, tender_method)
{
    EXPECT_EQ(sizeof(struct tender_method), 144u);
    EXPECT_EQ(offsetof(struct tender_method, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_method, id), 8u);
    EXPECT_EQ(offsetof(struct tender_method, name), 16u);
    EXPECT_EQ(offsetof(struct tender_method, capabilities), 24u);
    EXPECT_EQ(offsetof(struct tender_method, regions), 32u);
    EXPECT_EQ(offsetof(struct tender_method, currencies), 40u);
    EXPECT_EQ(offsetof(struct tender_method, n_currencies), 48u);
    EXPECT_EQ(offsetof(struct tender_method, params), 56u);
    EXPECT_EQ(offsetof(struct tender_method, n_params), 64u);
    EXPECT_EQ(offsetof(struct tender_method, action_params), 72u);
    EXPECT_EQ(offsetof(struct tender_method, n_action_params), 80u);
    EXPECT_EQ(offsetof(struct tender_method, hold_seconds), 88u);
    EXPECT_EQ(offsetof(struct tender_method, action_timeout_seconds), 96u);
    EXPECT_EQ(offsetof(struct tender_method, over_capture_bps), 104u);
    EXPECT_EQ(offsetof(struct tender_method, over_capture_max_extra), 112u);
    EXPECT_EQ(offsetof(struct tender_method, over_capture_currency), 120u);
    EXPECT_EQ(offsetof(struct tender_method, tiers), 128u);
    EXPECT_EQ(offsetof(struct tender_method, ops), 136u);
}

TEST(AbiLayout, tender_plugin_descriptor)
{
    EXPECT_EQ(sizeof(struct tender_plugin_descriptor), 64u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, struct_size), 0u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, abi_major), 4u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, abi_minor), 8u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, id), 16u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, name), 24u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, version), 32u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, description), 40u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, methods), 48u);
    EXPECT_EQ(offsetof(struct tender_plugin_descriptor, n_methods), 56u);
}

TEST(AbiLayout, EnumNumbersAreFrozen)
{
    EXPECT_EQ((unsigned long long)TENDER_OUTCOME_INVALID, 0ull);
    EXPECT_EQ((unsigned long long)TENDER_OUTCOME_APPROVED, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_OUTCOME_DECLINED, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_OUTCOME_ACTION_REQUIRED, 3ull);
    EXPECT_EQ((unsigned long long)TENDER_OUTCOME_PENDING, 4ull);
    EXPECT_EQ((unsigned long long)TENDER_OUTCOME_NOT_SENT, 5ull);
    EXPECT_EQ((unsigned long long)TENDER_OUTCOME_UNKNOWN, 6ull);
    EXPECT_EQ((unsigned long long)TENDER_OUTCOME_LAST_, 6ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_NONE, 0ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_DO_NOT_HONOR, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_INSUFFICIENT_FUNDS, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_LIMIT_EXCEEDED, 3ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_INVALID_NUMBER, 4ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_INVALID_EXPIRY, 5ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_INVALID_SECURITY_CODE, 6ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_INVALID_ACCOUNT, 7ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_INVALID_AMOUNT, 8ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_EXPIRED_METHOD, 9ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_SUSPECTED_FRAUD, 10ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_SECURITY_CHECK_FAILED, 11ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_LOST_CARD, 12ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_STOLEN_CARD, 13ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_RESTRICTED, 14ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_REGION_NOT_SUPPORTED, 15ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_CURRENCY_NOT_SUPPORTED, 16ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_AUTHENTICATION_REQUIRED, 17ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_AUTHENTICATION_FAILED, 18ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_PROCESSOR_UNAVAILABLE, 19ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_PROCESSING_ERROR, 20ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_AUTHORIZATION_EXPIRED, 21ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_AMOUNT_OUT_OF_RANGE, 22ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_VELOCITY_EXCEEDED, 23ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_INVALID_REQUEST, 24ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_CANCELLED_BY_PAYER, 25ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_ACTION_EXPIRED, 26ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_NOT_PERMITTED, 27ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_DUPLICATE_TRANSACTION, 28ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_OPERATION_NOT_ALLOWED, 29ull);
    EXPECT_EQ((unsigned long long)TENDER_DECLINE_LAST_, 29ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_AUTHORIZE, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_PURCHASE, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_CAPTURE, 4ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_PARTIAL_CAPTURE, 8ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_MULTI_CAPTURE, 16ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_VOID, 32ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_REFUND, 64ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_PARTIAL_REFUND, 128ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_SYNC, 256ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_COMPLETE_ACTION, 512ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_NOTIFICATION, 1024ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_THREAD_SAFE, 2048ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_STEP_UP, 4096ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_VOID_REMAINDER, 8192ull);
    EXPECT_EQ((unsigned long long)TENDER_CAP_REAUTHORIZE, 16384ull);
    EXPECT_EQ((unsigned long long)TENDER_ACTION_NONE, 0ull);
    EXPECT_EQ((unsigned long long)TENDER_ACTION_REDIRECT, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_ACTION_QR_CODE, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_ACTION_ONE_TIME_CODE, 3ull);
    EXPECT_EQ((unsigned long long)TENDER_ACTION_APPROVAL, 4ull);
    EXPECT_EQ((unsigned long long)TENDER_ACTION_PROTECTION_CODE, 5ull);
    EXPECT_EQ((unsigned long long)TENDER_ACTION_REFERENCE, 6ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_AUTHORIZE, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_PURCHASE, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_CAPTURE, 3ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_VOID, 4ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_REFUND, 5ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_SYNC, 6ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_COMPLETE_ACTION, 7ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_NOTIFICATION, 8ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_DESCRIBE_INSTRUMENT, 9ull);
    EXPECT_EQ((unsigned long long)TENDER_OP_REAUTHORIZE, 10ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_NONE, 0ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_AUTHORIZED, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_CAPTURED, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_REFUNDED, 3ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_VOIDED, 4ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_DECLINED, 5ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_EXPIRED, 6ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_PENDING, 7ull);
    EXPECT_EQ((unsigned long long)TENDER_EVENT_ACTION_REQUIRED, 8ull);
    EXPECT_EQ((unsigned long long)TENDER_LOG_ERROR, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_LOG_WARNING, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_LOG_INFO, 3ull);
    EXPECT_EQ((unsigned long long)TENDER_LOG_DEBUG, 4ull);
    EXPECT_EQ((unsigned long long)TENDER_PARAM_REQUIRED, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_PARAM_SENSITIVE, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_REQUEST_STEP_UP, 1ull);
}

TEST(AbiLayout, ResultFieldSizesAreFrozen)
{
    EXPECT_EQ(TENDER_ABI_MAJOR, 1);
    EXPECT_EQ(TENDER_RESULT_CODE_MAX, 64);
    EXPECT_EQ(TENDER_RESULT_MESSAGE_MAX, 256);
    EXPECT_EQ(TENDER_RESULT_REF_MAX, 128);
    EXPECT_EQ(TENDER_RESULT_STATE_MAX, 4096);
    EXPECT_EQ(TENDER_RESULT_ACTION_MAX, 2048);
    EXPECT_EQ(TENDER_RESULT_HINT_MAX, 256);
    EXPECT_EQ(TENDER_RESULT_DISPLAY_MAX, 64);
    EXPECT_EQ(TENDER_RESULT_DETAILS_MAX, 512);
    EXPECT_EQ(TENDER_RESULT_REPLY_MAX, 512);
    EXPECT_EQ(TENDER_RESULT_NOTIFY_HEADERS_MAX, 2048);
    EXPECT_EQ(TENDER_RESULT_NOTIFY_BODY_MAX, 8192);
    EXPECT_EQ(sizeof(((tender_result *)0)->display_first6), 8u);
    EXPECT_EQ(sizeof(((tender_result *)0)->display_last4), 8u);
    EXPECT_EQ(sizeof(((tender_result *)0)->display_country), 4u);
}

TEST(AbiLayout, HttpStructs)
{
    EXPECT_EQ(sizeof(struct tender_http_header), 16u);
    EXPECT_EQ(sizeof(struct tender_http_request), 56u);
    EXPECT_EQ(offsetof(struct tender_http_request, url), 16u);
    EXPECT_EQ(offsetof(struct tender_http_request, body_len), 48u);
    EXPECT_EQ(offsetof(struct tender_http_response, outcome), 4u);
    EXPECT_EQ(offsetof(struct tender_http_response, status), 8u);
    EXPECT_EQ(offsetof(struct tender_http_response, headers), 16u);
    EXPECT_EQ(offsetof(struct tender_http_response, body), 32u);
    EXPECT_EQ(offsetof(struct tender_http_response, message), 48u);
    EXPECT_EQ(offsetof(struct tender_http_response, host_private), 304u);
    EXPECT_EQ(sizeof(struct tender_http_response), 312u);
    EXPECT_EQ((unsigned long long)TENDER_HTTP_RESPONSE, 1ull);
    EXPECT_EQ((unsigned long long)TENDER_HTTP_NOT_SENT, 2ull);
    EXPECT_EQ((unsigned long long)TENDER_HTTP_UNKNOWN, 3ull);
}

TEST(AbiLayout, HasFieldFollowsStructSize)
{
    /* An older peer's short struct must read as "field absent". */
    tender_method_ops ops = {};
    ops.struct_size = (uint32_t)offsetof(tender_method_ops, sandbox_fixtures);
    EXPECT_FALSE(TENDER_HAS_FIELD(&ops, tender_method_ops, sandbox_fixtures));
    EXPECT_TRUE(TENDER_HAS_FIELD(&ops, tender_method_ops, notification));
    /* A 1.0 plugin's ops end at sandbox_notification: no describe_instrument. */
    ops.struct_size = (uint32_t)(offsetof(tender_method_ops, sandbox_notification) + sizeof(void *));
    EXPECT_TRUE(TENDER_HAS_FIELD(&ops, tender_method_ops, sandbox_notification));
    EXPECT_FALSE(TENDER_HAS_FIELD(&ops, tender_method_ops, describe_instrument));
    /* A 1.1 plugin's end at describe_instrument: no reauthorize. */
    ops.struct_size = (uint32_t)(offsetof(tender_method_ops, describe_instrument) + sizeof(void *));
    EXPECT_TRUE(TENDER_HAS_FIELD(&ops, tender_method_ops, describe_instrument));
    EXPECT_FALSE(TENDER_HAS_FIELD(&ops, tender_method_ops, reauthorize));
    ops.struct_size = sizeof ops;
    EXPECT_TRUE(TENDER_HAS_FIELD(&ops, tender_method_ops, describe_instrument));
    EXPECT_TRUE(TENDER_HAS_FIELD(&ops, tender_method_ops, reauthorize));
    const tender_method_ops *none = nullptr;
    EXPECT_FALSE(TENDER_HAS_FIELD(none, tender_method_ops, create));
}

#else

TEST(AbiLayout, FrozenOnlyOnX86_64)
{
    GTEST_SKIP() << "the frozen layout numbers are those of x86-64 (LP64)";
}

#endif
