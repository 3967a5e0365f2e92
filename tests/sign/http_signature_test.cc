// Unit tests for RFC 9421 HTTP message signatures and RFC 9530 Content-Digest
// (src/sign/http_signature.h), including the RFC 9421 Appendix B.2.6 Ed25519 test vector.
#include "sign/http_signature.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

namespace keyward::sign {
namespace {

// RFC 9421 Appendix B.1.4 and B.2.6.
constexpr const char* kTestKeyEd25519Public =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
    "-----END PUBLIC KEY-----\n";
constexpr const char* kTestKeyEd25519Private =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
    "-----END PRIVATE KEY-----\n";
constexpr UnixSeconds kB26Created = 1618884473;
constexpr const char* kB26Base =
    "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
    "\"@method\": POST\n"
    "\"@path\": /foo\n"
    "\"@authority\": example.com\n"
    "\"content-type\": application/json\n"
    "\"content-length\": 18\n"
    "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")"
    ";created=1618884473;keyid=\"test-key-ed25519\"";

// RFC 9421 Appendix B.2: the test request.
HttpRequest rfcRequest() {
  HttpRequest r;
  r.method = "POST";
  r.scheme = "https";
  r.authority = "example.com";
  r.path = "/foo";
  r.query = "param=Value&Pet=dog";
  r.headers = {
      {"Host", "example.com"},
      {"Date", "Tue, 20 Apr 2021 02:07:55 GMT"},
      {"Content-Type", "application/json"},
      {"Content-Digest",
       "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"},
      {"Content-Length", "18"},
  };
  r.body = R"({"hello": "world"})";
  return r;
}

HttpRequest b26Request() {
  HttpRequest r = rfcRequest();
  r.headers.emplace_back("Signature-Input",
                         "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")"
                         ";created=1618884473;keyid=\"test-key-ed25519\"");
  r.headers.emplace_back(
      "Signature",
      "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:");
  return r;
}

SignaturePolicy rfcVectorPolicy() {
  // B.2.6 covers neither @query nor content-digest, which keyward's default policy requires.
  SignaturePolicy p;
  p.require_target = false;
  p.require_content_digest_with_body = false;
  return p;
}

TEST(HttpSignatureRfc9421, B26SignatureBaseIsExact) {
  auto params = parseSignature(b26Request());
  ASSERT_TRUE(params) << params.error().message;
  EXPECT_EQ(params->label, "sig-b26");
  EXPECT_EQ(params->keyid, "test-key-ed25519");
  EXPECT_EQ(params->created, kB26Created);
  auto base = signatureBase(b26Request(), params->covered);
  ASSERT_TRUE(base) << base.error().message;
  EXPECT_EQ(*base, kB26Base);
}

TEST(HttpSignatureRfc9421, B26SignatureVerifies) {
  auto key = AsymmetricKey::fromPublicPem(kTestKeyEd25519Public);
  ASSERT_TRUE(key);
  ManualClock clock(kB26Created + 10);
  ReplayCache cache;
  HttpSignatureVerifier verifier(clock, &cache, rfcVectorPolicy());
  auto ok = verifier.verify(b26Request(),
                            [&](std::string_view keyid) { return keyid == "test-key-ed25519" ? &*key : nullptr; });
  ASSERT_TRUE(ok) << ok.error().code << ": " << ok.error().message;
  EXPECT_EQ(ok->keyid, "test-key-ed25519");
  EXPECT_EQ(ok->label, "sig-b26");
  EXPECT_EQ(ok->algorithm, KeyAlgorithm::kEd25519);
}

TEST(HttpSignatureRfc9421, B26SigningWithTheTestKeyReproducesTheSignature) {
  // Ed25519 is deterministic, so keyward's signer must produce the RFC's exact bytes.
  auto key = AsymmetricKey::fromPrivatePem(kTestKeyEd25519Private);
  ASSERT_TRUE(key);
  SignOptions opt;
  opt.label = "sig-b26";
  opt.components = {"date", "@method", "@path", "@authority", "content-type", "content-length"};
  opt.created = kB26Created;
  opt.keyid = "test-key-ed25519";
  opt.include_alg = false;
  auto signed_headers = signRequest(rfcRequest(), *key, opt);
  ASSERT_TRUE(signed_headers);
  EXPECT_EQ(signed_headers->signature,
            "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:");
}

TEST(HttpSignatureRfc9421, B26FailsKeywardsDefaultCoveragePolicy) {
  ManualClock clock(kB26Created);
  HttpSignatureVerifier verifier(clock, nullptr);
  auto r = verifier.inspect(b26Request());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, sigerr::kCoverage);
}

TEST(HttpSignatureRfc9421, B2ContentDigestVerifies) {
  EXPECT_TRUE(verifyContentDigest(rfcRequest()));
  EXPECT_EQ(contentDigestField(R"({"hello": "world"})", DigestAlgorithm::kSha512),
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:");
  // RFC 9530 Appendix B.1's sha-256 of the same body.
  EXPECT_EQ(contentDigestField(R"({"hello": "world"})", DigestAlgorithm::kSha256),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
}

HttpRequest simpleRequest() {
  HttpRequest r;
  r.method = "GET";
  r.scheme = "https";
  r.authority = "www.example.com";
  r.path = "/path";
  r.query = "param=value";
  return r;
}

TEST(HttpSignatureComponents, DerivedComponentsFollowRfc9421Section22) {
  const HttpRequest r = simpleRequest();
  EXPECT_EQ(*componentValue(r, "@method"), "GET");
  EXPECT_EQ(*componentValue(r, "@target-uri"), "https://www.example.com/path?param=value");
  EXPECT_EQ(*componentValue(r, "@authority"), "www.example.com");
  EXPECT_EQ(*componentValue(r, "@scheme"), "https");
  EXPECT_EQ(*componentValue(r, "@request-target"), "/path?param=value");
  EXPECT_EQ(*componentValue(r, "@path"), "/path");
  EXPECT_EQ(*componentValue(r, "@query"), "?param=value");
}

TEST(HttpSignatureComponents, EmptyQueryAndPathAndAuthorityNormalization) {
  HttpRequest r = simpleRequest();
  r.query.clear();
  r.path.clear();
  r.scheme = "HTTPS";
  r.authority = "WWW.Example.com:443";
  EXPECT_EQ(*componentValue(r, "@query"), "?");
  EXPECT_EQ(*componentValue(r, "@path"), "/");
  EXPECT_EQ(*componentValue(r, "@request-target"), "/");
  EXPECT_EQ(*componentValue(r, "@authority"), "www.example.com");
  EXPECT_EQ(*componentValue(r, "@target-uri"), "https://www.example.com/");
  r.scheme = "http";
  r.authority = "example.com:8080";
  EXPECT_EQ(*componentValue(r, "@authority"), "example.com:8080");
}

TEST(HttpSignatureComponents, HeaderFieldsAreFoundCaseInsensitivelyTrimmedAndJoined) {
  HttpRequest r = simpleRequest();
  r.headers = {{"X-Multi", "  a "}, {"x-multi", "b\t"}, {"Cache-Control", "max-age=60"}};
  EXPECT_EQ(*componentValue(r, "x-multi"), "a, b");
  EXPECT_EQ(*componentValue(r, "cache-control"), "max-age=60");
  auto absent = componentValue(r, "x-absent");
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, sigerr::kInvalid);
  EXPECT_EQ(componentValue(r, "X-Multi").error().code, sigerr::kMalformed);  // names are lowercase
  EXPECT_EQ(componentValue(r, "@status").error().code, sigerr::kUnsupported);
  r.headers.emplace_back("x-bad", "a\r\nInjected: yes");
  EXPECT_FALSE(componentValue(r, "x-bad"));
}

// A request to keyward's verify endpoint, signed by `key` with the default coverage.
struct Fixture {
  UnixSeconds now = 1'700'000'000;
  ManualClock clock{now};
  ReplayCache cache;
  HttpSignatureVerifier verifier{clock, &cache};
  AsymmetricKey key;

  explicit Fixture(KeyAlgorithm alg = KeyAlgorithm::kEd25519) : key(std::move(*AsymmetricKey::generate(alg))) {}

  HttpRequest request(std::string body = R"({"amount":10})") const {
    HttpRequest r;
    r.method = "POST";
    r.scheme = "https";
    r.authority = "api.example.com";
    r.path = "/v1/payments";
    r.query = "dry_run=1";
    r.body = std::move(body);
    r.headers = {{"Host", "api.example.com"}, {"Content-Type", "application/json"}};
    if (!r.body.empty()) r.headers.emplace_back("Content-Digest", contentDigestField(r.body, DigestAlgorithm::kSha256));
    return r;
  }

  HttpRequest sign(HttpRequest r, SignOptions opt = {}) const {
    if (opt.keyid.empty()) opt.keyid = "kid-1";
    if (!opt.created) opt.created = now;
    auto h = signRequest(r, key, opt);
    EXPECT_TRUE(h) << h.error().message;
    r.headers.emplace_back("Signature-Input", h->signature_input);
    r.headers.emplace_back("Signature", h->signature);
    return r;
  }

  Result<VerifiedSignature> verify(const HttpRequest& r) const {
    return verifier.verify(r, [&](std::string_view keyid) { return keyid == "kid-1" ? &key : nullptr; });
  }
};

std::string codeOf(const Result<VerifiedSignature>& r) { return r ? "OK" : r.error().code; }

class SignedRequests : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(SignedRequests, ASignedRequestVerifiesOnce) {
  Fixture f(GetParam());
  const HttpRequest signed_request = f.sign(f.request());
  auto ok = f.verify(signed_request);
  ASSERT_TRUE(ok) << codeOf(ok) << " " << ok.error().message;
  EXPECT_EQ(ok->keyid, "kid-1");
  EXPECT_EQ(ok->algorithm, GetParam());
  EXPECT_EQ(ok->components, (std::vector<std::string>{"@method", "@target-uri", "content-digest"}));
  EXPECT_EQ(codeOf(f.verify(signed_request)), sigerr::kReplayed);
}

TEST_P(SignedRequests, TamperingWithAnyCoveredPartFails) {
  Fixture f(GetParam());
  SignOptions opt;
  opt.components = {"@method", "@authority", "@path", "@query", "content-digest", "content-type"};
  const HttpRequest good = f.sign(f.request(), opt);

  HttpRequest method = good;
  method.method = "PUT";
  EXPECT_EQ(codeOf(f.verify(method)), sigerr::kInvalid);
  HttpRequest path = good;
  path.path = "/v1/refunds";
  EXPECT_EQ(codeOf(f.verify(path)), sigerr::kInvalid);
  HttpRequest query = good;
  query.query = "dry_run=0";
  EXPECT_EQ(codeOf(f.verify(query)), sigerr::kInvalid);
  HttpRequest authority = good;
  authority.authority = "evil.example.com";
  EXPECT_EQ(codeOf(f.verify(authority)), sigerr::kInvalid);
  HttpRequest header = good;
  for (auto& [k, v] : header.headers) {
    if (k == "Content-Type") v = "text/plain";
  }
  EXPECT_EQ(codeOf(f.verify(header)), sigerr::kInvalid);
  HttpRequest body = good;  // the Content-Digest still describes the old body
  body.body = R"({"amount":1000})";
  EXPECT_EQ(codeOf(f.verify(body)), sigerr::kDigest);
  HttpRequest signature = good;
  signature.headers.back().second[12] = signature.headers.back().second[12] == 'A' ? 'B' : 'A';
  EXPECT_EQ(codeOf(f.verify(signature)), sigerr::kInvalid);

  EXPECT_TRUE(f.verify(good));  // failures above did not consume the replay slot
}

INSTANTIATE_TEST_SUITE_P(Sign, SignedRequests,
                         ::testing::Values(KeyAlgorithm::kEd25519, KeyAlgorithm::kEcdsaP256Sha256));

TEST(HttpSignatureTime, CreatedMustBeWithinTheWindow) {
  Fixture f;
  SignOptions stale;
  stale.created = f.now - 301;
  EXPECT_EQ(codeOf(f.verify(f.sign(f.request(), stale))), sigerr::kExpired);
  SignOptions edge;
  edge.created = f.now - 300;
  EXPECT_TRUE(f.verify(f.sign(f.request(), edge)));
  SignOptions future;
  future.created = f.now + 301;
  EXPECT_EQ(codeOf(f.verify(f.sign(f.request(), future))), sigerr::kExpired);
  SignOptions near_future;
  near_future.created = f.now + 30;
  EXPECT_TRUE(f.verify(f.sign(f.request(), near_future)));
}

TEST(HttpSignatureTime, ARequestGoesStaleAsTheClockMoves) {
  Fixture f;
  const HttpRequest r = f.sign(f.request());
  f.clock.advance(301);
  EXPECT_EQ(codeOf(f.verify(r)), sigerr::kExpired);
}

TEST(HttpSignatureTime, ExpiresIsHonoured) {
  Fixture f;
  SignOptions opt;
  opt.expires = f.now - 1;
  EXPECT_EQ(codeOf(f.verify(f.sign(f.request(), opt))), sigerr::kExpired);
  opt.expires = f.now + 10;
  EXPECT_TRUE(f.verify(f.sign(f.request(), opt)));
}

TEST(HttpSignatureTime, TheWindowIsConfigurable) {
  Fixture f;
  SignaturePolicy p;
  p.window = 10;
  HttpSignatureVerifier strict(f.clock, nullptr, p);
  SignOptions opt;
  opt.created = f.now - 11;
  auto r = strict.inspect(f.sign(f.request(), opt));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, sigerr::kExpired);
}

TEST(HttpSignatureReplay, ReplayIsDetectedEvenWithAFreshEcdsaSignature) {
  // ECDSA signatures are randomized (and malleable): the same content signed twice has two
  // different signatures. The replay id is the signed content, so the second is a replay.
  Fixture f(KeyAlgorithm::kEcdsaP256Sha256);
  EXPECT_TRUE(f.verify(f.sign(f.request())));
  EXPECT_EQ(codeOf(f.verify(f.sign(f.request()))), sigerr::kReplayed);
}

TEST(HttpSignatureReplay, AMalleatedEcdsaSignatureIsStillAReplay) {
  // (r, s) and (r, n - s) are both valid ECDSA signatures of the same content.
  Fixture f(KeyAlgorithm::kEcdsaP256Sha256);
  const HttpRequest original = f.sign(f.request());
  const std::string& field = original.headers.back().second;  // "sig1=:<b64>:"
  Bytes sig = *base64Decode(field.substr(6, field.size() - 7));
  BIGNUM* n = nullptr;
  BN_hex2bn(&n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");  // P-256 order
  BIGNUM* s = BN_bin2bn(sig.data() + 32, 32, nullptr);
  ASSERT_EQ(BN_sub(s, n, s), 1);
  ASSERT_EQ(BN_bn2binpad(s, sig.data() + 32, 32), 32);
  BN_free(s);
  BN_free(n);
  HttpRequest malleated = original;
  malleated.headers.back().second = "sig1=:" + base64Encode(sig) + ":";
  ASSERT_TRUE(f.key.verify(*signatureBase(malleated, parseSignature(malleated)->covered), sig));
  EXPECT_TRUE(f.verify(original));
  EXPECT_EQ(codeOf(f.verify(malleated)), sigerr::kReplayed);
}

TEST(HttpSignatureReplay, ANonceMakesIdenticalRequestsDistinct) {
  Fixture f;
  SignOptions a, b;
  a.nonce = "n-1";
  b.nonce = "n-2";
  EXPECT_TRUE(f.verify(f.sign(f.request(), a)));
  EXPECT_TRUE(f.verify(f.sign(f.request(), b)));
  EXPECT_EQ(codeOf(f.verify(f.sign(f.request(), a))), sigerr::kReplayed);
}

TEST(HttpSignatureReplay, AFullCacheFailsClosed) {
  Fixture f;
  ReplayCache tiny(1, 1);
  HttpSignatureVerifier verifier(f.clock, &tiny);
  auto lookup = [&](std::string_view) { return &f.key; };
  SignOptions a, b;
  a.nonce = "1";
  b.nonce = "2";
  EXPECT_TRUE(verifier.verify(f.sign(f.request(), a), lookup));
  auto full = verifier.verify(f.sign(f.request(), b), lookup);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, sigerr::kReplayCacheFull);
  EXPECT_EQ(full.error().kind, ErrorKind::kTooManyRequests);
  f.clock.advance(301);  // the first entry expires and makes room
  SignOptions c;
  c.created = f.now + 301;
  c.nonce = "3";
  EXPECT_TRUE(verifier.verify(f.sign(f.request(), c), lookup));
}

TEST(HttpSignaturePolicy, CoverageIsEnforced) {
  Fixture f;
  auto withComponents = [&](std::vector<std::string> c, std::string body = R"({"a":1})") {
    SignOptions opt;
    opt.components = std::move(c);
    return codeOf(f.verify(f.sign(f.request(std::move(body)), opt)));
  };
  EXPECT_EQ(withComponents({"@target-uri", "content-digest"}), sigerr::kCoverage);                     // no @method
  EXPECT_EQ(withComponents({"@method", "content-digest"}), sigerr::kCoverage);                         // no target
  EXPECT_EQ(withComponents({"@method", "@authority", "@path", "content-digest"}), sigerr::kCoverage);  // no @query
  EXPECT_EQ(withComponents({"@method", "@target-uri"}), sigerr::kCoverage);  // body without content-digest
  EXPECT_EQ(withComponents({"@method", "@authority", "@path", "@query", "content-digest"}), "OK");
  EXPECT_EQ(withComponents({"@method", "@target-uri"}, ""), "OK");  // no body, no digest needed
}

TEST(HttpSignaturePolicy, CreatedIsRequired) {
  Fixture f;
  HttpRequest r = f.request();
  auto h = signRequest(r, f.key,
                       SignOptions{.label = "sig1",
                                   .components = {},
                                   .created = std::nullopt,
                                   .expires = std::nullopt,
                                   .keyid = "kid-1",
                                   .nonce = std::nullopt,
                                   .include_alg = true});
  ASSERT_TRUE(h);
  r.headers.emplace_back("Signature-Input", h->signature_input);
  r.headers.emplace_back("Signature", h->signature);
  EXPECT_EQ(codeOf(f.verify(r)), sigerr::kCoverage);
}

TEST(HttpSignaturePolicy, AlgorithmMustMatchTheKey) {
  Fixture ed(KeyAlgorithm::kEd25519);
  Fixture ec(KeyAlgorithm::kEcdsaP256Sha256);
  const HttpRequest r = ed.sign(ed.request());  // alg="ed25519"
  auto params = ec.verifier.inspect(r);
  ASSERT_TRUE(params);
  auto mismatch = ec.verifier.verify(r, *params, ec.key);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, sigerr::kAlgorithm);
}

TEST(HttpSignaturePolicy, UnknownKeyidAndWrongKeyFail) {
  Fixture f;
  SignOptions opt;
  opt.keyid = "someone-else";
  EXPECT_EQ(codeOf(f.verify(f.sign(f.request(), opt))), sigerr::kInvalid);
  Fixture other;
  EXPECT_EQ(codeOf(f.verify(other.sign(other.request()))), sigerr::kInvalid);
}

TEST(HttpSignatureParsing, MissingAndMalformedHeaders) {
  Fixture f;
  EXPECT_EQ(codeOf(f.verify(f.request())), sigerr::kMissing);
  HttpRequest only_input = f.sign(f.request());
  only_input.headers.pop_back();
  EXPECT_EQ(codeOf(f.verify(only_input)), sigerr::kMissing);
  HttpRequest garbage = f.request();
  garbage.headers.emplace_back("Signature-Input", "sig1=(\"@method\"");
  garbage.headers.emplace_back("Signature", "sig1=:AAAA:");
  EXPECT_EQ(codeOf(f.verify(garbage)), sigerr::kMalformed);
  HttpRequest no_keyid = f.request("");
  no_keyid.headers.emplace_back("Signature-Input", "sig1=(\"@method\" \"@target-uri\");created=1700000000");
  no_keyid.headers.emplace_back("Signature", "sig1=:AAAA:");
  EXPECT_EQ(codeOf(f.verify(no_keyid)), sigerr::kMalformed);
  HttpRequest wrong_type = f.request("");
  wrong_type.headers.emplace_back("Signature-Input",
                                  "sig1=(\"@method\" \"@target-uri\");created=\"now\";keyid=\"kid-1\"");
  wrong_type.headers.emplace_back("Signature", "sig1=:AAAA:");
  EXPECT_EQ(codeOf(f.verify(wrong_type)), sigerr::kMalformed);
}

TEST(HttpSignatureParsing, UnsupportedOrDuplicateComponentsAreRefused) {
  Fixture f;
  auto withInput = [&](std::string components) {
    HttpRequest r = f.request("");
    r.headers.emplace_back("Signature-Input", "sig1=(" + components + ");created=1700000000;keyid=\"kid-1\"");
    r.headers.emplace_back("Signature", "sig1=:" + base64Encode(Bytes(64, 1)) + ":");
    return codeOf(f.verify(r));
  };
  EXPECT_EQ(withInput(R"("@method" "@target-uri" "@query-param";name="a")"), sigerr::kUnsupported);
  EXPECT_EQ(withInput(R"("@method" "@target-uri" "host";sf)"), sigerr::kUnsupported);
  EXPECT_EQ(withInput(R"("@method" "@target-uri" "@status")"), sigerr::kUnsupported);
  EXPECT_EQ(withInput(R"("@method" "@target-uri" "@method")"), sigerr::kMalformed);
  EXPECT_EQ(withInput(R"("@method" "@target-uri" "@signature-params")"), sigerr::kMalformed);
  EXPECT_EQ(withInput(R"("@method" @target-uri)"), sigerr::kMalformed);  // a token, not a string
  EXPECT_EQ(withInput(R"("@method" "@target-uri")"), sigerr::kInvalid);  // well-formed, wrong signature
}

TEST(HttpSignatureParsing, ALabelSelectsOneOfSeveralSignatures) {
  Fixture f;
  SignOptions first;
  first.label = "first";
  HttpRequest r = f.sign(f.request(), first);
  auto h = signRequest(r, f.key,
                       SignOptions{.label = "second",
                                   .components = {},
                                   .created = f.now,
                                   .expires = std::nullopt,
                                   .keyid = "kid-2",
                                   .nonce = "other",
                                   .include_alg = true});
  ASSERT_TRUE(h);
  r.headers.emplace_back("Signature-Input", h->signature_input);
  r.headers.emplace_back("Signature", h->signature);
  auto by_default = f.verifier.inspect(r);
  ASSERT_TRUE(by_default);
  EXPECT_EQ(by_default->label, "first");
  auto chosen = f.verifier.inspect(r, "second");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->keyid, "kid-2");
  EXPECT_EQ(f.verifier.inspect(r, "third").error().code, sigerr::kMissing);
}

TEST(ContentDigest, Sha256AndSha512AreChecked) {
  HttpRequest r;
  r.body = "hello";
  r.headers = {{"Content-Digest", contentDigestField("hello", DigestAlgorithm::kSha256)}};
  EXPECT_TRUE(verifyContentDigest(r));
  r.headers = {{"Content-Digest", contentDigestField("hello", DigestAlgorithm::kSha512)}};
  EXPECT_TRUE(verifyContentDigest(r));
  r.headers = {{"Content-Digest", contentDigestField("hellO", DigestAlgorithm::kSha256)}};
  EXPECT_EQ(verifyContentDigest(r).error().code, sigerr::kDigest);
  // Every supported member must match, not just one.
  r.headers = {{"Content-Digest", contentDigestField("hello", DigestAlgorithm::kSha256) + ", " +
                                      contentDigestField("x", DigestAlgorithm::kSha512)}};
  EXPECT_EQ(verifyContentDigest(r).error().code, sigerr::kDigest);
  // Unknown algorithms are ignored, but one known algorithm is needed.
  r.headers = {
      {"Content-Digest", "md5=:XUFAKrxLKna5cZ2REBfFkg==:, " + contentDigestField("hello", DigestAlgorithm::kSha256)}};
  EXPECT_TRUE(verifyContentDigest(r));
  r.headers = {{"Content-Digest", "md5=:XUFAKrxLKna5cZ2REBfFkg==:"}};
  EXPECT_EQ(verifyContentDigest(r).error().code, sigerr::kDigestUnsupported);
  r.headers = {{"Content-Digest", "sha-256=\"not-bytes\""}};
  EXPECT_EQ(verifyContentDigest(r).error().code, sigerr::kDigest);
  r.headers.clear();
  EXPECT_EQ(verifyContentDigest(r).error().code, sigerr::kDigest);
}

}  // namespace
}  // namespace keyward::sign
