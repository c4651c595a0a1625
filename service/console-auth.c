/* The operator console's sign-in (docs/checkout.md, "Operator console").
 *
 * The operator types an API key once; the browser then holds only a
 * random token in a cookie (HttpOnly so no script reads it, SameSite=
 * Strict so no other site's page sends it, Secure behind TLS). The token
 * maps, in this process's memory, to the key's secret, checked against the
 * ledger on every request so that a revoked key stops working at once;
 * a restart signs everyone out. Each sign-in also has a CSRF token that
 * every form that changes something must send back. */
#include <string.h>

#include "console.h"

#define LOGIN_SECONDS (8 * 3600)
#define COOKIE "tender_console"

typedef struct {
    char *secret; /* the API key's secret: wiped when dropped */
    char *csrf;
    gint64 expires_us;
} Login;

static GMutex logins_lock;
static GHashTable *logins; /* token -> Login* */

static void login_free(gpointer data)
{
    Login *l = data;
    explicit_bzero(l->secret, strlen(l->secret));
    g_free(l->secret);
    g_free(l->csrf);
    g_free(l);
}

static char *random_token(void)
{
    return checkout_random_hex(32);
}

void console_identity_clear(ConsoleIdentity *id)
{
    tender_api_key_free(id->key);
    g_free(id->csrf);
    g_free(id->token);
    memset(id, 0, sizeof *id);
}

/* The cookie's token from the request's Cookie header, or NULL. */
static char *cookie_token(const ServiceRequest *req)
{
    const char *header = service_request_header(req, "Cookie");
    if (header == NULL)
        return NULL;
    g_auto(GStrv) parts = g_strsplit(header, ";", -1);
    for (gsize i = 0; parts[i]; i++) {
        const char *p = g_strstrip(parts[i]);
        if (g_str_has_prefix(p, COOKIE "="))
            return g_strdup(p + strlen(COOKIE "="));
    }
    return NULL;
}

gboolean console_identify(Service *svc, const ServiceRequest *req, ConsoleIdentity *out)
{
    memset(out, 0, sizeof *out);
    g_autofree char *token = cookie_token(req);
    if (token == NULL)
        return FALSE;
    char *secret = NULL;
    g_mutex_lock(&logins_lock);
    Login *l = logins ? g_hash_table_lookup(logins, token) : NULL;
    if (l && l->expires_us <= g_get_real_time()) {
        g_hash_table_remove(logins, token);
        l = NULL;
    }
    if (l) {
        secret = g_strdup(l->secret);
        out->csrf = g_strdup(l->csrf);
    }
    g_mutex_unlock(&logins_lock);
    if (secret == NULL)
        return FALSE;
    out->key = tender_host_api_key_verify(svc->host, secret, NULL);
    explicit_bzero(secret, strlen(secret));
    g_free(secret);
    if (out->key == NULL) {
        console_identity_clear(out);
        return FALSE;
    }
    out->token = g_steal_pointer(&token);
    return TRUE;
}

TenderApiKey *console_login(Service *svc, const char *secret, char **token_out)
{
    TenderApiKey *key =
        secret && *secret ? tender_host_api_key_verify(svc->host, secret, NULL) : NULL;
    if (key == NULL)
        return NULL;
    Login *l = g_new0(Login, 1);
    l->secret = g_strdup(secret);
    l->csrf = random_token();
    l->expires_us = g_get_real_time() + (gint64)LOGIN_SECONDS * G_USEC_PER_SEC;
    *token_out = random_token();
    g_mutex_lock(&logins_lock);
    if (logins == NULL)
        logins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, login_free);
    g_hash_table_replace(logins, g_strdup(*token_out), l);
    g_mutex_unlock(&logins_lock);
    return key;
}

void console_logout(const char *token)
{
    g_mutex_lock(&logins_lock);
    if (logins && token)
        g_hash_table_remove(logins, token);
    g_mutex_unlock(&logins_lock);
}

void console_set_cookie(const ServiceRequest *req, ServiceResponse *resp, const char *token)
{
    const char *proto = service_request_header(req, "X-Forwarded-Proto");
    gboolean tls = proto && g_ascii_strcasecmp(proto, "https") == 0;
    g_autofree char *cookie =
        token ? g_strdup_printf(COOKIE "=%s; Path=/console; HttpOnly; SameSite=Strict%s", token,
                                tls ? "; Secure" : "")
              : g_strdup_printf(COOKIE "=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0%s",
                                tls ? "; Secure" : "");
    service_response_add_header(resp, "Set-Cookie", cookie);
}

gboolean console_csrf_ok(const ConsoleIdentity *id, const char *sent)
{
    if (id->csrf == NULL || sent == NULL || strlen(sent) != strlen(id->csrf))
        return FALSE;
    /* Constant time: the token is a secret of the sign-in. */
    unsigned char diff = 0;
    for (gsize i = 0; id->csrf[i]; i++)
        diff |= (unsigned char)(id->csrf[i] ^ sent[i]);
    return diff == 0;
}

char *console_new_operation_key(void)
{
    g_autofree char *token = random_token();
    return g_strdup_printf("console_%.32s", token);
}
