// session_service.h — console sign-in: e-mail + password -> a session, CSRF tokens,
// idle and absolute timeouts, and throttling of repeated failed sign-ins.
// Thread safety: safe from any thread (one mutex over the session and throttle tables;
// Argon2 runs outside it). Ownership: borrows store, clock, audit log and access index.
//
// Decision: sessions live in this process's memory only. A restart (or a request routed to
// another node) signs the user out; nothing about a session is ever written to the
// database, so a stolen database holds no usable session. The session token is kept only
// as its SHA-256 digest, like API keys.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/access_index.h"
#include "core/audit_log.h"
#include "core/principal.h"
#include "store/store.h"

namespace keyward {

struct SessionOptions {
  UnixSeconds idle_timeout = 30 * 60;        // signed out after 30 minutes without a request
  UnixSeconds absolute_timeout = 12 * 3600;  // and 12 hours after signing in, whatever happens
  int max_failures = 5;                      // failed sign-ins per account or address ...
  UnixSeconds failure_window = 15 * 60;      // ... within this window before 429
};

struct SignedIn {
  std::string token;  // the session cookie's value; returned once
  std::string csrf;   // must accompany unsafe requests in X-CSRF-Token
  User user;
  UnixSeconds expires_at = 0;  // the absolute timeout
};

struct SessionView {
  User user;
  std::string csrf;
  UnixSeconds expires_at = 0;
  UnixSeconds idle_expires_at = 0;
};

class SessionService {
 public:
  SessionService(Store& store, const Clock& clock, const AuditLog& audit, AccessIndex& access,
                 SessionOptions options = {})
      : store_(store), clock_(clock), audit_(audit), access_(access), options_(options) {}

  // kUnauthenticated with one message for unknown tenant, unknown e-mail, wrong password or
  // disabled user; kTooManyRequests (429) while the account or address is throttled.
  Result<SignedIn> login(std::string_view tenant_id, std::string_view email, std::string_view password,
                         std::string_view client_ip);
  void logout(std::string_view token);

  // The principal of a live session. `csrf` is checked when `unsafe` (POST, PATCH, PUT,
  // DELETE): a cross-site form cannot read the token, so it cannot forge a change.
  Result<Principal> authenticate(std::string_view token, std::optional<std::string_view> csrf, bool unsafe);
  Result<SessionView> describe(std::string_view token);

  // Seconds until a throttled sign-in may be tried again (for Retry-After), 0 if none.
  UnixSeconds retryAfter(std::string_view tenant_id, std::string_view email, std::string_view client_ip);

 private:
  struct Session {
    std::string tenant_id;
    std::string user_id;
    std::string csrf;
    // Digest of the user's password hash at sign-in: a password change (or reset) ends
    // every session opened with the old password.
    std::string credential;
    UnixSeconds created_at = 0;
    UnixSeconds last_seen = 0;
  };
  struct Failures {
    int count = 0;
    UnixSeconds window_start = 0;
  };

  // Locked: the live session for a token digest, dropping it when timed out.
  Session* findLocked(std::string_view token, UnixSeconds now);
  UnixSeconds blockedForLocked(const std::string& key, UnixSeconds now);
  void recordFailureLocked(const std::string& key, UnixSeconds now);
  void auditLogin(std::string_view tenant_id, std::string_view actor, std::string_view client_ip,
                  std::string_view outcome, std::string_view email);

  Store& store_;
  const Clock& clock_;
  const AuditLog& audit_;
  AccessIndex& access_;
  SessionOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;  // by hex digest of the token
  std::map<std::string, Failures> failures_;           // "acct:<tenant>/<email>" and "ip:<addr>"
};

}  // namespace keyward
