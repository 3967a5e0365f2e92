// migrations.h — the SQLite schema as an ordered list of versioned migrations.
// Thread safety: returns a reference to constant data. Ownership: static storage.
// Never edit a released migration; append a new one.
#pragma once

#include <string>
#include <vector>

namespace keyward {

const std::vector<std::string>& sqliteMigrations();

}  // namespace keyward
