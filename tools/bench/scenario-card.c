/* card-validate: the card plugin's parameter validation (brand detection,
 * length, Luhn, expiry, security code) over a fixed generated set of card
 * numbers, every brand, half of them valid. Driven directly through the
 * plugin's authorize (dlopen, method table, fake host): the host is not in
 * the way, so this is the plugin's own cost. A valid card then goes on to
 * the sandbox processor, which approves it; an invalid one is declined
 * before it. */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include "bench-direct.h"

typedef struct {
    const char *brand;
    const char *prefixes[5];   /* one is picked per number */
    int length;
    int cvc_length;
} BrandSpec;

static const BrandSpec brands[] = {
    /* Prefixes well inside one brand's range: a random tail must not land
     * in a more specific brand's range (Elo lives inside 4, 50 and 65). */
    {"visa", {"4242", "4000"}, 16, 3},
    {"mastercard", {"51", "53", "55", "2221", "2720"}, 16, 3},
    {"amex", {"34", "37"}, 15, 4},
    {"discover", {"6011", "644", "649"}, 16, 3},
    {"jcb", {"3528", "3589"}, 16, 3},
    {"unionpay", {"624", "625"}, 16, 3},
    {"diners", {"36", "300", "38"}, 14, 3},
    {"maestro", {"56", "58", "6759"}, 12, 3},
    {"mir", {"2200", "2204"}, 16, 3},
};

/* Ways a case is made invalid; VALID keeps it valid. */
typedef enum {
    CASE_VALID,
    CASE_BAD_LUHN,
    CASE_BAD_LENGTH,
    CASE_BAD_PREFIX,
    CASE_BAD_CHARACTER,
    CASE_BAD_MONTH,
    CASE_EXPIRED,
    CASE_BAD_CVC,
    CASE_KINDS_
} CaseKind;

typedef struct {
    char number[24];
    char cvc[8];
    char exp_month[4];
    char exp_year[8];
    gboolean valid;
    tender_param params[4];
} CardCase;

#define CASE_COUNT 1024

static int prefix_count(const BrandSpec *b)
{
    int n = 0;
    while (n < 5 && b->prefixes[n])
        n++;
    return n;
}

/* The Luhn check digit for the digits so far. */
static char luhn_digit(const char *digits, size_t len)
{
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int d = digits[len - 1 - i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

static void make_number(char *out, const char *prefix, int length, GRand *rng)
{
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    for (; n < (size_t)length - 1; n++)
        out[n] = (char)('0' + g_rand_int_range(rng, 0, 10));
    out[n] = luhn_digit(out, n);
    out[n + 1] = '\0';
}

static void build_cases(CardCase *cases, int *valid_out)
{
    GRand *rng = g_rand_new_with_seed(20261125);
    int valid = 0;
    for (int i = 0; i < CASE_COUNT; i++) {
        CardCase *c = &cases[i];
        const BrandSpec *b = &brands[i % G_N_ELEMENTS(brands)];
        CaseKind kind = (i / G_N_ELEMENTS(brands)) % 2 == 0
                            ? CASE_VALID
                            : (CaseKind)(1 + (i / (2 * G_N_ELEMENTS(brands))) % (CASE_KINDS_ - 1));
        /* UnionPay is exempt from Luhn by default: a bad check digit stays
         * valid there, so give it another defect. */
        if (kind == CASE_BAD_LUHN && strcmp(b->brand, "unionpay") == 0)
            kind = CASE_BAD_PREFIX;
        const char *prefix = b->prefixes[g_rand_int_range(rng, 0, prefix_count(b))];
        /* 11 digits is too short for every brand (the shortest is 12). */
        int length = kind == CASE_BAD_LENGTH ? 11 : b->length;
        make_number(c->number, kind == CASE_BAD_PREFIX ? "9" : prefix, length, rng);
        if (kind == CASE_BAD_LUHN)
            c->number[length - 1] = (char)('0' + (c->number[length - 1] - '0' + 1) % 10);
        if (kind == CASE_BAD_CHARACTER)
            c->number[length / 2] = 'x';
        for (int k = 0; k < b->cvc_length; k++)
            c->cvc[k] = (char)('0' + g_rand_int_range(rng, 0, 10));
        if (kind == CASE_BAD_CVC)
            c->cvc[b->cvc_length - 1] = '\0';
        g_snprintf(c->exp_month, sizeof c->exp_month, "%d",
                   kind == CASE_BAD_MONTH ? 13 : g_rand_int_range(rng, 1, 13));
        g_snprintf(c->exp_year, sizeof c->exp_year, "%d",
                   kind == CASE_EXPIRED ? 2025 : g_rand_int_range(rng, 2027, 2036));
        c->valid = kind == CASE_VALID;
        valid += c->valid;
        c->params[0] = (tender_param){"number", c->number};
        c->params[1] = (tender_param){"exp_month", c->exp_month};
        c->params[2] = (tender_param){"exp_year", c->exp_year};
        c->params[3] = (tender_param){"cvc", c->cvc};
    }
    g_rand_free(rng);
    *valid_out = valid;
}

typedef struct {
    BenchDirect *card;
    CardCase *cases;
    tender_result *res;
    gint64 mismatches;      /* valid refused locally, or invalid not declined */
} ValidateCtx;

static gboolean validate_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    ValidateCtx *ctx = data;
    const CardCase *c = &ctx->cases[index % CASE_COUNT];
    tender_request req = bench_direct_request(TENDER_OP_AUTHORIZE, 1000, c->params, 4);
    memset(ctx->res, 0, sizeof *ctx->res);
    ctx->res->struct_size = sizeof *ctx->res;
    bench_direct_ops(ctx->card)->authorize(bench_direct_instance(ctx->card), &req, ctx->res);
    /* A valid card passes every local check and would go to the gateway:
     * with no http service in a direct call, the plugin says NOT_SENT. */
    gboolean as_expected = c->valid ? ctx->res->outcome == TENDER_OUTCOME_NOT_SENT
                                    : ctx->res->outcome == TENDER_OUTCOME_DECLINED;
    if (!as_expected && ctx->mismatches++ < 3)
        fprintf(stderr, "tender-bench: card-validate: case %" G_GINT64_FORMAT
                " (%s) gave outcome %u, decline %u: %s\n", index % CASE_COUNT,
                c->valid ? "valid" : "invalid", ctx->res->outcome, ctx->res->decline_code,
                ctx->res->message);
    return as_expected;
}

int bench_card_validate(BenchOptions *opts)
{
    g_autofree char *so = g_build_filename(opts->plugin_dir, "card", "card.so", NULL);
    ValidateCtx ctx = {bench_direct_open(so, "card"), g_new0(CardCase, CASE_COUNT),
                       g_new0(tender_result, 1), 0};
    if (ctx.card == NULL) {
        g_free(ctx.cases);
        g_free(ctx.res);
        return 1;
    }
    int valid = 0;
    build_cases(ctx.cases, &valid);
    BenchStats s = bench_run(opts, 1, validate_step, &ctx);
    bench_direct_close(ctx.card);
    g_free(ctx.cases);
    g_free(ctx.res);
    BenchReport *r = bench_report_new("card-validate", &s);
    bench_report_int(r, "set_size", CASE_COUNT);
    bench_report_int(r, "valid_in_set", valid);
    bench_report_int(r, "brands", G_N_ELEMENTS(brands));
    bench_report_string(r, "driven_by", "direct plugin call (dlopen, method table)");
    bench_report_finish(r, opts,
                        "card-validate: %.0f cards/s (p50 %.2f us, p99 %.2f us) over %d generated "
                        "numbers of %u brands, %d valid; %" G_GINT64_FORMAT " unexpected outcomes",
                        s.ops_per_second, s.p50_us, s.p99_us, CASE_COUNT,
                        (unsigned)G_N_ELEMENTS(brands), valid, s.failures);
    return s.failures ? 1 : 0;
}
