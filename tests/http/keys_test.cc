// Router-level tests of /v1/tenants/{tenant_id}/keys[/{key_id}].
#include "http/router_fixture.h"
#include "sign/base64.h"

namespace keyward::http_testing {
namespace {

// A tenant with a key prefix and its keys' collection path. `Param`: TestBackend (KeysApi) or
// OnBackend<BadKey> (KeysBadInput).
template <class Param>
class KeysApiWith : public RouterTestWith<Param> {
 protected:
  void SetUp() override {
    RouterTestWith<Param>::SetUp();
    tenant_ = this->createTenant("Acme", R"("key_prefix":"acme")");
    base_ = "/v1/tenants/" + tenant_ + "/keys";
  }
  std::string tenant_;
  std::string base_;
};

class KeysApi : public KeysApiWith<testing_support::TestBackend> {
 protected:
  std::vector<std::string> listNames(const std::string& query = {}) {
    Response r = get(base_ + "?limit=500" + (query.empty() ? "" : "&" + query));
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> names;
    for (const auto& k : items(obj(r))) names.push_back(str(k.as_object(), "name"));
    return names;
  }

  std::string verifyCode(const std::string& secret) {
    Response r = post("/v1/keys/verify", "{\"key\":" + json::serialize(json::value(secret)) + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    return str(obj(r), "code");
  }
};
KEYWARD_ON_EVERY_BACKEND(KeysApi);

TEST_P(KeysApi, CreateReturnsTheKeyRecordAndTheSecretWithLocation) {
  const std::string group = createGroup(tenant_, "integrations");
  Response r = post(base_, R"({"name":"billing","description":"billing sync","group_id":")" + group +
                               R"(","ip_allowlist":["10.0.0.0/8","2001:db8::/32"],"metadata":{"team":"pay"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  CreatedKey k = keep(r);
  ASSERT_FALSE(k.id.empty());
  EXPECT_EQ(headerOf(r, "location"), base_ + "/" + k.id);
  const json::object& key = k.key;
  EXPECT_EQ(str(key, "name"), "billing");
  EXPECT_EQ(str(key, "tenant_id"), tenant_);
  EXPECT_EQ(str(key, "description"), "billing sync");
  EXPECT_EQ(str(key, "group_id"), group);
  EXPECT_EQ(str(key, "kind"), "simple");
  EXPECT_EQ(str(key, "state"), "active");
  EXPECT_EQ(str(key, "created_at"), "2027-01-15T08:00:00Z");
  EXPECT_FALSE(str(key, "created_by").empty());
  EXPECT_TRUE(isRfc3339(key.at("expires_at")));
  EXPECT_TRUE(key.at("last_used_at").is_null());
  EXPECT_EQ(key.at("ip_allowlist"), json::parse(R"(["10.0.0.0/8","2001:db8::/32"])"));
  EXPECT_EQ(key.at("metadata"), json::parse(R"({"team":"pay"})"));
  EXPECT_FALSE(key.contains("secret"));
  EXPECT_FALSE(key.contains("digest"));
}

TEST_P(KeysApi, SecretUsesTheTenantPrefixAndStartIsItsPrefix) {
  CreatedKey k = createKey(tenant_, "k");
  EXPECT_TRUE(k.secret.starts_with("acme_")) << k.secret;
  // base62 of >= 32 random bytes (>= 43 chars) plus a 6-char checksum
  EXPECT_GE(k.secret.size(), std::string("acme_").size() + 43 + 6);
  const std::string start = str(k.key, "start");
  ASSERT_FALSE(start.empty());
  EXPECT_TRUE(k.secret.starts_with(start)) << start;
  EXPECT_LT(start.size(), k.secret.size() / 2) << "start must not reveal most of the secret";

  CreatedKey sys = createKey("system", "sys");
  EXPECT_TRUE(sys.secret.starts_with("kw_")) << sys.secret;
}

TEST_P(KeysApi, SecretIsReturnedOnlyByCreate) {
  CreatedKey k = createKey(tenant_, "k");
  ASSERT_FALSE(k.secret.empty());
  // send() checks every later response for the secret; read the key every way there is.
  for (const std::string& target :
       {base_ + "/" + k.id, base_, base_ + "?state=active", "/v1/tenants/" + tenant_ + "/audit",
        std::string("/v1/tenants/system/audit"), "/v1/tenants/" + tenant_ + "/verify-failures"}) {
    Response r = get(target);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
  }
  ASSERT_EQ(patch(base_ + "/" + k.id, R"({"description":"x"})").status, 200);
  ASSERT_EQ(del(base_ + "/" + k.id).status, 204);
  EXPECT_EQ(get(base_ + "?state=revoked").status, 200);
}

TEST_P(KeysApi, DefaultExpiryIs182Days) {
  CreatedKey k = createKey(tenant_, "k");
  EXPECT_EQ(str(k.key, "expires_at"), "2027-07-16T08:00:00Z");  // kT0 + 182 days
}

TEST_P(KeysApi, TenantDefaultExpiryIsUsed) {
  const std::string t = createTenant("Short", R"("default_expiry_days":7)");
  CreatedKey k = createKey(t, "k");
  EXPECT_EQ(str(k.key, "expires_at"), "2027-01-22T08:00:00Z");
}

TEST_P(KeysApi, ExpiryOptions) {
  EXPECT_EQ(str(createKey(tenant_, "days", R"("expires_in_days":1)").key, "expires_at"), "2027-01-16T08:00:00Z");
  EXPECT_EQ(str(createKey(tenant_, "at", R"("expires_at":"2027-03-01T12:30:00Z")").key, "expires_at"),
            "2027-03-01T12:30:00Z");
  EXPECT_EQ(str(createKey(tenant_, "offset", R"("expires_at":"2027-03-01T12:30:00+02:00")").key, "expires_at"),
            "2027-03-01T10:30:00Z");
  CreatedKey never = createKey(tenant_, "never", R"("never_expires":true)");
  EXPECT_TRUE(never.key.at("expires_at").is_null());
  EXPECT_EQ(str(never.key, "state"), "active");
  clock_.advance(100 * 365 * kDay);
  EXPECT_EQ(verifyCode(never.secret), "VALID");
}

TEST_P(KeysApi, MaxExpiryPolicyIsEnforced) {
  const std::string t = createTenant("Strict", R"("default_expiry_days":30,"max_expiry_days":30)");
  const std::string b = "/v1/tenants/" + t + "/keys";
  EXPECT_EQ(str(createKey(t, "ok", R"("expires_in_days":30)").key, "expires_at"), "2027-02-14T08:00:00Z");
  const std::string before = snapshot(t);
  expectProblem(post(b, R"({"name":"long","expires_in_days":31})"), 400, "EXPIRY_EXCEEDS_POLICY", "expires_in_days");
  expectProblem(post(b, R"({"name":"never","never_expires":true})"), 400, "EXPIRY_EXCEEDS_POLICY", "never_expires");
  expectProblem(post(b, R"({"name":"far","expires_at":"2030-01-01T00:00:00Z"})"), 400, "EXPIRY_EXCEEDS_POLICY",
                "expires_at");
  EXPECT_EQ(snapshot(t), before);
}

TEST_P(KeysApi, GetReturnsTheRecord) {
  CreatedKey k = createKey(tenant_, "k", R"("description":"d")");
  Response r = get(base_ + "/" + k.id);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object got = obj(r);
  for (const char* f : {"id", "name", "description", "group_id", "kind", "state", "start", "created_at", "created_by",
                        "expires_at", "last_used_at", "ip_allowlist", "metadata"}) {
    EXPECT_TRUE(got.contains(f)) << f;
  }
  EXPECT_EQ(got, k.key);
}

TEST_P(KeysApi, UnknownOrOtherTenantsKeyIsNotFound) {
  expectProblem(get(base_ + "/key_nope"), 404, "NOT_FOUND");
  const std::string other = createTenant("Other");
  CreatedKey theirs = createKey(other, "theirs");
  expectProblem(get(base_ + "/" + theirs.id), 404, "NOT_FOUND");
  expectProblem(patch(base_ + "/" + theirs.id, R"({"enabled":false})"), 404, "NOT_FOUND");
  expectProblem(del(base_ + "/" + theirs.id), 404, "NOT_FOUND");
  EXPECT_EQ(verifyCode(theirs.secret), "VALID");
}

TEST_P(KeysApi, KeyNameIsUniquePerTenantOnly) {
  createKey(tenant_, "shared");
  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, R"({"name":"shared"})"), 409, "NAME_TAKEN", "name");
  EXPECT_EQ(snapshot(tenant_), before);
  const std::string other = createTenant("Other");
  createKey(other, "shared");
}

TEST_P(KeysApi, RevokedKeyNameStaysTaken) {
  CreatedKey k = createKey(tenant_, "once");
  ASSERT_EQ(del(base_ + "/" + k.id).status, 204);
  expectProblem(post(base_, R"({"name":"once"})"), 409, "NAME_TAKEN", "name");
}

TEST_P(KeysApi, ListFiltersByGroupAndHidesRevokedByDefault) {
  const std::string g1 = createGroup(tenant_, "g1");
  const std::string g2 = createGroup(tenant_, "g2");
  createKey(tenant_, "a", "\"group_id\":\"" + g1 + "\"");
  createKey(tenant_, "b", "\"group_id\":\"" + g2 + "\"");
  createKey(tenant_, "c");
  CreatedKey d = createKey(tenant_, "d", "\"group_id\":\"" + g1 + "\"");
  ASSERT_EQ(del(base_ + "/" + d.id).status, 204);

  EXPECT_EQ(listNames(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(listNames("group_id=" + g1), (std::vector<std::string>{"a"}));
  EXPECT_EQ(listNames("group_id=" + g2), (std::vector<std::string>{"b"}));
  EXPECT_EQ(listNames("state=revoked"), (std::vector<std::string>{"d"}));
  EXPECT_EQ(listNames("state=revoked&group_id=" + g1), (std::vector<std::string>{"d"}));
  Response r = get(base_ + "?state=revoked");
  json::object revoked = items(obj(r))[0].as_object();
  EXPECT_EQ(str(revoked, "state"), "revoked");
  EXPECT_TRUE(isRfc3339(revoked.at("revoked_at")));
  expectProblem(get(base_ + "?group_id=grp_nope"), 404, "GROUP_NOT_FOUND");
}

TEST_P(KeysApi, ListFiltersByState) {
  createKey(tenant_, "active");
  CreatedKey off = createKey(tenant_, "off", R"("enabled":false)");
  EXPECT_EQ(str(off.key, "state"), "disabled");
  createKey(tenant_, "short", R"("expires_in_days":1)");
  EXPECT_EQ(listNames("state=active"), (std::vector<std::string>{"active", "short"}));
  EXPECT_EQ(listNames("state=disabled"), (std::vector<std::string>{"off"}));
  EXPECT_TRUE(listNames("state=expired").empty());
  expectProblem(get(base_ + "?state=gone"), 400, "INVALID_FIELD", "state");
}

TEST_P(KeysApi, KeyIsExpiredExactlyAtExpiresAt) {
  CreatedKey k = createKey(tenant_, "short", R"("expires_in_days":1)");
  clock_.set(kT0 + kDay - 1);
  EXPECT_EQ(str(obj(get(base_ + "/" + k.id)), "state"), "active");
  EXPECT_EQ(listNames("state=expired"), std::vector<std::string>{});
  EXPECT_EQ(verifyCode(k.secret), "VALID");
  clock_.set(kT0 + kDay);
  EXPECT_EQ(str(obj(get(base_ + "/" + k.id)), "state"), "expired");
  EXPECT_EQ(listNames("state=expired"), (std::vector<std::string>{"short"}));
  EXPECT_EQ(listNames("state=active"), std::vector<std::string>{});
  EXPECT_EQ(listNames(), (std::vector<std::string>{"short"})) << "expired keys stay in the default list";
  EXPECT_EQ(verifyCode(k.secret), "EXPIRED");
}

TEST_P(KeysApi, CursorPaginationWalksEveryKeyOnce) {
  std::vector<std::string> want;
  for (int i = 0; i < 7; ++i) {
    want.push_back("k" + std::to_string(i));
    createKey(tenant_, want.back());
  }
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (; pages < 20; ++pages) {
    Response r = get(base_ + "?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json::object page = obj(r);
    EXPECT_LE(items(page).size(), 3u);
    for (const auto& k : items(page)) seen.push_back(str(k.as_object(), "name"));
    if (page.at("next_cursor").is_null()) break;
    cursor = std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen, want);
  EXPECT_EQ(pages, 2);  // three pages: 3 + 3 + 1
}

TEST_P(KeysApi, PatchDisablesAndEnables) {
  CreatedKey k = createKey(tenant_, "k");
  Response r = patch(base_ + "/" + k.id, R"({"enabled":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(obj(r), "state"), "disabled");
  EXPECT_EQ(verifyCode(k.secret), "DISABLED");
  r = patch(base_ + "/" + k.id, R"({"enabled":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(obj(r), "state"), "active");
  EXPECT_EQ(verifyCode(k.secret), "VALID");
  json::array disables = auditOf(tenant_, "action=key.disable");
  json::array enables = auditOf(tenant_, "action=key.enable");
  ASSERT_EQ(disables.size(), 1u);
  ASSERT_EQ(enables.size(), 1u);
  EXPECT_EQ(str(disables[0].as_object(), "target"), k.id);
}

TEST_P(KeysApi, PatchEditsTheMutableFields) {
  const std::string g = createGroup(tenant_, "g");
  CreatedKey k = createKey(tenant_, "k");
  clock_.advance(10);
  Response r = patch(base_ + "/" + k.id, R"({"description":"new","group_id":")" + g +
                                             R"(","ip_allowlist":["192.0.2.0/24"],"metadata":{"a":1},)"
                                             R"("expires_in_days":2})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object got = obj(r);
  EXPECT_EQ(str(got, "description"), "new");
  EXPECT_EQ(str(got, "group_id"), g);
  EXPECT_EQ(got.at("ip_allowlist"), json::parse(R"(["192.0.2.0/24"])"));
  EXPECT_EQ(got.at("metadata"), json::parse(R"({"a":1})"));
  EXPECT_EQ(str(got, "expires_at"), "2027-01-17T08:00:10Z");
  EXPECT_EQ(str(got, "name"), "k");
  EXPECT_EQ(str(got, "start"), str(k.key, "start"));
  EXPECT_EQ(str(got, "created_at"), str(k.key, "created_at"));
  EXPECT_EQ(got, obj(get(base_ + "/" + k.id)));

  r = patch(base_ + "/" + k.id, R"({"group_id":null,"never_expires":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(obj(r).at("group_id").is_null());
  EXPECT_TRUE(obj(r).at("expires_at").is_null());
  EXPECT_EQ(listNames("group_id=" + g), std::vector<std::string>{});
}

TEST_P(KeysApi, PatchNameIsImmutableField) {
  CreatedKey k = createKey(tenant_, "k");
  const std::string before = snapshot(tenant_);
  expectProblem(patch(base_ + "/" + k.id, R"({"name":"renamed"})"), 400, "IMMUTABLE_FIELD", "name");
  expectProblem(patch(base_ + "/" + k.id, R"({"name":"renamed","description":"x"})"), 400, "IMMUTABLE_FIELD", "name");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(KeysApi, PatchWithNothingToChangeIsEmptyUpdate) {
  CreatedKey k = createKey(tenant_, "k");
  const std::string before = snapshot(tenant_);
  expectProblem(patch(base_ + "/" + k.id, "{}"), 400, "EMPTY_UPDATE");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(KeysApi, ExpiredKeyCannotBeEnabledOrDisabled) {
  CreatedKey k = createKey(tenant_, "k", R"("expires_in_days":1)");
  clock_.advance(2 * kDay);
  const std::string before = snapshot(tenant_);
  expectProblem(patch(base_ + "/" + k.id, R"({"enabled":false})"), 409, "KEY_EXPIRED");
  expectProblem(patch(base_ + "/" + k.id, R"({"enabled":true})"), 409, "KEY_EXPIRED");
  expectProblem(patch(base_ + "/" + k.id, R"({"expires_in_days":5})"), 409, "KEY_EXPIRED");
  EXPECT_EQ(snapshot(tenant_), before);
  // Other fields of an expired key remain editable.
  EXPECT_EQ(patch(base_ + "/" + k.id, R"({"description":"kept for the record"})").status, 200);
}

TEST_P(KeysApi, RevokedKeyCannotBeEdited) {
  CreatedKey k = createKey(tenant_, "k");
  ASSERT_EQ(del(base_ + "/" + k.id).status, 204);
  expectProblem(patch(base_ + "/" + k.id, R"({"enabled":true})"), 409, "KEY_REVOKED");
  EXPECT_EQ(verifyCode(k.secret), "REVOKED");
}

TEST_P(KeysApi, DeleteRevokesAtOnceAndKeepsTheRecord) {
  CreatedKey k = createKey(tenant_, "k");
  ASSERT_EQ(verifyCode(k.secret), "VALID");
  clock_.advance(5);
  Response r = del(base_ + "/" + k.id);
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(verifyCode(k.secret), "REVOKED");
  Response got = get(base_ + "/" + k.id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(str(obj(got), "state"), "revoked");
  EXPECT_EQ(str(obj(got), "revoked_at"), "2027-01-15T08:00:05Z");
  EXPECT_EQ(listNames(), std::vector<std::string>{});
}

TEST_P(KeysApi, DeletingAnAlreadyRevokedKeyIs409) {
  CreatedKey k = createKey(tenant_, "k");
  ASSERT_EQ(del(base_ + "/" + k.id).status, 204);
  const std::string before = snapshot(tenant_);
  expectProblem(del(base_ + "/" + k.id), 409, "KEY_REVOKED");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(KeysApi, LastUsedAtAppearsAfterAVerify) {
  CreatedKey k = createKey(tenant_, "k");
  EXPECT_TRUE(obj(get(base_ + "/" + k.id)).at("last_used_at").is_null());
  clock_.advance(42);
  ASSERT_EQ(verifyCode(k.secret), "VALID");
  EXPECT_EQ(str(obj(get(base_ + "/" + k.id)), "last_used_at"), "2027-01-15T08:00:42Z");
  Response list = get(base_);
  EXPECT_EQ(str(items(obj(list))[0].as_object(), "last_used_at"), "2027-01-15T08:00:42Z");
}

TEST_P(KeysApi, UnknownGroupIsRejected) {
  const std::string other = createTenant("Other");
  const std::string theirs = createGroup(other, "theirs");
  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, R"({"name":"k","group_id":"grp_nope"})"), 404, "GROUP_NOT_FOUND", "group_id");
  expectProblem(post(base_, R"({"name":"k","group_id":")" + theirs + "\"}"), 404, "GROUP_NOT_FOUND", "group_id");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(KeysApi, ListRejectsUnknownQueryParameterAndBadPaging) {
  expectProblem(get(base_ + "?stat=active"), 400, "UNKNOWN_PARAMETER", "stat");
  expectProblem(get(base_ + "?limit=1000"), 400, "INVALID_FIELD", "limit");
  expectProblem(get(base_ + "?cursor=x1"), 400, "INVALID_FIELD", "cursor");
}

struct BadKey {
  const char* name;    // test name suffix
  std::string fields;  // spliced into {"name":"k", ...}
  const char* code;
  const char* field;
};

void PrintTo(const BadKey& b, std::ostream* os) { *os << b.name; }

class KeysBadInput : public KeysApiWith<testing_support::OnBackend<BadKey>> {};

TEST_P(KeysBadInput, CreateIsRejectedWithTheFieldAndChangesNothing) {
  createKey(tenant_, "existing");
  const std::string before = snapshot(tenant_);
  const std::string body = "{\"name\":\"k\"" + (testCase().fields.empty() ? "" : "," + testCase().fields) + "}";
  expectProblem(post(base_, body), 400, testCase().code, testCase().field);
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(KeysBadInput, PatchIsRejectedWithTheFieldAndChangesNothing) {
  CreatedKey k = createKey(tenant_, "existing");
  const std::string before = snapshot(tenant_);
  expectProblem(patch(base_ + "/" + k.id, "{" + testCase().fields + "}"), 400, testCase().code, testCase().field);
  EXPECT_EQ(snapshot(tenant_), before);
}

const std::string kBigMetadata = R"("metadata":{"blob":")" + std::string(4100, 'x') + "\"}";

INSTANTIATE_TEST_SUITE_P(
    All, KeysBadInput,
    ::testing::Combine(
        testing_support::everyBackend(),
        ::testing::Values(
            BadKey{"UnknownField", R"("colour":"red")", "UNKNOWN_FIELD", "colour"},
            BadKey{"SecretIsNotAnInput", R"("secret":"acme_x")", "UNKNOWN_FIELD", "secret"},
            BadKey{"DescriptionNotString", R"("description":1)", "INVALID_FIELD", "description"},
            BadKey{"EnabledNotBool", R"("enabled":"yes")", "INVALID_FIELD", "enabled"},
            BadKey{"GroupIdNotString", R"("group_id":5)", "INVALID_FIELD", "group_id"},
            BadKey{"DaysAsString", R"("expires_in_days":"30")", "INVALID_FIELD", "expires_in_days"},
            BadKey{"DaysFractional", R"("expires_in_days":1.5)", "INVALID_FIELD", "expires_in_days"},
            BadKey{"DaysZero", R"("expires_in_days":0)", "INVALID_FIELD", "expires_in_days"},
            BadKey{"DaysNegative", R"("expires_in_days":-3)", "INVALID_FIELD", "expires_in_days"},
            BadKey{"DaysTooMany", R"("expires_in_days":36501)", "INVALID_FIELD", "expires_in_days"},
            BadKey{"DaysHuge", R"("expires_in_days":99999999999999999999)", "INVALID_FIELD", "expires_in_days"},
            BadKey{"ExpiresAtNotRfc3339", R"("expires_at":"2027-03-01")", "INVALID_FIELD", "expires_at"},
            BadKey{"ExpiresAtNoOffset", R"("expires_at":"2027-03-01T10:00:00")", "INVALID_FIELD", "expires_at"},
            BadKey{"ExpiresAtNumber", R"("expires_at":1800000000)", "INVALID_FIELD", "expires_at"},
            BadKey{"ExpiresAtPast", R"("expires_at":"2020-01-01T00:00:00Z")", "INVALID_FIELD", "expires_at"},
            BadKey{"ExpiresAtNow", R"("expires_at":"2027-01-15T08:00:00Z")", "INVALID_FIELD", "expires_at"},
            BadKey{"NeverExpiresNotBool", R"("never_expires":1)", "INVALID_FIELD", "never_expires"},
            BadKey{"TwoExpiryOptions", R"("expires_in_days":3,"never_expires":true)", "INVALID_FIELD",
                   "expires_in_days"},
            BadKey{"TwoExpiryOptionsAt", R"("expires_in_days":3,"expires_at":"2027-03-01T00:00:00Z")", "INVALID_FIELD",
                   "expires_in_days"},
            BadKey{"AllowlistNotArray", R"("ip_allowlist":"10.0.0.0/8")", "INVALID_FIELD", "ip_allowlist"},
            BadKey{"AllowlistNonString", R"("ip_allowlist":["10.0.0.0/8",7])", "INVALID_FIELD", "ip_allowlist[1]"},
            BadKey{"CidrLeadingZeros", R"("ip_allowlist":["10.0.0.0/8","010.0.0.0/8"])", "INVALID_CIDR",
                   "ip_allowlist[1]"},
            BadKey{"CidrShortForm", R"("ip_allowlist":["10.1/16"])", "INVALID_CIDR", "ip_allowlist[0]"},
            BadKey{"CidrPrefixTooLong", R"("ip_allowlist":["10.0.0.0/33"])", "INVALID_CIDR", "ip_allowlist[0]"},
            BadKey{"CidrV6PrefixTooLong", R"("ip_allowlist":["2001:db8::/129"])", "INVALID_CIDR", "ip_allowlist[0]"},
            BadKey{"CidrPrefixLeadingZero", R"("ip_allowlist":["10.0.0.0/08"])", "INVALID_CIDR", "ip_allowlist[0]"},
            BadKey{"CidrHostBits", R"("ip_allowlist":["192.0.2.0/24","10.0.0.1/8"])", "INVALID_CIDR",
                   "ip_allowlist[1]"},
            BadKey{"CidrV6HostBits", R"("ip_allowlist":["2001:db8::1/32"])", "INVALID_CIDR", "ip_allowlist[0]"},
            BadKey{"CidrGarbage", R"("ip_allowlist":["localhost"])", "INVALID_CIDR", "ip_allowlist[0]"},
            BadKey{"CidrEmptyPrefix", R"("ip_allowlist":["10.0.0.0/"])", "INVALID_CIDR", "ip_allowlist[0]"},
            BadKey{"MetadataNotObject", R"("metadata":["a"])", "INVALID_FIELD", "metadata"},
            BadKey{"MetadataString", R"("metadata":"{}")", "INVALID_FIELD", "metadata"},
            BadKey{"MetadataTooLarge", kBigMetadata, "INVALID_FIELD", "metadata"},
            BadKey{"RolesNotStrings", R"("roles":[1])", "INVALID_FIELD", "roles[0]"},
            BadKey{"UnknownRole", R"("roles":["Root"])", "UNKNOWN_ROLE", "roles[0]"},
            BadKey{"NotBeforeNotRfc3339", R"("not_before":"tomorrow")", "INVALID_FIELD", "not_before"},
            BadKey{"NotBeforeNumber", R"("not_before":1800000000)", "INVALID_FIELD", "not_before"},
            BadKey{"NotBeforeAfterExpiry", R"("not_before":"2099-01-01T00:00:00Z")", "INVALID_FIELD", "not_before"},
            BadKey{"DescriptionTooLong", R"("description":")" + std::string(1025, 'd') + "\"", "INVALID_FIELD",
                   "description"})),
    testing_support::nameOnBackend<BadKey>([](const ::testing::TestParamInfo<BadKey>& info) {
      return std::string(info.param.name);
    }));

TEST_P(KeysApi, CreateRejectsBadBodies) {
  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, R"({"name":"k")"), 400, "MALFORMED_JSON");
  expectProblem(post(base_, R"(["k"])"), 400, "MALFORMED_JSON");
  expectProblem(post(base_, "42"), 400, "MALFORMED_JSON");
  expectProblem(post(base_, ""), 400, "MISSING_BODY");
  expectProblem(post(base_, "{}"), 400, "MISSING_FIELD", "name");
  expectProblem(post(base_, R"({"description":"no name"})"), 400, "MISSING_FIELD", "name");
  expectProblem(post(base_, R"({"name":17})"), 400, "INVALID_FIELD", "name");
  expectProblem(post(base_, R"({"name":null})"), 400, "INVALID_FIELD", "name");
  expectProblem(post(base_, R"({"name":""})"), 400, "INVALID_FIELD", "name");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(KeysApi, PatchRejectsBadBodies) {
  CreatedKey k = createKey(tenant_, "k");
  const std::string before = snapshot(tenant_);
  expectProblem(patch(base_ + "/" + k.id, "{"), 400, "MALFORMED_JSON");
  expectProblem(patch(base_ + "/" + k.id, "[]"), 400, "MALFORMED_JSON");
  expectProblem(patch(base_ + "/" + k.id, ""), 400, "MISSING_BODY");
  expectProblem(patch(base_ + "/" + k.id, R"({"enabled":null})"), 400, "INVALID_FIELD", "enabled");
  expectProblem(patch(base_ + "/" + k.id, R"({"group_id":"grp_nope"})"), 404, "GROUP_NOT_FOUND", "group_id");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(KeysApi, MetadataUpTo4KiBIsAccepted) {
  // {"blob":"xxx..."} serialised is 11 bytes + the string
  const std::string body = R"({"name":"k","metadata":{"blob":")" + std::string(4096 - 11, 'x') + "\"}}";
  Response r = post(base_, body);
  ASSERT_EQ(r.status, 201) << r.body.substr(0, 200);
  keep(r);
}

// ---- rotation and not_before --------------------------------------------------------------

TEST_P(KeysApi, RotateReturnsANewSecretOnceAndBothVerifyDuringTheGrace) {
  CreatedKey k = createKey(tenant_, "deploy", R"("metadata":{"team":"ops"})");
  Response r = post(base_ + "/" + k.id + "/rotate", R"({"grace_seconds":3600})");
  ASSERT_EQ(r.status, 200) << r.body;
  CreatedKey rotated = keep(r);
  EXPECT_EQ(rotated.id, k.id);
  ASSERT_FALSE(rotated.secret.empty());
  EXPECT_NE(rotated.secret, k.secret);
  EXPECT_EQ(str(rotated.key, "name"), "deploy");
  EXPECT_EQ(rotated.key.at("metadata"), json::parse(R"({"team":"ops"})"));
  EXPECT_EQ(rotated.key.at("rotating"), json::value(true));
  EXPECT_EQ(str(rotated.key, "previous_start"), str(k.key, "start"));
  EXPECT_EQ(str(rotated.key, "previous_expires_at"), "2027-01-15T09:00:00Z");
  EXPECT_EQ(str(rotated.key, "rotated_at"), "2027-01-15T08:00:00Z");

  auto verifyBody = [&](const std::string& secret) {
    Response v = post("/v1/keys/verify", "{\"key\":" + json::serialize(json::value(secret)) + "}");
    EXPECT_EQ(v.status, 200) << v.body;
    return obj(v);
  };
  json::object with_new = verifyBody(rotated.secret);
  EXPECT_EQ(with_new.at("valid"), json::value(true));
  EXPECT_EQ(with_new.at("rotating"), json::value(false));
  json::object with_old = verifyBody(k.secret);
  EXPECT_EQ(with_old.at("valid"), json::value(true));
  EXPECT_EQ(with_old.at("rotating"), json::value(true));
  EXPECT_EQ(str(with_old, "rotation_ends_at"), "2027-01-15T09:00:00Z");
  EXPECT_EQ(str(with_old, "key_id"), k.id);

  // The secret is never shown again: not by GET, not by a list.
  EXPECT_EQ(get(base_ + "/" + k.id).body.find(rotated.secret), std::string::npos);
  EXPECT_EQ(auditOf(tenant_, "action=key.rotate").size(), 1u);
}

TEST_P(KeysApi, OldSecretIsRotatedAfterTheGraceAndTheGatewayIsToldDuringIt) {
  CreatedKey k = createKey(tenant_, "deploy");
  Response r = post(base_ + "/" + k.id + "/rotate", R"({"grace_seconds":60})");
  ASSERT_EQ(r.status, 200) << r.body;
  keep(r);
  Request during = request("GET", "/v1/authz");
  during.headers.push_back({"x-api-key", k.secret});
  Response a = send(during);
  EXPECT_EQ(a.status, 204) << a.body;
  EXPECT_EQ(headerOf(a, "x-keyward-rotating"), "true");
  clock_.advance(60);
  EXPECT_EQ(verifyCode(k.secret), "ROTATED");
  EXPECT_EQ(send(during).status, 401);
}

TEST_P(KeysApi, RotateWithoutABodyCutsTheOldSecretAtOnce) {
  CreatedKey k = createKey(tenant_, "deploy");
  Response r = post(base_ + "/" + k.id + "/rotate", "");
  ASSERT_EQ(r.status, 200) << r.body;
  CreatedKey rotated = keep(r);
  EXPECT_EQ(verifyCode(k.secret), "ROTATED");
  EXPECT_EQ(verifyCode(rotated.secret), "VALID");
  EXPECT_EQ(rotated.key.at("rotating"), json::value(false));
}

TEST_P(KeysApi, RotateRejectsBadInputAndChangesNothing) {
  CreatedKey k = createKey(tenant_, "deploy");
  const std::string path = base_ + "/" + k.id + "/rotate";
  const std::string before = snapshot(tenant_);
  expectProblem(post(path, "{"), 400, "MALFORMED_JSON");
  expectProblem(post(path, R"({"grace_seconds":"60"})"), 400, "INVALID_FIELD", "grace_seconds");
  expectProblem(post(path, R"({"grace_seconds":-1})"), 400, "INVALID_FIELD", "grace_seconds");
  expectProblem(post(path, R"({"grace_seconds":2592001})"), 400, "INVALID_FIELD", "grace_seconds");
  expectProblem(post(path, R"({"grace_seconds":1.5})"), 400, "INVALID_FIELD", "grace_seconds");
  expectProblem(post(path, R"({"grace":60})"), 400, "UNKNOWN_FIELD", "grace");
  expectProblem(post(path, R"({"expires_in_days":0})"), 400, "INVALID_FIELD", "expires_in_days");
  expectProblem(post(base_ + "/key_nope/rotate", "{}"), 404, "NOT_FOUND");
  expectProblem(post(path, "{}", ""), 401, "UNAUTHENTICATED");
  EXPECT_EQ(snapshot(tenant_), before);
  EXPECT_EQ(verifyCode(k.secret), "VALID");
}

TEST_P(KeysApi, AnotherTenantsKeyCannotBeRotated) {
  const std::string other = createTenant("Other");
  CreatedKey theirs = createKey(other, "theirs");
  const std::string cred = makeCredential(tenant_);
  expectProblem(post(base_ + "/" + theirs.id + "/rotate", "{}", cred), 404, "NOT_FOUND");
  expectProblem(post("/v1/tenants/" + other + "/keys/" + theirs.id + "/rotate", "{}", cred), 404, "NOT_FOUND");
  EXPECT_EQ(verifyCode(theirs.secret), "VALID");
}

TEST_P(KeysApi, ExpiredOrRevokedKeyCannotBeRotated) {
  CreatedKey expiring = createKey(tenant_, "expiring", R"("expires_in_days":1)");
  CreatedKey revoked = createKey(tenant_, "revoked");
  ASSERT_EQ(del(base_ + "/" + revoked.id).status, 204);
  clock_.advance(86400);
  expectProblem(post(base_ + "/" + expiring.id + "/rotate", "{}"), 409, "KEY_EXPIRED");
  expectProblem(post(base_ + "/" + revoked.id + "/rotate", "{}"), 409, "KEY_REVOKED");
}

TEST_P(KeysApi, NotBeforeIsShownAndEnforcedAndCanBeCleared) {
  CreatedKey k = createKey(tenant_, "later", R"("not_before":"2027-01-16T08:00:00Z")");
  EXPECT_EQ(str(k.key, "not_before"), "2027-01-16T08:00:00Z");
  EXPECT_EQ(verifyCode(k.secret), "NOT_YET_VALID");
  Response r = patch(base_ + "/" + k.id, R"({"not_before":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(obj(r).at("not_before").is_null());
  EXPECT_EQ(verifyCode(k.secret), "VALID");
}

// ---- advanced keys (shared secret) and purpose ----------------------------------------------

TEST_P(KeysApi, AdvancedKeyShowsItsPublicKeyAndVerifiesAsABasicCredential) {
  Response r = post(base_,
                    R"({"name":"psa","kind":"advanced","credential_mode":"shared_secret","purpose":"builtin_plugin"})");
  ASSERT_EQ(r.status, 201) << r.body;
  CreatedKey k = keep(r);
  EXPECT_EQ(str(k.key, "kind"), "advanced");
  EXPECT_EQ(str(k.key, "credential_mode"), "shared_secret");
  EXPECT_EQ(str(k.key, "purpose"), "builtin_plugin");
  const std::string pub = str(k.key, "public_key");
  ASSERT_FALSE(pub.empty());
  const std::string header = str(obj(r), "authorization");
  EXPECT_EQ(header, "Basic " + sign::base64Encode(pub + ":" + k.secret));
  secrets_.push_back(header.substr(6));  // the encoded pair is as secret as the private part

  auto verifyBasic = [&](const std::string& value) {
    Response v = post("/v1/keys/verify", "{\"basic\":" + json::serialize(json::value(value)) + "}");
    EXPECT_EQ(v.status, 200) << v.body;
    return str(obj(v), "code");
  };
  EXPECT_EQ(verifyBasic(header), "VALID");
  EXPECT_EQ(verifyBasic(header.substr(6)), "VALID");  // the scheme is optional here
  EXPECT_EQ(verifyCode(k.secret), "NOT_FOUND");       // the private part alone is no credential
  EXPECT_EQ(verifyBasic("Basic " + sign::base64Encode("pub_other:" + k.secret)), "NOT_FOUND");
  EXPECT_EQ(verifyBasic("Basic !!!"), "MALFORMED");
  EXPECT_EQ(verifyBasic("Basic " + sign::base64Encode("no-colon")), "MALFORMED");

  Request gw = request("GET", "/v1/authz");
  gw.headers.push_back({"authorization", header});
  Response a = send(gw);
  EXPECT_EQ(a.status, 204) << a.body;
  EXPECT_EQ(headerOf(a, "x-keyward-key-id"), k.id);
  Request bad = request("GET", "/v1/authz");
  bad.headers.push_back({"authorization", "Basic " + sign::base64Encode(pub + ":kw_nope")});
  EXPECT_EQ(send(bad).status, 401);

  // Lists show the public key, filter by kind and purpose, and never show the private part.
  Response list = get(base_ + "?kind=advanced&purpose=builtin_plugin");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(items(obj(list)).size(), 1u);
  EXPECT_EQ(str(items(obj(list))[0].as_object(), "public_key"), pub);
  EXPECT_TRUE(items(obj(get(base_ + "?kind=simple&purpose=builtin_plugin"))).empty());
}

TEST_P(KeysApi, KindAndPurposeAreValidatedAndKindCannotChange) {
  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, R"({"name":"k","kind":"fancy"})"), 400, "INVALID_FIELD", "kind");
  expectProblem(post(base_, R"({"name":"k","kind":"advanced"})"), 400, "INVALID_FIELD", "credential_mode");
  expectProblem(post(base_, R"({"name":"k","kind":"advanced","credential_mode":"psychic"})"), 400, "INVALID_FIELD",
                "credential_mode");
  expectProblem(post(base_, R"({"name":"k","credential_mode":"shared_secret"})"), 400, "INVALID_FIELD",
                "credential_mode");
  expectProblem(post(base_, R"({"name":"k","purpose":"internal"})"), 400, "INVALID_FIELD", "purpose");
  expectProblem(post(base_, R"({"name":"k","purpose":7})"), 400, "INVALID_FIELD", "purpose");
  expectProblem(get(base_ + "?kind=fancy"), 400, "INVALID_FIELD", "kind");
  expectProblem(get(base_ + "?purpose=internal"), 400, "INVALID_FIELD", "purpose");
  expectProblem(post("/v1/keys/verify", R"({"key":"kw_x","basic":"Basic eDp5"})"), 400, "INVALID_FIELD", "basic");
  EXPECT_EQ(snapshot(tenant_), before);
  CreatedKey k = createKey(tenant_, "simple");
  EXPECT_EQ(str(k.key, "purpose"), "third_party");
  EXPECT_FALSE(k.key.contains("public_key"));
  expectProblem(patch(base_ + "/" + k.id, R"({"kind":"advanced"})"), 400, "IMMUTABLE_FIELD", "kind");
  Response edited = patch(base_ + "/" + k.id, R"({"purpose":"builtin_plugin"})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(str(obj(edited), "purpose"), "builtin_plugin");
}

TEST_P(KeysApi, KeyPairKeysAreCreatedAndBadSignedRequestsAreRefusedClearly) {
  Response r =
      post(base_, R"({"name":"pair","kind":"advanced","credential_mode":"key_pair","algorithm":"ecdsa-p256-sha256"})");
  ASSERT_EQ(r.status, 201) << r.body;
  CreatedKey k = keep(r);
  EXPECT_TRUE(k.secret.starts_with("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(str(k.key, "algorithm"), "ecdsa-p256-sha256");
  EXPECT_FALSE(str(k.key, "keyid").empty());
  EXPECT_TRUE(str(k.key, "public_key_pem").starts_with("-----BEGIN PUBLIC KEY-----"));
  EXPECT_FALSE(obj(r).contains("authorization"));

  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, R"({"name":"x","public_key":"abc"})"), 400, "INVALID_FIELD", "public_key");
  expectProblem(post(base_, R"({"name":"x","kind":"advanced","credential_mode":"key_pair","public_key":7})"), 400,
                "INVALID_FIELD", "public_key");
  expectProblem(post(base_, R"({"name":"x","kind":"advanced","credential_mode":"key_pair","public_key":"not pem"})"),
                400, "INVALID_PUBLIC_KEY", "public_key");
  expectProblem(post(base_, R"({"name":"x","kind":"advanced","credential_mode":"key_pair","algorithm":"rsa"})"), 400,
                "INVALID_FIELD", "algorithm");
  const std::string v = "/v1/keys/verify";
  expectProblem(post(v, R"({"signature":"sig"})"), 400, "INVALID_FIELD", "signature");
  expectProblem(post(v, R"({"signature":{"target_uri":"https://a/b","headers":{}}})"), 400, "MISSING_FIELD",
                "signature.method");
  expectProblem(post(v, R"({"signature":{"method":"GET","target_uri":"/relative","headers":{}}})"), 400,
                "INVALID_FIELD", "signature.target_uri");
  expectProblem(post(v, R"({"signature":{"method":"GET","target_uri":"https://a/b","headers":{"x":1}}})"), 400,
                "INVALID_FIELD", "signature.headers.x");
  expectProblem(post(v, R"({"signature":{"method":"GET","target_uri":"https://a/b","headers":{},"extra":1}})"), 400,
                "UNKNOWN_FIELD", "signature.extra");
  expectProblem(post(v, R"({"key":"kw_x","signature":{"method":"GET","target_uri":"https://a/b","headers":{}}})"), 400,
                "INVALID_FIELD", "signature");
  EXPECT_EQ(snapshot(tenant_), before);

  // Unsigned: a trusted caller learns why.
  Response unsigned_req = post(v, R"({"signature":{"method":"GET","target_uri":"https://a/b","headers":{}}})");
  ASSERT_EQ(unsigned_req.status, 200);
  EXPECT_EQ(str(obj(unsigned_req), "code"), "SIGNATURE_INVALID");
  EXPECT_EQ(str(obj(unsigned_req), "reason"), "SIGNATURE_MISSING");
}

}  // namespace
}  // namespace keyward::http_testing
