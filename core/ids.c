/* Ids that sort by the time they were made.
 *
 * A payment's id is the key of the ledger's largest index, and the
 * payment's operations and its events are indexed by it or by ids of the
 * same kind. Wholly random ids put each new entry on a random leaf of those
 * B-trees: every authorization then dirties a different leaf of each, so a
 * batch of concurrent ones writes a page per payment per index where they
 * could share one, a checkpoint copies as many scattered pages, and in a
 * ledger of millions the leaf must first be read from the disk. Ids that
 * begin with the time land on the last leaf, like the rowids beside them.
 *
 * The random half keeps ids unguessable enough not to be enumerated (48
 * bits per millisecond) and distinct across hosts that make ids in the
 * same millisecond; an id is never a secret (API keys guard payments). The
 * time in an id tells when the payment was made, as created_ms does to
 * whoever can read the payment. The wall clock, not the host's clock: a
 * host run on a fixed clock (tests, the benchmarks) still gets ordered
 * ids, and no id depends on a clock set by configuration. */
#include "ids.h"

#include <string.h>

char *ids_ordered(const char *prefix, const guint8 random[IDS_RANDOM_BYTES])
{
    static const char hex[] = "0123456789abcdef";
    guint8 bytes[6 + IDS_RANDOM_BYTES];
    guint64 ms = (guint64)(g_get_real_time() / 1000);
    for (int i = 5; i >= 0; i--, ms >>= 8)
        bytes[i] = (guint8)(ms & 0xff);
    memcpy(bytes + 6, random, IDS_RANDOM_BYTES);
    gsize n = strlen(prefix);
    char *id = g_malloc(n + 2 * sizeof bytes + 1);
    memcpy(id, prefix, n);
    for (gsize i = 0; i < sizeof bytes; i++) {
        id[n + 2 * i] = hex[bytes[i] >> 4];
        id[n + 2 * i + 1] = hex[bytes[i] & 15];
    }
    id[n + 2 * sizeof bytes] = '\0';
    return id;
}
