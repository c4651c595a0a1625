/* See http-trace.h. */
#include "http-trace.h"

#include "redact.h"

#include <string.h>

gboolean http_trace_header_is_secret(const char *name)
{
    static const char *const whole[] = {"cookie", "set-cookie", NULL};
    /* Keys that identify a request rather than unlock anything: kept, they
     * are what a trace is read for. */
    static const char *const identifiers[] = {"idempotency-key", "paypal-request-id", NULL};
    static const char *const parts[] = {"key",      "secret", "signature", "token",
                                        "password", "auth",   NULL};
    char *lower = g_ascii_strdown(name, -1);
    gboolean secret = FALSE;
    for (int i = 0; identifiers[i] != NULL; i++)
        if (strcmp(lower, identifiers[i]) == 0) {
            g_free(lower);
            return FALSE;
        }
    for (int i = 0; !secret && whole[i] != NULL; i++)
        secret = strcmp(lower, whole[i]) == 0;
    for (int i = 0; !secret && parts[i] != NULL; i++)
        secret = strstr(lower, parts[i]) != NULL;
    g_free(lower);
    return secret;
}

/* Appends text through the redaction routine, each line behind prefix. */
static void trace_append_redacted(GString *out, const char *prefix, const char *text,
                                  const char *const *secrets)
{
    char *clean = redact(text, secrets);
    char **lines = g_strsplit(clean, "\n", -1);
    for (int i = 0; lines[i] != NULL; i++) {
        gsize len = strlen(lines[i]);
        if (len > 0 && lines[i][len - 1] == '\r')
            lines[i][len - 1] = '\0';
        g_string_append_printf(out, "%s%s\n", prefix, lines[i]);
    }
    g_strfreev(lines);
    g_free(clean);
}

static void trace_append_headers(GString *out, const char *prefix,
                                 const TenderHttpClientHeader *headers, gsize n,
                                 const char *const *secrets)
{
    for (gsize i = 0; i < n; i++) {
        if (http_trace_header_is_secret(headers[i].name)) {
            g_string_append_printf(out, "%s%s: %s\n", prefix, headers[i].name, TENDER_REDACTED);
        } else {
            char *line = g_strdup_printf("%s: %s", headers[i].name, headers[i].value);
            trace_append_redacted(out, prefix, line, secrets);
            g_free(line);
        }
    }
}

/* A body: made valid UTF-8 (a NUL or binary byte becomes U+FFFD, so that
 * the redaction sees all of it), redacted whole, then cut. */
static void trace_append_body(GString *out, const char *prefix, const void *body, gsize len,
                              const char *const *secrets)
{
    if (body == NULL || len == 0)
        return;
    g_string_append_printf(out, "%s\n", prefix);
    char *text = g_utf8_make_valid(body, (gssize)len);
    char *clean = redact(text, secrets);
    gsize clean_len = strlen(clean);
    if (clean_len > TENDER_HTTP_TRACE_MAX_BODY) {
        const char *cut = g_utf8_find_prev_char(clean, clean + TENDER_HTTP_TRACE_MAX_BODY + 1);
        gsize keep = cut != NULL ? (gsize)(cut - clean) : 0;
        char *shown = g_strdup_printf("%.*s[... %" G_GSIZE_FORMAT " more bytes]", (int)keep, clean,
                                      clean_len - keep);
        trace_append_redacted(out, prefix, shown, NULL);
        g_free(shown);
    } else {
        trace_append_redacted(out, prefix, clean, NULL);
    }
    g_free(clean);
    g_free(text);
}

gchar *http_trace_format(const TenderHttpClientRequest *request,
                                const TenderHttpClientResponse *response, const GError *failure,
                                gint64 elapsed_ms, const char *const *secrets)
{
    GString *out = g_string_new(NULL);
    char *line = g_strdup_printf("%s %s", request->method != NULL ? request->method : "GET",
                                 request->url != NULL ? request->url : "");
    trace_append_redacted(out, "> ", line, secrets);
    g_free(line);
    trace_append_headers(out, "> ", request->headers, request->n_headers, secrets);
    trace_append_body(out, "> ", request->body, request->body_len, secrets);
    if (response != NULL) {
        if (elapsed_ms >= 0)
            g_string_append_printf(out, "< %d (%" G_GINT64_FORMAT " ms)\n", response->status,
                                   elapsed_ms);
        else
            g_string_append_printf(out, "< %d\n", response->status);
        trace_append_headers(out, "< ", response->headers, response->n_headers, secrets);
        trace_append_body(out, "< ", response->body, response->body_len, secrets);
    }
    if (failure != NULL) {
        trace_append_redacted(out, "! ", failure->message, secrets);
    }
    return g_string_free(out, FALSE);
}
