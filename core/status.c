/* The lifecycle's status names and which statuses are final. The rules of
 * moving between statuses live in operations.c, next to the operations. */
#include <string.h>

#include <tender/tender.h>

static const char *const names[] = {
    [TENDER_STATUS_REQUIRES_ACTION] = "requires_action",
    [TENDER_STATUS_PENDING] = "pending",
    [TENDER_STATUS_UNKNOWN] = "unknown",
    [TENDER_STATUS_AUTHORIZED] = "authorized",
    [TENDER_STATUS_PARTIALLY_CAPTURED] = "partially_captured",
    [TENDER_STATUS_CAPTURED] = "captured",
    [TENDER_STATUS_PARTIALLY_REFUNDED] = "partially_refunded",
    [TENDER_STATUS_REFUNDED] = "refunded",
    [TENDER_STATUS_VOIDED] = "voided",
    [TENDER_STATUS_DECLINED] = "declined",
    [TENDER_STATUS_FAILED] = "failed",
    [TENDER_STATUS_EXPIRED] = "expired",
};

const char *tender_status_to_string(TenderStatus status)
{
    if ((int)status <= 0 || (size_t)status >= G_N_ELEMENTS(names))
        return NULL;
    return names[status];
}

gboolean tender_status_from_string(const char *name, TenderStatus *out)
{
    if (name == NULL)
        return FALSE;
    for (size_t i = 1; i < G_N_ELEMENTS(names); i++)
        if (strcmp(names[i], name) == 0) {
            *out = (TenderStatus)i;
            return TRUE;
        }
    return FALSE;
}

gboolean tender_status_is_terminal(TenderStatus status)
{
    switch (status) {
    case TENDER_STATUS_REFUNDED:
    case TENDER_STATUS_VOIDED:
    case TENDER_STATUS_DECLINED:
    case TENDER_STATUS_FAILED:
    case TENDER_STATUS_EXPIRED:
        return TRUE;
    default:
        return FALSE;
    }
}
