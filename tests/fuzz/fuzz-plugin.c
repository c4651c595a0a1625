/* Plugins under fuzzing: loading with libtender-testhost, and result
 * checks (see fuzz-plugin.h). */
#include "fuzz-plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tender/http-transport.h>
#include <tender/testhost.h>

#ifndef FUZZ_PLUGIN_DIR
#define FUZZ_PLUGIN_DIR ""
#endif
#ifndef FUZZ_KEYS_DIR
#define FUZZ_KEYS_DIR ""
#endif
#ifndef FUZZ_PAYPAL_KEYS_DIR
#define FUZZ_PAYPAL_KEYS_DIR ""
#endif

/* 2026-11-25T12:00:00Z: inside every sandbox's validity windows. */
#define FUZZ_NOW_MS INT64_C(1795608000000)

/* The simulated PayPal's webhook certificate and CA (sandbox/paypal/keys,
 * TEST ONLY) and the webhook id tender-sandbox's --config-out names: the
 * corpus's PayPal webhooks were recorded from a tender-sandbox, so they
 * verify, and fuzzing starts from webhooks the plugin accepts. */
#define FUZZ_PAYPAL_WEBHOOK_ID "AYVEXSOXP2T74O41R"
#define FUZZ_PAYPAL_CERT_PATH "/v1/notifications/certs/"

/* The fuzz host's network: PayPal's certificate URL answers the sandbox's
 * webhook certificate; nothing else is reachable (NOT_SENT, as the test
 * host answers without a transport). */
static TenderHttpTransportResponse *fuzz_send(TenderHttpTransport *transport,
                                              const TenderHttpTransportRequest *request,
                                              GError **error)
{
    const char *pem = transport->user_data;
    if (pem != NULL && g_strcmp0(request->method, "GET") == 0 &&
        strstr(request->url, FUZZ_PAYPAL_CERT_PATH) != NULL)
        return tender_http_transport_response_new(200, pem, strlen(pem));
    g_set_error(error, TENDER_HTTP_TRANSPORT_ERROR, TENDER_HTTP_TRANSPORT_NOT_SENT,
                "the fuzz host has no network");
    return NULL;
}

static TenderHttpTransport *fuzz_transport(void)
{
    static TenderHttpTransport transport = {sizeof transport, fuzz_send, NULL, NULL};
    char *path = g_build_filename(FUZZ_PAYPAL_KEYS_DIR, "webhook-cert.pem", NULL);
    char *pem = NULL;
    if (g_file_get_contents(path, &pem, NULL, NULL))
        transport.user_data = pem; /* kept for the process, like the host */
    g_free(path);
    return &transport;
}

/* One test host for every plugin, made on first use and kept for the
 * process, like the plugins: a fixed clock; for the provider clients a
 * test-mode card key, the alipay test keys, PayPal app credentials with
 * the sandbox's webhook id and CA, and the WebMoney merchant's WMID and
 * purses (the test host reaches only PayPal's webhook certificate, so
 * another request that passes their checks ends NOT_SENT), otherwise every plugin's
 * defaults; counter randomness; and a log that is read to its end and
 * dropped (a captured log would grow with every input). */
static TenderTestHost *fuzz_host(void)
{
    static TenderTestHost *host;
    if (host == NULL) {
        host = tender_test_host_new();
        tender_test_host_set_setting(host, "secret_key", "sk_test_fuzz");
        tender_test_host_set_setting(host, "merchant_wmid", "100000000001");
        tender_test_host_set_setting(host, "tls_client_cert", "webmoney-webpro-cert.pem");
        tender_test_host_set_setting(host, "tls_client_key", "webmoney-webpro-key.pem");
        tender_test_host_set_setting(host, "purse", "Z100000000001,E100000000001");
        tender_test_host_set_setting(host, "client_id", "fuzz-client");
        tender_test_host_set_setting(host, "client_secret", "fuzz-secret");
        tender_test_host_set_setting(host, "webhook_id", FUZZ_PAYPAL_WEBHOOK_ID);
        char *ca = g_build_filename(FUZZ_PAYPAL_KEYS_DIR, "ca.pem", NULL);
        tender_test_host_set_setting(host, "webhook_ca_file", ca);
        g_free(ca);
        tender_test_host_set_http_transport(host, fuzz_transport());
        /* The alipay plugin's credentials: the test keys the corpus's
         * notifications were signed for (tests/keys, TEST ONLY). */
        tender_test_host_set_setting(host, "app_id", "9021000100000001");
        static const char *const alipay_keys[][2] = {
            {"app_private_key", "alipay-app-private.pem"},
            {"alipay_public_key", "alipay-platform-public.pem"},
        };
        for (size_t i = 0; i < G_N_ELEMENTS(alipay_keys); i++) {
            char *path = g_build_filename(FUZZ_KEYS_DIR, alipay_keys[i][1], NULL);
            char *pem = NULL;
            if (g_file_get_contents(path, &pem, NULL, NULL))
                tender_test_host_set_setting(host, alipay_keys[i][0], pem);
            g_free(pem);
            g_free(path);
        }
        tender_test_host_set_now(host, FUZZ_NOW_MS);
        tender_test_host_set_log_capture(host, FALSE);
    }
    return host;
}

/* Loaded once per process and kept: dlclose would only make the fuzzer
 * slower (and some plugins keep their libraries resident anyway). A static
 * table, not the heap: the four bundled plugins fit, and LeakSanitizer has
 * nothing to misread at exit. */
static FuzzPlugin loaded[8];
static TenderTestPlugin *loaded_plugins[8]; /* kept with them: owns the .so */
static size_t n_loaded;

const FuzzPlugin *fuzz_plugin(const char *id)
{
    for (size_t i = 0; i < n_loaded; i++)
        if (strcmp(loaded[i].method->id, id) == 0)
            return &loaded[i];
    if (n_loaded == G_N_ELEMENTS(loaded)) {
        fprintf(stderr, "fuzz: more than %zu plugins\n", G_N_ELEMENTS(loaded));
        abort();
    }
    const char *dir = g_getenv("TENDER_FUZZ_PLUGIN_DIR");
    char *file = g_strconcat(id, ".so", NULL);
    char *path = g_build_filename(dir ? dir : FUZZ_PLUGIN_DIR, id, file, NULL);
    char *error = NULL;
    TenderTestPlugin *plugin = tender_test_plugin_load(fuzz_host(), path, &error);
    if (plugin == NULL) {
        fprintf(stderr, "fuzz: cannot load %s: %s\n", path, error);
        abort();
    }
    FuzzPlugin *p = &loaded[n_loaded];
    p->method = tender_test_plugin_method(plugin, id);
    if (p->method == NULL ||
        tender_test_instance_new(fuzz_host(), p->method, &p->instance, &error) != 0) {
        fprintf(stderr, "fuzz: %s: no usable method %s %s\n", path, id, error ? error : "");
        abort();
    }
    loaded_plugins[n_loaded++] = plugin;
    g_free(file);
    g_free(path);
    return p;
}

tender_request fuzz_request(tender_operation op)
{
    tender_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.operation = op;
    req.attempt = 1;
    req.payment_id = "pay_0123456789abcdef01234567";
    req.request_id = "req_0123456789abcdef01234567";
    req.amount = 1000;
    req.currency = "USD";
    req.exponent = 2;
    req.region = "US";
    req.account = "";
    req.tier = "";
    req.plugin_state = "";
    req.processor_ref = "";
    req.body = "";
    req.deadline_ms = FUZZ_NOW_MS + 10000;
    return req;
}

tender_result *fuzz_result_new(void)
{
    tender_result *res = g_new0(tender_result, 1);
    res->struct_size = sizeof *res;
    return res;
}

#define CHECK_FIELD(res, field)                                                  \
    do {                                                                         \
        if (memchr((res)->field, '\0', sizeof (res)->field) == NULL) {           \
            fprintf(stderr, "fuzz: result field " #field " is not terminated\n"); \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* TRUE when needle occurs in the bytes of haystack. */
static gboolean contains(const void *haystack, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    return n > 0 && n <= size && memmem(haystack, size, needle, n) != NULL;
}

void fuzz_check_result(const tender_result *res, const char *const *secrets)
{
    CHECK_FIELD(res, raw_code);
    CHECK_FIELD(res, message);
    CHECK_FIELD(res, processor_ref);
    CHECK_FIELD(res, plugin_state);
    CHECK_FIELD(res, action_data);
    CHECK_FIELD(res, action_hint);
    CHECK_FIELD(res, display_brand);
    CHECK_FIELD(res, display_first6);
    CHECK_FIELD(res, display_last4);
    CHECK_FIELD(res, display_account);
    CHECK_FIELD(res, display_country);
    CHECK_FIELD(res, details);
    CHECK_FIELD(res, notify_payment_id);
    CHECK_FIELD(res, notify_id);
    CHECK_FIELD(res, reply_content_type);
    CHECK_FIELD(res, reply_body);
    CHECK_FIELD(res, notify_headers);
    CHECK_FIELD(res, notify_body);
    if (res->outcome == TENDER_OUTCOME_INVALID || res->outcome > TENDER_OUTCOME_LAST_) {
        fprintf(stderr, "fuzz: outcome %u\n", res->outcome);
        abort();
    }
    if (res->decline_code > TENDER_DECLINE_LAST_ ||
        (res->outcome == TENDER_OUTCOME_DECLINED) != (res->decline_code != TENDER_DECLINE_NONE)) {
        fprintf(stderr, "fuzz: outcome %u with decline code %u (%s)\n", res->outcome,
                res->decline_code, res->message);
        abort();
    }
    for (size_t i = 0; secrets && secrets[i]; i++)
        if (contains(res, sizeof *res, secrets[i])) {
            fprintf(stderr, "fuzz: a sensitive parameter's value is in the result\n");
            abort();
        }
}

GPtrArray *fuzz_split_lines(const char *text, char sep, gboolean stop_at_blank,
                            const char **rest)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *p = text;
    if (rest)
        *rest = "";
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len == 0 && stop_at_blank) {
            if (rest)
                *rest = end ? end + 1 : p + strlen(p);
            break;
        }
        const char *mark = memchr(p, sep, len);
        if (mark) {
            const char *value = mark + 1;
            size_t vlen = len - (size_t)(value - p);
            /* "Name: value": drop the space after the colon. */
            if (sep == ':')
                while (vlen > 0 && *value == ' ')
                    value++, vlen--;
            g_ptr_array_add(out, g_strndup(p, (size_t)(mark - p)));
            g_ptr_array_add(out, g_strndup(value, vlen));
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return out;
}
