// JWT keys against the real binary: a keyward JWT verifies with npm `jose` (an independent
// JOSE implementation, vendored under tests/sign/interop/vendor/) against the JWKS fetched
// from the server's own GET /v1/tenants/{tenant_id}/jwks.json; tampered and foreign tokens
// fail there; revocation is immediate at keyward's verify API; signing keys and the master
// key survive a restart; the master key file is created 0600 and a readable one is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>

#include "integration/api.h"
#include "integration/server_process.h"
#include "sign/interop/interop_util.h"

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;
namespace interop = sign::interop;

class JwtIntegration : public testing_support::BackendTest {
 protected:
  void SetUp() override {
    if (!interop::haveCommand("node") || !interop::haveCommand("tar")) {
      GTEST_SKIP() << "node is not installed: the jose interop test needs Node.js";
    }
    ASSERT_TRUE(server_.start());
    const std::string root = jose_.path().string();
    const auto r = interop::run("mkdir -p " + root + "/node_modules/jose && tar xzf " +
                                interop::shellQuote(interop::sourcePath("tests/sign/interop/vendor/jose-5.10.0.tgz")) +
                                " -C " + root + "/node_modules/jose --strip-components=1 && cp " +
                                interop::shellQuote(interop::sourcePath("tests/sign/interop/jose_check.mjs")) + " " +
                                root);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    tenant_ = createTenant(server_, "acme");
  }

  // jose's verdict on `token` with the JWKS from the server's endpoint.
  boost::json::object joseCheck(const std::string& token, const std::string& audience = "keyward") {
    interop::writeFile(jose_.file("token.txt"), token);
    const std::string url = server_.address() + "/v1/tenants/" + tenant_ + "/jwks.json";
    const auto r = interop::run("cd " + interop::shellQuote(jose_.path().string()) + " && node jose_check.mjs " +
                                interop::shellQuote(url) + " token.txt " +
                                interop::shellQuote("keyward:tenant:" + tenant_) + " " + interop::shellQuote(audience) +
                                " kw+jwt");
    boost::system::error_code ec;
    auto v = boost::json::parse(r.output, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "jose printed: " << r.output;
      return {};
    }
    return v.as_object();
  }
  static bool ok(const boost::json::object& o) {
    const auto* v = o.if_contains("ok");
    return v && v->is_bool() && v->as_bool();
  }

  ServerProcess server_{backend()};
  interop::TempDir jose_;
  std::string tenant_;
};
KEYWARD_ON_EVERY_BACKEND(JwtIntegration);

TEST_P(JwtIntegration, AKeywardJwtVerifiesWithJoseAgainstTheServersJwks) {
  const CreatedKey k = createKey(server_, tenant_, {{"name", "partner"}, {"kind", "jwt"}, {"expires_in_days", 30}});
  const auto result = joseCheck(k.secret);
  ASSERT_TRUE(ok(result)) << boost::json::serialize(result);
  const auto& payload = result.at("payload").as_object();
  EXPECT_EQ(payload.at("sub").as_string(), k.id);
  EXPECT_EQ(payload.at("tenant").as_string(), tenant_);
  EXPECT_EQ(payload.at("jti").as_string(), k.record.at("token_id").as_string());
  EXPECT_EQ(result.at("alg").as_string(), "ES256");
  EXPECT_EQ(verifyCode(verifyKey(server_, k.secret, server_.bootstrapToken())), "VALID");

  // Negative: jose refuses a tampered token, a token for another audience (as configured
  // by the checker), and keyward's own verify agrees on the tampering.
  std::string tampered = k.secret;
  tampered[tampered.rfind('.') + 5] = tampered[tampered.rfind('.') + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ok(joseCheck(tampered)));
  EXPECT_FALSE(ok(joseCheck(k.secret, "someone-else")));
  EXPECT_EQ(verifyCode(verifyKey(server_, tampered, server_.bootstrapToken())), "INVALID_TOKEN");

  // Revocation is immediate at keyward (offline checkers learn it only at exp).
  ASSERT_EQ(server_.admin("DELETE", "/v1/tenants/" + tenant_ + "/keys/" + k.id).status, 204);
  EXPECT_EQ(verifyCode(verifyKey(server_, k.secret, server_.bootstrapToken())), "REVOKED");
}

TEST_P(JwtIntegration, SigningKeyRotationKeepsOldTokensVerifiableAndEverythingSurvivesARestart) {
  const CreatedKey before = createKey(server_, tenant_, {{"name", "before"}, {"kind", "jwt"}});
  const Reply rotated = server_.admin("POST", "/v1/tenants/" + tenant_ + "/signing-keys/rotate", "");
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  const CreatedKey after = createKey(server_, tenant_, {{"name", "after"}, {"kind", "jwt"}});
  const auto old_result = joseCheck(before.secret);
  const auto new_result = joseCheck(after.secret);
  ASSERT_TRUE(ok(old_result)) << boost::json::serialize(old_result);
  ASSERT_TRUE(ok(new_result)) << boost::json::serialize(new_result);
  EXPECT_NE(old_result.at("kid"), new_result.at("kid"));
  EXPECT_EQ(new_result.at("kid").as_string(), rotated.str("kid"));

  // The master key file was created owner-only next to the database.
  const fs::path master = server_.dir() / "master.key";
  struct stat st {};
  ASSERT_EQ(::stat(master.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_EQ(server_.stop(), 0);
  ASSERT_TRUE(server_.start());
  EXPECT_EQ(verifyCode(verifyKey(server_, before.secret, server_.bootstrapToken())), "VALID");
  EXPECT_EQ(verifyCode(verifyKey(server_, after.secret, server_.bootstrapToken())), "VALID");
  EXPECT_TRUE(ok(joseCheck(after.secret)));
  // Signing after the restart uses the same (unsealed again) current key.
  const CreatedKey later = createKey(server_, tenant_, {{"name", "later"}, {"kind", "jwt"}});
  EXPECT_EQ(joseCheck(later.secret).at("kid"), new_result.at("kid"));

  // A master key file others can read is refused at start.
  ASSERT_EQ(server_.stop(), 0);
  ASSERT_EQ(::chmod(master.c_str(), 0644), 0);
  EXPECT_FALSE(server_.start());
  EXPECT_NE(server_.stderrText().find("chmod 600"), std::string::npos) << server_.stderrText();
}

}  // namespace
}  // namespace keyward::testing
