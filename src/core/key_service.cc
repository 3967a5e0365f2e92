#include "core/key_service.h"

#include "common/await.h"
#include "common/json_text.h"
#include "common/time.h"
#include "core/object_access.h"
#include "crypto/key_codec.h"
#include "crypto/random.h"
#include "sign/asymmetric_key.h"
#include "verify/verifier.h"

namespace keyward {
namespace {

// An expiry as a JSON value for audit details: RFC 3339, or null for "never".
std::string jsonExpiry(UnixSeconds at) { return at == kNever ? "null" : jsonString(formatRfc3339(at)); }

// A JWT key's expiry is its token's `exp`: it must have one (RFC 8725 §3.10 favours short
// lifetimes; a token that third parties check offline cannot be recalled), six months by
// default, at most kMaxJwtLifetimeDays (which also bounds how long a retired signing key
// stays in the JWKS).
Result<UnixSeconds> resolveJwtExpiry(ExpiryInput in, const TenantSettings& s, UnixSeconds now) {
  if (in.never) {
    return invalidField("never_expires",
                        "a JWT key must expire (its token carries exp): give expires_in_days or expires_at",
                        "JWT_NEEDS_EXPIRY");
  }
  if (!in.given()) {
    in.in_days = s.max_expiry_days ? std::min(kDefaultJwtExpiryDays, *s.max_expiry_days) : kDefaultJwtExpiryDays;
  }
  auto at = resolveExpiry(in, s, now);
  if (!at) return at;
  if (*at - now > JwtService::maxTokenLifetime()) {
    return invalidField(in.at ? "expires_at" : "expires_in_days",
                        "a JWT key lives at most " + std::to_string(kMaxJwtLifetimeDays) + " days",
                        "EXPIRY_EXCEEDS_POLICY");
  }
  return at;
}

Status jwtAvailable(const JwtService* jwt) {
  if (jwt) return {};
  return fail(ErrorKind::kUnavailable, "JWT_UNAVAILABLE", "this server has no JWT signing set up");
}

}  // namespace

Status KeyService::checkAccess(const Actor& actor, const verify::Grant& grant, std::string_view tenant_id,
                               const std::vector<RoleAssignment>& roles, const std::optional<OwnerRef>& owner) {
  auto granted = access_.validatedGrants(tenant_id, roles);
  if (!granted) return std::unexpected(granted.error());
  if (owner) {
    if (auto o = access_.ownerOf(tenant_id, *owner); !o) {
      if (o.error().kind != ErrorKind::kNotFound) return std::unexpected(o.error());
      return fail(ErrorKind::kNotFound, "OWNER_NOT_FOUND",
                  std::string(toString(owner->kind)) + " '" + owner->id + "' not found in this tenant", "owner");
    }
  }
  // "mine": the key must act for the principal itself, so it stops with it (an ownerless key
  // would keep its roles after the principal is disabled). A standalone key principal cannot
  // be an owner; the keys it creates are its own by created_by.
  const bool for_itself = owner ? owner->id == actor.principal.subject_id : actor.principal.kind == PrincipalKind::kKey;
  if (grant.level == Level::kMine && !for_itself) {
    return fail(ErrorKind::kForbidden, "FORBIDDEN",
                "this credential may manage only its own keys: the owner must be itself", "owner");
  }
  return checkNoEscalation(actor.principal, *granted, "the key's roles");
}

void KeyService::withLiveLastUse(ApiKey& k) const {
  // The hot path knows a fresher last use than the last flush to the store.
  if (auto live = index_.find(k.digest)) {
    const auto used = live->last_used.load(std::memory_order_relaxed);
    if (used > k.last_used_at.value_or(0)) k.last_used_at = used;
  }
}

Result<std::string> KeyService::assignKeyPair(ApiKey& k, const KeyPairInput& in) {
  std::string private_pem;
  Result<sign::AsymmetricKey> key = std::unexpected(Error{});
  if (in.public_key) {
    const std::string_view text = *in.public_key;
    key = text.starts_with("{") ? sign::AsymmetricKey::fromPublicJwk(text) : sign::AsymmetricKey::fromPublicPem(text);
    if (!key) {
      return fail(ErrorKind::kInvalid, "INVALID_PUBLIC_KEY", "public_key: " + key.error().message, "public_key");
    }
  } else {
    const auto alg = sign::parseKeyAlgorithm(in.algorithm);
    if (!alg || (in.algorithm != "ed25519" && in.algorithm != "ecdsa-p256-sha256")) {
      return fail(ErrorKind::kInvalid, "INVALID_FIELD", "algorithm must be ed25519 or ecdsa-p256-sha256", "algorithm");
    }
    key = sign::AsymmetricKey::generate(*alg);
    if (!key) return std::unexpected(key.error());
    auto pem = key->privatePkcs8Pem();
    if (!pem) return std::unexpected(pem.error());
    private_pem = std::move(*pem);
  }
  auto pem = key->publicPem();
  if (!pem) return std::unexpected(pem.error());
  auto thumbprint = key->thumbprint();
  if (!thumbprint) return std::unexpected(thumbprint.error());
  k.public_key_pem = std::move(*pem);
  k.key_algorithm = std::string(sign::httpSignatureAlgorithmName(key->algorithm()));
  k.public_id = std::move(*thumbprint);
  k.digest = verify::handleFor("keyid", k.public_id);
  k.start = "keyid:" + k.public_id.substr(0, 8);
  return private_pem;
}

Status KeyService::checkGroup(std::string_view tenant_id, const std::optional<std::string>& group_id) {
  if (!group_id) return {};
  if (auto g = store_.getGroup(tenant_id, *group_id); !g) {
    if (g.error().kind == ErrorKind::kNotFound) {
      return fail(ErrorKind::kNotFound, "GROUP_NOT_FOUND", "key group '" + *group_id + "' not found in this tenant",
                  "group_id");
    }
    return std::unexpected(g.error());
  }
  return {};
}

Result<std::string> KeyService::issueJwt(const Actor& actor, ApiKey& k) {
  if (auto st = jwtAvailable(jwt_); !st) return std::unexpected(st.error());
  auto jti = crypto::newId("jti");
  if (!jti) return std::unexpected(jti.error());
  // The token id is public (it is in the token): it names the key in lists and audit like an
  // advanced key's public id, and finds it in the index without a secret to digest.
  k.public_id = std::move(*jti);
  k.digest = verify::handleFor("jti", k.public_id);
  k.start = "jwt:" + k.public_id.substr(4, 8);
  return jwt_->issue(actor, k);
}

Result<CreatedKey> KeyService::create(const Actor& actor, std::string_view tenant_id, const CreateKeyInput& in) {
  return awaitReply<Result<CreatedKey>>([&](CreateDone done) { createThen(actor, tenant_id, in, std::move(done)); });
}

void KeyService::createThen(const Actor& actor, std::string_view tenant_id, const CreateKeyInput& in, CreateDone done) {
  auto prepared = prepareCreate(actor, tenant_id, in);
  if (!prepared) return done(std::unexpected(prepared.error()));
  // No write lock until the commit is done: concurrent creations must reach the store
  // together so it can commit them in one transaction (group commit). Ordering with edits of
  // the same key is kept at the index update in finishCreate. The store keeps pointers to
  // the key and the event until it calls back, so they live in `state` until then.
  auto state = std::make_shared<PreparedKey>(std::move(*prepared));
  const ApiKey& key = state->created.key;
  const AuditEvent& ev = state->event;
  const std::optional<int> limit = state->owner_key_limit;
  store_.createKeyThen(key, ev, limit, [this, state = std::move(state), done = std::move(done)](Status st) mutable {
    done(finishCreate(std::move(state->created), std::move(st)));
  });
}

Result<KeyService::PreparedKey> KeyService::prepareCreate(const Actor& actor, std::string_view tenant_id,
                                                          const CreateKeyInput& in) {
  auto grant = audit_.guard(actor, kModuleKeys, Action::kAdd, tenant_id, "key.create", in.name);
  if (!grant) return std::unexpected(grant.error());
  auto tenant = store_.getTenant(tenant_id);
  if (!tenant) return std::unexpected(tenant.error());
  const UnixSeconds now = clock_.now();
  if (auto st = validateName("name", in.name); !st) return std::unexpected(st.error());
  if (auto st = validateDescription("description", in.description); !st) return std::unexpected(st.error());
  if (auto st = validateMetadataSize(in.metadata_json); !st) return std::unexpected(st.error());
  if (auto st = validateKind(in.kind, in.credential_mode); !st) return std::unexpected(st.error());
  const bool is_jwt = in.kind == "jwt";
  if (is_jwt) {
    if (auto st = jwtAvailable(jwt_); !st) return std::unexpected(st.error());
  }
  auto expires_at = is_jwt ? resolveJwtExpiry(in.expiry, tenant->settings, now)
                           : resolveExpiry(in.expiry, tenant->settings, now);
  if (!expires_at) return std::unexpected(expires_at.error());
  if (auto st = validateNotBefore(in.not_before, *expires_at); !st) return std::unexpected(st.error());
  if (auto st = validatePurpose(in.purpose); !st) return std::unexpected(st.error());
  auto allow = parseAllowlist(in.ip_allowlist);
  if (!allow) return std::unexpected(allow.error());
  if (auto st = checkGroup(tenant_id, in.group_id); !st) return std::unexpected(st.error());
  if (auto st = checkAccess(actor, **grant, tenant_id, in.roles, in.owner); !st) return std::unexpected(st.error());

  auto id = crypto::newTimeOrderedId("key");
  if (!id) return std::unexpected(id.error());
  const bool key_pair = in.credential_mode == "key_pair";
  auto secret = (key_pair || is_jwt) ? Result<std::string>(std::string())
                                     : crypto::generateKey(tenant->settings.key_prefix);
  if (!secret) return std::unexpected(secret.error());

  ApiKey k;
  k.id = std::move(*id);
  k.tenant_id = tenant_id;
  k.name = in.name;
  k.description = in.description;
  k.group_id = in.group_id;
  if (!key_pair && !is_jwt) {  // those two get their handle and start below
    k.digest = crypto::sha256(*secret);
    k.start = crypto::keyStart(*secret);
  }
  k.enabled = in.enabled;
  k.expires_at = *expires_at;
  k.ip_allowlist = std::move(*allow);
  k.metadata_json = in.metadata_json;
  k.roles = in.roles;
  k.owner = in.owner;
  k.not_before = in.not_before;
  // Validated above (validateKind, validatePurpose): the names parse.
  k.kind = parseKeyKind(in.kind).value_or(KeyKind::kSimple);
  k.purpose = parseKeyPurpose(in.purpose).value_or(KeyPurpose::kThirdParty);
  k.credential_mode = parseCredentialMode(in.credential_mode).value_or(CredentialMode::kNone);
  if (key_pair) {
    // The secret returned once is the generated private key, or nothing when the
    // administrator supplied the public key (the private key never left the client).
    auto private_pem = assignKeyPair(k, in.key_pair);
    if (!private_pem) return std::unexpected(private_pem.error());
    *secret = std::move(*private_pem);
  } else if (k.kind == KeyKind::kAdvanced) {
    // The public part names the key in lists, audit events and the Basic credential; it
    // carries no secret, so a random id is enough.
    auto pub = crypto::newId("pub");
    if (!pub) return std::unexpected(pub.error());
    k.public_id = std::move(*pub);
  }
  k.created_by = actor.principal.subject_id;
  k.created_at = k.updated_at = now;
  if (is_jwt) {
    auto token = issueJwt(actor, k);
    if (!token) return std::unexpected(token.error());
    *secret = std::move(*token);
  }

  std::string detail = "{\"name\":" + jsonString(k.name) + ",\"kind\":" + jsonString(toString(k.kind)) +
                       ",\"purpose\":" + jsonString(toString(k.purpose));
  if (!k.public_id.empty()) {
    detail += std::string(",\"") + (is_jwt ? "token_id" : "public_key") + "\":" + jsonString(k.public_id);
  }
  auto ev = audit_.event(actor, tenant_id, "key.create", k.id, detail + "}");
  if (!ev) return std::unexpected(ev.error());
  std::optional<int> limit;
  if (k.owner && k.owner->kind == PrincipalKind::kServiceUser) limit = tenant->settings.max_keys_per_service_user;
  return PreparedKey{CreatedKey{std::move(k), std::move(*secret)}, std::move(*ev), limit};
}

Result<CreatedKey> KeyService::finishCreate(CreatedKey created, Status committed) {
  const ApiKey& k = created.key;
  if (!committed) {
    Error e = committed.error();
    if (e.code == "PUBLIC_KEY_TAKEN") {
      e.field = "public_key";
    } else if (e.code == "NAME_TAKEN") {
      e.message = "a key named '" + k.name + "' already exists in this tenant";
      e.field = "name";
    }
    return std::unexpected(e);
  }
  {
    // The key is durable now, and its id may already be visible to other clients (a key
    // list), so an update or revocation of it can commit before this line. Such a writer
    // re-reads the key and updates the index under the write lock; finding an entry for this
    // digest therefore means a newer state is already there, which must not be overwritten
    // with the state as created. A new key's digest is unique (UNIQUE in the store).
    auto write = access_.writeLock();
    if (!index_.find(k.digest)) access_.refreshKeys({k});
  }
  return created;
}

Result<ApiKey> KeyService::get(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  auto k = readGuarded<ApiKey>(audit_, actor, kModuleKeys, Action::kInquire, tenant_id, id, "key.read",
                               [&] { return store_.getKey(tenant_id, id); });
  if (k) withLiveLastUse(*k);
  return k;
}

Result<Page<ApiKey>> KeyService::list(const Actor& actor, std::string_view tenant_id, const KeyFilter& filter) {
  auto grant = audit_.guard(actor, kModuleKeys, Action::kInquire, tenant_id, "key.list", tenant_id);
  if (!grant) return std::unexpected(grant.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  if (filter.group_id) {
    if (auto st = checkGroup(tenant_id, filter.group_id); !st) return std::unexpected(st.error());
  }
  KeyFilter f = filter;
  // Only "mine" everywhere can be filtered by the store; mixed grants are filtered below.
  if ((*grant)->level == Level::kMine && (*grant)->all_resources) f.mine_of = actor.principal.subject_id;
  auto page = store_.listKeys(tenant_id, f, clock_.now());
  if (!page) return page;
  // A resource-scoped grant shows only its keys; a page may then hold fewer than `limit`
  // items, and next_cursor still continues the scan.
  keepCovered(actor, **grant, page->items);
  for (auto& k : page->items) withLiveLastUse(k);
  return page;
}

Result<ApiKey> KeyService::update(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                  const UpdateKeyInput& in) {
  auto write = access_.writeLock();  // commit and index update in one order
  auto grant = audit_.guard(actor, kModuleKeys, Action::kEdit, tenant_id, "key.update", id);
  if (!grant) return std::unexpected(grant.error());
  auto tenant = store_.getTenant(tenant_id);
  if (!tenant) return std::unexpected(tenant.error());
  auto k = store_.getKey(tenant_id, id);
  if (!k) return k;
  if (auto st = audit_.guardObject(actor, **grant, kModuleKeys, Action::kEdit, tenant_id, ownershipOf(*k),
                                   "key.update");
      !st) {
    return std::unexpected(st.error());
  }
  const UnixSeconds now = clock_.now();
  const KeyState state = k->stateAt(now);
  if (state == KeyState::kRevoked) {
    return fail(ErrorKind::kConflict, "KEY_REVOKED", "the key is revoked; revocation is final");
  }
  if (state == KeyState::kExpired && (in.enabled || in.expiry.given())) {
    return fail(
        ErrorKind::kConflict, "KEY_EXPIRED",
        "the key has expired and can no longer be enabled, disabled or extended; create a new key to replace it");
  }
  if (k->kind == KeyKind::kJwt && in.expiry.given()) {
    return invalidField(
        "expires_at",
        "a JWT key's expiry is the exp claim of its token; rotate the key to issue a token with a new expiry",
        "JWT_EXPIRY_FIXED");
  }
  std::vector<std::string> changed;
  if (in.description) {
    if (auto st = validateDescription("description", *in.description); !st) return std::unexpected(st.error());
    k->description = *in.description;
    changed.emplace_back("description");
  }
  if (in.group_id) {
    if (auto st = checkGroup(tenant_id, *in.group_id); !st) return std::unexpected(st.error());
    k->group_id = *in.group_id;
    changed.emplace_back("group_id");
  }
  if (in.enabled) {
    k->enabled = *in.enabled;
    changed.emplace_back("enabled");
  }
  std::string expiry_detail;
  if (in.expiry.given()) {
    auto at = resolveExpiry(in.expiry, tenant->settings, now);
    if (!at) return std::unexpected(at.error());
    // The reviewer of an expiry change wants both ends: from when to when.
    expiry_detail = ",\"expires_at\":{\"from\":" + jsonExpiry(k->expires_at) + ",\"to\":" + jsonExpiry(*at) + "}";
    k->expires_at = *at;
    changed.emplace_back("expires_at");
  }
  if (in.not_before) {
    k->not_before = *in.not_before;
    changed.emplace_back("not_before");
  }
  if (in.purpose) {
    if (auto st = validatePurpose(*in.purpose); !st) return std::unexpected(st.error());
    k->purpose = parseKeyPurpose(*in.purpose).value_or(k->purpose);  // validated just above
    changed.emplace_back("purpose");
  }
  if (in.not_before || in.expiry.given()) {
    if (auto st = validateNotBefore(k->not_before, k->expires_at); !st) return std::unexpected(st.error());
  }
  if (in.ip_allowlist) {
    auto allow = parseAllowlist(*in.ip_allowlist);
    if (!allow) return std::unexpected(allow.error());
    k->ip_allowlist = std::move(*allow);
    changed.emplace_back("ip_allowlist");
  }
  if (in.metadata_json) {
    if (auto st = validateMetadataSize(*in.metadata_json); !st) return std::unexpected(st.error());
    k->metadata_json = *in.metadata_json;
    changed.emplace_back("metadata");
  }
  if (in.roles || in.owner) {
    const auto old_owner = k->owner;
    if (in.roles) {
      k->roles = *in.roles;
      changed.emplace_back("roles");
    }
    if (in.owner) {
      k->owner = *in.owner;
      changed.emplace_back("owner");
    }
    if (auto st = checkAccess(actor, **grant, tenant_id, k->roles, k->owner); !st) return std::unexpected(st.error());
    if (k->owner && k->owner != old_owner && k->owner->kind == PrincipalKind::kServiceUser) {
      auto held = store_.countLiveKeysOfOwner(tenant_id, k->owner->id);
      if (!held) return std::unexpected(held.error());
      const int limit = tenant->settings.max_keys_per_service_user;
      if (*held >= limit) return std::unexpected(keyLimitReached(*k->owner, *held, limit));
    }
  }
  k->updated_at = now;
  // A pure enable/disable is its own audit action: that is what a reviewer searches for.
  const char* action = "key.update";
  if (changed.size() == 1 && in.enabled) action = *in.enabled ? "key.enable" : "key.disable";
  std::string detail = changedDetail(changed);
  if (!expiry_detail.empty()) detail.insert(detail.size() - 1, expiry_detail);
  auto ev = audit_.event(actor, tenant_id, action, k->id, std::move(detail));
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateKey(*k, *ev); !st) return std::unexpected(st.error());
  access_.refreshKeys({*k});  // what was committed reaches the hot path even if the re-read fails
  return store_.getKey(tenant_id, id);
}

Status KeyService::revoke(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  auto write = access_.writeLock();  // commit and index update in one order
  auto k = readGuarded<ApiKey>(audit_, actor, kModuleKeys, Action::kDelete, tenant_id, id, "key.revoke",
                               [&] { return store_.getKey(tenant_id, id); });
  if (!k) return std::unexpected(k.error());
  if (k->revoked_at) return fail(ErrorKind::kConflict, "KEY_REVOKED", "the key is already revoked");
  k->revoked_at = clock_.now();
  k->updated_at = *k->revoked_at;
  auto ev = audit_.event(actor, tenant_id, "key.revoke", k->id, "{\"name\":" + jsonString(k->name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateKey(*k, *ev); !st) return st;
  access_.refreshKeys({*k});
  return {};
}

Result<CreatedKey> KeyService::rotate(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                      const RotateKeyInput& in) {
  auto write = access_.writeLock();  // commit and index update in one order
  auto grant = audit_.guard(actor, kModuleKeys, Action::kEdit, tenant_id, "key.rotate", id);
  if (!grant) return std::unexpected(grant.error());
  auto tenant = store_.getTenant(tenant_id);
  if (!tenant) return std::unexpected(tenant.error());
  auto k = store_.getKey(tenant_id, id);
  if (!k) return std::unexpected(k.error());
  if (auto st = audit_.guardObject(actor, **grant, kModuleKeys, Action::kEdit, tenant_id, ownershipOf(*k),
                                   "key.rotate");
      !st) {
    return std::unexpected(st.error());
  }
  const UnixSeconds now = clock_.now();
  switch (k->stateAt(now)) {
    case KeyState::kRevoked:
      return fail(ErrorKind::kConflict, "KEY_REVOKED", "the key is revoked; revocation is final");
    case KeyState::kExpired:
      return fail(ErrorKind::kConflict, "KEY_EXPIRED",
                  "the key has expired and cannot be rotated; create a new key to replace it");
    default: break;
  }
  if (in.grace_seconds < 0 || in.grace_seconds > kMaxRotationGraceSeconds) {
    return fail(ErrorKind::kInvalid, "INVALID_FIELD",
                "grace_seconds must be between 0 and " + std::to_string(kMaxRotationGraceSeconds) + " (30 days)",
                "grace_seconds");
  }
  const bool is_jwt = k->kind == KeyKind::kJwt;
  UnixSeconds expires_at = k->expires_at;
  if (is_jwt) {
    auto at = resolveJwtExpiry(in.expiry, tenant->settings, now);
    if (!at) return std::unexpected(at.error());
    expires_at = *at;
  } else if (in.expiry.given() || k->expires_at != kNever) {
    auto at = resolveExpiry(in.expiry, tenant->settings, now);
    if (!at) return std::unexpected(at.error());
    expires_at = *at;
  }
  if (auto st = validateNotBefore(k->not_before, expires_at); !st) return std::unexpected(st.error());
  const bool key_pair = k->credential_mode == CredentialMode::kKeyPair;
  if (!key_pair && in.key_pair.public_key) {
    return fail(ErrorKind::kInvalid, "INVALID_FIELD", "only a key-pair key takes a public_key", "public_key");
  }
  auto secret = (key_pair || is_jwt) ? Result<std::string>(std::string())
                                     : crypto::generateKey(tenant->settings.key_prefix);
  if (!secret) return std::unexpected(secret.error());

  // Only the secret being replaced survives as the previous one; an older one (a rotation
  // during the overlap of the last) ends now and leaves the index below.
  const std::optional<crypto::Digest> dropped = k->previous_digest;
  const UnixSeconds old_expires_at = k->expires_at;
  k->previous_digest = k->digest;
  k->previous_start = k->start;
  k->previous_expires_at = std::min(now + in.grace_seconds, old_expires_at);
  k->expires_at = expires_at;
  if (is_jwt) {
    // A new token id and token for the same record; the old token's handle is the previous
    // digest, so it answers "rotating" until the grace period ends like a replaced secret.
    auto token = issueJwt(actor, *k);
    if (!token) return std::unexpected(token.error());
    *secret = std::move(*token);
  } else if (key_pair) {
    k->previous_public_key_pem = k->public_key_pem;
    auto private_pem = assignKeyPair(*k, in.key_pair);
    if (!private_pem) return std::unexpected(private_pem.error());
    if (k->previous_digest == k->digest) {
      return fail(ErrorKind::kInvalid, "INVALID_PUBLIC_KEY", "public_key: the key already uses this public key",
                  "public_key");
    }
    *secret = std::move(*private_pem);
  } else {
    k->digest = crypto::sha256(*secret);
    k->start = crypto::keyStart(*secret);
  }
  k->rotated_at = now;
  k->updated_at = now;
  const std::string detail = "{\"grace_seconds\":" + std::to_string(in.grace_seconds) +
                             ",\"previous_start\":" + jsonString(k->previous_start) +
                             ",\"previous_expires_at\":" + std::to_string(k->previous_expires_at) +
                             ",\"start\":" + jsonString(k->start) + ",\"expires_at\":" + jsonExpiry(k->expires_at) +
                             "}";
  auto ev = audit_.event(actor, tenant_id, "key.rotate", k->id, detail);
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.rotateKey(*k, *ev); !st) return std::unexpected(st.error());
  access_.refreshKeys({*k});
  if (dropped) index_.erase(*dropped);
  withLiveLastUse(*k);
  return CreatedKey{std::move(*k), std::move(*secret)};
}

Result<std::vector<VerifyFailureCount>> KeyService::failures(const Actor& actor, std::string_view tenant_id) {
  auto grant = audit_.guard(actor, kModuleKeys, Action::kInquire, tenant_id, "key.failures", tenant_id);
  if (!grant) return std::unexpected(grant.error());
  if ((*grant)->level != Level::kAll || !(*grant)->all_resources) {
    // The counters are per tenant, including unknown keys: not divisible into "mine".
    return fail(ErrorKind::kForbidden, "FORBIDDEN", "verification failure counts need keys:inquire at level all");
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  return store_.listVerifyFailures(tenant_id);
}

}  // namespace keyward
