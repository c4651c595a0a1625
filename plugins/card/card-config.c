/* Reading and checking the card method's settings. */
#include "card-config.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

static int fail(char *error, size_t error_size, const char *text)
{
    tender_copy_string(error, error_size, text);
    return -1;
}

int card_config_read(const tender_host_services *host, const char *method_id,
                     card_config *config, char *error, size_t error_size)
{
    memset(config, 0, sizeof *config);
    config->host = host;
    tender_copy_string(config->method_id, sizeof config->method_id, method_id);
    config->unionpay_luhn_exempt = 1;
    tender_copy_string(config->sandbox_otp, sizeof config->sandbox_otp, "123456");

    char mode[32] = "sandbox";
    int found = host->config_string(host, method_id, "mode", mode, sizeof mode);
    if (found < 0)
        return fail(error, error_size, "card: setting \"mode\" must be the string \"sandbox\"");
    if (found > 0 && strcmp(mode, "sandbox") != 0) {
        char text[160];
        snprintf(text, sizeof text,
                 "card: setting \"mode\" is \"%s\"; this build has only the offline "
                 "\"sandbox\" processor",
                 mode);
        return fail(error, error_size, text);
    }

    int exempt = 1;
    found = host->config_bool(host, method_id, "unionpay_luhn_exempt", &exempt);
    if (found < 0)
        return fail(error, error_size,
                    "card: setting \"unionpay_luhn_exempt\" must be true or false");
    config->unionpay_luhn_exempt = exempt ? 1 : 0;

    char otp[CARD_OTP_MAX];
    found = host->config_string(host, method_id, "sandbox_otp", otp, sizeof otp);
    if (found < 0 || (found > 0 && (!tender_all_digits(otp) || strlen(otp) < 4 ||
                                    strlen(otp) > 8)))
        return fail(error, error_size,
                    "card: setting \"sandbox_otp\" must be a string of 4 to 8 digits");
    if (found > 0)
        tender_copy_string(config->sandbox_otp, sizeof config->sandbox_otp, otp);
    return 0;
}

long long card_now_ms(const card_config *config)
{
    return (long long)config->host->now_ms(config->host);
}
