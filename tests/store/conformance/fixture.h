// fixture.h — what every part of the store conformance suite shares: the time constants, the
// record builders (tenant, key, user, event, ...), and StoreFixture, the backend-agnostic test
// fixture each aggregate's suite derives from. Nothing here knows which backend it talks to.
//
// A backend runs the suite with a type `Backend` that provides:
//   static std::string unavailable();            // non-empty: why the suite is skipped
//   Backend();                                   // a fresh, empty, isolated database
//   Result<std::unique_ptr<Store>> open();       // a store on that database
//   ~Backend();                                  // drops the database
// and then, in one .cc file, at global namespace scope (see conformance.h):
//   KEYWARD_STORE_CONFORMANCE(Name, Backend);
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/random.h"
#include "store/store.h"

namespace keyward::store_testing {

inline constexpr UnixSeconds kT0 = 1'800'000'000;
inline constexpr UnixSeconds kDay = 86400;

inline std::string freshId(std::string_view prefix) { return crypto::newId(prefix).value(); }

inline AuditEvent event(std::string tenant_id, std::string action, std::string target, UnixSeconds at = kT0,
                        std::string actor = "key_actor") {
  AuditEvent ev;
  ev.id = freshId("evt");
  ev.tenant_id = std::move(tenant_id);
  ev.actor = std::move(actor);
  ev.action = std::move(action);
  ev.target = std::move(target);
  ev.client_ip = "192.0.2.10";
  ev.outcome = "success";
  ev.detail_json = R"({"k":"v"})";
  ev.at = at;
  return ev;
}

inline Tenant tenant(std::string name) {
  Tenant t;
  t.id = freshId("ten");
  t.name = std::move(name);
  t.created_at = t.updated_at = kT0;
  return t;
}

inline KeyGroup group(const Tenant& t, std::string name) {
  KeyGroup g;
  g.id = freshId("grp");
  g.tenant_id = t.id;
  g.name = std::move(name);
  g.description = "the " + g.name + " group";
  g.created_at = g.updated_at = kT0;
  return g;
}

inline ApiKey key(const Tenant& t, std::string name, std::optional<std::string> group_id = std::nullopt) {
  ApiKey k;
  k.id = freshId("key");
  k.tenant_id = t.id;
  k.name = std::move(name);
  k.description = "key " + k.name;
  k.group_id = std::move(group_id);
  k.digest = crypto::sha256(k.id);  // unique per key; the tests never need the secret
  k.start = "kw_" + k.id.substr(4, 4);
  k.expires_at = kT0 + 30 * kDay;
  k.created_by = "key_creator";
  k.created_at = k.updated_at = kT0;
  return k;
}

inline RoleAssignment unscoped(std::string_view role) { return RoleAssignment{std::string(role), false, {}}; }
inline RoleAssignment ofAll(std::string_view role) { return RoleAssignment{std::string(role), true, {}}; }
inline RoleAssignment of(std::string_view role, std::vector<std::string> resources) {
  return RoleAssignment{std::string(role), false, std::move(resources)};
}

inline User user(const Tenant& t, std::string email) {
  User u;
  u.id = freshId("usr");
  u.tenant_id = t.id;
  u.email = std::move(email);
  u.display_name = "Display " + u.email;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  u.created_by = "key_creator";
  u.created_at = u.updated_at = kT0;
  return u;
}

inline ServiceUser serviceUser(const Tenant& t, std::string name) {
  ServiceUser u;
  u.id = freshId("svc");
  u.tenant_id = t.id;
  u.name = std::move(name);
  u.description = "service user " + u.name;
  u.created_by = "key_creator";
  u.created_at = u.updated_at = kT0;
  return u;
}

inline UserGroup userGroup(const Tenant& t, std::string name, std::vector<std::string> members = {},
                           std::vector<std::string> subscriptions = {}) {
  UserGroup g;
  g.id = freshId("ugr");
  g.tenant_id = t.id;
  g.name = std::move(name);
  g.description = "the " + g.name + " users";
  g.members = std::move(members);
  g.subscriptions = std::move(subscriptions);
  g.created_by = "key_creator";
  g.created_at = g.updated_at = kT0;
  return g;
}

inline Role role(const Tenant& t, std::string name, std::vector<Permission> permissions = {},
                 std::optional<std::string> scope_module = std::nullopt) {
  Role r;
  r.id = freshId("rol");
  r.tenant_id = t.id;
  r.name = std::move(name);
  r.description = "role " + r.name;
  r.permissions = std::move(permissions);
  r.scope_module = std::move(scope_module);
  r.created_by = "key_creator";
  r.created_at = r.updated_at = kT0;
  return r;
}

inline Module module(const Tenant& t, std::string name) {
  Module m;
  m.tenant_id = t.id;
  m.name = std::move(name);
  m.description = "module " + m.name;
  m.created_at = kT0;
  return m;
}

inline OwnerRef ownedBy(const ServiceUser& u) { return OwnerRef{PrincipalKind::kServiceUser, u.id}; }
inline OwnerRef ownedBy(const User& u) { return OwnerRef{PrincipalKind::kUser, u.id}; }

inline std::vector<std::string> ids(const auto& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.id);
  return out;
}

// Builds an AuditFilter: Q().action("key.create").since(t).
struct Q {
  AuditFilter f;
  Q& action(std::string v) {
    f.action = std::move(v);
    return *this;
  }
  Q& actor(std::string v) {
    f.actor = std::move(v);
    return *this;
  }
  Q& target(std::string v) {
    f.target = std::move(v);
    return *this;
  }
  Q& since(UnixSeconds v) {
    f.since = v;
    return *this;
  }
  Q& until(UnixSeconds v) {
    f.until = v;
    return *this;
  }
  operator AuditFilter() const { return f; }
};

template <class Backend>
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Backend::unavailable(); !why.empty()) GTEST_SKIP() << why;
    backend_ = std::make_unique<Backend>();
    auto opened = backend_->open();
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    backend_.reset();
  }

  Store& store() { return *store_; }

  // Closes the store and opens a new one on the same database (what a restart sees).
  void reopen() {
    store_.reset();
    auto opened = backend_->open();
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  std::vector<std::string> auditActions(std::string_view tenant_id) {
    std::vector<std::string> out;
    for (const auto& e : audit(tenant_id)) out.push_back(e.action);
    return out;
  }

  // Every audit event of `tenant_id`, across all pages.
  std::vector<AuditEvent> audit(std::string_view tenant_id, AuditFilter f = {}) {
    std::vector<AuditEvent> out;
    f.page.limit = 500;
    for (;;) {
      auto page = store_->listAudit(tenant_id, f);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) return out;
      out.insert(out.end(), page->items.begin(), page->items.end());
      if (!page->next) return out;
      f.page.after = *page->next;
    }
  }

  Tenant addTenant(std::string name) {
    Tenant t = tenant(std::move(name));
    auto st = store_->createTenant(t, event(t.id, "tenant.create", t.id));
    EXPECT_TRUE(st) << st.error().message;
    return t;
  }

  KeyGroup addGroup(const Tenant& t, std::string name) {
    KeyGroup g = group(t, std::move(name));
    auto st = store_->createGroup(g, event(t.id, "key_group.create", g.id));
    EXPECT_TRUE(st) << st.error().message;
    return g;
  }

  ApiKey addKey(ApiKey k) {
    auto st = store_->createKey(k, event(k.tenant_id, "key.create", k.id), std::nullopt);
    EXPECT_TRUE(st) << st.error().message;
    return k;
  }

  User addUser(User u) {
    auto st = store_->createUser(u, event(u.tenant_id, "user.create", u.id));
    EXPECT_TRUE(st) << st.error().message;
    return u;
  }

  ServiceUser addServiceUser(ServiceUser u) {
    auto st = store_->createServiceUser(u, event(u.tenant_id, "service_user.create", u.id));
    EXPECT_TRUE(st) << st.error().message;
    return u;
  }

  UserGroup addUserGroup(UserGroup g) {
    auto st = store_->createUserGroup(g, event(g.tenant_id, "user_group.create", g.id));
    EXPECT_TRUE(st) << st.error().message;
    return g;
  }

  Role addRole(Role r) {
    auto st = store_->createRole(r, event(r.tenant_id, "role.create", r.id));
    EXPECT_TRUE(st) << st.error().message;
    return r;
  }

  Module addModule(Module m) {
    auto st = store_->createModule(m, event(m.tenant_id, "module.create", m.name));
    EXPECT_TRUE(st) << st.error().message;
    return m;
  }

  void revoke(ApiKey k, UnixSeconds at = kT0 + 1) {
    k.revoked_at = at;
    k.updated_at = at;
    auto st = store_->updateKey(k, event(k.tenant_id, "key.revoke", k.id, at));
    EXPECT_TRUE(st) << st.error().message;
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Store> store_;
};

}  // namespace keyward::store_testing
