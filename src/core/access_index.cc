#include "core/access_index.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "common/json_text.h"
#include "core/access.h"
#include "sign/asymmetric_key.h"

namespace keyward {
namespace {

std::shared_ptr<const verify::KeyAccess> makeAccess(const ApiKey& k, const TenantRoles& roles,
                                                    const OwnerState* owner) {
  if (k.roles.empty() && !k.owner) return nullptr;
  auto a = std::make_shared<verify::KeyAccess>();
  auto lookup = roles.lookup();
  auto perms = compileAssignments(k.roles, lookup);
  if (k.owner) {
    a->owner_kind = k.owner->kind;
    a->owner_id = k.owner->id;
    // An owner that cannot be found (a damaged row) fails closed: disabled, no permissions.
    a->owner_disabled = !owner || owner->disabled;
    perms = owner ? verify::PermissionSet::intersect(perms, compileAssignments(owner->roles, lookup))
                  : verify::PermissionSet{};
  }
  a->roles_json = renderAssignments(k.roles);
  a->permissions_json = renderPermissions(perms);
  a->permissions = std::make_shared<const verify::PermissionSet>(std::move(perms));
  return a;
}

std::string sharingKey(const ApiKey& k) {
  std::string s = k.tenant_id + '\n' + (k.owner ? k.owner->id : std::string()) + '\n';
  s += renderAssignments(k.roles);
  return s;
}

}  // namespace

const Role* TenantRoles::find(std::string_view name) const {
  if (const Role* r = findBuiltinRole(name)) return r;
  for (const auto& r : custom_)
    if (r.name == name) return &r;
  return nullptr;
}

std::string renderAssignments(const std::vector<RoleAssignment>& roles) {
  std::string out = "[";
  for (size_t i = 0; i < roles.size(); ++i) {
    if (i) out += ',';
    out += "{\"role\":";
    appendJsonString(out, roles[i].role);
    if (roles[i].all_resources) {
      out += ",\"all_resources\":true";
    } else if (!roles[i].resources.empty()) {
      out += ",\"resources\":[";
      for (size_t j = 0; j < roles[i].resources.size(); ++j) {
        if (j) out += ',';
        appendJsonString(out, roles[i].resources[j]);
      }
      out += ']';
    }
    out += '}';
  }
  return out + "]";
}

namespace {

void appendScope(std::string& out, bool all,
                 const std::unordered_set<std::string, verify::StringHash, std::equal_to<>>& ids) {
  if (all) {
    out += ",\"all_resources\":true";
    return;
  }
  std::vector<std::string_view> sorted(ids.begin(), ids.end());
  std::sort(sorted.begin(), sorted.end());
  out += ",\"resources\":[";
  for (size_t j = 0; j < sorted.size(); ++j) {
    if (j) out += ',';
    appendJsonString(out, sorted[j]);
  }
  out += ']';
}

void appendEntry(std::string& out, std::string_view module, verify::Action action, verify::Level level, bool all,
                 const std::unordered_set<std::string, verify::StringHash, std::equal_to<>>& ids) {
  if (out.size() > 1) out += ',';
  out += "{\"module\":";
  appendJsonString(out, module);
  out += ",\"action\":\"";
  out += verify::toString(action);
  out += "\",\"level\":\"";
  out += verify::toString(level);
  out += '"';
  appendScope(out, all, ids);
  out += '}';
}

}  // namespace

std::string renderPermissions(const verify::PermissionSet& perms) {
  std::string out = "[";
  for (const auto& e : perms.entries()) {
    appendEntry(out, e.module, e.action, e.grant->level, e.grant->all_resources, e.grant->resources);
    // "all" on some resources and "mine" on more: two entries, one per level.
    if (const auto& wider = e.grant->mine_elsewhere) {
      appendEntry(out, e.module, e.action, verify::Level::kMine, wider->all, wider->ids);
    }
  }
  return out + "]";
}

Result<TenantRoles> AccessIndex::rolesOf(std::string_view tenant_id) {
  auto custom = store_.listRoles(tenant_id);
  if (!custom) return std::unexpected(custom.error());
  return TenantRoles(std::move(*custom));
}

Result<std::shared_ptr<const verify::PermissionSet>>
AccessIndex::permissionsOf(std::string_view tenant_id, const std::vector<RoleAssignment>& roles) {
  auto defs = rolesOf(tenant_id);
  if (!defs) return std::unexpected(defs.error());
  return std::make_shared<const verify::PermissionSet>(compileAssignments(roles, defs->lookup()));
}

Result<OwnerState> AccessIndex::ownerOf(std::string_view tenant_id, const OwnerRef& ref) {
  OwnerState s{ref, false, {}};
  if (ref.kind == PrincipalKind::kUser) {
    auto u = store_.getUser(tenant_id, ref.id);
    if (!u) return std::unexpected(u.error());
    s.disabled = u->disabled;
    s.roles = std::move(u->roles);
  } else {
    auto su = store_.getServiceUser(tenant_id, ref.id);
    if (!su) return std::unexpected(su.error());
    s.disabled = su->disabled;
    s.roles = std::move(su->roles);
  }
  return s;
}

Result<verify::PermissionSet> AccessIndex::validatedGrants(std::string_view tenant_id,
                                                           const std::vector<RoleAssignment>& roles) {
  // No roles to look up (most key creations): no store read of the tenant's roles.
  if (roles.empty()) return verify::PermissionSet{};
  auto defs = rolesOf(tenant_id);
  if (!defs) return std::unexpected(defs.error());
  if (auto st = validateAssignments(roles, defs->lookup(), "roles"); !st) return std::unexpected(st.error());
  return compileAssignments(roles, defs->lookup());
}

Status AccessIndex::checkAssignable(const Principal& actor, std::string_view tenant_id,
                                    const std::vector<RoleAssignment>& roles, std::string_view what) {
  auto granted = validatedGrants(tenant_id, roles);
  if (!granted) return std::unexpected(granted.error());
  return checkNoEscalation(actor, *granted, what);
}

std::shared_ptr<verify::CompiledKey> AccessIndex::compile(const ApiKey& k, const TenantRoles& roles,
                                                          const OwnerState* owner) {
  auto c = compileRecord(k);
  c->access = makeAccess(k, roles, owner);
  return c;
}

namespace {

// A stored key-pair public key, for the signature check. It was validated when it was
// saved; a row that no longer parses yields null, and its signatures fail (fail closed).
std::shared_ptr<const sign::AsymmetricKey> parsePublicKey(const std::string& pem) {
  if (pem.empty()) return nullptr;
  auto key = sign::AsymmetricKey::fromPublicPem(pem);
  if (!key) return nullptr;
  return std::make_shared<const sign::AsymmetricKey>(std::move(*key));
}

}  // namespace

std::shared_ptr<verify::CompiledKey> compileRecord(const ApiKey& k) {
  auto c = std::make_shared<verify::CompiledKey>();
  c->id = k.id;
  c->tenant_id = k.tenant_id;
  c->name = k.name;
  c->group_id = k.group_id.value_or("");
  c->expires_at = k.expires_at;
  c->not_before = k.not_before.value_or(0);
  c->enabled = k.enabled;
  c->revoked = k.revoked_at.has_value();
  c->ip_allowlist = k.ip_allowlist;
  c->metadata_json = k.metadata_json;
  if (k.credential_mode == CredentialMode::kSharedSecret) {
    c->credential = std::make_shared<const verify::KeyCredential>(verify::KeyCredential{k.public_id, nullptr});
  } else if (k.credential_mode == CredentialMode::kKeyPair) {
    c->credential = std::make_shared<const verify::KeyCredential>(verify::KeyCredential{
        k.public_id, parsePublicKey(k.public_key_pem)});
  }
  c->last_used.store(k.last_used_at.value_or(0), std::memory_order_relaxed);
  return c;
}

namespace {

// The index entries of one key: under its digest and, after a rotation, under the replaced
// secret's digest too (flagged as the previous secret, with its own end).
void compiledEntries(const ApiKey& k, std::shared_ptr<verify::CompiledKey> c,
                     std::vector<verify::KeyIndex::Entry>& out) {
  if (k.previous_digest) {
    // The replaced secret answers for the same key; CompiledKey holds atomics, so the copy
    // is field by field.
    auto prev = std::make_shared<verify::CompiledKey>();
    prev->expires_at = c->expires_at;
    prev->not_before = c->not_before;
    prev->enabled = c->enabled;
    prev->revoked = c->revoked;
    prev->previous_secret = true;
    prev->secret_expires_at = k.previous_expires_at;
    prev->last_used.store(c->last_used.load(std::memory_order_relaxed), std::memory_order_relaxed);
    prev->tenant_id = c->tenant_id;
    prev->ip_allowlist = c->ip_allowlist;
    prev->access = c->access;
    prev->id = c->id;
    prev->name = c->name;
    prev->group_id = c->group_id;
    prev->metadata_json = c->metadata_json;
    prev->credential = c->credential;
    if (k.credential_mode == CredentialMode::kKeyPair) {
      // The replaced pair's own public key (its keyid is the previous handle's name).
      prev->credential = std::make_shared<const verify::KeyCredential>(verify::KeyCredential{
          "", parsePublicKey(k.previous_public_key_pem)});
    }
    out.push_back({*k.previous_digest, std::move(prev)});
  }
  out.push_back({k.digest, std::move(c)});
}

}  // namespace

void publishKey(verify::KeyIndex& index, const ApiKey& k, std::shared_ptr<verify::CompiledKey> c) {
  std::vector<verify::KeyIndex::Entry> entries;
  compiledEntries(k, std::move(c), entries);
  for (auto& e : entries) index.upsert(e.digest, std::move(e.key));
}

void AccessIndex::refreshKeys(const std::vector<ApiKey>& keys) {
  // Never fails once the change is committed: the record itself (revoked, disabled, expiry)
  // always reaches the index, and if the roles or the owner cannot be read right now the
  // key's access fails closed (custom roles grant nothing, an unreadable owner counts as
  // disabled) instead of keeping stale, possibly wider, permissions.
  std::map<std::string, TenantRoles, std::less<>> roles_by_tenant;
  const TenantRoles none({});
  for (const auto& k : keys) {
    if (k.roles.empty() && !k.owner) {  // nothing to compile: no store reads (key creation path)
      publishKey(index_, k, compile(k, none, nullptr));
      continue;
    }
    auto it = roles_by_tenant.find(k.tenant_id);
    if (it == roles_by_tenant.end()) {
      auto r = rolesOf(k.tenant_id);
      it = roles_by_tenant.emplace(k.tenant_id, r ? std::move(*r) : TenantRoles({})).first;
    }
    std::optional<OwnerState> owner;
    if (k.owner) {
      if (auto o = ownerOf(k.tenant_id, *k.owner)) owner = std::move(*o);
    }
    publishKey(index_, k, compile(k, it->second, owner ? &*owner : nullptr));
  }
}

Status AccessIndex::refreshOwner(std::string_view tenant_id, std::string_view owner_id) {
  auto keys = store_.keysOfOwner(tenant_id, owner_id);
  if (!keys) return std::unexpected(keys.error());
  refreshKeys(*keys);
  return {};
}

Status AccessIndex::refreshRole(std::string_view tenant_id, std::string_view role) {
  auto keys = store_.keysWithRole(tenant_id, role);
  if (!keys) return std::unexpected(keys.error());
  refreshKeys(*keys);
  // Every principal of the tenant that holds the role: its keys' owner permissions changed.
  auto refreshHolders = [&](auto list) -> Status {
    PageRequest page{500, 0};
    for (;;) {
      auto principals = list(page);
      if (!principals) return std::unexpected(principals.error());
      for (const auto& p : principals->items) {
        const bool holds = std::any_of(p.roles.begin(), p.roles.end(),
                                       [&](const RoleAssignment& a) { return a.role == role; });
        if (holds)
          if (auto st = refreshOwner(tenant_id, p.id); !st) return st;
      }
      if (!principals->next) return {};
      page.after = *principals->next;
    }
  };
  if (auto st = refreshHolders([&](const PageRequest& p) { return store_.listUsers(tenant_id, p); }); !st) return st;
  return refreshHolders([&](const PageRequest& p) { return store_.listServiceUsers(tenant_id, p); });
}

Result<size_t> AccessIndex::loadAll() {
  std::unordered_map<std::string, std::vector<Role>> custom;
  if (auto st = store_.forEachRole([&](Role&& r) { custom[r.tenant_id].push_back(std::move(r)); }); !st) {
    return std::unexpected(st.error());
  }
  std::unordered_map<std::string, TenantRoles> roles;
  std::unordered_map<std::string, OwnerState> owners;  // by owner id (ids are globally unique)
  if (auto st = store_.forEachUser([&](User&& u) {
        owners.emplace(u.id, OwnerState{OwnerRef{PrincipalKind::kUser, u.id}, u.disabled, std::move(u.roles)});
      });
      !st) {
    return std::unexpected(st.error());
  }
  if (auto st = store_.forEachServiceUser([&](ServiceUser&& s) {
        owners.emplace(s.id, OwnerState{OwnerRef{PrincipalKind::kServiceUser, s.id}, s.disabled, std::move(s.roles)});
      });
      !st) {
    return std::unexpected(st.error());
  }
  std::unordered_map<std::string, std::shared_ptr<const verify::KeyAccess>> shared;
  size_t n = 0;
  const TenantRoles no_custom({});
  // Collected first and inserted at once: the index sizes its tables for all of them and
  // takes each shard lock once, instead of growing tables and locking per key.
  std::vector<verify::KeyIndex::Entry> entries;
  auto st = store_.forEachKey([&](ApiKey&& k) {
    ++n;
    if (k.roles.empty() && !k.owner) {
      compiledEntries(k, compile(k, no_custom, nullptr), entries);
      return;
    }
    auto c = compileRecord(k);
    auto [sit, inserted] = shared.try_emplace(sharingKey(k));
    if (inserted) {
      auto rit = roles.find(k.tenant_id);
      if (rit == roles.end()) rit = roles.emplace(k.tenant_id, TenantRoles(custom[k.tenant_id])).first;
      const OwnerState* owner = nullptr;
      if (k.owner) {
        auto oit = owners.find(k.owner->id);
        if (oit != owners.end() && oit->second.ref.kind == k.owner->kind) owner = &oit->second;
      }
      sit->second = makeAccess(k, rit->second, owner);
    }
    c->access = sit->second;
    compiledEntries(k, std::move(c), entries);
  });
  if (!st) return std::unexpected(st.error());
  index_.upsertAll(std::move(entries));
  return n;
}

}  // namespace keyward
