// The write connection's WAL buffering VFS: what it writes must read back exactly as SQLite
// wrote it, from the same connection, from other connections and after a crash.
#include "store/sqlite/wal_write_buffer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/temp_dir.h"

namespace keyward::sqlite_detail {
namespace {

namespace fs = std::filesystem;

class TempDir : public testing_support::TempDir {
 public:
  TempDir() : testing_support::TempDir("keyward-wal") {}
};

// A connection, through the buffering VFS or the default one, set up like keyward's writer.
class Conn {
 public:
  Conn(const fs::path& path, bool buffered) {
    const char* vfs = buffered ? walWriteBufferVfs() : nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Conn() { sqlite3_close_v2(db_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }
  sqlite3_int64 number(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    sqlite3_int64 v = -1;
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    std::string v;
    if (sqlite3_step(s) == SQLITE_ROW) v = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(WalWriteBuffer, TheVfsIsAvailable) { EXPECT_NE(walWriteBufferVfs(), nullptr); }

TEST(WalWriteBuffer, EveryCommitIsSeenAtOnceByAnotherConnectionAndAfterReopening) {
  TempDir dir;
  const fs::path db = dir.path() / "t.db";
  {
    Conn writer(db, true);
    Conn reader(db, false);
    writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    writer.exec("CREATE INDEX t_v ON t (v)");
    for (int round = 1; round <= 50; ++round) {
      writer.exec("BEGIN IMMEDIATE");
      for (int i = 0; i < 20; ++i) writer.exec("INSERT INTO t (v) VALUES (hex(randomblob(40)))");
      writer.exec("COMMIT");
      ASSERT_EQ(reader.number("SELECT COUNT(*) FROM t"), round * 20) << "round " << round;
    }
    writer.exec("PRAGMA wal_checkpoint(RESTART)");  // the WAL starts over: writes go back to offset 0
    writer.exec("INSERT INTO t (v) VALUES ('after restart')");
    EXPECT_EQ(reader.number("SELECT COUNT(*) FROM t WHERE v = 'after restart'"), 1);
  }
  Conn again(db, false);
  EXPECT_EQ(again.number("SELECT COUNT(*) FROM t"), 1001);
  EXPECT_EQ(again.text("PRAGMA integrity_check"), "ok");
}

// A transaction larger than the page cache spills pages into the WAL before it commits, and
// reads them back: those reads must see the bytes still held in the buffer.
TEST(WalWriteBuffer, ATransactionLargerThanThePageCacheReadsBackWhatItSpilled) {
  TempDir dir;
  const fs::path db = dir.path() / "t.db";
  Conn writer(db, true);
  writer.exec("PRAGMA cache_size=16");  // pages
  writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  writer.exec("BEGIN IMMEDIATE");
  writer.exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
      "INSERT INTO t (id, v) SELECT i, randomblob(1008) FROM n");
  EXPECT_EQ(writer.number("SELECT SUM(length(v)) FROM t"), 3000 * 1008);
  writer.exec("UPDATE t SET v = randomblob(500) WHERE id % 2 = 0");
  EXPECT_EQ(writer.number("SELECT SUM(length(v)) FROM t"), 1500 * 1008 + 1500 * 500);
  writer.exec("COMMIT");
  Conn reader(db, false);
  EXPECT_EQ(reader.number("SELECT SUM(length(v)) FROM t"), 1500 * 1008 + 1500 * 500);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

// A process that dies after its commits returned, in the middle of a larger transaction:
// every committed row is there, nothing of the unfinished transaction is.
TEST(WalWriteBuffer, AfterACrashEveryCommittedRowIsThereAndNothingElse) {
  TempDir dir;
  const fs::path db = dir.path() / "t.db";
  {
    Conn setup(db, false);
    setup.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  }
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    sqlite3* c = nullptr;
    if (sqlite3_open_v2(db.c_str(), &c, SQLITE_OPEN_READWRITE, walWriteBufferVfs()) != SQLITE_OK) _exit(2);
    int rc = sqlite3_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=16", nullptr, nullptr,
                          nullptr);
    for (int i = 0; i < 100 && rc == SQLITE_OK; ++i) {
      rc = sqlite3_exec(c, "INSERT INTO t (v) VALUES (randomblob(300))", nullptr, nullptr, nullptr);
    }
    // Unfinished: big enough to spill frames into the WAL, never committed.
    if (rc == SQLITE_OK) rc = sqlite3_exec(c, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_exec(c,
                        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                        "INSERT INTO t (v) SELECT randomblob(1000) FROM n",
                        nullptr, nullptr, nullptr);
    }
    _exit(rc == SQLITE_OK ? 0 : 1);  // no close, no rollback: as if killed
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  Conn after(db, true);
  EXPECT_EQ(after.number("SELECT COUNT(*) FROM t"), 100);
  EXPECT_EQ(after.text("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace keyward::sqlite_detail
