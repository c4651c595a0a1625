// The SQLite backend's VFS (core/ledger-sqlite-vfs.c), which collects a
// WAL's writes and hands them to the file at the commit's sync: whatever a
// connection on it commits, large or small, spilled before its commit or
// not, another connection (on SQLite's default VFS, as another program's
// would be) reads back whole; what it has not committed, nobody sees; and
// checkpoints still copy everything into the database file.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <glib/gstdio.h>

#include <string>

#include "core-test-util.h"
#include "ledger-sqlite.h"

using namespace coretest;

namespace {

class LedgerVfs : public ::testing::Test {
protected:
    TempDir tmp;
    std::string path;
    sqlite3 *writer = nullptr; // on the ledger's VFS, set up as the ledger sets it up
    sqlite3 *reader = nullptr; // on SQLite's default VFS

    void SetUp() override
    {
        path = tmp.file("vfs.db");
        const char *vfs = ledger_sqlite_vfs_name();
        ASSERT_NE(vfs, nullptr);
        ASSERT_EQ(sqlite3_open_v2(path.c_str(), &writer,
                                  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                  SQLITE_OK);
        exec(writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA checkpoint_fullfsync=ON; PRAGMA wal_autocheckpoint=0;"
                     "CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
        ASSERT_EQ(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr),
                  SQLITE_OK);
    }

    void TearDown() override
    {
        sqlite3_close(reader);
        sqlite3_close(writer);
    }

    static void exec(sqlite3 *db, const char *sql)
    {
        char *message = nullptr;
        int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
        EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (message ? message : "");
        sqlite3_free(message);
    }

    static gint64 number(sqlite3 *db, const char *sql)
    {
        sqlite3_stmt *s = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        gint64 value = -1;
        if (sqlite3_step(s) == SQLITE_ROW)
            value = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        return value;
    }

    // Rows first..first+n-1, each body `size` bytes that depend on its id.
    void insert(int first, int n, int size)
    {
        sqlite3_stmt *s = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(writer, "INSERT INTO rows VALUES (?1, ?2)", -1, &s, nullptr),
                  SQLITE_OK);
        std::string body(static_cast<size_t>(size), '\0');
        for (int id = first; id < first + n; id++) {
            for (int i = 0; i < size; i++)
                body[static_cast<size_t>(i)] = static_cast<char>((id * 31 + i * 7) & 0xff);
            sqlite3_bind_int(s, 1, id);
            sqlite3_bind_blob(s, 2, body.data(), size, SQLITE_TRANSIENT);
            ASSERT_EQ(sqlite3_step(s), SQLITE_DONE) << sqlite3_errmsg(writer);
            sqlite3_reset(s);
        }
        sqlite3_finalize(s);
    }

    // Checks every byte of rows 0..n-1 as `db` reads them.
    static void expect_rows(sqlite3 *db, int n, int size)
    {
        EXPECT_EQ(number(db, "SELECT count(*) FROM rows"), n);
        sqlite3_stmt *s = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT id, body FROM rows ORDER BY id", -1, &s, nullptr),
                  SQLITE_OK);
        int bad = 0;
        while (sqlite3_step(s) == SQLITE_ROW) {
            int id = sqlite3_column_int(s, 0);
            const auto *body = static_cast<const unsigned char *>(sqlite3_column_blob(s, 1));
            if (sqlite3_column_bytes(s, 1) != size) {
                bad++;
                continue;
            }
            for (int i = 0; i < size; i++)
                if (body[i] != ((id * 31 + i * 7) & 0xff)) {
                    bad++;
                    break;
                }
        }
        sqlite3_finalize(s);
        EXPECT_EQ(bad, 0) << "rows read back differently";
    }
};

// About 1.2 MiB of frames in one commit: many times the 128 KiB that
// SQLite's unix VFS writes in one call.
TEST_F(LedgerVfs, ALargeCommitReadsBackWholeFromAnotherConnection)
{
    exec(writer, "BEGIN");
    insert(0, 300, 3000);
    exec(writer, "COMMIT");
    expect_rows(reader, 300, 3000);
}

// A cache of 10 pages makes SQLite write frames before the commit (a
// spill) and read some of them back while the transaction runs.
TEST_F(LedgerVfs, ASpilledTransactionReadsBackWhole)
{
    exec(writer, "PRAGMA cache_size=10");
    exec(writer, "BEGIN");
    insert(0, 400, 1500);
    exec(writer, "UPDATE rows SET body = body WHERE id % 3 = 0");
    EXPECT_EQ(number(reader, "SELECT count(*) FROM rows"), 0) << "seen before its commit";
    exec(writer, "COMMIT");
    expect_rows(reader, 400, 1500);
    expect_rows(writer, 400, 1500);
}

TEST_F(LedgerVfs, ARolledBackTransactionLeavesNothing)
{
    exec(writer, "BEGIN");
    insert(0, 10, 100);
    exec(writer, "COMMIT");
    exec(writer, "PRAGMA cache_size=10");
    exec(writer, "BEGIN");
    insert(10, 200, 2000);
    exec(writer, "ROLLBACK");
    expect_rows(reader, 10, 100);
    expect_rows(writer, 10, 100);
}

// Many small commits (one frame or two each, as the ledger's are), then a
// checkpoint that empties the WAL: everything is in the database file, which
// a connection opened afresh reads without any WAL.
TEST_F(LedgerVfs, ACheckpointCopiesEveryCommitIntoTheDatabaseFile)
{
    for (int i = 0; i < 200; i++) {
        exec(writer, "BEGIN");
        insert(i, 1, 500);
        exec(writer, "COMMIT");
    }
    expect_rows(reader, 200, 500);
    sqlite3_close(reader);
    reader = nullptr;
    int log = -1, copied = -1;
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied),
              SQLITE_OK)
        << sqlite3_errmsg(writer);
    EXPECT_EQ(log, 0);
    GStatBuf st;
    ASSERT_EQ(g_stat((path + "-wal").c_str(), &st), 0);
    EXPECT_EQ(st.st_size, 0) << "the WAL was not emptied";
    // A copy of the database file alone (no WAL beside it) holds it all.
    std::string copy = tmp.file("copy.db");
    gchar *bytes = nullptr;
    gsize length = 0;
    ASSERT_TRUE(g_file_get_contents(path.c_str(), &bytes, &length, nullptr));
    ASSERT_TRUE(g_file_set_contents(copy.c_str(), bytes, static_cast<gssize>(length), nullptr));
    g_free(bytes);
    sqlite3 *fresh = nullptr;
    ASSERT_EQ(sqlite3_open_v2(copy.c_str(), &fresh, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    expect_rows(fresh, 200, 500);
    sqlite3_close(fresh);
}

} // namespace
