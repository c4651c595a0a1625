/* The child process of the crash-safety and at-rest tests.
 *
 *   core-child crash LEDGER PLUGIN_DIR CONFIG_FILE
 *     Runs payments on the fx_count fixture in a loop until killed:
 *     authorize, partial capture, final capture, partial refund, and a void
 *     of another authorization. After each call returns (the host has
 *     acknowledged it) prints "<payment id> <status>" and flushes, so the
 *     parent knows exactly what was acknowledged when it sends SIGKILL.
 *
 *   core-child card LEDGER CARD_PLUGIN_DIR CONFIG_FILE
 *     Runs a fixed set of card payments (approved, declined, 3-D Secure,
 *     captured, refunded) through the bundled card plugin with CONFIG_FILE
 *     (a tender-sandbox's config: the card gateway is the sandbox), printing
 *     every payment's fields; exits 0 when every call behaved as the gateway's
 *     test mode documents.
 *
 *   core-child hold LEDGER
 *     Takes the ledger file's write lock (BEGIN IMMEDIATE on a connection of
 *     its own, as another Tender process in the middle of a batch would),
 *     prints "held", and keeps it until its standard input closes. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tender/tender.h>

static TenderHost *open_host(const char *ledger, const char *plugin_dir, const char *config_file)
{
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, plugin_dir);
    tender_host_options_set_ledger(o, ledger);
    if (config_file)
        tender_host_options_set_config_file(o, config_file);
    GError *error = NULL;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    if (host == NULL) {
        fprintf(stderr, "core-child: %s\n", error->message);
        g_error_free(error);
    }
    return host;
}

/* Print an acknowledged payment, or fail loudly. */
static void ack(TenderPayment *p, GError *error)
{
    if (p == NULL) {
        fprintf(stderr, "core-child: %s\n", error ? error->message : "no payment");
        exit(3);
    }
    printf("%s %s\n", p->id, tender_status_to_string(p->status));
    fflush(stdout);
    tender_payment_free(p);
}

static int crash_loop(const char *ledger, const char *plugin_dir, const char *config_file)
{
    TenderHost *host = open_host(ledger, plugin_dir, config_file);
    if (host == NULL)
        return 2;
    for (unsigned i = 0; i < 100000; i++) {
        TenderPayRequest req = {.struct_size = sizeof(TenderPayRequest), .method = "fx_count", .region = "US", .currency = "USD",
                                .amount = "10.00"};
        GError *error = NULL;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        if (p == NULL)
            ack(NULL, error);
        char *id = g_strdup(p->id);
        ack(p, NULL);
        if (i % 5 == 4) {
            ack(tender_host_void(host, id, NULL, &error), error);
        } else {
            ack(tender_host_capture(host, id, "4.00", NULL, &error), error);
            ack(tender_host_capture(host, id, NULL, NULL, &error), error);
            ack(tender_host_refund(host, id, "1.00", NULL, &error), error);
        }
        g_free(id);
    }
    tender_host_free(host);
    return 0;
}

static void describe(const TenderPayment *p)
{
    printf("%s %s brand=%s first6=%s last4=%s decline=%s details=%s\n", p->id,
           tender_status_to_string(p->status), p->brand ? p->brand : "",
           p->first6 ? p->first6 : "", p->last4 ? p->last4 : "",
           p->decline_message ? p->decline_message : "", p->details ? p->details : "");
    for (guint i = 0; p->operations && i < p->operations->len; i++) {
        const TenderOperation *op = g_ptr_array_index(p->operations, i);
        printf("  op %s %s raw=%s message=%s\n", op->kind, op->outcome ? op->outcome : "",
               op->raw_code ? op->raw_code : "", op->message ? op->message : "");
    }
    fflush(stdout);
}

static TenderPayment *card_pay(TenderHost *host, const char *number, const char *cvc)
{
    tender_param params[] = {
        {"number", number}, {"exp_month", "11"}, {"exp_year", "2031"}, {"cvc", cvc}};
    TenderPayRequest req = {.struct_size = sizeof(TenderPayRequest), .method = "card", .region = "US", .currency = "USD",
                            .amount = "10.00", .params = params, .n_params = 4};
    GError *error = NULL;
    TenderPayment *p = tender_host_pay(host, &req, &error);
    if (p == NULL) {
        fprintf(stderr, "core-child: pay: %s\n", error->message);
        g_error_free(error);
        return NULL;
    }
    describe(p);
    return p;
}

static int card_run(const char *ledger, const char *plugin_dir, const char *config_file)
{
    TenderHost *host = open_host(ledger, plugin_dir, config_file);
    if (host == NULL)
        return 2;
    int failures = 0;
    static const struct {
        const char *number, *cvc;
        TenderStatus expect;
    } cards[] = {
        {"4242424242424242", "739", TENDER_STATUS_AUTHORIZED},
        {"5555555555554444", "739", TENDER_STATUS_AUTHORIZED},
        {"378282246310005", "7391", TENDER_STATUS_AUTHORIZED},
        {"4000000000009995", "739", TENDER_STATUS_DECLINED},
        {"4242424242424241", "739", TENDER_STATUS_DECLINED},
        {"4000000000003220", "739", TENDER_STATUS_REQUIRES_ACTION},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cards); i++) {
        TenderPayment *p = card_pay(host, cards[i].number, cards[i].cvc);
        if (p == NULL || p->status != cards[i].expect) {
            fprintf(stderr, "core-child: card %zu: unexpected status %s\n", i,
                    p ? tender_status_to_string(p->status) : "(none)");
            failures++;
            tender_payment_free(p);
            continue;
        }
        GError *error = NULL;
        TenderPayment *next = NULL;
        if (p->status == TENDER_STATUS_AUTHORIZED) {
            next = tender_host_capture(host, p->id, NULL, NULL, &error);
            if (next) {
                describe(next);
                tender_payment_free(next);
                next = tender_host_refund(host, p->id, "2.00", NULL, &error);
            }
        } else if (p->status == TENDER_STATUS_REQUIRES_ACTION) {
            /* The payer has not been to the 3-D Secure page: the gateway
             * still waits for the challenge. */
            next = tender_host_sync(host, p->id, &error);
        }
        if (next) {
            describe(next);
            tender_payment_free(next);
        } else if (error) {
            fprintf(stderr, "core-child: card %zu: %s\n", i, error->message);
            g_error_free(error);
            failures++;
        }
        tender_payment_free(p);
    }
    tender_host_free(host);
    return failures == 0 ? 0 : 1;
}

static int hold_lock(const char *ledger)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(ledger, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "core-child: cannot lock %s: %s\n", ledger, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 2;
    }
    printf("held\n");
    fflush(stdout);
    char buf[64];
    while (fread(buf, 1, sizeof buf, stdin) > 0)
        ;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "hold") == 0)
        return hold_lock(argv[2]);
    if (argc == 5 && strcmp(argv[1], "crash") == 0)
        return crash_loop(argv[2], argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "card") == 0)
        return card_run(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: core-child crash LEDGER PLUGIN_DIR CONFIG_FILE\n"
                    "       core-child card LEDGER CARD_PLUGIN_DIR CONFIG_FILE\n"
                    "       core-child hold LEDGER\n");
    return 2;
}
