// webhook.h — signed webhook posts: the signing secret of a tenant's webhook (derived, never
// stored), the signature header, and the HTTP POST itself (libcurl; kept out of this header).
// Thread safety: everything here is safe from any thread (one curl handle per post; the
// secrets object is immutable). Ownership: WebhookSecrets owns a copy of the server key.
//
// Signature (docs/operations.md "Verifying webhook signatures"):
//   Keyward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>
//   Keyward-Event-Id:  the delivery id (the same on every retry: receivers dedupe on it)
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace keyward::notify {

// The server's webhook key (32 random bytes kept in a file outside the database) and the
// secrets derived from it: secret = "whsec_" + hex(HMAC-SHA-256(key, webhook_id + ":" + version)).
// A database leak alone gives no signing secret; rotating = bumping the version.
class WebhookSecrets {
 public:
  explicit WebhookSecrets(std::vector<std::uint8_t> key) : key_(std::move(key)) {}
  std::string secretFor(std::string_view webhook_id, int version) const;

 private:
  std::vector<std::uint8_t> key_;
};

// Reads the key file (64 hex characters), or creates it with mode 0600 when it is missing.
// A file readable by group or others is refused.
Result<std::vector<std::uint8_t>> loadOrCreateWebhookKey(const std::string& path);

// "t=<t>,v1=<hex>" for `body` signed with `secret` at time `t`.
std::string signatureHeader(std::string_view secret, UnixSeconds t, std::string_view body);

struct HttpHeader {
  std::string name;
  std::string value;
};

struct PostResult {
  int status = 0;     // the HTTP status; 0 when no response arrived
  std::string error;  // transport error (connect, TLS, timeout); "" when a response arrived
};

class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  virtual PostResult post(const std::string& url, const std::vector<HttpHeader>& headers, const std::string& body) = 0;
};

// libcurl: no redirects are followed (a 3xx is a failure), TLS peers are verified.
std::unique_ptr<HttpPoster> makeCurlPoster(std::chrono::seconds timeout = std::chrono::seconds(10));

// Whether `url` is an absolute http:// or https:// URL with a host (what a webhook may be).
bool isWebhookUrl(std::string_view url);

}  // namespace keyward::notify
