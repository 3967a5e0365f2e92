// json_input.h — strict reading of JSON request bodies.
// Thread safety: one reader per request. Ownership: owns the parsed document (not copyable).
// The reader records the first problem (malformed JSON, wrong type, missing field, value out
// of range) with the field's name and keeps returning defaults, so a handler reads every
// field in a straight line and checks finish() once; finish() also rejects unknown fields.
#pragma once

#include <boost/container/small_vector.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "core/principal.h"

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

class JsonReader {
 public:
  // An empty body reads as {} only when `allow_empty` (e.g. PATCH with nothing to change is
  // still an error elsewhere); otherwise it is a MISSING_BODY error.
  explicit JsonReader(std::string_view body, bool allow_empty = false);

  std::optional<std::string> optString(std::string_view name);
  std::string reqString(std::string_view name);
  // The same as views into the parsed document, valid as long as this reader: the verify
  // hot path reads its key and tenant without copying them.
  std::optional<std::string_view> optStringView(std::string_view name);
  std::string_view reqStringView(std::string_view name);
  std::optional<std::int64_t> optInt(std::string_view name, std::int64_t lo, std::int64_t hi);
  std::optional<bool> optBool(std::string_view name);
  std::optional<std::vector<std::string>> optStringArray(std::string_view name);
  // Present and JSON null.
  bool isNull(std::string_view name) const;
  bool has(std::string_view name) const;
  // A nested object, returned as compact JSON text.
  std::optional<std::string> optObjectText(std::string_view name);
  // A string as it is, or an object as compact JSON text (a public key as PEM or as JWK).
  std::optional<std::string> optStringOrObjectText(std::string_view name);
  // A signed request as a resource server forwards it for verification:
  // {"method", "target_uri", "headers": {name: value | [values]}, "body"?}.
  std::optional<SignedRequestInput> optSignedRequest(std::string_view name);
  // A string or null (null -> inner nullopt), for fields that can be cleared.
  std::optional<std::optional<std::string>> optNullableString(std::string_view name);
  std::optional<std::optional<std::int64_t>> optNullableInt(std::string_view name, std::int64_t lo,
                                                            std::int64_t hi);

  // Role assignments: each a role name, or {"role", "resources": [...]} / {"role", "all_resources": true}.
  std::optional<std::vector<RoleAssignment>> optAssignments(std::string_view name);
  // {"type": "user"|"service_user", "id": "..."}, or null (-> inner nullopt).
  std::optional<std::optional<OwnerRef>> optOwner(std::string_view name);
  // [{"module", "action", "level"}]
  std::optional<std::vector<Permission>> optPermissions(std::string_view name);
  // [{"module", "action", "resource"?, "resource_owner"?}]
  std::optional<std::vector<PermissionQuery>> optPermissionQueries(std::string_view name);

  // Fails with the first problem seen, or UNKNOWN_FIELD naming a field nobody read.
  Status finish();

 private:
  const boost::json::value* field(std::string_view name);
  // "module" and "action" of a permission-like object; false (error recorded) when bad.
  bool readModuleAction(const boost::json::object& o, const std::string& at, std::string& module, Action& action);
  void setError(std::string field, std::string message, std::string code = "INVALID_FIELD");
  void markRead(std::string_view name);
  bool wasRead(std::string_view name) const;

  // The parsed document lives in this buffer (and in heap blocks after it for large bodies),
  // all freed at once: a verify request's body then costs no allocation to parse.
  alignas(16) unsigned char arena_buffer_[1024];
  boost::json::monotonic_resource arena_{arena_buffer_, sizeof arena_buffer_};
  boost::json::value doc_ = boost::json::value(boost::json::storage_ptr(&arena_));
  // Field names read so far: a handful, so a list, held inline (no allocation per request).
  boost::container::small_vector<std::string, 8> read_;
  std::optional<Error> error_;
};

}  // namespace keyward::http
