// /v1/auth/login, /v1/auth/logout, /v1/auth/me — console sign-in with a session cookie.
#include <boost/json/parse.hpp>

#include "common/time.h"
#include "core/session_service.h"
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/render.h"

namespace keyward::http {
namespace {

constexpr std::string_view kCookie = "kw_session";

std::string sessionCookie(const Ctx& c, std::string_view value, UnixSeconds max_age) {
  // HttpOnly: page scripts cannot read it; SameSite=Strict: other sites cannot send it.
  std::string cookie = std::string(kCookie) + "=" + std::string(value) +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (c.deps.tls) cookie += "; Secure";
  return cookie;
}

}  // namespace

Response login(Ctx& c) {
  JsonReader r(c.req.body);
  const std::string tenant = r.reqString("tenant");
  const std::string email = r.reqString("email");
  const std::string password = r.reqString("password");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  const std::string ip = c.client_ip ? formatIp(*c.client_ip) : std::string();
  auto signed_in = c.deps.sessions.login(tenant, email, password, ip);
  if (!signed_in) {
    Response resp = errorResponse(c, signed_in.error());
    if (signed_in.error().kind == ErrorKind::kTooManyRequests) {
      resp.with("retry-after", std::to_string(std::max<UnixSeconds>(1, c.deps.sessions.retryAfter(tenant, email, ip))));
    }
    return resp;
  }
  const UnixSeconds now = c.deps.clock.now();
  boost::json::object o;
  o["user"] = renderUser(signed_in->user);
  o["csrf_token"] = signed_in->csrf;
  o["expires_at"] = formatRfc3339(signed_in->expires_at);
  return jsonResponse(200, o).with("set-cookie", sessionCookie(c, signed_in->token, signed_in->expires_at - now));
}

Response logout(Ctx& c) {
  if (auto token = c.cookie(kCookie); !token.empty()) c.deps.sessions.logout(token);
  return noContent().with("set-cookie", sessionCookie(c, "", 0));
}

Response me(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  boost::json::object o;
  o["tenant_id"] = actor->principal.tenant_id;
  o["principal"] = boost::json::object{{"type", toString(actor->principal.kind)}, {"id", actor->principal.subject_id}};
  if (!actor->principal.key_id.empty()) o["key_id"] = actor->principal.key_id;
  if (auto token = c.cookie(kCookie); !token.empty() && actor->principal.key_id.empty()) {
    if (auto view = c.deps.sessions.describe(token)) {
      o["user"] = renderUser(view->user);
      o["csrf_token"] = view->csrf;
      o["expires_at"] = formatRfc3339(view->expires_at);
      o["idle_expires_at"] = formatRfc3339(view->idle_expires_at);
    }
  }
  boost::system::error_code ec;
  o["permissions"] = boost::json::parse(renderPermissions(*actor->principal.permissions), ec);
  return jsonResponse(200, o);
}

}  // namespace keyward::http
