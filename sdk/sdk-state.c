/* The table-driven plugin_state codec (see <tender/sdk-state.h>): one loop
 * writes and one loop reads every field, so a plugin's load and save can
 * never drift apart. Built on the tender_kv_* store. */
#include <tender/sdk.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Integer members of any width through int64_t. Signedness matters only on
 * the way in: a uint32_t of 4,000,000,000 must not come back negative. */
static int64_t field_int_get_(const tender_state_field *f, const unsigned char *record)
{
    const void *p = record + f->offset;
    int is_signed = f->type != TENDER_STATE_UINT;
    switch (f->size) {
    case 1:
        return is_signed ? (int64_t) * (const int8_t *)p : (int64_t) * (const uint8_t *)p;
    case 2:
        return is_signed ? (int64_t) * (const int16_t *)p : (int64_t) * (const uint16_t *)p;
    case 4:
        return is_signed ? (int64_t) * (const int32_t *)p : (int64_t) * (const uint32_t *)p;
    case 8:
        return *(const int64_t *)p;
    default:
        return 0;
    }
}

static void field_int_set_(const tender_state_field *f, unsigned char *record, int64_t v)
{
    void *p = record + f->offset;
    switch (f->size) {
    case 1:
        *(uint8_t *)p = (uint8_t)v;
        break;
    case 2:
        *(uint16_t *)p = (uint16_t)v;
        break;
    case 4:
        *(uint32_t *)p = (uint32_t)v;
        break;
    case 8:
        *(int64_t *)p = v;
        break;
    }
}

static size_t names_count_(const char *const *names)
{
    size_t n = 0;
    while (names != NULL && names[n] != NULL)
        n++;
    return n;
}

int tender_state_encode(const tender_state_codec *codec, const void *record, char *out,
                        size_t out_size)
{
    char buf[TENDER_RESULT_STATE_MAX] = "";
    const unsigned char *r = record;
    int omit = (codec->flags & TENDER_STATE_OMIT_EMPTY) != 0;
    int ok = tender_kv_set(buf, sizeof buf, "v", codec->version);
    for (size_t i = 0; ok && i < codec->n_fields; i++) {
        const tender_state_field *f = &codec->fields[i];
        if (f->type == TENDER_STATE_TEXT) {
            /* Bounded by the member's size even if it lost its NUL. */
            char text[TENDER_RESULT_STATE_MAX];
            const char *member = (const char *)r + f->offset;
            const char *nul = memchr(member, '\0', f->size);
            size_t len = nul ? (size_t)(nul - member) : f->size;
            if (len >= sizeof text)
                return 0;
            memcpy(text, member, len);
            text[len] = '\0';
            if (!(omit && len == 0))
                ok = tender_kv_set(buf, sizeof buf, f->key, text);
        } else if (f->type == TENDER_STATE_ENUM) {
            int64_t v = field_int_get_(f, r);
            size_t n = names_count_(f->names);
            if (v < 0 || (size_t)v >= n)
                return 0; /* a value with no name cannot be read back */
            if (!(omit && v == 0))
                ok = tender_kv_set(buf, sizeof buf, f->key, f->names[v]);
        } else {
            int64_t v = field_int_get_(f, r);
            if (!(omit && v == 0))
                ok = tender_kv_set_int(buf, sizeof buf, f->key, v);
        }
    }
    if (!ok || strlen(buf) + 1 > out_size) {
        if (out_size > 0)
            out[0] = '\0';
        return 0;
    }
    memcpy(out, buf, strlen(buf) + 1);
    return 1;
}

/* A whole decimal integer, nothing around it. */
static int parse_int_(const char *text, int64_t *out)
{
    if (text[0] == '\0')
        return 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (*end != '\0')
        return 0;
    *out = (int64_t)v;
    return 1;
}

static int decode_field_(const tender_state_field *f, const char *text, unsigned char *r)
{
    char value[TENDER_RESULT_STATE_MAX];
    int got = tender_kv_get(text, f->key, value, sizeof value);
    int required = (f->flags & TENDER_STATE_REQUIRED) != 0;
    if (got != 1)
        value[0] = '\0';
    switch (f->type) {
    case TENDER_STATE_TEXT:
        if (strlen(value) >= f->size)
            value[0] = '\0'; /* too long for the field: as if absent */
        memcpy(r + f->offset, value, strlen(value) + 1);
        return !(required && value[0] == '\0');
    case TENDER_STATE_ENUM: {
        if (value[0] == '\0')
            return !required;
        for (size_t i = 0; f->names != NULL && f->names[i] != NULL; i++) {
            if (strcmp(f->names[i], value) == 0) {
                field_int_set_(f, r, (int64_t)i);
                return !(required && i == 0);
            }
        }
        return 0;
    }
    case TENDER_STATE_INT:
    case TENDER_STATE_UINT: {
        int64_t v = 0;
        if (value[0] != '\0' && !parse_int_(value, &v))
            return 0;
        field_int_set_(f, r, v);
        return !(required && v == 0);
    }
    }
    return 0;
}

tender_state_status tender_state_decode(const tender_state_codec *codec, const char *text,
                                        void *record)
{
    char version[32];
    memset(record, 0, codec->record_size);
    if (text == NULL || text[0] == '\0')
        return TENDER_STATE_EMPTY;
    if (tender_kv_get(text, "v", version, sizeof version) != 1 ||
        strcmp(version, codec->version) != 0)
        return TENDER_STATE_VERSION_MISMATCH;
    for (size_t i = 0; i < codec->n_fields; i++) {
        if (!decode_field_(&codec->fields[i], text, record)) {
            memset(record, 0, codec->record_size);
            return TENDER_STATE_MALFORMED;
        }
    }
    return TENDER_STATE_OK;
}

/* ---- bounded id lists ---------------------------------------------------- */

size_t tender_id_list_count(const char *list, char sep)
{
    if (list == NULL || list[0] == '\0')
        return 0;
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == sep;
    return n;
}

int tender_id_list_contains(const char *list, char sep, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || list == NULL)
        return 0;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, sep);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, id, n) == 0)
            return 1;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return 0;
}

int tender_id_list_add(char *list, size_t list_size, char sep, size_t max_ids, const char *id)
{
    if (list == NULL || id == NULL || id[0] == '\0' || strchr(id, sep) != NULL || max_ids == 0 ||
        strlen(id) + 1 > list_size)
        return -1;
    if (tender_id_list_contains(list, sep, id))
        return 0;
    /* Drop the oldest until one more fits, by count and by bytes. */
    while (list[0] != '\0' && (tender_id_list_count(list, sep) >= max_ids ||
                               strlen(list) + 1 + strlen(id) + 1 > list_size)) {
        char *next = strchr(list, sep);
        if (next == NULL)
            list[0] = '\0';
        else
            memmove(list, next + 1, strlen(next + 1) + 1);
    }
    size_t len = strlen(list);
    if (len > 0)
        list[len++] = sep;
    memcpy(list + len, id, strlen(id) + 1);
    return 1;
}

int64_t tender_id_list_amount(const char *list, char sep, char tag, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || list == NULL)
        return -1;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, sep);
        if (strncmp(p, id, n) == 0 && p[n] == tag) {
            int64_t amount = 0;
            char text[24];
            size_t len = (end ? (size_t)(end - p) : strlen(p)) - n - 1;
            if (len == 0 || len >= sizeof text)
                return -1;
            memcpy(text, p + n + 1, len);
            text[len] = '\0';
            return parse_int_(text, &amount) && amount >= 0 ? amount : -1;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return -1;
}

int tender_id_list_add_amount(char *list, size_t list_size, char sep, char tag, size_t max_ids,
                              const char *id, int64_t amount)
{
    if (list == NULL || id == NULL || id[0] == '\0' || strchr(id, sep) != NULL ||
        strchr(id, tag) != NULL || amount < 0)
        return -1;
    if (tender_id_list_amount(list, sep, tag, id) >= 0)
        return 0;
    if (tender_id_list_count(list, sep) >= max_ids)
        return -1;
    char entry[TENDER_RESULT_REF_MAX + 32];
    int n = snprintf(entry, sizeof entry, "%s%s%c%lld", list[0] ? (char[]){sep, '\0'} : "", id, tag,
                     (long long)amount);
    if (n < 0 || (size_t)n >= sizeof entry || strlen(list) + (size_t)n + 1 > list_size)
        return -1;
    memcpy(list + strlen(list), entry, (size_t)n + 1);
    return 1;
}
