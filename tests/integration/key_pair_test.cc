// Key-pair keys end to end: a client built from the `openssl` command line alone (an
// implementation independent of keyward's) registers its public key with the real server,
// signs requests (RFC 9421), and the server verifies them through POST /v1/keys/verify and
// GET /v1/authz (gateway mode); tampering, replays and stale signatures fail.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "integration/api.h"
#include "integration/server_process.h"
#include "sign/interop/interop_util.h"

namespace keyward::testing {
namespace {

namespace json = boost::json;
using sign::interop::run;
using sign::interop::shellQuote;
using sign::interop::TempDir;

const std::string kScript = std::string(KEYWARD_SOURCE_DIR) + "/tests/sign/interop/openssl_sign.sh";
const std::string kTarget = "https://api.example.com/v1/orders?draft=1";

struct Signed {
  std::string content_digest, signature_input, signature;
};

// Signs POST kTarget with `body` using dir/key.pem, as the openssl client does.
Signed opensslSign(const TempDir& dir, const std::string& keyid, const std::string& body, std::time_t created) {
  std::ofstream(dir.file("body.txt"), std::ios::binary) << body;
  const auto r = run("KEYWARD_KEEP_KEY=1 bash " + shellQuote(kScript) + " " + shellQuote(dir.path().string()) +
                     " ed25519 " + std::to_string(created) + " POST " + shellQuote(kTarget) + " " +
                     shellQuote(dir.file("body.txt")) + " " + shellQuote(keyid));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  Signed s;
  std::ifstream in(dir.file("headers.txt"));
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon), value = line.substr(colon + 2);
    if (name == "content-digest") s.content_digest = value;
    if (name == "signature-input") s.signature_input = value;
    if (name == "signature") s.signature = value;
  }
  return s;
}

class KeyPairEndToEnd : public testing_support::BackendTest {
 protected:
  void SetUp() override {
    if (!sign::interop::haveCommand("openssl")) GTEST_SKIP() << "the openssl command is not installed";
    ASSERT_TRUE(server_.start());
    tenant_ = createTenant(server_, "acme");
    const auto gen = run("openssl genpkey -algorithm ed25519 -out " + shellQuote(dir_.file("key.pem")) +
                         " && openssl pkey -in " + shellQuote(dir_.file("key.pem")) + " -pubout -out " +
                         shellQuote(dir_.file("pub.pem")));
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    std::stringstream pem;
    pem << std::ifstream(dir_.file("pub.pem")).rdbuf();
    json::object body{{"name", "openssl-client"},
                      {"kind", "advanced"},
                      {"credential_mode", "key_pair"},
                      {"public_key", pem.str()}};
    const Reply r = server_.admin("POST", "/v1/tenants/" + tenant_ + "/keys", json::serialize(body));
    ASSERT_EQ(r.status, 201) << r.body;
    keyid_ = r.json.at("key").at("keyid").as_string().c_str();
    EXPECT_TRUE(r.json.at("secret").as_string().empty()) << "keyward never had the private key";
  }

  Reply verifySigned(const Signed& s, const std::string& body, std::string method = "POST") {
    json::object sig{{"method", method},
                     {"target_uri", kTarget},
                     {"headers", json::object{{"Content-Type", "application/json"},
                                              {"Content-Digest", s.content_digest},
                                              {"Signature-Input", s.signature_input},
                                              {"Signature", s.signature}}},
                     {"body", body}};
    json::object req{{"signature", sig}, {"tenant_id", tenant_}};
    return server_.call("POST", "/v1/keys/verify", json::serialize(req), server_.bootstrapToken());
  }

  ServerProcess server_{backend()};
  TempDir dir_;
  std::string tenant_;
  std::string keyid_;
};
KEYWARD_ON_EVERY_BACKEND(KeyPairEndToEnd);

TEST_P(KeyPairEndToEnd, AnOpensslSignedRequestVerifiesAndReplaysAndTamperingFail) {
  const std::string body = R"({"item":"book","qty":1})";
  const Signed s = opensslSign(dir_, keyid_, body, std::time(nullptr));
  const Reply ok = verifySigned(s, body);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.str("code"), "VALID") << ok.body;
  EXPECT_EQ(ok.str("tenant_id"), tenant_);

  const Reply replay = verifySigned(s, body);
  EXPECT_EQ(replay.str("code"), "SIGNATURE_INVALID");
  EXPECT_EQ(replay.str("reason"), "SIGNATURE_REPLAYED") << replay.body;

  const Signed s2 = opensslSign(dir_, keyid_, body, std::time(nullptr));
  EXPECT_EQ(verifySigned(s2, R"({"item":"book","qty":9})").str("reason"), "DIGEST_MISMATCH");
  const Signed s3 = opensslSign(dir_, keyid_, body, std::time(nullptr));
  EXPECT_EQ(verifySigned(s3, body, "PUT").str("reason"), "SIGNATURE_INVALID");

  const Signed stale = opensslSign(dir_, keyid_, body, std::time(nullptr) - 3600);
  EXPECT_EQ(verifySigned(stale, body).str("reason"), "SIGNATURE_EXPIRED");

  // Anonymous callers learn nothing about why.
  json::object anon{
      {"signature", json::object{{"method", "POST"}, {"target_uri", kTarget}, {"headers", json::object{}}}}};
  const Reply a = server_.call("POST", "/v1/keys/verify", json::serialize(anon));
  EXPECT_EQ(a.str("code"), "NOT_AUTHORIZED") << a.body;
}

TEST_P(KeyPairEndToEnd, AGatewayForwardsTheSignedRequestsHeadersToAuthz) {
  const std::string body = R"({"item":"pen"})";
  const Signed s = opensslSign(dir_, keyid_, body, std::time(nullptr));
  Headers h{{"X-Original-Method", "POST"},
            {"X-Original-URI", "/v1/orders?draft=1"},
            {"X-Forwarded-Proto", "https"},
            {"X-Forwarded-Host", "api.example.com"},
            {"X-Keyward-Tenant", tenant_},
            {"Content-Length", std::to_string(body.size())},
            {"Content-Digest", s.content_digest},
            {"Signature-Input", s.signature_input},
            {"Signature", s.signature}};
  const Reply ok = server_.call("GET", "/v1/authz", {}, {}, h);
  EXPECT_EQ(ok.status, 204) << ok.body;
  const Reply replay = server_.call("GET", "/v1/authz", {}, {}, h);
  EXPECT_EQ(replay.status, 401) << replay.body;

  const Signed s2 = opensslSign(dir_, keyid_, body, std::time(nullptr));
  Headers wrong_path = h;
  wrong_path[1].second = "/v1/refunds";
  wrong_path[6].second = s2.content_digest;
  wrong_path[7].second = s2.signature_input;
  wrong_path[8].second = s2.signature;
  EXPECT_EQ(server_.call("GET", "/v1/authz", {}, {}, wrong_path).status, 401);
}

}  // namespace
}  // namespace keyward::testing
