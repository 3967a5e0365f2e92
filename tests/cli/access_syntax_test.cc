// The command-line syntax of access control: --role, --permission (roles) and --permission
// (verify), and how access-control JSON is shown in tables.
#include "cli/access_syntax.h"

#include <gtest/gtest.h>

namespace keyward::cli {
namespace {

namespace json = boost::json;

json::value parsed(const Result<json::value>& r) {
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : json::value();
}

TEST(CliRoleSyntax, PlainNameIsAnUnscopedRole) {
  EXPECT_EQ(parsed(parseRoleAssignment("Global Viewer")), json::value("Global Viewer"));
}

TEST(CliRoleSyntax, ResourcesFollowTheFirstEquals) {
  EXPECT_EQ(parsed(parseRoleAssignment("Cloud Account Viewer=acc-1,acc-2")),
            json::parse(R"({"role":"Cloud Account Viewer","resources":["acc-1","acc-2"]})"));
  // Only the first '=' separates: a resource id may hold '='.
  EXPECT_EQ(parsed(parseRoleAssignment("Viewer=a=b")), json::parse(R"({"role":"Viewer","resources":["a=b"]})"));
}

TEST(CliRoleSyntax, StarAloneMeansAllResources) {
  EXPECT_EQ(parsed(parseRoleAssignment("Cloud Account Viewer=*")),
            json::parse(R"({"role":"Cloud Account Viewer","all_resources":true})"));
}

TEST(CliRoleSyntax, MalformedAssignmentsAreRefusedWithAReason) {
  for (const char* bad : {"", "=acc-1", "Viewer=", "Viewer=acc-1,,acc-2", "Viewer=acc-1,", "Viewer=*,acc-1"}) {
    auto r = parseRoleAssignment(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message.find(std::string("'") + bad + "'"), std::string::npos) << r.error().message;
  }
}

TEST(CliPermissionSyntax, ModuleActionLevel) {
  EXPECT_EQ(parsed(parsePermission("billing:edit:mine")),
            json::parse(R"({"module":"billing","action":"edit","level":"mine"})"));
  EXPECT_EQ(parsed(parsePermission("*:inquire:all")),
            json::parse(R"({"module":"*","action":"inquire","level":"all"})"));
}

TEST(CliPermissionSyntax, UnknownActionOrLevelOrMissingPartIsRefused) {
  for (const char* bad :
       {"billing", "billing:edit", ":edit:all", "billing:view:all", "billing:edit:some", "billing:edit:all:extra"}) {
    EXPECT_FALSE(parsePermission(bad).has_value()) << bad;
  }
  EXPECT_NE(parsePermission("billing:view:all").error().message.find("inquire, add, edit, delete"), std::string::npos);
  EXPECT_NE(parsePermission("billing:edit:some").error().message.find("all, mine, none"), std::string::npos);
}

TEST(CliPermissionCheckSyntax, ResourceIsOptionalAndMayHoldColons) {
  EXPECT_EQ(parsed(parsePermissionCheck("billing:inquire")), json::parse(R"({"module":"billing","action":"inquire"})"));
  EXPECT_EQ(parsed(parsePermissionCheck("cloud_accounts:inquire:acc-1")),
            json::parse(R"({"module":"cloud_accounts","action":"inquire","resource":"acc-1"})"));
  EXPECT_EQ(parsed(parsePermissionCheck("storage:delete:urn:bucket:7")),
            json::parse(R"({"module":"storage","action":"delete","resource":"urn:bucket:7"})"));
}

TEST(CliPermissionCheckSyntax, MalformedChecksAreRefused) {
  for (const char* bad : {"billing", "", ":inquire", "billing:see", "billing:inquire:"}) {
    EXPECT_FALSE(parsePermissionCheck(bad).has_value()) << bad;
  }
}

TEST(CliAccessText, AssignmentsReadAsNamesWithTheirScope) {
  const auto roles =
      json::parse(R"([{"role":"Billing Operator"},{"role":"Cloud Account Viewer","resources":["acc-1","acc-2"]},)"
                  R"({"role":"CRM Editor","all_resources":true}])");
  EXPECT_EQ(describeAssignments(roles),
            "Billing Operator, Cloud Account Viewer (acc-1, acc-2), CRM Editor (all resources)");
  EXPECT_EQ(describeAssignments(json::array()), "none");
  EXPECT_EQ(describeAssignments(nullptr, "-"), "-");
}

TEST(CliAccessText, PermissionsShowLevelAndOnlyALimitedScope) {
  const auto perms =
      json::parse(R"([{"module":"billing","action":"edit","level":"mine","all_resources":true},)"
                  R"({"module":"cloud_accounts","action":"inquire","level":"all","resources":["acc-1"]},)"
                  R"({"module":"crm","action":"add","level":"all"}])");
  EXPECT_EQ(describePermissions(perms), "billing:edit:mine, cloud_accounts:inquire:all (acc-1), crm:add:all");
  EXPECT_EQ(describePermissions(json::array()), "none");
}

TEST(CliAccessText, OwnerReadsAsTypeAndId) {
  EXPECT_EQ(describeOwner(json::parse(R"({"type":"service_user","id":"svc_1"})")), "service_user svc_1");
  EXPECT_EQ(describeOwner(nullptr), "none");
}

}  // namespace
}  // namespace keyward::cli
