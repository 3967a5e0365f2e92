// permission.h — roles and their permission matrix: (module, action, level) lines, role assignments and the modules they name.
// Thread safety: plain values. Ownership: every record owns its strings.
// One vocabulary everywhere (code, API, console, docs); see docs/architecture.md "Modules".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace keyward {

enum class Action : std::uint8_t { kInquire = 0, kAdd = 1, kEdit = 2, kDelete = 3 };
inline constexpr size_t kActionCount = 4;
// Ordered: a higher level grants everything a lower one does.
enum class Level : std::uint8_t { kNone = 0, kMine = 1, kAll = 2 };

std::string_view toString(Action a);
std::string_view toString(Level l);
std::optional<Action> parseAction(std::string_view s);
std::optional<Level> parseLevel(std::string_view s);

// The module name that stands for every module (Portal Administrator, Global Viewer).
inline constexpr std::string_view kAnyModule = "*";

inline constexpr std::string_view kRolePortalAdministrator = "Portal Administrator";
inline constexpr std::string_view kRoleGlobalAdmin = "Global Admin";
inline constexpr std::string_view kRoleGlobalViewer = "Global Viewer";
inline constexpr std::string_view kRoleCloudAccountViewer = "Cloud Account Viewer";
inline constexpr std::string_view kRoleVerifier = "Verifier";

// One line of a role's permission matrix: (module, action, level).
struct Permission {
  std::string module;  // a built-in or tenant-registered module, or "*" (every module)
  Action action = Action::kInquire;
  Level level = Level::kNone;
};

// A role: a named permission matrix. A role with a scope module is given out per resource
// of that module (SecureCloud's "Cloud Account Viewer of accounts A and B, or of all").
struct Role {
  std::string id;         // "builtin-<name in kebab case>" for built-in roles
  std::string tenant_id;  // "" for built-in roles (they exist in every tenant)
  std::string name;       // unique per tenant, immutable: assignments refer to it
  std::string description;
  std::vector<Permission> permissions;
  std::optional<std::string> scope_module;
  bool builtin = false;
  std::string created_by;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;
};

// A role given to a user, service user or key; for a scoped role, on which resources.
struct RoleAssignment {
  std::string role;
  bool all_resources = false;
  std::vector<std::string> resources;
  bool operator==(const RoleAssignment&) const = default;
};

// Modules are data: the built-in ones plus those a tenant registers for its own platform.
struct Module {
  std::string tenant_id;  // "" for built-in modules
  std::string name;
  std::string description;
  bool builtin = false;
  UnixSeconds created_at = 0;
};

}  // namespace keyward
