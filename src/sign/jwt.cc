#include "sign/jwt.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <limits>

namespace keyward::sign {
namespace {

auto jwtFail(const char* code, std::string message) {
  return fail(ErrorKind::kUnauthenticated, code, std::move(message));
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  return out;
}

// RFC 7515 §4.1.9: "application/" may be omitted and media types compare case-insensitively.
std::string normalizedTyp(std::string_view typ) {
  std::string t = lowercase(typ);
  if (t.starts_with("application/")) t.erase(0, 12);
  return t;
}

Result<boost::json::object> decodeJsonSegment(std::string_view segment, std::string_view what) {
  auto bytes = base64UrlDecode(segment);
  if (!bytes) return jwtFail(jwterr::kMalformed, "the " + std::string(what) + " is not strict base64url");
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(asText(*bytes), ec);
  if (ec || !v.is_object()) return jwtFail(jwterr::kMalformed, "the " + std::string(what) + " is not a JSON object");
  return std::move(v.get_object());
}

std::optional<std::string> stringClaim(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<UnixSeconds> integerClaim(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= std::uint64_t(std::numeric_limits<UnixSeconds>::max())) {
    return UnixSeconds(v->get_uint64());
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> stringsClaim(const boost::json::object& o, std::string_view name,
                                                     bool allow_single) {
  const auto* v = o.if_contains(name);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  if (allow_single && v->is_string()) {
    out.emplace_back(v->get_string());
    return out;
  }
  if (!v->is_array()) return std::nullopt;
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) return std::nullopt;
    out.emplace_back(e.get_string());
  }
  return out;
}

Result<std::string> requiredString(const boost::json::object& o, std::string_view name) {
  auto s = stringClaim(o, name);
  if (!s || s->empty()) return jwtFail(jwterr::kClaims, "the claim \"" + std::string(name) + "\" is required (string)");
  return *s;
}

Result<JwtClaims> readClaims(const boost::json::object& payload) {
  JwtClaims c;
  for (auto [name, field] : {std::pair{"iss", &c.iss}, {"sub", &c.sub}, {"tenant", &c.tenant}, {"jti", &c.jti}}) {
    auto s = requiredString(payload, name);
    if (!s) return std::unexpected(s.error());
    *field = std::move(*s);
  }
  auto aud = stringsClaim(payload, "aud", true);
  if (!aud) return jwtFail(jwterr::kClaims, "the claim \"aud\" is required (string or array of strings)");
  c.aud = std::move(*aud);
  if (payload.contains("roles")) {
    auto roles = stringsClaim(payload, "roles", false);
    if (!roles) return jwtFail(jwterr::kClaims, "the claim \"roles\" must be an array of strings");
    c.roles = std::move(*roles);
  }
  auto iat = integerClaim(payload, "iat"), exp = integerClaim(payload, "exp");
  if (!iat || !exp) return jwtFail(jwterr::kClaims, "the claims \"iat\" and \"exp\" are required (integers)");
  c.iat = *iat;
  c.exp = *exp;
  if (payload.contains("nbf")) {
    c.nbf = integerClaim(payload, "nbf");
    if (!c.nbf) return jwtFail(jwterr::kClaims, "the claim \"nbf\" must be an integer");
  }
  return c;
}

Status checkHeader(const boost::json::object& header, std::string_view expected_typ) {
  for (std::string_view p : {"crit", "jku", "jwk", "x5u", "x5c"}) {
    if (header.contains(p))
      return jwtFail(jwterr::kHeader, "the header parameter \"" + std::string(p) + "\" is not accepted");
  }
  auto typ = stringClaim(header, "typ");
  if (!typ || normalizedTyp(*typ) != normalizedTyp(expected_typ)) {
    return jwtFail(jwterr::kHeader, "the header \"typ\" must be \"" + std::string(expected_typ) + "\"");
  }
  auto kid = stringClaim(header, "kid");
  if (!kid || !isValidKid(*kid)) return jwtFail(jwterr::kHeader, "the header \"kid\" must match [A-Za-z0-9_-]{1,64}");
  if (!stringClaim(header, "alg")) return jwtFail(jwterr::kHeader, "the header \"alg\" is required");
  return {};
}

}  // namespace

bool isValidKid(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  return std::all_of(kid.begin(), kid.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<std::string> encodeJwt(const JwtClaims& claims, const AsymmetricKey& key, std::string_view kid,
                              std::string_view typ) {
  if (!isValidKid(kid)) return invalidField("kid", "a kid must match [A-Za-z0-9_-]{1,64}");
  boost::json::object header;
  header["alg"] = joseAlgorithmName(key.algorithm());
  header["typ"] = typ;
  header["kid"] = kid;
  boost::json::object payload;
  payload["iss"] = claims.iss;
  payload["sub"] = claims.sub;
  if (claims.aud.size() == 1) {
    payload["aud"] = claims.aud.front();
  } else {
    boost::json::array aud;
    for (const auto& a : claims.aud) aud.emplace_back(a);
    payload["aud"] = std::move(aud);
  }
  payload["tenant"] = claims.tenant;
  boost::json::array roles;
  for (const auto& r : claims.roles) roles.emplace_back(r);
  payload["roles"] = std::move(roles);
  payload["iat"] = claims.iat;
  if (claims.nbf) payload["nbf"] = *claims.nbf;
  payload["exp"] = claims.exp;
  payload["jti"] = claims.jti;
  std::string input = base64UrlEncode(boost::json::serialize(header)) + "." +
                      base64UrlEncode(boost::json::serialize(payload));
  auto sig = key.sign(input);
  if (!sig) return std::unexpected(sig.error());
  return input + "." + base64UrlEncode(*sig);
}

JwtValidator::JwtValidator(const Clock& clock, JwtValidationOptions options)
    : clock_(clock), options_(std::move(options)) {}

Result<ValidatedJwt> JwtValidator::validate(std::string_view token, const JwtKeyLookup& lookup) const {
  if (token.size() > options_.max_token_size) return jwtFail(jwterr::kMalformed, "the token is too long");
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return jwtFail(jwterr::kMalformed, "a JWT has exactly three parts");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view sig_b64 = token.substr(dot2 + 1);

  auto header = decodeJsonSegment(header_b64, "header");
  if (!header) return std::unexpected(header.error());
  if (auto st = checkHeader(*header, options_.typ); !st) return std::unexpected(st.error());
  const std::string kid = *stringClaim(*header, "kid");
  const AsymmetricKey* key = lookup(kid);
  if (!key) return jwtFail(jwterr::kUnknownKey, "no signing key has this kid");
  if (*stringClaim(*header, "alg") != joseAlgorithmName(key->algorithm())) {
    return jwtFail(jwterr::kAlgorithm, "the header \"alg\" is not this key's algorithm");
  }
  auto sig = base64UrlDecode(sig_b64);
  if (!sig) return jwtFail(jwterr::kMalformed, "the signature is not strict base64url");
  if (!key->verify(token.substr(0, dot2), *sig)) return jwtFail(jwterr::kSignature, "the signature does not verify");

  auto payload = decodeJsonSegment(payload_b64, "payload");
  if (!payload) return std::unexpected(payload.error());
  auto claims = readClaims(*payload);
  if (!claims) return std::unexpected(claims.error());
  if (claims->iss != options_.issuer) return jwtFail(jwterr::kIssuer, "the issuer is not accepted");
  if (std::find(claims->aud.begin(), claims->aud.end(), options_.audience) == claims->aud.end()) {
    return jwtFail(jwterr::kAudience, "the token is not meant for this audience");
  }
  const UnixSeconds now = clock_.now();
  if (now >= claims->exp + options_.leeway) return jwtFail(jwterr::kExpired, "the token expired");
  if (claims->nbf && *claims->nbf > now + options_.leeway)
    return jwtFail(jwterr::kNotYetValid, "the token is not valid yet");
  if (claims->iat > now + options_.leeway) return jwtFail(jwterr::kNotYetValid, "the token was issued in the future");
  return ValidatedJwt{kid, key->algorithm(), std::move(*claims)};
}

Result<std::string> renderJwks(std::span<const JwksEntry> keys) {
  boost::json::array list;
  for (const auto& e : keys) {
    if (!e.key || !isValidKid(e.kid)) return internalError("a JWKS entry needs a key and a valid kid");
    auto jwk = e.key->publicJwk(e.kid);
    if (!jwk) return std::unexpected(jwk.error());
    list.emplace_back(std::move(*jwk));
  }
  boost::json::object doc;
  doc["keys"] = std::move(list);
  return boost::json::serialize(doc);
}

}  // namespace keyward::sign
