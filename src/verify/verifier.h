// verifier.h — the verify hot path: format check, digest, index lookup, state, expiry,
// tenant and IP checks. Never touches the database.
// Thread safety: safe from any thread. Ownership: borrows the index and the clock, which
// must outlive it; failure counters are owned here and drained by the flusher.
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/ip.h"
#include "verify/key_index.h"

namespace keyward::verify {

enum class Code {
  kValid,
  kMalformed,
  kNotFound,
  kDisabled,
  kExpired,
  kRevoked,
  kIpNotAllowed,
  kTenantMismatch,
  kOwnerDisabled,
  kInsufficientPermissions,
  kNotYetValid,       // before the key's not_before
  kRotated,           // a secret replaced by rotation whose grace period has ended
  kSignatureInvalid,  // a key-pair request whose signature (or its policy) failed
  kInvalidToken,      // a JWT whose signature or claims fail (RFC 8725 checks); set by the caller
};
std::string_view toString(Code c);

// "May this key <action> <module> [<resource>]?" asked by a resource server.
struct PermissionCheck {
  std::string_view module;
  Action action = Action::kInquire;
  std::optional<std::string_view> resource;
  // For a grant at level "mine": the principal that owns the resource; it must be the
  // key's owner (or the key itself). Without it, "mine" passes and the resource server
  // applies the restriction (the reply lists the level).
  std::optional<std::string_view> resource_owner;
};

struct Request {
  std::string_view key;
  std::optional<std::string_view> tenant_id;          // the tenant whose API is being called
  std::optional<IpAddress> client_ip;                 // the address the resource server saw
  std::span<const PermissionCheck> permissions = {};  // every one must be granted
  // With an advanced key's Basic credential: the public part, which must name the key whose
  // private part `key` is. A simple key is never presented with one.
  std::optional<std::string_view> public_id = std::nullopt;
  // A credential already authenticated by its signature (an advanced key's signed request,
  // a JWT key): the index handle of the key it names (handleFor below). The format check and
  // the digest of `key` are skipped; everything after the lookup applies unchanged.
  std::optional<crypto::Digest> handle = std::nullopt;
};

// The index handle of a key found by a public name rather than by a secret: a key pair's
// key id, a JWT key's token id (jti). The tag keeps the name spaces apart, and a handle is
// never the digest of a real secret (secrets carry a prefix and checksum, tags a colon).
crypto::Digest handleFor(std::string_view tag, std::string_view name);

// Whether `key` is granted every check (the permission step of verify(), exposed for tests
// and benchmarks).
bool granted(const CompiledKey& key, std::span<const PermissionCheck> checks);

struct Outcome {
  Code code = Code::kNotFound;
  KeyPtr key;  // set whenever the key was found, valid or not
  bool valid() const { return code == Code::kValid; }
};

struct FailureTally {
  std::string tenant_id;
  std::string key_id;
  Code code;
  std::int64_t count;
  UnixSeconds last_at;
};

class Verifier {
 public:
  Verifier(KeyIndex& index, const Clock& clock) : index_(index), clock_(clock) {}

  // Checks in a fixed order: format, existence, tenant, revoked, expired, replaced secret
  // past its grace period, not yet valid, disabled, owner disabled, IP, permissions.
  // The tenant check comes before any state so a key of another tenant reveals nothing.
  Outcome verify(const Request& req);

  // A failure decided before any lookup (a JWT whose signature or claims fail): counted with
  // the keyless failures, as no key can be named.
  void countRejected(Code code) { countFailure(Outcome{code, nullptr}, clock_.now()); }

  // Failed verifications are counted per (key, reason), not stored per request.
  std::vector<FailureTally> drainFailures();

 private:
  void countFailure(const Outcome& out, UnixSeconds now);

  KeyIndex& index_;
  const Clock& clock_;
  std::mutex failures_mu_;
  std::unordered_map<std::string, FailureTally> failures_;
  // Failures of keys that were never found (MALFORMED, NOT_FOUND) have no key to name, so
  // they are plain atomic counters per code: scanning traffic then costs no lock and no
  // allocation per request.
  static constexpr size_t kCodes = 16;
  std::array<std::atomic<std::int64_t>, kCodes> keyless_count_{};
  std::array<std::atomic<UnixSeconds>, kCodes> keyless_last_{};
};

}  // namespace keyward::verify
