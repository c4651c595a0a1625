/* plugin_state encoding of a PaypalOrder (see paypal-state.h). */
#include "paypal-state.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

/* pp2: the protocol client's state (pp1 was the in-plugin simulator's). */
#define STATE_VERSION "pp2"

/* The string and integer fields with their state keys, for the SDK's
 * table-driven codec: load and save cannot drift apart. Empty strings and
 * zeros are left out of the text (TENDER_STATE_OMIT_EMPTY). */
#define STR_FIELDS(X)                                     \
    X("o", order_id) X("i", intent) X("s", status)        \
    X("c", currency) X("rg", region) X("pd", payer_display) \
    X("pid", payer_id) X("url", approve_url)              \
    X("a", auth_id) X("as", auth_status)                  \
    X("caps", captures) X("pcap", pending_capture_id)     \
    X("lc", last_capture_id) X("lr", last_refund_id)      \
    X("whs", webhook_ids) X("dn", decline_name)           \
    X("rids", refund_ids)

#define INT_FIELDS(X)                                     \
    X("amt", amount) X("cms", created_ms)                 \
    X("aamt", auth_amount) X("ams", auth_ms)              \
    X("cap", captured) X("ref", refunded)                 \
    X("pcamt", pending_capture_amount) X("rams", reauth_ms)

#define TEXT_FIELD(key, member) TENDER_STATE_TEXT_FIELD(PaypalOrder, key, member, 0),
#define INT_FIELD(key, member) TENDER_STATE_INT_FIELD(PaypalOrder, key, member, 0),

static const tender_state_field order_fields[] = {STR_FIELDS(TEXT_FIELD) INT_FIELDS(INT_FIELD)};

static const tender_state_codec order_codec = {
    STATE_VERSION, sizeof(PaypalOrder), order_fields, TENDER_N_ELEMENTS(order_fields),
    TENDER_STATE_OMIT_EMPTY,
};

int paypal_state_load(PaypalOrder *o, const char *state)
{
    /* A state without an order id is not this plugin's. */
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

/* ---- the captures list ------------------------------------------------------ */

typedef struct {
    char id[PAYPAL_ID_MAX];
    long long amount;
    long long refunded;
} CaptureEntry;

static size_t captures_read(const char *text, CaptureEntry *out, size_t max)
{
    size_t n = 0;
    const char *p = text;
    while (*p != '\0' && n < max) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        char item[128];
        if (len < sizeof item) {
            memcpy(item, p, len);
            item[len] = '\0';
            char id[PAYPAL_ID_MAX];
            long long amount = 0, refunded = 0;
            if (sscanf(item, "%39[^:]:%lld:%lld", id, &amount, &refunded) == 3) {
                tender_copy_string(out[n].id, sizeof out[n].id, id);
                out[n].amount = amount;
                out[n].refunded = refunded;
                n++;
            }
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return n;
}

static void captures_write(PaypalOrder *o, const CaptureEntry *list, size_t n)
{
    o->captures[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(o->captures);
        snprintf(o->captures + used, sizeof o->captures - used, "%s%s:%lld:%lld", i ? "," : "",
                 list[i].id, list[i].amount, list[i].refunded);
    }
}

int paypal_captures_add(PaypalOrder *o, const char *id, int64_t amount)
{
    CaptureEntry list[PAYPAL_RING_MAX];
    size_t n = captures_read(o->captures, list, PAYPAL_RING_MAX);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0)
            return 1;
    if (n == PAYPAL_RING_MAX || strlen(id) >= PAYPAL_ID_MAX)
        return 0;
    tender_copy_string(list[n].id, sizeof list[n].id, id);
    list[n].amount = amount;
    list[n].refunded = 0;
    captures_write(o, list, n + 1);
    return 1;
}

int paypal_captures_find(const PaypalOrder *o, const char *id, int64_t *amount,
                         int64_t *refunded)
{
    CaptureEntry list[PAYPAL_RING_MAX];
    size_t n = captures_read(o->captures, list, PAYPAL_RING_MAX);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0) {
            *amount = list[i].amount;
            *refunded = list[i].refunded;
            return 1;
        }
    return 0;
}

int paypal_captures_refund(PaypalOrder *o, const char *id, int64_t amount)
{
    CaptureEntry list[PAYPAL_RING_MAX];
    size_t n = captures_read(o->captures, list, PAYPAL_RING_MAX);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0) {
            list[i].refunded += amount;
            captures_write(o, list, n);
            return 1;
        }
    return 0;
}

void paypal_captures_reset_refunds(PaypalOrder *o)
{
    CaptureEntry list[PAYPAL_RING_MAX];
    size_t n = captures_read(o->captures, list, PAYPAL_RING_MAX);
    for (size_t i = 0; i < n; i++)
        list[i].refunded = 0;
    captures_write(o, list, n);
}

int paypal_captures_set_refunded(PaypalOrder *o, const char *id, int64_t refunded)
{
    CaptureEntry list[PAYPAL_RING_MAX];
    size_t n = captures_read(o->captures, list, PAYPAL_RING_MAX);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0) {
            list[i].refunded = refunded;
            captures_write(o, list, n);
            return 1;
        }
    return 0;
}

size_t paypal_captures_split_refund(const PaypalOrder *o, int64_t amount,
                                    PaypalRefundPart parts[PAYPAL_RING_MAX])
{
    CaptureEntry list[PAYPAL_RING_MAX];
    size_t n = captures_read(o->captures, list, PAYPAL_RING_MAX);
    size_t used = 0;
    int64_t left = amount;
    for (size_t i = 0; i < n && left > 0; i++) {
        int64_t room = list[i].amount - list[i].refunded;
        if (room <= 0)
            continue;
        int64_t take = room < left ? room : left;
        tender_copy_string(parts[used].capture_id, sizeof parts[used].capture_id, list[i].id);
        parts[used].amount = take;
        used++;
        left -= take;
    }
    return left == 0 && amount > 0 ? used : 0;
}
