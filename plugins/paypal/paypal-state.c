/* plugin_state encoding of a PaypalOrder (see paypal-state.h). */
#include "paypal-state.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#define STATE_VERSION "pp1"

/* The string and integer fields with their state keys, so load and save
 * cannot drift apart. */
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
    X("lop", last_op) X("lout", last_outcome)           \
    X("ldc", last_decline) X("lamt", last_amount)

int paypal_state_load(PaypalOrder *o, const char *state)
{
    char version[8];
    memset(o, 0, sizeof *o);
    if (state == NULL || state[0] == '\0')
        return 0;
    if (tender_kv_get(state, "v", version, sizeof version) != 1 ||
        strcmp(version, STATE_VERSION) != 0)
        return 0;
#define LOAD_STR(key, field) \
    if (tender_kv_get(state, key, o->field, sizeof o->field) != 1) o->field[0] = '\0';
    STR_FIELDS(LOAD_STR)
#undef LOAD_STR
#define LOAD_INT(key, field) o->field = (__typeof__(o->field))tender_kv_get_int(state, key, 0);
    INT_FIELDS(LOAD_INT)
#undef LOAD_INT
    return o->order_id[0] != '\0';
}

int paypal_state_save(const PaypalOrder *o, char *out, size_t out_size)
{
    char buf[TENDER_RESULT_STATE_MAX] = "";
    int ok = tender_kv_set(buf, sizeof buf, "v", STATE_VERSION);
    /* Empty strings and zeros are left out: absent reads back as empty/0. */
#define SAVE_STR(key, field) \
    if (o->field[0] != '\0') ok = ok && tender_kv_set(buf, sizeof buf, key, o->field);
    STR_FIELDS(SAVE_STR)
#undef SAVE_STR
#define SAVE_INT(key, field) \
    if (o->field != 0) ok = ok && tender_kv_set_int(buf, sizeof buf, key, (int64_t)o->field);
    INT_FIELDS(SAVE_INT)
#undef SAVE_INT
    if (!ok || strlen(buf) + 1 > out_size)
        return 0;
    memcpy(out, buf, strlen(buf) + 1);
    return 1;
}

int paypal_ring_contains(const char *ring, const char *id)
{
    size_t n = strlen(id);
    if (n == 0)
        return 0;
    for (const char *p = ring; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, id, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

void paypal_ring_add(char *ring, size_t ring_size, const char *id)
{
    if (id[0] == '\0' || strchr(id, ',') != NULL || paypal_ring_contains(ring, id))
        return;
    /* Drop the oldest entries until the new one fits and the count is kept. */
    for (;;) {
        size_t count = ring[0] ? 1 : 0;
        for (const char *p = ring; *p; p++)
            count += *p == ',';
        if (count < PAYPAL_RING_MAX && strlen(ring) + 1 + strlen(id) + 1 <= ring_size)
            break;
        char *comma = strchr(ring, ',');
        if (comma == NULL) {
            ring[0] = '\0';
            break;
        }
        memmove(ring, comma + 1, strlen(comma + 1) + 1);
    }
    if (strlen(id) + 2 > ring_size)
        return;
    if (ring[0])
        strcat(ring, ",");
    strcat(ring, id);
}
