// Routing and error format: RFC 9457 problem details, 404/405, and the headers every
// response carries (send() in the fixture checks Cache-Control and the problem shape on
// every response of every test; these tests pin the details).
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class Problems : public RouterTest {};
KEYWARD_ON_EVERY_BACKEND(Problems);

TEST_P(Problems, UnknownRouteIs404RouteNotFound) {
  for (const char* path :
       {"/", "/v2/tenants", "/v1/tenant", "/v1/tenants/x/keys/y/z", "/v1/keys", "/v1/tenants/x/unknown"}) {
    Response r = get(path);
    expectProblem(r, 404, "ROUTE_NOT_FOUND");
    EXPECT_EQ(headerOf(r, "cache-control"), "no-store") << path;
  }
}

TEST_P(Problems, UnknownRouteIs404EvenWithoutCredentials) {
  Response r = get("/nope", kNoCredential);
  expectProblem(r, 404, "ROUTE_NOT_FOUND");
}

TEST_P(Problems, WrongMethodIs405WithAllow) {
  struct Case {
    const char* method;
    const char* path;
    const char* allow;
  };
  for (const Case& c :
       {Case{"DELETE", "/v1/tenants", "POST, GET, HEAD"}, Case{"PUT", "/v1/tenants/t1", "GET, HEAD, PATCH, DELETE"},
        Case{"POST", "/v1/tenants/t1", "GET, HEAD, PATCH, DELETE"},
        Case{"PUT", "/v1/tenants/t1/key-groups", "POST, GET, HEAD"},
        Case{"POST", "/v1/tenants/t1/key-groups/g1", "GET, HEAD, PATCH, DELETE"},
        Case{"PATCH", "/v1/tenants/t1/keys", "POST, GET, HEAD"},
        Case{"PUT", "/v1/tenants/t1/keys/k1", "GET, HEAD, PATCH, DELETE"}, Case{"GET", "/v1/keys/verify", "POST"},
        Case{"DELETE", "/v1/tenants/t1/audit", "GET, HEAD"},
        Case{"POST", "/v1/tenants/t1/verify-failures", "GET, HEAD"}}) {
    Response r = call(c.method, c.path, "{}");
    expectProblem(r, 405, "METHOD_NOT_ALLOWED");
    EXPECT_EQ(headerOf(r, "allow"), c.allow) << c.method << " " << c.path;
  }
}

TEST_P(Problems, HeadIsRoutedLikeGet) {
  // The server drops the body of a HEAD response (tests/integration/http_test.cc); the router
  // answers HEAD exactly as GET, headers included.
  const Response as_get = call("GET", "/healthz", "");
  const Response as_head = call("HEAD", "/healthz", "");
  EXPECT_EQ(as_head.status, 200);
  EXPECT_EQ(as_head.body, as_get.body);
  expectProblem(call("HEAD", "/v1/keys/verify", ""), 405, "METHOD_NOT_ALLOWED");
}

TEST_P(Problems, ProblemBodyHasEveryMember) {
  const std::string t = createTenant("Acme");
  Response r = post("/v1/tenants/" + t + "/keys", R"({"name":"k","expires_in_days":"soon"})");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/problem+json");
  json::object o = obj(r);
  EXPECT_EQ(str(o, "type"), "urn:keyward:problem:invalid-field");
  EXPECT_EQ(str(o, "title"), "Bad Request");
  EXPECT_EQ(o.at("status").as_int64(), 400);
  EXPECT_NE(str(o, "detail").find("expires_in_days"), std::string::npos) << str(o, "detail");
  EXPECT_EQ(str(o, "code"), "INVALID_FIELD");
  EXPECT_EQ(str(o, "field"), "expires_in_days");
  EXPECT_EQ(str(o, "instance"), "/v1/tenants/" + t + "/keys");
  EXPECT_EQ(o.size(), 7u) << r.body;
}

TEST_P(Problems, NonInputErrorsHaveNoField) {
  Response r = get("/v1/tenants/nope");
  ASSERT_EQ(r.status, 404);
  EXPECT_FALSE(obj(r).contains("field"));
  r = get("/v1/tenants", kNoCredential);
  ASSERT_EQ(r.status, 401);
  EXPECT_FALSE(obj(r).contains("field"));
  EXPECT_EQ(str(obj(r), "title"), "Unauthorized");
}

TEST_P(Problems, TitlesFollowTheStatus) {
  const std::string t = createTenant("Acme");
  EXPECT_EQ(str(obj(post("/v1/tenants", R"({"name":"Acme"})")), "title"), "Conflict");
  EXPECT_EQ(str(obj(get("/v1/tenants/x")), "title"), "Not Found");
  EXPECT_EQ(str(obj(call("PUT", "/v1/tenants", "")), "title"), "Method Not Allowed");
  const std::string cred = makeCredential(t);
  EXPECT_EQ(str(obj(get("/v1/tenants", cred)), "title"), "Forbidden");
}

TEST_P(Problems, EveryResponseIsNoStore) {
  // Success, created (with the secret), no content, client errors, auth errors, routing errors.
  const std::string t = createTenant("Acme");
  std::vector<Response> all;
  all.push_back(get("/healthz", kNoCredential));
  all.push_back(post("/v1/tenants/" + t + "/keys", R"({"name":"k"})"));
  CreatedKey k = keep(all.back());
  all.push_back(del("/v1/tenants/" + t + "/keys/" + k.id));
  all.push_back(post("/v1/tenants", "{"));
  all.push_back(get("/v1/tenants", kNoCredential));
  all.push_back(get("/nowhere"));
  all.push_back(call("PUT", "/v1/tenants", ""));
  all.push_back(send(request("GET", "/v1/authz")));
  for (const auto& r : all) {
    EXPECT_EQ(headerOf(r, "cache-control"), "no-store") << r.status;
    EXPECT_EQ(headerCount(r, "cache-control"), 1) << r.status;
  }
}

TEST_P(Problems, ErrorMessagesNeverEchoASecret) {
  const std::string t = createTenant("Acme");
  CreatedKey k = createKey(t, "k");
  const std::string b = "/v1/tenants/" + t + "/keys";
  const std::string s = json::serialize(json::value(k.secret));
  std::vector<Response> errors = {
      post(b, "{\"name\":" + s + ",\"description\":" + s + ",\"enabled\":" + s + "}"),
      post(b, "{\"name\":\"x\",\"expires_at\":" + s + "}"),
      post(b, "{\"name\":\"x\",\"metadata\":" + s + "}"),
      post(b, "{\"name\":\"x\",\"roles\":[" + s + "]}"),
      post(b, "{\"name\":\"x\",\"group_id\":" + s + "}"),
      post(b, "{\"name\":" + s + ",\"key\":1}"),
      patch(b + "/" + k.id, "{\"name\":" + s + "}"),
      post("/v1/keys/verify", "{\"key\":" + s + ",\"tenant_id\":1}"),
      post("/v1/keys/verify", "{\"key\":" + s + ",\"extra\":1}"),
      post("/v1/keys/verify", "{\"key\":" + s + ",\"tenant_id\":\"other\"}", makeCredential(t, "Verifier")),
      post("/v1/keys/verify", "{\"key\":" + s + "}", k.secret),
      get("/v1/tenants/" + t + "/keys?state=" + k.secret),
      get("/v1/tenants/" + t + "/keys?group_id=" + k.secret),
      get("/v1/tenants/" + t + "/keys/" + k.secret),
      get("/v1/tenants/" + t + "/audit?since=" + k.secret),
      get("/v1/tenants", k.secret),
      send(request("GET", "/v1/authz", "", {{"x-api-key", k.secret}, {"x-keyward-tenant", "system"}})),
      post(b, "{\"name\":\"x\"," + s + ":1}"),
      post("/v1/keys/verify", "{\"key\":" + s + ",\"ip\":" + s + "}"),
      post(b, "{\"name\":\"x\",\"ip_allowlist\":[\"10.0.0.0/8\"," + s + "]}"),
  };
  for (const auto& r : errors) {
    EXPECT_GE(r.status, 400) << r.body;
    EXPECT_EQ(r.body.find(k.secret), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(k.secret.substr(10, 30)), std::string::npos) << r.body;
  }
}

TEST_P(Problems, ASecretInThePathIsRedactedButTheRestOfTheMessageStays) {
  const std::string t = createTenant("Acme");
  CreatedKey k = createKey(t, "k");
  // A user who pastes the key where its id belongs gets a useful 404 without the key echoed.
  Response r = get("/v1/tenants/" + t + "/keys/" + k.secret);
  ASSERT_EQ(r.status, 404);
  EXPECT_EQ(str(obj(r), "instance"), "/v1/tenants/" + t + "/keys/[redacted key]");
  r = post("/v1/tenants/" + t + "/keys", R"({"name":"x","roles":[")" + k.secret + R"("]})");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(str(obj(r), "detail"), "unknown role '[redacted key]'");
  // Things that merely look like keys (ids, names) are left alone.
  r = get("/v1/tenants/" + t + "/keys/key_notasecret_" + std::string(49, 'a'));
  EXPECT_NE(str(obj(r), "instance").find("key_notasecret_"), std::string::npos);
}

}  // namespace
}  // namespace keyward::http_testing
