/* plugin_state encoding of a PaypalOrder (see paypal-state.h). */
#include "paypal-state.h"

#include <tender/sdk.h>

#define STATE_VERSION "pp1"

/* The string and integer fields with their state keys, for the SDK's
 * table-driven codec: load and save cannot drift apart. Empty strings and
 * zeros are left out of the text (TENDER_STATE_OMIT_EMPTY). */
#define STR_FIELDS(X)                                   \
    X("o", order_id) X("i", intent) X("s", status)      \
    X("c", currency) X("rg", region) X("pc", payer_class) \
    X("pd", payer_display) X("pid", payer_id)           \
    X("a", auth_id) X("as", auth_status)                \
    X("lc", last_capture_id) X("pcap", pending_capture_id) \
    X("lr", last_refund_id) X("caps", capture_ids)      \
    X("refs", refund_ids) X("whs", webhook_ids)         \
    X("dn", decline_name) X("lq", last_request)         \
    X("lraw", last_raw) X("lref", last_ref)

#define INT_FIELDS(X)                                   \
    X("amt", amount) X("ex", extra_step_done)           \
    X("cms", created_ms) X("apms", approved_ms)         \
    X("aamt", auth_amount) X("ams", auth_ms)            \
    X("cap", captured) X("ref", refunded)               \
    X("fcms", first_capture_ms) X("lca", last_capture_amount) \
    X("pcamt", pending_capture_amount) X("lra", last_refund_amount) \
    X("lamt", last_amount)

/* The uint32_t fields (tender_operation, tender_outcome, decline code). */
#define UINT_FIELDS(X) X("lop", last_op) X("lout", last_outcome) X("ldc", last_decline)

#define TEXT_FIELD(key, member) TENDER_STATE_TEXT_FIELD(PaypalOrder, key, member, 0),
#define INT_FIELD(key, member) TENDER_STATE_INT_FIELD(PaypalOrder, key, member, 0),
#define UINT_FIELD(key, member) TENDER_STATE_UINT_FIELD(PaypalOrder, key, member, 0),

/* A state without an order id is not this plugin's. */
static const tender_state_field order_fields[] = {
    STR_FIELDS(TEXT_FIELD) INT_FIELDS(INT_FIELD) UINT_FIELDS(UINT_FIELD)
};

static const tender_state_codec order_codec = {
    STATE_VERSION, sizeof(PaypalOrder), order_fields, TENDER_N_ELEMENTS(order_fields),
    TENDER_STATE_OMIT_EMPTY,
};

int paypal_state_load(PaypalOrder *o, const char *state)
{
    return tender_state_decode(&order_codec, state, o) == TENDER_STATE_OK &&
           o->order_id[0] != '\0';
}

int paypal_state_save(const PaypalOrder *o, char *out, size_t out_size)
{
    return tender_state_encode(&order_codec, o, out, out_size);
}

int paypal_ring_contains(const char *ring, const char *id)
{
    return tender_id_list_contains(ring, ',', id);
}

void paypal_ring_add(char *ring, size_t ring_size, const char *id)
{
    tender_id_list_add(ring, ring_size, ',', PAYPAL_RING_MAX, id);
}
