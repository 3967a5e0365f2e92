// key_owners.h — store conformance, part key owners and role assignments: who owns a key, its
// scoped roles, a service user's key limit, and the queries by owner and by role.
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_KEY_OWNERS(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class KeyOwnerConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(KeyOwnerConformance);

// ---- key owners and role assignments -----------------------------------------------------

TYPED_TEST_P(KeyOwnerConformance, KeyOwnerAndScopedRoleAssignmentsSurviveARoundTripAndARestart) {
  Tenant t = this->addTenant("acme");
  ServiceUser svc = this->addServiceUser(serviceUser(t, "billing-bot"));
  ApiKey k = key(t, "scoped");
  k.owner = ownedBy(svc);
  k.roles = {unscoped(kRoleGlobalViewer), of(kRoleCloudAccountViewer, {"acc_a", "acc_b"}), ofAll("Report Reader"),
             of("Single", {"only-one"})};
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

TYPED_TEST_P(KeyOwnerConformance, KeyOwnerAndRolesCanBeChangedAndRemoved) {
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

TYPED_TEST_P(KeyOwnerConformance, ServiceUserOverItsKeyLimitIsRefusedAndNothingIsWritten) {
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

TYPED_TEST_P(KeyOwnerConformance, KeysOfAnOwnerIncludeRevokedOnesButOnlyLiveOnesCount) {
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

TYPED_TEST_P(KeyOwnerConformance, KeysWithRoleMatchTheWholeRoleName) {
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

TYPED_TEST_P(KeyOwnerConformance, ListFiltersByOwnerAndByMine) {
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

REGISTER_TYPED_TEST_SUITE_P(KeyOwnerConformance, KeyOwnerAndScopedRoleAssignmentsSurviveARoundTripAndARestart,
                            KeyOwnerAndRolesCanBeChangedAndRemoved,
                            ServiceUserOverItsKeyLimitIsRefusedAndNothingIsWritten,
                            KeysOfAnOwnerIncludeRevokedOnesButOnlyLiveOnesCount, KeysWithRoleMatchTheWholeRoleName,
                            ListFiltersByOwnerAndByMine);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_KEY_OWNERS(Prefix, Backend)                             \
  namespace keyward::store_testing {                                                      \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, KeyOwnerConformance, ::testing::Types<Backend>); \
  }                                                                                       \
  static_assert(true)
