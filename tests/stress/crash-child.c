/* The worker process of the crash durability test (test-stress-crash.cc).
 *
 *   stress-crash-child LEDGER PLUGIN_DIR CONFIG_FILE OUT_FILE PREFIX SEED [REPLAY_FILE]
 *
 * Loops until killed: a card authorization with the idempotency key
 * "<PREFIX>-<n>-a", then (by a seeded choice) a void, or a full or partial
 * capture followed by none, one or two refunds, each with its own key.
 * After the host returns each result, one line is appended to OUT_FILE
 * with a single write(2) (so a SIGKILL never leaves half a line, and what
 * was written survives the kill in the page cache):
 *
 *   ack <op> <key> <payment id> <status> <amount> <captured> <refunded>
 *
 * With REPLAY_FILE (an earlier run's OUT_FILE), it first re-sends the
 * authorizations of up to three acknowledged keys with the same request
 * and writes "replay ok <key> <id>" when the host returns the same
 * payment, "replay bad <key> <expected> <got>" otherwise. Only payments the
 * earlier run finished with are replayed: the last one may have been
 * killed mid-operation and stay leased, and a replay would wait for it.
 *
 * A ledger too busy to start a transaction is written as
 *   busy <op> <key> <payment id or ->
 * and the child goes on with a new payment. Any other error is written as
 * "error <op> <message>" and ends the process with status 3. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tender/tender.h>

static int out_fd = -1;

static void emit(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void emit(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    size_t len = strlen(line), done = 0;
    while (done < len) {
        ssize_t n = write(out_fd, line + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            exit(4);
        done += (size_t)n;
    }
    g_free(line);
}

static const tender_param card[] = {
    {"number", "4242424242424242"}, {"exp_month", "12"}, {"exp_year", "2031"}, {"cvc", "737"}};

/* The amount of payment n of a prefix: deterministic, so a replay sends
 * exactly the same request. */
static char *amount_for(const char *prefix, unsigned n)
{
    guint h = g_str_hash(prefix) ^ (n * 2654435761u);
    return g_strdup_printf("%u.%02u", 10 + h % 90, (h / 90) % 100);
}

static TenderPayRequest pay_request(const char *account, const char *amount, const char *key)
{
    TenderPayRequest r = {sizeof(TenderPayRequest), "card", "US", "USD", amount, account, NULL, key, card,
                          G_N_ELEMENTS(card), FALSE};
    return r;
}

/* Write the acknowledged result. A ledger that was too busy to start a
 * transaction (core/ledger.c: see the report in tests/stress/meson.build)
 * is written as "busy <op> <key> <payment id or ->" and gives NULL: the
 * operation was not acknowledged, and the caller moves on to a new
 * payment. Any other error is written and ends the process. */
static TenderPayment *ack(const char *op, const char *key, const char *id, TenderPayment *p,
                          GError *error)
{
    if (p == NULL && error && error->domain == TENDER_ERROR &&
        error->code == TENDER_ERROR_LEDGER && strstr(error->message, "database is locked")) {
        emit("busy %s %s %s\n", op, key, id ? id : "-");
        g_error_free(error);
        return NULL;
    }
    if (p == NULL) {
        emit("error %s %s\n", op, error ? error->message : "no payment");
        exit(3);
    }
    emit("ack %s %s %s %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", op,
         key, p->id, tender_status_to_string(p->status), p->amount, p->captured, p->refunded);
    return p;
}

static void replay(TenderHost *host, const char *replay_file, const char *account)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(replay_file, &text, NULL, NULL))
        return;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    /* Keys of authorizations, and the last payment touched (skipped). */
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *busy = g_ptr_array_new_with_free_func(g_free);
    char *last_id = NULL;
    for (gsize i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], " ", -1);
        /* A payment an operation failed on may still be leased. */
        if (g_strv_length(f) == 4 && strcmp(f[0], "busy") == 0)
            g_ptr_array_add(busy, g_strdup(f[3]));
        if (g_strv_length(f) < 8 || strcmp(f[0], "ack") != 0)
            continue;
        g_free(last_id);
        last_id = g_strdup(f[3]);
        if (strcmp(f[1], "authorize") == 0) {
            g_ptr_array_add(keys, g_strdup(f[2]));
            g_ptr_array_add(ids, g_strdup(f[3]));
        }
    }
    guint sent = 0;
    for (guint i = 0; i < keys->len && sent < 3; i++) {
        const char *key = g_ptr_array_index(keys, i), *id = g_ptr_array_index(ids, i);
        if (g_strcmp0(id, last_id) == 0 ||
            g_ptr_array_find_with_equal_func(busy, id, g_str_equal, NULL))
            continue;
        /* key is "<prefix>-<n>-a": rebuild the same amount. */
        g_autofree char *prefix = g_strdup(key);
        char *dash = strrchr(prefix, '-');
        *dash = '\0';
        dash = strrchr(prefix, '-');
        unsigned n = (unsigned)strtoul(dash + 1, NULL, 10);
        *dash = '\0';
        g_autofree char *amount = amount_for(prefix, n);
        TenderPayRequest r = pay_request(account, amount, key);
        GError *error = NULL;
        TenderPayment *p = tender_host_pay(host, &r, &error);
        if (p == NULL) {
            gboolean busy_ledger = strstr(error->message, "database is locked") != NULL;
            emit("replay %s %s %s error:%s\n", busy_ledger ? "busy" : "bad", key, id,
                 error->message);
            g_error_free(error);
        } else {
            emit("replay %s %s %s %s\n", strcmp(p->id, id) == 0 ? "ok" : "bad", key, id, p->id);
            tender_payment_free(p);
        }
        sent++;
    }
    g_free(last_id);
    g_ptr_array_unref(keys);
    g_ptr_array_unref(ids);
    g_ptr_array_unref(busy);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: %s LEDGER PLUGIN_DIR CONFIG OUT PREFIX SEED [REPLAY]\n", argv[0]);
        return 64;
    }
    const char *prefix = argv[5];
    out_fd = open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0)
        return 2;
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, argv[2]);
    tender_host_options_set_config_file(o, argv[3]);
    tender_host_options_set_ledger(o, argv[1]);
    GError *error = NULL;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    if (host == NULL) {
        emit("error open %s\n", error->message);
        return 3;
    }
    /* One account per child slot: the limit counters see several
     * processes, and every run of the slot. */
    const char *slot = strrchr(prefix, '-');
    g_autofree char *account = g_strdup_printf("acct%s", slot ? slot : prefix);
    if (argc > 7)
        replay(host, argv[7], account);
    GRand *rng = g_rand_new_with_seed((guint32)strtoul(argv[6], NULL, 10));
    for (unsigned n = 0; n < 1000000; n++) {
        g_autofree char *key = g_strdup_printf("%s-%u-a", prefix, n);
        g_autofree char *amount = amount_for(prefix, n);
        TenderPayRequest r = pay_request(account, amount, key);
        TenderPayment *p = tender_host_pay(host, &r, &error);
        p = ack("authorize", key, NULL, p, error);
        error = NULL;
        if (p == NULL)
            continue;
        g_autofree char *id = g_strdup(p->id);
        gboolean authorized = p->status == TENDER_STATUS_AUTHORIZED;
        gint64 total = p->amount;
        tender_payment_free(p);
        if (!authorized)
            continue;
        int choice = g_rand_int_range(rng, 0, 4);
        if (choice == 0) {
            g_autofree char *vkey = g_strdup_printf("%s-%u-v", prefix, n);
            p = tender_host_void(host, id, vkey, &error);
            tender_payment_free(ack("void", vkey, id, p, error));
            error = NULL;
            continue;
        }
        g_autofree char *ckey = g_strdup_printf("%s-%u-c", prefix, n);
        /* choice 1: full capture; 2 and 3: a part of it. */
        g_autofree char *part = choice == 1 ? NULL
                                            : tender_money_format(total / 2 + 1, "USD", 2);
        p = tender_host_capture(host, id, part, ckey, &error);
        p = ack("capture", ckey, id, p, error);
        error = NULL;
        if (p == NULL)
            continue;
        gint64 captured = p->captured;
        tender_payment_free(p);
        int refunds = g_rand_int_range(rng, 0, 3);
        for (int k = 0; k < refunds; k++) {
            g_autofree char *rkey = g_strdup_printf("%s-%u-r%d", prefix, n, k);
            /* The first refund a third, the second the rest. */
            g_autofree char *ramount = k == 0 ? tender_money_format(captured / 3 + 1, "USD", 2)
                                              : NULL;
            p = tender_host_refund(host, id, ramount, rkey, &error);
            p = ack("refund", rkey, id, p, error);
            error = NULL;
            if (p == NULL)
                break;
            tender_payment_free(p);
        }
    }
    g_rand_free(rng);
    tender_host_free(host);
    return 0;
}
