// Router-level tests of roles and modules (issue 3), of what roles grant at verification
// (POST /v1/keys/verify with "permissions", GET /v1/authz with X-Keyward-* headers), and of
// the no-escalation rule.
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class Roles : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    t_ = createTenant("Acme");
  }
  std::string base() const { return "/v1/tenants/" + t_; }

  Response verify(const std::string& secret, const std::string& permissions, const std::string& token = kUseAdmin) {
    return post("/v1/keys/verify",
                "{\"key\":" + json::serialize(json::value(secret)) + ",\"permissions\":" + permissions + "}", token);
  }
  std::string verifyCode(const std::string& secret, const std::string& permissions,
                         const std::string& token = kUseAdmin) {
    Response r = verify(secret, permissions, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return str(obj(r), "code");
  }
  // GET /v1/authz with the key as a bearer token and the given X-Keyward-* headers.
  Response authz(const std::string& secret, std::vector<Header> headers) {
    if (!secret.empty()) headers.push_back({"authorization", "Bearer " + secret});
    return send(request("GET", "/v1/authz", {}, std::move(headers)));
  }

  std::string t_;
};
KEYWARD_ON_EVERY_BACKEND(Roles);

std::string perm(const char* module, const char* action, const char* level = "all") {
  return std::string(R"({"module":")") + module + R"(","action":")" + action + R"(","level":")" + level + "\"}";
}

// ---- roles ---------------------------------------------------------------------------------

TEST_P(Roles, BuiltInRolesAreListedFirstInEveryTenant) {
  createRole(t_, "Deployer", "[" + perm("keys", "add") + "]");
  std::vector<std::string> names;
  for (const auto& r : items(obj(get(base() + "/roles")))) names.push_back(str(r.as_object(), "name"));
  EXPECT_EQ(names, (std::vector<std::string>{"Portal Administrator", "Global Admin", "Global Viewer",
                                             "Cloud Account Viewer", "Verifier", "Deployer"}));
  Response r = get(base() + "/roles/builtin-cloud-account-viewer");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(obj(r).at("builtin"), json::value(true));
  EXPECT_EQ(str(obj(r), "scope_module"), "cloud_accounts");
  // Another tenant sees the built-ins but not Acme's custom role.
  const std::string other = createTenant("Other");
  EXPECT_EQ(items(obj(get("/v1/tenants/" + other + "/roles"))).size(), 5u);
}

TEST_P(Roles, BuiltInRolesCannotBeEditedDeletedOrShadowed) {
  const std::string before = accessSnapshot(t_);
  for (const char* id : {"builtin-portal-administrator", "builtin-global-viewer", "builtin-verifier"}) {
    expectProblem(patch(base() + "/roles/" + id, R"({"description":"mine now"})"), 409, "BUILTIN_ROLE");
    expectProblem(del(base() + "/roles/" + id), 409, "BUILTIN_ROLE");
  }
  expectProblem(post(base() + "/roles", R"({"name":"Global Viewer","permissions":[]})"), 409, "NAME_TAKEN", "name");
  EXPECT_EQ(accessSnapshot(t_), before);
}

TEST_P(Roles, CustomRoleLifeCycle) {
  Response r = post(base() + "/roles", R"({"name":"Deployer","description":"CI","permissions":[)" +
                                           perm("keys", "add") + "," + perm("keys", "inquire", "mine") + "]}");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = str(obj(r), "id");
  EXPECT_EQ(headerOf(r, "location"), base() + "/roles/" + id);
  EXPECT_EQ(obj(r).at("builtin"), json::value(false));
  EXPECT_EQ(json::serialize(obj(r).at("permissions")),
            R"([{"module":"keys","action":"add","level":"all"},{"module":"keys","action":"inquire","level":"mine"}])");
  r = patch(base() + "/roles/" + id, R"({"description":"CD","permissions":[)" + perm("keys", "edit") + "]}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(obj(r), "description"), "CD");
  EXPECT_EQ(json::serialize(obj(r).at("permissions")), R"([{"module":"keys","action":"edit","level":"all"}])");
  EXPECT_EQ(str(obj(get(base() + "/roles/" + id)), "description"), "CD");
  expectProblem(post(base() + "/roles", R"({"name":"Deployer","permissions":[]})"), 409, "NAME_TAKEN", "name");
  ASSERT_EQ(del(base() + "/roles/" + id).status, 204);
  expectProblem(get(base() + "/roles/" + id), 404, "NOT_FOUND");
  // The name is free again.
  createRole(t_, "Deployer", "[]");
}

TEST_P(Roles, RoleStillAssignedCannotBeDeleted) {
  const std::string id = createRole(t_, "Deployer", "[" + perm("keys", "add") + "]");
  const std::string svc = createServiceUser(t_, "ci", R"(["Deployer"])");
  CreatedKey k = createKey(t_, "k", R"("roles":["Deployer"])");
  const std::string before = accessSnapshot(t_);
  Response r = del(base() + "/roles/" + id);
  expectProblem(r, 409, "ROLE_IN_USE");
  EXPECT_NE(str(obj(r), "detail").find("2 "), std::string::npos) << r.body;
  EXPECT_EQ(accessSnapshot(t_), before);
  ASSERT_EQ(patch(base() + "/service-users/" + svc, R"({"roles":[]})").status, 200);
  expectProblem(del(base() + "/roles/" + id), 409, "ROLE_IN_USE");
  ASSERT_EQ(patch(base() + "/keys/" + k.id, R"({"roles":[]})").status, 200);
  EXPECT_EQ(del(base() + "/roles/" + id).status, 204);
}

TEST_P(Roles, EditingARoleReachesEveryKeyHoldingItAtOnce) {
  const std::string id = createRole(t_, "Deployer", "[" + perm("keys", "add") + "]");
  CreatedKey direct = createKey(t_, "direct", R"("roles":["Deployer"])");
  const std::string svc = createServiceUser(t_, "ci", R"(["Deployer"])");
  CreatedKey owned = createKey(t_, "owned",
                               R"("roles":["Deployer"],"owner":{"type":"service_user","id":")" + svc + "\"}");
  const std::string add = R"([{"module":"keys","action":"add"}])";
  const std::string edit = R"([{"module":"keys","action":"edit"}])";
  for (const auto* k : {&direct, &owned}) {
    EXPECT_EQ(verifyCode(k->secret, add), "VALID");
    EXPECT_EQ(verifyCode(k->secret, edit), "INSUFFICIENT_PERMISSIONS");
  }
  ASSERT_EQ(patch(base() + "/roles/" + id, "{\"permissions\":[" + perm("keys", "edit") + "]}").status, 200);
  for (const auto* k : {&direct, &owned}) {
    EXPECT_EQ(verifyCode(k->secret, add), "INSUFFICIENT_PERMISSIONS");
    EXPECT_EQ(verifyCode(k->secret, edit), "VALID");
  }
}

// ---- modules -------------------------------------------------------------------------------

TEST_P(Roles, ModulesAreTheBuiltInsPlusTheTenantsOwn) {
  Response r = post(base() + "/modules", R"({"name":"billing","description":"Invoices"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(headerOf(r, "location"), base() + "/modules/billing");
  auto listed = items(obj(get(base() + "/modules")));
  ASSERT_GE(listed.size(), 2u);
  EXPECT_EQ(str(listed.front().as_object(), "name"), "keys");
  EXPECT_EQ(listed.front().as_object().at("builtin"), json::value(true));
  EXPECT_EQ(str(listed.back().as_object(), "name"), "billing");
  EXPECT_EQ(listed.back().as_object().at("builtin"), json::value(false));

  const std::string before = accessSnapshot(t_);
  expectProblem(post(base() + "/modules", R"({"name":"billing"})"), 409, "NAME_TAKEN", "name");
  expectProblem(post(base() + "/modules", R"({"name":"keys"})"), 409, "NAME_TAKEN", "name");
  expectProblem(del(base() + "/modules/keys"), 409, "BUILTIN_MODULE");
  EXPECT_EQ(accessSnapshot(t_), before);

  // A registered module can be used in a role, and cannot be removed while it is.
  const std::string role = createRole(t_, "Accountant", "[" + perm("billing", "inquire") + "]");
  expectProblem(del(base() + "/modules/billing"), 409, "MODULE_IN_USE");
  ASSERT_EQ(del(base() + "/roles/" + role).status, 204);
  ASSERT_EQ(del(base() + "/modules/billing").status, 204);
  expectProblem(post(base() + "/roles", R"({"name":"Accountant","permissions":[)" + perm("billing", "inquire") + "]}"),
                400, "UNKNOWN_MODULE", "permissions[0].module");
  expectProblem(del(base() + "/modules/billing"), 404, "NOT_FOUND");
}

TEST_P(Roles, AModuleOfAnotherTenantIsUnknownHere) {
  const std::string other = createTenant("Other");
  ASSERT_EQ(post("/v1/tenants/" + other + "/modules", R"({"name":"billing"})").status, 201);
  expectProblem(post(base() + "/roles", R"({"name":"Accountant","permissions":[)" + perm("billing", "inquire") + "]}"),
                400, "UNKNOWN_MODULE", "permissions[0].module");
  for (const auto& m : items(obj(get(base() + "/modules")))) EXPECT_NE(str(m.as_object(), "name"), "billing");
}

TEST_P(Roles, KeysOfARegisteredModuleAreCheckedAtVerification) {
  ASSERT_EQ(post(base() + "/modules", R"({"name":"billing"})").status, 201);
  createRole(t_, "Accountant", "[" + perm("billing", "inquire") + "," + perm("billing", "add") + "]");
  CreatedKey k = createKey(t_, "k", R"("roles":["Accountant"])");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"billing","action":"add"}])"), "VALID");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"billing","action":"delete"}])"), "INSUFFICIENT_PERMISSIONS");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"keys","action":"inquire"}])"), "INSUFFICIENT_PERMISSIONS");
}

// ---- resource scopes -----------------------------------------------------------------------

TEST_P(Roles, ScopedRoleGrantsOnlyTheResourcesItIsGivenFor) {
  CreatedKey two = createKey(t_, "two", R"("roles":[{"role":"Cloud Account Viewer","resources":["acc-1","acc-2"]}])");
  CreatedKey all = createKey(t_, "all", R"("roles":[{"role":"Cloud Account Viewer","all_resources":true}])");
  auto q = [](const char* resource) {
    return std::string(R"([{"module":"cloud_accounts","action":"inquire","resource":")") + resource + "\"}]";
  };
  EXPECT_EQ(verifyCode(two.secret, q("acc-1")), "VALID");
  EXPECT_EQ(verifyCode(two.secret, q("acc-2")), "VALID");
  EXPECT_EQ(verifyCode(two.secret, q("acc-3")), "INSUFFICIENT_PERMISSIONS");
  EXPECT_EQ(verifyCode(two.secret, R"([{"module":"cloud_accounts","action":"edit","resource":"acc-1"}])"),
            "INSUFFICIENT_PERMISSIONS");
  EXPECT_EQ(verifyCode(all.secret, q("acc-3")), "VALID");
  // The valid response says which resources: the caller can filter a list itself.
  Response r = verify(two.secret, "[]");
  EXPECT_EQ(json::serialize(obj(r).at("permissions")),
            R"([{"module":"cloud_accounts","action":"inquire","level":"all","resources":["acc-1","acc-2"]}])");
  // And the same through the gateway endpoint.
  EXPECT_EQ(authz(two.secret, {{"x-keyward-module", "cloud_accounts"}, {"x-keyward-resource", "acc-2"}}).status, 204);
  expectProblem(authz(two.secret, {{"x-keyward-module", "cloud_accounts"}, {"x-keyward-resource", "acc-9"}}), 403,
                "FORBIDDEN");
  EXPECT_EQ(authz(all.secret, {{"x-keyward-module", "cloud_accounts"}, {"x-keyward-resource", "acc-9"}}).status, 204);
}

TEST_P(Roles, CustomScopedRoleNeedsAScopeWhenGiven) {
  ASSERT_EQ(post(base() + "/modules", R"({"name":"projects"})").status, 201);
  createRole(t_, "Project Editor", "[" + perm("projects", "edit") + "]", R"("scope_module":"projects")");
  const std::string before = accessSnapshot(t_);
  expectProblem(post(base() + "/service-users", R"({"name":"ci","roles":["Project Editor"]})"), 400, "SCOPE_REQUIRED",
                "roles[0]");
  EXPECT_EQ(accessSnapshot(t_), before);
  CreatedKey k = createKey(t_, "k", R"("roles":[{"role":"Project Editor","resources":["p1"]}])");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"projects","action":"edit","resource":"p1"}])"), "VALID");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"projects","action":"edit","resource":"p2"}])"),
            "INSUFFICIENT_PERMISSIONS");
}

// ---- verify with permissions ---------------------------------------------------------------

TEST_P(Roles, ValidVerificationListsOwnerRolesAndEffectivePermissions) {
  // The key holds more than its owner: what applies is the intersection.
  const std::string svc = createServiceUser(t_, "ci", R"(["Global Viewer"])");
  CreatedKey k = createKey(t_, "k",
                           R"("roles":["Portal Administrator"],"owner":{"type":"service_user","id":")" + svc + "\"}");
  Response r = verify(k.secret, R"([{"module":"keys","action":"inquire"},{"module":"audit","action":"inquire"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = obj(r);
  EXPECT_EQ(o.at("valid"), json::value(true));
  EXPECT_EQ(str(o, "code"), "VALID");
  EXPECT_EQ(json::serialize(o.at("owner")), R"({"type":"service_user","id":")" + svc + "\"}");
  EXPECT_EQ(json::serialize(o.at("roles")), R"([{"role":"Portal Administrator"}])");
  EXPECT_EQ(json::serialize(o.at("permissions")),
            R"([{"module":"*","action":"inquire","level":"all","all_resources":true}])");
  // Every permission asked for must be granted.
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"keys","action":"inquire"},{"module":"keys","action":"add"}])"),
            "INSUFFICIENT_PERMISSIONS");
}

TEST_P(Roles, KeyWithoutOwnerOrRolesIsValidOnlyWhenNothingIsAsked) {
  CreatedKey k = createKey(t_, "plain");
  Response r = verify(k.secret, "[]");
  EXPECT_EQ(str(obj(r), "code"), "VALID");
  EXPECT_EQ(json::serialize(obj(r).at("owner")), "null");
  EXPECT_EQ(json::serialize(obj(r).at("roles")), "[]");
  EXPECT_EQ(json::serialize(obj(r).at("permissions")), "[]");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"keys","action":"inquire"}])"), "INSUFFICIENT_PERMISSIONS");
}

TEST_P(Roles, OnlyACallerThatMayVerifyLearnsInsufficientPermissions) {
  CreatedKey k = createKey(t_, "k", R"("roles":["Global Viewer"])");
  const std::string add = R"([{"module":"keys","action":"add"}])";
  const std::string verifier = makeCredential(t_, "Verifier");
  createRole(t_, "Reader", "[" + perm("keys", "inquire") + "]");
  const std::string reader = makeCredential(t_, "Reader");
  EXPECT_EQ(verifyCode(k.secret, add), "INSUFFICIENT_PERMISSIONS");            // system administrator
  EXPECT_EQ(verifyCode(k.secret, add, verifier), "INSUFFICIENT_PERMISSIONS");  // the tenant's Verifier
  EXPECT_EQ(verifyCode(k.secret, add, reader), "NOT_AUTHORIZED");              // a credential that may not verify
  Response r = verify(k.secret, add, kNoCredential);                           // anonymous
  EXPECT_EQ(obj(r), (json::object{{"valid", false}, {"code", "NOT_AUTHORIZED"}}));
}

TEST_P(Roles, LevelMineIsCheckedAgainstTheResourceOwnerWhenGiven) {
  createRole(t_, "Own keys", "[" + perm("keys", "edit", "mine") + "]");
  const std::string svc = createServiceUser(t_, "ci", R"(["Own keys"])");
  CreatedKey k = createKey(t_, "k", R"("roles":["Own keys"],"owner":{"type":"service_user","id":")" + svc + "\"}");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"keys","action":"edit","resource_owner":")" + svc + "\"}]"), "VALID");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"keys","action":"edit","resource_owner":"svc_someone_else"}])"),
            "INSUFFICIENT_PERMISSIONS");
  // Without an owner to compare, the level is in the response for the caller to apply.
  Response r = verify(k.secret, R"([{"module":"keys","action":"edit"}])");
  EXPECT_EQ(str(obj(r), "code"), "VALID");
  EXPECT_NE(r.body.find(R"("level":"mine")"), std::string::npos) << r.body;
}

// ---- GET /v1/authz with permission headers ------------------------------------------------

TEST_P(Roles, AuthzAnswers204WhenPermitted403WhenNot401WhenInvalid) {
  CreatedKey k = createKey(t_, "k", R"("roles":["Global Viewer"])");
  Response r = authz(k.secret, {{"x-keyward-module", "keys"}, {"x-keyward-action", "inquire"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(headerOf(r, "x-keyward-key-id"), k.id);
  EXPECT_EQ(authz(k.secret, {{"x-keyward-module", "keys"}}).status, 204) << "the action defaults to inquire";
  expectProblem(authz(k.secret, {{"x-keyward-module", "keys"}, {"x-keyward-action", "delete"}}), 403, "FORBIDDEN");
  ASSERT_EQ(patch(base() + "/keys/" + k.id, R"({"enabled":false})").status, 200);
  expectProblem(authz(k.secret, {{"x-keyward-module", "keys"}, {"x-keyward-action", "inquire"}}), 401,
                "NOT_AUTHORIZED");
  expectProblem(authz("", {{"x-keyward-module", "keys"}}), 401, "NOT_AUTHORIZED");
}

TEST_P(Roles, AuthzRefusesBadPermissionHeadersWith400) {
  CreatedKey k = createKey(t_, "k", R"("roles":["Global Viewer"])");
  expectProblem(authz(k.secret, {{"x-keyward-module", "keys"}, {"x-keyward-action", "read"}}), 400,
                "INVALID_PERMISSION_HEADERS");
  expectProblem(authz(k.secret, {{"x-keyward-action", "inquire"}}), 400, "INVALID_PERMISSION_HEADERS");
}

// ---- no escalation -------------------------------------------------------------------------

class Escalation : public Roles {
 protected:
  void SetUp() override {
    Roles::SetUp();
    createRole(t_, "Key manager",
               "[" + perm("keys", "inquire") + "," + perm("keys", "add") + "," + perm("keys", "edit") + "," +
                   perm("keys", "delete") + "]");
    createRole(t_, "People manager",
               "[" + perm("users", "add") + "," + perm("service_users", "add") + "," + perm("service_users", "edit") +
                   "," + perm("roles", "add") + "," + perm("roles", "edit") + "," + perm("keys", "inquire") + "]");
    keys_ = makeCredential(t_, "Key manager");
    people_ = makeCredential(t_, "People manager");
  }
  std::string keys_, people_;
};
KEYWARD_ON_EVERY_BACKEND(Escalation);

TEST_P(Escalation, KeyCannotBeGivenRolesBeyondItsCreator) {
  const std::string before = accessSnapshot(t_, false);
  Response r = post(base() + "/keys", R"({"name":"root","roles":["Portal Administrator"]})", keys_);
  expectProblem(r, 403, "ESCALATION");
  EXPECT_NE(str(obj(r), "detail").find("beyond what this credential holds"), std::string::npos) << r.body;
  expectProblem(post(base() + "/keys", R"({"name":"viewer","roles":["Global Viewer"]})", keys_), 403, "ESCALATION");
  EXPECT_EQ(accessSnapshot(t_, false), before);
  // What it holds itself it may give.
  CreatedKey k = createKey(t_, "peer", R"("roles":["Key manager"])", keys_);
  expectProblem(patch(base() + "/keys/" + k.id, R"({"roles":["Key manager","Verifier"]})", keys_), 403, "ESCALATION");
  EXPECT_EQ(json::serialize(obj(get(base() + "/keys/" + k.id)).at("roles")), R"([{"role":"Key manager"}])");
}

TEST_P(Escalation, RoleCannotGrantMoreThanItsAuthorHolds) {
  const std::string before = accessSnapshot(t_, false);
  expectProblem(post(base() + "/roles", R"({"name":"Deleter","permissions":[)" + perm("keys", "delete") + "]}",
                     people_),
                403, "ESCALATION");
  expectProblem(post(base() + "/roles", R"({"name":"Mine+","permissions":[)" + perm("*", "inquire") + "]}", people_),
                403, "ESCALATION");
  EXPECT_EQ(accessSnapshot(t_, false), before);
  // A lower level of what it holds is fine; raising it again later is not.
  const std::string id = createRole(t_, "Own reader", "[" + perm("keys", "inquire", "mine") + "]", {}, people_);
  createRole(t_, "Reader", "[" + perm("keys", "inquire") + "]", {}, people_);
  expectProblem(patch(base() + "/roles/" + id, R"({"permissions":[)" + perm("keys", "add") + "]}", people_), 403,
                "ESCALATION");
}

TEST_P(Escalation, PrincipalCannotBeGivenRolesBeyondItsCreator) {
  const std::string before = accessSnapshot(t_, false);
  expectProblem(post(base() + "/service-users", R"({"name":"root","roles":["Portal Administrator"]})", people_), 403,
                "ESCALATION");
  secrets_.push_back("a long enough password");
  expectProblem(post(base() + "/users",
                     R"({"email":"root@example.com","display_name":"Root",)"
                     R"("password":"a long enough password","roles":["Key manager"]})",
                     people_),
                403, "ESCALATION");
  EXPECT_EQ(accessSnapshot(t_, false), before);
  const std::string svc = createServiceUser(t_, "ci", "[]", people_);
  expectProblem(patch(base() + "/service-users/" + svc, R"({"roles":["Global Admin"]})", people_), 403, "ESCALATION");
}

TEST_P(Escalation, OnlyRolesWithKeysAddMayCreateKeys) {
  const std::string viewer = makeCredential(t_, "Global Viewer");
  const std::string verifier = makeCredential(t_, "Verifier");
  const std::string before = accessSnapshot(t_, false);
  for (const std::string* cred : {&viewer, &verifier, static_cast<const std::string*>(&people_)}) {
    expectProblem(post(base() + "/keys", R"({"name":"x"})", *cred), 403, "FORBIDDEN");
  }
  EXPECT_EQ(accessSnapshot(t_, false), before);
  // The Global Viewer lists keys, and changes none.
  EXPECT_EQ(get(base() + "/keys", viewer).status, 200);
  CreatedKey k = createKey(t_, "k");
  expectProblem(patch(base() + "/keys/" + k.id, R"({"description":"x"})", viewer), 403, "FORBIDDEN");
  expectProblem(del(base() + "/keys/" + k.id, viewer), 403, "FORBIDDEN");
  // A Global Admin is as good as a Portal Administrator.
  createKey(t_, "by-global-admin", R"("roles":["Global Viewer"])", makeCredential(t_, "Global Admin"));
}

}  // namespace
}  // namespace keyward::http_testing
