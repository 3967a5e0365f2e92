// model.h — the domain records: tenants, key groups, API keys, audit events, principals.
// Thread safety: plain values. Ownership: every record owns its strings.
// One vocabulary everywhere (code, API, console, docs); see ../shared/DESIGN.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/ip.h"
#include "crypto/digest.h"
#include "verify/permissions.h"

namespace keyward {

inline constexpr std::string_view kSystemTenantId = "system";
inline constexpr std::string_view kRolePortalAdministrator = "Portal Administrator";
inline constexpr std::string_view kRoleGlobalAdmin = "Global Admin";
inline constexpr std::string_view kRoleGlobalViewer = "Global Viewer";
inline constexpr std::string_view kRoleCloudAccountViewer = "Cloud Account Viewer";
inline constexpr std::string_view kRoleVerifier = "Verifier";

using verify::Action;
using verify::Level;

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

struct TenantSettings {
  std::string key_prefix = "kw";
  int default_expiry_days = 182;  // about six months (SecureCloud's default)
  std::optional<int> max_expiry_days;  // policy: no key may live longer; none = unlimited
  int expiry_alert_days = 14;          // BloxOne: daily alerts from 14 days before expiry
  int max_keys_per_service_user = 10;  // BloxOne: up to 10 keys per service user
  bool allow_never_expiring = true;    // Ivanti keys may never expire; a tenant may forbid it
};

struct Tenant {
  std::string id;
  std::string name;
  TenantSettings settings;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;  // store-assigned creation order, the pagination cursor
};

struct KeyGroup {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string description;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::int64_t seq = 0;
  std::string created_by = {};  // for level "mine"; "" for groups made before it was kept
};

enum class KeyState { kActive, kDisabled, kExpired, kRevoked };
std::string_view toString(KeyState s);
std::optional<KeyState> parseKeyState(std::string_view s);

struct ApiKey {
  std::string id;
  std::string tenant_id;
  std::string name;  // unique per tenant, immutable
  std::string description;
  std::optional<std::string> group_id;
  std::string kind = "simple";  // "simple" | "advanced"
  std::string purpose = "third_party";  // "builtin_plugin" | "third_party" (Veeam), any kind
  // Advanced keys (Veeam "Advanced Key", ConnectWise API member keys): "shared_secret" for a
  // public identifier plus a private secret sent together as HTTP Basic; "" for simple keys.
  std::string credential_mode;
  std::string public_id;    // advanced keys: the non-secret public key id, shown in lists and audit
  // Key-pair mode: the client's public key (SPKI PEM) and its algorithm ("ed25519" |
  // "ecdsa-p256-sha256"); public_id is its RFC 7638 thumbprint, the `keyid` of its signatures,
  // and digest is verify::handleFor("keyid", public_id).
  std::string public_key_pem;
  std::string key_algorithm;
  std::string previous_public_key_pem;  // the pair a rotation replaced (verifies during the grace)
  crypto::Digest digest{};  // SHA-256 of the secret (an advanced key's private part); never the secret
  std::string start;        // recognisable, non-secret first characters
  bool enabled = true;
  std::optional<UnixSeconds> revoked_at;
  UnixSeconds expires_at = kNever;
  std::vector<Cidr> ip_allowlist;  // empty: any address
  std::string metadata_json = "{}";
  std::vector<RoleAssignment> roles;
  std::optional<OwnerRef> owner;  // none: a standalone key is its own principal
  std::string created_by;  // id of the principal that created it (user, service user or key)
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::optional<UnixSeconds> last_used_at;
  std::int64_t seq = 0;
  std::optional<UnixSeconds> not_before;  // the key verifies from this instant on; none: at once
  // Rotation: the secret the last rotation replaced. It keeps verifying (as "rotating") until
  // previous_expires_at, and afterwards answers ROTATED to trusted callers. Only the last
  // replaced secret is kept: rotating again during the overlap ends the older one at once.
  std::optional<crypto::Digest> previous_digest;
  std::string previous_start;
  UnixSeconds previous_expires_at = 0;
  std::optional<UnixSeconds> rotated_at;

  // Whether the replaced secret still verifies at `now`.
  bool rotatingAt(UnixSeconds now) const {
    return previous_digest && now < previous_expires_at && stateAt(now) != KeyState::kRevoked;
  }

  // Revoked is final; expiry wins over the enabled flag (an expired key stays expired).
  KeyState stateAt(UnixSeconds now) const {
    if (revoked_at) return KeyState::kRevoked;
    if (expires_at <= now) return KeyState::kExpired;
    return enabled ? KeyState::kActive : KeyState::kDisabled;
  }
};

struct AuditEvent {
  std::int64_t seq = 0;  // store-assigned, increasing
  std::string id;
  std::string tenant_id;
  std::string actor;      // key id of the credential used, or "bootstrap"/"system"
  std::string action;     // e.g. "key.create"
  std::string target;     // object id
  std::string client_ip;
  std::string outcome;    // "success" | "denied" | "failure"
  std::string detail_json = "{}";  // never holds a secret
  UnixSeconds at = 0;
  crypto::Digest prev_hash{};  // store-assigned: the tenant's previous event's hash
  crypto::Digest hash{};       // store-assigned: see store/audit_chain.h
};

// Failed verifications are counted, not logged per request.
struct VerifyFailureCount {
  std::string tenant_id;  // "" when the key was not found
  std::string key_id;     // "" when the key was not found
  std::string reason;     // e.g. "DISABLED"
  std::int64_t count = 0;
  UnixSeconds last_at = 0;
};

// Who is calling: derived from a verified credential (a key or a console session), never
// from what the client claims.
struct Principal {
  std::string key_id;      // the key used; "" for a console session
  PrincipalKind kind = PrincipalKind::kKey;
  std::string subject_id;  // whose permissions apply: the key's owner, the signed-in user, or the key
  std::string tenant_id;
  std::shared_ptr<const verify::PermissionSet> permissions;  // never null once authenticated
  // The id written as actor in audit events and as created_by: the key, or the user.
  const std::string& actorId() const { return key_id.empty() ? subject_id : key_id; }
};

// The principal plus where the request came from: what every service call needs to
// authorize and to write its audit event.
struct Actor {
  Principal principal;
  std::string client_ip;
};

// What "mine" means for an object: created by, or owned by, the calling principal.
struct Ownership {
  std::string id;  // the object's id (for resource-scoped grants)
  std::string created_by;
  std::string owner_id;  // "" when the object has no owner
};

struct PageRequest {
  int limit = 50;            // 1..500
  std::int64_t after = 0;    // seq of the last item of the previous page
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::int64_t> next;  // cursor for the next page, if any
};

}  // namespace keyward
