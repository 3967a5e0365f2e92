#include "core/principal_service.h"

#include <algorithm>

#include "common/json_text.h"
#include "core/access.h"
#include "core/object_access.h"
#include "core/roles.h"
#include "core/validation.h"
#include "crypto/password.h"
#include "crypto/random.h"

namespace keyward {
namespace {

Error nameTaken(Error e, std::string_view what, std::string_view field, std::string_view value) {
  if (e.code == "NAME_TAKEN") {
    e.message = std::string(what) + " '" + std::string(value) + "' already exists in this tenant";
    e.field = field;
  }
  return e;
}

}  // namespace

// ---- users ---------------------------------------------------------------------------------

Result<User> PrincipalService::createUser(const Actor& actor, std::string_view tenant_id, const CreateUserInput& in) {
  if (auto g = audit_.guard(actor, kModuleUsers, Action::kAdd, tenant_id, "user.create", in.email); !g) {
    return std::unexpected(g.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  auto email = normalizeEmail(in.email);
  if (!email) return std::unexpected(email.error());
  if (auto st = validateName("display_name", in.display_name); !st) return std::unexpected(st.error());
  if (auto st = validatePassword(in.password); !st) return std::unexpected(st.error());
  if (auto st = access_.checkAssignable(actor.principal, tenant_id, in.roles, "the user's roles"); !st) {
    return std::unexpected(st.error());
  }
  auto hash = crypto::hashPassword(in.password);
  if (!hash) return std::unexpected(hash.error());
  auto id = crypto::newId("usr");
  if (!id) return std::unexpected(id.error());
  User u;
  u.id = std::move(*id);
  u.tenant_id = tenant_id;
  u.email = std::move(*email);
  u.display_name = in.display_name;
  u.password_hash = std::move(*hash);
  u.roles = in.roles;
  u.disabled = in.disabled;
  u.created_by = actor.principal.subject_id;
  u.created_at = u.updated_at = clock_.now();
  auto ev = audit_.event(actor, tenant_id, "user.create", u.id, "{\"email\":" + jsonString(u.email) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.createUser(u, *ev); !st)
    return std::unexpected(nameTaken(st.error(), "a user with e-mail", "email", u.email));
  return store_.getUser(tenant_id, u.id);
}

Result<User> PrincipalService::getUser(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  return readGuarded<User>(audit_, actor, kModuleUsers, Action::kInquire, tenant_id, id, "user.read",
                           [&] { return store_.getUser(tenant_id, id); });
}

Result<Page<User>> PrincipalService::listUsers(const Actor& actor, std::string_view tenant_id,
                                               const PageRequest& page) {
  auto g = audit_.guard(actor, kModuleUsers, Action::kInquire, tenant_id, "user.list", tenant_id);
  if (!g) return std::unexpected(g.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  auto list = store_.listUsers(tenant_id, page);
  if (list) keepCovered(actor, **g, list->items);
  return list;
}

Result<User> PrincipalService::updateUser(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                          const UpdateUserInput& in) {
  auto write = access_.writeLock();  // commit and index update in one order
  auto u = readGuarded<User>(audit_, actor, kModuleUsers, Action::kEdit, tenant_id, id, "user.update",
                             [&] { return store_.getUser(tenant_id, id); });
  if (!u) return u;
  std::vector<std::string> changed;
  bool access_changed = false;
  // Whoever can set another user's password or e-mail can sign in as that user: only a
  // principal holding at least that user's permissions may do it (no escalation by reset).
  if ((in.password || in.email) && u->id != actor.principal.subject_id) {
    auto theirs = access_.permissionsOf(tenant_id, u->roles);
    if (!theirs) return std::unexpected(theirs.error());
    if (auto st = checkNoEscalation(actor.principal, **theirs, "changing the sign-in of this user"); !st) {
      return std::unexpected(st.error());
    }
  }
  if (in.email) {
    auto email = normalizeEmail(*in.email);
    if (!email) return std::unexpected(email.error());
    u->email = std::move(*email);
    changed.emplace_back("email");
  }
  if (in.display_name) {
    if (auto st = validateName("display_name", *in.display_name); !st) return std::unexpected(st.error());
    u->display_name = *in.display_name;
    changed.emplace_back("display_name");
  }
  if (in.password) {
    if (auto st = validatePassword(*in.password); !st) return std::unexpected(st.error());
    auto hash = crypto::hashPassword(*in.password);
    if (!hash) return std::unexpected(hash.error());
    u->password_hash = std::move(*hash);
    changed.emplace_back("password");
  }
  if (in.roles) {
    if (auto st = access_.checkAssignable(actor.principal, tenant_id, *in.roles, "the user's roles"); !st) {
      return std::unexpected(st.error());
    }
    access_changed = u->roles != *in.roles;
    u->roles = *in.roles;
    changed.emplace_back("roles");
  }
  if (in.disabled) {
    access_changed = access_changed || u->disabled != *in.disabled;
    u->disabled = *in.disabled;
    changed.emplace_back("disabled");
  }
  u->updated_at = clock_.now();
  const char* action = "user.update";
  if (changed.size() == 1 && in.disabled) action = *in.disabled ? "user.disable" : "user.enable";
  auto ev = audit_.event(actor, tenant_id, action, u->id, changedDetail(changed));
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateUser(*u, *ev); !st)
    return std::unexpected(nameTaken(st.error(), "a user with e-mail", "email", u->email));
  if (access_changed) {
    if (auto st = access_.refreshOwner(tenant_id, u->id); !st) return std::unexpected(st.error());
  }
  return store_.getUser(tenant_id, id);
}

Status PrincipalService::removeUser(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  auto u = readGuarded<User>(audit_, actor, kModuleUsers, Action::kDelete, tenant_id, id, "user.delete",
                             [&] { return store_.getUser(tenant_id, id); });
  if (!u) return std::unexpected(u.error());
  auto ev = audit_.event(actor, tenant_id, "user.delete", id, "{\"email\":" + jsonString(u->email) + "}");
  if (!ev) return std::unexpected(ev.error());
  return store_.deleteUser(tenant_id, id, *ev);
}

// ---- service users ------------------------------------------------------------------------

Result<ServiceUser> PrincipalService::createServiceUser(const Actor& actor, std::string_view tenant_id,
                                                        const CreateServiceUserInput& in) {
  if (auto g = audit_.guard(actor, kModuleServiceUsers, Action::kAdd, tenant_id, "service_user.create", in.name); !g) {
    return std::unexpected(g.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  if (auto st = validateName("name", in.name); !st) return std::unexpected(st.error());
  if (auto st = validateDescription("description", in.description); !st) return std::unexpected(st.error());
  if (auto st = access_.checkAssignable(actor.principal, tenant_id, in.roles, "the service user's roles"); !st) {
    return std::unexpected(st.error());
  }
  auto id = crypto::newId("svc");
  if (!id) return std::unexpected(id.error());
  ServiceUser s;
  s.id = std::move(*id);
  s.tenant_id = tenant_id;
  s.name = in.name;
  s.description = in.description;
  s.roles = in.roles;
  s.disabled = in.disabled;
  s.created_by = actor.principal.subject_id;
  s.created_at = s.updated_at = clock_.now();
  auto ev = audit_.event(actor, tenant_id, "service_user.create", s.id, "{\"name\":" + jsonString(s.name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.createServiceUser(s, *ev); !st) {
    return std::unexpected(nameTaken(st.error(), "a service user named", "name", s.name));
  }
  return store_.getServiceUser(tenant_id, s.id);
}

Result<ServiceUser> PrincipalService::getServiceUser(const Actor& actor, std::string_view tenant_id,
                                                     std::string_view id) {
  return readGuarded<ServiceUser>(audit_, actor, kModuleServiceUsers, Action::kInquire, tenant_id, id,
                                  "service_user.read", [&] { return store_.getServiceUser(tenant_id, id); });
}

Result<Page<ServiceUser>> PrincipalService::listServiceUsers(const Actor& actor, std::string_view tenant_id,
                                                             const PageRequest& page) {
  auto g = audit_.guard(actor, kModuleServiceUsers, Action::kInquire, tenant_id, "service_user.list", tenant_id);
  if (!g) return std::unexpected(g.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  auto list = store_.listServiceUsers(tenant_id, page);
  if (list) keepCovered(actor, **g, list->items);
  return list;
}

Result<ServiceUser> PrincipalService::updateServiceUser(const Actor& actor, std::string_view tenant_id,
                                                        std::string_view id, const UpdateServiceUserInput& in) {
  auto write = access_.writeLock();  // commit and index update in one order
  auto s = readGuarded<ServiceUser>(audit_, actor, kModuleServiceUsers, Action::kEdit, tenant_id, id,
                                    "service_user.update", [&] { return store_.getServiceUser(tenant_id, id); });
  if (!s) return s;
  std::vector<std::string> changed;
  bool access_changed = false;
  if (in.name) {
    if (auto st = validateName("name", *in.name); !st) return std::unexpected(st.error());
    s->name = *in.name;
    changed.emplace_back("name");
  }
  if (in.description) {
    if (auto st = validateDescription("description", *in.description); !st) return std::unexpected(st.error());
    s->description = *in.description;
    changed.emplace_back("description");
  }
  if (in.roles) {
    if (auto st = access_.checkAssignable(actor.principal, tenant_id, *in.roles, "the service user's roles"); !st) {
      return std::unexpected(st.error());
    }
    access_changed = s->roles != *in.roles;
    s->roles = *in.roles;
    changed.emplace_back("roles");
  }
  if (in.disabled) {
    access_changed = access_changed || s->disabled != *in.disabled;
    s->disabled = *in.disabled;
    changed.emplace_back("disabled");
  }
  s->updated_at = clock_.now();
  const char* action = "service_user.update";
  if (changed.size() == 1 && in.disabled) action = *in.disabled ? "service_user.disable" : "service_user.enable";
  auto ev = audit_.event(actor, tenant_id, action, s->id, changedDetail(changed));
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateServiceUser(*s, *ev); !st) {
    return std::unexpected(nameTaken(st.error(), "a service user named", "name", s->name));
  }
  if (access_changed) {
    if (auto st = access_.refreshOwner(tenant_id, s->id); !st) return std::unexpected(st.error());
  }
  return store_.getServiceUser(tenant_id, id);
}

Status PrincipalService::removeServiceUser(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  auto s = readGuarded<ServiceUser>(audit_, actor, kModuleServiceUsers, Action::kDelete, tenant_id, id,
                                    "service_user.delete", [&] { return store_.getServiceUser(tenant_id, id); });
  if (!s) return std::unexpected(s.error());
  auto ev = audit_.event(actor, tenant_id, "service_user.delete", id, "{\"name\":" + jsonString(s->name) + "}");
  if (!ev) return std::unexpected(ev.error());
  return store_.deleteServiceUser(tenant_id, id, *ev);
}

// ---- user groups --------------------------------------------------------------------------

namespace {

std::vector<std::string> deduplicated(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

Result<UserGroup> PrincipalService::createUserGroup(const Actor& actor, std::string_view tenant_id,
                                                    const CreateUserGroupInput& in) {
  if (auto g = audit_.guard(actor, kModuleUserGroups, Action::kAdd, tenant_id, "user_group.create", in.name); !g) {
    return std::unexpected(g.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  if (auto st = validateName("name", in.name); !st) return std::unexpected(st.error());
  if (auto st = validateDescription("description", in.description); !st) return std::unexpected(st.error());
  if (auto st = validateSubscriptions(in.subscriptions); !st) return std::unexpected(st.error());
  auto id = crypto::newId("ugr");
  if (!id) return std::unexpected(id.error());
  UserGroup g;
  g.id = std::move(*id);
  g.tenant_id = tenant_id;
  g.name = in.name;
  g.description = in.description;
  g.members = deduplicated(in.members);
  g.subscriptions = deduplicated(in.subscriptions);
  g.created_by = actor.principal.subject_id;
  g.created_at = g.updated_at = clock_.now();
  auto ev = audit_.event(actor, tenant_id, "user_group.create", g.id, "{\"name\":" + jsonString(g.name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.createUserGroup(g, *ev); !st) {
    return std::unexpected(nameTaken(st.error(), "a user group named", "name", g.name));
  }
  return store_.getUserGroup(tenant_id, g.id);
}

Result<UserGroup> PrincipalService::getUserGroup(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  return readGuarded<UserGroup>(audit_, actor, kModuleUserGroups, Action::kInquire, tenant_id, id, "user_group.read",
                                [&] { return store_.getUserGroup(tenant_id, id); });
}

Result<Page<UserGroup>> PrincipalService::listUserGroups(const Actor& actor, std::string_view tenant_id,
                                                         const PageRequest& page) {
  auto g = audit_.guard(actor, kModuleUserGroups, Action::kInquire, tenant_id, "user_group.list", tenant_id);
  if (!g) return std::unexpected(g.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  auto list = store_.listUserGroups(tenant_id, page);
  if (list) keepCovered(actor, **g, list->items);
  return list;
}

Result<UserGroup> PrincipalService::updateUserGroup(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                                    const UpdateUserGroupInput& in) {
  auto g = readGuarded<UserGroup>(audit_, actor, kModuleUserGroups, Action::kEdit, tenant_id, id, "user_group.update",
                                  [&] { return store_.getUserGroup(tenant_id, id); });
  if (!g) return g;
  std::vector<std::string> changed;
  if (in.name) {
    if (auto st = validateName("name", *in.name); !st) return std::unexpected(st.error());
    g->name = *in.name;
    changed.emplace_back("name");
  }
  if (in.description) {
    if (auto st = validateDescription("description", *in.description); !st) return std::unexpected(st.error());
    g->description = *in.description;
    changed.emplace_back("description");
  }
  if (in.members) {
    g->members = deduplicated(*in.members);
    changed.emplace_back("members");
  }
  if (in.subscriptions) {
    if (auto st = validateSubscriptions(*in.subscriptions); !st) return std::unexpected(st.error());
    g->subscriptions = deduplicated(*in.subscriptions);
    changed.emplace_back("subscriptions");
  }
  g->updated_at = clock_.now();
  auto ev = audit_.event(actor, tenant_id, "user_group.update", g->id, changedDetail(changed));
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateUserGroup(*g, *ev); !st) {
    return std::unexpected(nameTaken(st.error(), "a user group named", "name", g->name));
  }
  return store_.getUserGroup(tenant_id, id);
}

Status PrincipalService::removeUserGroup(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  auto g = readGuarded<UserGroup>(audit_, actor, kModuleUserGroups, Action::kDelete, tenant_id, id, "user_group.delete",
                                  [&] { return store_.getUserGroup(tenant_id, id); });
  if (!g) return std::unexpected(g.error());
  auto ev = audit_.event(actor, tenant_id, "user_group.delete", id, "{\"name\":" + jsonString(g->name) + "}");
  if (!ev) return std::unexpected(ev.error());
  return store_.deleteUserGroup(tenant_id, id, *ev);
}

}  // namespace keyward
