// Unit tests for the authorization decision and the role model (src/core/access.h,
// src/core/roles.h) and for how a key's effective permissions are compiled from its roles
// and its owner (AccessIndex::compile). No store: these are pure functions over values.
// The seeds' examples (Veeam, Ivanti, SecureCloud, ConnectWise, BloxOne) appear as cases.
#include "core/access.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/access_index.h"
#include "core/roles.h"
#include "verify/verifier.h"

namespace keyward {
namespace {

const TenantRoles kBuiltinOnly({});

RoleAssignment role(std::string_view name) { return RoleAssignment{std::string(name), false, {}}; }
RoleAssignment scopedRole(std::string_view name, std::vector<std::string> resources) {
  return RoleAssignment{std::string(name), false, std::move(resources)};
}
RoleAssignment allResources(std::string_view name) { return RoleAssignment{std::string(name), true, {}}; }

verify::PermissionSet compiled(const std::vector<RoleAssignment>& roles, const TenantRoles& defs = kBuiltinOnly) {
  return compileAssignments(roles, defs.lookup());
}

Principal principal(std::string tenant, const std::vector<RoleAssignment>& roles,
                    const TenantRoles& defs = kBuiltinOnly, std::string subject = "usr_me") {
  Principal p;
  p.kind = PrincipalKind::kUser;
  p.subject_id = std::move(subject);
  p.tenant_id = std::move(tenant);
  p.permissions = std::make_shared<const verify::PermissionSet>(compiled(roles, defs));
  return p;
}

Role customRole(std::string name, std::vector<Permission> perms, std::optional<std::string> scope = std::nullopt) {
  Role r;
  r.id = "rol_" + name;
  r.tenant_id = "ten_a";
  r.name = std::move(name);
  r.permissions = std::move(perms);
  r.scope_module = std::move(scope);
  return r;
}

// ConnectWise's "Umbrella" security role (seed 003): per-module inquire/add/edit at level all.
Role umbrella() {
  return customRole("Umbrella", {
                                    {"companies", Action::kInquire, Level::kAll},
                                    {"configurations", Action::kAdd, Level::kAll},
                                    {"configurations", Action::kEdit, Level::kAll},
                                    {"configurations", Action::kInquire, Level::kAll},
                                    {"service_tickets", Action::kAdd, Level::kAll},
                                    {"service_tickets", Action::kEdit, Level::kAll},
                                    {"service_tickets", Action::kInquire, Level::kAll},
                                    {"table_setup", Action::kAdd, Level::kAll},
                                    {"table_setup", Action::kEdit, Level::kAll},
                                    {"table_setup", Action::kInquire, Level::kAll},
                                });
}

constexpr Action kAllActions[] = {Action::kInquire, Action::kAdd, Action::kEdit, Action::kDelete};

// ---- authorize: tenancy first ------------------------------------------------------------

TEST(Authorize, AnotherTenantIsNotFoundEvenForAnActionTheCallerLacks) {
  for (const char* r : {"Portal Administrator", "Global Viewer", "Verifier"}) {
    const Principal p = principal("ten_a", {role(r)});
    for (Action a : kAllActions) {
      auto g = authorize(p, kModuleKeys, a, "ten_b");
      ASSERT_FALSE(g) << r;
      EXPECT_EQ(g.error().kind, ErrorKind::kNotFound) << r << " " << verify::toString(a);
      EXPECT_EQ(g.error().code, "NOT_FOUND");
    }
  }
}

TEST(Authorize, OwnTenantWithoutThePermissionIsForbiddenAndNamesIt) {
  const Principal viewer = principal("ten_a", {role(kRoleGlobalViewer)});
  EXPECT_TRUE(authorize(viewer, kModuleKeys, Action::kInquire, "ten_a"));
  auto g = authorize(viewer, kModuleKeys, Action::kAdd, "ten_a");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(g.error().code, "FORBIDDEN");
  EXPECT_NE(g.error().message.find("keys:add"), std::string::npos) << g.error().message;
}

TEST(Authorize, PrincipalWithoutPermissionsIsForbidden) {
  Principal p;
  p.tenant_id = "ten_a";
  auto g = authorize(p, kModuleKeys, Action::kInquire, "ten_a");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().kind, ErrorKind::kForbidden);
}

TEST(Authorize, SystemTenantPrincipalActsInEveryTenant) {
  const Principal root = principal(std::string(kSystemTenantId), {role(kRolePortalAdministrator)});
  for (const char* t : {"ten_a", "ten_b", "system"}) {
    for (Action a : kAllActions) {
      auto g = authorize(root, "service_tickets", a, t);
      ASSERT_TRUE(g) << t;
      EXPECT_EQ((*g)->level, Level::kAll);
    }
  }
  // Its roles still apply there: a system Global Viewer reads everywhere and changes nothing.
  const Principal auditor = principal(std::string(kSystemTenantId), {role(kRoleGlobalViewer)});
  EXPECT_TRUE(authorize(auditor, kModuleKeys, Action::kInquire, "ten_b"));
  auto g = authorize(auditor, kModuleKeys, Action::kDelete, "ten_b");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().kind, ErrorKind::kForbidden);
}

TEST(Authorize, PlatformOperationsAreForTheSystemTenantOnly) {
  // Veeam's Portal Administrator of a tenant does everything inside it, but is no operator.
  const Principal admin = principal("ten_a", {role(kRolePortalAdministrator)});
  for (auto [action, tenant] :
       {std::pair{Action::kAdd, ""}, std::pair{Action::kInquire, ""}, std::pair{Action::kDelete, "ten_a"},
        std::pair{Action::kEdit, "ten_a"}, std::pair{Action::kDelete, "ten_b"}}) {
    auto g = authorize(admin, kModuleTenants, action, tenant);
    ASSERT_FALSE(g) << verify::toString(action) << " '" << tenant << "'";
    EXPECT_EQ(g.error().kind, ErrorKind::kForbidden);
  }
  EXPECT_TRUE(authorize(admin, kModuleTenants, Action::kInquire, "ten_a"));  // reading its own tenant
  EXPECT_TRUE(authorize(admin, kModuleSettings, Action::kEdit, "ten_a"));    // and its settings

  const Principal root = principal(std::string(kSystemTenantId), {role(kRolePortalAdministrator)});
  EXPECT_TRUE(authorize(root, kModuleTenants, Action::kAdd, ""));
  EXPECT_TRUE(authorize(root, kModuleTenants, Action::kInquire, ""));
  EXPECT_TRUE(authorize(root, kModuleTenants, Action::kDelete, "ten_a"));
  // A system principal without the permission is still refused.
  const Principal verifier = principal(std::string(kSystemTenantId), {role(kRoleVerifier)});
  EXPECT_FALSE(authorize(verifier, kModuleTenants, Action::kAdd, ""));
}

// ---- grantCovers: "mine" and resource scopes ---------------------------------------------

TEST(GrantCovers, MineMeansCreatedOrOwnedByThePrincipal) {
  const Principal p = principal("ten_a", {}, kBuiltinOnly, "svc_me");
  const verify::Grant mine{Level::kMine, true, {}};
  EXPECT_TRUE(grantCovers(p, mine, Ownership{"key_1", "svc_me", ""}));
  EXPECT_TRUE(grantCovers(p, mine, Ownership{"key_2", "usr_admin", "svc_me"}));
  EXPECT_TRUE(grantCovers(p, mine, Ownership{"svc_me", "usr_admin", ""}));  // the principal itself
  EXPECT_FALSE(grantCovers(p, mine, Ownership{"key_3", "usr_admin", "svc_other"}));
  EXPECT_FALSE(grantCovers(p, mine, Ownership{"key_4", "usr_admin", ""}));
  EXPECT_FALSE(grantCovers(p, mine, Ownership{"", "", ""}));
  const verify::Grant all{Level::kAll, true, {}};
  EXPECT_TRUE(grantCovers(p, all, Ownership{"key_3", "usr_admin", "svc_other"}));
  EXPECT_FALSE(grantCovers(p, verify::Grant{}, Ownership{"key_1", "svc_me", ""}));
}

TEST(GrantCovers, ScopedGrantCoversOnlyItsResources) {
  const Principal p = principal("ten_a", {});
  verify::Grant scoped{Level::kAll, false, {}};
  scoped.resources = {"acc-1", "acc-2"};
  EXPECT_TRUE(grantCovers(p, scoped, Ownership{"acc-1", "x", ""}));
  EXPECT_FALSE(grantCovers(p, scoped, Ownership{"acc-3", "x", ""}));
  // Both rules apply at once: mine and in scope.
  verify::Grant mine_scoped{Level::kMine, false, {}};
  mine_scoped.resources = {"acc-1"};
  EXPECT_TRUE(grantCovers(p, mine_scoped, Ownership{"acc-1", "usr_me", ""}));
  EXPECT_FALSE(grantCovers(p, mine_scoped, Ownership{"acc-1", "usr_other", ""}));
  EXPECT_FALSE(grantCovers(p, mine_scoped, Ownership{"acc-2", "usr_me", ""}));
}

// ---- mayVerify ---------------------------------------------------------------------------

TEST(MayVerify, VerifierLearnsExactCodesForItsOwnTenantOnly) {
  const Principal v = principal("ten_a", {role(kRoleVerifier)});
  EXPECT_TRUE(mayVerify(v, "ten_a"));
  EXPECT_FALSE(mayVerify(v, "ten_b"));
  const Principal system_v = principal(std::string(kSystemTenantId), {role(kRoleVerifier)});
  EXPECT_TRUE(mayVerify(system_v, "ten_a"));
  EXPECT_TRUE(mayVerify(system_v, "ten_b"));
}

TEST(MayVerify, RolesWithoutVerificationInquireDoNot) {
  EXPECT_TRUE(mayVerify(principal("ten_a", {role(kRolePortalAdministrator)}), "ten_a"));
  EXPECT_TRUE(mayVerify(principal("ten_a", {role(kRoleGlobalViewer)}), "ten_a"));  // "inquire everything"
  EXPECT_FALSE(mayVerify(principal("ten_a", {allResources(kRoleCloudAccountViewer)}), "ten_a"));
  EXPECT_FALSE(mayVerify(principal("ten_a", {}), "ten_a"));
  Principal none;
  none.tenant_id = "ten_a";
  EXPECT_FALSE(mayVerify(none, "ten_a"));
}

// ---- checkNoEscalation -------------------------------------------------------------------

TEST(NoEscalation, GivingWhatTheActorHoldsOrLessIsAllowed) {
  const Principal admin = principal("ten_a", {role(kRolePortalAdministrator)});
  for (const auto& r : builtinRoles()) {
    const RoleAssignment a = r.scope_module ? allResources(r.name) : role(r.name);
    EXPECT_TRUE(checkNoEscalation(admin, compiled({a}), "the key's roles")) << r.name;
  }
  const Principal viewer = principal("ten_a", {role(kRoleGlobalViewer)});
  EXPECT_TRUE(checkNoEscalation(viewer, compiled({role(kRoleGlobalViewer)}), "the key's roles"));
  EXPECT_TRUE(checkNoEscalation(viewer, compiled({role(kRoleVerifier)}), "the key's roles"));
  EXPECT_TRUE(checkNoEscalation(viewer, compiled({}), "the key's roles"));
  const Principal cav = principal("ten_a", {scopedRole(kRoleCloudAccountViewer, {"acc-1", "acc-2"})});
  EXPECT_TRUE(checkNoEscalation(cav, compiled({scopedRole(kRoleCloudAccountViewer, {"acc-2"})}), "x"));
}

TEST(NoEscalation, RefusalNamesTheMissingPermission) {
  const Principal viewer = principal("ten_a", {role(kRoleGlobalViewer)});
  auto st = checkNoEscalation(viewer, compiled({role(kRolePortalAdministrator)}), "the key's roles");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(st.error().code, "ESCALATION");
  EXPECT_NE(st.error().message.find("the key's roles"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("'*:add'"), std::string::npos) << st.error().message;

  // A custom-role administrator holds every module by name, but not "*".
  const TenantRoles defs({customRole("Key Admin", {{"keys", Action::kInquire, Level::kAll},
                                                   {"keys", Action::kAdd, Level::kAll},
                                                   {"keys", Action::kEdit, Level::kAll},
                                                   {"keys", Action::kDelete, Level::kAll}})});
  const Principal key_admin = principal("ten_a", {role("Key Admin")}, defs);
  st = checkNoEscalation(key_admin, compiled({role(kRolePortalAdministrator)}, defs), "the key's roles");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("'*:inquire'"), std::string::npos) << st.error().message;
  st = checkNoEscalation(key_admin, compiled({role(kRoleVerifier)}, defs), "the key's roles");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("'verification:inquire'"), std::string::npos) << st.error().message;

  // A narrower scope cannot give a wider one.
  const Principal cav = principal("ten_a", {scopedRole(kRoleCloudAccountViewer, {"acc-1"})});
  st = checkNoEscalation(cav, compiled({allResources(kRoleCloudAccountViewer)}), "the user's roles");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("'cloud_accounts:inquire'"), std::string::npos) << st.error().message;
  EXPECT_FALSE(checkNoEscalation(cav, compiled({scopedRole(kRoleCloudAccountViewer, {"acc-1", "acc-2"})}), "x"));
}

TEST(NoEscalation, PrincipalWithoutPermissionsCannotGiveAnything) {
  Principal none;
  none.tenant_id = "ten_a";
  EXPECT_TRUE(checkNoEscalation(principal("ten_a", {}), compiled({}), "x"));
  auto st = checkNoEscalation(none, compiled({role(kRoleVerifier)}), "x");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "ESCALATION");
}

// ---- built-in roles ----------------------------------------------------------------------

TEST(BuiltinRoles, EveryTenantHasTheFiveWithStableIds) {
  std::vector<std::string> names, ids;
  for (const auto& r : builtinRoles()) {
    names.push_back(r.name);
    ids.push_back(r.id);
    EXPECT_TRUE(r.builtin);
    EXPECT_TRUE(r.tenant_id.empty());
    EXPECT_EQ(findBuiltinRole(r.name), &r);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Portal Administrator", "Global Admin", "Global Viewer",
                                             "Cloud Account Viewer", "Verifier"}));
  EXPECT_EQ(ids,
            (std::vector<std::string>{"builtin-portal-administrator", "builtin-global-admin", "builtin-global-viewer",
                                      "builtin-cloud-account-viewer", "builtin-verifier"}));
  EXPECT_EQ(findBuiltinRole("portal administrator"), nullptr);
  EXPECT_EQ(findBuiltinRole("Umbrella"), nullptr);
  EXPECT_EQ(findBuiltinRole(kRoleCloudAccountViewer)->scope_module, "cloud_accounts");
}

TEST(BuiltinRoles, AdministratorsMayDoEverythingIncludingModulesRegisteredLater) {
  // Veeam's Portal Administrator and SecureCloud's Global Admin.
  for (auto name : {kRolePortalAdministrator, kRoleGlobalAdmin}) {
    const auto p = compiled({role(name)});
    for (const auto& m : builtinModules())
      for (Action a : kAllActions) EXPECT_EQ(p.level(m.name, a), Level::kAll) << name << " " << m.name;
    for (Action a : kAllActions) {
      EXPECT_EQ(p.level("service_tickets", a), Level::kAll) << name;
      EXPECT_TRUE(p.allows("cloud_accounts", a, "any-account"));
    }
  }
}

TEST(BuiltinRoles, GlobalViewerInquiresEverythingAndChangesNothing) {
  const auto p = compiled({role(kRoleGlobalViewer)});
  for (const char* m : {"keys", "users", "audit", "cloud_accounts", "service_tickets"}) {
    EXPECT_EQ(p.level(m, Action::kInquire), Level::kAll) << m;
    for (Action a : {Action::kAdd, Action::kEdit, Action::kDelete}) EXPECT_EQ(p.level(m, a), Level::kNone) << m;
  }
}

TEST(BuiltinRoles, CloudAccountViewerSeesOnlyTheAccountsItIsGiven) {
  // SecureCloud: "view-only access to all or selected public cloud accounts".
  const auto ab = compiled({scopedRole(kRoleCloudAccountViewer, {"acc-A", "acc-B"})});
  EXPECT_TRUE(ab.allows("cloud_accounts", Action::kInquire, "acc-A"));
  EXPECT_TRUE(ab.allows("cloud_accounts", Action::kInquire, "acc-B"));
  EXPECT_FALSE(ab.allows("cloud_accounts", Action::kInquire, "acc-C"));
  EXPECT_TRUE(ab.allows("cloud_accounts", Action::kInquire, std::nullopt));
  EXPECT_FALSE(ab.allows("cloud_accounts", Action::kEdit, "acc-A"));
  EXPECT_FALSE(ab.allows("keys", Action::kInquire, std::nullopt));

  const auto every = compiled({allResources(kRoleCloudAccountViewer)});
  EXPECT_TRUE(every.allows("cloud_accounts", Action::kInquire, "acc-C"));
  EXPECT_TRUE(every.covers(ab));
  EXPECT_FALSE(ab.covers(every));
}

TEST(BuiltinRoles, VerifierOnlyLearnsVerificationCodes) {
  const auto p = compiled({role(kRoleVerifier)});
  EXPECT_EQ(p.level("verification", Action::kInquire), Level::kAll);
  EXPECT_EQ(p.level("keys", Action::kInquire), Level::kNone);
  EXPECT_EQ(p.level("verification", Action::kAdd), Level::kNone);
}

TEST(BuiltinRoles, RolesUniteAndUnknownOnesGrantNothing) {
  // SecureCloud: "Additional roles can be added".
  const auto p = compiled({role(kRoleVerifier), scopedRole(kRoleCloudAccountViewer, {"acc-A"})});
  EXPECT_TRUE(p.allows("verification", Action::kInquire, std::nullopt));
  EXPECT_TRUE(p.allows("cloud_accounts", Action::kInquire, "acc-A"));
  EXPECT_TRUE(compiled({role("No Such Role")}).empty());
  EXPECT_TRUE(compiled({}).empty());
  // Global Viewer with a Cloud Account Viewer for A: inquiring any account is already granted.
  const auto q = compiled({role(kRoleGlobalViewer), scopedRole(kRoleCloudAccountViewer, {"acc-A"})});
  EXPECT_TRUE(q.allows("cloud_accounts", Action::kInquire, "acc-Z"));
}

TEST(CustomRoles, ConnectWiseRoleGrantsItsModulesAtTheirLevels) {
  const TenantRoles defs({umbrella()});
  const auto p = compiled({role("Umbrella")}, defs);
  EXPECT_EQ(p.level("companies", Action::kInquire), Level::kAll);
  EXPECT_EQ(p.level("companies", Action::kAdd), Level::kNone);
  for (const char* m : {"configurations", "service_tickets", "table_setup"}) {
    for (Action a : {Action::kInquire, Action::kAdd, Action::kEdit}) EXPECT_EQ(p.level(m, a), Level::kAll) << m;
    EXPECT_EQ(p.level(m, Action::kDelete), Level::kNone) << m;
  }
  EXPECT_EQ(p.level("keys", Action::kInquire), Level::kNone);
}

TEST(CustomRoles, ScopedCustomRoleScopesOnlyItsScopeModule) {
  const TenantRoles defs({customRole("Board Editor",
                                     {{"service_boards", Action::kEdit, Level::kAll},
                                      {"service_tickets", Action::kInquire, Level::kMine}},
                                     "service_boards")});
  const auto p = compiled({scopedRole("Board Editor", {"board-1"})}, defs);
  EXPECT_TRUE(p.allows("service_boards", Action::kEdit, "board-1"));
  EXPECT_FALSE(p.allows("service_boards", Action::kEdit, "board-2"));
  EXPECT_TRUE(p.allows("service_tickets", Action::kInquire, "ticket-9"));  // unscoped line
  EXPECT_EQ(p.level("service_tickets", Action::kInquire), Level::kMine);
}

TEST(CustomRoles, TenantRoleLookupFindsBuiltinsFirstThenCustomRoles) {
  const TenantRoles defs({umbrella()});
  ASSERT_NE(defs.find("Umbrella"), nullptr);
  EXPECT_EQ(defs.find("Umbrella")->id, "rol_Umbrella");
  ASSERT_NE(defs.find(kRoleGlobalViewer), nullptr);
  EXPECT_TRUE(defs.find(kRoleGlobalViewer)->builtin);
  EXPECT_EQ(defs.find("umbrella"), nullptr);
}

// ---- validateAssignments / validatePermissions ------------------------------------------

TEST(ValidateAssignments, ScopedRoleNeedsResourcesOrAll) {
  const auto lookup = kBuiltinOnly.lookup();
  EXPECT_TRUE(validateAssignments({scopedRole(kRoleCloudAccountViewer, {"acc-1", "acc-2"})}, lookup, "roles"));
  EXPECT_TRUE(validateAssignments({allResources(kRoleCloudAccountViewer)}, lookup, "roles"));
  auto st = validateAssignments({role(kRoleGlobalViewer), role(kRoleCloudAccountViewer)}, lookup, "roles");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(st.error().code, "SCOPE_REQUIRED");
  EXPECT_EQ(st.error().field, "roles[1]");
  EXPECT_NE(st.error().message.find("all_resources"), std::string::npos);
  RoleAssignment both = scopedRole(kRoleCloudAccountViewer, {"acc-1"});
  both.all_resources = true;
  st = validateAssignments({both}, lookup, "roles");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "INVALID_FIELD");
}

TEST(ValidateAssignments, RefusesUnknownDuplicateAndMisScopedRoles) {
  const auto lookup = kBuiltinOnly.lookup();
  auto st = validateAssignments({role("Umbrella")}, lookup, "roles");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "UNKNOWN_ROLE");
  EXPECT_EQ(st.error().field, "roles[0]");
  st = validateAssignments({role(kRoleVerifier), role(kRoleVerifier)}, lookup, "roles");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().field, "roles[1]");
  st = validateAssignments({scopedRole(kRoleGlobalViewer, {"acc-1"})}, lookup, "roles");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "INVALID_FIELD");
  st = validateAssignments({allResources(kRoleVerifier)}, lookup, "roles");
  ASSERT_FALSE(st);
  for (std::string bad : {std::string(), std::string("*"), std::string(129, 'a'), std::string("acc\n1")}) {
    st = validateAssignments({scopedRole(kRoleCloudAccountViewer, {bad})}, lookup, "roles");
    ASSERT_FALSE(st) << bad;
    EXPECT_EQ(st.error().field, "roles[0].resources");
  }
  std::vector<RoleAssignment> many;
  for (int i = 0; i < 33; ++i) many.push_back(role("r" + std::to_string(i)));
  EXPECT_FALSE(validateAssignments(many, lookup, "roles"));
  EXPECT_TRUE(validateAssignments({}, lookup, "roles"));
}

TEST(ValidatePermissions, ModulesMustBeKnownAndLinesUnique) {
  auto known = [](std::string_view m) { return m == "keys" || m == "service_tickets"; };
  EXPECT_TRUE(validatePermissions({{"keys", Action::kInquire, Level::kAll},
                                   {"keys", Action::kAdd, Level::kMine},
                                   {"*", Action::kInquire, Level::kAll},
                                   {"service_tickets", Action::kInquire, Level::kNone}},
                                  known));
  auto st = validatePermissions({{"keys", Action::kInquire, Level::kAll}, {"companies", Action::kInquire, Level::kAll}},
                                known);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "UNKNOWN_MODULE");
  EXPECT_EQ(st.error().field, "permissions[1].module");
  st = validatePermissions({{"keys", Action::kInquire, Level::kAll}, {"keys", Action::kInquire, Level::kMine}}, known);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().field, "permissions[1]");
  EXPECT_TRUE(validatePermissions({}, known));
}

TEST(DescribeAssignment, NamesTheRoleAndItsScope) {
  EXPECT_EQ(describe(role(kRoleGlobalViewer)), "Global Viewer");
  EXPECT_EQ(describe(scopedRole(kRoleCloudAccountViewer, {"acc-1", "acc-2"})), "Cloud Account Viewer (acc-1, acc-2)");
  EXPECT_EQ(describe(allResources(kRoleCloudAccountViewer)), "Cloud Account Viewer (all resources)");
}

// ---- a key's effective permissions: its roles ∩ its owner's ------------------------------

ApiKey keyOf(std::vector<RoleAssignment> roles, std::optional<OwnerRef> owner = std::nullopt) {
  ApiKey k;
  k.id = "key_1";
  k.tenant_id = "ten_a";
  k.name = "integration";
  k.roles = std::move(roles);
  k.owner = std::move(owner);
  return k;
}

OwnerState ownerState(PrincipalKind kind, std::string id, std::vector<RoleAssignment> roles, bool disabled = false) {
  return OwnerState{OwnerRef{kind, std::move(id)}, disabled, std::move(roles)};
}

TEST(KeyAccess, KeyWithoutOwnerHasItsOwnRoles) {
  const auto c = AccessIndex::compile(keyOf({role(kRoleGlobalViewer)}), kBuiltinOnly, nullptr);
  ASSERT_TRUE(c->access);
  EXPECT_TRUE(c->access->owner_id.empty());
  EXPECT_FALSE(c->access->owner_disabled);
  EXPECT_EQ(c->access->permissions->level("keys", Action::kInquire), Level::kAll);
  EXPECT_EQ(c->access->roles_json, R"([{"role":"Global Viewer"}])");
  EXPECT_EQ(c->access->permissions_json, R"([{"module":"*","action":"inquire","level":"all","all_resources":true}])");
}

TEST(KeyAccess, KeyWithoutRolesOrOwnerCarriesNoAccess) {
  EXPECT_EQ(AccessIndex::compile(keyOf({}), kBuiltinOnly, nullptr)->access, nullptr);
}

TEST(KeyAccess, IvantiKeyOnBehalfOfAUserInARoleActsWithinBoth) {
  // Ivanti: "On Behalf Of" a user, "In Role" one of the user's roles.
  const TenantRoles defs({customRole("Service Desk Analyst", {{"service_tickets", Action::kInquire, Level::kAll},
                                                              {"service_tickets", Action::kAdd, Level::kAll},
                                                              {"service_tickets", Action::kEdit, Level::kMine}})});
  const OwnerState analyst = ownerState(PrincipalKind::kUser, "usr_analyst",
                                        {role("Service Desk Analyst"), role(kRoleVerifier)});
  const auto c = AccessIndex::compile(keyOf({role("Service Desk Analyst")},
                                            OwnerRef{PrincipalKind::kUser, "usr_analyst"}),
                                      defs, &analyst);
  ASSERT_TRUE(c->access);
  EXPECT_EQ(c->access->owner_kind, PrincipalKind::kUser);
  EXPECT_EQ(c->access->owner_id, "usr_analyst");
  const auto& p = *c->access->permissions;
  EXPECT_EQ(p.level("service_tickets", Action::kAdd), Level::kAll);
  EXPECT_EQ(p.level("service_tickets", Action::kEdit), Level::kMine);
  EXPECT_EQ(p.level("verification", Action::kInquire), Level::kNone);  // the user's, not the key's

  // A key given more than its owner holds acts with the owner's permissions only.
  const auto wide = AccessIndex::compile(keyOf({role(kRolePortalAdministrator)},
                                               OwnerRef{PrincipalKind::kUser, "usr_analyst"}),
                                         defs, &analyst);
  const auto& q = *wide->access->permissions;
  EXPECT_EQ(q.level("service_tickets", Action::kAdd), Level::kAll);
  EXPECT_EQ(q.level("service_tickets", Action::kDelete), Level::kNone);
  EXPECT_EQ(q.level("keys", Action::kInquire), Level::kNone);
  EXPECT_TRUE(compiled({role("Service Desk Analyst"), role(kRoleVerifier)}, defs).covers(q));
}

TEST(KeyAccess, ConnectWiseApiMemberKeyHasTheMembersRole) {
  const TenantRoles defs({umbrella()});
  const OwnerState member = ownerState(PrincipalKind::kServiceUser, "svc_umbrella", {role("Umbrella")});
  const auto c = AccessIndex::compile(keyOf({role("Umbrella")}, OwnerRef{PrincipalKind::kServiceUser, "svc_umbrella"}),
                                      defs, &member);
  ASSERT_TRUE(c->access);
  EXPECT_EQ(c->access->owner_kind, PrincipalKind::kServiceUser);
  const auto& p = *c->access->permissions;
  EXPECT_TRUE(p.covers(compiled({role("Umbrella")}, defs)));
  EXPECT_TRUE(compiled({role("Umbrella")}, defs).covers(p));
  const verify::PermissionCheck add_ticket{"service_tickets", Action::kAdd, std::nullopt, std::nullopt};
  const verify::PermissionCheck delete_ticket{"service_tickets", Action::kDelete, std::nullopt, std::nullopt};
  EXPECT_TRUE(verify::granted(*c, {&add_ticket, 1}));
  EXPECT_FALSE(verify::granted(*c, {&delete_ticket, 1}));
}

TEST(KeyAccess, SecureCloudKeyIsLimitedToTheAccountsBothAllow) {
  const OwnerState owner = ownerState(PrincipalKind::kUser, "usr_1",
                                      {scopedRole(kRoleCloudAccountViewer, {"acc-A", "acc-B"})});
  const auto c = AccessIndex::compile(keyOf({allResources(kRoleCloudAccountViewer)},
                                            OwnerRef{PrincipalKind::kUser, "usr_1"}),
                                      kBuiltinOnly, &owner);
  const auto& p = *c->access->permissions;
  EXPECT_TRUE(p.allows("cloud_accounts", Action::kInquire, "acc-A"));
  EXPECT_TRUE(p.allows("cloud_accounts", Action::kInquire, "acc-B"));
  EXPECT_FALSE(p.allows("cloud_accounts", Action::kInquire, "acc-C"));
  EXPECT_EQ(c->access->roles_json, R"([{"role":"Cloud Account Viewer","all_resources":true}])");
  EXPECT_EQ(c->access->permissions_json,
            R"([{"module":"cloud_accounts","action":"inquire","level":"all","resources":["acc-A","acc-B"]}])");
}

TEST(KeyAccess, DisabledOwnerIsCarriedToTheKey) {
  const OwnerState off = ownerState(PrincipalKind::kServiceUser, "svc_1", {role(kRoleGlobalViewer)}, true);
  const auto c = AccessIndex::compile(keyOf({role(kRoleGlobalViewer)}, OwnerRef{PrincipalKind::kServiceUser, "svc_1"}),
                                      kBuiltinOnly, &off);
  ASSERT_TRUE(c->access);
  EXPECT_TRUE(c->access->owner_disabled);
}

TEST(KeyAccess, OwnerThatCannotBeFoundFailsClosed) {
  const auto c = AccessIndex::compile(keyOf({role(kRoleGlobalViewer)},
                                            OwnerRef{PrincipalKind::kServiceUser, "svc_gone"}),
                                      kBuiltinOnly, nullptr);
  ASSERT_TRUE(c->access);
  EXPECT_TRUE(c->access->owner_disabled);
  EXPECT_TRUE(c->access->permissions->empty());
}

TEST(KeyAccess, OwnedKeyWithoutRolesOfItsOwnGrantsNothing) {
  // Effective permissions are the key's roles ∩ the owner's: no roles, nothing to act with.
  const OwnerState owner = ownerState(PrincipalKind::kServiceUser, "svc_1", {role(kRolePortalAdministrator)});
  const auto c = AccessIndex::compile(keyOf({}, OwnerRef{PrincipalKind::kServiceUser, "svc_1"}), kBuiltinOnly, &owner);
  ASSERT_TRUE(c->access);
  EXPECT_EQ(c->access->owner_id, "svc_1");
  EXPECT_TRUE(c->access->permissions->empty());
  EXPECT_EQ(c->access->roles_json, "[]");
  EXPECT_EQ(c->access->permissions_json, "[]");
}

}  // namespace
}  // namespace keyward
