// A look at a test's ledger for GoogleTest tests that check (or, to stage
// a crash's leftovers, edit) the rows themselves: the SQLite file the test
// chose or, under `meson test --setup postgres`, the server's schema that
// test_ledger_location gave for that file. Queries use $1, $2, ..., which
// both databases read; each query opens its own connection, so it sees
// only what is committed.
#ifndef TENDER_TESTS_SUPPORT_LEDGER_ROWS_H
#define TENDER_TESTS_SUPPORT_LEDGER_ROWS_H

#include <sqlite3.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <tender/tender.h>

#include "test-ledger.h"

namespace testledger {

using Rows = std::vector<std::vector<std::string>>;

class LedgerRows {
public:
    // path: the file the test gave (or would give) test_ledger_location.
    explicit LedgerRows(const std::string &path) : path_(path)
    {
        char *mapped = test_ledger_location(path.c_str());
        location_ = mapped;
        g_free(mapped);
    }

    bool is_postgres() const { return test_ledger_location_is_postgres(location_.c_str()); }
    const std::string &location() const { return location_; }

    // Every row of sql, each column as text; a failed query adds a test
    // failure and returns what it read. NULL reads as "" on both.
    Rows rows(const char *sql, const std::vector<std::string> &args = {}) const
    {
        return is_postgres() ? pg_rows(sql, args) : sqlite_rows(sql, args);
    }

    // The first column of the first row, or fallback when there is none.
    gint64 scalar(const char *sql, const std::vector<std::string> &args, gint64 fallback) const
    {
        Rows got = rows(sql, args);
        if (got.empty() || got[0].empty() || got[0][0].empty())
            return fallback;
        return g_ascii_strtoll(got[0][0].c_str(), nullptr, 10);
    }

    // A consistent copy of the whole ledger into a new SQLite file at
    // path, for checks that read a file whatever the backend (a byte scan,
    // an SQLite reader): tender_ledger_copy, which commits the copy only
    // when its counts and sums equal the source's. False, with a test
    // failure, when the copy fails.
    bool copy_to_file(const std::string &path) const
    {
        GError *error = nullptr;
        TenderLedgerCopyReport report = {};
        if (!tender_ledger_copy(location_.c_str(), path.c_str(), &report, &error)) {
            ADD_FAILURE() << "copy of the ledger to " << path << ": "
                          << (error ? error->message : "failed");
            g_clear_error(&error);
            return false;
        }
        return true;
    }

    // Run sql, which changes rows and returns none: on SQLite it may be
    // several statements, on PostgreSQL one. False, with a test failure,
    // when it fails.
    bool exec(const char *sql) const
    {
        if (is_postgres()) {
            GError *error = nullptr;
            GPtrArray *got = test_ledger_pg_query(location_.c_str(), sql, nullptr, &error);
            if (got == nullptr) {
                ADD_FAILURE() << (error ? error->message : sql);
                g_clear_error(&error);
                return false;
            }
            g_ptr_array_unref(got);
            return true;
        }
        sqlite3 *db = open_file();
        if (db == nullptr)
            return false;
        bool ok = sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
        if (!ok)
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
        sqlite3_close(db);
        return ok;
    }

private:
    // Read-write but never created: opening runs WAL recovery when a
    // killed process left the file behind.
    sqlite3 *open_file() const
    {
        sqlite3 *db = nullptr;
        if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << "cannot open the ledger " << path_ << ": "
                          << (db ? sqlite3_errmsg(db) : "out of memory");
            sqlite3_close(db);
            return nullptr;
        }
        sqlite3_busy_timeout(db, 10000);
        return db;
    }

    Rows pg_rows(const char *sql, const std::vector<std::string> &args) const
    {
        Rows out;
        std::vector<const char *> params;
        for (const std::string &a : args)
            params.push_back(a.c_str());
        params.push_back(nullptr);
        GError *error = nullptr;
        GPtrArray *got = test_ledger_pg_query(location_.c_str(), sql, params.data(), &error);
        if (got == nullptr) {
            ADD_FAILURE() << (error ? error->message : sql);
            g_clear_error(&error);
            return out;
        }
        for (guint i = 0; i < got->len; i++) {
            auto *columns = static_cast<GPtrArray *>(g_ptr_array_index(got, i));
            std::vector<std::string> row;
            for (guint c = 0; c < columns->len; c++) {
                auto *text = static_cast<const char *>(g_ptr_array_index(columns, c));
                row.push_back(text ? text : "");
            }
            out.push_back(row);
        }
        g_ptr_array_unref(got);
        return out;
    }

    Rows sqlite_rows(const char *sql, const std::vector<std::string> &args) const
    {
        Rows out;
        sqlite3 *db = open_file();
        if (db == nullptr)
            return out;
        sqlite3_stmt *s = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
            sqlite3_close(db);
            return out;
        }
        for (size_t i = 0; i < args.size(); i++)
            sqlite3_bind_text(s, (int)i + 1, args[i].c_str(), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(s) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                const unsigned char *t = sqlite3_column_text(s, c);
                row.push_back(t ? reinterpret_cast<const char *>(t) : "");
            }
            out.push_back(row);
        }
        sqlite3_finalize(s);
        sqlite3_close(db);
        return out;
    }

    std::string path_;
    std::string location_;
};

}  // namespace testledger

#endif
