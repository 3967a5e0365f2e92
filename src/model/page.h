// page.h — a page of a list and the request for it (cursor pagination by store-assigned seq).
// Thread safety: plain values. Ownership: every record owns its strings.
// One vocabulary everywhere (code, API, console, docs); see docs/architecture.md "Modules".
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace keyward {

struct PageRequest {
  int limit = 50;          // 1..500
  std::int64_t after = 0;  // seq of the last item of the previous page
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::int64_t> next;  // cursor for the next page, if any
};

}  // namespace keyward
