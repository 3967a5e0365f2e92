// Service-level tests of issuing, editing and revoking keys (src/core/key_service.h) on a
// real SQLite store, with the verify index kept in step.
#include "core/key_service.h"

#include <gtest/gtest.h>

#include "core_fixture.h"
#include "crypto/digest.h"
#include "crypto/key_codec.h"

namespace keyward {
namespace {

using core_testing::CoreTest;
using core_testing::kDay;
using core_testing::kT0;
using verify::Code;

class KeyServiceTest : public CoreTest {};
KEYWARD_ON_EVERY_BACKEND(KeyServiceTest);

TEST_P(KeyServiceTest, NewKeyVerifiesImmediately) {
  Tenant t = makeTenant("acme");
  CreatedKey created = makeKey(t.id, "deploy");
  EXPECT_TRUE(crypto::isWellFormedKey(created.secret));
  const verify::Outcome out = verify(created.secret, t.id);
  EXPECT_EQ(out.code, Code::kValid);
  ASSERT_TRUE(out.key);
  EXPECT_EQ(out.key->id, created.key.id);
  EXPECT_EQ(out.key->tenant_id, t.id);
}

TEST_P(KeyServiceTest, SecretUsesTheTenantPrefixAndOnlyItsDigestIsKept) {
  TenantSettings s;
  s.key_prefix = "acme";
  Tenant t = makeTenant("acme", s);
  CreatedKey created = makeKey(t.id, "deploy");
  EXPECT_EQ(created.secret.substr(0, 5), "acme_");
  auto stored = store_->getKey(t.id, created.key.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->digest, crypto::sha256(created.secret));
  EXPECT_EQ(stored->start, crypto::keyStart(created.secret));
  EXPECT_LT(stored->start.size(), created.secret.size() / 4);
  EXPECT_EQ(stored->created_by, root_.principal.key_id);
  EXPECT_EQ(stored->kind, KeyKind::kSimple);
}

TEST_P(KeyServiceTest, NewKeyExpiresAfterTheTenantDefault) {
  Tenant t = makeTenant("acme");
  EXPECT_EQ(makeKey(t.id, "default").key.expires_at, kT0 + 182 * kDay);
  TenantSettings s;
  s.default_expiry_days = 30;
  Tenant short_lived = makeTenant("short", s);
  EXPECT_EQ(makeKey(short_lived.id, "default").key.expires_at, kT0 + 30 * kDay);
  CreateKeyInput in;
  in.expiry.in_days = 7;
  EXPECT_EQ(makeKey(t.id, "week", in).key.expires_at, kT0 + 7 * kDay);
}

TEST_P(KeyServiceTest, ExpiryBeyondTheTenantMaximumIsRefusedAndNothingIsCreated) {
  TenantSettings s;
  s.default_expiry_days = 30;
  s.max_expiry_days = 90;
  Tenant t = makeTenant("acme", s);
  CreateKeyInput in;
  in.name = "too-long";
  in.expiry.in_days = 91;
  auto r = keys_->create(root_, t.id, in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "EXPIRY_EXCEEDS_POLICY");
  in.expiry = {};
  in.expiry.never = true;
  r = keys_->create(root_, t.id, in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "EXPIRY_EXCEEDS_POLICY");
  EXPECT_TRUE(keys_->list(root_, t.id, {}).value().items.empty());
  EXPECT_TRUE(auditOf(t.id, "key.create").empty());
}

TEST_P(KeyServiceTest, PastExpiryIsRefused) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.name = "past";
  in.expiry.at = kT0 - 1;
  auto r = keys_->create(root_, t.id, in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "expires_at");
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
}

TEST_P(KeyServiceTest, InvalidAllowlistEntryIsRefusedAndNothingIsCreated) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.name = "fenced";
  in.ip_allowlist = {"10.0.0.0/8", "010.0.0.1"};
  auto r = keys_->create(root_, t.id, in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().field, "ip_allowlist[1]");
  EXPECT_TRUE(keys_->list(root_, t.id, {}).value().items.empty());
  EXPECT_EQ(index_.size(), 1u);  // only the bootstrap key
}

TEST_P(KeyServiceTest, AllowlistIsEnforcedByTheVerifier) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.ip_allowlist = {"10.0.0.0/8"};
  CreatedKey k = makeKey(t.id, "fenced", in);
  auto at = [&](std::string_view ip) { return verifier_.verify({k.secret, std::nullopt, parseIp(ip).value()}).code; };
  EXPECT_EQ(at("10.1.2.3"), Code::kValid);
  EXPECT_EQ(at("::ffff:10.1.2.3"), Code::kValid);
  EXPECT_EQ(at("192.0.2.1"), Code::kIpNotAllowed);
  EXPECT_EQ(verify(k.secret).code, Code::kIpNotAllowed);
  UpdateKeyInput open;
  open.ip_allowlist = std::vector<std::string>{};
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, open));
  EXPECT_EQ(at("192.0.2.1"), Code::kValid);
}

TEST_P(KeyServiceTest, DuplicateNameIsRefusedWithTheFieldNamed) {
  Tenant t = makeTenant("acme");
  makeKey(t.id, "deploy");
  CreateKeyInput in;
  in.name = "deploy";
  auto r = keys_->create(root_, t.id, in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(r.error().code, "NAME_TAKEN");
  EXPECT_EQ(r.error().field, "name");
  EXPECT_EQ(auditOf(t.id, "key.create").size(), 1u);
}

TEST_P(KeyServiceTest, RevokedKeyStopsVerifyingBeforeRevokeReturns) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  ASSERT_EQ(verify(k.secret).code, Code::kValid);
  ASSERT_TRUE(keys_->revoke(root_, t.id, k.key.id));
  EXPECT_EQ(verify(k.secret).code, Code::kRevoked);
  // Kept for the audit trail, hidden from the default list.
  auto got = keys_->get(root_, t.id, k.key.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->stateAt(clock_.now()), KeyState::kRevoked);
  EXPECT_TRUE(keys_->list(root_, t.id, {}).value().items.empty());
  KeyFilter revoked;
  revoked.state = KeyState::kRevoked;
  EXPECT_EQ(keys_->list(root_, t.id, revoked).value().items.size(), 1u);
  ASSERT_EQ(auditOf(t.id, "key.revoke").size(), 1u);
  EXPECT_EQ(auditOf(t.id, "key.revoke")[0].target, k.key.id);
}

TEST_P(KeyServiceTest, RevokingTwiceIsRefused) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  ASSERT_TRUE(keys_->revoke(root_, t.id, k.key.id));
  auto again = keys_->revoke(root_, t.id, k.key.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "KEY_REVOKED");
  EXPECT_EQ(auditOf(t.id, "key.revoke").size(), 1u);
}

TEST_P(KeyServiceTest, DisabledKeyFailsAtOnceAndEnablingRestoresIt) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  UpdateKeyInput off;
  off.enabled = false;
  auto updated = keys_->update(root_, t.id, k.key.id, off);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->stateAt(clock_.now()), KeyState::kDisabled);
  EXPECT_EQ(verify(k.secret).code, Code::kDisabled);
  UpdateKeyInput on;
  on.enabled = true;
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, on));
  EXPECT_EQ(verify(k.secret).code, Code::kValid);
  EXPECT_EQ(auditOf(t.id, "key.disable").size(), 1u);
  EXPECT_EQ(auditOf(t.id, "key.enable").size(), 1u);
}

TEST_P(KeyServiceTest, KeyCreatedDisabledDoesNotVerify) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.enabled = false;
  CreatedKey k = makeKey(t.id, "later", in);
  EXPECT_EQ(verify(k.secret).code, Code::kDisabled);
}

TEST_P(KeyServiceTest, ExpiredKeyCannotBeDisabled) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.expiry.in_days = 1;
  CreatedKey k = makeKey(t.id, "short", in);
  clock_.advance(kDay);
  ASSERT_EQ(verify(k.secret).code, Code::kExpired);
  UpdateKeyInput off;
  off.enabled = false;
  auto r = keys_->update(root_, t.id, k.key.id, off);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kConflict);  // 409
  EXPECT_EQ(r.error().code, "KEY_EXPIRED");
  EXPECT_TRUE(auditOf(t.id, "key.disable").empty());
}

TEST_P(KeyServiceTest, ExpiredKeyCannotBeReEnabledOrExtended) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.expiry.in_days = 1;
  in.enabled = false;
  CreatedKey k = makeKey(t.id, "short", in);
  clock_.advance(kDay);
  UpdateKeyInput on;
  on.enabled = true;
  auto r = keys_->update(root_, t.id, k.key.id, on);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "KEY_EXPIRED");
  UpdateKeyInput extend;
  extend.expiry.in_days = 30;
  r = keys_->update(root_, t.id, k.key.id, extend);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "KEY_EXPIRED");
  EXPECT_EQ(verify(k.secret).code, Code::kExpired);
  // Its description can still be corrected.
  UpdateKeyInput describe;
  describe.description = "replaced by deploy-2";
  EXPECT_TRUE(keys_->update(root_, t.id, k.key.id, describe));
}

TEST_P(KeyServiceTest, KeyCanBeExtendedBeforeItExpires) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.expiry.in_days = 1;
  CreatedKey k = makeKey(t.id, "short", in);
  clock_.advance(kDay - 1);
  UpdateKeyInput extend;
  extend.expiry.in_days = 30;
  auto r = keys_->update(root_, t.id, k.key.id, extend);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expires_at, clock_.now() + 30 * kDay);
  clock_.advance(2);
  EXPECT_EQ(verify(k.secret).code, Code::kValid);
}

TEST_P(KeyServiceTest, RevokedKeyCannotBeEdited) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  ASSERT_TRUE(keys_->revoke(root_, t.id, k.key.id));
  UpdateKeyInput describe;
  describe.description = "still here?";
  auto r = keys_->update(root_, t.id, k.key.id, describe);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(r.error().code, "KEY_REVOKED");
  UpdateKeyInput on;
  on.enabled = true;
  r = keys_->update(root_, t.id, k.key.id, on);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "KEY_REVOKED");
  EXPECT_EQ(verify(k.secret).code, Code::kRevoked);
}

TEST_P(KeyServiceTest, GroupOfAnotherTenantIsNotFound) {
  Tenant a = makeTenant("acme");
  Tenant b = makeTenant("globex");
  auto foreign = groups_->create(root_, b.id, {"ops", ""});
  ASSERT_TRUE(foreign);
  CreateKeyInput in;
  in.name = "deploy";
  in.group_id = foreign->id;
  auto r = keys_->create(root_, a.id, in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(r.error().code, "GROUP_NOT_FOUND");
  EXPECT_EQ(r.error().field, "group_id");

  CreatedKey k = makeKey(a.id, "plain");
  UpdateKeyInput move;
  move.group_id = std::optional<std::string>(foreign->id);
  auto u = keys_->update(root_, a.id, k.key.id, move);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, "GROUP_NOT_FOUND");
  EXPECT_FALSE(store_->getKey(a.id, k.key.id).value().group_id);
}

TEST_P(KeyServiceTest, KeyCanMoveIntoAndOutOfAGroup) {
  Tenant t = makeTenant("acme");
  auto g = groups_->create(root_, t.id, {"ops", ""});
  ASSERT_TRUE(g);
  CreatedKey k = makeKey(t.id, "deploy");
  UpdateKeyInput move;
  move.group_id = std::optional<std::string>(g->id);
  ASSERT_EQ(keys_->update(root_, t.id, k.key.id, move).value().group_id, std::optional<std::string>(g->id));
  EXPECT_EQ(verify(k.secret).key->group_id, g->id);
  move.group_id = std::optional<std::string>();
  EXPECT_FALSE(keys_->update(root_, t.id, k.key.id, move).value().group_id);
  EXPECT_EQ(verify(k.secret).key->group_id, "");
}

TEST_P(KeyServiceTest, KeyOfAnotherTenantIsNotFound) {
  Tenant a = makeTenant("acme");
  Tenant b = makeTenant("globex");
  CreatedKey k = makeKey(a.id, "deploy");
  auto got = keys_->get(root_, b.id, k.key.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);
  UpdateKeyInput off;
  off.enabled = false;
  EXPECT_EQ(keys_->update(root_, b.id, k.key.id, off).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(keys_->revoke(root_, b.id, k.key.id).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(verify(k.secret).code, Code::kValid);
  EXPECT_EQ(verify(k.secret, b.id).code, Code::kTenantMismatch);
}

TEST_P(KeyServiceTest, GetShowsLastUseBeforeItIsFlushed) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  EXPECT_FALSE(keys_->get(root_, t.id, k.key.id).value().last_used_at);
  clock_.advance(60);
  ASSERT_TRUE(verify(k.secret).valid());
  EXPECT_EQ(keys_->get(root_, t.id, k.key.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 60));
  // An edit replaces the index entry; the pending last use survives it.
  UpdateKeyInput describe;
  describe.description = "edited";
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, describe));
  EXPECT_EQ(keys_->get(root_, t.id, k.key.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 60));
  KeyFilter all;
  auto listed = keys_->list(root_, t.id, all).value();
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(listed.items[0].last_used_at, std::optional<UnixSeconds>(kT0 + 60));
}

TEST_P(KeyServiceTest, ChangesAreAuditedWithoutTheSecret) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  UpdateKeyInput edit;
  edit.description = "new";
  edit.metadata_json = R"({"a":1})";
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, edit));
  auto events = auditOf(t.id);
  ASSERT_GE(events.size(), 2u);
  bool saw_create = false, saw_update = false;
  for (const auto& e : events) {
    EXPECT_EQ(e.detail_json.find(k.secret), std::string::npos);
    EXPECT_EQ(e.detail_json.find(k.secret.substr(3, 16)), std::string::npos);
    if (e.action == "key.create" && e.target == k.key.id) {
      saw_create = true;
      EXPECT_EQ(e.actor, root_.principal.key_id);
      EXPECT_EQ(e.client_ip, "198.51.100.7");
      EXPECT_EQ(e.outcome, "success");
    }
    if (e.action == "key.update") {
      saw_update = true;
      EXPECT_EQ(e.detail_json, R"({"changed":["description","metadata"]})");
    }
  }
  EXPECT_TRUE(saw_create);
  EXPECT_TRUE(saw_update);
}

TEST_P(KeyServiceTest, ListFiltersByStateAtTheCurrentTime) {
  Tenant t = makeTenant("acme");
  CreateKeyInput one_day;
  one_day.expiry.in_days = 1;
  makeKey(t.id, "short", one_day);
  makeKey(t.id, "long");
  auto names = [&](std::optional<KeyState> state) {
    KeyFilter f;
    f.state = state;
    std::vector<std::string> out;
    const auto page = keys_->list(root_, t.id, f);
    EXPECT_TRUE(page);
    if (page)
      for (const auto& k : page->items) out.push_back(k.name);
    return out;
  };
  EXPECT_EQ(names(KeyState::kActive), (std::vector<std::string>{"short", "long"}));
  clock_.advance(kDay);
  EXPECT_EQ(names(KeyState::kActive), (std::vector<std::string>{"long"}));
  EXPECT_EQ(names(KeyState::kExpired), (std::vector<std::string>{"short"}));
}

TEST_P(KeyServiceTest, IndexRebuiltFromTheStoreAnswersLikeTheOriginal) {
  Tenant t = makeTenant("acme");
  CreatedKey live = makeKey(t.id, "live");
  CreatedKey gone = makeKey(t.id, "gone");
  ASSERT_TRUE(keys_->revoke(root_, t.id, gone.key.id));
  verify::KeyIndex fresh;
  AccessIndex fresh_access(*store_, fresh);
  auto n = fresh_access.loadAll();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);  // bootstrap key, live, revoked
  verify::Verifier v(fresh, clock_);
  EXPECT_EQ(v.verify({live.secret, std::nullopt, std::nullopt}).code, Code::kValid);
  EXPECT_EQ(v.verify({gone.secret, std::nullopt, std::nullopt}).code, Code::kRevoked);
}

}  // namespace
}  // namespace keyward
