#include "sign/http_signature.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "common/ascii.h"
#include "crypto/digest.h"

namespace keyward::sign {
namespace {

auto sigFail(const char* code, std::string message) {
  return fail(ErrorKind::kUnauthenticated, code, std::move(message));
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = asciiLower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isFieldName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;  // also rejects upper case: RFC 9421 §2.1 names are lowercased
  }
  return true;
}

// RFC 9110 §4.2.3: scheme and host are case-insensitive and the default port is omitted.
std::string normalizedAuthority(const HttpRequest& r) {
  std::string a = lowercase(r.authority);
  const std::string scheme = lowercase(r.scheme);
  const std::string_view default_port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : "";
  if (!default_port.empty() && a.ends_with(default_port)) a.resize(a.size() - default_port.size());
  return a;
}

std::string path(const HttpRequest& r) { return r.path.empty() ? std::string("/") : r.path; }

bool covers(const std::vector<std::string>& components, std::string_view name) {
  return std::find(components.begin(), components.end(), name) != components.end();
}

Bytes digestOf(std::string_view body, DigestAlgorithm alg) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  const EVP_MD* md = alg == DigestAlgorithm::kSha256 ? EVP_sha256() : EVP_sha512();
  if (EVP_Digest(body.data(), body.size(), out.data(), &n, md, nullptr) != 1) return {};
  out.resize(n);
  return out;
}

Result<const sf::Member*> dictionaryMember(const HttpRequest& r, std::string_view field, std::string_view label,
                                           sf::Dictionary& storage, std::string* chosen_label) {
  auto value = combinedHeader(r, field);
  if (!value) return sigFail(sigerr::kMissing, "the request has no " + std::string(field) + " field");
  auto dict = sf::parseDictionary(*value);
  if (!dict) return sigFail(sigerr::kMalformed, std::string(field) + ": " + dict.error().message);
  storage = std::move(*dict);
  if (storage.empty()) return sigFail(sigerr::kMissing, std::string(field) + " is empty");
  const std::string want = label.empty() ? storage.front().first : std::string(label);
  const sf::Member* m = sf::find(storage, want);
  if (!m) return sigFail(sigerr::kMissing, std::string(field) + " has no signature labelled \"" + want + "\"");
  if (chosen_label) *chosen_label = want;
  return m;
}

Status readParams(SignatureParams& out) {
  for (const auto& [key, v] : out.covered.params) {
    using T = sf::BareItem::Type;
    const bool is_int = v.type == T::kInteger, is_str = v.type == T::kString;
    if ((key == "created" || key == "expires") && !is_int) {
      return sigFail(sigerr::kMalformed, "the " + key + " parameter must be an integer");
    }
    if ((key == "keyid" || key == "alg" || key == "nonce" || key == "tag") && !is_str) {
      return sigFail(sigerr::kMalformed, "the " + key + " parameter must be a string");
    }
    if (key == "created") out.created = v.integer;
    else if (key == "expires") out.expires = v.integer;
    else if (key == "keyid") out.keyid = v.text;
    else if (key == "alg") out.alg = v.text;
    else if (key == "nonce") out.nonce = v.text;
    else if (key == "tag") out.tag = v.text;
  }
  if (out.keyid.empty()) return sigFail(sigerr::kMalformed, "the keyid parameter is required");
  return {};
}

}  // namespace

std::optional<std::string> combinedHeader(const HttpRequest& request, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [k, v] : request.headers) {
    if (!asciiIEquals(k, name)) continue;
    if (v.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return std::nullopt;
    if (out) *out += ", ";
    else out.emplace();
    *out += trim(v);
  }
  return out;
}

Result<std::string> componentValue(const HttpRequest& r, std::string_view name) {
  if (name.starts_with('@')) {
    if (name == "@method") return r.method;
    if (name == "@scheme") return lowercase(r.scheme);
    if (name == "@authority") return normalizedAuthority(r);
    if (name == "@path") return path(r);
    if (name == "@query") return "?" + r.query;
    if (name == "@request-target") return r.query.empty() ? path(r) : path(r) + "?" + r.query;
    if (name == "@target-uri") {
      std::string uri = lowercase(r.scheme) + "://" + normalizedAuthority(r) + path(r);
      if (!r.query.empty()) uri += "?" + r.query;
      return uri;
    }
    return sigFail(sigerr::kUnsupported, "the component " + std::string(name) + " is not supported");
  }
  if (!isFieldName(name))
    return sigFail(sigerr::kMalformed, "\"" + std::string(name) + "\" is not a lowercase field name");
  auto value = combinedHeader(r, name);
  if (!value) return sigFail(sigerr::kInvalid, "the covered field " + std::string(name) + " is absent or invalid");
  return *value;
}

Result<std::string> signatureBase(const HttpRequest& request, const sf::InnerList& covered) {
  std::string base;
  std::vector<std::string_view> seen;
  for (const sf::Item& item : covered.items) {
    if (item.value.type != sf::BareItem::Type::kString) {
      return sigFail(sigerr::kMalformed, "a component identifier must be a string");
    }
    const std::string& name = item.value.text;
    if (!item.params.empty()) {
      return sigFail(sigerr::kUnsupported, "component parameters (" + name + ";...) are not supported");
    }
    if (name == "@signature-params") return sigFail(sigerr::kMalformed, "@signature-params cannot be covered");
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return sigFail(sigerr::kMalformed, "the component " + name + " is listed twice");
    }
    seen.push_back(name);
    auto value = componentValue(request, name);
    if (!value) return std::unexpected(value.error());
    auto id = sf::serialize(item);
    if (!id) return sigFail(sigerr::kMalformed, id.error().message);
    base += *id + ": " + *value + "\n";
  }
  auto params = sf::serialize(covered);
  if (!params) return sigFail(sigerr::kMalformed, params.error().message);
  base += "\"@signature-params\": " + *params;
  return base;
}

std::string contentDigestField(std::string_view body, DigestAlgorithm alg) {
  return std::string(alg == DigestAlgorithm::kSha256 ? "sha-256" : "sha-512") +
         "=:" + base64Encode(digestOf(body, alg)) + ":";
}

Status verifyContentDigest(const HttpRequest& request) {
  auto field = combinedHeader(request, "content-digest");
  if (!field) return sigFail(sigerr::kDigest, "the request has no Content-Digest field");
  auto dict = sf::parseDictionary(*field);
  if (!dict) return sigFail(sigerr::kDigest, "Content-Digest: " + dict.error().message);
  bool checked = false;
  for (const auto& [name, member] : *dict) {
    DigestAlgorithm alg;
    if (name == "sha-256") alg = DigestAlgorithm::kSha256;
    else if (name == "sha-512") alg = DigestAlgorithm::kSha512;
    else continue;  // RFC 9530 §2: unknown algorithms are ignored
    if (member.is_inner_list || member.item.value.type != sf::BareItem::Type::kByteSequence) {
      return sigFail(sigerr::kDigest, "Content-Digest " + name + " must be a byte sequence");
    }
    if (!crypto::constantTimeEqual(member.item.value.bytes, digestOf(request.body, alg))) {
      return sigFail(sigerr::kDigest, "Content-Digest " + name + " does not match the body");
    }
    checked = true;
  }
  if (!checked) return sigFail(sigerr::kDigestUnsupported, "Content-Digest has no sha-256 or sha-512 member");
  return {};
}

Result<SignatureParams> parseSignature(const HttpRequest& request, std::string_view label) {
  SignatureParams out;
  sf::Dictionary inputs, signatures;
  auto input = dictionaryMember(request, "signature-input", label, inputs, &out.label);
  if (!input) return std::unexpected(input.error());
  if (!(*input)->is_inner_list) return sigFail(sigerr::kMalformed, "a Signature-Input member must be an inner list");
  out.covered = (*input)->list;
  auto sig = dictionaryMember(request, "signature", out.label, signatures, nullptr);
  if (!sig) return std::unexpected(sig.error());
  if ((*sig)->is_inner_list || (*sig)->item.value.type != sf::BareItem::Type::kByteSequence) {
    return sigFail(sigerr::kMalformed, "a Signature member must be a byte sequence");
  }
  out.signature = (*sig)->item.value.bytes;
  for (const sf::Item& item : out.covered.items) {
    if (item.value.type != sf::BareItem::Type::kString) {
      return sigFail(sigerr::kMalformed, "a component identifier must be a string");
    }
    out.components.push_back(item.value.text);
  }
  if (auto st = readParams(out); !st) return std::unexpected(st.error());
  return out;
}

bool hasBody(const HttpRequest& request) {
  if (request.body_known) return !request.body.empty();
  if (combinedHeader(request, "transfer-encoding")) return true;
  const auto length = combinedHeader(request, "content-length");
  return length && !length->empty() && *length != "0";
}

HttpSignatureVerifier::HttpSignatureVerifier(const Clock& clock, ReplayCache* replay, SignaturePolicy policy)
    : clock_(clock), replay_(replay), policy_(policy) {}

Status HttpSignatureVerifier::checkCoverage(const HttpRequest& request, const SignatureParams& p) const {
  const auto& c = p.components;
  if (c.size() > policy_.max_components) return sigFail(sigerr::kCoverage, "too many covered components");
  if (policy_.require_method && !covers(c, "@method"))
    return sigFail(sigerr::kCoverage, "the signature must cover @method");
  if (policy_.require_target && !covers(c, "@target-uri") &&
      !(covers(c, "@authority") && covers(c, "@path") && covers(c, "@query"))) {
    return sigFail(sigerr::kCoverage, "the signature must cover @target-uri, or @authority, @path and @query");
  }
  if (policy_.require_content_digest_with_body && hasBody(request) && !covers(c, "content-digest")) {
    return sigFail(sigerr::kCoverage, "a request with a body must cover content-digest");
  }
  if (policy_.require_created && !p.created)
    return sigFail(sigerr::kCoverage, "the signature must have a created parameter");
  return {};
}

Status HttpSignatureVerifier::checkTime(const SignatureParams& p) const {
  const UnixSeconds now = clock_.now();
  if (p.created) {
    if (*p.created < now - policy_.window)
      return sigFail(sigerr::kExpired, "created is older than the accepted window");
    if (*p.created > now + policy_.window) return sigFail(sigerr::kExpired, "created is too far in the future");
  }
  if (p.expires && now > *p.expires) return sigFail(sigerr::kExpired, "the signature expired");
  return {};
}

Status HttpSignatureVerifier::rememberOnce(const SignatureParams& p, std::string_view base) const {
  if (!replay_) return {};
  // The id is the digest of what was signed, not of the signature bytes: ECDSA signatures
  // are malleable ((r, s) and (r, n - s) both verify) and randomized, so the same signed
  // content could otherwise be replayed under a different signature.
  std::string material = "keyward-http-signature-replay\n" + p.keyid + "\n";
  material += base;
  const UnixSeconds now = clock_.now();
  UnixSeconds until = (p.created ? *p.created : now) + policy_.window;
  if (p.expires) until = std::min(until, *p.expires);
  switch (replay_->checkAndRemember(crypto::sha256(material), until, now)) {
    case ReplayCache::Outcome::kFresh: return {};
    case ReplayCache::Outcome::kReplayed: return sigFail(sigerr::kReplayed, "this signature was already used");
    case ReplayCache::Outcome::kFull:
      return fail(ErrorKind::kTooManyRequests, sigerr::kReplayCacheFull, "too many signed requests; retry shortly");
  }
  return {};
}

Result<SignatureParams> HttpSignatureVerifier::inspect(const HttpRequest& request, std::string_view label) const {
  auto params = parseSignature(request, label);
  if (!params) return params;
  if (auto st = checkCoverage(request, *params); !st) return std::unexpected(st.error());
  if (auto st = checkTime(*params); !st) return std::unexpected(st.error());
  return params;
}

Result<VerifiedSignature> HttpSignatureVerifier::verify(const HttpRequest& request, const SignatureParams& params,
                                                        const AsymmetricKey& key) const {
  // The algorithm comes from the key record, never from the request (RFC 9421 §3.2 step 5).
  if (params.alg && *params.alg != httpSignatureAlgorithmName(key.algorithm())) {
    return sigFail(sigerr::kAlgorithm, "the alg parameter does not match the key's algorithm");
  }
  // Checked again here so that verify() is safe without inspect() and the clock cannot
  // have moved past the window in between.
  if (auto st = checkCoverage(request, params); !st) return std::unexpected(st.error());
  if (auto st = checkTime(params); !st) return std::unexpected(st.error());
  auto base = signatureBase(request, params.covered);
  if (!base) return std::unexpected(base.error());
  if (!key.verify(*base, params.signature)) return sigFail(sigerr::kInvalid, "the signature does not verify");
  if (covers(params.components, "content-digest") && request.body_known) {
    if (auto st = verifyContentDigest(request); !st) return std::unexpected(st.error());
  }
  if (auto st = rememberOnce(params, *base); !st) return std::unexpected(st.error());
  return VerifiedSignature{params.label,   params.keyid, key.algorithm(), params.components,
                           params.created, params.nonce, params.tag};
}

Result<VerifiedSignature> HttpSignatureVerifier::verify(const HttpRequest& request, const KeyLookup& lookup) const {
  auto params = inspect(request);
  if (!params) return std::unexpected(params.error());
  const AsymmetricKey* key = lookup(params->keyid);
  if (!key) return sigFail(sigerr::kInvalid, "no key for this keyid");
  return verify(request, *params, *key);
}

Result<SignedHeaders> signRequest(const HttpRequest& request, const AsymmetricKey& key, const SignOptions& options) {
  if (!sf::isValidKey(options.label)) return invalidField("label", "not a valid signature label");
  std::vector<std::string> components = options.components;
  if (components.empty()) {
    components = {"@method", "@target-uri"};
    if (!request.body.empty()) components.push_back("content-digest");
  }
  sf::InnerList covered;
  for (auto& c : components) covered.items.push_back(sf::Item{sf::BareItem::ofString(c), {}});
  if (options.created) covered.params.emplace_back("created", sf::BareItem::ofInteger(*options.created));
  if (options.expires) covered.params.emplace_back("expires", sf::BareItem::ofInteger(*options.expires));
  if (options.nonce) covered.params.emplace_back("nonce", sf::BareItem::ofString(*options.nonce));
  covered.params.emplace_back("keyid", sf::BareItem::ofString(options.keyid));
  if (options.include_alg) {
    covered.params.emplace_back("alg",
                                sf::BareItem::ofString(std::string(httpSignatureAlgorithmName(key.algorithm()))));
  }
  auto base = signatureBase(request, covered);
  if (!base) return std::unexpected(base.error());
  auto sig = key.sign(*base);
  if (!sig) return std::unexpected(sig.error());
  auto input = sf::serialize(covered);
  if (!input) return std::unexpected(input.error());
  return SignedHeaders{options.label + "=" + *input, options.label + "=:" + base64Encode(*sig) + ":"};
}

}  // namespace keyward::sign
