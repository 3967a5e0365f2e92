#include "http/json_reader.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

namespace keyward::http {

StrictJsonReader::StrictJsonReader(std::string_view body, bool allow_empty) {
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

void StrictJsonReader::markRead(std::string_view name) {
  if (!wasRead(name)) read_.emplace_back(name);
}

bool StrictJsonReader::wasRead(std::string_view name) const {
  return std::find(read_.begin(), read_.end(), name) != read_.end();
}

void StrictJsonReader::setError(std::string field, std::string message, std::string code) {
  if (!error_) error_ = Error{ErrorKind::kInvalid, std::move(code), std::move(message), std::move(field)};
}

const boost::json::value* StrictJsonReader::field(std::string_view name) {
  markRead(name);
  if (error_ || !doc_.is_object()) return nullptr;
  const auto* v = doc_.as_object().if_contains(name);
  return v;
}

bool StrictJsonReader::has(std::string_view name) const { return doc_.is_object() && doc_.as_object().contains(name); }

bool StrictJsonReader::isNull(std::string_view name) const {
  if (!doc_.is_object()) return false;
  const auto* v = doc_.as_object().if_contains(name);
  return v && v->is_null();
}

std::optional<std::string> StrictJsonReader::optString(std::string_view name) {
  const auto v = optStringView(name);
  if (!v) return std::nullopt;
  return std::string(*v);
}

std::string StrictJsonReader::reqString(std::string_view name) { return std::string(reqStringView(name)); }

std::optional<std::string_view> StrictJsonReader::optStringView(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    setError(std::string(name), std::string(name) + " must be a string");
    return std::nullopt;
  }
  const auto& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

std::string_view StrictJsonReader::reqStringView(std::string_view name) {
  const bool present = has(name);
  auto s = optStringView(name);
  if (!present) setError(std::string(name), std::string(name) + " is required", "MISSING_FIELD");
  return s.value_or(std::string_view());
}

std::optional<std::int64_t> StrictJsonReader::optInt(std::string_view name, std::int64_t lo, std::int64_t hi) {
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

std::optional<bool> StrictJsonReader::optBool(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    setError(std::string(name), std::string(name) + " must be true or false");
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<std::vector<std::string>> StrictJsonReader::optStringArray(std::string_view name) {
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

std::optional<std::string> StrictJsonReader::optObjectText(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    setError(std::string(name), std::string(name) + " must be a JSON object");
    return std::nullopt;
  }
  return boost::json::serialize(*v);
}

std::optional<std::optional<std::string>> StrictJsonReader::optNullableString(std::string_view name) {
  if (isNull(name)) {
    markRead(name);
    return std::optional<std::string>();
  }
  if (auto s = optString(name)) return std::optional<std::string>(std::move(*s));
  return std::nullopt;
}

std::optional<std::optional<std::int64_t>> StrictJsonReader::optNullableInt(std::string_view name, std::int64_t lo,
                                                                            std::int64_t hi) {
  if (isNull(name)) {
    markRead(name);
    return std::optional<std::int64_t>();
  }
  if (auto n = optInt(name, lo, hi)) return std::optional<std::int64_t>(*n);
  return std::nullopt;
}

std::optional<std::string> StrictJsonReader::optStringOrObjectText(std::string_view name) {
  const auto* v = field(name);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_object()) return boost::json::serialize(*v);
  setError(std::string(name), std::string(name) + " must be a string (PEM) or an object (JWK)");
  return std::nullopt;
}

Status StrictJsonReader::finish() {
  if (error_) return std::unexpected(*error_);
  for (const auto& kv : doc_.as_object()) {
    if (!wasRead(std::string_view(kv.key()))) {
      return invalidField(std::string(kv.key()), "unknown field '" + std::string(kv.key()) + "'", "UNKNOWN_FIELD");
    }
  }
  return {};
}

bool StrictJsonReader::onlyMembers(const boost::json::object& o, const std::string& at,
                                   std::initializer_list<std::string_view> known) {
  for (const auto& kv : o) {
    bool ok = false;
    for (auto k : known) ok = ok || kv.key() == k;
    if (!ok) {
      const std::string bad(kv.key());
      setError(at + "." + bad, "unknown field '" + bad + "'", "UNKNOWN_FIELD");
      return false;
    }
  }
  return true;
}

std::optional<std::string> StrictJsonReader::memberString(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

}  // namespace keyward::http
