/* Deterministic ids and timestamps (see paypal-ids.h). */
#include "paypal-ids.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

/* SHA-256 over the parts, each followed by a 0 byte so "ab"+"c" differs
 * from "a"+"bc". */
static void digest_parts(const char *const *parts, unsigned char md[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int md_len = 0;
    memset(md, 0, 32);
    if (ctx == NULL)
        return;
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; parts[i] != NULL; i++)
        EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1);
    EVP_DigestFinal_ex(ctx, md, &md_len);
    EVP_MD_CTX_free(ctx);
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
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10],
             md[11], md[12], md[13], md[14], md[15]);
}

void paypal_format_time(int64_t ms, int with_millis, char *out, size_t out_size)
{
    time_t secs = (time_t)(ms / 1000);
    int millis = (int)(ms % 1000);
    if (millis < 0) {
        millis += 1000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    if (with_millis)
        snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    else
        snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
