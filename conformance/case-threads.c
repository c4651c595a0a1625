/* Case "thread_safety": a method declaring TENDER_CAP_THREAD_SAFE serves 8
 * threads of mixed calls on one instance (the first step of every fixture,
 * sync and capture of what it left) and gives each the same answer it
 * gives one caller at a time. */
#include <string.h>

#include "conformance-private.h"

#define THREADS 8
#define ROUNDS 4

typedef struct {
    TcRequest req;
    guint32 outcome;
    guint32 decline;
    char ref[TENDER_RESULT_REF_MAX];
    const char *label;   /* "fixture X: authorize" */
} Job;

typedef struct {
    const tender_method *m;
    void *instance;
    GArray *jobs;        /* Job, read-only while threads run */
    guint index;
    int mismatches;
    char first[512];
} Worker;

static void answer(const tender_method *m, void *instance, Job *job, tender_result *res)
{
    tc_call(m, instance, &job->req.req, res);
}

static gpointer worker_run(gpointer data)
{
    Worker *w = data;
    tender_result *res = g_new0(tender_result, 1);
    guint n = w->jobs->len;
    for (int round = 0; round < ROUNDS; round++) {
        for (guint i = 0; i < n; i++) {
            /* Each thread walks the jobs from its own starting point. */
            Job *job = &g_array_index(w->jobs, Job, (i + w->index * 7 + (guint)round) % n);
            answer(w->m, w->instance, job, res);
            if (res->outcome != job->outcome || res->decline_code != job->decline ||
                strncmp(res->processor_ref, job->ref, sizeof job->ref) != 0) {
                if (w->mismatches++ == 0)
                    g_snprintf(w->first, sizeof w->first,
                               "%s: one caller got %s (decline %u, ref \"%s\"), thread %u got %s "
                               "(decline %u, ref \"%.*s\")",
                               job->label, tc_outcome_name(job->outcome), job->decline, job->ref,
                               w->index, tc_outcome_name(res->outcome), res->decline_code,
                               (int)sizeof res->processor_ref, res->processor_ref);
            }
        }
    }
    g_free(res);
    return NULL;
}

static void add_job(GArray *jobs, GPtrArray *labels, const tender_method *m, void *instance,
                    TcRequest *req, const char *label, tender_result *res)
{
    Job job;
    memset(&job, 0, sizeof job);
    job.req = *req;
    answer(m, instance, &job, res);
    job.outcome = res->outcome;
    job.decline = res->decline_code;
    g_strlcpy(job.ref, res->processor_ref, sizeof job.ref);
    char *l = g_strdup(label);
    g_ptr_array_add(labels, l);
    job.label = l;
    g_array_append_val(jobs, job);
}

static void check_method(tc_context *ctx, tc_report *report, const tender_method *m)
{
    void *instance = NULL;
    char *error = NULL;
    tc_settings_clear(ctx);
    if (tc_instance_new(ctx, m, &instance, &error) != 0) {
        tc_report_fail(report, "method %s: expected create with an empty config to succeed, it "
                       "failed: %s", m->id, error ? error : "");
        g_free(error);
        return;
    }
    GArray *jobs = g_array_new(FALSE, TRUE, sizeof(Job));
    GPtrArray *labels = g_ptr_array_new_with_free_func(g_free);
    tender_result *res = g_new0(tender_result, 1);
    size_t nf = 0;
    const tender_fixture *fx = tc_fixtures(m, &nf);
    tender_operation first = tc_first_op(m);
    /* The reference answers, one caller at a time. */
    for (size_t k = 0; k < nf; k++) {
        TcRequest r;
        char *why = NULL;
        if (!tc_request_from_fixture(ctx, m, &fx[k], first, &r, &why)) {
            g_free(why);
            tc_request_clear(&r);
            continue;
        }
        char *label = g_strdup_printf("fixture %s: %s", fx[k].name, tc_operation_name(first));
        add_job(jobs, labels, m, instance, &r, label, res);
        g_free(label);
        tender_result *after = g_new0(tender_result, 1);
        memcpy(after, res, sizeof *res);
        if (after->outcome != TENDER_OUTCOME_DECLINED && (m->capabilities & TENDER_CAP_SYNC)) {
            TcRequest s;
            tc_request_follow(ctx, &r, after, TENDER_OP_SYNC, r.req.amount, r.req.amount, 0, 0,
                              &s);
            label = g_strdup_printf("fixture %s: sync", fx[k].name);
            add_job(jobs, labels, m, instance, &s, label, res);
            g_free(label);
        }
        if (after->outcome == TENDER_OUTCOME_APPROVED && first == TENDER_OP_AUTHORIZE &&
            (m->capabilities & TENDER_CAP_CAPTURE)) {
            TcRequest c;
            tc_request_follow(ctx, &r, after, TENDER_OP_CAPTURE, r.req.amount, r.req.amount, 0,
                              0, &c);
            label = g_strdup_printf("fixture %s: capture", fx[k].name);
            add_job(jobs, labels, m, instance, &c, label, res);
            g_free(label);
        }
        g_free(after);
    }
    /* The jobs array is final now: point each request at its own copy. */
    for (guint i = 0; i < jobs->len; i++)
        tc_request_repoint(&g_array_index(jobs, Job, i).req);
    if (jobs->len == 0) {
        tc_report_note(report, "method %s: no usable fixture to call from threads", m->id);
    } else {
        Worker workers[THREADS];
        GThread *threads[THREADS];
        for (guint t = 0; t < THREADS; t++) {
            memset(&workers[t], 0, sizeof workers[t]);
            workers[t].m = m;
            workers[t].instance = instance;
            workers[t].jobs = jobs;
            workers[t].index = t;
            threads[t] = g_thread_new("tc-worker", worker_run, &workers[t]);
        }
        int mismatches = 0;
        const char *first_text = NULL;
        for (guint t = 0; t < THREADS; t++) {
            g_thread_join(threads[t]);
            mismatches += workers[t].mismatches;
            if (first_text == NULL && workers[t].mismatches > 0)
                first_text = workers[t].first;
        }
        if (mismatches > 0)
            tc_report_fail(report, "method %s declares thread_safe: expected the same answer from "
                           "8 threads as from one caller, %d of %u calls differed; first: %s",
                           m->id, mismatches, jobs->len * THREADS * ROUNDS, first_text);
        else
            tc_report_note(report, "method %s: %u calls from %d threads consistent", m->id,
                           jobs->len * THREADS * ROUNDS, THREADS);
    }
    for (guint i = 0; i < jobs->len; i++)
        tc_request_clear(&g_array_index(jobs, Job, i).req);
    g_array_free(jobs, TRUE);
    g_ptr_array_unref(labels);
    g_free(res);
    tc_instance_free(m, instance);
}

tc_status tc_case_thread_safety(tc_context *ctx, tc_report *report)
{
    if (ctx->load_error != NULL) {
        tc_report_fail(report, "expected a loadable plugin: %s", ctx->load_error);
        return TC_FAIL;
    }
    GPtrArray *methods = tc_methods(ctx);
    int checked = 0;
    for (guint i = 0; i < methods->len; i++) {
        const tender_method *m = g_ptr_array_index(methods, i);
        if (!(m->capabilities & TENDER_CAP_THREAD_SAFE)) {
            tc_report_note(report, "method %s does not declare thread_safe (the host serializes "
                           "its calls)", m->id);
            continue;
        }
        check_method(ctx, report, m);
        checked++;
    }
    g_ptr_array_unref(methods);
    if (tc_report_failures(report))
        return TC_FAIL;
    return checked > 0 ? TC_PASS : TC_SKIP;
}
