#include "verify/key_text.h"

#include <mutex>
#include <ostream>
#include <unordered_set>

namespace keyward::verify {
namespace {

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The intern table. Node-based, so an element's address never changes; leaked on purpose
// (like the strings it holds) so keys destroyed during static destruction stay valid.
struct InternTable {
  std::mutex mu;
  std::unordered_set<std::string, TextHash, std::equal_to<>> texts;
};

InternTable& table() {
  static InternTable* const t = new InternTable;
  return *t;
}

}  // namespace

const std::string* SharedText::empty_string() noexcept {
  static const std::string* const e = new std::string;
  return e;
}

const std::string* SharedText::intern(std::string_view s) {
  if (s.empty()) return empty_string();
  InternTable& t = table();
  std::lock_guard lock(t.mu);
  auto it = t.texts.find(s);
  if (it == t.texts.end()) it = t.texts.emplace(s).first;
  return &*it;
}

std::ostream& operator<<(std::ostream& os, const SmallText& t) { return os << t.view(); }
std::ostream& operator<<(std::ostream& os, const CompactText& t) { return os << t.view(); }
std::ostream& operator<<(std::ostream& os, const SharedText& t) { return os << t.view(); }

}  // namespace keyward::verify
