/* Settings and keys of an Alipay instance. */
#include "alipay-instance.h"

#include <json-glib/json-glib.h>
#include <tender/sdk-glib.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "alipay-rsa2.h"
#include "alipay-time.h"

/* A PEM text of an RSA-4096 private key is about 3.3 KB; leave room. */
#define KEY_TEXT_MAX 16384

#define DEFAULT_TIMEOUT "15m"

static const char *const settle_currencies[] = {
    "AUD", "CAD", "CHF", "CNY", "EUR", "GBP", "HKD", "JPY", "NZD", "SGD", "USD", NULL,
};

/* Read string setting key into out ("" when absent). Returns 1 when set,
 * 0 when absent, -1 (with error written) when it has another type or does
 * not fit. */
static int read_string(const tender_host_services *host, const char *method_id,
                       const char *key, char *out, size_t out_size, char *error,
                       size_t error_size)
{
    return tender_setting_string(host, method_id, key, "", out, out_size, error, error_size);
}

static int all_digits_len(const char *s, size_t len)
{
    return strlen(s) == len && tender_all_digits(s);
}

/* Load a required key setting. */
static EVP_PKEY *load_key(const tender_host_services *host, const char *method_id,
                          const char *key, int is_private, char *error, size_t error_size)
{
    char *text = g_malloc(KEY_TEXT_MAX);
    EVP_PKEY *pkey = NULL;
    int rc = read_string(host, method_id, key, text, KEY_TEXT_MAX, error, error_size);
    if (rc == 0 || (rc == 1 && text[0] == '\0')) {
        snprintf(error, error_size, "setting '%s' is required (%s)", key,
                 is_private ? "the app's RSA2 private key, PEM"
                            : "Alipay's public key from the open platform console, PEM");
    } else if (rc == 1) {
        char what[64];
        snprintf(what, sizeof what, "setting '%s'", key);
        pkey = is_private ? alipay_rsa2_load_private(text, what, error, error_size)
                          : alipay_rsa2_load_public(text, what, error, error_size);
    }
    /* Key material never stays in memory longer than needed. */
    memset(text, 0, KEY_TEXT_MAX);
    g_free(text);
    return pkey;
}

/* "mode" and "endpoint": mode picks Alipay's documented gateway, endpoint
 * (a test sandbox's, a proxy's) overrides it. */
static int read_endpoint(AlipayInstance *inst, char *error, size_t error_size)
{
    char mode[16];
    if (tender_setting_string(inst->host, inst->method_id, "mode", "sandbox", mode, sizeof mode,
                              NULL, 0) < 0 ||
        (strcmp(mode, "sandbox") != 0 && strcmp(mode, "live") != 0)) {
        snprintf(error, error_size, "setting 'mode' must be \"sandbox\" or \"live\"");
        return -1;
    }
    inst->live = strcmp(mode, "live") == 0;
    if (tender_setting_string(inst->host, inst->method_id, "endpoint",
                              inst->live ? ALIPAY_LIVE_ENDPOINT : ALIPAY_SANDBOX_ENDPOINT,
                              inst->endpoint, sizeof inst->endpoint, error, error_size) < 0)
        return -1;
    if (!g_str_has_prefix(inst->endpoint, "https://") &&
        !g_str_has_prefix(inst->endpoint, "http://")) {
        snprintf(error, error_size, "setting 'endpoint' must be the http(s) URL of gateway.do, "
                 "e.g. \"%s\"", ALIPAY_LIVE_ENDPOINT);
        return -1;
    }
    return 0;
}

int alipay_instance_create(const tender_host_services *host, const char *method_id,
                           void **instance, char *error, size_t error_size)
{
    if (!tender_host_services_complete(host)) {
        snprintf(error, error_size, "the host lends no clock or config services");
        return 1;
    }
    /* json-glib (biz_content, responses) registers GObject types, which can
     * never be registered twice in a process: it must outlive an unload. */
    tender_keep_library_resident((const void *)json_parser_new);
    AlipayInstance *inst = g_new0(AlipayInstance, 1);
    inst->host = host;
    tender_copy_string(inst->method_id, sizeof inst->method_id, method_id);

    /* Without the http service (ABI 1.0) every gateway call is NOT_SENT. */
    inst->has_http = tender_host_has_http(host);
    if (read_endpoint(inst, error, error_size) != 0)
        goto fail;

    if (read_string(host, method_id, "app_id", inst->app_id, sizeof inst->app_id, error,
                    error_size) < 0)
        goto fail;
    if (inst->app_id[0] == '\0') {
        snprintf(error, error_size, "setting 'app_id' is required (the app's numeric id from "
                 "Alipay's open platform)");
        goto fail;
    }
    if (!tender_all_digits(inst->app_id)) {
        snprintf(error, error_size, "setting 'app_id' must be Alipay's numeric application id");
        goto fail;
    }

    if (read_string(host, method_id, "seller_id", inst->seller_id, sizeof inst->seller_id,
                    error, error_size) < 0)
        goto fail;
    if (inst->seller_id[0] != '\0' &&
        (!all_digits_len(inst->seller_id, 16) || strncmp(inst->seller_id, "2088", 4) != 0)) {
        snprintf(error, error_size, "setting 'seller_id' must be an Alipay user id: 2088 and "
                 "12 more digits");
        goto fail;
    }

    if (read_string(host, method_id, "settlement_currency", inst->settle_currency,
                    sizeof inst->settle_currency, error, error_size) < 0) {
        snprintf(error, error_size, "setting 'settlement_currency' must be one of AUD CAD CHF "
                 "CNY EUR GBP HKD JPY NZD SGD USD");
        goto fail;
    }
    if (inst->settle_currency[0] == '\0')
        snprintf(inst->settle_currency, sizeof inst->settle_currency, "CNY");
    int known = 0;
    for (size_t i = 0; settle_currencies[i]; i++)
        known |= strcmp(settle_currencies[i], inst->settle_currency) == 0;
    if (!known) {
        snprintf(error, error_size, "setting 'settlement_currency' is '%s': Alipay settles "
                 "only in AUD CAD CHF CNY EUR GBP HKD JPY NZD SGD USD", inst->settle_currency);
        goto fail;
    }

    if (read_string(host, method_id, "timeout_express", inst->timeout_express,
                    sizeof inst->timeout_express, error, error_size) < 0) {
        snprintf(error, error_size, "setting 'timeout_express' must be 1m..15d in whole "
                 "m, h or d units (or 1c)");
        goto fail;
    }
    if (inst->timeout_express[0] == '\0')
        snprintf(inst->timeout_express, sizeof inst->timeout_express, DEFAULT_TIMEOUT);
    int64_t minutes;
    if (!alipay_timeout_parse(inst->timeout_express, &minutes)) {
        snprintf(error, error_size, "setting 'timeout_express' is '%s': it must be 1m..15d in "
                 "whole m, h or d units (or 1c)", inst->timeout_express);
        goto fail;
    }

    if (read_string(host, method_id, "notify_url", inst->notify_url, sizeof inst->notify_url,
                    error, error_size) < 0)
        goto fail;

    if (read_string(host, method_id, "return_url", inst->return_url, sizeof inst->return_url,
                    error, error_size) < 0)
        goto fail;

    inst->app_private = load_key(host, method_id, "app_private_key", 1, error, error_size);
    if (inst->app_private == NULL)
        goto fail;
    inst->alipay_public = load_key(host, method_id, "alipay_public_key", 0, error, error_size);
    if (inst->alipay_public == NULL)
        goto fail;
    if (alipay_rsa2_same_public(inst->alipay_public, inst->app_private)) {
        snprintf(error, error_size, "setting 'alipay_public_key' is the app's own public key: "
                 "it must be Alipay's (the platform's) public key");
        goto fail;
    }

    *instance = inst;
    return 0;
fail:
    alipay_instance_destroy(inst);
    return 1;
}

void alipay_instance_destroy(void *instance)
{
    AlipayInstance *inst = instance;
    if (inst == NULL)
        return;
    EVP_PKEY_free(inst->alipay_public);
    EVP_PKEY_free(inst->app_private);
    g_free(inst);
}
