// Router-level tests of /v1/tenants/{tenant_id}/key-groups[/{group_id}].
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

// A tenant and its groups' collection path. `Param`: TestBackend (GroupsApi) or
// OnBackend<BadGroup> (GroupsBadInput).
template <class Param>
class GroupsApiWith : public RouterTestWith<Param> {
 protected:
  void SetUp() override {
    RouterTestWith<Param>::SetUp();
    tenant_ = this->createTenant("Acme");
    base_ = "/v1/tenants/" + tenant_ + "/key-groups";
  }
  std::string tenant_;
  std::string base_;
};

class GroupsApi : public GroupsApiWith<testing_support::TestBackend> {};
KEYWARD_ON_EVERY_BACKEND(GroupsApi);

TEST_P(GroupsApi, CreateReturns201WithLocationAndShape) {
  Response r = post(base_, R"({"name":"REST API Key Group","description":"integrations"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object g = obj(r);
  const std::string id = str(g, "id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(headerOf(r, "location"), base_ + "/" + id);
  EXPECT_EQ(str(g, "tenant_id"), tenant_);
  EXPECT_EQ(str(g, "name"), "REST API Key Group");
  EXPECT_EQ(str(g, "description"), "integrations");
  EXPECT_EQ(str(g, "created_at"), "2027-01-15T08:00:00Z");
  EXPECT_TRUE(isRfc3339(g.at("updated_at")));
}

TEST_P(GroupsApi, DescriptionDefaultsToEmpty) {
  Response r = post(base_, R"({"name":"g"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(str(obj(r), "description"), "");
}

TEST_P(GroupsApi, GetAndListReturnTheGroups) {
  const std::string a = createGroup(tenant_, "a");
  const std::string b = createGroup(tenant_, "b");
  Response r = get(base_ + "/" + a);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(obj(r), "name"), "a");
  r = get(base_);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object page = obj(r);
  ASSERT_EQ(items(page).size(), 2u);
  EXPECT_EQ(str(items(page)[0].as_object(), "id"), a);
  EXPECT_EQ(str(items(page)[1].as_object(), "id"), b);
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

TEST_P(GroupsApi, ListPaginatesWithCursor) {
  for (int i = 0; i < 5; ++i) createGroup(tenant_, "g" + std::to_string(i));
  std::vector<std::string> seen;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    Response r = get(base_ + "?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json::object page = obj(r);
    for (const auto& g : items(page)) seen.push_back(str(g.as_object(), "name"));
    if (page.at("next_cursor").is_null()) break;
    cursor = std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"g0", "g1", "g2", "g3", "g4"}));
}

TEST_P(GroupsApi, ListOfUnknownTenantIs404) {
  expectProblem(get("/v1/tenants/ten_nope/key-groups"), 404, "NOT_FOUND");
  expectProblem(post("/v1/tenants/ten_nope/key-groups", R"({"name":"g"})"), 404, "NOT_FOUND");
}

TEST_P(GroupsApi, PatchRenamesAndDescribes) {
  const std::string id = createGroup(tenant_, "old");
  clock_.advance(3600);
  Response r = patch(base_ + "/" + id, R"({"name":"new","description":"d"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object g = obj(r);
  EXPECT_EQ(str(g, "name"), "new");
  EXPECT_EQ(str(g, "description"), "d");
  EXPECT_EQ(str(g, "updated_at"), "2027-01-15T09:00:00Z");
  EXPECT_EQ(str(obj(get(base_ + "/" + id)), "name"), "new");
}

TEST_P(GroupsApi, PatchWithNothingToChangeIsEmptyUpdate) {
  const std::string id = createGroup(tenant_, "g");
  const std::string before = snapshot(tenant_);
  expectProblem(patch(base_ + "/" + id, "{}"), 400, "EMPTY_UPDATE");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(GroupsApi, DeleteEmptyGroupReturns204) {
  const std::string id = createGroup(tenant_, "g");
  Response r = del(base_ + "/" + id);
  EXPECT_EQ(r.status, 204) << r.body;
  expectProblem(get(base_ + "/" + id), 404, "NOT_FOUND");
  expectProblem(del(base_ + "/" + id), 404, "NOT_FOUND");
}

TEST_P(GroupsApi, DeleteGroupHoldingKeysIsRefusedUntilTheyAreRevoked) {
  const std::string id = createGroup(tenant_, "g");
  CreatedKey k = createKey(tenant_, "k", "\"group_id\":\"" + id + "\"");
  const std::string before = snapshot(tenant_);
  expectProblem(del(base_ + "/" + id), 409, "GROUP_NOT_EMPTY");
  EXPECT_EQ(snapshot(tenant_), before);
  ASSERT_EQ(del("/v1/tenants/" + tenant_ + "/keys/" + k.id).status, 204);
  EXPECT_EQ(del(base_ + "/" + id).status, 204);
}

TEST_P(GroupsApi, GroupNameIsUniquePerTenantOnly) {
  createGroup(tenant_, "shared");
  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, R"({"name":"shared"})"), 409, "NAME_TAKEN", "name");
  EXPECT_EQ(snapshot(tenant_), before);

  const std::string other = createTenant("Other");
  Response r = post("/v1/tenants/" + other + "/key-groups", R"({"name":"shared"})");
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_P(GroupsApi, RenameToATakenNameIs409) {
  createGroup(tenant_, "a");
  const std::string b = createGroup(tenant_, "b");
  const std::string before = snapshot(tenant_);
  expectProblem(patch(base_ + "/" + b, R"({"name":"a"})"), 409, "NAME_TAKEN", "name");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(GroupsApi, AnotherTenantsGroupIsNotFound) {
  const std::string other = createTenant("Other");
  const std::string theirs = createGroup(other, "theirs");
  expectProblem(get(base_ + "/" + theirs), 404, "NOT_FOUND");
  expectProblem(patch(base_ + "/" + theirs, R"({"name":"x"})"), 404, "NOT_FOUND");
  expectProblem(del(base_ + "/" + theirs), 404, "NOT_FOUND");
  EXPECT_EQ(get("/v1/tenants/" + other + "/key-groups/" + theirs).status, 200);
}

TEST_P(GroupsApi, ListRejectsUnknownQueryParameterAndBadPaging) {
  expectProblem(get(base_ + "?name=x"), 400, "UNKNOWN_PARAMETER", "name");
  expectProblem(get(base_ + "?limit=0"), 400, "INVALID_FIELD", "limit");
  expectProblem(get(base_ + "?cursor=-5"), 400, "INVALID_FIELD", "cursor");
}

struct BadGroup {
  const char* body;
  const char* code;
  const char* field;
};

void PrintTo(const BadGroup& b, std::ostream* os) { *os << b.body; }

class GroupsBadInput : public GroupsApiWith<testing_support::OnBackend<BadGroup>> {};

TEST_P(GroupsBadInput, CreateIsRejectedWithTheFieldAndChangesNothing) {
  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, testCase().body), 400, testCase().code, testCase().field);
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(GroupsBadInput, PatchIsRejectedWithTheFieldAndChangesNothing) {
  const std::string id = createGroup(tenant_, "existing");
  const std::string before = snapshot(tenant_);
  expectProblem(patch(base_ + "/" + id, testCase().body), 400, testCase().code, testCase().field);
  EXPECT_EQ(snapshot(tenant_), before);
}

INSTANTIATE_TEST_SUITE_P(
    All, GroupsBadInput,
    ::testing::Combine(testing_support::everyBackend(),
                       ::testing::Values(BadGroup{"{", "MALFORMED_JSON", ""}, BadGroup{"[]", "MALFORMED_JSON", ""},
                                         BadGroup{"null", "MALFORMED_JSON", ""}, BadGroup{"  ", "MISSING_BODY", ""},
                                         BadGroup{R"({"name":"g","owner":"me"})", "UNKNOWN_FIELD", "owner"},
                                         BadGroup{R"({"name":["g"]})", "INVALID_FIELD", "name"},
                                         BadGroup{R"({"name":"g","description":7})", "INVALID_FIELD", "description"},
                                         BadGroup{R"({"name":"line\nbreak"})", "INVALID_FIELD", "name"})),
    testing_support::nameOnBackend<BadGroup>([](const ::testing::TestParamInfo<BadGroup>& info) {
      return paramName(info.param.body, info.index);
    }));

TEST_P(GroupsApi, CreateWithoutNameIsMissingField) {
  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, R"({"description":"d"})"), 400, "MISSING_FIELD", "name");
  EXPECT_EQ(snapshot(tenant_), before);
}

TEST_P(GroupsApi, OverlongDescriptionIsRejected) {
  const std::string before = snapshot(tenant_);
  expectProblem(post(base_, R"({"name":"g","description":")" + std::string(1025, 'd') + "\"}"), 400, "INVALID_FIELD",
                "description");
  expectProblem(post(base_, R"({"name":")" + std::string(129, 'n') + "\"}"), 400, "INVALID_FIELD", "name");
  EXPECT_EQ(snapshot(tenant_), before);
}

}  // namespace
}  // namespace keyward::http_testing
