// Router-level tests of POST /v1/keys/verify and GET /v1/tenants/{tenant_id}/verify-failures.
#include "core/usage_flusher.h"
#include "crypto/key_codec.h"
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class VerifyApi : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    tenant_ = createTenant("Acme", R"("key_prefix":"acme")");
    other_ = createTenant("Other");
    group_ = createGroup(tenant_, "gateways");
  }

  // POST /v1/keys/verify with the given JSON fields, as `token` (none: kNoCredential).
  Response verify(const std::string& fields, const std::string& token = kUseAdmin) {
    return post("/v1/keys/verify", "{" + fields + "}", token);
  }
  static std::string keyField(const std::string& secret) { return "\"key\":" + json::serialize(json::value(secret)); }
  std::string code(const std::string& fields, const std::string& token = kUseAdmin) {
    Response r = verify(fields, token);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    return str(obj(r), "code");
  }

  // One key in each state the verifier distinguishes.
  struct Keys {
    CreatedKey valid, disabled, expired, revoked, ip_bound, foreign;
    std::string not_found, malformed;
  };
  Keys makeKeys() {
    Keys k;
    k.valid = createKey(tenant_, "valid");
    k.disabled = createKey(tenant_, "disabled", R"("enabled":false)");
    k.expired = createKey(tenant_, "expired", R"("expires_in_days":1)");
    k.revoked = createKey(tenant_, "revoked");
    EXPECT_EQ(del("/v1/tenants/" + tenant_ + "/keys/" + k.revoked.id).status, 204);
    k.ip_bound = createKey(tenant_, "ip-bound", R"("ip_allowlist":["203.0.113.0/24"])");
    k.foreign = createKey(other_, "foreign");
    auto unissued = crypto::generateKey("acme");
    EXPECT_TRUE(unissued);
    k.not_found = unissued.value_or("");
    k.malformed = k.valid.secret.substr(0, k.valid.secret.size() - 1) +
                  (k.valid.secret.back() == 'A' ? "B" : "A");  // checksum no longer matches
    clock_.advance(kDay);                                      // `expired` is now past its expiry
    return k;
  }

  std::string tenant_, other_, group_;
};
KEYWARD_ON_EVERY_BACKEND(VerifyApi);

TEST_P(VerifyApi, ValidKeyReturnsTheRecord) {
  CreatedKey k = createKey(tenant_, "k",
                           "\"group_id\":\"" + group_ +
                               "\",\"expires_at\":\"2027-06-01T00:00:00Z\","
                               "\"metadata\":{\"plan\":\"gold\"}");
  Response r = verify(keyField(k.secret));
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = obj(r);
  EXPECT_EQ(o.at("valid"), json::value(true));
  EXPECT_EQ(str(o, "code"), "VALID");
  EXPECT_EQ(str(o, "key_id"), k.id);
  EXPECT_EQ(str(o, "tenant_id"), tenant_);
  EXPECT_EQ(str(o, "name"), "k");
  EXPECT_EQ(str(o, "group_id"), group_);
  EXPECT_EQ(str(o, "expires_at"), "2027-06-01T00:00:00Z");
  EXPECT_EQ(o.at("metadata"), json::parse(R"({"plan":"gold"})"));
}

// The hot path formats expiry itself (no snprintf); it must print what the key API prints.
TEST_P(VerifyApi, ExpiryIsFormattedLikeTheKeyApiToTheSecond) {
  for (const char* at : {"2027-06-01T09:08:07Z", "2031-12-31T23:59:59Z", "2028-02-29T12:00:01Z"}) {
    CreatedKey k = createKey(tenant_, std::string("k-") + at, std::string("\"expires_at\":\"") + at + "\"");
    EXPECT_EQ(str(obj(verify(keyField(k.secret))), "expires_at"), at);
  }
}

TEST_P(VerifyApi, ValidNeverExpiringKeyInNoGroupHasNulls) {
  CreatedKey k = createKey(tenant_, "k", R"("never_expires":true)");
  json::object o = obj(verify(keyField(k.secret)));
  EXPECT_TRUE(o.at("group_id").is_null());
  EXPECT_TRUE(o.at("expires_at").is_null());
  EXPECT_EQ(o.at("metadata"), json::object());
}

TEST_P(VerifyApi, AdminCredentialLearnsEveryExactCode) {
  Keys k = makeKeys();
  EXPECT_EQ(code(keyField(k.valid.secret)), "VALID");
  EXPECT_EQ(code(keyField(k.malformed)), "MALFORMED");
  EXPECT_EQ(code(R"("key":"not a key at all")"), "MALFORMED");
  EXPECT_EQ(code(R"("key":"")"), "MALFORMED");
  EXPECT_EQ(code(keyField(k.not_found)), "NOT_FOUND");
  EXPECT_EQ(code(keyField(k.disabled.secret)), "DISABLED");
  EXPECT_EQ(code(keyField(k.expired.secret)), "EXPIRED");
  EXPECT_EQ(code(keyField(k.revoked.secret)), "REVOKED");
  EXPECT_EQ(code(keyField(k.ip_bound.secret) + R"(,"ip":"198.51.100.1")"), "IP_NOT_ALLOWED");
  EXPECT_EQ(code(keyField(k.ip_bound.secret)), "IP_NOT_ALLOWED") << "no address cannot match an allowlist";
  EXPECT_EQ(code(keyField(k.ip_bound.secret) + R"(,"ip":"203.0.113.9")"), "VALID");
  EXPECT_EQ(code(keyField(k.valid.secret) + ",\"tenant_id\":\"" + other_ + "\""), "TENANT_MISMATCH");
  EXPECT_EQ(code(keyField(k.valid.secret) + ",\"tenant_id\":\"" + tenant_ + "\""), "VALID");
  EXPECT_EQ(code(keyField(k.foreign.secret) + ",\"tenant_id\":\"" + tenant_ + "\""), "TENANT_MISMATCH");
}

TEST_P(VerifyApi, ExactFailureCarriesTheKeyIdButNeverForATenantMismatch) {
  Keys k = makeKeys();
  json::object o = obj(verify(keyField(k.disabled.secret)));
  EXPECT_EQ(o.at("valid"), json::value(false));
  EXPECT_EQ(str(o, "key_id"), k.disabled.id);
  EXPECT_FALSE(o.contains("name"));
  o = obj(verify(keyField(k.foreign.secret) + ",\"tenant_id\":\"" + tenant_ + "\""));
  EXPECT_EQ(str(o, "code"), "TENANT_MISMATCH");
  EXPECT_FALSE(o.contains("key_id")) << "another tenant's key id must not leak";
}

TEST_P(VerifyApi, CallerWithoutCredentialLearnsOnlyNotAuthorized) {
  Keys k = makeKeys();
  for (const std::string& fields :
       {keyField(k.malformed), keyField(k.not_found), keyField(k.disabled.secret), keyField(k.expired.secret),
        keyField(k.revoked.secret), keyField(k.ip_bound.secret) + R"(,"ip":"198.51.100.1")",
        keyField(k.valid.secret) + ",\"tenant_id\":\"" + other_ + "\""}) {
    Response r = verify(fields, kNoCredential);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body), json::parse(R"({"valid":false,"code":"NOT_AUTHORIZED"})")) << fields;
  }
}

TEST_P(VerifyApi, CallerWithoutCredentialGetsTheFullRecordOnSuccess) {
  CreatedKey k = createKey(tenant_, "k", "\"group_id\":\"" + group_ + "\",\"metadata\":{\"a\":[1,2]}");
  Response anonymous = verify(keyField(k.secret) + ",\"tenant_id\":\"" + tenant_ + "\"", kNoCredential);
  Response admin = verify(keyField(k.secret) + ",\"tenant_id\":\"" + tenant_ + "\"");
  ASSERT_EQ(anonymous.status, 200) << anonymous.body;
  json::object o = obj(anonymous);
  EXPECT_EQ(str(o, "code"), "VALID");
  EXPECT_EQ(str(o, "key_id"), k.id);
  EXPECT_EQ(str(o, "name"), "k");
  EXPECT_EQ(str(o, "group_id"), group_);
  EXPECT_EQ(o.at("metadata"), json::parse(R"({"a":[1,2]})"));
  EXPECT_EQ(o, obj(admin));
}

TEST_P(VerifyApi, VerifierCredentialLearnsExactCodes) {
  Keys k = makeKeys();
  const std::string system_verifier = makeCredential("system", "Verifier");
  EXPECT_EQ(code(keyField(k.disabled.secret), system_verifier), "DISABLED");
  EXPECT_EQ(code(keyField(k.foreign.secret), system_verifier), "VALID");
  const std::string tenant_verifier = makeCredential(tenant_, "Verifier");
  EXPECT_EQ(code(keyField(k.revoked.secret), tenant_verifier), "REVOKED");
  EXPECT_EQ(code(keyField(k.expired.secret), tenant_verifier), "EXPIRED");
  EXPECT_EQ(code(keyField(k.valid.secret), tenant_verifier), "VALID");
}

TEST_P(VerifyApi, TenantCredentialIsImplicitlyScopedToItsTenant) {
  Keys k = makeKeys();
  for (const std::string role : {"Verifier", "Portal Administrator"}) {
    const std::string cred = makeCredential(tenant_, role);
    EXPECT_EQ(code(keyField(k.valid.secret), cred), "VALID") << role;
    EXPECT_EQ(code(keyField(k.foreign.secret), cred), "TENANT_MISMATCH") << role;
    EXPECT_EQ(code(keyField(k.valid.secret) + ",\"tenant_id\":\"" + tenant_ + "\"", cred), "VALID") << role;
  }
}

TEST_P(VerifyApi, TenantCredentialCannotVerifyForAnotherTenant) {
  Keys k = makeKeys();
  const std::string cred = makeCredential(tenant_, "Verifier");
  Response r = verify(keyField(k.foreign.secret) + ",\"tenant_id\":\"" + other_ + "\"", cred);
  expectProblem(r, 403, "FORBIDDEN", "tenant_id");
  r = verify(keyField(k.valid.secret) + ",\"tenant_id\":\"" + other_ + "\"", cred);
  expectProblem(r, 403, "FORBIDDEN", "tenant_id");
}

TEST_P(VerifyApi, BadCredentialIs401EvenOnTheVerifyPath) {
  Keys k = makeKeys();
  const std::string no_roles = createKey(tenant_, "plain").secret;
  for (const std::string& cred : {k.not_found, k.revoked.secret, k.disabled.secret, no_roles, std::string("garbage")}) {
    Response r = verify(keyField(k.valid.secret), cred);
    expectProblem(r, 401, "UNAUTHENTICATED");
    EXPECT_FALSE(headerOf(r, "www-authenticate").empty());
  }
}

TEST_P(VerifyApi, Ipv4MappedIpv6AddressMatchesAnIpv4Allowlist) {
  CreatedKey k = createKey(tenant_, "k", R"("ip_allowlist":["10.1.0.0/16"])");
  EXPECT_EQ(code(keyField(k.secret) + R"(,"ip":"::ffff:10.1.2.3")"), "VALID");
  EXPECT_EQ(code(keyField(k.secret) + R"(,"ip":"::FFFF:10.1.2.3")"), "VALID");
  EXPECT_EQ(code(keyField(k.secret) + R"(,"ip":"10.1.255.255")"), "VALID");
  EXPECT_EQ(code(keyField(k.secret) + R"(,"ip":"::ffff:10.2.0.1")"), "IP_NOT_ALLOWED");
  EXPECT_EQ(code(keyField(k.secret) + R"(,"ip":"10.2.0.1")"), "IP_NOT_ALLOWED");
}

TEST_P(VerifyApi, Ipv6AllowlistMatchesIpv6Addresses) {
  CreatedKey k = createKey(tenant_, "k", R"("ip_allowlist":["2001:db8:1::/48"])");
  EXPECT_EQ(code(keyField(k.secret) + R"(,"ip":"2001:db8:1::7")"), "VALID");
  EXPECT_EQ(code(keyField(k.secret) + R"(,"ip":"2001:db8:2::7")"), "IP_NOT_ALLOWED");
}

TEST_P(VerifyApi, InvalidIpIs400) {
  CreatedKey k = createKey(tenant_, "k");
  for (const char* ip : {"300.1.1.1", "10.1", "010.0.0.1", "::g", "10.0.0.0/8", "", "localhost"}) {
    Response r = verify(keyField(k.secret) + ",\"ip\":\"" + ip + "\"");
    expectProblem(r, 400, "INVALID_FIELD", "ip");
    r = verify(keyField(k.secret) + ",\"ip\":\"" + ip + "\"", kNoCredential);
    expectProblem(r, 400, "INVALID_FIELD", "ip");
  }
}

TEST_P(VerifyApi, BadBodiesAre400NamingTheField) {
  CreatedKey k = createKey(tenant_, "k");
  expectProblem(post("/v1/keys/verify", "{"), 400, "MALFORMED_JSON");
  expectProblem(post("/v1/keys/verify", "[]"), 400, "MALFORMED_JSON");
  expectProblem(post("/v1/keys/verify", ""), 400, "MISSING_BODY");
  expectProblem(verify(""), 400, "MISSING_FIELD", "key");
  expectProblem(verify(R"("tenant_id":"x")"), 400, "MISSING_FIELD", "key");
  expectProblem(verify(R"("key":42)"), 400, "INVALID_FIELD", "key");
  expectProblem(verify(keyField(k.secret) + R"(,"tenant_id":7)"), 400, "INVALID_FIELD", "tenant_id");
  expectProblem(verify(keyField(k.secret) + R"(,"ip":["10.0.0.1"])"), 400, "INVALID_FIELD", "ip");
  expectProblem(verify(keyField(k.secret) + R"(,"secret":"x")"), 400, "UNKNOWN_FIELD", "secret");
  expectProblem(post("/v1/keys/verify", "{" + keyField(k.secret) + R"(,"colour":1})", kNoCredential), 400,
                "UNKNOWN_FIELD", "colour");
}

TEST_P(VerifyApi, FailuresAreCountedPerKeyAndReason) {
  Keys k = makeKeys();
  for (int i = 0; i < 3; ++i) code(keyField(k.disabled.secret));
  code(keyField(k.revoked.secret));
  code(keyField(k.valid.secret));
  UsageFlusher flusher(*store_, index_, verifier_, std::chrono::seconds(60));
  ASSERT_TRUE(flusher.flushNow());
  Response r = get("/v1/tenants/" + tenant_ + "/verify-failures");
  ASSERT_EQ(r.status, 200) << r.body;
  int disabled = 0, revoked = 0;
  for (const auto& row : items(obj(r))) {
    const auto& o = row.as_object();
    EXPECT_TRUE(isRfc3339(o.at("last_at")));
    if (str(o, "reason") == "DISABLED") {
      EXPECT_EQ(str(o, "key_id"), k.disabled.id);
      disabled += int(o.at("count").as_int64());
    }
    if (str(o, "reason") == "REVOKED") revoked += int(o.at("count").as_int64());
  }
  EXPECT_EQ(disabled, 3);
  EXPECT_EQ(revoked, 1);
}

TEST_P(VerifyApi, VerifyIsNotAuditedPerRequest) {
  Keys k = makeKeys();
  const size_t before = auditOf(tenant_).size();
  code(keyField(k.valid.secret));
  code(keyField(k.disabled.secret));
  EXPECT_EQ(auditOf(tenant_).size(), before);
}

}  // namespace
}  // namespace keyward::http_testing
