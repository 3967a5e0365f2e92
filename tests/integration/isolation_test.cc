// Tenant isolation through the real server: a tenant's own administrator key sees and uses
// only its own tenant's groups and keys; another tenant's objects are "not found".
#include <gtest/gtest.h>

#include "integration/api.h"
#include "integration/server_process.h"

namespace keyward::testing {
namespace {

namespace json = boost::json;

class TenantIsolation : public testing_support::BackendTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start());
    a_ = createTenant(server_, "tenant-a");
    b_ = createTenant(server_, "tenant-b");
    ASSERT_FALSE(a_.empty());
    ASSERT_FALSE(b_.empty());
    a_admin_ = createKey(server_, a_, {{"name", "a-admin"}, {"roles", {"Portal Administrator"}}}).secret;
    ASSERT_FALSE(a_admin_.empty());
    a_group_ = createGroup(server_, a_, "a-group");
    b_group_ = createGroup(server_, b_, "b-group");
    b_key_ = createKey(server_, b_, {{"name", "b-key"}, {"group_id", b_group_}});
    ASSERT_FALSE(b_key_.secret.empty());
  }

  Reply asA(std::string_view method, const std::string& target, std::string_view body = {}) {
    return server_.call(method, target, body, a_admin_);
  }

  ServerProcess server_{backend()};
  std::string a_, b_, a_admin_, a_group_, b_group_;
  CreatedKey b_key_;
};
KEYWARD_ON_EVERY_BACKEND(TenantIsolation);

TEST_P(TenantIsolation, ATenantAdministratorManagesItsOwnTenant) {
  const Reply group = asA("POST", "/v1/tenants/" + a_ + "/key-groups", R"({"name":"mine"})");
  EXPECT_EQ(group.status, 201) << group.body;
  const Reply key = asA("POST", "/v1/tenants/" + a_ + "/keys", R"({"name":"mine"})");
  EXPECT_EQ(key.status, 201) << key.body;
  EXPECT_EQ(asA("GET", "/v1/tenants/" + a_ + "/keys").status, 200);
  // Platform-wide operations stay with the system tenant.
  EXPECT_EQ(asA("GET", "/v1/tenants").status, 403);
}

TEST_P(TenantIsolation, AnotherTenantsGroupsAndKeysAreNotFound) {
  const std::string b = "/v1/tenants/" + b_;
  const std::string a = "/v1/tenants/" + a_;
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", b},
      {"GET", b + "/key-groups"},
      {"GET", b + "/key-groups/" + b_group_},
      {"GET", b + "/keys"},
      {"GET", b + "/keys/" + b_key_.id},
      {"GET", b + "/audit"},
      // B's objects addressed under A's own tenant path.
      {"GET", a + "/key-groups/" + b_group_},
      {"GET", a + "/keys/" + b_key_.id},
      {"DELETE", a + "/keys/" + b_key_.id},
      {"DELETE", a + "/key-groups/" + b_group_},
  };
  for (const auto& [method, target] : requests) {
    SCOPED_TRACE(method + " " + target);
    const Reply r = asA(method, target);
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_EQ(r.body.find("b-key"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("b-group"), std::string::npos) << r.body;
  }
  for (const auto& [method, target, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PATCH", b + "/keys/" + b_key_.id, R"({"enabled":false})"},
           {"PATCH", a + "/keys/" + b_key_.id, R"({"enabled":false})"},
           {"PATCH", b + "/key-groups/" + b_group_, R"({"description":"mine now"})"},
           {"POST", b + "/keys", R"({"name":"planted"})"},
           {"POST", b + "/key-groups", R"({"name":"planted"})"},
       }) {
    SCOPED_TRACE(method + " " + target);
    EXPECT_EQ(asA(method, target, body).status, 404);
  }

  // Nothing of B's changed, and nothing was planted in B.
  EXPECT_EQ(verifyCode(verifyKey(server_, b_key_.secret, server_.bootstrapToken(), {{"tenant_id", b_}})), "VALID");
  const Reply keys = server_.admin("GET", b + "/keys");
  EXPECT_EQ(keys.body.find("planted"), std::string::npos) << keys.body;
  const Reply groups = server_.admin("GET", b + "/key-groups");
  EXPECT_EQ(groups.body.find("planted"), std::string::npos) << groups.body;
  EXPECT_EQ(groups.body.find("mine now"), std::string::npos) << groups.body;
}

TEST_P(TenantIsolation, ListsShowOnlyTheTenantsOwnObjects) {
  createKey(server_, a_, {{"name", "a-key"}, {"group_id", a_group_}});
  const Reply keys = asA("GET", "/v1/tenants/" + a_ + "/keys");
  ASSERT_EQ(keys.status, 200) << keys.body;
  EXPECT_NE(keys.body.find("a-key"), std::string::npos) << keys.body;
  EXPECT_EQ(keys.body.find(b_key_.id), std::string::npos) << keys.body;
  const Reply groups = asA("GET", "/v1/tenants/" + a_ + "/key-groups");
  ASSERT_EQ(groups.status, 200) << groups.body;
  EXPECT_NE(groups.body.find(a_group_), std::string::npos) << groups.body;
  EXPECT_EQ(groups.body.find(b_group_), std::string::npos) << groups.body;
}

TEST_P(TenantIsolation, AKeyCannotBePutIntoAnotherTenantsGroup) {
  const Reply r = asA("POST", "/v1/tenants/" + a_ + "/keys", toJson({{"name", "sneaky"}, {"group_id", b_group_}}));
  EXPECT_EQ(r.status, 404) << r.body;
  const Reply keys = server_.admin("GET", "/v1/tenants/" + a_ + "/keys");
  EXPECT_EQ(keys.body.find("sneaky"), std::string::npos) << keys.body;
}

TEST_P(TenantIsolation, ATenantCannotVerifyAnotherTenantsKeyAsValid) {
  const Reply own_scope = verifyKey(server_, b_key_.secret, a_admin_);
  EXPECT_EQ(verifyCode(own_scope), "TENANT_MISMATCH") << own_scope.body;
  EXPECT_EQ(own_scope.body.find(b_key_.id), std::string::npos) << own_scope.body;

  const Reply claims_b = verifyKey(server_, b_key_.secret, a_admin_, {{"tenant_id", b_}});
  EXPECT_EQ(claims_b.status, 403) << claims_b.body;
  EXPECT_EQ(claims_b.body.find("\"valid\":true"), std::string::npos) << claims_b.body;

  // A gateway for A's API rejects B's key.
  const Reply gateway = server_.call("GET", "/v1/authz", {}, {},
                                     {{"X-API-Key", b_key_.secret}, {"X-Keyward-Tenant", a_}});
  EXPECT_EQ(gateway.status, 401);
}

}  // namespace
}  // namespace keyward::testing
