// Tests of the route table (http/routes.h) as a user of the API notices it: every endpoint
// that needs a credential refuses a request without one, every answer carries its route's
// cache policy, the probes and the verify hot path run on the I/O thread, and prefix routes
// (the console's static assets) match and keep their own policy.
#include "http/routes.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "http/handlers.h"
#include "http/problem.h"
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

// The pattern with each "{}" filled in, so the request reaches the route's handler.
std::string concretePath(std::string_view pattern) {
  std::string out(pattern);
  for (size_t at; (at = out.find("{}")) != std::string::npos;) out.replace(at, 2, "placeholder");
  return out;
}

class RoutesTest : public RouterTest {};
KEYWARD_ON_EVERY_BACKEND(RoutesTest);

TEST_P(RoutesTest, EveryManagementEndpointRefusesARequestWithoutACredential) {
  int checked = 0;
  for (const auto& spec : http::apiRoutes()) {
    if (spec.credential != http::Credential::kManagement) continue;
    const std::string path = concretePath(spec.pattern);
    const std::string body = spec.method == "GET" || spec.method == "DELETE" ? "" : "{}";
    Response r = call(std::string(spec.method), path, body, kNoCredential);
    EXPECT_EQ(r.status, 401) << spec.method << " " << spec.pattern << ": " << r.body;
    ++checked;
  }
  EXPECT_GT(checked, 50);  // the table is the whole API, not a sample
}

TEST_P(RoutesTest, EveryRouteIsListedOnceByMethodAndPattern) {
  std::set<std::string> seen;
  for (const auto& spec : http::apiRoutes()) {
    const std::string id = std::string(spec.method) + " " + std::string(spec.pattern);
    EXPECT_TRUE(seen.insert(id).second) << "listed twice: " << id;
  }
}

TEST_P(RoutesTest, ProbesAndVerificationRunOnTheIoThreadAndManagementDoesNot) {
  EXPECT_TRUE(router_->runsInline(request("POST", "/v1/keys/verify")));
  EXPECT_TRUE(router_->runsInline(request("GET", "/v1/authz")));
  EXPECT_TRUE(router_->runsInline(request("GET", "/healthz")));
  EXPECT_TRUE(router_->runsInline(request("GET", "/v1/version")));
  // A wrong method on an inline path is answered inline too (its 405 needs no database).
  EXPECT_TRUE(router_->runsInline(request("GET", "/v1/keys/verify")));
  EXPECT_FALSE(router_->runsInline(request("GET", "/readyz")));  // pings the store
  EXPECT_FALSE(router_->runsInline(request("POST", "/v1/tenants")));
  EXPECT_FALSE(router_->runsInline(request("GET", "/v1/tenants/system/keys")));
  EXPECT_TRUE(router_->isHot(request("POST", "/v1/keys/verify")));
  EXPECT_TRUE(router_->isHot(request("GET", "/v1/authz")));
  EXPECT_FALSE(router_->isHot(request("GET", "/healthz")));
}

Response staticFile(http::Ctx& c) {
  Response r;
  r.content_type = "text/plain";
  r.body = "asset:" + c.params.at(0);
  return r;
}

Response indexPage(http::Ctx&) {
  Response r;
  r.content_type = "text/html";
  r.body = "<!doctype html>";
  return r;
}

constexpr http::RouteSpec kTestRoutes[] = {
    {"GET", "/console/assets/", staticFile, http::RunOn::kIoThread, http::CachePolicy::kImmutable,
     http::Credential::kNone, http::Match::kPrefix},
    {"GET", "/console", indexPage, http::RunOn::kIoThread, http::CachePolicy::kNoCache, http::Credential::kNone},
};

TEST_P(RoutesTest, PrefixRoutesMatchTheRestOfThePathAndKeepTheirCachePolicy) {
  http::Router router(services_.routerDeps({}, false), kTestRoutes);
  Response asset = router.handle(request("GET", "/console/assets/app-3f2a.js"));
  EXPECT_EQ(asset.status, 200);
  EXPECT_EQ(asset.body, "asset:app-3f2a.js");
  EXPECT_EQ(headerOf(asset, "cache-control"), "public, max-age=31536000, immutable");
  Response head = router.handle(request("HEAD", "/console/assets/a/b.css"));
  EXPECT_EQ(head.body, "asset:a/b.css");

  Response page = router.handle(request("GET", "/console"));
  EXPECT_EQ(page.body, "<!doctype html>");
  EXPECT_EQ(headerOf(page, "cache-control"), "no-cache");

  // A path outside every route is 404 and never cached; a wrong method is 405 with Allow.
  Response missing = router.handle(request("GET", "/consolex"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(headerOf(missing, "cache-control"), "no-store");
  Response wrong = router.handle(request("POST", "/console/assets/app.js"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(headerOf(wrong, "allow"), "GET, HEAD");
  EXPECT_EQ(headerOf(wrong, "cache-control"), "no-store");
  EXPECT_TRUE(router.runsInline(request("GET", "/console")));
}

}  // namespace
}  // namespace keyward::http_testing
