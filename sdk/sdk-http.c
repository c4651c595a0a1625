/* One exchange through the host's http service (ABI 1.1), with the checks
 * and the set-up every protocol client repeats: the host may be a 1.0 one
 * without the slots, the response must be zeroed and sized before the call,
 * and released after it whatever the outcome. */
#include <tender/sdk.h>

#include <string.h>

int tender_host_has_http(const tender_host_services *host)
{
    return host != NULL && TENDER_HAS_FIELD(host, tender_host_services, http_release) &&
           host->http != NULL && host->http_release != NULL;
}

uint32_t tender_http_exchange(const tender_host_services *host, const char *method_id,
                              const char *method, const char *url,
                              const tender_http_header *headers, size_t n_headers,
                              const void *body, size_t body_len, tender_http_response *res)
{
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
    if (!tender_host_has_http(host)) {
        /* Nothing left the plugin: the same outcome a host gives for a
         * request it refused before sending. */
        res->outcome = TENDER_HTTP_NOT_SENT;
        tender_copy_string(res->message, sizeof res->message,
                           "the host lends no http service (ABI 1.1)");
        return TENDER_HTTP_NOT_SENT;
    }
    tender_http_request req = {
        .struct_size = sizeof req,
        .method = method,
        .url = url,
        .headers = headers,
        .n_headers = n_headers,
        .body = body,
        .body_len = body != NULL ? body_len : 0,
    };
    return host->http(host, method_id, &req, res);
}

void tender_http_release(const tender_host_services *host, tender_http_response *res)
{
    /* A response the host never filled (no http service) holds nothing of
     * the host's. */
    if (tender_host_has_http(host))
        host->http_release(host, res);
}
