#include "verify/signed_requests.h"

namespace keyward::verify {

SignedRequestVerifier::SignedRequestVerifier(KeyIndex& index, Verifier& verifier, const Clock& clock,
                                             sign::SignaturePolicy policy, std::size_t replay_entries)
    : index_(index), verifier_(verifier), replay_(replay_entries), signatures_(clock, &replay_, policy) {}

SignedOutcome SignedRequestVerifier::verify(const sign::HttpRequest& request, const Request& checks) {
  SignedOutcome out;
  auto params = signatures_.inspect(request);
  if (!params) {
    out.outcome.code = Code::kSignatureInvalid;
    out.reason = params.error().code;
    verifier_.countRejected(out.outcome.code);
    return out;
  }
  // The keyid names the key pair (its RFC 7638 thumbprint); it is only a lookup name here,
  // the signature decides.
  const crypto::Digest handle = handleFor("keyid", params->keyid);
  const KeyPtr entry = index_.find(handle);
  if (!entry || !entry->credential || !entry->credential->public_key) {
    out.outcome.code = Code::kNotFound;
    verifier_.countRejected(out.outcome.code);
    return out;
  }
  if (auto ok = signatures_.verify(request, *params, *entry->credential->public_key); !ok) {
    out.outcome.code = Code::kSignatureInvalid;
    out.outcome.key = entry;
    out.reason = ok.error().code;
    verifier_.countRejected(out.outcome.code);  // (counted without the key: the request did not prove it)
    return out;
  }
  Request req = checks;
  req.key = {};
  req.public_id = std::nullopt;
  req.handle = handle;
  out.outcome = verifier_.verify(req);
  return out;
}

bool setTargetUri(sign::HttpRequest& out, std::string_view uri) {
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return false;
  out.scheme = std::string(uri.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") return false;
  std::string_view rest = uri.substr(scheme_end + 3);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const size_t path_start = rest.find_first_of("/?");
  out.authority = std::string(rest.substr(0, path_start));
  if (out.authority.empty()) return false;
  std::string_view path_query = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  const size_t q = path_query.find('?');
  out.path = std::string(path_query.substr(0, q));
  out.query = q == std::string_view::npos ? std::string() : std::string(path_query.substr(q + 1));
  return true;
}

}  // namespace keyward::verify
