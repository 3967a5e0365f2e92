// store_url.h — the one place that reads a store URL (`--db`) and opens the backend it names.
// Today: "sqlite:PATH" (the embedded default). Next: "postgresql://…" (a libpq URI).
// The composition root (app/) is the only module that names a backend; everything else gets
// the Store interface.
// Thread safety: pure parsing; openStore() may be called from any thread.
// Ownership: the caller owns the opened store.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/store.h"

namespace keyward::app {

enum class Backend { kSqlite };

struct StoreUrl {
  Backend backend = Backend::kSqlite;
  std::string path;  // kSqlite: the database file
};

// INVALID_CONFIG (field "db") naming the accepted forms when `url` is none of them.
Result<StoreUrl> parseStoreUrl(std::string_view url);

// Opens (and migrates) the store; for SQLite, creates the file's directory first.
Result<std::unique_ptr<Store>> openStore(const StoreUrl& url);

// What the log says about the opened store, e.g. "sqlite ./data/keyward.db (WAL, synchronous=FULL)".
std::string describe(const StoreUrl& url);

}  // namespace keyward::app
