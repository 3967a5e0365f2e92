// Interop with npm `jose` 5 (vendored tarball under tests/sign/interop/vendor/): a keyward
// JWT verifies with jose against keyward's JWKS, and a jose-signed JWT validates with
// keyward after importing jose's public JWK. Needs `node` (Node 20 on the base image and CI);
// without it the tests are skipped with a message.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "sign/interop/interop_util.h"
#include "sign/jwt.h"
#include "sign/signing_keys.h"

namespace keyward::sign {
namespace {

constexpr const char* kIssuer = "https://keyward.example/t/ten_acme";
constexpr const char* kAudience = "payments-api";
constexpr const char* kJoseTarball = "tests/sign/interop/vendor/jose-5.10.0.tgz";

class JoseInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!interop::haveCommand("node") || !interop::haveCommand("tar")) return;
    dir_ = new interop::TempDir();
    const std::string root = interop::shellQuote(dir_->path().string());
    const auto r = interop::run("mkdir -p " + root + "/node_modules/jose && tar xzf " +
                                interop::shellQuote(interop::sourcePath(kJoseTarball)) + " -C " + root +
                                "/node_modules/jose --strip-components=1 && cp " +
                                interop::shellQuote(interop::sourcePath("tests/sign/interop/jose_check.mjs")) + " " +
                                interop::shellQuote(interop::sourcePath("tests/sign/interop/jose_sign.mjs")) + " " +
                                root);
    ready_ = r.exit_code == 0;
    setup_output_ = r.output;
  }

  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (!interop::haveCommand("node")) GTEST_SKIP() << "node is not installed: the jose interop tests need Node.js";
    ASSERT_TRUE(ready_) << "could not unpack the vendored jose: " << setup_output_;
  }

  // Runs a script copied next to node_modules/ so that `import 'jose'` resolves to the vendored copy.
  static interop::CommandResult node(const std::string& script, const std::string& args) {
    return interop::run("cd " + interop::shellQuote(dir_->path().string()) + " && node " + script + " " + args);
  }

  static boost::json::object joseCheck(const std::string& jwks, const std::string& token) {
    interop::writeFile(dir_->file("jwks.json"), jwks);
    interop::writeFile(dir_->file("token.txt"), token);
    const auto r = node("jose_check.mjs", "jwks.json token.txt " + interop::shellQuote(kIssuer) + " " +
                                              interop::shellQuote(kAudience) + " kw+jwt");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.output, ec);
    EXPECT_FALSE(ec) << r.output;
    return ec || !v.is_object() ? boost::json::object{} : v.as_object();
  }

  JwtClaims claims(UnixSeconds now) const {
    return JwtClaims{kIssuer, "key_123", {kAudience},  "ten_acme", {"Global Viewer"},
                     now,     now + 600, std::nullopt, "jti_kw_1"};
  }

  static inline interop::TempDir* dir_ = nullptr;
  static inline bool ready_ = false;
  static inline std::string setup_output_;
  SystemClock system_clock_;
};

class JoseInteropAlg : public JoseInterop, public ::testing::WithParamInterface<KeyAlgorithm> {};

TEST_P(JoseInteropAlg, KeywardJwtVerifiesWithJoseAgainstKeywardsJwks) {
  const UnixSeconds now = system_clock_.now();
  auto master = MasterKey::generate();
  ASSERT_TRUE(master);
  // A ring with a retired-but-published key and the current signer: jose must pick by kid.
  std::vector<SigningKeyRecord> ring{*newSigningKey(*master, "ten_acme", now - 100, GetParam()),
                                     *newSigningKey(*master, "ten_acme", now - 10, GetParam())};
  ring[0].retired_at = now - 10;
  const SigningKeyRecord& current = ring[*currentSigner(ring, now)];
  auto signer = openSigner(current, *master, "ten_acme");
  ASSERT_TRUE(signer);
  auto token = encodeJwt(claims(now), *signer, current.kid);
  ASSERT_TRUE(token);

  std::vector<AsymmetricKey> keys;
  std::vector<JwksEntry> entries;
  const std::vector<size_t> published = publishedKeys(ring, now, 3600);
  for (size_t i : published) keys.push_back(std::move(*AsymmetricKey::fromPublicPem(ring[i].public_pem)));
  for (size_t n = 0; n < published.size(); ++n) entries.push_back({ring[published[n]].kid, &keys[n]});
  ASSERT_EQ(entries.size(), 2u);
  auto jwks = renderJwks(entries);
  ASSERT_TRUE(jwks);

  const auto result = joseCheck(*jwks, *token);
  ASSERT_TRUE(result.contains("ok") && result.at("ok").as_bool()) << boost::json::serialize(result);
  EXPECT_EQ(result.at("kid").as_string(), current.kid);
  EXPECT_EQ(std::string_view(result.at("alg").as_string()), joseAlgorithmName(GetParam()));
  const auto& payload = result.at("payload").as_object();
  EXPECT_EQ(payload.at("sub").as_string(), "key_123");
  EXPECT_EQ(payload.at("jti").as_string(), "jti_kw_1");
  EXPECT_EQ(payload.at("tenant").as_string(), "ten_acme");

  // The same independent verifier rejects a tampered keyward token.
  JwtClaims admin = claims(now);
  admin.roles = {"Portal Administrator"};
  const std::string forged_payload = encodeJwt(admin, *signer, current.kid)->substr(token->find('.'));
  const std::string forged = token->substr(0, token->find('.')) + forged_payload.substr(0, forged_payload.rfind('.')) +
                             token->substr(token->rfind('.'));
  const auto rejected = joseCheck(*jwks, forged);
  EXPECT_FALSE(rejected.contains("ok") && rejected.at("ok").as_bool()) << boost::json::serialize(rejected);
}

TEST_P(JoseInteropAlg, JoseSignedJwtValidatesWithKeyward) {
  const UnixSeconds now = system_clock_.now();
  const std::string alg(joseAlgorithmName(GetParam()));
  const auto r = node("jose_sign.mjs", alg + " . " + interop::shellQuote(kIssuer) + " " +
                                           interop::shellQuote(kAudience) + " " + std::to_string(now) + " " +
                                           std::to_string(now + 600));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string jose_kid = r.output;
  while (!jose_kid.empty() && (jose_kid.back() == '\n' || jose_kid.back() == '\r')) jose_kid.pop_back();

  auto key = AsymmetricKey::fromPublicJwk(std::string_view(interop::readFile(dir_->file("pub.jwk.json"))));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->algorithm(), GetParam());
  EXPECT_EQ(*key->thumbprint(), jose_kid);  // RFC 7638 agrees across implementations

  ManualClock clock(now);
  JwtValidator validator(clock, JwtValidationOptions{kIssuer, kAudience});
  const std::string token = interop::readFile(dir_->file("token.txt"));
  auto v = validator.validate(token, [&](std::string_view kid) { return kid == jose_kid ? &*key : nullptr; });
  ASSERT_TRUE(v) << v.error().code << ": " << v.error().message;
  EXPECT_EQ(v->claims.sub, "key_from_jose");
  EXPECT_EQ(v->claims.jti, "jti_from_jose");
  EXPECT_EQ(v->claims.tenant, "ten_jose");
  EXPECT_EQ(v->claims.roles, std::vector<std::string>{"Global Viewer"});

  // And keyward's strict checks still apply to jose's token.
  JwtValidator other_audience(clock, JwtValidationOptions{kIssuer, "other-api"});
  auto wrong = other_audience.validate(token, [&](std::string_view) { return &*key; });
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, jwterr::kAudience);
  clock.set(now + 600 + kDefaultJwtLeeway);
  auto expired = validator.validate(token, [&](std::string_view) { return &*key; });
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, jwterr::kExpired);
}

INSTANTIATE_TEST_SUITE_P(Sign, JoseInteropAlg,
                         ::testing::Values(KeyAlgorithm::kEcdsaP256Sha256, KeyAlgorithm::kEd25519),
                         [](const auto& info) {
                           return info.param == KeyAlgorithm::kEd25519 ? std::string("EdDSA") : std::string("ES256");
                         });

}  // namespace
}  // namespace keyward::sign
