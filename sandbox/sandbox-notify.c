/* Asynchronous notifications: the provider's POST to the URL the merchant
 * gave, retried on the provider's schedule (divided by --time-scale) until
 * an answer is accepted as the provider would accept it.
 *
 * Each queued notification becomes a Delivery that owns a copy of
 * everything it sends. Two faults act here:
 *  - duplicate: once an attempt is accepted, the same notification is
 *    posted once more, as providers do when an acknowledgement is lost;
 *  - reorder: a notification is held until the next one for the same
 *    provider is queued (or 2 s / time scale pass); the later one is then
 *    sent first and the held one after that first attempt finished, so the
 *    receiver sees them in the wrong order deterministically rather than
 *    by a race between two connections. */
#include <string.h>

#include "sandbox-private.h"

/* How long one attempt may take before it counts as failed. */
#define ATTEMPT_TIMEOUT_SECONDS 10
/* How long a notification waits for a later one under the reorder fault. */
#define REORDER_HOLD_MS 2000.0

typedef struct Delivery Delivery;

struct SandboxNotifier {
    SandboxServer *sb;
    SandboxFaultTable *faults;
    SoupSession *session;
    GList *live;      /* of Delivery*: every delivery not finished */
    GHashTable *held; /* provider -> Delivery* held by the reorder fault */
    gboolean closing; /* being freed: no new attempt starts */
};

struct Delivery {
    SandboxNotifier *notifier; /* NULL once the notifier is gone */
    char *provider;
    char *url;
    char *content_type;
    GBytes *body;
    char **headers; /* name, value, ..., NULL */
    SandboxAcceptFn accepted;
    SandboxAttemptHeadersFn attempt_headers; /* NULL: the fixed headers only */
    gpointer attempt_data;                   /* owned */
    GDestroyNotify attempt_data_free;
    double *delays;
    guint n_delays;
    guint attempts;        /* made so far, the duplicate included */
    gboolean is_duplicate; /* the attempt under way is the duplicate */
    guint timer;           /* a retry or the end of a hold */
    GCancellable *cancellable;
    Delivery *then;        /* held notification to start after this one */
    gboolean is_successor; /* some delivery's `then` */
    gboolean in_flight;    /* an attempt is under way */
};

static void attempt(Delivery *d);

gboolean sandbox_url_is_loopback(const char *url)
{
    g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    if (uri == NULL || g_uri_get_host(uri) == NULL)
        return FALSE;
    const char *scheme = g_uri_get_scheme(uri);
    if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0)
        return FALSE;
    const char *host = g_uri_get_host(uri);
    if (g_ascii_strcasecmp(host, "localhost") == 0)
        return TRUE;
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(host);
    return addr != NULL && g_inet_address_get_is_loopback(addr);
}

static void delivery_free(Delivery *d)
{
    if (d->notifier)
        d->notifier->live = g_list_remove(d->notifier->live, d);
    if (d->timer)
        g_source_remove(d->timer);
    g_clear_object(&d->cancellable);
    g_free(d->provider);
    g_free(d->url);
    g_free(d->content_type);
    g_bytes_unref(d->body);
    g_strfreev(d->headers);
    if (d->attempt_data_free != NULL)
        d->attempt_data_free(d->attempt_data);
    g_free(d->delays);
    g_free(d);
}

/* A held notification whose successor never came: send it now. */
static gboolean hold_expired(gpointer data)
{
    Delivery *d = data;
    d->timer = 0;
    if (d->notifier && !d->notifier->closing) {
        g_hash_table_remove(d->notifier->held, d->provider);
        sandbox_log(d->provider, "reorder fault: no later notification came; sending the held one");
    }
    attempt(d);
    return G_SOURCE_REMOVE;
}

static gboolean retry_due(gpointer data)
{
    Delivery *d = data;
    d->timer = 0;
    attempt(d);
    return G_SOURCE_REMOVE;
}

/* The first attempt of d is over: a notification it held back may go. */
static void release_successor(Delivery *d)
{
    Delivery *next = d->then;
    d->then = NULL;
    if (next == NULL)
        return;
    next->is_successor = FALSE;
    if (next->notifier && !next->notifier->closing)
        attempt(next);
    else
        delivery_free(next);
}

static void attempt_done(GObject *source, GAsyncResult *result, gpointer data)
{
    Delivery *d = data;
    /* Borrowed: the session keeps the message alive for the result. */
    SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(source), result);
    guint status = msg ? soup_message_get_status(msg) : 0;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) answer =
        soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
    d->in_flight = FALSE;
    if (d->notifier == NULL || d->notifier->closing) { /* the attempt was cancelled */
        release_successor(d);
        delivery_free(d);
        return;
    }
    gsize len = 0;
    const char *text = answer ? g_bytes_get_data(answer, &len) : NULL;
    g_autofree char *body = text ? g_strndup(text, len) : g_strdup("");
    gboolean accepted = answer != NULL && (d->accepted ? d->accepted(status, body, len)
                                                       : SOUP_STATUS_IS_SUCCESSFUL(status));
    if (error)
        sandbox_log(d->provider, "notification to %s, attempt %u%s: %s", d->url, d->attempts,
                    d->is_duplicate ? " (duplicate)" : "", error->message);
    else
        sandbox_log(d->provider, "notification to %s, attempt %u%s: HTTP %u, %s", d->url,
                    d->attempts, d->is_duplicate ? " (duplicate)" : "", status,
                    accepted ? "accepted" : "not accepted");
    if (d->attempts == 1)
        release_successor(d);
    if (d->is_duplicate) {
        delivery_free(d);
        return;
    }
    if (accepted) {
        if (sandbox_fault_duplicate(d->notifier->faults, d->provider)) {
            sandbox_log(d->provider, "duplicate fault: delivering it once more");
            d->is_duplicate = TRUE;
            attempt(d);
            return;
        }
        delivery_free(d);
        return;
    }
    /* attempts counts the first delivery, so the retry after attempt k
     * waits delays[k - 1]. */
    if (d->attempts > d->n_delays) {
        sandbox_log(d->provider, "notification to %s: giving up after %u attempts", d->url,
                    d->attempts);
        delivery_free(d);
        return;
    }
    double seconds = d->delays[d->attempts - 1] / sandbox_time_scale(d->notifier->sb);
    guint ms = seconds <= 0                    ? 0
               : seconds >= G_MAXUINT / 1000.0 ? G_MAXUINT
                                               : (guint)(seconds * 1000);
    sandbox_log(d->provider, "next attempt in %.3f s", ms / 1000.0);
    d->timer = g_timeout_add(ms, retry_due, d);
}

static void attempt(Delivery *d)
{
    d->attempts++;
    SoupMessage *msg = soup_message_new(SOUP_METHOD_POST, d->url);
    if (msg == NULL) { /* checked when queued; kept for safety */
        sandbox_log(d->provider, "notification URL %s is not a URL", d->url);
        release_successor(d);
        delivery_free(d);
        return;
    }
    soup_message_set_request_body_from_bytes(msg, d->content_type, d->body);
    SoupMessageHeaders *h = soup_message_get_request_headers(msg);
    for (guint i = 0; d->headers[i] && d->headers[i + 1]; i += 2)
        soup_message_headers_replace(h, d->headers[i], d->headers[i + 1]);
    /* After the fixed ones, so that a header computed for this attempt
     * replaces a fixed one of the same name. */
    if (d->attempt_headers != NULL) {
        gsize len = 0;
        const char *body = g_bytes_get_data(d->body, &len);
        d->attempt_headers(d->notifier->sb, d->attempts, body ? body : "", len, h,
                           d->attempt_data);
    }
    d->in_flight = TRUE;
    soup_session_send_and_read_async(d->notifier->session, msg, G_PRIORITY_DEFAULT, d->cancellable,
                                     attempt_done, d);
    g_object_unref(msg);
}

static Delivery *delivery_new(SandboxNotifier *notifier, const SandboxNotification *n)
{
    Delivery *d = g_new0(Delivery, 1);
    d->notifier = notifier;
    d->provider = g_strdup(n->provider ? n->provider : "sandbox");
    d->url = g_strdup(n->url);
    d->content_type = g_strdup(n->content_type ? n->content_type : "application/octet-stream");
    d->body = g_bytes_new(n->body ? n->body : "", n->body ? n->body_len : 0);
    GPtrArray *headers = g_ptr_array_new();
    for (guint i = 0; n->headers && n->headers[i] && n->headers[i + 1]; i += 2) {
        g_ptr_array_add(headers, g_strdup(n->headers[i]));
        g_ptr_array_add(headers, g_strdup(n->headers[i + 1]));
    }
    g_ptr_array_add(headers, NULL);
    d->headers = (char **)g_ptr_array_free(headers, FALSE);
    d->accepted = n->accepted;
    d->attempt_headers = n->attempt_headers;
    d->attempt_data = n->attempt_data;
    d->attempt_data_free = n->attempt_data_free;
    d->n_delays = n->delays ? n->n_delays : 0;
    d->delays = g_memdup2(n->delays, sizeof(double) * d->n_delays);
    d->cancellable = g_cancellable_new();
    notifier->live = g_list_prepend(notifier->live, d);
    return d;
}

void sandbox_notifier_queue(SandboxNotifier *notifier, const SandboxNotification *n)
{
    const char *provider = n->provider ? n->provider : "sandbox";
    if (n->url == NULL || !g_uri_is_valid(n->url, G_URI_FLAGS_NONE, NULL)) {
        sandbox_log(provider, "notification not sent: no valid URL");
        if (n->attempt_data_free != NULL)
            n->attempt_data_free(n->attempt_data);
        return;
    }
    if (!sandbox_server_allow_remote(notifier->sb) && !sandbox_url_is_loopback(n->url)) {
        sandbox_log(
            provider,
            "notification to %s not sent: not a loopback address (--allow-remote permits it)",
            n->url);
        if (n->attempt_data_free != NULL)
            n->attempt_data_free(n->attempt_data);
        return;
    }
    Delivery *d = delivery_new(notifier, n);
    sandbox_log(d->provider, "notification queued for %s (%zu bytes, %u retries at most)", d->url,
                g_bytes_get_size(d->body), d->n_delays);
    if (!sandbox_fault_reorder(notifier->faults, d->provider)) {
        attempt(d);
        return;
    }
    Delivery *held = g_hash_table_lookup(notifier->held, d->provider);
    if (held == NULL) {
        g_hash_table_insert(notifier->held, g_strdup(d->provider), d);
        double ms = REORDER_HOLD_MS / sandbox_time_scale(notifier->sb);
        d->timer = g_timeout_add(ms < 1 ? 1 : (guint)ms, hold_expired, d);
        sandbox_log(d->provider, "reorder fault: holding it until the next one");
        return;
    }
    g_hash_table_remove(notifier->held, d->provider);
    g_source_remove(held->timer);
    held->timer = 0;
    sandbox_log(d->provider, "reorder fault: sending this one before the one held");
    d->then = held;
    held->is_successor = TRUE;
    attempt(d);
}

SandboxNotifier *sandbox_notifier_new(SandboxServer *sb, SandboxFaultTable *faults)
{
    SandboxNotifier *notifier = g_new0(SandboxNotifier, 1);
    notifier->sb = sb;
    notifier->faults = faults;
    /* No proxy: a notification goes to the merchant's loopback receiver,
     * whatever http_proxy the environment sets. */
    notifier->session =
        soup_session_new_with_options("timeout", ATTEMPT_TIMEOUT_SECONDS, "proxy-resolver", NULL,
                                      "user-agent", "tender-sandbox", NULL);
    notifier->held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return notifier;
}

static gboolean stop_waiting(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

void sandbox_notifier_free(SandboxNotifier *notifier)
{
    if (notifier == NULL)
        return;
    /* A delivery with an attempt in flight is cancelled and freed by
     * attempt_done, with the successor it held back; every other one is
     * freed here. The main context runs until the cancelled ones came back
     * (at once, in practice; 2 s at most), so nothing outlives the
     * notifier. */
    notifier->closing = TRUE;
    GList *live = g_list_copy(notifier->live);
    for (GList *l = live; l; l = l->next) {
        Delivery *d = l->data;
        if (d->timer) {
            g_source_remove(d->timer);
            d->timer = 0;
        }
        if (d->in_flight)
            g_cancellable_cancel(d->cancellable);
        else if (!d->is_successor)
            delivery_free(d);
    }
    g_list_free(live);
    gboolean timed_out = FALSE;
    guint guard = g_timeout_add(2000, stop_waiting, &timed_out);
    while (notifier->live != NULL && !timed_out)
        g_main_context_iteration(NULL, TRUE);
    if (!timed_out)
        g_source_remove(guard);
    for (GList *l = notifier->live; l; l = l->next)
        ((Delivery *)l->data)->notifier = NULL;
    g_list_free(notifier->live);
    g_hash_table_unref(notifier->held);
    g_object_unref(notifier->session);
    g_free(notifier);
}
