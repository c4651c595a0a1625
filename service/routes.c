/* The route table of the API (docs/service.md lists the same) and the
 * matching of a request's method and path against it. */
#include <string.h>

#include "checkout.h"
#include "console.h"
#include "service.h"

const Route service_routes[] = {
    {"GET", "/healthz", ROUTE_PUBLIC, FALSE, routes_healthz},
    {"GET", "/readyz", ROUTE_PUBLIC, FALSE, routes_readyz},
    {"GET", "/metrics", ROUTE_PUBLIC, FALSE, routes_metrics},
    {"GET", "/v1/openapi.json", ROUTE_PUBLIC, FALSE, routes_openapi},
    /* The provider authenticates itself to its plugin (a signature the
     * plugin verifies), not to us. */
    {"POST", "/v1/webhooks/{method}", ROUTE_PUBLIC, FALSE, routes_webhook},
    /* A quote moves no money: a read key may ask for one. */
    {"POST", "/v1/quotes", ROUTE_READ, FALSE, routes_quotes},
    {"GET", "/v1/methods", ROUTE_READ, FALSE, routes_methods},
    {"GET", "/v1/plugins", ROUTE_READ, FALSE, routes_plugins},
    {"GET", "/v1/limits", ROUTE_READ, FALSE, routes_limits},
    {"POST", "/v1/payments", ROUTE_WRITE, TRUE, routes_payment_create},
    {"GET", "/v1/payments", ROUTE_READ, FALSE, routes_payment_list},
    {"GET", "/v1/payments/{id}", ROUTE_READ, FALSE, routes_payment_get},
    {"POST", "/v1/payments/{id}/capture", ROUTE_WRITE, TRUE, routes_payment_capture},
    {"POST", "/v1/payments/{id}/void", ROUTE_WRITE, TRUE, routes_payment_void},
    {"POST", "/v1/payments/{id}/refund", ROUTE_WRITE, TRUE, routes_payment_refund},
    {"POST", "/v1/payments/{id}/reauthorize", ROUTE_WRITE, TRUE, routes_payment_reauthorize},
    {"POST", "/v1/payments/{id}/complete", ROUTE_WRITE, TRUE, routes_payment_complete},
    {"POST", "/v1/payments/{id}/sync", ROUTE_WRITE, TRUE, routes_payment_sync},
    {"POST", "/v1/checkout-sessions", ROUTE_WRITE, TRUE, routes_checkout_session_create},
    {"GET", "/v1/checkout-sessions/{id}", ROUTE_READ, FALSE, routes_checkout_session_get},
    /* The buyer's pages: the session id in the path is their only key. */
    {"GET", "/checkout/{id}", ROUTE_PUBLIC, FALSE, routes_checkout_page},
    {"POST", "/checkout/{id}/card", ROUTE_PUBLIC, FALSE, routes_checkout_card},
    {"POST", "/checkout/{id}/pay", ROUTE_PUBLIC, FALSE, routes_checkout_pay},
    {"GET", "/checkout/{id}/status", ROUTE_PUBLIC, FALSE, routes_checkout_status},
    {"GET", "/checkout/{id}/return", ROUTE_PUBLIC, FALSE, routes_checkout_return},
    {"GET", "/checkout-assets/{file}", ROUTE_PUBLIC, FALSE, routes_checkout_asset},
    /* The operator console signs in with an API key of its own (a cookie),
     * checked by its pages. */
    {"GET", "/console", ROUTE_PUBLIC, FALSE, routes_console_home},
    {"POST", "/console/login", ROUTE_PUBLIC, FALSE, routes_console_login},
    {"POST", "/console/logout", ROUTE_PUBLIC, FALSE, routes_console_logout},
    {"GET", "/console/reconcile", ROUTE_PUBLIC, FALSE, routes_console_reconcile},
    {"GET", "/console/limits", ROUTE_PUBLIC, FALSE, routes_console_limits},
    {"GET", "/console/payments/{id}", ROUTE_PUBLIC, FALSE, routes_console_payment},
    {"POST", "/console/payments/{id}/operate", ROUTE_PUBLIC, FALSE, routes_console_operate},
    {NULL, NULL, ROUTE_PUBLIC, FALSE, NULL},
};

/* path matches pattern, segment by segment; a "{…}" segment matches one
 * non-empty segment, returned in *arg (newly allocated). Every request is
 * matched against the whole table, so this walks both strings in place and
 * allocates only the argument of the route that matches. */
static gboolean path_matches(const char *pattern, const char *path, char **arg)
{
    const char *found = NULL;
    gsize found_len = 0;
    for (;;) {
        const char *want_end = strchrnul(pattern, '/');
        const char *got_end = strchrnul(path, '/');
        gsize want_len = (gsize)(want_end - pattern);
        gsize got_len = (gsize)(got_end - path);
        if (want_len > 0 && pattern[0] == '{') {
            if (got_len == 0)
                return FALSE;
            found = path;
            found_len = got_len;
        } else if (want_len != got_len || memcmp(pattern, path, want_len) != 0) {
            return FALSE;
        }
        /* Both end here, or both go on to another segment. */
        if (*want_end == '\0' || *got_end == '\0') {
            if (*want_end != *got_end)
                return FALSE;
            break;
        }
        pattern = want_end + 1;
        path = got_end + 1;
    }
    *arg = found ? g_strndup(found, found_len) : NULL;
    return TRUE;
}

const Route *service_route_find(const char *method, const char *path, char **path_arg_out,
                                gboolean *method_mismatch)
{
    *method_mismatch = FALSE;
    *path_arg_out = NULL;
    for (const Route *r = service_routes; r->pattern; r++) {
        char *arg = NULL;
        if (!path_matches(r->pattern, path, &arg))
            continue;
        if (strcmp(r->method, method) == 0) {
            *path_arg_out = arg;
            return r;
        }
        g_free(arg);
        *method_mismatch = TRUE;
    }
    return NULL;
}

const char *service_request_header(const ServiceRequest *r, const char *name)
{
    for (guint i = 0; r->headers && i < r->headers->len; i++) {
        const tender_param *h = g_ptr_array_index(r->headers, i);
        if (g_ascii_strcasecmp(h->key, name) == 0)
            return h->value;
    }
    return NULL;
}
