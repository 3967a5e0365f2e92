// Router-level tests of JWT keys: creation, the public JWKS, signing-key list/rotate, and
// POST /v1/keys/verify and GET /v1/authz with tokens, including RFC 8725 attacks (alg none,
// algorithm confusion, kid with path characters, unknown kid, wrong audience, expired,
// tampered, revoked).
#include "sign/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http/router_fixture.h"
#include "sign/base64.h"

namespace keyward::http_testing {
namespace {

class JwtApi : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    tenant_ = createTenant("Acme");
    other_ = createTenant("Other");
  }

  CreatedKey createJwt(const std::string& name, std::string fields = {}) {
    return createKey(tenant_, name, "\"kind\":\"jwt\"" + (fields.empty() ? "" : "," + fields));
  }
  static std::string keyField(const std::string& secret) { return "\"key\":" + json::serialize(json::value(secret)); }
  json::object verify(const std::string& token, const std::string& caller = kUseAdmin) {
    Response r = post("/v1/keys/verify", "{" + keyField(token) + "}", caller);
    EXPECT_EQ(r.status, 200) << r.body;
    return obj(r);
  }
  int authzStatus(const std::string& token) {
    return send(request("GET", "/v1/authz", {}, {{"authorization", "Bearer " + token}})).status;
  }

  // The tenant's current signing record and its opened private key, to sign hostile tokens
  // that only the claims make invalid.
  sign::SigningKeyRecord signingRecord() {
    auto records = store_->listSigningKeys(tenant_).value();
    EXPECT_FALSE(records.empty());
    return records.back();
  }
  std::string signWith(const sign::JwtClaims& claims, std::string_view kid_override = {}) {
    auto record = signingRecord();
    auto key = sign::openSigner(record, *master_, tenant_);
    EXPECT_TRUE(key);
    auto token = sign::encodeJwt(claims, *key, kid_override.empty() ? std::string_view(record.kid) : kid_override);
    EXPECT_TRUE(token);
    return token.value_or("");
  }
  sign::JwtClaims claimsOf(const CreatedKey& k) {
    sign::JwtClaims c;
    c.iss = "keyward:tenant:" + tenant_;
    c.sub = k.id;
    c.aud = {"keyward"};
    c.tenant = tenant_;
    c.iat = clock_.now();
    c.exp = clock_.now() + 3600;
    c.jti = str(k.key, "token_id");
    return c;
  }
  static std::string b64(std::string_view s) { return sign::base64UrlEncode(s); }
  static std::string part(const std::string& token, int i) {
    const size_t a = token.find('.'), b = token.rfind('.');
    return i == 0 ? token.substr(0, a) : i == 1 ? token.substr(a + 1, b - a - 1) : token.substr(b + 1);
  }

  std::string tenant_, other_;
};
KEYWARD_ON_EVERY_BACKEND(JwtApi);

TEST_P(JwtApi, CreateReturnsTheTokenOnceWithABearerAuthorizationAndItVerifies) {
  Response r = post("/v1/tenants/" + tenant_ + "/keys", R"({"name":"j","kind":"jwt","expires_in_days":30})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto o = obj(r);
  const std::string token = str(o, "secret");
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  EXPECT_EQ(str(o, "authorization"), "Bearer " + token);
  auto key = o.at("key").as_object();
  EXPECT_EQ(str(key, "kind"), "jwt");
  EXPECT_TRUE(str(key, "token_id").starts_with("jti_"));
  EXPECT_TRUE(str(key, "start").starts_with("jwt:"));
  EXPECT_FALSE(key.contains("public_key"));
  CreatedKey k = keep(r);
  auto v = verify(token);
  EXPECT_EQ(str(v, "code"), "VALID") << json::serialize(v);
  EXPECT_EQ(str(v, "key_id"), k.id);
  EXPECT_EQ(v.at("rotating").as_bool(), false);
  EXPECT_EQ(str(verify(token, kNoCredential), "code"), "VALID");
  EXPECT_EQ(authzStatus(token), 204);
  // Listed by kind; the token itself appears nowhere (send() checks every response).
  EXPECT_EQ(items(obj(get("/v1/tenants/" + tenant_ + "/keys?kind=jwt"))).size(), 1u);
}

TEST_P(JwtApi, BadInputIsRefusedAndChangesNothing) {
  expectProblem(post("/v1/tenants/" + tenant_ + "/keys", R"({"name":"a","kind":"jwt","never_expires":true})"), 400,
                "JWT_NEEDS_EXPIRY", "never_expires");
  expectProblem(post("/v1/tenants/" + tenant_ + "/keys", R"({"name":"b","kind":"jwt","expires_in_days":731})"), 400,
                "EXPIRY_EXCEEDS_POLICY", "expires_in_days");
  expectProblem(post("/v1/tenants/" + tenant_ + "/keys",
                     R"({"name":"c","kind":"jwt","credential_mode":"shared_secret"})"),
                400, "INVALID_FIELD", "credential_mode");
  expectProblem(post("/v1/tenants/" + tenant_ + "/keys", R"({"name":"d","kind":"jws"})"), 400, "INVALID_FIELD", "kind");
  EXPECT_TRUE(items(obj(get("/v1/tenants/" + tenant_ + "/keys"))).empty());
  // No signing key was created by the refused requests.
  EXPECT_TRUE(items(obj(get("/v1/tenants/" + tenant_ + "/signing-keys"))).empty());
  CreatedKey k = createJwt("k");
  expectProblem(patch("/v1/tenants/" + tenant_ + "/keys/" + k.id, R"({"expires_in_days":10})"), 400, "JWT_EXPIRY_FIXED",
                "expires_at");
  expectProblem(post("/v1/tenants/" + tenant_ + "/signing-keys/rotate", R"({"alg":"HS256"})"), 400, "UNKNOWN_FIELD");
}

TEST_P(JwtApi, JwksIsPublicHoldsPublicMembersOnlyAndUnknownTenantsAre404) {
  Response empty = get("/v1/tenants/" + tenant_ + "/jwks.json", kNoCredential);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_TRUE(obj(empty).at("keys").as_array().empty());
  createJwt("k");
  Response r = get("/v1/tenants/" + tenant_ + "/jwks.json", kNoCredential);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/jwk-set+json");
  auto keys = obj(r).at("keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  auto jwk = keys[0].as_object();
  EXPECT_EQ(str(jwk, "kty"), "EC");
  EXPECT_EQ(str(jwk, "crv"), "P-256");
  EXPECT_EQ(str(jwk, "alg"), "ES256");
  EXPECT_EQ(str(jwk, "use"), "sig");
  EXPECT_EQ(str(jwk, "kid"), signingRecord().kid);
  EXPECT_FALSE(jwk.contains("d"));
  // The other tenant publishes its own (empty) set; an unknown tenant is a 404 problem.
  EXPECT_TRUE(obj(get("/v1/tenants/" + other_ + "/jwks.json", kNoCredential)).at("keys").as_array().empty());
  expectProblem(get("/v1/tenants/ten_unknown/jwks.json", kNoCredential), 404, "NOT_FOUND");
}

TEST_P(JwtApi, SigningKeysAreListedAndRotatedByKeyAdministratorsOnly) {
  CreatedKey before = createJwt("before");
  Response rotated = post("/v1/tenants/" + tenant_ + "/signing-keys/rotate", "");
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  auto nk = obj(rotated);
  EXPECT_EQ(str(nk, "status"), "current");
  EXPECT_TRUE(nk.at("public_jwk").is_object());
  auto list = items(obj(get("/v1/tenants/" + tenant_ + "/signing-keys")));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(str(list[0].as_object(), "status"), "retired");
  EXPECT_TRUE(isRfc3339(list[0].as_object().at("published_until")));
  EXPECT_EQ(obj(get("/v1/tenants/" + tenant_ + "/jwks.json", kNoCredential)).at("keys").as_array().size(), 2u);
  // The old token still verifies; a new one is signed by the new key.
  EXPECT_EQ(str(verify(before.secret), "code"), "VALID");
  CreatedKey after = createJwt("after");
  EXPECT_NE(part(after.secret, 0), part(before.secret, 0));
  EXPECT_EQ(str(verify(after.secret), "code"), "VALID");
  // A viewer may not rotate; nobody anonymous may list.
  CreatedKey viewer = createKey(tenant_, "viewer", R"("roles":[{"role":"Global Viewer"}])");
  expectProblem(post("/v1/tenants/" + tenant_ + "/signing-keys/rotate", "", viewer.secret), 403, "FORBIDDEN");
  expectProblem(get("/v1/tenants/" + tenant_ + "/signing-keys", kNoCredential), 401, "UNAUTHENTICATED");
  expectProblem(post("/v1/tenants/ten_unknown/signing-keys/rotate", ""), 404, "NOT_FOUND");
}

TEST_P(JwtApi, HostileAndInvalidTokensAreRejectedWithTheReasonForTrustedCallersOnly) {
  CreatedKey k = createJwt("k");
  const std::string h = part(k.secret, 0), p = part(k.secret, 1), s = part(k.secret, 2);
  auto reason = [&](const std::string& token) {
    auto v = verify(token);
    EXPECT_EQ(v.at("valid").as_bool(), false);
    return str(v, "code") + "/" + str(v, "reason");
  };
  // Tampered payload (another subject), signature unchanged.
  auto claims = claimsOf(k);
  claims.sub = "key_someoneelse";
  const std::string other_payload = part(signWith(claims), 1);
  EXPECT_EQ(reason(h + "." + other_payload + "." + s), "INVALID_TOKEN/TOKEN_SIGNATURE_INVALID");
  // alg none, with and without a signature.
  const std::string kid = signingRecord().kid;
  const std::string none = b64(R"({"alg":"none","typ":"kw+jwt","kid":")" + kid + "\"}");
  EXPECT_EQ(reason(none + "." + p + "."), "INVALID_TOKEN/TOKEN_ALGORITHM_MISMATCH");
  EXPECT_EQ(reason(none + "." + p + "." + s), "INVALID_TOKEN/TOKEN_ALGORITHM_MISMATCH");
  // Algorithm confusion: HS256 keyed with the public key's PEM.
  const std::string hs = b64(R"({"alg":"HS256","typ":"kw+jwt","kid":")" + kid + "\"}");
  const std::string pem = signingRecord().public_pem;
  const std::string input = hs + "." + p;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), pem.data(), int(pem.size()), reinterpret_cast<const unsigned char*>(input.data()), input.size(),
       mac, &mac_len);
  EXPECT_EQ(reason(input + "." + sign::base64UrlEncode(std::span<const std::uint8_t>(mac, mac_len))),
            "INVALID_TOKEN/TOKEN_ALGORITHM_MISMATCH");
  // kid with path characters never reaches a look-up; an unknown kid is not found.
  const std::string path_kid = b64(R"({"alg":"ES256","typ":"kw+jwt","kid":"../../etc/passwd"})");
  EXPECT_EQ(reason(path_kid + "." + p + "." + s), "INVALID_TOKEN/TOKEN_HEADER_INVALID");
  EXPECT_EQ(reason(signWith(claimsOf(k), "unknownkid")), "INVALID_TOKEN/TOKEN_KEY_UNKNOWN");
  // Properly signed, but for another audience, or expired.
  auto wrong_aud = claimsOf(k);
  wrong_aud.aud = {"someone-else"};
  EXPECT_EQ(reason(signWith(wrong_aud)), "INVALID_TOKEN/TOKEN_AUDIENCE_MISMATCH");
  auto wrong_iss = claimsOf(k);
  wrong_iss.iss = "keyward:tenant:" + other_;
  EXPECT_EQ(reason(signWith(wrong_iss)), "INVALID_TOKEN/TOKEN_ISSUER_MISMATCH");
  auto expired = claimsOf(k);
  expired.exp = clock_.now() - 3600;
  expired.iat = clock_.now() - 7200;
  EXPECT_EQ(reason(signWith(expired)), "EXPIRED/TOKEN_EXPIRED");
  // A valid signature over a subject that is not the token id's key.
  auto other_sub = claimsOf(k);
  other_sub.sub = "key_someoneelse";
  EXPECT_EQ(reason(signWith(other_sub)), "INVALID_TOKEN/");
  // Garbage that merely looks like a JWT.
  EXPECT_EQ(reason("eyJ.x.y"), "INVALID_TOKEN/TOKEN_MALFORMED");
  // Anonymous callers learn nothing; the gateway endpoint says 401.
  EXPECT_EQ(str(verify(h + "." + other_payload + "." + s, kNoCredential), "code"), "NOT_AUTHORIZED");
  EXPECT_FALSE(verify(h + "." + other_payload + "." + s, kNoCredential).contains("reason"));
  EXPECT_EQ(authzStatus(none + "." + p + "."), 401);
  EXPECT_EQ(authzStatus(k.secret), 204);
}

TEST_P(JwtApi, RevokedDisabledAndRotatedTokensAnswerWithTheKeysState) {
  CreatedKey a = createJwt("a");
  CreatedKey b = createJwt("b");
  ASSERT_EQ(del("/v1/tenants/" + tenant_ + "/keys/" + a.id).status, 204);
  EXPECT_EQ(str(verify(a.secret), "code"), "REVOKED");
  EXPECT_EQ(authzStatus(a.secret), 401);
  ASSERT_EQ(patch("/v1/tenants/" + tenant_ + "/keys/" + b.id, R"({"enabled":false})").status, 200);
  EXPECT_EQ(str(verify(b.secret), "code"), "DISABLED");
  ASSERT_EQ(patch("/v1/tenants/" + tenant_ + "/keys/" + b.id, R"({"enabled":true})").status, 200);
  Response r = post("/v1/tenants/" + tenant_ + "/keys/" + b.id + "/rotate", R"({"grace_seconds":600})");
  ASSERT_EQ(r.status, 200) << r.body;
  CreatedKey nb = keep(r);
  EXPECT_EQ(str(obj(r), "authorization"), "Bearer " + nb.secret);
  auto old = verify(b.secret);
  EXPECT_EQ(str(old, "code"), "VALID");
  EXPECT_EQ(old.at("rotating").as_bool(), true);
  EXPECT_EQ(verify(nb.secret).at("rotating").as_bool(), false);
  clock_.advance(601);
  EXPECT_EQ(str(verify(b.secret), "code"), "ROTATED");
  // Another tenant's credential verifying for its own tenant: TENANT_MISMATCH.
  CreatedKey foreign_admin = createKey(other_, "admin", R"("roles":[{"role":"Portal Administrator"}])");
  EXPECT_EQ(str(verify(nb.secret, foreign_admin.secret), "code"), "TENANT_MISMATCH");
}

}  // namespace
}  // namespace keyward::http_testing
