/* Idempotent requests, as Stripe documents them: a POST with an
 * Idempotency-Key header is run once; a retry with the same key and the
 * same parameters gets the first answer again (status and body, marked
 * Idempotent-Replayed: true), a retry with other parameters or on another
 * endpoint is refused with an idempotency_error. Keys are forgotten after
 * 24 hours of the gateway's clock.
 *
 * The record keeps a digest of the parameters, not the parameters: they
 * hold the card number. */
#include "sandbox-card.h"

#include <string.h>

#define IDEMPOTENCY_KEEP_MS ((gint64)24 * 3600 * 1000)

/* Stripe keeps the answer once the endpoint started executing, and not a
 * refusal of the request itself (bad parameters, unknown resource, wrong
 * state): a retry of those runs again. A card error (402) is a result of
 * executing, so it is kept. */
static gboolean answer_is_kept(guint status)
{
    return status < 400 || status == 402 || status >= 500;
}

/* Drop records older than a day (the whole table, at most once a minute
 * of the gateway's clock, so a long benchmark does not keep every key). */
static void forget_old_keys(CardCall *call, JsonObject *records)
{
    static gint64 last_sweep_ms;
    if (call->now_ms - last_sweep_ms < 60 * 1000)
        return;
    last_sweep_ms = call->now_ms;
    GList *keys = json_object_get_members(records);
    for (GList *l = keys; l; l = l->next) {
        JsonObject *record = json_object_get_object_member(records, l->data);
        if (call->now_ms - json_object_get_int_member(record, "created_ms") > IDEMPOTENCY_KEEP_MS)
            json_object_remove_member(records, l->data);
    }
    g_list_free(keys);
}

CardIdempotency card_idempotency_check(CardCall *call, const char *fingerprint, CardAnswer *replay)
{
    JsonObject *records = card_collection(call->state, "idempotency");
    forget_old_keys(call, records);
    JsonObject *record = json_object_get_member(records, call->idempotency_key)
                             ? json_object_get_object_member(records, call->idempotency_key)
                             : NULL;
    if (record != NULL &&
        call->now_ms - json_object_get_int_member(record, "created_ms") > IDEMPOTENCY_KEEP_MS) {
        json_object_remove_member(records, call->idempotency_key);
        record = NULL;
    }
    if (record == NULL)
        return CARD_IDEMPOTENCY_NEW;
    if (strcmp(json_object_get_string_member(record, "fingerprint"), fingerprint) != 0) {
        *replay = card_error(SOUP_STATUS_BAD_REQUEST, "idempotency_error", NULL, NULL,
                             "Keys for idempotent requests can only be used with the same "
                             "parameters they were first used with. Try using a key other than "
                             "'%s' if you meant to execute a different request.",
                             call->idempotency_key);
        return CARD_IDEMPOTENCY_CONFLICT;
    }
    replay->status = (guint)json_object_get_int_member(record, "status");
    replay->body = json_from_string(json_object_get_string_member(record, "body"), NULL);
    return CARD_IDEMPOTENCY_REPLAY;
}

void card_idempotency_save(CardCall *call, const char *fingerprint, const CardAnswer *answer)
{
    if (!answer_is_kept(answer->status))
        return;
    JsonObject *record = json_object_new();
    json_object_set_string_member(record, "fingerprint", fingerprint);
    json_object_set_int_member(record, "status", answer->status);
    /* As text: the answer's objects are the live ones, which later
     * requests change (json_node_copy would only share them). */
    char *body = json_to_string(answer->body, FALSE);
    json_object_set_string_member(record, "body", body);
    g_free(body);
    json_object_set_int_member(record, "created_ms", call->now_ms);
    json_object_set_object_member(card_collection(call->state, "idempotency"),
                                  call->idempotency_key, record);
}
