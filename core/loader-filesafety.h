/* Where a plugin may be loaded from (private to libtender).
 *
 * A plugin runs with every right of the host. So whoever can change a plugin
 * file, the directory it sits in, or any directory above either, can make
 * the host run their code. These checks accept a place only when nobody but
 * root and the running user (the effective uid) can put something else
 * there, much as sshd's StrictModes does for authorized_keys.
 *
 * The reasons returned are newly allocated, for the caller to g_free(), and
 * read as the end of a sentence ("writable by others (mode 0666)"), so the
 * loader can lead them with the file and what it is. Stateless and
 * thread-safe. */
#ifndef TENDER_CORE_LOADER_FILESAFETY_H
#define TENDER_CORE_LOADER_FILESAFETY_H

#include <glib.h>

#include <sys/stat.h>

G_BEGIN_DECLS

/* TRUE when uid is root or the effective uid of this process: the only
 * owners a plugin file or a directory above one may have. */
gboolean filesafety_trusted_owner(uid_t uid);

/* Check the owner and mode of a plugin file or plugin directory (st from
 * fstat() of the very descriptor that will be used). NULL when it is owned
 * by a trusted owner and writable by neither its group nor others; else
 * "writable by its group (mode 0664)", "writable by others (mode 0646)" or
 * "owned by uid 65534 (nobody), not by root or the running user (uid 0)". */
char *filesafety_check_owner_mode(const struct stat *st);

/* Check one directory above a plugin file or plugin directory (st from
 * lstat()). NULL when it is a directory owned by a trusted owner and either
 * writable by neither group nor others, or sticky: nobody else can rename or
 * remove what a trusted owner put in a sticky directory, so /tmp (1777,
 * root's) is accepted (docs/decisions.md, "Where plugins may be loaded
 * from"). Else "not a directory" or a reason as above. */
char *filesafety_check_ancestor_mode(const struct stat *st);

/* Check every directory above resolved with
 * filesafety_check_ancestor_mode(), from "/" down. resolved must be
 * absolute and free of symlinks, "." and ".." (what realpath() returns).
 * NULL when all pass; else "<dir>, which is <reason>" for the topmost one
 * that fails. */
char *filesafety_check_ancestors(const char *resolved);

G_END_DECLS

#endif
