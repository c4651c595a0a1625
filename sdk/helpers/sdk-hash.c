/* Digests and MACs as hex, on GChecksum and GHmac: the one place the
 * bundled plugins turn a digest into text or a number. */
#include <tender/sdk-glib.h>

#include <string.h>

void tender_hex_encode(const void *bytes, size_t n, int upper, char *out, size_t out_size)
{
    static const char lower_digits[] = "0123456789abcdef", upper_digits[] = "0123456789ABCDEF";
    const char *digits = upper ? upper_digits : lower_digits;
    const unsigned char *b = bytes;
    size_t w = 0;
    if (out == NULL || out_size == 0)
        return;
    for (size_t i = 0; i < n && w + 1 < out_size; i++) {
        out[w++] = digits[b[i] >> 4];
        if (w + 1 < out_size)
            out[w++] = digits[b[i] & 15];
    }
    out[w] = '\0';
}

void tender_checksum_hex(GChecksum *sum, int upper, char *out, size_t out_size)
{
    guint8 digest[64];
    gsize len = sizeof digest;
    g_checksum_get_digest(sum, digest, &len);
    tender_hex_encode(digest, len, upper, out, out_size);
}

void tender_digest_hex(GChecksumType type, const void *data, size_t len, int upper, char *out,
                       size_t out_size)
{
    GChecksum *sum = g_checksum_new(type);
    g_checksum_update(sum, data, (gssize)len);
    tender_checksum_hex(sum, upper, out, out_size);
    g_checksum_free(sum);
}

uint64_t tender_checksum_number(GChecksum *sum, size_t bytes)
{
    guint8 digest[64];
    gsize len = sizeof digest;
    g_checksum_get_digest(sum, digest, &len);
    uint64_t n = 0;
    for (size_t i = 0; i < bytes && i < 8 && i < len; i++)
        n = n << 8 | digest[i];
    return n;
}

void tender_hmac_hex(GChecksumType type, const void *key, size_t key_len, const void *data,
                     size_t len, int upper, char *out, size_t out_size)
{
    guint8 digest[64];
    gsize digest_len = sizeof digest;
    GHmac *hmac = g_hmac_new(type, key, key_len);
    g_hmac_update(hmac, data, (gssize)len);
    g_hmac_get_digest(hmac, digest, &digest_len);
    g_hmac_unref(hmac);
    tender_hex_encode(digest, digest_len, upper, out, out_size);
}
