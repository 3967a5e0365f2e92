// users.h — store conformance, part users and service users: lifecycle, unique emails, tenant
// isolation of every principal, deletion rules, paging, and streaming them.
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_USERS(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class UserConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(UserConformance);

// ---- users and service users -------------------------------------------------------------

TYPED_TEST_P(UserConformance, UserLifecycle) {
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

TYPED_TEST_P(UserConformance, UserEmailsAreUniquePerTenantOnly) {
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

TYPED_TEST_P(UserConformance, ServiceUserLifecycle) {
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

TYPED_TEST_P(UserConformance, PrincipalsGroupsAndRolesOfAnotherTenantAreNotFound) {
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

TYPED_TEST_P(UserConformance, PrincipalOwningLiveKeysCannotBeDeleted) {
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

TYPED_TEST_P(UserConformance, DeletingAUserRemovesItFromItsGroups) {
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

TYPED_TEST_P(UserConformance, UsersServiceUsersAndUserGroupsArePagedWithACursor) {
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

TYPED_TEST_P(UserConformance, ForEachUserAndServiceUserStreamEveryTenant) {
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

REGISTER_TYPED_TEST_SUITE_P(UserConformance, UserLifecycle, UserEmailsAreUniquePerTenantOnly, ServiceUserLifecycle,
                            PrincipalsGroupsAndRolesOfAnotherTenantAreNotFound, PrincipalOwningLiveKeysCannotBeDeleted,
                            DeletingAUserRemovesItFromItsGroups, UsersServiceUsersAndUserGroupsArePagedWithACursor,
                            ForEachUserAndServiceUserStreamEveryTenant);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_USERS(Prefix, Backend)                              \
  namespace keyward::store_testing {                                                  \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, UserConformance, ::testing::Types<Backend>); \
  }                                                                                   \
  static_assert(true)
