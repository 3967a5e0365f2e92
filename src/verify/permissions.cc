#include "verify/permissions.h"

#include <algorithm>

namespace keyward::verify {

namespace {

Scope unionOf(const Scope& a, const Scope& b) {
  if (a.all || b.all) return Scope{};
  Scope out = a;
  out.ids.insert(b.ids.begin(), b.ids.end());
  return out;
}

Scope intersectionOf(const Scope& a, const Scope& b) {
  if (a.all) return b;
  if (b.all) return a;
  Scope out{false, {}};
  for (const auto& id : a.ids)
    if (b.ids.contains(id)) out.ids.insert(id);
  return out;
}

bool includes(const Scope& big, const Scope& small) {
  if (big.all) return true;
  if (small.all) return false;
  for (const auto& id : small.ids)
    if (!big.ids.contains(id)) return false;
  return true;
}

// A grant as two tiers: where level "all" applies, and where at least "mine" applies.
struct Tiers {
  Scope all{false, {}};
  Scope any{false, {}};
};

Tiers tiersOf(const Grant& g) {
  Tiers t;
  if (g.level == Level::kNone) return t;
  if (g.level == Level::kAll) t.all = g.scope();
  t.any = g.mine_elsewhere ? unionOf(g.scope(), *g.mine_elsewhere) : g.scope();
  return t;
}

Grant fromTiers(const Tiers& t) {
  Grant g;
  if (!t.all.empty()) {
    g.level = Level::kAll;
    g.all_resources = t.all.all;
    g.resources = t.all.ids;
    if (!t.all.all && !includes(t.all, t.any)) g.mine_elsewhere = t.any;
  } else if (!t.any.empty()) {
    g.level = Level::kMine;
    g.all_resources = t.any.all;
    g.resources = t.any.ids;
  }
  return g;
}

}  // namespace

Level Grant::levelFor(std::optional<std::string_view> resource) const {
  if (level == Level::kNone) return Level::kNone;
  if (!resource || all_resources || resources.contains(*resource)) return level;
  if (mine_elsewhere && mine_elsewhere->contains(*resource)) return Level::kMine;
  return Level::kNone;
}

bool Grant::covers(const Grant& other) const {
  const Tiers mine = tiersOf(*this), theirs = tiersOf(other);
  return includes(mine.all, theirs.all) && includes(mine.any, theirs.any);
}

void Grant::unite(const Grant& other) {
  if (other.level == Level::kNone) return;
  const Tiers a = tiersOf(*this), b = tiersOf(other);
  *this = fromTiers(Tiers{unionOf(a.all, b.all), unionOf(a.any, b.any)});
}

Grant Grant::intersect(const Grant& a, const Grant& b) {
  const Tiers x = tiersOf(a), y = tiersOf(b);
  return fromTiers(Tiers{intersectionOf(x.all, y.all), intersectionOf(x.any, y.any)});
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
      if (any.level == g.level && any.all_resources == g.all_resources && any.resources == g.resources &&
          any.mine_elsewhere == g.mine_elsewhere) {
        continue;
      }
      out.push_back({*name, Action(a), &g});
    }
  }
  return out;
}

}  // namespace keyward::verify
