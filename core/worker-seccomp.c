/* The worker's syscall allow-list (libseccomp), applied once the plugin is
 * loaded (worker-main.c; docs/isolation.md, "seccomp").
 *
 * An isolated plugin's only I/O is the socket to the host: its http,
 * settings, clock and random bytes are all host services forwarded over
 * it. So once its entry point has run (dlopen needs open() and mmap() of
 * files), before its first create, the worker keeps only what running C code and talking on an
 * already open socket need: memory, futexes, signals for abort(), the
 * clock, and read/write/send/recv/poll/close on descriptors it already
 * has. No open, no socket or connect, no exec, no fork, no ptrace. Any
 * other syscall kills the whole worker with SIGSYS
 * (SCMP_ACT_KILL_PROCESS), which the host sees as a crash: the call is
 * UNKNOWN and the crash is recorded, as for any other.
 *
 * Threads a plugin starts before the filter (in its entry point) are
 * covered too (SCMP_FLTATR_CTL_TSYNC); starting one after it is not
 * allowed (clone is not on the list), since the worker serves one call at
 * a time. */
#include "worker-seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>

/* What any plugin code may do after loading. */
static const int allowed[] = {
    /* the host socket, stdout/stderr (on /dev/null) and descriptors it holds */
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(recvfrom),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendto),
    SCMP_SYS(sendmsg),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(close),
    SCMP_SYS(lseek),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(fcntl),
    /* memory */
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    /* threads already running, locks, scheduling */
    SCMP_SYS(futex),
    SCMP_SYS(sched_yield),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getrandom),
    /* time */
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    /* signals: abort() raises SIGABRT on itself */
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(tgkill),
    SCMP_SYS(restart_syscall),
    /* the end */
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
};

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define WORKER_SANITIZED 1
#endif

#ifdef WORKER_SANITIZED
/* The sanitizer runtime, not the plugin, needs more: its background thread
 * reads /proc/self/statm (hard_rss_limit_mb), and a report reads
 * /proc/self/maps and resolves links. A worker killed by SIGSYS for that
 * (seen in the sanitizer build: about one run in five of the seccomp
 * tests) would be the runtime's fault, not the plugin's. So in a sanitizer
 * build (tests only, never shipped) the list also allows these, and
 * open() and openat() only read-only: the tests' fixture opens a file for
 * writing and is still killed. */
static const int sanitizer_allowed[] = {
    SCMP_SYS(readlink),          SCMP_SYS(readlinkat), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64),
    SCMP_SYS(sched_getaffinity), SCMP_SYS(getppid),    SCMP_SYS(uname),     SCMP_SYS(pread64),
    SCMP_SYS(getrusage),         SCMP_SYS(statfs),
};

static int allow_sanitizer(scmp_filter_ctx ctx)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(sanitizer_allowed); i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sanitizer_allowed[i], 0);
    /* The runtime calls the raw open(2) (flags its second argument). */
    const scmp_datum_t writing = O_ACCMODE | O_CREAT | O_TRUNC;
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, writing, 0));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, writing, 0));
    return rc;
}
#endif

gboolean worker_seccomp_apply(char **why)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL) {
        *why = g_strdup("seccomp_init failed");
        return FALSE;
    }
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(allowed); i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
#ifdef WORKER_SANITIZED
    if (rc == 0)
        rc = allow_sanitizer(ctx);
#endif
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        *why = g_strdup_printf("cannot install the seccomp filter: %s", g_strerror(-rc));
        return FALSE;
    }
    return TRUE;
}
