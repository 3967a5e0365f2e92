// Rotation with a grace period and a key's start of validity (not_before), on a real
// SQLite store with the verify index kept in step (src/core/key_service.h).
#include <gtest/gtest.h>

#include "core/key_service.h"
#include "core_fixture.h"
#include "crypto/digest.h"
#include "crypto/key_codec.h"

namespace keyward {
namespace {

using core_testing::CoreTest;
using core_testing::expectError;
using core_testing::kDay;
using core_testing::kT0;
using verify::Code;

class KeyRotationTest : public CoreTest {
 protected:
  CreatedKey rotate(std::string_view tenant_id, std::string_view id, std::int64_t grace, ExpiryInput expiry = {}) {
    RotateKeyInput in;
    in.grace_seconds = grace;
    in.expiry = expiry;
    auto r = keys_->rotate(root_, tenant_id, id, in);
    EXPECT_TRUE(r) << r.error().message;
    return r.value_or(CreatedKey{});
  }
};
KEYWARD_ON_EVERY_BACKEND(KeyRotationTest);

TEST_P(KeyRotationTest, BothSecretsVerifyDuringTheGracePeriodAndTheReplyNamesTheOldOne) {
  Tenant t = makeTenant("acme");
  CreatedKey old = makeKey(t.id, "deploy");
  CreatedKey rotated = rotate(t.id, old.key.id, 3600);
  EXPECT_NE(rotated.secret, old.secret);
  EXPECT_TRUE(crypto::isWellFormedKey(rotated.secret));
  EXPECT_EQ(rotated.key.id, old.key.id);

  const auto with_new = verify(rotated.secret, t.id);
  EXPECT_EQ(with_new.code, Code::kValid);
  ASSERT_TRUE(with_new.key);
  EXPECT_FALSE(with_new.key->previous_secret);
  EXPECT_EQ(with_new.key->id, old.key.id);

  const auto with_old = verify(old.secret, t.id);
  EXPECT_EQ(with_old.code, Code::kValid);
  ASSERT_TRUE(with_old.key);
  EXPECT_TRUE(with_old.key->previous_secret);
  EXPECT_EQ(with_old.key->id, old.key.id);
  EXPECT_EQ(with_old.key->secret_expires_at, kT0 + 3600);

  auto got = keys_->get(root_, t.id, old.key.id);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->rotatingAt(clock_.now()));
  EXPECT_EQ(got->previous_start, old.key.start);
  EXPECT_EQ(got->start, crypto::keyStart(rotated.secret));
  EXPECT_EQ(got->rotated_at, kT0);
}

TEST_P(KeyRotationTest, OldSecretStopsWhenTheGracePeriodEndsToTheSecond) {
  Tenant t = makeTenant("acme");
  CreatedKey old = makeKey(t.id, "deploy");
  CreatedKey rotated = rotate(t.id, old.key.id, 600);
  clock_.advance(599);
  EXPECT_EQ(verify(old.secret).code, Code::kValid);
  clock_.advance(1);
  EXPECT_EQ(verify(old.secret).code, Code::kRotated);
  EXPECT_EQ(verify(rotated.secret).code, Code::kValid);
  EXPECT_FALSE(keys_->get(root_, t.id, old.key.id)->rotatingAt(clock_.now()));
}

TEST_P(KeyRotationTest, ZeroGraceCutsTheOldSecretAtOnce) {
  Tenant t = makeTenant("acme");
  CreatedKey old = makeKey(t.id, "deploy");
  CreatedKey rotated = rotate(t.id, old.key.id, 0);
  EXPECT_EQ(verify(old.secret).code, Code::kRotated);
  EXPECT_EQ(verify(rotated.secret).code, Code::kValid);
}

TEST_P(KeyRotationTest, GraceNeverOutlivesTheOldExpiry) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.expiry.in_days = 1;
  CreatedKey old = makeKey(t.id, "deploy", in);
  rotate(t.id, old.key.id, 7 * kDay);
  auto got = keys_->get(root_, t.id, old.key.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->previous_expires_at, kT0 + kDay);
  clock_.advance(kDay);
  EXPECT_EQ(verify(old.secret).code, Code::kRotated);
}

TEST_P(KeyRotationTest, RotationKeepsTheRecordAndGivesAFreshDefaultLifetime) {
  TenantSettings s;
  s.default_expiry_days = 30;
  Tenant t = makeTenant("acme", s);
  auto g = groups_->create(root_, t.id, {"ci", ""});
  ASSERT_TRUE(g);
  CreateKeyInput in;
  in.description = "deploys";
  in.group_id = g->id;
  in.ip_allowlist = {"10.0.0.0/8"};
  in.metadata_json = R"({"team":"ops"})";
  in.roles = {RoleAssignment{std::string(kRoleGlobalViewer), false, {}}};
  CreatedKey old = makeKey(t.id, "deploy", in);
  clock_.advance(10 * kDay);
  CreatedKey rotated = rotate(t.id, old.key.id, 0);
  const ApiKey& k = rotated.key;
  EXPECT_EQ(k.name, "deploy");
  EXPECT_EQ(k.description, "deploys");
  EXPECT_EQ(k.group_id, g->id);
  ASSERT_EQ(k.ip_allowlist.size(), 1u);
  EXPECT_EQ(k.metadata_json, R"({"team":"ops"})");
  EXPECT_EQ(k.roles, old.key.roles);
  EXPECT_EQ(k.created_at, old.key.created_at);
  EXPECT_EQ(k.expires_at, kT0 + 10 * kDay + 30 * kDay);
  // The new secret carries the roles and the allowlist too.
  const auto out = verifier_.verify({rotated.secret, t.id, parseIp("10.1.2.3").value()});
  EXPECT_EQ(out.code, Code::kValid);
  EXPECT_EQ(verifier_.verify({rotated.secret, t.id, parseIp("192.0.2.1").value()}).code, Code::kIpNotAllowed);
}

TEST_P(KeyRotationTest, RotationTakesAnExplicitExpiryAndKeepsNeverExpiring) {
  Tenant t = makeTenant("acme");
  CreatedKey a = makeKey(t.id, "a");
  ExpiryInput e;
  e.in_days = 90;
  EXPECT_EQ(rotate(t.id, a.key.id, 0, e).key.expires_at, kT0 + 90 * kDay);
  CreateKeyInput never;
  never.expiry.never = true;
  CreatedKey b = makeKey(t.id, "b", never);
  EXPECT_EQ(rotate(t.id, b.key.id, 60).key.expires_at, kNever);
}

TEST_P(KeyRotationTest, RotatingAgainDuringTheOverlapEndsTheOldestSecret) {
  Tenant t = makeTenant("acme");
  CreatedKey first = makeKey(t.id, "deploy");
  CreatedKey second = rotate(t.id, first.key.id, 3600);
  CreatedKey third = rotate(t.id, first.key.id, 3600);
  EXPECT_EQ(verify(first.secret).code, Code::kNotFound);
  const auto out = verify(second.secret);
  EXPECT_EQ(out.code, Code::kValid);
  EXPECT_TRUE(out.key->previous_secret);
  EXPECT_EQ(verify(third.secret).code, Code::kValid);
}

TEST_P(KeyRotationTest, ExpiredAndRevokedKeysCannotBeRotated) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.expiry.in_days = 1;
  CreatedKey expiring = makeKey(t.id, "expiring", in);
  CreatedKey revoked = makeKey(t.id, "revoked");
  ASSERT_TRUE(keys_->revoke(root_, t.id, revoked.key.id));
  clock_.advance(kDay);
  auto r = keys_->rotate(root_, t.id, expiring.key.id, {});
  expectError(r, ErrorKind::kConflict, "KEY_EXPIRED");
  EXPECT_NE(r.error().message.find("create a new key"), std::string::npos);
  expectError(keys_->rotate(root_, t.id, revoked.key.id, {}), ErrorKind::kConflict, "KEY_REVOKED");
  EXPECT_TRUE(auditOf(t.id, "key.rotate").empty());
}

TEST_P(KeyRotationTest, DisabledKeyRotatesAndStaysDisabled) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  UpdateKeyInput off;
  off.enabled = false;
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, off));
  CreatedKey rotated = rotate(t.id, k.key.id, 600);
  EXPECT_EQ(verify(rotated.secret).code, Code::kDisabled);
  EXPECT_EQ(verify(k.secret).code, Code::kDisabled);
}

TEST_P(KeyRotationTest, EditsDuringTheOverlapReachBothSecrets) {
  Tenant t = makeTenant("acme");
  CreatedKey old = makeKey(t.id, "deploy");
  CreatedKey rotated = rotate(t.id, old.key.id, 3600);
  ASSERT_TRUE(keys_->revoke(root_, t.id, old.key.id));
  EXPECT_EQ(verify(old.secret).code, Code::kRevoked);
  EXPECT_EQ(verify(rotated.secret).code, Code::kRevoked);
}

TEST_P(KeyRotationTest, GraceOutsideItsRangeIsRefusedAndChangesNothing) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  RotateKeyInput in;
  in.grace_seconds = kMaxRotationGraceSeconds + 1;
  expectError(keys_->rotate(root_, t.id, k.key.id, in), ErrorKind::kInvalid, "INVALID_FIELD");
  in.grace_seconds = -1;
  expectError(keys_->rotate(root_, t.id, k.key.id, in), ErrorKind::kInvalid, "INVALID_FIELD");
  EXPECT_EQ(verify(k.secret).code, Code::kValid);
  EXPECT_FALSE(keys_->get(root_, t.id, k.key.id)->rotated_at);
}

TEST_P(KeyRotationTest, ExpiryBeyondTheTenantMaximumIsRefusedOnRotation) {
  TenantSettings s;
  s.default_expiry_days = 30;
  s.max_expiry_days = 60;
  Tenant t = makeTenant("acme", s);
  CreatedKey k = makeKey(t.id, "deploy");
  RotateKeyInput in;
  in.expiry.in_days = 61;
  expectError(keys_->rotate(root_, t.id, k.key.id, in), ErrorKind::kInvalid, "EXPIRY_EXCEEDS_POLICY");
}

TEST_P(KeyRotationTest, RotationIsAuditedWithoutEitherSecret) {
  Tenant t = makeTenant("acme");
  CreatedKey old = makeKey(t.id, "deploy");
  CreatedKey rotated = rotate(t.id, old.key.id, 120);
  auto events = auditOf(t.id, "key.rotate");
  ASSERT_EQ(events.size(), 1u);
  const AuditEvent& e = events[0];
  EXPECT_EQ(e.target, old.key.id);
  EXPECT_EQ(e.actor, root_.principal.key_id);
  EXPECT_EQ(e.outcome, "success");
  EXPECT_NE(e.detail_json.find("\"grace_seconds\":120"), std::string::npos) << e.detail_json;
  for (const auto& secret : {old.secret, rotated.secret}) {
    EXPECT_EQ(e.detail_json.find(secret.substr(3, 16)), std::string::npos);
  }
}

TEST_P(KeyRotationTest, ARestartedIndexKnowsBothSecrets) {
  Tenant t = makeTenant("acme");
  CreatedKey old = makeKey(t.id, "deploy");
  CreatedKey rotated = rotate(t.id, old.key.id, 600);
  verify::KeyIndex fresh;
  AccessIndex fresh_access(*store_, fresh);
  ASSERT_TRUE(fresh_access.loadAll());
  verify::Verifier v(fresh, clock_);
  const auto with_old = v.verify({old.secret, std::nullopt, std::nullopt});
  EXPECT_EQ(with_old.code, Code::kValid);
  EXPECT_TRUE(with_old.key->previous_secret);
  EXPECT_EQ(v.verify({rotated.secret, std::nullopt, std::nullopt}).code, Code::kValid);
  clock_.advance(600);
  EXPECT_EQ(v.verify({old.secret, std::nullopt, std::nullopt}).code, Code::kRotated);
}

TEST_P(KeyRotationTest, ACredentialThatMayNotEditKeysCannotRotate) {
  Tenant t = makeTenant("acme");
  CreatedKey other = makeKey(t.id, "other");
  Actor viewer = makeAdmin(t.id, std::string(kRoleGlobalViewer));
  expectError(keys_->rotate(viewer, t.id, other.key.id, {}), ErrorKind::kForbidden, "FORBIDDEN");
  EXPECT_EQ(verify(other.secret).code, Code::kValid);
}

// --- not_before ---------------------------------------------------------------------------

TEST_P(KeyRotationTest, KeyVerifiesOnlyFromItsStartOfValidity) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.not_before = kT0 + 3600;
  CreatedKey k = makeKey(t.id, "later", in);
  EXPECT_EQ(verify(k.secret).code, Code::kNotYetValid);
  clock_.advance(3599);
  EXPECT_EQ(verify(k.secret).code, Code::kNotYetValid);
  clock_.advance(1);
  EXPECT_EQ(verify(k.secret).code, Code::kValid);
  EXPECT_EQ(keys_->get(root_, t.id, k.key.id)->not_before, kT0 + 3600);
}

TEST_P(KeyRotationTest, StartOfValidityAfterTheExpiryIsRefused) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.name = "never-valid";
  in.expiry.in_days = 1;
  in.not_before = kT0 + kDay;
  auto r = keys_->create(root_, t.id, in);
  expectError(r, ErrorKind::kInvalid, "INVALID_FIELD");
  EXPECT_EQ(r.error().field, "not_before");
  EXPECT_TRUE(auditOf(t.id, "key.create").empty());
}

TEST_P(KeyRotationTest, StartOfValidityCanBeSetAndRemovedByAnEdit) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeKey(t.id, "deploy");
  UpdateKeyInput later;
  later.not_before = std::optional<UnixSeconds>(kT0 + kDay);
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, later));
  EXPECT_EQ(verify(k.secret).code, Code::kNotYetValid);
  UpdateKeyInput now;
  now.not_before = std::optional<UnixSeconds>();
  auto edited = keys_->update(root_, t.id, k.key.id, now);
  ASSERT_TRUE(edited);
  EXPECT_FALSE(edited->not_before);
  EXPECT_EQ(verify(k.secret).code, Code::kValid);
  UpdateKeyInput past_expiry;
  past_expiry.not_before = std::optional<UnixSeconds>(kT0 + 400 * kDay);
  expectError(keys_->update(root_, t.id, k.key.id, past_expiry), ErrorKind::kInvalid, "INVALID_FIELD");
}

TEST_P(KeyRotationTest, ExpiryEditIsAuditedWithBothEnds) {
  Tenant t = makeTenant("acme");
  CreateKeyInput in;
  in.expiry.in_days = 30;
  CreatedKey k = makeKey(t.id, "deploy", in);
  UpdateKeyInput edit;
  edit.expiry.in_days = 60;
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, edit));
  auto events = auditOf(t.id, "key.update");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].detail_json,
            R"({"changed":["expires_at"],"expires_at":{"from":"2027-02-14T08:00:00Z","to":"2027-03-16T08:00:00Z"}})");
}

}  // namespace
}  // namespace keyward
