/* Deterministic ids and timestamps (see paypal-ids.h). */
#include "paypal-ids.h"

#include <stdio.h>
#include <string.h>

#include <tender/sdk-glib.h>

/* SHA-256 over the parts, each followed by a 0 byte so "ab"+"c" differs
 * from "a"+"bc". */
static void digest_parts(const char *const *parts, unsigned char md[32])
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    gsize md_len = 32;
    for (size_t i = 0; parts[i] != NULL; i++)
        g_checksum_update(sum, (const guchar *)parts[i], (gssize)strlen(parts[i]) + 1);
    g_checksum_get_digest(sum, md, &md_len);
    g_checksum_free(sum);
}

void paypal_derive_id(char *out, size_t len, const char *const *parts)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    unsigned char md[32];
    digest_parts(parts, md);
    if (len > 32)
        len = 32;
    for (size_t i = 0; i < len; i++)
        out[i] = alphabet[md[i] % 36];
    out[len] = '\0';
}

void paypal_derive_id2(char *out, size_t len, const char *a, const char *b)
{
    const char *parts[] = {a ? a : "", b ? b : "", NULL};
    paypal_derive_id(out, len, parts);
}

void paypal_derive_uuid(char *out, const char *a, const char *b)
{
    const char *parts[] = {a ? a : "", b ? b : "", NULL};
    unsigned char md[32];
    digest_parts(parts, md);
    /* 8-4-4-4-12 hex digits of the first 16 bytes. */
    static const size_t group_bytes[] = {4, 2, 2, 2, 6};
    size_t at = 0, w = 0;
    for (size_t g = 0; g < 5; g++) {
        if (g > 0)
            out[w++] = '-';
        tender_hex_encode(md + at, group_bytes[g], 0, out + w, 2 * group_bytes[g] + 1);
        at += group_bytes[g];
        w += 2 * group_bytes[g];
    }
}

void paypal_format_time(int64_t ms, int with_millis, char *out, size_t out_size)
{
    tender_time_rfc3339(ms, with_millis, out, out_size);
}
