// principal_service.h — users (people who sign in), service users (API members that own
// keys) and user groups (who receives which alerts).
// Thread safety: safe from any thread. Ownership: borrows store, clock, audit log and the
// access index, which the composition root keeps alive longer.
// A change to a principal's roles or disabled flag recompiles its keys in the verify index
// before the response is sent: disabling an owner stops all its keys at once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/access_index.h"
#include "core/audit_log.h"
#include "core/principal.h"
#include "store/store.h"

namespace keyward {

struct CreateUserInput {
  std::string email;
  std::string display_name;
  std::string password;
  std::vector<RoleAssignment> roles;
  bool disabled = false;
};

struct UpdateUserInput {
  std::optional<std::string> email;
  std::optional<std::string> display_name;
  std::optional<std::string> password;
  std::optional<std::vector<RoleAssignment>> roles;
  std::optional<bool> disabled;
};

struct CreateServiceUserInput {
  std::string name;
  std::string description;
  std::vector<RoleAssignment> roles;
  bool disabled = false;
};

struct UpdateServiceUserInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<RoleAssignment>> roles;
  std::optional<bool> disabled;
};

struct CreateUserGroupInput {
  std::string name;
  std::string description;
  std::vector<std::string> members;
  std::vector<std::string> subscriptions;
};

struct UpdateUserGroupInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> members;
  std::optional<std::vector<std::string>> subscriptions;
};

class PrincipalService {
 public:
  PrincipalService(Store& store, const Clock& clock, const AuditLog& audit, AccessIndex& access)
      : store_(store), clock_(clock), audit_(audit), access_(access) {}

  Result<User> createUser(const Actor& actor, std::string_view tenant_id, const CreateUserInput& in);
  Result<User> getUser(const Actor& actor, std::string_view tenant_id, std::string_view id);
  Result<Page<User>> listUsers(const Actor& actor, std::string_view tenant_id, const PageRequest& page);
  Result<User> updateUser(const Actor& actor, std::string_view tenant_id, std::string_view id,
                          const UpdateUserInput& in);
  Status removeUser(const Actor& actor, std::string_view tenant_id, std::string_view id);

  Result<ServiceUser> createServiceUser(const Actor& actor, std::string_view tenant_id,
                                        const CreateServiceUserInput& in);
  Result<ServiceUser> getServiceUser(const Actor& actor, std::string_view tenant_id, std::string_view id);
  Result<Page<ServiceUser>> listServiceUsers(const Actor& actor, std::string_view tenant_id, const PageRequest& page);
  Result<ServiceUser> updateServiceUser(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                        const UpdateServiceUserInput& in);
  Status removeServiceUser(const Actor& actor, std::string_view tenant_id, std::string_view id);

  Result<UserGroup> createUserGroup(const Actor& actor, std::string_view tenant_id, const CreateUserGroupInput& in);
  Result<UserGroup> getUserGroup(const Actor& actor, std::string_view tenant_id, std::string_view id);
  Result<Page<UserGroup>> listUserGroups(const Actor& actor, std::string_view tenant_id, const PageRequest& page);
  Result<UserGroup> updateUserGroup(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                    const UpdateUserGroupInput& in);
  Status removeUserGroup(const Actor& actor, std::string_view tenant_id, std::string_view id);

 private:
  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
  AccessIndex& access_;
};

}  // namespace keyward
