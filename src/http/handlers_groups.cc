// /v1/tenants/{tenant_id}/key-groups[/{group_id}]
#include "http/handlers.h"
#include "http/json_input.h"
#include "http/render.h"

namespace keyward::http {

Response createGroup(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  CreateGroupInput in;
  in.name = r.reqString("name");
  in.description = r.optString("description").value_or("");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  auto g = c.deps.groups.create(*actor, c.params[0], in);
  if (!g) return errorResponse(c, g.error());
  return jsonResponse(201, renderGroup(*g)).with("location", "/v1/tenants/" + g->tenant_id + "/key-groups/" + g->id);
}

Response listGroups(Ctx& c) {
  return listWith<KeyGroup>(
      c, [&](const Actor& a, const PageRequest& p) { return c.deps.groups.list(a, c.params[0], p); }, renderGroup);
}

Response getGroup(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  auto g = c.deps.groups.get(*actor, c.params[0], c.params[1]);
  if (!g) return errorResponse(c, g.error());
  return jsonResponse(200, renderGroup(*g));
}

Response updateGroup(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  JsonReader r(c.req.body);
  UpdateGroupInput in;
  in.name = r.optString("name");
  in.description = r.optString("description");
  if (auto st = r.finish(); !st) return errorResponse(c, st.error());
  if (!in.name && !in.description) {
    return errorResponse(c, Error{ErrorKind::kInvalid, "EMPTY_UPDATE", "the request changes nothing", ""});
  }
  auto g = c.deps.groups.update(*actor, c.params[0], c.params[1], in);
  if (!g) return errorResponse(c, g.error());
  return jsonResponse(200, renderGroup(*g));
}

Response deleteGroup(Ctx& c) {
  auto actor = c.actor();
  if (!actor) return errorResponse(c, actor.error());
  if (auto st = c.deps.groups.remove(*actor, c.params[0], c.params[1]); !st) return errorResponse(c, st.error());
  return noContent();
}

}  // namespace keyward::http
