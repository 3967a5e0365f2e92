// key_service.h — issuing, reading, editing and revoking API keys, and keeping the verify
// index in step with the store.
// Thread safety: safe from any thread. Ownership: borrows store, clock, audit log and index.
// Order of a write: validate -> commit (key + audit event, one transaction) -> update the
// in-memory index -> respond. So a revocation is in effect on this node before the
// response leaves, and a key is never acknowledged before it is durable.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/access_index.h"
#include "core/audit_log.h"
#include "core/jwt_service.h"
#include "core/principal.h"
#include "core/validation.h"
#include "store/store.h"
#include "verify/key_index.h"

namespace keyward {

// A key pair for credential mode "key_pair": the administrator's public key (PEM or JWK; the
// private key never leaves the client), or nothing, and keyward generates the pair and
// returns the private key once ("Generate a key for me").
struct KeyPairInput {
  std::optional<std::string> public_key;  // SPKI PEM text, or a JWK as JSON text
  std::string algorithm = "ed25519";      // when generating: "ed25519" | "ecdsa-p256-sha256"
};

struct CreateKeyInput {
  std::string name;
  std::string description;
  std::optional<std::string> group_id;
  bool enabled = true;
  ExpiryInput expiry;
  std::vector<std::string> ip_allowlist;
  std::string metadata_json = "{}";
  std::vector<RoleAssignment> roles;
  std::optional<OwnerRef> owner;
  std::optional<UnixSeconds> not_before;
  std::string kind = "simple";          // "simple" | "advanced" | "jwt"
  std::string purpose = "third_party";  // "builtin_plugin" | "third_party"
  std::string credential_mode;          // advanced keys: "shared_secret" | "key_pair"
  KeyPairInput key_pair;                // credential_mode "key_pair"
};

struct UpdateKeyInput {
  std::optional<std::string> description;
  std::optional<std::optional<std::string>> group_id;  // nullopt inside: remove from its group
  std::optional<bool> enabled;
  ExpiryInput expiry;
  std::optional<std::vector<std::string>> ip_allowlist;
  std::optional<std::string> metadata_json;
  std::optional<std::vector<RoleAssignment>> roles;
  std::optional<std::optional<OwnerRef>> owner;          // nullopt inside: the key no longer has an owner
  std::optional<std::optional<UnixSeconds>> not_before;  // nullopt inside: valid at once
  std::optional<std::string> purpose;
};

// The longest overlap a rotation grants the replaced secret: long enough to roll a secret
// out through any deployment pipeline, short enough that a leaked old secret dies soon.
inline constexpr std::int64_t kMaxRotationGraceSeconds = 30 * 86400;

struct RotateKeyInput {
  std::int64_t grace_seconds = 0;  // 0: the old secret stops at once
  // The new secret's expiry; not given: a fresh lifetime of the tenant's default_expiry_days
  // (a key that never expires keeps never expiring).
  ExpiryInput expiry;
  KeyPairInput key_pair;  // key-pair keys: the new pair (supplied or generated)
};

struct CreatedKey {
  ApiKey key;
  // Returned once, never stored: a simple key, an advanced key's private part, or a JWT
  // key's compact token.
  std::string secret;
};

class KeyService {
 public:
  // `jwt` signs JWT keys' tokens; without it (null) kind "jwt" is refused as unavailable.
  KeyService(Store& store, const Clock& clock, const AuditLog& audit, AccessIndex& access, verify::KeyIndex& index,
             JwtService* jwt = nullptr)
      : store_(store), clock_(clock), audit_(audit), access_(access), index_(index), jwt_(jwt) {}

  // Receives the outcome of createThen, exactly once.
  using CreateDone = std::function<void(Result<CreatedKey>)>;
  // Validates and issues a key; `done` runs once it is durable and in the index (or with the
  // error), on this thread or on the thread that committed it (the store's group commit),
  // possibly before this returns. Nothing of the caller's arguments is used after return.
  void createThen(const Actor& actor, std::string_view tenant_id, const CreateKeyInput& in, CreateDone done);
  // createThen, waiting for the outcome.
  Result<CreatedKey> create(const Actor& actor, std::string_view tenant_id, const CreateKeyInput& in);
  Result<ApiKey> get(const Actor& actor, std::string_view tenant_id, std::string_view id);
  Result<Page<ApiKey>> list(const Actor& actor, std::string_view tenant_id, const KeyFilter& filter);
  Result<ApiKey> update(const Actor& actor, std::string_view tenant_id, std::string_view id, const UpdateKeyInput& in);
  Status revoke(const Actor& actor, std::string_view tenant_id, std::string_view id);
  // Issues a new secret for the same key record (name, roles, owner, group, allowlist and
  // metadata are kept) and returns it once. The replaced secret verifies, flagged as
  // rotating, for grace_seconds (never past its old expiry). Refused for revoked and expired
  // keys (409).
  Result<CreatedKey> rotate(const Actor& actor, std::string_view tenant_id, std::string_view id,
                            const RotateKeyInput& in);
  Result<std::vector<VerifyFailureCount>> failures(const Actor& actor, std::string_view tenant_id);

 private:
  // A validated key ready to commit, with its secret and audit event.
  struct PreparedKey {
    CreatedKey created;
    AuditEvent event;
    std::optional<int> owner_key_limit;
  };
  Result<PreparedKey> prepareCreate(const Actor& actor, std::string_view tenant_id, const CreateKeyInput& in);
  // After the commit: the store's error in the API's words, or the key added to the index.
  Result<CreatedKey> finishCreate(CreatedKey created, Status committed);
  Status checkGroup(std::string_view tenant_id, const std::optional<std::string>& group_id);
  // Roles exist and are well scoped, the owner exists, a "mine" grant keeps the key the
  // actor's own, and the key grants nothing beyond what the actor holds.
  Status checkAccess(const Actor& actor, const verify::Grant& grant, std::string_view tenant_id,
                     const std::vector<RoleAssignment>& roles, const std::optional<OwnerRef>& owner);
  void withLiveLastUse(ApiKey& k) const;
  // Sets the key's public key, key id and handle from `in`; returns the generated private
  // key (PKCS#8 PEM), or "" when the administrator supplied the public key.
  Result<std::string> assignKeyPair(ApiKey& k, const KeyPairInput& in);
  // A JWT key's credential: a fresh token id (jti) as its public id and index handle, and
  // the token signed for it. `k` must carry its id, tenant, roles and expiry.
  Result<std::string> issueJwt(const Actor& actor, ApiKey& k);

  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
  // Its write lock orders commits and index updates: edits and revocations hold it around
  // their commit, so two edits of one key reach the index in the order they reached the
  // store. Creations take it only for their index update, after the commit, so concurrent
  // creations can share one durable transaction (SqliteStore group commit).
  AccessIndex& access_;
  verify::KeyIndex& index_;
  JwtService* jwt_;
};

}  // namespace keyward
