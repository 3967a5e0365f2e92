#include "app/store_url.h"

#include <filesystem>
#include <system_error>

#include "store/sqlite/sqlite_store.h"

namespace keyward::app {

Result<StoreUrl> parseStoreUrl(std::string_view url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite) && url.size() > kSqlite.size()) {
    return StoreUrl{Backend::kSqlite, std::string(url.substr(kSqlite.size()))};
  }
  return fail(ErrorKind::kInvalid, "INVALID_CONFIG", "must be sqlite:PATH, e.g. sqlite:./data/keyward.db", "db");
}

Result<std::unique_ptr<Store>> openStore(const StoreUrl& url) {
  switch (url.backend) {
    case Backend::kSqlite: {
      if (auto parent = std::filesystem::path(url.path).parent_path(); !parent.empty()) {
        std::error_code ec;  // a directory that cannot be made is reported by open() below
        std::filesystem::create_directories(parent, ec);
      }
      auto store = SqliteStore::open(url.path);
      if (!store) return std::unexpected(store.error());
      return std::unique_ptr<Store>(std::move(*store));
    }
  }
  return internalError("unknown store backend");
}

std::string describe(const StoreUrl& url) {
  switch (url.backend) {
    case Backend::kSqlite: return "sqlite " + url.path + " (WAL, synchronous=FULL)";
  }
  return "unknown";
}

}  // namespace keyward::app
