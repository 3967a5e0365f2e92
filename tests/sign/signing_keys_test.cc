// Unit tests for the signing-key ring and the sealing of private signing keys
// (src/sign/signing_keys.h).
#include "sign/signing_keys.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sign/jwt.h"

namespace keyward::sign {
namespace {

constexpr UnixSeconds kNow = 1'700'000'000;
constexpr UnixSeconds kDay = 86'400;

MasterKey master() { return std::move(*MasterKey::generate()); }

SigningKeyRecord record(std::string kid, UnixSeconds created, std::optional<UnixSeconds> retired = std::nullopt) {
  SigningKeyRecord r;
  r.kid = std::move(kid);
  r.created_at = created;
  r.retired_at = retired;
  return r;
}

TEST(SealedKeys, SealThenUnsealRoundTrips) {
  const MasterKey m = master();
  const Bytes secret{1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto sealed = sealPrivateKey(m, "ten_a", "kid1", secret);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), 1 + 12 + secret.size() + 16);
  EXPECT_EQ((*sealed)[0], 1);
  auto opened = unsealPrivateKey(m, "ten_a", "kid1", *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, secret);
}

TEST(SealedKeys, EachSealUsesAFreshNonce) {
  const MasterKey m = master();
  const Bytes secret(40, 7);
  EXPECT_NE(*sealPrivateKey(m, "t", "k", secret), *sealPrivateKey(m, "t", "k", secret));
}

TEST(SealedKeys, AnyFlippedBitIsDetected) {
  const MasterKey m = master();
  const Bytes secret(48, 0x42);
  const Bytes sealed = *sealPrivateKey(m, "ten_a", "kid1", secret);
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes tampered = sealed;
    tampered[i] ^= 0x01;
    auto r = unsealPrivateKey(m, "ten_a", "kid1", tampered);
    ASSERT_FALSE(r) << "byte " << i;
    EXPECT_EQ(r.error().code, "UNSEAL_FAILED");
  }
  Bytes truncated(sealed.begin(), sealed.end() - 1);
  EXPECT_FALSE(unsealPrivateKey(m, "ten_a", "kid1", truncated));
  EXPECT_FALSE(unsealPrivateKey(m, "ten_a", "kid1", Bytes{}));
}

TEST(SealedKeys, AadBindsTenantAndKid) {
  const MasterKey m = master();
  const Bytes sealed = *sealPrivateKey(m, "ten_a", "kid1", Bytes(32, 9));
  EXPECT_FALSE(unsealPrivateKey(m, "ten_b", "kid1", sealed));
  EXPECT_FALSE(unsealPrivateKey(m, "ten_a", "kid2", sealed));
  // Length prefixes keep the boundary between tenant and kid.
  const Bytes split = *sealPrivateKey(m, "ab", "c", Bytes(32, 9));
  EXPECT_FALSE(unsealPrivateKey(m, "a", "bc", split));
}

TEST(SealedKeys, AnotherMasterKeyCannotUnseal) {
  const Bytes sealed = *sealPrivateKey(master(), "t", "k", Bytes(32, 1));
  EXPECT_FALSE(unsealPrivateKey(master(), "t", "k", sealed));
}

TEST(MasterKeyFile, ReadsBase64OfExactly32Bytes) {
  const std::string b64 = base64Encode(Bytes(32, 0xab));
  auto m = MasterKey::fromFileContents("  " + b64 + "\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bytes()[0], 0xab);
  EXPECT_FALSE(MasterKey::fromFileContents(base64Encode(Bytes(31, 1))));
  EXPECT_FALSE(MasterKey::fromFileContents(base64Encode(Bytes(33, 1))));
  EXPECT_FALSE(MasterKey::fromFileContents("not base64!"));
  EXPECT_FALSE(MasterKey::fromFileContents(""));
  EXPECT_FALSE(MasterKey::fromBytes(Bytes(16, 0)));
}

TEST(SigningKeys, NewKeySealsItsPrivateKeyAndOpensToASigner) {
  const MasterKey m = master();
  for (KeyAlgorithm alg : {KeyAlgorithm::kEcdsaP256Sha256, KeyAlgorithm::kEd25519}) {
    auto rec = newSigningKey(m, "ten_a", kNow, alg);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->algorithm, alg);
    EXPECT_EQ(rec->created_at, kNow);
    EXPECT_TRUE(isValidKid(rec->kid));
    auto pub = AsymmetricKey::fromPublicPem(rec->public_pem);
    ASSERT_TRUE(pub);
    EXPECT_EQ(*pub->thumbprint(), rec->kid);
    auto signer = openSigner(*rec, m, "ten_a");
    ASSERT_TRUE(signer);
    EXPECT_TRUE(pub->verify("m", *signer->sign("m")));
    EXPECT_FALSE(openSigner(*rec, m, "ten_b"));
    // The sealed bytes do not contain the PKCS#8 encoding in clear.
    const Bytes der = *signer->privatePkcs8Der();
    EXPECT_EQ(std::search(rec->sealed_private.begin(), rec->sealed_private.end(), der.end() - 32, der.end()),
              rec->sealed_private.end());
  }
}

TEST(SigningKeys, DefaultAlgorithmIsEs256) {
  auto rec = newSigningKey(master(), "t", kNow);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->algorithm, KeyAlgorithm::kEcdsaP256Sha256);
}

TEST(SigningKeyRing, CurrentSignerIsTheNewestNonRetiredKey) {
  std::vector<SigningKeyRecord> keys{record("old", kNow - 90 * kDay, kNow - 30 * kDay), record("mid", kNow - 30 * kDay),
                                     record("new", kNow - kDay), record("future", kNow + kDay)};
  EXPECT_EQ(currentSigner(keys, kNow), 2u);
  keys[2].retired_at = kNow;  // retired now: no longer signs
  EXPECT_EQ(currentSigner(keys, kNow), 1u);
  keys[2].retired_at = kNow + 10;  // retirement scheduled later: still signs
  EXPECT_EQ(currentSigner(keys, kNow), 2u);
  EXPECT_EQ(currentSigner(keys, kNow + 2 * kDay), 3u);  // the pre-published key takes over
  EXPECT_FALSE(currentSigner(std::vector<SigningKeyRecord>{}, kNow));
  EXPECT_FALSE(currentSigner(std::vector<SigningKeyRecord>{record("r", kNow - 10, kNow - 5)}, kNow));
}

TEST(SigningKeyRing, TiesAreBrokenByKidSoEveryNodeAgrees) {
  std::vector<SigningKeyRecord> keys{record("b", kNow - 10), record("a", kNow - 10)};
  EXPECT_EQ(currentSigner(keys, kNow), 0u);
}

TEST(SigningKeyRing, RetiredKeysStayPublishedUntilTheirLastTokenExpired) {
  const UnixSeconds lifetime = kDay;
  std::vector<SigningKeyRecord> keys{record("gone", kNow - 10 * kDay, kNow - 2 * kDay),
                                     record("draining", kNow - 5 * kDay, kNow - kDay / 2),
                                     record("current", kNow - kDay / 2), record("next", kNow + kDay)};
  EXPECT_EQ(publishedKeys(keys, kNow, lifetime), (std::vector<size_t>{1, 2, 3}));
  // Exactly at retired_at + lifetime the last token has expired.
  EXPECT_EQ(publishedKeys(keys, kNow - kDay / 2 + lifetime - 1, lifetime), (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(publishedKeys(keys, kNow - kDay / 2 + lifetime, lifetime), (std::vector<size_t>{2, 3}));
}

TEST(SigningKeyRing, RotationKeepsOldTokensValidThroughTheJwks) {
  // A token signed before rotation still validates against the published set afterwards.
  const MasterKey m = master();
  std::vector<SigningKeyRecord> keys{*newSigningKey(m, "ten_a", kNow - kDay)};
  const SigningKeyRecord& first = keys[*currentSigner(keys, kNow)];
  JwtClaims c{"iss", "key_1", {"aud"}, "ten_a", {}, kNow, kNow + 3600, std::nullopt, "jti_1"};
  const std::string token = *encodeJwt(c, *openSigner(first, m, "ten_a"), first.kid);

  keys.push_back(*newSigningKey(m, "ten_a", kNow + 1));
  keys[0].retired_at = kNow + 1;
  ASSERT_EQ(currentSigner(keys, kNow + 2), 1u);

  std::vector<AsymmetricKey> published;
  std::vector<std::string> kids;
  for (size_t i : publishedKeys(keys, kNow + 2, 3600)) {
    published.push_back(std::move(*AsymmetricKey::fromPublicPem(keys[i].public_pem)));
    kids.push_back(keys[i].kid);
  }
  ASSERT_EQ(published.size(), 2u);
  ManualClock clock(kNow + 2);
  JwtValidator validator(clock, JwtValidationOptions{"iss", "aud"});
  auto lookup = [&](std::string_view kid) -> const AsymmetricKey* {
    for (size_t i = 0; i < kids.size(); ++i) {
      if (kids[i] == kid) return &published[i];
    }
    return nullptr;
  };
  auto v = validator.validate(token, lookup);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->claims.jti, "jti_1");
  EXPECT_TRUE(publishedKeys(keys, kNow + 1 + 3600, 3600) == std::vector<size_t>{1});
}

}  // namespace
}  // namespace keyward::sign
