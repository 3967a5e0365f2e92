// json_reader.h — the general strict reader of a JSON request body: parse once, read typed
// fields by name, record the first problem with the field's name, reject unknown fields.
// It knows no domain type; http/json_input.h builds the request-specific parsers on top of it.
// Thread safety: one reader per request, not shared. Ownership: owns the parsed document (in
// an inline arena), so it is neither copyable nor movable; string views it returns point into
// that document and stay valid as long as the reader.
// The reader keeps returning defaults after a problem, so a handler reads every field in a
// straight line and checks finish() once.
#pragma once

#include <boost/container/small_vector.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace keyward::http {

class StrictJsonReader {
 public:
  // An empty body reads as {} only when `allow_empty` (e.g. PATCH with nothing to change is
  // still an error elsewhere); otherwise it is a MISSING_BODY error.
  explicit StrictJsonReader(std::string_view body, bool allow_empty = false);
  StrictJsonReader(const StrictJsonReader&) = delete;
  StrictJsonReader& operator=(const StrictJsonReader&) = delete;

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
  // A string or null (null -> inner nullopt), for fields that can be cleared.
  std::optional<std::optional<std::string>> optNullableString(std::string_view name);
  std::optional<std::optional<std::int64_t>> optNullableInt(std::string_view name, std::int64_t lo, std::int64_t hi);

  // Fails with the first problem seen, or UNKNOWN_FIELD naming a field nobody read.
  Status finish();

 protected:
  // For parsers of nested shapes built on this reader (http/json_input.h).
  // The top-level member `name`, marked as read; null when absent or when a problem is
  // already recorded (nothing after the first problem is worth reporting).
  const boost::json::value* field(std::string_view name);
  // Records a problem unless one is recorded already: the first one wins.
  void setError(std::string field, std::string message, std::string code = "INVALID_FIELD");
  // Counts `name` as read for finish() without looking at it (e.g. after isNull()).
  void markRead(std::string_view name);
  // False, with UNKNOWN_FIELD recorded at "<at>.<member>", when `o` has a member not in `known`:
  // nested objects are as strict as the body.
  bool onlyMembers(const boost::json::object& o, const std::string& at, std::initializer_list<std::string_view> known);
  // The member `name` of `o` when it is a string; nullopt when absent or of another type.
  static std::optional<std::string> memberString(const boost::json::object& o, std::string_view name);

 private:
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
