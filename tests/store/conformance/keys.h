// store_conformance.h — the contract of src/store/store.h, written once and run by every
// backend. Nothing here knows which backend it talks to.
//
// A backend instantiates the suite with a type `Backend` that provides:
//   static std::string unavailable();            // non-empty: why the suite is skipped
//   Backend();                                   // a fresh, empty, isolated database
//   Result<std::unique_ptr<Store>> open();       // a store on that database
//   ~Backend();                                  // drops the database
// and then, in one .cc file:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, StoreConformance, ::testing::Types<Backend>);
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/ip.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "store/store.h"

namespace keyward::store_testing {

inline constexpr UnixSeconds kT0 = 1'800'000'000;
inline constexpr UnixSeconds kDay = 86400;

inline std::string freshId(std::string_view prefix) { return crypto::newId(prefix).value(); }

inline AuditEvent event(std::string tenant_id, std::string action, std::string target, UnixSeconds at = kT0,
                        std::string actor = "key_actor") {
  AuditEvent ev;
  ev.id = freshId("evt");
  ev.tenant_id = std::move(tenant_id);
  ev.actor = std::move(actor);
  ev.action = std::move(action);
  ev.target = std::move(target);
  ev.client_ip = "192.0.2.10";
  ev.outcome = "success";
  ev.detail_json = R"({"k":"v"})";
  ev.at = at;
  return ev;
}

inline Tenant tenant(std::string name) {
  Tenant t;
  t.id = freshId("ten");
  t.name = std::move(name);
  t.created_at = t.updated_at = kT0;
  return t;
}

inline KeyGroup group(const Tenant& t, std::string name) {
  KeyGroup g;
  g.id = freshId("grp");
  g.tenant_id = t.id;
  g.name = std::move(name);
  g.description = "the " + g.name + " group";
  g.created_at = g.updated_at = kT0;
  return g;
}

inline ApiKey key(const Tenant& t, std::string name, std::optional<std::string> group_id = std::nullopt) {
  ApiKey k;
  k.id = freshId("key");
  k.tenant_id = t.id;
  k.name = std::move(name);
  k.description = "key " + k.name;
  k.group_id = std::move(group_id);
  k.digest = crypto::sha256(k.id);  // unique per key; the tests never need the secret
  k.start = "kw_" + k.id.substr(4, 4);
  k.expires_at = kT0 + 30 * kDay;
  k.created_by = "key_creator";
  k.created_at = k.updated_at = kT0;
  return k;
}

inline RoleAssignment unscoped(std::string_view role) { return RoleAssignment{std::string(role), false, {}}; }
inline RoleAssignment ofAll(std::string_view role) { return RoleAssignment{std::string(role), true, {}}; }
inline RoleAssignment of(std::string_view role, std::vector<std::string> resources) {
  return RoleAssignment{std::string(role), false, std::move(resources)};
}

inline User user(const Tenant& t, std::string email) {
  User u;
  u.id = freshId("usr");
  u.tenant_id = t.id;
  u.email = std::move(email);
  u.display_name = "Display " + u.email;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  u.created_by = "key_creator";
  u.created_at = u.updated_at = kT0;
  return u;
}

inline ServiceUser serviceUser(const Tenant& t, std::string name) {
  ServiceUser u;
  u.id = freshId("svc");
  u.tenant_id = t.id;
  u.name = std::move(name);
  u.description = "service user " + u.name;
  u.created_by = "key_creator";
  u.created_at = u.updated_at = kT0;
  return u;
}

inline UserGroup userGroup(const Tenant& t, std::string name, std::vector<std::string> members = {},
                           std::vector<std::string> subscriptions = {}) {
  UserGroup g;
  g.id = freshId("ugr");
  g.tenant_id = t.id;
  g.name = std::move(name);
  g.description = "the " + g.name + " users";
  g.members = std::move(members);
  g.subscriptions = std::move(subscriptions);
  g.created_by = "key_creator";
  g.created_at = g.updated_at = kT0;
  return g;
}

inline Role role(const Tenant& t, std::string name, std::vector<Permission> permissions = {},
                 std::optional<std::string> scope_module = std::nullopt) {
  Role r;
  r.id = freshId("rol");
  r.tenant_id = t.id;
  r.name = std::move(name);
  r.description = "role " + r.name;
  r.permissions = std::move(permissions);
  r.scope_module = std::move(scope_module);
  r.created_by = "key_creator";
  r.created_at = r.updated_at = kT0;
  return r;
}

inline Module module(const Tenant& t, std::string name) {
  Module m;
  m.tenant_id = t.id;
  m.name = std::move(name);
  m.description = "module " + m.name;
  m.created_at = kT0;
  return m;
}

inline OwnerRef ownedBy(const ServiceUser& u) { return OwnerRef{PrincipalKind::kServiceUser, u.id}; }
inline OwnerRef ownedBy(const User& u) { return OwnerRef{PrincipalKind::kUser, u.id}; }

inline std::vector<std::string> ids(const auto& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.id);
  return out;
}

// Builds an AuditFilter: Q().action("key.create").since(t).
struct Q {
  AuditFilter f;
  Q& action(std::string v) { f.action = std::move(v); return *this; }
  Q& actor(std::string v) { f.actor = std::move(v); return *this; }
  Q& target(std::string v) { f.target = std::move(v); return *this; }
  Q& since(UnixSeconds v) { f.since = v; return *this; }
  Q& until(UnixSeconds v) { f.until = v; return *this; }
  operator AuditFilter() const { return f; }
};

template <class Backend>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Backend::unavailable(); !why.empty()) GTEST_SKIP() << why;
    backend_ = std::make_unique<Backend>();
    auto opened = backend_->open();
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    backend_.reset();
  }

  Store& store() { return *store_; }

  // Closes the store and opens a new one on the same database (what a restart sees).
  void reopen() {
    store_.reset();
    auto opened = backend_->open();
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  std::vector<std::string> auditActions(std::string_view tenant_id) {
    std::vector<std::string> out;
    for (const auto& e : audit(tenant_id)) out.push_back(e.action);
    return out;
  }

  // Every audit event of `tenant_id`, across all pages.
  std::vector<AuditEvent> audit(std::string_view tenant_id, AuditFilter f = {}) {
    std::vector<AuditEvent> out;
    f.page.limit = 500;
    for (;;) {
      auto page = store_->listAudit(tenant_id, f);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) return out;
      out.insert(out.end(), page->items.begin(), page->items.end());
      if (!page->next) return out;
      f.page.after = *page->next;
    }
  }

  Tenant addTenant(std::string name) {
    Tenant t = tenant(std::move(name));
    auto st = store_->createTenant(t, event(t.id, "tenant.create", t.id));
    EXPECT_TRUE(st) << st.error().message;
    return t;
  }

  KeyGroup addGroup(const Tenant& t, std::string name) {
    KeyGroup g = group(t, std::move(name));
    auto st = store_->createGroup(g, event(t.id, "key_group.create", g.id));
    EXPECT_TRUE(st) << st.error().message;
    return g;
  }

  ApiKey addKey(ApiKey k) {
    auto st = store_->createKey(k, event(k.tenant_id, "key.create", k.id), std::nullopt);
    EXPECT_TRUE(st) << st.error().message;
    return k;
  }

  User addUser(User u) {
    auto st = store_->createUser(u, event(u.tenant_id, "user.create", u.id));
    EXPECT_TRUE(st) << st.error().message;
    return u;
  }

  ServiceUser addServiceUser(ServiceUser u) {
    auto st = store_->createServiceUser(u, event(u.tenant_id, "service_user.create", u.id));
    EXPECT_TRUE(st) << st.error().message;
    return u;
  }

  UserGroup addUserGroup(UserGroup g) {
    auto st = store_->createUserGroup(g, event(g.tenant_id, "user_group.create", g.id));
    EXPECT_TRUE(st) << st.error().message;
    return g;
  }

  Role addRole(Role r) {
    auto st = store_->createRole(r, event(r.tenant_id, "role.create", r.id));
    EXPECT_TRUE(st) << st.error().message;
    return r;
  }

  Module addModule(Module m) {
    auto st = store_->createModule(m, event(m.tenant_id, "module.create", m.name));
    EXPECT_TRUE(st) << st.error().message;
    return m;
  }

  void revoke(ApiKey k, UnixSeconds at = kT0 + 1) {
    k.revoked_at = at;
    k.updated_at = at;
    auto st = store_->updateKey(k, event(k.tenant_id, "key.revoke", k.id, at));
    EXPECT_TRUE(st) << st.error().message;
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreConformance);

// ---- bootstrap and health ----------------------------------------------------------------

TYPED_TEST_P(StoreConformance, FreshStoreIsReadyAndEmpty) {
  EXPECT_TRUE(this->store().ping());
  auto empty = this->store().isEmpty();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(*empty);
  auto tenants = this->store().listTenants({});
  ASSERT_TRUE(tenants);
  EXPECT_TRUE(tenants->items.empty());
  EXPECT_FALSE(tenants->next);
}

TYPED_TEST_P(StoreConformance, BootstrapHappensExactlyOnce) {
  Store& s = this->store();
  Tenant sys = tenant("system");
  sys.id = std::string(kSystemTenantId);
  ApiKey admin = key(sys, "bootstrap-admin");
  admin.roles = {unscoped(kRolePortalAdministrator)};
  admin.expires_at = kNever;
  std::vector<AuditEvent> evs{event(sys.id, "tenant.create", sys.id, kT0, "bootstrap"),
                              event(sys.id, "key.create", admin.id, kT0, "bootstrap")};
  ASSERT_TRUE(s.bootstrap(sys, admin, evs));
  EXPECT_FALSE(s.isEmpty().value());
  ASSERT_TRUE(s.getTenant(kSystemTenantId));
  auto stored = s.getKey(kSystemTenantId, admin.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->roles, admin.roles);
  EXPECT_EQ(stored->expires_at, kNever);
  EXPECT_EQ(this->audit(kSystemTenantId).size(), 2u);

  // A second bootstrap (another node, a restart) is refused and changes nothing.
  Tenant sys2 = tenant("system-again");
  ApiKey admin2 = key(sys2, "bootstrap-admin-2");
  auto again = s.bootstrap(sys2, admin2, {event(sys2.id, "tenant.create", sys2.id)});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(again.error().code, "ALREADY_BOOTSTRAPPED");
  EXPECT_EQ(s.listTenants({}).value().items.size(), 1u);
  EXPECT_FALSE(s.getTenant(sys2.id));
  EXPECT_EQ(this->audit(kSystemTenantId).size(), 2u);
  EXPECT_TRUE(this->audit(sys2.id).empty());
}

TYPED_TEST_P(StoreConformance, BootstrapIsRefusedOnceAnyTenantExists) {
  this->addTenant("acme");
  Tenant sys = tenant("system");
  sys.id = std::string(kSystemTenantId);
  auto st = this->store().bootstrap(sys, key(sys, "bootstrap-admin"), {});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "ALREADY_BOOTSTRAPPED");
  EXPECT_FALSE(this->store().getTenant(kSystemTenantId));
}

// ---- tenants -----------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, TenantKeepsEverySetting) {
  Tenant t = tenant("acme");
  t.settings.key_prefix = "acme";
  t.settings.default_expiry_days = 30;
  t.settings.max_expiry_days = 90;
  t.settings.expiry_alert_days = 7;
  t.settings.max_keys_per_service_user = 3;
  t.settings.allow_never_expiring = false;
  t.created_at = kT0;
  t.updated_at = kT0 + 5;
  ASSERT_TRUE(this->store().createTenant(t, event(t.id, "tenant.create", t.id)));
  auto got = this->store().getTenant(t.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, t.id);
  EXPECT_EQ(got->name, "acme");
  EXPECT_EQ(got->settings.key_prefix, "acme");
  EXPECT_EQ(got->settings.default_expiry_days, 30);
  EXPECT_EQ(got->settings.max_expiry_days, std::optional<int>(90));
  EXPECT_EQ(got->settings.expiry_alert_days, 7);
  EXPECT_EQ(got->settings.max_keys_per_service_user, 3);
  EXPECT_FALSE(got->settings.allow_never_expiring);
  got->settings.allow_never_expiring = true;
  ASSERT_TRUE(this->store().updateTenant(*got, event(t.id, "tenant.update", t.id)));
  EXPECT_TRUE(this->store().getTenant(t.id)->settings.allow_never_expiring);
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->updated_at, kT0 + 5);
  EXPECT_GT(got->seq, 0);
}

TYPED_TEST_P(StoreConformance, TenantWithoutExpiryPolicyHasNoMaximum) {
  Tenant t = this->addTenant("acme");
  EXPECT_FALSE(this->store().getTenant(t.id).value().settings.max_expiry_days);
}

TYPED_TEST_P(StoreConformance, DuplicateTenantNameIsRefusedAndRecordsNothing) {
  Tenant first = this->addTenant("acme");
  Tenant dup = tenant("acme");
  auto st = this->store().createTenant(dup, event(first.id, "tenant.create", dup.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_FALSE(this->store().getTenant(dup.id));
  EXPECT_EQ(this->audit(first.id).size(), 1u);  // only the first create
}

TYPED_TEST_P(StoreConformance, UnknownTenantIsNotFound) {
  Store& s = this->store();
  Tenant ghost = tenant("ghost");
  auto got = s.getTenant(ghost.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);
  auto upd = s.updateTenant(ghost, event(ghost.id, "tenant.update", ghost.id));
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().kind, ErrorKind::kNotFound);
  auto del = s.deleteTenant(ghost.id, event(ghost.id, "tenant.delete", ghost.id));
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(this->audit(ghost.id).empty());
  EXPECT_TRUE(s.isEmpty().value());
}

TYPED_TEST_P(StoreConformance, TenantUpdateChangesNameAndSettings) {
  Tenant t = this->addTenant("acme");
  t.name = "acme-renamed";
  t.settings.key_prefix = "ac";
  t.settings.max_expiry_days = 365;
  t.updated_at = kT0 + 60;
  ASSERT_TRUE(this->store().updateTenant(t, event(t.id, "tenant.update", t.id)));
  auto got = this->store().getTenant(t.id).value();
  EXPECT_EQ(got.name, "acme-renamed");
  EXPECT_EQ(got.settings.key_prefix, "ac");
  EXPECT_EQ(got.settings.max_expiry_days, std::optional<int>(365));
  EXPECT_EQ(got.updated_at, kT0 + 60);
  EXPECT_EQ(got.created_at, kT0);
  // The policy can be removed again.
  t.settings.max_expiry_days.reset();
  ASSERT_TRUE(this->store().updateTenant(t, event(t.id, "tenant.update", t.id)));
  EXPECT_FALSE(this->store().getTenant(t.id).value().settings.max_expiry_days);
  EXPECT_EQ(this->audit(t.id, Q().action("tenant.update")).size(), 2u);
}

TYPED_TEST_P(StoreConformance, RenamingATenantToATakenNameChangesNothing) {
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  b.name = "acme";
  b.settings.default_expiry_days = 10;
  auto st = this->store().updateTenant(b, event(b.id, "tenant.update", b.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  auto got = this->store().getTenant(b.id).value();
  EXPECT_EQ(got.name, "globex");
  EXPECT_EQ(got.settings.default_expiry_days, 182);
  EXPECT_TRUE(this->audit(b.id, Q().action("tenant.update")).empty());
}

TYPED_TEST_P(StoreConformance, TenantsArePagedInCreationOrder) {
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) created.push_back(this->addTenant("t" + std::to_string(i)).id);
  std::vector<std::string> seen;
  PageRequest page{2, 0};
  int pages = 0;
  for (;;) {
    auto p = this->store().listTenants(page);
    ASSERT_TRUE(p);
    EXPECT_LE(p->items.size(), 2u);
    for (auto& id : ids(p->items)) seen.push_back(id);
    ++pages;
    if (!p->next) break;
    page.after = *p->next;
    ASSERT_LT(pages, 10) << "pagination does not terminate";
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, created);
}

TYPED_TEST_P(StoreConformance, EmptyTenantCanBeDeleted) {
  Tenant t = this->addTenant("acme");
  ASSERT_TRUE(this->store().deleteTenant(t.id, event(t.id, "tenant.delete", t.id)));
  auto got = this->store().getTenant(t.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->audit(t.id, Q().action("tenant.delete")).size(), 1u);
  // The name is free again.
  this->addTenant("acme");
}

TYPED_TEST_P(StoreConformance, TenantHoldingGroupsOrLiveKeysCannotBeDeleted) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  auto st = s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "TENANT_NOT_EMPTY");

  ASSERT_TRUE(s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id)));
  ApiKey k = this->addKey(key(t, "live"));
  st = s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "TENANT_NOT_EMPTY");
  EXPECT_TRUE(s.getTenant(t.id));
  EXPECT_TRUE(s.getKey(t.id, k.id));
  EXPECT_TRUE(this->audit(t.id, Q().action("tenant.delete")).empty());

  // Once its keys are revoked, the tenant can go.
  this->revoke(k);
  ASSERT_TRUE(s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id)));
  EXPECT_FALSE(s.getTenant(t.id));
}

// ---- key groups --------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, GroupLifecycle) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  auto got = s.getGroup(t.id, g.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "ops");
  EXPECT_EQ(got->description, "the ops group");
  EXPECT_EQ(got->tenant_id, t.id);
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_GT(got->seq, 0);

  g.name = "operations";
  g.description = "renamed";
  g.updated_at = kT0 + 9;
  ASSERT_TRUE(s.updateGroup(g, event(t.id, "key_group.update", g.id)));
  got = s.getGroup(t.id, g.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "operations");
  EXPECT_EQ(got->description, "renamed");
  EXPECT_EQ(got->updated_at, kT0 + 9);

  KeyGroup second = this->addGroup(t, "billing");
  auto list = s.listGroups(t.id, {});
  ASSERT_TRUE(list);
  EXPECT_EQ(ids(list->items), (std::vector<std::string>{g.id, second.id}));

  ASSERT_TRUE(s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id)));
  got = s.getGroup(t.id, g.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(ids(s.listGroups(t.id, {}).value().items), std::vector<std::string>{second.id});
  auto again = s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kNotFound);
}

TYPED_TEST_P(StoreConformance, GroupsArePagedWithACursor) {
  Tenant t = this->addTenant("acme");
  std::vector<std::string> created;
  for (int i = 0; i < 3; ++i) created.push_back(this->addGroup(t, "g" + std::to_string(i)).id);
  auto p1 = this->store().listGroups(t.id, PageRequest{2, 0});
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->items.size(), 2u);
  ASSERT_TRUE(p1->next);
  auto p2 = this->store().listGroups(t.id, PageRequest{2, *p1->next});
  ASSERT_TRUE(p2);
  ASSERT_EQ(p2->items.size(), 1u);
  EXPECT_FALSE(p2->next);
  EXPECT_EQ(ids(p1->items)[0], created[0]);
  EXPECT_EQ(ids(p1->items)[1], created[1]);
  EXPECT_EQ(p2->items[0].id, created[2]);
}

TYPED_TEST_P(StoreConformance, GroupNamesAreUniquePerTenantOnly) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  KeyGroup ga = this->addGroup(a, "ops");
  KeyGroup gb = this->addGroup(b, "ops");  // the same name in another tenant is fine
  EXPECT_TRUE(s.getGroup(b.id, gb.id));

  KeyGroup dup = group(a, "ops");
  const size_t before = this->audit(a.id).size();
  auto st = s.createGroup(dup, event(a.id, "key_group.create", dup.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_FALSE(s.getGroup(a.id, dup.id));
  EXPECT_EQ(this->audit(a.id).size(), before);

  KeyGroup other = this->addGroup(a, "billing");
  other.name = "ops";
  st = s.updateGroup(other, event(a.id, "key_group.update", other.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_EQ(s.getGroup(a.id, other.id).value().name, "billing");
  EXPECT_EQ(s.listGroups(a.id, {}).value().items.size(), 2u);
  (void)ga;
}

TYPED_TEST_P(StoreConformance, GroupOfAnotherTenantIsNotFound) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  KeyGroup g = this->addGroup(a, "ops");
  auto got = s.getGroup(b.id, g.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(s.listGroups(b.id, {}).value().items.empty());

  KeyGroup hijack = g;
  hijack.tenant_id = b.id;
  hijack.name = "hijacked";
  auto upd = s.updateGroup(hijack, event(b.id, "key_group.update", g.id));
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().kind, ErrorKind::kNotFound);
  auto del = s.deleteGroup(b.id, g.id, event(b.id, "key_group.delete", g.id));
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(s.getGroup(a.id, g.id).value().name, "ops");
  EXPECT_EQ(this->audit(b.id).size(), 1u);  // only b's own creation
}

TYPED_TEST_P(StoreConformance, GroupHoldingUnrevokedKeysCannotBeDeleted) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  ApiKey disabled = key(t, "disabled", g.id);
  disabled.enabled = false;
  this->addKey(disabled);
  ApiKey expired = key(t, "expired", g.id);
  expired.expires_at = kT0 - kDay;
  this->addKey(expired);
  const size_t before = this->audit(t.id).size();
  auto st = s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "GROUP_NOT_EMPTY");
  EXPECT_TRUE(s.getGroup(t.id, g.id));
  EXPECT_EQ(s.getKey(t.id, disabled.id).value().group_id, std::optional<std::string>(g.id));
  EXPECT_EQ(this->audit(t.id).size(), before);

  this->revoke(s.getKey(t.id, disabled.id).value());
  st = s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id));
  ASSERT_FALSE(st);  // the expired key still holds it
  EXPECT_EQ(st.error().code, "GROUP_NOT_EMPTY");
}

TYPED_TEST_P(StoreConformance, DeletingAGroupOfRevokedKeysDetachesThem) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  KeyGroup keep = this->addGroup(t, "keep");
  ApiKey k1 = this->addKey(key(t, "one", g.id));
  ApiKey k2 = this->addKey(key(t, "two", g.id));
  ApiKey other = this->addKey(key(t, "other", keep.id));
  this->revoke(k1);
  this->revoke(k2);
  ASSERT_TRUE(s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id)));
  EXPECT_FALSE(s.getGroup(t.id, g.id));
  for (const auto& id : {k1.id, k2.id}) {
    auto k = s.getKey(t.id, id);
    ASSERT_TRUE(k);  // kept for the audit trail
    EXPECT_FALSE(k->group_id);
    EXPECT_TRUE(k->revoked_at);
  }
  EXPECT_EQ(s.getKey(t.id, other.id).value().group_id, std::optional<std::string>(keep.id));
}

TYPED_TEST_P(StoreConformance, GroupInAMissingTenantIsRefused) {
  Tenant ghost = tenant("ghost");
  KeyGroup g = group(ghost, "ops");
  auto st = this->store().createGroup(g, event(ghost.id, "key_group.create", g.id));
  ASSERT_FALSE(st);
  EXPECT_TRUE(this->audit(ghost.id).empty());
}

// ---- keys --------------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, KeyKeepsEveryField) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  ApiKey k = key(t, "billing-sync", g.id);
  k.description = "syncs invoices";
  k.digest = crypto::sha256("kw_some-secret");
  k.start = "kw_AbCd";
  k.enabled = false;
  k.expires_at = kT0 + 7 * kDay;
  k.ip_allowlist = {parseCidr("10.0.0.0/8").value(), parseCidr("2001:db8::/32").value(),
                    parseCidr("192.0.2.7").value()};
  k.metadata_json = R"({"plan":"pro","n":[1,2]})";
  k.roles = {unscoped(kRolePortalAdministrator), unscoped(kRoleVerifier)};
  k.created_by = "key_admin";
  k.created_at = kT0;
  k.updated_at = kT0 + 1;
  this->addKey(k);

  auto got = s.getKey(t.id, k.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, k.id);
  EXPECT_EQ(got->tenant_id, t.id);
  EXPECT_EQ(got->name, "billing-sync");
  EXPECT_EQ(got->description, "syncs invoices");
  EXPECT_EQ(got->group_id, std::optional<std::string>(g.id));
  EXPECT_EQ(got->kind, "simple");
  EXPECT_EQ(got->digest, k.digest);
  EXPECT_EQ(got->start, "kw_AbCd");
  EXPECT_FALSE(got->enabled);
  EXPECT_FALSE(got->revoked_at);
  EXPECT_EQ(got->expires_at, kT0 + 7 * kDay);
  EXPECT_EQ(got->ip_allowlist, k.ip_allowlist);
  EXPECT_EQ(got->metadata_json, k.metadata_json);
  EXPECT_EQ(got->roles, k.roles);
  EXPECT_EQ(got->created_by, "key_admin");
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->updated_at, kT0 + 1);
  EXPECT_FALSE(got->last_used_at);
  EXPECT_GT(got->seq, 0);
}

TYPED_TEST_P(StoreConformance, KeyWithoutGroupExpiryOrRolesRoundTrips) {
  Tenant t = this->addTenant("acme");
  ApiKey k = key(t, "plain");
  k.expires_at = kNever;
  this->addKey(k);
  auto got = this->store().getKey(t.id, k.id);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->group_id);
  EXPECT_EQ(got->expires_at, kNever);
  EXPECT_TRUE(got->roles.empty());
  EXPECT_TRUE(got->ip_allowlist.empty());
  EXPECT_EQ(got->metadata_json, "{}");
}

TYPED_TEST_P(StoreConformance, KeyNamesAreUniquePerTenantOnly) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  this->addKey(key(a, "deploy"));
  this->addKey(key(b, "deploy"));
  const size_t before = this->audit(a.id).size();
  ApiKey dup = key(a, "deploy");
  auto st = s.createKey(dup, event(a.id, "key.create", dup.id), std::nullopt);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_FALSE(s.getKey(a.id, dup.id));
  EXPECT_EQ(this->audit(a.id).size(), before);
}

TYPED_TEST_P(StoreConformance, KeyInAMissingGroupIsRefused) {
  Tenant t = this->addTenant("acme");
  ApiKey k = key(t, "orphan", freshId("grp"));
  const size_t before = this->audit(t.id).size();
  auto st = this->store().createKey(k, event(t.id, "key.create", k.id), std::nullopt);
  ASSERT_FALSE(st);
  EXPECT_FALSE(this->store().getKey(t.id, k.id));
  EXPECT_EQ(this->audit(t.id).size(), before);
}

TYPED_TEST_P(StoreConformance, KeyOfAnotherTenantIsNotFound) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  ApiKey k = this->addKey(key(a, "deploy"));
  auto got = s.getKey(b.id, k.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);

  ApiKey hijack = k;
  hijack.tenant_id = b.id;
  hijack.enabled = false;
  hijack.description = "hijacked";
  auto upd = s.updateKey(hijack, event(b.id, "key.update", k.id));
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().kind, ErrorKind::kNotFound);
  auto still = s.getKey(a.id, k.id).value();
  EXPECT_TRUE(still.enabled);
  EXPECT_EQ(still.description, k.description);
  EXPECT_EQ(this->audit(b.id).size(), 1u);  // b's creation only
  EXPECT_TRUE(s.listKeys(b.id, {}, kT0).value().items.empty());
}

TYPED_TEST_P(StoreConformance, UpdateReplacesMutableFieldsAndKeepsIdentity) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  ApiKey k = this->addKey(key(t, "deploy"));
  ApiKey edit = k;
  edit.description = "new description";
  edit.group_id = g.id;
  edit.enabled = false;
  edit.expires_at = kNever;
  edit.ip_allowlist = {parseCidr("203.0.113.0/24").value()};
  edit.metadata_json = R"({"v":2})";
  edit.roles = {unscoped(kRoleVerifier)};
  edit.updated_at = kT0 + 100;
  // Immutable fields: whatever the caller sends, the store keeps the originals.
  edit.name = "renamed";
  edit.digest = crypto::sha256("another secret");
  edit.created_at = kT0 + 100;
  edit.created_by = "someone-else";
  ASSERT_TRUE(s.updateKey(edit, event(t.id, "key.update", k.id, kT0 + 100)));
  auto got = s.getKey(t.id, k.id).value();
  EXPECT_EQ(got.description, "new description");
  EXPECT_EQ(got.group_id, std::optional<std::string>(g.id));
  EXPECT_FALSE(got.enabled);
  EXPECT_EQ(got.expires_at, kNever);
  EXPECT_EQ(got.ip_allowlist, edit.ip_allowlist);
  EXPECT_EQ(got.metadata_json, R"({"v":2})");
  EXPECT_EQ(got.roles, edit.roles);
  EXPECT_EQ(got.updated_at, kT0 + 100);
  EXPECT_EQ(got.name, "deploy");
  EXPECT_EQ(got.digest, k.digest);
  EXPECT_EQ(got.created_at, kT0);
  EXPECT_EQ(got.created_by, "key_creator");

  // Back out of the group, clear the allowlist.
  edit.group_id.reset();
  edit.ip_allowlist.clear();
  ASSERT_TRUE(s.updateKey(edit, event(t.id, "key.update", k.id)));
  got = s.getKey(t.id, k.id).value();
  EXPECT_FALSE(got.group_id);
  EXPECT_TRUE(got.ip_allowlist.empty());
}

TYPED_TEST_P(StoreConformance, RotationReplacesTheDigestAndKeepsThePreviousOneAcrossARestart) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = key(t, "deploy");
  k.digest = crypto::sha256("kw_old");
  k.start = "kw_Old";
  k.not_before = kT0 + 60;
  this->addKey(k);
  ApiKey r = k;
  r.previous_digest = k.digest;
  r.previous_start = k.start;
  r.previous_expires_at = kT0 + 3600;
  r.digest = crypto::sha256("kw_new");
  r.start = "kw_New";
  r.expires_at = kT0 + 90 * kDay;
  r.rotated_at = kT0 + 5;
  r.updated_at = kT0 + 5;
  ASSERT_TRUE(s.rotateKey(r, event(t.id, "key.rotate", k.id)));
  ASSERT_NO_FATAL_FAILURE(this->reopen());
  auto got = this->store().getKey(t.id, k.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->digest, crypto::sha256("kw_new"));
  EXPECT_EQ(got->start, "kw_New");
  ASSERT_TRUE(got->previous_digest);
  EXPECT_EQ(*got->previous_digest, crypto::sha256("kw_old"));
  EXPECT_EQ(got->previous_start, "kw_Old");
  EXPECT_EQ(got->previous_expires_at, kT0 + 3600);
  EXPECT_EQ(got->rotated_at, kT0 + 5);
  EXPECT_EQ(got->expires_at, kT0 + 90 * kDay);
  EXPECT_EQ(got->not_before, kT0 + 60);
  EXPECT_EQ(this->audit(t.id).back().action, "key.rotate");
  // An ordinary edit keeps the rotation fields and can clear not_before.
  got->description = "edited";
  got->not_before.reset();
  ASSERT_TRUE(this->store().updateKey(*got, event(t.id, "key.update", k.id)));
  auto edited = this->store().getKey(t.id, k.id);
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->digest, crypto::sha256("kw_new"));
  EXPECT_EQ(edited->previous_digest, got->previous_digest);
  EXPECT_FALSE(edited->not_before);
}

TYPED_TEST_P(StoreConformance, KindPurposeAndPublicKeyRoundTripAndFilterLists) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey adv = key(t, "adv");
  adv.kind = "advanced";
  adv.credential_mode = "shared_secret";
  adv.public_id = "pub_0123456789abcdefghijkl";
  adv.purpose = "builtin_plugin";
  this->addKey(adv);
  this->addKey(key(t, "plain"));
  auto got = s.getKey(t.id, adv.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, "advanced");
  EXPECT_EQ(got->credential_mode, "shared_secret");
  EXPECT_EQ(got->public_id, "pub_0123456789abcdefghijkl");
  EXPECT_EQ(got->purpose, "builtin_plugin");
  KeyFilter f;
  f.kind = "advanced";
  auto page = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "adv");
  f = {};
  f.purpose = "third_party";
  page = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "plain");
  EXPECT_EQ(page->items[0].purpose, "third_party");
  EXPECT_TRUE(page->items[0].public_id.empty());
}

TYPED_TEST_P(StoreConformance, RevokedKeyCannotBeRotatedAndNothingIsWritten) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = key(t, "deploy");
  k.revoked_at = kT0;
  this->addKey(k);
  const size_t before = this->audit(t.id).size();
  ApiKey r = k;
  r.digest = crypto::sha256("kw_new");
  auto st = s.rotateKey(r, event(t.id, "key.rotate", k.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->audit(t.id).size(), before);
  EXPECT_EQ(s.getKey(t.id, k.id)->digest, k.digest);
}

TYPED_TEST_P(StoreConformance, UpdatingAMissingKeyIsNotFound) {
  Tenant t = this->addTenant("acme");
  ApiKey ghost = key(t, "ghost");
  const size_t before = this->audit(t.id).size();
  auto st = this->store().updateKey(ghost, event(t.id, "key.update", ghost.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->audit(t.id).size(), before);
}

TYPED_TEST_P(StoreConformance, ListFiltersByStateAtTheGivenTime) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  const UnixSeconds now = kT0 + 10 * kDay;
  ApiKey active = key(t, "active");
  active.expires_at = now + 1;  // one second left
  ApiKey forever = key(t, "forever");
  forever.expires_at = kNever;
  ApiKey disabled = key(t, "disabled");
  disabled.enabled = false;
  ApiKey expired = key(t, "expired");
  expired.expires_at = now;  // expires exactly now
  ApiKey expired_disabled = key(t, "expired-disabled");
  expired_disabled.expires_at = now - kDay;
  expired_disabled.enabled = false;
  ApiKey revoked = key(t, "revoked");
  for (auto* k : {&active, &forever, &disabled, &expired, &expired_disabled, &revoked}) this->addKey(*k);
  this->revoke(revoked);

  auto list = [&](std::optional<KeyState> state, UnixSeconds at) {
    KeyFilter f;
    f.state = state;
    auto p = s.listKeys(t.id, f, at);
    EXPECT_TRUE(p);
    std::vector<std::string> names;
    if (p)
      for (const auto& k : p->items) names.push_back(k.name);
    std::sort(names.begin(), names.end());
    return names;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list(KeyState::kActive, now), (V{"active", "forever"}));
  EXPECT_EQ(list(KeyState::kDisabled, now), (V{"disabled"}));
  EXPECT_EQ(list(KeyState::kExpired, now), (V{"expired", "expired-disabled"}));
  EXPECT_EQ(list(KeyState::kRevoked, now), (V{"revoked"}));
  // The default list hides revoked keys and shows every other state.
  EXPECT_EQ(list(std::nullopt, now), (V{"active", "disabled", "expired", "expired-disabled", "forever"}));
  // One second earlier, "expired" was still active; one second later "active" has expired.
  EXPECT_EQ(list(KeyState::kActive, now - 1), (V{"active", "expired", "forever"}));
  EXPECT_EQ(list(KeyState::kExpired, now + 1), (V{"active", "expired", "expired-disabled"}));
  // A revoked key stays revoked, expired or not.
  EXPECT_EQ(list(KeyState::kRevoked, kNever - 1), (V{"revoked"}));
}

TYPED_TEST_P(StoreConformance, ListFiltersByGroup) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup ops = this->addGroup(t, "ops");
  KeyGroup billing = this->addGroup(t, "billing");
  ApiKey a = this->addKey(key(t, "a", ops.id));
  this->addKey(key(t, "b", billing.id));
  ApiKey c = this->addKey(key(t, "c", ops.id));
  this->addKey(key(t, "d"));
  ApiKey r = this->addKey(key(t, "r", ops.id));
  this->revoke(r);
  KeyFilter f;
  f.group_id = ops.id;
  auto p = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(p);
  EXPECT_EQ(ids(p->items), (std::vector<std::string>{a.id, c.id}));
  f.state = KeyState::kRevoked;
  EXPECT_EQ(ids(s.listKeys(t.id, f, kT0).value().items), std::vector<std::string>{r.id});
}

TYPED_TEST_P(StoreConformance, KeyListIsPagedWithACursor) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant other = this->addTenant("globex");
  std::vector<std::string> created;
  for (int i = 0; i < 4; ++i) {
    created.push_back(this->addKey(key(t, "k" + std::to_string(i))).id);
    this->addKey(key(other, "k" + std::to_string(i)));  // interleaved, never listed
  }
  KeyFilter f;
  f.page.limit = 2;
  auto p1 = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(p1);
  EXPECT_EQ(ids(p1->items), (std::vector<std::string>{created[0], created[1]}));
  ASSERT_TRUE(p1->next);
  f.page.after = *p1->next;
  auto p2 = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(p2);
  EXPECT_EQ(ids(p2->items), (std::vector<std::string>{created[2], created[3]}));
  EXPECT_FALSE(p2->next);  // exactly two pages: no empty third page is promised

  f.page = PageRequest{500, 0};
  EXPECT_EQ(ids(s.listKeys(t.id, f, kT0).value().items), created);
  f.page = PageRequest{3, 0};
  auto p = s.listKeys(t.id, f, kT0).value();
  EXPECT_EQ(p.items.size(), 3u);
  ASSERT_TRUE(p.next);
}

TYPED_TEST_P(StoreConformance, ForEachKeyStreamsEveryKeyIncludingRevoked) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  std::set<std::string> expected;
  expected.insert(this->addKey(key(a, "one")).id);
  expected.insert(this->addKey(key(b, "two")).id);
  ApiKey expired = key(a, "expired");
  expired.expires_at = kT0 - kDay;
  expected.insert(this->addKey(expired).id);
  ApiKey revoked = this->addKey(key(b, "revoked"));
  expected.insert(revoked.id);
  this->revoke(revoked);
  std::set<std::string> seen;
  bool revoked_seen_as_revoked = false;
  ASSERT_TRUE(s.forEachKey([&](ApiKey&& k) {
    seen.insert(k.id);
    if (k.id == revoked.id) revoked_seen_as_revoked = k.revoked_at.has_value();
    if (k.id == expired.id) {
      EXPECT_EQ(k.digest, expired.digest);
    }
  }));
  EXPECT_EQ(seen, expected);
  EXPECT_TRUE(revoked_seen_as_revoked);
}

// ---- key owners and role assignments -----------------------------------------------------

TYPED_TEST_P(StoreConformance, KeyOwnerAndScopedRoleAssignmentsSurviveARoundTripAndARestart) {
  Tenant t = this->addTenant("acme");
  ServiceUser svc = this->addServiceUser(serviceUser(t, "billing-bot"));
  ApiKey k = key(t, "scoped");
  k.owner = ownedBy(svc);
  k.roles = {unscoped(kRoleGlobalViewer), of(kRoleCloudAccountViewer, {"acc_a", "acc_b"}),
             ofAll("Report Reader"), of("Single", {"only-one"})};
  this->addKey(k);
  auto check = [&](const ApiKey& got) {
    EXPECT_EQ(got.roles, k.roles);
    EXPECT_EQ(got.owner, k.owner);
  };
  check(this->store().getKey(t.id, k.id).value());
  ASSERT_NO_FATAL_FAILURE(this->reopen());
  check(this->store().getKey(t.id, k.id).value());
  bool streamed = false;
  ASSERT_TRUE(this->store().forEachKey([&](ApiKey&& got) {
    if (got.id != k.id) return;
    streamed = true;
    check(got);
  }));
  EXPECT_TRUE(streamed);
  // A key without an owner stays a standalone principal.
  ApiKey plain = this->addKey(key(t, "plain"));
  EXPECT_FALSE(this->store().getKey(t.id, plain.id).value().owner);
}

TYPED_TEST_P(StoreConformance, KeyOwnerAndRolesCanBeChangedAndRemoved) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ServiceUser svc = this->addServiceUser(serviceUser(t, "bot"));
  User alice = this->addUser(user(t, "alice@example.com"));
  ApiKey k = key(t, "deploy");
  k.owner = ownedBy(svc);
  k.roles = {of(kRoleCloudAccountViewer, {"acc_a"})};
  this->addKey(k);

  k.owner = ownedBy(alice);
  k.roles = {ofAll(kRoleCloudAccountViewer), unscoped(kRoleVerifier)};
  ASSERT_TRUE(s.updateKey(k, event(t.id, "key.update", k.id)));
  auto got = s.getKey(t.id, k.id).value();
  EXPECT_EQ(got.owner, std::optional<OwnerRef>(OwnerRef{PrincipalKind::kUser, alice.id}));
  EXPECT_EQ(got.roles, k.roles);
  EXPECT_TRUE(s.keysOfOwner(t.id, svc.id).value().empty());
  EXPECT_EQ(ids(s.keysOfOwner(t.id, alice.id).value()), std::vector<std::string>{k.id});

  k.owner.reset();
  k.roles.clear();
  ASSERT_TRUE(s.updateKey(k, event(t.id, "key.update", k.id)));
  got = s.getKey(t.id, k.id).value();
  EXPECT_FALSE(got.owner);
  EXPECT_TRUE(got.roles.empty());
  EXPECT_TRUE(s.keysOfOwner(t.id, alice.id).value().empty());
}

TYPED_TEST_P(StoreConformance, ServiceUserOverItsKeyLimitIsRefusedAndNothingIsWritten) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ServiceUser svc = this->addServiceUser(serviceUser(t, "bot"));
  std::vector<ApiKey> keys;
  for (int i = 0; i < 10; ++i) {
    ApiKey k = key(t, "k" + std::to_string(i));
    k.owner = ownedBy(svc);
    ASSERT_TRUE(s.createKey(k, event(t.id, "key.create", k.id), 10)) << i;
    keys.push_back(k);
  }
  EXPECT_EQ(s.countLiveKeysOfOwner(t.id, svc.id).value(), 10);
  const size_t before = this->audit(t.id).size();

  ApiKey eleventh = key(t, "k10");
  eleventh.owner = ownedBy(svc);
  auto st = s.createKey(eleventh, event(t.id, "key.create", eleventh.id), 10);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "KEY_LIMIT_REACHED");
  EXPECT_NE(st.error().message.find(svc.id), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("max_keys_per_service_user = 10"), std::string::npos) << st.error().message;
  EXPECT_FALSE(s.getKey(t.id, eleventh.id));
  EXPECT_EQ(this->audit(t.id).size(), before);
  EXPECT_EQ(s.countLiveKeysOfOwner(t.id, svc.id).value(), 10);

  // Keys of no owner, of another owner, or created without a limit are not counted against it.
  ApiKey standalone = key(t, "standalone");
  EXPECT_TRUE(s.createKey(standalone, event(t.id, "key.create", standalone.id), 10));
  ServiceUser other = this->addServiceUser(serviceUser(t, "other-bot"));
  ApiKey others = key(t, "others");
  others.owner = ownedBy(other);
  EXPECT_TRUE(s.createKey(others, event(t.id, "key.create", others.id), 1));

  // Revoking one frees a slot; the slot is taken once and the limit holds again.
  this->revoke(keys.front());
  EXPECT_EQ(s.countLiveKeysOfOwner(t.id, svc.id).value(), 9);
  ASSERT_TRUE(s.createKey(eleventh, event(t.id, "key.create", eleventh.id), 10));
  ApiKey twelfth = key(t, "k11");
  twelfth.owner = ownedBy(svc);
  st = s.createKey(twelfth, event(t.id, "key.create", twelfth.id), 10);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "KEY_LIMIT_REACHED");
  // A lower limit (the tenant lowered it) refuses new keys without touching existing ones.
  st = s.createKey(twelfth, event(t.id, "key.create", twelfth.id), 3);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "KEY_LIMIT_REACHED");
  EXPECT_EQ(s.countLiveKeysOfOwner(t.id, svc.id).value(), 10);
}

TYPED_TEST_P(StoreConformance, KeysOfAnOwnerIncludeRevokedOnesButOnlyLiveOnesCount) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  ServiceUser svc = this->addServiceUser(serviceUser(a, "bot"));
  ApiKey live = key(a, "live");
  live.owner = ownedBy(svc);
  this->addKey(live);
  ApiKey disabled = key(a, "disabled");
  disabled.owner = ownedBy(svc);
  disabled.enabled = false;
  this->addKey(disabled);
  ApiKey gone = key(a, "gone");
  gone.owner = ownedBy(svc);
  this->addKey(gone);
  this->revoke(gone);
  this->addKey(key(a, "unowned"));

  EXPECT_EQ(ids(s.keysOfOwner(a.id, svc.id).value()), (std::vector<std::string>{live.id, disabled.id, gone.id}));
  EXPECT_EQ(s.countLiveKeysOfOwner(a.id, svc.id).value(), 2);
  // Another tenant sees none of them.
  EXPECT_TRUE(s.keysOfOwner(b.id, svc.id).value().empty());
  EXPECT_EQ(s.countLiveKeysOfOwner(b.id, svc.id).value(), 0);
  EXPECT_EQ(s.countLiveKeysOfOwner(a.id, "svc_nobody").value(), 0);
}

TYPED_TEST_P(StoreConformance, KeysWithRoleMatchTheWholeRoleName) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  ApiKey admin = key(a, "admin");
  admin.roles = {unscoped("Viewer"), unscoped("Admin")};
  this->addKey(admin);
  ApiKey admin2 = key(a, "admin2");
  admin2.roles = {unscoped("Admin2"), unscoped("SuperAdmin")};
  this->addKey(admin2);
  ApiKey scoped = key(a, "scoped");
  scoped.roles = {of("Admin", {"acc_a"})};
  this->addKey(scoped);
  ApiKey resource_named_admin = key(a, "resource-named-admin");
  resource_named_admin.roles = {of("Viewer", {"Admin"})};
  this->addKey(resource_named_admin);
  ApiKey revoked = key(a, "revoked");
  revoked.roles = {ofAll("Admin")};
  this->addKey(revoked);
  this->revoke(revoked);
  ApiKey elsewhere = key(b, "elsewhere");
  elsewhere.roles = {unscoped("Admin")};
  this->addKey(elsewhere);

  EXPECT_EQ(ids(s.keysWithRole(a.id, "Admin").value()), (std::vector<std::string>{admin.id, scoped.id, revoked.id}));
  EXPECT_EQ(ids(s.keysWithRole(a.id, "Admin2").value()), std::vector<std::string>{admin2.id});
  EXPECT_TRUE(s.keysWithRole(a.id, "Admi").value().empty());
  EXPECT_TRUE(s.keysWithRole(a.id, "admin").value().empty());
  EXPECT_EQ(ids(s.keysWithRole(b.id, "Admin").value()), std::vector<std::string>{elsewhere.id});
}

TYPED_TEST_P(StoreConformance, ListFiltersByOwnerAndByMine) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ServiceUser svc = this->addServiceUser(serviceUser(t, "bot"));
  User alice = this->addUser(user(t, "alice@example.com"));
  ApiKey owned = key(t, "owned-by-svc");
  owned.owner = ownedBy(svc);
  this->addKey(owned);
  ApiKey created = key(t, "created-by-alice");
  created.created_by = alice.id;
  this->addKey(created);
  ApiKey alices = key(t, "owned-by-alice");
  alices.owner = ownedBy(alice);
  this->addKey(alices);
  ApiKey revoked = key(t, "revoked-of-alice");
  revoked.owner = ownedBy(alice);
  this->addKey(revoked);
  this->revoke(revoked);
  this->addKey(key(t, "someone-elses"));

  KeyFilter f;
  f.owner_id = svc.id;
  EXPECT_EQ(ids(s.listKeys(t.id, f, kT0).value().items), std::vector<std::string>{owned.id});
  f.owner_id = alice.id;
  EXPECT_EQ(ids(s.listKeys(t.id, f, kT0).value().items), std::vector<std::string>{alices.id});
  f.state = KeyState::kRevoked;
  EXPECT_EQ(ids(s.listKeys(t.id, f, kT0).value().items), std::vector<std::string>{revoked.id});

  KeyFilter mine;
  mine.mine_of = alice.id;
  EXPECT_EQ(ids(s.listKeys(t.id, mine, kT0).value().items), (std::vector<std::string>{created.id, alices.id}));
  mine.owner_id = alice.id;  // both filters apply
  EXPECT_EQ(ids(s.listKeys(t.id, mine, kT0).value().items), std::vector<std::string>{alices.id});
  mine = {};
  mine.mine_of = "usr_nobody";
  EXPECT_TRUE(s.listKeys(t.id, mine, kT0).value().items.empty());
}

// ---- counters ----------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, LastUseOnlyMovesForward) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "deploy"));
  ApiKey other = this->addKey(key(t, "other"));
  ASSERT_TRUE(s.recordLastUsed({{k.id, kT0 + 100}}));
  EXPECT_EQ(s.getKey(t.id, k.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 100));
  // A late flush from another node carrying an older time does not move it back.
  ASSERT_TRUE(s.recordLastUsed({{k.id, kT0 + 50}}));
  EXPECT_EQ(s.getKey(t.id, k.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 100));
  ASSERT_TRUE(s.recordLastUsed({{k.id, kT0 + 200}, {other.id, kT0 + 7}, {"key_vanished", kT0}}));
  EXPECT_EQ(s.getKey(t.id, k.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 200));
  EXPECT_EQ(s.getKey(t.id, other.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 7));
  ASSERT_TRUE(s.recordLastUsed({}));
  // Recording use is not a management change: no audit event.
  EXPECT_EQ(this->audit(t.id).size(), 3u);
}

TYPED_TEST_P(StoreConformance, LastUseSurvivesAnEdit) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "deploy"));
  ASSERT_TRUE(s.recordLastUsed({{k.id, kT0 + 100}}));
  ApiKey edit = s.getKey(t.id, k.id).value();
  edit.description = "edited";
  ASSERT_TRUE(s.updateKey(edit, event(t.id, "key.update", k.id)));
  EXPECT_EQ(s.getKey(t.id, k.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 100));
}

TYPED_TEST_P(StoreConformance, VerifyFailuresAccumulatePerKeyAndReason) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  ApiKey k = this->addKey(key(a, "deploy"));
  ASSERT_TRUE(s.addVerifyFailures({{a.id, k.id, "DISABLED", 3, kT0 + 10}, {a.id, k.id, "IP_NOT_ALLOWED", 1, kT0 + 11}}));
  ASSERT_TRUE(s.addVerifyFailures({{a.id, k.id, "DISABLED", 2, kT0 + 5}, {b.id, "key_b", "EXPIRED", 4, kT0}}));
  ASSERT_TRUE(s.addVerifyFailures({}));
  auto rows = s.listVerifyFailures(a.id);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  auto find = [&](std::string_view reason) -> const VerifyFailureCount* {
    for (const auto& r : *rows)
      if (r.reason == reason) return &r;
    return nullptr;
  };
  const auto* disabled = find("DISABLED");
  ASSERT_TRUE(disabled);
  EXPECT_EQ(disabled->key_id, k.id);
  EXPECT_EQ(disabled->tenant_id, a.id);
  EXPECT_EQ(disabled->count, 5);
  EXPECT_EQ(disabled->last_at, kT0 + 10);  // the latest, not the last written
  const auto* ip = find("IP_NOT_ALLOWED");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->count, 1);
  auto other = s.listVerifyFailures(b.id);
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ(other->front().count, 4);
  EXPECT_EQ(other->front().reason, "EXPIRED");
}

// ---- audit -------------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, EveryChangeRecordsItsAuditEvent) {
  Store& s = this->store();
  Tenant t = tenant("acme");
  AuditEvent create_ev = event(t.id, "tenant.create", t.id, kT0, "key_admin");
  ASSERT_TRUE(s.createTenant(t, create_ev));
  t.name = "acme2";
  ASSERT_TRUE(s.updateTenant(t, event(t.id, "tenant.update", t.id, kT0 + 1)));
  KeyGroup g = group(t, "ops");
  ASSERT_TRUE(s.createGroup(g, event(t.id, "key_group.create", g.id, kT0 + 2)));
  ASSERT_TRUE(s.updateGroup(g, event(t.id, "key_group.update", g.id, kT0 + 3)));
  ApiKey k = key(t, "deploy", g.id);
  ASSERT_TRUE(s.createKey(k, event(t.id, "key.create", k.id, kT0 + 4), std::nullopt));
  ASSERT_TRUE(s.updateKey(k, event(t.id, "key.update", k.id, kT0 + 5)));
  k.revoked_at = kT0 + 6;
  ASSERT_TRUE(s.updateKey(k, event(t.id, "key.revoke", k.id, kT0 + 6)));
  ASSERT_TRUE(s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id, kT0 + 7)));
  ASSERT_TRUE(s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id, kT0 + 8)));

  auto events = this->audit(t.id);
  std::vector<std::string> actions;
  for (const auto& e : events) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"tenant.create", "tenant.update", "key_group.create",
                                               "key_group.update", "key.create", "key.update", "key.revoke",
                                               "key_group.delete", "tenant.delete"}));
  ASSERT_FALSE(events.empty());
  const AuditEvent& first = events.front();
  EXPECT_EQ(first.id, create_ev.id);
  EXPECT_EQ(first.tenant_id, t.id);
  EXPECT_EQ(first.actor, "key_admin");
  EXPECT_EQ(first.target, t.id);
  EXPECT_EQ(first.client_ip, "192.0.2.10");
  EXPECT_EQ(first.outcome, "success");
  EXPECT_EQ(first.detail_json, R"({"k":"v"})");
  EXPECT_EQ(first.at, kT0);
  for (size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].seq, events[i - 1].seq);
}

TYPED_TEST_P(StoreConformance, FailedChangesRecordNoAuditEvent) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  ApiKey k = this->addKey(key(t, "deploy", g.id));
  const size_t before = this->audit(t.id).size();
  ASSERT_EQ(before, 3u);

  Tenant dup_tenant = tenant("acme");
  EXPECT_FALSE(s.createTenant(dup_tenant, event(t.id, "tenant.create", dup_tenant.id)));
  KeyGroup dup_group = group(t, "ops");
  EXPECT_FALSE(s.createGroup(dup_group, event(t.id, "key_group.create", dup_group.id)));
  ApiKey dup_key = key(t, "deploy");
  EXPECT_FALSE(s.createKey(dup_key, event(t.id, "key.create", dup_key.id), std::nullopt));
  ApiKey ghost = key(t, "ghost");
  EXPECT_FALSE(s.updateKey(ghost, event(t.id, "key.update", ghost.id)));
  EXPECT_FALSE(s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id)));
  EXPECT_FALSE(s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id)));
  KeyGroup ghost_group = group(t, "ghost");
  EXPECT_FALSE(s.updateGroup(ghost_group, event(t.id, "key_group.update", ghost_group.id)));

  EXPECT_EQ(this->audit(t.id).size(), before);
  EXPECT_TRUE(s.getKey(t.id, k.id));
}

TYPED_TEST_P(StoreConformance, AChangeWhoseAuditEventCannotBeWrittenDoesNotHappen) {
  // Reusing an event id makes the audit insert fail; the change must roll back with it.
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  AuditEvent used = event(t.id, "key_group.create", "x");
  KeyGroup g = group(t, "ops");
  ASSERT_TRUE(s.createGroup(g, used));
  KeyGroup g2 = group(t, "billing");
  EXPECT_FALSE(s.createGroup(g2, used));
  EXPECT_FALSE(s.getGroup(t.id, g2.id));
  ApiKey k = key(t, "deploy");
  EXPECT_FALSE(s.createKey(k, used, std::nullopt));
  EXPECT_FALSE(s.getKey(t.id, k.id));
  ApiKey live = this->addKey(key(t, "live"));
  ApiKey edit = live;
  edit.enabled = false;
  EXPECT_FALSE(s.updateKey(edit, used));
  EXPECT_TRUE(s.getKey(t.id, live.id).value().enabled);
  Tenant t2 = tenant("globex");
  EXPECT_FALSE(s.createTenant(t2, used));
  EXPECT_FALSE(s.getTenant(t2.id));
}

TYPED_TEST_P(StoreConformance, StandaloneAuditEventsAreKept) {
  Tenant t = this->addTenant("acme");
  AuditEvent denied = event(t.id, "key.create", "deploy", kT0 + 3, "key_intruder");
  denied.outcome = "denied";
  ASSERT_TRUE(this->store().appendAudit(denied));
  auto got = this->audit(t.id);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.back().id, denied.id);
  EXPECT_EQ(got.back().outcome, "denied");
  EXPECT_EQ(got.back().actor, "key_intruder");
}

TYPED_TEST_P(StoreConformance, AuditCanBeFilteredByActionActorTargetAndTime) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");  // tenant.create at kT0 by key_actor
  Tenant other = this->addTenant("globex");
  auto add = [&](std::string tenant_id, std::string action, std::string target, UnixSeconds at, std::string actor) {
    ASSERT_TRUE(s.appendAudit(event(std::move(tenant_id), std::move(action), std::move(target), at, std::move(actor))));
  };
  add(t.id, "key.create", "key_1", kT0 + 10, "key_alice");
  add(t.id, "key.revoke", "key_1", kT0 + 20, "key_bob");
  add(t.id, "key.create", "key_2", kT0 + 30, "key_bob");
  add(t.id, "key_group.create", "grp_1", kT0 + 40, "key_alice");
  add(other.id, "key.create", "key_9", kT0 + 10, "key_alice");

  auto targets = [&](AuditFilter f) {
    std::vector<std::string> out;
    for (const auto& e : this->audit(t.id, f)) out.push_back(e.action + ":" + e.target);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(targets(Q().action("key.create")), (V{"key.create:key_1", "key.create:key_2"}));
  EXPECT_EQ(targets(Q().actor("key_bob")), (V{"key.revoke:key_1", "key.create:key_2"}));
  EXPECT_EQ(targets(Q().target("key_1")), (V{"key.create:key_1", "key.revoke:key_1"}));
  EXPECT_EQ(targets(Q().since(kT0 + 20)), (V{"key.revoke:key_1", "key.create:key_2", "key_group.create:grp_1"}));
  EXPECT_EQ(targets(Q().until(kT0 + 20)), (V{"tenant.create:" + t.id, "key.create:key_1"}));
  EXPECT_EQ(targets(Q().since(kT0 + 10).until(kT0 + 30)), (V{"key.create:key_1", "key.revoke:key_1"}));
  EXPECT_EQ(targets(Q().action("key.create").actor("key_alice")), (V{"key.create:key_1"}));
  EXPECT_TRUE(targets(Q().action("tenant.delete")).empty());
  // Another tenant's events never show.
  EXPECT_EQ(targets(Q().target("key_9")), V{});
}

TYPED_TEST_P(StoreConformance, AuditIsPagedInOrder) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(s.appendAudit(event(t.id, "key.read", "key_" + std::to_string(i), kT0 + i)));
  AuditFilter f;
  f.action = "key.read";
  f.page.limit = 4;
  auto p1 = s.listAudit(t.id, f);
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->items.size(), 4u);
  ASSERT_TRUE(p1->next);
  f.page.after = *p1->next;
  auto p2 = s.listAudit(t.id, f);
  ASSERT_TRUE(p2);
  ASSERT_EQ(p2->items.size(), 2u);
  EXPECT_FALSE(p2->next);
  std::vector<std::string> all;
  for (const auto& e : p1->items) all.push_back(e.target);
  for (const auto& e : p2->items) all.push_back(e.target);
  EXPECT_EQ(all, (std::vector<std::string>{"key_0", "key_1", "key_2", "key_3", "key_4", "key_5"}));
}

// ---- users and service users -------------------------------------------------------------

TYPED_TEST_P(StoreConformance, UserLifecycle) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  User u = user(t, "alice@example.com");
  u.roles = {unscoped(kRoleGlobalViewer), of(kRoleCloudAccountViewer, {"acc_a"})};
  this->addUser(u);
  auto got = s.getUser(t.id, u.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tenant_id, t.id);
  EXPECT_EQ(got->email, "alice@example.com");
  EXPECT_EQ(got->display_name, u.display_name);
  EXPECT_EQ(got->password_hash, u.password_hash);
  EXPECT_EQ(got->roles, u.roles);
  EXPECT_FALSE(got->disabled);
  EXPECT_EQ(got->created_by, "key_creator");
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_GT(got->seq, 0);
  EXPECT_EQ(s.findUserByEmail(t.id, "alice@example.com").value().id, u.id);
  auto missing = s.findUserByEmail(t.id, "bob@example.com");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);

  User edit = u;
  edit.email = "alice@example.org";
  edit.display_name = "Alice";
  edit.password_hash = "$argon2id$new";
  edit.roles = {ofAll(kRoleCloudAccountViewer)};
  edit.disabled = true;
  edit.updated_at = kT0 + 5;
  edit.created_by = "someone-else";
  ASSERT_TRUE(s.updateUser(edit, event(t.id, "user.update", u.id)));
  got = s.getUser(t.id, u.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->email, "alice@example.org");
  EXPECT_EQ(got->display_name, "Alice");
  EXPECT_EQ(got->password_hash, "$argon2id$new");
  EXPECT_EQ(got->roles, edit.roles);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->updated_at, kT0 + 5);
  EXPECT_EQ(got->created_by, "key_creator");
  EXPECT_FALSE(s.findUserByEmail(t.id, "alice@example.com"));
  EXPECT_EQ(ids(s.listUsers(t.id, {}).value().items), std::vector<std::string>{u.id});

  ASSERT_TRUE(s.deleteUser(t.id, u.id, event(t.id, "user.delete", u.id)));
  got = s.getUser(t.id, u.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);
  auto again = s.deleteUser(t.id, u.id, event(t.id, "user.delete", u.id));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kNotFound);
  // The email is free again.
  this->addUser(user(t, "alice@example.org"));
}

TYPED_TEST_P(StoreConformance, UserEmailsAreUniquePerTenantOnly) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  this->addUser(user(a, "alice@example.com"));
  User other_tenant = this->addUser(user(b, "alice@example.com"));  // fine: another tenant
  EXPECT_EQ(s.findUserByEmail(b.id, "alice@example.com").value().id, other_tenant.id);

  const size_t before = this->audit(a.id).size();
  User dup = user(a, "alice@example.com");
  auto st = s.createUser(dup, event(a.id, "user.create", dup.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_FALSE(s.getUser(a.id, dup.id));

  User bob = this->addUser(user(a, "bob@example.com"));
  User rename = bob;
  rename.email = "alice@example.com";
  st = s.updateUser(rename, event(a.id, "user.update", bob.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_EQ(s.getUser(a.id, bob.id).value().email, "bob@example.com");
  EXPECT_EQ(this->audit(a.id).size(), before + 1);  // bob's creation only
}

TYPED_TEST_P(StoreConformance, ServiceUserLifecycle) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ServiceUser u = serviceUser(t, "billing-bot");
  u.roles = {of(kRoleCloudAccountViewer, {"acc_a", "acc_b"})};
  this->addServiceUser(u);
  auto got = s.getServiceUser(t.id, u.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tenant_id, t.id);
  EXPECT_EQ(got->name, "billing-bot");
  EXPECT_EQ(got->description, u.description);
  EXPECT_EQ(got->roles, u.roles);
  EXPECT_FALSE(got->disabled);
  EXPECT_EQ(got->created_by, "key_creator");
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_GT(got->seq, 0);

  ServiceUser edit = u;
  edit.name = "invoice-bot";
  edit.description = "sends invoices";
  edit.roles = {unscoped(kRoleVerifier)};
  edit.disabled = true;
  edit.updated_at = kT0 + 3;
  ASSERT_TRUE(s.updateServiceUser(edit, event(t.id, "service_user.update", u.id)));
  got = s.getServiceUser(t.id, u.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "invoice-bot");
  EXPECT_EQ(got->description, "sends invoices");
  EXPECT_EQ(got->roles, edit.roles);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->updated_at, kT0 + 3);

  // Names are unique per tenant.
  ServiceUser dup = serviceUser(t, "invoice-bot");
  auto st = s.createServiceUser(dup, event(t.id, "service_user.create", dup.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  Tenant other = this->addTenant("globex");
  this->addServiceUser(serviceUser(other, "invoice-bot"));

  ASSERT_TRUE(s.deleteServiceUser(t.id, u.id, event(t.id, "service_user.delete", u.id)));
  auto gone = s.getServiceUser(t.id, u.id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(s.listServiceUsers(t.id, {}).value().items.empty());
}

TYPED_TEST_P(StoreConformance, PrincipalsGroupsAndRolesOfAnotherTenantAreNotFound) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  User u = this->addUser(user(a, "alice@example.com"));
  ServiceUser svc = this->addServiceUser(serviceUser(a, "bot"));
  UserGroup g = this->addUserGroup(userGroup(a, "admins", {u.id}, {"account_alerts"}));
  Role r = this->addRole(role(a, "Auditor", {{"keys", Action::kInquire, Level::kAll}}));
  this->addModule(module(a, "billing"));

  auto expectNotFound = [](const auto& result, const char* what) {
    ASSERT_FALSE(result) << what;
    EXPECT_EQ(result.error().kind, ErrorKind::kNotFound) << what;
  };
  expectNotFound(s.getUser(b.id, u.id), "getUser");
  expectNotFound(s.findUserByEmail(b.id, u.email), "findUserByEmail");
  expectNotFound(s.getServiceUser(b.id, svc.id), "getServiceUser");
  expectNotFound(s.getUserGroup(b.id, g.id), "getUserGroup");
  expectNotFound(s.getRole(b.id, r.id), "getRole");
  expectNotFound(s.getRoleByName(b.id, r.name), "getRoleByName");

  User u2 = u;
  u2.tenant_id = b.id;
  u2.display_name = "hijacked";
  expectNotFound(s.updateUser(u2, event(b.id, "user.update", u.id)), "updateUser");
  ServiceUser svc2 = svc;
  svc2.tenant_id = b.id;
  svc2.description = "hijacked";
  expectNotFound(s.updateServiceUser(svc2, event(b.id, "service_user.update", svc.id)), "updateServiceUser");
  UserGroup g2 = g;
  g2.tenant_id = b.id;
  g2.description = "hijacked";
  g2.members.clear();
  expectNotFound(s.updateUserGroup(g2, event(b.id, "user_group.update", g.id)), "updateUserGroup");
  Role r2 = r;
  r2.tenant_id = b.id;
  r2.description = "hijacked";
  expectNotFound(s.updateRole(r2, event(b.id, "role.update", r.id)), "updateRole");

  expectNotFound(s.deleteUser(b.id, u.id, event(b.id, "user.delete", u.id)), "deleteUser");
  expectNotFound(s.deleteServiceUser(b.id, svc.id, event(b.id, "service_user.delete", svc.id)), "deleteServiceUser");
  expectNotFound(s.deleteUserGroup(b.id, g.id, event(b.id, "user_group.delete", g.id)), "deleteUserGroup");
  expectNotFound(s.deleteRole(b.id, r.id, event(b.id, "role.delete", r.id)), "deleteRole");
  expectNotFound(s.deleteModule(b.id, "billing", event(b.id, "module.delete", "billing")), "deleteModule");

  EXPECT_TRUE(s.listUsers(b.id, {}).value().items.empty());
  EXPECT_TRUE(s.listServiceUsers(b.id, {}).value().items.empty());
  EXPECT_TRUE(s.listUserGroups(b.id, {}).value().items.empty());
  EXPECT_TRUE(s.listRoles(b.id).value().empty());
  EXPECT_TRUE(s.listModules(b.id).value().empty());
  EXPECT_EQ(this->audit(b.id).size(), 1u);  // b's creation only

  // Everything of a is untouched.
  EXPECT_EQ(s.getUser(a.id, u.id).value().display_name, u.display_name);
  EXPECT_EQ(s.getServiceUser(a.id, svc.id).value().description, svc.description);
  auto group = s.getUserGroup(a.id, g.id).value();
  EXPECT_EQ(group.description, g.description);
  EXPECT_EQ(group.members, g.members);
  EXPECT_EQ(s.getRole(a.id, r.id).value().description, r.description);
  EXPECT_EQ(s.listModules(a.id).value().size(), 1u);
}

TYPED_TEST_P(StoreConformance, PrincipalOwningLiveKeysCannotBeDeleted) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  User u = this->addUser(user(t, "alice@example.com"));
  ServiceUser svc = this->addServiceUser(serviceUser(t, "bot"));
  ApiKey uk = key(t, "alices");
  uk.owner = ownedBy(u);
  uk.enabled = false;  // disabled still counts: it can be enabled again
  this->addKey(uk);
  ApiKey sk1 = key(t, "bots-1");
  sk1.owner = ownedBy(svc);
  this->addKey(sk1);
  ApiKey sk2 = key(t, "bots-2");
  sk2.owner = ownedBy(svc);
  sk2.expires_at = kT0 - kDay;  // expired still counts: it is not revoked
  this->addKey(sk2);
  const size_t before = this->audit(t.id).size();

  auto st = s.deleteUser(t.id, u.id, event(t.id, "user.delete", u.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "PRINCIPAL_HAS_KEYS");
  EXPECT_NE(st.error().message.find("owns 1 key(s)"), std::string::npos) << st.error().message;
  st = s.deleteServiceUser(t.id, svc.id, event(t.id, "service_user.delete", svc.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "PRINCIPAL_HAS_KEYS");
  EXPECT_NE(st.error().message.find("owns 2 key(s)"), std::string::npos) << st.error().message;
  EXPECT_TRUE(s.getUser(t.id, u.id));
  EXPECT_TRUE(s.getServiceUser(t.id, svc.id));
  EXPECT_EQ(this->audit(t.id).size(), before);

  // Revoked keys do not hold their owner; they stay, still naming it, for the audit trail.
  this->revoke(uk);
  this->revoke(sk1);
  this->revoke(sk2);
  ASSERT_TRUE(s.deleteUser(t.id, u.id, event(t.id, "user.delete", u.id)));
  ASSERT_TRUE(s.deleteServiceUser(t.id, svc.id, event(t.id, "service_user.delete", svc.id)));
  EXPECT_EQ(s.getKey(t.id, uk.id).value().owner, uk.owner);
}

TYPED_TEST_P(StoreConformance, DeletingAUserRemovesItFromItsGroups) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  User alice = this->addUser(user(t, "alice@example.com"));
  User bob = this->addUser(user(t, "bob@example.com"));
  UserGroup admins = this->addUserGroup(userGroup(t, "admins", {alice.id, bob.id}, {"account_alerts"}));
  UserGroup ops = this->addUserGroup(userGroup(t, "ops", {alice.id}));
  ASSERT_TRUE(s.deleteUser(t.id, alice.id, event(t.id, "user.delete", alice.id)));
  EXPECT_EQ(s.getUserGroup(t.id, admins.id).value().members, std::vector<std::string>{bob.id});
  EXPECT_EQ(s.getUserGroup(t.id, admins.id).value().subscriptions, std::vector<std::string>{"account_alerts"});
  EXPECT_TRUE(s.getUserGroup(t.id, ops.id).value().members.empty());
  EXPECT_EQ(this->audit(t.id, Q().action("user.delete")).size(), 1u);
  EXPECT_TRUE(this->audit(t.id, Q().action("user_group.update")).empty());
}

TYPED_TEST_P(StoreConformance, UsersServiceUsersAndUserGroupsArePagedWithACursor) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant other = this->addTenant("globex");
  std::vector<std::string> users, svcs, groups;
  for (int i = 0; i < 5; ++i) {
    const std::string n = std::to_string(i);
    users.push_back(this->addUser(user(t, "u" + n + "@example.com")).id);
    svcs.push_back(this->addServiceUser(serviceUser(t, "svc" + n)).id);
    groups.push_back(this->addUserGroup(userGroup(t, "grp" + n, {users.back()}, {"kind" + n})).id);
    this->addUser(user(other, "u" + n + "@example.com"));  // interleaved, never listed
    this->addServiceUser(serviceUser(other, "svc" + n));
    this->addUserGroup(userGroup(other, "grp" + n));
  }
  auto collect = [](auto list) {
    std::vector<std::string> seen;
    PageRequest page{2, 0};
    int pages = 0;
    for (;;) {
      auto p = list(page);
      EXPECT_TRUE(p);
      if (!p) break;
      EXPECT_LE(p->items.size(), 2u);
      for (auto& id : ids(p->items)) seen.push_back(id);
      ++pages;
      if (!p->next) break;
      page.after = *p->next;
      if (pages > 10) break;
    }
    EXPECT_EQ(pages, 3);
    return seen;
  };
  EXPECT_EQ(collect([&](PageRequest p) { return s.listUsers(t.id, p); }), users);
  EXPECT_EQ(collect([&](PageRequest p) { return s.listServiceUsers(t.id, p); }), svcs);
  EXPECT_EQ(collect([&](PageRequest p) { return s.listUserGroups(t.id, p); }), groups);
  // A listed group brings its members and subscriptions along.
  auto page = s.listUserGroups(t.id, PageRequest{1, 0}).value();
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].members, std::vector<std::string>{users[0]});
  EXPECT_EQ(page.items[0].subscriptions, std::vector<std::string>{"kind0"});
}

TYPED_TEST_P(StoreConformance, ForEachUserAndServiceUserStreamEveryTenant) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  User ua = user(a, "alice@example.com");
  ua.roles = {of(kRoleCloudAccountViewer, {"acc_a"})};
  this->addUser(ua);
  User ub = this->addUser(user(b, "bob@example.com"));
  ServiceUser sa = this->addServiceUser(serviceUser(a, "bot"));
  ServiceUser sb = serviceUser(b, "bot");
  sb.disabled = true;
  this->addServiceUser(sb);
  std::vector<std::string> users, svcs;
  ASSERT_TRUE(s.forEachUser([&](User&& u) {
    users.push_back(u.id);
    if (u.id == ua.id) {
      EXPECT_EQ(u.roles, ua.roles);
    }
  }));
  ASSERT_TRUE(s.forEachServiceUser([&](ServiceUser&& u) {
    svcs.push_back(u.id);
    if (u.id == sb.id) {
      EXPECT_TRUE(u.disabled);
    }
  }));
  EXPECT_EQ(users, (std::vector<std::string>{ua.id, ub.id}));
  EXPECT_EQ(svcs, (std::vector<std::string>{sa.id, sb.id}));
}

// ---- user groups -------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, UserGroupKeepsMembersAndSubscriptionsAndAnUpdateReplacesThem) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  User alice = this->addUser(user(t, "alice@example.com"));
  User bob = this->addUser(user(t, "bob@example.com"));
  User carol = this->addUser(user(t, "carol@example.com"));
  UserGroup g = this->addUserGroup(userGroup(t, "admins", {bob.id, alice.id}, {"account_alerts", "expiry_alerts"}));
  auto got = s.getUserGroup(t.id, g.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "admins");
  EXPECT_EQ(got->description, g.description);
  EXPECT_EQ(got->tenant_id, t.id);
  EXPECT_EQ(got->members, (std::vector<std::string>{bob.id, alice.id}));
  EXPECT_EQ(got->subscriptions, (std::vector<std::string>{"account_alerts", "expiry_alerts"}));
  EXPECT_EQ(got->created_by, "key_creator");
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_GT(got->seq, 0);

  g.name = "owners";
  g.description = "renamed";
  g.members = {carol.id};
  g.subscriptions = {"expiry_alerts"};
  g.updated_at = kT0 + 7;
  ASSERT_TRUE(s.updateUserGroup(g, event(t.id, "user_group.update", g.id)));
  got = s.getUserGroup(t.id, g.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "owners");
  EXPECT_EQ(got->description, "renamed");
  EXPECT_EQ(got->members, std::vector<std::string>{carol.id});
  EXPECT_EQ(got->subscriptions, std::vector<std::string>{"expiry_alerts"});
  EXPECT_EQ(got->updated_at, kT0 + 7);

  // Names are unique per tenant; a failed rename keeps members and subscriptions.
  UserGroup other = this->addUserGroup(userGroup(t, "billing", {alice.id}));
  other.name = "owners";
  other.members = {bob.id};
  auto st = s.updateUserGroup(other, event(t.id, "user_group.update", other.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_EQ(s.getUserGroup(t.id, other.id).value().members, std::vector<std::string>{alice.id});

  ASSERT_TRUE(s.deleteUserGroup(t.id, g.id, event(t.id, "user_group.delete", g.id)));
  auto gone = s.getUserGroup(t.id, g.id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, ErrorKind::kNotFound);
  // Its members are users still.
  EXPECT_TRUE(s.getUser(t.id, carol.id));
  // The name is free again.
  this->addUserGroup(userGroup(t, "owners", {carol.id}));
}

TYPED_TEST_P(StoreConformance, UserGroupWithAnUnknownMemberIsRefusedAndNothingIsWritten) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant other = this->addTenant("globex");
  User alice = this->addUser(user(t, "alice@example.com"));
  User stranger = this->addUser(user(other, "stranger@example.com"));
  const size_t before = this->audit(t.id).size();

  for (const std::string& bad : {std::string("usr_nobody"), stranger.id}) {
    UserGroup g = userGroup(t, "admins", {alice.id, bad}, {"account_alerts"});
    auto st = s.createUserGroup(g, event(t.id, "user_group.create", g.id));
    ASSERT_FALSE(st) << bad;
    EXPECT_EQ(st.error().kind, ErrorKind::kNotFound);
    EXPECT_EQ(st.error().code, "USER_NOT_FOUND");
    EXPECT_EQ(st.error().field, "members");
    EXPECT_NE(st.error().message.find(bad), std::string::npos) << st.error().message;
    EXPECT_FALSE(s.getUserGroup(t.id, g.id));
  }
  EXPECT_TRUE(s.listUserGroups(t.id, {}).value().items.empty());
  EXPECT_EQ(this->audit(t.id).size(), before);

  UserGroup g = this->addUserGroup(userGroup(t, "admins", {alice.id}, {"account_alerts"}));
  UserGroup edit = g;
  edit.description = "changed";
  edit.members = {"usr_nobody"};
  edit.subscriptions = {};
  auto st = s.updateUserGroup(edit, event(t.id, "user_group.update", g.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "USER_NOT_FOUND");
  auto got = s.getUserGroup(t.id, g.id).value();
  EXPECT_EQ(got.description, g.description);
  EXPECT_EQ(got.members, std::vector<std::string>{alice.id});
  EXPECT_EQ(got.subscriptions, std::vector<std::string>{"account_alerts"});
  EXPECT_TRUE(this->audit(t.id, Q().action("user_group.update")).empty());
}

// ---- roles and modules -------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, RoleLifecycle) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Role r = role(t, "Account Operator",
                {{"accounts", Action::kInquire, Level::kAll},
                 {"accounts", Action::kEdit, Level::kMine},
                 {"*", Action::kDelete, Level::kNone}},
                "accounts");
  this->addRole(r);
  Role plain = this->addRole(role(t, "Auditor", {{"audit", Action::kInquire, Level::kAll}}));
  auto check = [](const Role& got, const Role& want) {
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.tenant_id, want.tenant_id);
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.description, want.description);
    ASSERT_EQ(got.permissions.size(), want.permissions.size());
    for (size_t i = 0; i < got.permissions.size(); ++i) {
      EXPECT_EQ(got.permissions[i].module, want.permissions[i].module);
      EXPECT_EQ(got.permissions[i].action, want.permissions[i].action);
      EXPECT_EQ(got.permissions[i].level, want.permissions[i].level);
    }
    EXPECT_EQ(got.scope_module, want.scope_module);
    EXPECT_FALSE(got.builtin);
    EXPECT_EQ(got.created_by, want.created_by);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.updated_at, want.updated_at);
    EXPECT_GT(got.seq, 0);
  };
  check(s.getRole(t.id, r.id).value(), r);
  check(s.getRoleByName(t.id, "Account Operator").value(), r);
  check(s.getRole(t.id, plain.id).value(), plain);
  EXPECT_FALSE(s.getRole(t.id, plain.id).value().scope_module);
  auto missing = s.getRoleByName(t.id, "account operator");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(ids(s.listRoles(t.id).value()), (std::vector<std::string>{r.id, plain.id}));

  Role edit = r;
  edit.name = "Renamed";  // ignored: assignments refer to the name
  edit.description = "changed";
  edit.permissions = {{"accounts", Action::kAdd, Level::kAll}};
  edit.scope_module.reset();
  edit.updated_at = kT0 + 4;
  ASSERT_TRUE(s.updateRole(edit, event(t.id, "role.update", r.id)));
  Role want = edit;
  want.name = r.name;
  check(s.getRole(t.id, r.id).value(), want);
  EXPECT_FALSE(s.getRoleByName(t.id, "Renamed"));

  // Names are unique per tenant.
  Role dup = role(t, "Auditor");
  auto st = s.createRole(dup, event(t.id, "role.create", dup.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  Tenant other = this->addTenant("globex");
  Role elsewhere = this->addRole(role(other, "Auditor"));

  std::vector<std::string> all;
  ASSERT_TRUE(s.forEachRole([&](Role&& each) { all.push_back(each.id); }));
  EXPECT_EQ(all, (std::vector<std::string>{r.id, plain.id, elsewhere.id}));

  ASSERT_TRUE(s.deleteRole(t.id, plain.id, event(t.id, "role.delete", plain.id)));
  EXPECT_FALSE(s.getRole(t.id, plain.id));
  EXPECT_EQ(ids(s.listRoles(t.id).value()), std::vector<std::string>{r.id});
  auto again = s.deleteRole(t.id, plain.id, event(t.id, "role.delete", plain.id));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kNotFound);
}

TYPED_TEST_P(StoreConformance, RoleInUseCannotBeDeleted) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant other = this->addTenant("globex");
  Role admin = this->addRole(role(t, "Admin"));
  this->addRole(role(t, "Admin2"));

  // Holders of a role with a longer name, in another tenant, or as a resource id do not count.
  User u2 = user(t, "admin2@example.com");
  u2.roles = {unscoped("Admin2"), of("Viewer", {"Admin"})};
  this->addUser(u2);
  User elsewhere = user(other, "admin@example.com");
  elsewhere.roles = {unscoped("Admin")};
  this->addUser(elsewhere);
  ApiKey revoked = key(t, "revoked");
  revoked.roles = {unscoped("Admin")};
  this->addKey(revoked);
  this->revoke(revoked);

  User u = user(t, "alice@example.com");
  u.roles = {unscoped("Viewer"), of("Admin", {"acc_a"})};
  this->addUser(u);
  ServiceUser svc = serviceUser(t, "bot");
  svc.roles = {ofAll("Admin")};
  this->addServiceUser(svc);
  ApiKey k = key(t, "live");
  k.roles = {unscoped("Admin")};
  this->addKey(k);
  const size_t before = this->audit(t.id).size();

  auto tryDelete = [&]() { return s.deleteRole(t.id, admin.id, event(t.id, "role.delete", admin.id)); };
  auto st = tryDelete();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "ROLE_IN_USE");
  EXPECT_NE(st.error().message.find("'Admin'"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("3 principal(s) or key(s)"), std::string::npos) << st.error().message;

  // Each holder alone blocks it.
  u.roles = {unscoped("Viewer")};
  ASSERT_TRUE(s.updateUser(u, event(t.id, "user.update", u.id)));
  st = tryDelete();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "ROLE_IN_USE");
  svc.roles = {};
  ASSERT_TRUE(s.updateServiceUser(svc, event(t.id, "service_user.update", svc.id)));
  st = tryDelete();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "ROLE_IN_USE");
  EXPECT_NE(st.error().message.find("1 principal(s) or key(s)"), std::string::npos) << st.error().message;
  EXPECT_TRUE(s.getRole(t.id, admin.id));
  EXPECT_TRUE(this->audit(t.id, Q().action("role.delete")).empty());
  EXPECT_EQ(this->audit(t.id).size(), before + 2);

  // A revoked key does not hold a role.
  this->revoke(k);
  ASSERT_TRUE(tryDelete());
  EXPECT_FALSE(s.getRole(t.id, admin.id));
  EXPECT_TRUE(s.getRoleByName(t.id, "Admin2"));
}

TYPED_TEST_P(StoreConformance, ModulesAreListedPerTenantAndNamesAreUnique) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  this->addModule(module(a, "invoices"));
  this->addModule(module(a, "accounts"));
  this->addModule(module(b, "invoices"));  // the same name in another tenant is fine
  auto list = s.listModules(a.id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "accounts");
  EXPECT_EQ((*list)[1].name, "invoices");
  EXPECT_EQ((*list)[1].tenant_id, a.id);
  EXPECT_EQ((*list)[1].description, "module invoices");
  EXPECT_EQ((*list)[1].created_at, kT0);
  EXPECT_FALSE((*list)[1].builtin);

  const size_t before = this->audit(a.id).size();
  auto st = s.createModule(module(a, "invoices"), event(a.id, "module.create", "invoices"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_EQ(s.listModules(a.id).value().size(), 2u);
  EXPECT_EQ(this->audit(a.id).size(), before);

  ASSERT_TRUE(s.deleteModule(a.id, "invoices", event(a.id, "module.delete", "invoices")));
  EXPECT_EQ(s.listModules(a.id).value().size(), 1u);
  EXPECT_EQ(s.listModules(b.id).value().size(), 1u);
  auto again = s.deleteModule(a.id, "invoices", event(a.id, "module.delete", "invoices"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kNotFound);
}

TYPED_TEST_P(StoreConformance, ModuleInUseByACustomRoleCannotBeDeleted) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant other = this->addTenant("globex");
  this->addModule(module(t, "billing"));
  this->addModule(module(t, "accounts"));
  this->addModule(module(t, "reports"));
  // Neither "*", a longer module name, nor another tenant's role holds "billing".
  this->addRole(role(t, "Everything", {{"*", Action::kInquire, Level::kAll}}));
  this->addRole(role(t, "Extra", {{"billing-extra", Action::kInquire, Level::kAll}}));
  this->addRole(role(other, "Billing", {{"billing", Action::kInquire, Level::kAll}}));
  Role biller = this->addRole(role(t, "Biller", {{"billing", Action::kEdit, Level::kMine}}));
  Role scoped = this->addRole(role(t, "Account Viewer", {{"reports", Action::kInquire, Level::kAll}}, "accounts"));
  const size_t before = this->audit(t.id).size();

  for (const char* name : {"billing", "accounts", "reports"}) {
    auto st = s.deleteModule(t.id, name, event(t.id, "module.delete", name));
    ASSERT_FALSE(st) << name;
    EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
    EXPECT_EQ(st.error().code, "MODULE_IN_USE");
  }
  EXPECT_EQ(s.listModules(t.id).value().size(), 3u);
  EXPECT_EQ(this->audit(t.id).size(), before);

  ASSERT_TRUE(s.deleteRole(t.id, biller.id, event(t.id, "role.delete", biller.id)));
  ASSERT_TRUE(s.deleteModule(t.id, "billing", event(t.id, "module.delete", "billing")));
  scoped.scope_module.reset();
  ASSERT_TRUE(s.updateRole(scoped, event(t.id, "role.update", scoped.id)));
  ASSERT_TRUE(s.deleteModule(t.id, "accounts", event(t.id, "module.delete", "accounts")));
  auto st = s.deleteModule(t.id, "reports", event(t.id, "module.delete", "reports"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "MODULE_IN_USE");
  auto missing = s.deleteModule(t.id, "nothing", event(t.id, "module.delete", "nothing"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
}

TYPED_TEST_P(StoreConformance, DeletingATenantRemovesItsPrincipalsGroupsRolesAndModules) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant keep = this->addTenant("globex");
  User u = this->addUser(user(t, "alice@example.com"));
  ServiceUser svc = this->addServiceUser(serviceUser(t, "bot"));
  UserGroup g = this->addUserGroup(userGroup(t, "admins", {u.id}, {"account_alerts"}));
  Role r = this->addRole(role(t, "Auditor", {{"audit", Action::kInquire, Level::kAll}}));
  this->addModule(module(t, "billing"));
  ApiKey k = key(t, "owned");
  k.owner = ownedBy(svc);
  this->addKey(k);
  User other_user = this->addUser(user(keep, "alice@example.com"));
  Role other_role = this->addRole(role(keep, "Auditor"));

  // Principals alone do not keep a tenant, its live keys do.
  auto st = s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "TENANT_NOT_EMPTY");
  this->revoke(k);
  ASSERT_TRUE(s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id)));

  EXPECT_FALSE(s.getUser(t.id, u.id));
  EXPECT_FALSE(s.getServiceUser(t.id, svc.id));
  EXPECT_FALSE(s.getUserGroup(t.id, g.id));
  EXPECT_FALSE(s.getRole(t.id, r.id));
  EXPECT_TRUE(s.listModules(t.id).value().empty());
  std::vector<std::string> users, roles;
  ASSERT_TRUE(s.forEachUser([&](User&& each) { users.push_back(each.id); }));
  ASSERT_TRUE(s.forEachRole([&](Role&& each) { roles.push_back(each.id); }));
  EXPECT_EQ(users, std::vector<std::string>{other_user.id});
  EXPECT_EQ(roles, std::vector<std::string>{other_role.id});
  bool any_service_user = false;
  ASSERT_TRUE(s.forEachServiceUser([&](ServiceUser&&) { any_service_user = true; }));
  EXPECT_FALSE(any_service_user);
}

// ---- audit of access-control changes -----------------------------------------------------

TYPED_TEST_P(StoreConformance, EveryAccessControlChangeRecordsExactlyOneAuditEvent) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  User u = user(t, "alice@example.com");
  ASSERT_TRUE(s.createUser(u, event(t.id, "user.create", u.id)));
  ASSERT_TRUE(s.updateUser(u, event(t.id, "user.update", u.id)));
  ServiceUser svc = serviceUser(t, "bot");
  ASSERT_TRUE(s.createServiceUser(svc, event(t.id, "service_user.create", svc.id)));
  ASSERT_TRUE(s.updateServiceUser(svc, event(t.id, "service_user.update", svc.id)));
  UserGroup g = userGroup(t, "admins", {u.id}, {"account_alerts", "expiry_alerts"});
  ASSERT_TRUE(s.createUserGroup(g, event(t.id, "user_group.create", g.id)));
  ASSERT_TRUE(s.updateUserGroup(g, event(t.id, "user_group.update", g.id)));
  Module m = module(t, "billing");
  ASSERT_TRUE(s.createModule(m, event(t.id, "module.create", m.name)));
  Role r = role(t, "Biller", {{"billing", Action::kEdit, Level::kAll}});
  ASSERT_TRUE(s.createRole(r, event(t.id, "role.create", r.id)));
  ASSERT_TRUE(s.updateRole(r, event(t.id, "role.update", r.id)));
  ApiKey k = key(t, "owned");
  k.owner = ownedBy(svc);
  ASSERT_TRUE(s.createKey(k, event(t.id, "key.create", k.id), 10));
  k.revoked_at = kT0 + 1;
  ASSERT_TRUE(s.updateKey(k, event(t.id, "key.revoke", k.id)));
  ASSERT_TRUE(s.deleteRole(t.id, r.id, event(t.id, "role.delete", r.id)));
  ASSERT_TRUE(s.deleteModule(t.id, m.name, event(t.id, "module.delete", m.name)));
  ASSERT_TRUE(s.deleteUserGroup(t.id, g.id, event(t.id, "user_group.delete", g.id)));
  ASSERT_TRUE(s.deleteServiceUser(t.id, svc.id, event(t.id, "service_user.delete", svc.id)));
  ASSERT_TRUE(s.deleteUser(t.id, u.id, event(t.id, "user.delete", u.id)));
  EXPECT_EQ(this->auditActions(t.id),
            (std::vector<std::string>{"tenant.create", "user.create", "user.update", "service_user.create",
                                      "service_user.update", "user_group.create", "user_group.update",
                                      "module.create", "role.create", "role.update", "key.create", "key.revoke",
                                      "role.delete", "module.delete", "user_group.delete",
                                      "service_user.delete", "user.delete"}));
}

TYPED_TEST_P(StoreConformance, FailedAccessControlChangesRecordNoAuditEvent) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  User u = this->addUser(user(t, "alice@example.com"));
  ServiceUser svc = this->addServiceUser(serviceUser(t, "bot"));
  UserGroup g = this->addUserGroup(userGroup(t, "admins", {u.id}));
  Role r = this->addRole(role(t, "Biller", {{"billing", Action::kEdit, Level::kAll}}));
  this->addModule(module(t, "billing"));
  ApiKey k = key(t, "owned");
  k.owner = ownedBy(svc);
  k.roles = {unscoped("Biller")};
  this->addKey(k);
  const size_t before = this->audit(t.id).size();

  User dup_user = user(t, "alice@example.com");
  EXPECT_FALSE(s.createUser(dup_user, event(t.id, "user.create", dup_user.id)));
  EXPECT_FALSE(s.updateUser(user(t, "ghost@example.com"), event(t.id, "user.update", "ghost")));
  ServiceUser dup_svc = serviceUser(t, "bot");
  EXPECT_FALSE(s.createServiceUser(dup_svc, event(t.id, "service_user.create", dup_svc.id)));
  EXPECT_FALSE(s.updateServiceUser(serviceUser(t, "ghost"), event(t.id, "service_user.update", "ghost")));
  EXPECT_FALSE(s.deleteServiceUser(t.id, svc.id, event(t.id, "service_user.delete", svc.id)));
  UserGroup dup_group = userGroup(t, "admins");
  EXPECT_FALSE(s.createUserGroup(dup_group, event(t.id, "user_group.create", dup_group.id)));
  EXPECT_FALSE(s.updateUserGroup(userGroup(t, "ghost"), event(t.id, "user_group.update", "ghost")));
  EXPECT_FALSE(s.deleteUserGroup(t.id, "ugr_ghost", event(t.id, "user_group.delete", "ugr_ghost")));
  Role dup_role = role(t, "Biller");
  EXPECT_FALSE(s.createRole(dup_role, event(t.id, "role.create", dup_role.id)));
  EXPECT_FALSE(s.updateRole(role(t, "Ghost"), event(t.id, "role.update", "ghost")));
  EXPECT_FALSE(s.deleteRole(t.id, r.id, event(t.id, "role.delete", r.id)));
  EXPECT_FALSE(s.createModule(module(t, "billing"), event(t.id, "module.create", "billing")));
  EXPECT_FALSE(s.deleteModule(t.id, "billing", event(t.id, "module.delete", "billing")));
  ApiKey over = key(t, "over");
  over.owner = ownedBy(svc);
  EXPECT_FALSE(s.createKey(over, event(t.id, "key.create", over.id), 1));
  EXPECT_FALSE(s.deleteUser(t.id, "usr_ghost", event(t.id, "user.delete", "usr_ghost")));

  EXPECT_EQ(this->audit(t.id).size(), before);
  EXPECT_TRUE(s.getUserGroup(t.id, g.id));
}

TYPED_TEST_P(StoreConformance, AnAccessControlChangeWhoseAuditEventCannotBeWrittenDoesNotHappen) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  AuditEvent used = event(t.id, "module.create", "x");
  ASSERT_TRUE(s.createModule(module(t, "first"), used));
  User alice = this->addUser(user(t, "alice@example.com"));

  User u = user(t, "bob@example.com");
  EXPECT_FALSE(s.createUser(u, used));
  EXPECT_FALSE(s.getUser(t.id, u.id));
  ServiceUser svc = serviceUser(t, "bot");
  EXPECT_FALSE(s.createServiceUser(svc, used));
  EXPECT_FALSE(s.getServiceUser(t.id, svc.id));
  UserGroup g = userGroup(t, "admins", {alice.id}, {"account_alerts"});
  EXPECT_FALSE(s.createUserGroup(g, used));
  EXPECT_FALSE(s.getUserGroup(t.id, g.id));
  Role r = role(t, "Auditor");
  EXPECT_FALSE(s.createRole(r, used));
  EXPECT_FALSE(s.getRole(t.id, r.id));
  EXPECT_FALSE(s.createModule(module(t, "second"), used));
  EXPECT_EQ(s.listModules(t.id).value().size(), 1u);

  UserGroup live = this->addUserGroup(userGroup(t, "live", {alice.id}));
  UserGroup edit = live;
  edit.members.clear();
  EXPECT_FALSE(s.updateUserGroup(edit, used));
  EXPECT_EQ(s.getUserGroup(t.id, live.id).value().members, std::vector<std::string>{alice.id});
  ASSERT_TRUE(s.deleteUserGroup(t.id, live.id, event(t.id, "user_group.delete", live.id)));
  EXPECT_FALSE(s.deleteUser(t.id, alice.id, used));
  EXPECT_TRUE(s.getUser(t.id, alice.id));
  EXPECT_FALSE(s.deleteModule(t.id, "first", used));
  EXPECT_EQ(s.listModules(t.id).value().size(), 1u);
}

// ---- concurrency -------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, ConcurrentWritersAllCommit) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  constexpr int kThreads = 4, kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        ApiKey k = key(t, "k" + std::to_string(w) + "-" + std::to_string(i));
        if (!s.createKey(k, event(t.id, "key.create", k.id), std::nullopt)) failures.fetch_add(1);
        if (!s.recordLastUsed({{k.id, kT0 + i}})) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  KeyFilter f;
  f.page.limit = 500;
  EXPECT_EQ(s.listKeys(t.id, f, kT0).value().items.size(), size_t(kThreads * kEach));
  EXPECT_EQ(this->audit(t.id, Q().action("key.create")).size(), size_t(kThreads * kEach));
}

TYPED_TEST_P(StoreConformance, AuditChainOfEveryTenantIsIntactAfterManyWrites) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(s.appendAudit(event(a.id, "probe.a", std::to_string(i))));
    ASSERT_TRUE(s.appendAudit(event(b.id, "probe.b", std::to_string(i))));
  }
  for (const Tenant& t : {a, b}) {
    auto report = s.verifyAuditChain(t.id);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->events, 6) << t.name;  // tenant.create + five probes
    EXPECT_FALSE(report->first_break) << report->first_break->reason;
    // Each event links to the one before it in its own tenant.
    auto events = this->audit(t.id);
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[0].prev_hash, crypto::Digest{});
    for (size_t i = 1; i < events.size(); ++i) EXPECT_EQ(events[i].prev_hash, events[i - 1].hash);
    EXPECT_EQ(events.back().hash, auditHash(events.back(), events.back().prev_hash));
  }
  auto none = s.verifyAuditChain("ten_nobody");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->events, 0);
  EXPECT_FALSE(none->first_break);
}

TYPED_TEST_P(StoreConformance, PruningOldEventsKeepsTheRemainingChainVerifiable) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");  // tenant.create at kT0
  for (int d = 1; d <= 4; ++d) ASSERT_TRUE(s.appendAudit(event(t.id, "probe", std::to_string(d), kT0 + d * kDay)));
  auto removed = s.pruneAudit(t.id, kT0 + 2 * kDay + 1);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 3);  // tenant.create, day 1, day 2
  auto events = this->audit(t.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].target, "3");
  auto report = s.verifyAuditChain(t.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->events, 2);
  EXPECT_FALSE(report->first_break);
  // New events chain on, and nothing is pruned twice.
  ASSERT_TRUE(s.appendAudit(event(t.id, "probe", "5", kT0 + 5 * kDay)));
  EXPECT_EQ(s.pruneAudit(t.id, kT0 + 2 * kDay + 1).value_or(-1), 0);
  this->reopen();
  report = this->store().verifyAuditChain(t.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->events, 3);
  EXPECT_FALSE(report->first_break);
}

TYPED_TEST_P(StoreConformance, ForEachAuditStreamsMatchingEventsInOrderAndCanStop) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  for (int i = 0; i < 1203; ++i) ASSERT_TRUE(s.appendAudit(event(t.id, i % 2 ? "odd" : "even", std::to_string(i))));
  std::vector<std::string> seen;
  AuditFilter f;
  f.action = "odd";
  ASSERT_TRUE(s.forEachAudit(t.id, f, [&](const AuditEvent& e) {
    seen.push_back(e.target);
    return true;
  }));
  ASSERT_EQ(seen.size(), 601u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], std::to_string(2 * i + 1));
  int calls = 0;
  ASSERT_TRUE(s.forEachAudit(t.id, {}, [&](const AuditEvent&) { return ++calls < 3; }));
  EXPECT_EQ(calls, 3);
}

// ---- expiry alerts -----------------------------------------------------------------------

inline Notification notification(const ApiKey& k, std::string recipient, std::string day, UnixSeconds at = kT0) {
  Notification n;
  n.id = freshId("ntf");
  n.tenant_id = k.tenant_id;
  n.recipient_id = std::move(recipient);
  n.key_id = k.id;
  n.key_name = k.name;
  n.kind = "expiring";
  n.alert_day = std::move(day);
  n.expires_at = k.expires_at;
  n.days_left = 3;
  n.message = "expires soon";
  n.created_at = at;
  return n;
}

inline AlertDelivery delivery(const ApiKey& k, std::string channel, std::string recipient, std::string day,
                              UnixSeconds at = kT0) {
  AlertDelivery d;
  d.id = freshId("dlv");
  d.tenant_id = k.tenant_id;
  d.key_id = k.id;
  d.expires_at = k.expires_at;
  d.alert_day = std::move(day);
  d.kind = "expiring";
  d.channel = std::move(channel);
  d.recipient = std::move(recipient);
  d.address = "ops@example.com";
  d.payload_json = "{}";
  d.next_attempt_at = at;
  d.created_at = d.updated_at = at;
  return d;
}

TYPED_TEST_P(StoreConformance, LeaseHasOneHolderAtATime) {
  Store& s = this->store();
  EXPECT_TRUE(s.acquireLease("alerts", "node-a", kT0, 60).value());
  EXPECT_FALSE(s.acquireLease("alerts", "node-b", kT0 + 30, 60).value());
  EXPECT_TRUE(s.acquireLease("alerts", "node-a", kT0 + 50, 60).value());   // renewed until kT0 + 110
  EXPECT_FALSE(s.acquireLease("alerts", "node-b", kT0 + 100, 60).value());
  EXPECT_TRUE(s.acquireLease("alerts", "node-b", kT0 + 110, 60).value());  // expired: taken over
  EXPECT_FALSE(s.acquireLease("alerts", "node-a", kT0 + 120, 60).value());
  EXPECT_TRUE(s.acquireLease("other", "node-a", kT0 + 120, 60).value());   // leases are independent
  ASSERT_TRUE(s.releaseLease("alerts", "node-a"));  // not the holder: no effect
  EXPECT_FALSE(s.acquireLease("alerts", "node-a", kT0 + 121, 60).value());
  ASSERT_TRUE(s.releaseLease("alerts", "node-b"));
  EXPECT_TRUE(s.acquireLease("alerts", "node-a", kT0 + 122, 60).value());
}

TYPED_TEST_P(StoreConformance, LeaseIsSharedByStoresOnOneDatabase) {
  auto other = this->backend_->open();
  ASSERT_TRUE(other) << other.error().message;
  Store& a = this->store();
  Store& b = **other;
  std::atomic<int> both{0};
  // Two nodes competing for the lease at the same instants: never both hold it.
  std::vector<std::thread> nodes;
  std::vector<std::vector<bool>> held(2, std::vector<bool>(40));
  for (int n = 0; n < 2; ++n) {
    nodes.emplace_back([&, n] {
      Store& s = n == 0 ? a : b;
      for (int i = 0; i < 40; ++i) held[size_t(n)][size_t(i)] = s.acquireLease("alerts", "node-" + std::to_string(n), kT0 + i * 100, 150).value_or(false);
    });
  }
  for (auto& t : nodes) t.join();
  int leaders = 0;
  for (int i = 0; i < 40; ++i) {
    if (held[0][size_t(i)] && held[1][size_t(i)]) both.fetch_add(1);
    leaders += held[0][size_t(i)] || held[1][size_t(i)];
  }
  EXPECT_EQ(both.load(), 0);
  EXPECT_GT(leaders, 0);
}

TYPED_TEST_P(StoreConformance, KeysExpiringBetweenSkipsRevokedAndNeverExpiringKeys) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant u = this->addTenant("globex");
  ApiKey soon = key(t, "soon");
  soon.expires_at = kT0 + 2 * kDay;
  ApiKey later = key(u, "later");
  later.expires_at = kT0 + 5 * kDay;
  ApiKey never = key(t, "never");
  never.expires_at = kNever;
  ApiKey far = key(t, "far");
  far.expires_at = kT0 + 100 * kDay;
  ApiKey revoked = key(t, "revoked");
  revoked.expires_at = kT0 + kDay;
  for (auto* k : {&soon, &later, &never, &far, &revoked}) this->addKey(*k);
  this->revoke(revoked);
  auto got = s.keysExpiringBetween(kT0, kT0 + 10 * kDay);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(ids(*got), (std::vector<std::string>{soon.id, later.id}));
}

TYPED_TEST_P(StoreConformance, AlertPlanIsRecordedOnceWithItsAuditEvents) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "k"));
  auto makePlan = [&] {
    AlertPlan p;
    p.notifications.push_back({notification(k, "usr_a", "2027-01-01"), event(t.id, "alert.notify", k.id, kT0, "system")});
    p.deliveries.push_back({delivery(k, "email", "usr_a", "2027-01-01"), event(t.id, "alert.queue", k.id, kT0, "system")});
    return p;
  };
  EXPECT_EQ(s.recordAlertPlan(makePlan()).value(), 2);
  // The same (key, expiry, day, kind, recipient) planned again, with fresh ids: nothing new.
  EXPECT_EQ(s.recordAlertPlan(makePlan()).value(), 0);
  this->reopen();
  EXPECT_EQ(this->store().recordAlertPlan(makePlan()).value(), 0);
  EXPECT_EQ(this->audit(t.id, Q().action("alert.notify")).size(), 1u);
  EXPECT_EQ(this->audit(t.id, Q().action("alert.queue")).size(), 1u);
  // Another day, or a new expiry (rotation), is a new alert.
  AlertPlan next = makePlan();
  next.notifications[0].notification.alert_day = "2027-01-02";
  next.deliveries.clear();
  EXPECT_EQ(this->store().recordAlertPlan(next).value(), 1);
  AlertPlan rotated = makePlan();
  rotated.notifications[0].notification.expires_at += kDay;
  rotated.deliveries[0].delivery.expires_at += kDay;
  EXPECT_EQ(this->store().recordAlertPlan(rotated).value(), 2);
  EXPECT_FALSE(this->store().verifyAuditChain(t.id).value().first_break);
}

TYPED_TEST_P(StoreConformance, DeliveriesAreClaimedOnceAndKeepEveryAttempt) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "k"));
  AlertPlan p;
  AlertDelivery d = delivery(k, "webhook", "webhook", "2027-01-01");
  p.deliveries.push_back({d, event(t.id, "alert.queue", k.id)});
  ASSERT_EQ(s.recordAlertPlan(p).value(), 1);
  EXPECT_TRUE(s.dueDeliveries(kT0 - 1, 10).value().empty());
  ASSERT_EQ(s.dueDeliveries(kT0, 10).value().size(), 1u);
  EXPECT_TRUE(s.claimDelivery(d.id, kT0, kT0 + 300).value());
  EXPECT_FALSE(s.claimDelivery(d.id, kT0, kT0 + 300).value());  // a second sender gets nothing
  EXPECT_TRUE(s.dueDeliveries(kT0 + 10, 10).value().empty());
  DeliveryOutcome failed{d.id, "pending", 1, kT0 + 30, kT0, "error", "HTTP 500"};
  ASSERT_TRUE(s.recordDeliveryOutcome(failed, event(t.id, "alert.deliver", k.id)));
  EXPECT_TRUE(s.dueDeliveries(kT0 + 29, 10).value().empty());
  auto due = s.dueDeliveries(kT0 + 30, 10).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[0].last_error, "HTTP 500");
  ASSERT_TRUE(s.claimDelivery(d.id, kT0 + 30, kT0 + 330).value());
  DeliveryOutcome sent{d.id, "sent", 2, kT0 + 30, kT0 + 30, "sent", "HTTP 204"};
  ASSERT_TRUE(s.recordDeliveryOutcome(sent, event(t.id, "alert.deliver", k.id)));
  EXPECT_TRUE(s.dueDeliveries(kT0 + 10 * kDay, 10).value().empty());
  auto listed = s.listDeliveries(t.id, {});
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->items.size(), 1u);
  const auto& got = listed->items[0];
  EXPECT_EQ(got.status, "sent");
  EXPECT_EQ(got.attempts, 2);
  EXPECT_EQ(got.last_error, "");
  ASSERT_EQ(got.attempt_log.size(), 2u);
  EXPECT_EQ(got.attempt_log[0].outcome, "error");
  EXPECT_EQ(got.attempt_log[0].detail, "HTTP 500");
  EXPECT_EQ(got.attempt_log[1].outcome, "sent");
  EXPECT_EQ(this->audit(t.id, Q().action("alert.deliver")).size(), 2u);
  // Filters and tenant scope.
  DeliveryFilter by_channel;
  by_channel.channel = "email";
  EXPECT_TRUE(s.listDeliveries(t.id, by_channel).value().items.empty());
  DeliveryFilter by_status;
  by_status.status = "sent";
  by_status.key_id = k.id;
  EXPECT_EQ(s.listDeliveries(t.id, by_status).value().items.size(), 1u);
  Tenant other = this->addTenant("globex");
  EXPECT_TRUE(s.listDeliveries(other.id, {}).value().items.empty());
}

TYPED_TEST_P(StoreConformance, NotificationsBelongToTheirRecipient) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "k"));
  AlertPlan p;
  for (const char* day : {"2027-01-01", "2027-01-02", "2027-01-03"})
    p.notifications.push_back({notification(k, "usr_a", day), event(t.id, "alert.notify", k.id)});
  Notification bobs = notification(k, "usr_b", "2027-01-01");
  p.notifications.push_back({bobs, event(t.id, "alert.notify", k.id)});
  ASSERT_EQ(s.recordAlertPlan(p).value(), 4);
  PageRequest two;
  two.limit = 2;
  auto first = s.listNotifications(t.id, "usr_a", false, two).value();
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].alert_day, "2027-01-03");  // newest first
  ASSERT_TRUE(first.next);
  two.after = *first.next;
  auto second = s.listNotifications(t.id, "usr_a", false, two).value();
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_FALSE(second.next);
  EXPECT_EQ(s.countUnreadNotifications(t.id, "usr_a").value(), 3);
  // Another recipient's notification cannot be read or marked.
  auto theirs = s.markNotificationRead(t.id, "usr_a", bobs.id, kT0 + 5);
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().kind, ErrorKind::kNotFound);
  auto read = s.markNotificationRead(t.id, "usr_a", first.items[0].id, kT0 + 5);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->read_at, kT0 + 5);
  EXPECT_EQ(s.markNotificationRead(t.id, "usr_a", first.items[0].id, kT0 + 9).value().read_at, kT0 + 5);
  EXPECT_EQ(s.countUnreadNotifications(t.id, "usr_a").value(), 2);
  EXPECT_EQ(s.listNotifications(t.id, "usr_a", true, {}).value().items.size(), 2u);
  Tenant other = this->addTenant("globex");
  EXPECT_TRUE(s.listNotifications(other.id, "usr_a", false, {}).value().items.empty());
}

TYPED_TEST_P(StoreConformance, WebhookIsPutReadAndDeleted) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  EXPECT_EQ(s.getWebhook(t.id).error().kind, ErrorKind::kNotFound);
  Webhook w{"whk_1", t.id, "https://hooks.example.com/in", {"key.expired", "key.expiring"}, 1, kT0, kT0};
  ASSERT_TRUE(s.putWebhook(w, event(t.id, "webhook.create", w.id)));
  auto got = s.getWebhook(t.id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->url, w.url);
  EXPECT_EQ(got->events, w.events);
  w.url = "http://127.0.0.1:9/x";
  w.secret_version = 2;
  w.updated_at = kT0 + 1;
  ASSERT_TRUE(s.putWebhook(w, event(t.id, "webhook.update", w.id)));
  EXPECT_EQ(s.getWebhook(t.id).value().secret_version, 2);
  EXPECT_EQ(s.getWebhook(t.id).value().created_at, kT0);
  ASSERT_TRUE(s.deleteWebhook(t.id, event(t.id, "webhook.delete", w.id)));
  EXPECT_EQ(s.deleteWebhook(t.id, event(t.id, "webhook.delete", w.id)).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->auditActions(t.id).back(), "webhook.delete");
}

TYPED_TEST_P(StoreConformance, DeletingATenantRemovesItsAlertsAndWebhook) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "k"));
  AlertPlan p;
  p.notifications.push_back({notification(k, "usr_a", "2027-01-01"), event(t.id, "alert.notify", k.id)});
  AlertDelivery d = delivery(k, "webhook", "webhook", "2027-01-01");
  p.deliveries.push_back({d, event(t.id, "alert.queue", k.id)});
  ASSERT_EQ(s.recordAlertPlan(p).value(), 2);
  ASSERT_TRUE(s.claimDelivery(d.id, kT0, kT0 + 60).value());
  ASSERT_TRUE(s.recordDeliveryOutcome({d.id, "sent", 1, kT0, kT0, "sent", "HTTP 200"}, event(t.id, "alert.deliver", k.id)));
  ASSERT_TRUE(s.putWebhook({"whk_1", t.id, "https://example.com/", {"key.expiring"}, 1, kT0, kT0},
                           event(t.id, "webhook.create", "whk_1")));
  this->revoke(k);
  auto deleted = s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id));
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(s.getWebhook(t.id).error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(s.listDeliveries(t.id, {}).value().items.empty());
  EXPECT_TRUE(s.listNotifications(t.id, "usr_a", false, {}).value().items.empty());
}

// ---- JWT signing keys (migration 8) ----

namespace signing_testing {
inline SigningKeyRecord signingKey(std::string kid, UnixSeconds created_at) {
  SigningKeyRecord k;
  k.kid = std::move(kid);
  k.algorithm = KeyAlgorithm::kEcdsaP256Sha256;
  k.created_at = created_at;
  k.public_pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  k.sealed_private = {0x01, 0x02, 0x00, 0xff, 0x7f};  // opaque to the store, NUL included
  return k;
}
}  // namespace signing_testing

TYPED_TEST_P(StoreConformance, SigningKeysRoundTripAndANewOneRetiresTheOthers) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant other = this->addTenant("other");
  EXPECT_TRUE(s.listSigningKeys(t.id).value().empty());
  auto first = signing_testing::signingKey("kid-1", kT0);
  ASSERT_TRUE(s.addSigningKey(t.id, first, event(t.id, "signing_key.create", "kid-1")));
  auto second = signing_testing::signingKey("kid-2", kT0 + 10);
  second.algorithm = KeyAlgorithm::kEd25519;
  ASSERT_TRUE(s.addSigningKey(t.id, second, event(t.id, "signing_key.rotate", "kid-2")));
  ASSERT_TRUE(s.addSigningKey(other.id, signing_testing::signingKey("kid-1", kT0), event(other.id, "signing_key.create", "kid-1")));
  ASSERT_NO_FATAL_FAILURE(this->reopen());
  auto keys = this->store().listSigningKeys(t.id);
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "kid-1");
  EXPECT_EQ((*keys)[0].retired_at, kT0 + 10);  // retired when kid-2 arrived
  EXPECT_EQ((*keys)[0].sealed_private, first.sealed_private);
  EXPECT_EQ((*keys)[0].public_pem, first.public_pem);
  EXPECT_EQ((*keys)[1].kid, "kid-2");
  EXPECT_EQ((*keys)[1].algorithm, KeyAlgorithm::kEd25519);
  EXPECT_FALSE((*keys)[1].retired_at);
  // Tenants are apart: the other tenant's kid-1 is its own and not retired.
  auto theirs = this->store().listSigningKeys(other.id).value();
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_FALSE(theirs[0].retired_at);
  int seen = 0;
  ASSERT_TRUE(this->store().forEachSigningKey([&](std::string_view, SigningKeyRecord&&) { ++seen; }));
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(this->auditActions(t.id).back(), "signing_key.rotate");
}

TYPED_TEST_P(StoreConformance, DuplicateOrOrphanSigningKeyIsRefusedAndChangesNothing) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ASSERT_TRUE(s.addSigningKey(t.id, signing_testing::signingKey("kid-1", kT0), event(t.id, "signing_key.create", "kid-1")));
  const auto before = this->auditActions(t.id).size();
  auto dup = s.addSigningKey(t.id, signing_testing::signingKey("kid-1", kT0 + 5), event(t.id, "signing_key.rotate", "kid-1"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::kConflict);
  EXPECT_FALSE(s.listSigningKeys(t.id).value()[0].retired_at);  // the failed add retired nothing
  EXPECT_EQ(this->auditActions(t.id).size(), before);
  auto orphan = s.addSigningKey("ten_missing", signing_testing::signingKey("kid-9", kT0), event(t.id, "signing_key.create", "kid-9"));
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().kind, ErrorKind::kNotFound);
  // Deleting the tenant removes its signing keys.
  auto deleted = s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id));
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_TRUE(s.listSigningKeys(t.id).value().empty());
}

REGISTER_TYPED_TEST_SUITE_P(StoreConformance, SigningKeysRoundTripAndANewOneRetiresTheOthers,
                            DuplicateOrOrphanSigningKeyIsRefusedAndChangesNothing, LeaseHasOneHolderAtATime, DeletingATenantRemovesItsAlertsAndWebhook, LeaseIsSharedByStoresOnOneDatabase,
                            KeysExpiringBetweenSkipsRevokedAndNeverExpiringKeys,
                            AlertPlanIsRecordedOnceWithItsAuditEvents, DeliveriesAreClaimedOnceAndKeepEveryAttempt,
                            NotificationsBelongToTheirRecipient, WebhookIsPutReadAndDeleted,
                            AuditChainOfEveryTenantIsIntactAfterManyWrites,
                            RotationReplacesTheDigestAndKeepsThePreviousOneAcrossARestart,
                            RevokedKeyCannotBeRotatedAndNothingIsWritten,
                            KindPurposeAndPublicKeyRoundTripAndFilterLists,
                            PruningOldEventsKeepsTheRemainingChainVerifiable,
                            ForEachAuditStreamsMatchingEventsInOrderAndCanStop, FreshStoreIsReadyAndEmpty, BootstrapHappensExactlyOnce,
                            BootstrapIsRefusedOnceAnyTenantExists, TenantKeepsEverySetting,
                            TenantWithoutExpiryPolicyHasNoMaximum, DuplicateTenantNameIsRefusedAndRecordsNothing,
                            UnknownTenantIsNotFound, TenantUpdateChangesNameAndSettings,
                            RenamingATenantToATakenNameChangesNothing, TenantsArePagedInCreationOrder,
                            EmptyTenantCanBeDeleted, TenantHoldingGroupsOrLiveKeysCannotBeDeleted, GroupLifecycle,
                            GroupsArePagedWithACursor, GroupNamesAreUniquePerTenantOnly,
                            GroupOfAnotherTenantIsNotFound, GroupHoldingUnrevokedKeysCannotBeDeleted,
                            DeletingAGroupOfRevokedKeysDetachesThem, GroupInAMissingTenantIsRefused,
                            KeyKeepsEveryField, KeyWithoutGroupExpiryOrRolesRoundTrips,
                            KeyNamesAreUniquePerTenantOnly, KeyInAMissingGroupIsRefused,
                            KeyOfAnotherTenantIsNotFound, UpdateReplacesMutableFieldsAndKeepsIdentity,
                            UpdatingAMissingKeyIsNotFound, ListFiltersByStateAtTheGivenTime, ListFiltersByGroup,
                            KeyListIsPagedWithACursor, ForEachKeyStreamsEveryKeyIncludingRevoked,
                            LastUseOnlyMovesForward, LastUseSurvivesAnEdit, VerifyFailuresAccumulatePerKeyAndReason,
                            EveryChangeRecordsItsAuditEvent, FailedChangesRecordNoAuditEvent,
                            AChangeWhoseAuditEventCannotBeWrittenDoesNotHappen, StandaloneAuditEventsAreKept,
                            AuditCanBeFilteredByActionActorTargetAndTime, AuditIsPagedInOrder,
                            ConcurrentWritersAllCommit,
                            KeyOwnerAndScopedRoleAssignmentsSurviveARoundTripAndARestart,
                            KeyOwnerAndRolesCanBeChangedAndRemoved,
                            ServiceUserOverItsKeyLimitIsRefusedAndNothingIsWritten,
                            KeysOfAnOwnerIncludeRevokedOnesButOnlyLiveOnesCount,
                            KeysWithRoleMatchTheWholeRoleName, ListFiltersByOwnerAndByMine, UserLifecycle,
                            UserEmailsAreUniquePerTenantOnly, ServiceUserLifecycle,
                            PrincipalsGroupsAndRolesOfAnotherTenantAreNotFound,
                            PrincipalOwningLiveKeysCannotBeDeleted, DeletingAUserRemovesItFromItsGroups,
                            UsersServiceUsersAndUserGroupsArePagedWithACursor,
                            ForEachUserAndServiceUserStreamEveryTenant,
                            UserGroupKeepsMembersAndSubscriptionsAndAnUpdateReplacesThem,
                            UserGroupWithAnUnknownMemberIsRefusedAndNothingIsWritten, RoleLifecycle,
                            RoleInUseCannotBeDeleted, ModulesAreListedPerTenantAndNamesAreUnique,
                            ModuleInUseByACustomRoleCannotBeDeleted,
                            DeletingATenantRemovesItsPrincipalsGroupsRolesAndModules,
                            EveryAccessControlChangeRecordsExactlyOneAuditEvent,
                            FailedAccessControlChangesRecordNoAuditEvent,
                            AnAccessControlChangeWhoseAuditEventCannotBeWrittenDoesNotHappen);

}  // namespace keyward::store_testing
