// test_stack.h — the service graph of `keyward serve` (app/wiring.h) over a real store in a
// temporary directory, for fixtures: the store opened by its URL through app/store_url.h,
// bootstrapped, and wired by the same function the server calls. The backend is a parameter
// (a TestBackend of common/test_backend.h): the core and HTTP fixtures pass their test's, and
// their suites run over every backend of testBackends().
// Thread safety: build on the test's thread. Ownership: TestStack owns the store and the
// services (destroyed services first); the directory and clock must outlive it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/store_url.h"
#include "app/wiring.h"
#include "common/clock.h"
#include "common/test_backend.h"
#include "core/bootstrap.h"
#include "sign/signing_keys.h"

namespace keyward::testing_support {

struct TestStack {
  std::unique_ptr<Store> store;
  std::string admin_secret;                 // the bootstrap administrator's key
  std::unique_ptr<app::Services> services;  // declared last: destroyed before the store it borrows
};

// A fixture cannot ASSERT in a member initializer: a stack that cannot be built ends the test
// binary with the reason (it means the machine, not the code under test, is broken).
[[noreturn]] inline void stackFailed(const std::string& what, const Error& e) {
  std::fprintf(stderr, "test stack: %s: %s (%s)\n", what.c_str(), e.message.c_str(), e.code.c_str());
  std::abort();
}

// A second, independent connection to the database a stack in `dir` uses (a "restart").
inline Result<std::unique_ptr<Store>> openStoreAgain(const std::filesystem::path& dir, const TestBackend& backend) {
  auto url = app::parseStoreUrl(backend.url(dir));
  if (!url) return std::unexpected(url.error());
  return app::openStore(*url);
}

inline TestStack makeTestStack(const std::filesystem::path& dir, const Clock& clock, const TestBackend& backend,
                               app::WiringOptions options = {},
                               std::vector<std::uint8_t> webhook_key = std::vector<std::uint8_t>(32, 9)) {
  TestStack stack;
  auto url = app::parseStoreUrl(backend.url(dir));
  if (!url) stackFailed("store url", url.error());
  auto store = app::openStore(*url);
  if (!store) stackFailed("open store", store.error());
  stack.store = std::move(*store);
  auto secret = bootstrapIfEmpty(*stack.store, clock);
  if (!secret || !secret->has_value()) stackFailed("bootstrap", secret ? Error{} : secret.error());
  stack.admin_secret = **secret;
  auto master = sign::MasterKey::generate();
  if (!master) stackFailed("master key", master.error());
  auto wired = app::wire(*stack.store, clock, std::move(*master), notify::WebhookSecrets(std::move(webhook_key)),
                         options);
  if (!wired) stackFailed("wire", wired.error());
  stack.services = std::move(*wired);
  return stack;
}

}  // namespace keyward::testing_support
