/* Plugin loader and registry (private to libtender).
 *
 * Scans plugin directories, dlopen()s each shared object with
 * RTLD_NOW | RTLD_LOCAL, checks its descriptor through tender_abi_check_*()
 * and registers its methods. A refused file never stops the host: the
 * refusal is recorded with the file, the plugin id when known, and the
 * reason. Not thread-safe: the host loads everything before it serves calls;
 * afterwards the registry is read-only and safe to read from any thread. */
#ifndef TENDER_CORE_LOADER_H
#define TENDER_CORE_LOADER_H

#include <glib.h>

#include <tender/plugin.h>
#include <tender/tender.h>

G_BEGIN_DECLS

typedef struct TenderLoader TenderLoader;

/* services is lent to every plugin's entry point and must outlive the
 * loader. */
TenderLoader *loader_new(const tender_host_services *services);
/* A table of services for each plugin instead of the one given to
 * loader_new(): services_for is asked for a fresh table just before
 * a plugin's entry point runs (the caller owns it and keeps it alive as
 * long as the loader), and bind is told, once the plugin passed every
 * check, which plugin that table belongs to (d->methods are the methods it
 * may act for). A plugin refused after its entry point ran keeps an unbound
 * table. Call before loading anything. */
typedef const tender_host_services *(*TenderLoaderServicesFn)(gpointer data);
typedef void (*TenderLoaderBindFn)(gpointer data, const tender_host_services *services,
                                   const tender_plugin_descriptor *d);
void loader_set_services_per_plugin(TenderLoader *loader,
                                           TenderLoaderServicesFn services_for,
                                           TenderLoaderBindFn bind, gpointer data);

/* dlclose() every plugin. Destroy method instances before calling this. */
void loader_free(TenderLoader *loader);

/* Load every "*.so" file in dir (and in its immediate subdirectories, so a
 * build tree's plugins/<id>/<id>.so is found), in name order. dir is
 * refused as a whole (a refusal naming it and the reason) when group or
 * others can write to it, when it is owned by someone other than root or
 * the running user, or when a directory above it (where its links lead) is
 * either of these; above it, a sticky directory such as /tmp may be
 * writable by others. A missing directory is recorded too. */
void loader_scan_dir(TenderLoader *loader, const char *dir);
/* Load one file; FALSE (and a recorded refusal) when refused. The file, and
 * every directory above where its links lead, must pass the same owner and
 * mode rules as a plugin directory (loader-filesafety.h) before it is
 * opened. */
gboolean loader_load_file(TenderLoader *loader, const char *path);

const GPtrArray *loader_plugins(const TenderLoader *loader);  /* TenderPluginInfo* */
const GPtrArray *loader_methods(const TenderLoader *loader);  /* TenderMethodInfo* */
const GPtrArray *loader_refusals(const TenderLoader *loader); /* TenderRefusal* */

/* The ABI method struct behind a registered method id, or NULL. */
const tender_method *loader_method_abi(const TenderLoader *loader, const char *method_id);
const TenderMethodInfo *loader_method_info(const TenderLoader *loader,
                                                  const char *method_id);

/* ---- ABI checks (abi-check.c): the one place that knows the sizes ------- */

/* The minimum struct sizes of ABI 1.0 (TENDER_ABI_1_0_*_SIZE) are public,
 * in tender.h, for tools that load plugins themselves. */

/* Version check: FALSE with a reason naming both versions when a plugin
 * built for abi_major.abi_minor cannot load into this host. */
gboolean abi_check_version(guint32 plugin_major, guint32 plugin_minor, char **reason);

/* Full check of a descriptor (sizes, version, ids, names, mandatory
 * functions, capabilities with their functions, facts). FALSE with a
 * newly allocated reason on the first problem. */
gboolean abi_check_descriptor(const tender_plugin_descriptor *descriptor, char **reason);

/* The function slot for op (TENDER_OP_*) of method, reached through the
 * size-checked table: NULL when the table is too short, the slot is empty or
 * the capability is not declared. For TENDER_OP_NOTIFICATION this is the
 * apply step; abi_identify_fn gives the identify step. */
tender_operation_fn abi_operation_fn(const tender_method *method, tender_operation op);
tender_operation_fn abi_identify_fn(const tender_method *method);
/* Sandbox slots, NULL when absent. */
const tender_fixture *(*abi_fixtures_fn(const tender_method *method))(size_t *n);
void (*abi_sandbox_notification_fn(const tender_method *method))(
    void *, const tender_request *, const char *, tender_result *);
/* describe_instrument (ABI 1.1), or NULL when the plugin predates it or
 * does not provide it. */
tender_operation_fn abi_describe_instrument_fn(const tender_method *method);

void method_info_free(TenderMethodInfo *info);
void plugin_info_free(TenderPluginInfo *info);
void refusal_free(TenderRefusal *refusal);

G_END_DECLS

#endif
