// permissions.h — the compiled form of roles: which (module, action) a principal may perform,
// at which level, on which resources. Built once when a role, principal or key changes and
// read on every verification, so a check is one hash lookup plus, for a resource-scoped
// grant, one hash-set probe: constant time per permission.
// Thread safety: a PermissionSet is immutable once built (shared between threads through
// shared_ptr<const PermissionSet>); building one is single-threaded.
// Ownership: values; a set owns its module names and resource ids.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/permission.h"

namespace keyward::verify {

// Action, Level and the module wildcard are the model's (model/permission.h); the compiled
// form below is the verifier's.
using keyward::Action;
using keyward::kActionCount;
using keyward::kAnyModule;
using keyward::Level;
using keyward::parseAction;
using keyward::parseLevel;
using keyward::toString;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// A set of resource ids, or every resource.
struct Scope {
  bool all = true;
  std::unordered_set<std::string, StringHash, std::equal_to<>> ids;
  bool contains(std::string_view id) const { return all || ids.find(id) != ids.end(); }
  bool empty() const { return !all && ids.empty(); }
  bool operator==(const Scope&) const = default;
};

// One (module, action) entry: `level` on the resources in (`all_resources`, `resources`),
// and, when that level is "all" on only some resources, possibly "mine" on a wider scope
// (`mine_elsewhere`): roles "mine on every ticket" + "all on ticket T-1" must not add up
// to "all on every ticket".
struct Grant {
  Level level = Level::kNone;
  bool all_resources = true;  // false: only the ids in `resources`
  std::unordered_set<std::string, StringHash, std::equal_to<>> resources;
  std::optional<Scope> mine_elsewhere = std::nullopt;  // only with level kAll and a limited scope

  // Whether this grant allows acting on `resource` at some level (any resource when none
  // is named: the caller learns level and scope from the effective permissions and filters).
  bool allows(std::optional<std::string_view> resource) const { return levelFor(resource) != Level::kNone; }
  // The level that applies to `resource` (to no resource in particular: the highest).
  Level levelFor(std::optional<std::string_view> resource) const;
  // Everything `other` allows, this allows too, at the same level or higher.
  bool covers(const Grant& other) const;
  void unite(const Grant& other);
  static Grant intersect(const Grant& a, const Grant& b);

  Scope scope() const { return Scope{all_resources, resources}; }
};

// An entry of a set, flattened for display and for the escalation check's messages.
struct GrantView {
  std::string module;  // "*" for every module
  Action action;
  const Grant* grant;
};

class PermissionSet {
 public:
  // Adds a grant (union with what is there). `resources` empty with all_resources=false
  // grants nothing.
  void add(std::string_view module, Action action, const Grant& g);

  // Must be called once after the last add(): folds the "*" grants into every named
  // module so a lookup never has to consult two entries.
  void seal();

  // The grant for (module, action), falling back to the "*" entry; nullptr when none.
  const Grant* find(std::string_view module, Action action) const;
  bool allows(std::string_view module, Action action, std::optional<std::string_view> resource) const {
    const Grant* g = find(module, action);
    return g && g->level != Level::kNone && g->allows(resource);
  }
  Level level(std::string_view module, Action action) const {
    const Grant* g = find(module, action);
    return g ? g->level : Level::kNone;
  }

  bool empty() const;
  // Every grant of `other` is covered here (used to refuse privilege escalation). On
  // failure, names the first (module, action) that is not covered.
  bool covers(const PermissionSet& other, std::string* first_missing = nullptr) const;

  // The grants both sets hold (a key's roles ∩ its owner's current permissions).
  static PermissionSet intersect(const PermissionSet& a, const PermissionSet& b);

  // Every non-empty entry, "*" first, then modules in name order.
  std::vector<GrantView> entries() const;

 private:
  using ByAction = std::array<Grant, kActionCount>;
  std::unordered_map<std::string, ByAction, StringHash, std::equal_to<>> modules_;
  ByAction any_;
};

}  // namespace keyward::verify
