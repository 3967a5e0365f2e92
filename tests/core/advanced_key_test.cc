// Advanced keys in shared-secret mode (ConnectWise API member keys, Veeam's advanced key):
// a public identifier plus a private secret that verify only together; and every key's
// purpose. On a real SQLite store with the verify index (src/core/key_service.h).
#include <gtest/gtest.h>

#include "core/key_service.h"
#include "core_fixture.h"

namespace keyward {
namespace {

using core_testing::CoreTest;
using core_testing::expectError;
using verify::Code;

class AdvancedKeyTest : public CoreTest {
 protected:
  CreatedKey makeAdvanced(std::string_view tenant_id, const std::string& name, std::string purpose = "third_party") {
    CreateKeyInput in;
    in.kind = "advanced";
    in.credential_mode = "shared_secret";
    in.purpose = std::move(purpose);
    return makeKey(tenant_id, name, in);
  }
  verify::Outcome verifyPair(const std::string& public_id, const std::string& secret) {
    verify::Request req{secret, std::nullopt, std::nullopt};
    req.public_id = public_id;
    return verifier_.verify(req);
  }
};
KEYWARD_ON_EVERY_BACKEND(AdvancedKeyTest);

TEST_P(AdvancedKeyTest, PublicAndPrivatePartsVerifyTogether) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeAdvanced(t.id, "psa-sync");
  EXPECT_EQ(k.key.kind, KeyKind::kAdvanced);
  EXPECT_EQ(k.key.credential_mode, CredentialMode::kSharedSecret);
  ASSERT_TRUE(k.key.public_id.starts_with("pub_")) << k.key.public_id;
  const auto out = verifyPair(k.key.public_id, k.secret);
  EXPECT_EQ(out.code, Code::kValid);
  ASSERT_TRUE(out.key);
  EXPECT_EQ(out.key->id, k.key.id);
  auto stored = store_->getKey(t.id, k.key.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->public_id, k.key.public_id);
  EXPECT_EQ(stored->digest, crypto::sha256(k.secret));
}

TEST_P(AdvancedKeyTest, PrivatePartAloneOrWithAnotherPublicKeyIsNotACredential) {
  Tenant t = makeTenant("acme");
  CreatedKey a = makeAdvanced(t.id, "a");
  CreatedKey b = makeAdvanced(t.id, "b");
  EXPECT_EQ(verify(a.secret).code, Code::kNotFound);
  const auto crossed = verifyPair(b.key.public_id, a.secret);
  EXPECT_EQ(crossed.code, Code::kNotFound);
  EXPECT_FALSE(crossed.key) << "a mismatch must reveal nothing about the key";
  EXPECT_EQ(verifyPair("", a.secret).code, Code::kNotFound);
}

TEST_P(AdvancedKeyTest, ASimpleKeyPresentedAsABasicCredentialIsNotFound) {
  Tenant t = makeTenant("acme");
  CreatedKey simple = makeKey(t.id, "simple");
  EXPECT_TRUE(simple.key.public_id.empty());
  EXPECT_EQ(verifyPair("pub_anything", simple.secret).code, Code::kNotFound);
  EXPECT_EQ(verify(simple.secret).code, Code::kValid);
}

TEST_P(AdvancedKeyTest, StatesApplyToAdvancedKeysLikeToSimpleOnes) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeAdvanced(t.id, "psa-sync");
  UpdateKeyInput off;
  off.enabled = false;
  ASSERT_TRUE(keys_->update(root_, t.id, k.key.id, off));
  EXPECT_EQ(verifyPair(k.key.public_id, k.secret).code, Code::kDisabled);
  ASSERT_TRUE(keys_->revoke(root_, t.id, k.key.id));
  EXPECT_EQ(verifyPair(k.key.public_id, k.secret).code, Code::kRevoked);
}

TEST_P(AdvancedKeyTest, RotationKeepsThePublicKeyAndReplacesThePrivateOne) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeAdvanced(t.id, "psa-sync");
  RotateKeyInput in;
  in.grace_seconds = 60;
  auto rotated = keys_->rotate(root_, t.id, k.key.id, in);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_EQ(rotated->key.public_id, k.key.public_id);
  EXPECT_NE(rotated->secret, k.secret);
  EXPECT_EQ(verifyPair(k.key.public_id, rotated->secret).code, Code::kValid);
  const auto old = verifyPair(k.key.public_id, k.secret);
  EXPECT_EQ(old.code, Code::kValid);
  EXPECT_TRUE(old.key->previous_secret);
  EXPECT_EQ(verify(rotated->secret).code, Code::kNotFound);  // still needs its public part
}

TEST_P(AdvancedKeyTest, KindModeAndPurposeAreValidated) {
  Tenant t = makeTenant("acme");
  auto attempt = [&](std::string kind, std::string mode, std::string purpose) {
    CreateKeyInput in;
    in.name = "k";
    in.kind = std::move(kind);
    in.credential_mode = std::move(mode);
    in.purpose = std::move(purpose);
    return keys_->create(root_, t.id, in);
  };
  expectError(attempt("fancy", "", "third_party"), ErrorKind::kInvalid, "INVALID_FIELD");
  expectError(attempt("advanced", "", "third_party"), ErrorKind::kInvalid, "INVALID_FIELD");
  expectError(attempt("advanced", "telepathy", "third_party"), ErrorKind::kInvalid, "INVALID_FIELD");
  expectError(attempt("simple", "shared_secret", "third_party"), ErrorKind::kInvalid, "INVALID_FIELD");
  auto bad_purpose = attempt("simple", "", "internal");
  expectError(bad_purpose, ErrorKind::kInvalid, "INVALID_FIELD");
  EXPECT_EQ(bad_purpose.error().field, "purpose");
  EXPECT_TRUE(auditOf(t.id, "key.create").empty());
}

TEST_P(AdvancedKeyTest, ListsFilterByKindAndPurposeAndPurposeCanBeEdited) {
  Tenant t = makeTenant("acme");
  makeKey(t.id, "simple-third");
  CreatedKey plugin = makeAdvanced(t.id, "plugin", "builtin_plugin");
  makeAdvanced(t.id, "third");
  auto names = [&](std::optional<std::string> kind, std::optional<std::string> purpose) {
    KeyFilter f;
    if (kind) f.kind = parseKeyKind(*kind);
    if (purpose) f.purpose = parseKeyPurpose(*purpose);
    std::vector<std::string> out;
    const auto page = keys_->list(root_, t.id, f);
    EXPECT_TRUE(page);
    if (page)
      for (const auto& k : page->items) out.push_back(k.name);
    return out;
  };
  EXPECT_EQ(names("advanced", std::nullopt), (std::vector<std::string>{"plugin", "third"}));
  EXPECT_EQ(names(std::nullopt, "builtin_plugin"), (std::vector<std::string>{"plugin"}));
  EXPECT_EQ(names("simple", "third_party"), (std::vector<std::string>{"simple-third"}));
  UpdateKeyInput edit;
  edit.purpose = "third_party";
  ASSERT_TRUE(keys_->update(root_, t.id, plugin.key.id, edit));
  EXPECT_TRUE(names(std::nullopt, "builtin_plugin").empty());
}

TEST_P(AdvancedKeyTest, CreationIsAuditedWithThePublicKeyButNoSecret) {
  Tenant t = makeTenant("acme");
  CreatedKey k = makeAdvanced(t.id, "psa-sync");
  auto events = auditOf(t.id, "key.create");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].detail_json.find(k.key.public_id), std::string::npos) << events[0].detail_json;
  EXPECT_NE(events[0].detail_json.find("\"kind\":\"advanced\""), std::string::npos);
  EXPECT_EQ(events[0].detail_json.find(k.secret.substr(3, 16)), std::string::npos);
}

}  // namespace
}  // namespace keyward
