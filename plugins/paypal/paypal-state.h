/* What the sandbox remembers about one PayPal order, kept in the payment's
 * plugin_state (percent-encoded k=v pairs) because the plugin is stateless.
 * Amounts are in PayPal's minor units of the order's currency. Nothing
 * sensitive is kept: the payer's e-mail only masked, the test-input class
 * as a word. */
#ifndef PAYPAL_STATE_H
#define PAYPAL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <tender/plugin.h>

#define PAYPAL_RING_MAX 8          /* recent ids remembered for idempotency */

typedef struct {
    /* The order (Orders v2). */
    char order_id[24];
    char intent[16];               /* CAPTURE | AUTHORIZE */
    char status[32];               /* PAYER_ACTION_REQUIRED | APPROVED | COMPLETED | VOIDED */
    char currency[4];
    int64_t amount;
    char region[4];                /* the buyer's ISO region (CN, not C2) */
    char payer_class[16];          /* sandbox test input: "", declined, refused, payer_action, pending */
    char payer_display[64];        /* masked e-mail, for display only */
    char payer_id[16];
    int extra_step_done;           /* payer_action test input: second approval passed */
    int64_t created_ms;
    int64_t approved_ms;
    /* The authorization (intent AUTHORIZE). */
    char auth_id[24];
    char auth_status[32];          /* CREATED | PARTIALLY_CAPTURED | CAPTURED | VOIDED */
    int64_t auth_amount;
    int64_t auth_ms;
    /* Captures and refunds. */
    int64_t captured;              /* completed captures */
    int64_t refunded;
    int64_t first_capture_ms;
    char last_capture_id[24];
    int64_t last_capture_amount;
    char pending_capture_id[24];   /* a capture PayPal holds as PENDING */
    int64_t pending_capture_amount;
    char last_refund_id[24];
    int64_t last_refund_amount;
    char capture_ids[PAYPAL_RING_MAX * 24];
    char refund_ids[PAYPAL_RING_MAX * 24];
    char webhook_ids[PAYPAL_RING_MAX * 48];
    /* The last refusal (sync reports it). */
    char decline_name[48];
    /* The last request applied (PayPal-Request-Id replay). */
    char last_request[128];
    uint32_t last_op;
    uint32_t last_outcome;
    uint32_t last_decline;
    int64_t last_amount;           /* in request minor units */
    char last_raw[48];
    char last_ref[24];
} PaypalOrder;

/* Read state text into o (zeroed first). Returns 0 when the text is empty or
 * not this plugin's state. */
int paypal_state_load(PaypalOrder *o, const char *state);

/* Write o as state text into out. Returns 0 if it does not fit. */
int paypal_state_save(const PaypalOrder *o, char *out, size_t out_size);

/* A comma-separated ring of recent ids: membership and insertion (the
 * oldest falls out after PAYPAL_RING_MAX). */
int paypal_ring_contains(const char *ring, const char *id);
void paypal_ring_add(char *ring, size_t ring_size, const char *id);

#endif
