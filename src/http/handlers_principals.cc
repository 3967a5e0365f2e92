// /v1/tenants/{tenant_id}/users, .../service-users, .../user-groups
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/render.h"

namespace keyward::http {
namespace {

Response emptyUpdate(const Ctx& c) {
  return errorResponse(c, Error{ErrorKind::kInvalid, "EMPTY_UPDATE", "the request changes nothing", ""});
}

}  // namespace

// ---- users ---------------------------------------------------------------------------------

Response createUser(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  CreateUserInput in;
  in.email = r.reqString("email");
  in.display_name = r.reqString("display_name");
  in.password = r.reqString("password");
  in.roles = r.optAssignments("roles").value_or(std::vector<RoleAssignment>{});
  in.disabled = r.optBool("disabled").value_or(false);
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  auto u = c.deps.principals.createUser(*actor, c.params[0], in);
  if (!u) return errorResponse(c, u.error());
  return jsonResponse(201, renderUser(*u)).with("location", "/v1/tenants/" + u->tenant_id + "/users/" + u->id);
}

Response listUsers(Ctx& c) {
  return listWith<User>(
      c, [&](const Actor& a, const PageRequest& p) { return c.deps.principals.listUsers(a, c.params[0], p); },
      renderUser);
}

Response getUser(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto u = c.deps.principals.getUser(*actor, c.params[0], c.params[1]);
  if (!u) return errorResponse(c, u.error());
  return jsonResponse(200, renderUser(*u));
}

Response updateUser(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  UpdateUserInput in;
  in.email = r.optString("email");
  in.display_name = r.optString("display_name");
  in.password = r.optString("password");
  in.roles = r.optAssignments("roles");
  in.disabled = r.optBool("disabled");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (!in.email && !in.display_name && !in.password && !in.roles && !in.disabled) return emptyUpdate(c);
  auto u = c.deps.principals.updateUser(*actor, c.params[0], c.params[1], in);
  if (!u) return errorResponse(c, u.error());
  return jsonResponse(200, renderUser(*u));
}

Response deleteUser(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = c.deps.principals.removeUser(*actor, c.params[0], c.params[1]); !st) {
    return errorResponse(c, st.error());
  }
  return noContent();
}

// ---- service users ------------------------------------------------------------------------

Response createServiceUser(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  CreateServiceUserInput in;
  in.name = r.reqString("name");
  in.description = r.optString("description").value_or("");
  in.roles = r.optAssignments("roles").value_or(std::vector<RoleAssignment>{});
  in.disabled = r.optBool("disabled").value_or(false);
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  auto s = c.deps.principals.createServiceUser(*actor, c.params[0], in);
  if (!s) return errorResponse(c, s.error());
  return jsonResponse(201, renderServiceUser(*s))
      .with("location", "/v1/tenants/" + s->tenant_id + "/service-users/" + s->id);
}

Response listServiceUsers(Ctx& c) {
  return listWith<ServiceUser>(
      c, [&](const Actor& a, const PageRequest& p) { return c.deps.principals.listServiceUsers(a, c.params[0], p); },
      renderServiceUser);
}

Response getServiceUser(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto s = c.deps.principals.getServiceUser(*actor, c.params[0], c.params[1]);
  if (!s) return errorResponse(c, s.error());
  return jsonResponse(200, renderServiceUser(*s));
}

Response updateServiceUser(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  UpdateServiceUserInput in;
  in.name = r.optString("name");
  in.description = r.optString("description");
  in.roles = r.optAssignments("roles");
  in.disabled = r.optBool("disabled");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (!in.name && !in.description && !in.roles && !in.disabled) return emptyUpdate(c);
  auto s = c.deps.principals.updateServiceUser(*actor, c.params[0], c.params[1], in);
  if (!s) return errorResponse(c, s.error());
  return jsonResponse(200, renderServiceUser(*s));
}

Response deleteServiceUser(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = c.deps.principals.removeServiceUser(*actor, c.params[0], c.params[1]); !st) {
    return errorResponse(c, st.error());
  }
  return noContent();
}

// ---- user groups --------------------------------------------------------------------------

Response createUserGroup(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  CreateUserGroupInput in;
  in.name = r.reqString("name");
  in.description = r.optString("description").value_or("");
  in.members = r.optStringArray("members").value_or(std::vector<std::string>{});
  in.subscriptions = r.optStringArray("subscriptions").value_or(std::vector<std::string>{});
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  auto g = c.deps.principals.createUserGroup(*actor, c.params[0], in);
  if (!g) return errorResponse(c, g.error());
  return jsonResponse(201, renderUserGroup(*g))
      .with("location", "/v1/tenants/" + g->tenant_id + "/user-groups/" + g->id);
}

Response listUserGroups(Ctx& c) {
  return listWith<UserGroup>(
      c, [&](const Actor& a, const PageRequest& p) { return c.deps.principals.listUserGroups(a, c.params[0], p); },
      renderUserGroup);
}

Response getUserGroup(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto g = c.deps.principals.getUserGroup(*actor, c.params[0], c.params[1]);
  if (!g) return errorResponse(c, g.error());
  return jsonResponse(200, renderUserGroup(*g));
}

Response updateUserGroup(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  UpdateUserGroupInput in;
  in.name = r.optString("name");
  in.description = r.optString("description");
  in.members = r.optStringArray("members");
  in.subscriptions = r.optStringArray("subscriptions");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (!in.name && !in.description && !in.members && !in.subscriptions) return emptyUpdate(c);
  auto g = c.deps.principals.updateUserGroup(*actor, c.params[0], c.params[1], in);
  if (!g) return errorResponse(c, g.error());
  return jsonResponse(200, renderUserGroup(*g));
}

Response deleteUserGroup(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = c.deps.principals.removeUserGroup(*actor, c.params[0], c.params[1]); !st) {
    return errorResponse(c, st.error());
  }
  return noContent();
}

}  // namespace keyward::http
