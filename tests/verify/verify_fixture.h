// Shared helpers for the verify tests: keys in the index without a store.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "crypto/digest.h"
#include "crypto/key_codec.h"
#include "verify/key_index.h"
#include "verify/verifier.h"

namespace keyward::verify::testing {

inline constexpr UnixSeconds kStart = 1'800'000'000;

inline std::shared_ptr<CompiledKey> compiled(std::string id, std::string tenant = "ten_a") {
  auto k = std::make_shared<CompiledKey>();
  k->id = std::move(id);
  k->tenant_id = std::move(tenant);
  k->name = std::string(k->id.view()) + "-name";
  return k;
}

class VerifyTest : public ::testing::Test {
 protected:
  // Generates a secret, indexes `key` under its digest and returns the secret.
  std::string add(std::shared_ptr<CompiledKey> key, std::string_view prefix = "kw") {
    auto secret = crypto::generateKey(prefix);
    EXPECT_TRUE(secret);
    index_.upsert(crypto::sha256(*secret), std::move(key));
    return *secret;
  }

  Outcome verify(std::string_view key, std::optional<std::string_view> tenant = std::nullopt,
                 std::optional<std::string_view> ip = std::nullopt) {
    Request req{key, tenant, std::nullopt};
    if (ip) {
      auto parsed = parseIp(*ip);
      EXPECT_TRUE(parsed) << *ip;
      req.client_ip = *parsed;
    }
    return verifier_.verify(req);
  }

  ManualClock clock_{kStart};
  KeyIndex index_;
  Verifier verifier_{index_, clock_};
};

}  // namespace keyward::verify::testing
