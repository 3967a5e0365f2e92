// sqlite_stmt.h — a prepared SQLite statement with positional binding, shared by the
// translation units of the SQLite backend (internal: not for use outside src/store/sqlite/).
// Thread safety: one statement per thread; the caller holds its connection's mutex.
// Ownership: finalizes the statement on destruction unless it was borrowed from a cache.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keyward::sqlite_detail {

// A prepared statement with positional binding; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &st_, nullptr);
  }
  // A statement prepared once and kept by the store (hot inserts): reset, not finalized.
  Stmt(sqlite3* db, sqlite3_stmt* cached)
      : db_(db), st_(cached), rc_(cached ? SQLITE_OK : SQLITE_ERROR), borrowed_(true) {}
  ~Stmt() {
    if (!borrowed_) {
      sqlite3_finalize(st_);
    } else if (st_) {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3* db() const { return db_; }
  Stmt& bind(std::string_view v) {
    sqlite3_bind_text(st_, ++idx_, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(const char* v) { return bind(std::string_view(v)); }
  Stmt& bind(const std::string& v) { return bind(std::string_view(v)); }
  Stmt& bind(std::int64_t v) {
    sqlite3_bind_int64(st_, ++idx_, v);
    return *this;
  }
  Stmt& bind(int v) { return bind(std::int64_t(v)); }
  Stmt& bind(bool v) { return bind(std::int64_t(v ? 1 : 0)); }
  Stmt& bindNull() {
    sqlite3_bind_null(st_, ++idx_);
    return *this;
  }
  template <class T>
  Stmt& bind(const std::optional<T>& v) {
    return v ? bind(*v) : bindNull();
  }
  Stmt& bindBlob(std::span<const std::uint8_t> b) {
    sqlite3_bind_blob(st_, ++idx_, b.data(), int(b.size()), SQLITE_TRANSIENT);
    return *this;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return rc_ = sqlite3_step(st_); }

  std::string text(int col) const {
    const auto* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(st_, col))) : std::string();
  }
  std::optional<std::string> optText(int col) const {
    if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(st_, col); }
  bool isNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::optional<std::int64_t> optI64(int col) const {
    if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::nullopt;
    return i64(col);
  }
  std::vector<std::uint8_t> blobBytes(int col) const {
    const int n = sqlite3_column_bytes(st_, col);
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st_, col));
    return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
  }
  void blob(int col, std::span<std::uint8_t> out) const {
    const int n = sqlite3_column_bytes(st_, col);
    const void* p = sqlite3_column_blob(st_, col);
    if (p && size_t(n) == out.size()) std::memcpy(out.data(), p, out.size());
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  int idx_ = 0;
  int rc_;
  bool borrowed_ = false;
};

}  // namespace keyward::sqlite_detail
