// POST /v1/keys/verify and GET /v1/authz — the hot path. These handlers only parse what the
// request presented and render the outcome; every check is the credential verifier's
// (verify/credential_verifier.h). Replies are assembled as text: no JSON document is built
// for a verification.
#include <algorithm>
#include <chrono>

#include "common/json_text.h"
#include "common/time.h"
#include "core/access.h"
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/problem.h"
#include "sign/basic_auth.h"
#include "verify/credential_verifier.h"
#include "verify/signed_requests.h"

namespace keyward::http {
namespace {

// Appends "YYYY-MM-DDTHH:MM:SSZ", the text formatRfc3339 gives, without snprintf (which was
// the largest single cost of rendering a valid reply). Dates outside years 0..9999 take the
// general path.
void appendRfc3339(std::string& out, UnixSeconds t) {
  using namespace std::chrono;
  const sys_seconds tp{seconds{t}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const int y = int(ymd.year());
  if (y < 0 || y > 9999) {
    appendJsonString(out, formatRfc3339(t));
    return;
  }
  const auto secs = (tp - day).count();
  const int fields[6] = {
      y, int(unsigned(ymd.month())), int(unsigned(ymd.day())), int(secs / 3600), int(secs / 60 % 60), int(secs % 60)};
  char buf[22] = {'"'};
  char* p = buf + 1;
  auto two = [&p](int v) {
    *p++ = char('0' + v / 10);
    *p++ = char('0' + v % 10);
  };
  two(fields[0] / 100);
  two(fields[0] % 100);
  const char seps[5] = {'-', '-', 'T', ':', ':'};
  for (int i = 1; i < 6; ++i) {
    *p++ = seps[i - 1];
    two(fields[i]);
  }
  *p++ = 'Z';
  *p++ = '"';
  out.append(buf, size_t(p - buf));
}

void appendValidBody(std::string& out, const verify::CompiledKey& k) {
  out += "{\"valid\":true,\"code\":\"VALID\",\"key_id\":";
  appendJsonString(out, k.id);
  out += ",\"tenant_id\":";
  appendJsonString(out, k.tenant_id);
  out += ",\"name\":";
  appendJsonString(out, k.name);
  out += ",\"group_id\":";
  if (k.group_id.empty()) out += "null";
  else appendJsonString(out, k.group_id);
  out += ",\"expires_at\":";
  if (k.expires_at == kNever) out += "null";
  else appendRfc3339(out, k.expires_at);
  if (k.access) {
    const auto& a = *k.access;
    out += ",\"owner\":";
    if (a.owner_id.empty()) {
      out += "null";
    } else {
      out += "{\"type\":\"";
      out += toString(a.owner_kind);
      out += "\",\"id\":";
      appendJsonString(out, a.owner_id);
      out += '}';
    }
    out += ",\"roles\":";
    out += a.roles_json;
    out += ",\"permissions\":";
    out += a.permissions_json;
  } else {
    out += ",\"owner\":null,\"roles\":[],\"permissions\":[]";
  }
  out += ",\"metadata\":";
  out += k.metadata_json;
  // Which secret matched: the replaced one during a rotation's overlap says so, and until
  // when it still works, so the caller can tell its client to switch.
  if (k.previous_secret) {
    out += ",\"rotating\":true,\"rotation_ends_at\":";
    appendRfc3339(out, k.secret_expires_at);
  } else {
    out += ",\"rotating\":false";
  }
  out += '}';
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// An HTTP Basic credential "public:private" of an advanced key, from a header value with or
// without the "Basic " scheme. nullopt when it is not strict base64 of a pair.
using BasicCredential = sign::BasicCredentials;
bool hasBasicScheme(std::string_view value) {
  return value.size() > 6 && (value.substr(0, 6) == "Basic " || value.substr(0, 6) == "basic ");
}
std::optional<BasicCredential> parseBasic(std::string_view value) {
  value = trimmed(value);
  auto parsed = sign::parseBasicAuthorization(hasBasicScheme(value) ? std::string(value)
                                                                    : "Basic " + std::string(value));
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

// The key a gateway forwarded: "Authorization: Bearer <key>", Ivanti's
// "Authorization: rest_api_key=<key>", or "X-API-Key: <key>".
std::string_view presentedKey(const Ctx& c) {
  // (An advanced key's "Authorization: Basic" is read by authz() itself.)
  if (auto bearer = c.bearer(); !bearer.empty()) return bearer;
  const std::string_view auth = trimmed(c.req.header("authorization"));
  constexpr std::string_view kIvanti = "rest_api_key=";
  if (auth.starts_with(kIvanti)) return trimmed(auth.substr(kIvanti.size()));
  return trimmed(c.req.header("x-api-key"));
}

// Rebuilds the signed request a gateway forwarded to /v1/authz into `out`; false when the
// original method or URI is missing or not usable.
bool signedRequestOf(const Ctx& c, sign::HttpRequest& out) {
  out.method = std::string(trimmed(c.req.header("x-original-method")));
  const std::string_view uri = trimmed(c.req.header("x-original-uri"));
  std::string_view proto = trimmed(c.req.header("x-forwarded-proto"));
  std::string_view host = trimmed(c.req.header("x-forwarded-host"));
  if (host.empty()) host = trimmed(c.req.header("host"));
  if (proto.empty()) proto = c.deps.tls ? "https" : "http";
  for (const auto& h : c.req.headers) out.headers.emplace_back(h.name, h.value);
  out.body_known = false;
  return !out.method.empty() && !uri.empty() && uri.starts_with("/") &&
         verify::setTargetUri(out, std::string(proto) + "://" + std::string(host) + std::string(uri));
}

// A tenant's credential verifies for its own tenant's API only: `tenant` becomes the
// caller's (FORBIDDEN when the request named another). A system-tenant caller verifies for any.
Status scopeToCaller(const std::optional<Principal>& caller, std::optional<std::string_view>& tenant) {
  if (!caller || caller->tenant_id == kSystemTenantId) return {};
  if (tenant && *tenant != caller->tenant_id) {
    return fail(ErrorKind::kForbidden, "FORBIDDEN", "this credential can only verify keys for its own tenant",
                "tenant_id");
  }
  tenant = caller->tenant_id;
  return {};
}

// The permission checks of a verify request; they view `queries`, which must outlive them.
std::vector<verify::PermissionCheck> permissionChecks(const std::vector<PermissionQuery>& queries) {
  std::vector<verify::PermissionCheck> checks;
  checks.reserve(queries.size());
  for (const auto& q : queries) {
    checks.push_back({q.module, q.action, q.resource ? std::optional<std::string_view>(*q.resource) : std::nullopt,
                      q.resource_owner ? std::optional<std::string_view>(*q.resource_owner) : std::nullopt});
  }
  return checks;
}

// The reply of POST /v1/keys/verify: the key on success; on failure the exact code (and why
// a signature or token failed) for a trusted caller, NOT_AUTHORIZED for anyone else.
std::string verdictBody(const verify::CredentialOutcome& checked, bool trusted) {
  const verify::Outcome& out = checked.outcome;
  std::string body;
  body.reserve(256);
  if (out.valid()) {
    appendValidBody(body, *out.key);
  } else if (trusted) {
    body += "{\"valid\":false,\"code\":\"";
    body += toString(out.code);
    body += '"';
    if (!checked.reason.empty()) {
      body += ",\"reason\":";
      appendJsonString(body, checked.reason);
    }
    if (out.key && out.code != verify::Code::kTenantMismatch) {
      body += ",\"key_id\":";
      appendJsonString(body, out.key->id);
    }
    body += '}';
  } else {
    body = "{\"valid\":false,\"code\":\"NOT_AUTHORIZED\"}";
  }
  return body;
}

}  // namespace

Response verifyKey(Ctx& c) {
  // A caller that presents a credential is a trusted resource server and learns the exact
  // reason for a failure; anyone else learns only NOT_AUTHORIZED.
  std::optional<Principal> caller;
  if (c.req.hasHeader("authorization")) {
    auto actor = c.actor();
    if (!actor) return errorResponse(c, actor.error());
    caller = std::move(actor->principal);
  }
  JsonReader r(c.req.body);
  // The credential: a simple key, an advanced key's Basic credential, or a request signed
  // with an advanced key's key pair (exactly one).
  const bool has_basic = r.has("basic");
  const bool has_signature = r.has("signature");
  std::string_view key;
  std::string basic_secret;  // the private part of a Basic credential, which `key` then views
  std::optional<std::string> public_id;
  std::optional<SignedRequestInput> signed_request;
  if (int(has_basic) + int(has_signature) + int(r.has("key")) > 1) {
    return errorResponse(c, Error{ErrorKind::kInvalid, "INVALID_FIELD", "give only one of key, basic and signature",
                                  has_signature ? "signature" : "basic"});
  }
  if (has_signature) {
    signed_request = r.optSignedRequest("signature");
  } else if (has_basic) {
    const std::string basic = r.reqString("basic");
    if (auto cred = parseBasic(basic)) {
      basic_secret = std::move(cred->secret);
      key = basic_secret;
      public_id = std::move(cred->public_id);
    } else if (!basic.empty()) {
      key = "";  // not a Basic credential: verified as MALFORMED below, like a garbled key
      public_id = "";
    }
  } else {
    key = r.reqStringView("key");
  }
  // Views into the reader's document, which lives to the end of this function.
  std::optional<std::string_view> tenant = r.optStringView("tenant_id");
  const std::optional<std::string_view> ip_text = r.optStringView("ip");
  const auto queries = r.optPermissionQueries("permissions").value_or(std::vector<PermissionQuery>{});
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  const std::vector<verify::PermissionCheck> checks = permissionChecks(queries);
  std::optional<IpAddress> ip;
  if (ip_text) {
    auto parsed = parseIp(*ip_text);
    if (!parsed) return errorResponse(c, Error{ErrorKind::kInvalid, "INVALID_FIELD", parsed.error().message, "ip"});
    ip = *parsed;
  }
  if (auto st = scopeToCaller(caller, tenant); !st) return errorResponse(c, st.error());
  verify::CredentialRequest creq;
  creq.tenant_id = tenant;
  creq.client_ip = ip;
  creq.permissions = checks;
  sign::HttpRequest sreq;
  if (signed_request) {
    sreq.method = signed_request->method;
    if (!verify::setTargetUri(sreq, signed_request->target_uri)) {
      return errorResponse(c,
                           Error{ErrorKind::kInvalid, "INVALID_FIELD",
                                 "signature.target_uri must be an absolute http or https URI", "signature.target_uri"});
    }
    sreq.headers = std::move(signed_request->headers);
    sreq.body = std::move(signed_request->body);
    creq.credential = {verify::Presented::Kind::kSignature, {}, std::nullopt, &sreq};
  } else if (has_basic) {
    creq.credential = {verify::Presented::Kind::kBasic, key, public_id, nullptr};
  } else {
    creq.credential = {verify::Presented::Kind::kBearer, key, std::nullopt, nullptr};
  }
  const verify::CredentialOutcome checked = c.deps.credentials.check(creq);
  const bool trusted = caller && mayVerify(*caller, tenant.value_or(caller->tenant_id));
  std::string body = verdictBody(checked, trusted);
  return Response{200, "application/json", {}, std::move(body)};
}

Response authz(Ctx& c) {
  const std::string_view key = presentedKey(c);
  const std::string_view tenant = trimmed(c.req.header("x-keyward-tenant"));
  // The permission the gateway requires for this route, if any.
  const std::string_view module = trimmed(c.req.header("x-keyward-module"));
  const std::string_view action_text = trimmed(c.req.header("x-keyward-action"));
  const std::string_view resource = trimmed(c.req.header("x-keyward-resource"));
  verify::PermissionCheck check;
  std::span<const verify::PermissionCheck> checks;
  if (!module.empty() || !action_text.empty() || !resource.empty()) {
    auto action = verify::parseAction(action_text.empty() ? "inquire" : action_text);
    if (module.empty() || !action) {
      // A gateway misconfiguration, not the client's fault: say so plainly to the operator.
      return problem(400, "INVALID_PERMISSION_HEADERS",
                     "X-Keyward-Module must be set and X-Keyward-Action must be one of inquire, add, edit, delete",
                     c.req.path);
    }
    check = {module, *action, resource.empty() ? std::nullopt : std::optional<std::string_view>(resource),
             std::nullopt};
    checks = {&check, 1};
  }
  verify::CredentialRequest creq;
  creq.tenant_id = tenant.empty() ? std::nullopt : std::optional<std::string_view>(tenant);
  creq.client_ip = c.client_ip;
  creq.permissions = checks;
  creq.credential = {verify::Presented::Kind::kBearer, key, std::nullopt, nullptr};
  std::optional<BasicCredential> basic;
  const std::string_view auth = trimmed(c.req.header("authorization"));
  if (hasBasicScheme(auth)) {
    basic = parseBasic(auth);
    if (!basic) basic = BasicCredential{"", ""};  // garbled: fails as MALFORMED
    creq.credential = {verify::Presented::Kind::kBasic, basic->secret, basic->public_id, nullptr};
  }
  sign::HttpRequest sreq;
  if (!c.req.header("signature-input").empty() && !basic) {
    // A request signed with a key pair, as the gateway saw it: the original method and URI
    // come from the headers the gateway sets (nginx: X-Original-Method, X-Original-URI),
    // the body never reaches an auth subrequest (the upstream checks Content-Digest).
    // Without them the signed request cannot be rebuilt: SIGNATURE_INVALID.
    creq.credential = {verify::Presented::Kind::kSignature,
                       {},
                       std::nullopt,
                       signedRequestOf(c, sreq) ? &sreq : nullptr};
  }
  const verify::Outcome out = c.deps.credentials.check(creq).outcome;
  if (out.code == verify::Code::kInsufficientPermissions) {
    return problem(403, "FORBIDDEN", "not permitted", c.req.path);
  }
  if (!out.valid()) return problem(401, "NOT_AUTHORIZED", "not authorized", c.req.path);
  Response resp{204, "", {}, ""};
  resp.with("x-keyward-key-id", out.key->id).with("x-keyward-tenant-id", out.key->tenant_id);
  if (out.key->previous_secret) resp.with("x-keyward-rotating", "true");
  return resp;
}

}  // namespace keyward::http
