/* The names of the ABI's frozen enumerations (see <tender/sdk-names.h>).
 * Tables indexed by value; a value appended to plugin.h gets its name here
 * in the same change (tests/sdk checks every value up to each *_LAST_). */
#include <tender/sdk.h>

#include <string.h>

static const char *const outcome_names[] = {
    [TENDER_OUTCOME_INVALID] = "invalid",   [TENDER_OUTCOME_APPROVED] = "approved",
    [TENDER_OUTCOME_DECLINED] = "declined", [TENDER_OUTCOME_ACTION_REQUIRED] = "action_required",
    [TENDER_OUTCOME_PENDING] = "pending",   [TENDER_OUTCOME_NOT_SENT] = "not_sent",
    [TENDER_OUTCOME_UNKNOWN] = "unknown",
};

static const char *const action_names[] = {
    [TENDER_ACTION_NONE] = "none",           [TENDER_ACTION_REDIRECT] = "redirect",
    [TENDER_ACTION_QR_CODE] = "qr_code",     [TENDER_ACTION_ONE_TIME_CODE] = "one_time_code",
    [TENDER_ACTION_APPROVAL] = "approval",   [TENDER_ACTION_PROTECTION_CODE] = "protection_code",
    [TENDER_ACTION_REFERENCE] = "reference",
};

static const char *const operation_names[] = {
    [0] = NULL,
    [TENDER_OP_AUTHORIZE] = "authorize",
    [TENDER_OP_PURCHASE] = "purchase",
    [TENDER_OP_CAPTURE] = "capture",
    [TENDER_OP_VOID] = "void",
    [TENDER_OP_REFUND] = "refund",
    [TENDER_OP_SYNC] = "sync",
    [TENDER_OP_COMPLETE_ACTION] = "complete_action",
    [TENDER_OP_NOTIFICATION] = "notification",
    [TENDER_OP_DESCRIBE_INSTRUMENT] = "describe_instrument",
    [TENDER_OP_REAUTHORIZE] = "reauthorize",
};

static const char *const event_names[] = {
    [TENDER_EVENT_NONE] = "none",
    [TENDER_EVENT_AUTHORIZED] = "authorized",
    [TENDER_EVENT_CAPTURED] = "captured",
    [TENDER_EVENT_REFUNDED] = "refunded",
    [TENDER_EVENT_VOIDED] = "voided",
    [TENDER_EVENT_DECLINED] = "declined",
    [TENDER_EVENT_EXPIRED] = "expired",
    [TENDER_EVENT_PENDING] = "pending",
    [TENDER_EVENT_ACTION_REQUIRED] = "action_required",
};

static const char *const log_level_names[] = {
    [0] = NULL,
    [TENDER_LOG_ERROR] = "error",
    [TENDER_LOG_WARNING] = "warning",
    [TENDER_LOG_INFO] = "info",
    [TENDER_LOG_DEBUG] = "debug",
};

/* Capabilities are bits: index i names bit 1 << i. */
static const char *const capability_names[] = {
    "authorize", "purchase",       "capture", "partial_capture", "multi_capture", "void",
    "refund",    "partial_refund", "sync",    "complete_action", "notification",  "thread_safe",
    "step_up",   "void_remainder", "reauthorize",
};

typedef struct {
    tender_enum_kind kind;
    const char *const *names;
    size_t n;
} name_table_;

#define NAME_TABLE_(kind, t)                                                                       \
    {                                                                                              \
        (kind), (t), sizeof(t) / sizeof((t)[0])                                                    \
    }

/* Decline names live in <tender/decline.h>, not here. */
static const name_table_ name_tables_[] = {
    NAME_TABLE_(TENDER_ENUM_OUTCOME, outcome_names),
    NAME_TABLE_(TENDER_ENUM_ACTION, action_names),
    NAME_TABLE_(TENDER_ENUM_OPERATION, operation_names),
    NAME_TABLE_(TENDER_ENUM_EVENT, event_names),
    NAME_TABLE_(TENDER_ENUM_LOG_LEVEL, log_level_names),
    NAME_TABLE_(TENDER_ENUM_CAPABILITY, capability_names),
};

static name_table_ table_of_(tender_enum_kind kind)
{
    for (size_t i = 0; i < sizeof name_tables_ / sizeof name_tables_[0]; i++)
        if (name_tables_[i].kind == kind)
            return name_tables_[i];
    return (name_table_){kind, NULL, 0};
}

const char *tender_enum_name(tender_enum_kind kind, uint64_t value)
{
    if (kind == TENDER_ENUM_DECLINE)
        /* decline.h owns the decline names; an unknown code has none here
         * (tender_decline_lookup would read it as do_not_honor). */
        return value <= TENDER_DECLINE_LAST_ ? tender_decline_lookup((uint32_t)value)->name : NULL;
    name_table_ t = table_of_(kind);
    if (kind == TENDER_ENUM_CAPABILITY) {
        /* Exactly one bit. */
        if (value == 0 || (value & (value - 1)) != 0)
            return NULL;
        size_t bit = 0;
        while ((value >> bit) != 1)
            bit++;
        return bit < t.n ? t.names[bit] : NULL;
    }
    return value < t.n ? t.names[value] : NULL;
}

int tender_enum_value(tender_enum_kind kind, const char *name, uint64_t *value)
{
    if (name == NULL || value == NULL)
        return 0;
    if (kind == TENDER_ENUM_DECLINE) {
        int code = tender_decline_from_name(name);
        if (code < 0)
            return 0;
        *value = (uint64_t)code;
        return 1;
    }
    name_table_ t = table_of_(kind);
    for (size_t i = 0; i < t.n; i++) {
        if (t.names[i] != NULL && strcmp(t.names[i], name) == 0) {
            *value = kind == TENDER_ENUM_CAPABILITY ? (uint64_t)1 << i : (uint64_t)i;
            return 1;
        }
    }
    return 0;
}
