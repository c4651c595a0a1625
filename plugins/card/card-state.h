/* What the card plugin remembers about one payment, kept by the host as
 * plugin_state ("k=v&k=v", percent-encoded through the SDK's state codec):
 * the gateway's PaymentIntent id, display data and the amounts the gateway
 * last reported. Never the number or security code. */
#ifndef CARD_STATE_H
#define CARD_STATE_H

#include <stddef.h>
#include <stdint.h>

/* Where a card payment is, as the gateway last said. */
typedef enum {
    CARD_STATUS_NONE = 0,        /* no state (not a card payment of ours) */
    CARD_STATUS_REQUIRES_ACTION, /* 3-D Secure challenge waiting for the payer */
    CARD_STATUS_AUTHORIZED,      /* approved; captured/refunded say how far it went */
    CARD_STATUS_VOIDED,          /* canceled by the merchant or lapsed */
    CARD_STATUS_DECLINED,
    CARD_STATUS_SENT /* sent; the answer was lost (outcome unknown) */
} card_status;

typedef struct {
    card_status status;
    /* The gateway's PaymentIntent ("pi_…") and latest charge ("ch_…"). */
    char intent[64];
    char charge[64];
    char brand[16];
    char first6[8];
    char last4[8];
    char country[4];
    /* The operation that started the payment: "authorize" or "purchase". */
    char op[12];
    /* The gateway's 3-D Secure page while a challenge is open (public: the
     * payer's browser is sent there). */
    char action_url[512];
    /* 3-D Secure status letter (empty: not run) and ECI. */
    char three_ds[2];
    char eci[3];
    /* Amounts in the request's minor units, as the gateway reported them. */
    int64_t authorized;
    int64_t captured;
    int64_t refunded;
    int captures;
    int refunds;
    /* Whether the charge allows several captures (the gateway grants
     * multicapture per card): 1 yes, -1 no, 0 not said. */
    int multicapture;
    /* Host times (ms): when the authorization was approved, when the
     * challenge was issued. */
    int64_t auth_ms;
    int64_t action_ms;
    /* The refusal, for DECLINED. */
    uint32_t decline_code;
    char decline_raw[48];
} card_state;

/* Read plugin_state text into st. Returns 1, or 0 (st zeroed, status NONE)
 * when the text is empty or not a card state. */
int card_state_load(const char *text, card_state *st);

/* Write st as plugin_state text into buf (buf_size bytes). Returns 1, or 0
 * when it does not fit. */
int card_state_store(const card_state *st, char *buf, size_t buf_size);

/* The status's name in the state ("authorized", …). */
const char *card_status_name(card_status status);

#endif
