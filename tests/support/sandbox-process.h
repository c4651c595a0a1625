/* A tender-sandbox process for a test: started on an ephemeral loopback
 * port, stopped (SIGTERM, then SIGKILL after 5 s) when freed.
 *
 * The program is $TENDER_BUILD_ROOT/sandbox/tender-sandbox (meson's test
 * environment sets TENDER_BUILD_ROOT), or $TENDER_SANDBOX_PROGRAM when set
 * (the frame's own tests run a build with test-only providers). Its
 * standard output and error go to files in its directory; the error's end
 * is printed when it did not stop cleanly. Not thread-safe: start and stop it
 * from the test's main thread; the URL and config may be read anywhere. */
#ifndef TENDER_TEST_SANDBOX_PROCESS_H
#define TENDER_TEST_SANDBOX_PROCESS_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct TestSandbox TestSandbox;

/* Start `tender-sandbox --listen 127.0.0.1:0 --config-out FILE
 * --time-scale SCALE [extra_args...]` in a private temporary directory and
 * wait (up to 10 s) until it printed its base URL. extra_args is
 * NULL-terminated (may be NULL). NULL with error set when it does not come
 * up (the error carries its standard error). */
TestSandbox *test_sandbox_start(double time_scale, const char *const *extra_args,
                                GError **error);

/* Stop the process and remove its directory. NULL is ignored. */
void test_sandbox_stop(TestSandbox *sb);

/* "http://127.0.0.1:PORT" (https:// with --tls-dir), owned by sb. */
const char *test_sandbox_url(TestSandbox *sb);

/* Path of the Tender config it wrote (embedded default policies, every
 * bundled method pointed at this sandbox), owned by sb. */
const char *test_sandbox_config_path(TestSandbox *sb);

/* The `settings` object it wrote for method (owned by sb; NULL when the
 * method is absent), and the same as JSON text (free with g_free) for
 * tests that write their own config around it. */
JsonObject *test_sandbox_settings(TestSandbox *sb, const char *method);
char *test_sandbox_settings_json(TestSandbox *sb, const char *method);

/* Set a fault through the control endpoint: POST body_json to
 * /_sandbox/faults. FALSE with error when it is refused. */
gboolean test_sandbox_set_faults(TestSandbox *sb, const char *body_json, GError **error);

/* Move the providers' clock forward by seconds of the sandbox's own time
 * (POST /_sandbox/clock): the providers' periods are divided by the
 * --time-scale the sandbox was started with. */
gboolean test_sandbox_advance_clock(TestSandbox *sb, double seconds, GError **error);

G_END_DECLS

#endif
