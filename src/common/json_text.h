// json_text.h — escaping strings for JSON text built by hand (audit details, hot-path replies).
// Thread safety: pure functions. Ownership: values only.
#pragma once

#include <string>
#include <string_view>

namespace keyward {

// Appends `s` as a quoted JSON string to `out`.
void appendJsonString(std::string& out, std::string_view s);
std::string jsonString(std::string_view s);

}  // namespace keyward
