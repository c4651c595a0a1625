/* Alipay's RSA2 signatures and the forms they cover, as the open platform
 * documents them:
 *
 *   - a request to gateway.do is signed over every parameter except sign,
 *     empty values left out, sorted by name, joined k=v&k=v, with the raw
 *     (percent-decoded) values in the request's charset;
 *   - a notification, and the parameters the cashier appends to return_url,
 *     are signed over every parameter except sign and sign_type, empty
 *     values kept as "k=";
 *   - an answer of gateway.do is signed over the exact text of its
 *     <method>_response member (sandbox-alipay-gateway.c).
 *
 * RSA2 is SHA256withRSA with PKCS#1 v1.5 padding, base64 (OpenSSL's EVP
 * digest-sign API and GLib's base64). */
#include "sandbox-alipay.h"

#include <string.h>

#include <openssl/rsa.h>

static void param_free(gpointer p)
{
    SandboxAlipayParam *param = p;
    g_free(param->name);
    g_free(param->value);
    g_free(param);
}

GPtrArray *sandbox_alipay_params_new(void)
{
    return g_ptr_array_new_with_free_func(param_free);
}

void sandbox_alipay_param_add(GPtrArray *params, const char *name, const char *value)
{
    SandboxAlipayParam *param = g_new0(SandboxAlipayParam, 1);
    param->name = g_strdup(name);
    param->value = g_strdup(value);
    g_ptr_array_add(params, param);
}

const char *sandbox_alipay_param(GPtrArray *params, const char *name)
{
    for (guint i = 0; i < params->len; i++) {
        SandboxAlipayParam *param = g_ptr_array_index(params, i);
        if (strcmp(param->name, name) == 0)
            return param->value;
    }
    return NULL;
}

/* Percent-decode one name or value ('+' first turned into a space) into a
 * NUL-terminated string; NULL when an escape is malformed or decodes to a
 * NUL byte. */
static char *form_unescape(const char *text, gsize len)
{
    char *spaced = g_strndup(text, len);
    for (char *p = spaced; *p; p++)
        if (*p == '+')
            *p = ' ';
    GBytes *bytes = g_uri_unescape_bytes(spaced, -1, NULL, NULL);
    g_free(spaced);
    if (bytes == NULL)
        return NULL;
    gsize size;
    const char *data = g_bytes_get_data(bytes, &size);
    char *out = NULL;
    if (memchr(data, '\0', size) == NULL)
        out = g_strndup(data, size);
    g_bytes_unref(bytes);
    return out;
}

gboolean sandbox_alipay_form_decode_into(GPtrArray *params, const char *text, gsize len)
{
    const char *end = text + len;
    const char *p = text;
    while (p < end) {
        const char *amp = memchr(p, '&', (gsize)(end - p));
        const char *stop = amp != NULL ? amp : end;
        if (stop > p) {
            const char *eq = memchr(p, '=', (gsize)(stop - p));
            const char *name_end = eq != NULL ? eq : stop;
            char *name = form_unescape(p, (gsize)(name_end - p));
            char *value = eq != NULL ? form_unescape(eq + 1, (gsize)(stop - eq - 1)) : g_strdup("");
            if (name == NULL || value == NULL || name[0] == '\0') {
                g_free(name);
                g_free(value);
                return FALSE;
            }
            SandboxAlipayParam *param = g_new0(SandboxAlipayParam, 1);
            param->name = name;
            param->value = value;
            g_ptr_array_add(params, param);
        }
        p = stop + 1;
    }
    return TRUE;
}

static gint compare_params_by_name(gconstpointer a, gconstpointer b)
{
    const SandboxAlipayParam *pa = *(SandboxAlipayParam *const *)a;
    const SandboxAlipayParam *pb = *(SandboxAlipayParam *const *)b;
    return strcmp(pa->name, pb->name);
}

/* Sort a shallow copy, so the caller's order (the order a form was sent
 * in) is kept for anything else. */
static GString *signing_string(GPtrArray *params, gboolean keep_empty, gboolean keep_sign_type)
{
    /* Not g_ptr_array_copy: the copy would inherit the free function. */
    GPtrArray *sorted = g_ptr_array_sized_new(params->len);
    for (guint i = 0; i < params->len; i++)
        g_ptr_array_add(sorted, g_ptr_array_index(params, i));
    g_ptr_array_sort(sorted, compare_params_by_name);
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < sorted->len; i++) {
        SandboxAlipayParam *param = g_ptr_array_index(sorted, i);
        if (strcmp(param->name, "sign") == 0)
            continue;
        if (!keep_sign_type && strcmp(param->name, "sign_type") == 0)
            continue;
        if (!keep_empty && param->value[0] == '\0')
            continue;
        if (out->len > 0)
            g_string_append_c(out, '&');
        g_string_append(out, param->name);
        g_string_append_c(out, '=');
        g_string_append(out, param->value);
    }
    g_ptr_array_unref(sorted);
    return out;
}

GString *sandbox_alipay_request_signing_string(GPtrArray *params)
{
    return signing_string(params, FALSE, TRUE);
}

GString *sandbox_alipay_notification_signing_string(GPtrArray *params)
{
    return signing_string(params, TRUE, FALSE);
}

char *sandbox_alipay_rsa2_sign(const void *data, gsize len)
{
    EVP_PKEY *key = sandbox_alipay_platform_private_key();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t sig_len = 0;
    unsigned char *sig = NULL;
    char *out = NULL;
    if (EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, key) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
        EVP_DigestSign(ctx, NULL, &sig_len, data, len) == 1) {
        sig = g_malloc(sig_len);
        if (EVP_DigestSign(ctx, sig, &sig_len, data, len) == 1)
            out = g_base64_encode(sig, sig_len);
    }
    g_free(sig);
    EVP_MD_CTX_free(ctx);
    if (out == NULL)
        g_error("alipay: RSA2 signing failed");
    return out;
}

gboolean sandbox_alipay_rsa2_verify(EVP_PKEY *key, const void *data, gsize len,
                                    const char *sign_b64)
{
    /* Strict base64, but line breaks inside are skipped as the SDKs'
     * decoders do. g_base64_decode would skip any junk silently. */
    GString *clean = g_string_new(NULL);
    for (const char *p = sign_b64; *p; p++) {
        if (*p == '\r' || *p == '\n')
            continue;
        if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=') {
            g_string_free(clean, TRUE);
            return FALSE;
        }
        g_string_append_c(clean, *p);
    }
    if (clean->len == 0 || clean->len % 4 != 0) {
        g_string_free(clean, TRUE);
        return FALSE;
    }
    gsize sig_len = 0;
    guchar *sig = g_base64_decode(clean->str, &sig_len);
    g_string_free(clean, TRUE);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    gboolean ok = EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, key) == 1 &&
                  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
                  EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    g_free(sig);
    return ok;
}

char *sandbox_alipay_form_encode(GPtrArray *params)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < params->len; i++) {
        SandboxAlipayParam *param = g_ptr_array_index(params, i);
        if (i > 0)
            g_string_append_c(out, '&');
        g_string_append_uri_escaped(out, param->name, NULL, FALSE);
        g_string_append_c(out, '=');
        g_string_append_uri_escaped(out, param->value, NULL, FALSE);
    }
    return g_string_free(out, FALSE);
}
