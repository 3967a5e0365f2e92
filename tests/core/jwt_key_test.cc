// JWT keys end to end in core (src/core/jwt_service.h, key_service.h): a token per key
// signed by the tenant's signing key, validated per RFC 8725, with the key's state (revoked,
// disabled, rotated) checked in the verify index by the token id.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "core/jwt_service.h"
#include "core/key_service.h"
#include "core_fixture.h"
#include "sign/base64.h"

namespace keyward {
namespace {

using core_testing::CoreTest;
using core_testing::expectError;
using core_testing::kDay;
using core_testing::kT0;
using verify::Code;

class JwtKeyTest : public CoreTest {
 protected:
  CreatedKey makeJwtKey(std::string_view tenant_id, const std::string& name, CreateKeyInput in = {}) {
    in.kind = "jwt";
    return makeKey(tenant_id, name, in);
  }

  // What POST /v1/keys/verify does with a JWT: validate, then the index by token id.
  verify::Outcome verifyJwt(const std::string& token) {
    auto v = jwt_->validate(token);
    if (!v) return verify::Outcome{Code::kInvalidToken, nullptr};
    verify::Request r{token, std::nullopt, std::nullopt};
    r.handle = verify::handleFor("jti", v->claims.jti);
    return verifier_.verify(r);
  }

  // The wired JWT service and the master key that seals its signing keys.
  JwtService* const jwt_ = &services_.jwt;
  const sign::MasterKey* const master_ = &services_.master_key;
};
KEYWARD_ON_EVERY_BACKEND(JwtKeyTest);

TEST_P(JwtKeyTest, CreatedTokenCarriesTheKeysClaimsAndVerifies) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.roles = {RoleAssignment{std::string(kRoleGlobalViewer), false, {}}};
  CreatedKey k = makeJwtKey(t.id, "jwt-one", in);
  EXPECT_EQ(k.key.kind, KeyKind::kJwt);
  EXPECT_TRUE(k.key.public_id.starts_with("jti_"));
  EXPECT_EQ(k.key.digest, verify::handleFor("jti", k.key.public_id));
  EXPECT_EQ(k.key.expires_at, kT0 + kDefaultJwtExpiryDays * kDay);
  auto v = jwt_->validate(k.secret);
  ASSERT_TRUE(v) << v.error().code;
  EXPECT_EQ(v->claims.iss, "keyward:tenant:" + t.id);
  EXPECT_EQ(v->claims.sub, k.key.id);
  EXPECT_EQ(v->claims.tenant, t.id);
  EXPECT_EQ(v->claims.jti, k.key.public_id);
  EXPECT_EQ(v->claims.exp, k.key.expires_at);
  EXPECT_EQ(v->claims.iat, kT0);
  ASSERT_EQ(v->claims.aud.size(), 1u);
  EXPECT_EQ(v->claims.aud[0], "keyward");
  EXPECT_EQ(v->claims.roles, std::vector<std::string>{std::string(kRoleGlobalViewer)});
  EXPECT_EQ(v->algorithm, sign::KeyAlgorithm::kEcdsaP256Sha256);
  const auto out = verifyJwt(k.secret);
  EXPECT_EQ(out.code, Code::kValid);
  ASSERT_TRUE(out.key);
  EXPECT_EQ(out.key->id, k.key.id);
  // The first JWT key created the tenant's signing key, audited.
  EXPECT_EQ(auditOf(t.id, "signing_key.create").size(), 1u);
  EXPECT_EQ(store_->listSigningKeys(t.id).value().size(), 1u);
}

TEST_P(JwtKeyTest, RevocationAndDisablingTakeEffectAtOnceThoughTheSignatureStillHolds) {
  Tenant t = makeTenant("acme");
  CreatedKey a = makeJwtKey(t.id, "a");
  CreatedKey b = makeJwtKey(t.id, "b");
  ASSERT_TRUE(keys_->revoke(root_, t.id, a.key.id));
  EXPECT_TRUE(jwt_->validate(a.secret));                // signature and claims are fine...
  EXPECT_EQ(verifyJwt(a.secret).code, Code::kRevoked);  // ...the key is not
  UpdateKeyInput off;
  off.enabled = false;
  ASSERT_TRUE(keys_->update(root_, t.id, b.key.id, off));
  EXPECT_EQ(verifyJwt(b.secret).code, Code::kDisabled);
}

TEST_P(JwtKeyTest, RotationIssuesANewTokenAndTheOldOneVerifiesAsRotatingDuringTheGrace) {
  Tenant t = makeTenant("acme");
  CreatedKey old = makeJwtKey(t.id, "deploy");
  clock_.advance(10);
  RotateKeyInput in;
  in.grace_seconds = 3600;
  in.expiry.in_days = 30;
  auto rotated = keys_->rotate(root_, t.id, old.key.id, in);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_NE(rotated->secret, old.secret);
  EXPECT_NE(rotated->key.public_id, old.key.public_id);
  EXPECT_EQ(rotated->key.id, old.key.id);
  auto claims = jwt_->validate(rotated->secret);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->claims.exp, kT0 + 10 + 30 * kDay);
  const auto with_new = verifyJwt(rotated->secret);
  EXPECT_EQ(with_new.code, Code::kValid);
  EXPECT_FALSE(with_new.key->previous_secret);
  const auto with_old = verifyJwt(old.secret);
  EXPECT_EQ(with_old.code, Code::kValid);
  ASSERT_TRUE(with_old.key);
  EXPECT_TRUE(with_old.key->previous_secret);
  clock_.advance(3600);
  EXPECT_EQ(verifyJwt(old.secret).code, Code::kRotated);
  EXPECT_EQ(verifyJwt(rotated->secret).code, Code::kValid);
  // The token id survives a restart of the index (the store keeps the new public id).
  auto got = store_->getKey(t.id, old.key.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->public_id, rotated->key.public_id);
}

TEST_P(JwtKeyTest, SigningKeyRotationKeepsOldTokensValidWhileTheirKeyIsPublished) {
  Tenant t = makeTenant("acme");
  CreatedKey before = makeJwtKey(t.id, "before");
  clock_.advance(60);
  auto rotated = jwt_->rotate(root_, t.id);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_TRUE(rotated->current);
  CreatedKey after = makeJwtKey(t.id, "after");
  auto v_before = jwt_->validate(before.secret);
  auto v_after = jwt_->validate(after.secret);
  ASSERT_TRUE(v_before);
  ASSERT_TRUE(v_after);
  EXPECT_NE(v_before->kid, v_after->kid);
  EXPECT_EQ(v_after->kid, rotated->kid);
  EXPECT_EQ(verifyJwt(before.secret).code, Code::kValid);
  auto list = jwt_->list(root_, t.id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_FALSE((*list)[0].current);
  EXPECT_EQ((*list)[0].retired_at, kT0 + 60);
  EXPECT_EQ((*list)[0].published_until, kT0 + 60 + JwtService::publicationPeriod());
  auto jwks = jwt_->jwks(t.id);
  ASSERT_TRUE(jwks);
  EXPECT_NE(jwks->find(v_before->kid), std::string::npos);
  EXPECT_NE(jwks->find(v_after->kid), std::string::npos);
  // Once every token the retired key signed has expired, it leaves the JWKS.
  clock_.set(kT0 + 60 + JwtService::publicationPeriod() - 1);
  EXPECT_NE(jwt_->jwks(t.id)->find(v_before->kid), std::string::npos);
  clock_.set(kT0 + 60 + JwtService::publicationPeriod());
  jwks = jwt_->jwks(t.id);
  ASSERT_TRUE(jwks);
  EXPECT_EQ(jwks->find(v_before->kid), std::string::npos);
  EXPECT_NE(jwks->find(v_after->kid), std::string::npos);
}

TEST_P(JwtKeyTest, SigningKeysReloadFromTheStoreAfterARestart) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeJwtKey(t.id, "k");
  JwtService fresh(*store_, clock_, *audit_, *master_, JwtSettings{});
  EXPECT_FALSE(fresh.validate(k.secret));  // nothing loaded yet
  ASSERT_EQ(fresh.loadAll().value(), 1u);
  EXPECT_TRUE(fresh.validate(k.secret));
}

TEST_P(JwtKeyTest, ExpiryRulesNeverExpiringTooLongAndEditsAreRefused) {
  Tenant t = makeTenant("acme");
  CreateKeyInput never;
  never.kind = "jwt";
  never.name = "never";
  never.expiry.never = true;
  expectError(keys_->create(root_, t.id, never), ErrorKind::kInvalid, "JWT_NEEDS_EXPIRY");
  CreateKeyInput too_long;
  too_long.kind = "jwt";
  too_long.name = "long";
  too_long.expiry.in_days = kMaxJwtLifetimeDays + 1;
  expectError(keys_->create(root_, t.id, too_long), ErrorKind::kInvalid, "EXPIRY_EXCEEDS_POLICY");
  CreateKeyInput mode;
  mode.kind = "jwt";
  mode.name = "mode";
  mode.credential_mode = "shared_secret";
  expectError(keys_->create(root_, t.id, mode), ErrorKind::kInvalid, "INVALID_FIELD");
  CreatedKey k = makeJwtKey(t.id, "k");
  UpdateKeyInput longer;
  longer.expiry.in_days = 30;
  expectError(keys_->update(root_, t.id, k.key.id, longer), ErrorKind::kInvalid, "JWT_EXPIRY_FIXED");
  // Refusals changed nothing: only the one key exists.
  KeyFilter f;
  f.kind = KeyKind::kJwt;
  EXPECT_EQ(store_->listKeys(t.id, f, clock_.now()).value().items.size(), 1u);
}

TEST_P(JwtKeyTest, EdDsaSigningKeysWhenConfigured) {
  JwtSettings settings;
  settings.algorithm = sign::KeyAlgorithm::kEd25519;
  settings.audience = "https://api.example.com";
  JwtService eddsa(*store_, clock_, *audit_, *master_, settings);
  KeyService keys(*store_, clock_, *audit_, *access_, index_, &eddsa);
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.kind = "jwt";
  in.name = "ed";
  auto k = keys.create(root_, t.id, in);
  ASSERT_TRUE(k) << k.error().message;
  auto v = eddsa.validate(k->secret);
  ASSERT_TRUE(v) << v.error().code;
  EXPECT_EQ(v->algorithm, sign::KeyAlgorithm::kEd25519);
  EXPECT_EQ(v->claims.aud, std::vector<std::string>{"https://api.example.com"});
  EXPECT_NE(eddsa.jwks(t.id)->find("\"EdDSA\""), std::string::npos);
  // A validator expecting another audience refuses it.
  auto other = jwt_->validate(k->secret);
  EXPECT_FALSE(other);
}

TEST_P(JwtKeyTest, WithoutAJwtServiceTheKindIsUnavailable) {
  Tenant t = makeTenant("acme");
  KeyService plain(*store_, clock_, *audit_, *access_, index_);
  CreateKeyInput in;
  in.kind = "jwt";
  in.name = "j";
  expectError(plain.create(root_, t.id, in), ErrorKind::kUnavailable, "JWT_UNAVAILABLE");
}

TEST_P(JwtKeyTest, AnotherTenantsTokenOrAForgedTenantClaimDoesNotValidate) {
  Tenant a = makeTenant("acme");
  Tenant b = makeTenant("globex");
  CreatedKey ka = makeJwtKey(a.id, "ka");
  makeJwtKey(b.id, "kb");
  // Rewrite the payload's tenant to b (signature now wrong, and kid unknown in b's ring).
  const size_t d1 = ka.secret.find('.'), d2 = ka.secret.rfind('.');
  auto payload = sign::base64UrlDecode(ka.secret.substr(d1 + 1, d2 - d1 - 1)).value();
  std::string text(sign::asText(payload));
  const std::string from = "\"tenant\":\"" + a.id, to = "\"tenant\":\"" + b.id;
  const size_t claim = text.find(from);
  ASSERT_NE(claim, std::string::npos);
  text.replace(claim, from.size(), to);
  const std::string forged = ka.secret.substr(0, d1 + 1) + sign::base64UrlEncode(text) + ka.secret.substr(d2);
  auto v = jwt_->validate(forged);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, sign::jwterr::kUnknownKey);
}

// SQLite only: this test reads the bytes of the database file and its WAL.
class JwtKeySqliteFileTest : public JwtKeyTest {};
INSTANTIATE_TEST_SUITE_P(Backends, JwtKeySqliteFileTest, ::testing::Values(testing_support::sqliteBackend()),
                         testing_support::backendName);

TEST_P(JwtKeySqliteFileTest, PrivateSigningKeyIsSealedNotStoredInClear) {
  Tenant t = makeTenant("acme");
  makeJwtKey(t.id, "k");
  auto records = store_->listSigningKeys(t.id).value();
  ASSERT_EQ(records.size(), 1u);
  auto signer = sign::openSigner(records[0], *master_, t.id);
  ASSERT_TRUE(signer);
  const auto der = signer->privatePkcs8Der().value();
  std::string blob;
  for (const char* name : {"keyward.db", "keyward.db-wal"}) {
    std::ifstream f(dir_ / name, std::ios::binary);
    blob.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(blob.empty());
  // The last 32 bytes of a P-256 PKCS#8 DER hold the public point's tail; the private scalar
  // sits right after the version and algorithm: search for the whole DER and its scalar.
  EXPECT_EQ(blob.find(std::string(der.begin(), der.end())), std::string::npos);
  const std::string pem = signer->privatePkcs8Pem().value();
  EXPECT_EQ(blob.find(pem.substr(30, 40)), std::string::npos);
  // With another master key the sealed key does not open.
  auto other = sign::MasterKey::generate().value();
  EXPECT_FALSE(sign::openSigner(records[0], other, t.id));
}

}  // namespace
}  // namespace keyward
