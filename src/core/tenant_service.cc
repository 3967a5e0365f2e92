#include "core/tenant_service.h"

#include "common/json_text.h"
#include "core/roles.h"
#include "core/validation.h"
#include "crypto/random.h"

namespace keyward {

Result<Tenant> TenantService::create(const Actor& actor, const CreateTenantInput& in) {
  if (auto st = audit_.guard(actor, kModuleTenants, Action::kAdd, "", "tenant.create", in.name); !st) {
    return std::unexpected(st.error());
  }
  if (auto st = validateName("name", in.name); !st) return std::unexpected(st.error());
  if (auto st = validateTenantSettings(in.settings); !st) return std::unexpected(st.error());
  auto id = crypto::newId("ten");
  if (!id) return std::unexpected(id.error());
  Tenant t;
  t.id = std::move(*id);
  t.name = in.name;
  t.settings = in.settings;
  t.created_at = t.updated_at = clock_.now();
  auto ev = audit_.event(actor, actor.principal.tenant_id, "tenant.create", t.id,
                         "{\"name\":" + jsonString(t.name) + "}");
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.createTenant(t, *ev); !st) {
    if (st.error().code == "NAME_TAKEN") {
      st.error().message = "a tenant named '" + t.name + "' already exists";
      st.error().field = "name";
    }
    return std::unexpected(st.error());
  }
  return store_.getTenant(t.id);
}

Result<Tenant> TenantService::get(const Actor& actor, std::string_view id) {
  if (auto st = audit_.guard(actor, kModuleTenants, Action::kInquire, id, "tenant.read", id); !st) {
    return std::unexpected(st.error());
  }
  return store_.getTenant(id);
}

Result<Page<Tenant>> TenantService::list(const Actor& actor, const PageRequest& page) {
  if (auto st = audit_.guard(actor, kModuleTenants, Action::kInquire, "", "tenant.list", ""); !st) {
    return std::unexpected(st.error());
  }
  return store_.listTenants(page);
}

Result<Tenant> TenantService::update(const Actor& actor, std::string_view id, const UpdateTenantInput& in) {
  if (auto st = audit_.guard(actor, kModuleSettings, Action::kEdit, id, "tenant.update", id); !st) {
    return std::unexpected(st.error());
  }
  auto t = store_.getTenant(id);
  if (!t) return t;
  std::vector<std::string> changed;
  auto apply = [&changed](auto& field, const auto& value, const char* name) {
    if (value) {
      field = *value;
      changed.emplace_back(name);
    }
  };
  apply(t->name, in.name, "name");
  apply(t->settings.key_prefix, in.key_prefix, "key_prefix");
  apply(t->settings.default_expiry_days, in.default_expiry_days, "default_expiry_days");
  apply(t->settings.max_expiry_days, in.max_expiry_days, "max_expiry_days");
  apply(t->settings.expiry_alert_days, in.expiry_alert_days, "expiry_alert_days");
  apply(t->settings.max_keys_per_service_user, in.max_keys_per_service_user, "max_keys_per_service_user");
  apply(t->settings.allow_never_expiring, in.allow_never_expiring, "allow_never_expiring");
  if (in.name) {
    if (auto st = validateName("name", t->name); !st) return std::unexpected(st.error());
  }
  if (auto st = validateTenantSettings(t->settings); !st) return std::unexpected(st.error());
  t->updated_at = clock_.now();
  auto ev = audit_.event(actor, actor.principal.tenant_id, "tenant.update", t->id, changedDetail(changed));
  if (!ev) return std::unexpected(ev.error());
  if (auto st = store_.updateTenant(*t, *ev); !st) {
    if (st.error().code == "NAME_TAKEN") {
      st.error().message = "a tenant named '" + t->name + "' already exists";
      st.error().field = "name";
    }
    return std::unexpected(st.error());
  }
  return store_.getTenant(id);
}

Status TenantService::remove(const Actor& actor, std::string_view id) {
  if (auto st = audit_.guard(actor, kModuleTenants, Action::kDelete, id, "tenant.delete", id); !st) {
    return std::unexpected(st.error());
  }
  if (id == kSystemTenantId) {
    return fail(ErrorKind::kConflict, "SYSTEM_TENANT", "the system tenant cannot be deleted");
  }
  auto ev = audit_.event(actor, actor.principal.tenant_id, "tenant.delete", id);
  if (!ev) return std::unexpected(ev.error());
  return store_.deleteTenant(id, *ev);
}

}  // namespace keyward
