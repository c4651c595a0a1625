/* The TENDER_ERROR domain. */
#include <tender/tender.h>

G_DEFINE_QUARK(tender-error-quark, tender_error)
