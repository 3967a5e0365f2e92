// Router-level tests of GET /v1/authz, the gateway endpoint (nginx auth_request, Envoy
// ext_authz): where the key and the client address come from, and what a failure reveals.
#include "crypto/key_codec.h"
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class AuthzApi : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    tenant_ = createTenant("Acme");
    other_ = createTenant("Other");
    key_ = createKey(tenant_, "gateway-key");
  }

  Response authz(std::vector<Header> headers, std::string peer = kPeer) {
    Request r = request("GET", "/v1/authz", "", std::move(headers));
    r.peer = peer.empty() ? std::nullopt : ip(peer);
    return send(r);
  }

  static void expectAllowed(const Response& r, const CreatedKey& k, const std::string& tenant) {
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(headerOf(r, "x-keyward-key-id"), k.id);
    EXPECT_EQ(headerOf(r, "x-keyward-tenant-id"), tenant);
  }

  static void expectDenied(const Response& r) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    json::object o = obj(r);
    EXPECT_EQ(str(o, "detail"), "not authorized");
    EXPECT_EQ(str(o, "code"), "NOT_AUTHORIZED");
    EXPECT_FALSE(o.contains("field"));
    EXPECT_FALSE(o.contains("key_id"));
    EXPECT_EQ(headerOf(r, "x-keyward-key-id"), "");
    EXPECT_EQ(headerOf(r, "x-keyward-tenant-id"), "");
  }

  std::string tenant_, other_;
  CreatedKey key_;
};
KEYWARD_ON_EVERY_BACKEND(AuthzApi);

TEST_P(AuthzApi, AcceptsBearerToken) {
  expectAllowed(authz({{"authorization", "Bearer " + key_.secret}}), key_, tenant_);
}

TEST_P(AuthzApi, AcceptsXApiKeyHeader) { expectAllowed(authz({{"x-api-key", key_.secret}}), key_, tenant_); }

TEST_P(AuthzApi, AcceptsIvantiRestApiKeyForm) {
  expectAllowed(authz({{"authorization", "rest_api_key=" + key_.secret}}), key_, tenant_);
}

TEST_P(AuthzApi, KeyNeedsNoRoles) {
  // A plain key (no roles) is what integrators hold; it is not a management credential.
  EXPECT_TRUE(key_.key.at("roles").as_array().empty());
  expectAllowed(authz({{"authorization", "Bearer " + key_.secret}}), key_, tenant_);
}

TEST_P(AuthzApi, NoKeyIsDenied) { expectDenied(authz({})); }

TEST_P(AuthzApi, EveryFailureReasonLooksTheSame) {
  CreatedKey disabled = createKey(tenant_, "disabled", R"("enabled":false)");
  CreatedKey expired = createKey(tenant_, "expired", R"("expires_in_days":1)");
  CreatedKey revoked = createKey(tenant_, "revoked");
  ASSERT_EQ(del("/v1/tenants/" + tenant_ + "/keys/" + revoked.id).status, 204);
  CreatedKey ip_bound = createKey(tenant_, "ip-bound", R"("ip_allowlist":["203.0.113.0/24"])");
  clock_.advance(kDay);
  auto unissued = crypto::generateKey("kw");
  ASSERT_TRUE(unissued);
  const std::string malformed = key_.secret.substr(0, key_.secret.size() - 2);

  std::vector<Response> denied = {
      authz({{"authorization", "Bearer " + malformed}}),
      authz({{"authorization", "Bearer " + *unissued}}),
      authz({{"authorization", "Bearer " + disabled.secret}}),
      authz({{"x-api-key", expired.secret}}),
      authz({{"authorization", "rest_api_key=" + revoked.secret}}),
      authz({{"authorization", "Bearer " + ip_bound.secret}}),
      authz({{"authorization", "Bearer " + key_.secret}, {"x-keyward-tenant", other_}}),
      authz({{"authorization", "Basic " + key_.secret}}),
  };
  for (const auto& r : denied) {
    expectDenied(r);
    EXPECT_EQ(r.body, denied[0].body);
    EXPECT_EQ(r.headers.size(), denied[0].headers.size());
  }
}

TEST_P(AuthzApi, TenantHeaderMustMatchTheKeysTenant) {
  expectAllowed(authz({{"authorization", "Bearer " + key_.secret}, {"x-keyward-tenant", tenant_}}), key_, tenant_);
  expectDenied(authz({{"authorization", "Bearer " + key_.secret}, {"x-keyward-tenant", other_}}));
  expectDenied(authz({{"x-api-key", key_.secret}, {"x-keyward-tenant", "system"}}));
}

TEST_P(AuthzApi, DisablingAKeyDeniesItAtOnce) {
  expectAllowed(authz({{"x-api-key", key_.secret}}), key_, tenant_);
  ASSERT_EQ(patch("/v1/tenants/" + tenant_ + "/keys/" + key_.id, R"({"enabled":false})").status, 200);
  expectDenied(authz({{"x-api-key", key_.secret}}));
}

TEST_P(AuthzApi, ClientAddressIsTheSocketPeer) {
  CreatedKey k = createKey(tenant_, "ip", R"("ip_allowlist":["203.0.113.0/24"])");
  expectAllowed(authz({{"x-api-key", k.secret}}, "203.0.113.5"), k, tenant_);
  expectDenied(authz({{"x-api-key", k.secret}}, "198.51.100.5"));
  expectAllowed(authz({{"x-api-key", k.secret}}, "::ffff:203.0.113.5"), k, tenant_);
  expectDenied(authz({{"x-api-key", k.secret}}, ""));
}

TEST_P(AuthzApi, ForwardedForIsIgnoredWithoutTrustedProxies) {
  CreatedKey k = createKey(tenant_, "ip", R"("ip_allowlist":["203.0.113.0/24"])");
  expectDenied(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "203.0.113.5"}}, "10.0.0.1"));
}

TEST_P(AuthzApi, ForwardedForIsHonouredOnlyFromATrustedProxy) {
  useTrustedProxies({"10.0.0.0/8", "fd00::/8"});
  CreatedKey k = createKey(tenant_, "ip", R"("ip_allowlist":["203.0.113.0/24"])");
  // From a trusted proxy: the forwarded client counts.
  expectAllowed(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "203.0.113.5"}}, "10.0.0.1"), k, tenant_);
  expectAllowed(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "203.0.113.5"}}, "fd00::1"), k, tenant_);
  expectDenied(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "198.51.100.5"}}, "10.0.0.1"));
  // From an untrusted peer: the header is the client's own claim and is ignored.
  expectDenied(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "203.0.113.5"}}, "198.51.100.9"));
  expectAllowed(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "198.51.100.5"}}, "203.0.113.9"), k, tenant_);
  // Without the header the proxy's own address is the client.
  expectDenied(authz({{"x-api-key", k.secret}}, "10.0.0.1"));
}

TEST_P(AuthzApi, RightmostUntrustedForwardedAddressWins) {
  useTrustedProxies({"10.0.0.0/8"});
  CreatedKey k = createKey(tenant_, "ip", R"("ip_allowlist":["203.0.113.0/24"])");
  // A client may prepend anything; only what trusted proxies appended counts.
  expectAllowed(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "198.51.100.1, 203.0.113.5, 10.0.0.2"}},
                      "10.0.0.1"),
                k, tenant_);
  expectDenied(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "203.0.113.5, 198.51.100.1, 10.0.0.2"}},
                     "10.0.0.1"));
  expectDenied(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "203.0.113.5,198.51.100.1"}}, "10.0.0.1"));
  expectAllowed(authz({{"x-api-key", k.secret}, {"x-forwarded-for", "198.51.100.1,203.0.113.5"}}, "10.0.0.1"), k,
                tenant_);
}

TEST_P(AuthzApi, ForwardedForAppliesToManagementAuditToo) {
  useTrustedProxies({"10.0.0.0/8"});
  Request r = request("POST", "/v1/tenants/" + tenant_ + "/key-groups", R"({"name":"via-proxy"})",
                      {{"authorization", "Bearer " + admin_}, {"x-forwarded-for", "192.0.2.44"}});
  r.peer = ip("10.9.9.9");
  ASSERT_EQ(send(r).status, 201);
  json::array events = auditOf(tenant_, "action=key_group.create");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(str(events[0].as_object(), "client_ip"), "192.0.2.44");
}

TEST_P(AuthzApi, AuthzWithOtherMethodsIs405) {
  Response r = send(request("POST", "/v1/authz", "", {{"x-api-key", key_.secret}}));
  expectProblem(r, 405, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(headerOf(r, "allow"), "GET, HEAD");
}

}  // namespace
}  // namespace keyward::http_testing
