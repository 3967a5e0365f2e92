// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but still part of
// its API; see sha256() for why the hot path uses them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/digest.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace keyward::crypto {

// OpenSSL 3's one-shot SHA256() looks the algorithm up in the provider registry on every
// call (EVP_Q_digest), which cost ~640 ns of a ~700 ns digest on the benchmark machine. A
// fetched EVP_MD with a reused EVP_MD_CTX still pays the provider dispatch of init, update
// and final (~40% of a 40-byte digest, docs/benchmarks.md). The low-level functions call
// the same assembly block function (SHA-NI where the CPU has it) directly, on a context on
// the stack, so nothing is shared between threads. They bypass providers: a FIPS-only
// deployment would have to switch this back to EVP.
Digest sha256(std::string_view data) {
  Digest d;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(d.data(), &ctx);
  return d;
}

bool constantTimeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string toHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace keyward::crypto
