/* The worker's syscall allow-list (worker-seccomp.c); the worker's only. */
#ifndef TENDER_CORE_WORKER_SECCOMP_H
#define TENDER_CORE_WORKER_SECCOMP_H

#include <glib.h>

/* Install the allow-list for this process and every thread in it; after
 * it, any other syscall kills the process with SIGSYS. FALSE (and *why)
 * when the kernel refused it; the worker then refuses the plugin rather
 * than run it unfiltered. */
gboolean worker_seccomp_apply(char **why);

#endif
