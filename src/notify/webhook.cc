#include "notify/webhook.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <mutex>
#include <optional>

#include "crypto/digest.h"
#include "crypto/key_file.h"
#include "crypto/random.h"

namespace keyward::notify {
namespace {

std::string hmacHex(std::span<const std::uint8_t> key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return crypto::toHex(std::span<const std::uint8_t>(out, len));
}

std::optional<std::vector<std::uint8_t>> fromHex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(std::uint8_t(hi * 16 + lo));
  }
  return out;
}

void curlInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

class CurlPoster final : public HttpPoster {
 public:
  explicit CurlPoster(std::chrono::seconds timeout) : timeout_(timeout) { curlInit(); }

  PostResult post(const std::string& url, const std::vector<HttpHeader>& headers, const std::string& body) override {
    CURL* curl = curl_easy_init();
    if (!curl) return PostResult{0, "cannot create a curl handle"};
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, (h.name + ": " + h.value).c_str());
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, long(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) return PostResult{0, errbuf[0] ? errbuf : curl_easy_strerror(rc)};
    return PostResult{int(status), ""};
  }

 private:
  std::chrono::seconds timeout_;
};

}  // namespace

std::string WebhookSecrets::secretFor(std::string_view webhook_id, int version) const {
  return "whsec_" + hmacHex(key_, std::string(webhook_id) + ":" + std::to_string(version));
}

Result<std::vector<std::uint8_t>> loadOrCreateWebhookKey(const std::string& path) {
  const crypto::KeyFileSpec spec{"webhook key file", "WEBHOOK_KEY_FILE"};
  auto text = crypto::loadOrCreateKeyFile(path, spec, []() -> Result<std::string> {
    std::vector<std::uint8_t> key(32);
    if (auto st = crypto::randomBytes(key); !st) return std::unexpected(st.error());
    return crypto::toHex(key) + "\n";
  });
  if (!text) return std::unexpected(text.error());
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r' || text->back() == ' ')) text->pop_back();
  auto key = fromHex(*text);
  if (!key || key->size() < 32) {
    return fail(ErrorKind::kInternal, spec.code,
                spec.label + " '" + path + "': must hold at least 64 hexadecimal characters");
  }
  return *key;
}

std::string signatureHeader(std::string_view secret, UnixSeconds t, std::string_view body) {
  const std::string signed_text = std::to_string(t) + "." + std::string(body);
  const auto* k = reinterpret_cast<const std::uint8_t*>(secret.data());
  return "t=" + std::to_string(t) + ",v1=" + hmacHex(std::span<const std::uint8_t>(k, secret.size()), signed_text);
}

bool isWebhookUrl(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) rest = url.substr(8);
  else if (url.starts_with("http://")) rest = url.substr(7);
  else return false;
  if (url.size() > 2048) return false;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  const size_t end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) return false;  // no credentials in the URL
  const std::string_view host = authority.substr(0, authority.starts_with('[') ? authority.find(']') + 1
                                                                               : authority.find(':'));
  return !host.empty();
}

std::unique_ptr<HttpPoster> makeCurlPoster(std::chrono::seconds timeout) {
  return std::make_unique<CurlPoster>(timeout);
}

}  // namespace keyward::notify
