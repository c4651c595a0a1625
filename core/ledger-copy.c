/* tender_host_copy_ledger (tender.h): a consistent copy of a host's ledger
 * in a new file, through SQLite's online backup (ledger-sqlite.c). What lets a
 * tool fill a ledger fast on ":memory:" through the host API and keep it on
 * disk, instead of writing the ledger's private schema itself. */
#include <tender/tender.h>

#include "host-private.h"
#include "ledger.h"

gboolean tender_host_copy_ledger(TenderHost *host, const char *path, GError **error)
{
    g_return_val_if_fail(host != NULL && path != NULL, FALSE);
    if (host->ledger == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "the host has no ledger to copy");
        return FALSE;
    }
    return ledger_copy_to(host->ledger, path, error);
}
