// routes.h — the route table: every endpoint once, with the attributes the router and the
// server act on (where it runs, how its responses may be cached, what credential it needs).
// The router matches requests against it, the server asks it which requests run on the
// I/O thread, and tests walk it (every route that needs a credential refuses a request
// without one), so a new endpoint is one line here and nowhere else.
// Thread safety: the table is constant data. Ownership: static storage.
#pragma once

#include <span>
#include <string_view>

namespace keyward::http {

struct Ctx;
struct Response;
using Handler = Response (*)(Ctx&);

// Where a route's handler runs. kIoThread: on the connection's I/O thread (the verify hot
// path and the probes, which never wait for the database); kBlockingPool: on the blocking
// pool, because it may wait for a durable commit.
enum class RunOn { kIoThread, kBlockingPool };

// What the router adds as Cache-Control to every response of the route (errors included).
enum class CachePolicy {
  kNoStore,    // "no-store": API answers may carry secrets or tenant data
  kImmutable,  // "public, max-age=31536000, immutable": content-hashed static assets
  kNoCache,    // "no-cache": static files that must be revalidated (the console's HTML)
};
std::string_view cacheControl(CachePolicy p);

// What a route asks of the caller.
enum class Credential {
  kNone,        // public: probes, version, JWKS, sign-in
  kManagement,  // a management key (Bearer) or a console session; 401 without one
  kVerified,    // the credential under verification is the input (verify, authz)
};

// How the pattern matches the path. kExact: segment by segment, "{}" matches one segment;
// kPrefix: the path starts with the pattern (the rest goes to the handler as the last
// parameter, e.g. static assets under "/console/").
enum class Match { kExact, kPrefix };

struct RouteSpec {
  std::string_view method;   // "GET" also answers HEAD (RFC 9110 9.3.2)
  std::string_view pattern;  // "/v1/tenants/{}/keys"
  Handler handler;
  RunOn run_on = RunOn::kBlockingPool;
  CachePolicy cache = CachePolicy::kNoStore;
  Credential credential = Credential::kManagement;
  Match match = Match::kExact;
  // Verification traffic: logged at debug (not info) in the access log, so the hot path
  // formats nothing by default.
  bool hot = false;
};

// keyward's REST API, in the order the router tries them.
std::span<const RouteSpec> apiRoutes();

}  // namespace keyward::http
