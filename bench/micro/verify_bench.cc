// verify_bench.cc — micro-benchmarks of the verify hot path (issue 6, part 1).
// Measures, in process and without HTTP: the key format check (prefix, base62, CRC32), the
// SHA-256 digest, the index lookup, and the full Verifier::verify (format, digest, lookup,
// tenant, revoked/expired/disabled, IP allowlist) on 1 and 2 threads, with 1 thousand to
// 10 million keys loaded. Key sets are built with keyward's own codec, digest and compileRecord, and share one
// compiled access (a role granting service_tickets:edit), as keys of one owner and role do.
//
// Also measures the machine itself (BM_MemoryAccess): the latency of one dependent random
// memory access, which bounds what any index can do once its keys no longer fit in cache.
//
// Flags (besides Google Benchmark's): --sizes=1000,100000,1000000,10000000
//
// Thread safety: Google Benchmark may run a benchmark on several threads; the data set is
// built once per size under a mutex before any thread enters its timed loop.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "core/access_index.h"
#include "crypto/digest.h"
#include "crypto/key_codec.h"
#include "micro/dataset.h"
#include "verify/key_index.h"
#include "verify/verifier.h"

namespace keyward::bench {
namespace {

constexpr size_t kSample = 16384;  // keys presented in the timed loop (a power of two)

struct Presented {
  std::string key;
  std::string tenant;
};

// One loaded key set: the index, its verifier and the keys the timed loops present.
struct KeySet {
  size_t n = 0;
  SystemClock clock;
  verify::KeyIndex index;
  verify::Verifier verifier{index, clock};
  std::vector<Presented> valid;         // kSample keys drawn from the loaded set
  std::vector<Presented> mixed;         // 90% of them, plus 10% well-formed keys that are not loaded
  std::vector<crypto::Digest> digests;  // digests of `valid`, for the lookup alone
};

std::mutex g_mu;
std::unique_ptr<KeySet> g_set;

// The block BM_MemoryAccess chases through.
struct ChaseBlock {
  bool huge = false;
  char* mem = nullptr;
  char* start = nullptr;
  ~ChaseBlock() { std::free(mem); }
};

// Built once per page size (Google Benchmark calls a benchmark several times while it sizes
// the run); keySet() frees it, so it never shares memory with a key set.
std::unique_ptr<ChaseBlock> g_chase;

// The compiled access every benchmark key carries: "Ticket Editor" (edit and inquire
// service_tickets), compiled once and shared, as AccessIndex::loadAll shares it.
std::shared_ptr<const verify::KeyAccess> sharedAccess() {
  static const auto kAccess = [] {
    Role editor;
    editor.name = "Ticket Editor";
    editor.permissions = {{"service_tickets", Action::kEdit, Level::kAll},
                          {"service_tickets", Action::kInquire, Level::kAll}};
    const TenantRoles roles({editor});
    ApiKey k;
    k.roles = {RoleAssignment{"Ticket Editor", false, {}}};
    return AccessIndex::compile(k, roles, nullptr)->access;
  }();
  return kAccess;
}

// Builds (or reuses) the key set of size n. Only one set is alive at a time, so the 10 M
// set does not share memory with the smaller ones.
KeySet& keySet(size_t n) {
  std::lock_guard lock(g_mu);
  if (g_set && g_set->n == n) return *g_set;
  g_set.reset();
  g_chase.reset();
  auto set = std::make_unique<KeySet>();
  set->n = n;
  const UnixSeconds now = set->clock.now();
  const size_t stride = std::max<size_t>(1, n / kSample);
  std::vector<Presented> picked;
  std::mutex picked_mu;
  const unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < n; i += threads) {
        auto secret = *crypto::generateKey("kw");
        ApiKey rec = benchRecord(i, secret, now);
        auto compiled = compileRecord(rec);
        compiled->access = sharedAccess();
        set->index.upsert(rec.digest, std::move(compiled));
        if (i % stride == 0) {
          std::lock_guard pl(picked_mu);
          picked.push_back({std::move(secret), rec.tenant_id});
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  std::mt19937_64 rng(42);
  std::shuffle(picked.begin(), picked.end(), rng);
  for (size_t i = 0; i < kSample; ++i) set->valid.push_back(picked[i % picked.size()]);
  for (const auto& p : set->valid) set->digests.push_back(crypto::sha256(p.key));
  const auto unknown = generateSecrets(kSample / 10, 1);
  for (size_t i = 0; i < kSample; ++i) {
    if (i % 10 == 9) set->mixed.push_back({unknown[i / 10], benchTenantId(0)});
    else set->mixed.push_back(set->valid[i]);
  }
  std::shuffle(set->mixed.begin(), set->mixed.end(), rng);
  g_set = std::move(set);
  return *g_set;
}

const IpAddress& clientIp() {
  static const IpAddress ip = *parseIp(kBenchClientIp);
  return ip;
}

// ---- size-independent steps -----------------------------------------------------------

void BM_KeyFormatCheck(benchmark::State& state) {
  const auto keys = generateSecrets(1024, 1);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(crypto::isWellFormedKey(keys[i++ & 1023]));
  state.SetItemsProcessed(state.iterations());
}

void BM_Digest(benchmark::State& state) {
  const auto keys = generateSecrets(1024, 1);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(crypto::sha256(keys[i++ & 1023]));
  state.SetItemsProcessed(state.iterations());
}

void BM_GenerateKey(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(crypto::generateKey("kw"));
  state.SetItemsProcessed(state.iterations());
}

// A 256 MiB block (larger than any cache) whose 64-byte lines form one random cycle.
ChaseBlock* chaseBlock(bool huge) {
  auto& block = g_chase;
  if (block && block->huge == huge) return block.get();
  block.reset();
  constexpr size_t kBytes = size_t(256) << 20, kLine = 64, kLines = kBytes / kLine;
  constexpr size_t kHuge = size_t(2) << 20;
  auto b = std::make_unique<ChaseBlock>();
  b->huge = huge;
  b->mem = static_cast<char*>(std::aligned_alloc(kHuge, kBytes));
  if (!b->mem) return nullptr;
  ::madvise(b->mem, kBytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  std::vector<std::uint32_t> order(kLines);
  for (size_t i = 0; i < kLines; ++i) order[i] = std::uint32_t(i);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  for (size_t i = 0; i < kLines; ++i) {
    char* next = b->mem + size_t(order[(i + 1) % kLines]) * kLine;
    std::memcpy(b->mem + size_t(order[i]) * kLine, &next, sizeof next);
  }
  b->start = b->mem + size_t(order[0]) * kLine;
  block = std::move(b);
  return block.get();
}

// One dependent random memory access, the unit a lookup in a large index pays: a pointer
// chase through one random cycle over all 64-byte lines of a 256 MiB block (larger than any
// cache), with the block on 4 KiB pages (as the index's 1 M-key slot tables and entries are)
// or advised as 2 MiB pages. Arg: 0 = 4 KiB pages, 1 = 2 MiB pages. The verify of a key
// waits on two such accesses in sequence (the slot, then the entry), so with 1 M keys it
// costs at least BM_Verify with 1 k keys plus twice this (docs/benchmarks.md, "Targets").
void BM_MemoryAccess(benchmark::State& state) {
  ChaseBlock* block = chaseBlock(state.range(0) != 0);
  if (!block) {
    state.SkipWithError("out of memory");
    return;
  }
  char* p = block->start;
  for (auto _ : state) {
    std::memcpy(&p, p, sizeof p);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- per size -----------------------------------------------------------------------------

void BM_IndexLookup(benchmark::State& state) {
  KeySet& set = keySet(size_t(state.range(0)));
  size_t i = size_t(state.thread_index()) * 7919;
  for (auto _ : state) benchmark::DoNotOptimize(set.index.find(set.digests[i++ & (kSample - 1)]));
  state.SetItemsProcessed(state.iterations());
}

// The full hot path for a valid key presented with its tenant and a client address.
void BM_Verify(benchmark::State& state) {
  KeySet& set = keySet(size_t(state.range(0)));
  size_t i = size_t(state.thread_index()) * 7919;
  for (auto _ : state) {
    const Presented& p = set.valid[i++ & (kSample - 1)];
    auto out = set.verifier.verify({p.key, p.tenant, clientIp()});
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

// The HTTP load's mix: 90% valid keys, 10% well-formed keys that are not loaded (NOT_FOUND,
// which also counts a failure).
void BM_VerifyMixed(benchmark::State& state) {
  KeySet& set = keySet(size_t(state.range(0)));
  size_t i = size_t(state.thread_index()) * 7919;
  for (auto _ : state) {
    const Presented& p = set.mixed[i++ & (kSample - 1)];
    auto out = set.verifier.verify({p.key, p.tenant, clientIp()});
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

// The full verify with one required permission ("may this key edit service ticket T-42?"),
// checked against the key's compiled permission set inside Verifier::verify.
void BM_VerifyWithPermission(benchmark::State& state) {
  KeySet& set = keySet(size_t(state.range(0)));
  size_t i = size_t(state.thread_index()) * 7919;
  const verify::PermissionCheck check{"service_tickets", Action::kEdit, "T-42", std::nullopt};
  for (auto _ : state) {
    const Presented& p = set.valid[i++ & (kSample - 1)];
    verify::Request req{p.key, p.tenant, clientIp(), {&check, 1}};
    auto out = set.verifier.verify(req);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

std::vector<long> parseSizes(int* argc, char** argv) {
  std::vector<long> sizes = {1000, 100000, 1000000, 10000000};
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string_view a = argv[i];
    if (a.starts_with("--sizes=")) {
      sizes.clear();
      std::string list(a.substr(8));
      size_t pos = 0;
      while (pos < list.size()) {
        const size_t comma = list.find(',', pos);
        sizes.push_back(std::stol(list.substr(pos, comma - pos)));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  return sizes;
}

}  // namespace
}  // namespace keyward::bench

int main(int argc, char** argv) {
  using namespace keyward::bench;
  const auto sizes = parseSizes(&argc, argv);
  benchmark::RegisterBenchmark("BM_KeyFormatCheck", BM_KeyFormatCheck);
  benchmark::RegisterBenchmark("BM_Digest", BM_Digest);
  benchmark::RegisterBenchmark("BM_GenerateKey", BM_GenerateKey);
  benchmark::RegisterBenchmark("BM_MemoryAccess", BM_MemoryAccess)->Arg(0)->Arg(1);
  // Grouped by size so each key set is built once and freed before the next.
  for (long n : sizes) {
    benchmark::RegisterBenchmark("BM_IndexLookup", BM_IndexLookup)->Arg(n);
    benchmark::RegisterBenchmark("BM_Verify", BM_Verify)->Arg(n)->Threads(1)->Threads(2)->UseRealTime();
    benchmark::RegisterBenchmark("BM_VerifyMixed", BM_VerifyMixed)->Arg(n)->Threads(1)->Threads(2)->UseRealTime();
    benchmark::RegisterBenchmark("BM_VerifyWithPermission", BM_VerifyWithPermission)->Arg(n);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
