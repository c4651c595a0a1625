/* libtender: the host API.
 *
 * A host creates one TenderHost (plugins, policy config, ledger, clock), then
 * asks for quotes and runs payments through it. Every payment operation is
 * recorded in the ledger before it is acknowledged.
 *
 * Thread-safety: a TenderHost may be used from any number of threads at once
 * once created; tender_host_new() and tender_host_free() must not race with
 * other calls on the same host. Returned structs are owned by the caller and
 * freed with their *_free() function unless stated otherwise.
 *
 * Errors: functions report failures through GError in the TENDER_ERROR
 * domain. A declined payment is not an error: it is a TenderPayment whose
 * status is TENDER_STATUS_DECLINED.
 */
#ifndef TENDER_TENDER_H
#define TENDER_TENDER_H

#include <stddef.h>

#include <glib.h>

#include <tender/money.h>
#include <tender/plugin.h>

G_BEGIN_DECLS

/* ---- errors ------------------------------------------------------------- */

#define TENDER_ERROR (tender_error_quark())
GQuark tender_error_quark(void);

/* Stable error codes of the TENDER_ERROR domain. Frozen numbering. */
typedef enum {
    TENDER_ERROR_INVALID_ARGUMENT = 1,    /* malformed input: amount, currency, region, id */
    TENDER_ERROR_CONFIG = 2,              /* the policy config is invalid */
    TENDER_ERROR_LEDGER = 3,              /* the ledger could not be read or written */
    TENDER_ERROR_NOT_FOUND = 4,           /* no such payment */
    TENDER_ERROR_IDEMPOTENCY_CONFLICT = 5,/* key reused with different parameters */
    TENDER_ERROR_INVALID_STATE = 6,       /* operation not allowed in the payment's state */
    TENDER_ERROR_AMOUNT_EXCEEDED = 7,     /* over-capture or over-refund */
    TENDER_ERROR_NOT_SUPPORTED = 8,       /* the method does not declare this operation */
    TENDER_ERROR_UNKNOWN_METHOD = 9,      /* no loaded plugin provides the method */
    TENDER_ERROR_PLUGIN = 10,             /* a plugin failed to create or misbehaved */
    TENDER_ERROR_INTERNAL = 11,
    TENDER_ERROR_AUTHORIZATION_EXPIRED = 12, /* capture after the hold lapsed */
    TENDER_ERROR_NOTIFICATION_REJECTED = 13, /* unverifiable: forged, tampered, wrong key */
    TENDER_ERROR_DECLINED = 14,           /* the processor declined a capture, void or refund
                                           * (recorded in the ledger; the payment is unchanged) */
    TENDER_ERROR_BUSY = 15,               /* another operation on the payment did not finish in time */
    TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT = 16 /* verified, but about no payment of this
                                                    * method in this ledger */
} TenderErrorCode;

/* ---- lifecycle ---------------------------------------------------------- */

/* The one state machine of every method. Frozen numbering. */
typedef enum {
    TENDER_STATUS_REQUIRES_ACTION = 1,
    TENDER_STATUS_PENDING = 2,
    TENDER_STATUS_UNKNOWN = 3,
    TENDER_STATUS_AUTHORIZED = 4,
    TENDER_STATUS_PARTIALLY_CAPTURED = 5,
    TENDER_STATUS_CAPTURED = 6,
    TENDER_STATUS_PARTIALLY_REFUNDED = 7,
    TENDER_STATUS_REFUNDED = 8,
    TENDER_STATUS_VOIDED = 9,
    TENDER_STATUS_DECLINED = 10,
    TENDER_STATUS_FAILED = 11,
    TENDER_STATUS_EXPIRED = 12
} TenderStatus;

/* "requires_action", "authorized", …; NULL for an invalid value. */
const char *tender_status_to_string(TenderStatus status);
/* Parse a status name; FALSE when unknown. */
gboolean tender_status_from_string(const char *name, TenderStatus *out);
/* TRUE for statuses no operation can leave (refunded, voided, declined,
 * failed, expired). */
gboolean tender_status_is_terminal(TenderStatus status);

/* ---- host --------------------------------------------------------------- */

typedef struct TenderHost TenderHost;
typedef struct TenderHostOptions TenderHostOptions;

/* Options for tender_host_new(). Not thread-safe; free with
 * tender_host_options_free(). */
TenderHostOptions *tender_host_options_new(void);
void tender_host_options_free(TenderHostOptions *options);
/* Add a directory to scan for plugins (repeatable, scanned in order). */
void tender_host_options_add_plugin_dir(TenderHostOptions *options, const char *dir);
/* Read the policy config from this JSON file (default: the embedded one). */
void tender_host_options_set_config_file(TenderHostOptions *options, const char *path);
/* Use this JSON text as the policy config. */
void tender_host_options_set_config_data(TenderHostOptions *options, const char *json);
/* Ledger file path, or ":memory:" (default: the config's ledger, else
 * "tender-ledger.db" in the working directory). */
void tender_host_options_set_ledger(TenderHostOptions *options, const char *path);
/* Never create the ledger file (default FALSE: create it when missing), for
 * a host that only reads (quotes, tender_host_get, tender_host_list). An
 * existing ledger opens as usual. A missing one reads as an empty ledger
 * kept in memory: nothing is written to disk, not even a -wal or -shm file,
 * and every operation that would record something fails with
 * TENDER_ERROR_LEDGER instead of being lost. A ledger whose directory does
 * not exist is an error (TENDER_ERROR_LEDGER) either way. */
void tender_host_options_set_ledger_no_create(TenderHostOptions *options, gboolean no_create);
/* FALSE: the ledger does not wait for the disk at commit (only its
 * checkpoints flush). A process crash still loses nothing the host
 * acknowledged, but an operating-system crash or a power cut may lose the
 * last payments. Only for loading test or benchmark data; never for real
 * payments. Default TRUE. */
void tender_host_options_set_ledger_flush(TenderHostOptions *options, gboolean flush);
/* Log every exchange plugins make through the host's `http` service (ABI
 * 1.1): request line, headers and body, then the answer or the failure, as
 * one message at G_LOG_LEVEL_MESSAGE in the "tender" log domain (field
 * TENDER_METHOD). Authorization, cookie and key-like headers are removed,
 * and the bodies go through the redaction every log gets (card numbers
 * masked, the call's sensitive values removed). Off by default; the
 * config's `"transport": {"trace": true}` turns it on too. */
void tender_host_options_set_trace_http(TenderHostOptions *options, gboolean trace);
/* Run on a fixed clock (ms since the epoch, UTC) instead of the system one. */
void tender_host_options_set_fixed_now(TenderHostOptions *options, gint64 now_ms);

/* Create a host: read and validate the config, load the plugins (a refused
 * plugin is recorded, never fatal), open the ledger. NULL with error set on a
 * config error (TENDER_ERROR_CONFIG) or a ledger error (TENDER_ERROR_LEDGER).
 * The options may be freed afterwards. */
TenderHost *tender_host_new(const TenderHostOptions *options, GError **error);
/* Close the ledger, destroy plugin instances, unload plugins. NULL is fine. */
void tender_host_free(TenderHost *host);

/* The host's clock (ms since epoch, UTC): fixed or system. */
gint64 tender_host_now(TenderHost *host);
/* Move a fixed clock (tests); a no-op on the system clock. */
void tender_host_set_now(TenderHost *host, gint64 now_ms);

/* Warnings the config produced (a configured method no plugin provides…).
 * Owned by the host: an array of strings. */
const GPtrArray *tender_host_config_warnings(TenderHost *host);

/* ---- plugins and methods ------------------------------------------------- */

typedef struct {
    char code[4];
    int exponent;          /* the method's exponent for this currency */
    gint64 min_amount;     /* inherent bounds in minor units, 0 = none */
    gint64 max_amount;
    char *home_region;     /* NULL unless in-country only */
} TenderCurrencyInfo;

typedef struct {
    char *name;
    guint32 flags;         /* TENDER_PARAM_* */
    char *description;
} TenderParamInfo;

/* Facts of one registered method, copied from its plugin. Owned by the host,
 * valid until tender_host_free(). */
typedef struct {
    char *id;
    char *name;
    char *plugin_id;
    char *plugin_file;
    guint64 capabilities;   /* TENDER_CAP_* */
    GStrv regions;          /* "*" alone means everywhere */
    GArray *currencies;     /* TenderCurrencyInfo */
    GPtrArray *params;      /* TenderParamInfo* */
    GPtrArray *action_params;
    gint64 hold_seconds;
    gint64 action_timeout_seconds;
    guint32 over_capture_bps;
    gint64 over_capture_max_extra;
    char *over_capture_currency;
    GStrv tiers;            /* may be empty */
    gboolean has_fixtures;
} TenderMethodInfo;

/* One loaded plugin. Owned by the host. */
typedef struct {
    char *file;
    char *id;
    char *name;
    char *version;
    char *description;
    guint abi_major;
    guint abi_minor;
    GPtrArray *methods;     /* TenderMethodInfo*, borrowed from the host */
} TenderPluginInfo;

/* One file the loader refused, with why. Owned by the host. */
typedef struct {
    char *file;
    char *plugin_id;        /* NULL when it could not be read */
    char *reason;
} TenderRefusal;

const GPtrArray *tender_host_plugins(TenderHost *host);   /* TenderPluginInfo* */
const GPtrArray *tender_host_methods(TenderHost *host);   /* TenderMethodInfo* */
const GPtrArray *tender_host_refusals(TenderHost *host);  /* TenderRefusal* */
/* Every directory the host scanned for plugins, in scan order (the options'
 * directories, then the config's plugin_dirs), NULL-terminated, so a host
 * that found no plugin can say where it looked. Owned by the host, valid
 * until tender_host_free(); safe from any thread. */
const char *const *tender_host_plugin_dirs(TenderHost *host);
/* The method with this id, or NULL. */
const TenderMethodInfo *tender_host_method(TenderHost *host, const char *method_id);

/* ---- isolation (docs/isolation.md) ----------------------------------------- */

/* Where a loaded plugin's code runs: "process" (a tender-plugin-worker of
 * its own) or "in-process"; NULL when no plugin has that id. Static string;
 * safe from any thread. */
const char *tender_host_plugin_isolation(TenderHost *host, const char *plugin_id);
/* TRUE when the isolated plugin is quarantined (it crashed too often; its
 * methods are not offered), with when it ends (*until_ms, wall clock ms)
 * and why (*reason, newly allocated) for the pointers that are not NULL. */
gboolean tender_host_plugin_quarantined(TenderHost *host, const char *plugin_id,
                                        gint64 *until_ms, char **reason);
/* End a quarantine: forget the plugin's crashes in the ledger (so for every
 * process sharing it) and in this host. FALSE with error when the plugin
 * does not run isolated or the ledger cannot be written. */
gboolean tender_host_clear_quarantine(TenderHost *host, const char *plugin_id, GError **error);
/* How many worker processes this host started for the plugin (0 when it
 * runs in-process): a restart count for monitoring and tests. */
guint tender_host_plugin_worker_starts(TenderHost *host, const char *plugin_id);

/* A plugin in a worker of its own for a host that is not a TenderHost (a
 * test host, the conformance kit): the worker dlopens the unchanged file,
 * runs its entry point and serves its calls, forwarding the plugin's
 * service calls to the table given here, as a TenderHost's isolated
 * plugins do (docs/isolation.md). The descriptor it yields is an ordinary
 * one, whose ops forward each call to the worker (UNKNOWN when the worker
 * dies, hangs past the request's deadline or breaks the protocol; a new
 * worker starts once the crash backoff allows, NOT_SENT meanwhile) and
 * whose fixtures are a copy
 * (read them with tender_method_fixtures: the proxy's ops table has no
 * sandbox_fixtures slot of its own). Crashes are not persisted and no
 * quarantine applies: the caller sees every failure. */
typedef struct TenderIsolatedPlugin TenderIsolatedPlugin;

/* Options: struct_size first (sizeof as the caller was compiled with; a
 * field past it takes its default). NULL options: all defaults. */
typedef struct {
    guint32 struct_size;
    /* The worker drops to its seccomp allow-list after loading (default
     * on; off for a plugin that opens files after loading). */
    gboolean no_seccomp;
} TenderIsolatedPluginOptions;

/* Start a worker for the plugin file at path, whose service calls (while
 * it loads and during every call) are served with services. services is
 * borrowed: it must outlive the result, and be handed to no other isolated
 * plugin (the proxy's create finds the worker by it); the descriptor's
 * create must be called with this same table. The descriptor is not
 * checked (tender_plugin_check_descriptor gives the loader's verdict).
 * NULL with error (TENDER_ERROR_PLUGIN) when the plugin refuses, crashes
 * or hangs while loading, or no worker can start. Free with
 * tender_isolated_plugin_free, after destroying its instances. */
TenderIsolatedPlugin *tender_isolated_plugin_start(const char *path,
                                                   const tender_host_services *services,
                                                   const TenderIsolatedPluginOptions *options,
                                                   GError **error);
/* The host-side descriptor (owned by plugin, valid until it is freed). Its
 * ops are safe from any thread: calls to one worker are serialised. */
const tender_plugin_descriptor *tender_isolated_plugin_descriptor(TenderIsolatedPlugin *plugin);
/* How many workers were started (the first included): a restart count. */
guint tender_isolated_plugin_worker_starts(TenderIsolatedPlugin *plugin);
/* Stop the worker and free. NULL is fine. */
void tender_isolated_plugin_free(TenderIsolatedPlugin *plugin);

/* Capability bit names ("authorize", "partial_capture", …) for display. */
const char *tender_capability_name(guint64 bit);

/* ---- quotes -------------------------------------------------------------- */

/* Input structs (TenderBuyer, TenderPayRequest, TenderListFilter) begin
 * with struct_size: set it to sizeof the struct as your host was compiled
 * with. Later versions of libtender only append fields and read a field
 * only when struct_size covers it, so a host built against an older
 * libtender keeps working unchanged. A struct_size below the first
 * version's is refused with TENDER_ERROR_INVALID_ARGUMENT. */

typedef struct {
    guint32 struct_size;     /* sizeof(TenderBuyer) */
    const char *region;      /* ISO 3166-1 alpha-2, required */
    const char *currency;    /* ISO 4217, required */
    const char *amount;      /* decimal string, required */
    const char *account;     /* may be NULL */
    const char *tier;        /* may be NULL */
} TenderBuyer;

/* One method in a quote. */
typedef struct {
    char *method;
    gboolean offered;
    char *reason_code;       /* when not offered: a decline code name */
    char *reason;            /* when not offered: a sentence for a person */
    char *currency;          /* what the buyer pays in (after any exchange) */
    int exponent;
    gint64 amount;           /* the order amount in `currency` */
    gint64 fee;              /* in `currency` */
    gint64 total;            /* amount + fee, in `currency` */
    char *exchange;          /* "1 USD = 7.1 CNY as of 2026-11-01", or NULL */
    gboolean step_up;        /* policy asks for strong authentication */
} TenderQuote;

void tender_quote_free(TenderQuote *quote);

/* Every registered method for this buyer: offered ones first, sorted by
 * total cost, then the others with their reason. Free with
 * g_ptr_array_unref(). Errors only for malformed input. */
GPtrArray *tender_host_quote(TenderHost *host, const TenderBuyer *buyer, GError **error);

/* ---- limit usage ---------------------------------------------------------- */

/* One cumulative limit of the policy config (a method's `limits`, for every
 * buyer or for one tier; docs/config.md) and what one account has used of
 * it in the window that holds the host's now. Amounts are in ISO 4217
 * minor units of `currency`. */
typedef struct {
    char *method;
    char *tier;              /* the tier the limit belongs to; NULL: every buyer's */
    char *window;            /* "day", "week", "month", … */
    char *window_start;      /* the window's start as its counter names it:
                                "2026-11-25" (day; week: its Monday; month:
                                its 1st), "2026-11-25T14" (hour), "all" */
    char *currency;
    int exponent;            /* currency's ISO 4217 exponent */
    gint64 limit;
    gint64 used;             /* held by the account's payments (refunds and
                                voids give back their share) */
    gint64 remaining;        /* limit - used, never below 0 */
} TenderLimitUsage;

void tender_limit_usage_free(TenderLimitUsage *usage);

/* Every cumulative limit of every loaded method's policy, in config order
 * (a method's limits for every buyer first, then each tier's), with what
 * account has used of it now. account is required (cumulative limits count
 * per account). Reads the ledger's usage counters in one read unit, so the
 * numbers are one consistent snapshot; changes nothing. Safe from any
 * thread. Returns a new array of TenderLimitUsage* (free with
 * g_ptr_array_unref(), which frees the elements), empty when no method has
 * a limit; NULL with TENDER_ERROR_INVALID_ARGUMENT for a missing account or
 * TENDER_ERROR_LEDGER when a counter cannot be read. */
GPtrArray *tender_host_limit_usage(TenderHost *host, const char *account, GError **error);

/* ---- payments ------------------------------------------------------------ */

/* One operation attempt recorded on a payment. */
typedef struct {
    gint64 seq;
    char *kind;              /* "authorize", "capture", "refund", "notification", … */
    char *request_id;
    char *idempotency_key;   /* NULL when none was given */
    gint64 amount;
    char *outcome;           /* "approved", "declined", … */
    char *decline_code;      /* NULL when none */
    char *raw_code;
    char *message;
    char *processor_ref;
    char *status_after;
    gint64 created_ms;
    guint attempts;          /* calls the plugin got (NOT_SENT retries included); 0 for none */
} TenderOperation;

void tender_operation_free(TenderOperation *operation);

typedef struct {
    char *id;
    char *method;
    char *account;
    char *tier;
    char *region;
    char *currency;
    int exponent;            /* decimals of amount, captured, refunded */
    TenderStatus status;
    gint64 amount;           /* authorized (or requested) amount */
    gint64 captured;
    gint64 refunded;
    gint64 fee;              /* policy fee, same currency */
    char *processor_ref;
    char *idempotency_key;
    /* The pending action, when status is requires_action. */
    guint32 action_kind;     /* tender_action_kind */
    char *action_data;
    char *action_hint;
    gint64 action_expires_ms;
    /* The decline, when there is one. */
    guint32 decline_code;    /* tender_decline_code, 0 = none */
    char *decline_raw_code;
    char *decline_message;
    /* Display data returned by the plugin (never a full number). */
    char *brand;
    char *first6;
    char *last4;
    char *display_account;
    char *issuer_country;
    char *details;
    gint64 created_ms;
    gint64 updated_ms;
    gint64 hold_expires_ms;  /* 0 = none */
    GPtrArray *operations;   /* TenderOperation*, oldest first */
    /* Appended by ledger schema 4; the fields above keep their offsets. */
    /* The buyer's order as requested, before any conversion: currency and
     * amount equal `currency` and `amount` (at the order currency's ISO
     * exponent) unless the method took another currency. */
    char *order_currency;
    gint64 order_amount;     /* ISO 4217 minor units of order_currency */
    int order_exponent;      /* decimals of order_amount (the ISO exponent) */
    /* The configured exchange rates the conversion from order_currency into
     * `currency` used, exactly as configured and written against the
     * exchange base: "1 USD = 7.1 CNY as of 2026-11-01", or "1 USD = 0.79
     * GBP = 7.1 CNY as of …" when neither currency is the base. NULL when
     * the payment was not converted (or was converted before the ledger
     * kept rates). The fee is `fee`, in `currency`. */
    char *exchange_rate;
    /* The account tier whose limits the payment was held to: `tier` when
     * the buyer gave one, else the method's configured default_tier; ""
     * when no tier applied (the method has none). NULL when not known (a
     * payment without a given tier recorded before the ledger kept it).
     * `tier` stays what the buyer gave. */
    char *effective_tier;
} TenderPayment;

void tender_payment_free(TenderPayment *payment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TenderPayment, tender_payment_free)

typedef struct {
    guint32 struct_size;         /* sizeof(TenderPayRequest) */
    const char *method;
    const char *region;
    const char *currency;
    const char *amount;          /* decimal string */
    const char *account;         /* may be NULL */
    const char *tier;            /* may be NULL */
    const char *idempotency_key; /* may be NULL */
    const tender_param *params;  /* borrowed for the call */
    gsize n_params;
    gboolean capture;            /* purchase: capture at once when possible */
} TenderPayRequest;

/* Start a payment: policy first (a refusal is recorded as declined and the
 * plugin is never called), then the plugin's authorize (or purchase). The
 * returned payment may be authorized, captured, requires_action, pending,
 * unknown, declined or failed. An idempotency key seen before returns the
 * stored payment without calling the plugin (same parameters) or fails with
 * TENDER_ERROR_IDEMPOTENCY_CONFLICT. */
TenderPayment *tender_host_pay(TenderHost *host, const TenderPayRequest *request,
                               GError **error);

/* Finish the payer's action (one-time code, approval, protection code). */
TenderPayment *tender_host_complete(TenderHost *host, const char *payment_id,
                                    const tender_param *params, gsize n_params,
                                    GError **error);

/* Capture amount (decimal string; NULL: all that remains authorized). */
TenderPayment *tender_host_capture(TenderHost *host, const char *payment_id,
                                   const char *amount, const char *idempotency_key,
                                   GError **error);
TenderPayment *tender_host_void(TenderHost *host, const char *payment_id,
                                const char *idempotency_key, GError **error);
/* Refund amount (NULL: all that was captured and not yet refunded). */
TenderPayment *tender_host_refund(TenderHost *host, const char *payment_id,
                                  const char *amount, const char *idempotency_key,
                                  GError **error);
/* Renew the authorization of a payment that is authorized or partially
 * captured (ABI 1.2, methods declaring TENDER_CAP_REAUTHORIZE; PayPal from
 * day 4 to day 29 of its authorization). amount is a decimal string: what
 * the new authorization holds (NULL: what remains uncaptured), at most
 * what the payment could still capture. On approval the payment's amount
 * becomes captured + amount, its processor_ref and the operation's are the
 * new authorization's id (later captures use it), its hold keeps its
 * expiry, and the outbox gets a "payment.reauthorized" event. A refusal by
 * the provider (too soon, expired, already reauthorized) is recorded and
 * fails with TENDER_ERROR_DECLINED, the payment unchanged; another state is
 * TENDER_ERROR_INVALID_STATE, a method without the operation (any plugin
 * built for ABI 1.0 or 1.1) TENDER_ERROR_NOT_SUPPORTED.
 *
 * idempotency_key (may be NULL): the same key for the same payment and
 * amount replays the stored answer without calling the plugin again; with
 * another amount it fails with TENDER_ERROR_IDEMPOTENCY_CONFLICT. The
 * provider gets the operation's request id as its own idempotency key
 * (PayPal-Request-Id), so a retry after an unknown outcome is safe.
 *
 * Thread-safe: operations on one payment are serialised by its lease, as
 * for capture. Returns a new TenderPayment the
 * caller frees, or NULL with error set. */
TenderPayment *tender_host_reauthorize(TenderHost *host, const char *payment_id,
                                       const char *amount, const char *idempotency_key,
                                       GError **error);
/* Ask the plugin for the truth about one payment and apply it. */
TenderPayment *tender_host_sync(TenderHost *host, const char *payment_id, GError **error);
/* Read a payment (applying any lapse that is due). */
TenderPayment *tender_host_get(TenderHost *host, const char *payment_id, GError **error);

typedef struct {
    guint32 struct_size;     /* sizeof(TenderListFilter) */
    const char *account;     /* NULL: any */
    const char *method;      /* NULL: any */
    gboolean has_status;
    TenderStatus status;
    gint64 from_ms;          /* 0: no bound */
    gint64 to_ms;            /* 0: no bound */
    guint limit;             /* 0: no limit */
    /* Appended for cursor pagination: when set, only the payments after
     * this one in the list's order (newest first), so that a page's last
     * id asks for the next page. An unknown id fails with
     * TENDER_ERROR_NOT_FOUND. */
    const char *after_id;
} TenderListFilter;

/* Payments matching filter (NULL: all), newest first, without operations.
 * Free with g_ptr_array_unref(). */
GPtrArray *tender_host_list(TenderHost *host, const TenderListFilter *filter, GError **error);

/* What became of a notification. */
typedef enum {
    TENDER_NOTIFY_ACCEPTED = 1,        /* verified and applied (or nothing to apply: a probe) */
    TENDER_NOTIFY_DUPLICATE = 2,       /* verified, already applied before: nothing changed */
    TENDER_NOTIFY_UNKNOWN_PAYMENT = 3, /* verified, but names no payment of this method that
                                        * this ledger holds: nothing changed */
    TENDER_NOTIFY_REJECTED = 4,        /* could not be verified (forged, tampered, wrong key,
                                        * unparseable, or the plugin did not answer in time):
                                        * nothing changed */
} TenderNotifyOutcome;

/* The reply a provider expects for a notification, exactly as the plugin set
 * it: a provider decides from it whether to send the notification again. */
typedef struct {
    guint status;                /* HTTP status */
    char *content_type;
    char *body;                  /* e.g. "success", "YES"; may be empty, never NULL */
    char *payment_id;            /* the payment it applied to, NULL if none */
    gboolean duplicate;          /* outcome == TENDER_NOTIFY_DUPLICATE */
    TenderNotifyOutcome outcome;
} TenderNotifyReply;

void tender_notify_reply_free(TenderNotifyReply *reply);

/* Hand a provider's notification to method's plugin: verify it, identify
 * the payment, apply it once. headers, body: borrowed for the call.
 *
 * *reply (newly allocated; free with tender_notify_reply_free) is set
 * whenever the plugin was asked, whatever the outcome: send it to the
 * provider as it is. It is NULL only when the method is unknown, takes no
 * notifications, or the ledger failed.
 *
 * Returns TRUE when the notification was accepted or was a duplicate. Else
 * FALSE with error set: TENDER_ERROR_NOTIFICATION_REJECTED (unverifiable;
 * the reply is the plugin's failure reply), TENDER_ERROR_NOTIFICATION_
 * UNKNOWN_PAYMENT (verified but about no payment here; the reply is the
 * plugin's success reply, so that the provider stops repeating it), or
 * another code when the plugin could not be asked or the ledger failed.
 * Nothing changes unless it was accepted. Thread-safe. */
gboolean tender_host_notify(TenderHost *host, const char *method_id, const tender_param *headers,
                            gsize n_headers, const char *body, gsize body_len,
                            TenderNotifyReply **reply, GError **error);

/* Sandbox only: the notification the provider would send for payment_id when
 * `event` happens ("paid", …), as header lines and a body (both newly
 * allocated). Fails with TENDER_ERROR_NOT_SUPPORTED when the method has no
 * sandbox notifications. */
gboolean tender_host_sandbox_notification(TenderHost *host, const char *payment_id,
                                          const char *event, char **headers_out,
                                          char **body_out, GError **error);

typedef struct {
    guint examined;          /* payments looked at */
    guint resolved;          /* changed state */
    guint expired;           /* lapsed holds or actions */
    guint still_open;        /* still unknown or pending */
    guint errors;
} TenderReconcileReport;

/* Sync every unknown payment and every pending one older than the config's
 * reconcile age; expire lapsed holds and actions. */
gboolean tender_host_reconcile(TenderHost *host, TenderReconcileReport *report,
                               GError **error);

/* Called after every state change, from the thread that made it, after the
 * change is committed. Must not call back into the host on the same payment. */
typedef void (*TenderStateFunc)(const char *payment_id, TenderStatus old_status,
                                TenderStatus new_status, gpointer user_data);
/* Returns an id for tender_host_remove_listener(). */
guint tender_host_add_listener(TenderHost *host, TenderStateFunc func, gpointer user_data);
void tender_host_remove_listener(TenderHost *host, guint listener_id);

/* Write a consistent copy of the host's whole ledger to a new SQLite file
 * at path (which must not exist), for instance to keep a ledger filled on
 * ":memory:" through this API, or to back up a live one. From SQLite:
 * operations in progress finish first and others wait while the copy is
 * made. From PostgreSQL: the copy is one snapshot of the database (what
 * was committed when it began), checked by counts and sums before it is
 * kept, and writers carry on meanwhile. The copy is a ledger like any
 * other: pass it to tender_host_options_set_ledger. FALSE with
 * TENDER_ERROR_LEDGER when path exists or cannot be written (or is not a
 * file path). Thread-safe. */
gboolean tender_host_copy_ledger(TenderHost *host, const char *path, GError **error);

/* What tender_ledger_copy() did. */
typedef struct {
    guint64 rows;  /* rows copied, every table */
    guint totals;  /* counts and sums found equal in both ledgers */
} TenderLedgerCopyReport;

/* Copy the whole ledger at location from into the ledger at location to
 * (created when it is a file that does not exist), between any two
 * backends this build has: a file path or ":memory:" (SQLite), or a
 * database URI. The copy is checked before it is committed: the counts and
 * sums of payments (amounts per currency and status), operations (refunds
 * among them, per kind and outcome), usage counters, idempotency keys,
 * events, deliveries, API keys and webhook endpoints, computed by each
 * database from its rows, must be equal; otherwise nothing is committed,
 * and the error (TENDER_ERROR_LEDGER) lists every total that differs.
 * TENDER_ERROR_INVALID_ARGUMENT, changing nothing, when the locations are
 * the same, when from does not exist, or when to already holds any row.
 * The source is read in one snapshot; on SQLite its writers wait while it
 * is read. A password in a location never appears in a message. report
 * may be NULL. Thread-safe (it opens ledgers of its own). */
gboolean tender_ledger_copy(const char *from, const char *to, TenderLedgerCopyReport *report,
                            GError **error);

/* The config's "service" section: the settings of the payments service
 * (tenderd), checked when the config loads (docs/config.md). Owned by the
 * host, valid until tender_host_free(); a value is 0 or NULL when the
 * config does not set it, and the service applies its default. */
typedef struct {
    const char *listen;        /* "ADDR:PORT" (port 0: ephemeral) */
    gint64 max_body_bytes;     /* request bodies above this: 413 */
    gint64 max_headers;        /* requests with more header lines: 431 */
    gint64 client_timeout_ms;  /* a client that has not sent its request by then is dropped */
    gint64 max_in_flight;      /* requests at once; more: 429 */
} TenderServiceConfig;

const TenderServiceConfig *tender_host_service_config(TenderHost *host);

/* ---- config -------------------------------------------------------------- */

/* Validate a policy config file without creating a host. FALSE with
 * TENDER_ERROR_CONFIG naming the JSON path (and line) on the first problem.
 * Warnings (strings) are appended to warnings when not NULL. */
gboolean tender_config_check_file(const char *path, GPtrArray *warnings, GError **error);

/* The embedded default config (JSON text, static). */
const char *tender_config_default_json(void);

/* ---- plugins without a host ------------------------------------------------
 *
 * For tools that load a plugin .so themselves (the conformance kit, a test
 * host, a benchmark): the loader's own checks and slot lookups, so that such
 * a tool judges and calls a plugin exactly as a host does. All of these are
 * pure functions of their arguments: thread-safe, no host needed, nothing
 * allocated unless stated. */

/* The smallest struct sizes of ABI 1.0: a struct_size below these is
 * refused by the loader (a plugin cannot be older than 1.0). */
#define TENDER_ABI_1_0_DESCRIPTOR_SIZE \
    (offsetof(tender_plugin_descriptor, n_methods) + sizeof(size_t))
#define TENDER_ABI_1_0_METHOD_SIZE (offsetof(tender_method, ops) + sizeof(void *))
#define TENDER_ABI_1_0_OPS_SIZE \
    (offsetof(tender_method_ops, sandbox_notification) + sizeof(void *))

/* The loader's verdict on a descriptor a plugin's entry point returned
 * (sizes, ABI version, ids, names, mandatory functions, capabilities with
 * their functions, currency and region facts): TRUE when a host would
 * register it. Else FALSE and, when reason is not NULL, *reason is the
 * refusal a host would record (newly allocated; g_free it). */
gboolean tender_plugin_check_descriptor(const tender_plugin_descriptor *descriptor,
                                        char **reason);

/* The loader's verdict on one plugin file, as a host would give it, without
 * creating a host: the file's and its directories' owners and modes, its
 * ELF headers, dlopen, the entry point and the descriptor. The plugin's
 * entry point is called with a services table that logs nothing, reads no
 * settings and runs on the system clock; no method instance is created.
 * Never NULL; free with tender_plugin_check_free (which unloads the
 * plugin). Not thread-safe on one result; separate calls are independent. */
typedef struct TenderPluginCheck TenderPluginCheck;
TenderPluginCheck *tender_plugin_check_file(const char *path);
void tender_plugin_check_free(TenderPluginCheck *check);
/* TRUE when a host would load the file. */
gboolean tender_plugin_check_ok(const TenderPluginCheck *check);
/* The refusal a host would record (the same sentence), or NULL when
 * accepted. Owned by check. */
const char *tender_plugin_check_reason(const TenderPluginCheck *check);
/* The plugin's facts (id, name, version, ABI, every method's facts) when
 * accepted, else NULL. Owned by check, valid until it is freed. */
const TenderPluginInfo *tender_plugin_check_info(const TenderPluginCheck *check);

/* The function a host calls for op (TENDER_OP_*) on method, through the
 * size-checked ops table: NULL when the method struct or its table is too
 * short to hold the slot, the slot is empty, or the method does not
 * declare the operation's capability. For TENDER_OP_NOTIFICATION this is
 * the apply step; tender_method_identify_fn gives the identify step. */
tender_operation_fn tender_method_operation_fn(const tender_method *method, tender_operation op);
tender_operation_fn tender_method_identify_fn(const tender_method *method);

/* The method's sandbox fixtures (borrowed from the plugin, valid while it
 * is loaded), with their count in *n; NULL and *n 0 when it has none. */
const tender_fixture *tender_method_fixtures(const tender_method *method, size_t *n);

/* The method's sandbox_notification slot, NULL when its table lacks one. */
typedef void (*TenderSandboxNotificationFn)(void *instance, const tender_request *req,
                                            const char *event, tender_result *res);
TenderSandboxNotificationFn tender_method_sandbox_notification_fn(const tender_method *method);

/* The host's rule for "this text contains that sensitive value", the one it
 * redacts by: value counts where it stands as a whole token (no ASCII letter
 * or digit right before or after it), and anywhere once it is 12 characters
 * or longer. An empty or NULL value never occurs. text[0, len) need not be
 * NUL-terminated. A tool that checks a plugin for leaks uses this so that it
 * and the host never disagree about what a leak is. */
gboolean tender_text_contains_value(const char *text, gsize len, const char *value);

/* ---- the payments service: API keys, webhook endpoints, the outbox ----------
 *
 * What tenderd (service/) keeps in the ledger, for any host that serves
 * the API. Every function here is thread-safe and fails with
 * TENDER_ERROR_LEDGER when the ledger cannot be read or written. Returned
 * structs and arrays belong to the caller. */

typedef enum {
    TENDER_API_SCOPE_READ = 1,  /* reads and quotes: never moves money */
    TENDER_API_SCOPE_WRITE = 2  /* everything */
} TenderApiScope;

/* "read", "write"; NULL for an invalid value. */
const char *tender_api_scope_to_string(TenderApiScope scope);
gboolean tender_api_scope_from_string(const char *name, TenderApiScope *out);

typedef struct {
    char *id;          /* "key_…", public: names the key in lists and logs */
    char *name;
    TenderApiScope scope;
    gint64 created_ms;
    gint64 revoked_ms; /* 0 while valid */
} TenderApiKey;

void tender_api_key_free(TenderApiKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TenderApiKey, tender_api_key_free)

/* Create an API key. *secret_out (newly allocated; wipe and free it) is the
 * bearer secret ("tsk_" and 64 hex digits of 32 random bytes): it is shown
 * this once, the ledger keeps only its SHA-256. */
TenderApiKey *tender_host_api_key_create(TenderHost *host, const char *name,
                                         TenderApiScope scope, char **secret_out,
                                         GError **error);
/* Every key, revoked ones included, oldest first (TenderApiKey*). */
GPtrArray *tender_host_api_keys(TenderHost *host, GError **error);
/* Revoke a key at once; TENDER_ERROR_NOT_FOUND for an unknown id. Revoking
 * a revoked key is not an error. */
gboolean tender_host_api_key_revoke(TenderHost *host, const char *key_id, GError **error);
/* The valid (not revoked) key whose secret this is, or NULL:
 * TENDER_ERROR_NOT_FOUND when no valid key has it. The stored digest is
 * compared in constant time. */
TenderApiKey *tender_host_api_key_verify(TenderHost *host, const char *secret, GError **error);

typedef struct {
    char *id;          /* "we_…" */
    char *url;
    char *events;      /* comma-separated event types, or "*" */
    gint64 created_ms;
    gint64 removed_ms; /* 0 while active */
} TenderWebhookEndpoint;

void tender_webhook_endpoint_free(TenderWebhookEndpoint *endpoint);

/* Add a merchant endpoint that receives the events named in events
 * (comma-separated "payment.<status>" types; NULL or "*": all). url must
 * be http or https. *secret_out (newly allocated) is the signing secret
 * ("whsec_" and 64 hex digits), kept in the ledger to sign with. */
TenderWebhookEndpoint *tender_host_webhook_endpoint_add(TenderHost *host, const char *url,
                                                        const char *events, char **secret_out,
                                                        GError **error);
GPtrArray *tender_host_webhook_endpoints(TenderHost *host, GError **error);
/* Stop sending to an endpoint (its pending deliveries are dropped). */
gboolean tender_host_webhook_endpoint_remove(TenderHost *host, const char *endpoint_id,
                                             GError **error);

/* An event of the outbox: one payment state change, written in the same
 * ledger transaction as the change. */
typedef struct {
    gint64 seq;
    char *id;          /* "evt_…", stable: receivers deduplicate by it */
    char *type;        /* "payment.<status>" */
    char *payment_id;
    char *body;        /* the JSON document delivered, fixed when written */
    gint64 created_ms;
    guint pending;     /* deliveries still to make */
    guint delivered;
    guint failed;      /* given up on */
} TenderEvent;

void tender_event_free(TenderEvent *event);

/* The newest events first (at most limit; 0: all), TenderEvent*. */
GPtrArray *tender_host_events(TenderHost *host, guint limit, GError **error);
/* Deliver an event again to every active endpoint that wants it, from now
 * (a new attempt count). TENDER_ERROR_NOT_FOUND for an unknown id. */
gboolean tender_host_event_resend(TenderHost *host, const char *event_id, GError **error);

/* One delivery to make: an event to one endpoint. */
typedef struct {
    gint64 event_seq;
    char *event_id;
    char *endpoint_id;
    char *url;
    char *secret;      /* the endpoint's signing secret */
    char *body;
    guint attempts;    /* made so far */
} TenderDelivery;

void tender_delivery_free(TenderDelivery *delivery);

/* Deliveries due at wall_now_ms (pending, next attempt not after it), the
 * oldest first, at most limit (TenderDelivery*). */
GPtrArray *tender_host_deliveries_due(TenderHost *host, gint64 wall_now_ms, guint limit,
                                      GError **error);
/* Record an attempt: delivered; or not, with the HTTP status (0: none) and
 * why, to be tried again at next_ms, or given up when next_ms is 0. */
gboolean tender_host_delivery_record(TenderHost *host, gint64 event_seq, const char *endpoint_id,
                                     gboolean delivered, guint http_status, const char *why,
                                     gint64 wall_now_ms, gint64 next_ms, GError **error);
/* Deliveries still pending (the outbox depth); -1 when it cannot be read. */
gint64 tender_host_outbox_depth(TenderHost *host);

/* The first response a service gave to an idempotency key, kept so that a
 * retry with the key gets it again, after a restart too. */
typedef struct {
    char *fingerprint;  /* what identifies the request (the service's digest) */
    guint status;
    char *content_type;
    GBytes *body;
    char *headers;      /* "Name: value\n" lines to send again; "" for none */
    gint64 created_ms;
} TenderStoredResponse;

void tender_stored_response_free(TenderStoredResponse *response);

/* Keep response under (scope, key) unless one is kept already: the first
 * stays. Responses older than max_age_ms are dropped on the way (0: none
 * is). Durable when it returns TRUE. */
gboolean tender_host_stored_response_put(TenderHost *host, const char *scope, const char *key,
                                         const TenderStoredResponse *response, gint64 max_age_ms,
                                         GError **error);
/* The response kept under (scope, key), or NULL: no error when there is
 * none, TENDER_ERROR_LEDGER when the ledger fails. */
TenderStoredResponse *tender_host_stored_response_get(TenderHost *host, const char *scope,
                                                      const char *key, GError **error);

G_END_DECLS

#endif /* TENDER_TENDER_H */
