// key.h — key groups and API keys (every kind), with the state a key is in at a given instant.
// Thread safety: plain values. Ownership: every record owns its strings.
// One vocabulary everywhere (code, API, console, docs); see docs/architecture.md "Modules".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/ip.h"
#include "crypto/digest.h"
#include "model/page.h"
#include "model/permission.h"
#include "model/principal.h"

namespace keyward {

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
  std::string kind = "simple";          // "simple" | "advanced"
  std::string purpose = "third_party";  // "builtin_plugin" | "third_party" (Veeam), any kind
  // Advanced keys (Veeam "Advanced Key", ConnectWise API member keys): "shared_secret" for a
  // public identifier plus a private secret sent together as HTTP Basic; "" for simple keys.
  std::string credential_mode;
  std::string public_id;  // advanced keys: the non-secret public key id, shown in lists and audit
  // Key-pair mode: the client's public key (SPKI PEM) and its algorithm ("ed25519" |
  // "ecdsa-p256-sha256"); public_id is its RFC 7638 thumbprint, the `keyid` of its signatures,
  // and digest is verify::handleFor("keyid", public_id).
  std::string public_key_pem;
  std::string key_algorithm;
  std::string previous_public_key_pem;  // the pair a rotation replaced (verifies during the grace)
  crypto::Digest digest{};              // SHA-256 of the secret (an advanced key's private part); never the secret
  std::string start;                    // recognisable, non-secret first characters
  bool enabled = true;
  std::optional<UnixSeconds> revoked_at;
  UnixSeconds expires_at = kNever;
  std::vector<Cidr> ip_allowlist;  // empty: any address
  std::string metadata_json = "{}";
  std::vector<RoleAssignment> roles;
  std::optional<OwnerRef> owner;  // none: a standalone key is its own principal
  std::string created_by;         // id of the principal that created it (user, service user or key)
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

// Which keys a list returns.
struct KeyFilter {
  std::optional<std::string> group_id;
  std::optional<std::string> owner_id;
  // Level "mine": only keys created by or owned by this principal id.
  std::optional<std::string> mine_of;
  std::optional<KeyState> state;       // none: every state except revoked
  std::optional<std::string> kind;     // "simple" | "advanced"
  std::optional<std::string> purpose;  // "builtin_plugin" | "third_party"
  PageRequest page;
};

}  // namespace keyward
