/* The loader's checks and slot lookups offered to tools that load a plugin
 * themselves (tender.h, "plugins without a host"). Thin on purpose: the
 * rules live in abi-check.c alone, and a tool reaching them through here
 * judges a plugin exactly as the host's loader does. */
#include <tender/tender.h>

#include "loader.h"

gboolean tender_plugin_check_descriptor(const tender_plugin_descriptor *descriptor,
                                        char **reason)
{
    char *why = NULL;
    gboolean ok = tender_abi_check_descriptor(descriptor, &why);
    if (reason != NULL)
        *reason = why;
    else
        g_free(why);
    return ok;
}

tender_operation_fn tender_method_operation_fn(const tender_method *method, tender_operation op)
{
    return method != NULL ? tender_abi_operation_fn(method, op) : NULL;
}

tender_operation_fn tender_method_identify_fn(const tender_method *method)
{
    return method != NULL ? tender_abi_identify_fn(method) : NULL;
}

const tender_fixture *tender_method_fixtures(const tender_method *method, size_t *n)
{
    if (n != NULL)
        *n = 0;
    const tender_fixture *(*fixtures)(size_t *) =
        method != NULL ? tender_abi_fixtures_fn(method) : NULL;
    if (fixtures == NULL)
        return NULL;
    size_t count = 0;
    const tender_fixture *table = fixtures(&count);
    if (table == NULL)
        return NULL;
    if (n != NULL)
        *n = count;
    return table;
}

TenderSandboxNotificationFn tender_method_sandbox_notification_fn(const tender_method *method)
{
    return method != NULL ? tender_abi_sandbox_notification_fn(method) : NULL;
}
