#include "verify/permissions.h"

#include <algorithm>

namespace keyward::verify {

std::string_view toString(Action a) {
  switch (a) {
    case Action::kInquire: return "inquire";
    case Action::kAdd: return "add";
    case Action::kEdit: return "edit";
    case Action::kDelete: return "delete";
  }
  return "inquire";
}

std::string_view toString(Level l) {
  switch (l) {
    case Level::kNone: return "none";
    case Level::kMine: return "mine";
    case Level::kAll: return "all";
  }
  return "none";
}

std::optional<Action> parseAction(std::string_view s) {
  for (Action a : {Action::kInquire, Action::kAdd, Action::kEdit, Action::kDelete})
    if (toString(a) == s) return a;
  return std::nullopt;
}

std::optional<Level> parseLevel(std::string_view s) {
  for (Level l : {Level::kNone, Level::kMine, Level::kAll})
    if (toString(l) == s) return l;
  return std::nullopt;
}

bool Grant::allows(std::optional<std::string_view> resource) const {
  if (level == Level::kNone) return false;
  if (all_resources || !resource) return true;
  return resources.find(*resource) != resources.end();
}

bool Grant::covers(const Grant& other) const {
  if (other.level == Level::kNone) return true;
  if (level < other.level) return false;
  if (all_resources) return true;
  if (other.all_resources) return false;
  for (const auto& r : other.resources)
    if (!resources.contains(r)) return false;
  return true;
}

void Grant::unite(const Grant& other) {
  if (other.level == Level::kNone) return;
  if (level == Level::kNone) {
    *this = other;
    return;
  }
  level = std::max(level, other.level);
  if (all_resources || other.all_resources) {
    all_resources = true;
    resources.clear();
  } else {
    resources.insert(other.resources.begin(), other.resources.end());
  }
}

Grant Grant::intersect(const Grant& a, const Grant& b) {
  Grant g;
  g.level = std::min(a.level, b.level);
  if (g.level == Level::kNone) return Grant{};
  if (a.all_resources && b.all_resources) return g;
  g.all_resources = false;
  if (a.all_resources) g.resources = b.resources;
  else if (b.all_resources) g.resources = a.resources;
  else
    for (const auto& r : a.resources)
      if (b.resources.contains(r)) g.resources.insert(r);
  if (g.resources.empty()) return Grant{};
  return g;
}

void PermissionSet::add(std::string_view module, Action action, const Grant& g) {
  if (g.level == Level::kNone || (!g.all_resources && g.resources.empty())) return;
  if (module == kAnyModule) {
    any_[size_t(action)].unite(g);
    return;
  }
  auto it = modules_.find(module);
  if (it == modules_.end()) it = modules_.emplace(std::string(module), ByAction{}).first;
  it->second[size_t(action)].unite(g);
}

void PermissionSet::seal() {
  for (auto& [_, by_action] : modules_)
    for (size_t a = 0; a < kActionCount; ++a) by_action[a].unite(any_[a]);
}

const Grant* PermissionSet::find(std::string_view module, Action action) const {
  auto it = modules_.find(module);
  const Grant& g = it != modules_.end() ? it->second[size_t(action)] : any_[size_t(action)];
  return g.level == Level::kNone ? nullptr : &g;
}

bool PermissionSet::empty() const {
  for (const auto& g : any_)
    if (g.level != Level::kNone) return false;
  for (const auto& [_, by_action] : modules_)
    for (const auto& g : by_action)
      if (g.level != Level::kNone) return false;
  return true;
}

bool PermissionSet::covers(const PermissionSet& other, std::string* first_missing) const {
  auto missing = [&](std::string_view module, size_t a) {
    if (first_missing) *first_missing = std::string(module) + ":" + std::string(toString(Action(a)));
    return false;
  };
  for (size_t a = 0; a < kActionCount; ++a)
    if (!any_[a].covers(other.any_[a])) return missing(kAnyModule, a);
  for (const auto& [module, by_action] : other.modules_) {
    for (size_t a = 0; a < kActionCount; ++a) {
      const Grant* mine = find(module, Action(a));
      if (by_action[a].level == Level::kNone) continue;
      if (!mine || !mine->covers(by_action[a])) return missing(module, a);
    }
  }
  return true;
}

PermissionSet PermissionSet::intersect(const PermissionSet& a, const PermissionSet& b) {
  PermissionSet out;
  for (size_t i = 0; i < kActionCount; ++i) out.any_[i] = Grant::intersect(a.any_[i], b.any_[i]);
  auto fold = [&](const PermissionSet& from) {
    for (const auto& [module, _] : from.modules_) {
      if (out.modules_.contains(module)) continue;
      ByAction by_action;
      for (size_t i = 0; i < kActionCount; ++i) {
        const Grant* ga = a.find(module, Action(i));
        const Grant* gb = b.find(module, Action(i));
        if (ga && gb) by_action[i] = Grant::intersect(*ga, *gb);
      }
      out.modules_.emplace(module, std::move(by_action));
    }
  };
  fold(a);
  fold(b);
  return out;  // already sealed: every named entry includes what "*" gives it
}

std::vector<GrantView> PermissionSet::entries() const {
  std::vector<GrantView> out;
  for (size_t a = 0; a < kActionCount; ++a)
    if (any_[a].level != Level::kNone) out.push_back({std::string(kAnyModule), Action(a), &any_[a]});
  std::vector<const std::string*> names;
  for (const auto& [module, _] : modules_) names.push_back(&module);
  std::sort(names.begin(), names.end(), [](auto* x, auto* y) { return *x < *y; });
  for (const auto* name : names) {
    const auto& by_action = modules_.at(*name);
    for (size_t a = 0; a < kActionCount; ++a) {
      const Grant& g = by_action[a];
      if (g.level == Level::kNone) continue;
      // A module entry equal to what "*" already grants adds nothing to show.
      const Grant& any = any_[a];
      if (any.level == g.level && any.all_resources == g.all_resources && any.resources == g.resources) continue;
      out.push_back({*name, Action(a), &g});
    }
  }
  return out;
}

}  // namespace keyward::verify
