// groups.h — store conformance, part key groups: lifecycle, unique names per tenant, paging,
// tenant isolation, and what deleting a group does to its keys.
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_GROUPS(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class GroupConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(GroupConformance);

// ---- key groups --------------------------------------------------------------------------

TYPED_TEST_P(GroupConformance, GroupLifecycle) {
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

TYPED_TEST_P(GroupConformance, GroupsArePagedWithACursor) {
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

TYPED_TEST_P(GroupConformance, GroupNamesAreUniquePerTenantOnly) {
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

TYPED_TEST_P(GroupConformance, GroupOfAnotherTenantIsNotFound) {
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

TYPED_TEST_P(GroupConformance, GroupHoldingUnrevokedKeysCannotBeDeleted) {
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

TYPED_TEST_P(GroupConformance, DeletingAGroupOfRevokedKeysDetachesThem) {
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

TYPED_TEST_P(GroupConformance, GroupInAMissingTenantIsRefused) {
  Tenant ghost = tenant("ghost");
  KeyGroup g = group(ghost, "ops");
  auto st = this->store().createGroup(g, event(ghost.id, "key_group.create", g.id));
  ASSERT_FALSE(st);
  EXPECT_TRUE(this->audit(ghost.id).empty());
}

REGISTER_TYPED_TEST_SUITE_P(GroupConformance, GroupLifecycle, GroupsArePagedWithACursor,
                            GroupNamesAreUniquePerTenantOnly, GroupOfAnotherTenantIsNotFound,
                            GroupHoldingUnrevokedKeysCannotBeDeleted, DeletingAGroupOfRevokedKeysDetachesThem,
                            GroupInAMissingTenantIsRefused);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_GROUPS(Prefix, Backend)                              \
  namespace keyward::store_testing {                                                   \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, GroupConformance, ::testing::Types<Backend>); \
  }                                                                                    \
  static_assert(true)
