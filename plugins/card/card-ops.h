/* The card method's operations (the tender_method_ops slots) and the
 * helpers they share. Every function reads only its arguments and the
 * immutable instance, and talks to the gateway through the host's
 * thread-safe http service, so the method is thread-safe. */
#ifndef CARD_OPS_H
#define CARD_OPS_H

#include <stddef.h>

#include <tender/plugin.h>

#include "card-config.h"
#include "card-state.h"

/* An authorization lapses 7 days after approval unless captured. */
#define CARD_HOLD_SECONDS (7LL * 24 * 3600)
/* The payer has 15 minutes to enter a 3-D Secure code. */
#define CARD_ACTION_TIMEOUT_SECONDS (15LL * 60)

/* The parameters of authorize/purchase (card-plugin.c), whose
 * TENDER_PARAM_REQUIRED flags the SDK checks before anything else. */
#define CARD_N_PARAMS 5
extern const tender_param_spec card_params[CARD_N_PARAMS];

/* Operation slots; instance is the card_config made by create. */
void card_authorize(void *instance, const tender_request *req, tender_result *res);
void card_purchase(void *instance, const tender_request *req, tender_result *res);
void card_complete_action(void *instance, const tender_request *req, tender_result *res);
void card_capture(void *instance, const tender_request *req, tender_result *res);
void card_void(void *instance, const tender_request *req, tender_result *res);
void card_refund(void *instance, const tender_request *req, tender_result *res);
void card_sync(void *instance, const tender_request *req, tender_result *res);
/* ABI 1.1: brand, first six, last four and issuing country, locally. */
void card_describe_instrument(void *instance, const tender_request *req, tender_result *res);

/* The documented sandbox fixtures (card-fixtures.c). */
const tender_fixture *card_fixtures(size_t *n);

/* GET the intent st names and report it as a settlement (res->event set);
 * what names the operation for messages (card-authorize.c). */
void card_retrieve_and_report(const card_config *config, const tender_request *req,
                              tender_result *res, card_state *st, const char *what);

/* The intent the gateway created for payment_id, found among its recent
 * Events by metadata tender_payment_id (card-events.c): 1 with its id in
 * intent, or 0 when none is found (or the gateway cannot be asked). */
int card_find_intent_of_payment(const card_config *config, const char *payment_id,
                                char *intent, size_t intent_size);

/* ABI 1.0 notifications: the gateway's signed events (card-notify.c). */
void card_identify_notification(void *instance, const tender_request *req, tender_result *res);
void card_notification(void *instance, const tender_request *req, tender_result *res);

/* ---- shared helpers (card-result.c) ----------------------------------- */

/* Copy st's display data (brand, first six, last four, country) into res. */
void card_result_display(tender_result *res, const card_state *st);

/* Write st as res->plugin_state. */
void card_result_state(tender_result *res, const card_state *st);

/* Write res->details: st's 3-D Secure status and ECI, then extra lines
 * (may be NULL). */
void card_result_details(tender_result *res, const card_state *st, const char *extra);

/* Set st's 3-D Secure status letter (0: not run) and the ECI its brand
 * reports for it (none while a challenge is open). */
void card_state_set_three_ds(card_state *st, char status);

#endif
