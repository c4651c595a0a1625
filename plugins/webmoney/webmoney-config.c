/* Reading and checking the WebMoney method's settings. A secret is checked
 * for its shape only and never appears in a message: an operator sees which
 * setting is wrong, not what it holds.
 *
 * WebMoney has no separate test system: its test mode is a flag on the live
 * hosts (LMI_SIM_MODE on the payment page, LMI_MODE=1 in the notification).
 * So both modes default to WebMoney's documented hosts; tender-sandbox is
 * reached by setting `endpoint`, which then serves every interface.
 *
 * The X-interfaces' authentication (`auth`) is WebMoney Keeper WebPro's
 * (Light) client certificate by default: the host holds the certificate
 * and presents it, so the plugin only checks that the settings naming it
 * are there, and the host checks the files (at config load). */
#include <stdarg.h>
#include <string.h>

#include "webmoney.h"

static wm_instance *fail(wm_instance *wm, char *error, size_t error_size, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static wm_instance *fail(wm_instance *wm, char *error, size_t error_size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *text = g_strdup_vprintf(fmt, args);
    va_end(args);
    tender_copy_string(error, error_size, text);
    g_free(text);
    wm_config_free(wm);
    return NULL;
}

const char *wm_payee_for_letter(const wm_instance *wm, char letter)
{
    for (size_t i = 0; i < wm->n_payees; i++)
        if (wm->payees[i][0] == letter)
            return wm->payees[i];
    return NULL;
}

/* Parse "Z…,E…" into wm->payees: well formed, a supported type, one purse
 * per type (a transfer only goes between purses of one type). Returns 0 or
 * writes the problem into why. */
static int read_payees(wm_instance *wm, const char *list, char *why, size_t why_size)
{
    char **items = g_strsplit(list, ",", -1);
    int rc = 0;
    wm->n_payees = 0;
    for (size_t i = 0; items[i] && rc == 0; i++) {
        char *purse = g_strstrip(items[i]);
        const wm_purse_type *type = wm_purse_well_formed(purse) ? wm_purse_type_of(purse[0]) : NULL;
        if (type == NULL || type->kind != WM_PURSE_SUPPORTED) {
            g_snprintf(why, why_size,
                       "webmoney settings: purse \"%s\" must be a Z, E, K, B, V or Y purse: one "
                       "type letter and 12 digits", purse);
            rc = -1;
        } else if (wm_payee_for_letter(wm, purse[0]) != NULL) {
            g_snprintf(why, why_size,
                       "webmoney settings: purse lists two %s purses; give one per type",
                       type->title);
            rc = -1;
        } else {
            tender_copy_string(wm->payees[wm->n_payees++], sizeof wm->payees[0], purse);
        }
    }
    if (rc == 0 && wm->n_payees == 0) {
        g_snprintf(why, why_size, "webmoney settings: purse is empty");
        rc = -1;
    }
    g_strfreev(items);
    return rc;
}

/* An http(s) base URL without its trailing '/'. */
static int url_shaped(char *url)
{
    size_t len = strlen(url);
    if (!g_str_has_prefix(url, "https://") && !g_str_has_prefix(url, "http://"))
        return 0;
    while (len > 0 && url[len - 1] == '/')
        url[--len] = '\0';
    return len > strlen("http://");
}

wm_instance *wm_config_read(const tender_host_services *host, const char *method_id,
                            char *error, size_t error_size)
{
    wm_instance *wm = g_new0(wm_instance, 1);
    g_mutex_init(&wm->x_lock);
    wm->host = host;
    tender_copy_string(wm->method_id, sizeof wm->method_id, method_id);
    /* A host without the http service (ABI 1.0, or a unit-test host) still
     * gets the local checks; every WebMoney call is then NOT_SENT. */
    wm->has_http = tender_host_has_http(host);

    char mode[16];
    if (tender_setting_string(host, method_id, "mode", "sandbox", mode, sizeof mode, NULL, 0) < 0 ||
        (strcmp(mode, "sandbox") != 0 && strcmp(mode, "live") != 0))
        return fail(wm, error, error_size,
                    "webmoney settings: \"mode\" must be \"sandbox\" (WebMoney's test mode) or "
                    "\"live\"");
    wm->test_mode = strcmp(mode, "sandbox") == 0;

    int got = tender_setting_string(host, method_id, "endpoint", "", wm->endpoint,
                                    sizeof wm->endpoint, NULL, 0);
    if (got < 0 || (wm->endpoint[0] && !url_shaped(wm->endpoint)))
        return fail(wm, error, error_size,
                    "webmoney settings: \"endpoint\" must be an http(s) URL, e.g. "
                    "\"" WM_LIVE_MERCHANT_ENDPOINT "\"");
    if (wm->endpoint[0]) {
        /* One base serves everything (tender-sandbox, or a proxy). */
        tender_copy_string(wm->x_endpoint, sizeof wm->x_endpoint, wm->endpoint);
    } else {
        tender_copy_string(wm->endpoint, sizeof wm->endpoint, WM_LIVE_MERCHANT_ENDPOINT);
        tender_copy_string(wm->x_endpoint, sizeof wm->x_endpoint, WM_LIVE_X_ENDPOINT);
    }

    char auth[16];
    if (tender_setting_string(host, method_id, "auth", "light", auth, sizeof auth, NULL, 0) < 0 ||
        (strcmp(auth, "light") != 0 && strcmp(auth, "sha256") != 0))
        return fail(wm, error, error_size,
                    "webmoney settings: \"auth\" must be \"light\" (a Keeper WebPro client "
                    "certificate: WebMoney's own) or \"sha256\" (tender-sandbox's plain-HTTP form "
                    "only)");
    wm->light = strcmp(auth, "light") == 0;

    char text[256];
    if (wm->light) {
        static const char *const identity[] = {"tls_client_cert", "tls_client_key"};
        for (size_t i = 0; i < G_N_ELEMENTS(identity); i++) {
            /* Only whether it is set: a path, read by the host. */
            char path[1024];
            got = tender_setting_string(host, method_id, identity[i], "", path, sizeof path,
                                        NULL, 0);
            if (got <= 0 || path[0] == '\0')
                return fail(wm, error, error_size,
                            "webmoney settings: \"%s\" is required with auth \"light\": the "
                            "merchant's Keeper WebPro certificate and its key (PEM files) "
                            "authenticate X3, X5 and X14",
                            identity[i]);
        }
    }

    got = tender_setting_string(host, method_id, "merchant_wmid", "", text, sizeof text, NULL, 0);
    if (got <= 0 || !wm_wmid_well_formed(text))
        return fail(wm, error, error_size,
                    "webmoney settings: \"merchant_wmid\" is required: the merchant's WMID, "
                    "12 digits");
    tender_copy_string(wm->merchant_wmid, sizeof wm->merchant_wmid, text);

    got = tender_setting_string(host, method_id, "purse", "", text, sizeof text, NULL, 0);
    char why[256];
    if (got <= 0)
        return fail(wm, error, error_size,
                    "webmoney settings: \"purse\" is required: the merchant's purses, "
                    "comma-separated, e.g. \"Z100000000001,E100000000001\"");
    if (read_payees(wm, text, why, sizeof why) != 0)
        return fail(wm, error, error_size, "%s", why);

    got = tender_setting_string(host, method_id, "secret_key", "", wm->secret_key,
                                sizeof wm->secret_key, NULL, 0);
    if (got <= 0 || wm->secret_key[0] == '\0' || strlen(wm->secret_key) > WM_SECRET_KEY_MAX)
        return fail(wm, error, error_size,
                    "webmoney settings: \"secret_key\" is required: the merchant's Secret Key "
                    "(1 to %d characters)", WM_SECRET_KEY_MAX);

    got = tender_setting_string(host, method_id, "result_url", "", wm->result_url,
                                sizeof wm->result_url, NULL, 0);
    if (got < 0 || (wm->result_url[0] && !url_shaped(wm->result_url)))
        return fail(wm, error, error_size,
                    "webmoney settings: \"result_url\" must be the http(s) URL WebMoney posts "
                    "the pre-request and the result to");
    return wm;
}

void wm_config_free(wm_instance *wm)
{
    if (wm == NULL)
        return;
    memset(wm->secret_key, 0, sizeof wm->secret_key);
    g_mutex_clear(&wm->x_lock);
    g_free(wm);
}
