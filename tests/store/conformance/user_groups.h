// user_groups.h — store conformance, part user groups: members and subscriptions round-trip and
// are replaced by an update; an unknown member is refused.
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_USER_GROUPS(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class UserGroupConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(UserGroupConformance);

// ---- user groups -------------------------------------------------------------------------

TYPED_TEST_P(UserGroupConformance, UserGroupKeepsMembersAndSubscriptionsAndAnUpdateReplacesThem) {
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

TYPED_TEST_P(UserGroupConformance, UserGroupWithAnUnknownMemberIsRefusedAndNothingIsWritten) {
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

REGISTER_TYPED_TEST_SUITE_P(UserGroupConformance, UserGroupKeepsMembersAndSubscriptionsAndAnUpdateReplacesThem,
                            UserGroupWithAnUnknownMemberIsRefusedAndNothingIsWritten);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_USER_GROUPS(Prefix, Backend)                             \
  namespace keyward::store_testing {                                                       \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, UserGroupConformance, ::testing::Types<Backend>); \
  }                                                                                        \
  static_assert(true)
