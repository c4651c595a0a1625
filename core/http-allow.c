/* See http-allow.h. */
#include "http-allow.h"

#include <arpa/inet.h>
#include <string.h>

GQuark http_allow_error_quark(void)
{
    return g_quark_from_static_string("tender-http-allow-error");
}

/* A URL taken apart: scheme "http" or "https", host lowercased without
 * brackets or trailing dot, port filled in. */
typedef struct {
    char *scheme;
    char *host;
    int port;
    gboolean has_query_or_fragment;
} AllowTarget;

static void allow_target_clear(AllowTarget *target)
{
    g_free(target->scheme);
    g_free(target->host);
}

/* Printable ASCII without space or backslash: the characters on which
 * GUri and libcurl agree. */
static gboolean allow_plain_ascii(const char *text)
{
    for (const char *c = text; *c != '\0'; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '\\')
            return FALSE;
    return TRUE;
}

static char *allow_normal_host(const char *host)
{
    char *normal = g_ascii_strdown(host, -1);
    gsize len = strlen(normal);
    if (len > 1 && normal[len - 1] == '.')
        normal[len - 1] = '\0';
    return normal;
}

/* Parses url into target, or returns a reason for refusing it. */
static char *allow_parse(const char *url, AllowTarget *target)
{
    memset(target, 0, sizeof *target);
    if (url == NULL || url[0] == '\0')
        return g_strdup("the URL is empty");
    if (!allow_plain_ascii(url))
        return g_strdup("the URL has spaces, control, non-ASCII or backslash characters");
    /* A percent sign in the authority: GUri decodes some escapes in a host
     * and libcurl others, so refuse rather than guess which host is meant. */
    const char *authority = strstr(url, "://");
    if (authority != NULL) {
        authority += 3;
        gsize authority_len = strcspn(authority, "/?#");
        if (memchr(authority, '%', authority_len) != NULL)
            return g_strdup("the URL's host is percent-encoded or has a zone");
    }
    GUri *uri = g_uri_parse(url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
    if (uri == NULL)
        return g_strdup("the URL is malformed");
    char *reason = NULL;
    const char *scheme = g_uri_get_scheme(uri);
    const char *host = g_uri_get_host(uri);
    if (g_ascii_strcasecmp(scheme, "https") != 0 && g_ascii_strcasecmp(scheme, "http") != 0)
        reason = g_strdup_printf("the scheme %s is not http or https", scheme);
    else if (g_uri_get_userinfo(uri) != NULL)
        reason = g_strdup("the URL carries credentials (user@host)");
    else if (host == NULL || host[0] == '\0' || strcmp(host, ".") == 0)
        reason = g_strdup("the URL has no host");
    else if (strchr(host, '%') != NULL)
        reason = g_strdup("the URL's host is percent-encoded or has a zone");
    if (reason != NULL) {
        g_uri_unref(uri);
        return reason;
    }
    target->scheme = g_ascii_strdown(scheme, -1);
    target->host = allow_normal_host(host);
    target->port = g_uri_get_port(uri);
    if (target->port < 0)
        target->port = strcmp(target->scheme, "https") == 0 ? 443 : 80;
    target->has_query_or_fragment = g_uri_get_query(uri) != NULL || g_uri_get_fragment(uri) != NULL;
    g_uri_unref(uri);
    if (target->port == 0) {
        allow_target_clear(target);
        return g_strdup("the URL's port is 0");
    }
    return NULL;
}

gboolean http_host_is_loopback(const char *host)
{
    if (host == NULL)
        return FALSE;
    if (g_ascii_strcasecmp(host, "localhost") == 0 || g_ascii_strcasecmp(host, "localhost.") == 0)
        return TRUE;
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    struct in6_addr v6;
    if (inet_pton(AF_INET6, host, &v6) == 1)
        return memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
    return FALSE;
}

/* Parses an allowed_hosts entry into host (normalised) and port (-1 when
 * none was given). */
static gboolean allow_parse_entry(const char *entry, char **host, int *port)
{
    if (entry == NULL || entry[0] == '\0' || !allow_plain_ascii(entry) ||
        strpbrk(entry, "/?#@%") != NULL)
        return FALSE;
    /* Reuse the URL parser for host[:port], brackets and all. */
    char *url = g_strconcat("https://", entry, "/", NULL);
    GUri *uri = g_uri_parse(url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
    g_free(url);
    if (uri == NULL)
        return FALSE;
    const char *h = g_uri_get_host(uri);
    gboolean ok = h != NULL && h[0] != '\0' && strcmp(h, ".") != 0 && g_uri_get_port(uri) != 0;
    if (ok) {
        *host = allow_normal_host(h);
        *port = g_uri_get_port(uri);
    }
    g_uri_unref(uri);
    return ok;
}

/* One place a method may reach: scheme (NULL: the URL's own), host and
 * port (-1: the URL scheme's default). */
typedef struct {
    char *scheme;
    char *host;
    int port;
} AllowPlace;

struct HttpAllowList {
    GArray *places; /* AllowPlace, the endpoint's first */
    /* The endpoint's "scheme://authority" as written, when the rule allows
     * it: see allow_fast_path(). NULL otherwise. */
    char *endpoint_prefix;
};

static gboolean allow_check_parsed(const HttpAllowList *list, const char *url, char **reason);

/* Whether what follows the endpoint's authority in a URL is plain enough
 * that parsing the URL could not change the verdict: the characters RFC
 * 3986 allows in a path, query and fragment, and only well-formed percent
 * escapes (GUri refuses others). Anything else goes through the parser. */
static gboolean allow_plain_rest(const char *rest)
{
    for (const char *c = rest; *c != '\0'; c++) {
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f ||
            strchr("\"<>\\^`{|}", *c) != NULL)
            return FALSE;
        if (*c == '%') {
            if (!g_ascii_isxdigit(c[1]) || !g_ascii_isxdigit(c[2]))
                return FALSE;
            c += 2;
        }
    }
    return TRUE;
}

/* The common case without parsing: a URL under the method's endpoint,
 * whose authority is byte for byte the endpoint's (which was parsed and
 * allowed when the list was made), followed by a path or nothing. Every
 * request a plugin builds from its endpoint takes this way; parsing each
 * URL cost about 4 k instructions a call (bench/README.md). */
static gboolean allow_fast_path(const HttpAllowList *list, const char *url)
{
    if (list->endpoint_prefix == NULL || !g_str_has_prefix(url, list->endpoint_prefix))
        return FALSE;
    const char *rest = url + strlen(list->endpoint_prefix);
    return (rest[0] == '/' || rest[0] == '\0') && allow_plain_rest(rest);
}

HttpAllowList *http_allow_list_new(const char *endpoint, const char *const *allowed_hosts)
{
    HttpAllowList *list = g_new0(HttpAllowList, 1);
    list->places = g_array_new(FALSE, FALSE, sizeof(AllowPlace));
    if (endpoint != NULL) {
        AllowTarget base;
        char *bad = allow_parse(endpoint, &base);
        if (bad == NULL) {
            AllowPlace place = {base.scheme, base.host, base.port};
            g_array_append_val(list->places, place);
        }
        g_free(bad);
    }
    const char *authority = endpoint != NULL ? strstr(endpoint, "://") : NULL;
    for (gsize i = 0; allowed_hosts != NULL && allowed_hosts[i] != NULL; i++) {
        AllowPlace place = {NULL, NULL, -1};
        if (allow_parse_entry(allowed_hosts[i], &place.host, &place.port))
            g_array_append_val(list->places, place);
    }
    if (authority != NULL) {
        char *prefix = g_strndup(endpoint, (gsize)(authority + 3 - endpoint) +
                                               strcspn(authority + 3, "/?#"));
        if (allow_check_parsed(list, prefix, NULL))
            list->endpoint_prefix = prefix;
        else
            g_free(prefix);
    }
    return list;
}

void http_allow_list_free(HttpAllowList *list)
{
    if (list == NULL)
        return;
    for (guint i = 0; i < list->places->len; i++) {
        AllowPlace *place = &g_array_index(list->places, AllowPlace, i);
        g_free(place->scheme);
        g_free(place->host);
    }
    g_array_free(list->places, TRUE);
    g_free(list->endpoint_prefix);
    g_free(list);
}

gboolean http_allow_list_check(const HttpAllowList *list, const char *url, char **reason)
{
    if (url != NULL && allow_fast_path(list, url)) {
        if (reason != NULL)
            *reason = NULL;
        return TRUE;
    }
    return allow_check_parsed(list, url, reason);
}

static gboolean allow_check_parsed(const HttpAllowList *list, const char *url, char **reason)
{
    AllowTarget target;
    char *why = allow_parse(url, &target);
    if (why != NULL) {
        if (reason != NULL)
            *reason = why;
        else
            g_free(why);
        return FALSE;
    }
    gboolean loopback = http_host_is_loopback(target.host);
    gboolean allowed = FALSE;
    if (strcmp(target.scheme, "http") == 0 && !loopback) {
        why = g_strdup_printf("plain http to %s, which is not loopback", target.host);
        goto done;
    }
    int default_port = strcmp(target.scheme, "https") == 0 ? 443 : 80;
    for (guint i = 0; !allowed && i < list->places->len; i++) {
        const AllowPlace *place = &g_array_index(list->places, AllowPlace, i);
        int wanted = place->port >= 0 ? place->port : default_port;
        allowed = (place->scheme == NULL || strcmp(place->scheme, target.scheme) == 0) &&
                  strcmp(place->host, target.host) == 0 && wanted == target.port;
    }
    if (!allowed)
        why =
            g_strdup_printf("%s://%s:%d is neither the method's endpoint nor in its allowed_hosts",
                            target.scheme, target.host, target.port);
done:
    allow_target_clear(&target);
    if (reason != NULL)
        *reason = why;
    else
        g_free(why);
    return allowed;
}

gboolean http_allow_url(const char *url, const char *endpoint,
                               const char *const *allowed_hosts, char **reason)
{
    HttpAllowList *list = http_allow_list_new(endpoint, allowed_hosts);
    gboolean allowed = http_allow_list_check(list, url, reason);
    http_allow_list_free(list);
    return allowed;
}

gboolean http_endpoint_validate(const char *endpoint, GError **error)
{
    AllowTarget target;
    char *why = allow_parse(endpoint, &target);
    if (why == NULL) {
        if (target.has_query_or_fragment)
            why = g_strdup("an endpoint is a base URL, without query or fragment");
        else if (strcmp(target.scheme, "https") != 0 && !http_host_is_loopback(target.host))
            why =
                g_strdup_printf("plain http to %s, which is not loopback: use https", target.host);
        allow_target_clear(&target);
    }
    if (why == NULL)
        return TRUE;
    g_set_error(error, TENDER_HTTP_ALLOW_ERROR, 1, "invalid endpoint: %s", why);
    g_free(why);
    return FALSE;
}

gboolean http_allowed_host_validate(const char *entry, GError **error)
{
    char *host = NULL;
    int port = -1;
    if (allow_parse_entry(entry, &host, &port)) {
        g_free(host);
        return TRUE;
    }
    g_set_error(error, TENDER_HTTP_ALLOW_ERROR, 1,
                "invalid allowed_hosts entry: expected host or host:port");
    return FALSE;
}
