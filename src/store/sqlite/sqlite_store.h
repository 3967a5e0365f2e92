// sqlite_store.h — the embedded default backend: one SQLite file in WAL mode.
// Thread safety: all methods are safe from any thread; one write connection is shared under
// a mutex (management traffic is light and the verify hot path never reaches the store),
// reads outside transactions use a second connection under its own mutex.
// Ownership: owns its connections and its checkpoint thread (WAL checkpoints run there, off
// the request path, at background priority); all closed and joined on destruction.
// Durability: journal_mode=WAL with synchronous=FULL, so a commit that returned survives
// power loss; foreign keys on; busy timeout so a concurrent `sqlite3` reader never fails us.
// Group commit: concurrent key creations share one transaction (one fsync) — see
// createKeyThen.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/store.h"

namespace keyward {

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database file and applies pending migrations.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  // The same, with SQLite's page cache set to `cache_mib` MiB instead of its 2 MiB default:
  // bulk loads of millions of keys (the benchmark seeding tool) insert into random B-tree
  // pages and spill a small cache to the WAL over and over.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, int cache_mib);
  ~SqliteStore() override;

  Status ping() override;
  Status bootstrap(const Tenant& system, const ApiKey& admin_key, const std::vector<AuditEvent>& events) override;
  Result<bool> isEmpty() override;

  Status createTenant(const Tenant& t, const AuditEvent& ev) override;
  Result<Tenant> getTenant(std::string_view id) override;
  Result<Page<Tenant>> listTenants(const PageRequest& page) override;
  Status updateTenant(const Tenant& t, const AuditEvent& ev) override;
  Status deleteTenant(std::string_view id, const AuditEvent& ev) override;

  Status createGroup(const KeyGroup& g, const AuditEvent& ev) override;
  Result<KeyGroup> getGroup(std::string_view tenant_id, std::string_view id) override;
  Result<Page<KeyGroup>> listGroups(std::string_view tenant_id, const PageRequest& page) override;
  Status updateGroup(const KeyGroup& g, const AuditEvent& ev) override;
  Status deleteGroup(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) override;

  // Group-committed: the creation is queued, and a caller that finds no commit in progress
  // commits the queue, one transaction per round, until it is empty; `done` runs on that
  // caller's thread once the round holding the key has committed. So a call may return
  // before its `done` runs, or after running the `done` of many other callers' keys.
  void createKeyThen(const ApiKey& k, const AuditEvent& ev, std::optional<int> owner_key_limit,
                     KeyCommitted done) override;
  // createKeyThen, waiting for `done`.
  Status createKey(const ApiKey& k, const AuditEvent& ev, std::optional<int> owner_key_limit) override;
  // Commits every key with its audit event in one transaction. Each key is its own
  // savepoint: one that fails (e.g. NAME_TAKEN, KEY_LIMIT_REACHED) is rolled back alone and
  // reported in its slot; if the commit fails, every slot reports that. Used by the group
  // commit and by bulk loads (the benchmark seeding tool).
  struct KeyWrite {
    const ApiKey* key;
    const AuditEvent* event;
    std::optional<int> owner_key_limit = std::nullopt;
  };
  std::vector<Status> createKeys(std::span<const KeyWrite> batch);
  // How the group commit batched so far: commits, keys in them, the largest batch.
  struct GroupCommitStats {
    std::uint64_t commits = 0;
    std::uint64_t keys = 0;
    std::uint64_t max_batch = 0;
  };
  GroupCommitStats groupCommitStats() const;
  Result<ApiKey> getKey(std::string_view tenant_id, std::string_view id) override;
  Result<Page<ApiKey>> listKeys(std::string_view tenant_id, const KeyFilter& filter, UnixSeconds now) override;
  Status updateKey(const ApiKey& k, const AuditEvent& ev) override;
  Status rotateKey(const ApiKey& k, const AuditEvent& ev) override;
  Status forEachKey(const std::function<void(ApiKey&&)>& fn) override;
  Result<std::vector<ApiKey>> keysOfOwner(std::string_view tenant_id, std::string_view owner_id) override;
  Result<std::vector<ApiKey>> keysWithRole(std::string_view tenant_id, std::string_view role) override;
  Result<std::int64_t> countLiveKeysOfOwner(std::string_view tenant_id, std::string_view owner_id) override;

  Status createUser(const User& u, const AuditEvent& ev) override;
  Result<User> getUser(std::string_view tenant_id, std::string_view id) override;
  Result<User> findUserByEmail(std::string_view tenant_id, std::string_view email) override;
  Result<Page<User>> listUsers(std::string_view tenant_id, const PageRequest& page) override;
  Status updateUser(const User& u, const AuditEvent& ev) override;
  Status deleteUser(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) override;

  Status createServiceUser(const ServiceUser& s, const AuditEvent& ev) override;
  Result<ServiceUser> getServiceUser(std::string_view tenant_id, std::string_view id) override;
  Result<Page<ServiceUser>> listServiceUsers(std::string_view tenant_id, const PageRequest& page) override;
  Status updateServiceUser(const ServiceUser& s, const AuditEvent& ev) override;
  Status deleteServiceUser(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) override;

  // Members and subscriptions keep the order they were given in; duplicates are stored once.
  Status createUserGroup(const UserGroup& g, const AuditEvent& ev) override;
  Result<UserGroup> getUserGroup(std::string_view tenant_id, std::string_view id) override;
  Result<Page<UserGroup>> listUserGroups(std::string_view tenant_id, const PageRequest& page) override;
  Status updateUserGroup(const UserGroup& g, const AuditEvent& ev) override;
  Status deleteUserGroup(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) override;

  Status createRole(const Role& r, const AuditEvent& ev) override;
  Result<Role> getRole(std::string_view tenant_id, std::string_view id) override;
  Result<Role> getRoleByName(std::string_view tenant_id, std::string_view name) override;
  Result<std::vector<Role>> listRoles(std::string_view tenant_id) override;
  Status updateRole(const Role& r, const AuditEvent& ev) override;
  Status deleteRole(std::string_view tenant_id, std::string_view id, const AuditEvent& ev) override;
  Status forEachRole(const std::function<void(Role&&)>& fn) override;

  // Listed in name order.
  Status createModule(const Module& m, const AuditEvent& ev) override;
  Result<std::vector<Module>> listModules(std::string_view tenant_id) override;
  Status deleteModule(std::string_view tenant_id, std::string_view name, const AuditEvent& ev) override;

  Status forEachUser(const std::function<void(User&&)>& fn) override;
  Status forEachServiceUser(const std::function<void(ServiceUser&&)>& fn) override;

  Status recordLastUsed(const std::vector<std::pair<std::string, UnixSeconds>>& uses) override;
  Status addVerifyFailures(const std::vector<VerifyFailureCount>& counts) override;
  Result<std::vector<VerifyFailureCount>> listVerifyFailures(std::string_view tenant_id) override;

  Status appendAudit(const AuditEvent& ev) override;
  Result<Page<AuditEvent>> listAudit(std::string_view tenant_id, const AuditFilter& filter) override;
  Status forEachAudit(std::string_view tenant_id, const AuditFilter& filter,
                      const std::function<bool(const AuditEvent&)>& fn) override;
  Result<AuditChainReport> verifyAuditChain(std::string_view tenant_id) override;
  Result<std::int64_t> pruneAudit(std::string_view tenant_id, UnixSeconds before) override;
  Result<std::vector<std::string>> listAuditTenants() override;

  // Expiry alerts (implemented in sqlite_alerts.cc).
  Result<bool> acquireLease(std::string_view name, std::string_view holder, UnixSeconds now, UnixSeconds ttl) override;
  Status releaseLease(std::string_view name, std::string_view holder) override;
  Result<std::vector<ApiKey>> keysExpiringBetween(UnixSeconds from, UnixSeconds to) override;
  Result<int> recordAlertPlan(const AlertPlan& plan) override;
  Result<std::vector<AlertDelivery>> dueDeliveries(UnixSeconds now, int limit) override;
  Result<bool> claimDelivery(std::string_view id, UnixSeconds now, UnixSeconds until) override;
  Status recordDeliveryOutcome(const DeliveryOutcome& outcome, const AuditEvent& ev) override;
  Result<Page<AlertDelivery>> listDeliveries(std::string_view tenant_id, const DeliveryFilter& f) override;
  Result<Page<Notification>> listNotifications(std::string_view tenant_id, std::string_view recipient_id,
                                               bool unread_only, const PageRequest& page) override;
  Result<std::int64_t> countUnreadNotifications(std::string_view tenant_id, std::string_view recipient_id) override;
  Result<Notification> markNotificationRead(std::string_view tenant_id, std::string_view recipient_id,
                                            std::string_view id, UnixSeconds at) override;
  Status putWebhook(const Webhook& w, const AuditEvent& ev) override;
  Result<Webhook> getWebhook(std::string_view tenant_id) override;
  Status deleteWebhook(std::string_view tenant_id, const AuditEvent& ev) override;
  Status addSigningKey(std::string_view tenant_id, const SigningKeyRecord& key, const AuditEvent& ev) override;
  Result<std::vector<SigningKeyRecord>> listSigningKeys(std::string_view tenant_id) override;
  Status forEachSigningKey(const std::function<void(std::string_view tenant_id, SigningKeyRecord&&)>& fn) override;

  struct Impl;

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward
