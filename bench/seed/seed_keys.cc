// seed_keys.cc — `keyward_bench_seed`: fills a keyward SQLite database with N real keys for
// the HTTP and cold-start benchmarks, fast (bulk transactions through SqliteStore::createKeys,
// not N HTTP calls), and writes the files the load scripts and the nginx peers read.
//
//   keyward_bench_seed --db FILE --keys N --out DIR [--nginx-map] [--sample 20000]
//
// Writes into DIR:
//   admin.key      the bootstrap administrator key (Portal Administrator of `system`)
//   tenant.txt     one tenant id that exists and holds keys (for the creation benchmark)
//   sample.txt     "<key> <tenant_id>" lines: 90% keys drawn at random from the loaded set,
//                  10% well-formed keys that were never loaded; shuffled
//   revoke.txt     "<key_id> <tenant_id> <key>" lines for the revocation benchmark
//   keys.map       (with --nginx-map) every key as an nginx `map` entry, for the DIY peer
// These files hold secrets in clear: they are benchmark data in a temporary directory.
//
// Thread safety: single-threaded apart from key generation. Ownership: owns the store.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/bootstrap.h"
#include "crypto/key_codec.h"
#include "crypto/random.h"
#include "micro/dataset.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward::bench {
namespace {

struct Options {
  std::string db;
  std::string out = ".";
  size_t keys = 1000000;
  size_t sample = 20000;
  size_t revoke = 200;
  bool nginx_map = false;
};

int usage() {
  std::cerr << "usage: keyward_bench_seed --db FILE --keys N --out DIR [--nginx-map] [--sample N]\n";
  return 2;
}

AuditEvent createEvent(const std::string& tenant, const std::string& key_id, UnixSeconds now) {
  AuditEvent ev;
  ev.id = *crypto::newId("evt");
  ev.tenant_id = tenant;
  ev.actor = "bench-seed";
  ev.action = "key.create";
  ev.target = key_id;
  ev.outcome = "success";
  ev.at = now;
  return ev;
}

int run(const Options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  auto store = SqliteStore::open(o.db, 1024);
  if (!store) {
    std::cerr << "seed: " << store.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  const UnixSeconds now = clock.now();
  auto admin = bootstrapIfEmpty(**store, clock);
  if (!admin || !*admin) {
    std::cerr << "seed: the database must be new\n";
    return 1;
  }
  std::ofstream(o.out + "/admin.key") << **admin << "\n";
  for (size_t t = 0; t < kBenchTenants; ++t) {
    Tenant ten;
    ten.id = benchTenantId(t);
    ten.name = "bench-tenant-" + std::to_string(t);
    ten.created_at = ten.updated_at = now;
    if (auto st = (*store)->createTenant(ten, createEvent(ten.id, ten.id, now)); !st) {
      std::cerr << "seed: " << st.error().message << "\n";
      return 1;
    }
  }
  std::ofstream(o.out + "/tenant.txt") << benchTenantId(0) << "\n";

  std::mt19937_64 rng(12345);
  // Which keys go into the sample: a random subset of positions.
  const size_t valid_in_sample = o.sample - o.sample / 10;
  std::vector<std::pair<std::string, std::string>> sample;
  std::vector<std::string> revoke;
  std::ofstream map;
  if (o.nginx_map) map.open(o.out + "/keys.map");
  // Everything goes into ONE transaction: with random digests and ids, every batch would
  // dirty nearly every page of the unique indexes again, and each batch rewrote them all
  // to the WAL (1 M keys in 50 k batches took six minutes; one transaction takes seconds).
  const auto secrets = generateSecrets(o.keys, 2);
  std::vector<ApiKey> keys;
  std::vector<AuditEvent> events;
  keys.reserve(o.keys);
  events.reserve(o.keys);
  for (size_t i = 0; i < o.keys; ++i) {
    keys.push_back(benchRecord(i, secrets[i], now));
    events.push_back(createEvent(keys.back().tenant_id, keys.back().id, now));
  }
  const auto t_insert = std::chrono::steady_clock::now();
  {
    std::vector<SqliteStore::KeyWrite> batch;
    batch.reserve(o.keys);
    for (size_t i = 0; i < o.keys; ++i) batch.push_back({&keys[i], &events[i]});
    for (const auto& st : (*store)->createKeys(batch)) {
      if (!st) {
        std::cerr << "seed: " << st.error().message << "\n";
        return 1;
      }
    }
  }
  const double insert_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_insert).count();
  for (size_t at = 0; at < o.keys; ++at) {
    // Reservoir sampling keeps every loaded key equally likely to be presented.
    if (sample.size() < valid_in_sample) {
      sample.emplace_back(secrets[at], keys[at].tenant_id);
    } else if (const size_t j = rng() % (at + 1); j < valid_in_sample) {
      sample[j] = {secrets[at], keys[at].tenant_id};
    }
    // Revocation candidates: plain keys (no allowlist), one in every 997.
    if (revoke.size() < o.revoke && at % 997 == 0 && keys[at].ip_allowlist.empty()) {
      revoke.push_back(keys[at].id + " " + keys[at].tenant_id + " " + secrets[at]);
    }
    if (map.is_open()) map << '"' << secrets[at] << "\" 1;\n";
  }
  const auto unknown = generateSecrets(o.sample - valid_in_sample, 1);
  for (const auto& u : unknown) sample.emplace_back(u, benchTenantId(0));
  std::shuffle(sample.begin(), sample.end(), rng);
  {
    std::ofstream f(o.out + "/sample.txt");
    for (const auto& [k, t] : sample) f << k << ' ' << t << '\n';
  }
  {
    std::ofstream f(o.out + "/revoke.txt");
    for (const auto& line : revoke) f << line << '\n';
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("seeded %zu keys in %.1f s (one transaction of %.1f s)\n", o.keys, secs, insert_secs);
  return 0;
}

}  // namespace
}  // namespace keyward::bench

int main(int argc, char** argv) {
  keyward::bench::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string(); };
    if (a == "--db") o.db = next();
    else if (a == "--out") o.out = next();
    else if (a == "--keys") o.keys = std::stoul(next());
    else if (a == "--sample") o.sample = std::stoul(next());
    else if (a == "--nginx-map") o.nginx_map = true;
    else return keyward::bench::usage();
  }
  if (o.db.empty() || o.keys == 0 || o.sample < 10) return keyward::bench::usage();
  return keyward::bench::run(o);
}
