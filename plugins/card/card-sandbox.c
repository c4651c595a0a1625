/* The sandbox issuer's behaviour, keyed by the documented test numbers of
 * METHODS.md plus a few more for the remaining ISO 8583 codes and 3-D
 * Secure results (docs/methods/card.md lists them all). */
#include "card-sandbox.h"

#include <string.h>

static const card_test_card test_cards[] = {
    {"4242424242424242", "00", 0, NULL, "approved"},
    {"4000000000000002", "05", 0, NULL, "do_not_honor"},
    {"4000000000009995", "51", 0, NULL, "insufficient_funds"},
    {"4000000000009987", "41", 0, NULL, "lost_card"},
    {"4000000000009979", "43", 0, NULL, "stolen_card"},
    {"4000000000000069", "54", 0, NULL, "expired_card"},
    {"4000000000000127", "N7", 0, NULL, "incorrect_cvc"},
    {"4000000000000119", "96", 0, NULL, "processing_error"},
    {"4100000000000019", "59", 0, NULL, "suspected_fraud"},
    {"4000000000003220", "00", 'C', "00", "three_ds_challenge"},
    {"4000008400001629", "00", 'C', "05", "three_ds_challenge_declined"},
    {"4000000000003055", "00", 'Y', NULL, "three_ds_frictionless"},
    /* Beyond METHODS.md: the other codes it lists, and the other 3-D
     * Secure results, so every mapping can be exercised. */
    {"4000000000000572", "57", 0, NULL, "not_permitted"},
    {"4000000000000614", "61", 0, NULL, "limit_exceeded"},
    {"4000000000000622", "62", 0, NULL, "restricted"},
    {"4000000000000655", "65", 0, NULL, "velocity_exceeded"},
    {"4000000000000911", "91", 0, NULL, "issuer_unavailable"},
    {"4000000000003063", "00", 'A', NULL, "three_ds_attempted"},
    {"4000000000003071", "00", 'U', NULL, "three_ds_unavailable"},
    {"4000000000003089", "00", 'R', NULL, "three_ds_rejected"},
};

const card_test_card *card_sandbox_test_cards(size_t *n)
{
    *n = sizeof test_cards / sizeof test_cards[0];
    return test_cards;
}

const card_test_card *card_sandbox_lookup(const char *digits)
{
    for (size_t i = 0; digits && i < sizeof test_cards / sizeof test_cards[0]; i++)
        if (strcmp(test_cards[i].number, digits) == 0)
            return &test_cards[i];
    return NULL;
}

card_decision card_sandbox_decide(const char *digits, int step_up)
{
    const card_test_card *card = card_sandbox_lookup(digits);
    card_decision d = {CARD_DECISION_APPROVE, "00", 0, NULL};
    if (card == NULL) {
        /* An ordinary valid number: the issuer approves; 3-D Secure runs
         * only when the host asks for it. */
        if (step_up) {
            d.kind = CARD_DECISION_CHALLENGE;
            d.three_ds = 'C';
            d.after_challenge = "00";
        }
        return d;
    }
    d.three_ds = card->three_ds;
    if (card->three_ds == 'R') {
        d.kind = CARD_DECISION_DECLINE_3DS;
        d.raw = "05";
        return d;
    }
    if (card->three_ds == 'C') {
        d.kind = CARD_DECISION_CHALLENGE;
        d.after_challenge = card->after_challenge;
        return d;
    }
    if (strcmp(card->raw, "00") != 0) {
        /* The issuer refuses before any authentication would matter. */
        d.kind = CARD_DECISION_DECLINE;
        d.raw = card->raw;
        return d;
    }
    if (step_up) {
        d.kind = CARD_DECISION_CHALLENGE;
        d.three_ds = 'C';
        d.after_challenge = "00";
    }
    return d;
}
