// access_index.h — keeps the verify index's compiled keys in step with keys, their owners
// and role definitions, and compiles principals' permissions for management checks.
// Thread safety: safe from any thread. Writers (every service that changes a key, an owner
// or a role) hold writeLock() around "commit, then refresh the index", so the hot path
// sees changes in commit order and before the change's response is sent.
// Ownership: borrows the store and the index, which the composition root keeps alive.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "core/principal.h"
#include "core/roles.h"
#include "store/store.h"
#include "verify/key_index.h"

namespace keyward {

// The roles a tenant can assign: the built-in ones plus its custom roles.
class TenantRoles {
 public:
  explicit TenantRoles(std::vector<Role> custom) : custom_(std::move(custom)) {}
  const Role* find(std::string_view name) const;
  RoleLookup lookup() const {
    return [this](std::string_view n) { return find(n); };
  }
  const std::vector<Role>& custom() const { return custom_; }

 private:
  std::vector<Role> custom_;
};

// An owner's state as the verify path needs it.
struct OwnerState {
  OwnerRef ref;
  bool disabled = false;
  std::vector<RoleAssignment> roles;
};

// JSON text of role assignments: [{"role":"..."}, {"role":"...","resources":[...]}, ...].
std::string renderAssignments(const std::vector<RoleAssignment>& roles);
// JSON text of a permission set: [{"module","action","level","resources"|"all_resources"}].
std::string renderPermissions(const verify::PermissionSet& perms);

// A key's record fields for the hot path, without its access (roles/owner).
std::shared_ptr<verify::CompiledKey> compileRecord(const ApiKey& k);
// Puts the compiled key in the index under its digest and, after a rotation, under the
// replaced secret's digest too (flagged as the previous secret, with its own end).
void publishKey(verify::KeyIndex& index, const ApiKey& k, std::shared_ptr<verify::CompiledKey> c);

class AccessIndex {
 public:
  AccessIndex(Store& store, verify::KeyIndex& index) : store_(store), index_(index) {}

  std::unique_lock<std::mutex> writeLock() { return std::unique_lock(write_mu_); }

  Result<TenantRoles> rolesOf(std::string_view tenant_id);
  // The permissions that `roles` grant in `tenant_id`.
  Result<std::shared_ptr<const verify::PermissionSet>> permissionsOf(std::string_view tenant_id,
                                                                     const std::vector<RoleAssignment>& roles);
  Result<OwnerState> ownerOf(std::string_view tenant_id, const OwnerRef& ref);

  // What `roles` grant in `tenant_id`, once they are known to exist and be well scoped
  // (400 naming the field "roles" otherwise).
  Result<verify::PermissionSet> validatedGrants(std::string_view tenant_id, const std::vector<RoleAssignment>& roles);
  // Assignments that exist, are well scoped and grant nothing beyond what `actor` holds.
  Status checkAssignable(const Principal& actor, std::string_view tenant_id, const std::vector<RoleAssignment>& roles,
                         std::string_view what);

  // Recompiles keys from their stored records and current owners/roles into the index.
  // Cannot fail: what cannot be read right now fails closed (see the definition).
  void refreshKeys(const std::vector<ApiKey>& keys);
  Status refreshOwner(std::string_view tenant_id, std::string_view owner_id);
  // Every key holding the role, and every key of an owner holding it.
  Status refreshRole(std::string_view tenant_id, std::string_view role);

  // Start-up: every key of every tenant. Keys with the same roles and owner share one
  // compiled KeyAccess, so a million keys of a few owners cost a few compilations.
  Result<size_t> loadAll();

  // The hot path's view of one key.
  static std::shared_ptr<verify::CompiledKey> compile(const ApiKey& k, const TenantRoles& roles,
                                                      const OwnerState* owner);

 private:
  Store& store_;
  verify::KeyIndex& index_;
  std::mutex write_mu_;
};

}  // namespace keyward
