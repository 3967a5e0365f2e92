// group_service.h — key groups: named folders of keys with a description (Ivanti's
// "REST API Key Group").
// Thread safety: safe from any thread. Ownership: borrows store, clock and audit log.
#pragma once

#include <optional>
#include <string>

#include "core/audit_log.h"
#include "core/principal.h"
#include "store/store.h"

namespace keyward {

struct CreateGroupInput {
  std::string name;
  std::string description;
};

struct UpdateGroupInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
};

class GroupService {
 public:
  GroupService(Store& store, const Clock& clock, const AuditLog& audit) : store_(store), clock_(clock), audit_(audit) {}

  Result<KeyGroup> create(const Actor& actor, std::string_view tenant_id, const CreateGroupInput& in);
  Result<KeyGroup> get(const Actor& actor, std::string_view tenant_id, std::string_view id);
  Result<Page<KeyGroup>> list(const Actor& actor, std::string_view tenant_id, const PageRequest& page);
  Result<KeyGroup> update(const Actor& actor, std::string_view tenant_id, std::string_view id,
                          const UpdateGroupInput& in);
  Status remove(const Actor& actor, std::string_view tenant_id, std::string_view id);

 private:
  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
};

}  // namespace keyward
