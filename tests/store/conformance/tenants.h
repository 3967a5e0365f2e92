// tenants.h — store conformance, part tenants: a fresh store, the one-time bootstrap, and tenants
// (settings, unique names, paging, deletion).
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_TENANTS(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class TenantConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(TenantConformance);

// ---- bootstrap and health ----------------------------------------------------------------

TYPED_TEST_P(TenantConformance, FreshStoreIsReadyAndEmpty) {
  EXPECT_TRUE(this->store().ping());
  auto empty = this->store().isEmpty();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(*empty);
  auto tenants = this->store().listTenants({});
  ASSERT_TRUE(tenants);
  EXPECT_TRUE(tenants->items.empty());
  EXPECT_FALSE(tenants->next);
}

TYPED_TEST_P(TenantConformance, BootstrapHappensExactlyOnce) {
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

TYPED_TEST_P(TenantConformance, BootstrapIsRefusedOnceAnyTenantExists) {
  this->addTenant("acme");
  Tenant sys = tenant("system");
  sys.id = std::string(kSystemTenantId);
  auto st = this->store().bootstrap(sys, key(sys, "bootstrap-admin"), {});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "ALREADY_BOOTSTRAPPED");
  EXPECT_FALSE(this->store().getTenant(kSystemTenantId));
}

// ---- tenants -----------------------------------------------------------------------------

TYPED_TEST_P(TenantConformance, TenantKeepsEverySetting) {
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

TYPED_TEST_P(TenantConformance, TenantWithoutExpiryPolicyHasNoMaximum) {
  Tenant t = this->addTenant("acme");
  EXPECT_FALSE(this->store().getTenant(t.id).value().settings.max_expiry_days);
}

TYPED_TEST_P(TenantConformance, DuplicateTenantNameIsRefusedAndRecordsNothing) {
  Tenant first = this->addTenant("acme");
  Tenant dup = tenant("acme");
  auto st = this->store().createTenant(dup, event(first.id, "tenant.create", dup.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_FALSE(this->store().getTenant(dup.id));
  EXPECT_EQ(this->audit(first.id).size(), 1u);  // only the first create
}

TYPED_TEST_P(TenantConformance, UnknownTenantIsNotFound) {
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

TYPED_TEST_P(TenantConformance, TenantUpdateChangesNameAndSettings) {
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

TYPED_TEST_P(TenantConformance, RenamingATenantToATakenNameChangesNothing) {
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

TYPED_TEST_P(TenantConformance, TenantsArePagedInCreationOrder) {
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

TYPED_TEST_P(TenantConformance, EmptyTenantCanBeDeleted) {
  Tenant t = this->addTenant("acme");
  ASSERT_TRUE(this->store().deleteTenant(t.id, event(t.id, "tenant.delete", t.id)));
  auto got = this->store().getTenant(t.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->audit(t.id, Q().action("tenant.delete")).size(), 1u);
  // The name is free again.
  this->addTenant("acme");
}

TYPED_TEST_P(TenantConformance, TenantHoldingGroupsOrLiveKeysCannotBeDeleted) {
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

REGISTER_TYPED_TEST_SUITE_P(TenantConformance, FreshStoreIsReadyAndEmpty, BootstrapHappensExactlyOnce,
                            BootstrapIsRefusedOnceAnyTenantExists, TenantKeepsEverySetting,
                            TenantWithoutExpiryPolicyHasNoMaximum, DuplicateTenantNameIsRefusedAndRecordsNothing,
                            UnknownTenantIsNotFound, TenantUpdateChangesNameAndSettings,
                            RenamingATenantToATakenNameChangesNothing, TenantsArePagedInCreationOrder,
                            EmptyTenantCanBeDeleted, TenantHoldingGroupsOrLiveKeysCannotBeDeleted);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_TENANTS(Prefix, Backend)                              \
  namespace keyward::store_testing {                                                    \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, TenantConformance, ::testing::Types<Backend>); \
  }                                                                                     \
  static_assert(true)
