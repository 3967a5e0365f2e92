// dataset.h — synthetic but real key sets for the benchmarks: every secret comes from
// keyward's own codec (CSPRNG bytes, base62, CRC32) and is indexed by keyward's own digest,
// so the hot path sees exactly what it sees in production.
// Thread safety: generateSecrets() may use several threads internally; the rest are pure.
// Ownership: values only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/principal.h"

namespace keyward::bench {

// The shape of the benchmark keys, fixed so runs are comparable:
// - 100 tenants, keys spread round-robin;
// - 90% expire in a year, 10% never;
// - 10% carry a two-rule IP allowlist that admits the benchmark client (10.0.0.0/8);
// - 10% carry a small metadata object; no roles (these are customer keys, not credentials).
inline constexpr size_t kBenchTenants = 100;
inline constexpr const char* kBenchClientIp = "10.1.2.3";

std::string benchTenantId(size_t t);

// `n` fresh secrets with prefix "kw", generated on `threads` threads.
std::vector<std::string> generateSecrets(size_t n, unsigned threads);

// The stored record of the i-th benchmark key (id, tenant, name, digest and the shape above).
ApiKey benchRecord(size_t i, const std::string& secret, UnixSeconds now);

}  // namespace keyward::bench
