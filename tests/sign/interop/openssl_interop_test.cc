// Interop: requests signed by an independent RFC 9421 client made of `openssl` command-line
// calls (tests/sign/interop/openssl_sign.sh) verify with keyward's verifier; tampered,
// replayed and stale variants fail.
#include <gtest/gtest.h>

#include <sstream>

#include "sign/http_signature.h"
#include "sign/interop/interop_util.h"

namespace keyward::sign {
namespace {

using interop::TempDir;

constexpr UnixSeconds kCreated = 1'700'000'000;
constexpr const char* kBody = R"({"amount":10,"currency":"EUR"})";

struct OpensslSigned {
  TempDir dir;
  AsymmetricKey public_key;
  HttpRequest request;
};

// Runs the script and turns its output into the request keyward receives.
std::unique_ptr<OpensslSigned> signWithOpenssl(const std::string& alg, UnixSeconds created = kCreated) {
  auto out = std::make_unique<OpensslSigned>();
  interop::writeFile(out->dir.file("body"), kBody);
  const std::string cmd = "bash " + interop::shellQuote(interop::sourcePath("tests/sign/interop/openssl_sign.sh")) +
                          " " + interop::shellQuote(out->dir.path().string()) + " " + alg + " " +
                          std::to_string(created) + " POST " +
                          interop::shellQuote("https://api.example.com/v1/payments?dry_run=1") + " " +
                          interop::shellQuote(out->dir.file("body"));
  const auto r = interop::run(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  if (r.exit_code != 0) return nullptr;
  auto key = AsymmetricKey::fromPublicPem(interop::readFile(out->dir.file("pub.pem")));
  EXPECT_TRUE(key) << key.error().message;
  if (!key) return nullptr;
  out->public_key = std::move(*key);

  HttpRequest& req = out->request;
  req.method = "POST";
  req.scheme = "https";
  req.authority = "api.example.com";
  req.path = "/v1/payments";
  req.query = "dry_run=1";
  req.body = kBody;
  req.headers = {{"Host", "api.example.com"}, {"Content-Type", "application/json"}};
  std::istringstream headers(interop::readFile(out->dir.file("headers.txt")));
  for (std::string line; std::getline(headers, line);) {
    const size_t colon = line.find(": ");
    if (colon != std::string::npos) req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  return out;
}

std::string codeOf(const Result<VerifiedSignature>& r) { return r ? "OK" : r.error().code; }

class OpensslInterop : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!interop::haveCommand("openssl")) GTEST_SKIP() << "the openssl command line is not installed";
    signed_ = signWithOpenssl(GetParam());
    ASSERT_TRUE(signed_);
  }

  Result<VerifiedSignature> verify(const HttpRequest& r) {
    return verifier.verify(r, [&](std::string_view keyid) {
      return keyid == "openssl-key" ? &signed_->public_key : nullptr;
    });
  }

  ManualClock clock{kCreated + 5};
  ReplayCache cache;
  HttpSignatureVerifier verifier{clock, &cache};
  std::unique_ptr<OpensslSigned> signed_;
};

TEST_P(OpensslInterop, OpensslSignedRequestVerifies) {
  auto ok = verify(signed_->request);
  ASSERT_TRUE(ok) << ok.error().code << ": " << ok.error().message;
  EXPECT_EQ(ok->keyid, "openssl-key");
  EXPECT_EQ(httpSignatureAlgorithmName(ok->algorithm), GetParam());
  // keyward's signature base is byte for byte the one the script signed.
  auto params = parseSignature(signed_->request);
  ASSERT_TRUE(params);
  EXPECT_EQ(*signatureBase(signed_->request, params->covered), interop::readFile(signed_->dir.file("base.txt")));
}

TEST_P(OpensslInterop, TamperedMethodPathBodyOrHeaderFails) {
  HttpRequest method = signed_->request;
  method.method = "PUT";
  EXPECT_EQ(codeOf(verify(method)), sigerr::kInvalid);
  HttpRequest path = signed_->request;
  path.path = "/v1/refunds";
  EXPECT_EQ(codeOf(verify(path)), sigerr::kInvalid);
  HttpRequest body = signed_->request;
  body.body = R"({"amount":9999,"currency":"EUR"})";
  EXPECT_EQ(codeOf(verify(body)), sigerr::kDigest);
  HttpRequest header = signed_->request;  // a Content-Digest that matches the new body
  header.body = R"({"amount":9999,"currency":"EUR"})";
  for (auto& [k, v] : header.headers) {
    if (k == "content-digest") v = contentDigestField(header.body, DigestAlgorithm::kSha256);
  }
  EXPECT_EQ(codeOf(verify(header)), sigerr::kInvalid);
  EXPECT_TRUE(verify(signed_->request));  // the untouched request still verifies once
}

TEST_P(OpensslInterop, ReplayFails) {
  ASSERT_TRUE(verify(signed_->request));
  EXPECT_EQ(codeOf(verify(signed_->request)), sigerr::kReplayed);
}

TEST_P(OpensslInterop, StaleCreatedFails) {
  clock.set(kCreated + 301);
  EXPECT_EQ(codeOf(verify(signed_->request)), sigerr::kExpired);
}

INSTANTIATE_TEST_SUITE_P(Sign, OpensslInterop, ::testing::Values("ed25519", "ecdsa-p256-sha256"), [](const auto& info) {
  return info.param == "ed25519" ? std::string("Ed25519") : std::string("EcdsaP256");
});

}  // namespace
}  // namespace keyward::sign
