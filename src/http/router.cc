#include "http/router.h"

#include "common/ascii.h"
#include "common/time.h"
#include "http/client_address.h"
#include "http/handlers.h"
#include "http/problem.h"

namespace keyward::http {
namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

// The route's Cache-Control on every response, including one that comes later. API answers
// may carry secrets (key creation) or tenant data, so their policy is no-store.
void applyCachePolicy(Response& resp, CachePolicy policy) {
  if (!resp.later) {
    resp.with("cache-control", std::string(cacheControl(policy)));
    return;
  }
  resp.later = [later = std::move(resp.later), policy](Reply reply) {
    later([reply = std::move(reply), policy](Response r) {
      applyCachePolicy(r, policy);
      reply(std::move(r));
    });
  };
}

}  // namespace

std::string_view Ctx::bearer() const {
  std::string_view h = req.header("authorization");
  if (!asciiIStartsWith(h, "bearer ")) return {};
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return h;
}

std::string_view Ctx::cookie(std::string_view name) const {
  std::string_view h = req.header("cookie");
  while (!h.empty()) {
    const size_t semi = h.find(';');
    std::string_view part = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view() : h.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
  }
  return {};
}

Result<Actor> Ctx::actor() const {
  Result<Principal> principal = std::unexpected(Error{});
  const std::string_view session = cookie("kw_session");
  if (!req.hasHeader("authorization") && !session.empty()) {
    const bool unsafe = req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
    const std::string_view csrf = req.header("x-csrf-token");
    principal = deps.sessions.authenticate(session, req.hasHeader("x-csrf-token") ? std::optional(csrf) : std::nullopt,
                                           unsafe);
  } else {
    principal = deps.auth.authenticate(bearer(), client_ip);
  }
  if (!principal) return std::unexpected(principal.error());
  return Actor{std::move(*principal), client_ip ? formatIp(*client_ip) : std::string()};
}

Router::Router(Deps deps, std::span<const RouteSpec> routes) : deps_(std::move(deps)) {
  for (const RouteSpec& spec : routes) {
    routes_.push_back({&spec, spec.match == Match::kExact ? split(spec.pattern) : std::vector<std::string>{}});
    if (spec.hot) hot_.push_back(&spec);
    if (spec.run_on == RunOn::kIoThread) inline_paths_.emplace_back(spec.pattern);
  }
}

bool Router::runsInline(const Request& req) const {
  for (const auto& p : inline_paths_)
    if (req.path == p) return true;
  return false;
}

bool Router::isHot(const Request& req) const {
  for (const RouteSpec* spec : hot_)
    if (req.path == spec->pattern) return true;
  return false;
}

const Router::Route* Router::find(std::string_view method, std::string_view path, std::vector<std::string>& params,
                                  std::string& allowed) const {
  const auto segments = split(path);
  for (const auto& r : routes_) {
    std::vector<std::string> p;
    if (r.spec->match == Match::kPrefix) {
      if (!path.starts_with(r.spec->pattern)) continue;
      p.emplace_back(path.substr(r.spec->pattern.size()));
    } else {
      if (r.segments.size() != segments.size()) continue;
      bool ok = true;
      for (size_t i = 0; i < segments.size() && ok; ++i) {
        if (r.segments[i] == "{}") p.push_back(segments[i]);
        else ok = r.segments[i] == segments[i];
      }
      if (!ok) continue;
    }
    allowed += (allowed.empty() ? "" : ", ") + std::string(r.spec->method);
    if (r.spec->method == "GET") allowed += ", HEAD";
    if (r.spec->method == method) {
      params = std::move(p);
      return &r;
    }
  }
  return nullptr;
}

Response Router::handle(const Request& req) const {
  Response resp;
  // HEAD is answered as GET (RFC 9110 9.3.2); the server then sends the header fields only.
  const std::string_view method = req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
  // The verify hot path skips the general match (splitting the path into strings and
  // comparing it with every pattern); the answer is the one the table gives.
  for (const RouteSpec* spec : hot_) {
    if (method != spec->method || req.path != spec->pattern) continue;
    Ctx ctx{req, deps_, {}, clientAddress(req.peer, req.header("x-forwarded-for"), deps_.trusted_proxies)};
    resp = spec->handler(ctx);
    applyCachePolicy(resp, spec->cache);
    return resp;
  }
  std::vector<std::string> params;
  std::string allowed;
  const Route* match = find(method, req.path, params, allowed);
  if (match) {
    Ctx ctx{req, deps_, std::move(params),
            clientAddress(req.peer, req.header("x-forwarded-for"), deps_.trusted_proxies)};
    resp = match->spec->handler(ctx);
    applyCachePolicy(resp, match->spec->cache);
    return resp;
  }
  if (!allowed.empty()) {
    resp = problem(405, "METHOD_NOT_ALLOWED", "method " + req.method + " is not allowed here", req.path);
    resp.with("allow", allowed);
  } else {
    resp = problem(404, "ROUTE_NOT_FOUND", "no such endpoint", req.path);
  }
  applyCachePolicy(resp, CachePolicy::kNoStore);
  return resp;
}

}  // namespace keyward::http
