// signing_keys.h — store conformance, part JWT signing keys: round-trip, a new key retires the
// others, duplicates and orphans are refused.
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_SIGNING_KEYS(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class SigningKeyConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(SigningKeyConformance);

// ---- JWT signing keys (migration 8) ----

namespace signing_testing {
inline SigningKeyRecord signingKey(std::string kid, UnixSeconds created_at) {
  SigningKeyRecord k;
  k.kid = std::move(kid);
  k.algorithm = KeyAlgorithm::kEcdsaP256Sha256;
  k.created_at = created_at;
  k.public_pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  k.sealed_private = {0x01, 0x02, 0x00, 0xff, 0x7f};  // opaque to the store, NUL included
  return k;
}
}  // namespace signing_testing

TYPED_TEST_P(SigningKeyConformance, SigningKeysRoundTripAndANewOneRetiresTheOthers) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  Tenant other = this->addTenant("other");
  EXPECT_TRUE(s.listSigningKeys(t.id).value().empty());
  auto first = signing_testing::signingKey("kid-1", kT0);
  ASSERT_TRUE(s.addSigningKey(t.id, first, event(t.id, "signing_key.create", "kid-1")));
  auto second = signing_testing::signingKey("kid-2", kT0 + 10);
  second.algorithm = KeyAlgorithm::kEd25519;
  ASSERT_TRUE(s.addSigningKey(t.id, second, event(t.id, "signing_key.rotate", "kid-2")));
  ASSERT_TRUE(s.addSigningKey(other.id, signing_testing::signingKey("kid-1", kT0),
                              event(other.id, "signing_key.create", "kid-1")));
  ASSERT_NO_FATAL_FAILURE(this->reopen());
  auto keys = this->store().listSigningKeys(t.id);
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "kid-1");
  EXPECT_EQ((*keys)[0].retired_at, kT0 + 10);  // retired when kid-2 arrived
  EXPECT_EQ((*keys)[0].sealed_private, first.sealed_private);
  EXPECT_EQ((*keys)[0].public_pem, first.public_pem);
  EXPECT_EQ((*keys)[1].kid, "kid-2");
  EXPECT_EQ((*keys)[1].algorithm, KeyAlgorithm::kEd25519);
  EXPECT_FALSE((*keys)[1].retired_at);
  // Tenants are apart: the other tenant's kid-1 is its own and not retired.
  auto theirs = this->store().listSigningKeys(other.id).value();
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_FALSE(theirs[0].retired_at);
  int seen = 0;
  ASSERT_TRUE(this->store().forEachSigningKey([&](std::string_view, SigningKeyRecord&&) { ++seen; }));
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(this->auditActions(t.id).back(), "signing_key.rotate");
}

TYPED_TEST_P(SigningKeyConformance, DuplicateOrOrphanSigningKeyIsRefusedAndChangesNothing) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  ASSERT_TRUE(s.addSigningKey(t.id, signing_testing::signingKey("kid-1", kT0),
                              event(t.id, "signing_key.create", "kid-1")));
  const auto before = this->auditActions(t.id).size();
  auto dup = s.addSigningKey(t.id, signing_testing::signingKey("kid-1", kT0 + 5),
                             event(t.id, "signing_key.rotate", "kid-1"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::kConflict);
  EXPECT_FALSE(s.listSigningKeys(t.id).value()[0].retired_at);  // the failed add retired nothing
  EXPECT_EQ(this->auditActions(t.id).size(), before);
  auto orphan = s.addSigningKey("ten_missing", signing_testing::signingKey("kid-9", kT0),
                                event(t.id, "signing_key.create", "kid-9"));
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().kind, ErrorKind::kNotFound);
  // Deleting the tenant removes its signing keys.
  auto deleted = s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id));
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_TRUE(s.listSigningKeys(t.id).value().empty());
}

REGISTER_TYPED_TEST_SUITE_P(SigningKeyConformance, SigningKeysRoundTripAndANewOneRetiresTheOthers,
                            DuplicateOrOrphanSigningKeyIsRefusedAndChangesNothing);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_SIGNING_KEYS(Prefix, Backend)                             \
  namespace keyward::store_testing {                                                        \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, SigningKeyConformance, ::testing::Types<Backend>); \
  }                                                                                         \
  static_assert(true)
