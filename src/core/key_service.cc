#include "core/key_service.h"

#include "common/json_text.h"
#include "crypto/key_codec.h"
#include "crypto/random.h"

namespace keyward {

std::shared_ptr<verify::CompiledKey> compileKey(const ApiKey& k) {
  auto c = std::make_shared<verify::CompiledKey>();
  c->id = k.id;
  c->tenant_id = k.tenant_id;
  c->name = k.name;
  c->group_id = k.group_id.value_or("");
  c->expires_at = k.expires_at;
  c->enabled = k.enabled;
  c->revoked = k.revoked_at.has_value();
  c->ip_allowlist = k.ip_allowlist;
  c->metadata_json = k.metadata_json;
  c->roles = k.roles;
  c->last_used.store(k.last_used_at.value_or(0), std::memory_order_relaxed);
  return c;
}

Result<size_t> loadIndex(Store& store, verify::KeyIndex& index) {
  size_t n = 0;
  auto st = store.forEachKey([&](ApiKey&& k) {
    index.upsert(k.digest, compileKey(k));
    ++n;
  });
  if (!st) return std::unexpected(st.error());
  return n;
}

void KeyService::withLiveLastUse(ApiKey& k) const {
  // The hot path knows a fresher last use than the last flush to the store.
  if (auto live = index_.find(k.digest)) {
    const auto used = live->last_used.load(std::memory_order_relaxed);
    if (used > k.last_used_at.value_or(0)) k.last_used_at = used;
  }
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

Result<CreatedKey> KeyService::create(const Actor& actor, std::string_view tenant_id, const CreateKeyInput& in) {
  // No write_mu_ until the commit is done: concurrent creations must reach the store
  // together so it can commit them in one transaction (group commit). Ordering with edits of
  // the same key is kept at the index update below.
  if (auto st = audit_.guard(actor, Operation::kKeyWrite, tenant_id, "key.create", in.name); !st) {
    return std::unexpected(st.error());
  }
  auto tenant = store_.getTenant(tenant_id);
  if (!tenant) return std::unexpected(tenant.error());
  const UnixSeconds now = clock_.now();
  if (auto st = validateName("name", in.name); !st) return std::unexpected(st.error());
  if (auto st = validateDescription("description", in.description); !st) return std::unexpected(st.error());
  if (auto st = validateMetadataSize(in.metadata_json); !st) return std::unexpected(st.error());
  if (auto st = validateRoles(in.roles); !st) return std::unexpected(st.error());
  auto expires_at = resolveExpiry(in.expiry, tenant->settings, now);
  if (!expires_at) return std::unexpected(expires_at.error());
  auto allow = parseAllowlist(in.ip_allowlist);
  if (!allow) return std::unexpected(allow.error());
  if (auto st = checkGroup(tenant_id, in.group_id); !st) return std::unexpected(st.error());

  auto id = crypto::newId("key");
  if (!id) return std::unexpected(id.error());
  auto secret = crypto::generateKey(tenant->settings.key_prefix);
  if (!secret) return std::unexpected(secret.error());

  ApiKey k;
  k.id = std::move(*id);
  k.tenant_id = tenant_id;
  k.name = in.name;
  k.description = in.description;
  k.group_id = in.group_id;
  k.digest = crypto::sha256(*secret);
  k.start = crypto::keyStart(*secret);
  k.enabled = in.enabled;
  k.expires_at = *expires_at;
  k.ip_allowlist = std::move(*allow);
  k.metadata_json = in.metadata_json;
  k.roles = in.roles;
  k.created_by = actor.principal.key_id;
  k.created_at = k.updated_at = now;

  auto ev = audit_.event(actor, tenant_id, "key.create", k.id, "{\"name\":" + jsonString(k.name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.createKey(k, *ev); !st) {
    Error e = st.error();
    if (e.code == "NAME_TAKEN") {
      e.message = "a key named '" + k.name + "' already exists in this tenant";
      e.field = "name";
    }
    return std::unexpected(e);
  }
  {
    // The key is durable now, and its id may already be visible to other clients (a key
    // list), so an update or revocation of it can commit before this line. Such a writer
    // re-reads the key and updates the index under write_mu_; finding an entry for this
    // digest therefore means a newer state is already there, which must not be overwritten
    // with the state as created. A new key's digest is unique (UNIQUE in the store).
    std::lock_guard write(write_mu_);
    if (!index_.find(k.digest)) index_.upsert(k.digest, compileKey(k));
  }
  return CreatedKey{std::move(k), std::move(*secret)};
}

Result<ApiKey> KeyService::get(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  if (auto st = audit_.guard(actor, Operation::kKeyRead, tenant_id, "key.read", id); !st) {
    return std::unexpected(st.error());
  }
  auto k = store_.getKey(tenant_id, id);
  if (k) withLiveLastUse(*k);
  return k;
}

Result<Page<ApiKey>> KeyService::list(const Actor& actor, std::string_view tenant_id, const KeyFilter& filter) {
  if (auto st = audit_.guard(actor, Operation::kKeyRead, tenant_id, "key.list", tenant_id); !st) {
    return std::unexpected(st.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  if (filter.group_id) {
    if (auto st = checkGroup(tenant_id, filter.group_id); !st) return std::unexpected(st.error());
  }
  auto page = store_.listKeys(tenant_id, filter, clock_.now());
  if (page) {
    for (auto& k : page->items) withLiveLastUse(k);
  }
  return page;
}

Result<ApiKey> KeyService::update(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                  const UpdateKeyInput& in) {
  std::lock_guard write(write_mu_);  // commit and index update in one order
  if (auto st = audit_.guard(actor, Operation::kKeyWrite, tenant_id, "key.update", id); !st) {
    return std::unexpected(st.error());
  }
  auto tenant = store_.getTenant(tenant_id);
  if (!tenant) return std::unexpected(tenant.error());
  auto k = store_.getKey(tenant_id, id);
  if (!k) return k;
  const UnixSeconds now = clock_.now();
  const KeyState state = k->stateAt(now);
  if (state == KeyState::kRevoked) {
    return fail(ErrorKind::kConflict, "KEY_REVOKED", "the key is revoked; revocation is final");
  }
  if (state == KeyState::kExpired && (in.enabled || in.expiry.given())) {
    return fail(ErrorKind::kConflict, "KEY_EXPIRED",
                "the key has expired and can no longer be enabled, disabled or extended; create a new key to replace it");
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
  if (in.expiry.given()) {
    auto at = resolveExpiry(in.expiry, tenant->settings, now);
    if (!at) return std::unexpected(at.error());
    k->expires_at = *at;
    changed.emplace_back("expires_at");
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
  if (in.roles) {
    if (auto st = validateRoles(*in.roles); !st) return std::unexpected(st.error());
    k->roles = *in.roles;
    changed.emplace_back("roles");
  }
  k->updated_at = now;
  // A pure enable/disable is its own audit action: that is what a reviewer searches for.
  const char* action = "key.update";
  if (changed.size() == 1 && in.enabled) action = *in.enabled ? "key.enable" : "key.disable";
  auto ev = audit_.event(actor, tenant_id, action, k->id, changedDetail(changed));
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateKey(*k, *ev); !st) return std::unexpected(st.error());
  auto stored = store_.getKey(tenant_id, id);
  if (!stored) return stored;
  index_.upsert(stored->digest, compileKey(*stored));
  return stored;
}

Status KeyService::revoke(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  std::lock_guard write(write_mu_);  // commit and index update in one order
  if (auto st = audit_.guard(actor, Operation::kKeyWrite, tenant_id, "key.revoke", id); !st) return st;
  auto k = store_.getKey(tenant_id, id);
  if (!k) return std::unexpected(k.error());
  if (k->revoked_at) return fail(ErrorKind::kConflict, "KEY_REVOKED", "the key is already revoked");
  k->revoked_at = clock_.now();
  k->updated_at = *k->revoked_at;
  auto ev = audit_.event(actor, tenant_id, "key.revoke", k->id, "{\"name\":" + jsonString(k->name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateKey(*k, *ev); !st) return st;
  index_.upsert(k->digest, compileKey(*k));
  return {};
}

Result<std::vector<VerifyFailureCount>> KeyService::failures(const Actor& actor, std::string_view tenant_id) {
  if (auto st = audit_.guard(actor, Operation::kKeyRead, tenant_id, "key.failures", tenant_id); !st) {
    return std::unexpected(st.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  return store_.listVerifyFailures(tenant_id);
}

}  // namespace keyward
