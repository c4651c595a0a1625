/* Tender plugin ABI.
 *
 * This header is the whole contract between a Tender host (libtender) and a
 * payment-method plugin. It uses plain C99 and libc types only, so a plugin can
 * be written in any language with a C FFI.
 *
 * The rules, in short (docs/abi.md explains them at length):
 *  - A plugin exports one symbol, tender_plugin_entry(), whose signature never
 *    changes. It returns a const, plugin-static descriptor.
 *  - TENDER_ABI_MAJOR changes only when the ABI breaks; a host refuses a plugin
 *    of another major, or of a newer minor than its own.
 *  - Every struct that crosses the boundary begins with `uint32_t struct_size`.
 *    Minor versions only append fields. A reader reaches a field only when
 *    struct_size covers it (TENDER_HAS_FIELD); a short struct means "absent".
 *  - Enum numbers are frozen; values are only appended. A value a reader does
 *    not know takes its safest meaning (an unknown outcome is UNKNOWN, an
 *    unknown decline code is DO_NOT_HONOR, an unknown capability is ignored).
 *  - Inputs are borrowed for the duration of a call. Outputs go into a
 *    host-allocated tender_result of fixed, bounded fields; write them with the
 *    SDK helpers in <tender/sdk.h>, which truncate safely.
 *  - Plugins are stateless: anything to remember about a payment goes back as
 *    result->plugin_state and is handed back on every later call.
 *
 * Every field says since which minor version it exists ("Since 1.0").
 */
#ifndef TENDER_PLUGIN_H
#define TENDER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TENDER_ABI_MAJOR 1
#define TENDER_ABI_MINOR 2

/* The name of the one exported symbol. */
#define TENDER_PLUGIN_ENTRY_SYMBOL "tender_plugin_entry"

/* True when a struct whose first member is struct_size is large enough to
 * hold `field`. Use it before reading any field appended after 1.0. */
#define TENDER_HAS_FIELD(ptr, type, field)                                   \
    ((ptr) != NULL &&                                                        \
     (ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

#if defined(_WIN32)
#define TENDER_PLUGIN_EXPORT __declspec(dllexport)
#else
#define TENDER_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Frozen enumerations                                                       */
/* ------------------------------------------------------------------------ */

/* The one outcome of every operation. 0 is never valid; the host reads 0 or
 * any value it does not know as TENDER_OUTCOME_UNKNOWN (the safest meaning:
 * the payment is reconciled, never assumed failed). Since 1.0. */
typedef enum tender_outcome {
    TENDER_OUTCOME_INVALID = 0,
    TENDER_OUTCOME_APPROVED = 1,        /* done */
    TENDER_OUTCOME_DECLINED = 2,        /* definitive refusal; decline_code set */
    TENDER_OUTCOME_ACTION_REQUIRED = 3, /* the payer must act; action_* set */
    TENDER_OUTCOME_PENDING = 4,         /* accepted; result comes later */
    TENDER_OUTCOME_NOT_SENT = 5,        /* failed before the processor; retry is safe */
    TENDER_OUTCOME_UNKNOWN = 6,         /* may or may not have happened */
    TENDER_OUTCOME_LAST_ = 6
} tender_outcome;

/* Standard decline codes shared by every method. Frozen: only appended.
 * <tender/decline.h> gives each code its name, whether a retry can help and
 * the advice a buyer needs. The host reads an unknown value as
 * TENDER_DECLINE_DO_NOT_HONOR. Since 1.0. */
typedef enum tender_decline_code {
    TENDER_DECLINE_NONE = 0,
    TENDER_DECLINE_DO_NOT_HONOR = 1,           /* generic refusal */
    TENDER_DECLINE_INSUFFICIENT_FUNDS = 2,
    TENDER_DECLINE_LIMIT_EXCEEDED = 3,
    TENDER_DECLINE_INVALID_NUMBER = 4,
    TENDER_DECLINE_INVALID_EXPIRY = 5,
    TENDER_DECLINE_INVALID_SECURITY_CODE = 6,
    TENDER_DECLINE_INVALID_ACCOUNT = 7,
    TENDER_DECLINE_INVALID_AMOUNT = 8,
    TENDER_DECLINE_EXPIRED_METHOD = 9,
    TENDER_DECLINE_SUSPECTED_FRAUD = 10,
    TENDER_DECLINE_SECURITY_CHECK_FAILED = 11,
    TENDER_DECLINE_LOST_CARD = 12,
    TENDER_DECLINE_STOLEN_CARD = 13,
    TENDER_DECLINE_RESTRICTED = 14,
    TENDER_DECLINE_REGION_NOT_SUPPORTED = 15,
    TENDER_DECLINE_CURRENCY_NOT_SUPPORTED = 16,
    TENDER_DECLINE_AUTHENTICATION_REQUIRED = 17,
    TENDER_DECLINE_AUTHENTICATION_FAILED = 18,
    TENDER_DECLINE_PROCESSOR_UNAVAILABLE = 19,
    TENDER_DECLINE_PROCESSING_ERROR = 20,
    TENDER_DECLINE_AUTHORIZATION_EXPIRED = 21,
    TENDER_DECLINE_AMOUNT_OUT_OF_RANGE = 22,
    TENDER_DECLINE_VELOCITY_EXCEEDED = 23,
    TENDER_DECLINE_INVALID_REQUEST = 24,       /* a missing or malformed parameter */
    TENDER_DECLINE_CANCELLED_BY_PAYER = 25,
    TENDER_DECLINE_ACTION_EXPIRED = 26,        /* the payer did not act in time */
    TENDER_DECLINE_NOT_PERMITTED = 27,         /* transaction not permitted to this payer */
    TENDER_DECLINE_DUPLICATE_TRANSACTION = 28,
    TENDER_DECLINE_OPERATION_NOT_ALLOWED = 29, /* not in this payment's state */
    TENDER_DECLINE_LAST_ = 29
} tender_decline_code;

/* Capability bits of a method. The host calls only what is declared and
 * refuses a plugin that declares a capability without its function.
 * Unknown bits are ignored. Since 1.0. */
typedef enum tender_capability {
    TENDER_CAP_AUTHORIZE = 1u << 0,        /* ops->authorize: hold funds */
    TENDER_CAP_PURCHASE = 1u << 1,         /* ops->purchase: authorize and capture at once */
    TENDER_CAP_CAPTURE = 1u << 2,          /* ops->capture */
    TENDER_CAP_PARTIAL_CAPTURE = 1u << 3,  /* capture less than authorized */
    TENDER_CAP_MULTI_CAPTURE = 1u << 4,    /* several captures of one authorization */
    TENDER_CAP_VOID = 1u << 5,             /* ops->void_payment */
    TENDER_CAP_REFUND = 1u << 6,           /* ops->refund */
    TENDER_CAP_PARTIAL_REFUND = 1u << 7,   /* refund less than captured, several times */
    TENDER_CAP_SYNC = 1u << 8,             /* ops->sync */
    TENDER_CAP_COMPLETE_ACTION = 1u << 9,  /* ops->complete_action */
    TENDER_CAP_NOTIFICATION = 1u << 10,    /* ops->identify_notification + ops->notification */
    TENDER_CAP_THREAD_SAFE = 1u << 11,     /* one instance may serve concurrent calls */
    TENDER_CAP_STEP_UP = 1u << 12,         /* honours TENDER_REQUEST_STEP_UP (e.g. 3-D Secure) */
    /* Since 1.1. void_payment on a partially captured authorization releases
     * what was not captured (req->amount is that remainder); the payment is
     * then captured for what it captured. Needs TENDER_CAP_VOID. */
    TENDER_CAP_VOID_REMAINDER = 1u << 13,
    /* Since 1.2. ops->reauthorize: renew the hold of an authorized payment
     * that is not fully captured (PayPal after its honor period). The host
     * honours the bit only when the plugin's ops table holds the slot, so a
     * 1.0 or 1.1 plugin never has it. */
    TENDER_CAP_REAUTHORIZE = 1u << 14
} tender_capability;

/* What the payer must do when an outcome is ACTION_REQUIRED. Since 1.0.
 * An unknown kind is shown to the payer as its action_hint text only. */
typedef enum tender_action_kind {
    TENDER_ACTION_NONE = 0,
    TENDER_ACTION_REDIRECT = 1,       /* action_data is a URL to send the payer to */
    TENDER_ACTION_QR_CODE = 2,        /* action_data is the payload to render as a QR code */
    TENDER_ACTION_ONE_TIME_CODE = 3,  /* payer enters a code (3-D Secure OTP); finished by complete_action */
    TENDER_ACTION_APPROVAL = 4,       /* payer approves in an app or wallet; finished by notification or complete_action */
    TENDER_ACTION_PROTECTION_CODE = 5,/* payer releases a protected transfer with its code */
    TENDER_ACTION_REFERENCE = 6       /* payer pays elsewhere quoting action_data (bank transfer, cash) */
} tender_action_kind;

/* Which operation a request carries. Since 1.0. */
typedef enum tender_operation {
    TENDER_OP_AUTHORIZE = 1,
    TENDER_OP_PURCHASE = 2,
    TENDER_OP_CAPTURE = 3,
    TENDER_OP_VOID = 4,
    TENDER_OP_REFUND = 5,
    TENDER_OP_SYNC = 6,
    TENDER_OP_COMPLETE_ACTION = 7,
    TENDER_OP_NOTIFICATION = 8,
    TENDER_OP_DESCRIBE_INSTRUMENT = 9, /* Since 1.1 */
    TENDER_OP_REAUTHORIZE = 10         /* Since 1.2 */
} tender_operation;

/* What a notification, a sync or a completed action says happened to the
 * payment, so the host can move its state machine. Since 1.0. */
typedef enum tender_event {
    TENDER_EVENT_NONE = 0,        /* nothing changed (pre-request, duplicate, informational) */
    TENDER_EVENT_AUTHORIZED = 1,  /* funds held; result->amount is the authorized amount */
    TENDER_EVENT_CAPTURED = 2,    /* funds taken; result->amount is the total captured so far */
    TENDER_EVENT_REFUNDED = 3,    /* result->amount is the total refunded so far */
    TENDER_EVENT_VOIDED = 4,      /* authorization released / trade cancelled unpaid */
    TENDER_EVENT_DECLINED = 5,    /* refused; decline_code set */
    TENDER_EVENT_EXPIRED = 6,     /* the action or authorization lapsed */
    TENDER_EVENT_PENDING = 7,     /* still waiting (payer or processor) */
    TENDER_EVENT_ACTION_REQUIRED = 8
} tender_event;

/* Log levels for tender_host_services.log. Since 1.0. */
typedef enum tender_log_level {
    TENDER_LOG_ERROR = 1,
    TENDER_LOG_WARNING = 2,
    TENDER_LOG_INFO = 3,
    TENDER_LOG_DEBUG = 4
} tender_log_level;

/* Flags of a request parameter's spec. Since 1.0. */
enum {
    TENDER_PARAM_REQUIRED = 1u << 0,  /* authorize/purchase fail without it */
    TENDER_PARAM_SENSITIVE = 1u << 1  /* never stored, logged or echoed (card number, CVC, codes) */
};

/* Flags of a request. Since 1.0. */
enum {
    /* The host's policy asks for strong customer authentication (3-D Secure
     * challenge). Honoured by methods declaring TENDER_CAP_STEP_UP. */
    TENDER_REQUEST_STEP_UP = 1u << 0
};

/* ------------------------------------------------------------------------ */
/* Plain shared types                                                        */
/* ------------------------------------------------------------------------ */

/* A borrowed key/value pair (request parameters, notification headers). */
typedef struct tender_param {
    const char *key;
    const char *value;
} tender_param;

/* One currency a method accepts. Plugin-static. Since 1.0. */
typedef struct tender_currency_fact {
    /* Since 1.0. sizeof(tender_currency_fact) as the plugin was built. */
    uint32_t struct_size;
    /* Since 1.0. ISO 4217 alphabetic code, e.g. "USD". */
    const char *code;
    /* Since 1.0. Decimal places the method accepts for this currency; -1
     * means "as ISO 4217". PayPal declares 0 for HUF and TWD. */
    int32_t exponent;
    /* Since 1.0. Inherent per-transaction bounds in minor units of the
     * exponent above; 0 means no bound. */
    int64_t min_amount;
    int64_t max_amount;
    /* Since 1.0. When set, only buyers in this ISO 3166-1 region may pay in
     * this currency (PayPal: BRL for BR). NULL: any declared region. */
    const char *home_region;
} tender_currency_fact;

/* One request parameter a method understands. Plugin-static. Since 1.0. */
typedef struct tender_param_spec {
    /* Since 1.0. */
    uint32_t struct_size;
    /* Since 1.0. Parameter name, e.g. "number". */
    const char *name;
    /* Since 1.0. TENDER_PARAM_* flags. */
    uint32_t flags;
    /* Since 1.0. One line for `tender plugins` and docs. */
    const char *description;
} tender_param_spec;

/* ------------------------------------------------------------------------ */
/* Host services, passed to the plugin                                       */
/* ------------------------------------------------------------------------ */

typedef struct tender_host_services tender_host_services;

/* ---- the host's HTTP service (Since 1.1) ---------------------------------- */

/* One HTTP header; both strings borrowed. Since 1.1. */
typedef struct tender_http_header {
    const char *name;
    const char *value;
} tender_http_header;

/* A request to the provider, built by the plugin; everything borrowed for
 * the call. Since 1.1. */
typedef struct tender_http_request {
    /* Since 1.1. sizeof(tender_http_request) as the plugin compiled it. */
    uint32_t struct_size;
    /* Since 1.1. "GET", "POST", … (NULL: GET). */
    const char *method;
    /* Since 1.1. Absolute URL. The host sends it only under the method's
     * `endpoint` setting (same scheme, host and port) or to a host the
     * operator lists in `allowed_hosts`; plain http only to loopback. */
    const char *url;
    const tender_http_header *headers;
    size_t n_headers;
    const void *body; /* NULL with body_len 0 for none */
    size_t body_len;
} tender_http_request;

/* What became of a request. Since 1.1. */
typedef enum tender_http_outcome {
    /* An answer arrived, whatever its status (a 5xx is an answer). */
    TENDER_HTTP_RESPONSE = 1,
    /* Nothing left this machine: refused by the allow-list, name resolution,
     * connection refused, TLS handshake or verification, or the deadline had
     * passed. Safe to report TENDER_OUTCOME_NOT_SENT. */
    TENDER_HTTP_NOT_SENT = 2,
    /* Bytes of the request were written and no usable answer came back
     * (timeout, reset, truncated, unreadable, over the size cap): the
     * provider may have acted. Report TENDER_OUTCOME_UNKNOWN, never a
     * decline or an approval on a guess. */
    TENDER_HTTP_UNKNOWN = 3
} tender_http_outcome;

/* The answer, filled by the host. The plugin zeroes it and sets struct_size
 * before the call. headers and body are HOST-OWNED: valid until the plugin
 * passes the response to http_release, or until the plugin call during which
 * it was made returns, whichever comes first (the host releases what is left
 * then; the test host, which cannot tell when a call returns, keeps them
 * until http_release or until it is freed). Since 1.1. */
typedef struct tender_http_response {
    /* Since 1.1. Set by the plugin: sizeof(tender_http_response). */
    uint32_t struct_size;
    /* Since 1.1. tender_http_outcome. */
    uint32_t outcome;
    /* Since 1.1. HTTP status when outcome is TENDER_HTTP_RESPONSE. */
    int status;
    const tender_http_header *headers;
    size_t n_headers;
    /* Since 1.1. body_len bytes, followed by a NUL not counted. */
    const char *body;
    size_t body_len;
    /* Since 1.1. Why, when outcome is not TENDER_HTTP_RESPONSE; a sentence
     * fit for a log, never a header or the body. */
    char message[256];
    /* Since 1.1. The host's; never touch. */
    void *host_private;
} tender_http_response;

/* Services the host lends the plugin. Owned by the host, valid from the entry
 * call until the plugin is unloaded. Every function is thread-safe. A plugin
 * checks struct_size (TENDER_HAS_FIELD) before calling a slot newer than the
 * minor it was built for. Since 1.0. */
struct tender_host_services {
    /* Since 1.0. */
    uint32_t struct_size;
    /* Since 1.0. The host's ABI version. */
    uint32_t abi_major;
    uint32_t abi_minor;
    /* Since 1.0. Opaque to the plugin; pass the services pointer back. */
    void *host_data;
    /* Since 1.0. Log one line. The host redacts anything that looks like a
     * card number, and adds the method id; message is borrowed. */
    void (*log)(const tender_host_services *self, tender_log_level level,
                const char *method_id, const char *message);
    /* Since 1.0. Current time, milliseconds since the Unix epoch, UTC. The
     * host may run on a fixed or advanced clock: use this, never time(). */
    int64_t (*now_ms)(const tender_host_services *self);
    /* Since 1.0. Fill buf with len cryptographically random bytes. */
    void (*random_bytes)(const tender_host_services *self, void *buf, size_t len);
    /* Since 1.0. Typed reads of the method's own config section (the
     * "settings" object of methods.<method_id> in the policy config). Each
     * returns 1 and sets *out when the key is present with that type, 0 when
     * absent, -1 when present with another type (or, for strings, when it does
     * not fit in out_size bytes including the NUL). */
    int (*config_string)(const tender_host_services *self, const char *method_id,
                         const char *key, char *out, size_t out_size);
    int (*config_int64)(const tender_host_services *self, const char *method_id,
                        const char *key, int64_t *out);
    int (*config_bool)(const tender_host_services *self, const char *method_id,
                       const char *key, int *out);
    /* Since 1.1. Send req for method_id through the host's HTTP transport
     * and fill res (see tender_http_response for who owns what). The host
     * keeps the deadline of the operation being called (what is left of it:
     * the method's deadline_ms covers the host's NOT_SENT retries too; a
     * call outside an operation gets 10 s), verifies TLS, reuses
     * connections and refuses URLs outside the method's allow-list
     * (TENDER_HTTP_NOT_SENT, logged). Every request is counted in the
     * host's per-method metrics and, when the operator asks, traced
     * redacted. Returns res->outcome. Thread-safe; call it only from inside
     * a host call into the plugin (create or an operation). Reach it only
     * through TENDER_HAS_FIELD(self, tender_host_services, http). The test
     * host (<tender/testhost.h>) answers NOT_SENT unless a test gives it a
     * transport (scripted answers, or a loopback server). */
    uint32_t (*http)(const tender_host_services *self, const char *method_id,
                     const tender_http_request *req, tender_http_response *res);
    /* Since 1.1. Release res's host-owned parts early (NULL-safe; releasing
     * twice is harmless). */
    void (*http_release)(const tender_host_services *self, tender_http_response *res);
};

/* ------------------------------------------------------------------------ */
/* Requests and results                                                      */
/* ------------------------------------------------------------------------ */

/* One operation's input. Owned by the host, borrowed for the call; the plugin
 * copies what it needs. Since 1.0. */
typedef struct tender_request {
    /* Since 1.0. */
    uint32_t struct_size;
    /* Since 1.0. tender_operation. */
    uint32_t operation;
    /* Since 1.0. TENDER_REQUEST_* flags. */
    uint32_t flags;
    /* Since 1.0. 1 for the first attempt; higher when the host retries a
     * NOT_SENT outcome with the same request_id. */
    uint32_t attempt;
    /* Since 1.0. The host's payment id (e.g. "pay_0f3c…"). NULL only for
     * identify_notification. Put it in the processor's merchant reference. */
    const char *payment_id;
    /* Since 1.0. Unique per logical operation, stable across retries: send it
     * as the processor's idempotency key (PayPal-Request-Id, out_request_no). */
    const char *request_id;
    /* Since 1.0. The operation's amount in minor units of the currency's
     * method exponent: the authorization, or the part to capture or refund. */
    int64_t amount;
    /* Since 1.0. ISO 4217 code and the exponent amounts use. */
    const char *currency;
    int32_t exponent;
    /* Since 1.0. The buyer: ISO 3166-1 region, account, tier. Empty strings
     * when unknown, never NULL. */
    const char *region;
    const char *account;
    const char *tier;
    /* Since 1.0. The payment so far: authorized amount, captured and
     * refunded totals (0 on authorize/purchase). */
    int64_t authorized_amount;
    int64_t captured_amount;
    int64_t refunded_amount;
    /* Since 1.0. The plugin_state the plugin returned last for this payment
     * and its processor reference; empty strings on authorize/purchase. */
    const char *plugin_state;
    const char *processor_ref;
    /* Since 1.0. Request parameters (authorize/purchase: payment details;
     * complete_action: the payer's answer). Unknown keys must be ignored. */
    const tender_param *params;
    size_t n_params;
    /* Since 1.0. For identify_notification and notification: the provider's
     * HTTP headers and body, as received. */
    const tender_param *headers;
    size_t n_headers;
    const char *body;
    size_t body_len;
    /* Since 1.0. Absolute deadline, ms since the epoch on the host clock; a
     * plugin that talks to a network must give up by then (outcome UNKNOWN if
     * the request may have been sent, NOT_SENT if not). */
    int64_t deadline_ms;
} tender_request;

/* Field sizes of tender_result, frozen for ABI 1. */
#define TENDER_RESULT_CODE_MAX 64
#define TENDER_RESULT_MESSAGE_MAX 256
#define TENDER_RESULT_REF_MAX 128
#define TENDER_RESULT_STATE_MAX 4096
#define TENDER_RESULT_ACTION_MAX 2048
#define TENDER_RESULT_HINT_MAX 256
#define TENDER_RESULT_DISPLAY_MAX 64
#define TENDER_RESULT_DETAILS_MAX 512
#define TENDER_RESULT_REPLY_MAX 512
#define TENDER_RESULT_NOTIFY_HEADERS_MAX 2048
#define TENDER_RESULT_NOTIFY_BODY_MAX 8192

/* One operation's output. Allocated and zeroed by the host (struct_size set),
 * written by the plugin during the call, read by the host after it returns.
 * Strings are NUL-terminated within their arrays; set them with the SDK's
 * tender_result_set_*() helpers, which truncate safely. Since 1.0. */
typedef struct tender_result {
    /* Since 1.0. Set by the host. */
    uint32_t struct_size;
    /* Since 1.0. tender_outcome. Leaving it 0 means UNKNOWN. */
    uint32_t outcome;
    /* Since 1.0. tender_decline_code; set with DECLINED. */
    uint32_t decline_code;
    /* Since 1.0. tender_event: what the payment's state became (sync,
     * notification, complete_action). 0 lets the host derive it from the
     * operation and outcome. */
    uint32_t event;
    /* Since 1.0. Amount the processor acted on, in request minor units. For
     * events, as tender_event documents. 0 means "the requested amount". */
    int64_t amount;
    /* Since 1.0. The processor's own code and message, for operators
     * (e.g. "51", "INSTRUMENT_DECLINED"). Never a sensitive value. */
    char raw_code[TENDER_RESULT_CODE_MAX];
    char message[TENDER_RESULT_MESSAGE_MAX];
    /* Since 1.0. The processor's reference for the payment (or for this
     * refund/capture); empty keeps the previous one. */
    char processor_ref[TENDER_RESULT_REF_MAX];
    /* Since 1.0. Opaque state the host stores and hands back on the next call
     * for this payment. Empty keeps the previous state. */
    char plugin_state[TENDER_RESULT_STATE_MAX];
    /* Since 1.0. With ACTION_REQUIRED: the kind, its data (URL, QR payload,
     * reference), a line for the payer, and when it expires (ms, 0: the
     * method's action timeout). */
    uint32_t action_kind;
    char action_data[TENDER_RESULT_ACTION_MAX];
    char action_hint[TENDER_RESULT_HINT_MAX];
    int64_t action_expires_ms;
    /* Since 1.0. What may be shown and stored about the instrument: brand,
     * first six and last four digits or a masked account, issuing country. */
    char display_brand[TENDER_RESULT_DISPLAY_MAX];
    char display_first6[8];
    char display_last4[8];
    char display_account[TENDER_RESULT_DISPLAY_MAX];
    char display_country[4];
    /* Since 1.0. Extra non-sensitive facts, "key=value" lines (3-D Secure
     * status, ECI, trade status). */
    char details[TENDER_RESULT_DETAILS_MAX];
    /* Since 1.0. identify_notification: the host payment id the notification
     * is about, and the provider's notification id (repeats share it). */
    char notify_payment_id[TENDER_RESULT_REF_MAX];
    char notify_id[TENDER_RESULT_REF_MAX];
    /* Since 1.0. identify_notification/notification: the exact HTTP reply
     * the provider expects (body, content type and status). */
    uint32_t reply_status;
    char reply_content_type[TENDER_RESULT_CODE_MAX];
    char reply_body[TENDER_RESULT_REPLY_MAX];
    /* Since 1.0. sandbox_notification: the notification the provider would
     * send, as "Name: value\n" header lines and a body. */
    char notify_headers[TENDER_RESULT_NOTIFY_HEADERS_MAX];
    char notify_body[TENDER_RESULT_NOTIFY_BODY_MAX];
} tender_result;

/* ------------------------------------------------------------------------ */
/* Sandbox fixtures (optional)                                               */
/* ------------------------------------------------------------------------ */

/* A documented sandbox input and what it does, so a generic conformance kit
 * can drive every method's flows. Plugin-static. Since 1.0. */
typedef struct tender_fixture {
    /* Since 1.0. */
    uint32_t struct_size;
    /* Since 1.0. Short identifier, e.g. "approved", "insufficient_funds". */
    const char *name;
    /* Since 1.0. The buyer and amount to use. amount is a decimal string in
     * the currency ("12.50"). */
    const char *region;
    const char *currency;
    const char *amount;
    const char *tier;
    /* Since 1.0. Parameters for authorize/purchase. */
    const tender_param *params;
    size_t n_params;
    /* Since 1.0. Expected outcome of authorize (or purchase when the method
     * has no authorize) and the decline code when DECLINED. */
    uint32_t expect_outcome;
    uint32_t expect_decline;
    /* Since 1.0. When ACTION_REQUIRED: parameters that finish the action with
     * complete_action (n_complete_params 0: none), or the sandbox event to
     * simulate with sandbox_notification (NULL: none), and the outcome that
     * follows. */
    const tender_param *complete_params;
    size_t n_complete_params;
    const char *sandbox_event;
    uint32_t expect_after_action;
} tender_fixture;

/* ------------------------------------------------------------------------ */
/* Method operations and facts                                               */
/* ------------------------------------------------------------------------ */

/* An operation on a payment. Reads req, writes res; never retains either.
 * Thread-safety: concurrent calls on one instance only when the method
 * declares TENDER_CAP_THREAD_SAFE; the host serializes otherwise. */
typedef void (*tender_operation_fn)(void *instance, const tender_request *req,
                                    tender_result *res);

/* The functions of a method. Plugin-static. Append-only: a host reaches a
 * slot only when struct_size covers it (a short table: "not supported").
 * Since 1.0. */
typedef struct tender_method_ops {
    /* Since 1.0. */
    uint32_t struct_size;
    /* Since 1.0. Mandatory. Create an instance for this method with the host's
     * services (read the method's settings through them). On failure return
     * nonzero and write a message into error (error_size bytes, NUL
     * terminated); *instance is then ignored. Never concurrent with any other
     * call on the instance. */
    int (*create)(const tender_host_services *host, const char *method_id,
                  void **instance, char *error, size_t error_size);
    /* Since 1.0. Mandatory. Free an instance; NULL is a no-op. */
    void (*destroy)(void *instance);
    /* Since 1.0. One per capability bit, NULL when not declared. */
    tender_operation_fn authorize;        /* TENDER_CAP_AUTHORIZE */
    tender_operation_fn purchase;         /* TENDER_CAP_PURCHASE */
    tender_operation_fn capture;          /* TENDER_CAP_CAPTURE */
    tender_operation_fn void_payment;     /* TENDER_CAP_VOID */
    tender_operation_fn refund;           /* TENDER_CAP_REFUND */
    tender_operation_fn sync;             /* TENDER_CAP_SYNC */
    tender_operation_fn complete_action;  /* TENDER_CAP_COMPLETE_ACTION */
    /* Since 1.0. TENDER_CAP_NOTIFICATION. identify_notification verifies the
     * notification in req->headers/body (signature, fields) with no payment
     * context and sets notify_payment_id, notify_id and the reply. An
     * unverifiable notification is DECLINED (SECURITY_CHECK_FAILED) and
     * changes nothing. notification is then called with the payment's
     * context to say what happened (outcome, event, amount, plugin_state). */
    tender_operation_fn identify_notification;
    tender_operation_fn notification;
    /* Since 1.0. Optional sandbox fixtures: the documented test inputs (n
     * set to their count), and the notification the provider would send for
     * a payment when `event` happens (e.g. "paid", "refunded"), written into
     * res->notify_headers / notify_body. NULL when the method has none. */
    const tender_fixture *(*sandbox_fixtures)(size_t *n);
    void (*sandbox_notification)(void *instance, const tender_request *req,
                                 const char *event, tender_result *res);
    /* Since 1.1. Optional (NULL: not provided). Describe the instrument that
     * req->params name, from the parameters alone and WITHOUT contacting the
     * processor: it runs before the policy, on every payment attempt, and
     * before any money moves. Write what is known into res->display_brand,
     * display_first6, display_last4 and display_country (ISO 3166-1 alpha-2
     * issuing country) and set outcome APPROVED; any other outcome means
     * "nothing known" (malformed parameters are the authorize call's to
     * refuse). Never write a full card number or a code anywhere in res.
     * req->operation is TENDER_OP_DESCRIBE_INSTRUMENT; payment_id,
     * plugin_state and processor_ref are empty. Same threading rules as the
     * operations. The host uses the facts for the policy's rules on issuing
     * country (and brand). A host reaches this slot only through
     * TENDER_HAS_FIELD(ops, tender_method_ops, describe_instrument). */
    tender_operation_fn describe_instrument;
    /* Since 1.2. TENDER_CAP_REAUTHORIZE. Renew the authorization of a payment
     * that is authorized or partially captured: req->amount is what the new
     * authorization is to hold (the host's default: what remains
     * uncaptured), req->request_id the processor's idempotency key. On
     * APPROVED set res->amount to what the new authorization holds (0: the
     * requested amount) and res->processor_ref to the new authorization's
     * id; later calls get it back in req->processor_ref and plugin_state.
     * DECLINED (e.g. too soon, expired) changes nothing on the payment. A
     * host reaches this slot only when struct_size covers it. */
    tender_operation_fn reauthorize;
} tender_method_ops;

/* A payment method: its id, static facts and functions. Plugin-static.
 * Since 1.0. */
typedef struct tender_method {
    /* Since 1.0. */
    uint32_t struct_size;
    /* Since 1.0. Unique method id: lower-case [a-z0-9_], 1..31 chars. */
    const char *id;
    /* Since 1.0. Human name ("Bank card"). */
    const char *name;
    /* Since 1.0. tender_capability bits. */
    uint64_t capabilities;
    /* Since 1.0. NULL-terminated ISO 3166-1 alpha-2 regions the method
     * serves; the single entry "*" means everywhere. */
    const char *const *regions;
    /* Since 1.0. Accepted currencies. */
    const tender_currency_fact *currencies;
    size_t n_currencies;
    /* Since 1.0. Request parameters of authorize/purchase. */
    const tender_param_spec *params;
    size_t n_params;
    /* Since 1.0. Parameters of complete_action (e.g. "otp"). */
    const tender_param_spec *action_params;
    size_t n_action_params;
    /* Since 1.0. Seconds an authorization stays valid (card 7 days, PayPal
     * 29 days); 0 means it does not lapse. */
    int64_t hold_seconds;
    /* Since 1.0. Seconds the payer has to complete an action; 0: no timeout. */
    int64_t action_timeout_seconds;
    /* Since 1.0. Captures may total up to authorized * over_capture_bps /
     * 10000 (0 means 10000: no over-capture), and at most
     * over_capture_max_extra minor units of over_capture_currency above the
     * authorization (0: no such cap). */
    uint32_t over_capture_bps;
    int64_t over_capture_max_extra;
    const char *over_capture_currency;
    /* Since 1.0. NULL-terminated account tiers the method knows (lowest
     * first), e.g. WebMoney passports; NULL: none. */
    const char *const *tiers;
    /* Since 1.0. The functions. */
    const tender_method_ops *ops;
} tender_method;

/* What tender_plugin_entry returns. Plugin-static. Since 1.0. */
typedef struct tender_plugin_descriptor {
    /* Since 1.0. */
    uint32_t struct_size;
    /* Since 1.0. The ABI the plugin was built against. */
    uint32_t abi_major;
    uint32_t abi_minor;
    /* Since 1.0. Plugin id ([a-z0-9_.-]), human name, version string. */
    const char *id;
    const char *name;
    const char *version;
    /* Since 1.0. One line: who made it, what it does. May be NULL. */
    const char *description;
    /* Since 1.0. The methods, n_methods of them (at least one). */
    const tender_method *const *methods;
    size_t n_methods;
} tender_plugin_descriptor;

/* The entry point every plugin exports (and nothing else). Called once per
 * load, never concurrently, before any other call. host_abi_major/minor are
 * the host's version; services stays valid until unload. Return the
 * plugin-static descriptor, or NULL to refuse this host. */
typedef const tender_plugin_descriptor *(*tender_plugin_entry_fn)(
    uint32_t host_abi_major, uint32_t host_abi_minor,
    const tender_host_services *services);

#ifdef __cplusplus
}
#endif

#endif /* TENDER_PLUGIN_H */
