/* plugin_state as a record: a plugin describes its state struct once, as a
 * table of fields (key, type, place in the struct), and the SDK writes and
 * reads it as the percent-encoded "k=v&k=v" text the host keeps
 * (tender_kv_*). A version key "v" comes first; a state written by another
 * version is refused as a whole, never half read. Also: bounded lists of
 * ids kept inside a text field (notification ids seen, refund numbers), so
 * a state cannot grow past TENDER_RESULT_STATE_MAX.
 *
 * Part of libtender-sdk (plain C99, libc). Thread-safety: the functions
 * keep no state; a record and a buffer belong to the caller.
 */
#ifndef TENDER_SDK_STATE_H
#define TENDER_SDK_STATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a field is kept in the record. */
typedef enum tender_state_type {
    TENDER_STATE_TEXT = 1, /* char array; `size` is its size (NUL included) */
    TENDER_STATE_INT = 2,  /* signed integer of `size` 1, 2, 4 or 8 bytes */
    TENDER_STATE_UINT = 3, /* unsigned integer of `size` 1, 2, 4 or 8 bytes */
    TENDER_STATE_ENUM = 4  /* an int-sized enum, kept as its name in `names` */
} tender_state_type;

/* Field flags. */
enum {
    /* Decoding fails when the key is absent or empty (text), or 0 (numbers). */
    TENDER_STATE_REQUIRED = 1u << 0
};

/* One field of a record. Use the TENDER_STATE_* macros below to fill it. */
typedef struct tender_state_field {
    const char *key; /* its key in the text: short, [a-z0-9_] */
    tender_state_type type;
    size_t offset;  /* offsetof(record type, member) */
    size_t size;    /* sizeof the member */
    uint32_t flags; /* TENDER_STATE_REQUIRED */
    /* TENDER_STATE_ENUM: names indexed by value, NULL-terminated; a name
     * not in the list fails decoding. */
    const char *const *names;
} tender_state_field;

#define TENDER_STATE_FIELD_(rtype, key, kind, member, flags, names)                                \
    {                                                                                              \
        (key), (kind), offsetof(rtype, member), sizeof(((rtype *)0)->member), (flags), (names)     \
    }
/* A char array member. */
#define TENDER_STATE_TEXT_FIELD(rtype, key, member, flags)                                         \
    TENDER_STATE_FIELD_(rtype, key, TENDER_STATE_TEXT, member, flags, NULL)
/* A signed integer member (int, int64_t, …). */
#define TENDER_STATE_INT_FIELD(rtype, key, member, flags)                                          \
    TENDER_STATE_FIELD_(rtype, key, TENDER_STATE_INT, member, flags, NULL)
/* An unsigned integer member (uint32_t, …). */
#define TENDER_STATE_UINT_FIELD(rtype, key, member, flags)                                         \
    TENDER_STATE_FIELD_(rtype, key, TENDER_STATE_UINT, member, flags, NULL)
/* An enum member written as a word from `names` (indexed by value). */
#define TENDER_STATE_ENUM_FIELD(rtype, key, member, flags, names)                                  \
    TENDER_STATE_FIELD_(rtype, key, TENDER_STATE_ENUM, member, flags, names)

/* Codec flags. */
enum {
    /* Leave out empty text and zero numbers when encoding: absent reads back
     * as empty or 0, and the state stays short. */
    TENDER_STATE_OMIT_EMPTY = 1u << 0
};

/* A record's description: plugin-static. */
typedef struct tender_state_codec {
    const char *version; /* the value of key "v", e.g. "1" */
    size_t record_size;  /* sizeof the record */
    const tender_state_field *fields;
    size_t n_fields;
    uint32_t flags; /* TENDER_STATE_OMIT_EMPTY */
} tender_state_codec;

/* What tender_state_decode found. */
typedef enum tender_state_status {
    TENDER_STATE_OK = 1,                /* the record is filled */
    TENDER_STATE_EMPTY = 0,             /* no state (NULL or ""): a new payment */
    TENDER_STATE_VERSION_MISMATCH = -1, /* no "v", or another version's */
    TENDER_STATE_MALFORMED = -2         /* a required field missing, a bad number or name */
} tender_state_status;

/* Read text into record (record_size bytes, zeroed first). A text value too
 * long for its field reads as empty; an absent number as 0. On anything but
 * TENDER_STATE_OK the record is left zeroed. */
tender_state_status tender_state_decode(const tender_state_codec *codec, const char *text,
                                        void *record);

/* Write record as text into out (out_size bytes; TENDER_RESULT_STATE_MAX
 * for a result's plugin_state). Returns 1, or 0 when it does not fit (out
 * then holds ""). */
int tender_state_encode(const tender_state_codec *codec, const void *record, char *out,
                        size_t out_size);

/* ---- bounded id lists ---------------------------------------------------- */
/* A list of ids kept in a text field, joined by `sep` (a character that no
 * id holds and that the state encoding keeps short, e.g. ',' or '_'),
 * oldest first. */

/* How many ids the list holds. */
size_t tender_id_list_count(const char *list, char sep);

/* 1 when id is in the list. An empty id is never in it. */
int tender_id_list_contains(const char *list, char sep, const char *id);

/* Append id, first dropping the oldest ids until at most max_ids - 1 remain
 * and the new one fits in list_size bytes. Returns 1 when added, 0 when
 * already there (nothing changes), -1 when refused: an empty id, one that
 * holds sep, or one that cannot fit even in an empty list. */
int tender_id_list_add(char *list, size_t list_size, char sep, size_t max_ids, const char *id);

/* Lists of ids with an amount each, "id<tag>amount" entries joined by sep
 * (e.g. refund numbers and what each refunded: "r1:500;r2:250"). Nothing
 * is ever dropped from such a list: forgetting a refund would pay it twice.
 *
 * The amount recorded for id, or -1 when id is not in the list. */
int64_t tender_id_list_amount(const char *list, char sep, char tag, const char *id);

/* Append "id<tag>amount" unless id is there. Returns 1 when added, 0 when
 * already there (nothing changes), -1 when refused: an empty id or one
 * holding sep or tag, a negative amount, max_ids entries already, or no
 * room in list_size bytes. */
int tender_id_list_add_amount(char *list, size_t list_size, char sep, char tag, size_t max_ids,
                              const char *id, int64_t amount);

#ifdef __cplusplus
}
#endif

#endif /* TENDER_SDK_STATE_H */
