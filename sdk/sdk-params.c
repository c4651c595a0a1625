/* Required request parameters, checked against the method's own specs: a
 * plugin declares TENDER_PARAM_REQUIRED once and the check follows it. */
#include <tender/sdk.h>

const char *tender_missing_required_param(const tender_param_spec *specs, size_t n_specs,
                                          const tender_request *req)
{
    for (size_t i = 0; specs != NULL && i < n_specs; i++) {
        if (!(specs[i].flags & TENDER_PARAM_REQUIRED) || specs[i].name == NULL)
            continue;
        const char *value = tender_request_param(req, specs[i].name);
        if (value == NULL || value[0] == '\0')
            return specs[i].name;
    }
    return NULL;
}

int tender_check_required_params(const tender_param_spec *specs, size_t n_specs,
                                 const tender_request *req, const char *raw_code,
                                 tender_result *res)
{
    const char *missing = tender_missing_required_param(specs, n_specs, req);
    if (missing == NULL)
        return 1;
    const char *description = "";
    for (size_t i = 0; i < n_specs; i++)
        if (specs[i].name == missing && specs[i].description != NULL)
            description = specs[i].description;
    tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, raw_code, "%s is required%s%s",
                          missing, description[0] ? ": " : "", description);
    return 0;
}
