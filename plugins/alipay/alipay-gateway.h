/* One exchange with Alipay's OpenAPI gateway (gateway.do) through the host's
 * http service: the common parameters, the RSA2 request signature with
 * app_private_key, and the answer read and verified with alipay_public_key
 * over the exact text of its `<method>_response` member, as received.
 *
 * An answer counts only when its signature verifies: a tampered, unsigned
 * or unreadable answer to a request that left the machine is UNKNOWN (the
 * gateway may have acted), never a decline or an approval on a guess. The
 * one exception is the gateway's refusal of an app it does not know
 * (isv.invalid-app-id / isv.missing-app-id): Alipay has no key to sign it
 * with, and an unknown app acted on nothing. Thread-safe: every call works
 * on its own AlipayReply. */
#ifndef ALIPAY_GATEWAY_H
#define ALIPAY_GATEWAY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "alipay-instance.h"
#include "alipay-params.h"

typedef enum {
    ALIPAY_REPLY_ANSWER = 1,   /* a verified answer: code, sub_code, fields */
    ALIPAY_REPLY_REDIRECT = 2, /* page/wap pay: 302 to the cashier (location) */
    ALIPAY_REPLY_NOT_SENT = 3, /* nothing left the machine: safe to retry */
    ALIPAY_REPLY_UNKNOWN = 4   /* sent; no answer that can be trusted */
} AlipayReplyKind;

typedef struct {
    AlipayReplyKind kind;
    int status;    /* HTTP status when an answer came */
    char code[16]; /* "10000", "40004", … */
    char msg[128];
    char sub_code[64]; /* "ACQ.TRADE_NOT_EXIST", … ("" on success) */
    char sub_msg[256];
    AlipayParams *fields; /* the response member's members (ANSWER) */
    char location[512];   /* REDIRECT: the cashier URL */
    char message[256];    /* why, when not ANSWER/REDIRECT (never a secret) */
} AlipayReply;

void alipay_reply_clear(AlipayReply *reply);
/* 1 for a verified answer with code 10000. */
int alipay_reply_ok(const AlipayReply *reply);
/* The field's value, or NULL. */
const char *alipay_reply_field(const AlipayReply *reply, const char *name);

/* The common parameters of a request for method with biz (its
 * biz_content), plus return_url when not NULL, signed with app_private_key.
 * NULL when it cannot be signed. Free with alipay_params_free. */
AlipayParams *alipay_gateway_request(const AlipayInstance *inst, const char *method,
                                     const AlipayParams *biz, const char *return_url);

/* Sign and POST method with biz to the endpoint; fill *reply (always call
 * alipay_reply_clear afterwards). A browser method (page/wap pay) expects
 * the 302 to the cashier; the others a JSON answer. */
void alipay_gateway_call(const AlipayInstance *inst, const char *method, const AlipayParams *biz,
                         const char *return_url, AlipayReply *reply);

/* POST form (application/x-www-form-urlencoded) to url, a page of the
 * gateway's (the cashier, which must lie under the endpoint's host), as
 * the payer's browser submits it: redirects not followed. Returns the HTTP
 * status, or 0 when no answer came (why in message). */
int alipay_gateway_submit_page(const AlipayInstance *inst, const char *url, const char *form,
                               char *message, size_t message_size);

/* Read a JSON answer body to method ("alipay.trade.query") as a client of
 * Alipay must: the member `<method with '_'>_response` (or error_response),
 * its exact text verified against the top-level `sign` with key. Sets kind
 * ANSWER or UNKNOWN (message says why). Pure: the unit tests call it. */
void alipay_gateway_read_answer(const char *method, const char *body, size_t body_len,
                                EVP_PKEY *key, AlipayReply *reply);

#endif
