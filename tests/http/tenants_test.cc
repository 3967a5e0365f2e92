// Router-level tests of /v1/tenants and /v1/tenants/{tenant_id}.
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class TenantsApi : public RouterTest {};
KEYWARD_ON_EVERY_BACKEND(TenantsApi);

TEST_P(TenantsApi, CreateReturns201WithLocationDefaultsAndRfc3339Times) {
  Response r = post("/v1/tenants", R"({"name":"Acme"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json::object t = obj(r);
  const std::string id = str(t, "id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(headerOf(r, "location"), "/v1/tenants/" + id);
  EXPECT_EQ(str(t, "name"), "Acme");
  EXPECT_EQ(str(t, "key_prefix"), "kw");
  EXPECT_EQ(t.at("default_expiry_days").as_int64(), 182);
  EXPECT_TRUE(t.at("max_expiry_days").is_null());
  EXPECT_EQ(t.at("expiry_alert_days").as_int64(), 14);
  EXPECT_EQ(t.at("max_keys_per_service_user").as_int64(), 10);
  EXPECT_EQ(str(t, "created_at"), "2027-01-15T08:00:00Z");
  EXPECT_TRUE(isRfc3339(t.at("updated_at")));
}

TEST_P(TenantsApi, CreateAcceptsEverySetting) {
  Response r = post("/v1/tenants",
                    R"({"name":"Globex","key_prefix":"gx9","default_expiry_days":30,"max_expiry_days":90,)"
                    R"("expiry_alert_days":7,"max_keys_per_service_user":3,"allow_never_expiring":false})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object t = obj(r);
  EXPECT_EQ(str(t, "key_prefix"), "gx9");
  EXPECT_EQ(t.at("default_expiry_days").as_int64(), 30);
  EXPECT_EQ(t.at("max_expiry_days").as_int64(), 90);
  EXPECT_EQ(t.at("expiry_alert_days").as_int64(), 7);
  EXPECT_EQ(t.at("max_keys_per_service_user").as_int64(), 3);
  EXPECT_FALSE(t.at("allow_never_expiring").as_bool());
}

TEST_P(TenantsApi, ATenantThatForbidsNeverExpiringKeysRefusesThemAndSaysWhy) {
  Response r = post("/v1/tenants", R"({"name":"Strict"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string t = str(obj(r), "id");
  EXPECT_TRUE(obj(r).at("allow_never_expiring").as_bool());  // the default
  EXPECT_EQ(post("/v1/tenants/" + t + "/keys", R"({"name":"forever","never_expires":true})").status, 201);
  r = patch("/v1/tenants/" + t, R"({"allow_never_expiring":"no"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(str(obj(r), "field"), "allow_never_expiring");
  ASSERT_EQ(patch("/v1/tenants/" + t, R"({"allow_never_expiring":false})").status, 200);
  r = post("/v1/tenants/" + t + "/keys", R"({"name":"forever-2","never_expires":true})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(str(obj(r), "code"), "EXPIRY_EXCEEDS_POLICY");
  EXPECT_EQ(str(obj(r), "field"), "never_expires");
  EXPECT_EQ(post("/v1/tenants/" + t + "/keys", R"({"name":"finite","expires_in_days":30})").status, 201);
}

TEST_P(TenantsApi, GetReturnsTheTenant) {
  const std::string id = createTenant("Acme");
  Response r = get("/v1/tenants/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object t = obj(r);
  EXPECT_EQ(str(t, "id"), id);
  EXPECT_EQ(str(t, "name"), "Acme");
}

TEST_P(TenantsApi, GetUnknownTenantIs404) { expectProblem(get("/v1/tenants/ten_doesnotexist"), 404, "NOT_FOUND"); }

TEST_P(TenantsApi, ListShowsSystemAndCreatedTenantsInCreationOrder) {
  const std::string a = createTenant("A");
  const std::string b = createTenant("B");
  Response r = get("/v1/tenants");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object page = obj(r);
  const auto& list = items(page);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(str(list[0].as_object(), "id"), "system");
  EXPECT_EQ(str(list[1].as_object(), "id"), a);
  EXPECT_EQ(str(list[2].as_object(), "id"), b);
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

TEST_P(TenantsApi, ListPaginatesWithCursor) {
  for (int i = 0; i < 4; ++i) createTenant("T" + std::to_string(i));
  std::vector<std::string> seen;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    Response r = get("/v1/tenants?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json::object page = obj(r);
    EXPECT_LE(items(page).size(), 2u);
    for (const auto& t : items(page)) seen.push_back(str(t.as_object(), "name"));
    if (page.at("next_cursor").is_null()) break;
    cursor = std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"system", "T0", "T1", "T2", "T3"}));
}

TEST_P(TenantsApi, PatchChangesSettingsAndClearsMaxExpiryWithNull) {
  const std::string id = createTenant("Acme", R"("max_expiry_days":200)");
  clock_.advance(60);
  Response r = patch("/v1/tenants/" + id, R"({"name":"Acme Corp","key_prefix":"acme","expiry_alert_days":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object t = obj(r);
  EXPECT_EQ(str(t, "name"), "Acme Corp");
  EXPECT_EQ(str(t, "key_prefix"), "acme");
  EXPECT_EQ(t.at("expiry_alert_days").as_int64(), 3);
  EXPECT_EQ(t.at("max_expiry_days").as_int64(), 200);
  EXPECT_EQ(str(t, "updated_at"), "2027-01-15T08:01:00Z");
  EXPECT_EQ(str(t, "created_at"), "2027-01-15T08:00:00Z");

  r = patch("/v1/tenants/" + id, R"({"max_expiry_days":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(obj(r).at("max_expiry_days").is_null());
  EXPECT_EQ(str(obj(get("/v1/tenants/" + id)), "name"), "Acme Corp");
}

TEST_P(TenantsApi, PatchWithNothingToChangeIsEmptyUpdate) {
  const std::string id = createTenant("Acme");
  const std::string before = snapshot(id);
  expectProblem(patch("/v1/tenants/" + id, "{}"), 400, "EMPTY_UPDATE");
  EXPECT_EQ(snapshot(id), before);
}

TEST_P(TenantsApi, DeleteEmptyTenantReturns204AndItIsGone) {
  const std::string id = createTenant("Acme");
  Response r = del("/v1/tenants/" + id);
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  expectProblem(get("/v1/tenants/" + id), 404, "NOT_FOUND");
  expectProblem(del("/v1/tenants/" + id), 404, "NOT_FOUND");
}

TEST_P(TenantsApi, DeleteTenantWithGroupsIsRefused) {
  const std::string id = createTenant("Acme");
  createGroup(id, "g");
  expectProblem(del("/v1/tenants/" + id), 409, "TENANT_NOT_EMPTY");
  EXPECT_EQ(get("/v1/tenants/" + id).status, 200);
}

TEST_P(TenantsApi, DeleteTenantWithKeysIsRefusedUntilTheyAreRevoked) {
  const std::string id = createTenant("Acme");
  CreatedKey k = createKey(id, "k");
  expectProblem(del("/v1/tenants/" + id), 409, "TENANT_NOT_EMPTY");
  ASSERT_EQ(del("/v1/tenants/" + id + "/keys/" + k.id).status, 204);
  EXPECT_EQ(del("/v1/tenants/" + id).status, 204);
}

TEST_P(TenantsApi, SystemTenantCannotBeDeleted) {
  expectProblem(del("/v1/tenants/system"), 409, "SYSTEM_TENANT");
  EXPECT_EQ(get("/v1/tenants/system").status, 200);
}

TEST_P(TenantsApi, DuplicateTenantNameIs409) {
  createTenant("Acme");
  const std::string other = createTenant("Other");
  const std::string before = snapshot(other);
  expectProblem(post("/v1/tenants", R"({"name":"Acme"})"), 409, "NAME_TAKEN");
  expectProblem(patch("/v1/tenants/" + other, R"({"name":"Acme"})"), 409, "NAME_TAKEN");
  EXPECT_EQ(snapshot(other), before);
}

struct BadTenant {
  const char* body;
  const char* code;
  const char* field;
};

void PrintTo(const BadTenant& b, std::ostream* os) { *os << b.body; }

class TenantsBadInput : public RouterTestWith<testing_support::OnBackend<BadTenant>> {};

TEST_P(TenantsBadInput, CreateIsRejectedWithTheFieldAndChangesNothing) {
  const std::string before = snapshot("system");
  Response r = post("/v1/tenants", testCase().body);
  expectProblem(r, 400, testCase().code, testCase().field);
  EXPECT_EQ(snapshot("system"), before);
}

TEST_P(TenantsBadInput, PatchIsRejectedWithTheFieldAndChangesNothing) {
  const std::string id = createTenant("Existing");
  const std::string before = snapshot(id);
  Response r = patch("/v1/tenants/" + id, testCase().body);
  expectProblem(r, 400, testCase().code, testCase().field);
  EXPECT_EQ(snapshot(id), before);
}

INSTANTIATE_TEST_SUITE_P(
    All, TenantsBadInput,
    ::testing::Combine(
        testing_support::everyBackend(),
        ::testing::Values(
            BadTenant{R"({"name":"x",)", "MALFORMED_JSON", ""}, BadTenant{R"(["name"])", "MALFORMED_JSON", ""},
            BadTenant{R"("Acme")", "MALFORMED_JSON", ""}, BadTenant{"", "MISSING_BODY", ""},
            BadTenant{R"({"name":"x","colour":"red"})", "UNKNOWN_FIELD", "colour"},
            BadTenant{R"({"name":42})", "INVALID_FIELD", "name"}, BadTenant{R"({"name":""})", "INVALID_FIELD", "name"},
            BadTenant{R"({"name":" padded "})", "INVALID_FIELD", "name"},
            BadTenant{R"({"name":"x","default_expiry_days":"30"})", "INVALID_FIELD", "default_expiry_days"},
            BadTenant{R"({"name":"x","default_expiry_days":1.5})", "INVALID_FIELD", "default_expiry_days"},
            BadTenant{R"({"name":"x","default_expiry_days":0})", "INVALID_FIELD", "default_expiry_days"},
            BadTenant{R"({"name":"x","default_expiry_days":36501})", "INVALID_FIELD", "default_expiry_days"},
            BadTenant{R"({"name":"x","expiry_alert_days":91})", "INVALID_FIELD", "expiry_alert_days"},
            BadTenant{R"({"name":"x","max_keys_per_service_user":0})", "INVALID_FIELD", "max_keys_per_service_user"},
            BadTenant{R"({"name":"x","max_expiry_days":-1})", "INVALID_FIELD", "max_expiry_days"},
            BadTenant{R"({"name":"x","max_expiry_days":10,"default_expiry_days":20})", "INVALID_FIELD",
                      "default_expiry_days"},
            BadTenant{R"({"name":"x","key_prefix":"A"})", "INVALID_FIELD", "key_prefix"},
            BadTenant{R"({"name":"x","key_prefix":"UPPER"})", "INVALID_FIELD", "key_prefix"},
            BadTenant{R"({"name":"x","key_prefix":"waytoolongprefix"})", "INVALID_FIELD", "key_prefix"},
            BadTenant{R"({"name":"x","key_prefix":"a_b"})", "INVALID_FIELD", "key_prefix"},
            BadTenant{R"({"name":"x","key_prefix":7})", "INVALID_FIELD", "key_prefix"})),
    testing_support::nameOnBackend<BadTenant>([](const ::testing::TestParamInfo<BadTenant>& info) {
      return paramName(info.param.body, info.index);
    }));

TEST_P(TenantsApi, CreateWithoutNameIsMissingField) {
  const std::string before = snapshot("system");
  expectProblem(post("/v1/tenants", R"({"key_prefix":"ab"})"), 400, "MISSING_FIELD", "name");
  expectProblem(post("/v1/tenants", "{}"), 400, "MISSING_FIELD", "name");
  EXPECT_EQ(snapshot("system"), before);
}

TEST_P(TenantsApi, NewKeyPrefixAppliesToNewKeysAndOldKeysKeepVerifying) {
  const std::string id = createTenant("Acme", R"("key_prefix":"old")");
  CreatedKey before = createKey(id, "before");
  EXPECT_TRUE(before.secret.starts_with("old_"));
  ASSERT_EQ(patch("/v1/tenants/" + id, R"({"key_prefix":"new"})").status, 200);
  CreatedKey after = createKey(id, "after");
  EXPECT_TRUE(after.secret.starts_with("new_")) << after.secret;
  for (const auto& k : {before, after}) {
    Response r = post("/v1/keys/verify", "{\"key\":\"" + k.secret + "\"}");
    EXPECT_EQ(str(obj(r), "code"), "VALID") << r.body;
  }
}

TEST_P(TenantsApi, ListRejectsUnknownQueryParameterAndBadPaging) {
  expectProblem(get("/v1/tenants?lmit=2"), 400, "UNKNOWN_PARAMETER", "lmit");
  expectProblem(get("/v1/tenants?limit=0"), 400, "INVALID_FIELD", "limit");
  expectProblem(get("/v1/tenants?limit=501"), 400, "INVALID_FIELD", "limit");
  expectProblem(get("/v1/tenants?limit=ten"), 400, "INVALID_FIELD", "limit");
  expectProblem(get("/v1/tenants?limit=-1"), 400, "INVALID_FIELD", "limit");
  expectProblem(get("/v1/tenants?cursor=abc"), 400, "INVALID_FIELD", "cursor");
  expectProblem(get("/v1/tenants?cursor="), 400, "INVALID_FIELD", "cursor");
  expectProblem(get("/v1/tenants?limit=%zz"), 400, "INVALID_QUERY");
}

}  // namespace
}  // namespace keyward::http_testing
