/* Reading and checking the card method's settings. */
#include "card-config.h"

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

    if (tender_setting_require_sandbox(host, method_id, "card", error, error_size) != 0)
        return -1;

    int exempt = 1;
    if (tender_setting_bool(host, method_id, "unionpay_luhn_exempt", 1, &exempt, NULL, 0) < 0)
        return fail(error, error_size,
                    "card: setting \"unionpay_luhn_exempt\" must be true or false");
    config->unionpay_luhn_exempt = exempt;

    char otp[CARD_OTP_MAX];
    int found = tender_setting_string(host, method_id, "sandbox_otp", "123456", otp, sizeof otp,
                                      NULL, 0);
    if (found < 0 || (found > 0 && (!tender_all_digits(otp) || strlen(otp) < 4 ||
                                    strlen(otp) > 8)))
        return fail(error, error_size,
                    "card: setting \"sandbox_otp\" must be a string of 4 to 8 digits");
    tender_copy_string(config->sandbox_otp, sizeof config->sandbox_otp, otp);
    return 0;
}
