#include "core/role_service.h"

#include "common/json_text.h"
#include "core/access.h"
#include "core/object_access.h"
#include "core/roles.h"
#include "core/validation.h"
#include "crypto/random.h"

namespace keyward {
namespace {

Error builtinRoleRefused() {
  return Error{ErrorKind::kConflict, "BUILTIN_ROLE", "built-in roles cannot be edited or deleted; create a custom role",
               ""};
}

}  // namespace

Status RoleService::checkMatrix(const Actor& actor, std::string_view tenant_id, const std::vector<Permission>& perms,
                                const std::optional<std::string>& scope_module) {
  auto modules = store_.listModules(tenant_id);
  if (!modules) return std::unexpected(modules.error());
  auto known = [&](std::string_view name) {
    if (isBuiltinModule(name)) return true;
    for (const auto& m : *modules)
      if (m.name == name) return true;
    return false;
  };
  if (auto st = validatePermissions(perms, known); !st) return st;
  if (scope_module && !known(*scope_module)) {
    return fail(ErrorKind::kInvalid, "UNKNOWN_MODULE", "unknown module '" + *scope_module + "'", "scope_module");
  }
  // The role as it would be given for all resources: the most it can ever grant.
  verify::PermissionSet granted;
  for (const auto& p : perms) granted.add(p.module, p.action, verify::Grant{p.level, true, {}});
  granted.seal();
  return checkNoEscalation(actor.principal, granted, "the role's permissions");
}

Result<Role> RoleService::create(const Actor& actor, std::string_view tenant_id, const CreateRoleInput& in) {
  if (auto g = audit_.guard(actor, kModuleRoles, Action::kAdd, tenant_id, "role.create", in.name); !g) {
    return std::unexpected(g.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  if (auto st = validateName("name", in.name); !st) return std::unexpected(st.error());
  if (findBuiltinRole(in.name)) {
    return fail(ErrorKind::kConflict, "NAME_TAKEN", "'" + in.name + "' is a built-in role", "name");
  }
  if (auto st = validateDescription("description", in.description); !st) return std::unexpected(st.error());
  if (auto st = checkMatrix(actor, tenant_id, in.permissions, in.scope_module); !st) return std::unexpected(st.error());
  auto id = crypto::newId("rol");
  if (!id) return std::unexpected(id.error());
  Role r;
  r.id = std::move(*id);
  r.tenant_id = tenant_id;
  r.name = in.name;
  r.description = in.description;
  r.permissions = in.permissions;
  r.scope_module = in.scope_module;
  r.created_by = actor.principal.subject_id;
  r.created_at = r.updated_at = clock_.now();
  auto ev = audit_.event(actor, tenant_id, "role.create", r.id, "{\"name\":" + jsonString(r.name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.createRole(r, *ev); !st) {
    Error e = st.error();
    if (e.code == "NAME_TAKEN") {
      e.message = "a role named '" + r.name + "' already exists in this tenant";
      e.field = "name";
    }
    return std::unexpected(e);
  }
  return store_.getRole(tenant_id, r.id);
}

Result<Role> RoleService::get(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  // Built-in roles are everyone's to read (whoever may inquire roles at all).
  if (const Role* r = findBuiltinRoleById(id)) {
    if (auto g = audit_.guard(actor, kModuleRoles, Action::kInquire, tenant_id, "role.read", id); !g) {
      return std::unexpected(g.error());
    }
    if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
    return *r;
  }
  return readGuarded<Role>(audit_, actor, kModuleRoles, Action::kInquire, tenant_id, id, "role.read",
                           [&] { return store_.getRole(tenant_id, id); });
}

Result<std::vector<Role>> RoleService::list(const Actor& actor, std::string_view tenant_id) {
  auto g = audit_.guard(actor, kModuleRoles, Action::kInquire, tenant_id, "role.list", tenant_id);
  if (!g) return std::unexpected(g.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  auto custom = store_.listRoles(tenant_id);
  if (!custom) return custom;
  keepCovered(actor, **g, *custom);
  std::vector<Role> out = builtinRoles();
  out.insert(out.end(), custom->begin(), custom->end());
  return out;
}

Result<Role> RoleService::update(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                 const UpdateRoleInput& in) {
  auto write = access_.writeLock();  // commit and index update in one order
  auto g = audit_.guard(actor, kModuleRoles, Action::kEdit, tenant_id, "role.update", id);
  if (!g) return std::unexpected(g.error());
  if (findBuiltinRoleById(id)) return std::unexpected(builtinRoleRefused());
  auto r = store_.getRole(tenant_id, id);
  if (!r) return r;
  if (auto st = audit_.guardObject(actor, **g, kModuleRoles, Action::kEdit, tenant_id,
                                   Ownership{r->id, r->created_by, ""}, "role.update");
      !st) {
    return std::unexpected(st.error());
  }
  std::vector<std::string> changed;
  if (in.description) {
    if (auto st = validateDescription("description", *in.description); !st) return std::unexpected(st.error());
    r->description = *in.description;
    changed.emplace_back("description");
  }
  if (in.permissions) {
    r->permissions = *in.permissions;
    changed.emplace_back("permissions");
  }
  if (in.scope_module) {
    r->scope_module = *in.scope_module;
    changed.emplace_back("scope_module");
  }
  if (auto st = checkMatrix(actor, tenant_id, r->permissions, r->scope_module); !st) return std::unexpected(st.error());
  r->updated_at = clock_.now();
  auto ev = audit_.event(actor, tenant_id, "role.update", r->id, changedDetail(changed));
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateRole(*r, *ev); !st) return std::unexpected(st.error());
  if (in.permissions || in.scope_module) {
    if (auto st = access_.refreshRole(tenant_id, r->name); !st) return std::unexpected(st.error());
  }
  return store_.getRole(tenant_id, id);
}

Status RoleService::remove(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  auto g = audit_.guard(actor, kModuleRoles, Action::kDelete, tenant_id, "role.delete", id);
  if (!g) return std::unexpected(g.error());
  if (findBuiltinRoleById(id)) return std::unexpected(builtinRoleRefused());
  auto r = store_.getRole(tenant_id, id);
  if (!r) return std::unexpected(r.error());
  if (auto st = audit_.guardObject(actor, **g, kModuleRoles, Action::kDelete, tenant_id,
                                   Ownership{r->id, r->created_by, ""}, "role.delete");
      !st) {
    return st;
  }
  auto ev = audit_.event(actor, tenant_id, "role.delete", id, "{\"name\":" + jsonString(r->name) + "}");
  if (!ev) return std::unexpected(ev.error());
  return store_.deleteRole(tenant_id, id, *ev);
}

Result<std::vector<Module>> RoleService::listModules(const Actor& actor, std::string_view tenant_id) {
  if (auto g = audit_.guard(actor, kModuleSettings, Action::kInquire, tenant_id, "module.list", tenant_id); !g) {
    return std::unexpected(g.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  auto mine = store_.listModules(tenant_id);
  if (!mine) return mine;
  std::vector<Module> out = builtinModules();
  out.insert(out.end(), mine->begin(), mine->end());
  return out;
}

Result<Module> RoleService::createModule(const Actor& actor, std::string_view tenant_id, const Module& in) {
  if (auto g = audit_.guard(actor, kModuleSettings, Action::kEdit, tenant_id, "module.create", in.name); !g) {
    return std::unexpected(g.error());
  }
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  if (auto st = validateModuleName(in.name); !st) return std::unexpected(st.error());
  if (auto st = validateDescription("description", in.description); !st) return std::unexpected(st.error());
  if (isBuiltinModule(in.name)) {
    return fail(ErrorKind::kConflict, "NAME_TAKEN", "'" + in.name + "' is a built-in module", "name");
  }
  Module m{std::string(tenant_id), in.name, in.description, false, clock_.now()};
  auto ev = audit_.event(actor, tenant_id, "module.create", m.name);
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.createModule(m, *ev); !st) {
    Error e = st.error();
    if (e.code == "NAME_TAKEN") {
      e.message = "module '" + m.name + "' is already registered in this tenant";
      e.field = "name";
    }
    return std::unexpected(e);
  }
  return m;
}

Status RoleService::removeModule(const Actor& actor, std::string_view tenant_id, std::string_view name) {
  if (auto g = audit_.guard(actor, kModuleSettings, Action::kEdit, tenant_id, "module.delete", name); !g) {
    return std::unexpected(g.error());
  }
  if (isBuiltinModule(name)) {
    return fail(ErrorKind::kConflict, "BUILTIN_MODULE", "built-in modules cannot be removed");
  }
  auto ev = audit_.event(actor, tenant_id, "module.delete", name);
  if (!ev) return std::unexpected(ev.error());
  return store_.deleteModule(tenant_id, name, *ev);
}

}  // namespace keyward
