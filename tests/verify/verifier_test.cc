// Unit tests for the verify hot path (src/verify/verifier.h): every result code, the order
// of the checks, and the failure tallies handed to the flusher.
#include "verify/verifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "verify_fixture.h"

namespace keyward::verify {
namespace {

using testing::compiled;
using testing::kStart;
using testing::VerifyTest;

using VerifierTest = VerifyTest;

TEST_F(VerifierTest, ActiveKeyIsValidAndCarriesItsRecord) {
  auto k = compiled("key_1", "ten_a");
  k->metadata_json = R"({"plan":"pro"})";
  const std::string secret = add(k);
  const Outcome out = verify(secret);
  EXPECT_EQ(out.code, Code::kValid);
  EXPECT_TRUE(out.valid());
  ASSERT_TRUE(out.key);
  EXPECT_EQ(out.key->id, "key_1");
  EXPECT_EQ(out.key->tenant_id, "ten_a");
  EXPECT_EQ(out.key->metadata_json, R"({"plan":"pro"})");
}

TEST_F(VerifierTest, CodesHaveTheirWireNames) {
  EXPECT_EQ(toString(Code::kValid), "VALID");
  EXPECT_EQ(toString(Code::kMalformed), "MALFORMED");
  EXPECT_EQ(toString(Code::kNotFound), "NOT_FOUND");
  EXPECT_EQ(toString(Code::kDisabled), "DISABLED");
  EXPECT_EQ(toString(Code::kExpired), "EXPIRED");
  EXPECT_EQ(toString(Code::kRevoked), "REVOKED");
  EXPECT_EQ(toString(Code::kIpNotAllowed), "IP_NOT_ALLOWED");
  EXPECT_EQ(toString(Code::kTenantMismatch), "TENANT_MISMATCH");
  EXPECT_EQ(toString(Code::kNotYetValid), "NOT_YET_VALID");
  EXPECT_EQ(toString(Code::kRotated), "ROTATED");
}

TEST_F(VerifierTest, AKeyFoundByItsHandleGetsEveryCheckAfterTheLookup) {
  auto k = compiled("key_1");
  index_.upsert(handleFor("keyid", "thumbprint"), k);
  Request req{"", std::string_view("ten_a"), std::nullopt};
  req.handle = handleFor("keyid", "thumbprint");
  EXPECT_EQ(verifier_.verify(req).code, Code::kValid);
  req.tenant_id = "ten_b";
  EXPECT_EQ(verifier_.verify(req).code, Code::kTenantMismatch);
  req.tenant_id = std::nullopt;
  req.handle = handleFor("jti", "thumbprint");  // another name space: not the same key
  EXPECT_EQ(verifier_.verify(req).code, Code::kNotFound);
  auto revoked = compiled("key_2");
  revoked->revoked = true;
  index_.upsert(handleFor("jti", "tok_2"), revoked);
  req.handle = handleFor("jti", "tok_2");
  EXPECT_EQ(verifier_.verify(req).code, Code::kRevoked);
}

TEST_F(VerifierTest, KeyIsNotYetValidBeforeItsStartToTheSecond) {
  auto k = compiled("key_1");
  k->not_before = kStart + 10;
  const std::string secret = add(k);
  EXPECT_EQ(verify(secret).code, Code::kNotYetValid);
  clock_.set(kStart + 9);
  EXPECT_EQ(verify(secret).code, Code::kNotYetValid);
  clock_.set(kStart + 10);
  EXPECT_EQ(verify(secret).code, Code::kValid);
}

TEST_F(VerifierTest, ReplacedSecretVerifiesUntilItsGraceEndsThenSaysRotated) {
  auto k = compiled("key_1");
  k->previous_secret = true;
  k->secret_expires_at = kStart + 60;
  const std::string secret = add(k);
  const Outcome during = verify(secret);
  EXPECT_EQ(during.code, Code::kValid);
  EXPECT_TRUE(during.key->previous_secret);
  clock_.set(kStart + 60);
  EXPECT_EQ(verify(secret).code, Code::kRotated);
}

TEST_F(VerifierTest, RevokedAndExpiredWinOverRotated) {
  auto k = compiled("key_1");
  k->previous_secret = true;
  k->secret_expires_at = kStart - 1;
  k->revoked = true;
  EXPECT_EQ(verify(add(k)).code, Code::kRevoked);
  auto e = compiled("key_2");
  e->previous_secret = true;
  e->secret_expires_at = kStart - 1;
  e->expires_at = kStart - 1;
  EXPECT_EQ(verify(add(e)).code, Code::kExpired);
}

TEST_F(VerifierTest, GarbageIsMalformedWithoutALookup) {
  for (const char* s : {"", "hello", "Bearer kw_abc", "kw_", "kw_tooshort"}) {
    const Outcome out = verify(s);
    EXPECT_EQ(out.code, Code::kMalformed) << s;
    EXPECT_FALSE(out.key);
  }
}

TEST_F(VerifierTest, KeyWithATypoIsMalformedEvenIfItsRecordExists) {
  const std::string secret = add(compiled("key_1"));
  std::string typo = secret;
  typo[10] = typo[10] == 'x' ? 'y' : 'x';
  // Index the typo's digest too: the checksum must reject it before any lookup.
  index_.upsert(crypto::sha256(typo), compiled("key_typo"));
  const Outcome out = verify(typo);
  EXPECT_EQ(out.code, Code::kMalformed);
  EXPECT_FALSE(out.key);
}

TEST_F(VerifierTest, WellFormedUnknownKeyIsNotFound) {
  add(compiled("key_1"));
  const std::string stranger = crypto::generateKey("kw").value();
  const Outcome out = verify(stranger);
  EXPECT_EQ(out.code, Code::kNotFound);
  EXPECT_FALSE(out.key);
}

TEST_F(VerifierTest, DisabledKeyFails) {
  auto k = compiled("key_1");
  k->enabled = false;
  const Outcome out = verify(add(k));
  EXPECT_EQ(out.code, Code::kDisabled);
  ASSERT_TRUE(out.key);
  EXPECT_EQ(out.key->id, "key_1");
}

TEST_F(VerifierTest, KeyExpiresExactlyAtItsExpiryTime) {
  auto k = compiled("key_1");
  k->expires_at = kStart + 100;
  const std::string secret = add(k);
  clock_.set(kStart + 99);
  EXPECT_EQ(verify(secret).code, Code::kValid);
  clock_.set(kStart + 100);
  EXPECT_EQ(verify(secret).code, Code::kExpired);
  clock_.set(kStart + 101);
  EXPECT_EQ(verify(secret).code, Code::kExpired);
}

TEST_F(VerifierTest, NeverExpiringKeyStaysValid) {
  auto k = compiled("key_1");
  k->expires_at = kNever;
  const std::string secret = add(k);
  clock_.set(kNever - 1);
  EXPECT_EQ(verify(secret).code, Code::kValid);
}

TEST_F(VerifierTest, ExpiredDisabledKeyReportsExpired) {
  auto k = compiled("key_1");
  k->enabled = false;
  k->expires_at = kStart;
  EXPECT_EQ(verify(add(k)).code, Code::kExpired);
}

TEST_F(VerifierTest, RevokedKeyFailsWhateverElseIsTrue) {
  auto k = compiled("key_1");
  k->revoked = true;
  EXPECT_EQ(verify(add(k)).code, Code::kRevoked);
  auto k2 = compiled("key_2");
  k2->revoked = true;
  k2->enabled = false;
  k2->expires_at = kStart - 10;
  EXPECT_EQ(verify(add(k2)).code, Code::kRevoked);
}

TEST_F(VerifierTest, IpAllowlistAdmitsOnlyListedAddresses) {
  auto k = compiled("key_1");
  k->ip_allowlist = {parseCidr("10.0.0.0/8").value(), parseCidr("2001:db8::/32").value()};
  const std::string secret = add(k);
  EXPECT_EQ(verify(secret, std::nullopt, "10.1.2.3").code, Code::kValid);
  EXPECT_EQ(verify(secret, std::nullopt, "2001:db8::5").code, Code::kValid);
  EXPECT_EQ(verify(secret, std::nullopt, "::ffff:10.9.9.9").code, Code::kValid);
  EXPECT_EQ(verify(secret, std::nullopt, "11.0.0.1").code, Code::kIpNotAllowed);
  EXPECT_EQ(verify(secret, std::nullopt, "2001:db9::1").code, Code::kIpNotAllowed);
}

TEST_F(VerifierTest, AllowlistedKeyWithoutAClientAddressIsRefused) {
  auto k = compiled("key_1");
  k->ip_allowlist = {parseCidr("10.0.0.0/8").value()};
  const Outcome out = verify(add(k));
  EXPECT_EQ(out.code, Code::kIpNotAllowed);
}

TEST_F(VerifierTest, EmptyAllowlistAdmitsAnyAddressOrNone) {
  const std::string secret = add(compiled("key_1"));
  EXPECT_EQ(verify(secret, std::nullopt, "203.0.113.9").code, Code::kValid);
  EXPECT_EQ(verify(secret).code, Code::kValid);
}

TEST_F(VerifierTest, KeyOfAnotherTenantIsTenantMismatch) {
  const std::string secret = add(compiled("key_1", "ten_a"));
  EXPECT_EQ(verify(secret, "ten_b").code, Code::kTenantMismatch);
  EXPECT_EQ(verify(secret, "ten_a").code, Code::kValid);
}

TEST_F(VerifierTest, TenantIsCheckedBeforeAnyStateSoAForeignKeyRevealsNothing) {
  auto revoked = compiled("key_r", "ten_a");
  revoked->revoked = true;
  auto expired = compiled("key_e", "ten_a");
  expired->expires_at = kStart - 1;
  auto disabled = compiled("key_d", "ten_a");
  disabled->enabled = false;
  auto fenced = compiled("key_f", "ten_a");
  fenced->ip_allowlist = {parseCidr("10.0.0.0/8").value()};
  for (auto& k : {revoked, expired, disabled, fenced}) {
    const std::string secret = add(k);
    EXPECT_EQ(verify(secret, "ten_b", "192.0.2.1").code, Code::kTenantMismatch) << k->id;
  }
}

TEST_F(VerifierTest, SuccessfulVerificationRecordsLastUse) {
  const std::string secret = add(compiled("key_1"));
  clock_.set(kStart + 5);
  ASSERT_TRUE(verify(secret).valid());
  clock_.set(kStart + 9);
  ASSERT_TRUE(verify(secret).valid());
  std::vector<std::pair<std::string, UnixSeconds>> drained;
  index_.drainDirty([&](const CompiledKey& k) { drained.emplace_back(k.id, k.last_used.load()); });
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_EQ(drained[0].first, "key_1");
  EXPECT_EQ(drained[0].second, kStart + 9);
  // Drained once: nothing new until the next use.
  int again = 0;
  index_.drainDirty([&](const CompiledKey&) { ++again; });
  EXPECT_EQ(again, 0);
  // A use in a later period of KeyIndex::kDefaultLastUseResolution is queued again.
  clock_.set(kStart + 9 + 2 * KeyIndex::kDefaultLastUseResolution);
  ASSERT_TRUE(verify(secret).valid());
  index_.drainDirty([&](const CompiledKey& k) { drained.emplace_back(k.id, k.last_used.load()); });
  ASSERT_EQ(drained.size(), 2u);
  EXPECT_EQ(drained[1].second, kStart + 9 + 2 * KeyIndex::kDefaultLastUseResolution);
}

TEST_F(VerifierTest, UsesSoonAfterAFlushAdvanceTheLastUseInMemoryButWriteNothing) {
  const std::string secret = add(compiled("key_1"));
  clock_.set(kStart + 5);
  ASSERT_TRUE(verify(secret).valid());
  int flushed = 0;
  index_.drainDirty([&](const CompiledKey&) { ++flushed; });
  ASSERT_EQ(flushed, 1);
  // Verifications every second for a while: each key is written at most once a period,
  // and never twice within one.
  std::vector<UnixSeconds> written;
  for (UnixSeconds t = kStart + 6; t < kStart + 6 + 3 * KeyIndex::kDefaultLastUseResolution; ++t) {
    clock_.set(t);
    ASSERT_TRUE(verify(secret).valid());
    index_.drainDirty([&](const CompiledKey& k) { written.push_back(k.last_used.load()); });
  }
  ASSERT_GE(written.size(), 2u);  // three periods: the key came due in at least two of them
  EXPECT_LE(written.size(), 3u);  // 180 writes before this change
  for (size_t i = 1; i < written.size(); ++i)
    EXPECT_EQ(written[i] - written[i - 1], KeyIndex::kDefaultLastUseResolution);
  EXPECT_EQ(index_.find(crypto::sha256(secret))->last_used.load(),
            kStart + 5 + 3 * KeyIndex::kDefaultLastUseResolution);
}

TEST_F(VerifierTest, FailedVerificationDoesNotCountAsUse) {
  auto k = compiled("key_1");
  k->enabled = false;
  const std::string secret = add(k);
  EXPECT_EQ(verify(secret).code, Code::kDisabled);
  int dirty = 0;
  index_.drainDirty([&](const CompiledKey&) { ++dirty; });
  EXPECT_EQ(dirty, 0);
  EXPECT_EQ(k->last_used.load(), 0);
}

TEST_F(VerifierTest, ValidVerificationIsNotCountedAsAFailure) {
  const std::string secret = add(compiled("key_1"));
  ASSERT_TRUE(verify(secret).valid());
  EXPECT_TRUE(verifier_.drainFailures().empty());
}

TEST_F(VerifierTest, FailuresAreTalliedPerKeyAndReason) {
  auto disabled = compiled("key_d", "ten_a");
  disabled->enabled = false;
  const std::string d = add(disabled);
  auto fenced = compiled("key_f", "ten_b");
  fenced->ip_allowlist = {parseCidr("10.0.0.0/8").value()};
  const std::string f = add(fenced);

  for (int i = 0; i < 3; ++i) {
    clock_.set(kStart + i);
    verify(d);
  }
  verify(d, "ten_other");                // TENANT_MISMATCH for key_d
  verify(f, std::nullopt, "192.0.2.1");  // IP_NOT_ALLOWED for key_f
  verify(f, std::nullopt, "192.0.2.2");
  verify(crypto::generateKey("kw").value());  // NOT_FOUND
  verify("garbage");                          // MALFORMED
  verify("garbage2");

  auto tallies = verifier_.drainFailures();
  auto find = [&](std::string_view key_id, Code code) -> const FailureTally* {
    for (const auto& t : tallies)
      if (t.key_id == key_id && t.code == code) return &t;
    return nullptr;
  };
  ASSERT_EQ(tallies.size(), 5u);
  const FailureTally* dis = find("key_d", Code::kDisabled);
  ASSERT_TRUE(dis);
  EXPECT_EQ(dis->count, 3);
  EXPECT_EQ(dis->tenant_id, "ten_a");
  EXPECT_EQ(dis->last_at, kStart + 2);
  const FailureTally* mismatch = find("key_d", Code::kTenantMismatch);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->count, 1);
  EXPECT_EQ(mismatch->tenant_id, "ten_a");  // the key's owner learns its key was misused
  const FailureTally* ip = find("key_f", Code::kIpNotAllowed);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->count, 2);
  EXPECT_EQ(ip->tenant_id, "ten_b");
  const FailureTally* nf = find("", Code::kNotFound);
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->count, 1);
  EXPECT_EQ(nf->tenant_id, "");
  const FailureTally* mal = find("", Code::kMalformed);
  ASSERT_TRUE(mal);
  EXPECT_EQ(mal->count, 2);
}

TEST_F(VerifierTest, DrainingFailuresEmptiesTheTally) {
  verify("garbage");
  EXPECT_EQ(verifier_.drainFailures().size(), 1u);
  EXPECT_TRUE(verifier_.drainFailures().empty());
  verify("garbage");
  auto again = verifier_.drainFailures();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].count, 1);  // counting restarts after a drain
}

TEST_F(VerifierTest, EditedKeyTakesEffectOnTheNextVerification) {
  auto k = compiled("key_1");
  const std::string secret = add(k);
  const crypto::Digest digest = crypto::sha256(secret);
  ASSERT_EQ(verify(secret).code, Code::kValid);
  auto disabled = compiled("key_1");
  disabled->enabled = false;
  index_.upsert(digest, disabled);
  EXPECT_EQ(verify(secret).code, Code::kDisabled);
  auto revoked = compiled("key_1");
  revoked->revoked = true;
  index_.upsert(digest, revoked);
  EXPECT_EQ(verify(secret).code, Code::kRevoked);
}

// Several threads verify while another keeps replacing the keys' records. Every outcome must
// be consistent with one whole record (no torn reads), and the final state must be visible.
TEST_F(VerifierTest, ConcurrentVerificationSeesWholeRecordsWhileKeysAreReplaced) {
  constexpr int kKeys = 8;
  constexpr int kVersions = 400;
  std::vector<std::string> secrets;
  std::vector<crypto::Digest> digests;
  auto make = [](int key, int version) {
    auto k = compiled("key_" + std::to_string(key), "ten_a");
    k->enabled = version % 2 == 0;
    k->metadata_json = std::to_string(version);
    k->name = "key_" + std::to_string(key) + "@" + std::to_string(version);
    return k;
  };
  for (int i = 0; i < kKeys; ++i) {
    secrets.push_back(add(make(i, 0)));
    digests.push_back(crypto::sha256(secrets.back()));
  }

  std::atomic<bool> done{false};
  std::atomic<long> inconsistent{0}, checks{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      long local = 0;
      for (int i = r; !done.load() || local < 200; ++i, ++local) {
        const int key = i % kKeys;
        const Outcome out = verifier_.verify({secrets[size_t(key)], std::string_view("ten_a"), std::nullopt});
        bool ok = out.key && out.key->id == "key_" + std::to_string(key);
        if (ok) {
          const int version = std::stoi(out.key->metadata_json);
          ok = out.key->name == std::string(out.key->id) + "@" + std::string(out.key->metadata_json) &&
               (out.code == Code::kValid) == (version % 2 == 0) &&
               (out.code == Code::kValid || out.code == Code::kDisabled);
        }
        if (!ok) inconsistent.fetch_add(1);
      }
      checks.fetch_add(local);
    });
  }
  std::thread drainer([&] {
    while (!done.load()) {
      index_.drainDirty([](const CompiledKey&) {});
      (void)verifier_.drainFailures();
    }
  });
  for (int v = 1; v <= kVersions; ++v) {
    for (int i = 0; i < kKeys; ++i) index_.upsert(digests[size_t(i)], make(i, v));
    clock_.advance(1);
  }
  done.store(true);
  for (auto& t : readers) t.join();
  drainer.join();

  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_GT(checks.load(), 0);
  EXPECT_EQ(index_.size(), size_t(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    const Outcome out = verify(secrets[size_t(i)]);
    ASSERT_TRUE(out.key);
    EXPECT_EQ(out.key->metadata_json, std::to_string(kVersions));
    EXPECT_EQ(out.code, kVersions % 2 == 0 ? Code::kValid : Code::kDisabled);
  }
}

TEST_F(VerifierTest, ConcurrentFailuresAreAllCounted) {
  auto k = compiled("key_1");
  k->enabled = false;
  const std::string secret = add(k);
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  std::atomic<std::int64_t> drained_total{0};
  std::atomic<bool> done{false};
  std::thread drainer([&] {
    while (!done.load())
      for (const auto& t : verifier_.drainFailures()) drained_total.fetch_add(t.count);
  });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) verifier_.verify({secret, std::nullopt, std::nullopt});
    });
  }
  for (auto& t : threads) t.join();
  done.store(true);
  drainer.join();
  for (const auto& t : verifier_.drainFailures()) drained_total.fetch_add(t.count);
  EXPECT_EQ(drained_total.load(), kThreads * kEach);
}

}  // namespace
}  // namespace keyward::verify
