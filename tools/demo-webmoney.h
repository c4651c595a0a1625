/* The WebMoney payer in `tender demo`: what the buyer does at WebMoney (on
 * the payment page, or from their own purse), played against the simulated
 * WebMoney of tender-sandbox with one of its public test payers. */
#ifndef TENDER_TOOLS_DEMO_WEBMONEY_H
#define TENDER_TOOLS_DEMO_WEBMONEY_H

#include <glib.h>

G_BEGIN_DECLS

/* tender-sandbox's test payer with plenty of funds (public test values:
 * sandbox/webmoney/keys/webmoney-accounts.json). */
#define DEMO_WM_PAYER_WMID "000000000044"
#define DEMO_WM_PAYER_PURSE "Z000000000044"

/* Trust the CA in ca_file (PEM) for the payer's requests from now on, as
 * for a tender-sandbox started with --tls-dir; NULL: the system's store
 * again. Not thread-safe: call it before any request. */
void demo_webmoney_trust(const char *ca_file);

/* The payer on the payment page the redirect names: open it, then pay from
 * purse as wmid. TRUE when WebMoney took the payment; answer_out (may be
 * NULL; g_free it) gets the page WebMoney answered with, e.g. the form
 * again with why it refused the purse. */
gboolean demo_webmoney_pay_on_page(const char *page_url, const char *wmid, const char *purse,
                                   char **answer_out);

/* The WebMoney base a payment page URL lives under (page_url up to
 * "/lmi/"), or NULL. g_free it. */
char *demo_webmoney_endpoint(const char *page_url);

/* The payer's own protected transfer (X2) to payee_purse, signed with the
 * test payer's key, at endpoint (the method's `endpoint` setting). TRUE
 * when WebMoney made it. Thread-safe (tests send from several threads). */
gboolean demo_webmoney_send_protected(const char *endpoint, const char *payee_purse,
                                      const char *amount, int days, const char *code,
                                      const char *description);

G_END_DECLS

#endif
