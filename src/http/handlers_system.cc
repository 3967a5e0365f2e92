// Health, readiness, version, and the helpers every handler shares.
#include <boost/json/object.hpp>

#include "http/handlers.h"
#include "http/problem.h"
#include "http/render.h"

namespace keyward::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += char(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Response errorResponse(const Ctx& c, const Error& e) { return problem(e, c.req.path); }

Response noContent() { return Response{204, "", {}, ""}; }

Query::Query(std::string_view raw) {
  while (!raw.empty()) {
    const size_t amp = raw.find('&');
    const std::string_view part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    auto name = percentDecode(part.substr(0, eq));
    auto value = percentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!name || !value) {
      if (!error_) error_ = Error{ErrorKind::kInvalid, "INVALID_QUERY", "the query string has a bad %-escape", ""};
      continue;
    }
    params_.emplace_back(std::move(*name), std::move(*value));
  }
}

std::optional<std::string> Query::get(std::string_view name) const {
  for (const auto& [k, v] : params_)
    if (k == name) return v;
  return std::nullopt;
}

Result<std::optional<std::string>> Query::oneOf(std::string_view name,
                                                std::initializer_list<std::string_view> allowed) const {
  auto value = get(name);
  if (!value) return value;
  std::string list;
  for (auto a : allowed) {
    if (*value == a) return value;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return std::unexpected(Error{ErrorKind::kInvalid, "INVALID_FIELD", std::string(name) + " must be one of " + list,
                               std::string(name)});
}

Status Query::onlyAllow(std::initializer_list<std::string_view> names) const {
  if (error_) return std::unexpected(*error_);
  for (const auto& [k, v] : params_) {
    bool known = false;
    for (auto n : names) known |= n == k;
    if (!known) return invalidField(k, "unknown query parameter '" + k + "'", "UNKNOWN_PARAMETER");
  }
  return {};
}

Result<PageRequest> pageFrom(const Query& q) {
  PageRequest page;
  auto number = [](const std::string& s, std::int64_t& out) {
    if (s.empty() || s.size() > 18) return false;
    std::int64_t v = 0;
    for (char ch : s) {
      if (ch < '0' || ch > '9') return false;
      v = v * 10 + (ch - '0');
    }
    out = v;
    return true;
  };
  if (auto limit = q.get("limit")) {
    std::int64_t v;
    if (!number(*limit, v) || v < 1 || v > 500) return invalidField("limit", "limit must be an integer from 1 to 500");
    page.limit = int(v);
  }
  if (auto cursor = q.get("cursor")) {
    if (!number(*cursor, page.after)) return invalidField("cursor", "cursor is not one this server issued");
  }
  return page;
}

Response getHealthz(Ctx&) { return Response{200, "application/json", {}, "{\"status\":\"ok\"}"}; }

Response getReadyz(Ctx& c) {
  if (auto st = c.deps.readiness(); !st) {
    return problem(503, "NOT_READY", "the store is not ready: " + st.error().message, c.req.path);
  }
  return Response{200, "application/json", {}, "{\"status\":\"ready\"}"};
}

Response getVersion(Ctx&) {
  boost::json::object o;
  o["name"] = "keyward";
  o["version"] = KEYWARD_VERSION;
  o["api"] = "v1";
  return jsonResponse(200, o);
}

}  // namespace keyward::http
