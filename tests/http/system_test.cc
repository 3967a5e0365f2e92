// Router-level tests of GET /healthz, GET /readyz and GET /v1/version: open to anyone.
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class SystemApi : public RouterTest {};
KEYWARD_ON_EVERY_BACKEND(SystemApi);

TEST_P(SystemApi, HealthzSaysOkWithoutCredentials) {
  Response r = get("/healthz", kNoCredential);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"ok"})"));
}

TEST_P(SystemApi, ReadyzSaysReadyWhenTheStoreIsMigrated) {
  Response r = get("/readyz", kNoCredential);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"ready"})"));
}

TEST_P(SystemApi, VersionNamesTheServiceAndApi) {
  Response r = get("/v1/version", kNoCredential);
  ASSERT_EQ(r.status, 200);
  json::object o = obj(r);
  EXPECT_EQ(str(o, "name"), "keyward");
  EXPECT_EQ(str(o, "api"), "v1");
  const std::string v = str(o, "version");
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(std::count(v.begin(), v.end(), '.'), 2) << v;
}

TEST_P(SystemApi, SystemEndpointsIgnoreABadCredential) {
  for (const char* path : {"/healthz", "/readyz", "/v1/version"}) {
    EXPECT_EQ(get(path, "garbage").status, 200) << path;
  }
}

TEST_P(SystemApi, SystemEndpointsAcceptOnlyGetAndHead) {
  for (const char* path : {"/healthz", "/readyz", "/v1/version"}) {
    Response r = post(path, "{}");
    expectProblem(r, 405, "METHOD_NOT_ALLOWED");
    EXPECT_EQ(headerOf(r, "allow"), "GET, HEAD") << path;
  }
}

}  // namespace
}  // namespace keyward::http_testing
