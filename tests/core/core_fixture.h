// core_fixture.h — the server's whole service stack (app/wiring.h, through
// common/test_stack.h) on a store in a temporary directory, with a manual clock, the verify
// index and a bootstrapped system administrator. The store backend is the test's parameter:
// every suite over CoreTest is value-parameterised (TEST_P) and instantiated over every
// backend with KEYWARD_ON_EVERY_BACKEND (common/test_backend.h).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/temp_dir.h"
#include "common/test_stack.h"
#include "core/access_index.h"
#include "core/audit_log.h"
#include "core/authenticator.h"
#include "core/bootstrap.h"
#include "core/group_service.h"
#include "core/key_service.h"
#include "core/principal_service.h"
#include "core/role_service.h"
#include "core/tenant_service.h"
#include "verify/key_index.h"
#include "verify/verifier.h"

namespace keyward::core_testing {

inline constexpr UnixSeconds kT0 = 1'800'000'000;
inline constexpr UnixSeconds kDay = 86400;

// Expects `r` (a Result or a Status) to have failed with `kind` and `code`.
template <class R>
void expectError(const R& r, ErrorKind kind, std::string_view code) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, kind) << r.error().message;
  EXPECT_EQ(r.error().code, code) << r.error().message;
}

class CoreTest : public testing_support::BackendTest {
 protected:
  void SetUp() override {
    root_secret_ = stack_.admin_secret;
    root_ = actorFor(root_secret_);
  }

  // Closes the store (a SQLite store checkpoints its WAL into the main file); the services
  // over it go first. Nothing may use them afterwards.
  void closeStore() {
    stack_.services.reset();
    stack_.store.reset();
  }

  // The actor a management request presenting `secret` would run as.
  Actor actorFor(const std::string& secret) {
    auto p = auth_.authenticate(secret, std::nullopt);
    EXPECT_TRUE(p) << "credential does not authenticate";
    return Actor{p.value_or(Principal{}), "198.51.100.7"};
  }

  Tenant makeTenant(const std::string& name, TenantSettings settings = {}) {
    auto t = tenants_->create(root_, {name, settings});
    EXPECT_TRUE(t) << t.error().message;
    return t.value_or(Tenant{});
  }

  CreatedKey makeKey(std::string_view tenant_id, const std::string& name, CreateKeyInput in = {}) {
    in.name = name;
    auto k = keys_->create(root_, tenant_id, in);
    EXPECT_TRUE(k) << k.error().message;
    return k.value_or(CreatedKey{});
  }

  // An administrator (or verifier) credential of `tenant_id`.
  Actor makeAdmin(std::string_view tenant_id, std::string role = std::string(kRolePortalAdministrator)) {
    CreateKeyInput in;
    in.roles = {RoleAssignment{role, false, {}}};
    return actorFor(makeKey(tenant_id, "admin-" + role + "-" + std::to_string(++admins_), in).secret);
  }

  verify::Outcome verify(const std::string& secret, std::optional<std::string_view> tenant = std::nullopt) {
    return verifier_.verify({secret, tenant, std::nullopt});
  }

  std::vector<AuditEvent> auditOf(std::string_view tenant_id, std::optional<std::string> action = std::nullopt) {
    AuditFilter f;
    f.action = std::move(action);
    f.page.limit = 500;
    auto p = store_->listAudit(tenant_id, f);
    EXPECT_TRUE(p);
    return p ? p->items : std::vector<AuditEvent>{};
  }

  // Removed with everything in it when the test ends, after the members declared below.
  const testing_support::TempDir tmp_{"keyward-core"};
  const std::filesystem::path dir_ = tmp_.path();
  ManualClock clock_{kT0};
  // The server's service graph (app/wiring.h) over a bootstrapped store of the test's backend.
  testing_support::TestStack stack_ = testing_support::makeTestStack(dir_, clock_, backend());
  app::Services& services_ = *stack_.services;
  verify::KeyIndex& index_ = services_.index;
  verify::Verifier& verifier_ = services_.verifier;
  Authenticator& auth_ = services_.auth;
  Store* const store_ = stack_.store.get();
  AuditLog* const audit_ = &services_.audit;
  TenantService* const tenants_ = &services_.tenants;
  GroupService* const groups_ = &services_.groups;
  AccessIndex* const access_ = &services_.access;
  KeyService* const keys_ = &services_.keys;
  PrincipalService* const principals_ = &services_.principals;
  RoleService* const roles_ = &services_.roles;
  std::string root_secret_;
  Actor root_;
  int admins_ = 0;
};

}  // namespace keyward::core_testing
