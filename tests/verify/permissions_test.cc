// Unit tests for the compiled permission model (src/verify/permissions.h) and the permission
// step of the verify hot path (verify::granted, and where OWNER_DISABLED and
// INSUFFICIENT_PERMISSIONS sit in the order of the verifier's checks).
#include "verify/permissions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "verify/verifier.h"
#include "verify_fixture.h"

namespace keyward::verify {
namespace {

using testing::compiled;
using testing::kStart;
using testing::VerifyTest;

Grant all() { return Grant{Level::kAll, true, {}}; }
Grant mine() { return Grant{Level::kMine, true, {}}; }
Grant scoped(Level level, std::initializer_list<const char*> resources) {
  Grant g{level, false, {}};
  for (const char* r : resources) g.resources.emplace(r);
  return g;
}

// A sealed set from (module, action, grant) lines, as compileAssignments builds them.
struct Line {
  const char* module;
  Action action;
  Grant grant;
};
PermissionSet setOf(std::vector<Line> lines) {
  PermissionSet s;
  for (const auto& l : lines) s.add(l.module, l.action, l.grant);
  s.seal();
  return s;
}

std::vector<std::string> sorted(const Grant& g) {
  std::vector<std::string> out(g.resources.begin(), g.resources.end());
  std::sort(out.begin(), out.end());
  return out;
}

// ---- names -------------------------------------------------------------------------------

TEST(PermissionNames, ActionsAndLevelsHaveTheirWireNamesAndParseBack) {
  for (Action a : {Action::kInquire, Action::kAdd, Action::kEdit, Action::kDelete})
    EXPECT_EQ(parseAction(toString(a)), a);
  for (Level l : {Level::kNone, Level::kMine, Level::kAll}) EXPECT_EQ(parseLevel(toString(l)), l);
  EXPECT_EQ(toString(Action::kInquire), "inquire");
  EXPECT_EQ(toString(Level::kMine), "mine");
  EXPECT_FALSE(parseAction("read"));
  EXPECT_FALSE(parseAction("Inquire"));
  EXPECT_FALSE(parseLevel("some"));
  EXPECT_FALSE(parseLevel(""));
}

// ---- union -------------------------------------------------------------------------------

TEST(PermissionUnion, HigherLevelWins) {
  const PermissionSet s = setOf({{"keys", Action::kInquire, mine()}, {"keys", Action::kInquire, all()}});
  EXPECT_EQ(s.level("keys", Action::kInquire), Level::kAll);
  const PermissionSet t = setOf({{"keys", Action::kEdit, all()}, {"keys", Action::kEdit, mine()}});
  EXPECT_EQ(t.level("keys", Action::kEdit), Level::kAll);
}

TEST(PermissionUnion, ScopedGrantsJoinTheirResources) {
  const PermissionSet s = setOf({{"cloud_accounts", Action::kInquire, scoped(Level::kAll, {"acc-1"})},
                                 {"cloud_accounts", Action::kInquire, scoped(Level::kAll, {"acc-2"})}});
  const Grant* g = s.find("cloud_accounts", Action::kInquire);
  ASSERT_NE(g, nullptr);
  EXPECT_FALSE(g->all_resources);
  EXPECT_EQ(sorted(*g), (std::vector<std::string>{"acc-1", "acc-2"}));
  EXPECT_TRUE(s.allows("cloud_accounts", Action::kInquire, "acc-2"));
  EXPECT_FALSE(s.allows("cloud_accounts", Action::kInquire, "acc-3"));
}

TEST(PermissionUnion, AGrantForAllResourcesAbsorbsScopedOnes) {
  const PermissionSet s = setOf({{"cloud_accounts", Action::kInquire, scoped(Level::kAll, {"acc-1"})},
                                 {"cloud_accounts", Action::kInquire, all()}});
  const Grant* g = s.find("cloud_accounts", Action::kInquire);
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->all_resources);
  EXPECT_TRUE(g->resources.empty());
  EXPECT_TRUE(s.allows("cloud_accounts", Action::kInquire, "acc-99"));
}

TEST(PermissionUnion, NoneAndAnEmptyScopeGrantNothing) {
  PermissionSet s;
  s.add("keys", Action::kInquire, Grant{Level::kNone, true, {}});
  s.add("cloud_accounts", Action::kInquire, Grant{Level::kAll, false, {}});
  s.seal();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.find("keys", Action::kInquire), nullptr);
  EXPECT_EQ(s.find("cloud_accounts", Action::kInquire), nullptr);
  EXPECT_TRUE(s.entries().empty());
  // A none line does not lower what another line granted.
  const PermissionSet t = setOf({{"keys", Action::kAdd, all()}, {"keys", Action::kAdd, Grant{}}});
  EXPECT_EQ(t.level("keys", Action::kAdd), Level::kAll);
}

TEST(PermissionUnion, ActionsAreIndependent) {
  const PermissionSet s = setOf({{"keys", Action::kInquire, all()}});
  EXPECT_TRUE(s.allows("keys", Action::kInquire, std::nullopt));
  for (Action a : {Action::kAdd, Action::kEdit, Action::kDelete}) {
    EXPECT_FALSE(s.allows("keys", a, std::nullopt)) << toString(a);
    EXPECT_EQ(s.level("keys", a), Level::kNone);
  }
}

// ---- "*" and seal ------------------------------------------------------------------------

TEST(PermissionWildcard, SealFoldsTheWildcardIntoNamedModules) {
  // Global Viewer plus "add keys": keys must answer both from its one entry.
  const PermissionSet s = setOf({{"*", Action::kInquire, all()}, {"keys", Action::kAdd, all()}});
  EXPECT_EQ(s.level("keys", Action::kInquire), Level::kAll);
  EXPECT_EQ(s.level("keys", Action::kAdd), Level::kAll);
  EXPECT_EQ(s.level("keys", Action::kDelete), Level::kNone);
}

TEST(PermissionWildcard, WildcardRaisesANamedModulesLowerLevel) {
  const PermissionSet s = setOf({{"keys", Action::kEdit, mine()}, {"*", Action::kEdit, all()}});
  EXPECT_EQ(s.level("keys", Action::kEdit), Level::kAll);
}

TEST(PermissionWildcard, ModulesWithoutTheirOwnEntryFallBackToTheWildcard) {
  // A module registered after the role was written ("service_tickets") is covered by "*".
  const PermissionSet s = setOf({{"*", Action::kInquire, all()}});
  const Grant* g = s.find("service_tickets", Action::kInquire);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->level, Level::kAll);
  EXPECT_EQ(s.find("service_tickets", Action::kAdd), nullptr);
  EXPECT_EQ(s.find(kAnyModule, Action::kInquire), g);
}

TEST(PermissionWildcard, WithoutAWildcardUnknownModulesHaveNothing) {
  const PermissionSet s = setOf({{"keys", Action::kInquire, all()}});
  EXPECT_EQ(s.find("service_tickets", Action::kInquire), nullptr);
  EXPECT_FALSE(s.allows("service_tickets", Action::kInquire, std::nullopt));
  EXPECT_EQ(s.level("service_tickets", Action::kInquire), Level::kNone);
}

TEST(PermissionWildcard, EntriesListTheWildcardFirstAndSkipWhatItAlreadySays) {
  const PermissionSet s = setOf({{"*", Action::kInquire, all()},
                                 {"service_tickets", Action::kAdd, all()},
                                 {"keys", Action::kInquire, all()},  // same as "*": not shown again
                                 {"audit", Action::kDelete, mine()}});
  const auto e = s.entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].module, "*");
  EXPECT_EQ(e[0].action, Action::kInquire);
  EXPECT_EQ(e[1].module, "audit");
  EXPECT_EQ(e[1].grant->level, Level::kMine);
  EXPECT_EQ(e[2].module, "service_tickets");
  EXPECT_EQ(e[2].action, Action::kAdd);
}

// ---- allows ------------------------------------------------------------------------------

TEST(GrantAllows, ScopedGrantAllowsItsResourcesAndAnyWhenNoneIsNamed) {
  const Grant g = scoped(Level::kAll, {"acc-1", "acc-2"});
  EXPECT_TRUE(g.allows("acc-1"));
  EXPECT_FALSE(g.allows("acc-3"));
  EXPECT_FALSE(g.allows(""));
  EXPECT_TRUE(g.allows(std::nullopt));  // the caller filters by scope itself
  EXPECT_FALSE(Grant{}.allows(std::nullopt));
  EXPECT_FALSE((Grant{Level::kNone, true, {}}).allows("acc-1"));
  EXPECT_TRUE(all().allows("anything"));
}

// ---- covers ------------------------------------------------------------------------------

TEST(GrantCovers, LevelsAndResourceSubsets) {
  EXPECT_TRUE(all().covers(mine()));
  EXPECT_FALSE(mine().covers(all()));
  EXPECT_TRUE(mine().covers(mine()));
  EXPECT_TRUE(Grant{}.covers(Grant{}));  // nothing covers nothing
  EXPECT_TRUE(Grant{}.covers(Grant{Level::kNone, false, {}}));
  EXPECT_FALSE(Grant{}.covers(mine()));
  // Resources: all ⊇ any scope; a scope covers its subsets only.
  EXPECT_TRUE(all().covers(scoped(Level::kAll, {"a", "b"})));
  EXPECT_FALSE(scoped(Level::kAll, {"a", "b"}).covers(all()));
  EXPECT_TRUE(scoped(Level::kAll, {"a", "b"}).covers(scoped(Level::kAll, {"a"})));
  EXPECT_TRUE(scoped(Level::kAll, {"a", "b"}).covers(scoped(Level::kMine, {"a", "b"})));
  EXPECT_FALSE(scoped(Level::kAll, {"a"}).covers(scoped(Level::kAll, {"a", "b"})));
  EXPECT_FALSE(scoped(Level::kMine, {"a", "b"}).covers(scoped(Level::kAll, {"a"})));
}

TEST(PermissionCovers, EverythingCoversNothingAndNothingCoversSomething) {
  const PermissionSet empty = setOf({});
  const PermissionSet viewer = setOf({{"*", Action::kInquire, all()}});
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(empty.covers(empty));
  EXPECT_TRUE(viewer.covers(empty));
  std::string missing;
  EXPECT_FALSE(empty.covers(viewer, &missing));
  EXPECT_EQ(missing, "*:inquire");
}

TEST(PermissionCovers, WildcardCoversNamedModulesButNotTheOtherWayRound) {
  const PermissionSet viewer = setOf({{"*", Action::kInquire, all()}});
  const PermissionSet tickets = setOf({{"service_tickets", Action::kInquire, all()}});
  EXPECT_TRUE(viewer.covers(tickets));
  // Holding every module known today is not holding "*": "*" includes modules added later.
  const PermissionSet named = setOf({{"keys", Action::kInquire, all()}, {"service_tickets", Action::kInquire, all()}});
  std::string missing;
  EXPECT_FALSE(named.covers(viewer, &missing));
  EXPECT_EQ(missing, "*:inquire");
}

TEST(PermissionCovers, NamesTheFirstMissingModuleAndAction) {
  const PermissionSet viewer = setOf({{"*", Action::kInquire, all()}});
  const PermissionSet wants = setOf({{"service_tickets", Action::kInquire, all()},
                                     {"service_tickets", Action::kAdd, all()}});
  std::string missing;
  EXPECT_FALSE(viewer.covers(wants, &missing));
  EXPECT_EQ(missing, "service_tickets:add");
  const PermissionSet admin = setOf({{"*", Action::kInquire, all()}, {"*", Action::kAdd, all()}});
  EXPECT_FALSE(admin.covers(setOf({{"*", Action::kDelete, all()}}), &missing));
  EXPECT_EQ(missing, "*:delete");
}

TEST(PermissionCovers, LevelAndResourceScopeCount) {
  const PermissionSet own = setOf({{"keys", Action::kEdit, mine()}});
  const PermissionSet every = setOf({{"keys", Action::kEdit, all()}});
  std::string missing;
  EXPECT_TRUE(every.covers(own));
  EXPECT_FALSE(own.covers(every, &missing));
  EXPECT_EQ(missing, "keys:edit");

  const PermissionSet ab = setOf({{"cloud_accounts", Action::kInquire, scoped(Level::kAll, {"acc-1", "acc-2"})}});
  const PermissionSet a = setOf({{"cloud_accounts", Action::kInquire, scoped(Level::kAll, {"acc-1"})}});
  const PermissionSet any = setOf({{"cloud_accounts", Action::kInquire, all()}});
  EXPECT_TRUE(ab.covers(a));
  EXPECT_FALSE(a.covers(ab));
  EXPECT_FALSE(ab.covers(any, &missing));
  EXPECT_EQ(missing, "cloud_accounts:inquire");
  EXPECT_TRUE(any.covers(ab));
}

// ---- intersect ---------------------------------------------------------------------------

TEST(PermissionIntersect, KeepsTheLowerLevel) {
  const PermissionSet key = setOf({{"keys", Action::kEdit, all()}, {"keys", Action::kAdd, mine()}});
  const PermissionSet owner = setOf({{"keys", Action::kEdit, mine()}, {"keys", Action::kAdd, all()}});
  const PermissionSet both = PermissionSet::intersect(key, owner);
  EXPECT_EQ(both.level("keys", Action::kEdit), Level::kMine);
  EXPECT_EQ(both.level("keys", Action::kAdd), Level::kMine);
  EXPECT_EQ(both.level("keys", Action::kInquire), Level::kNone);
}

TEST(PermissionIntersect, KeepsOnlyResourcesBothAllow) {
  auto one = [](Grant g) { return setOf({{"cloud_accounts", Action::kInquire, std::move(g)}}); };
  auto result = [](const PermissionSet& s) { return s.find("cloud_accounts", Action::kInquire); };
  const PermissionSet ab = one(scoped(Level::kAll, {"acc-1", "acc-2"}));
  const PermissionSet bc = one(scoped(Level::kAll, {"acc-2", "acc-3"}));
  const PermissionSet any = one(all());

  const PermissionSet ab_bc = PermissionSet::intersect(ab, bc);
  const Grant* g = result(ab_bc);
  ASSERT_NE(g, nullptr);
  EXPECT_FALSE(g->all_resources);
  EXPECT_EQ(sorted(*g), (std::vector<std::string>{"acc-2"}));

  const PermissionSet any_ab = PermissionSet::intersect(any, ab);
  g = result(any_ab);
  ASSERT_NE(g, nullptr);
  EXPECT_FALSE(g->all_resources);
  EXPECT_EQ(sorted(*g), (std::vector<std::string>{"acc-1", "acc-2"}));
  const PermissionSet ab_any = PermissionSet::intersect(ab, any);
  g = result(ab_any);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(sorted(*g), (std::vector<std::string>{"acc-1", "acc-2"}));

  const PermissionSet any_any = PermissionSet::intersect(any, any);
  g = result(any_any);
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->all_resources);

  // Disjoint scopes leave nothing, not "every resource".
  const PermissionSet disjoint = PermissionSet::intersect(one(scoped(Level::kAll, {"acc-1"})),
                                                          one(scoped(Level::kAll, {"acc-9"})));
  EXPECT_EQ(result(disjoint), nullptr);
  EXPECT_FALSE(disjoint.allows("cloud_accounts", Action::kInquire, std::nullopt));
  EXPECT_FALSE(disjoint.allows("cloud_accounts", Action::kInquire, "acc-1"));
}

TEST(PermissionIntersect, WildcardMeetsNamedModules) {
  const PermissionSet admin = setOf({{"*", Action::kInquire, all()},
                                     {"*", Action::kAdd, all()},
                                     {"*", Action::kEdit, all()},
                                     {"*", Action::kDelete, all()}});
  const PermissionSet tickets = setOf({{"service_tickets", Action::kAdd, all()},
                                       {"service_tickets", Action::kInquire, mine()}});
  for (const auto& both : {PermissionSet::intersect(admin, tickets), PermissionSet::intersect(tickets, admin)}) {
    EXPECT_EQ(both.level("service_tickets", Action::kAdd), Level::kAll);
    EXPECT_EQ(both.level("service_tickets", Action::kInquire), Level::kMine);
    EXPECT_EQ(both.level("service_tickets", Action::kDelete), Level::kNone);
    EXPECT_EQ(both.level("keys", Action::kAdd), Level::kNone);
    EXPECT_EQ(both.level("later_module", Action::kInquire), Level::kNone);
  }
  // Two wildcards stay a wildcard: a module registered later is still granted.
  const PermissionSet viewer = setOf({{"*", Action::kInquire, all()}});
  const PermissionSet both = PermissionSet::intersect(admin, viewer);
  EXPECT_EQ(both.level("later_module", Action::kInquire), Level::kAll);
  EXPECT_EQ(both.level("later_module", Action::kAdd), Level::kNone);
  EXPECT_TRUE(viewer.covers(both));
  EXPECT_TRUE(both.covers(viewer));
}

TEST(PermissionIntersect, WithNothingIsNothing) {
  const PermissionSet admin = setOf({{"*", Action::kInquire, all()}, {"keys", Action::kAdd, all()}});
  const PermissionSet none = setOf({});
  EXPECT_TRUE(PermissionSet::intersect(admin, none).empty());
  EXPECT_TRUE(PermissionSet::intersect(none, admin).empty());
  EXPECT_TRUE(PermissionSet::intersect(none, none).empty());
}

TEST(PermissionIntersect, ResultNeverExceedsEitherSide) {
  const PermissionSet a = setOf({{"*", Action::kInquire, all()},
                                 {"keys", Action::kAdd, mine()},
                                 {"cloud_accounts", Action::kInquire, scoped(Level::kAll, {"acc-1", "acc-2"})}});
  const PermissionSet b = setOf({{"keys", Action::kInquire, all()},
                                 {"keys", Action::kAdd, all()},
                                 {"cloud_accounts", Action::kInquire, scoped(Level::kAll, {"acc-2", "acc-3"})},
                                 {"audit", Action::kDelete, all()}});
  const PermissionSet both = PermissionSet::intersect(a, b);
  EXPECT_TRUE(a.covers(both));
  EXPECT_TRUE(b.covers(both));
  EXPECT_FALSE(both.empty());
}

// ---- granted (the verify step) -----------------------------------------------------------

std::shared_ptr<CompiledKey> keyWith(PermissionSet perms, std::string owner_id = {}) {
  auto k = compiled("key_1");
  auto a = std::make_shared<KeyAccess>();
  a->owner_kind = PrincipalKind::kServiceUser;
  a->owner_id = std::move(owner_id);
  a->permissions = std::make_shared<const PermissionSet>(std::move(perms));
  k->access = std::move(a);
  return k;
}

TEST(Granted, NoChecksAlwaysPassEvenForAKeyWithoutAccess) {
  EXPECT_TRUE(granted(*compiled("key_1"), {}));
  EXPECT_TRUE(granted(*keyWith(setOf({})), {}));
}

TEST(Granted, KeyWithoutRolesOrOwnerIsGrantedNothing) {
  const PermissionCheck check{"service_tickets", Action::kInquire, std::nullopt, std::nullopt};
  EXPECT_FALSE(granted(*compiled("key_1"), {&check, 1}));
  EXPECT_FALSE(granted(*keyWith(setOf({})), {&check, 1}));
}

TEST(Granted, EveryCheckMustBeGranted) {
  const auto k = keyWith(setOf({{"service_tickets", Action::kInquire, all()},
                                {"service_tickets", Action::kAdd, all()}}));
  const std::vector<PermissionCheck> ok = {{"service_tickets", Action::kInquire, std::nullopt, std::nullopt},
                                           {"service_tickets", Action::kAdd, std::nullopt, std::nullopt}};
  EXPECT_TRUE(granted(*k, ok));
  std::vector<PermissionCheck> one_more = ok;
  one_more.push_back({"service_tickets", Action::kDelete, std::nullopt, std::nullopt});
  EXPECT_FALSE(granted(*k, one_more));
  const PermissionCheck other_module{"companies", Action::kInquire, std::nullopt, std::nullopt};
  EXPECT_FALSE(granted(*k, {&other_module, 1}));
}

TEST(Granted, ResourceMustBeWithinTheScopeAndOmittingItPassesAnyScope) {
  const auto k = keyWith(setOf({{"cloud_accounts", Action::kInquire, scoped(Level::kAll, {"acc-1", "acc-2"})}}));
  auto check = [&](std::optional<std::string_view> resource) {
    const PermissionCheck c{"cloud_accounts", Action::kInquire, resource, std::nullopt};
    return granted(*k, {&c, 1});
  };
  EXPECT_TRUE(check("acc-1"));
  EXPECT_TRUE(check("acc-2"));
  EXPECT_FALSE(check("acc-3"));
  EXPECT_TRUE(check(std::nullopt));
}

TEST(Granted, MineRequiresTheResourceOwnerToBeTheKeysOwner) {
  const auto k = keyWith(setOf({{"service_tickets", Action::kEdit, mine()}}), "svc_1");
  auto check = [&](std::optional<std::string_view> owner) {
    const PermissionCheck c{"service_tickets", Action::kEdit, "ticket-7", owner};
    return granted(*k, {&c, 1});
  };
  EXPECT_TRUE(check("svc_1"));
  EXPECT_FALSE(check("svc_2"));
  EXPECT_FALSE(check("key_1"));  // the key acts for its owner, not for itself
  EXPECT_FALSE(check(""));
  EXPECT_TRUE(check(std::nullopt));  // the resource server applies "mine" itself
}

TEST(Granted, MineOfAKeyWithoutOwnerMeansTheKeyItself) {
  const auto k = keyWith(setOf({{"service_tickets", Action::kEdit, mine()}}));
  const PermissionCheck own{"service_tickets", Action::kEdit, std::nullopt, "key_1"};
  const PermissionCheck other{"service_tickets", Action::kEdit, std::nullopt, "key_2"};
  EXPECT_TRUE(granted(*k, {&own, 1}));
  EXPECT_FALSE(granted(*k, {&other, 1}));
}

TEST(Granted, ResourceOwnerDoesNotMatterAtLevelAll) {
  const auto k = keyWith(setOf({{"service_tickets", Action::kEdit, all()}}), "svc_1");
  const PermissionCheck c{"service_tickets", Action::kEdit, "ticket-7", "svc_2"};
  EXPECT_TRUE(granted(*k, {&c, 1}));
}

TEST(Granted, WildcardRoleAnswersForAModuleRegisteredLater) {
  const auto k = keyWith(setOf({{"*", Action::kInquire, all()}}));
  const PermissionCheck c{"service_tickets", Action::kInquire, "ticket-7", std::nullopt};
  const PermissionCheck add{"service_tickets", Action::kAdd, std::nullopt, std::nullopt};
  EXPECT_TRUE(granted(*k, {&c, 1}));
  EXPECT_FALSE(granted(*k, {&add, 1}));
}

// ---- the verifier's order ----------------------------------------------------------------

class PermissionVerifyTest : public VerifyTest {
 protected:
  // A key owned by svc_1 that may inquire service tickets.
  std::shared_ptr<CompiledKey> ownedKey(bool owner_disabled) {
    auto k = keyWith(setOf({{"service_tickets", Action::kInquire, all()}}), "svc_1");
    auto a = std::make_shared<KeyAccess>(*k->access);
    a->owner_disabled = owner_disabled;
    k->access = std::move(a);
    return k;
  }

  Outcome verifyWith(std::string_view secret, std::span<const PermissionCheck> checks,
                     std::optional<std::string_view> ip = std::nullopt,
                     std::optional<std::string_view> tenant = std::nullopt) {
    Request req{secret, tenant, std::nullopt, checks};
    if (ip) req.client_ip = parseIp(*ip).value();
    return verifier_.verify(req);
  }

  const PermissionCheck inquire_{"service_tickets", Action::kInquire, std::nullopt, std::nullopt};
  const PermissionCheck delete_{"service_tickets", Action::kDelete, std::nullopt, std::nullopt};
};

TEST_F(PermissionVerifyTest, NewCodesHaveTheirWireNames) {
  EXPECT_EQ(toString(Code::kOwnerDisabled), "OWNER_DISABLED");
  EXPECT_EQ(toString(Code::kInsufficientPermissions), "INSUFFICIENT_PERMISSIONS");
}

TEST_F(PermissionVerifyTest, GrantedPermissionsAreValidAndMissingOnesAreInsufficient) {
  const std::string secret = add(ownedKey(false));
  EXPECT_EQ(verifyWith(secret, {&inquire_, 1}).code, Code::kValid);
  const Outcome out = verifyWith(secret, {&delete_, 1});
  EXPECT_EQ(out.code, Code::kInsufficientPermissions);
  ASSERT_TRUE(out.key);
  EXPECT_EQ(out.key->id, "key_1");
  // Without permission checks the key is simply valid.
  EXPECT_EQ(verifyWith(secret, {}).code, Code::kValid);
}

TEST_F(PermissionVerifyTest, DisabledOwnerStopsTheKeyWhateverItAsks) {
  const std::string secret = add(ownedKey(true));
  EXPECT_EQ(verifyWith(secret, {}).code, Code::kOwnerDisabled);
  EXPECT_EQ(verifyWith(secret, {&inquire_, 1}).code, Code::kOwnerDisabled);
  EXPECT_EQ(verifyWith(secret, {&delete_, 1}).code, Code::kOwnerDisabled);
}

TEST_F(PermissionVerifyTest, KeyStateComesBeforeItsOwnersState) {
  auto disabled = ownedKey(true);
  disabled->enabled = false;
  EXPECT_EQ(verifyWith(add(disabled), {}).code, Code::kDisabled);

  auto revoked = ownedKey(true);
  revoked->id = "key_2";
  revoked->revoked = true;
  EXPECT_EQ(verifyWith(add(revoked), {}).code, Code::kRevoked);

  auto expired = ownedKey(true);
  expired->id = "key_3";
  expired->expires_at = kStart;
  EXPECT_EQ(verifyWith(add(expired), {}).code, Code::kExpired);

  auto foreign = ownedKey(true);
  foreign->id = "key_4";
  EXPECT_EQ(verifyWith(add(foreign), {}, std::nullopt, "ten_b").code, Code::kTenantMismatch);
}

TEST_F(PermissionVerifyTest, OwnerDisabledComesBeforeTheIpCheck) {
  auto k = ownedKey(true);
  k->ip_allowlist = {parseCidr("10.0.0.0/8").value()};
  EXPECT_EQ(verifyWith(add(k), {&delete_, 1}, "192.0.2.1").code, Code::kOwnerDisabled);
}

TEST_F(PermissionVerifyTest, IpCheckComesBeforePermissions) {
  auto k = ownedKey(false);
  k->ip_allowlist = {parseCidr("10.0.0.0/8").value()};
  const std::string secret = add(k);
  EXPECT_EQ(verifyWith(secret, {&delete_, 1}, "192.0.2.1").code, Code::kIpNotAllowed);
  EXPECT_EQ(verifyWith(secret, {&delete_, 1}, "10.1.2.3").code, Code::kInsufficientPermissions);
  EXPECT_EQ(verifyWith(secret, {&inquire_, 1}, "10.1.2.3").code, Code::kValid);
}

TEST_F(PermissionVerifyTest, PermissionFailuresAreTalliedButDoNotCountAsUse) {
  const std::string secret = add(ownedKey(false));
  EXPECT_EQ(verifyWith(secret, {&delete_, 1}).code, Code::kInsufficientPermissions);
  EXPECT_EQ(verifyWith(secret, {&delete_, 1}).code, Code::kInsufficientPermissions);
  const auto tallies = verifier_.drainFailures();
  ASSERT_EQ(tallies.size(), 1u);
  EXPECT_EQ(tallies[0].code, Code::kInsufficientPermissions);
  EXPECT_EQ(tallies[0].key_id, "key_1");
  EXPECT_EQ(tallies[0].count, 2);
  std::vector<std::string> touched;
  index_.drainDirty([&](const CompiledKey& k) { touched.push_back(k.id); });
  EXPECT_TRUE(touched.empty());
}

}  // namespace
}  // namespace keyward::verify

namespace keyward::verify {
namespace {

Grant grantOf(Level level, bool all, std::initializer_list<const char*> ids) {
  Grant g;
  g.level = level;
  g.all_resources = all;
  for (const char* r : ids) g.resources.emplace(r);
  return g;
}

TEST(MixedLevels, MineEverywherePlusAllOnOneTicketIsNotAllEverywhere) {
  Grant g = grantOf(Level::kMine, true, {});
  g.unite(grantOf(Level::kAll, false, {"T-1"}));
  EXPECT_EQ(g.levelFor("T-1"), Level::kAll);
  EXPECT_EQ(g.levelFor("T-2"), Level::kMine);
  EXPECT_TRUE(g.allows("T-2"));
  // The same sum in the other order.
  Grant h = grantOf(Level::kAll, false, {"T-1"});
  h.unite(grantOf(Level::kMine, true, {}));
  EXPECT_EQ(h.levelFor("T-1"), Level::kAll);
  EXPECT_EQ(h.levelFor("T-2"), Level::kMine);
}

TEST(MixedLevels, MineOnOneAndAllOnAnotherKeepEachLevelToItsResource) {
  Grant g = grantOf(Level::kMine, false, {"A"});
  g.unite(grantOf(Level::kAll, false, {"B"}));
  EXPECT_EQ(g.levelFor("A"), Level::kMine);
  EXPECT_EQ(g.levelFor("B"), Level::kAll);
  EXPECT_EQ(g.levelFor("C"), Level::kNone);
}

TEST(MixedLevels, AHolderOfMineEverywhereDoesNotCoverAllOnOneResource) {
  const Grant holder = grantOf(Level::kMine, true, {});
  EXPECT_FALSE(holder.covers(grantOf(Level::kAll, false, {"T-1"})));
  Grant mixed = holder;
  mixed.unite(grantOf(Level::kAll, false, {"T-1"}));
  EXPECT_TRUE(mixed.covers(grantOf(Level::kAll, false, {"T-1"})));
  EXPECT_TRUE(mixed.covers(grantOf(Level::kMine, true, {})));
  EXPECT_FALSE(mixed.covers(grantOf(Level::kAll, false, {"T-2"})));
}

TEST(MixedLevels, IntersectionKeepsBothTiers) {
  Grant mixed = grantOf(Level::kMine, true, {});
  mixed.unite(grantOf(Level::kAll, false, {"T-1"}));
  const Grant owner = grantOf(Level::kAll, true, {});
  const Grant both = Grant::intersect(mixed, owner);
  EXPECT_EQ(both.levelFor("T-1"), Level::kAll);
  EXPECT_EQ(both.levelFor("T-9"), Level::kMine);
  const Grant narrow = Grant::intersect(mixed, grantOf(Level::kMine, false, {"T-1"}));
  EXPECT_EQ(narrow.levelFor("T-1"), Level::kMine);
  EXPECT_EQ(narrow.levelFor("T-9"), Level::kNone);
}

TEST(MixedLevels, TheVerifyPathAppliesMineOnlyOutsideTheAllTier) {
  PermissionSet set;
  set.add("service_tickets", Action::kEdit, grantOf(Level::kMine, true, {}));
  set.add("service_tickets", Action::kEdit, grantOf(Level::kAll, false, {"T-1"}));
  set.seal();
  auto key = std::make_shared<CompiledKey>();
  key->id = "key_x";
  auto access = std::make_shared<KeyAccess>();
  access->owner_id = "svc_me";
  access->permissions = std::make_shared<const PermissionSet>(std::move(set));
  key->access = access;
  auto check = [&](const char* resource, const char* owner) {
    const PermissionCheck c{"service_tickets", Action::kEdit, resource,
                            owner ? std::optional<std::string_view>(owner) : std::nullopt};
    return granted(*key, std::span(&c, 1));
  };
  EXPECT_TRUE(check("T-1", "svc_someone_else"));   // all on T-1
  EXPECT_FALSE(check("T-2", "svc_someone_else"));  // only mine elsewhere
  EXPECT_TRUE(check("T-2", "svc_me"));
}

}  // namespace
}  // namespace keyward::verify
