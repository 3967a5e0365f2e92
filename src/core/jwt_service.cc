#include "core/jwt_service.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/json_text.h"
#include "core/roles.h"
#include "sign/base64.h"

namespace keyward {
namespace {

// The `tenant` claim of a token that is not validated yet, only to choose the key ring the
// `kid` is looked up in. Whatever it says is then bound by the signature and `iss`.
std::optional<std::string> unverifiedTenant(std::string_view token) {
  const size_t a = token.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  auto payload = sign::base64UrlDecode(token.substr(a + 1, b - a - 1));
  if (!payload) return std::nullopt;
  boost::system::error_code ec;
  auto doc = boost::json::parse(sign::asText(*payload), ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto* t = doc.as_object().if_contains("tenant");
  if (!t || !t->is_string()) return std::nullopt;
  return std::string(t->as_string());
}

}  // namespace

std::string JwtService::issuerFor(std::string_view tenant_id) { return "keyward:tenant:" + std::string(tenant_id); }

Result<std::shared_ptr<const JwtService::Ring>> JwtService::buildRing(std::vector<sign::SigningKeyRecord> records)
    const {
  auto ring = std::make_shared<Ring>();
  for (auto& r : records) {
    auto pub = sign::AsymmetricKey::fromPublicPem(r.public_pem);
    if (!pub) return std::unexpected(pub.error());
    ring->publics.push_back(std::move(*pub));
    ring->records.push_back(std::move(r));
  }
  return std::shared_ptr<const Ring>(std::move(ring));
}

Result<size_t> JwtService::loadAll() {
  std::map<std::string, std::vector<sign::SigningKeyRecord>, std::less<>> by_tenant;
  size_t n = 0;
  auto st = store_.forEachSigningKey([&](std::string_view tenant_id, sign::SigningKeyRecord&& k) {
    by_tenant[std::string(tenant_id)].push_back(std::move(k));
    ++n;
  });
  if (!st) return std::unexpected(st.error());
  std::map<std::string, std::shared_ptr<const Ring>, std::less<>> rings;
  for (auto& [tenant, records] : by_tenant) {
    auto ring = buildRing(std::move(records));
    if (!ring) return std::unexpected(ring.error());
    rings.emplace(tenant, std::move(*ring));
  }
  std::unique_lock lock(mu_);
  rings_ = std::move(rings);
  return n;
}

std::shared_ptr<const JwtService::Ring> JwtService::ringOf(std::string_view tenant_id) const {
  std::shared_lock lock(mu_);
  auto it = rings_.find(tenant_id);
  return it == rings_.end() ? nullptr : it->second;
}

Status JwtService::reloadTenant(std::string_view tenant_id) {
  auto records = store_.listSigningKeys(tenant_id);
  if (!records) return std::unexpected(records.error());
  auto ring = buildRing(std::move(*records));
  if (!ring) return std::unexpected(ring.error());
  std::unique_lock lock(mu_);
  rings_[std::string(tenant_id)] = std::move(*ring);
  return {};
}

Result<sign::SigningKeyRecord> JwtService::addKey(const Actor& actor, std::string_view tenant_id,
                                                  std::string_view action) {
  const UnixSeconds now = clock_.now();
  auto key = sign::newSigningKey(master_, tenant_id, now, settings_.algorithm);
  if (!key) return std::unexpected(key.error());
  auto ev = audit_.event(actor, tenant_id, action, key->kid,
                         "{\"kid\":" + jsonString(key->kid) +
                             ",\"alg\":" + jsonString(sign::joseAlgorithmName(key->algorithm)) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.addSigningKey(tenant_id, *key, *ev); !st) return std::unexpected(st.error());
  if (auto st = reloadTenant(tenant_id); !st) return std::unexpected(st.error());
  return key;
}

Result<std::string> JwtService::issue(const Actor& actor, const ApiKey& k) {
  const UnixSeconds now = clock_.now();
  std::shared_ptr<const Ring> ring = ringOf(k.tenant_id);
  std::optional<size_t> signer = ring ? sign::currentSigner(ring->records, now) : std::nullopt;
  if (!signer) {
    std::lock_guard write(write_mu_);
    ring = ringOf(k.tenant_id);  // another creation may have added the first key meanwhile
    signer = ring ? sign::currentSigner(ring->records, now) : std::nullopt;
    if (!signer) {
      if (auto added = addKey(actor, k.tenant_id, "signing_key.create"); !added) return std::unexpected(added.error());
      ring = ringOf(k.tenant_id);
      signer = ring ? sign::currentSigner(ring->records, now) : std::nullopt;
      if (!signer) return internalError("the new signing key is not in effect");
    }
  }
  const auto& record = ring->records[*signer];
  auto key = sign::openSigner(record, master_, k.tenant_id);
  if (!key) return std::unexpected(key.error());
  sign::JwtClaims claims;
  claims.iss = issuerFor(k.tenant_id);
  claims.sub = k.id;
  claims.aud = {settings_.audience};
  claims.tenant = k.tenant_id;
  for (const auto& r : k.roles) claims.roles.push_back(r.role);
  claims.iat = now;
  claims.exp = k.expires_at;
  claims.jti = k.public_id;
  return sign::encodeJwt(claims, *key, record.kid);
}

Result<sign::ValidatedJwt> JwtService::validate(std::string_view token) const {
  const auto tenant = unverifiedTenant(token);
  std::shared_ptr<const Ring> ring = tenant ? ringOf(*tenant) : nullptr;
  const UnixSeconds now = clock_.now();
  std::vector<size_t> published;
  if (ring) published = sign::publishedKeys(ring->records, now, publicationPeriod());
  // An unknown tenant validates against an empty ring: the validator still reports a
  // malformed token as such, and anything well formed as an unknown key.
  sign::JwtValidator validator(clock_, sign::JwtValidationOptions{tenant ? issuerFor(*tenant) : std::string(),
                                                                  settings_.audience});
  auto out = validator.validate(token, [&](std::string_view kid) -> const sign::AsymmetricKey* {
    for (size_t i : published)
      if (ring->records[i].kid == kid) return &ring->publics[i];
    return nullptr;
  });
  if (!out) return out;
  if (!tenant || out->claims.tenant != *tenant) {
    return fail(ErrorKind::kUnauthenticated, sign::jwterr::kClaims, "the tenant claim changed");  // unreachable
  }
  return out;
}

Result<std::string> JwtService::jwks(std::string_view tenant_id) {
  std::shared_ptr<const Ring> ring = ringOf(tenant_id);
  if (!ring) {
    // No key yet: an empty set for a real tenant, 404 for anything else.
    if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
    return std::string("{\"keys\":[]}");
  }
  std::vector<sign::JwksEntry> entries;
  for (size_t i : sign::publishedKeys(ring->records, clock_.now(), publicationPeriod())) {
    entries.push_back({ring->records[i].kid, &ring->publics[i]});
  }
  return sign::renderJwks(entries);
}

Status JwtService::guardAll(const Actor& actor, Action action, std::string_view tenant_id,
                            std::string_view audit_action) {
  auto grant = audit_.guard(actor, kModuleKeys, action, tenant_id, audit_action, tenant_id);
  if (!grant) return std::unexpected(grant.error());
  if ((*grant)->level != Level::kAll || !(*grant)->all_resources) {
    return fail(ErrorKind::kForbidden, "FORBIDDEN",
                "signing keys serve every JWT key of the tenant: this needs keys:" + std::string(toString(action)) +
                    " at level all");
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  return {};
}

std::vector<SigningKeyInfo> JwtService::infos(const Ring& ring, UnixSeconds now) const {
  std::vector<SigningKeyInfo> out;
  const auto signer = sign::currentSigner(ring.records, now);
  for (size_t i = 0; i < ring.records.size(); ++i) {
    const auto& r = ring.records[i];
    SigningKeyInfo info;
    info.kid = r.kid;
    info.alg = sign::joseAlgorithmName(r.algorithm);
    info.created_at = r.created_at;
    info.retired_at = r.retired_at;
    info.current = signer && *signer == i;
    if (r.retired_at) info.published_until = *r.retired_at + publicationPeriod();
    if (auto jwk = ring.publics[i].publicJwk(r.kid)) info.public_jwk_json = boost::json::serialize(*jwk);
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::vector<SigningKeyInfo>> JwtService::list(const Actor& actor, std::string_view tenant_id) {
  if (auto st = guardAll(actor, Action::kInquire, tenant_id, "signing_key.list"); !st)
    return std::unexpected(st.error());
  auto ring = ringOf(tenant_id);
  if (!ring) return std::vector<SigningKeyInfo>{};
  return infos(*ring, clock_.now());
}

Result<SigningKeyInfo> JwtService::rotate(const Actor& actor, std::string_view tenant_id) {
  if (auto st = guardAll(actor, Action::kEdit, tenant_id, "signing_key.rotate"); !st)
    return std::unexpected(st.error());
  std::lock_guard write(write_mu_);
  auto added = addKey(actor, tenant_id, "signing_key.rotate");
  if (!added) return std::unexpected(added.error());
  auto ring = ringOf(tenant_id);
  for (auto& info : infos(*ring, clock_.now()))
    if (info.kid == added->kid) return info;
  return internalError("the new signing key is not in effect");
}

}  // namespace keyward
