/* What the plugin remembers about one PayPal order between calls, kept in
 * the payment's plugin_state (the plugin itself is stateless): PayPal's ids
 * for the order, its authorization, captures and refunds, and the totals
 * Tender reports. PayPal holds the truth; sync reads it back. Amounts are in
 * PayPal's minor units of the order's currency. Nothing sensitive is kept:
 * the payer's e-mail only masked. */
#ifndef PAYPAL_STATE_H
#define PAYPAL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <tender/plugin.h>

#define PAYPAL_RING_MAX 8          /* captures and webhook ids remembered */
#define PAYPAL_ID_MAX 40           /* PayPal ids are 17 characters; room to spare */

typedef struct {
    /* The order (Orders v2). */
    char order_id[PAYPAL_ID_MAX];
    char intent[16];               /* CAPTURE | AUTHORIZE */
    char status[32];               /* PAYER_ACTION_REQUIRED | APPROVED | COMPLETED | VOIDED */
    char currency[4];
    int64_t amount;
    char region[4];                /* the buyer's ISO region (CN, not C2) */
    char payer_display[64];        /* masked e-mail, for display only */
    char payer_id[16];
    char approve_url[768];         /* PayPal's payer-action / approve link */
    int64_t created_ms;
    /* The authorization (intent AUTHORIZE). */
    char auth_id[PAYPAL_ID_MAX];
    char auth_status[32];          /* CREATED | PARTIALLY_CAPTURED | CAPTURED | VOIDED */
    int64_t auth_amount;
    int64_t auth_ms;               /* the original authorization: its 29 days */
    int64_t reauth_ms;             /* the merchant's reauthorization (0: none) */
    /* Captures ("ID:amount:refunded", comma-separated, newest last) and
     * the totals. */
    char captures[PAYPAL_RING_MAX * 64];
    int64_t captured;              /* completed captures */
    int64_t refunded;
    char pending_capture_id[PAYPAL_ID_MAX];
    int64_t pending_capture_amount;
    char last_capture_id[PAYPAL_ID_MAX];
    char last_refund_id[PAYPAL_ID_MAX];
    char refund_ids[PAYPAL_RING_MAX * 48]; /* this plugin's recent refunds */
    char webhook_ids[PAYPAL_RING_MAX * 48];
    /* The last refusal (sync reports it). */
    char decline_name[48];
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

/* The captures list: record a completed capture (or a pending one
 * completing), find one, and add a refund to it. Return 0 when the list is
 * full or the id unknown. */
int paypal_captures_add(PaypalOrder *o, const char *id, int64_t amount);
int paypal_captures_find(const PaypalOrder *o, const char *id, int64_t *amount,
                         int64_t *refunded);
int paypal_captures_refund(PaypalOrder *o, const char *id, int64_t amount);
/* Set every capture's refunded total to 0 (sync, before PayPal's list). */
void paypal_captures_reset_refunds(PaypalOrder *o);
/* Set a capture's refunded total (sync, from PayPal's list of refunds). */
int paypal_captures_set_refunded(PaypalOrder *o, const char *id, int64_t refunded);

/* A payment-level refund split over the captures: PayPal refunds one
 * capture per call, so amount is drawn from the captures' refundable
 * remainders, oldest first. Fills parts (at most PAYPAL_RING_MAX) and
 * returns how many; 0 when the captures together have less than amount
 * left (or amount is not positive). The split depends only on o and
 * amount, so a retry of the same refund makes the same parts. */
typedef struct {
    char capture_id[PAYPAL_ID_MAX];
    int64_t amount;
} PaypalRefundPart;

size_t paypal_captures_split_refund(const PaypalOrder *o, int64_t amount,
                                    PaypalRefundPart parts[PAYPAL_RING_MAX]);

#endif
