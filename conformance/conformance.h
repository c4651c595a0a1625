/* The Tender conformance kit: a library of cases that each check one promise
 * a payment-method plugin makes, run against any plugin .so.
 *
 * Plain C on purpose: a plugin author drives it from C (the runner
 * `tender-conformance` is ~100 lines over this header) and never needs C++;
 * the project's GoogleTest suite registers the same cases through a small
 * shim. Each case loads nothing itself: it works on a context that holds the
 * plugin (loaded directly by libtender-testhost, whose settings and clock
 * the kit controls) and, for the flow cases, builds a real libtender host
 * with an in-memory ledger.
 *
 * Not thread-safe: run the cases of one context one after another (a case
 * may start threads of its own). Different contexts are independent.
 */
#ifndef TENDER_CONFORMANCE_H
#define TENDER_CONFORMANCE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a case concluded. SKIP means the promise does not apply to this
 * plugin (e.g. no method declares THREAD_SAFE); it is not a failure. */
typedef enum tc_status {
    TC_PASS = 0,
    TC_FAIL = 1,
    TC_SKIP = 2
} tc_status;

typedef struct tc_context tc_context;
typedef struct tc_report tc_report;

/* One case. run() writes what it found into report (tc_report_fail and
 * tc_report_note) and returns its status. */
typedef struct tc_case {
    const char *name;        /* short id, e.g. "exports" */
    const char *description; /* one line: the promise checked */
    tc_status (*run)(tc_context *ctx, tc_report *report);
} tc_case;

/* Every case, in the order the runner runs them. */
const tc_case *tc_cases(size_t *n);
/* The case called name, or NULL. */
const tc_case *tc_case_find(const char *name);

/* Open the plugin at path: dlopen it (RTLD_NOW | RTLD_LOCAL) and call its
 * entry point with the kit's test host (libtender-testhost). A plugin that
 * cannot be loaded still gives a context (its cases then fail, saying why); NULL only when out of
 * memory. method_id, when not NULL, limits the method cases to that method. */
tc_context *tc_context_new(const char *path, const char *method_id);
void tc_context_free(tc_context *ctx);
/* tc_context_new with the plugin in a worker process of its own
 * (tender_test_plugin_load_isolated; docs/isolation.md): every case then
 * runs it isolated, the direct calls through the test host and every real
 * host the flow cases start (config plugins.<id>.isolation "process").
 * seccomp: whether the workers run under their seccomp filter
 * (plugins.<id>.seccomp; 1 as in a host; 0 for a plugin that opens files
 * after loading, which the filter forbids). */
tc_context *tc_context_new_isolated(const char *path, const char *method_id, int seccomp);
/* In a process forked from the one that made ctx, before running cases
 * there: an isolated context starts a worker of its own (the inherited one
 * belongs to the parent). Nothing for an in-process one. */
void tc_context_after_fork(tc_context *ctx);
/* The reason the plugin could not be loaded, or NULL when it loaded. */
const char *tc_context_load_error(const tc_context *ctx);
/* The plugin's file path as given. */
const char *tc_context_path(const tc_context *ctx);
/* A setting every host of the kit gives method_id (copied): the real hosts
 * of the flow cases put it in the method's config `settings`, the test host
 * answers it to the plugin's reads (the test host does not tell methods
 * apart: with several of the plugin's methods given the same key, the last
 * value wins there; a setting for a method the plugin does not have is
 * ignored). For
 * pointing a plugin at a provider simulator: ("card", "endpoint",
 * "http://127.0.0.1:8080"). */
void tc_context_set_setting(tc_context *ctx, const char *method_id, const char *key,
                            const char *value);
/* The same, for a value that is text whatever it looks like (an app id
 * made of digits, taken from a config where it is a JSON string). */
void tc_context_set_setting_string(tc_context *ctx, const char *method_id, const char *key,
                                   const char *value);
/* "METHOD.KEY=VALUE" (the runner's --setting): FALSE when it is not of that
 * shape. */
int tc_context_parse_setting(tc_context *ctx, const char *assignment);

/* Run one case. *message receives a newly allocated text (free() it): for a
 * failure, every problem found, one per line, each naming what was expected
 * and what the plugin did; otherwise a short note. */
tc_status tc_run_case(tc_context *ctx, const tc_case *c, char **message);

/* ---- for case implementations ------------------------------------------ */

/* Record a failure (printf format). A case that recorded one fails. */
void tc_report_fail(tc_report *report, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record an informational note (shown when the case passes or skips). */
void tc_report_note(tc_report *report, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Number of failures recorded so far. */
size_t tc_report_failures(const tc_report *report);

/* "PASS", "FAIL" or "SKIP". */
const char *tc_status_name(tc_status status);

#ifdef __cplusplus
}
#endif

#endif /* TENDER_CONFORMANCE_H */
