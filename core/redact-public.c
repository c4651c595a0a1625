/* The redaction rule as public API (tender.h): the same function the host
 * scrubs with, so a tool that looks for leaks (the conformance kit) and the
 * host can never disagree about what "contains the value" means. */
#include <tender/tender.h>

#include "redact.h"

gboolean tender_text_contains_value(const char *text, gsize len, const char *value)
{
    return redact_contains(text, len, value);
}
