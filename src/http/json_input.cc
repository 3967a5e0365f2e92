#include "http/json_input.h"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

namespace keyward::http {

JsonReader::JsonReader(std::string_view body, bool allow_empty) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (allow_empty) {
      doc_ = boost::json::object();
    } else {
      setError("", "the request body must be a JSON object", "MISSING_BODY");
    }
    return;
  }
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 16;
  // The parser's scratch stack on this stack frame, the document in the arena: together
  // they spare a small body every heap allocation.
  unsigned char scratch[512];
  boost::json::parser parser(boost::json::storage_ptr(), opts, scratch, sizeof scratch);
  parser.reset(boost::json::storage_ptr(&arena_));
  parser.write(body.data(), body.size(), ec);
  if (!ec) doc_ = parser.release();  // same storage as doc_: a move, not a copy
  if (ec) {
    setError("", "the request body is not valid JSON: " + ec.message(), "MALFORMED_JSON");
  } else if (!doc_.is_object()) {
    setError("", "the request body must be a JSON object", "MALFORMED_JSON");
  }
}

void JsonReader::markRead(std::string_view name) {
  if (!wasRead(name)) read_.emplace_back(name);
}

bool JsonReader::wasRead(std::string_view name) const {
  return std::find(read_.begin(), read_.end(), name) != read_.end();
}

void JsonReader::setError(std::string field, std::string message, std::string code) {
  if (!error_) error_ = Error{ErrorKind::kInvalid, std::move(code), std::move(message), std::move(field)};
}

const boost::json::value* JsonReader::field(std::string_view name) {
  markRead(name);
  if (error_ || !doc_.is_object()) return nullptr;
  const auto* v = doc_.as_object().if_contains(name);
  return v;
}

bool JsonReader::has(std::string_view name) const {
  return doc_.is_object() && doc_.as_object().contains(name);
}

bool JsonReader::isNull(std::string_view name) const {
  if (!doc_.is_object()) return false;
  const auto* v = doc_.as_object().if_contains(name);
  return v && v->is_null();
}

std::optional<std::string> JsonReader::optString(std::string_view name) {
  const auto v = optStringView(name);
  if (!v) return std::nullopt;
  return std::string(*v);
}

std::string JsonReader::reqString(std::string_view name) { return std::string(reqStringView(name)); }

std::optional<std::string_view> JsonReader::optStringView(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    setError(std::string(name), std::string(name) + " must be a string");
    return std::nullopt;
  }
  const auto& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

std::string_view JsonReader::reqStringView(std::string_view name) {
  const bool present = has(name);
  auto s = optStringView(name);
  if (!present) setError(std::string(name), std::string(name) + " is required", "MISSING_FIELD");
  return s.value_or(std::string_view());
}

std::optional<std::int64_t> JsonReader::optInt(std::string_view name, std::int64_t lo, std::int64_t hi) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  std::optional<std::int64_t> n;
  if (v->is_int64()) n = v->as_int64();
  else if (v->is_uint64() && v->as_uint64() <= std::uint64_t(INT64_MAX)) n = std::int64_t(v->as_uint64());
  else if (v->is_double()) {
    // Converting a double outside the int64 range is undefined behaviour: check the range first.
    const double d = v->as_double();
    if (d >= -9.2e18 && d <= 9.2e18 && d == std::trunc(d)) n = std::int64_t(d);
  }
  if (!n) {
    setError(std::string(name), std::string(name) + " must be an integer");
    return std::nullopt;
  }
  if (*n < lo || *n > hi) {
    setError(std::string(name),
             std::string(name) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> JsonReader::optBool(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    setError(std::string(name), std::string(name) + " must be true or false");
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<std::vector<std::string>> JsonReader::optStringArray(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    setError(std::string(name), std::string(name) + " must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  const auto& arr = v->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) {
      setError(std::string(name) + "[" + std::to_string(i) + "]", std::string(name) + " must contain only strings");
      return std::nullopt;
    }
    out.emplace_back(arr[i].as_string());
  }
  return out;
}

std::optional<std::string> JsonReader::optObjectText(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    setError(std::string(name), std::string(name) + " must be a JSON object");
    return std::nullopt;
  }
  return boost::json::serialize(*v);
}

std::optional<std::optional<std::string>> JsonReader::optNullableString(std::string_view name) {
  if (isNull(name)) {
    markRead(name);
    return std::optional<std::string>();
  }
  if (auto s = optString(name)) return std::optional<std::string>(std::move(*s));
  return std::nullopt;
}

std::optional<std::optional<std::int64_t>> JsonReader::optNullableInt(std::string_view name, std::int64_t lo,
                                                                      std::int64_t hi) {
  if (isNull(name)) {
    markRead(name);
    return std::optional<std::int64_t>();
  }
  if (auto n = optInt(name, lo, hi)) return std::optional<std::int64_t>(*n);
  return std::nullopt;
}

namespace {

// Reads {"a": ..., ...} members strictly: every member must be one of `known`.
std::optional<std::string> unknownMember(const boost::json::object& o, std::initializer_list<std::string_view> known) {
  for (const auto& kv : o) {
    bool ok = false;
    for (auto k : known) ok = ok || kv.key() == k;
    if (!ok) return std::string(kv.key());
  }
  return std::nullopt;
}

std::optional<std::string> memberString(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

}  // namespace

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
    if (auto bad = unknownMember(o, {"role", "resources", "all_resources"})) {
      setError(at + "." + *bad, "unknown field '" + *bad + "'", "UNKNOWN_FIELD");
      return std::nullopt;
    }
    RoleAssignment a;
    auto role = memberString(o, "role");
    if (!role) {
      setError(at + ".role", "role is required and must be a string", o.contains("role") ? "INVALID_FIELD" : "MISSING_FIELD");
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
  if (auto bad = unknownMember(o, {"type", "id"})) {
    setError(n + "." + *bad, "unknown field '" + *bad + "'", "UNKNOWN_FIELD");
    return std::nullopt;
  }
  auto type = memberString(o, "type");
  auto id = memberString(o, "id");
  if (!type || (*type != "user" && *type != "service_user")) {
    setError(n + ".type", "type must be \"user\" or \"service_user\"", o.contains("type") ? "INVALID_FIELD" : "MISSING_FIELD");
    return std::nullopt;
  }
  if (!id || id->empty()) {
    setError(n + ".id", "id is required and must be a non-empty string", o.contains("id") ? "INVALID_FIELD" : "MISSING_FIELD");
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
    if (auto bad = unknownMember(o, {"module", "action", "level"})) {
      setError(at + "." + *bad, "unknown field '" + *bad + "'", "UNKNOWN_FIELD");
      return std::nullopt;
    }
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
    if (auto bad = unknownMember(o, {"module", "action", "resource", "resource_owner"})) {
      setError(at + "." + *bad, "unknown field '" + *bad + "'", "UNKNOWN_FIELD");
      return std::nullopt;
    }
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

Status JsonReader::finish() {
  if (error_) return std::unexpected(*error_);
  for (const auto& kv : doc_.as_object()) {
    if (!wasRead(std::string_view(kv.key()))) {
      return invalidField(std::string(kv.key()), "unknown field '" + std::string(kv.key()) + "'", "UNKNOWN_FIELD");
    }
  }
  return {};
}

std::optional<std::string> JsonReader::optStringOrObjectText(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_object()) return boost::json::serialize(*v);
  setError(std::string(name), std::string(name) + " must be a string (PEM) or an object (JWK)");
  return std::nullopt;
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
  if (auto bad = unknownMember(o, {"method", "target_uri", "headers", "body"})) {
    setError(n + "." + *bad, "unknown field '" + *bad + "'", "UNKNOWN_FIELD");
    return std::nullopt;
  }
  SignedRequestInput in;
  for (auto [member, slot] : {std::pair{"method", &in.method}, std::pair{"target_uri", &in.target_uri}}) {
    const auto* m = o.if_contains(member);
    if (!m || !m->is_string() || m->as_string().empty()) {
      setError(n + "." + member, n + "." + member + " must be a non-empty string", m ? "INVALID_FIELD" : "MISSING_FIELD");
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
