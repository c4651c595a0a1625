/* The method's settings, read through the host's config services with the
 * checks every plugin makes (types, sizes, the shared "mode"), and the
 * host's clock. */
#include <tender/sdk.h>

#include <stdio.h>
#include <string.h>

/* A slot of the 1.0 services table, NULL when the host's table is too short
 * to hold it. */
#define HOST_SLOT_(host, slot)                                                                     \
    (TENDER_HAS_FIELD((host), tender_host_services, slot) ? (host)->slot : NULL)

int tender_host_services_complete(const tender_host_services *host)
{
    return host != NULL && HOST_SLOT_(host, log) != NULL && HOST_SLOT_(host, now_ms) != NULL &&
           HOST_SLOT_(host, random_bytes) != NULL && HOST_SLOT_(host, config_string) != NULL &&
           HOST_SLOT_(host, config_int64) != NULL && HOST_SLOT_(host, config_bool) != NULL;
}

int64_t tender_now_ms(const tender_host_services *host)
{
    return host != NULL && HOST_SLOT_(host, now_ms) != NULL ? host->now_ms(host) : 0;
}

int tender_setting_string(const tender_host_services *host, const char *method_id, const char *key,
                          const char *fallback, char *out, size_t out_size, char *error,
                          size_t error_size)
{
    if (out == NULL || out_size == 0)
        return -1;
    int rc = host != NULL && HOST_SLOT_(host, config_string) != NULL
                 ? host->config_string(host, method_id, key, out, out_size)
                 : 0;
    if (rc == 1)
        return 1;
    tender_copy_string(out, out_size, fallback);
    if (rc == 0)
        return 0;
    tender_format_string(error, error_size, "setting \"%s\" must be a string of at most %zu bytes",
                         key, out_size - 1);
    return -1;
}

int tender_setting_int64(const tender_host_services *host, const char *method_id, const char *key,
                         int64_t fallback, int64_t *out, char *error, size_t error_size)
{
    int64_t value = fallback;
    int rc = host != NULL && HOST_SLOT_(host, config_int64) != NULL
                 ? host->config_int64(host, method_id, key, &value)
                 : 0;
    *out = rc == 1 ? value : fallback;
    if (rc < 0)
        tender_format_string(error, error_size, "setting \"%s\" must be an integer", key);
    return rc < 0 ? -1 : rc;
}

int tender_setting_bool(const tender_host_services *host, const char *method_id, const char *key,
                        int fallback, int *out, char *error, size_t error_size)
{
    int value = fallback;
    int rc = host != NULL && HOST_SLOT_(host, config_bool) != NULL
                 ? host->config_bool(host, method_id, key, &value)
                 : 0;
    *out = rc == 1 ? (value != 0) : fallback;
    if (rc < 0)
        tender_format_string(error, error_size, "setting \"%s\" must be true or false", key);
    return rc < 0 ? -1 : rc;
}

int tender_setting_require_sandbox(const tender_host_services *host, const char *method_id,
                                   const char *label, char *error, size_t error_size)
{
    char mode[32], why[160] = "";
    int rc = tender_setting_string(host, method_id, "mode", "sandbox", mode, sizeof mode, why,
                                   sizeof why);
    if (rc < 0) {
        tender_format_string(error, error_size,
                             "%s: setting \"mode\" must be the string \"sandbox\"", label);
        return -1;
    }
    if (strcmp(mode, "sandbox") == 0)
        return 0;
    /* The value is the operator's own text, but cut short: it goes into a
     * message that may be logged. */
    tender_format_string(error, error_size,
                         "%s: setting \"mode\" is \"%.40s\"; this build has only the offline "
                         "\"sandbox\" processor (no network transport for \"live\")",
                         label, mode);
    return -1;
}
