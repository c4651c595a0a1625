/* Redaction (private to libtender): the one routine that keeps card numbers,
 * security codes and secrets out of logs, messages, references, action
 * payloads, plugin state and the ledger. Every path that scrubs or checks
 * for a sensitive value goes through here (the conformance kit too), so
 * that they all agree on what counts as "contains the value".
 *
 * The rule: a value counts only where it stands as a whole token, that is
 * not preceded or followed by an ASCII letter or digit. A 3-digit code 123
 * inside "order 123456" is not the code (and masking it there would both
 * corrupt the text and tell the code by what is left); "cvc 123." is.
 * Values of TENDER_REDACT_ANYWHERE_LEN characters or more are the exception:
 * they cannot occur by accident, and a card number glued to a word is still
 * a card number.
 *
 * All functions are pure and thread-safe. */
#ifndef TENDER_CORE_REDACT_H
#define TENDER_CORE_REDACT_H

#include <glib.h>

G_BEGIN_DECLS

/* What a redacted value is replaced with. */
#define TENDER_REDACTED "[redacted]"

/* From this length on a secret is redacted wherever it occurs. */
#define TENDER_REDACT_ANYWHERE_LEN 12

/* Whether value occurs in text[0, len) as a whole token (or anywhere, when
 * it is TENDER_REDACT_ANYWHERE_LEN long or longer). An empty value never
 * occurs. text need not be NUL-terminated. */
gboolean redact_contains(const char *text, gsize len, const char *value);

/* A newly allocated copy of text in which every whole-token run of 12 to 19
 * digits (single spaces or dashes allowed between groups) is masked to its
 * first six and last four digits, and then every occurrence of one of the
 * secrets (NULL-terminated array, may be NULL; empty strings ignored)
 * becomes TENDER_REDACTED. For what is shown or stored: messages, hints,
 * details, logs. NULL text gives NULL. */
gchar *redact(const char *text, const char *const *secrets);

/* As redact, but without masking card-number-like runs: for values
 * that go back to the processor or the payer (references, action payloads),
 * where a long number is a legitimate identifier. */
gchar *redact_secrets(const char *text, const char *const *secrets);

/* In place, for the fixed-size string fields of tender_result: field holds
 * a NUL-terminated string of at most field_size - 1 bytes, and the result
 * is truncated to fit. */
void redact_in_place(char *field, gsize field_size, const char *const *secrets);
void redact_secrets_in_place(char *field, gsize field_size, const char *const *secrets);

G_END_DECLS

#endif
