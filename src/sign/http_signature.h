// http_signature.h — HTTP Message Signatures (RFC 9421) for `key_pair` credentials:
// the verifier keyward runs on signed requests, RFC 9530 Content-Digest, and a small signer
// (for tests and the CLI).
// Thread safety: HttpSignatureVerifier is immutable after construction and safe to share;
// it borrows the clock and the replay cache, which are thread-safe themselves. The free
// functions are pure.
// Ownership: the verifier borrows its Clock and ReplayCache; both must outlive it.
//
// Verification is two steps so that the caller owns the key look-up:
//   1. inspect(request)       parse Signature-Input/Signature, apply the policy that needs no
//                             key (coverage, created/expires window); returns `keyid`;
//   2. verify(request, params, key)   algorithm match, signature, Content-Digest, replay.
// A replay id is recorded only after the signature verified, so forged requests cannot
// fill the cache or block a later genuine request.
//
// Supported components: @method @target-uri @authority @scheme @path @query @request-target
// and header fields (no component parameters such as ;sf ;key ;bs ;req, no @query-param;
// they are refused as unsupported rather than misinterpreted). Errors are `kUnauthenticated`
// with the codes below; the messages are for the audit log and trusted callers.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "sign/asymmetric_key.h"
#include "sign/replay_cache.h"
#include "sign/structured_fields.h"

namespace keyward::sign {

namespace sigerr {
inline constexpr const char* kMissing = "SIGNATURE_MISSING";             // no Signature-Input/Signature (or label)
inline constexpr const char* kMalformed = "SIGNATURE_MALFORMED";         // headers not valid RFC 8941/9421
inline constexpr const char* kUnsupported = "SIGNATURE_UNSUPPORTED";     // a component or parameter we do not handle
inline constexpr const char* kCoverage = "COVERAGE_INSUFFICIENT";        // policy: required components/params missing
inline constexpr const char* kExpired = "SIGNATURE_EXPIRED";             // created outside ±window, or past expires
inline constexpr const char* kAlgorithm = "ALGORITHM_MISMATCH";          // alg param differs from the key's algorithm
inline constexpr const char* kInvalid = "SIGNATURE_INVALID";             // the signature does not verify
inline constexpr const char* kDigest = "DIGEST_MISMATCH";                // Content-Digest differs from the body
inline constexpr const char* kDigestUnsupported = "DIGEST_UNSUPPORTED";  // no sha-256/sha-512 member
inline constexpr const char* kReplayed = "SIGNATURE_REPLAYED";           // seen before within the window
inline constexpr const char* kReplayCacheFull = "REPLAY_CACHE_FULL";     // cannot remember more (fails closed)
}  // namespace sigerr

// The request as received. Header names in any case, values as received (repeated fields
// as separate entries, in order).
struct HttpRequest {
  std::string method;     // "POST"
  std::string scheme;     // "https"
  std::string authority;  // "example.com" or "example.com:8443" (Host / :authority)
  std::string path;       // "/foo", as sent (not decoded); empty means "/"
  std::string query;      // "a=1&b=2" without '?', as sent; empty when absent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // False when the verifier never sees the body (a gateway's auth subrequest): whether there
  // is one is read from Content-Length / Transfer-Encoding, a covered Content-Digest binds
  // the body's digest but cannot be compared with it here; the upstream must compare it.
  bool body_known = true;
};

// Whether the request carries a body (see HttpRequest::body_known).
bool hasBody(const HttpRequest& request);

// Every value of header `name` (case-insensitive), trimmed and joined with ", " (RFC 9421
// §2.1); nullopt when absent or when a value holds CR, LF or NUL.
std::optional<std::string> combinedHeader(const HttpRequest& request, std::string_view name);

// RFC 9421 §2.1/§2.2 value of one component identifier (no parameters).
Result<std::string> componentValue(const HttpRequest& request, std::string_view name);

// RFC 9421 §2.5: the signature base for `covered` (the inner list from Signature-Input,
// with its parameters). Also used by the signer, so both sides share one definition.
Result<std::string> signatureBase(const HttpRequest& request, const sf::InnerList& covered);

// RFC 9530.
enum class DigestAlgorithm { kSha256, kSha512 };
// The Content-Digest field value for `body`, e.g. "sha-256=:X48E9q...=:".
std::string contentDigestField(std::string_view body, DigestAlgorithm alg);
// Checks the request's Content-Digest against its body: every sha-256/sha-512 member must
// match (constant time) and at least one must be present; other algorithms are ignored.
Status verifyContentDigest(const HttpRequest& request);

struct SignaturePolicy {
  UnixSeconds window = 300;                      // accepted |now - created|, seconds
  bool require_created = true;                   // the `created` parameter must be present
  bool require_method = true;                    // `@method` covered
  bool require_target = true;                    // `@target-uri`, or `@authority`+`@path`+`@query`
  bool require_content_digest_with_body = true;  // `content-digest` covered when the body is not empty
  std::size_t max_components = 32;               // bounds the work an attacker can ask for
};

// One signature from the request, parsed but not yet verified.
struct SignatureParams {
  std::string label;
  sf::InnerList covered;                // the Signature-Input member, verbatim
  std::vector<std::string> components;  // covered component names, in order
  std::string keyid;                    // required: the caller looks the key up by it
  std::optional<std::string> alg;
  std::optional<UnixSeconds> created;
  std::optional<UnixSeconds> expires;
  std::optional<std::string> nonce;
  std::optional<std::string> tag;
  Bytes signature;
};

struct VerifiedSignature {
  std::string label;
  std::string keyid;
  KeyAlgorithm algorithm = KeyAlgorithm::kEd25519;
  std::vector<std::string> components;
  std::optional<UnixSeconds> created;
  std::optional<std::string> nonce;
  std::optional<std::string> tag;
};

// Parses Signature-Input and Signature and picks the signature `label` (the first one in
// Signature-Input when `label` is empty). Checks types of the known parameters only.
Result<SignatureParams> parseSignature(const HttpRequest& request, std::string_view label = {});

class HttpSignatureVerifier {
 public:
  // `replay` may be null to switch replay protection off (tests of other rules, or a
  // deployment that checks nonces elsewhere).
  HttpSignatureVerifier(const Clock& clock, ReplayCache* replay, SignaturePolicy policy = {});

  Result<SignatureParams> inspect(const HttpRequest& request, std::string_view label = {}) const;
  Result<VerifiedSignature> verify(const HttpRequest& request, const SignatureParams& params,
                                   const AsymmetricKey& key) const;

  // Both steps; `lookup` returns the public key for a keyid, or null when there is none.
  using KeyLookup = std::function<const AsymmetricKey*(std::string_view keyid)>;
  Result<VerifiedSignature> verify(const HttpRequest& request, const KeyLookup& lookup) const;

  const SignaturePolicy& policy() const { return policy_; }

 private:
  Status checkCoverage(const HttpRequest& request, const SignatureParams& params) const;
  Status checkTime(const SignatureParams& params) const;
  Status rememberOnce(const SignatureParams& params, std::string_view base) const;

  const Clock& clock_;
  ReplayCache* replay_;
  SignaturePolicy policy_;
};

struct SignOptions {
  std::string label = "sig1";
  // Empty: @method @target-uri, plus content-digest when the request has a body.
  std::vector<std::string> components;
  std::optional<UnixSeconds> created;  // usually now
  std::optional<UnixSeconds> expires;
  std::string keyid;
  std::optional<std::string> nonce;
  bool include_alg = true;
};

struct SignedHeaders {
  std::string signature_input;  // value of the Signature-Input field
  std::string signature;        // value of the Signature field
};

// Signs `request` (which must already carry any covered header, e.g. Content-Digest).
Result<SignedHeaders> signRequest(const HttpRequest& request, const AsymmetricKey& key, const SignOptions& options);

}  // namespace keyward::sign
