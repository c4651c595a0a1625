/* The operator console at /console (docs/checkout.md): what its modules
 * share. Pages are built with the checkout pages' HTML helpers. */
#ifndef TENDER_SERVICE_CONSOLE_H
#define TENDER_SERVICE_CONSOLE_H

#include "checkout.h"

G_BEGIN_DECLS

/* Who is signed in: the API key (verified against the ledger on this
 * request) and the sign-in's CSRF token. */
typedef struct {
    TenderApiKey *key;
    char *csrf;
    char *token;
} ConsoleIdentity;

void console_identity_clear(ConsoleIdentity *id);
/* TRUE with *out filled when the request's cookie names a live sign-in
 * whose key is still valid. */
gboolean console_identify(Service *svc, const ServiceRequest *req, ConsoleIdentity *out);
/* Sign in with an API key's secret: the key (free it) and a new token for
 * the cookie, or NULL when the secret is no valid key. */
TenderApiKey *console_login(Service *svc, const char *secret, char **token_out);
void console_logout(const char *token);
/* Set (token) or clear (NULL) the console's cookie. */
void console_set_cookie(const ServiceRequest *req, ServiceResponse *resp, const char *token);
/* The form's CSRF token is the sign-in's (constant-time compare). */
gboolean console_csrf_ok(const ConsoleIdentity *id, const char *sent);
/* A fresh idempotency key for one operation form: the same form sent twice
 * moves money once. */
char *console_new_operation_key(void);

void routes_console_home(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_console_login(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_console_logout(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_console_payment(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_console_operate(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_console_reconcile(Service *svc, ServiceRequest *req, ServiceResponse *resp);
void routes_console_limits(Service *svc, ServiceRequest *req, ServiceResponse *resp);

G_END_DECLS

#endif
