// Verification against the real server: POST /v1/keys/verify and GET /v1/authz, as a
// resource server or gateway calls them. (EXPIRED needs the clock to move; the router tests
// cover it with an injected clock.)
#include <gtest/gtest.h>

#include "integration/api.h"
#include "integration/server_process.h"

namespace keyward::testing {
namespace {

namespace json = boost::json;

class Verification : public testing_support::BackendTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start());
    admin_ = server_.bootstrapToken();
    tenant_ = createTenant(server_, "acme");
    other_tenant_ = createTenant(server_, "globex");
    ASSERT_FALSE(tenant_.empty());
    ASSERT_FALSE(other_tenant_.empty());
  }

  ServerProcess server_{backend()};
  std::string admin_;
  std::string tenant_;
  std::string other_tenant_;
};
KEYWARD_ON_EVERY_BACKEND(Verification);

TEST_P(Verification, EachFailureHasItsOwnCodeForAnAdminAndOnlyNotAuthorizedForAnonymousCallers) {
  const CreatedKey good = createKey(server_, tenant_, {{"name", "good"}});
  const CreatedKey disabled = createKey(server_, tenant_, {{"name", "disabled"}, {"enabled", false}});
  const CreatedKey revoked = createKey(server_, tenant_, {{"name", "revoked"}});
  const CreatedKey fenced = createKey(server_, tenant_, {{"name", "fenced"}, {"ip_allowlist", {"10.0.0.0/8"}}});
  ASSERT_EQ(server_.admin("DELETE", "/v1/tenants/" + tenant_ + "/keys/" + revoked.id).status, 204);

  // A key that fails its checksum: one character of a real key changed.
  std::string malformed = good.secret;
  malformed.back() = malformed.back() == 'a' ? 'b' : 'a';

  struct Case {
    std::string what;
    std::string key;
    json::object fields;
    std::string admin_code;
  };
  const std::vector<Case> cases = {
      {"valid key", good.secret, {}, "VALID"},
      {"valid key for its own tenant", good.secret, {{"tenant_id", tenant_}}, "VALID"},
      {"valid key from an allowed address", fenced.secret, {{"ip", "10.1.2.3"}}, "VALID"},
      {"disabled key", disabled.secret, {}, "DISABLED"},
      {"revoked key", revoked.secret, {}, "REVOKED"},
      {"key of another tenant", good.secret, {{"tenant_id", other_tenant_}}, "TENANT_MISMATCH"},
      {"address outside the allowlist", fenced.secret, {{"ip", "192.168.1.1"}}, "IP_NOT_ALLOWED"},
      {"allowlisted key without an address", fenced.secret, {}, "IP_NOT_ALLOWED"},
      {"bad checksum", malformed, {}, "MALFORMED"},
      {"not a key at all", "hello", {}, "MALFORMED"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const Reply as_admin = verifyKey(server_, c.key, admin_, c.fields);
    EXPECT_EQ(verifyCode(as_admin), c.admin_code) << as_admin.body;

    const Reply anonymous = verifyKey(server_, c.key, "", c.fields);
    if (c.admin_code == "VALID") {
      EXPECT_EQ(verifyCode(anonymous), "VALID") << anonymous.body;
    } else {
      EXPECT_EQ(verifyCode(anonymous), "NOT_AUTHORIZED") << anonymous.body;
      // Nothing else: no key id, no hint.
      ASSERT_TRUE(anonymous.json.is_object());
      EXPECT_EQ(anonymous.json.as_object().size(), 2u) << anonymous.body;
    }
  }
}

TEST_P(Verification, AValidVerificationReturnsTheKeysIdentity) {
  const std::string group = createGroup(server_, tenant_, "payments");
  const CreatedKey key = createKey(server_, tenant_,
                                   {{"name", "payments-api"}, {"group_id", group}, {"metadata", {{"plan", "gold"}}}});
  const Reply r = verifyKey(server_, key.secret, "", {{"tenant_id", tenant_}});
  ASSERT_EQ(verifyCode(r), "VALID") << r.body;
  EXPECT_EQ(r.str("key_id"), key.id);
  EXPECT_EQ(r.str("tenant_id"), tenant_);
  EXPECT_EQ(r.str("name"), "payments-api");
  EXPECT_EQ(r.str("group_id"), group);
  EXPECT_EQ(r.json.at("metadata"), (json::value{{"plan", "gold"}}));
}

TEST_P(Verification, RevocationIsEffectiveBeforeTheDeleteResponseReturns) {
  const CreatedKey key = createKey(server_, tenant_, {{"name", "short-lived"}});
  ASSERT_EQ(verifyCode(verifyKey(server_, key.secret, admin_)), "VALID");
  const Reply del = server_.admin("DELETE", "/v1/tenants/" + tenant_ + "/keys/" + key.id);
  ASSERT_EQ(del.status, 204) << del.body;
  // No wait, no retry: the very next request must see the revocation.
  EXPECT_EQ(verifyCode(verifyKey(server_, key.secret, admin_)), "REVOKED");
  EXPECT_EQ(server_.call("GET", "/v1/authz", {}, {}, {{"X-API-Key", key.secret}}).status, 401);
}

TEST_P(Verification, DisablingAndReEnablingTakeEffectImmediately) {
  const CreatedKey key = createKey(server_, tenant_, {{"name", "toggled"}});
  const std::string path = "/v1/tenants/" + tenant_ + "/keys/" + key.id;
  ASSERT_EQ(server_.admin("PATCH", path, R"({"enabled":false})").status, 200);
  EXPECT_EQ(verifyCode(verifyKey(server_, key.secret, admin_)), "DISABLED");
  ASSERT_EQ(server_.admin("PATCH", path, R"({"enabled":true})").status, 200);
  EXPECT_EQ(verifyCode(verifyKey(server_, key.secret, admin_)), "VALID");
}

TEST_P(Verification, AuthzAcceptsTheKeyInEveryHeaderFormAndNamesIt) {
  const CreatedKey key = createKey(server_, tenant_, {{"name", "gateway"}});
  const std::vector<Headers> forms = {
      {{"X-API-Key", key.secret}},
      {{"Authorization", "Bearer " + key.secret}},
      {{"Authorization", "rest_api_key=" + key.secret}},
  };
  for (const auto& h : forms) {
    SCOPED_TRACE(h[0].first + ": " + h[0].second.substr(0, h[0].second.find('_')));
    const Reply r = server_.call("GET", "/v1/authz", {}, {}, h);
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(r.header("x-keyward-key-id"), key.id);
    EXPECT_EQ(r.header("x-keyward-tenant-id"), tenant_);
  }
  Headers with_tenant = {{"X-API-Key", key.secret}, {"X-Keyward-Tenant", tenant_}};
  EXPECT_EQ(server_.call("GET", "/v1/authz", {}, {}, with_tenant).status, 204);
  Headers wrong_tenant = {{"X-API-Key", key.secret}, {"X-Keyward-Tenant", other_tenant_}};
  const Reply denied = server_.call("GET", "/v1/authz", {}, {}, wrong_tenant);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.header("x-keyward-key-id"), "");
  EXPECT_EQ(denied.body.find("TENANT_MISMATCH"), std::string::npos) << denied.body;

  const Reply none = server_.call("GET", "/v1/authz");
  EXPECT_EQ(none.status, 401);
}

TEST_P(Verification, AuthzChecksTheAllowlistAgainstTheConnectionsAddress) {
  const CreatedKey loopback = createKey(server_, tenant_, {{"name", "loopback"}, {"ip_allowlist", {"127.0.0.1/32"}}});
  const CreatedKey private_net = createKey(server_, tenant_, {{"name", "private"}, {"ip_allowlist", {"10.0.0.0/8"}}});
  const Reply ok = server_.call("GET", "/v1/authz", {}, {}, {{"X-API-Key", loopback.secret}});
  EXPECT_EQ(ok.status, 204) << ok.body;
  EXPECT_EQ(ok.header("x-keyward-key-id"), loopback.id);
  EXPECT_EQ(server_.call("GET", "/v1/authz", {}, {}, {{"X-API-Key", private_net.secret}}).status, 401);
  // No trusted proxy is configured: a client cannot talk its way in with X-Forwarded-For.
  const Reply spoofed = server_.call("GET", "/v1/authz", {}, {},
                                     {{"X-API-Key", private_net.secret}, {"X-Forwarded-For", "10.1.2.3"}});
  EXPECT_EQ(spoofed.status, 401);
}

class VerificationBehindAProxy : public testing_support::BackendTest {};
KEYWARD_ON_EVERY_BACKEND(VerificationBehindAProxy);

TEST_P(VerificationBehindAProxy, AuthzHonoursXForwardedForFromATrustedProxy) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start({"--trusted-proxy", "127.0.0.1/32"}));
  const std::string tenant = createTenant(server, "acme");
  const CreatedKey key = createKey(server, tenant, {{"name", "private"}, {"ip_allowlist", {"10.0.0.0/8"}}});

  auto authz = [&](const Headers& extra) {
    Headers h = extra;
    h.emplace_back("X-API-Key", key.secret);
    return server.call("GET", "/v1/authz", {}, {}, h).status;
  };
  EXPECT_EQ(authz({{"X-Forwarded-For", "10.1.2.3"}}), 204);
  // The rightmost address the trusted proxy did not add is the client.
  EXPECT_EQ(authz({{"X-Forwarded-For", "10.1.2.3, 127.0.0.1"}}), 204);
  EXPECT_EQ(authz({{"X-Forwarded-For", "10.1.2.3, 192.168.7.7"}}), 401);
  EXPECT_EQ(authz({{"X-Forwarded-For", "192.168.7.7"}}), 401);
  // Without the header the client is the proxy itself, 127.0.0.1: not in 10.0.0.0/8.
  EXPECT_EQ(authz({}), 401);
}

}  // namespace
}  // namespace keyward::testing
