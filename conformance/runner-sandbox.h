/* The providers a bundled plugin speaks to, for tender-conformance: a
 * tender-sandbox started on an ephemeral loopback port, whose written config
 * gives each gateway client its settings (endpoint, test keys), so that
 * `tender-conformance card.so` checks a protocol client with no --setting
 * given. Not thread-safe: the runner's main thread starts and stops it. */
#ifndef TENDER_CONFORMANCE_RUNNER_SANDBOX_H
#define TENDER_CONFORMANCE_RUNNER_SANDBOX_H

#include "conformance.h"

typedef struct RunnerSandbox RunnerSandbox;

/* The program: explicit (--sandbox PATH), else $TENDER_SANDBOX, else
 * tender-sandbox next to argv0, else in the build tree's sandbox/ directory
 * beside argv0's directory, else on PATH. NULL when none is found. g_free. */
char *runner_sandbox_find(const char *explicit_path, const char *argv0);

/* Start program; wait up to 10 s for the config it writes. NULL (with a
 * reason in why, why_size bytes) when it does not come up. */
RunnerSandbox *runner_sandbox_start(const char *program, char *why, size_t why_size);

/* Give ctx, for every method the sandbox serves (its settings name an
 * endpoint), the settings the sandbox wrote for it. Returns how many
 * methods got settings. */
int runner_sandbox_apply(RunnerSandbox *sb, tc_context *ctx);

/* SIGTERM (SIGKILL after 5 s), wait, remove its directory. NULL-safe. */
void runner_sandbox_stop(RunnerSandbox *sb);

#endif
