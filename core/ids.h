/* Identifiers of the rows the ledger indexes (payments, events), private
 * to core. */
#ifndef TENDER_CORE_IDS_H
#define TENDER_CORE_IDS_H

#include <glib.h>

G_BEGIN_DECLS

#define IDS_RANDOM_BYTES 6

/* prefix ("pay_", "evt_", "req_") then 24 lowercase hex digits: the wall
 * clock in milliseconds since the epoch (48 bits, big-endian) and the 48
 * bits of random. The caller owns the string (g_free). Thread-safe. */
char *ids_ordered(const char *prefix, const guint8 random[IDS_RANDOM_BYTES]);

G_END_DECLS

#endif
