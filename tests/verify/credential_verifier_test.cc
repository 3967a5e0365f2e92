// The one credential verifier (verify/credential_verifier.h): which proof each kind of
// credential must give, in which order, and what a management request may present. The
// HTTP suites (tests/http/verify_test.cc, authz_test.cc, jwt_test.cc) check the same paths
// end to end with real tokens and signatures; here the token validator is a stand-in so the
// order of checks can be pinned exactly.
#include "verify/credential_verifier.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "verify/verify_fixture.h"

namespace keyward::verify::testing {
namespace {

// Accepts the tokens it was told about, with their claims; refuses every other one with the
// code it was given.
class TokenTable : public TokenValidator {
 public:
  Result<sign::ValidatedJwt> validate(std::string_view token) const override {
    ++calls;
    auto it = tokens.find(std::string(token));
    if (it == tokens.end()) return fail(ErrorKind::kUnauthenticated, refusal, "refused");
    return sign::ValidatedJwt{"kid-1", KeyAlgorithm::kEcdsaP256Sha256, it->second};
  }
  std::map<std::string, sign::JwtClaims> tokens;
  std::string refusal = sign::jwterr::kSignature;
  mutable int calls = 0;
};

constexpr std::string_view kToken = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrZXlfaiJ9.c2ln";

class CredentialVerifierTest : public VerifyTest {
 protected:
  CredentialOutcome check(Presented credential, Purpose purpose = Purpose::kApiVerification,
                          std::optional<std::string_view> tenant = std::nullopt) {
    CredentialRequest req;
    req.credential = credential;
    req.purpose = purpose;
    req.tenant_id = tenant;
    return credentials_.check(req);
  }
  static Presented bearer(std::string_view secret) { return {Presented::Kind::kBearer, secret, std::nullopt, nullptr}; }

  // A JWT key in the index under its token id, and the validator knowing its token.
  void addJwtKey(std::string key_id, std::string tenant, std::string sub, std::string claimed_tenant) {
    index_.upsert(handleFor("jti", "jti-1"), compiled(std::move(key_id), std::move(tenant)));
    sign::JwtClaims claims;
    claims.sub = std::move(sub);
    claims.tenant = std::move(claimed_tenant);
    claims.jti = "jti-1";
    tokens_.tokens[std::string(kToken)] = claims;
  }

  std::int64_t keylessFailures(Code code) {
    std::int64_t n = 0;
    for (const auto& t : verifier_.drainFailures())
      if (t.key_id.empty() && t.code == code) n += t.count;
    return n;
  }

  TokenTable tokens_;
  SignedRequestVerifier signatures_{index_, verifier_, clock_};
  CredentialVerifier credentials_{verifier_, signatures_, &tokens_};
};

TEST_F(CredentialVerifierTest, ABearerKeyVerifiesForAnApiCallAndAsAManagementCredential) {
  const std::string secret = add(compiled("key_1"));
  EXPECT_TRUE(check(bearer(secret)).valid());
  EXPECT_TRUE(check(bearer(secret), Purpose::kManagement).valid());
  EXPECT_EQ(tokens_.calls, 0);  // a key is never shown to the token validator
}

TEST_F(CredentialVerifierTest, ATokenIsValidatedFirstAndThenItsKeyIsCheckedByTokenId) {
  addJwtKey("key_j", "ten_a", "key_j", "ten_a");
  CredentialOutcome out = check(bearer(kToken), Purpose::kApiVerification, "ten_a");
  ASSERT_TRUE(out.valid()) << toString(out.outcome.code);
  EXPECT_EQ(out.outcome.key->id, "key_j");
  EXPECT_EQ(tokens_.calls, 1);
  // The key's own checks still apply after the token verified: the tenant check here.
  EXPECT_EQ(check(bearer(kToken), Purpose::kApiVerification, "ten_b").outcome.code, Code::kTenantMismatch);
}

TEST_F(CredentialVerifierTest, AManagementRequestNeverAcceptsAToken) {
  addJwtKey("key_j", "ten_a", "key_j", "ten_a");
  EXPECT_EQ(check(bearer(kToken), Purpose::kManagement).outcome.code, Code::kMalformed);
  EXPECT_EQ(tokens_.calls, 0);
}

TEST_F(CredentialVerifierTest, ARefusedTokenSaysWhyAndIsCountedWithoutAKey) {
  tokens_.refusal = sign::jwterr::kExpired;
  CredentialOutcome expired = check(bearer(kToken));
  EXPECT_EQ(expired.outcome.code, Code::kExpired);
  EXPECT_EQ(expired.reason, sign::jwterr::kExpired);
  EXPECT_EQ(expired.outcome.key, nullptr);
  tokens_.refusal = sign::jwterr::kNotYetValid;
  EXPECT_EQ(check(bearer(kToken)).outcome.code, Code::kNotYetValid);
  tokens_.refusal = sign::jwterr::kSignature;
  CredentialOutcome forged = check(bearer(kToken));
  EXPECT_EQ(forged.outcome.code, Code::kInvalidToken);
  EXPECT_EQ(forged.reason, sign::jwterr::kSignature);
  auto tallies = verifier_.drainFailures();
  std::int64_t keyless = 0;
  for (const auto& t : tallies) keyless += t.key_id.empty() ? t.count : 0;
  EXPECT_EQ(keyless, 3);
}

TEST_F(CredentialVerifierTest, ATokenWhoseSignedSubjectOrTenantIsNotItsKeysIsInvalid) {
  addJwtKey("key_j", "ten_a", "key_other", "ten_a");
  EXPECT_EQ(check(bearer(kToken)).outcome.code, Code::kInvalidToken);
  addJwtKey("key_j", "ten_a", "key_j", "ten_b");
  EXPECT_EQ(check(bearer(kToken)).outcome.code, Code::kInvalidToken);
}

TEST_F(CredentialVerifierTest, WithoutATokenValidatorTokensFailAsUnavailable) {
  CredentialVerifier without{verifier_, signatures_, nullptr};
  CredentialRequest req;
  req.credential = bearer(kToken);
  CredentialOutcome out = without.check(req);
  EXPECT_EQ(out.outcome.code, Code::kInvalidToken);
  EXPECT_EQ(out.reason, "JWT_UNAVAILABLE");
}

TEST_F(CredentialVerifierTest, ASignatureThatCannotBeRebuiltIsInvalidAndManagementNeverTakesOne) {
  const Presented unusable{Presented::Kind::kSignature, {}, std::nullopt, nullptr};
  EXPECT_EQ(check(unusable).outcome.code, Code::kSignatureInvalid);
  EXPECT_EQ(keylessFailures(Code::kSignatureInvalid), 1);
  EXPECT_EQ(check(unusable, Purpose::kManagement).outcome.code, Code::kNotFound);
}

TEST_F(CredentialVerifierTest, ABasicPairWithAGarbledPartIsMalformed) {
  add(compiled("key_1"));
  const Presented garbled{Presented::Kind::kBasic, "", std::string_view(""), nullptr};
  EXPECT_EQ(check(garbled).outcome.code, Code::kMalformed);
}

}  // namespace
}  // namespace keyward::verify::testing
