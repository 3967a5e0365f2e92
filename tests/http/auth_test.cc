// Who may call the management API: authentication (401) and per-tenant authorization
// (403 for operations a credential may not perform, 404 for another tenant's objects).
#include "crypto/key_codec.h"
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class ManagementAuth : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    mine_ = createTenant("Mine");
    theirs_ = createTenant("Theirs");
    my_group_ = createGroup(mine_, "g");
    their_group_ = createGroup(theirs_, "g");
    my_key_ = createKey(mine_, "k");
    their_key_ = createKey(theirs_, "k");
  }

  // Every management endpoint as (method, target, body) for tenant `t`, group `g`, key `k`.
  static std::vector<std::tuple<std::string, std::string, std::string>> endpoints(const std::string& t,
                                                                                  const std::string& g,
                                                                                  const std::string& k) {
    const std::string tb = "/v1/tenants/" + t;
    return {
        {"POST", "/v1/tenants", R"({"name":"new"})"},
        {"GET", "/v1/tenants", ""},
        {"GET", tb, ""},
        {"PATCH", tb, R"({"expiry_alert_days":5})"},
        {"DELETE", tb, ""},
        {"POST", tb + "/key-groups", R"({"name":"new"})"},
        {"GET", tb + "/key-groups", ""},
        {"GET", tb + "/key-groups/" + g, ""},
        {"PATCH", tb + "/key-groups/" + g, R"({"description":"x"})"},
        {"DELETE", tb + "/key-groups/" + g, ""},
        {"POST", tb + "/keys", R"({"name":"new"})"},
        {"GET", tb + "/keys", ""},
        {"GET", tb + "/keys/" + k, ""},
        {"PATCH", tb + "/keys/" + k, R"({"description":"x"})"},
        {"DELETE", tb + "/keys/" + k, ""},
        {"GET", tb + "/verify-failures", ""},
        {"GET", tb + "/audit", ""},
    };
  }

  std::string mine_, theirs_, my_group_, their_group_;
  CreatedKey my_key_, their_key_;
};
KEYWARD_ON_EVERY_BACKEND(ManagementAuth);

TEST_P(ManagementAuth, NoAuthorizationIs401WithWwwAuthenticateOnEveryEndpoint) {
  const std::string before = snapshot(mine_);
  for (const auto& [method, target, body] : endpoints(mine_, my_group_, my_key_.id)) {
    Response r = call(method, target, body, kNoCredential);
    expectProblem(r, 401, "UNAUTHENTICATED");
    EXPECT_EQ(headerOf(r, "www-authenticate"), "Bearer realm=\"keyward\"") << method << " " << target;
  }
  EXPECT_EQ(snapshot(mine_), before);
}

TEST_P(ManagementAuth, EveryBadCredentialGetsTheSame401) {
  const std::string revoked = makeCredential("system");
  const std::string disabled = makeCredential("system");
  const std::string expired =
      createKey("system", "exp", R"("expires_in_days":1,"roles":["Portal Administrator"])").secret;
  const std::string ip_bound =
      createKey("system", "ipb", R"("ip_allowlist":["203.0.113.0/24"],"roles":["Portal Administrator"])").secret;
  const std::string no_roles = createKey("system", "plain").secret;
  // find their ids to revoke / disable
  std::map<std::string, std::string> ids;
  for (const auto& k : items(obj(get("/v1/tenants/system/keys?limit=500"))))
    ids[str(k.as_object(), "name")] = str(k.as_object(), "id");
  ASSERT_EQ(del("/v1/tenants/system/keys/" + ids["cred-1"]).status, 204);
  ASSERT_EQ(patch("/v1/tenants/system/keys/" + ids["cred-2"], R"({"enabled":false})").status, 200);
  clock_.advance(kDay);
  auto unissued = crypto::generateKey("kw");
  ASSERT_TRUE(unissued);

  std::string detail;
  for (const std::string& cred : {revoked, disabled, expired, ip_bound, no_roles, *unissued, std::string("kw_short"),
                                  std::string("garbage"), admin_ + "x"}) {
    Response r = get("/v1/tenants", cred);
    expectProblem(r, 401, "UNAUTHENTICATED");
    EXPECT_FALSE(headerOf(r, "www-authenticate").empty());
    if (detail.empty()) detail = str(obj(r), "detail");
    EXPECT_EQ(str(obj(r), "detail"), detail) << "the reason must not leak";
  }
  EXPECT_EQ(get("/v1/tenants").status, 200);
}

TEST_P(ManagementAuth, CredentialMustBeABearerToken) {
  for (const std::string& value :
       std::vector<std::string>{"Basic " + admin_, admin_, "Bearer", "Bearer ", "rest_api_key=" + admin_}) {
    Response r = send(request("GET", "/v1/tenants", "", {{"authorization", value}}));
    expectProblem(r, 401, "UNAUTHENTICATED");
  }
  Response r = send(request("GET", "/v1/tenants", "", {{"x-api-key", admin_}}));
  expectProblem(r, 401, "UNAUTHENTICATED");
  r = send(request("GET", "/v1/tenants", "", {{"authorization", "bearer  " + admin_ + " "}}));
  EXPECT_EQ(r.status, 200) << "scheme is case-insensitive and spaces are trimmed";
}

TEST_P(ManagementAuth, RevokingTheAdminKeyTakesEffectAtOnce) {
  const std::string cred = makeCredential("system");
  ASSERT_EQ(get("/v1/tenants", cred).status, 200);
  std::string id;
  for (const auto& k : items(obj(get("/v1/tenants/system/keys?limit=500"))))
    if (str(k.as_object(), "name") == "cred-1") id = str(k.as_object(), "id");
  ASSERT_EQ(del("/v1/tenants/system/keys/" + id, cred).status, 204);
  expectProblem(get("/v1/tenants", cred), 401, "UNAUTHENTICATED");
}

TEST_P(ManagementAuth, TenantAdministratorManagesItsOwnTenant) {
  const std::string cred = makeCredential(mine_);
  const std::string tb = "/v1/tenants/" + mine_;
  EXPECT_EQ(get(tb, cred).status, 200);
  EXPECT_EQ(patch(tb, R"({"expiry_alert_days":5})", cred).status, 200);
  Response g = post(tb + "/key-groups", R"({"name":"team"})", cred);
  ASSERT_EQ(g.status, 201) << g.body;
  const std::string gid = str(obj(g), "id");
  EXPECT_EQ(get(tb + "/key-groups", cred).status, 200);
  EXPECT_EQ(get(tb + "/key-groups/" + gid, cred).status, 200);
  EXPECT_EQ(patch(tb + "/key-groups/" + gid, R"({"description":"d"})", cred).status, 200);
  Response k = post(tb + "/keys", R"({"name":"svc","group_id":")" + gid + "\"}", cred);
  ASSERT_EQ(k.status, 201) << k.body;
  CreatedKey created = keep(k);
  EXPECT_EQ(str(created.key, "tenant_id"), mine_);
  EXPECT_FALSE(str(created.key, "created_by").empty());
  EXPECT_NE(str(created.key, "created_by"), str(my_key_.key, "created_by")) << "created by the tenant admin";
  EXPECT_EQ(get(tb + "/keys", cred).status, 200);
  EXPECT_EQ(get(tb + "/keys/" + created.id, cred).status, 200);
  EXPECT_EQ(patch(tb + "/keys/" + created.id, R"({"enabled":false})", cred).status, 200);
  EXPECT_EQ(del(tb + "/keys/" + created.id, cred).status, 204);
  EXPECT_EQ(del(tb + "/key-groups/" + gid, cred).status, 204);
  EXPECT_EQ(get(tb + "/audit", cred).status, 200);
  EXPECT_EQ(get(tb + "/verify-failures", cred).status, 200);
}

TEST_P(ManagementAuth, TenantAdministratorGets404ForAnotherTenantsObjects) {
  const std::string cred = makeCredential(mine_);
  const std::string before = snapshot(theirs_);
  for (const auto& [method, target, body] : endpoints(theirs_, their_group_, their_key_.id)) {
    if (target == "/v1/tenants") continue;  // platform-wide, covered below
    if (method == "DELETE" && target == "/v1/tenants/" + theirs_) continue;
    Response r = call(method, target, body, cred);
    expectProblem(r, 404, "NOT_FOUND");
  }
  // Its own tenant path with another tenant's object id is also not found.
  expectProblem(get("/v1/tenants/" + mine_ + "/keys/" + their_key_.id, cred), 404, "NOT_FOUND");
  expectProblem(get("/v1/tenants/" + mine_ + "/key-groups/" + their_group_, cred), 404, "NOT_FOUND");
  expectProblem(post("/v1/tenants/" + mine_ + "/keys", R"({"name":"x","group_id":")" + their_group_ + "\"}", cred), 404,
                "GROUP_NOT_FOUND");
  EXPECT_EQ(snapshot(theirs_), before);
}

TEST_P(ManagementAuth, TenantAdministratorCannotCreateListOrDeleteTenants) {
  const std::string cred = makeCredential(mine_);
  const std::string before = snapshot(theirs_);
  expectProblem(post("/v1/tenants", R"({"name":"mine too"})", cred), 403, "FORBIDDEN");
  expectProblem(get("/v1/tenants", cred), 403, "FORBIDDEN");
  expectProblem(del("/v1/tenants/" + mine_, cred), 403, "FORBIDDEN");
  expectProblem(del("/v1/tenants/" + theirs_, cred), 403, "FORBIDDEN");
  EXPECT_EQ(snapshot(theirs_), before);
  EXPECT_EQ(get("/v1/tenants/" + mine_).status, 200);
}

TEST_P(ManagementAuth, TenantAdministratorCannotTouchTheSystemTenant) {
  const std::string cred = makeCredential(mine_);
  expectProblem(get("/v1/tenants/system", cred), 404, "NOT_FOUND");
  expectProblem(get("/v1/tenants/system/keys", cred), 404, "NOT_FOUND");
  expectProblem(post("/v1/tenants/system/keys", R"({"name":"x","roles":["Portal Administrator"]})", cred), 404,
                "NOT_FOUND");
}

TEST_P(ManagementAuth, VerifierCredentialIsForbiddenFromManagement) {
  const std::string cred = makeCredential(mine_, "Verifier");
  EXPECT_EQ(get("/v1/tenants/" + mine_, cred).status, 403);  // its first use sets last_used_at
  const std::string before = snapshot(mine_, /*with_audit=*/false);
  for (const auto& [method, target, body] : endpoints(mine_, my_group_, my_key_.id)) {
    Response r = call(method, target, body, cred);
    expectProblem(r, 403, "FORBIDDEN");
  }
  // Another tenant's objects stay invisible to it.
  expectProblem(get("/v1/tenants/" + theirs_ + "/keys", cred), 404, "NOT_FOUND");
  EXPECT_EQ(snapshot(mine_, /*with_audit=*/false), before);
  // ...and it still verifies with exact codes.
  Response r = post("/v1/keys/verify", "{\"key\":" + json::serialize(json::value(my_key_.secret)) + "}", cred);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(obj(r), "code"), "VALID");
}

TEST_P(ManagementAuth, SystemVerifierIsForbiddenFromManagementEverywhere) {
  const std::string cred = makeCredential("system", "Verifier");
  expectProblem(get("/v1/tenants", cred), 403, "FORBIDDEN");
  expectProblem(get("/v1/tenants/" + mine_ + "/keys", cred), 403, "FORBIDDEN");
  expectProblem(post("/v1/tenants/" + mine_ + "/keys", R"({"name":"x"})", cred), 403, "FORBIDDEN");
}

TEST_P(ManagementAuth, TenantAdministratorCanIssueCredentialsOnlyForItsTenant) {
  const std::string cred = makeCredential(mine_);
  Response r = post("/v1/tenants/" + mine_ + "/keys", R"({"name":"child","roles":["Portal Administrator"]})", cred);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string child = keep(r).secret;
  EXPECT_EQ(get("/v1/tenants/" + mine_ + "/keys", child).status, 200);
  expectProblem(get("/v1/tenants/" + theirs_ + "/keys", child), 404, "NOT_FOUND");
  expectProblem(get("/v1/tenants", child), 403, "FORBIDDEN");
}

TEST_P(ManagementAuth, UnknownTenantIsNotFoundForTheSystemAdministrator) {
  expectProblem(get("/v1/tenants/ten_nope/keys"), 404, "NOT_FOUND");
  expectProblem(post("/v1/tenants/ten_nope/keys", R"({"name":"x"})"), 404, "NOT_FOUND");
  expectProblem(get("/v1/tenants/ten_nope/audit"), 404, "NOT_FOUND");
  expectProblem(patch("/v1/tenants/ten_nope", R"({"name":"x"})"), 404, "NOT_FOUND");
}

}  // namespace
}  // namespace keyward::http_testing
