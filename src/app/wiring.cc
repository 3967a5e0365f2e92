#include "app/wiring.h"

#include <utility>

namespace keyward::app {
namespace {

verify::KeyIndex& withResolution(verify::KeyIndex& index, int last_use_resolution) {
  index.setLastUseResolution(last_use_resolution);
  return index;
}

}  // namespace

Services::Services(Store& s, const Clock& c, sign::MasterKey master, notify::WebhookSecrets secrets,
                   const WiringOptions& o)
    : store(s),
      clock(c),
      master_key(std::move(master)),
      webhook_secrets(std::move(secrets)),
      access(store, withResolution(index, o.last_use_resolution)),
      verifier(index, clock),
      audit(store, clock),
      tenants(store, clock, audit),
      groups(store, clock, audit),
      jwt(store, clock, audit, master_key, o.jwt),
      keys(store, clock, audit, access, index, &jwt),
      principals(store, clock, audit, access),
      roles(store, clock, audit, access),
      sessions(store, clock, audit, access, o.sessions),
      signed_requests(index, verifier, clock, o.signatures),
      credentials(verifier, signed_requests, &jwt),
      auth(credentials),
      alerts(store, clock, audit, webhook_secrets),
      router(routerDeps(o.trusted_proxies, o.tls)) {}

Result<LoadReport> Services::load() {
  LoadReport report;
  const auto start = std::chrono::steady_clock::now();
  auto keys_loaded = access.loadAll();
  if (!keys_loaded)
    return fail(keys_loaded.error().kind, keys_loaded.error().code, "cannot load keys: " + keys_loaded.error().message);
  report.keys = *keys_loaded;
  report.key_load_time = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                               start);
  auto signing = jwt.loadAll();
  if (!signing)
    return fail(signing.error().kind, signing.error().code, "cannot load JWT signing keys: " + signing.error().message);
  report.signing_keys = *signing;
  return report;
}

http::Deps Services::routerDeps(std::vector<Cidr> trusted_proxies, bool tls) {
  return http::Deps{tenants,     groups,
                    keys,        principals,
                    roles,       sessions,
                    audit,       auth,
                    credentials, [&s = store] { return s.ping(); },
                    clock,       std::move(trusted_proxies),
                    tls,         &alerts,
                    &jwt};
}

Result<std::unique_ptr<Services>> wire(Store& store, const Clock& clock, sign::MasterKey master_key,
                                       notify::WebhookSecrets webhook_secrets, const WiringOptions& options,
                                       LoadReport* report) {
  auto services = std::make_unique<Services>(store, clock, std::move(master_key), std::move(webhook_secrets), options);
  auto loaded = services->load();
  if (!loaded) return std::unexpected(loaded.error());
  if (report) *report = *loaded;
  return services;
}

}  // namespace keyward::app
