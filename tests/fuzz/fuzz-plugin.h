/* Plugins for the fuzz targets: each bundled plugin .so loaded once with
 * libtender-testhost (fixed clock, default settings, counter randomness,
 * log checked and dropped), and the checks every result must pass. Not thread-safe (libFuzzer
 * and the replay test call from one thread). */
#ifndef TENDER_FUZZ_PLUGIN_H
#define TENDER_FUZZ_PLUGIN_H

#include <glib.h>

#include <tender/plugin.h>

/* The method `id` of the bundled plugin `id` (card, alipay, paypal,
 * webmoney), loaded on first use from $TENDER_FUZZ_PLUGIN_DIR or the build
 * tree; aborts when it cannot be loaded (the target would test nothing). */
typedef struct {
    const tender_method *method;
    void *instance;
} FuzzPlugin;
const FuzzPlugin *fuzz_plugin(const char *id);

/* A request with every string field set (empty strings, never NULL),
 * attempt 1, a far deadline, and the given operation. */
tender_request fuzz_request(tender_operation op);

/* Abort unless res is well formed: every string field NUL-terminated
 * within its array, a known outcome, a decline code exactly when declined
 * (or none), and none of the secrets (NULL-terminated list) inside it. */
void fuzz_check_result(const tender_result *res, const char *const *secrets);

/* A zeroed result with struct_size set (as the host hands it). */
tender_result *fuzz_result_new(void);

/* Split "Name: value" / "key=value" lines into params (strings owned by
 * the returned arrays); stops at the first empty line when stop_at_blank,
 * and sets *rest to what follows it. */
GPtrArray *fuzz_split_lines(const char *text, char sep, gboolean stop_at_blank,
                            const char **rest);

#endif
