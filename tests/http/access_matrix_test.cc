// The access matrix (issue 3): every management endpoint x {an object of the caller's tenant,
// an object of another tenant, an object that does not exist} x {Portal Administrator, Global
// Viewer, a custom role with level "mine", a key without roles, no credential}, each cell with
// the status a user must see. Nothing of another tenant is ever visible or changeable, and a
// refused request changes nothing.
#include <array>

#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

enum Who { kAdmin, kViewer, kMine, kNoRole, kAnonymous, kWhoCount };
enum Relation { kSame, kOther, kMissing, kRelationCount };
constexpr const char* kWhoName[] = {"Portal Administrator", "Global Viewer", "custom role with level mine",
                                    "key without roles", "no credential"};
constexpr const char* kRelationName[] = {"same tenant", "other tenant", "nonexistent object"};

using Row = std::array<int, kWhoCount>;  // expected status per Who

struct Endpoint {
  const char* method;
  // {t} tenant; {group} {key} {user} {svc} {ugroup} {role} {module}: an object of that tenant;
  // {n}: a name unique to the cell (so that creations do not collide); {self} (body only): the
  // service user that owns the "mine" credential.
  const char* path;
  const char* body;
  Row same, other, missing;
};

// Shorthands for the most common rows.
constexpr Row kHidden = {404, 404, 404, 401, 401};       // another tenant, or no such tenant/object
constexpr Row kPlatform = {403, 403, 403, 401, 401};     // for system-tenant principals only
constexpr Row kRead = {200, 200, 200, 401, 401};         // everyone with a role reads it
constexpr Row kReadNotMine = {200, 200, 403, 401, 401};  // "mine" cannot read what it did not create
constexpr Row kAdminOnly(int ok) { return {ok, 403, 403, 401, 401}; }
constexpr Row kAdminAndMine(int ok) { return {ok, 403, ok, 401, 401}; }
constexpr Row kMissingWrite = {404, 403, 404, 401, 401};         // viewer refused before the lookup
constexpr Row kMissingWriteNoGrant = {404, 403, 403, 401, 401};  // "mine" lacks the action too

#define T "/v1/tenants/{t}"
const Endpoint kEndpoints[] = {
    // tenants: creating, listing and deleting them is the platform operator's
    {"POST", "/v1/tenants", R"({"name":"new-{n}"})", kPlatform, kPlatform, kPlatform},
    {"GET", "/v1/tenants", "", kPlatform, kPlatform, kPlatform},
    {"GET", T, "", kReadNotMine, kHidden, kHidden},
    {"PATCH", T, R"({"expiry_alert_days":5})", kAdminOnly(200), kHidden, kHidden},
    {"DELETE", T, "", kPlatform, kPlatform, kPlatform},
    // key groups (the "mine" role holds no key_groups permission)
    {"POST", T "/key-groups", R"({"name":"new-{n}"})", kAdminOnly(201), kHidden, kHidden},
    {"GET", T "/key-groups", "", kReadNotMine, kHidden, kHidden},
    {"GET", T "/key-groups/{group}", "", kReadNotMine, kHidden, {404, 404, 403, 401, 401}},
    {"PATCH", T "/key-groups/{group}", R"({"description":"x"})", kAdminOnly(200), kHidden, kMissingWriteNoGrant},
    {"DELETE", T "/key-groups/{group}", "", kAdminOnly(204), kHidden, kMissingWriteNoGrant},
    // keys
    {"POST", T "/keys", R"({"name":"new-{n}","owner":{"type":"service_user","id":"{self}"}})", kAdminAndMine(201),
     kHidden, kHidden},
    {"GET", T "/keys", "", kRead, kHidden, kHidden},
    {"GET", T "/keys/{key}", "", kReadNotMine, kHidden, kHidden},
    {"PATCH", T "/keys/{key}", R"({"description":"x"})", kAdminOnly(200), kHidden, kMissingWrite},
    {"DELETE", T "/keys/{key}", "", kAdminOnly(204), kHidden, kMissingWrite},
    {"POST", T "/keys/{key}/rotate", R"({"grace_seconds":60})", kAdminOnly(200), kHidden, kMissingWrite},
    {"GET", T "/verify-failures", "", kReadNotMine, kHidden, kHidden},  // per tenant: not divisible into "mine"
    // audit
    {"GET", T "/audit", "", kReadNotMine, kHidden, kHidden},
    // users
    {"POST", T "/users", R"({"email":"new-{n}@example.com","display_name":"New","password":"a long enough secret"})",
     kAdminAndMine(201), kHidden, kHidden},
    {"GET", T "/users", "", kRead, kHidden, kHidden},
    {"GET", T "/users/{user}", "", kReadNotMine, kHidden, kHidden},
    {"PATCH", T "/users/{user}", R"({"display_name":"x"})", kAdminOnly(200), kHidden, kMissingWrite},
    {"DELETE", T "/users/{user}", "", kAdminOnly(204), kHidden, kMissingWrite},
    // service users ("mine" may only read and edit them)
    {"POST", T "/service-users", R"({"name":"new-{n}"})", kAdminOnly(201), kHidden, kHidden},
    {"GET", T "/service-users", "", kRead, kHidden, kHidden},
    {"GET", T "/service-users/{svc}", "", kReadNotMine, kHidden, kHidden},
    {"PATCH", T "/service-users/{svc}", R"({"description":"x"})", kAdminOnly(200), kHidden, kMissingWrite},
    {"DELETE", T "/service-users/{svc}", "", kAdminOnly(204), kHidden, kMissingWriteNoGrant},
    // user groups
    {"POST", T "/user-groups", R"({"name":"new-{n}","subscriptions":["account_alerts"]})", kAdminAndMine(201), kHidden,
     kHidden},
    {"GET", T "/user-groups", "", kRead, kHidden, kHidden},
    {"GET", T "/user-groups/{ugroup}", "", kReadNotMine, kHidden, kHidden},
    {"PATCH", T "/user-groups/{ugroup}", R"({"description":"x"})", kAdminOnly(200), kHidden, kMissingWrite},
    {"DELETE", T "/user-groups/{ugroup}", "", kAdminOnly(204), kHidden, kMissingWrite},
    // roles (the "mine" role reads every role definition, and changes only its own roles)
    {"POST", T "/roles", R"({"name":"new-{n}","permissions":[{"module":"keys","action":"inquire","level":"mine"}]})",
     kAdminAndMine(201), kHidden, kHidden},
    {"GET", T "/roles", "", kRead, kHidden, kHidden},
    {"GET", T "/roles/{role}", "", kRead, kHidden, kHidden},
    {"PATCH", T "/roles/{role}", R"({"description":"x"})", kAdminOnly(200), kHidden, kMissingWrite},
    {"DELETE", T "/roles/{role}", "", kAdminOnly(204), kHidden, kMissingWrite},
    // modules (settings)
    {"GET", T "/modules", "", kReadNotMine, kHidden, kHidden},
    {"POST", T "/modules", R"({"name":"new_{n}"})", kAdminOnly(201), kHidden, kHidden},
    {"DELETE", T "/modules/{module}", "", kAdminOnly(204), kHidden, kMissingWriteNoGrant},
};
#undef T

void PrintTo(const Endpoint& e, std::ostream* os) { *os << e.method << " " << e.path; }

void replaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
}

// The objects of one tenant the paths refer to.
struct Objects {
  std::string tenant, group, key, user, svc, ugroup, role, module;
};

class AccessMatrix : public RouterTestWith<testing_support::OnBackend<Endpoint>> {
 protected:
  void SetUp() override {
    RouterTestWith::SetUp();
    const bool needs_user = std::string_view(testCase().path).find("{user}") != std::string_view::npos;
    same_ = makeObjects("Alpha", needs_user);
    other_ = makeObjects("Beta", needs_user);
    const std::string& a = same_.tenant;
    token_[kAdmin] = makeCredential(a, "Portal Administrator");
    token_[kViewer] = makeCredential(a, "Global Viewer");
    // A service user whose role grants "mine" on the principal modules, and a key it owns.
    createRole(a, "Own things", R"([
        {"module":"keys","action":"inquire","level":"mine"},{"module":"keys","action":"add","level":"mine"},
        {"module":"keys","action":"edit","level":"mine"},{"module":"keys","action":"delete","level":"mine"},
        {"module":"users","action":"inquire","level":"mine"},{"module":"users","action":"add","level":"mine"},
        {"module":"users","action":"edit","level":"mine"},{"module":"users","action":"delete","level":"mine"},
        {"module":"service_users","action":"inquire","level":"mine"},
        {"module":"service_users","action":"edit","level":"mine"},
        {"module":"user_groups","action":"inquire","level":"mine"},{"module":"user_groups","action":"add","level":"mine"},
        {"module":"user_groups","action":"edit","level":"mine"},{"module":"user_groups","action":"delete","level":"mine"},
        {"module":"roles","action":"inquire","level":"all"},{"module":"roles","action":"add","level":"mine"},
        {"module":"roles","action":"edit","level":"mine"},{"module":"roles","action":"delete","level":"mine"}])");
    self_ = createServiceUser(a, "self", R"(["Own things"])");
    token_[kMine] = createKey(a, "self-key",
                              R"("never_expires":true,"roles":["Own things"],"owner":{"type":"service_user","id":")" +
                                  self_ + "\"}")
                        .secret;
    token_[kNoRole] = createKey(a, "no-roles", R"("never_expires":true)").secret;
    token_[kAnonymous] = kNoCredential;
  }

  Objects makeObjects(const std::string& name, bool with_user) {
    Objects o;
    o.tenant = createTenant(name);
    const std::string t = o.tenant;
    o.group = createGroup(t, "group");
    o.key = createKey(t, "key").id;
    if (with_user) o.user = createUser(t, "someone@" + name + ".example", "a password of " + name);
    o.svc = createServiceUser(t, "svc");
    Response r = post("/v1/tenants/" + t + "/user-groups", R"({"name":"ugroup","subscriptions":["account_alerts"]})");
    EXPECT_EQ(r.status, 201) << r.body;
    o.ugroup = str(obj(r), "id");
    o.role = createRole(t, "Custom", R"([{"module":"keys","action":"inquire","level":"all"}])");
    r = post("/v1/tenants/" + t + "/modules", R"({"name":"widgets"})");
    EXPECT_EQ(r.status, 201) << r.body;
    o.module = "widgets";
    return o;
  }

  std::string target(Relation rel, int cell) const {
    std::string path = testCase().path;
    const size_t t = path.find("{t}");
    const bool names_object = t != std::string::npos && path.find("/{", t) != std::string::npos;
    Objects o = rel == kOther ? other_ : same_;
    if (rel == kMissing) {
      if (names_object) {
        o = Objects{same_.tenant,  "grp_missing", "key_missing", "usr_missing",
                    "svc_missing", "ugr_missing", "rol_missing", "nomodule"};
      } else {
        o.tenant = "ten_missing";  // a collection or tenant endpoint: the tenant does not exist
      }
    }
    for (auto [from, to] : {std::pair<std::string_view, const std::string&>{"{t}", o.tenant},
                            {"{group}", o.group},
                            {"{key}", o.key},
                            {"{user}", o.user},
                            {"{svc}", o.svc},
                            {"{ugroup}", o.ugroup},
                            {"{role}", o.role},
                            {"{module}", o.module}}) {
      replaceAll(path, from, to);
    }
    replaceAll(path, "{n}", "c" + std::to_string(cell));
    return path;
  }

  // Everything of one tenant, and nothing of any other (not even the list of tenants).
  std::string tenantSnapshot(const std::string& t) {
    std::string s;
    for (const char* what :
         {"/keys?limit=500&state=active", "/keys?limit=500&state=disabled", "/keys?limit=500&state=expired",
          "/keys?limit=500&state=revoked", "/key-groups?limit=500", "", "/audit?limit=500", "/users?limit=500",
          "/service-users?limit=500", "/user-groups?limit=500", "/roles", "/modules"}) {
      Response r = get("/v1/tenants/" + t + what);
      EXPECT_EQ(r.status, 200) << what;
      s += r.body;
    }
    return s;
  }

  std::array<std::string, kWhoCount> token_;
  Objects same_, other_;
  std::string self_;
};

TEST_P(AccessMatrix, EveryCellHasTheStatusOfTheTableAndRefusalsChangeNothing) {
  const Endpoint& e = testCase();
  const std::string other_before = tenantSnapshot(other_.tenant);
  int cell = 0;
  // Refusals first and the administrator last, so a deletion does not hide later cells.
  for (Relation rel : {kOther, kMissing, kSame}) {
    const Row& expected = rel == kSame ? e.same : rel == kOther ? e.other : e.missing;
    for (Who who : {kAnonymous, kNoRole, kViewer, kMine, kAdmin}) {
      const std::string path = target(rel, ++cell);
      std::string body = e.body;
      replaceAll(body, "{n}", "c" + std::to_string(cell));
      replaceAll(body, "{self}", self_);
      SCOPED_TRACE(std::string(e.method) + " " + path + " as " + kWhoName[who] + " (" + kRelationName[rel] + ")");
      const bool refusal = expected[who] >= 400;
      const std::string before = refusal ? accessSnapshot(same_.tenant, false) : std::string();
      Response r = call(e.method, path, body, token_[who]);
      ASSERT_EQ(r.status, expected[who]) << r.body;
      if (r.status == 401) expectProblem(r, 401, "UNAUTHENTICATED");
      if (r.status == 403) {
        EXPECT_EQ(str(obj(r), "code"), "FORBIDDEN") << r.body;
      }
      if (refusal) {
        EXPECT_TRUE(accessSnapshot(same_.tenant, false) == before) << "a refused request changed something";
      }
      if (r.status == 200 || r.status == 201) {
        for (const std::string& id : {other_.group, other_.key, other_.svc, other_.ugroup, other_.role}) {
          EXPECT_EQ(r.body.find(id), std::string::npos) << "another tenant's object " << id << " is visible";
        }
        if (!other_.user.empty()) {
          EXPECT_EQ(r.body.find(other_.user), std::string::npos);
        }
      }
    }
  }
  EXPECT_TRUE(tenantSnapshot(other_.tenant) == other_before) << "another tenant's data or audit changed";
}

INSTANTIATE_TEST_SUITE_P(ManagementEndpoints, AccessMatrix,
                         ::testing::Combine(testing_support::everyBackend(), ::testing::ValuesIn(kEndpoints)),
                         testing_support::nameOnBackend<Endpoint>([](const ::testing::TestParamInfo<Endpoint>& info) {
                           return paramName(std::string(info.param.method) + "_" + info.param.path, info.index);
                         }));

// ---- level "mine": its own objects yes, the others' no -----------------------------------

class MineLevel : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    t_ = createTenant("Alpha");
    createRole(t_, "Own keys and groups", R"([
        {"module":"keys","action":"inquire","level":"mine"},{"module":"keys","action":"add","level":"mine"},
        {"module":"keys","action":"edit","level":"mine"},{"module":"keys","action":"delete","level":"mine"},
        {"module":"service_users","action":"inquire","level":"mine"},
        {"module":"service_users","action":"edit","level":"mine"},
        {"module":"user_groups","action":"inquire","level":"mine"},{"module":"user_groups","action":"add","level":"mine"},
        {"module":"user_groups","action":"edit","level":"mine"},{"module":"user_groups","action":"delete","level":"mine"},
        {"module":"roles","action":"inquire","level":"all"},{"module":"roles","action":"add","level":"mine"},
        {"module":"roles","action":"edit","level":"mine"},{"module":"roles","action":"delete","level":"mine"}])");
    self_ = createServiceUser(t_, "self", R"(["Own keys and groups"])");
    peer_ = createServiceUser(t_, "peer", R"(["Own keys and groups"])");
    CreatedKey k = createKey(t_, "self-key",
                             R"("never_expires":true,"roles":["Own keys and groups"],)"
                             R"("owner":{"type":"service_user","id":")" +
                                 self_ + "\"}");
    self_key_ = k.id;
    token_ = k.secret;
    peer_key_ = createKey(t_, "peer-key",
                          R"("roles":["Own keys and groups"],"owner":{"type":"service_user","id":")" + peer_ + "\"}")
                    .id;
    admin_key_ = createKey(t_, "admin-key").id;
  }
  std::string base() const { return "/v1/tenants/" + t_; }

  std::string t_, self_, peer_, token_, self_key_, peer_key_, admin_key_;
};
KEYWARD_ON_EVERY_BACKEND(MineLevel);

TEST_P(MineLevel, KeysItOwnsOrCreatedAreReachableAndNoOthers) {
  EXPECT_EQ(get(base() + "/keys/" + self_key_, token_).status, 200);
  expectProblem(get(base() + "/keys/" + peer_key_, token_), 403, "FORBIDDEN");
  expectProblem(get(base() + "/keys/" + admin_key_, token_), 403, "FORBIDDEN");
  // The list holds only its own keys.
  std::vector<std::string> listed;
  for (const auto& k : items(obj(get(base() + "/keys", token_)))) listed.push_back(str(k.as_object(), "id"));
  EXPECT_EQ(listed, std::vector<std::string>{self_key_});
  // A key it creates for itself is its own: it can edit and revoke it.
  Response r = post(base() + "/keys", R"({"name":"mine-2","owner":{"type":"service_user","id":")" + self_ + "\"}}",
                    token_);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string created = keep(r).id;
  EXPECT_EQ(patch(base() + "/keys/" + created, R"({"description":"mine"})", token_).status, 200);
  EXPECT_EQ(del(base() + "/keys/" + created, token_).status, 204);
  // Not so for others' keys, and it cannot issue a key on another principal's behalf.
  const std::string before = accessSnapshot(t_, false);
  expectProblem(patch(base() + "/keys/" + peer_key_, R"({"description":"x"})", token_), 403, "FORBIDDEN");
  expectProblem(del(base() + "/keys/" + admin_key_, token_), 403, "FORBIDDEN");
  expectProblem(post(base() + "/keys", R"({"name":"for-peer","owner":{"type":"service_user","id":")" + peer_ + "\"}}",
                     token_),
                403, "FORBIDDEN", "owner");
  expectProblem(patch(base() + "/keys/" + self_key_, R"({"owner":{"type":"service_user","id":")" + peer_ + "\"}}",
                      token_),
                403, "FORBIDDEN", "owner");
  EXPECT_EQ(accessSnapshot(t_, false), before);
}

TEST_P(MineLevel, ItSeesAndEditsItselfButNoOtherServiceUser) {
  EXPECT_EQ(get(base() + "/service-users/" + self_, token_).status, 200);
  Response r = patch(base() + "/service-users/" + self_, R"({"description":"that is me"})", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(obj(r), "description"), "that is me");
  expectProblem(get(base() + "/service-users/" + peer_, token_), 403, "FORBIDDEN");
  expectProblem(patch(base() + "/service-users/" + peer_, R"({"description":"x"})", token_), 403, "FORBIDDEN");
  std::vector<std::string> listed;
  for (const auto& s : items(obj(get(base() + "/service-users", token_)))) listed.push_back(str(s.as_object(), "id"));
  EXPECT_EQ(listed, std::vector<std::string>{self_});
}

TEST_P(MineLevel, UserGroupsAndRolesItCreatedAreItsOwnOnly) {
  Response r = post(base() + "/user-groups", R"({"name":"ops","subscriptions":["account_alerts"]})");
  ASSERT_EQ(r.status, 201);
  const std::string admins_group = str(obj(r), "id");
  r = post(base() + "/user-groups", R"({"name":"mine","subscriptions":["account_alerts"]})", token_);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string my_group = str(obj(r), "id");
  EXPECT_EQ(str(obj(r), "created_by"), self_) << "created on behalf of the key's owner";

  EXPECT_EQ(get(base() + "/user-groups/" + my_group, token_).status, 200);
  EXPECT_EQ(patch(base() + "/user-groups/" + my_group, R"({"description":"x"})", token_).status, 200);
  expectProblem(get(base() + "/user-groups/" + admins_group, token_), 403, "FORBIDDEN");
  expectProblem(patch(base() + "/user-groups/" + admins_group, R"({"description":"x"})", token_), 403, "FORBIDDEN");
  expectProblem(del(base() + "/user-groups/" + admins_group, token_), 403, "FORBIDDEN");
  auto listed = items(obj(get(base() + "/user-groups", token_)));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(str(listed[0].as_object(), "id"), my_group);
  EXPECT_EQ(del(base() + "/user-groups/" + my_group, token_).status, 204);

  const std::string admins_role = createRole(t_, "Admin's", R"([{"module":"keys","action":"inquire","level":"mine"}])");
  const std::string my_role = createRole(t_, "Mine", R"([{"module":"keys","action":"inquire","level":"mine"}])", {},
                                         token_);
  EXPECT_EQ(patch(base() + "/roles/" + my_role, R"({"description":"x"})", token_).status, 200);
  expectProblem(patch(base() + "/roles/" + admins_role, R"({"description":"x"})", token_), 403, "FORBIDDEN");
  expectProblem(del(base() + "/roles/" + admins_role, token_), 403, "FORBIDDEN");
  EXPECT_EQ(del(base() + "/roles/" + my_role, token_).status, 204);
}

TEST_P(MineLevel, RefusalsAreAuditedAsDeniedInTheCallersTenant) {
  expectProblem(get(base() + "/keys/" + admin_key_, token_), 403, "FORBIDDEN");
  bool found = false;
  for (const auto& e : auditOf(t_, "action=key.read")) {
    const auto& o = e.as_object();
    if (str(o, "outcome") == "denied" && str(o, "target") == admin_key_) found = true;
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace keyward::http_testing
