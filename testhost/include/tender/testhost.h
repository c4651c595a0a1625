/* libtender-testhost: a test host for plugin authors' unit tests.
 *
 * Loads a plugin .so directly (dlopen, its entry point; no policy, no
 * ledger) and lends it a host-services table the test controls: a fixed
 * clock, settings from a key/value table, deterministic "random" bytes and a
 * log that is captured for inspection. Calls go through the same
 * size-checked slot lookups a real host uses (tender.h). The conformance
 * kit, the project's plugin tests, its fuzz targets and its benchmark all
 * use this one host; docs/plugin-guide.md shows it in a plugin's tests.
 *
 * Build with `pkg-config --cflags --libs tender-testhost`.
 *
 * Ownership: every *_new and *_load result is the caller's, freed with its
 * *_free. A TenderTestHost must outlive every plugin loaded with it (the
 * plugin keeps its services table).
 *
 * Thread-safety: the services table the plugin receives is thread-safe (a
 * plugin may call it from any thread, as a real host's). Everything else —
 * loading, settings, clock, reading the log — is for the test's own thread,
 * while no plugin call runs, unless stated otherwise. */
#ifndef TENDER_TESTHOST_H
#define TENDER_TESTHOST_H

#include <glib.h>

#include <tender/http-transport.h>
#include <tender/plugin.h>

G_BEGIN_DECLS

/* The clock a new test host starts on: 2026-03-01T10:00:00Z. */
#define TENDER_TEST_HOST_DEFAULT_NOW_MS G_GINT64_CONSTANT(1772359200000)

typedef struct TenderTestHost TenderTestHost;
typedef struct TenderTestPlugin TenderTestPlugin;

/* ---- the host --------------------------------------------------------- */

/* A host on TENDER_TEST_HOST_DEFAULT_NOW_MS, no settings, log captured,
 * random bytes from a counter (byte n of the host's life is n * 131 + 7,
 * modulo 256: the same sequence every run). */
TenderTestHost *tender_test_host_new(void);
/* NULL is fine. Free the plugins loaded with it first. */
void tender_test_host_free(TenderTestHost *host);

/* The services table handed to plugins (owned by the host): for calling a
 * plugin's entry point or create function yourself. */
const tender_host_services *tender_test_host_services(TenderTestHost *host);

/* The `http` service (ABI 1.1). By default the test host has no network:
 * every request answers TENDER_HTTP_NOT_SENT. With a transport
 * (<tender/http-transport.h>) every request goes through it: a scripted one
 * for a unit test's canned answers, or tender_http_transport_new_default()
 * (libtender's real one) to reach a loopback server. The transport gets
 * the "ca_file" and "proxy" settings, a deadline 10 s away, and no
 * allow-list check (that is the engine's). A response stays valid until the
 * plugin releases it or the test host is freed (the test host cannot tell
 * when a call returns). Borrowed: the transport must outlive the host's use
 * of it; NULL goes back to no network. Set it before calling the plugin,
 * not while calls run. */
void tender_test_host_set_http_transport(TenderTestHost *host, TenderHttpTransport *transport);

/* The fixed clock the plugin reads through now_ms. */
void tender_test_host_set_now(TenderTestHost *host, gint64 now_ms);
gint64 tender_test_host_now(TenderTestHost *host);

/* Settings, whatever method id the plugin asks for. A setting given as text
 * answers every typed read the way a JSON config would for that text:
 * config_string gets the text, config_int64 a decimal integer (-1 when the
 * text is not one), config_bool "true" or "false" (-1 otherwise). A typed
 * setting (string, int, bool) answers its own kind only and -1 to the
 * others, as a config value of that JSON type does. A later value for a key
 * replaces the earlier one. */
void tender_test_host_set_setting(TenderTestHost *host, const char *key, const char *text);
void tender_test_host_set_setting_string(TenderTestHost *host, const char *key,
                                         const char *value);
void tender_test_host_set_setting_int(TenderTestHost *host, const char *key, gint64 value);
void tender_test_host_set_setting_bool(TenderTestHost *host, const char *key, gboolean value);
/* Forget every setting and every recorded read. */
void tender_test_host_clear_settings(TenderTestHost *host);
/* Every settings read since the last clear, in order, as "string:KEY",
 * "int64:KEY" or "bool:KEY". A new array (g_ptr_array_unref it); safe to
 * call while plugin calls run. */
GPtrArray *tender_test_host_setting_reads(TenderTestHost *host);

/* Capture logged lines (the default) or, with FALSE, only check that each
 * message is a readable string and drop it: for fuzzing and benchmarks,
 * where a captured log would grow without bound. */
void tender_test_host_set_log_capture(TenderTestHost *host, gboolean capture);
/* The captured lines, "[LEVEL] METHOD_ID: MESSAGE", oldest first. Owned by
 * the host and live: read it between plugin calls. */
const GPtrArray *tender_test_host_logs(TenderTestHost *host);
/* A copy of the captured lines (g_ptr_array_unref it); safe to call while
 * plugin calls run. */
GPtrArray *tender_test_host_logs_copy(TenderTestHost *host);
/* TRUE when a captured line contains needle. */
gboolean tender_test_host_logs_contain(TenderTestHost *host, const char *needle);

/* ---- plugins ------------------------------------------------------------ */

/* dlopen path (RTLD_NOW | RTLD_LOCAL; a bare file name is taken relative to
 * the working directory, not searched for) and call its entry point with
 * host's services for this ABI version. NULL on failure, with *error (when
 * error is not NULL) a newly allocated sentence saying why (g_free it). The
 * descriptor is not checked: tender_plugin_check_descriptor (tender.h) gives
 * the loader's verdict on it. */
TenderTestPlugin *tender_test_plugin_load(TenderTestHost *host, const char *path, char **error);
/* Load path in a worker process of its own instead (libtender's
 * tender_isolated_plugin_start, tender.h; docs/isolation.md): the entry
 * point and every call run in the worker, whose service calls this host
 * answers (settings, clock, log, random, http) as it answers an in-process
 * plugin's. The descriptor's ops forward each call (an instance of it must
 * be created with this host's services: tender_test_instance_new does); a
 * crash, a hang past the request's deadline or a protocol breach is that
 * call's UNKNOWN, not the test's end. Fixtures: tender_method_fixtures.
 * seccomp: the worker drops to its syscall allow-list after loading. At
 * most one isolated plugin per host at a time (the worker is found by the
 * services table). NULL with *error as tender_test_plugin_load. There is
 * no entry point to call: tender_test_plugin_entry returns NULL. */
TenderTestPlugin *tender_test_plugin_load_isolated(TenderTestHost *host, const char *path,
                                                   gboolean seccomp, char **error);
/* TRUE for a plugin from tender_test_plugin_load_isolated. */
gboolean tender_test_plugin_is_isolated(TenderTestPlugin *plugin);
/* dlclose the plugin (unless kept mapped), or stop its worker, and free.
 * Destroy its instances first. NULL is fine. */
void tender_test_plugin_free(TenderTestPlugin *plugin);
/* Leave the shared object mapped when plugin is freed: a leak checker
 * reporting at exit then still finds the plugin's symbols. */
void tender_test_plugin_keep_mapped(TenderTestPlugin *plugin, gboolean keep);

/* The descriptor the entry point returned (never NULL for a loaded plugin;
 * an isolated plugin's host-side copy), and the entry point itself (NULL
 * for an isolated plugin). Owned by the plugin. */
const tender_plugin_descriptor *tender_test_plugin_descriptor(TenderTestPlugin *plugin);
tender_plugin_entry_fn tender_test_plugin_entry(TenderTestPlugin *plugin);
/* The method called method_id among the descriptor's methods (skipping
 * NULL or too-short method structs), or NULL. Owned by the plugin. */
const tender_method *tender_test_plugin_method(TenderTestPlugin *plugin, const char *method_id);

/* ---- instances and calls ------------------------------------------------- */

/* Create an instance of method with host's services and current settings.
 * Returns the plugin's return code (0 on success, -1 when the method has no
 * create function); on failure *error (when not NULL) holds the plugin's
 * message (g_free it) and *instance is NULL. */
int tender_test_instance_new(TenderTestHost *host, const tender_method *method, void **instance,
                             char **error);
/* Destroy an instance; NULL is fine. */
void tender_test_instance_free(const tender_method *method, void *instance);

/* A zeroed request with struct_size set, operation op, amount in minor
 * units of currency (borrowed) with exponent, payment id "pay_test_0001",
 * request id "req_test_0001", region "US", account, tier, plugin state and
 * processor reference "", attempt 1 and no deadline (G_MAXINT64). */
tender_request tender_test_request(tender_operation op, gint64 amount, const char *currency,
                                   int exponent);

/* Call the slot a host calls for req->operation (identify_notification for
 * TENDER_OP_NOTIFICATION when req->payment_id is NULL), reached as the host
 * reaches it (tender_method_operation_fn). res is zeroed and its
 * struct_size set first, as the host hands it. FALSE, without calling,
 * when the method has no such slot or does not declare the capability. */
gboolean tender_test_call(const tender_method *method, void *instance, const tender_request *req,
                          tender_result *res);
/* Ask for the sandbox notification of event for req into res (zeroed
 * first). FALSE when the method has no sandbox_notification. */
gboolean tender_test_sandbox_notification(const tender_method *method, void *instance,
                                          const tender_request *req, const char *event,
                                          tender_result *res);

/* How many requests plugins handed to the test host's http service, which
 * has no network and answers every one NOT_SENT: a plugin that speaks to a
 * provider reaches it only through a real host. Thread-safe. Since the
 * provider-protocols issue (13). */
guint tender_test_host_http_requests(TenderTestHost *host);

G_END_DECLS

#endif /* TENDER_TESTHOST_H */
