// roles.h — store conformance, part roles and modules: lifecycle, what keeps a role or a module
// from being deleted, and what deleting a tenant removes.
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_ROLES(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class RoleConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(RoleConformance);

// ---- roles and modules -------------------------------------------------------------------

TYPED_TEST_P(RoleConformance, RoleLifecycle) {
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

TYPED_TEST_P(RoleConformance, RoleInUseCannotBeDeleted) {
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

TYPED_TEST_P(RoleConformance, ModulesAreListedPerTenantAndNamesAreUnique) {
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

TYPED_TEST_P(RoleConformance, ModuleInUseByACustomRoleCannotBeDeleted) {
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

TYPED_TEST_P(RoleConformance, DeletingATenantRemovesItsPrincipalsGroupsRolesAndModules) {
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

REGISTER_TYPED_TEST_SUITE_P(RoleConformance, RoleLifecycle, RoleInUseCannotBeDeleted,
                            ModulesAreListedPerTenantAndNamesAreUnique, ModuleInUseByACustomRoleCannotBeDeleted,
                            DeletingATenantRemovesItsPrincipalsGroupsRolesAndModules);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_ROLES(Prefix, Backend)                              \
  namespace keyward::store_testing {                                                  \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, RoleConformance, ::testing::Types<Backend>); \
  }                                                                                   \
  static_assert(true)
