/* The simulated WebMoney inside tender-sandbox: declarations shared by the
 * module's files (private to sandbox/webmoney/).
 *
 * Written from WebMoney's Merchant Interface and XML-interface
 * documentation (X2, X3, X5, X14, X18) and ../shared/METHODS.md, never from
 * the Tender plugin. Everything runs on the sandbox's one main loop; none of
 * this is thread-safe.
 *
 * Money is held in hundredths (gint64): WebMoney writes amounts with at
 * most two decimals and without trailing zeros ("10.5", "0.05", "10"). */
#ifndef TENDER_SANDBOX_WEBMONEY_H
#define TENDER_SANDBOX_WEBMONEY_H

#include "sandbox.h"

#define WM_PROVIDER "webmoney"
/* Wrong protection codes after which a protected transfer goes back. */
#define WM_MAX_CODE_ATTEMPTS 8
#define WM_MAX_PROTECTION_DAYS 255

/* ---- Accounts and state (sandbox-webmoney.c) ---------------------------- */

/* The checked-in test accounts (keys/webmoney-accounts.json), parsed once;
 * owned by the module. */
JsonObject *wm_accounts(void);
const char *wm_merchant_wmid(void);
const char *wm_merchant_secret(void);

/* The module's state object and its named sub-objects (created on demand). */
JsonObject *wm_state(SandboxServer *sb);
JsonObject *wm_state_object(SandboxServer *sb, const char *name);

/* The secret key a WMID signs X-interface requests with, or NULL for an
 * unknown WMID. Borrowed. */
const char *wm_secret_for_wmid(SandboxServer *sb, const char *wmid);

/* A fresh WebMoney number (transfer, invoice, operation): increasing,
 * 9 to 10 digits, kept in the state. Free with g_free. */
char *wm_next_number(SandboxServer *sb);

/* ---- Amounts, dates, hashes (sandbox-webmoney.c) ------------------------ */

/* Parse a WebMoney amount: digits, optionally '.' and one or two digits,
 * positive, no trailing zero in the fraction, no leading zeros. */
gboolean wm_amount_parse(const char *text, gint64 *hundredths);
/* Write an amount without trailing zeros. Free with g_free. */
char *wm_amount_format(gint64 hundredths);
/* "YYYYMMDD HH:MM:SS" in Moscow time (UTC+3), as WebMoney writes dates. */
char *wm_date_format(gint64 unix_ms);
/* Lower-case hex digest of text with the given checksum type. */
char *wm_hex_digest(GChecksumType type, const char *text);
/* Does the received hex digest equal the expected one (any case)? Constant
 * time in the length of the expected digest. */
gboolean wm_digest_matches(const char *received, const char *expected_lower_hex);

/* A purse id: one upper-case type letter and 12 digits. A WMID: 12 digits. */
gboolean wm_purse_valid(const char *purse);
gboolean wm_wmid_valid(const char *wmid);

/* ---- Purses, passports and limits (sandbox-webmoney-purses.c) ----------- */

/* The purse's record in the state ({"wmid", "balance"}), or NULL. */
JsonObject *wm_purse(SandboxServer *sb, const char *purse);
/* The WMID's record ({"passport", "blocked"}), or NULL. */
JsonObject *wm_wmid(SandboxServer *sb, const char *wmid);

/* Why a payer cannot send an amount from a purse to another, as X2's
 * retval (0 when it can) and a description (static). Checks ownership,
 * passport block, purse types, balance and the Z-purse spending limits of
 * the payer's passport. */
int wm_check_debit(SandboxServer *sb, const char *wmid, const char *purse_src,
                   const char *purse_dest, gint64 amount, const char **why);
/* Move money (the caller checked with wm_check_debit): debit the source and
 * record the spending for the limits; credit_dest FALSE leaves the money in
 * flight (a protected transfer). */
void wm_debit(SandboxServer *sb, const char *purse_src, gint64 amount);
void wm_credit(SandboxServer *sb, const char *purse, gint64 amount);

/* ---- Operations (sandbox-webmoney-purses.c) ----------------------------- */

/* A transfer in the state, by its WebMoney number (wmtransid), or NULL.
 * A locked protected transfer whose period ended is returned to the payer
 * first. */
JsonObject *wm_operation(SandboxServer *sb, const char *wmtransid);
/* Record a new transfer and return its record (owned by the state). */
JsonObject *wm_operation_new(SandboxServer *sb, const char *wmtransid, const char *purse_src,
                             const char *purse_dest, gint64 amount, const char *desc);
/* Append the <operation> element X2/X3/X5/X14 answer with. */
void wm_operation_to_xml(SandboxServer *sb, GString *out, const char *wmtransid, JsonObject *op);

/* ---- Tiny XML reading and answers (sandbox-webmoney-xml.c) -------------- */

/* Parse a flat XML request into root element name and a table of leaf
 * element name -> text (both owned by the table; the root is under "").
 * NULL when the body is not well-formed XML. */
GHashTable *wm_xml_parse(const char *body, gsize len);
/* The key under which a Light ("…Cert.asp") request's table holds "1":
 * its signer is the client certificate, whose WMID is under "wmid". Not
 * an XML name, so no request can set it. */
#define WM_LIGHT_SIGNER "#light"
/* Answer an XML body (UTF-8, text/xml). */
void wm_respond_xml(SoupServerMessage *msg, GString *xml);

/* ---- HTTP entry points -------------------------------------------------- */

/* sandbox-webmoney-page.c: the Merchant Interface payment page. */
void wm_page_handle(SandboxServer *sb, SoupServerMessage *msg, const char *path);
/* sandbox-webmoney-x.c: X2, X3, X5, X14; sandbox-webmoney-x18.c: X18. */
void wm_x2_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req);
void wm_x3_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req);
void wm_x5_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req);
void wm_x14_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req);
void wm_x18_handle(SandboxServer *sb, SoupServerMessage *msg, GHashTable *req);

#endif
