/* The ledger's engine-facing side (ledger.h): choosing a backend, the
 * commits that check what a unit could not report, and the payment row's
 * memory. What is stored and how is the backend's (ledger-backend.h). */
#include "ledger.h"

#include <string.h>

G_DEFINE_QUARK(tender - ledger - error - quark, ledger_error)

/* A location that names a database server rather than a file: any libpq
 * URI. This is the one place that picks a backend. */
static gboolean is_server_location(const char *location)
{
    return g_str_has_prefix(location, "postgresql://") || g_str_has_prefix(location, "postgres://");
}

static TenderLedger *open_location(const char *location, gboolean create, GError **error)
{
    /* A database is never created by a host, so "no create" changes
     * nothing for one: it exists, or the connection fails. */
    if (is_server_location(location))
        return ledger_postgres_open(location, error);
    /* SQLite's names of a private database in memory ("" is a temporary
     * one): nothing another process could share or find again, so the
     * native store serves them (ledger-memory.c). */
    if (strcmp(location, ":memory:") == 0 || location[0] == '\0')
        return ledger_memory_open();
    return ledger_sqlite_open(location, create, error);
}

TenderLedger *ledger_open(const char *location, GError **error)
{
    return open_location(location, TRUE, error);
}

TenderLedger *ledger_open_no_create(const char *location, GError **error)
{
    return open_location(location, FALSE, error);
}

void ledger_close(TenderLedger *ledger)
{
    if (ledger)
        ledger->backend->close(ledger);
}

static gboolean commit_unit(LedgerUnit *unit, LedgerCommitKind kind, GError **error)
{
    if (unit->failure) {
        GError *failure = g_steal_pointer(&unit->failure);
        ledger_rollback(unit);
        g_propagate_error(error, failure);
        return FALSE;
    }
    return LEDGER_OP(unit)->commit(unit, kind, error);
}

gboolean ledger_commit(LedgerUnit *unit, GError **error)
{
    return commit_unit(unit, LEDGER_COMMIT_DURABLE, error);
}

gboolean ledger_commit_intent(LedgerUnit *unit, GError **error)
{
    return commit_unit(unit, LEDGER_COMMIT_INTENT, error);
}

void ledger_rollback(LedgerUnit *unit)
{
    g_clear_error(&unit->failure);
    LEDGER_OP(unit)->rollback(unit);
}

/* A conflict aborted the unit because another unit took what it needed at
 * the same moment; running again at once tends to meet the same unit
 * again. A pause doubling from 1 ms, of a random length between half of it
 * and all of it, spreads the retries of units that collided; six attempts
 * wait at most 31 ms in all. */
gboolean ledger_retry_wait(guint attempt, GError **error)
{
    if (error == NULL || !ledger_error_is_retry(*error))
        return FALSE;
    if (attempt + 1 >= LEDGER_RETRY_ATTEMPTS) {
        GError *conflict = g_steal_pointer(error);
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "ledger: %s (still conflicting after %d attempts)", conflict->message,
                    LEDGER_RETRY_ATTEMPTS);
        g_error_free(conflict);
        return FALSE;
    }
    g_clear_error(error);
    gint32 ceiling = 1000 << MIN(attempt, 10u);
    g_usleep((gulong)g_random_int_range(ceiling / 2, ceiling + 1));
    return TRUE;
}

gint64 ledger_usage_get(LedgerUnit *unit, const char *key)
{
    gint64 amount = 0;
    GError *error = NULL;
    if (!LEDGER_OP(unit)->usage_get(unit, key, &amount, &error)) {
        g_warning("%s", error->message);
        if (unit->failure == NULL)
            unit->failure = error;
        else
            g_error_free(error);
        return 0;
    }
    return amount;
}

gint64 ledger_usage_counted(gint64 full_amount, gint64 held, gint64 amount)
{
    gint64 capped = MIN(held, amount);
    if (capped <= 0 || amount <= 0)
        return 0;
    __int128 scaled = (__int128)full_amount * capped + (amount - 1);
    return (gint64)(scaled / amount);
}

/* ---- the payment row's memory -------------------------------------------- */

void ledger_payment_free(LedgerPayment *p)
{
    if (p == NULL)
        return;
    TenderPayment *pub = &p->pub;
    g_free(pub->id);
    g_free(pub->method);
    g_free(pub->account);
    g_free(pub->tier);
    g_free(pub->region);
    g_free(pub->currency);
    g_free(pub->processor_ref);
    g_free(pub->idempotency_key);
    g_free(pub->action_data);
    g_free(pub->action_hint);
    g_free(pub->decline_raw_code);
    g_free(pub->decline_message);
    g_free(pub->brand);
    g_free(pub->first6);
    g_free(pub->last4);
    g_free(pub->display_account);
    g_free(pub->issuer_country);
    g_free(pub->details);
    if (pub->operations)
        g_ptr_array_unref(pub->operations);
    g_free(pub->order_currency);
    g_free(pub->exchange_rate);
    g_free(pub->effective_tier);
    g_free(p->plugin_state);
    g_free(p->request_hash);
    g_free(p);
}

LedgerPayment *ledger_payment_copy(const LedgerPayment *p)
{
    LedgerPayment *c = g_new(LedgerPayment, 1);
    *c = *p;
    TenderPayment *pub = &c->pub;
    pub->id = g_strdup(pub->id);
    pub->method = g_strdup(pub->method);
    pub->account = g_strdup(pub->account);
    pub->tier = g_strdup(pub->tier);
    pub->region = g_strdup(pub->region);
    pub->currency = g_strdup(pub->currency);
    pub->processor_ref = g_strdup(pub->processor_ref);
    pub->idempotency_key = g_strdup(pub->idempotency_key);
    pub->action_data = g_strdup(pub->action_data);
    pub->action_hint = g_strdup(pub->action_hint);
    pub->decline_raw_code = g_strdup(pub->decline_raw_code);
    pub->decline_message = g_strdup(pub->decline_message);
    pub->brand = g_strdup(pub->brand);
    pub->first6 = g_strdup(pub->first6);
    pub->last4 = g_strdup(pub->last4);
    pub->display_account = g_strdup(pub->display_account);
    pub->issuer_country = g_strdup(pub->issuer_country);
    pub->details = g_strdup(pub->details);
    pub->operations = NULL;
    pub->order_currency = g_strdup(pub->order_currency);
    pub->exchange_rate = g_strdup(pub->exchange_rate);
    pub->effective_tier = g_strdup(pub->effective_tier);
    c->plugin_state = g_strdup(p->plugin_state);
    c->request_hash = g_strdup(p->request_hash);
    return c;
}

/* ---- what an update changes ------------------------------------------------ */

const LedgerColumn ledger_payment_changeable[LEDGER_PAYMENT_CHANGEABLE] = {
    {"status", 8},
    {"amount", 9},
    {"captured", 10},
    {"refunded", 11},
    {"fee", 12},
    {"processor_ref", 15},
    {"plugin_state", 16},
    {"action_kind", 19},
    {"action_data", 20},
    {"action_hint", 21},
    {"action_expires_ms", 22},
    {"decline_code", 23},
    {"decline_raw", 24},
    {"decline_message", 25},
    {"brand", 26},
    {"first6", 27},
    {"last4", 28},
    {"display_account", 29},
    {"issuer_country", 30},
    {"details", 31},
    {"updated_ms", 33},
    {"authorized_ms", 34},
    {"hold_expires_ms", 35},
    {"busy_until_ms", 36},
    {"busy_seq", 37},
};

static gboolean same_text(const char *a, const char *b)
{
    return g_strcmp0(a, b) == 0;
}

guint32 ledger_payment_changed(const LedgerPayment *old, const LedgerPayment *p)
{
    const TenderPayment *a = &old->pub, *b = &p->pub;
    gboolean differs[] = {
        a->status != b->status,
        a->amount != b->amount,
        a->captured != b->captured,
        a->refunded != b->refunded,
        a->fee != b->fee,
        !same_text(a->processor_ref, b->processor_ref),
        !same_text(old->plugin_state, p->plugin_state),
        a->action_kind != b->action_kind,
        !same_text(a->action_data, b->action_data),
        !same_text(a->action_hint, b->action_hint),
        a->action_expires_ms != b->action_expires_ms,
        a->decline_code != b->decline_code,
        !same_text(a->decline_raw_code, b->decline_raw_code),
        !same_text(a->decline_message, b->decline_message),
        !same_text(a->brand, b->brand),
        !same_text(a->first6, b->first6),
        !same_text(a->last4, b->last4),
        !same_text(a->display_account, b->display_account),
        !same_text(a->issuer_country, b->issuer_country),
        !same_text(a->details, b->details),
        a->updated_ms != b->updated_ms,
        old->authorized_ms != p->authorized_ms,
        a->hold_expires_ms != b->hold_expires_ms,
        old->busy_until_ms != p->busy_until_ms,
        old->busy_seq != p->busy_seq,
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(differs) == LEDGER_PAYMENT_CHANGEABLE);
    guint32 mask = 0;
    for (guint i = 0; i < G_N_ELEMENTS(differs); i++)
        if (differs[i])
            mask |= 1u << i;
    return mask;
}
