#include "http/problem.h"

#include <cctype>

#include "common/json_text.h"

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
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Error";
  }
}

Response render(int status, std::string_view code, std::string_view detail, std::string_view field,
                std::string_view instance) {
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
