/* Where a plugin may be loaded from: the owner and mode of the plugin file
 * or directory itself, and of every directory above it. */
#include "loader-filesafety.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

gboolean filesafety_trusted_owner(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

/* "65534 (nobody)", or just the number when the user has no name. */
static char *describe_uid(uid_t uid)
{
    struct passwd pw, *found = NULL;
    char buf[1024];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != NULL)
        return g_strdup_printf("%lu (%s)", (unsigned long)uid, found->pw_name);
    return g_strdup_printf("%lu", (unsigned long)uid);
}

static char *untrusted_owner_reason(uid_t uid)
{
    char *who = describe_uid(uid);
    char *reason = g_strdup_printf("owned by uid %s, not by root or the running user (uid %lu)",
                                   who, (unsigned long)geteuid());
    g_free(who);
    return reason;
}

static char *writable_reason(mode_t mode)
{
    return g_strdup_printf("writable by %s (mode %04o)", (mode & S_IWOTH) ? "others" : "its group",
                           (unsigned)(mode & 07777));
}

char *filesafety_check_owner_mode(const struct stat *st)
{
    /* The mode first: a writable file is the more direct danger, and the
     * reason a reader is likelier to fix with chmod. */
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return writable_reason(st->st_mode);
    if (!filesafety_trusted_owner(st->st_uid))
        return untrusted_owner_reason(st->st_uid);
    return NULL;
}

/* A directory above a plugin is held to the plugin's own rule, except that
 * it may be writable by group or others when it is sticky. The sticky bit
 * lets only an entry's owner, the directory's owner or root rename or
 * remove the entry; the directory's owner is trusted (checked here) and the
 * next component down must have a trusted owner too (checked by the next
 * step of the walk, or as the plugin itself); so nobody else can change
 * what the path names below it. Refusing such directories, as sshd's
 * StrictModes does, would refuse every plugin under /tmp (1777, root's),
 * where tests, CI jobs and package builds stage theirs; see
 * docs/decisions.md. */
char *filesafety_check_ancestor_mode(const struct stat *st)
{
    if (!S_ISDIR(st->st_mode))
        return g_strdup("not a directory");
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st->st_mode & S_ISVTX) == 0)
        return writable_reason(st->st_mode);
    if (!filesafety_trusted_owner(st->st_uid))
        return untrusted_owner_reason(st->st_uid);
    return NULL;
}

static char *check_ancestor(const char *dir)
{
    struct stat st;
    char *why;
    /* lstat: realpath() resolved every link, so a link here means the path
     * changed since; refuse it as "not a directory" rather than follow it. */
    if (lstat(dir, &st) != 0)
        why = g_strdup_printf("cannot be checked: %s", g_strerror(errno));
    else
        why = filesafety_check_ancestor_mode(&st);
    if (why == NULL)
        return NULL;
    char *reason = g_strdup_printf("%s, which is %s", dir, why);
    g_free(why);
    return reason;
}

char *filesafety_check_ancestors(const char *resolved)
{
    g_return_val_if_fail(resolved != NULL && resolved[0] == '/', g_strdup("not an absolute path"));

    /* From "/" down: once a directory is known to change only at the hands
     * of root or this user, the entry found under it by name is the one the
     * next step checks, and stays so. Each slash ends one ancestor; the
     * part after the last one is resolved itself. */
    for (const char *slash = resolved; slash != NULL && slash[1] != '\0';
         slash = strchr(slash + 1, '/')) {
        char *dir =
            slash == resolved ? g_strdup("/") : g_strndup(resolved, (gsize)(slash - resolved));
        char *reason = check_ancestor(dir);
        g_free(dir);
        if (reason != NULL)
            return reason;
    }
    return NULL;
}
