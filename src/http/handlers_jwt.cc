// GET /v1/tenants/{tenant_id}/jwks.json (public), GET /v1/tenants/{tenant_id}/signing-keys,
// POST /v1/tenants/{tenant_id}/signing-keys/rotate — JWT keys' tenant signing keys.
#include <boost/json/parse.hpp>

#include "common/time.h"
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/render.h"

namespace keyward::http {
namespace {

Response jwtUnavailable(const Ctx& c) {
  return errorResponse(c, Error{ErrorKind::kUnavailable, "JWT_UNAVAILABLE", "JWT keys are not configured", ""});
}

boost::json::object renderSigningKey(const SigningKeyInfo& k) {
  boost::json::object o;
  o["kid"] = k.kid;
  o["alg"] = k.alg;
  // One signer at a time: every key that is not retired is the current one.
  o["status"] = k.retired_at ? "retired" : "current";
  o["created_at"] = formatRfc3339(k.created_at);
  if (k.retired_at) o["retired_at"] = formatRfc3339(*k.retired_at);
  else o["retired_at"] = nullptr;
  if (k.published_until) o["published_until"] = formatRfc3339(*k.published_until);
  else o["published_until"] = nullptr;
  boost::system::error_code ec;
  auto jwk = boost::json::parse(k.public_jwk_json, ec);
  o["public_jwk"] = ec ? boost::json::value(nullptr) : jwk;
  return o;
}

}  // namespace

Response getJwks(Ctx& c) {
  // No credential: third parties fetch it to check tokens offline. It holds public keys only.
  if (!c.deps.jwt) return jwtUnavailable(c);
  auto doc = c.deps.jwt->jwks(c.params[0]);
  if (!doc) return errorResponse(c, doc.error());
  return Response{200, "application/jwk-set+json", {}, std::move(*doc)};
}

Response listSigningKeys(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!c.deps.jwt) return jwtUnavailable(c);
  Query q(c.req.query);
  if (auto st = q.onlyAllow({}); !st) return errorResponse(c, st.error());
  auto keys = c.deps.jwt->list(*actor, c.params[0]);
  if (!keys) return errorResponse(c, keys.error());
  boost::json::array items;
  for (const auto& k : *keys) items.push_back(renderSigningKey(k));
  return jsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

Response rotateSigningKeys(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (!c.deps.jwt) return jwtUnavailable(c);
  if (!c.req.body.empty()) {
    JsonReader r(c.req.body);  // no fields yet: an empty object, so a typo is not ignored
    if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  }
  auto key = c.deps.jwt->rotate(*actor, c.params[0]);
  if (!key) return errorResponse(c, key.error());
  return jsonResponse(201, renderSigningKey(*key));
}

}  // namespace keyward::http
