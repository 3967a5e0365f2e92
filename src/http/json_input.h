// json_input.h — the request-specific parsers of JSON bodies: role assignments, a key's owner,
// permission lines, verify's permission queries and the signed request a resource server
// forwards, on top of the general strict reader (http/json_reader.h). Handlers use JsonReader.
// Thread safety: one reader per request, not shared. Ownership: owns the parsed document (not
// copyable); every parsed value it returns owns its strings.
// The nested shapes are as strict as the body: an unknown member is UNKNOWN_FIELD, and every
// problem names its field as a dotted path with indices ("roles[1].resources").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/principal.h"
#include "http/json_reader.h"

namespace keyward::http {

// One entry of a verify request's "permissions" list.
struct PermissionQuery {
  std::string module;
  Action action = Action::kInquire;
  std::optional<std::string> resource;
  std::optional<std::string> resource_owner;
};

struct SignedRequestInput {
  std::string method;
  std::string target_uri;  // absolute: scheme://authority/path?query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The reader handlers use: the general accessors, plus the domain shapes below.
class JsonReader : public StrictJsonReader {
 public:
  using StrictJsonReader::StrictJsonReader;

  // A signed request as a resource server forwards it for verification:
  // {"method", "target_uri", "headers": {name: value | [values]}, "body"?}.
  std::optional<SignedRequestInput> optSignedRequest(std::string_view name);
  // Role assignments: each a role name, or {"role", "resources": [...]} / {"role", "all_resources": true}.
  std::optional<std::vector<RoleAssignment>> optAssignments(std::string_view name);
  // {"type": "user"|"service_user", "id": "..."}, or null (-> inner nullopt).
  std::optional<std::optional<OwnerRef>> optOwner(std::string_view name);
  // [{"module", "action", "level"}]
  std::optional<std::vector<Permission>> optPermissions(std::string_view name);
  // [{"module", "action", "resource"?, "resource_owner"?}]
  std::optional<std::vector<PermissionQuery>> optPermissionQueries(std::string_view name);

 private:
  // "module" and "action" of a permission-like object; false (error recorded) when bad.
  bool readModuleAction(const boost::json::object& o, const std::string& at, std::string& module, Action& action);
};

}  // namespace keyward::http
