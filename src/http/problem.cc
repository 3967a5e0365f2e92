#include "http/problem.h"

#include <cctype>

#include "common/json_text.h"
#include "crypto/key_codec.h"

namespace keyward::http {
namespace {

std::string_view titleFor(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Error";
  }
}

// Messages quote the offending input, and a caller may send a key where an id, name, role or
// address belongs; a secret must never come back in an error, so well-formed keys are cut out.
std::string redactKeys(std::string_view s) {
  constexpr size_t tail = crypto::kKeySecretChars + crypto::kKeyChecksumChars;
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_' || s.size() - i - 1 < tail) continue;
    for (size_t p = 12; p >= 2; --p) {  // the longest prefix first
      if (p > i || i - p < copied) continue;
      if (crypto::isWellFormedKey(s.substr(i - p, p + 1 + tail))) {
        out.append(s.substr(copied, i - p - copied));
        out += "[redacted key]";
        copied = i + 1 + tail;
        i = copied - 1;
        break;
      }
    }
  }
  out.append(s.substr(copied));
  return out;
}

Response render(int status, std::string_view code, std::string_view raw_detail, std::string_view raw_field,
                std::string_view raw_instance) {
  const std::string detail = redactKeys(raw_detail);
  const std::string field = redactKeys(raw_field);
  const std::string instance = redactKeys(raw_instance);
  std::string type = "urn:keyward:problem:";
  for (char c : code) type += c == '_' ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
  std::string body = "{\"type\":";
  appendJsonString(body, type);
  body += ",\"title\":";
  appendJsonString(body, titleFor(status));
  body += ",\"status\":" + std::to_string(status) + ",\"detail\":";
  appendJsonString(body, detail);
  body += ",\"code\":";
  appendJsonString(body, code);
  if (!field.empty()) {
    body += ",\"field\":";
    appendJsonString(body, field);
  }
  body += ",\"instance\":";
  appendJsonString(body, instance);
  body += "}";
  Response r{status, "application/problem+json", {}, std::move(body)};
  if (status == 401) r.with("www-authenticate", "Bearer realm=\"keyward\"");
  return r;
}

}  // namespace

int statusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalid: return 400;
    case ErrorKind::kUnauthenticated: return 401;
    case ErrorKind::kForbidden: return 403;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kConflict: return 409;
    case ErrorKind::kTooLarge: return 413;
    case ErrorKind::kTooManyRequests: return 429;
    case ErrorKind::kUnavailable: return 503;
    case ErrorKind::kInternal: return 500;
  }
  return 500;
}

Response problem(const Error& e, std::string_view instance) {
  return render(statusFor(e.kind), e.code, e.message, e.field, instance);
}

Response problem(int status, std::string_view code, std::string_view detail, std::string_view instance) {
  return render(status, code, detail, {}, instance);
}

}  // namespace keyward::http
