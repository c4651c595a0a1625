/* The provider of the "wire" conformance fixture (fixtures/wire-plugin.c):
 * a loopback HTTP server (libsoup 3, on a thread of its own) that keeps
 * payments in memory.
 *
 *   POST /payments (form: payment_id, amount, currency; header
 *        Idempotency-Key): records the payment once per key, approved unless
 *        the amount ends in 51; answers {"id", "status", "amount"}.
 *   GET  /payments?payment_id=ID: the recorded payment, or 404.
 */
#ifndef TENDER_TEST_WIRE_PROVIDER_H
#define TENDER_TEST_WIRE_PROVIDER_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct WireProvider WireProvider;

/* Listening on 127.0.0.1, an ephemeral port; NULL when it cannot. */
WireProvider *wire_provider_start(void);
void wire_provider_stop(WireProvider *provider);
int wire_provider_port(const WireProvider *provider);
/* POSTs that created a payment (a replayed key creates none). */
int wire_provider_payments(WireProvider *provider);

#ifdef __cplusplus
}
#endif

#endif
