// principal.h — who holds roles and keys: users (people who sign in), service users (API members) and user groups, and the reference from a key to its owner.
// Thread safety: plain values. Ownership: every record owns its strings.
// One vocabulary everywhere (code, API, console, docs); see docs/architecture.md "Modules".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "model/permission.h"

namespace keyward {

enum class PrincipalKind { kKey, kUser, kServiceUser };
std::string_view toString(PrincipalKind k);

// Who a key acts on behalf of (Ivanti "on behalf of", BloxOne service users).
struct OwnerRef {
  PrincipalKind kind = PrincipalKind::kServiceUser;  // kUser or kServiceUser
  std::string id;
  bool operator==(const OwnerRef&) const = default;
};

// A person who signs in to the console.
struct User {
  std::string id;
  std::string tenant_id;
  std::string email;  // stored lower case; unique per tenant
  std::string display_name;
  std::string password_hash;  // Argon2id encoded string; never rendered
  std::vector<RoleAssignment> roles;
  bool disabled = false;
  std::string created_by;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;
};

// A non-human principal that owns keys (API member, BloxOne service user).
struct ServiceUser {
  std::string id;
  std::string tenant_id;
  std::string name;  // unique per tenant
  std::string description;
  std::vector<RoleAssignment> roles;
  bool disabled = false;
  std::string created_by;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;
};

// Users who receive alerts of the kinds they subscribe to (e.g. "account_alerts").
struct UserGroup {
  std::string id;
  std::string tenant_id;
  std::string name;  // unique per tenant
  std::string description;
  std::vector<std::string> members;        // user ids of the same tenant
  std::vector<std::string> subscriptions;  // alert kinds
  std::string created_by;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;
};

}  // namespace keyward
