// The request-specific shapes handlers read through JsonReader: role assignments, a key's
// owner, permission lines, verify's permission queries and the forwarded signed request.
// Each accepted shape, and each refusal with the code, the dotted field path and the message
// a client sees.
#include "http/json_input.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward::http {
namespace {

struct Problem {
  std::string code;
  std::string field;
  std::string message;
};

// Reads `body` with `read` and returns the problem finish() reports ("OK" when none).
template <class Read>
Problem problemReading(std::string_view body, Read read) {
  JsonReader r(body);
  read(r);
  const Status s = r.finish();
  if (s) return {"OK", "", ""};
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalid);
  return {s.error().code, s.error().field, s.error().message};
}

void expectProblem(const Problem& p, std::string_view code, std::string_view field, std::string_view message) {
  EXPECT_EQ(p.code, code);
  EXPECT_EQ(p.field, field);
  EXPECT_EQ(p.message, message);
}

// ---- role assignments

const auto readRoles = [](JsonReader& r) { r.optAssignments("roles"); };

TEST(JsonInputAssignments, NamesAndObjectsAreAccepted) {
  JsonReader r(R"({"roles":["Verifier",{"role":"Cloud Account Viewer","resources":["a","b"]},)"
               R"({"role":"Cloud Account Viewer","all_resources":true},{"role":"Global Viewer"}]})");
  const auto roles = r.optAssignments("roles");
  ASSERT_TRUE(r.finish().has_value());
  ASSERT_TRUE(roles.has_value());
  EXPECT_EQ(*roles, (std::vector<RoleAssignment>{{"Verifier", false, {}},
                                                 {"Cloud Account Viewer", false, {"a", "b"}},
                                                 {"Cloud Account Viewer", true, {}},
                                                 {"Global Viewer", false, {}}}));
}

TEST(JsonInputAssignments, AnEmptyListIsAnEmptyAssignmentNotAbsent) {
  JsonReader r(R"({"roles":[]})");
  const auto roles = r.optAssignments("roles");
  ASSERT_TRUE(roles.has_value());
  EXPECT_TRUE(roles->empty());
  EXPECT_TRUE(r.finish().has_value());

  JsonReader absent("{}");
  EXPECT_EQ(absent.optAssignments("roles"), std::nullopt);
  EXPECT_TRUE(absent.finish().has_value());
}

TEST(JsonInputAssignments, MeaningIsLeftToTheService) {
  // The parser checks shape only: an unknown or empty role name, or resources together with
  // all_resources, reach the service, which knows the roles.
  JsonReader r(R"({"roles":["",{"role":"Nope","resources":["a"],"all_resources":true}]})");
  const auto roles = r.optAssignments("roles");
  ASSERT_TRUE(r.finish().has_value());
  EXPECT_EQ(*roles, (std::vector<RoleAssignment>{{"", false, {}}, {"Nope", true, {"a"}}}));
}

TEST(JsonInputAssignments, NotAnArray) {
  expectProblem(problemReading(R"({"roles":"Verifier"})", readRoles), "INVALID_FIELD", "roles",
                R"(roles must be an array of role names or {"role", "resources"} objects)");
  expectProblem(problemReading(R"({"roles":null})", readRoles), "INVALID_FIELD", "roles",
                R"(roles must be an array of role names or {"role", "resources"} objects)");
}

TEST(JsonInputAssignments, AnEntryNeitherNameNorObjectNamesItsIndex) {
  expectProblem(problemReading(R"({"roles":["Verifier",7]})", readRoles), "INVALID_FIELD", "roles[1]",
                R"(roles[1] must be a role name or an object {"role", "resources" | "all_resources"})");
}

TEST(JsonInputAssignments, AnUnknownMemberIsRefused) {
  expectProblem(problemReading(R"({"roles":[{"role":"Verifier","resource":["a"]}]})", readRoles), "UNKNOWN_FIELD",
                "roles[0].resource", "unknown field 'resource'");
}

TEST(JsonInputAssignments, TheRoleIsRequiredAndAString) {
  expectProblem(problemReading(R"({"roles":[{"resources":["a"]}]})", readRoles), "MISSING_FIELD", "roles[0].role",
                "role is required and must be a string");
  expectProblem(problemReading(R"({"roles":["a",{"role":5}]})", readRoles), "INVALID_FIELD", "roles[1].role",
                "role is required and must be a string");
}

TEST(JsonInputAssignments, AllResourcesMustBeABool) {
  expectProblem(problemReading(R"({"roles":[{"role":"r","all_resources":"yes"}]})", readRoles), "INVALID_FIELD",
                "roles[0].all_resources", "all_resources must be true or false");
}

TEST(JsonInputAssignments, ResourcesMustBeAnArrayOfStrings) {
  expectProblem(problemReading(R"({"roles":[{"role":"r","resources":"a"}]})", readRoles), "INVALID_FIELD",
                "roles[0].resources", "resources must be an array of strings");
  // The path names the list, not the element.
  expectProblem(problemReading(R"({"roles":[{"role":"r","resources":["a",1]}]})", readRoles), "INVALID_FIELD",
                "roles[0].resources", "resources must contain only strings");
}

TEST(JsonInputAssignments, ARefusedListReadsAsAbsent) {
  JsonReader r(R"({"roles":["a",{}]})");
  EXPECT_EQ(r.optAssignments("roles"), std::nullopt);
  EXPECT_FALSE(r.finish().has_value());
}

// ---- owner

const auto readOwner = [](JsonReader& r) { r.optOwner("owner"); };

TEST(JsonInputOwner, UserAndServiceUserAreAccepted) {
  JsonReader r(R"({"a":{"type":"user","id":"u1"},"b":{"id":"s1","type":"service_user"}})");
  const auto a = r.optOwner("a");
  const auto b = r.optOwner("b");
  ASSERT_TRUE(r.finish().has_value());
  ASSERT_TRUE(a && *a);
  ASSERT_TRUE(b && *b);
  EXPECT_EQ(**a, (OwnerRef{PrincipalKind::kUser, "u1"}));
  EXPECT_EQ(**b, (OwnerRef{PrincipalKind::kServiceUser, "s1"}));
}

TEST(JsonInputOwner, NullClearsAndAbsentLeavesAlone) {
  JsonReader r(R"({"owner":null})");
  const auto cleared = r.optOwner("owner");
  const auto absent = r.optOwner("other");
  ASSERT_TRUE(cleared.has_value());
  EXPECT_EQ(*cleared, std::nullopt);
  EXPECT_EQ(absent, std::nullopt);
  EXPECT_TRUE(r.finish().has_value());  // null counts as read
}

TEST(JsonInputOwner, NotAnObject) {
  expectProblem(problemReading(R"({"owner":"u1"})", readOwner), "INVALID_FIELD", "owner",
                R"(owner must be an object {"type": "user" | "service_user", "id": "..."} or null)");
}

TEST(JsonInputOwner, AnUnknownMemberIsRefused) {
  expectProblem(problemReading(R"({"owner":{"type":"user","id":"u","name":"x"}})", readOwner), "UNKNOWN_FIELD",
                "owner.name", "unknown field 'name'");
}

TEST(JsonInputOwner, TheTypeIsUserOrServiceUser) {
  expectProblem(problemReading(R"({"owner":{"id":"u"}})", readOwner), "MISSING_FIELD", "owner.type",
                R"(type must be "user" or "service_user")");
  expectProblem(problemReading(R"({"owner":{"type":"key","id":"u"}})", readOwner), "INVALID_FIELD", "owner.type",
                R"(type must be "user" or "service_user")");
  expectProblem(problemReading(R"({"owner":{"type":"User","id":"u"}})", readOwner), "INVALID_FIELD", "owner.type",
                R"(type must be "user" or "service_user")");
}

TEST(JsonInputOwner, TheTypeIsCheckedBeforeTheId) {
  expectProblem(problemReading(R"({"owner":{}})", readOwner), "MISSING_FIELD", "owner.type",
                R"(type must be "user" or "service_user")");
}

TEST(JsonInputOwner, TheIdIsANonEmptyString) {
  expectProblem(problemReading(R"({"owner":{"type":"user"}})", readOwner), "MISSING_FIELD", "owner.id",
                "id is required and must be a non-empty string");
  expectProblem(problemReading(R"({"owner":{"type":"user","id":""}})", readOwner), "INVALID_FIELD", "owner.id",
                "id is required and must be a non-empty string");
  expectProblem(problemReading(R"({"owner":{"type":"user","id":3}})", readOwner), "INVALID_FIELD", "owner.id",
                "id is required and must be a non-empty string");
}

// ---- permissions (role matrix lines)

const auto readPermissions = [](JsonReader& r) { r.optPermissions("permissions"); };

TEST(JsonInputPermissions, LinesAreAccepted) {
  JsonReader r(R"({"permissions":[{"module":"keys","action":"inquire","level":"all"},)"
               R"({"level":"mine","action":"delete","module":"*"},{"module":"m","action":"add","level":"none"},)"
               R"({"module":"m","action":"edit","level":"all"}]})");
  const auto p = r.optPermissions("permissions");
  ASSERT_TRUE(r.finish().has_value());
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ((*p)[0].module, "keys");
  EXPECT_EQ((*p)[0].action, Action::kInquire);
  EXPECT_EQ((*p)[0].level, Level::kAll);
  EXPECT_EQ((*p)[1].module, "*");
  EXPECT_EQ((*p)[1].action, Action::kDelete);
  EXPECT_EQ((*p)[1].level, Level::kMine);
  EXPECT_EQ((*p)[2].action, Action::kAdd);
  EXPECT_EQ((*p)[2].level, Level::kNone);
  EXPECT_EQ((*p)[3].action, Action::kEdit);
}

TEST(JsonInputPermissions, NotAnArrayOrAnEntryNotAnObject) {
  expectProblem(problemReading(R"({"permissions":{}})", readPermissions), "INVALID_FIELD", "permissions",
                R"(permissions must be an array of {"module", "action", "level"} objects)");
  expectProblem(problemReading(R"({"permissions":["keys:inquire:all"]})", readPermissions), "INVALID_FIELD",
                "permissions[0]", R"(permissions[0] must be an object {"module", "action", "level"})");
}

TEST(JsonInputPermissions, AnUnknownMemberIsRefused) {
  expectProblem(problemReading(R"({"permissions":[{"module":"m","action":"add","level":"all","resource":"r"}]})",
                               readPermissions),
                "UNKNOWN_FIELD", "permissions[0].resource", "unknown field 'resource'");
}

TEST(JsonInputPermissions, TheModuleIsANonEmptyStringAndMissingIsInvalidToo) {
  // Unlike the owner and the role, a missing module is INVALID_FIELD, not MISSING_FIELD.
  for (const char* module : {R"()", R"("module":"",)", R"("module":1,)"}) {
    SCOPED_TRACE(module);
    const std::string body = std::string(R"({"permissions":[{)") + module + R"("action":"add","level":"all"}]})";
    expectProblem(problemReading(body, readPermissions), "INVALID_FIELD", "permissions[0].module",
                  "module is required and must be a non-empty string");
  }
}

TEST(JsonInputPermissions, TheActionIsOneOfFour) {
  for (const char* action : {R"()", R"("action":"read",)", R"("action":"Add",)", R"("action":2,)"}) {
    SCOPED_TRACE(action);
    const std::string body = std::string(R"({"permissions":[{"module":"m",)") + action + R"("level":"all"}]})";
    expectProblem(problemReading(body, readPermissions), "INVALID_FIELD", "permissions[0].action",
                  "action must be one of inquire, add, edit, delete");
  }
}

TEST(JsonInputPermissions, TheLevelIsOneOfThree) {
  for (const char* level : {R"(})", R"(,"level":"some"})", R"(,"level":"ALL"})", R"(,"level":null})"}) {
    SCOPED_TRACE(level);
    const std::string body = std::string(R"({"permissions":[{"module":"m","action":"add")") + level + "]}";
    expectProblem(problemReading(body, readPermissions), "INVALID_FIELD", "permissions[0].level",
                  "level must be one of all, mine, none");
  }
}

TEST(JsonInputPermissions, TheFirstBadEntryIsTheOneReported) {
  expectProblem(problemReading(R"({"permissions":[{"module":"m","action":"add","level":"all"},)"
                               R"({"module":"m","action":"x","level":"all"},{"module":""}]})",
                               readPermissions),
                "INVALID_FIELD", "permissions[1].action", "action must be one of inquire, add, edit, delete");
}

// ---- permission queries (verify)

const auto readQueries = [](JsonReader& r) { r.optPermissionQueries("permissions"); };

std::string queries(int n) {
  std::string body = R"({"permissions":[)";
  for (int i = 0; i < n; ++i) body += std::string(i ? "," : "") + R"({"module":"m","action":"inquire"})";
  return body + "]}";
}

TEST(JsonInputPermissionQueries, QueriesWithAndWithoutResourceAreAccepted) {
  JsonReader r(R"({"permissions":[{"module":"keys","action":"edit"},)"
               R"({"module":"accounts","action":"inquire","resource":"acc-1","resource_owner":"u7"}]})");
  const auto q = r.optPermissionQueries("permissions");
  ASSERT_TRUE(r.finish().has_value());
  ASSERT_TRUE(q.has_value());
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ((*q)[0].module, "keys");
  EXPECT_EQ((*q)[0].action, Action::kEdit);
  EXPECT_EQ((*q)[0].resource, std::nullopt);
  EXPECT_EQ((*q)[0].resource_owner, std::nullopt);
  EXPECT_EQ((*q)[1].module, "accounts");
  EXPECT_EQ((*q)[1].resource, "acc-1");
  EXPECT_EQ((*q)[1].resource_owner, "u7");
}

TEST(JsonInputPermissionQueries, AtMostSixtyFour) {
  EXPECT_EQ(problemReading(queries(64), readQueries).code, "OK");
  expectProblem(problemReading(queries(65), readQueries), "INVALID_FIELD", "permissions",
                R"(permissions must be an array of at most 64 {"module", "action", "resource"?} objects)");
  expectProblem(problemReading(R"({"permissions":"keys"})", readQueries), "INVALID_FIELD", "permissions",
                R"(permissions must be an array of at most 64 {"module", "action", "resource"?} objects)");
}

TEST(JsonInputPermissionQueries, AnEntryNotAnObject) {
  expectProblem(problemReading(R"({"permissions":[null]})", readQueries), "INVALID_FIELD", "permissions[0]",
                R"(permissions[0] must be an object {"module", "action", "resource"?})");
}

TEST(JsonInputPermissionQueries, ALevelIsAnUnknownMemberHere) {
  expectProblem(problemReading(R"({"permissions":[{"module":"m","action":"add","level":"all"}]})", readQueries),
                "UNKNOWN_FIELD", "permissions[0].level", "unknown field 'level'");
}

TEST(JsonInputPermissionQueries, ModuleAndActionAsForPermissions) {
  expectProblem(problemReading(R"({"permissions":[{"action":"add"}]})", readQueries), "INVALID_FIELD",
                "permissions[0].module", "module is required and must be a non-empty string");
  expectProblem(problemReading(R"({"permissions":[{"module":"m","action":"all"}]})", readQueries), "INVALID_FIELD",
                "permissions[0].action", "action must be one of inquire, add, edit, delete");
}

TEST(JsonInputPermissionQueries, ResourceAndOwnerMustBeStrings) {
  expectProblem(problemReading(R"({"permissions":[{"module":"m","action":"add","resource":1}]})", readQueries),
                "INVALID_FIELD", "permissions[0].resource", "resource must be a string");
  expectProblem(problemReading(R"({"permissions":[{"module":"m","action":"add","resource_owner":null}]})", readQueries),
                "INVALID_FIELD", "permissions[0].resource_owner", "resource_owner must be a string");
}

// ---- signed request (verify)

const auto readSigned = [](JsonReader& r) { r.optSignedRequest("request"); };

// {"request": {<members>}}
std::string signedBody(std::string_view members) {
  return std::string(R"({"request":{)") + std::string(members) + "}}";
}

TEST(JsonInputSignedRequest, TheFullShapeIsAccepted) {
  JsonReader r(R"({"request":{"method":"POST","target_uri":"https://api.example/v1/x?y=1",)"
               R"("headers":{"Date":"Tue, 07 Jun 2022","x-multi":["a","b"],"empty":[]},"body":"{\"k\":1}"}})");
  const auto in = r.optSignedRequest("request");
  ASSERT_TRUE(r.finish().has_value());
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->method, "POST");
  EXPECT_EQ(in->target_uri, "https://api.example/v1/x?y=1");
  EXPECT_EQ(in->body, "{\"k\":1}");
  // In order, names as given, one pair per value of an array (none for an empty one).
  const std::vector<std::pair<std::string, std::string>> headers{{"Date", "Tue, 07 Jun 2022"},
                                                                 {"x-multi", "a"},
                                                                 {"x-multi", "b"}};
  EXPECT_EQ(in->headers, headers);
}

TEST(JsonInputSignedRequest, TheBodyIsOptionalAndEmptyHeadersAreFine) {
  JsonReader r(signedBody(R"("method":"GET","target_uri":"https://h/","headers":{})"));
  const auto in = r.optSignedRequest("request");
  ASSERT_TRUE(r.finish().has_value());
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->body, "");
  EXPECT_TRUE(in->headers.empty());
}

TEST(JsonInputSignedRequest, NotAnObject) {
  expectProblem(problemReading(R"({"request":"GET /"})", readSigned), "INVALID_FIELD", "request",
                R"(request must be an object {"method", "target_uri", "headers": {...}, "body"?})");
}

TEST(JsonInputSignedRequest, AnUnknownMemberIsRefused) {
  expectProblem(problemReading(signedBody(R"("method":"GET","uri":"/")"), readSigned), "UNKNOWN_FIELD", "request.uri",
                "unknown field 'uri'");
}

TEST(JsonInputSignedRequest, MethodAndTargetAreNonEmptyStrings) {
  expectProblem(problemReading(signedBody(R"("target_uri":"https://h/","headers":{})"), readSigned), "MISSING_FIELD",
                "request.method", "request.method must be a non-empty string");
  expectProblem(problemReading(signedBody(R"("method":"","target_uri":"https://h/","headers":{})"), readSigned),
                "INVALID_FIELD", "request.method", "request.method must be a non-empty string");
  expectProblem(problemReading(signedBody(R"("method":"GET","headers":{})"), readSigned), "MISSING_FIELD",
                "request.target_uri", "request.target_uri must be a non-empty string");
  expectProblem(problemReading(signedBody(R"("method":"GET","target_uri":5,"headers":{})"), readSigned),
                "INVALID_FIELD", "request.target_uri", "request.target_uri must be a non-empty string");
}

TEST(JsonInputSignedRequest, TheBodyMustBeAString) {
  expectProblem(problemReading(signedBody(R"("method":"GET","target_uri":"https://h/","headers":{},"body":{"k":1})"),
                               readSigned),
                "INVALID_FIELD", "request.body", "request.body must be a string (the request body as received)");
}

TEST(JsonInputSignedRequest, HeadersAreRequiredAnObjectOfAtMostAHundred) {
  expectProblem(problemReading(signedBody(R"("method":"GET","target_uri":"https://h/")"), readSigned), "MISSING_FIELD",
                "request.headers", "request.headers must be an object of at most 100 header fields");
  expectProblem(problemReading(signedBody(R"("method":"GET","target_uri":"https://h/","headers":[])"), readSigned),
                "INVALID_FIELD", "request.headers", "request.headers must be an object of at most 100 header fields");

  const auto withHeaders = [](int n) {
    std::string h;
    for (int i = 0; i < n; ++i) h += std::string(i ? "," : "") + "\"h" + std::to_string(i) + "\":\"v\"";
    return signedBody(R"("method":"GET","target_uri":"https://h/","headers":{)" + h + "}");
  };
  EXPECT_EQ(problemReading(withHeaders(100), readSigned).code, "OK");
  expectProblem(problemReading(withHeaders(101), readSigned), "INVALID_FIELD", "request.headers",
                "request.headers must be an object of at most 100 header fields");
}

TEST(JsonInputSignedRequest, AHeaderValueIsAStringOrAnArrayOfStrings) {
  expectProblem(problemReading(signedBody(R"("method":"GET","target_uri":"https://h/","headers":{"Digest":1})"),
                               readSigned),
                "INVALID_FIELD", "request.headers.Digest",
                "request.headers.Digest must be a string or an array of strings");
  expectProblem(problemReading(signedBody(R"("method":"GET","target_uri":"https://h/","headers":{"a":"x","b":["y",)"
                                          R"(null]})"),
                               readSigned),
                "INVALID_FIELD", "request.headers.b", "request.headers.b must be a string or an array of strings");
}

TEST(JsonInputSignedRequest, ChecksRunMethodTargetBodyHeadersInThatOrder) {
  // Everything is wrong: the method is the one reported; then, with it fixed, the target...
  expectProblem(problemReading(signedBody(R"("headers":1,"body":1,"target_uri":1)"), readSigned), "MISSING_FIELD",
                "request.method", "request.method must be a non-empty string");
  expectProblem(problemReading(signedBody(R"("headers":1,"body":1,"target_uri":1,"method":"GET")"), readSigned),
                "INVALID_FIELD", "request.target_uri", "request.target_uri must be a non-empty string");
  expectProblem(problemReading(signedBody(R"("headers":1,"body":1,"target_uri":"u","method":"GET")"), readSigned),
                "INVALID_FIELD", "request.body", "request.body must be a string (the request body as received)");
}

// ---- JsonReader as a whole

TEST(JsonReader, DomainFieldsCountAsReadAndTheRestIsStillStrict) {
  JsonReader r(R"({"name":"k","roles":["Verifier"],"owner":null,"extra":1})");
  EXPECT_EQ(r.reqString("name"), "k");
  EXPECT_TRUE(r.optAssignments("roles").has_value());
  EXPECT_TRUE(r.optOwner("owner").has_value());
  const Status s = r.finish();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, "UNKNOWN_FIELD");
  EXPECT_EQ(s.error().field, "extra");
  EXPECT_EQ(s.error().message, "unknown field 'extra'");
}

TEST(JsonReader, TheFirstProblemWinsAcrossGeneralAndDomainFields) {
  JsonReader r(R"({"name":1,"roles":[5],"owner":{"type":"user","id":"u"}})");
  r.optString("name");
  EXPECT_EQ(r.optAssignments("roles"), std::nullopt);
  EXPECT_EQ(r.optOwner("owner"), std::nullopt);  // valid, but read after a problem
  const Status s = r.finish();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().field, "name");
  EXPECT_EQ(s.error().message, "name must be a string");
}

TEST(JsonReader, ADomainProblemWinsOverALaterGeneralOne) {
  JsonReader r(R"({"roles":[{"role":"r","x":1}],"n":"no"})");
  r.optAssignments("roles");
  r.optInt("n", 0, 9);
  const Status s = r.finish();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, "UNKNOWN_FIELD");
  EXPECT_EQ(s.error().field, "roles[0].x");
}

TEST(JsonReader, AllowEmptyIsInheritedFromTheGeneralReader) {
  JsonReader r("", /*allow_empty=*/true);
  EXPECT_EQ(r.optOwner("owner"), std::nullopt);
  EXPECT_EQ(r.optPermissions("permissions"), std::nullopt);
  EXPECT_TRUE(r.finish().has_value());
}

}  // namespace
}  // namespace keyward::http
