/* Redaction (private to libtender): the last line of defence that keeps
 * card numbers and security codes out of logs, messages and the ledger. */
#ifndef TENDER_CORE_REDACT_H
#define TENDER_CORE_REDACT_H

#include <glib.h>

#include <tender/plugin.h>

G_BEGIN_DECLS

/* A copy of text in which every run of 12 to 19 digits (spaces or dashes
 * allowed between them) keeps only its first six and last four digits, and
 * every occurrence of one of the secrets (NULL-terminated; values of the
 * request's sensitive parameters) becomes "[redacted]". */
gchar *tender_redact(const char *text, const char *const *secrets);

/* In place, for fixed-size plugin result fields. */
void tender_redact_in_place(char *field, gsize field_size, const char *const *secrets);

G_END_DECLS

#endif
