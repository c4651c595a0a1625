/* The card method's settings, read once when an instance is created and
 * immutable afterwards, so one instance serves concurrent calls. */
#ifndef CARD_CONFIG_H
#define CARD_CONFIG_H

#include <stddef.h>

#include <tender/plugin.h>

#define CARD_OTP_MAX 16

typedef struct {
    /* The host's services (logging, clock); borrowed until unload. */
    const tender_host_services *host;
    /* The method id the host created us for (for logs and settings). */
    char method_id[32];
    /* "unionpay_luhn_exempt": UnionPay numbers skip the Luhn check. */
    int unionpay_luhn_exempt;
    /* "sandbox_otp": the one-time code the sandbox ACS accepts. */
    char sandbox_otp[CARD_OTP_MAX];
} card_config;

/* Read the method's settings through host->config_* ("mode",
 * "unionpay_luhn_exempt", "sandbox_otp"; docs/methods/card.md). Returns 0,
 * or -1 with a message naming the setting in error. Unknown keys are not
 * looked at: they are the host's business. */
int card_config_read(const tender_host_services *host, const char *method_id,
                     card_config *config, char *error, size_t error_size);

#endif
