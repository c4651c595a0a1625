/* The tender-sandbox that `tender demo` runs its flows against: found,
 * started on an ephemeral loopback port with --config-out, and stopped. */
#ifndef TENDER_TOOLS_DEMO_SANDBOX_H
#define TENDER_TOOLS_DEMO_SANDBOX_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct DemoSandbox DemoSandbox;

/* The program to run: explicit (--sandbox PATH), else $TENDER_SANDBOX, else
 * tender-sandbox next to this program, else in the build tree's sandbox/
 * directory beside this program's directory, else on PATH. NULL when none
 * is found (an explicit one is returned as given, found or not). Free with
 * g_free. */
char *demo_sandbox_find(const char *explicit_path);

/* Start program with a private temporary directory; wait up to 10 s for its
 * URL line. NULL with error (naming its log's end) when it did not come
 * up. */
DemoSandbox *demo_sandbox_start(const char *program, GError **error);

/* Its base URL and the path of the config it wrote; owned by sb. */
const char *demo_sandbox_url(DemoSandbox *sb);
const char *demo_sandbox_config(DemoSandbox *sb);

/* SIGTERM (SIGKILL after 5 s), wait, remove its directory. NULL is
 * ignored. */
void demo_sandbox_stop(DemoSandbox *sb);

G_END_DECLS

#endif
