// key_service.h — issuing, reading, editing and revoking API keys, and keeping the verify
// index in step with the store.
// Thread safety: safe from any thread. Ownership: borrows store, clock, audit log and index.
// Order of a write: validate -> commit (key + audit event, one transaction) -> update the
// in-memory index -> respond. So a revocation is in effect on this node before the
// response leaves, and a key is never acknowledged before it is durable.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_log.h"
#include "core/model.h"
#include "core/validation.h"
#include "store/store.h"
#include "verify/key_index.h"

namespace keyward {

struct CreateKeyInput {
  std::string name;
  std::string description;
  std::optional<std::string> group_id;
  bool enabled = true;
  ExpiryInput expiry;
  std::vector<std::string> ip_allowlist;
  std::string metadata_json = "{}";
  std::vector<std::string> roles;
};

struct UpdateKeyInput {
  std::optional<std::string> description;
  std::optional<std::optional<std::string>> group_id;  // nullopt inside: remove from its group
  std::optional<bool> enabled;
  ExpiryInput expiry;
  std::optional<std::vector<std::string>> ip_allowlist;
  std::optional<std::string> metadata_json;
  std::optional<std::vector<std::string>> roles;
};

struct CreatedKey {
  ApiKey key;
  std::string secret;  // returned once, never stored
};

// The verify index's view of a key.
std::shared_ptr<verify::CompiledKey> compileKey(const ApiKey& k);

// Fills the index from the store (start-up).
Result<size_t> loadIndex(Store& store, verify::KeyIndex& index);

class KeyService {
 public:
  KeyService(Store& store, const Clock& clock, const AuditLog& audit, verify::KeyIndex& index)
      : store_(store), clock_(clock), audit_(audit), index_(index) {}

  Result<CreatedKey> create(const Actor& actor, std::string_view tenant_id, const CreateKeyInput& in);
  Result<ApiKey> get(const Actor& actor, std::string_view tenant_id, std::string_view id);
  Result<Page<ApiKey>> list(const Actor& actor, std::string_view tenant_id, const KeyFilter& filter);
  Result<ApiKey> update(const Actor& actor, std::string_view tenant_id, std::string_view id,
                        const UpdateKeyInput& in);
  Status revoke(const Actor& actor, std::string_view tenant_id, std::string_view id);
  Result<std::vector<VerifyFailureCount>> failures(const Actor& actor, std::string_view tenant_id);

 private:
  Status checkGroup(std::string_view tenant_id, const std::optional<std::string>& group_id);
  void withLiveLastUse(ApiKey& k) const;

  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
  verify::KeyIndex& index_;
  // Serializes key edits and revocations so two concurrent edits of one key reach the index
  // in the same order as they reached the store (the last commit is what the hot path sees).
  // Creations take it only for their index update, after the commit, so that concurrent
  // creations can share one durable transaction (SqliteStore group commit).
  std::mutex write_mu_;
};

}  // namespace keyward
