// Service-level tests of principals, roles and key ownership (src/core/principal_service.h,
// role_service.h, key_service.h, access_index.h) on a real SQLite store: key limits per
// service user, owners and role edits reaching the verify index at once, refusal of
// escalation, level "mine" for keys, rebuilding the index after a restart, and passwords
// kept only as Argon2id hashes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "core_fixture.h"
#include "crypto/digest.h"
#include "crypto/password.h"

namespace keyward {
namespace {

using core_testing::CoreTest;
using core_testing::expectError;
using verify::Code;
using verify::PermissionCheck;

RoleAssignment role(std::string_view name) { return RoleAssignment{std::string(name), false, {}}; }

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

constexpr Action kAllActions[] = {Action::kInquire, Action::kAdd, Action::kEdit, Action::kDelete};

std::vector<Permission> everyAction(const std::string& module, Level level = Level::kAll) {
  std::vector<Permission> out;
  for (Action a : kAllActions) out.push_back({module, a, level});
  return out;
}

class PrincipalsTest : public CoreTest {
 protected:
  void SetUp() override {
    CoreTest::SetUp();
    if (HasFatalFailure()) return;
    tenant_ = makeTenant("acme").id;
    admin_ = makeAdmin(tenant_);
  }

  ServiceUser makeServiceUser(const std::string& name, std::vector<RoleAssignment> roles, const Actor* by = nullptr) {
    auto s = principals_->createServiceUser(by ? *by : admin_, tenant_, {name, "API member " + name, std::move(roles)});
    EXPECT_TRUE(s) << s.error().message;
    return s.value_or(ServiceUser{});
  }

  User makeUser(const std::string& email, std::vector<RoleAssignment> roles, const std::string& password = kPassword) {
    auto u = principals_->createUser(admin_, tenant_, {email, "User " + email, password, std::move(roles)});
    EXPECT_TRUE(u) << u.error().message;
    return u.value_or(User{});
  }

  Role makeRole(const std::string& name, std::vector<Permission> perms) {
    auto r = roles_->create(admin_, tenant_, {name, "custom role " + name, std::move(perms), std::nullopt});
    EXPECT_TRUE(r) << r.error().message;
    return r.value_or(Role{});
  }

  void registerModule(const std::string& name) {
    auto m = roles_->createModule(admin_, tenant_, Module{"", name, "module " + name, false, 0});
    ASSERT_TRUE(m) << m.error().message;
  }

  static CreateKeyInput input(std::vector<RoleAssignment> roles, std::optional<OwnerRef> owner = std::nullopt) {
    CreateKeyInput in;
    in.roles = std::move(roles);
    in.owner = std::move(owner);
    return in;
  }

  static OwnerRef svc(const ServiceUser& s) { return OwnerRef{PrincipalKind::kServiceUser, s.id}; }
  static OwnerRef usr(const User& u) { return OwnerRef{PrincipalKind::kUser, u.id}; }

  Result<CreatedKey> createKey(const std::string& name, CreateKeyInput in, const Actor* by = nullptr) {
    in.name = name;
    return keys_->create(by ? *by : admin_, tenant_, in);
  }

  CreatedKey mustCreate(const std::string& name, CreateKeyInput in, const Actor* by = nullptr) {
    auto k = createKey(name, std::move(in), by);
    EXPECT_TRUE(k) << name << ": " << k.error().message;
    return k.value_or(CreatedKey{});
  }

  // The verify code for `secret` asked `checks`, from the fixture's index or from `index`.
  Code verifyFor(const std::string& secret, std::vector<PermissionCheck> checks, verify::KeyIndex* index = nullptr) {
    const verify::Request req{secret, tenant_, std::nullopt, checks};
    if (!index) return verifier_.verify(req).code;
    verify::Verifier other(*index, clock_);
    return other.verify(req).code;
  }

  static PermissionCheck may(std::string_view module, Action action,
                             std::optional<std::string_view> resource = std::nullopt) {
    return PermissionCheck{module, action, resource, std::nullopt};
  }

  static constexpr const char* kPassword = "correct horse battery staple";
  std::string tenant_;
  Actor admin_;
};
KEYWARD_ON_EVERY_BACKEND(PrincipalsTest);

// ---- key limit per service user (BloxOne: "up to 10 service API keys per service user") ----

TEST_P(PrincipalsTest, ServiceUserHoldsTenKeysAndTheEleventhIsRefusedNamingTheLimit) {
  const ServiceUser bot = makeServiceUser("bloxone-sync", {role(kRoleGlobalViewer)});
  for (int i = 0; i < 10; ++i) mustCreate("bot-key-" + std::to_string(i), input({role(kRoleGlobalViewer)}, svc(bot)));
  auto eleventh = createKey("bot-key-10", input({role(kRoleGlobalViewer)}, svc(bot)));
  expectError(eleventh, ErrorKind::kConflict, "KEY_LIMIT_REACHED");
  EXPECT_NE(eleventh.error().message.find("max_keys_per_service_user = 10"), std::string::npos)
      << eleventh.error().message;
  EXPECT_NE(eleventh.error().message.find("10 keys"), std::string::npos) << eleventh.error().message;
  KeyFilter f;
  f.owner_id = bot.id;
  EXPECT_EQ(keys_->list(admin_, tenant_, f).value().items.size(), 10u);
  EXPECT_EQ(auditOf(tenant_, "key.create").size(), 11u);  // the admin key and the ten; not the refused one
  // Keys without an owner, or owned by another service user, are not limited by it.
  mustCreate("standalone", input({role(kRoleGlobalViewer)}));
  const ServiceUser other = makeServiceUser("other", {role(kRoleGlobalViewer)});
  mustCreate("other-key", input({role(kRoleGlobalViewer)}, svc(other)));
}

TEST_P(PrincipalsTest, RevokingAKeyFreesASlot) {
  TenantSettings s;
  s.max_keys_per_service_user = 2;
  tenant_ = makeTenant("small", s).id;
  admin_ = makeAdmin(tenant_);
  const ServiceUser bot = makeServiceUser("bot", {role(kRoleGlobalViewer)});
  const CreatedKey first = mustCreate("k1", input({role(kRoleGlobalViewer)}, svc(bot)));
  mustCreate("k2", input({role(kRoleGlobalViewer)}, svc(bot)));
  auto third = createKey("k3", input({role(kRoleGlobalViewer)}, svc(bot)));
  expectError(third, ErrorKind::kConflict, "KEY_LIMIT_REACHED");
  EXPECT_NE(third.error().message.find("max_keys_per_service_user = 2"), std::string::npos);
  ASSERT_TRUE(keys_->revoke(admin_, tenant_, first.key.id));
  mustCreate("k3", input({role(kRoleGlobalViewer)}, svc(bot)));
  expectError(createKey("k4", input({role(kRoleGlobalViewer)}, svc(bot))), ErrorKind::kConflict, "KEY_LIMIT_REACHED");
}

TEST_P(PrincipalsTest, MovingAKeyToAFullServiceUserIsRefused) {
  TenantSettings s;
  s.max_keys_per_service_user = 2;
  tenant_ = makeTenant("small", s).id;
  admin_ = makeAdmin(tenant_);
  const ServiceUser full = makeServiceUser("full", {role(kRoleGlobalViewer)});
  const ServiceUser spare = makeServiceUser("spare", {role(kRoleGlobalViewer)});
  const CreatedKey own1 = mustCreate("full-1", input({role(kRoleGlobalViewer)}, svc(full)));
  mustCreate("full-2", input({role(kRoleGlobalViewer)}, svc(full)));
  const CreatedKey loose = mustCreate("loose", input({role(kRoleGlobalViewer)}));
  const CreatedKey elsewhere = mustCreate("elsewhere", input({role(kRoleGlobalViewer)}, svc(spare)));

  UpdateKeyInput move;
  move.owner = std::optional<OwnerRef>(svc(full));
  auto r = keys_->update(admin_, tenant_, loose.key.id, move);
  expectError(r, ErrorKind::kConflict, "KEY_LIMIT_REACHED");
  EXPECT_NE(r.error().message.find("max_keys_per_service_user = 2"), std::string::npos);
  expectError(keys_->update(admin_, tenant_, elsewhere.key.id, move), ErrorKind::kConflict, "KEY_LIMIT_REACHED");
  EXPECT_FALSE(keys_->get(admin_, tenant_, loose.key.id)->owner);
  EXPECT_EQ(keys_->get(admin_, tenant_, elsewhere.key.id)->owner, svc(spare));

  // Editing a key the full service user already holds is not a move.
  UpdateKeyInput same;
  same.owner = std::optional<OwnerRef>(svc(full));
  same.roles = std::vector<RoleAssignment>{role(kRoleGlobalViewer), role(kRoleVerifier)};
  EXPECT_TRUE(keys_->update(admin_, tenant_, own1.key.id, same));

  // Moving to a service user with room works, and frees the slot it came from.
  UpdateKeyInput to_spare;
  to_spare.owner = std::optional<OwnerRef>(svc(spare));
  ASSERT_TRUE(keys_->update(admin_, tenant_, own1.key.id, to_spare));
  EXPECT_TRUE(keys_->update(admin_, tenant_, loose.key.id, move));
}

// ---- owners and roles reach the verify index before the call returns ----------------------

TEST_P(PrincipalsTest, DisablingTheOwnerStopsAllItsKeysAtOnceAndEnablingRestoresThem) {
  const ServiceUser bot = makeServiceUser("bot", {role(kRoleGlobalViewer)});
  const CreatedKey a = mustCreate("a", input({role(kRoleGlobalViewer)}, svc(bot)));
  const CreatedKey b = mustCreate("b", input({role(kRoleGlobalViewer)}, svc(bot)));
  const CreatedKey unrelated = mustCreate("unrelated", input({role(kRoleGlobalViewer)}));
  EXPECT_EQ(verify(a.secret, tenant_).code, Code::kValid);

  UpdateServiceUserInput off;
  off.disabled = true;
  ASSERT_TRUE(principals_->updateServiceUser(admin_, tenant_, bot.id, off));
  EXPECT_EQ(verify(a.secret, tenant_).code, Code::kOwnerDisabled);
  EXPECT_EQ(verify(b.secret, tenant_).code, Code::kOwnerDisabled);
  EXPECT_EQ(verify(unrelated.secret, tenant_).code, Code::kValid);
  EXPECT_FALSE(auth_.authenticate(a.secret, std::nullopt));  // nor does it manage anything
  EXPECT_EQ(auditOf(tenant_, "service_user.disable").size(), 1u);

  UpdateServiceUserInput on;
  on.disabled = false;
  ASSERT_TRUE(principals_->updateServiceUser(admin_, tenant_, bot.id, on));
  EXPECT_EQ(verify(a.secret, tenant_).code, Code::kValid);
  EXPECT_EQ(verify(b.secret, tenant_).code, Code::kValid);
}

TEST_P(PrincipalsTest, DisablingAUserStopsTheKeysCreatedOnItsBehalf) {
  const User alice = makeUser("alice@example.com", {role(kRoleGlobalViewer)});
  const CreatedKey k = mustCreate("on-behalf", input({role(kRoleGlobalViewer)}, usr(alice)));
  EXPECT_EQ(verify(k.secret, tenant_).code, Code::kValid);
  UpdateUserInput off;
  off.disabled = true;
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, alice.id, off));
  EXPECT_EQ(verify(k.secret, tenant_).code, Code::kOwnerDisabled);
  // A user owning a live key cannot be deleted out from under it.
  expectError(principals_->removeUser(admin_, tenant_, alice.id), ErrorKind::kConflict, "PRINCIPAL_HAS_KEYS");
}

TEST_P(PrincipalsTest, RemovingARoleFromTheOwnerRemovesItFromItsKeysAtOnce) {
  const ServiceUser bot = makeServiceUser("bot", {role(kRoleGlobalViewer), role(kRoleVerifier)});
  const CreatedKey k = mustCreate("k", input({role(kRoleGlobalViewer), role(kRoleVerifier)}, svc(bot)));
  EXPECT_EQ(verifyFor(k.secret, {may("verification", Action::kInquire), may("keys", Action::kInquire)}), Code::kValid);

  UpdateServiceUserInput fewer;
  fewer.roles = std::vector<RoleAssignment>{role(kRoleGlobalViewer)};
  ASSERT_TRUE(principals_->updateServiceUser(admin_, tenant_, bot.id, fewer));
  // Global Viewer inquires everything, "verification" included; drop it too to see the cut.
  EXPECT_EQ(verifyFor(k.secret, {may("keys", Action::kInquire)}), Code::kValid);
  fewer.roles = std::vector<RoleAssignment>{role(kRoleVerifier)};
  ASSERT_TRUE(principals_->updateServiceUser(admin_, tenant_, bot.id, fewer));
  EXPECT_EQ(verifyFor(k.secret, {may("keys", Action::kInquire)}), Code::kInsufficientPermissions);
  EXPECT_EQ(verifyFor(k.secret, {may("verification", Action::kInquire)}), Code::kValid);
  fewer.roles = std::vector<RoleAssignment>{};
  ASSERT_TRUE(principals_->updateServiceUser(admin_, tenant_, bot.id, fewer));
  EXPECT_EQ(verifyFor(k.secret, {may("verification", Action::kInquire)}), Code::kInsufficientPermissions);
  EXPECT_EQ(verifyFor(k.secret, {}), Code::kValid);  // still a valid key, just one that may do nothing
  // The key's own roles are unchanged; giving the role back restores it.
  EXPECT_EQ(keys_->get(admin_, tenant_, k.key.id)->roles.size(), 2u);
  fewer.roles = std::vector<RoleAssignment>{role(kRoleVerifier)};
  ASSERT_TRUE(principals_->updateServiceUser(admin_, tenant_, bot.id, fewer));
  EXPECT_EQ(verifyFor(k.secret, {may("verification", Action::kInquire)}), Code::kValid);
}

TEST_P(PrincipalsTest, EditingACustomRoleRecompilesEveryKeyThatDependsOnItAtOnce) {
  registerModule("service_tickets");
  const Role agent = makeRole("Ticket Agent", {{"service_tickets", Action::kInquire, Level::kAll}});
  // One key holds the role itself; another holds Portal Administrator for an owner that holds the role.
  const CreatedKey holder = mustCreate("holder", input({role("Ticket Agent")}));
  const ServiceUser bot = makeServiceUser("bot", {role("Ticket Agent")});
  const CreatedKey owned = mustCreate("owned", input({role(kRolePortalAdministrator)}, svc(bot)));
  const CreatedKey bystander = mustCreate("bystander", input({role(kRoleGlobalViewer)}));
  for (const auto* k : {&holder, &owned}) {
    EXPECT_EQ(verifyFor(k->secret, {may("service_tickets", Action::kInquire)}), Code::kValid);
    EXPECT_EQ(verifyFor(k->secret, {may("service_tickets", Action::kAdd)}), Code::kInsufficientPermissions);
  }

  UpdateRoleInput grow;
  grow.permissions = std::vector<Permission>{{"service_tickets", Action::kInquire, Level::kAll},
                                             {"service_tickets", Action::kAdd, Level::kAll}};
  ASSERT_TRUE(roles_->update(admin_, tenant_, agent.id, grow));
  for (const auto* k : {&holder, &owned})
    EXPECT_EQ(verifyFor(k->secret, {may("service_tickets", Action::kAdd)}), Code::kValid);

  UpdateRoleInput shrink;
  shrink.permissions = std::vector<Permission>{{"service_tickets", Action::kAdd, Level::kAll}};
  ASSERT_TRUE(roles_->update(admin_, tenant_, agent.id, shrink));
  for (const auto* k : {&holder, &owned}) {
    EXPECT_EQ(verifyFor(k->secret, {may("service_tickets", Action::kInquire)}), Code::kInsufficientPermissions);
    EXPECT_EQ(verifyFor(k->secret, {may("service_tickets", Action::kAdd)}), Code::kValid);
  }
  EXPECT_EQ(verifyFor(bystander.secret, {may("service_tickets", Action::kInquire)}), Code::kValid);
  EXPECT_EQ(auditOf(tenant_, "role.update").size(), 2u);
}

TEST_P(PrincipalsTest, RoleInUseCannotBeDeletedNorCanABuiltinRole) {
  const Role agent = makeRole("Key Reader", {{"keys", Action::kInquire, Level::kAll}});
  const ServiceUser bot = makeServiceUser("bot", {role("Key Reader")});
  auto st = roles_->remove(admin_, tenant_, agent.id);
  expectError(st, ErrorKind::kConflict, "ROLE_IN_USE");
  EXPECT_NE(st.error().message.find("Key Reader"), std::string::npos);

  UpdateServiceUserInput none;
  none.roles = std::vector<RoleAssignment>{};
  ASSERT_TRUE(principals_->updateServiceUser(admin_, tenant_, bot.id, none));
  const CreatedKey k = mustCreate("reader", input({role("Key Reader")}));
  expectError(roles_->remove(admin_, tenant_, agent.id), ErrorKind::kConflict, "ROLE_IN_USE");
  UpdateKeyInput strip;
  strip.roles = std::vector<RoleAssignment>{role(kRoleGlobalViewer)};
  ASSERT_TRUE(keys_->update(admin_, tenant_, k.key.id, strip));
  EXPECT_TRUE(roles_->remove(admin_, tenant_, agent.id));
  expectError(roles_->get(admin_, tenant_, agent.id), ErrorKind::kNotFound, "NOT_FOUND");

  expectError(roles_->remove(admin_, tenant_, "builtin-global-viewer"), ErrorKind::kConflict, "BUILTIN_ROLE");
  UpdateRoleInput edit;
  edit.description = "mine now";
  expectError(roles_->update(admin_, tenant_, "builtin-portal-administrator", edit), ErrorKind::kConflict,
              "BUILTIN_ROLE");
}

// ---- no escalation ------------------------------------------------------------------------

TEST_P(PrincipalsTest, GlobalViewerCannotCreateKeys) {
  const Actor viewer = makeAdmin(tenant_, std::string(kRoleGlobalViewer));
  const size_t before = keys_->list(admin_, tenant_, {}).value().items.size();
  auto r = createKey("sneaky", input({}), &viewer);
  expectError(r, ErrorKind::kForbidden, "FORBIDDEN");
  EXPECT_NE(r.error().message.find("keys:add"), std::string::npos);
  expectError(createKey("sneakier", input({role(kRoleGlobalViewer)}), &viewer), ErrorKind::kForbidden, "FORBIDDEN");
  EXPECT_EQ(keys_->list(admin_, tenant_, {}).value().items.size(), before);
}

TEST_P(PrincipalsTest, CustomRoleAdministratorCannotGiveAKeyPortalAdministrator) {
  makeRole("Key Admin", everyAction("keys"));
  const Actor key_admin = makeAdmin(tenant_, "Key Admin");
  auto r = createKey("promoted", input({role(kRolePortalAdministrator)}), &key_admin);
  expectError(r, ErrorKind::kForbidden, "ESCALATION");
  EXPECT_NE(r.error().message.find("the key's roles"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("'*:"), std::string::npos) << r.error().message;
  expectError(createKey("verifier", input({role(kRoleVerifier)}), &key_admin), ErrorKind::kForbidden, "ESCALATION");

  // What it holds, it may give; and it may not raise an existing key either.
  const CreatedKey peer = mustCreate("peer", input({role("Key Admin")}), &key_admin);
  UpdateKeyInput raise;
  raise.roles = std::vector<RoleAssignment>{role(kRoleGlobalAdmin)};
  expectError(keys_->update(key_admin, tenant_, peer.key.id, raise), ErrorKind::kForbidden, "ESCALATION");
  EXPECT_EQ(keys_->get(admin_, tenant_, peer.key.id)->roles, (std::vector<RoleAssignment>{role("Key Admin")}));
  EXPECT_TRUE(auditOf(tenant_, "key.update").empty());
}

TEST_P(PrincipalsTest, PrincipalCannotAssignAUserOrServiceUserARoleBeyondItsOwn) {
  std::vector<Permission> perms = everyAction("users");
  for (const auto& p : everyAction("service_users")) perms.push_back(p);
  perms.push_back({"keys", Action::kInquire, Level::kAll});
  makeRole("People Admin", perms);
  const Actor people_admin = makeAdmin(tenant_, "People Admin");

  auto s = principals_->createServiceUser(people_admin, tenant_, {"bot", "", {role(kRoleGlobalViewer)}});
  expectError(s, ErrorKind::kForbidden, "ESCALATION");
  EXPECT_NE(s.error().message.find("the service user's roles"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("'*:inquire'"), std::string::npos) << s.error().message;
  auto u = principals_->createUser(people_admin, tenant_,
                                   {"mallory@example.com", "Mallory", kPassword, {role(kRolePortalAdministrator)}});
  expectError(u, ErrorKind::kForbidden, "ESCALATION");
  EXPECT_NE(u.error().message.find("the user's roles"), std::string::npos) << u.error().message;

  // Within its own permissions it may assign, and it may not raise later either.
  auto ok = principals_->createServiceUser(people_admin, tenant_, {"bot", "", {role("People Admin")}});
  ASSERT_TRUE(ok) << ok.error().message;
  UpdateServiceUserInput raise;
  raise.roles = std::vector<RoleAssignment>{role(kRoleGlobalAdmin)};
  expectError(principals_->updateServiceUser(people_admin, tenant_, ok->id, raise), ErrorKind::kForbidden,
              "ESCALATION");
  const User plain = makeUser("plain@example.com", {});
  UpdateUserInput raise_user;
  raise_user.roles = std::vector<RoleAssignment>{role(kRoleVerifier)};
  expectError(principals_->updateUser(people_admin, tenant_, plain.id, raise_user), ErrorKind::kForbidden,
              "ESCALATION");
  EXPECT_TRUE(principals_->getUser(admin_, tenant_, plain.id)->roles.empty());
  EXPECT_EQ(principals_->getServiceUser(admin_, tenant_, ok->id)->roles,
            (std::vector<RoleAssignment>{role("People Admin")}));
}

TEST_P(PrincipalsTest, PrincipalCannotCreateOrWidenARoleBeyondWhatItHolds) {
  std::vector<Permission> perms = everyAction("roles");
  perms.push_back({"keys", Action::kInquire, Level::kAll});
  perms.push_back({"keys", Action::kEdit, Level::kMine});
  makeRole("Role Admin", perms);
  const Actor role_admin = makeAdmin(tenant_, "Role Admin");

  auto r = roles_->create(role_admin, tenant_, {"Key Writer", "", {{"keys", Action::kAdd, Level::kAll}}, std::nullopt});
  expectError(r, ErrorKind::kForbidden, "ESCALATION");
  EXPECT_NE(r.error().message.find("'keys:add'"), std::string::npos) << r.error().message;
  r = roles_->create(role_admin, tenant_, {"Key Editor", "", {{"keys", Action::kEdit, Level::kAll}}, std::nullopt});
  expectError(r, ErrorKind::kForbidden, "ESCALATION");
  r = roles_->create(role_admin, tenant_, {"Viewer", "", {{"*", Action::kInquire, Level::kAll}}, std::nullopt});
  expectError(r, ErrorKind::kForbidden, "ESCALATION");
  EXPECT_NE(r.error().message.find("'*:inquire'"), std::string::npos) << r.error().message;

  auto ok = roles_->create(role_admin, tenant_,
                           {"Key Reader",
                            "",
                            {{"keys", Action::kInquire, Level::kAll}, {"keys", Action::kEdit, Level::kMine}},
                            std::nullopt});
  ASSERT_TRUE(ok) << ok.error().message;
  UpdateRoleInput widen;
  widen.permissions = std::vector<Permission>{{"keys", Action::kInquire, Level::kAll},
                                              {"keys", Action::kDelete, Level::kAll}};
  expectError(roles_->update(role_admin, tenant_, ok->id, widen), ErrorKind::kForbidden, "ESCALATION");
  EXPECT_EQ(roles_->get(admin_, tenant_, ok->id)->permissions.size(), 2u);
  auto listed = roles_->list(admin_, tenant_);
  ASSERT_TRUE(listed);
  std::set<std::string> names;
  for (const auto& x : *listed) names.insert(x.name);
  EXPECT_FALSE(names.contains("Key Writer"));
  EXPECT_FALSE(names.contains("Viewer"));
  EXPECT_TRUE(names.contains("Key Reader"));
}

// ---- level "mine" for keys ------------------------------------------------------------------

class MineTest : public PrincipalsTest {
 protected:
  void SetUp() override {
    PrincipalsTest::SetUp();
    if (HasFatalFailure()) return;
    makeRole("Own Keys", everyAction("keys", Level::kMine));
    bot_ = makeServiceUser("bot", {role("Own Keys")});
    other_bot_ = makeServiceUser("other-bot", {role("Own Keys")});
    bot_key_ = mustCreate("bot-credential", input({role("Own Keys")}, svc(bot_)));
    others_ = mustCreate("someone-elses", input({role(kRoleGlobalViewer)}));
    other_bots_ = mustCreate("other-bots", input({role("Own Keys")}, svc(other_bot_)));
    bot_actor_ = actorFor(bot_key_.secret);
    ASSERT_EQ(bot_actor_.principal.subject_id, bot_.id);
  }

  std::set<std::string> listedNames() {
    auto page = keys_->list(bot_actor_, tenant_, {});
    EXPECT_TRUE(page) << page.error().message;
    std::set<std::string> out;
    if (page)
      for (const auto& k : page->items) out.insert(k.name);
    return out;
  }

  ServiceUser bot_, other_bot_;
  CreatedKey bot_key_, others_, other_bots_;
  Actor bot_actor_;
};
KEYWARD_ON_EVERY_BACKEND(MineTest);

TEST_P(MineTest, ListShowsOnlyTheKeysThePrincipalOwnsOrCreated) {
  EXPECT_EQ(listedNames(), (std::set<std::string>{"bot-credential"}));
  mustCreate("made-by-bot", input({role("Own Keys")}, svc(bot_)), &bot_actor_);
  EXPECT_EQ(listedNames(), (std::set<std::string>{"bot-credential", "made-by-bot"}));
}

TEST_P(MineTest, OthersKeysCannotBeReadEditedOrRevoked) {
  for (const auto* k : {&others_, &other_bots_}) {
    expectError(keys_->get(bot_actor_, tenant_, k->key.id), ErrorKind::kForbidden, "FORBIDDEN");
    UpdateKeyInput edit;
    edit.description = "taken over";
    expectError(keys_->update(bot_actor_, tenant_, k->key.id, edit), ErrorKind::kForbidden, "FORBIDDEN");
    expectError(keys_->revoke(bot_actor_, tenant_, k->key.id), ErrorKind::kForbidden, "FORBIDDEN");
    EXPECT_EQ(verify(k->secret, tenant_).code, Code::kValid);
    EXPECT_NE(keys_->get(admin_, tenant_, k->key.id)->description, "taken over");
  }
  // The denied attempts are on record.
  const auto reads = auditOf(tenant_, "key.read");
  EXPECT_TRUE(std::ranges::any_of(reads, [&](const AuditEvent& e) {
    return e.outcome == "denied" && e.actor == bot_actor_.principal.actorId();
  }));
}

TEST_P(MineTest, OwnKeysCanBeReadAndEdited) {
  auto got = keys_->get(bot_actor_, tenant_, bot_key_.key.id);
  ASSERT_TRUE(got) << got.error().message;
  UpdateKeyInput edit;
  edit.description = "rotated monthly";
  ASSERT_TRUE(keys_->update(bot_actor_, tenant_, bot_key_.key.id, edit));
  EXPECT_EQ(keys_->get(admin_, tenant_, bot_key_.key.id)->description, "rotated monthly");
}

TEST_P(MineTest, KeysCanBeCreatedOnlyForThePrincipalItself) {
  const CreatedKey mine = mustCreate("for-me", input({role("Own Keys")}, svc(bot_)), &bot_actor_);
  EXPECT_EQ(mine.key.created_by, bot_.id);
  EXPECT_EQ(mine.key.owner, svc(bot_));
  auto r = createKey("for-other", input({role("Own Keys")}, svc(other_bot_)), &bot_actor_);
  expectError(r, ErrorKind::kForbidden, "FORBIDDEN");
  EXPECT_EQ(r.error().field, "owner");
  // A key without an owner would outlive the principal's own access: refused too.
  r = createKey("ownerless", input({role("Own Keys")}), &bot_actor_);
  expectError(r, ErrorKind::kForbidden, "FORBIDDEN");
  EXPECT_EQ(r.error().field, "owner");
  // Nor may it hand its own key to someone else or detach it.
  UpdateKeyInput give;
  give.owner = std::optional<OwnerRef>(svc(other_bot_));
  expectError(keys_->update(bot_actor_, tenant_, mine.key.id, give), ErrorKind::kForbidden, "FORBIDDEN");
  UpdateKeyInput detach;
  detach.owner = std::optional<OwnerRef>();
  expectError(keys_->update(bot_actor_, tenant_, mine.key.id, detach), ErrorKind::kForbidden, "FORBIDDEN");
  EXPECT_EQ(keys_->get(admin_, tenant_, mine.key.id)->owner, svc(bot_));
  EXPECT_EQ(listedNames(), (std::set<std::string>{"bot-credential", "for-me"}));
}

// ---- restart: the index rebuilt from the store answers the same ---------------------------

TEST_P(PrincipalsTest, IndexRebuiltAfterARestartGivesTheSameVerifyAnswers) {
  registerModule("service_tickets");
  makeRole("Ticket Agent",
           {{"service_tickets", Action::kInquire, Level::kAll}, {"service_tickets", Action::kEdit, Level::kMine}});
  const ServiceUser bot = makeServiceUser("bot", {role("Ticket Agent"), role(kRoleVerifier)});
  const ServiceUser off = makeServiceUser("off", {role(kRoleGlobalViewer)});
  const User alice = makeUser("alice@example.com",
                              {RoleAssignment{std::string(kRoleCloudAccountViewer), false, {"acc-A", "acc-B"}}});
  std::vector<CreatedKey> keys = {
      mustCreate("bot-1", input({role("Ticket Agent"), role(kRoleVerifier)}, svc(bot))),
      mustCreate("bot-2", input({role("Ticket Agent"), role(kRoleVerifier)}, svc(bot))),
      mustCreate("bot-narrow", input({role(kRoleVerifier)}, svc(bot))),
      mustCreate("off-1", input({role(kRoleGlobalViewer)}, svc(off))),
      mustCreate("alice-1", input({RoleAssignment{std::string(kRoleCloudAccountViewer), true, {}}}, usr(alice))),
      mustCreate("standalone", input({role("Ticket Agent")})),
      mustCreate("bare", input({})),
  };
  UpdateServiceUserInput disable;
  disable.disabled = true;
  ASSERT_TRUE(principals_->updateServiceUser(admin_, tenant_, off.id, disable));
  const CreatedKey revoked = mustCreate("revoked", input({role(kRoleGlobalViewer)}, svc(bot)));
  ASSERT_TRUE(keys_->revoke(admin_, tenant_, revoked.key.id));
  keys.push_back(revoked);

  const std::vector<std::vector<PermissionCheck>> questions = {
      {},
      {may("service_tickets", Action::kInquire)},
      {may("service_tickets", Action::kEdit, "t-1")},
      {PermissionCheck{"service_tickets", Action::kEdit, "t-1", bot.id}},
      {PermissionCheck{"service_tickets", Action::kEdit, "t-1", "svc_someone"}},
      {may("verification", Action::kInquire)},
      {may("cloud_accounts", Action::kInquire, "acc-A")},
      {may("cloud_accounts", Action::kInquire, "acc-C")},
      {may("keys", Action::kDelete)},
  };
  struct Answer {
    std::vector<Code> codes;
    std::string owner, roles_json, permissions_json;
  };
  auto answers = [&](verify::KeyIndex& index) {
    std::vector<Answer> out;
    for (const auto& k : keys) {
      Answer a;
      for (const auto& q : questions) a.codes.push_back(verifyFor(k.secret, q, &index));
      const verify::KeyPtr c = index.find(crypto::sha256(k.secret));
      EXPECT_TRUE(c) << k.key.name;
      if (c && c->access) {
        a.owner = std::string(toString(c->access->owner_kind)) + ":" + c->access->owner_id +
                  (c->access->owner_disabled ? " (disabled)" : "");
        a.roles_json = c->access->roles_json;
        a.permissions_json = c->access->permissions_json;
      }
      out.push_back(std::move(a));
    }
    return out;
  };
  const std::vector<Answer> before = answers(index_);

  // A "restart": a new connection to the same database and a fresh index built from it.
  auto reopened = testing_support::openStoreAgain(dir_, backend());
  ASSERT_TRUE(reopened) << reopened.error().message;
  verify::KeyIndex fresh;
  AccessIndex rebuilt(**reopened, fresh);
  auto loaded = rebuilt.loadAll();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, index_.size());
  const std::vector<Answer> after = answers(fresh);

  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    SCOPED_TRACE(keys[i].key.name);
    EXPECT_EQ(after[i].codes, before[i].codes);
    EXPECT_EQ(after[i].owner, before[i].owner);
    EXPECT_EQ(after[i].roles_json, before[i].roles_json);
    EXPECT_EQ(after[i].permissions_json, before[i].permissions_json);
  }
  // Spot checks that the answers are the interesting ones, not all the same.
  const auto code = [&](size_t key, size_t question) { return after[key].codes[question]; };
  EXPECT_EQ(code(0, 1), Code::kValid);
  EXPECT_EQ(code(0, 3), Code::kValid);
  EXPECT_EQ(code(0, 4), Code::kInsufficientPermissions);
  EXPECT_EQ(code(2, 1), Code::kInsufficientPermissions);
  EXPECT_EQ(code(3, 0), Code::kOwnerDisabled);
  EXPECT_EQ(code(4, 6), Code::kValid);
  EXPECT_EQ(code(4, 7), Code::kInsufficientPermissions);
  EXPECT_EQ(code(5, 2), Code::kValid);
  EXPECT_EQ(code(5, 3), Code::kInsufficientPermissions);  // no owner: "mine" means the key itself
  EXPECT_EQ(code(6, 0), Code::kValid);
  EXPECT_EQ(code(6, 1), Code::kInsufficientPermissions);
  EXPECT_EQ(code(7, 0), Code::kRevoked);

  // Keys with the same owner and roles share one compiled access record after a load.
  const auto a = fresh.find(crypto::sha256(keys[0].secret));
  const auto b = fresh.find(crypto::sha256(keys[1].secret));
  const auto c = fresh.find(crypto::sha256(keys[2].secret));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->access.get(), b->access.get());
  EXPECT_NE(a->access.get(), c->access.get());
}

// ---- passwords ------------------------------------------------------------------------------

TEST_P(PrincipalsTest, PasswordsAreStoredOnlyAsArgon2idHashes) {
  const std::string first = "first password, quite long";
  const std::string second = "second password, also long";
  const User u = makeUser("carol@example.com", {}, first);
  auto stored = store_->getUser(tenant_, u.id);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->password_hash.starts_with("$argon2id$")) << stored->password_hash;
  EXPECT_EQ(stored->password_hash.find(first), std::string::npos);
  EXPECT_TRUE(crypto::verifyPassword(stored->password_hash, first));
  EXPECT_FALSE(crypto::verifyPassword(stored->password_hash, second));

  UpdateUserInput change;
  change.password = second;
  ASSERT_TRUE(principals_->updateUser(admin_, tenant_, u.id, change));
  stored = store_->getUser(tenant_, u.id);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->password_hash.starts_with("$argon2id$"));
  EXPECT_TRUE(crypto::verifyPassword(stored->password_hash, second));
  EXPECT_FALSE(crypto::verifyPassword(stored->password_hash, first));
  for (const auto& e : auditOf(tenant_)) {
    EXPECT_EQ(e.detail_json.find("password, "), std::string::npos) << e.action << " " << e.detail_json;
  }

  // Nor does the clear text reach the database files (SQLite's: a backend that keeps no files
  // in dir_ leaves nothing to scan here).
  closeStore();  // close: checkpoint the WAL into the main file
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::filesystem::path p = dir_ / (std::string("keyward.db") + suffix);
    if (!std::filesystem::exists(p)) continue;
    const std::string bytes = readFile(p);
    EXPECT_EQ(bytes.find(first), std::string::npos) << p;
    EXPECT_EQ(bytes.find(second), std::string::npos) << p;
  }
}

TEST_P(PrincipalsTest, WeakPasswordIsRefusedAndNothingIsCreated) {
  auto u = principals_->createUser(admin_, tenant_, {"dave@example.com", "Dave", "short", {}});
  expectError(u, ErrorKind::kInvalid, "WEAK_PASSWORD");
  EXPECT_EQ(u.error().field, "password");
  EXPECT_TRUE(principals_->listUsers(admin_, tenant_, {}).value().items.empty());
}

}  // namespace
}  // namespace keyward
