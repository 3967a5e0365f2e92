// Unit tests for the authorization decision (src/core/access.h).
#include "core/access.h"

#include <gtest/gtest.h>

#include <vector>

namespace keyward {
namespace {

const std::vector<Operation> kAllOps = {
    Operation::kTenantCreate, Operation::kTenantList, Operation::kTenantDelete, Operation::kTenantRead,
    Operation::kTenantUpdate, Operation::kGroupRead,  Operation::kGroupWrite,   Operation::kKeyRead,
    Operation::kKeyWrite,     Operation::kAuditRead,  Operation::kVerify};
const std::vector<Operation> kTenantScopedManagement = {
    Operation::kTenantRead, Operation::kTenantUpdate, Operation::kGroupRead, Operation::kGroupWrite,
    Operation::kKeyRead,    Operation::kKeyWrite,     Operation::kAuditRead};
const std::vector<Operation> kPlatformOps = {Operation::kTenantCreate, Operation::kTenantList,
                                             Operation::kTenantDelete};

Principal principal(std::string tenant, std::vector<std::string> roles) {
  return Principal{"key_caller", std::move(tenant), std::move(roles)};
}

TEST(Access, SystemPortalAdministratorMayDoEverythingInEveryTenant) {
  const Principal p = principal(std::string(kSystemTenantId), {std::string(kRolePortalAdministrator)});
  for (Operation op : kAllOps) {
    for (const char* tenant : {"system", "ten_a", "ten_b", ""}) {
      EXPECT_TRUE(authorize(p, op, tenant)) << int(op) << " in " << tenant;
    }
  }
  EXPECT_TRUE(mayVerify(p, "ten_a"));
}

TEST(Access, TenantPortalAdministratorManagesItsOwnTenant) {
  const Principal p = principal("ten_a", {std::string(kRolePortalAdministrator)});
  for (Operation op : kTenantScopedManagement) EXPECT_TRUE(authorize(p, op, "ten_a")) << int(op);
  EXPECT_TRUE(authorize(p, Operation::kVerify, "ten_a"));
}

TEST(Access, TenantPortalAdministratorSeesAnotherTenantAsNotFound) {
  const Principal p = principal("ten_a", {std::string(kRolePortalAdministrator)});
  for (Operation op : kTenantScopedManagement) {
    auto st = authorize(p, op, "ten_b");
    ASSERT_FALSE(st) << int(op);
    EXPECT_EQ(st.error().kind, ErrorKind::kNotFound) << int(op);  // never "forbidden": no existence leak
  }
  EXPECT_FALSE(authorize(p, Operation::kVerify, "ten_b"));
  EXPECT_FALSE(mayVerify(p, "ten_b"));
  EXPECT_FALSE(authorize(p, Operation::kKeyRead, "system"));
}

TEST(Access, TenantPortalAdministratorCannotCreateListOrDeleteTenants) {
  const Principal p = principal("ten_a", {std::string(kRolePortalAdministrator)});
  for (Operation op : kPlatformOps) {
    for (const char* tenant : {"", "ten_a", "ten_b"}) {
      auto st = authorize(p, op, tenant);
      ASSERT_FALSE(st) << int(op);
      EXPECT_EQ(st.error().kind, ErrorKind::kForbidden);
      EXPECT_EQ(st.error().code, "FORBIDDEN");
    }
  }
}

TEST(Access, VerifierMayOnlyVerify) {
  const Principal p = principal("ten_a", {std::string(kRoleVerifier)});
  for (Operation op : kAllOps) {
    if (op == Operation::kVerify) continue;
    auto st = authorize(p, op, "ten_a");
    ASSERT_FALSE(st) << int(op);
    EXPECT_EQ(st.error().kind, ErrorKind::kForbidden) << int(op);
  }
  EXPECT_TRUE(authorize(p, Operation::kVerify, "ten_a"));
  EXPECT_TRUE(mayVerify(p, "ten_a"));
  EXPECT_FALSE(mayVerify(p, "ten_b"));
}

TEST(Access, SystemVerifierVerifiesForEveryTenantButManagesNothing) {
  const Principal p = principal(std::string(kSystemTenantId), {std::string(kRoleVerifier)});
  EXPECT_TRUE(mayVerify(p, "ten_a"));
  EXPECT_TRUE(authorize(p, Operation::kVerify, "ten_b"));
  for (Operation op : kAllOps) {
    if (op == Operation::kVerify) continue;
    auto st = authorize(p, op, "ten_a");
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind, ErrorKind::kForbidden);
  }
}

TEST(Access, KeyWithoutRolesMayDoNothing) {
  const Principal p = principal("ten_a", {});
  for (Operation op : kAllOps) EXPECT_FALSE(authorize(p, op, "ten_a")) << int(op);
  EXPECT_FALSE(mayVerify(p, "ten_a"));
  const Principal sys = principal(std::string(kSystemTenantId), {});
  for (Operation op : kAllOps) EXPECT_FALSE(authorize(sys, op, "ten_a")) << int(op);
}

TEST(Access, KnownRoles) {
  EXPECT_TRUE(isKnownRole("Portal Administrator"));
  EXPECT_TRUE(isKnownRole("Verifier"));
  EXPECT_FALSE(isKnownRole("portal administrator"));
  EXPECT_FALSE(isKnownRole("Global Admin"));
  EXPECT_FALSE(isKnownRole(""));
}

}  // namespace
}  // namespace keyward
