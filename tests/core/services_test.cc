// Service-level tests of who may do what, tenants, key groups, the audit log, the first
// start (bootstrap) and the usage flusher, on a real SQLite store.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "core/audit_retention.h"
#include "core/role_service.h"
#include "core/usage_flusher.h"
#include "core_fixture.h"
#include "crypto/key_codec.h"

namespace keyward {
namespace {

using core_testing::CoreTest;
using core_testing::kDay;
using core_testing::kT0;
using verify::Code;

// ---- access through the services -----------------------------------------------------------

class AccessTest : public CoreTest {};
KEYWARD_ON_EVERY_BACKEND(AccessTest);

TEST_P(AccessTest, SystemAdministratorManagesEveryTenant) {
  Tenant a = makeTenant("acme");
  auto g = groups_->create(root_, a.id, {"ops", ""});
  ASSERT_TRUE(g);
  CreatedKey k = makeKey(a.id, "deploy");
  EXPECT_TRUE(keys_->get(root_, a.id, k.key.id));
  EXPECT_TRUE(tenants_->get(root_, a.id));
  EXPECT_TRUE(audit_->list(root_, a.id, {}));
  EXPECT_EQ(tenants_->list(root_, {}).value().items.size(), 2u);  // system and acme
}

TEST_P(AccessTest, TenantAdministratorManagesOnlyItsOwnTenant) {
  Tenant a = makeTenant("acme");
  Tenant b = makeTenant("globex");
  Actor admin_a = makeAdmin(a.id);
  CreatedKey kb = makeKey(b.id, "theirs");

  // Its own tenant: everything.
  CreateKeyInput in;
  in.name = "mine";
  auto mine = keys_->create(admin_a, a.id, in);
  ASSERT_TRUE(mine);
  EXPECT_TRUE(groups_->create(admin_a, a.id, {"ops", ""}));
  EXPECT_TRUE(tenants_->get(admin_a, a.id));
  UpdateTenantInput rename;
  rename.expiry_alert_days = 7;
  EXPECT_TRUE(tenants_->update(admin_a, a.id, rename));
  EXPECT_TRUE(keys_->revoke(admin_a, a.id, mine->key.id));

  // Another tenant: it does not exist as far as this admin can tell.
  auto expectNotFound = [](const Error& e) { EXPECT_EQ(e.kind, ErrorKind::kNotFound) << e.code; };
  expectNotFound(keys_->get(admin_a, b.id, kb.key.id).error());
  expectNotFound(keys_->list(admin_a, b.id, {}).error());
  in.name = "planted";
  expectNotFound(keys_->create(admin_a, b.id, in).error());
  expectNotFound(keys_->revoke(admin_a, b.id, kb.key.id).error());
  expectNotFound(groups_->create(admin_a, b.id, {"planted", ""}).error());
  expectNotFound(tenants_->get(admin_a, b.id).error());
  expectNotFound(audit_->list(admin_a, b.id, {}).error());
  EXPECT_EQ(verify(kb.secret).code, Code::kValid);
  EXPECT_TRUE(groups_->list(root_, b.id, {}).value().items.empty());
}

TEST_P(AccessTest, TenantAdministratorCannotCreateListOrDeleteTenants) {
  Tenant a = makeTenant("acme");
  Actor admin_a = makeAdmin(a.id);
  auto created = tenants_->create(admin_a, {"sneaky", {}});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(tenants_->list(admin_a, {}).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(tenants_->remove(admin_a, a.id).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(tenants_->list(root_, {}).value().items.size(), 2u);
}

TEST_P(AccessTest, VerifierCredentialCannotManage) {
  Tenant a = makeTenant("acme");
  Actor verifier = makeAdmin(a.id, std::string(kRoleVerifier));
  CreatedKey k = makeKey(a.id, "deploy");
  CreateKeyInput in;
  in.name = "nope";
  EXPECT_EQ(keys_->create(verifier, a.id, in).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(keys_->get(verifier, a.id, k.key.id).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(keys_->revoke(verifier, a.id, k.key.id).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(groups_->create(verifier, a.id, {"ops", ""}).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(audit_->list(verifier, a.id, {}).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(verify(k.secret).code, Code::kValid);
  EXPECT_TRUE(mayVerify(verifier.principal, a.id));
}

TEST_P(AccessTest, DeniedAttemptIsAuditedInTheCallersTenant) {
  Tenant a = makeTenant("acme");
  Tenant b = makeTenant("globex");
  Actor admin_a = makeAdmin(a.id);
  CreatedKey kb = makeKey(b.id, "theirs");
  const size_t b_events = auditOf(b.id).size();
  ASSERT_FALSE(keys_->revoke(admin_a, b.id, kb.key.id));
  auto denied = auditOf(a.id, "key.revoke");
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].outcome, "denied");
  EXPECT_EQ(denied[0].actor, admin_a.principal.key_id);
  EXPECT_EQ(denied[0].target, kb.key.id);
  EXPECT_EQ(denied[0].client_ip, "198.51.100.7");
  EXPECT_EQ(denied[0].tenant_id, a.id);
  // The other tenant's log is untouched: the attempt tells it nothing it must not know.
  EXPECT_EQ(auditOf(b.id).size(), b_events);

  Actor verifier = makeAdmin(a.id, std::string(kRoleVerifier));
  CreateKeyInput in;
  in.name = "nope";
  ASSERT_FALSE(keys_->create(verifier, a.id, in));
  auto refused = auditOf(a.id, "key.create");
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused.back().outcome, "denied");
  EXPECT_EQ(refused.back().actor, verifier.principal.key_id);
}

TEST_P(AccessTest, RevokedAdministratorIsLockedOutAtOnce) {
  Tenant a = makeTenant("acme");
  CreateKeyInput in;
  in.roles = {RoleAssignment{std::string(kRolePortalAdministrator), false, {}}};
  CreatedKey admin = makeKey(a.id, "admin", in);
  ASSERT_TRUE(auth_.authenticate(admin.secret, std::nullopt));
  ASSERT_TRUE(keys_->revoke(root_, a.id, admin.key.id));
  auto p = auth_.authenticate(admin.secret, std::nullopt);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::kUnauthenticated);
}

TEST_P(AccessTest, KeyWithoutRolesIsNotACredential) {
  Tenant a = makeTenant("acme");
  CreatedKey plain = makeKey(a.id, "plain");
  auto p = auth_.authenticate(plain.secret, std::nullopt);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::kUnauthenticated);
  // Every failure reads the same, whatever the reason.
  auto garbage = auth_.authenticate("garbage", std::nullopt);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message, p.error().message);
}

TEST_P(AccessTest, UnknownRoleIsRefused) {
  Tenant a = makeTenant("acme");
  CreateKeyInput in;
  in.name = "root";
  in.roles = {RoleAssignment{"Superuser", false, {}}};
  auto r = keys_->create(root_, a.id, in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "roles[0]");
}

// ---- tenants -----------------------------------------------------------------------------

class TenantServiceTest : public CoreTest {};
KEYWARD_ON_EVERY_BACKEND(TenantServiceTest);

TEST_P(TenantServiceTest, CreateValidatesSettings) {
  TenantSettings s;
  s.key_prefix = "Bad_Prefix";
  auto r = tenants_->create(root_, {"acme", s});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "key_prefix");
  auto empty = tenants_->create(root_, {"", {}});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().field, "name");
  EXPECT_EQ(tenants_->list(root_, {}).value().items.size(), 1u);
}

TEST_P(TenantServiceTest, DuplicateNameIsRefused) {
  makeTenant("acme");
  auto r = tenants_->create(root_, {"acme", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "NAME_TAKEN");
  EXPECT_EQ(r.error().kind, ErrorKind::kConflict);
}

TEST_P(TenantServiceTest, UpdateCanSetAndRemoveTheExpiryPolicy) {
  Tenant t = makeTenant("acme");
  UpdateTenantInput set;
  set.max_expiry_days = std::optional<int>(365);
  auto r = tenants_->update(root_, t.id, set);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->settings.max_expiry_days, std::optional<int>(365));
  UpdateTenantInput clear;
  clear.max_expiry_days = std::optional<int>();
  r = tenants_->update(root_, t.id, clear);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->settings.max_expiry_days);
  UpdateTenantInput bad;
  bad.max_expiry_days = std::optional<int>(30);  // below the default of 182
  r = tenants_->update(root_, t.id, bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "default_expiry_days");
  EXPECT_FALSE(tenants_->get(root_, t.id).value().settings.max_expiry_days);
}

TEST_P(TenantServiceTest, SystemTenantCannotBeDeleted) {
  auto st = tenants_->remove(root_, kSystemTenantId);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "SYSTEM_TENANT");
  EXPECT_TRUE(tenants_->get(root_, kSystemTenantId));
}

TEST_P(TenantServiceTest, TenantWithLiveKeysCannotBeDeleted) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  auto st = tenants_->remove(root_, t.id);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "TENANT_NOT_EMPTY");
  ASSERT_TRUE(keys_->revoke(root_, t.id, k.key.id));
  EXPECT_TRUE(tenants_->remove(root_, t.id));
  EXPECT_EQ(tenants_->get(root_, t.id).error().kind, ErrorKind::kNotFound);
}

// ---- key groups --------------------------------------------------------------------------

class GroupServiceTest : public CoreTest {};
KEYWARD_ON_EVERY_BACKEND(GroupServiceTest);

TEST_P(GroupServiceTest, GroupHoldingKeysCannotBeDeletedUntilTheyAreRevoked) {
  Tenant t = makeTenant("acme");
  auto g = groups_->create(root_, t.id, {"ops", "operations keys"});
  ASSERT_TRUE(g);
  CreateKeyInput in;
  in.group_id = g->id;
  CreatedKey k = makeKey(t.id, "deploy", in);
  auto st = groups_->remove(root_, t.id, g->id);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "GROUP_NOT_EMPTY");
  ASSERT_TRUE(keys_->revoke(root_, t.id, k.key.id));
  EXPECT_TRUE(groups_->remove(root_, t.id, g->id));
  EXPECT_EQ(groups_->get(root_, t.id, g->id).error().kind, ErrorKind::kNotFound);
}

TEST_P(GroupServiceTest, SameGroupNameInTwoTenantsButNotTwiceInOne) {
  Tenant a = makeTenant("acme");
  Tenant b = makeTenant("globex");
  ASSERT_TRUE(groups_->create(root_, a.id, {"ops", ""}));
  ASSERT_TRUE(groups_->create(root_, b.id, {"ops", ""}));
  auto dup = groups_->create(root_, a.id, {"ops", ""});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "NAME_TAKEN");
  EXPECT_EQ(dup.error().field, "name");
}

TEST_P(GroupServiceTest, GroupInAnUnknownTenantIsNotFound) {
  auto r = groups_->create(root_, "ten_missing", {"ops", ""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
}

// ---- audit -------------------------------------------------------------------------------

class AuditLogTest : public CoreTest {};
KEYWARD_ON_EVERY_BACKEND(AuditLogTest);

TEST_P(AuditLogTest, TenantAdministratorReadsItsOwnAuditLog) {
  Tenant t = makeTenant("acme");
  Actor admin = makeAdmin(t.id);
  makeKey(t.id, "deploy");
  AuditFilter f;
  f.action = "key.create";
  auto page = audit_->list(admin, t.id, f);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 2u);  // the admin key and "deploy"
}

TEST_P(AuditLogTest, RetentionRemovesOldEventsAndTheChainStillVerifies) {
  Tenant t = makeTenant("acme");
  makeKey(t.id, "old");
  clock_.advance(10 * kDay);
  makeKey(t.id, "recent");
  AuditRetention retention(*audit_, clock_, 5);
  auto removed = retention.runOnce();
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_GE(*removed, 1);
  AuditFilter f;
  auto page = audit_->list(root_, t.id, f);
  ASSERT_TRUE(page);
  std::vector<std::string> actions;
  for (const auto& e : page->items) actions.push_back(e.action);
  // The old creation is gone; the recent one and the record of the pruning remain.
  EXPECT_EQ(actions, (std::vector<std::string>{"key.create", "audit.prune"}));
  auto report = audit_->verifyChain(root_, t.id);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->first_break);
  EXPECT_EQ(AuditRetention(*audit_, clock_, 0).runOnce().value_or(-1), 0);  // 0 days: keep forever
}

TEST_P(AuditLogTest, RetentionAlsoReachesTheTrailOfADeletedTenant) {
  Tenant gone = makeTenant("gone");
  CreatedKey k = makeKey(gone.id, "short-lived");  // gives the tenant a trail of its own
  ASSERT_TRUE(keys_->revoke(root_, gone.id, k.key.id));
  auto removed_tenant = tenants_->remove(root_, gone.id);
  ASSERT_TRUE(removed_tenant) << removed_tenant.error().message;
  AuditFilter all;
  all.page.limit = 500;
  const auto before = store_->listAudit(gone.id, all);
  ASSERT_TRUE(before);
  ASSERT_FALSE(before->items.empty()) << "the deleted tenant's trail outlives it";
  clock_.advance(10 * kDay);
  AuditRetention retention(*audit_, clock_, 5);
  auto removed = retention.runOnce();
  ASSERT_TRUE(removed) << removed.error().message;
  const auto after = store_->listAudit(gone.id, all);
  ASSERT_TRUE(after);
  std::vector<std::string> actions;
  for (const auto& e : after->items) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"audit.prune"}));
  auto tenants = store_->listAuditTenants();
  ASSERT_TRUE(tenants);
  EXPECT_NE(std::find(tenants->begin(), tenants->end(), gone.id), tenants->end());
}

TEST_P(AuditLogTest, LevelMineShowsOnlyTheCallersOwnEvents) {
  Tenant t = makeTenant("acme");
  CreateRoleInput role{"Own audit", "", {{"audit", Action::kInquire, Level::kMine}}, std::nullopt};
  ASSERT_TRUE(roles_->create(root_, t.id, role));
  CreateKeyInput in;
  in.roles = {RoleAssignment{"Own audit", false, {}}};
  const Actor mine = actorFor(makeKey(t.id, "auditor", in).secret);
  makeKey(t.id, "someone-elses");
  EXPECT_FALSE(groups_->create(mine, t.id, {"not-allowed", ""}));  // recorded as denied, by `mine`
  auto page = audit_->list(mine, t.id, {});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].actor, mine.principal.key_id);
  EXPECT_EQ(page->items[0].outcome, "denied");
  AuditFilter other;
  other.actor = root_.principal.key_id;
  EXPECT_TRUE(audit_->list(mine, t.id, other)->items.empty());
  EXPECT_EQ(audit_->verifyChain(mine, t.id).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(audit_->authorizeExport(mine, t.id, {})->actor, mine.principal.key_id);
}

TEST_P(AuditLogTest, OnlyThoseWhoMayReadTheLogMayVerifyOrExportIt) {
  Tenant a = makeTenant("acme");
  Tenant b = makeTenant("globex");
  Actor admin_b = makeAdmin(b.id);
  Actor verifier_a = makeAdmin(a.id, std::string(kRoleVerifier));
  EXPECT_EQ(audit_->verifyChain(admin_b, a.id).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(audit_->authorizeExport(admin_b, a.id, {}).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(audit_->verifyChain(verifier_a, a.id).error().kind, ErrorKind::kForbidden);
  EXPECT_TRUE(audit_->authorizeExport(makeAdmin(a.id), a.id, {}));
}

// ---- first start -------------------------------------------------------------------------

class BootstrapTest : public CoreTest {};
KEYWARD_ON_EVERY_BACKEND(BootstrapTest);

TEST_P(BootstrapTest, FirstStartCreatesAWorkingAdministratorKeyExactlyOnce) {
  // SetUp ran bootstrapIfEmpty on the empty store.
  EXPECT_TRUE(crypto::isWellFormedKey(root_secret_));
  EXPECT_EQ(root_secret_.substr(0, 3), "kw_");
  EXPECT_EQ(root_.principal.tenant_id, kSystemTenantId);
  EXPECT_TRUE(root_.principal.permissions->allows("keys", Action::kDelete, std::nullopt));
  const auto out = verify(root_secret_);
  ASSERT_TRUE(out.valid());
  EXPECT_EQ(out.key->expires_at, kNever);
  EXPECT_TRUE(tenants_->create(root_, {"acme", {}}));

  auto again = bootstrapIfEmpty(*store_, clock_);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->has_value());
  int system_keys = 0;
  ASSERT_TRUE(store_->forEachKey([&](ApiKey&& k) { system_keys += k.tenant_id == kSystemTenantId; }));
  EXPECT_EQ(system_keys, 1);
  auto events = auditOf(kSystemTenantId);
  int creates = 0;
  for (const auto& e : events) creates += e.actor == "bootstrap";
  EXPECT_EQ(creates, 2);  // tenant.create and key.create, once
}

TEST_P(BootstrapTest, BootstrapKeySurvivesTimePassing) {
  clock_.advance(10 * 365 * kDay);
  EXPECT_TRUE(verify(root_secret_).valid());
}

// ---- usage flusher -----------------------------------------------------------------------

class UsageFlusherTest : public CoreTest {};
KEYWARD_ON_EVERY_BACKEND(UsageFlusherTest);

TEST_P(UsageFlusherTest, FlushMovesLastUseAndFailureCountsToTheStore) {
  Tenant t = makeTenant("acme");
  CreatedKey live = makeKey(t.id, "live");
  CreateKeyInput off;
  off.enabled = false;
  CreatedKey disabled = makeKey(t.id, "disabled", off);
  UsageFlusher flusher(*store_, index_, verifier_, std::chrono::hours(1));

  clock_.set(kT0 + 100);
  ASSERT_TRUE(verify(live.secret).valid());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(verify(disabled.secret).code, Code::kDisabled);
  EXPECT_EQ(verify(live.secret, "ten_other").code, Code::kTenantMismatch);
  EXPECT_FALSE(store_->getKey(t.id, live.key.id).value().last_used_at);  // buffered, not yet written

  ASSERT_TRUE(flusher.flushNow());
  EXPECT_EQ(store_->getKey(t.id, live.key.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 100));
  EXPECT_FALSE(store_->getKey(t.id, disabled.key.id).value().last_used_at);
  auto failures = store_->listVerifyFailures(t.id);
  ASSERT_TRUE(failures);
  ASSERT_EQ(failures->size(), 2u);
  auto count = [&](std::string_view key_id, std::string_view reason) -> std::int64_t {
    const auto rows = store_->listVerifyFailures(t.id);
    EXPECT_TRUE(rows);
    if (rows)
      for (const auto& f : *rows)
        if (f.key_id == key_id && f.reason == reason) return f.count;
    return -1;
  };
  EXPECT_EQ(count(disabled.key.id, "DISABLED"), 3);
  EXPECT_EQ(count(live.key.id, "TENANT_MISMATCH"), 1);

  // A second flush with nothing new changes nothing (no double counting).
  ASSERT_TRUE(flusher.flushNow());
  EXPECT_EQ(count(disabled.key.id, "DISABLED"), 3);
  verify(disabled.secret);
  // A use a whole last_use_resolution later is stored again (uses within one period are
  // not: the store hears of a key at most once per period, whatever the key's phase).
  const UnixSeconds later = kT0 + 100 + index_.lastUseResolution();
  clock_.set(later);
  ASSERT_TRUE(verify(live.secret).valid());
  ASSERT_TRUE(flusher.flushNow());
  EXPECT_EQ(count(disabled.key.id, "DISABLED"), 4);
  EXPECT_EQ(store_->getKey(t.id, live.key.id).value().last_used_at, std::optional<UnixSeconds>(later));
  // Failures are visible through the service too.
  auto via_service = keys_->failures(root_, t.id);
  ASSERT_TRUE(via_service);
  EXPECT_EQ(via_service->size(), 2u);
}

TEST_P(UsageFlusherTest, StoppingFlushesWhatIsBuffered) {
  Tenant t = makeTenant("acme");
  CreatedKey live = makeKey(t.id, "live");
  {
    UsageFlusher flusher(*store_, index_, verifier_, std::chrono::hours(1));
    flusher.start();
    clock_.set(kT0 + 42);
    ASSERT_TRUE(verify(live.secret).valid());
    verify("garbage");
    flusher.stop();  // a clean shutdown loses nothing
  }
  EXPECT_EQ(store_->getKey(t.id, live.key.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 42));
  // Failures of keys that belong to no tenant are shown to the platform operator.
  auto unknown = store_->listVerifyFailures(kSystemTenantId);
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->size(), 1u);
  EXPECT_EQ(unknown->front().reason, "MALFORMED");
  EXPECT_EQ(unknown->front().key_id, "");
}

TEST_P(UsageFlusherTest, LastUseFlushedAfterAnEditIsNotLost) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  UsageFlusher flusher(*store_, index_, verifier_, std::chrono::hours(1));
  clock_.set(kT0 + 10);
  ASSERT_TRUE(verify(k.secret).valid());
  UpdateKeyInput edit;
  edit.description = "edited before the flush";
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, edit));
  ASSERT_TRUE(flusher.flushNow());
  EXPECT_EQ(store_->getKey(t.id, k.key.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 10));
}

}  // namespace
}  // namespace keyward
