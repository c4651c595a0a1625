/* The SQLite backend's VFS: the platform's own, with the writes to a WAL
 * file collected and written at once.
 *
 * SQLite writes each WAL frame as two writes, a 24-byte header and the
 * page, so an authorization's two commits cost about 23 pwrite() calls
 * (issue 17: 22.7 per authorization, a third of its CPU on the commit
 * path). Here the writes that continue one another are kept in a buffer and
 * handed to the file as one write when SQLite next needs them there:
 *
 *  - at the commit's sync of the WAL, which SQLite makes after the frames
 *    and before it publishes them to other connections (the WAL index
 *    header). The ledger runs with synchronous=FULL so that every commit
 *    makes it, and with checkpoint_fullfsync on so that the syncs of
 *    checkpoints (and of a restarted WAL's header) carry SQLITE_SYNC_FULL
 *    while a commit's carry SQLITE_SYNC_NORMAL: a commit's sync writes the
 *    buffer and stops there, since the ledger's group commit flushes the
 *    WAL once per batch itself (ledger-sqlite.c, flush_through); any other
 *    sync writes the buffer and syncs as asked;
 *  - before anything that reads or measures the file (read, size, truncate,
 *    close), and before a write elsewhere in it, so the file always reads
 *    as if every write had been made in order;
 *  - at the shared-memory barrier SQLite raises before it publishes a
 *    header, as a second line should a commit ever publish without the
 *    sync; a failed write there cannot be returned (the barrier has no
 *    result) and is returned by the file's next write or sync instead.
 *
 * A frame that only sits in the buffer belongs to a transaction not yet
 * committed, so a crash of the process loses nothing committed. Files other
 * than a WAL (the database, temporary files) pass through unchanged. */
#include "ledger-sqlite.h"

#include <string.h>

#define VFS_NAME "tender"

/* A transaction spilling pages before its commit (a large copy) writes
 * them out past this much, rather than holding them all. */
#define BUFFER_LIMIT (4 * 1024 * 1024)

typedef struct BatchFile BatchFile;
struct BatchFile {
    sqlite3_file base;
    sqlite3_file *real;  /* the platform VFS's file, allocated right after this */
    BatchFile *wal;      /* a database file: its connection's WAL, while open */
    BatchFile *main;     /* a WAL file: its database file */
    gboolean collect;    /* a WAL file: writes are collected */
    char *buffer;        /* collected bytes, for offsets start..start+length */
    gsize length, capacity;
    sqlite3_int64 start;
    int deferred_error;  /* a write the barrier could not report */
};

static sqlite3_vfs *platform;

static inline const sqlite3_io_methods *real_methods(BatchFile *f)
{
    return f->real->pMethods;
}

/* SQLite's unix VFS writes at most 128 KiB - 1 bytes in one call (it masks
 * the length with 0x1ffff, and a length it masks to 0 reads as a full
 * disk): larger collections go in pieces of this size. */
#define WRITE_PIECE (64 * 1024)

/* Hand the collected bytes to the file, in as few writes as it takes. */
static int write_collected(BatchFile *f)
{
    int rc = SQLITE_OK;
    for (gsize done = 0; done < f->length && rc == SQLITE_OK; done += WRITE_PIECE) {
        gsize piece = MIN(f->length - done, (gsize)WRITE_PIECE);
        rc = real_methods(f)->xWrite(f->real, f->buffer + done, (int)piece,
                                     f->start + (sqlite3_int64)done);
    }
    f->length = 0;
    return rc;
}

/* Write the collected bytes, reporting one the barrier could not. */
static int settle(BatchFile *f)
{
    int rc = write_collected(f);
    if (rc == SQLITE_OK && f->deferred_error != SQLITE_OK) {
        rc = f->deferred_error;
        f->deferred_error = SQLITE_OK;
    }
    return rc;
}

static int batch_close(sqlite3_file *file)
{
    BatchFile *f = (BatchFile *)file;
    int rc = settle(f);
    if (f->main)
        f->main->wal = NULL;
    if (f->wal)
        f->wal->main = NULL;
    g_free(f->buffer);
    int closed = real_methods(f)->xClose(f->real);
    return rc != SQLITE_OK ? rc : closed;
}

static int batch_read(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset)
{
    BatchFile *f = (BatchFile *)file;
    int rc = settle(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xRead(f->real, data, amount, offset);
}

static int batch_write(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset)
{
    BatchFile *f = (BatchFile *)file;
    if (!f->collect)
        return real_methods(f)->xWrite(f->real, data, amount, offset);
    gboolean continues = f->length > 0 && offset == f->start + (sqlite3_int64)f->length;
    if (!continues || f->length + (gsize)amount > BUFFER_LIMIT) {
        int rc = settle(f);
        if (rc != SQLITE_OK)
            return rc;
        f->start = offset;
    }
    if (f->length + (gsize)amount > f->capacity) {
        f->capacity = MAX(f->capacity * 2, f->length + (gsize)amount);
        f->buffer = g_realloc(f->buffer, f->capacity);
    }
    memcpy(f->buffer + f->length, data, (gsize)amount);
    f->length += (gsize)amount;
    return SQLITE_OK;
}

static int batch_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    BatchFile *f = (BatchFile *)file;
    int rc = settle(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xTruncate(f->real, size);
}

static int batch_sync(sqlite3_file *file, int flags)
{
    BatchFile *f = (BatchFile *)file;
    int rc = settle(f);
    if (rc != SQLITE_OK)
        return rc;
    /* A commit's sync of the WAL (see the top of the file): the group
     * commit flushes. */
    if (f->collect && (flags & 0x0f) == SQLITE_SYNC_NORMAL)
        return SQLITE_OK;
    return real_methods(f)->xSync(f->real, flags);
}

static int batch_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    BatchFile *f = (BatchFile *)file;
    int rc = settle(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xFileSize(f->real, size);
}

static int batch_lock(sqlite3_file *file, int level)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xLock(f->real, level);
}

static int batch_unlock(sqlite3_file *file, int level)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xUnlock(f->real, level);
}

static int batch_check_reserved_lock(sqlite3_file *file, int *out)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xCheckReservedLock(f->real, out);
}

static int batch_file_control(sqlite3_file *file, int op, void *arg)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xFileControl(f->real, op, arg);
}

static int batch_sector_size(sqlite3_file *file)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xSectorSize(f->real);
}

static int batch_device_characteristics(sqlite3_file *file)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xDeviceCharacteristics(f->real);
}

/* The shared-memory methods (version 2) exist on a database file of the
 * platform's VFS; SQLite calls them on nothing else. */
static int batch_shm_map(sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xShmMap(f->real, region, size, extend, out);
}

static int batch_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xShmLock(f->real, offset, n, flags);
}

static void batch_shm_barrier(sqlite3_file *file)
{
    BatchFile *f = (BatchFile *)file;
    if (f->wal != NULL) {
        int rc = write_collected(f->wal);
        if (rc != SQLITE_OK && f->wal->deferred_error == SQLITE_OK)
            f->wal->deferred_error = rc;
    }
    real_methods(f)->xShmBarrier(f->real);
}

static int batch_shm_unmap(sqlite3_file *file, int delete_flag)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xShmUnmap(f->real, delete_flag);
}

static int batch_fetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
    BatchFile *f = (BatchFile *)file;
    int rc = settle(f);
    return rc != SQLITE_OK ? rc : real_methods(f)->xFetch(f->real, offset, amount, out);
}

static int batch_unfetch(sqlite3_file *file, sqlite3_int64 offset, void *page)
{
    BatchFile *f = (BatchFile *)file;
    return real_methods(f)->xUnfetch(f->real, offset, page);
}

static const sqlite3_io_methods batch_methods = {
    .iVersion = 3,
    .xClose = batch_close,
    .xRead = batch_read,
    .xWrite = batch_write,
    .xTruncate = batch_truncate,
    .xSync = batch_sync,
    .xFileSize = batch_file_size,
    .xLock = batch_lock,
    .xUnlock = batch_unlock,
    .xCheckReservedLock = batch_check_reserved_lock,
    .xFileControl = batch_file_control,
    .xSectorSize = batch_sector_size,
    .xDeviceCharacteristics = batch_device_characteristics,
    .xShmMap = batch_shm_map,
    .xShmLock = batch_shm_lock,
    .xShmBarrier = batch_shm_barrier,
    .xShmUnmap = batch_shm_unmap,
    .xFetch = batch_fetch,
    .xUnfetch = batch_unfetch,
};

static int batch_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                      int *out_flags)
{
    (void)vfs;
    BatchFile *f = (BatchFile *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = platform->xOpen(platform, name, f->real, flags, out_flags);
    /* Our methods only on a file the platform opened, and only over a
     * table that has every method they forward to. */
    if (rc != SQLITE_OK || f->real->pMethods == NULL || f->real->pMethods->iVersion < 3) {
        if (rc == SQLITE_OK && f->real->pMethods != NULL)
            f->real->pMethods->xClose(f->real);
        f->base.pMethods = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    f->base.pMethods = &batch_methods;
    if ((flags & SQLITE_OPEN_WAL) && name != NULL) {
        sqlite3_file *main_file = sqlite3_database_file_object(name);
        if (main_file != NULL && main_file->pMethods == &batch_methods) {
            f->collect = TRUE;
            f->main = (BatchFile *)main_file;
            f->main->wal = f;
        }
    }
    return SQLITE_OK;
}

const char *ledger_sqlite_vfs_name(void)
{
    static sqlite3_vfs vfs;
    static gsize ready = 0;
    static gboolean registered = FALSE;
    if (g_once_init_enter(&ready)) {
        platform = sqlite3_vfs_find(NULL);
        if (platform != NULL && platform->iVersion >= 1) {
            vfs = *platform;
            vfs.pNext = NULL;
            vfs.zName = VFS_NAME;
            vfs.szOsFile = (int)sizeof(BatchFile) + platform->szOsFile;
            vfs.xOpen = batch_open;
            registered = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
        }
        g_once_init_leave(&ready, 1);
    }
    return registered ? VFS_NAME : NULL;
}
