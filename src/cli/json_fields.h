// json_fields.h — display text out of the server's JSON replies: a field as text, a number
// of days, and the access-control members (roles, owner) as one line each.
// Thread safety: pure functions. Ownership: values only; member() returns a reference into
// the document it is given (or to a static null).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace keyward::cli {

namespace json = boost::json;

std::string toText(const json::value& v, std::string_view if_null = "-");

// A field of a JSON object as display text; absent and null both show as `if_null`.
std::string field(const json::value& doc, std::string_view key, std::string_view if_null = "-");

// A number of days with a "d" suffix, or `if_null` when absent.
std::string days(const json::value& doc, std::string_view key, std::string_view if_null);

// The access-control fields of a record, as one line of text each.
const json::value& member(const json::value& doc, std::string_view key);
std::string rolesOf(const json::value& doc);
std::string ownerOf(const json::value& doc, std::string_view if_none);

}  // namespace keyward::cli
