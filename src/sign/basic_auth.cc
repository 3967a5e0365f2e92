#include "sign/basic_auth.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "sign/base64.h"

namespace keyward::sign {
namespace {

auto malformed(std::string message) {
  return fail(ErrorKind::kUnauthenticated, "CREDENTIAL_MALFORMED", std::move(message));
}

bool hasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool startsWithBasic(std::string_view v) {
  constexpr std::string_view kScheme = "basic ";
  if (v.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = (v[i] >= 'A' && v[i] <= 'Z') ? char(v[i] - 'A' + 'a') : v[i];
    if (c != kScheme[i]) return false;
  }
  return true;
}

}  // namespace

Result<BasicCredentials> parseBasicAuthorization(std::string_view header_value) {
  if (!startsWithBasic(header_value)) return malformed("the Authorization scheme must be Basic");
  auto decoded = base64Decode(header_value.substr(6));
  if (!decoded) return malformed("the Basic credentials are not canonical base64");
  const std::string_view text = asText(*decoded);
  const size_t colon = text.find(':');
  BasicCredentials out;
  if (colon != std::string_view::npos && colon > 0 && colon + 1 < text.size() && !hasControl(text)) {
    out.public_id = std::string(text.substr(0, colon));
    out.secret = std::string(text.substr(colon + 1));
  }
  // The decoded buffer held the secret; do not leave it in freed memory.
  OPENSSL_cleanse(decoded->data(), decoded->size());
  if (out.public_id.empty()) return malformed("the Basic credentials must be <public id>:<secret>");
  return out;
}

std::string basicAuthorization(std::string_view public_id, std::string_view secret) {
  std::string joined;
  joined.reserve(public_id.size() + 1 + secret.size());
  joined += public_id;
  joined += ':';
  joined += secret;
  std::string out = "Basic " + base64Encode(joined);
  OPENSSL_cleanse(joined.data(), joined.size());
  return out;
}

}  // namespace keyward::sign
