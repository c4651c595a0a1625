/* API keys: "Authorization: Bearer SECRET". The host looks the key up by
 * the secret's SHA-256 and compares digests in constant time
 * (tender_host_api_key_verify); a revoked key stops working at once, since
 * every request asks the ledger. */
#include <string.h>

#include "service.h"

gboolean service_authenticate(Service *svc, ServiceRequest *req, RouteAccess access,
                              ServiceResponse *resp)
{
    if (access == ROUTE_PUBLIC)
        return TRUE;
    const char *header = service_request_header(req, "Authorization");
    if (header == NULL || g_ascii_strncasecmp(header, "Bearer ", 7) != 0 || header[7] == '\0') {
        service_response_add_header(resp, "WWW-Authenticate", "Bearer");
        service_error(resp, 401, "authentication_error", "missing_api_key",
                      "no API key: send Authorization: Bearer SECRET "
                      "(`tender api-key create NAME` makes one)",
                      NULL, NULL);
        return FALSE;
    }
    GError *error = NULL;
    TenderApiKey *key = tender_host_api_key_verify(svc->host, header + 7, &error);
    if (key == NULL) {
        gboolean ledger = error->code == TENDER_ERROR_LEDGER;
        if (ledger) {
            service_error_from_gerror(resp, error, NULL);
        } else {
            service_response_add_header(resp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
            service_error(resp, 401, "authentication_error", "invalid_api_key",
                          "the API key is not valid (unknown or revoked)", NULL, NULL);
        }
        g_error_free(error);
        return FALSE;
    }
    if (access == ROUTE_WRITE && key->scope != TENDER_API_SCOPE_WRITE) {
        g_autofree char *message = g_strdup_printf(
            "the API key %s may only read: this route moves money or changes a payment", key->id);
        service_error(resp, 403, "permission_error", "insufficient_scope", message, NULL, NULL);
        tender_api_key_free(key);
        return FALSE;
    }
    req->key = key;
    return TRUE;
}
