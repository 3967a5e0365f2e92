// keys.h — store conformance, part API keys: every field round-trips, unique names, tenant
// isolation, updates and rotation, list filters and paging, the last-use and failure counters,
// and concurrent writers.
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_KEYS(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "common/ip.h"
#include "crypto/digest.h"
#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class KeyConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(KeyConformance);

// ---- keys --------------------------------------------------------------------------------

TYPED_TEST_P(KeyConformance, KeyKeepsEveryField) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  ApiKey k = key(t, "billing-sync", g.id);
  k.description = "syncs invoices";
  k.digest = crypto::sha256("kw_some-secret");
  k.start = "kw_AbCd";
  k.enabled = false;
  k.expires_at = kT0 + 7 * kDay;
  k.ip_allowlist = {parseCidr("10.0.0.0/8").value(), parseCidr("2001:db8::/32").value(),
                    parseCidr("192.0.2.7").value()};
  k.metadata_json = R"({"plan":"pro","n":[1,2]})";
  k.roles = {unscoped(kRolePortalAdministrator), unscoped(kRoleVerifier)};
  k.created_by = "key_admin";
  k.created_at = kT0;
  k.updated_at = kT0 + 1;
  this->addKey(k);

  auto got = s.getKey(t.id, k.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, k.id);
  EXPECT_EQ(got->tenant_id, t.id);
  EXPECT_EQ(got->name, "billing-sync");
  EXPECT_EQ(got->description, "syncs invoices");
  EXPECT_EQ(got->group_id, std::optional<std::string>(g.id));
  EXPECT_EQ(got->kind, KeyKind::kSimple);
  EXPECT_EQ(got->digest, k.digest);
  EXPECT_EQ(got->start, "kw_AbCd");
  EXPECT_FALSE(got->enabled);
  EXPECT_FALSE(got->revoked_at);
  EXPECT_EQ(got->expires_at, kT0 + 7 * kDay);
  EXPECT_EQ(got->ip_allowlist, k.ip_allowlist);
  EXPECT_EQ(got->metadata_json, k.metadata_json);
  EXPECT_EQ(got->roles, k.roles);
  EXPECT_EQ(got->created_by, "key_admin");
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->updated_at, kT0 + 1);
  EXPECT_FALSE(got->last_used_at);
  EXPECT_GT(got->seq, 0);
}

TYPED_TEST_P(KeyConformance, KeyWithoutGroupExpiryOrRolesRoundTrips) {
  Tenant t = this->addTenant("acme");
  ApiKey k = key(t, "plain");
  k.expires_at = kNever;
  this->addKey(k);
  auto got = this->store().getKey(t.id, k.id);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->group_id);
  EXPECT_EQ(got->expires_at, kNever);
  EXPECT_TRUE(got->roles.empty());
  EXPECT_TRUE(got->ip_allowlist.empty());
  EXPECT_EQ(got->metadata_json, "{}");
}

TYPED_TEST_P(KeyConformance, KeyNamesAreUniquePerTenantOnly) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  this->addKey(key(a, "deploy"));
  this->addKey(key(b, "deploy"));
  const size_t before = this->audit(a.id).size();
  ApiKey dup = key(a, "deploy");
  auto st = s.createKey(dup, event(a.id, "key.create", dup.id), std::nullopt);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.error().code, "NAME_TAKEN");
  EXPECT_FALSE(s.getKey(a.id, dup.id));
  EXPECT_EQ(this->audit(a.id).size(), before);
}

TYPED_TEST_P(KeyConformance, KeyInAMissingGroupIsRefused) {
  Tenant t = this->addTenant("acme");
  ApiKey k = key(t, "orphan", freshId("grp"));
  const size_t before = this->audit(t.id).size();
  auto st = this->store().createKey(k, event(t.id, "key.create", k.id), std::nullopt);
  ASSERT_FALSE(st);
  EXPECT_FALSE(this->store().getKey(t.id, k.id));
  EXPECT_EQ(this->audit(t.id).size(), before);
}

TYPED_TEST_P(KeyConformance, KeyOfAnotherTenantIsNotFound) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  ApiKey k = this->addKey(key(a, "deploy"));
  auto got = s.getKey(b.id, k.id);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kNotFound);

  ApiKey hijack = k;
  hijack.tenant_id = b.id;
  hijack.enabled = false;
  hijack.description = "hijacked";
  auto upd = s.updateKey(hijack, event(b.id, "key.update", k.id));
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().kind, ErrorKind::kNotFound);
  auto still = s.getKey(a.id, k.id).value();
  EXPECT_TRUE(still.enabled);
  EXPECT_EQ(still.description, k.description);
  EXPECT_EQ(this->audit(b.id).size(), 1u);  // b's creation only
  EXPECT_TRUE(s.listKeys(b.id, {}, kT0).value().items.empty());
}

TYPED_TEST_P(KeyConformance, UpdateReplacesMutableFieldsAndKeepsIdentity) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  ApiKey k = this->addKey(key(t, "deploy"));
  ApiKey edit = k;
  edit.description = "new description";
  edit.group_id = g.id;
  edit.enabled = false;
  edit.expires_at = kNever;
  edit.ip_allowlist = {parseCidr("203.0.113.0/24").value()};
  edit.metadata_json = R"({"v":2})";
  edit.roles = {unscoped(kRoleVerifier)};
  edit.updated_at = kT0 + 100;
  // Immutable fields: whatever the caller sends, the store keeps the originals.
  edit.name = "renamed";
  edit.digest = crypto::sha256("another secret");
  edit.created_at = kT0 + 100;
  edit.created_by = "someone-else";
  ASSERT_TRUE(s.updateKey(edit, event(t.id, "key.update", k.id, kT0 + 100)));
  auto got = s.getKey(t.id, k.id).value();
  EXPECT_EQ(got.description, "new description");
  EXPECT_EQ(got.group_id, std::optional<std::string>(g.id));
  EXPECT_FALSE(got.enabled);
  EXPECT_EQ(got.expires_at, kNever);
  EXPECT_EQ(got.ip_allowlist, edit.ip_allowlist);
  EXPECT_EQ(got.metadata_json, R"({"v":2})");
  EXPECT_EQ(got.roles, edit.roles);
  EXPECT_EQ(got.updated_at, kT0 + 100);
  EXPECT_EQ(got.name, "deploy");
  EXPECT_EQ(got.digest, k.digest);
  EXPECT_EQ(got.created_at, kT0);
  EXPECT_EQ(got.created_by, "key_creator");

  // Back out of the group, clear the allowlist.
  edit.group_id.reset();
  edit.ip_allowlist.clear();
  ASSERT_TRUE(s.updateKey(edit, event(t.id, "key.update", k.id)));
  got = s.getKey(t.id, k.id).value();
  EXPECT_FALSE(got.group_id);
  EXPECT_TRUE(got.ip_allowlist.empty());
}

TYPED_TEST_P(KeyConformance, RotationReplacesTheDigestAndKeepsThePreviousOneAcrossARestart) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = key(t, "deploy");
  k.digest = crypto::sha256("kw_old");
  k.start = "kw_Old";
  k.not_before = kT0 + 60;
  this->addKey(k);
  ApiKey r = k;
  r.previous_digest = k.digest;
  r.previous_start = k.start;
  r.previous_expires_at = kT0 + 3600;
  r.digest = crypto::sha256("kw_new");
  r.start = "kw_New";
  r.expires_at = kT0 + 90 * kDay;
  r.rotated_at = kT0 + 5;
  r.updated_at = kT0 + 5;
  ASSERT_TRUE(s.rotateKey(r, event(t.id, "key.rotate", k.id)));
  ASSERT_NO_FATAL_FAILURE(this->reopen());
  auto got = this->store().getKey(t.id, k.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->digest, crypto::sha256("kw_new"));
  EXPECT_EQ(got->start, "kw_New");
  ASSERT_TRUE(got->previous_digest);
  EXPECT_EQ(*got->previous_digest, crypto::sha256("kw_old"));
  EXPECT_EQ(got->previous_start, "kw_Old");
  EXPECT_EQ(got->previous_expires_at, kT0 + 3600);
  EXPECT_EQ(got->rotated_at, kT0 + 5);
  EXPECT_EQ(got->expires_at, kT0 + 90 * kDay);
  EXPECT_EQ(got->not_before, kT0 + 60);
  EXPECT_EQ(this->audit(t.id).back().action, "key.rotate");
  // An ordinary edit keeps the rotation fields and can clear not_before.
  got->description = "edited";
  got->not_before.reset();
  ASSERT_TRUE(this->store().updateKey(*got, event(t.id, "key.update", k.id)));
  auto edited = this->store().getKey(t.id, k.id);
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->digest, crypto::sha256("kw_new"));
  EXPECT_EQ(edited->previous_digest, got->previous_digest);
  EXPECT_FALSE(edited->not_before);
}

TYPED_TEST_P(KeyConformance, KindPurposeAndPublicKeyRoundTripAndFilterLists) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey adv = key(t, "adv");
  adv.kind = KeyKind::kAdvanced;
  adv.credential_mode = CredentialMode::kSharedSecret;
  adv.public_id = "pub_0123456789abcdefghijkl";
  adv.purpose = KeyPurpose::kBuiltinPlugin;
  this->addKey(adv);
  this->addKey(key(t, "plain"));
  auto got = s.getKey(t.id, adv.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, KeyKind::kAdvanced);
  EXPECT_EQ(got->credential_mode, CredentialMode::kSharedSecret);
  EXPECT_EQ(got->public_id, "pub_0123456789abcdefghijkl");
  EXPECT_EQ(got->purpose, KeyPurpose::kBuiltinPlugin);
  KeyFilter f;
  f.kind = KeyKind::kAdvanced;
  auto page = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "adv");
  f = {};
  f.purpose = KeyPurpose::kThirdParty;
  page = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "plain");
  EXPECT_EQ(page->items[0].purpose, KeyPurpose::kThirdParty);
  EXPECT_TRUE(page->items[0].public_id.empty());
}

TYPED_TEST_P(KeyConformance, RevokedKeyCannotBeRotatedAndNothingIsWritten) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = key(t, "deploy");
  k.revoked_at = kT0;
  this->addKey(k);
  const size_t before = this->audit(t.id).size();
  ApiKey r = k;
  r.digest = crypto::sha256("kw_new");
  auto st = s.rotateKey(r, event(t.id, "key.rotate", k.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->audit(t.id).size(), before);
  EXPECT_EQ(s.getKey(t.id, k.id)->digest, k.digest);
}

TYPED_TEST_P(KeyConformance, UpdatingAMissingKeyIsNotFound) {
  Tenant t = this->addTenant("acme");
  ApiKey ghost = key(t, "ghost");
  const size_t before = this->audit(t.id).size();
  auto st = this->store().updateKey(ghost, event(t.id, "key.update", ghost.id));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(this->audit(t.id).size(), before);
}

TYPED_TEST_P(KeyConformance, ListFiltersByStateAtTheGivenTime) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  const UnixSeconds now = kT0 + 10 * kDay;
  ApiKey active = key(t, "active");
  active.expires_at = now + 1;  // one second left
  ApiKey forever = key(t, "forever");
  forever.expires_at = kNever;
  ApiKey disabled = key(t, "disabled");
  disabled.enabled = false;
  ApiKey expired = key(t, "expired");
  expired.expires_at = now;  // expires exactly now
  ApiKey expired_disabled = key(t, "expired-disabled");
  expired_disabled.expires_at = now - kDay;
  expired_disabled.enabled = false;
  ApiKey revoked = key(t, "revoked");
  for (auto* k : {&active, &forever, &disabled, &expired, &expired_disabled, &revoked}) this->addKey(*k);
  this->revoke(revoked);

  auto list = [&](std::optional<KeyState> state, UnixSeconds at) {
    KeyFilter f;
    f.state = state;
    auto p = s.listKeys(t.id, f, at);
    EXPECT_TRUE(p);
    std::vector<std::string> names;
    if (p)
      for (const auto& k : p->items) names.push_back(k.name);
    std::sort(names.begin(), names.end());
    return names;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list(KeyState::kActive, now), (V{"active", "forever"}));
  EXPECT_EQ(list(KeyState::kDisabled, now), (V{"disabled"}));
  EXPECT_EQ(list(KeyState::kExpired, now), (V{"expired", "expired-disabled"}));
  EXPECT_EQ(list(KeyState::kRevoked, now), (V{"revoked"}));
  // The default list hides revoked keys and shows every other state.
  EXPECT_EQ(list(std::nullopt, now), (V{"active", "disabled", "expired", "expired-disabled", "forever"}));
  // One second earlier, "expired" was still active; one second later "active" has expired.
  EXPECT_EQ(list(KeyState::kActive, now - 1), (V{"active", "expired", "forever"}));
  EXPECT_EQ(list(KeyState::kExpired, now + 1), (V{"active", "expired", "expired-disabled"}));
  // A revoked key stays revoked, expired or not.
  EXPECT_EQ(list(KeyState::kRevoked, kNever - 1), (V{"revoked"}));
}

TYPED_TEST_P(KeyConformance, ListFiltersByGroup) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup ops = this->addGroup(t, "ops");
  KeyGroup billing = this->addGroup(t, "billing");
  ApiKey a = this->addKey(key(t, "a", ops.id));
  this->addKey(key(t, "b", billing.id));
  ApiKey c = this->addKey(key(t, "c", ops.id));
  this->addKey(key(t, "d"));
  ApiKey r = this->addKey(key(t, "r", ops.id));
  this->revoke(r);
  KeyFilter f;
  f.group_id = ops.id;
  auto p = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(p);
  EXPECT_EQ(ids(p->items), (std::vector<std::string>{a.id, c.id}));
  f.state = KeyState::kRevoked;
  EXPECT_EQ(ids(s.listKeys(t.id, f, kT0).value().items), std::vector<std::string>{r.id});
}

TYPED_TEST_P(KeyConformance, KeyListIsPagedWithACursor) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant other = this->addTenant("globex");
  std::vector<std::string> created;
  for (int i = 0; i < 4; ++i) {
    created.push_back(this->addKey(key(t, "k" + std::to_string(i))).id);
    this->addKey(key(other, "k" + std::to_string(i)));  // interleaved, never listed
  }
  KeyFilter f;
  f.page.limit = 2;
  auto p1 = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(p1);
  EXPECT_EQ(ids(p1->items), (std::vector<std::string>{created[0], created[1]}));
  ASSERT_TRUE(p1->next);
  f.page.after = *p1->next;
  auto p2 = s.listKeys(t.id, f, kT0);
  ASSERT_TRUE(p2);
  EXPECT_EQ(ids(p2->items), (std::vector<std::string>{created[2], created[3]}));
  EXPECT_FALSE(p2->next);  // exactly two pages: no empty third page is promised

  f.page = PageRequest{500, 0};
  EXPECT_EQ(ids(s.listKeys(t.id, f, kT0).value().items), created);
  f.page = PageRequest{3, 0};
  auto p = s.listKeys(t.id, f, kT0).value();
  EXPECT_EQ(p.items.size(), 3u);
  ASSERT_TRUE(p.next);
}

TYPED_TEST_P(KeyConformance, ForEachKeyStreamsEveryKeyIncludingRevoked) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  std::set<std::string> expected;
  expected.insert(this->addKey(key(a, "one")).id);
  expected.insert(this->addKey(key(b, "two")).id);
  ApiKey expired = key(a, "expired");
  expired.expires_at = kT0 - kDay;
  expected.insert(this->addKey(expired).id);
  ApiKey revoked = this->addKey(key(b, "revoked"));
  expected.insert(revoked.id);
  this->revoke(revoked);
  std::set<std::string> seen;
  bool revoked_seen_as_revoked = false;
  ASSERT_TRUE(s.forEachKey([&](ApiKey&& k) {
    seen.insert(k.id);
    if (k.id == revoked.id) revoked_seen_as_revoked = k.revoked_at.has_value();
    if (k.id == expired.id) {
      EXPECT_EQ(k.digest, expired.digest);
    }
  }));
  EXPECT_EQ(seen, expected);
  EXPECT_TRUE(revoked_seen_as_revoked);
}

// ---- counters ----------------------------------------------------------------------------

TYPED_TEST_P(KeyConformance, LastUseOnlyMovesForward) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "deploy"));
  ApiKey other = this->addKey(key(t, "other"));
  ASSERT_TRUE(s.recordLastUsed({{k.id, kT0 + 100}}));
  EXPECT_EQ(s.getKey(t.id, k.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 100));
  // A late flush from another node carrying an older time does not move it back.
  ASSERT_TRUE(s.recordLastUsed({{k.id, kT0 + 50}}));
  EXPECT_EQ(s.getKey(t.id, k.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 100));
  ASSERT_TRUE(s.recordLastUsed({{k.id, kT0 + 200}, {other.id, kT0 + 7}, {"key_vanished", kT0}}));
  EXPECT_EQ(s.getKey(t.id, k.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 200));
  EXPECT_EQ(s.getKey(t.id, other.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 7));
  ASSERT_TRUE(s.recordLastUsed({}));
  // Recording use is not a management change: no audit event.
  EXPECT_EQ(this->audit(t.id).size(), 3u);
}

TYPED_TEST_P(KeyConformance, LastUseSurvivesAnEdit) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ApiKey k = this->addKey(key(t, "deploy"));
  ASSERT_TRUE(s.recordLastUsed({{k.id, kT0 + 100}}));
  ApiKey edit = s.getKey(t.id, k.id).value();
  edit.description = "edited";
  ASSERT_TRUE(s.updateKey(edit, event(t.id, "key.update", k.id)));
  EXPECT_EQ(s.getKey(t.id, k.id).value().last_used_at, std::optional<UnixSeconds>(kT0 + 100));
}

TYPED_TEST_P(KeyConformance, VerifyFailuresAccumulatePerKeyAndReason) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  ApiKey k = this->addKey(key(a, "deploy"));
  ASSERT_TRUE(s.addVerifyFailures({{a.id, k.id, "DISABLED", 3, kT0 + 10},
                                   {a.id, k.id, "IP_NOT_ALLOWED", 1, kT0 + 11}}));
  ASSERT_TRUE(s.addVerifyFailures({{a.id, k.id, "DISABLED", 2, kT0 + 5}, {b.id, "key_b", "EXPIRED", 4, kT0}}));
  ASSERT_TRUE(s.addVerifyFailures({}));
  auto rows = s.listVerifyFailures(a.id);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  auto find = [&](std::string_view reason) -> const VerifyFailureCount* {
    for (const auto& r : *rows)
      if (r.reason == reason) return &r;
    return nullptr;
  };
  const auto* disabled = find("DISABLED");
  ASSERT_TRUE(disabled);
  EXPECT_EQ(disabled->key_id, k.id);
  EXPECT_EQ(disabled->tenant_id, a.id);
  EXPECT_EQ(disabled->count, 5);
  EXPECT_EQ(disabled->last_at, kT0 + 10);  // the latest, not the last written
  const auto* ip = find("IP_NOT_ALLOWED");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->count, 1);
  auto other = s.listVerifyFailures(b.id);
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ(other->front().count, 4);
  EXPECT_EQ(other->front().reason, "EXPIRED");
}

// ---- concurrency -------------------------------------------------------------------------

TYPED_TEST_P(KeyConformance, ConcurrentWritersAllCommit) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  constexpr int kThreads = 4, kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        ApiKey k = key(t, "k" + std::to_string(w) + "-" + std::to_string(i));
        if (!s.createKey(k, event(t.id, "key.create", k.id), std::nullopt)) failures.fetch_add(1);
        if (!s.recordLastUsed({{k.id, kT0 + i}})) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  KeyFilter f;
  f.page.limit = 500;
  EXPECT_EQ(s.listKeys(t.id, f, kT0).value().items.size(), size_t(kThreads * kEach));
  EXPECT_EQ(this->audit(t.id, Q().action("key.create")).size(), size_t(kThreads * kEach));
}

REGISTER_TYPED_TEST_SUITE_P(KeyConformance, KeyKeepsEveryField, KeyWithoutGroupExpiryOrRolesRoundTrips,
                            KeyNamesAreUniquePerTenantOnly, KeyInAMissingGroupIsRefused, KeyOfAnotherTenantIsNotFound,
                            UpdateReplacesMutableFieldsAndKeepsIdentity,
                            RotationReplacesTheDigestAndKeepsThePreviousOneAcrossARestart,
                            KindPurposeAndPublicKeyRoundTripAndFilterLists,
                            RevokedKeyCannotBeRotatedAndNothingIsWritten, UpdatingAMissingKeyIsNotFound,
                            ListFiltersByStateAtTheGivenTime, ListFiltersByGroup, KeyListIsPagedWithACursor,
                            ForEachKeyStreamsEveryKeyIncludingRevoked, LastUseOnlyMovesForward, LastUseSurvivesAnEdit,
                            VerifyFailuresAccumulatePerKeyAndReason, ConcurrentWritersAllCommit);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_KEYS(Prefix, Backend)                              \
  namespace keyward::store_testing {                                                 \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, KeyConformance, ::testing::Types<Backend>); \
  }                                                                                  \
  static_assert(true)
