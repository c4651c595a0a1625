/* describe_instrument (ABI 1.1): the card's brand, first six, last four and
 * issuing country from the request's number alone, before the policy runs.
 * Nothing is sent anywhere; the number is read through the same parser as
 * authorize and wiped before returning. */
#include "card-ops.h"

#include <string.h>

#include <tender/sdk.h>

#include "card-brand.h"
#include "card-validate.h"

void card_describe_instrument(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_input in;
    /* Expiry and code problems are authorize's to report: the parser still
     * fills the display data when the number itself is valid. */
    tender_result scratch;
    memset(&scratch, 0, sizeof scratch);
    scratch.struct_size = sizeof scratch;
    card_input_parse(config, req, tender_now_ms(config->host), &in, &scratch);
    if (in.first6[0] == '\0') {
        card_input_wipe(&in);
        tender_result_outcome(res, TENDER_OUTCOME_DECLINED, "", "no valid card number");
        return;
    }
    TENDER_SET(res, display_brand, card_brand_name(in.brand));
    TENDER_SET(res, display_first6, in.first6);
    TENDER_SET(res, display_last4, in.last4);
    const char *country = card_bin_country(in.digits);
    TENDER_SET(res, display_country, country ? country : "");
    card_input_wipe(&in);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "", "described");
}
