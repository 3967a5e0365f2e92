// Unit tests for AsymmetricKey (src/sign/asymmetric_key.h): generation, PEM/JWK import and
// export, RFC 7638 thumbprints, signatures in both algorithms.
#include "sign/asymmetric_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/serialize.hpp>

namespace keyward::sign {
namespace {

// RFC 8037 Appendix A.1-A.4 (Ed25519) and RFC 7515 Appendix A.3 (P-256).
constexpr const char* kRfc8037X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr const char* kRfc7515X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr const char* kRfc7515Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
// RFC 9421 Appendix B.1.4 test-key-ed25519.
constexpr const char* kRfc9421PublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
    "-----END PUBLIC KEY-----\n";

std::string okpJwk(std::string extra = "") {
  return std::string(R"({"kty":"OKP","crv":"Ed25519","x":")") + kRfc8037X + "\"" + extra + "}";
}

std::string ecJwk(std::string extra = "") {
  return std::string(R"({"kty":"EC","crv":"P-256","x":")") + kRfc7515X + R"(","y":")" + kRfc7515Y + "\"" + extra + "}";
}

class BothAlgorithms : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(BothAlgorithms, GeneratedKeySignsAndVerifies) {
  auto key = AsymmetricKey::generate(GetParam());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm(), GetParam());
  EXPECT_TRUE(key->hasPrivate());
  auto sig = key->sign("hello");
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), kSignatureSize);
  EXPECT_TRUE(key->verify("hello", *sig));
  EXPECT_FALSE(key->verify("hellO", *sig));
  Bytes bad = *sig;
  bad[10] ^= 1;
  EXPECT_FALSE(key->verify("hello", bad));
  EXPECT_FALSE(key->verify("hello", std::span(*sig).first(63)));
  EXPECT_FALSE(key->verify("hello", Bytes(64, 0)));
}

TEST_P(BothAlgorithms, PublicPemRoundTripVerifiesTheSameSignatures) {
  auto key = AsymmetricKey::generate(GetParam());
  ASSERT_TRUE(key);
  auto pem = key->publicPem();
  ASSERT_TRUE(pem);
  EXPECT_TRUE(pem->starts_with("-----BEGIN PUBLIC KEY-----"));
  auto pub = AsymmetricKey::fromPublicPem(*pem);
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_FALSE(pub->hasPrivate());
  EXPECT_EQ(pub->algorithm(), GetParam());
  EXPECT_TRUE(pub->verify("m", *key->sign("m")));
  EXPECT_FALSE(pub->sign("m"));  // no private key
  EXPECT_EQ(*pub->thumbprint(), *key->thumbprint());
}

TEST_P(BothAlgorithms, PublicJwkRoundTrip) {
  auto key = AsymmetricKey::generate(GetParam());
  ASSERT_TRUE(key);
  auto jwk = key->publicJwk("kid-1");
  ASSERT_TRUE(jwk);
  EXPECT_EQ(jwk->at("use").as_string(), "sig");
  EXPECT_EQ(jwk->at("kid").as_string(), "kid-1");
  EXPECT_EQ(std::string_view(jwk->at("alg").as_string()), joseAlgorithmName(GetParam()));
  EXPECT_FALSE(jwk->contains("d"));
  auto pub = AsymmetricKey::fromPublicJwk(boost::json::serialize(*jwk));
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_TRUE(pub->verify("m", *key->sign("m")));
  EXPECT_EQ(*pub->publicPem(), *key->publicPem());
}

TEST_P(BothAlgorithms, PrivatePkcs8RoundTrip) {
  auto key = AsymmetricKey::generate(GetParam());
  ASSERT_TRUE(key);
  auto pem = key->privatePkcs8Pem();
  ASSERT_TRUE(pem);
  EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----"));
  auto back = AsymmetricKey::fromPrivatePem(*pem);
  ASSERT_TRUE(back);
  EXPECT_TRUE(key->verify("m", *back->sign("m")));
  auto der = key->privatePkcs8Der();
  ASSERT_TRUE(der);
  auto from_der = AsymmetricKey::fromPrivateDer(*der);
  ASSERT_TRUE(from_der);
  EXPECT_EQ(*from_der->thumbprint(), *key->thumbprint());
  Bytes trailing = *der;
  trailing.push_back(0);
  EXPECT_FALSE(AsymmetricKey::fromPrivateDer(trailing));
}

INSTANTIATE_TEST_SUITE_P(Sign, BothAlgorithms,
                         ::testing::Values(KeyAlgorithm::kEd25519, KeyAlgorithm::kEcdsaP256Sha256));

TEST(AsymmetricKey, ThumbprintMatchesRfc8037AppendixA3) {
  auto key = AsymmetricKey::fromPublicJwk(okpJwk());
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(*key->thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(AsymmetricKey, EcThumbprintMatchesJose) {
  // Computed with npm jose 5.10.0: calculateJwkThumbprint({kty,crv,x,y}) of RFC 7515 A.3.
  auto key = AsymmetricKey::fromPublicJwk(ecJwk());
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(*key->thumbprint(), "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U");
}

TEST(AsymmetricKey, Rfc9421TestKeyFromPemHasTheSameThumbprintAsJose) {
  auto key = AsymmetricKey::fromPublicPem(kRfc9421PublicPem);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm(), KeyAlgorithm::kEd25519);
  EXPECT_EQ(key->publicJwk()->at("x").as_string(), "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs");
  EXPECT_EQ(*key->thumbprint(), "poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U");
}

TEST(AsymmetricKey, VerifiesTheRfc8037AppendixA4Signature) {
  auto key = AsymmetricKey::fromPublicJwk(okpJwk());
  ASSERT_TRUE(key);
  auto sig = base64UrlDecode("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  ASSERT_TRUE(sig);
  EXPECT_TRUE(key->verify("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc", *sig));
  EXPECT_FALSE(key->verify("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmd", *sig));
}

TEST(AsymmetricKey, JwkWithPrivateMembersIsRefused) {
  auto okp = AsymmetricKey::fromPublicJwk(okpJwk(R"(,"d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")"));
  ASSERT_FALSE(okp);
  EXPECT_EQ(okp.error().code, "INVALID_PUBLIC_KEY");
  EXPECT_NE(okp.error().message.find("private"), std::string::npos);
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(ecJwk(R"(,"d":"AAAA")")));
}

TEST(AsymmetricKey, JwkMustBeAKnownTypeWithValidMembers) {
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk("not json"));
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk("[]"));
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(R"({"kty":"RSA","n":"AQAB","e":"AQAB"})"));
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(R"({"kty":"oct","k":"AAAA"})"));
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(std::string(R"({"kty":"OKP","crv":"X25519","x":")") + kRfc8037X + "\"}"));
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})"));  // 3 bytes
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(R"({"kty":"OKP","crv":"Ed25519"})"));
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(std::string(R"({"kty":"EC","crv":"P-384","x":")") + kRfc7515X +
                                            R"(","y":")" + kRfc7515Y + "\"}"));
  // A point that is not on the curve (y changed).
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(std::string(R"({"kty":"EC","crv":"P-256","x":")") + kRfc7515X +
                                            R"(","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1"})"));
  // alg and use must agree with the key.
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(okpJwk(R"(,"alg":"ES256")")));
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(ecJwk(R"(,"alg":"HS256")")));
  EXPECT_FALSE(AsymmetricKey::fromPublicJwk(ecJwk(R"(,"use":"enc")")));
  EXPECT_TRUE(AsymmetricKey::fromPublicJwk(ecJwk(R"(,"alg":"ES256","use":"sig","kid":"any")")));
  EXPECT_TRUE(AsymmetricKey::fromPublicJwk(okpJwk(R"(,"alg":"EdDSA")")));
}

TEST(AsymmetricKey, PemImportRefusesOtherKeyTypes) {
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_TRUE(p384);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, p384);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string pem(data, size_t(n));
  BIO_free(bio);
  EVP_PKEY_free(p384);
  auto key = AsymmetricKey::fromPublicPem(pem);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("Ed25519"), std::string::npos);
  EXPECT_FALSE(AsymmetricKey::fromPublicPem("garbage"));
  // A private key is not accepted where a public key is expected.
  auto priv = AsymmetricKey::generate(KeyAlgorithm::kEd25519);
  EXPECT_FALSE(AsymmetricKey::fromPublicPem(*priv->privatePkcs8Pem()));
}

TEST(AsymmetricKey, EcdsaSignaturesAreRawRAndS) {
  auto key = AsymmetricKey::generate(KeyAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(key);
  // ECDSA is randomized: two signatures differ but both verify.
  auto a = key->sign("m"), b = key->sign("m");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(key->verify("m", *a));
  EXPECT_TRUE(key->verify("m", *b));
  // A DER signature is not accepted where the raw form is expected.
  EXPECT_FALSE(key->verify("m", Bytes(72, 0x30)));
}

TEST(AsymmetricKey, MoveTransfersOwnership) {
  auto key = AsymmetricKey::generate(KeyAlgorithm::kEd25519);
  ASSERT_TRUE(key);
  AsymmetricKey moved = std::move(*key);
  EXPECT_TRUE(key->empty());
  EXPECT_FALSE(moved.empty());
  EXPECT_FALSE(key->sign("m"));
  EXPECT_TRUE(moved.sign("m"));
}

TEST(AsymmetricKey, AlgorithmNames) {
  EXPECT_EQ(httpSignatureAlgorithmName(KeyAlgorithm::kEd25519), "ed25519");
  EXPECT_EQ(httpSignatureAlgorithmName(KeyAlgorithm::kEcdsaP256Sha256), "ecdsa-p256-sha256");
  EXPECT_EQ(joseAlgorithmName(KeyAlgorithm::kEd25519), "EdDSA");
  EXPECT_EQ(joseAlgorithmName(KeyAlgorithm::kEcdsaP256Sha256), "ES256");
  EXPECT_EQ(parseKeyAlgorithm("ES256"), KeyAlgorithm::kEcdsaP256Sha256);
  EXPECT_EQ(parseKeyAlgorithm("ed25519"), KeyAlgorithm::kEd25519);
  EXPECT_FALSE(parseKeyAlgorithm("none"));
  EXPECT_FALSE(parseKeyAlgorithm("HS256"));
}

}  // namespace
}  // namespace keyward::sign
