// access_syntax.h — the command-line syntax of access control (role assignments,
// permissions, permission checks) turned into the REST API's JSON, and the API's
// access-control JSON turned back into one-line text for tables and field blocks.
// Thread safety: pure functions. Ownership: values only.
// Header-only so that the CLI and its unit tests share it without another library.
//
// Syntax (kept in step with the README's CLI reference):
//   --role NAME               an unscoped role, e.g. "Global Viewer"
//   --role NAME=RES[,RES...]  a resource-scoped role for these resources, e.g.
//                             "Cloud Account Viewer=acc-1,acc-2"
//   --role NAME=*             a resource-scoped role for all resources
//   --permission MODULE:ACTION:LEVEL         a role's permission, e.g. "billing:edit:mine"
//   --permission MODULE:ACTION[:RESOURCE]    a check at verify time, e.g. "cloud_accounts:inquire:acc-1"
// Role names are split from their resources at the first '=', so a role whose name holds
// '=' cannot be given with --role; a check's resource is everything after the second ':',
// so resource ids may contain ':'.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace keyward::cli {
namespace detail {

namespace json = boost::json;

constexpr std::array<std::string_view, 4> kActions = {"inquire", "add", "edit", "delete"};
constexpr std::array<std::string_view, 3> kLevels = {"all", "mine", "none"};

inline std::unexpected<Error> bad(std::string message) {
  return fail(ErrorKind::kInvalid, "USAGE", std::move(message));
}

template <size_t N>
inline bool oneOf(std::string_view s, const std::array<std::string_view, N>& allowed) {
  for (auto a : allowed)
    if (a == s) return true;
  return false;
}

// Splits at the first `n - 1` occurrences of `sep`; the last part keeps the rest.
inline std::vector<std::string_view> splitN(std::string_view s, char sep, size_t n) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    const size_t at = s.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  parts.push_back(s);
  return parts;
}

// MODULE:ACTION shared by permissions and checks: both must be present, the action known.
inline Result<json::object> moduleAndAction(std::string_view module, std::string_view action, std::string_view text) {
  if (module.empty()) return bad("'" + std::string(text) + "': the module is missing");
  if (!oneOf(action, kActions)) {
    return bad("'" + std::string(text) + "': the action must be one of inquire, add, edit, delete");
  }
  return json::object{{"module", module}, {"action", action}};
}

inline std::string text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

// " (a, b)", " (all resources)" or "" for an object carrying resources / all_resources.
inline std::string scopeSuffix(const json::object& o) {
  if (const auto* all = o.if_contains("all_resources"); all && all->is_bool() && all->get_bool()) {
    return " (all resources)";
  }
  const auto* res = o.if_contains("resources");
  if (!res || !res->is_array() || res->get_array().empty()) return "";
  std::string out;
  for (const auto& r : res->get_array()) out += (out.empty() ? "" : ", ") + text(r);
  return " (" + out + ")";
}

// Joins the items of a JSON array, each described by `one`.
template <class One>
inline std::string joinItems(const json::value& list, std::string_view if_empty, One one) {
  const auto* arr = list.if_array();
  std::string out;
  if (arr) {
    for (const auto& item : *arr) out += (out.empty() ? "" : ", ") + one(item);
  }
  return out.empty() ? std::string(if_empty) : out;
}

// The public functions, documented at the top of this file.

inline Result<json::value> parseRoleAssignment(std::string_view spec) {
  const size_t eq = spec.find('=');
  const std::string_view role = spec.substr(0, eq);
  if (role.empty()) return bad("'" + std::string(spec) + "': the role name is missing (--role NAME[=RES,...|=*])");
  if (eq == std::string_view::npos) return json::value(json::string(role));
  const std::string_view scope = spec.substr(eq + 1);
  if (scope == "*") return json::object{{"role", role}, {"all_resources", true}};
  json::array resources;
  for (auto r : splitN(scope, ',', std::string_view::npos)) {
    if (r.empty() || r == "*") {
      return bad("'" + std::string(spec) +
                 "': give the resources as RES1,RES2 (no empty entries) or '*' alone for all resources");
    }
    resources.emplace_back(r);
  }
  return json::object{{"role", role}, {"resources", std::move(resources)}};
}

inline Result<json::value> parsePermission(std::string_view spec) {
  const auto parts = splitN(spec, ':', 3);
  if (parts.size() != 3)
    return bad("'" + std::string(spec) + "': a permission is MODULE:ACTION:LEVEL, e.g. keys:inquire:all");
  auto o = moduleAndAction(parts[0], parts[1], spec);
  if (!o) return std::unexpected(o.error());
  if (!oneOf(parts[2], kLevels)) return bad("'" + std::string(spec) + "': the level must be one of all, mine, none");
  (*o)["level"] = parts[2];
  return json::value(std::move(*o));
}

inline Result<json::value> parsePermissionCheck(std::string_view spec) {
  const auto parts = splitN(spec, ':', 3);
  if (parts.size() < 2) {
    return bad("'" + std::string(spec) + "': a permission check is MODULE:ACTION[:RESOURCE], e.g. keys:inquire");
  }
  auto o = moduleAndAction(parts[0], parts[1], spec);
  if (!o) return std::unexpected(o.error());
  if (parts.size() == 3) {
    if (parts[2].empty()) return bad("'" + std::string(spec) + "': the resource after the second ':' is empty");
    (*o)["resource"] = parts[2];
  }
  return json::value(std::move(*o));
}

inline std::string describeAssignments(const json::value& roles, std::string_view if_empty = "none") {
  return joinItems(roles, if_empty, [](const json::value& a) {
    const auto* o = a.if_object();
    if (!o) return text(a);
    const auto* role = o->if_contains("role");
    return (role ? text(*role) : std::string("?")) + scopeSuffix(*o);
  });
}

inline std::string describePermissions(const json::value& permissions, std::string_view if_empty = "none") {
  return joinItems(permissions, if_empty, [](const json::value& p) {
    const auto* o = p.if_object();
    if (!o) return text(p);
    std::string out;
    for (const char* part : {"module", "action", "level"}) {
      const auto* v = o->if_contains(part);
      if (!v) continue;
      out += (out.empty() ? "" : ":") + text(*v);
    }
    // A role's matrix has no scope; an effective permission says "all resources" only
    // when it is limited to some, so the common case stays short.
    const auto* all = o->if_contains("all_resources");
    return out + (all ? std::string() : scopeSuffix(*o));
  });
}

inline std::string describeOwner(const json::value& owner, std::string_view if_null = "none") {
  const auto* o = owner.if_object();
  if (!o) return std::string(if_null);
  const auto* type = o->if_contains("type");
  const auto* id = o->if_contains("id");
  return (type ? text(*type) : std::string("?")) + " " + (id ? text(*id) : std::string("?"));
}

}  // namespace detail

using detail::describeAssignments;
using detail::describeOwner;
using detail::describePermissions;
using detail::parsePermission;
using detail::parsePermissionCheck;
using detail::parseRoleAssignment;

}  // namespace keyward::cli
