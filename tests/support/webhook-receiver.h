/* A merchant's notification endpoint for tests: a loopback libsoup server,
 * on its own thread, that hands each POST to /v1/webhooks/METHOD to
 * tender_host_notify and answers with exactly the reply the plugin set, as
 * tenderd does. Tests point a tender-sandbox at it with
 * `--webhook-base test_webhook_receiver_url(r)` until they run tenderd.
 *
 * Start, attach and stop from the test's main thread; deliveries run on the
 * receiver's thread. */
#ifndef TENDER_TEST_WEBHOOK_RECEIVER_H
#define TENDER_TEST_WEBHOOK_RECEIVER_H

#include <glib.h>
#include <tender/tender.h>

G_BEGIN_DECLS

typedef struct TestWebhookReceiver TestWebhookReceiver;

/* Listen on 127.0.0.1, an ephemeral port. With no host attached every
 * delivery is answered 503, as a merchant that is down. NULL with error set
 * when it cannot listen. */
TestWebhookReceiver *test_webhook_receiver_start(GError **error);

/* Stop serving and free. NULL is ignored. */
void test_webhook_receiver_stop(TestWebhookReceiver *receiver);

/* "http://127.0.0.1:PORT", owned by the receiver. */
const char *test_webhook_receiver_url(TestWebhookReceiver *receiver);

/* Hand later deliveries to host (borrowed; NULL: answer 503). Returns once
 * no delivery uses the previous host any more, so that it may be freed. */
void test_webhook_receiver_attach(TestWebhookReceiver *receiver, TenderHost *host);

/* Deliveries tender_host_notify accepted (or found duplicate), and those it
 * refused; a delivery answered 503 for want of a host is in neither. */
guint test_webhook_receiver_accepted(TestWebhookReceiver *receiver);
guint test_webhook_receiver_rejected(TestWebhookReceiver *receiver);

/* Wait up to timeout_ms, polling, until accepted() reaches at least n.
 * Returns whether it did. */
gboolean test_webhook_receiver_wait_accepted(TestWebhookReceiver *receiver, guint n,
                                             guint timeout_ms);

G_END_DECLS

#endif
