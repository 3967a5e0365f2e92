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

// A key's kind: one secret (simple), a public id with a private part or a key pair
// (advanced), or a signed JWT (jwt). API and store spell them "simple" | "advanced" | "jwt".
enum class KeyKind { kSimple, kAdvanced, kJwt };
// Veeam's "built-in plugin" or "third-party application" key: "builtin_plugin" | "third_party".
enum class KeyPurpose { kBuiltinPlugin, kThirdParty };
// How an advanced key proves itself: none for simple and JWT keys (""), a public id plus a
// private secret sent together as HTTP Basic ("shared_secret"), or requests signed with the
// client's key pair ("key_pair").
enum class CredentialMode { kNone, kSharedSecret, kKeyPair };
std::string_view toString(KeyKind k);
std::string_view toString(KeyPurpose p);
std::string_view toString(CredentialMode m);  // "" for kNone
std::optional<KeyKind> parseKeyKind(std::string_view s);
std::optional<KeyPurpose> parseKeyPurpose(std::string_view s);
std::optional<CredentialMode> parseCredentialMode(std::string_view s);  // "" is kNone

enum class KeyState { kActive, kDisabled, kExpired, kRevoked };
std::string_view toString(KeyState s);
std::optional<KeyState> parseKeyState(std::string_view s);

struct ApiKey {
  std::string id;
  std::string tenant_id;
  std::string name;  // unique per tenant, immutable
  std::string description;
  std::optional<std::string> group_id;
  KeyKind kind = KeyKind::kSimple;
  KeyPurpose purpose = KeyPurpose::kThirdParty;  // Veeam's distinction, for any kind
  // Advanced keys (Veeam "Advanced Key", ConnectWise API member keys): "shared_secret" for a
  // public identifier plus a private secret sent together as HTTP Basic; "" for simple keys.
  CredentialMode credential_mode = CredentialMode::kNone;
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
  std::optional<KeyState> state;  // none: every state except revoked
  std::optional<KeyKind> kind;
  std::optional<KeyPurpose> purpose;
  PageRequest page;
};

}  // namespace keyward
