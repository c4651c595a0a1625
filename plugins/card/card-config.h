/* The card method's settings, read once when an instance is created and
 * immutable afterwards, so one instance serves concurrent calls. */
#ifndef CARD_CONFIG_H
#define CARD_CONFIG_H

#include <stddef.h>

#include <tender/plugin.h>

/* The gateway every mode defaults to: its keys, not its address, tell test
 * mode from live mode (docs/methods/card.md). */
#define CARD_DEFAULT_ENDPOINT "https://api.stripe.com"

#define CARD_ENDPOINT_MAX 512
#define CARD_KEY_MAX 256

typedef struct {
    /* The host's services (logging, clock, http); borrowed until unload. */
    const tender_host_services *host;
    /* The method id the host created us for (for logs, settings, http). */
    char method_id[32];
    /* The host lends the http service (ABI 1.1). */
    int has_http;
    /* "unionpay_luhn_exempt": UnionPay numbers skip the Luhn check. */
    int unionpay_luhn_exempt;
    /* "mode": 1 for "live", 0 for "sandbox". */
    int live;
    /* "endpoint" without a trailing '/': the gateway's base URL. */
    char endpoint[CARD_ENDPOINT_MAX];
    /* "secret_key" (SECRET: sent only as the Authorization header, never
     * logged or copied into a result). */
    char secret_key[CARD_KEY_MAX];
    /* "webhook_secret" (SECRET, "whsec_…"); empty: notifications are
     * refused, since none can be verified. */
    char webhook_secret[CARD_KEY_MAX];
} card_config;

/* Read the method's settings through host->config_* ("mode", "endpoint",
 * "secret_key", "webhook_secret", "unionpay_luhn_exempt";
 * docs/methods/card.md). Returns 0, or -1 with a message naming the
 * setting (never its secret value) in error. */
int card_config_read(const tender_host_services *host, const char *method_id, card_config *config,
                     char *error, size_t error_size);

#endif
