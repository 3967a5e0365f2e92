// store.h — the persistence interface every backend implements (SQLite now, PostgreSQL next).
// Thread safety: implementations must be safe to call from any thread.
// Ownership: the composition root (src/app/) constructs the backend; core/ borrows it.
//
// Contract, checked by the conformance suite in tests/store/conformance/ for every backend:
// - Every write that changes a domain object takes the AuditEvent that describes it and
//   commits both in one transaction: no audit, no change.
// - A write returns only after it is durably committed (createKeyThen: its callback runs
//   only after).
// - Every query is scoped by tenant id; an object of another tenant is NOT_FOUND.
// - Unique names collide with kConflict/NAME_TAKEN (a key's public key id or digest with
//   kConflict/PUBLIC_KEY_TAKEN); nothing is changed on any error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/model.h"
#include "store/audit_chain.h"

namespace keyward {

// The KEY_LIMIT_REACHED refusal: `owner` already holds `held` live keys, the tenant's
// `max_keys_per_service_user` = `limit`. Shared by every backend and by core (a key moved
// to a full owner), so the message names the limit the same way everywhere.
inline Error keyLimitReached(const OwnerRef& owner, std::int64_t held, int limit) {
  const char* who = owner.kind == PrincipalKind::kUser ? "user" : "service user";
  return Error{ErrorKind::kConflict, "KEY_LIMIT_REACHED",
               std::string(who) + " '" + owner.id + "' already holds " + std::to_string(held) +
                   " keys, the tenant's limit (max_keys_per_service_user = " + std::to_string(limit) +
                   "); revoke one or raise the limit",
               ""};
}

class Store {
 public:
  virtual ~Store() = default;

  // Reachable and migrated (readiness).
  virtual Status ping() = 0;

  // First start: creates the system tenant and the bootstrap key in one transaction.
  // kConflict/ALREADY_BOOTSTRAPPED when any tenant exists.
  virtual Status bootstrap(const Tenant& system, const ApiKey& admin_key, const std::vector<AuditEvent>& events) = 0;
  virtual Result<bool> isEmpty() = 0;

  // Tenants
  virtual Status createTenant(const Tenant& t, const AuditEvent& ev) = 0;
  virtual Result<Tenant> getTenant(std::string_view id) = 0;
  virtual Result<Page<Tenant>> listTenants(const PageRequest& page) = 0;
  virtual Status updateTenant(const Tenant& t, const AuditEvent& ev) = 0;
  // kConflict/TENANT_NOT_EMPTY while it holds key groups or non-revoked keys; deleting it
  // removes its users, service users, user groups, custom roles and modules.
  virtual Status deleteTenant(std::string_view id, const AuditEvent& ev) = 0;

  // Key groups
  virtual Status createGroup(const KeyGroup& g, const AuditEvent& ev) = 0;
  virtual Result<KeyGroup> getGroup(std::string_view tenant_id, std::string_view id) = 0;
  virtual Result<Page<KeyGroup>> listGroups(std::string_view tenant_id, const PageRequest& page) = 0;
  virtual Status updateGroup(const KeyGroup& g, const AuditEvent& ev) = 0;
  // kConflict/GROUP_NOT_EMPTY while it holds non-revoked keys.
  virtual Status deleteGroup(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) = 0;

  // Keys
  // With `owner_key_limit`, kConflict/KEY_LIMIT_REACHED when the key's owner already holds
  // that many non-revoked keys (checked inside the same transaction as the insert).
  virtual Status createKey(const ApiKey& k, const AuditEvent& ev, std::optional<int> owner_key_limit) = 0;
  // Receives the outcome of createKeyThen, exactly once.
  using KeyCommitted = std::function<void(Status)>;
  // createKey without holding the caller: `done` runs once the key is durably committed (or
  // with the error), on this thread or on another caller's, possibly before this returns.
  // Backends with group commit use it to batch creations without a sleeping thread per key.
  // `k` and `ev` must stay valid until `done` runs. The default commits synchronously.
  virtual void createKeyThen(const ApiKey& k, const AuditEvent& ev, std::optional<int> owner_key_limit,
                             KeyCommitted done) {
    done(createKey(k, ev, owner_key_limit));
  }
  virtual Result<ApiKey> getKey(std::string_view tenant_id, std::string_view id) = 0;
  virtual Result<Page<ApiKey>> listKeys(std::string_view tenant_id, const KeyFilter& filter, UnixSeconds now) = 0;
  // Replaces every mutable field (name, digest, rotation and creation fields are kept).
  virtual Status updateKey(const ApiKey& k, const AuditEvent& ev) = 0;
  // Rotation: replaces the digest, start, expiry, public id (a JWT key's token id, a key
  // pair's key id), the previous-secret fields (previous_digest, previous_start,
  // previous_expires_at, rotated_at) and, for key pairs, the public key fields
  // (public_key_pem, key_algorithm, previous_public_key_pem). kNotFound for a
  // revoked key, so a rotation racing a revocation cannot bring the key back.
  virtual Status rotateKey(const ApiKey& k, const AuditEvent& ev) = 0;
  // Streams every key of every tenant (revoked ones too) to build the verify index. Fills the
  // fields the index reads; a backend may leave default what only management reads
  // (description, kind, purpose, start, previous_start, rotated_at, key_algorithm, created_*,
  // updated_at, seq), to keep a start with millions of keys fast.
  virtual Status forEachKey(const std::function<void(ApiKey&&)>& fn) = 0;
  // Every key (revoked ones too) of one owner, or holding one role, to recompile them when
  // the owner or the role changes.
  virtual Result<std::vector<ApiKey>> keysOfOwner(std::string_view tenant_id, std::string_view owner_id) = 0;
  virtual Result<std::vector<ApiKey>> keysWithRole(std::string_view tenant_id, std::string_view role) = 0;
  // Non-revoked keys of an owner (the per-service-user key limit).
  virtual Result<std::int64_t> countLiveKeysOfOwner(std::string_view tenant_id, std::string_view owner_id) = 0;

  // Users. Emails are compared lower case (the service lower-cases them).
  // Duplicate email -> kConflict/NAME_TAKEN.
  virtual Status createUser(const User& u, const AuditEvent& ev) = 0;
  virtual Result<User> getUser(std::string_view tenant_id, std::string_view id) = 0;
  virtual Result<User> findUserByEmail(std::string_view tenant_id, std::string_view email) = 0;
  virtual Result<Page<User>> listUsers(std::string_view tenant_id, const PageRequest& page) = 0;
  virtual Status updateUser(const User& u, const AuditEvent& ev) = 0;
  // kConflict/PRINCIPAL_HAS_KEYS while the user owns non-revoked keys; also removes the
  // user from every user group.
  virtual Status deleteUser(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) = 0;

  // Service users. Duplicate name -> kConflict/NAME_TAKEN.
  virtual Status createServiceUser(const ServiceUser& s, const AuditEvent& ev) = 0;
  virtual Result<ServiceUser> getServiceUser(std::string_view tenant_id, std::string_view id) = 0;
  virtual Result<Page<ServiceUser>> listServiceUsers(std::string_view tenant_id, const PageRequest& page) = 0;
  virtual Status updateServiceUser(const ServiceUser& s, const AuditEvent& ev) = 0;
  // kConflict/PRINCIPAL_HAS_KEYS while it owns non-revoked keys.
  virtual Status deleteServiceUser(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) = 0;

  // User groups (members and subscriptions are stored with the group).
  virtual Status createUserGroup(const UserGroup& g, const AuditEvent& ev) = 0;
  virtual Result<UserGroup> getUserGroup(std::string_view tenant_id, std::string_view id) = 0;
  virtual Result<Page<UserGroup>> listUserGroups(std::string_view tenant_id, const PageRequest& page) = 0;
  virtual Status updateUserGroup(const UserGroup& g, const AuditEvent& ev) = 0;
  virtual Status deleteUserGroup(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) = 0;

  // Custom roles (built-in roles live in code, not in the store).
  virtual Status createRole(const Role& r, const AuditEvent& ev) = 0;
  virtual Result<Role> getRole(std::string_view tenant_id, std::string_view id) = 0;
  virtual Result<Role> getRoleByName(std::string_view tenant_id, std::string_view name) = 0;
  virtual Result<std::vector<Role>> listRoles(std::string_view tenant_id) = 0;
  virtual Status updateRole(const Role& r, const AuditEvent& ev) = 0;
  // kConflict/ROLE_IN_USE while a user, service user or non-revoked key holds the role.
  virtual Status deleteRole(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) = 0;
  virtual Status forEachRole(const std::function<void(Role&&)>& fn) = 0;

  // Tenant-registered modules. Duplicate -> kConflict/NAME_TAKEN.
  virtual Status createModule(const Module& m, const AuditEvent& ev) = 0;
  virtual Result<std::vector<Module>> listModules(std::string_view tenant_id) = 0;
  // kConflict/MODULE_IN_USE while a custom role of the tenant refers to it.
  virtual Status deleteModule(std::string_view tenant_id, std::string_view name, const AuditEvent& ev) = 0;

  // Every user and service user of every tenant (to build the verify index).
  virtual Status forEachUser(const std::function<void(User&&)>& fn) = 0;
  virtual Status forEachServiceUser(const std::function<void(ServiceUser&&)>& fn) = 0;

  // Counters buffered in memory by the verifier and flushed in batches.
  virtual Status recordLastUsed(const std::vector<std::pair<std::string, UnixSeconds>>& uses) = 0;
  virtual Status addVerifyFailures(const std::vector<VerifyFailureCount>& counts) = 0;
  virtual Result<std::vector<VerifyFailureCount>> listVerifyFailures(std::string_view tenant_id) = 0;

  // Audit events that stand alone (denied attempts); changes bring theirs along.
  virtual Status appendAudit(const AuditEvent& ev) = 0;
  virtual Result<Page<AuditEvent>> listAudit(std::string_view tenant_id, const AuditFilter& filter) = 0;
  // Every event of a tenant matching the filter (its page limit ignored, its cursor used),
  // oldest first, without holding them all in memory; `fn` returns false to stop early.
  virtual Status forEachAudit(std::string_view tenant_id, const AuditFilter& filter,
                              const std::function<bool(const AuditEvent&)>& fn) = 0;
  // Recomputes the tenant's hash chain and reports the first break (store/audit_chain.h).
  virtual Result<AuditChainReport> verifyAuditChain(std::string_view tenant_id) = 0;
  // Retention: removes the tenant's events older than `before`, keeping the chain
  // verifiable from the first remaining event. Returns how many were removed.
  virtual Result<std::int64_t> pruneAudit(std::string_view tenant_id, UnixSeconds before) = 0;
  // Every tenant id that has audit events, deleted tenants included (their trail outlives
  // them, and retention must still reach it).
  virtual Result<std::vector<std::string>> listAuditTenants() = 0;
  // ---- Expiry alerts (model/alerts.h, docs/architecture.md "Expiry alerts") ----
  // Leader election among nodes sharing the database: takes or renews lease `name` for
  // `holder` until `now + ttl` when it is free, expired, or already held by `holder`.
  // Returns whether `holder` holds it now. At most one holder at any `now`.
  virtual Result<bool> acquireLease(std::string_view name, std::string_view holder, UnixSeconds now,
                                    UnixSeconds ttl) = 0;
  // Gives the lease up if `holder` holds it (a clean shutdown lets another node lead at once).
  virtual Status releaseLease(std::string_view name, std::string_view holder) = 0;
  // Non-revoked keys of every tenant with an expiry in (from, to], oldest expiry first.
  virtual Result<std::vector<ApiKey>> keysExpiringBetween(UnixSeconds from, UnixSeconds to) = 0;
  // Writes a plan in one transaction. Rows that already exist (same unique key) are left
  // alone, and so are their audit events: planning twice changes nothing. Returns how
  // many rows were new.
  virtual Result<int> recordAlertPlan(const AlertPlan& plan) = 0;
  // Pending deliveries of every tenant due at `now` (next_attempt_at <= now), oldest first.
  virtual Result<std::vector<AlertDelivery>> dueDeliveries(UnixSeconds now, int limit) = 0;
  // Claims a due pending delivery for one sender: moves next_attempt_at to `until` unless
  // another sender claimed it first (then false). A sender that dies keeps it until `until`.
  virtual Result<bool> claimDelivery(std::string_view id, UnixSeconds now, UnixSeconds until) = 0;
  // Records one attempt (attempt log + new status) with its audit event, in one transaction.
  virtual Status recordDeliveryOutcome(const DeliveryOutcome& outcome, const AuditEvent& ev) = 0;
  // The tenant's deliveries with their attempt logs, newest first (cursor = seq).
  virtual Result<Page<AlertDelivery>> listDeliveries(std::string_view tenant_id, const DeliveryFilter& f) = 0;
  // One principal's notifications in the tenant, newest first (cursor = seq).
  virtual Result<Page<Notification>> listNotifications(std::string_view tenant_id, std::string_view recipient_id,
                                                       bool unread_only, const PageRequest& page) = 0;
  virtual Result<std::int64_t> countUnreadNotifications(std::string_view tenant_id, std::string_view recipient_id) = 0;
  // Marks one of the recipient's notifications read (idempotent: the first read time is
  // kept). Another recipient's or tenant's notification is NOT_FOUND.
  virtual Result<Notification> markNotificationRead(std::string_view tenant_id, std::string_view recipient_id,
                                                    std::string_view id, UnixSeconds at) = 0;
  // The tenant's webhook (at most one). putWebhook inserts or replaces it.
  virtual Status putWebhook(const Webhook& w, const AuditEvent& ev) = 0;
  virtual Result<Webhook> getWebhook(std::string_view tenant_id) = 0;
  virtual Status deleteWebhook(std::string_view tenant_id, const AuditEvent& ev) = 0;

  // ---- JWT signing keys (model/signing_key.h, sign/signing_keys.h, docs/architecture.md "JWT keys") ----
  // Adds `key` as the tenant's newest signing key and, in the same transaction, retires
  // (retired_at = key.created_at) every key of the tenant that was not retired yet: one
  // signer at a time. The private key arrives sealed; the store never sees it in clear.
  // A kid the tenant already has is kConflict/SIGNING_KEY_EXISTS.
  virtual Status addSigningKey(std::string_view tenant_id, const SigningKeyRecord& key, const AuditEvent& ev) = 0;
  // The tenant's signing keys, oldest first (by created_at, then insertion), retired ones included.
  virtual Result<std::vector<SigningKeyRecord>> listSigningKeys(std::string_view tenant_id) = 0;
  // Every tenant's signing keys (start-up load of the in-memory key rings).
  virtual Status forEachSigningKey(const std::function<void(std::string_view tenant_id, SigningKeyRecord&&)>& fn) = 0;
};

}  // namespace keyward
