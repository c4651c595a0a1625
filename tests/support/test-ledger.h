/* The ledger a test opens: a file or ":memory:" as the test chose, or, when
 * the suite runs against PostgreSQL (`meson test --setup postgres`, which
 * runs each test under tests/support/with-postgres and so sets
 * TENDER_TEST_LEDGER to a server's URI), a fresh empty schema of that
 * server for every ledger the test would have made. */
#ifndef TENDER_TESTS_SUPPORT_TEST_LEDGER_H
#define TENDER_TESTS_SUPPORT_TEST_LEDGER_H

#include <glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

/* TRUE when the suite runs against PostgreSQL. */
gboolean test_ledger_is_postgres(void);

/* The location to give tender_host_options_set_ledger (or --ledger) where
 * the test would give fallback: fallback itself (copied), or the URI of a
 * schema on the test server: a new, empty one for ":memory:", and for a
 * path the one this process got for that path the first time (a new one
 * then): the same file is the same ledger. Aborts the test (g_error) when
 * the server cannot make one. Free with g_free. */
char *test_ledger_location(const char *fallback);

/* Give options the ledger test_ledger_location(fallback) names: where a
 * test would call tender_host_options_set_ledger(options, fallback). */
void test_ledger_set_options(TenderHostOptions *options, const char *fallback);

/* TRUE when location names a PostgreSQL server rather than a file. */
gboolean test_ledger_location_is_postgres(const char *location);

/* For tests that check the rows themselves: run sql (parameters $1, $2,
 * ...: params, NULL-terminated) on the PostgreSQL ledger at location and
 * return its rows: a GPtrArray of rows, each a GPtrArray of its columns'
 * text (NULL for SQL NULL; len is the number of columns), all freed with
 * the outer array; NULL with error when the query fails. */
GPtrArray *test_ledger_pg_query(const char *location, const char *sql, const char *const *params,
                                GError **error);

G_END_DECLS

#endif
