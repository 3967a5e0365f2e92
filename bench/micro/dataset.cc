#include "micro/dataset.h"

#include <thread>

#include "crypto/digest.h"
#include "crypto/key_codec.h"
#include "crypto/random.h"

namespace keyward::bench {

std::string benchTenantId(size_t t) {
  // Same length as a real tenant id ("ten_" + 22 base62 characters).
  std::string id = "ten_bench";
  std::string n = std::to_string(t);
  id += std::string(22 - 5 - n.size(), '0');
  id += n;
  return id;
}

std::vector<std::string> generateSecrets(size_t n, unsigned threads) {
  std::vector<std::string> out(n);
  if (threads == 0) threads = 1;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&out, n, t, threads] {
      for (size_t i = t; i < n; i += threads) out[i] = *crypto::generateKey("kw");
    });
  }
  for (auto& th : pool) th.join();
  return out;
}

ApiKey benchRecord(size_t i, const std::string& secret, UnixSeconds now) {
  ApiKey k;
  k.id = *crypto::newId("key");
  k.tenant_id = benchTenantId(i % kBenchTenants);
  k.name = "bench-" + std::to_string(i);
  k.digest = crypto::sha256(secret);
  k.start = crypto::keyStart(secret);
  k.expires_at = i % 10 == 3 ? kNever : now + 365 * 86400;
  if (i % 10 == 7) {
    k.ip_allowlist = {*parseCidr("192.0.2.0/24"), *parseCidr("10.0.0.0/8")};
  }
  if (i % 10 == 5) k.metadata_json = R"({"plan":"pro","customer":")" + std::to_string(i) + "\"}";
  k.created_by = "bench";
  k.created_at = k.updated_at = now;
  return k;
}

}  // namespace keyward::bench
