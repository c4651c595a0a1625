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
    {"GET", "/console/payments/{id}", ROUTE_PUBLIC, FALSE, routes_console_payment},
    {"POST", "/console/payments/{id}/operate", ROUTE_PUBLIC, FALSE, routes_console_operate},
    {NULL, NULL, ROUTE_PUBLIC, FALSE, NULL},
};

/* path matches pattern, segment by segment; a "{…}" segment matches one
 * non-empty segment, returned in *arg. */
static gboolean path_matches(const char *pattern, const char *path, char **arg)
{
    g_auto(GStrv) want = g_strsplit(pattern, "/", -1);
    g_auto(GStrv) got = g_strsplit(path, "/", -1);
    if (g_strv_length(want) != g_strv_length(got))
        return FALSE;
    char *found = NULL;
    for (gsize i = 0; want[i]; i++) {
        if (want[i][0] == '{') {
            if (got[i][0] == '\0') {
                g_free(found);
                return FALSE;
            }
            g_free(found);
            found = g_strdup(got[i]);
        } else if (strcmp(want[i], got[i]) != 0) {
            g_free(found);
            return FALSE;
        }
    }
    *arg = found;
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
