/* The sandbox issuer and 3-D Secure directory: which documented test number
 * does what, and what an authorization attempt turns into (approve,
 * decline, or a 3-D Secure challenge). Constant data: thread-safe. */
#ifndef CARD_SANDBOX_H
#define CARD_SANDBOX_H

#include <stddef.h>

/* What the sandbox does with a card number. */
typedef struct {
    const char *number;       /* the test number (digits) */
    const char *raw;          /* issuer's ISO 8583 answer to the authorization */
    char three_ds;            /* 3-D Secure result: 0 (not run), 'Y', 'A', 'U', 'R', or
                                 'C' (challenge required) */
    const char *after_challenge; /* with 'C': the issuer's answer after a passed challenge */
    const char *name;         /* short name for fixtures and docs */
} card_test_card;

typedef enum {
    CARD_DECISION_APPROVE,
    CARD_DECISION_DECLINE,     /* raw is the issuer's code */
    CARD_DECISION_DECLINE_3DS, /* 3-D Secure rejected the payer (three_ds R) */
    CARD_DECISION_CHALLENGE    /* ask the payer for the one-time code */
} card_decision_kind;

typedef struct {
    card_decision_kind kind;
    const char *raw;             /* APPROVE "00", DECLINE its code */
    char three_ds;               /* status to report (0: 3-D Secure not run) */
    const char *after_challenge; /* CHALLENGE: the issuer's answer once the code passes */
} card_decision;

/* The documented test cards, n set to their count. */
const card_test_card *card_sandbox_test_cards(size_t *n);

/* The test card for digits, or NULL for an ordinary number (approved). */
const card_test_card *card_sandbox_lookup(const char *digits);

/* What authorizing digits does; step_up is the host's request for strong
 * authentication: every card that would be approved is challenged. */
card_decision card_sandbox_decide(const char *digits, int step_up);

#endif
