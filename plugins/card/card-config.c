/* Reading and checking the card method's settings. A secret is checked for
 * its shape only and never appears in a message: an operator sees which
 * setting is wrong, not what it holds. */
#include "card-config.h"

#include <string.h>

#include <tender/sdk.h>

static int fail(char *error, size_t error_size, const char *text)
{
    tender_copy_string(error, error_size, text);
    return -1;
}

/* The gateway's key prefixes: the test-mode and live-mode secret keys. */
#define TEST_KEY_PREFIX "sk_test_"
#define LIVE_KEY_PREFIX "sk_live_"

static int has_prefix(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Key characters are letters, digits and '_' after the prefix; anything
 * else (a space, a quote, a line break) would corrupt the header. */
static int key_shaped(const char *key)
{
    size_t prefix = strlen(TEST_KEY_PREFIX); /* both prefixes are this long */
    if (!has_prefix(key, TEST_KEY_PREFIX) && !has_prefix(key, LIVE_KEY_PREFIX))
        return 0;
    if (strlen(key) <= prefix)
        return 0;
    for (const char *p = key + prefix; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return 0;
    return 1;
}

static int read_endpoint(card_config *config, char *error, size_t error_size)
{
    char why[200] = "";
    int rc =
        tender_setting_string(config->host, config->method_id, "endpoint", CARD_DEFAULT_ENDPOINT,
                              config->endpoint, sizeof config->endpoint, why, sizeof why);
    if (rc < 0) {
        tender_format_string(error, error_size, "card: %s", why);
        return -1;
    }
    size_t len = strlen(config->endpoint);
    if (len == 0 ||
        (!has_prefix(config->endpoint, "https://") && !has_prefix(config->endpoint, "http://")))
        return fail(error, error_size,
                    "card: setting \"endpoint\" must be an http(s) URL, e.g. "
                    "\"" CARD_DEFAULT_ENDPOINT "\"");
    /* Paths are appended with their own '/'. */
    while (len > 0 && config->endpoint[len - 1] == '/')
        config->endpoint[--len] = '\0';
    return 0;
}

int card_config_read(const tender_host_services *host, const char *method_id, card_config *config,
                     char *error, size_t error_size)
{
    memset(config, 0, sizeof *config);
    config->host = host;
    tender_copy_string(config->method_id, sizeof config->method_id, method_id);

    /* A host without the http service (ABI 1.0, or a unit-test host) still
     * gets the local checks; every gateway call is then NOT_SENT. */
    config->has_http = tender_host_has_http(host);

    int exempt = 1;
    if (tender_setting_bool(host, method_id, "unionpay_luhn_exempt", 1, &exempt, NULL, 0) < 0)
        return fail(error, error_size,
                    "card: setting \"unionpay_luhn_exempt\" must be true or false");
    config->unionpay_luhn_exempt = exempt;

    char mode[16];
    if (tender_setting_string(host, method_id, "mode", "sandbox", mode, sizeof mode, NULL, 0) < 0 ||
        (strcmp(mode, "sandbox") != 0 && strcmp(mode, "live") != 0))
        return fail(error, error_size, "card: setting \"mode\" must be \"sandbox\" or \"live\"");
    config->live = strcmp(mode, "live") == 0;

    if (read_endpoint(config, error, error_size) != 0)
        return -1;

    int rc = tender_setting_string(host, method_id, "secret_key", "", config->secret_key,
                                   sizeof config->secret_key, NULL, 0);
    if (rc <= 0 || config->secret_key[0] == '\0') {
        memset(config->secret_key, 0, sizeof config->secret_key);
        return fail(error, error_size,
                    rc < 0 ? "card: setting \"secret_key\" must be a string"
                           : "card: setting \"secret_key\" is required (the gateway's secret "
                             "API key, sk_test_… or sk_live_…)");
    }
    if (!key_shaped(config->secret_key)) {
        memset(config->secret_key, 0, sizeof config->secret_key);
        return fail(error, error_size,
                    "card: setting \"secret_key\" is not a gateway secret key (sk_test_… or "
                    "sk_live_…)");
    }
    int live_key = has_prefix(config->secret_key, LIVE_KEY_PREFIX);
    if (live_key != config->live) {
        memset(config->secret_key, 0, sizeof config->secret_key);
        return fail(error, error_size,
                    config->live ? "card: setting \"secret_key\" is a test key (sk_test_…) but "
                                   "\"mode\" is \"live\""
                                 : "card: setting \"secret_key\" is a live key (sk_live_…) but "
                                   "\"mode\" is \"sandbox\"");
    }

    rc = tender_setting_string(host, method_id, "webhook_secret", "", config->webhook_secret,
                               sizeof config->webhook_secret, NULL, 0);
    if (rc < 0 || (config->webhook_secret[0] && !has_prefix(config->webhook_secret, "whsec_"))) {
        memset(config, 0, sizeof *config);
        return fail(error, error_size,
                    "card: setting \"webhook_secret\" must be the webhook endpoint's signing "
                    "secret (whsec_…)");
    }
    return 0;
}
