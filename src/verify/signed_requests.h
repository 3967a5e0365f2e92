// signed_requests.h — verification of requests signed with an advanced key's key pair
// (HTTP Message Signatures, RFC 9421): the signature first, then every check of the verify
// hot path (state, expiry, tenant, IP allowlist, permissions) on the key it names.
// Thread safety: safe from any thread (the signature verifier is immutable, the replay
// cache and the index are thread-safe). Ownership: owns the replay cache and the signature
// verifier; borrows the index, the key verifier and the clock, which must outlive it.
#pragma once

#include <string>

#include "common/clock.h"
#include "sign/http_signature.h"
#include "sign/replay_cache.h"
#include "verify/key_index.h"
#include "verify/verifier.h"

namespace keyward::verify {

struct SignedOutcome {
  Outcome outcome;
  // Why the signature was refused (a sign::sigerr code, e.g. SIGNATURE_REPLAYED), for
  // trusted callers and the failure counters; "" when the signature verified.
  std::string reason;
};

class SignedRequestVerifier {
 public:
  SignedRequestVerifier(KeyIndex& index, Verifier& verifier, const Clock& clock, sign::SignaturePolicy policy = {},
                        std::size_t replay_entries = sign::ReplayCache::kDefaultMaxEntries);

  // `checks` holds the tenant, client address and permissions to apply once the signature
  // verified; its key, public_id and handle are ignored.
  SignedOutcome verify(const sign::HttpRequest& request, const Request& checks);

 private:
  KeyIndex& index_;
  Verifier& verifier_;
  sign::ReplayCache replay_;
  sign::HttpSignatureVerifier signatures_;
};

// Splits an absolute target URI ("https://api.example.com/v1/x?a=1") into the scheme,
// authority, path and query of `out`; false when it is not an absolute http(s) URI.
bool setTargetUri(sign::HttpRequest& out, std::string_view target_uri);

}  // namespace keyward::verify
