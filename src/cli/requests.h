// requests.h — building request targets and bodies from command-line values: percent-encoding,
// JSON arrays of strings, --metadata, and repeatable options parsed one value at a time.
// Thread safety: pure functions, apart from the usage errors reported to the Session.
// Ownership: values only.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/session.h"

namespace keyward::cli {

// Percent-encodes a path segment or query value. Ids are URL-safe today, but a user may
// paste anything, and it must not be able to change which endpoint is called.
std::string encode(std::string_view s);

// Parses --metadata; the API wants a JSON object, and a typo is better caught before sending.
std::optional<json::object> metadataObject(Session& s, const std::string& text);

json::array stringArray(const std::vector<std::string>& values);

// Parses every value of a repeatable option with `parse` into a JSON array.
template <class Parse>
std::optional<json::array> parsedList(Session& s, const std::vector<std::string>& values, std::string_view option,
                                      Parse parse) {
  json::array out;
  for (const auto& v : values) {
    auto parsed = parse(v);
    if (!parsed) {
      s.usage(std::string(option) + " " + parsed.error().message);
      return std::nullopt;
    }
    out.push_back(std::move(*parsed));
  }
  return out;
}

}  // namespace keyward::cli
