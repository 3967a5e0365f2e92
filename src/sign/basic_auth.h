// basic_auth.h — the `shared_secret` credential mode's wire format:
// `Authorization: Basic base64(public_id ":" secret)` (RFC 7617), parsed strictly.
// Thread safety: pure functions. Ownership: values only; the result holds the secret, so
// callers must not log it (errors never contain it).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace keyward::sign {

struct BasicCredentials {
  std::string public_id;
  std::string secret;
};

// Accepts exactly "Basic <canonical base64>" (scheme case-insensitive, one space, no other
// whitespace); the decoded text must be "<id>:<secret>" with both parts non-empty, the id
// without ':' and neither holding control characters. Failures are kUnauthenticated
// "CREDENTIAL_MALFORMED".
Result<BasicCredentials> parseBasicAuthorization(std::string_view header_value);

// "Basic " + base64(public_id ":" secret), for clients and tests.
std::string basicAuthorization(std::string_view public_id, std::string_view secret);

}  // namespace keyward::sign
