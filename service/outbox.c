/* Merchant webhooks out: the ledger's outbox, delivered.
 *
 * Every payment state change writes an event and its pending deliveries in
 * the transaction of the change (core/ledger-service.c), so what this
 * thread sends is exactly what was committed, and a process that died with
 * deliveries pending sends them when it starts again: they are rows, not
 * memory.
 *
 * Each delivery is a POST of the event's JSON, signed as Stripe's libraries
 * verify it: header Tender-Signature "t=UNIX,v1=HEX", HEX being
 * HMAC-SHA256(endpoint secret, "UNIX.BODY"). A 2xx answer delivers it;
 * anything else is tried again on the schedule below (docs/service.md),
 * divided by --time-scale, and given up after the last step. The event id
 * stays the same on every attempt, so a receiver deduplicates by it. */
#include <string.h>

#include <libsoup/soup.h>

#include "service.h"

/* How long a poke waits for others before the outbox is read. */
#define OUTBOX_GATHER_US 10000

/* Seconds after each failed attempt, about three days in all. */
static const gint64 retry_after_s[] = {60,    300,   1800,  7200,  18000, 36000,
                                       43200, 43200, 43200, 43200, 43200};

struct Outbox {
    Service *svc;
    GThread *thread;
    GMutex lock;
    GCond wake;
    gint poked; /* atomic: a state change since the outbox was last read */
    gboolean stopping;
    guint listener;
};

static gint64 wall_ms(void)
{
    return g_get_real_time() / 1000;
}

static char *signature_header(const char *secret, const char *body, gint64 t)
{
    g_autofree char *signed_text = g_strdup_printf("%" G_GINT64_FORMAT ".%s", t, body);
    GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret));
    g_hmac_update(hmac, (const guchar *)signed_text, -1);
    char *header = g_strdup_printf("t=%" G_GINT64_FORMAT ",v1=%s", t, g_hmac_get_string(hmac));
    g_hmac_unref(hmac);
    return header;
}

/* One attempt: the HTTP status (0 when there was no answer) and why. */
static guint attempt(SoupSession *session, const TenderDelivery *d, char **why)
{
    SoupMessage *msg = soup_message_new("POST", d->url);
    if (msg == NULL) {
        *why = g_strdup("the endpoint URL is not valid");
        return 0;
    }
    g_autofree char *signature = signature_header(d->secret, d->body, wall_ms() / 1000);
    SoupMessageHeaders *headers = soup_message_get_request_headers(msg);
    soup_message_headers_replace(headers, "Tender-Signature", signature);
    soup_message_headers_replace(headers, "Tender-Event-Id", d->event_id);
    soup_message_headers_replace(headers, "User-Agent", "tenderd");
    g_autoptr(GBytes) body = g_bytes_new(d->body, strlen(d->body));
    soup_message_set_request_body_from_bytes(msg, "application/json", body);
    GError *error = NULL;
    GBytes *answer = soup_session_send_and_read(session, msg, NULL, &error);
    guint status = 0;
    if (answer == NULL) {
        *why = g_strdup(error->message);
        g_error_free(error);
    } else {
        status = soup_message_get_status(msg);
        if (!SOUP_STATUS_IS_SUCCESSFUL(status))
            *why = g_strdup_printf("HTTP %u", status);
        g_bytes_unref(answer);
    }
    g_object_unref(msg);
    return status;
}

static void deliver(Outbox *o, SoupSession *session, const TenderDelivery *d)
{
    char *why = NULL;
    guint status = attempt(session, d, &why);
    gboolean delivered = SOUP_STATUS_IS_SUCCESSFUL(status);
    gint64 now = wall_ms();
    gint64 next = 0;
    /* d->attempts were made before this one. */
    if (!delivered && d->attempts < G_N_ELEMENTS(retry_after_s))
        next = now + MAX((gint64)1, (gint64)((double)retry_after_s[d->attempts] * 1000.0 /
                                             o->svc->time_scale));
    const char *outcome = delivered ? "delivered" : next ? "retry" : "failed";
    metrics_count_delivery(o->svc->metrics, outcome);
    g_autofree char *attempt_text = g_strdup_printf("%u", d->attempts + 1);
    g_autofree char *status_text = g_strdup_printf("%u", status);
    service_log(delivered ? "info" : "warning", "webhook delivery", "event_id", d->event_id,
                "endpoint_id", d->endpoint_id, "outcome", outcome, "attempt", attempt_text,
                "http_status", status_text, "error", why, NULL);
    GError *error = NULL;
    if (!tender_host_delivery_record(o->svc->host, d->event_seq, d->endpoint_id, delivered, status,
                                     why, now, next, &error)) {
        service_log("error", "recording a webhook delivery failed", "event_id", d->event_id,
                    "error", error->message, NULL);
        g_error_free(error);
    }
    g_free(why);
}

static gpointer run(gpointer data)
{
    Outbox *o = data;
    SoupSession *session = soup_session_new_with_options("timeout", 10, "idle-timeout", 30,
                                                         "user-agent", "tenderd", NULL);
    /* No proxy, as the host's own HTTP has none unless configured
     * (core/http-client.c). The default resolver would load GIO's desktop
     * proxy module at the first delivery, which reads GSettings through
     * dconf: a server's deliveries must not depend on a desktop's settings,
     * and dconf, failing to write its files on a full disk, raised a
     * critical there. */
    soup_session_set_proxy_resolver(session, NULL);
    /* Between rounds, look again at least this often: a retry falls due
     * without anyone poking. */
    gint64 idle_us = MAX((gint64)20000, (gint64)(G_USEC_PER_SEC / o->svc->time_scale));
    idle_us = MIN(idle_us, G_USEC_PER_SEC);
    for (;;) {
        g_mutex_lock(&o->lock);
        gboolean stop = o->stopping;
        g_atomic_int_set(&o->poked, FALSE);
        g_mutex_unlock(&o->lock);
        if (stop)
            break;
        GError *error = NULL;
        GPtrArray *due = tender_host_deliveries_due(o->svc->host, wall_ms(), 32, &error);
        if (due == NULL) {
            service_log("error", "reading the outbox failed", "error", error->message, NULL);
            g_clear_error(&error);
        }
        for (guint i = 0; due && i < due->len; i++) {
            g_mutex_lock(&o->lock);
            stop = o->stopping;
            g_mutex_unlock(&o->lock);
            if (stop)
                break;
            deliver(o, session, g_ptr_array_index(due, i));
        }
        guint n = due ? due->len : 0;
        if (due)
            g_ptr_array_unref(due);
        if (n > 0)
            continue; /* maybe more are due */
        g_mutex_lock(&o->lock);
        gint64 until = g_get_monotonic_time() + idle_us;
        while (!g_atomic_int_get(&o->poked) && !o->stopping)
            if (!g_cond_wait_until(&o->wake, &o->lock, until))
                break;
        /* Let a burst of state changes gather, so that a busy service reads
         * the outbox once for many payments rather than once for each (each
         * read is a ledger transaction the payments wait for). Their pokes
         * do not wake this thread (outbox_poke); only a stop does. */
        gint64 gather = g_get_monotonic_time() + OUTBOX_GATHER_US;
        while (g_atomic_int_get(&o->poked) && !o->stopping &&
               g_cond_wait_until(&o->wake, &o->lock, gather))
            ;
        g_mutex_unlock(&o->lock);
    }
    g_object_unref(session);
    return NULL;
}

static void on_state_change(const char *payment_id, TenderStatus old_status,
                            TenderStatus new_status, gpointer user_data)
{
    (void)payment_id;
    (void)old_status;
    (void)new_status;
    outbox_poke(user_data);
}

Outbox *outbox_start(Service *svc)
{
    Outbox *o = g_new0(Outbox, 1);
    o->svc = svc;
    g_mutex_init(&o->lock);
    g_cond_init(&o->wake);
    o->listener = tender_host_add_listener(svc->host, on_state_change, o);
    o->thread = g_thread_new("tenderd-outbox", run, o);
    return o;
}

/* Only the first state change after a read wakes the outbox thread: the
 * others of the burst are read with it, and waking the thread (a futex and
 * a context switch) for each payment was a cost every payment paid. */
void outbox_poke(Outbox *o)
{
    if (g_atomic_int_get(&o->poked))
        return;
    g_mutex_lock(&o->lock);
    if (g_atomic_int_compare_and_exchange(&o->poked, FALSE, TRUE))
        g_cond_signal(&o->wake);
    g_mutex_unlock(&o->lock);
}

void outbox_stop(Outbox *o)
{
    if (o == NULL)
        return;
    tender_host_remove_listener(o->svc->host, o->listener);
    g_mutex_lock(&o->lock);
    o->stopping = TRUE;
    g_cond_signal(&o->wake);
    g_mutex_unlock(&o->lock);
    g_thread_join(o->thread);
    g_cond_clear(&o->wake);
    g_mutex_clear(&o->lock);
    g_free(o);
}
