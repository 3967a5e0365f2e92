// /v1/tenants/{tenant_id}/roles[/{role_id}] and .../modules[/{name}]
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/render.h"

namespace keyward::http {

Response createRole(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  CreateRoleInput in;
  in.name = r.reqString("name");
  in.description = r.optString("description").value_or("");
  in.permissions = r.optPermissions("permissions").value_or(std::vector<Permission>{});
  if (auto m = r.optNullableString("scope_module")) in.scope_module = *m;
  const bool has_permissions = r.has("permissions");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (!has_permissions) {
    return errorResponse(c, Error{ErrorKind::kInvalid, "MISSING_FIELD", "permissions is required", "permissions"});
  }
  auto role = c.deps.roles.create(*actor, c.params[0], in);
  if (!role) return errorResponse(c, role.error());
  return jsonResponse(201, renderRole(*role)).with("location", "/v1/tenants/" + c.params[0] + "/roles/" + role->id);
}

Response listRoles(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = Query(c.req.query).onlyAllow({}); !st) return errorResponse(c, st.error());
  auto roles = c.deps.roles.list(*actor, c.params[0]);
  if (!roles) return errorResponse(c, roles.error());
  boost::json::array items;
  for (const auto& r : *roles) items.push_back(renderRole(r));
  return jsonResponse(200, boost::json::object{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

Response getRole(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto role = c.deps.roles.get(*actor, c.params[0], c.params[1]);
  if (!role) return errorResponse(c, role.error());
  return jsonResponse(200, renderRole(*role));
}

Response updateRole(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  if (r.has("name")) {
    return errorResponse(c,
                         Error{ErrorKind::kInvalid, "IMMUTABLE_FIELD",
                               "a role's name cannot be changed: assignments refer to it; create a new role", "name"});
  }
  UpdateRoleInput in;
  in.description = r.optString("description");
  in.permissions = r.optPermissions("permissions");
  in.scope_module = r.optNullableString("scope_module");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (!in.description && !in.permissions && !in.scope_module) {
    return errorResponse(c, Error{ErrorKind::kInvalid, "EMPTY_UPDATE", "the request changes nothing", ""});
  }
  auto role = c.deps.roles.update(*actor, c.params[0], c.params[1], in);
  if (!role) return errorResponse(c, role.error());
  return jsonResponse(200, renderRole(*role));
}

Response deleteRole(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = c.deps.roles.remove(*actor, c.params[0], c.params[1]); !st) return errorResponse(c, st.error());
  return noContent();
}

Response listModules(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = Query(c.req.query).onlyAllow({}); !st) return errorResponse(c, st.error());
  auto modules = c.deps.roles.listModules(*actor, c.params[0]);
  if (!modules) return errorResponse(c, modules.error());
  boost::json::array items;
  for (const auto& m : *modules) items.push_back(renderModule(m));
  return jsonResponse(200, boost::json::object{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

Response createModule(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  Module in;
  in.name = r.reqString("name");
  in.description = r.optString("description").value_or("");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  auto m = c.deps.roles.createModule(*actor, c.params[0], in);
  if (!m) return errorResponse(c, m.error());
  return jsonResponse(201, renderModule(*m)).with("location", "/v1/tenants/" + c.params[0] + "/modules/" + m->name);
}

Response deleteModule(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = c.deps.roles.removeModule(*actor, c.params[0], c.params[1]); !st) return errorResponse(c, st.error());
  return noContent();
}

}  // namespace keyward::http
