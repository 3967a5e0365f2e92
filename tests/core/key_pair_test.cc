// Advanced keys in key-pair mode: requests signed with HTTP Message Signatures (RFC 9421),
// verified by SignedRequestVerifier against the key's public key and then through every check
// of the verify hot path. A real SQLite store, the real index, OpenSSL keys.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "core/key_service.h"
#include "core_fixture.h"
#include "sign/asymmetric_key.h"
#include "sign/http_signature.h"
#include "verify/signed_requests.h"

namespace keyward {
namespace {

using core_testing::CoreTest;
using core_testing::expectError;
using core_testing::kT0;
using verify::Code;

class KeyPairTest : public CoreTest {
 protected:
  CreatedKey makePairKey(std::string_view tenant_id, const std::string& name, KeyPairInput pair = {}) {
    CreateKeyInput in;
    in.kind = "advanced";
    in.credential_mode = "key_pair";
    in.key_pair = std::move(pair);
    return makeKey(tenant_id, name, in);
  }

  // A POST with a JSON body, signed by `key` (keyid `keyid`) at the clock's time.
  sign::HttpRequest signedPost(const sign::AsymmetricKey& key, const std::string& keyid,
                               std::string body = R"({"amount":42})") {
    sign::HttpRequest r;
    r.method = "POST";
    EXPECT_TRUE(verify::setTargetUri(r, "https://api.example.com/v1/invoices?draft=1"));
    r.body = std::move(body);
    r.headers = {{"Content-Type", "application/json"},
                 {"Content-Digest", sign::contentDigestField(r.body, sign::DigestAlgorithm::kSha256)}};
    sign::SignOptions opt;
    opt.keyid = keyid;
    opt.created = clock_.now();
    auto h = sign::signRequest(r, key, opt);
    EXPECT_TRUE(h) << h.error().message;
    r.headers.emplace_back("Signature-Input", h->signature_input);
    r.headers.emplace_back("Signature", h->signature);
    return r;
  }

  verify::SignedOutcome check(const sign::HttpRequest& r, std::optional<std::string_view> tenant = std::nullopt) {
    return signed_.verify(r, verify::Request{"", tenant, std::nullopt});
  }

  verify::SignedRequestVerifier signed_{index_, verifier_, clock_};
};
KEYWARD_ON_EVERY_BACKEND(KeyPairTest);

TEST_P(KeyPairTest, GeneratedPairSignsRequestsThatVerify) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makePairKey(t.id, "signer");
  ASSERT_TRUE(k.secret.starts_with("-----BEGIN PRIVATE KEY-----")) << "the private key is returned once, PKCS#8";
  EXPECT_EQ(k.key.key_algorithm, "ed25519");
  EXPECT_FALSE(k.key.public_id.empty());
  auto stored = store_->getKey(t.id, k.key.id);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
  EXPECT_EQ(stored->public_key_pem.find("PRIVATE"), std::string::npos);

  auto priv = sign::AsymmetricKey::fromPrivatePem(k.secret);
  ASSERT_TRUE(priv);
  const auto out = check(signedPost(*priv, k.key.public_id), t.id);
  EXPECT_EQ(out.outcome.code, Code::kValid) << out.reason;
  ASSERT_TRUE(out.outcome.key);
  EXPECT_EQ(out.outcome.key->id, k.key.id);
}

TEST_P(KeyPairTest, SuppliedPublicKeyAsJwkOrPemVerifiesAndThePrivateKeyNeverReachesKeyward) {
  Tenant t = makeTenant("acme");
  auto client = sign::AsymmetricKey::generate(sign::KeyAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(client);
  KeyPairInput jwk;
  jwk.public_key = boost::json::serialize(client->publicJwk().value());
  CreatedKey k = makePairKey(t.id, "jwk", jwk);
  EXPECT_TRUE(k.secret.empty()) << "nothing secret to return";
  EXPECT_EQ(k.key.key_algorithm, "ecdsa-p256-sha256");
  EXPECT_EQ(k.key.public_id, client->thumbprint().value());
  EXPECT_EQ(check(signedPost(*client, k.key.public_id), t.id).outcome.code, Code::kValid);

  auto other = sign::AsymmetricKey::generate(sign::KeyAlgorithm::kEd25519);
  KeyPairInput pem;
  pem.public_key = other->publicPem().value();
  CreatedKey p = makePairKey(t.id, "pem", pem);
  EXPECT_EQ(check(signedPost(*other, p.key.public_id)).outcome.code, Code::kValid);
}

TEST_P(KeyPairTest, TamperingReplayAndStaleSignaturesFail) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makePairKey(t.id, "signer");
  auto priv = sign::AsymmetricKey::fromPrivatePem(k.secret).value();
  const sign::HttpRequest good = signedPost(priv, k.key.public_id);

  sign::HttpRequest method = good;
  method.method = "DELETE";
  sign::HttpRequest path = good;
  path.path = "/v1/refunds";
  sign::HttpRequest body = good;
  body.body = R"({"amount":4200})";
  for (const auto* r : {&method, &path, &body}) {
    const auto out = check(*r);
    EXPECT_EQ(out.outcome.code, Code::kSignatureInvalid);
    EXPECT_FALSE(out.reason.empty());
  }
  EXPECT_EQ(check(body).reason, "DIGEST_MISMATCH");

  EXPECT_EQ(check(good).outcome.code, Code::kValid);
  const auto replay = check(good);
  EXPECT_EQ(replay.outcome.code, Code::kSignatureInvalid);
  EXPECT_EQ(replay.reason, "SIGNATURE_REPLAYED");

  const sign::HttpRequest old = signedPost(priv, k.key.public_id, R"({"n":2})");
  clock_.advance(301);
  const auto stale = check(old);
  EXPECT_EQ(stale.outcome.code, Code::kSignatureInvalid);
  EXPECT_EQ(stale.reason, "SIGNATURE_EXPIRED");
}

TEST_P(KeyPairTest, AnotherKeysSignatureOrAnUnknownKeyidFails) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makePairKey(t.id, "signer");
  auto stranger = sign::AsymmetricKey::generate(sign::KeyAlgorithm::kEd25519).value();
  EXPECT_EQ(check(signedPost(stranger, k.key.public_id)).outcome.code, Code::kSignatureInvalid);
  EXPECT_EQ(check(signedPost(stranger, stranger.thumbprint().value())).outcome.code, Code::kNotFound);
}

TEST_P(KeyPairTest, StateTenantAndRevocationApplyAfterTheSignature) {
  Tenant t = makeTenant("acme");
  Tenant other = makeTenant("other");
  CreatedKey k = makePairKey(t.id, "signer");
  auto priv = sign::AsymmetricKey::fromPrivatePem(k.secret).value();
  EXPECT_EQ(check(signedPost(priv, k.key.public_id, "1"), other.id).outcome.code, Code::kTenantMismatch);
  UpdateKeyInput off;
  off.enabled = false;
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, off));
  EXPECT_EQ(check(signedPost(priv, k.key.public_id, "2")).outcome.code, Code::kDisabled);
  ASSERT_TRUE(keys_->revoke(root_, t.id, k.key.id));
  EXPECT_EQ(check(signedPost(priv, k.key.public_id, "3")).outcome.code, Code::kRevoked);
}

TEST_P(KeyPairTest, RotationIssuesANewPairAndTheOldOneSignsDuringTheGrace) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makePairKey(t.id, "signer");
  auto old_priv = sign::AsymmetricKey::fromPrivatePem(k.secret).value();
  RotateKeyInput in;
  in.grace_seconds = 600;
  auto rotated = keys_->rotate(root_, t.id, k.key.id, in);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_NE(rotated->key.public_id, k.key.public_id);
  auto new_priv = sign::AsymmetricKey::fromPrivatePem(rotated->secret).value();
  EXPECT_EQ(check(signedPost(new_priv, rotated->key.public_id, "a")).outcome.code, Code::kValid);
  const auto with_old = check(signedPost(old_priv, k.key.public_id, "b"));
  EXPECT_EQ(with_old.outcome.code, Code::kValid);
  EXPECT_TRUE(with_old.outcome.key->previous_secret);
  clock_.advance(600);
  EXPECT_EQ(check(signedPost(old_priv, k.key.public_id, "c")).outcome.code, Code::kRotated);
  // After a restart the index knows both public keys again.
  verify::KeyIndex fresh;
  AccessIndex fresh_access(*store_, fresh);
  ASSERT_TRUE(fresh_access.loadAll());
  verify::Verifier v(fresh, clock_);
  verify::SignedRequestVerifier restarted(fresh, v, clock_);
  EXPECT_EQ(restarted.verify(signedPost(new_priv, rotated->key.public_id, "d"), {"", std::nullopt, std::nullopt})
                .outcome.code,
            Code::kValid);
}

TEST_P(KeyPairTest, BadOrDuplicatePublicKeysAreRefused) {
  Tenant t = makeTenant("acme");
  auto attempt = [&](std::string name, KeyPairInput pair) {
    CreateKeyInput in;
    in.name = std::move(name);
    in.kind = "advanced";
    in.credential_mode = "key_pair";
    in.key_pair = std::move(pair);
    return keys_->create(root_, t.id, in);
  };
  KeyPairInput garbage;
  garbage.public_key = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  expectError(attempt("garbage", garbage), ErrorKind::kInvalid, "INVALID_PUBLIC_KEY");
  auto client = sign::AsymmetricKey::generate(sign::KeyAlgorithm::kEd25519).value();
  auto jwk = client.publicJwk().value();
  jwk["d"] = "AAAA";
  KeyPairInput with_private;
  with_private.public_key = boost::json::serialize(jwk);
  expectError(attempt("private", with_private), ErrorKind::kInvalid, "INVALID_PUBLIC_KEY");
  KeyPairInput bad_alg;
  bad_alg.algorithm = "rsa-pss-sha512";
  expectError(attempt("rsa", bad_alg), ErrorKind::kInvalid, "INVALID_FIELD");
  KeyPairInput pem;
  pem.public_key = client.publicPem().value();
  ASSERT_TRUE(attempt("first", pem));
  auto dup = attempt("second", pem);
  expectError(dup, ErrorKind::kConflict, "PUBLIC_KEY_TAKEN");
  EXPECT_EQ(dup.error().field, "public_key");
}

}  // namespace
}  // namespace keyward
