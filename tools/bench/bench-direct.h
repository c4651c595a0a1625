/* Load one plugin .so without libtender's engine and call its method table
 * directly, with libtender-testhost (fixed clock, no settings, counter
 * "randomness", log dropped). The `direct` side of the dispatch and
 * authorize-memory scenarios, and the driver of card-validate. */
#ifndef TENDER_BENCH_DIRECT_H
#define TENDER_BENCH_DIRECT_H

#include <glib.h>

#include <tender/plugin.h>

G_BEGIN_DECLS

typedef struct BenchDirect BenchDirect;

/* Load so_path and create an instance of method_id. NULL (message printed)
 * on failure. */
BenchDirect *bench_direct_open(const char *so_path, const char *method_id);
void bench_direct_close(BenchDirect *d);

/* The method's table, and its instance. */
const tender_method_ops *bench_direct_ops(BenchDirect *d);
void *bench_direct_instance(BenchDirect *d);

/* A request for op in USD (exponent 2) for amount minor units, region US,
 * with params; the strings it points to are static or the caller's. */
tender_request bench_direct_request(tender_operation op, gint64 amount,
                                    const tender_param *params, gsize n_params);

G_END_DECLS

#endif
