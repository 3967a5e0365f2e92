#include "core/session_service.h"

#include <array>

#include "common/json_text.h"
#include "core/validation.h"
#include "crypto/base62.h"
#include "crypto/digest.h"
#include "crypto/password.h"
#include "crypto/random.h"

namespace keyward {
namespace {

Result<std::string> newToken() {
  std::array<std::uint8_t, 32> bytes{};
  if (auto st = crypto::randomBytes(bytes); !st) return std::unexpected(st.error());
  return crypto::base62EncodeFixed(bytes, 43);
}

std::string digestKey(std::string_view token) { return crypto::toHex(crypto::sha256(token)); }

std::unexpected<Error> badSignIn() {
  return fail(ErrorKind::kUnauthenticated, "SIGN_IN_FAILED", "the tenant, e-mail or password is wrong");
}

// A hash of a random password, verified against when the e-mail is unknown, so an unknown
// e-mail costs as long as a wrong password and timing does not reveal which accounts exist.
const std::string& decoyHash() {
  static const std::string kHash = [] {
    auto h = crypto::hashPassword("keyward-decoy-password-never-valid");
    return h ? *h : std::string();
  }();
  return kHash;
}

}  // namespace

void SessionService::auditLogin(std::string_view tenant_id, std::string_view actor, std::string_view client_ip,
                                std::string_view outcome, std::string_view email) {
  Actor a;
  a.principal.kind = PrincipalKind::kUser;
  a.principal.subject_id = actor;
  a.principal.tenant_id = tenant_id;
  a.client_ip = client_ip;
  auto ev = audit_.event(a, tenant_id, outcome == "success" ? "user.login" : "user.login_failed", actor,
                         "{\"email\":" + jsonString(email) + "}");
  if (!ev) return;
  ev->outcome = outcome;
  (void)store_.appendAudit(*ev);  // best effort: a sign-in is not refused because audit is down
}

UnixSeconds SessionService::blockedForLocked(const std::string& key, UnixSeconds now) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  const UnixSeconds until = it->second.window_start + options_.failure_window;
  if (until <= now) {
    failures_.erase(it);
    return 0;
  }
  return it->second.count >= options_.max_failures ? until - now : 0;
}

void SessionService::recordFailureLocked(const std::string& key, UnixSeconds now) {
  if (failures_.size() > 100'000) {  // bound memory under a spray of addresses or e-mails
    std::erase_if(failures_, [&](const auto& kv) { return kv.second.window_start + options_.failure_window <= now; });
  }
  auto& f = failures_[key];
  if (f.count == 0 || f.window_start + options_.failure_window <= now) f = Failures{0, now};
  f.count++;
}

UnixSeconds SessionService::retryAfter(std::string_view tenant_id, std::string_view email, std::string_view client_ip) {
  std::lock_guard lock(mu_);
  const UnixSeconds now = clock_.now();
  const std::string acct = "acct:" + std::string(tenant_id) + "/" + normalizeEmail(email).value_or(std::string(email));
  return std::max(blockedForLocked(acct, now), blockedForLocked("ip:" + std::string(client_ip), now));
}

Result<SignedIn> SessionService::login(std::string_view tenant_id, std::string_view email, std::string_view password,
                                       std::string_view client_ip) {
  const std::string normalized = normalizeEmail(email).value_or(std::string(email));
  const std::string acct = "acct:" + std::string(tenant_id) + "/" + normalized;
  const std::string addr = "ip:" + std::string(client_ip);
  const bool tenant_exists = store_.getTenant(tenant_id).has_value();
  const std::string audit_tenant = tenant_exists ? std::string(tenant_id) : std::string(kSystemTenantId);
  {
    std::lock_guard lock(mu_);
    const UnixSeconds now = clock_.now();
    if (const UnixSeconds wait = std::max(blockedForLocked(acct, now), blockedForLocked(addr, now)); wait > 0) {
      auditLogin(audit_tenant, "anonymous", client_ip, "throttled", normalized);
      return fail(ErrorKind::kTooManyRequests, "TOO_MANY_SIGN_IN_ATTEMPTS",
                  "too many failed sign-ins for this account or address; try again in " + std::to_string(wait) +
                      " seconds");
    }
  }
  Result<User> user = tenant_exists ? store_.findUserByEmail(tenant_id, normalized) : notFound("user");
  if (!user && user.error().kind != ErrorKind::kNotFound) return std::unexpected(user.error());
  // Argon2 runs for unknown accounts too (see decoyHash) and outside the lock.
  const bool password_ok = crypto::verifyPassword(user ? user->password_hash : decoyHash(), password);
  const UnixSeconds now = clock_.now();
  if (!user || !password_ok || user->disabled) {
    {
      std::lock_guard lock(mu_);
      recordFailureLocked(acct, now);
      recordFailureLocked(addr, now);
    }
    auditLogin(audit_tenant, user ? std::string_view(user->id) : std::string_view("anonymous"), client_ip, "failure",
               normalized);
    return badSignIn();
  }
  auto token = newToken();
  if (!token) return std::unexpected(token.error());
  auto csrf = newToken();
  if (!csrf) return std::unexpected(csrf.error());
  {
    std::lock_guard lock(mu_);
    failures_.erase(acct);
    if (sessions_.size() > 100'000) {
      std::erase_if(sessions_, [&](const auto& kv) {
        return kv.second.last_seen + options_.idle_timeout <= now ||
               kv.second.created_at + options_.absolute_timeout <= now;
      });
    }
    sessions_[digestKey(*token)] = Session{user->tenant_id, user->id, *csrf, digestKey(user->password_hash), now, now};
  }
  auditLogin(user->tenant_id, user->id, client_ip, "success", normalized);
  return SignedIn{std::move(*token), std::move(*csrf), std::move(*user), now + options_.absolute_timeout};
}

void SessionService::logout(std::string_view token) {
  std::lock_guard lock(mu_);
  sessions_.erase(digestKey(token));
}

SessionService::Session* SessionService::findLocked(std::string_view token, UnixSeconds now) {
  auto it = sessions_.find(digestKey(token));
  if (it == sessions_.end()) return nullptr;
  const Session& s = it->second;
  if (s.last_seen + options_.idle_timeout <= now || s.created_at + options_.absolute_timeout <= now) {
    sessions_.erase(it);
    return nullptr;
  }
  return &it->second;
}

Result<Principal> SessionService::authenticate(std::string_view token, std::optional<std::string_view> csrf,
                                               bool unsafe) {
  Session s;
  {
    std::lock_guard lock(mu_);
    const UnixSeconds now = clock_.now();
    Session* live = findLocked(token, now);
    if (!live) {
      return fail(ErrorKind::kUnauthenticated, "UNAUTHENTICATED", "the session has ended; sign in again");
    }
    if (unsafe) {
      const std::string_view given = csrf.value_or("");
      const bool match = given.size() == live->csrf.size() &&
                         crypto::constantTimeEqual(std::span(reinterpret_cast<const std::uint8_t*>(given.data()),
                                                             given.size()),
                                                   std::span(reinterpret_cast<const std::uint8_t*>(live->csrf.data()),
                                                             live->csrf.size()));
      if (!match) {
        return fail(ErrorKind::kForbidden, "CSRF_TOKEN_INVALID",
                    "a signed-in change needs the session's CSRF token in the X-CSRF-Token header");
      }
    }
    live->last_seen = now;
    s = *live;
  }
  auto user = store_.getUser(s.tenant_id, s.user_id);
  if (!user || user->disabled || digestKey(user->password_hash) != s.credential) {
    logout(token);  // a deleted, disabled or re-passworded user's sessions end at their next request
    return fail(ErrorKind::kUnauthenticated, "UNAUTHENTICATED", "the session has ended; sign in again");
  }
  auto perms = access_.permissionsOf(s.tenant_id, user->roles);
  if (!perms) return std::unexpected(perms.error());
  Principal p;
  p.kind = PrincipalKind::kUser;
  p.subject_id = user->id;
  p.tenant_id = user->tenant_id;
  p.permissions = std::move(*perms);
  return p;
}

Result<SessionView> SessionService::describe(std::string_view token) {
  Session s;
  {
    std::lock_guard lock(mu_);
    Session* live = findLocked(token, clock_.now());
    if (!live) return fail(ErrorKind::kUnauthenticated, "UNAUTHENTICATED", "the session has ended; sign in again");
    s = *live;
  }
  auto user = store_.getUser(s.tenant_id, s.user_id);
  if (!user) return fail(ErrorKind::kUnauthenticated, "UNAUTHENTICATED", "the session has ended; sign in again");
  return SessionView{std::move(*user), s.csrf, s.created_at + options_.absolute_timeout,
                     s.last_seen + options_.idle_timeout};
}

}  // namespace keyward
