#include "http/json_input.h"

namespace keyward::http {

std::optional<std::vector<RoleAssignment>> JsonReader::optAssignments(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  const std::string n(name);
  if (!v->is_array()) {
    setError(n, n + " must be an array of role names or {\"role\", \"resources\"} objects");
    return std::nullopt;
  }
  std::vector<RoleAssignment> out;
  const auto& arr = v->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string at = n + "[" + std::to_string(i) + "]";
    if (arr[i].is_string()) {
      out.push_back(RoleAssignment{std::string(arr[i].as_string()), false, {}});
      continue;
    }
    if (!arr[i].is_object()) {
      setError(at, at + " must be a role name or an object {\"role\", \"resources\" | \"all_resources\"}");
      return std::nullopt;
    }
    const auto& o = arr[i].as_object();
    if (!onlyMembers(o, at, {"role", "resources", "all_resources"})) return std::nullopt;
    RoleAssignment a;
    auto role = memberString(o, "role");
    if (!role) {
      setError(at + ".role", "role is required and must be a string",
               o.contains("role") ? "INVALID_FIELD" : "MISSING_FIELD");
      return std::nullopt;
    }
    a.role = *role;
    if (const auto* all = o.if_contains("all_resources")) {
      if (!all->is_bool()) {
        setError(at + ".all_resources", "all_resources must be true or false");
        return std::nullopt;
      }
      a.all_resources = all->as_bool();
    }
    if (const auto* res = o.if_contains("resources")) {
      if (!res->is_array()) {
        setError(at + ".resources", "resources must be an array of strings");
        return std::nullopt;
      }
      for (const auto& r : res->as_array()) {
        if (!r.is_string()) {
          setError(at + ".resources", "resources must contain only strings");
          return std::nullopt;
        }
        a.resources.emplace_back(r.as_string());
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<std::optional<OwnerRef>> JsonReader::optOwner(std::string_view name) {
  if (isNull(name)) {
    markRead(name);
    return std::optional<OwnerRef>();
  }
  const auto* v = field(name);
  if (!v) return std::nullopt;
  const std::string n(name);
  if (!v->is_object()) {
    setError(n, n + " must be an object {\"type\": \"user\" | \"service_user\", \"id\": \"...\"} or null");
    return std::nullopt;
  }
  const auto& o = v->as_object();
  if (!onlyMembers(o, n, {"type", "id"})) return std::nullopt;
  auto type = memberString(o, "type");
  auto id = memberString(o, "id");
  if (!type || (*type != "user" && *type != "service_user")) {
    setError(n + ".type", "type must be \"user\" or \"service_user\"",
             o.contains("type") ? "INVALID_FIELD" : "MISSING_FIELD");
    return std::nullopt;
  }
  if (!id || id->empty()) {
    setError(n + ".id", "id is required and must be a non-empty string",
             o.contains("id") ? "INVALID_FIELD" : "MISSING_FIELD");
    return std::nullopt;
  }
  return std::optional<OwnerRef>(OwnerRef{*type == "user" ? PrincipalKind::kUser : PrincipalKind::kServiceUser, *id});
}

bool JsonReader::readModuleAction(const boost::json::object& o, const std::string& at, std::string& module,
                                  Action& action) {
  auto m = memberString(o, "module");
  if (!m || m->empty()) {
    setError(at + ".module", "module is required and must be a non-empty string");
    return false;
  }
  auto text = memberString(o, "action");
  auto a = text ? verify::parseAction(*text) : std::nullopt;
  if (!a) {
    setError(at + ".action", "action must be one of inquire, add, edit, delete");
    return false;
  }
  module = std::move(*m);
  action = *a;
  return true;
}

std::optional<std::vector<Permission>> JsonReader::optPermissions(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  const std::string n(name);
  if (!v->is_array()) {
    setError(n, n + " must be an array of {\"module\", \"action\", \"level\"} objects");
    return std::nullopt;
  }
  std::vector<Permission> out;
  const auto& arr = v->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string at = n + "[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) {
      setError(at, at + " must be an object {\"module\", \"action\", \"level\"}");
      return std::nullopt;
    }
    const auto& o = arr[i].as_object();
    if (!onlyMembers(o, at, {"module", "action", "level"})) return std::nullopt;
    Permission p;
    if (!readModuleAction(o, at, p.module, p.action)) return std::nullopt;
    auto level = memberString(o, "level");
    auto l = level ? verify::parseLevel(*level) : std::nullopt;
    if (!l) {
      setError(at + ".level", "level must be one of all, mine, none");
      return std::nullopt;
    }
    p.level = *l;
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<std::vector<PermissionQuery>> JsonReader::optPermissionQueries(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  const std::string n(name);
  if (!v->is_array() || v->as_array().size() > 64) {
    setError(n, n + " must be an array of at most 64 {\"module\", \"action\", \"resource\"?} objects");
    return std::nullopt;
  }
  std::vector<PermissionQuery> out;
  const auto& arr = v->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string at = n + "[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) {
      setError(at, at + " must be an object {\"module\", \"action\", \"resource\"?}");
      return std::nullopt;
    }
    const auto& o = arr[i].as_object();
    if (!onlyMembers(o, at, {"module", "action", "resource", "resource_owner"})) return std::nullopt;
    PermissionQuery q;
    if (!readModuleAction(o, at, q.module, q.action)) return std::nullopt;
    for (auto [member, slot] : {std::pair{"resource", &q.resource}, std::pair{"resource_owner", &q.resource_owner}}) {
      if (const auto* r = o.if_contains(member)) {
        if (!r->is_string()) {
          setError(at + "." + member, std::string(member) + " must be a string");
          return std::nullopt;
        }
        *slot = std::string(r->as_string());
      }
    }
    out.push_back(std::move(q));
  }
  return out;
}

std::optional<SignedRequestInput> JsonReader::optSignedRequest(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  const std::string n(name);
  const char* shape = " must be an object {\"method\", \"target_uri\", \"headers\": {...}, \"body\"?}";
  if (!v->is_object()) {
    setError(n, n + shape);
    return std::nullopt;
  }
  const auto& o = v->as_object();
  if (!onlyMembers(o, n, {"method", "target_uri", "headers", "body"})) return std::nullopt;
  SignedRequestInput in;
  for (auto [member, slot] : {std::pair{"method", &in.method}, std::pair{"target_uri", &in.target_uri}}) {
    const auto* m = o.if_contains(member);
    if (!m || !m->is_string() || m->as_string().empty()) {
      setError(n + "." + member, n + "." + member + " must be a non-empty string",
               m ? "INVALID_FIELD" : "MISSING_FIELD");
      return std::nullopt;
    }
    *slot = std::string(m->as_string());
  }
  if (const auto* b = o.if_contains("body")) {
    if (!b->is_string()) {
      setError(n + ".body", n + ".body must be a string (the request body as received)");
      return std::nullopt;
    }
    in.body = std::string(b->as_string());
  }
  const auto* h = o.if_contains("headers");
  if (!h || !h->is_object() || h->as_object().size() > 100) {
    setError(n + ".headers", n + ".headers must be an object of at most 100 header fields",
             h ? "INVALID_FIELD" : "MISSING_FIELD");
    return std::nullopt;
  }
  for (const auto& [key, value] : h->as_object()) {
    const std::string at = n + ".headers." + std::string(key);
    if (value.is_string()) {
      in.headers.emplace_back(std::string(key), std::string(value.as_string()));
      continue;
    }
    if (!value.is_array()) {
      setError(at, at + " must be a string or an array of strings");
      return std::nullopt;
    }
    for (const auto& item : value.as_array()) {
      if (!item.is_string()) {
        setError(at, at + " must be a string or an array of strings");
        return std::nullopt;
      }
      in.headers.emplace_back(std::string(key), std::string(item.as_string()));
    }
  }
  return in;
}

}  // namespace keyward::http
