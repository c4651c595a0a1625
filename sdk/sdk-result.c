/* Finishing a result, reading a request's parameters and headers, and
 * logging through the host: what every operation of every plugin does. */
#include <tender/sdk.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void tender_result_decline(tender_result *res, tender_decline_code code,
                           const char *raw_code, const char *fmt, ...)
{
    char buf[TENDER_RESULT_MESSAGE_MAX] = "";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
    }
    res->outcome = TENDER_OUTCOME_DECLINED;
    res->decline_code = code;
    TENDER_SET(res, raw_code, raw_code);
    TENDER_SET(res, message, buf);
}

void tender_result_outcome(tender_result *res, tender_outcome outcome,
                           const char *raw_code, const char *message)
{
    res->outcome = outcome;
    if (raw_code)
        TENDER_SET(res, raw_code, raw_code);
    if (message)
        TENDER_SET(res, message, message);
}

const char *tender_request_param(const tender_request *req, const char *key)
{
    const char *found = NULL;
    if (req == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < req->n_params; i++)
        if (req->params[i].key && strcmp(req->params[i].key, key) == 0)
            found = req->params[i].value;
    return found;
}

const char *tender_request_header(const tender_request *req, const char *name)
{
    if (req == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < req->n_headers; i++)
        if (req->headers[i].key && strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value;
    return NULL;
}

void tender_log(const tender_host_services *host, tender_log_level level,
                const char *method_id, const char *fmt, ...)
{
    if (host == NULL || !TENDER_HAS_FIELD(host, tender_host_services, log) || host->log == NULL)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    host->log(host, level, method_id, buf);
}

tender_decline_code tender_decline_for_raw(const tender_decline_map *map, size_t n,
                                           const char *raw, tender_decline_code fallback)
{
    for (size_t i = 0; raw != NULL && map != NULL && i < n; i++)
        if (map[i].raw != NULL && strcmp(map[i].raw, raw) == 0)
            return map[i].code;
    return fallback;
}
