#include "cli/json_fields.h"

#include "cli/access_syntax.h"

namespace keyward::cli {

std::string toText(const json::value& v, std::string_view if_null) {
  switch (v.kind()) {
    case json::kind::null: return std::string(if_null);
    case json::kind::string: return std::string(v.get_string());
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::array: {
      std::string out;
      for (const auto& e : v.get_array()) out += (out.empty() ? "" : ", ") + toText(e);
      return out.empty() ? std::string(if_null) : out;
    }
    default: return json::serialize(v);
  }
}

std::string field(const json::value& doc, std::string_view key, std::string_view if_null) {
  const auto* o = doc.if_object();
  if (!o) return std::string(if_null);
  const auto* v = o->if_contains(key);
  return v ? toText(*v, if_null) : std::string(if_null);
}

std::string days(const json::value& doc, std::string_view key, std::string_view if_null) {
  const std::string v = field(doc, key, "");
  return v.empty() ? std::string(if_null) : v + "d";
}

const json::value& member(const json::value& doc, std::string_view key) {
  static const json::value kNull;
  const auto* o = doc.if_object();
  const auto* v = o ? o->if_contains(key) : nullptr;
  return v ? *v : kNull;
}
std::string rolesOf(const json::value& doc) { return describeAssignments(member(doc, "roles")); }
std::string ownerOf(const json::value& doc, std::string_view if_none) {
  return describeOwner(member(doc, "owner"), if_none);
}

}  // namespace keyward::cli
