/* tender-example-host: a small host program embedding libtender.
 *
 * It walks one buyer through a card payment the way a checkout service
 * would: quote the methods, pay (the card asks for a 3-D Secure code),
 * complete the payer's action, capture part of the authorization, refund
 * part of the capture, and print the ledger. Built out of tree against the
 * installed library alone (pkg-config tender); see README.md.
 *
 *   tender-example-host [--plugin-dir DIR] [--ledger PATH]
 *
 * Without --plugin-dir the installed plugin directory (pkg-config
 * --variable=plugindir tender) is used; the ledger defaults to ":memory:". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tender/tender.h>

#ifndef EXAMPLE_PLUGIN_DIR
#define EXAMPLE_PLUGIN_DIR "/usr/local/lib/tender/plugins"
#endif

static int fail(const char *what, GError *error)
{
    fprintf(stderr, "tender-example-host: %s: %s\n", what, error ? error->message : "failed");
    g_clear_error(&error);
    return 1;
}

static void print_payment(const char *step, const TenderPayment *p)
{
    g_autofree char *amount = tender_money_format(p->amount, p->currency, p->exponent);
    g_autofree char *captured = tender_money_format(p->captured, p->currency, p->exponent);
    g_autofree char *refunded = tender_money_format(p->refunded, p->currency, p->exponent);
    printf("%-10s %s %s: %s %s, captured %s, refunded %s", step, p->id, p->method,
           tender_status_to_string(p->status), amount, captured, refunded);
    if (p->brand && p->brand[0])
        printf(" [%s %s…%s]", p->brand, p->first6 ? p->first6 : "", p->last4 ? p->last4 : "");
    printf("\n");
}

static void print_ledger(TenderHost *host)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *payments = tender_host_list(host, NULL, &error);
    if (payments == NULL) {
        fprintf(stderr, "cannot list the ledger: %s\n", error->message);
        return;
    }
    printf("\nLedger (%u payment%s):\n", payments->len, payments->len == 1 ? "" : "s");
    for (guint i = 0; i < payments->len; i++) {
        const TenderPayment *listed = g_ptr_array_index(payments, i);
        /* The list has no operations: read each payment in full. */
        TenderPayment *p = tender_host_get(host, listed->id, NULL);
        if (p == NULL)
            continue;
        print_payment("payment", p);
        for (guint k = 0; p->operations != NULL && k < p->operations->len; k++) {
            const TenderOperation *op = g_ptr_array_index(p->operations, k);
            g_autofree char *amount = tender_money_format(op->amount, p->currency, p->exponent);
            printf("  #%-3" G_GINT64_FORMAT " %-16s %10s  %-16s -> %s\n", op->seq, op->kind,
                   amount, op->outcome, op->status_after);
        }
        tender_payment_free(p);
    }
    g_ptr_array_unref(payments);
}

int main(int argc, char **argv)
{
    const char *plugin_dir = EXAMPLE_PLUGIN_DIR;
    const char *ledger = ":memory:";
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--plugin-dir") == 0 && i + 1 < argc)
            plugin_dir = argv[++i];
        else if (strcmp(argv[i], "--ledger") == 0 && i + 1 < argc)
            ledger = argv[++i];
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else {
            fprintf(stderr, "usage: tender-example-host [--plugin-dir DIR] [--ledger PATH] "
                            "[--config FILE]\n");
            return 64;
        }
    }

    /* 1. A host: the plugins, the policy (the embedded default, or --config:
     *    e.g. the one `tender-sandbox --config-out` writes, which points the
     *    card method at its gateway), a ledger, and a fixed clock so the
     *    example prints the same thing every run. */
    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, plugin_dir);
    if (config != NULL)
        tender_host_options_set_config_file(options, config);
    tender_host_options_set_ledger(options, ledger);
    tender_host_options_set_fixed_now(options, G_GINT64_CONSTANT(1772359200000)); /* 2026-03-01 */
    GError *error = NULL;
    TenderHost *host = tender_host_new(options, &error);
    tender_host_options_free(options);
    if (host == NULL)
        return fail("cannot create the host", error);
    printf("Loaded %u plugin(s) from %s\n", tender_host_plugins(host)->len, plugin_dir);
    if (tender_host_method(host, "card") == NULL) {
        fprintf(stderr, "tender-example-host: no card method in %s\n", plugin_dir);
        tender_host_free(host);
        return 1;
    }

    /* 2. Quote: which methods may this buyer use, and at what cost? */
    TenderBuyer buyer = {.struct_size = sizeof(TenderBuyer), .region = "US", .currency = "USD", .amount = "120.00",
                         .account = "buyer-42"};
    GPtrArray *quotes = tender_host_quote(host, &buyer, &error);
    if (quotes == NULL) {
        tender_host_free(host);
        return fail("quote", error);
    }
    printf("\nQuote for %s %s in %s:\n", buyer.amount, buyer.currency, buyer.region);
    for (guint i = 0; i < quotes->len; i++) {
        const TenderQuote *q = g_ptr_array_index(quotes, i);
        if (q->offered) {
            g_autofree char *total = tender_money_format(q->total, q->currency, q->exponent);
            g_autofree char *fee = tender_money_format(q->fee, q->currency, q->exponent);
            printf("  %-10s offered: %s %s (fee %s)\n", q->method, total, q->currency, fee);
        } else {
            printf("  %-10s not offered: %s\n", q->method, q->reason);
        }
    }
    g_ptr_array_unref(quotes);
    printf("\n");

    /* 3. Pay by card. This sandbox card asks for a 3-D Secure code. */
    const tender_param card[] = {{"number", "4000000000003220"}, {"exp_month", "12"},
                                 {"exp_year", "2035"}, {"cvc", "737"}, {"holder", "A. Buyer"}};
    TenderPayRequest pay = {.struct_size = sizeof(TenderPayRequest), .method = "card", .region = "US", .currency = "USD",
                            .amount = "120.00", .account = "buyer-42",
                            .idempotency_key = "order-1001", .params = card,
                            .n_params = G_N_ELEMENTS(card)};
    TenderPayment *p = tender_host_pay(host, &pay, &error);
    if (p == NULL) {
        tender_host_free(host);
        return fail("pay", error);
    }
    print_payment("pay", p);
    g_autofree char *id = g_strdup(p->id);
    if (p->status == TENDER_STATUS_REQUIRES_ACTION)
        printf("           action: %s\n", p->action_hint ? p->action_hint : "");
    tender_payment_free(p);

    /* 4. The payer enters the one-time code (the sandbox's is 123456). */
    const tender_param otp[] = {{"otp", "123456"}};
    p = tender_host_complete(host, id, otp, G_N_ELEMENTS(otp), &error);
    if (p == NULL) {
        tender_host_free(host);
        return fail("complete", error);
    }
    print_payment("complete", p);
    gboolean authorized = p->status == TENDER_STATUS_AUTHORIZED;
    tender_payment_free(p);
    if (!authorized) {
        fprintf(stderr, "tender-example-host: the payment was not authorized\n");
        tender_host_free(host);
        return 1;
    }

    /* 5. Ship part of the order: capture 100.00 of the 120.00 held. */
    p = tender_host_capture(host, id, "100.00", "order-1001-capture-1", &error);
    if (p == NULL) {
        tender_host_free(host);
        return fail("capture", error);
    }
    print_payment("capture", p);
    tender_payment_free(p);

    /* 6. One item comes back: refund 25.00. */
    p = tender_host_refund(host, id, "25.00", "order-1001-refund-1", &error);
    if (p == NULL) {
        tender_host_free(host);
        return fail("refund", error);
    }
    print_payment("refund", p);
    tender_payment_free(p);

    /* 7. What the ledger holds (never a card number: brand, first six and
     *    last four only). */
    print_ledger(host);
    tender_host_free(host);
    return 0;
}
