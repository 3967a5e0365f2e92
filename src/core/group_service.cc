#include "core/group_service.h"

#include "common/json_text.h"
#include "core/object_access.h"
#include "core/roles.h"
#include "core/validation.h"
#include "crypto/random.h"

namespace keyward {
namespace {

Error nameTaken(Error e, std::string_view name) {
  if (e.code == "NAME_TAKEN") {
    e.message = "a key group named '" + std::string(name) + "' already exists in this tenant";
    e.field = "name";
  }
  return e;
}

}  // namespace

Result<KeyGroup> GroupService::create(const Actor& actor, std::string_view tenant_id, const CreateGroupInput& in) {
  if (auto st = audit_.guard(actor, kModuleKeyGroups, Action::kAdd, tenant_id, "key_group.create", in.name); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = validateName("name", in.name); !st) return std::unexpected(st.error());
  if (auto st = validateDescription("description", in.description); !st) return std::unexpected(st.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  auto id = crypto::newId("grp");
  if (!id) return std::unexpected(id.error());
  KeyGroup g{std::move(*id), std::string(tenant_id), in.name, in.description,
             clock_.now(),   clock_.now(),           0,       actor.principal.subject_id};
  auto ev = audit_.event(actor, tenant_id, "key_group.create", g.id, "{\"name\":" + jsonString(g.name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.createGroup(g, *ev); !st) return std::unexpected(nameTaken(st.error(), g.name));
  return store_.getGroup(tenant_id, g.id);
}

Result<KeyGroup> GroupService::get(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  return readGuarded<KeyGroup>(audit_, actor, kModuleKeyGroups, Action::kInquire, tenant_id, id, "key_group.read",
                               [&] { return store_.getGroup(tenant_id, id); });
}

Result<Page<KeyGroup>> GroupService::list(const Actor& actor, std::string_view tenant_id, const PageRequest& page) {
  auto g = audit_.guard(actor, kModuleKeyGroups, Action::kInquire, tenant_id, "key_group.list", tenant_id);
  if (!g) return std::unexpected(g.error());
  if (auto t = store_.getTenant(tenant_id); !t) return std::unexpected(t.error());
  auto list = store_.listGroups(tenant_id, page);
  if (list) keepCovered(actor, **g, list->items);
  return list;
}

Result<KeyGroup> GroupService::update(const Actor& actor, std::string_view tenant_id, std::string_view id,
                                      const UpdateGroupInput& in) {
  auto g = readGuarded<KeyGroup>(audit_, actor, kModuleKeyGroups, Action::kEdit, tenant_id, id, "key_group.update",
                                 [&] { return store_.getGroup(tenant_id, id); });
  if (!g) return g;
  if (in.name) {
    if (auto st = validateName("name", *in.name); !st) return std::unexpected(st.error());
    g->name = *in.name;
  }
  if (in.description) {
    if (auto st = validateDescription("description", *in.description); !st) return std::unexpected(st.error());
    g->description = *in.description;
  }
  g->updated_at = clock_.now();
  auto ev = audit_.event(actor, tenant_id, "key_group.update", g->id, "{\"name\":" + jsonString(g->name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateGroup(*g, *ev); !st) return std::unexpected(nameTaken(st.error(), g->name));
  return store_.getGroup(tenant_id, id);
}

Status GroupService::remove(const Actor& actor, std::string_view tenant_id, std::string_view id) {
  auto g = readGuarded<KeyGroup>(audit_, actor, kModuleKeyGroups, Action::kDelete, tenant_id, id, "key_group.delete",
                                 [&] { return store_.getGroup(tenant_id, id); });
  if (!g) return std::unexpected(g.error());
  auto ev = audit_.event(actor, tenant_id, "key_group.delete", id);
  if (!ev) return std::unexpected(ev.error());
  return store_.deleteGroup(tenant_id, id, *ev);
}

}  // namespace keyward
