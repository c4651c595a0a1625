/* Names of the ABI's frozen enumerations, as stable snake_case words for
 * logs, details lines, plugin_state and JSON: one table per enum, so no
 * plugin spells them on its own. Part of libtender-sdk (plain C99, libc).
 *
 * The words are the ones the host prints (`tender --json`), e.g. outcome
 * "action_required", action "one_time_code", capability "partial_refund".
 *
 * Thread-safety: every function reads constant tables only.
 */
#ifndef TENDER_SDK_NAMES_H
#define TENDER_SDK_NAMES_H

#include <stdint.h>

#include <tender/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which frozen enumeration a name belongs to. */
typedef enum tender_enum_kind {
    TENDER_ENUM_OUTCOME = 1,    /* tender_outcome */
    TENDER_ENUM_DECLINE = 2,    /* tender_decline_code (the names of <tender/decline.h>) */
    TENDER_ENUM_ACTION = 3,     /* tender_action_kind */
    TENDER_ENUM_OPERATION = 4,  /* tender_operation */
    TENDER_ENUM_EVENT = 5,      /* tender_event */
    TENDER_ENUM_CAPABILITY = 6, /* tender_capability: one bit at a time */
    TENDER_ENUM_LOG_LEVEL = 7   /* tender_log_level */
} tender_enum_kind;

/* The name of `value` in enumeration `kind`, a static string; NULL when the
 * value is not one this SDK knows (a newer peer's: the caller picks the
 * safest meaning, as plugin.h says). For TENDER_ENUM_CAPABILITY, value is a
 * single bit. */
const char *tender_enum_name(tender_enum_kind kind, uint64_t value);

/* The value named `name` in enumeration `kind`: returns 1 and sets *value,
 * or 0 when no value has that name (names are matched exactly). */
int tender_enum_value(tender_enum_kind kind, const char *name, uint64_t *value);

#ifdef __cplusplus
}
#endif

#endif /* TENDER_SDK_NAMES_H */
