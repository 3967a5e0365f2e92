// Unit tests for JWT encoding, strict validation (RFC 8725) and the JWKS renderer
// (src/sign/jwt.h).
#include "sign/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/json/parse.hpp>

namespace keyward::sign {
namespace {

constexpr UnixSeconds kNow = 1'700'000'000;

JwtClaims claims() {
  JwtClaims c;
  c.iss = "https://keyward.example/t/acme";
  c.sub = "key_123";
  c.aud = {"payments-api"};
  c.tenant = "ten_acme";
  c.roles = {"Global Viewer"};
  c.iat = kNow - 10;
  c.exp = kNow + 3600;
  c.jti = "jti_abc";
  return c;
}

JwtValidationOptions options() {
  JwtValidationOptions o;
  o.issuer = "https://keyward.example/t/acme";
  o.audience = "payments-api";
  return o;
}

// Signs arbitrary header and payload JSON, to build tokens keyward would never issue.
std::string craft(const std::string& header, const std::string& payload, const AsymmetricKey& key) {
  const std::string input = base64UrlEncode(header) + "." + base64UrlEncode(payload);
  return input + "." + base64UrlEncode(*key.sign(input));
}

std::string payloadJson(std::string extra = "") {
  return R"({"iss":"https://keyward.example/t/acme","sub":"key_123","aud":"payments-api","tenant":"ten_acme",)"
         R"("roles":[],"iat":1699999990,"exp":1700003600,"jti":"jti_abc")" +
         extra + "}";
}

struct Ring {
  ManualClock clock{kNow};
  AsymmetricKey key;
  std::string kid;
  int lookups = 0;
  JwtValidator validator{clock, options()};

  explicit Ring(KeyAlgorithm alg = KeyAlgorithm::kEcdsaP256Sha256)
      : key(std::move(*AsymmetricKey::generate(alg))), kid(*key.thumbprint()) {}

  Result<ValidatedJwt> validate(std::string_view token) {
    return validator.validate(token, [&](std::string_view k) -> const AsymmetricKey* {
      ++lookups;
      return k == kid ? &key : nullptr;
    });
  }

  std::string header(std::string alg, std::string extra = "") const {
    return R"({"alg":")" + alg + R"(","typ":"kw+jwt","kid":")" + kid + "\"" + extra + "}";
  }
};

std::string codeOf(const Result<ValidatedJwt>& r) { return r ? "OK" : r.error().code; }

class BothAlgorithms : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(BothAlgorithms, IssuedTokenValidatesAndReturnsItsClaims) {
  Ring ring(GetParam());
  auto token = encodeJwt(claims(), ring.key, ring.kid);
  ASSERT_TRUE(token) << token.error().message;
  auto v = ring.validate(*token);
  ASSERT_TRUE(v) << codeOf(v) << " " << v.error().message;
  EXPECT_EQ(v->kid, ring.kid);
  EXPECT_EQ(v->algorithm, GetParam());
  EXPECT_EQ(v->claims.jti, "jti_abc");
  EXPECT_EQ(v->claims.sub, "key_123");
  EXPECT_EQ(v->claims.tenant, "ten_acme");
  EXPECT_EQ(v->claims.roles, std::vector<std::string>{"Global Viewer"});
  EXPECT_EQ(v->claims.aud, std::vector<std::string>{"payments-api"});
  EXPECT_EQ(v->claims.exp, kNow + 3600);
}

TEST_P(BothAlgorithms, HeaderIsAlgTypKid) {
  Ring ring(GetParam());
  auto token = encodeJwt(claims(), ring.key, ring.kid);
  ASSERT_TRUE(token);
  auto header = base64UrlDecode(token->substr(0, token->find('.')));
  ASSERT_TRUE(header);
  const auto h = boost::json::parse(asText(*header)).as_object();
  EXPECT_EQ(std::string_view(h.at("alg").as_string()), joseAlgorithmName(GetParam()));
  EXPECT_EQ(h.at("typ").as_string(), "kw+jwt");
  EXPECT_EQ(h.at("kid").as_string(), ring.kid);
  EXPECT_EQ(h.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Sign, BothAlgorithms,
                         ::testing::Values(KeyAlgorithm::kEd25519, KeyAlgorithm::kEcdsaP256Sha256));

TEST(JwtNegative, AlgNoneIsRefused) {
  Ring ring;
  const std::string token = base64UrlEncode(ring.header("none")) + "." + base64UrlEncode(payloadJson()) + ".";
  EXPECT_EQ(codeOf(ring.validate(token)), jwterr::kAlgorithm);
}

TEST(JwtNegative, Hs256SignedWithThePublicKeyIsRefused) {
  // Algorithm confusion: an attacker uses the published public key as an HMAC secret.
  Ring ring;
  for (const std::string& secret : {*ring.key.publicPem(), std::string(ring.key.publicJwk()->at("x").as_string())}) {
    const std::string input = base64UrlEncode(ring.header("HS256")) + "." + base64UrlEncode(payloadJson());
    unsigned char mac[32];
    size_t mac_len = 0;
    ASSERT_TRUE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac,
                          &mac_len));
    const std::string token = input + "." + base64UrlEncode(std::span<const std::uint8_t>(mac, mac_len));
    EXPECT_EQ(codeOf(ring.validate(token)), jwterr::kAlgorithm);
  }
}

TEST(JwtNegative, AnotherAsymmetricAlgorithmIsRefused) {
  Ring ec(KeyAlgorithm::kEcdsaP256Sha256);
  AsymmetricKey ed = std::move(*AsymmetricKey::generate(KeyAlgorithm::kEd25519));
  // An EdDSA token under the EC key's kid: the key's algorithm decides, not the token.
  EXPECT_EQ(codeOf(ec.validate(craft(ec.header("EdDSA"), payloadJson(), ed))), jwterr::kAlgorithm);
  EXPECT_EQ(codeOf(ec.validate(craft(ec.header("ES384"), payloadJson(), ec.key))), jwterr::kAlgorithm);
}

TEST(JwtNegative, UnknownKidIsRefused) {
  Ring ring;
  Ring other;
  auto token = encodeJwt(claims(), other.key, other.kid);
  EXPECT_EQ(codeOf(ring.validate(*token)), jwterr::kUnknownKey);
}

TEST(JwtNegative, KidWithPathCharactersNeverReachesTheLookup) {
  Ring ring;
  for (const std::string& kid : std::vector<std::string>{"../../etc/passwd", "a/b", "kid?x=1", "kid%2F", "",
                                                         std::string(65, 'a'), "k id", "k\\id"}) {
    std::string header = R"({"alg":"ES256","typ":"kw+jwt","kid":)" + std::string("\"") + kid + "\"}";
    if (kid.find('\\') != std::string::npos) header = R"({"alg":"ES256","typ":"kw+jwt","kid":"k\\id"})";
    EXPECT_EQ(codeOf(ring.validate(craft(header, payloadJson(), ring.key))), jwterr::kHeader) << kid;
  }
  const std::string no_kid = R"({"alg":"ES256","typ":"kw+jwt"})";
  EXPECT_EQ(codeOf(ring.validate(craft(no_kid, payloadJson(), ring.key))), jwterr::kHeader);
  EXPECT_EQ(ring.lookups, 0);
  EXPECT_FALSE(encodeJwt(claims(), ring.key, "../x"));
}

TEST(JwtNegative, KeyCarryingAndCriticalHeaderParametersAreRefused) {
  Ring ring;
  for (std::string extra : {R"(,"crit":["exp"])", R"(,"jku":"https://evil.example/jwks")", R"(,"x5u":"https://evil")",
                            R"(,"jwk":{"kty":"OKP"})", R"(,"x5c":["AAAA"])"}) {
    EXPECT_EQ(codeOf(ring.validate(craft(ring.header("ES256", extra), payloadJson(), ring.key))), jwterr::kHeader)
        << extra;
  }
}

TEST(JwtNegative, TypMustBeKeywards) {
  Ring ring;
  auto withTyp = [&](std::string typ) { return R"({"alg":"ES256","typ":")" + typ + R"(","kid":")" + ring.kid + "\"}"; };
  EXPECT_EQ(codeOf(ring.validate(craft(withTyp("JWT"), payloadJson(), ring.key))), jwterr::kHeader);
  EXPECT_EQ(codeOf(ring.validate(craft(withTyp("at+jwt"), payloadJson(), ring.key))), jwterr::kHeader);
  EXPECT_EQ(codeOf(ring.validate(craft(R"({"alg":"ES256","kid":")" + ring.kid + "\"}", payloadJson(), ring.key))),
            jwterr::kHeader);
  EXPECT_TRUE(ring.validate(craft(withTyp("application/kw+jwt"), payloadJson(), ring.key)));
  EXPECT_TRUE(ring.validate(craft(withTyp("KW+JWT"), payloadJson(), ring.key)));
}

TEST(JwtNegative, ExpiryRespectsTheLeeway) {
  Ring ring;
  JwtClaims c = claims();
  c.exp = kNow - 29;  // inside the default 30 s leeway
  EXPECT_TRUE(ring.validate(*encodeJwt(c, ring.key, ring.kid)));
  c.exp = kNow - 30;
  EXPECT_EQ(codeOf(ring.validate(*encodeJwt(c, ring.key, ring.kid))), jwterr::kExpired);
  JwtValidationOptions strict = options();
  strict.leeway = 0;
  JwtValidator no_leeway(ring.clock, strict);
  c.exp = kNow;
  auto r = no_leeway.validate(*encodeJwt(c, ring.key, ring.kid), [&](std::string_view) { return &ring.key; });
  EXPECT_EQ(codeOf(r), jwterr::kExpired);
}

TEST(JwtNegative, NotBeforeAndIssuedInTheFuture) {
  Ring ring;
  JwtClaims c = claims();
  c.nbf = kNow + 31;
  EXPECT_EQ(codeOf(ring.validate(*encodeJwt(c, ring.key, ring.kid))), jwterr::kNotYetValid);
  c.nbf = kNow + 30;
  EXPECT_TRUE(ring.validate(*encodeJwt(c, ring.key, ring.kid)));
  c = claims();
  c.iat = kNow + 31;
  EXPECT_EQ(codeOf(ring.validate(*encodeJwt(c, ring.key, ring.kid))), jwterr::kNotYetValid);
}

TEST(JwtNegative, IssuerAndAudienceMustMatch) {
  Ring ring;
  JwtClaims c = claims();
  c.aud = {"other-api"};
  EXPECT_EQ(codeOf(ring.validate(*encodeJwt(c, ring.key, ring.kid))), jwterr::kAudience);
  c.aud = {"other-api", "payments-api"};
  EXPECT_TRUE(ring.validate(*encodeJwt(c, ring.key, ring.kid)));
  c = claims();
  c.iss = "https://evil.example";
  EXPECT_EQ(codeOf(ring.validate(*encodeJwt(c, ring.key, ring.kid))), jwterr::kIssuer);
}

TEST(JwtNegative, RequiredClaimsAndTypes) {
  Ring ring;
  const std::string h = ring.header("ES256");
  auto withPayload = [&](std::string p) { return codeOf(ring.validate(craft(h, p, ring.key))); };
  EXPECT_EQ(
      withPayload(
          R"({"iss":"https://keyward.example/t/acme","sub":"key_123","aud":"payments-api","iat":1699999990,"exp":1700003600,"jti":"j"})"),
      jwterr::kClaims);  // no tenant
  EXPECT_EQ(
      withPayload(
          R"({"iss":"https://keyward.example/t/acme","sub":"key_123","aud":"payments-api","tenant":"t","iat":1699999990,"exp":1700003600})"),
      jwterr::kClaims);  // no jti
  EXPECT_EQ(
      withPayload(
          R"({"iss":"https://keyward.example/t/acme","sub":"key_123","aud":"payments-api","tenant":"t","iat":1699999990,"exp":"soon","jti":"j"})"),
      jwterr::kClaims);
  EXPECT_EQ(
      withPayload(
          R"({"iss":"https://keyward.example/t/acme","sub":"key_123","aud":"payments-api","tenant":"t","iat":1699999990,"exp":1700003600.5,"jti":"j"})"),
      jwterr::kClaims);
  EXPECT_EQ(withPayload(payloadJson(R"(,"nbf":"now")")), jwterr::kClaims);
  EXPECT_EQ(
      withPayload(
          R"({"iss":"https://keyward.example/t/acme","sub":"key_123","aud":[1],"tenant":"t","iat":1699999990,"exp":1700003600,"jti":"j"})"),
      jwterr::kClaims);
  EXPECT_EQ(withPayload(payloadJson().replace(payloadJson().find(R"("roles":[])"), 10, R"("roles":"admin")")),
            jwterr::kClaims);
  EXPECT_EQ(withPayload("[]"), jwterr::kMalformed);
}

TEST(JwtNegative, StructureIsStrict) {
  Ring ring;
  const std::string good = *encodeJwt(claims(), ring.key, ring.kid);
  EXPECT_TRUE(ring.validate(good));
  EXPECT_EQ(codeOf(ring.validate(good.substr(0, good.rfind('.')))), jwterr::kMalformed);  // 2 parts
  EXPECT_EQ(codeOf(ring.validate(good + ".x")), jwterr::kMalformed);                      // 4 parts
  EXPECT_EQ(codeOf(ring.validate(good + "=")), jwterr::kMalformed);                       // padding
  EXPECT_EQ(codeOf(ring.validate("!!." + good.substr(good.find('.') + 1))), jwterr::kMalformed);
  EXPECT_EQ(codeOf(ring.validate(base64UrlEncode("not json") + good.substr(good.find('.')))), jwterr::kMalformed);
  EXPECT_EQ(codeOf(ring.validate("")), jwterr::kMalformed);
  EXPECT_EQ(codeOf(ring.validate(std::string(9000, 'a'))), jwterr::kMalformed);
}

TEST(JwtNegative, TamperedPayloadOrSignatureFails) {
  Ring ring;
  const std::string good = *encodeJwt(claims(), ring.key, ring.kid);
  const size_t d1 = good.find('.'), d2 = good.rfind('.');
  JwtClaims more = claims();
  more.roles = {"Portal Administrator"};
  const std::string other = *encodeJwt(more, ring.key, ring.kid);
  const std::string swapped = good.substr(0, d1) + other.substr(other.find('.'), other.rfind('.') - other.find('.')) +
                              good.substr(d2);
  EXPECT_EQ(codeOf(ring.validate(swapped)), jwterr::kSignature);
  std::string flipped = good;
  flipped[d2 + 5] = flipped[d2 + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(codeOf(ring.validate(flipped)), jwterr::kSignature);
}

TEST(Jwks, RendersPublicKeysWithKidAlgAndUse) {
  auto ec = AsymmetricKey::generate(KeyAlgorithm::kEcdsaP256Sha256);
  auto ed = AsymmetricKey::generate(KeyAlgorithm::kEd25519);
  ASSERT_TRUE(ec && ed);
  const std::vector<JwksEntry> entries{{"kid-ec", &*ec}, {"kid-ed", &*ed}};
  auto json = renderJwks(entries);
  ASSERT_TRUE(json);
  const auto doc = boost::json::parse(*json).as_object();
  const auto& keys = doc.at("keys").as_array();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].at("kid").as_string(), "kid-ec");
  EXPECT_EQ(keys[0].at("alg").as_string(), "ES256");
  EXPECT_EQ(keys[1].at("alg").as_string(), "EdDSA");
  EXPECT_EQ(keys[1].at("use").as_string(), "sig");
  EXPECT_FALSE(keys[0].as_object().contains("d"));
  // Each published key imports back and verifies its owner's signatures.
  auto back = AsymmetricKey::fromPublicJwk(keys[1].as_object());
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->verify("m", *ed->sign("m")));
  EXPECT_EQ(*renderJwks({}), R"({"keys":[]})");
  const std::vector<JwksEntry> bad{{"a/b", &*ec}};
  EXPECT_FALSE(renderJwks(bad));
}

}  // namespace
}  // namespace keyward::sign
