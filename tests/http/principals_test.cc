// Router-level tests of users, service users and user groups (issue 3): their life cycle, the
// key limit of service users, owners that stop or narrow their keys at once, duplicates, and
// bad input of every new endpoint (400 naming the field, nothing changed).
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class Principals : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    t_ = createTenant("Acme");
  }
  std::string base() const { return "/v1/tenants/" + t_; }
  std::string ownedBy(const std::string& svc, const std::string& roles = "[]") const {
    return R"("owner":{"type":"service_user","id":")" + svc + R"("},"roles":)" + roles;
  }
  // POST /v1/keys/verify as the system administrator (a trusted caller) or as `token`.
  std::string verifyCode(const std::string& secret, const std::string& permissions = "[]",
                         const std::string& token = kUseAdmin) {
    Response r = post("/v1/keys/verify",
                      "{\"key\":" + json::serialize(json::value(secret)) + ",\"permissions\":" + permissions + "}",
                      token);
    EXPECT_EQ(r.status, 200) << r.body;
    return str(obj(r), "code");
  }

  std::string t_;
};
KEYWARD_ON_EVERY_BACKEND(Principals);

// ---- users ---------------------------------------------------------------------------------

TEST_P(Principals, UserIsCreatedWithItsEmailInLowerCaseAndNoPasswordInSight) {
  secrets_.push_back("Correct horse battery staple");
  Response r = post(base() + "/users", R"({"email":"  Ann.Smith@Example.COM ","display_name":"Ann Smith",)"
                                       R"("password":"Correct horse battery staple","roles":["Global Viewer"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object u = obj(r);
  const std::string id = str(u, "id");
  EXPECT_EQ(headerOf(r, "location"), base() + "/users/" + id);
  EXPECT_EQ(str(u, "email"), "ann.smith@example.com");
  EXPECT_EQ(str(u, "display_name"), "Ann Smith");
  EXPECT_EQ(str(u, "tenant_id"), t_);
  EXPECT_EQ(u.at("disabled"), json::value(false));
  EXPECT_EQ(json::serialize(u.at("roles")), R"([{"role":"Global Viewer"}])");
  // Neither the password nor its hash, under any name, in any response about the user.
  for (const Response& seen : {r, get(base() + "/users/" + id), get(base() + "/users"),
                               patch(base() + "/users/" + id, R"({"password":"Another long password"})")}) {
    EXPECT_EQ(seen.status / 100, 2) << seen.body;
    EXPECT_EQ(seen.body.find("password"), std::string::npos) << seen.body;
    EXPECT_EQ(seen.body.find("argon2"), std::string::npos) << seen.body;
    EXPECT_EQ(seen.body.find("Another long password"), std::string::npos) << seen.body;
  }
  // Nor in the audit log: a password change is recorded by name only.
  const std::string audit = json::serialize(auditOf(t_));
  EXPECT_EQ(audit.find("argon2"), std::string::npos);
  EXPECT_EQ(audit.find("Correct horse"), std::string::npos);
  EXPECT_NE(audit.find(R"("changed":["password"])"), std::string::npos) << audit;
}

TEST_P(Principals, EmailIsUniquePerTenantWhateverItsCase) {
  createUser(t_, "ann@example.com", "a long enough password");
  const std::string before = accessSnapshot(t_);
  secrets_.push_back("another long password");
  Response r = post(base() + "/users", R"({"email":"ANN@example.com","display_name":"Ann again",)"
                                       R"("password":"another long password"})");
  expectProblem(r, 409, "NAME_TAKEN", "email");
  EXPECT_NE(str(obj(r), "detail").find("ann@example.com"), std::string::npos) << r.body;
  EXPECT_EQ(accessSnapshot(t_), before);
  // Another tenant may have its own ann@example.com.
  createUser(createTenant("Other"), "ann@example.com", "a long enough password");
  // Renaming onto a taken address is refused too.
  const std::string bob = createUser(t_, "bob@example.com", "a long enough password");
  expectProblem(patch(base() + "/users/" + bob, R"({"email":"Ann@Example.com"})"), 409, "NAME_TAKEN", "email");
}

TEST_P(Principals, DisablingAndEditingAUserIsAuditedByWhatChanged) {
  const std::string id = createUser(t_, "ann@example.com", "a long enough password");
  Response r = patch(base() + "/users/" + id, R"({"disabled":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(obj(r).at("disabled"), json::value(true));
  r = patch(base() + "/users/" + id, R"({"display_name":"Ann B.","disabled":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(obj(r), "display_name"), "Ann B.");
  std::vector<std::string> actions;
  for (const auto& e : auditOf(t_)) actions.push_back(str(e.as_object(), "action"));
  EXPECT_EQ(actions, (std::vector<std::string>{"user.create", "user.disable", "user.update"}));
}

TEST_P(Principals, DeletedUserIsGoneAndLeavesItsGroups) {
  const std::string ann = createUser(t_, "ann@example.com", "a long enough password");
  Response r = post(base() + "/user-groups", R"({"name":"ops","members":[")" + ann + R"("]})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string group = str(obj(r), "id");
  ASSERT_EQ(del(base() + "/users/" + ann).status, 204);
  expectProblem(get(base() + "/users/" + ann), 404, "NOT_FOUND");
  expectProblem(del(base() + "/users/" + ann), 404, "NOT_FOUND");
  EXPECT_EQ(json::serialize(obj(get(base() + "/user-groups/" + group)).at("members")), "[]");
}

TEST_P(Principals, PrincipalThatStillOwnsKeysCannotBeDeleted) {
  const std::string svc = createServiceUser(t_, "ci");
  const std::string user = createUser(t_, "ann@example.com", "a long enough password");
  CreatedKey k1 = createKey(t_, "k1", ownedBy(svc));
  CreatedKey k2 = createKey(t_, "k2", R"("owner":{"type":"user","id":")" + user + "\"}");
  const std::string before = accessSnapshot(t_);
  Response r = del(base() + "/service-users/" + svc);
  expectProblem(r, 409, "PRINCIPAL_HAS_KEYS");
  EXPECT_NE(str(obj(r), "detail").find("1 key"), std::string::npos) << r.body;
  expectProblem(del(base() + "/users/" + user), 409, "PRINCIPAL_HAS_KEYS");
  EXPECT_EQ(accessSnapshot(t_), before);
  // Revoked keys no longer hold their owner.
  ASSERT_EQ(del(base() + "/keys/" + k1.id).status, 204);
  ASSERT_EQ(del(base() + "/keys/" + k2.id).status, 204);
  EXPECT_EQ(del(base() + "/service-users/" + svc).status, 204);
  EXPECT_EQ(del(base() + "/users/" + user).status, 204);
}

// ---- service users -------------------------------------------------------------------------

TEST_P(Principals, ServiceUserLifeCycle) {
  Response r = post(
      base() + "/service-users",
      R"({"name":"ci-bot","description":"CI","roles":[{"role":"Cloud Account Viewer","resources":["acc-1","acc-2"]}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = str(obj(r), "id");
  EXPECT_EQ(headerOf(r, "location"), base() + "/service-users/" + id);
  EXPECT_EQ(json::serialize(obj(r).at("roles")), R"([{"role":"Cloud Account Viewer","resources":["acc-1","acc-2"]}])");
  r = patch(base() + "/service-users/" + id,
            R"({"name":"ci","roles":[{"role":"Cloud Account Viewer","all_resources":true}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(obj(r), "name"), "ci");
  EXPECT_EQ(json::serialize(obj(r).at("roles")), R"([{"role":"Cloud Account Viewer","all_resources":true}])");
  auto listed = items(obj(get(base() + "/service-users")));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(str(listed[0].as_object(), "name"), "ci");
  ASSERT_EQ(del(base() + "/service-users/" + id).status, 204);
  expectProblem(get(base() + "/service-users/" + id), 404, "NOT_FOUND");
}

TEST_P(Principals, ServiceUserNamesAreUniquePerTenant) {
  createServiceUser(t_, "ci");
  const std::string other = createServiceUser(t_, "cd");
  const std::string before = accessSnapshot(t_);
  expectProblem(post(base() + "/service-users", R"({"name":"ci"})"), 409, "NAME_TAKEN", "name");
  expectProblem(patch(base() + "/service-users/" + other, R"({"name":"ci"})"), 409, "NAME_TAKEN", "name");
  EXPECT_EQ(accessSnapshot(t_), before);
  createServiceUser(createTenant("Other"), "ci");
}

TEST_P(Principals, ServiceUserHoldsAtMostTenKeysAndARevokedKeyFreesASlot) {
  const std::string svc = createServiceUser(t_, "ci");
  std::vector<CreatedKey> keys;
  for (int i = 1; i <= 10; ++i) keys.push_back(createKey(t_, "k" + std::to_string(i), ownedBy(svc)));
  const std::string before = accessSnapshot(t_);
  Response r = post(base() + "/keys", R"({"name":"k11",)" + ownedBy(svc) + "}");
  expectProblem(r, 409, "KEY_LIMIT_REACHED");
  const std::string detail = str(obj(r), "detail");
  EXPECT_NE(detail.find("max_keys_per_service_user = 10"), std::string::npos) << detail;
  EXPECT_NE(detail.find("10 keys"), std::string::npos) << detail;
  EXPECT_EQ(accessSnapshot(t_), before);
  // A key cannot be moved onto the full service user either.
  CreatedKey loose = createKey(t_, "loose");
  expectProblem(patch(base() + "/keys/" + loose.id, R"({"owner":{"type":"service_user","id":")" + svc + "\"}}"), 409,
                "KEY_LIMIT_REACHED");
  // Disabled keys still count; revoked ones do not.
  ASSERT_EQ(patch(base() + "/keys/" + keys[0].id, R"({"enabled":false})").status, 200);
  expectProblem(post(base() + "/keys", R"({"name":"k11",)" + ownedBy(svc) + "}"), 409, "KEY_LIMIT_REACHED");
  ASSERT_EQ(del(base() + "/keys/" + keys[1].id).status, 204);
  createKey(t_, "k11", ownedBy(svc));
  expectProblem(post(base() + "/keys", R"({"name":"k12",)" + ownedBy(svc) + "}"), 409, "KEY_LIMIT_REACHED");
}

TEST_P(Principals, KeyLimitFollowsTheTenantSetting) {
  ASSERT_EQ(patch(base(), R"({"max_keys_per_service_user":2})").status, 200);
  const std::string svc = createServiceUser(t_, "ci");
  createKey(t_, "k1", ownedBy(svc));
  createKey(t_, "k2", ownedBy(svc));
  Response r = post(base() + "/keys", R"({"name":"k3",)" + ownedBy(svc) + "}");
  expectProblem(r, 409, "KEY_LIMIT_REACHED");
  EXPECT_NE(str(obj(r), "detail").find("max_keys_per_service_user = 2"), std::string::npos) << r.body;
  // The limit is per service user: another one starts from zero.
  createKey(t_, "k3", ownedBy(createServiceUser(t_, "cd")));
}

// ---- owners govern their keys at once -----------------------------------------------------

TEST_P(Principals, DisablingTheOwnerStopsItsKeysAtOnce) {
  const std::string svc = createServiceUser(t_, "ci", R"(["Portal Administrator"])");
  CreatedKey k = createKey(t_, "ci-key", ownedBy(svc, R"(["Portal Administrator"])"));
  ASSERT_EQ(get(base() + "/keys", k.secret).status, 200);
  EXPECT_EQ(verifyCode(k.secret), "VALID");

  ASSERT_EQ(patch(base() + "/service-users/" + svc, R"({"disabled":true})").status, 200);
  EXPECT_EQ(verifyCode(k.secret), "OWNER_DISABLED");
  EXPECT_EQ(verifyCode(k.secret, "[]", kNoCredential), "NOT_AUTHORIZED");
  expectProblem(get(base() + "/keys", k.secret), 401, "UNAUTHENTICATED");
  // The key itself is untouched: enabling the owner brings it back.
  EXPECT_EQ(str(obj(get(base() + "/keys/" + k.id)), "state"), "active");
  ASSERT_EQ(patch(base() + "/service-users/" + svc, R"({"disabled":false})").status, 200);
  EXPECT_EQ(verifyCode(k.secret), "VALID");
  EXPECT_EQ(get(base() + "/keys", k.secret).status, 200);
}

TEST_P(Principals, DisablingAUserStopsTheKeysItOwns) {
  const std::string user = createUser(t_, "ann@example.com", "a long enough password", R"(["Global Viewer"])");
  CreatedKey k = createKey(t_, "ann-key",
                           R"("owner":{"type":"user","id":")" + user + R"("},"roles":["Global Viewer"])");
  EXPECT_EQ(verifyCode(k.secret), "VALID");
  ASSERT_EQ(patch(base() + "/users/" + user, R"({"disabled":true})").status, 200);
  EXPECT_EQ(verifyCode(k.secret), "OWNER_DISABLED");
  Response r = send(request("GET", "/v1/authz", {}, {{"authorization", "Bearer " + k.secret}}));
  expectProblem(r, 401, "NOT_AUTHORIZED");
}

TEST_P(Principals, RemovingARoleFromTheOwnerRemovesItFromItsKeysAtOnce) {
  createRole(t_, "Deployer",
             R"([{"module":"keys","action":"inquire","level":"all"},)"
             R"({"module":"keys","action":"add","level":"all"}])");
  const std::string svc = createServiceUser(t_, "ci", R"(["Deployer","Verifier"])");
  CreatedKey k = createKey(t_, "ci-key", ownedBy(svc, R"(["Deployer","Verifier"])"));
  CreatedKey plain = createKey(t_, "plain");
  const std::string add = R"([{"module":"keys","action":"add"}])";
  EXPECT_EQ(verifyCode(k.secret, add), "VALID");
  // As a Verifier, the key learns exact reasons when it verifies another key.
  EXPECT_EQ(verifyCode(plain.secret, add, k.secret), "INSUFFICIENT_PERMISSIONS");
  ASSERT_EQ(post(base() + "/keys", R"({"name":"by-ci","owner":{"type":"service_user","id":")" + svc + "\"}}", k.secret)
                .status,
            201);

  // Verifier taken from the owner: gone from its key too.
  ASSERT_EQ(patch(base() + "/service-users/" + svc, R"({"roles":["Deployer"]})").status, 200);
  EXPECT_EQ(verifyCode(plain.secret, add, k.secret), "NOT_AUTHORIZED");
  EXPECT_EQ(verifyCode(k.secret, add), "VALID");
  // Deployer taken as well: the key can no longer add keys, nor manage anything.
  ASSERT_EQ(patch(base() + "/service-users/" + svc, R"({"roles":["Verifier"]})").status, 200);
  EXPECT_EQ(verifyCode(k.secret, add), "INSUFFICIENT_PERMISSIONS");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"verification","action":"inquire"}])"), "VALID");
  expectProblem(get(base() + "/keys", k.secret), 403, "FORBIDDEN");
  ASSERT_EQ(patch(base() + "/service-users/" + svc, R"({"roles":[]})").status, 200);
  expectProblem(get(base() + "/keys", k.secret), 401, "UNAUTHENTICATED");
  // The key's own roles are unchanged: giving the owner its roles back restores the key.
  EXPECT_EQ(json::serialize(obj(get(base() + "/keys/" + k.id)).at("roles")),
            R"([{"role":"Deployer"},{"role":"Verifier"}])");
  ASSERT_EQ(patch(base() + "/service-users/" + svc, R"({"roles":["Verifier","Deployer"]})").status, 200);
  EXPECT_EQ(verifyCode(k.secret, add), "VALID");
}

TEST_P(Principals, KeyNeverHoldsMoreThanItsOwnerWhateverItsRoles) {
  const std::string svc = createServiceUser(t_, "ci", R"(["Global Viewer"])");
  CreatedKey k = createKey(t_, "ci-key", ownedBy(svc, R"(["Portal Administrator"])"));
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"keys","action":"inquire"}])"), "VALID");
  EXPECT_EQ(verifyCode(k.secret, R"([{"module":"keys","action":"add"}])"), "INSUFFICIENT_PERMISSIONS");
  EXPECT_EQ(get(base() + "/keys", k.secret).status, 200);
  expectProblem(post(base() + "/keys", R"({"name":"x"})", k.secret), 403, "FORBIDDEN");
}

// ---- user groups ---------------------------------------------------------------------------

TEST_P(Principals, UserGroupHoldsMembersAndAlertSubscriptions) {
  const std::string ann = createUser(t_, "ann@example.com", "a long enough password");
  const std::string bob = createUser(t_, "bob@example.com", "a long enough password");
  Response r = post(base() + "/user-groups", R"({"name":"ops","description":"On call","members":[")" + ann +
                                                 R"("],"subscriptions":["account_alerts"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = str(obj(r), "id");
  EXPECT_EQ(headerOf(r, "location"), base() + "/user-groups/" + id);
  EXPECT_EQ(json::serialize(obj(r).at("members")), "[\"" + ann + "\"]");
  EXPECT_EQ(json::serialize(obj(r).at("subscriptions")), R"(["account_alerts"])");

  r = patch(base() + "/user-groups/" + id, R"({"members":[")" + ann + R"(",")" + bob + R"(",")" + bob +
                                               R"("],"subscriptions":["account_alerts","security_alerts"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto members = obj(r).at("members").as_array();
  EXPECT_EQ(members.size(), 2u) << "a member listed twice is a member once";
  EXPECT_EQ(obj(r).at("subscriptions").as_array().size(), 2u);

  expectProblem(post(base() + "/user-groups", R"({"name":"ops"})"), 409, "NAME_TAKEN", "name");
  ASSERT_EQ(del(base() + "/user-groups/" + id).status, 204);
  expectProblem(get(base() + "/user-groups/" + id), 404, "NOT_FOUND");
}

TEST_P(Principals, UserGroupCannotTakeAMemberOfAnotherTenant) {
  const std::string stranger = createUser(createTenant("Other"), "eve@example.com", "a long enough password");
  Response r = post(base() + "/user-groups", R"({"name":"ops"})");
  ASSERT_EQ(r.status, 201);
  const std::string id = str(obj(r), "id");
  const std::string before = accessSnapshot(t_);
  expectProblem(post(base() + "/user-groups", R"({"name":"ops2","members":[")" + stranger + R"("]})"), 404,
                "USER_NOT_FOUND", "members");
  expectProblem(patch(base() + "/user-groups/" + id, R"({"members":[")" + stranger + R"("]})"), 404, "USER_NOT_FOUND",
                "members");
  EXPECT_EQ(accessSnapshot(t_), before);
}

// ---- bad input of every new endpoint -------------------------------------------------------

enum class Target {
  kUsers,
  kUser,
  kServiceUsers,
  kServiceUser,
  kUserGroups,
  kUserGroup,
  kRoles,
  kRole,
  kModules,
  kKeys,
  kKey,
  kVerify,
  kLogin
};

struct BadCase {
  const char* name;
  const char* method;
  Target target;
  std::string body;  // {secret}: a valid key; {t}: the tenant id
  const char* code;
  std::optional<const char*> field;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadInput : public RouterTestWith<testing_support::OnBackend<BadCase>> {
 protected:
  void SetUp() override {
    RouterTestWith::SetUp();
    t_ = createTenant("Acme");
    const std::string b = "/v1/tenants/" + t_;
    const Target target = testCase().target;
    if (target == Target::kUser) user_ = createUser(t_, "ann@example.com", "a long enough password");
    svc_ = createServiceUser(t_, "ci");
    Response r = post(b + "/user-groups", R"({"name":"ops"})");
    EXPECT_EQ(r.status, 201);
    ugroup_ = str(obj(r), "id");
    role_ = createRole(t_, "Reader", R"([{"module":"keys","action":"inquire","level":"all"}])");
    key_ = createKey(t_, "k");
  }

  std::string targetPath() const {
    const std::string b = "/v1/tenants/" + t_;
    switch (testCase().target) {
      case Target::kUsers: return b + "/users";
      case Target::kUser: return b + "/users/" + user_;
      case Target::kServiceUsers: return b + "/service-users";
      case Target::kServiceUser: return b + "/service-users/" + svc_;
      case Target::kUserGroups: return b + "/user-groups";
      case Target::kUserGroup: return b + "/user-groups/" + ugroup_;
      case Target::kRoles: return b + "/roles";
      case Target::kRole: return b + "/roles/" + role_;
      case Target::kModules: return b + "/modules";
      case Target::kKeys: return b + "/keys";
      case Target::kKey: return b + "/keys/" + key_.id;
      case Target::kVerify: return "/v1/keys/verify";
      case Target::kLogin: return "/v1/auth/login";
    }
    return {};
  }

  std::string t_, user_, svc_, ugroup_, role_;
  CreatedKey key_;
};

TEST_P(BadInput, Is400NamingTheFieldAndChangesNothing) {
  const BadCase& c = testCase();
  std::string body = c.body;
  for (auto [from, to] : {std::pair<std::string, std::string>{"{secret}", key_.secret}, {"{t}", t_}}) {
    for (size_t at; (at = body.find(from)) != std::string::npos;) body.replace(at, from.size(), to);
  }
  const std::string before = accessSnapshot(t_);
  Response r = call(c.method, targetPath(), body);
  expectProblem(r, 400, c.code, c.field ? std::optional<std::string_view>(*c.field) : std::nullopt);
  if (c.field) {
    EXPECT_NE(str(obj(r), "detail"), "") << r.body;
  }
  EXPECT_EQ(accessSnapshot(t_), before);
}

const std::string kUser = R"("email":"new@example.com","display_name":"New","password":"a long enough password")";
const std::string kPerm = R"({"module":"keys","action":"inquire","level":"all"})";

INSTANTIATE_TEST_SUITE_P(
    NewEndpoints, BadInput,
    ::testing::Combine(
        testing_support::everyBackend(),
        ::testing::Values(
            // users
            BadCase{"UserMalformedJson", "POST", Target::kUsers, R"({"email":)", "MALFORMED_JSON", std::nullopt},
            BadCase{"UserBodyNotAnObject", "POST", Target::kUsers, R"(["a"])", "MALFORMED_JSON", std::nullopt},
            BadCase{"UserNoBody", "POST", Target::kUsers, "", "MISSING_BODY", std::nullopt},
            BadCase{"UserUnknownField", "POST", Target::kUsers, "{" + kUser + R"(,"admin":true})", "UNKNOWN_FIELD",
                    "admin"},
            BadCase{"UserMissingEmail", "POST", Target::kUsers,
                    R"({"display_name":"N","password":"a long enough password"})", "MISSING_FIELD", "email"},
            BadCase{"UserMissingPassword", "POST", Target::kUsers, R"({"email":"n@example.com","display_name":"N"})",
                    "MISSING_FIELD", "password"},
            BadCase{"UserMissingDisplayName", "POST", Target::kUsers,
                    R"({"email":"n@example.com","password":"a long enough password"})", "MISSING_FIELD",
                    "display_name"},
            BadCase{"UserEmailNotAString", "POST", Target::kUsers,
                    R"({"email":5,"display_name":"N","password":"a long enough password"})", "INVALID_FIELD", "email"},
            BadCase{"UserBadEmail", "POST", Target::kUsers,
                    R"({"email":"not-an-address","display_name":"N","password":"a long enough password"})",
                    "INVALID_FIELD", "email"},
            BadCase{"UserEmailWithSpace", "POST", Target::kUsers,
                    R"({"email":"a b@example.com","display_name":"N","password":"a long enough password"})",
                    "INVALID_FIELD", "email"},
            BadCase{"UserEmailTwoAts", "POST", Target::kUsers,
                    R"({"email":"a@b@example.com","display_name":"N","password":"a long enough password"})",
                    "INVALID_FIELD", "email"},
            BadCase{"UserWeakPassword", "POST", Target::kUsers,
                    R"({"email":"n@example.com","display_name":"N","password":"short"})", "WEAK_PASSWORD", "password"},
            BadCase{"UserPasswordNotAString", "POST", Target::kUsers,
                    R"({"email":"n@example.com","display_name":"N","password":123456789012345})", "INVALID_FIELD",
                    "password"},
            BadCase{"UserEmptyDisplayName", "POST", Target::kUsers,
                    R"({"email":"n@example.com","display_name":"","password":"a long enough password"})",
                    "INVALID_FIELD", "display_name"},
            BadCase{"UserDisabledNotBool", "POST", Target::kUsers, "{" + kUser + R"(,"disabled":"yes"})",
                    "INVALID_FIELD", "disabled"},
            BadCase{"UserRolesNotArray", "POST", Target::kUsers, "{" + kUser + R"(,"roles":"Global Viewer"})",
                    "INVALID_FIELD", "roles"},
            BadCase{"UserRoleNotStringOrObject", "POST", Target::kUsers, "{" + kUser + R"(,"roles":[7]})",
                    "INVALID_FIELD", "roles[0]"},
            BadCase{"UserRoleUnknownNestedField", "POST", Target::kUsers,
                    "{" + kUser + R"(,"roles":[{"role":"Global Viewer","foo":1}]})", "UNKNOWN_FIELD", "roles[0].foo"},
            BadCase{"UserRoleObjectWithoutRole", "POST", Target::kUsers,
                    "{" + kUser + R"(,"roles":[{"resources":["a"]}]})", "MISSING_FIELD", "roles[0].role"},
            BadCase{"UserUnknownRole", "POST", Target::kUsers, "{" + kUser + R"(,"roles":["Root"]})", "UNKNOWN_ROLE",
                    "roles[0]"},
            BadCase{"UserScopedRoleWithoutScope", "POST", Target::kUsers,
                    "{" + kUser + R"(,"roles":["Global Viewer","Cloud Account Viewer"]})", "SCOPE_REQUIRED",
                    "roles[1]"},
            BadCase{"UserScopeOnUnscopedRole", "POST", Target::kUsers,
                    "{" + kUser + R"(,"roles":[{"role":"Global Viewer","resources":["acc-1"]}]})", "INVALID_FIELD",
                    "roles[0]"},
            BadCase{"UserResourcesAndAllResources", "POST", Target::kUsers,
                    "{" + kUser +
                        R"(,"roles":[{"role":"Cloud Account Viewer","resources":["a"],"all_resources":true}]})",
                    "INVALID_FIELD", "roles[0]"},
            BadCase{"UserAllResourcesNotBool", "POST", Target::kUsers,
                    "{" + kUser + R"(,"roles":[{"role":"Cloud Account Viewer","all_resources":"yes"}]})",
                    "INVALID_FIELD", "roles[0].all_resources"},
            BadCase{"UserRoleTwice", "POST", Target::kUsers,
                    "{" + kUser + R"(,"roles":["Global Viewer","Global Viewer"]})", "INVALID_FIELD", "roles[1]"},
            BadCase{"UserEditEmpty", "PATCH", Target::kUser, "{}", "EMPTY_UPDATE", std::nullopt},
            BadCase{"UserEditUnknownField", "PATCH", Target::kUser, R"({"nickname":"x"})", "UNKNOWN_FIELD", "nickname"},
            BadCase{"UserEditWeakPassword", "PATCH", Target::kUser, R"({"password":"12345678901"})", "WEAK_PASSWORD",
                    "password"},
            BadCase{"UserEditBadEmail", "PATCH", Target::kUser, R"({"email":"@example.com"})", "INVALID_FIELD",
                    "email"},
            BadCase{"UserEditRoleUnknownNestedField", "PATCH", Target::kUser,
                    R"({"roles":[{"roles":"Global Viewer"}]})", "UNKNOWN_FIELD", "roles[0].roles"},
            BadCase{"UserEditUnknownRole", "PATCH", Target::kUser, R"({"roles":["Root"]})", "UNKNOWN_ROLE", "roles[0]"},
            BadCase{"UserEditDisabledNotBool", "PATCH", Target::kUser, R"({"disabled":1})", "INVALID_FIELD",
                    "disabled"},
            // service users
            BadCase{"ServiceUserMalformedJson", "POST", Target::kServiceUsers, R"({"name":"x",})", "MALFORMED_JSON",
                    std::nullopt},
            BadCase{"ServiceUserMissingName", "POST", Target::kServiceUsers, R"({"description":"x"})", "MISSING_FIELD",
                    "name"},
            BadCase{"ServiceUserNameNotAString", "POST", Target::kServiceUsers, R"({"name":["x"]})", "INVALID_FIELD",
                    "name"},
            BadCase{"ServiceUserEmptyName", "POST", Target::kServiceUsers, R"({"name":""})", "INVALID_FIELD", "name"},
            BadCase{"ServiceUserUnknownField", "POST", Target::kServiceUsers, R"({"name":"x","max_keys":3})",
                    "UNKNOWN_FIELD", "max_keys"},
            BadCase{"ServiceUserDescriptionTooLong", "POST", Target::kServiceUsers,
                    R"({"name":"x","description":")" + std::string(1025, 'd') + "\"}", "INVALID_FIELD", "description"},
            BadCase{"ServiceUserRoleUnknownNestedField", "POST", Target::kServiceUsers,
                    R"({"name":"x","roles":[{"role":"Global Viewer","scope":"all"}]})", "UNKNOWN_FIELD",
                    "roles[0].scope"},
            BadCase{"ServiceUserUnknownRole", "POST", Target::kServiceUsers, R"({"name":"x","roles":["Root"]})",
                    "UNKNOWN_ROLE", "roles[0]"},
            BadCase{"ServiceUserScopeMissing", "POST", Target::kServiceUsers,
                    R"({"name":"x","roles":[{"role":"Cloud Account Viewer","resources":[]}]})", "SCOPE_REQUIRED",
                    "roles[0]"},
            BadCase{"ServiceUserResourcesNotStrings", "POST", Target::kServiceUsers,
                    R"({"name":"x","roles":[{"role":"Cloud Account Viewer","resources":[1]}]})", "INVALID_FIELD",
                    "roles[0].resources"},
            BadCase{"ServiceUserEditEmpty", "PATCH", Target::kServiceUser, "{}", "EMPTY_UPDATE", std::nullopt},
            BadCase{"ServiceUserEditUnknownField", "PATCH", Target::kServiceUser, R"({"owner":"x"})", "UNKNOWN_FIELD",
                    "owner"},
            BadCase{"ServiceUserEditDisabledNotBool", "PATCH", Target::kServiceUser, R"({"disabled":"no"})",
                    "INVALID_FIELD", "disabled"},
            BadCase{"ServiceUserEditScopeMissing", "PATCH", Target::kServiceUser,
                    R"({"roles":["Cloud Account Viewer"]})", "SCOPE_REQUIRED", "roles[0]"},
            // user groups
            BadCase{"UserGroupMalformedJson", "POST", Target::kUserGroups, "{name}", "MALFORMED_JSON", std::nullopt},
            BadCase{"UserGroupMissingName", "POST", Target::kUserGroups, R"({"subscriptions":[]})", "MISSING_FIELD",
                    "name"},
            BadCase{"UserGroupUnknownField", "POST", Target::kUserGroups, R"({"name":"x","alerts":[]})",
                    "UNKNOWN_FIELD", "alerts"},
            BadCase{"UserGroupMembersNotArray", "POST", Target::kUserGroups, R"({"name":"x","members":"usr_1"})",
                    "INVALID_FIELD", "members"},
            BadCase{"UserGroupMemberNotString", "POST", Target::kUserGroups, R"({"name":"x","members":[1]})",
                    "INVALID_FIELD", "members[0]"},
            BadCase{"UserGroupUnknownAlertKind", "POST", Target::kUserGroups,
                    R"({"name":"x","subscriptions":["account_alerts","weather"]})", "INVALID_FIELD",
                    "subscriptions[1]"},
            BadCase{"UserGroupEditEmpty", "PATCH", Target::kUserGroup, "{}", "EMPTY_UPDATE", std::nullopt},
            BadCase{"UserGroupEditUnknownAlertKind", "PATCH", Target::kUserGroup, R"({"subscriptions":["all"]})",
                    "INVALID_FIELD", "subscriptions[0]"},
            BadCase{"UserGroupEditEmptyName", "PATCH", Target::kUserGroup, R"({"name":""})", "INVALID_FIELD", "name"},
            // roles
            BadCase{"RoleMalformedJson", "POST", Target::kRoles, R"({"name":"x","permissions":[)", "MALFORMED_JSON",
                    std::nullopt},
            BadCase{"RoleMissingName", "POST", Target::kRoles, "{\"permissions\":[" + kPerm + "]}", "MISSING_FIELD",
                    "name"},
            BadCase{"RoleMissingPermissions", "POST", Target::kRoles, R"({"name":"x"})", "MISSING_FIELD",
                    "permissions"},
            BadCase{"RoleUnknownField", "POST", Target::kRoles,
                    "{\"name\":\"x\",\"permissions\":[" + kPerm + "],\"x\":1}", "UNKNOWN_FIELD", "x"},
            BadCase{"RolePermissionsNotArray", "POST", Target::kRoles, R"({"name":"x","permissions":{}})",
                    "INVALID_FIELD", "permissions"},
            BadCase{"RolePermissionNotObject", "POST", Target::kRoles, R"({"name":"x","permissions":["keys:add"]})",
                    "INVALID_FIELD", "permissions[0]"},
            BadCase{"RolePermissionUnknownNestedField", "POST", Target::kRoles,
                    R"({"name":"x","permissions":[{"module":"keys","action":"add","level":"all","scope":"x"}]})",
                    "UNKNOWN_FIELD", "permissions[0].scope"},
            BadCase{"RolePermissionMissingModule", "POST", Target::kRoles,
                    R"({"name":"x","permissions":[{"action":"add","level":"all"}]})", "INVALID_FIELD",
                    "permissions[0].module"},
            BadCase{"RoleInvalidAction", "POST", Target::kRoles,
                    "{\"name\":\"x\",\"permissions\":[" + kPerm +
                        R"(,{"module":"keys","action":"read","level":"all"}]})",
                    "INVALID_FIELD", "permissions[1].action"},
            BadCase{"RoleInvalidLevel", "POST", Target::kRoles,
                    R"({"name":"x","permissions":[{"module":"keys","action":"add","level":"some"}]})", "INVALID_FIELD",
                    "permissions[0].level"},
            BadCase{"RoleLevelNotString", "POST", Target::kRoles,
                    R"({"name":"x","permissions":[{"module":"keys","action":"add","level":2}]})", "INVALID_FIELD",
                    "permissions[0].level"},
            BadCase{"RoleUnknownModule", "POST", Target::kRoles,
                    R"({"name":"x","permissions":[{"module":"billing","action":"add","level":"all"}]})",
                    "UNKNOWN_MODULE", "permissions[0].module"},
            BadCase{"RolePermissionTwice", "POST", Target::kRoles,
                    "{\"name\":\"x\",\"permissions\":[" + kPerm + "," + kPerm + "]}", "INVALID_FIELD",
                    "permissions[1]"},
            BadCase{"RoleUnknownScopeModule", "POST", Target::kRoles,
                    "{\"name\":\"x\",\"permissions\":[" + kPerm + R"(],"scope_module":"billing"})", "UNKNOWN_MODULE",
                    "scope_module"},
            BadCase{"RoleScopeModuleNotString", "POST", Target::kRoles,
                    "{\"name\":\"x\",\"permissions\":[" + kPerm + R"(],"scope_module":1})", "INVALID_FIELD",
                    "scope_module"},
            BadCase{"RoleEditRename", "PATCH", Target::kRole, R"({"name":"Writer"})", "IMMUTABLE_FIELD", "name"},
            BadCase{"RoleEditEmpty", "PATCH", Target::kRole, "{}", "EMPTY_UPDATE", std::nullopt},
            BadCase{"RoleEditInvalidLevel", "PATCH", Target::kRole,
                    R"({"permissions":[{"module":"keys","action":"inquire","level":"everything"}]})", "INVALID_FIELD",
                    "permissions[0].level"},
            BadCase{"RoleEditUnknownModule", "PATCH", Target::kRole,
                    R"({"permissions":[{"module":"billing","action":"inquire","level":"all"}]})", "UNKNOWN_MODULE",
                    "permissions[0].module"},
            BadCase{"RoleEditUnknownField", "PATCH", Target::kRole, R"({"builtin":true})", "UNKNOWN_FIELD", "builtin"},
            // modules
            BadCase{"ModuleMalformedJson", "POST", Target::kModules, "not json", "MALFORMED_JSON", std::nullopt},
            BadCase{"ModuleMissingName", "POST", Target::kModules, R"({"description":"x"})", "MISSING_FIELD", "name"},
            BadCase{"ModuleBadName", "POST", Target::kModules, R"({"name":"Billing!"})", "INVALID_FIELD", "name"},
            BadCase{"ModuleNameStartsWithDigit", "POST", Target::kModules, R"({"name":"1billing"})", "INVALID_FIELD",
                    "name"},
            BadCase{"ModuleUnknownField", "POST", Target::kModules, R"({"name":"billing","actions":[]})",
                    "UNKNOWN_FIELD", "actions"},
            // keys: owner and roles
            BadCase{"KeyOwnerUnknownNestedField", "POST", Target::kKeys,
                    R"({"name":"n","owner":{"type":"service_user","id":"svc_1","x":1}})", "UNKNOWN_FIELD", "owner.x"},
            BadCase{"KeyOwnerBadType", "POST", Target::kKeys, R"({"name":"n","owner":{"type":"robot","id":"svc_1"}})",
                    "INVALID_FIELD", "owner.type"},
            BadCase{"KeyOwnerMissingType", "POST", Target::kKeys, R"({"name":"n","owner":{"id":"svc_1"}})",
                    "MISSING_FIELD", "owner.type"},
            BadCase{"KeyOwnerMissingId", "POST", Target::kKeys, R"({"name":"n","owner":{"type":"user"}})",
                    "MISSING_FIELD", "owner.id"},
            BadCase{"KeyOwnerNotObject", "POST", Target::kKeys, R"({"name":"n","owner":"svc_1"})", "INVALID_FIELD",
                    "owner"},
            BadCase{"KeyRoleUnknownNestedField", "POST", Target::kKeys,
                    R"({"name":"n","roles":[{"role":"Global Viewer","foo":true}]})", "UNKNOWN_FIELD", "roles[0].foo"},
            BadCase{"KeyScopedRoleWithoutScope", "POST", Target::kKeys,
                    R"({"name":"n","roles":["Cloud Account Viewer"]})", "SCOPE_REQUIRED", "roles[0]"},
            BadCase{"KeyEditOwnerUnknownNestedField", "PATCH", Target::kKey,
                    R"({"owner":{"type":"user","id":"usr_1","name":"x"}})", "UNKNOWN_FIELD", "owner.name"},
            BadCase{"KeyEditUnknownRole", "PATCH", Target::kKey, R"({"roles":["Root"]})", "UNKNOWN_ROLE", "roles[0]"},
            // verify with permissions
            BadCase{"VerifyPermissionsNotArray", "POST", Target::kVerify,
                    R"({"key":"{secret}","permissions":"keys:add"})", "INVALID_FIELD", "permissions"},
            BadCase{"VerifyPermissionNotObject", "POST", Target::kVerify,
                    R"({"key":"{secret}","permissions":["keys"]})", "INVALID_FIELD", "permissions[0]"},
            BadCase{"VerifyPermissionUnknownNestedField", "POST", Target::kVerify,
                    R"({"key":"{secret}","permissions":[{"module":"keys","action":"add","level":"all"}]})",
                    "UNKNOWN_FIELD", "permissions[0].level"},
            BadCase{"VerifyPermissionInvalidAction", "POST", Target::kVerify,
                    R"({"key":"{secret}","permissions":[{"module":"keys","action":"write"}]})", "INVALID_FIELD",
                    "permissions[0].action"},
            BadCase{"VerifyPermissionMissingModule", "POST", Target::kVerify,
                    R"({"key":"{secret}","permissions":[{"action":"add"}]})", "INVALID_FIELD", "permissions[0].module"},
            BadCase{"VerifyPermissionResourceNotString", "POST", Target::kVerify,
                    R"({"key":"{secret}","permissions":[{"module":"keys","action":"add","resource":1}]})",
                    "INVALID_FIELD", "permissions[0].resource"},
            BadCase{"VerifyPermissionResourceOwnerNotString", "POST", Target::kVerify,
                    R"({"key":"{secret}","permissions":[{"module":"keys","action":"add","resource_owner":null}]})",
                    "INVALID_FIELD", "permissions[0].resource_owner"},
            // console sign-in
            BadCase{"LoginMalformedJson", "POST", Target::kLogin, R"({"tenant":"{t}")", "MALFORMED_JSON", std::nullopt},
            BadCase{"LoginMissingPassword", "POST", Target::kLogin, R"({"tenant":"{t}","email":"ann@example.com"})",
                    "MISSING_FIELD", "password"},
            BadCase{"LoginMissingTenant", "POST", Target::kLogin, R"({"email":"ann@example.com","password":"x"})",
                    "MISSING_FIELD", "tenant"},
            BadCase{"LoginUnknownField", "POST", Target::kLogin,
                    R"({"tenant":"{t}","email":"ann@example.com","password":"x","remember":true})", "UNKNOWN_FIELD",
                    "remember"},
            BadCase{"LoginEmailNotString", "POST", Target::kLogin, R"({"tenant":"{t}","email":1,"password":"x"})",
                    "INVALID_FIELD", "email"})),
    testing_support::nameOnBackend<BadCase>([](const ::testing::TestParamInfo<BadCase>& info) {
      return std::string(info.param.name);
    }));

}  // namespace
}  // namespace keyward::http_testing
