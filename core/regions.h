/* Region codes beyond the public tender_region_is_valid() (private to
 * libtender). */
#ifndef TENDER_CORE_REGIONS_H
#define TENDER_CORE_REGIONS_H

#include <glib.h>

G_BEGIN_DECLS

/* TRUE for the codes ISO 3166-1 leaves to private use (AA, QM-QZ, XA-XZ,
 * ZZ): they name a region only when an operator says which, so the policy
 * accepts one only when the config declares it. Thread-safe. */
gboolean region_is_user_assigned(const char *region);

G_END_DECLS

#endif
