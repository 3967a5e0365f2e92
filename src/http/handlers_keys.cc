// /v1/tenants/{tenant_id}/keys[/{key_id}] and .../verify-failures
#include "common/time.h"
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/problem.h"
#include "http/render.h"
#include "sign/basic_auth.h"

namespace keyward::http {
namespace {

// expires_in_days | expires_at | never_expires, shared by create and edit.
ExpiryInput readExpiry(JsonReader& r, std::optional<Error>& error) {
  ExpiryInput e;
  if (auto d = r.optInt("expires_in_days", 1, kMaxLifetimeDays)) e.in_days = int(*d);
  if (auto at = r.optString("expires_at")) {
    auto parsed = parseRfc3339(*at);
    if (parsed) e.at = *parsed;
    else if (!error)
      error = Error{ErrorKind::kInvalid, "INVALID_FIELD", "expires_at: " + parsed.error().message, "expires_at"};
  }
  e.never = r.optBool("never_expires").value_or(false);
  return e;
}

// not_before: an RFC 3339 date-time, or null (on edit: valid at once).
std::optional<std::optional<UnixSeconds>> readNotBefore(JsonReader& r, std::optional<Error>& error) {
  auto text = r.optNullableString("not_before");
  if (!text) return std::nullopt;
  if (!*text) return std::optional<UnixSeconds>();
  auto parsed = parseRfc3339(**text);
  if (!parsed) {
    if (!error)
      error = Error{ErrorKind::kInvalid, "INVALID_FIELD", "not_before: " + parsed.error().message, "not_before"};
    return std::nullopt;
  }
  return std::optional<UnixSeconds>(*parsed);
}

// Ready to paste: the header a client sends. An advanced key's Basic credential, a JWT
// key's bearer token; a simple key needs none (its secret is the whole credential).
void addAuthorization(boost::json::object& o, const ApiKey& k, const std::string& secret) {
  if (k.kind == KeyKind::kJwt) o["authorization"] = "Bearer " + secret;
  else if (k.credential_mode == CredentialMode::kSharedSecret)
    o["authorization"] = sign::basicAuthorization(k.public_id, secret);
}

}  // namespace

Response createKey(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  std::optional<Error> error;
  CreateKeyInput in;
  in.name = r.reqString("name");
  in.description = r.optString("description").value_or("");
  if (auto g = r.optNullableString("group_id")) in.group_id = *g;
  in.enabled = r.optBool("enabled").value_or(true);
  in.expiry = readExpiry(r, error);
  in.ip_allowlist = r.optStringArray("ip_allowlist").value_or(std::vector<std::string>{});
  in.metadata_json = r.optObjectText("metadata").value_or("{}");
  in.roles = r.optAssignments("roles").value_or(std::vector<RoleAssignment>{});
  if (auto o = r.optOwner("owner")) in.owner = *o;
  if (auto nb = readNotBefore(r, error)) in.not_before = *nb;
  in.kind = r.optString("kind").value_or("simple");
  in.purpose = r.optString("purpose").value_or("third_party");
  in.credential_mode = r.optString("credential_mode").value_or("");
  in.key_pair.public_key = r.optStringOrObjectText("public_key");
  if (auto alg = r.optString("algorithm")) in.key_pair.algorithm = *alg;
  if ((in.key_pair.public_key || r.has("algorithm")) && in.credential_mode != "key_pair") {
    return errorResponse(c, Error{ErrorKind::kInvalid, "INVALID_FIELD",
                                  "public_key and algorithm belong to credential_mode \"key_pair\"",
                                  in.key_pair.public_key ? "public_key" : "algorithm"});
  }
  if (in.key_pair.public_key && r.has("algorithm")) {
    return errorResponse(c,
                         Error{ErrorKind::kInvalid, "INVALID_FIELD",
                               "algorithm is for a generated pair; a supplied public key brings its own", "algorithm"});
  }
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (error) return errorResponse(c, *error);
  // Answered later, once the key is durable: the store commits it together with the other
  // creations in flight (group commit), and no thread waits for it meanwhile.
  Response resp;
  resp.later = [&keys = c.deps.keys, &clock = c.deps.clock, actor = std::move(*actor), tenant_id = c.params[0],
                in = std::move(in), path = c.req.path](Reply reply) {
    keys.createThen(actor, tenant_id, in, [&clock, path, reply = std::move(reply)](Result<CreatedKey> created) {
      if (!created) return reply(problem(created.error(), path));
      boost::json::object o;
      o["key"] = renderKey(created->key, clock.now());
      o["secret"] = created->secret;  // the only time the secret is ever returned
      addAuthorization(o, created->key, created->secret);
      reply(jsonResponse(201, o).with("location",
                                      "/v1/tenants/" + created->key.tenant_id + "/keys/" + created->key.id));
    });
  };
  return resp;
}

Response listKeys(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  Query q(c.req.query);
  if (auto st = q.onlyAllow({"limit", "cursor", "group_id", "state", "owner_id", "kind", "purpose"}); !st) {
    return errorResponse(c, st.error());
  }
  auto page = pageFrom(q);
  if (!page) return errorResponse(c, page.error());
  KeyFilter f;
  f.page = *page;
  f.group_id = q.get("group_id");
  f.owner_id = q.get("owner_id");
  auto kind = q.oneOf("kind", {"simple", "advanced", "jwt"});
  if (!kind) return errorResponse(c, kind.error());
  if (*kind) f.kind = parseKeyKind(**kind);  // one of the names oneOf allowed
  auto purpose = q.oneOf("purpose", {"builtin_plugin", "third_party"});
  if (!purpose) return errorResponse(c, purpose.error());
  if (*purpose) f.purpose = parseKeyPurpose(**purpose);
  if (auto s = q.get("state")) {
    f.state = parseKeyState(*s);
    if (!f.state) {
      return errorResponse(c, Error{ErrorKind::kInvalid, "INVALID_FIELD",
                                    "state must be one of active, disabled, expired, revoked", "state"});
    }
  }
  auto list = c.deps.keys.list(*actor, c.params[0], f);
  if (!list) return errorResponse(c, list.error());
  const UnixSeconds now = c.deps.clock.now();
  return jsonResponse(200, renderPage(*list, [now](const ApiKey& k) { return renderKey(k, now); }));
}

Response getKey(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto k = c.deps.keys.get(*actor, c.params[0], c.params[1]);
  if (!k) return errorResponse(c, k.error());
  return jsonResponse(200, renderKey(*k, c.deps.clock.now()));
}

Response updateKey(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  if (r.has("name")) {
    return errorResponse(c, Error{ErrorKind::kInvalid, "IMMUTABLE_FIELD",
                                  "a key's name cannot be changed; create a new key instead", "name"});
  }
  std::optional<Error> error;
  UpdateKeyInput in;
  in.description = r.optString("description");
  in.group_id = r.optNullableString("group_id");
  in.enabled = r.optBool("enabled");
  in.expiry = readExpiry(r, error);
  in.ip_allowlist = r.optStringArray("ip_allowlist");
  in.metadata_json = r.optObjectText("metadata");
  in.roles = r.optAssignments("roles");
  in.owner = r.optOwner("owner");
  in.not_before = readNotBefore(r, error);
  in.purpose = r.optString("purpose");
  if (r.has("kind") || r.has("credential_mode")) {
    const std::string field = r.has("kind") ? "kind" : "credential_mode";
    return errorResponse(c, Error{ErrorKind::kInvalid, "IMMUTABLE_FIELD",
                                  "a key's " + field + " cannot be changed; create a new key instead", field});
  }
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (error) return errorResponse(c, *error);
  if (!in.description && !in.group_id && !in.enabled && !in.expiry.given() && !in.ip_allowlist && !in.metadata_json &&
      !in.roles && !in.owner && !in.not_before && !in.purpose) {
    return errorResponse(c, Error{ErrorKind::kInvalid, "EMPTY_UPDATE", "the request changes nothing", ""});
  }
  auto k = c.deps.keys.update(*actor, c.params[0], c.params[1], in);
  if (!k) return errorResponse(c, k.error());
  return jsonResponse(200, renderKey(*k, c.deps.clock.now()));
}

Response rotateKey(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  // An empty body rotates with no overlap, like {"grace_seconds": 0}.
  std::optional<Error> error;
  RotateKeyInput in;
  if (!c.req.body.empty()) {
    JsonReader r(c.req.body);
    in.grace_seconds = r.optInt("grace_seconds", 0, kMaxRotationGraceSeconds).value_or(0);
    in.expiry = readExpiry(r, error);
    in.key_pair.public_key = r.optStringOrObjectText("public_key");
    if (auto alg = r.optString("algorithm")) in.key_pair.algorithm = *alg;
    if (auto st = r.finish(); !st) return errorResponse(c, st.error());
    if (error) return errorResponse(c, *error);
  }
  auto rotated = c.deps.keys.rotate(*actor, c.params[0], c.params[1], in);
  if (!rotated) return errorResponse(c, rotated.error());
  boost::json::object o;
  o["key"] = renderKey(rotated->key, c.deps.clock.now());
  o["secret"] = rotated->secret;  // the only time the new secret is ever returned
  addAuthorization(o, rotated->key, rotated->secret);
  return jsonResponse(200, o);
}

Response deleteKey(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = c.deps.keys.revoke(*actor, c.params[0], c.params[1]); !st) return errorResponse(c, st.error());
  return noContent();
}

Response listVerifyFailures(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto rows = c.deps.keys.failures(*actor, c.params[0]);
  if (!rows) return errorResponse(c, rows.error());
  boost::json::array items;
  for (const auto& f : *rows) items.push_back(renderFailure(f));
  boost::json::object o;
  o["items"] = std::move(items);
  return jsonResponse(200, o);
}

}  // namespace keyward::http
