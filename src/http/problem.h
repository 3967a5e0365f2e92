// problem.h — RFC 9457 problem details: every error response of the API.
// Thread safety: pure functions. Ownership: values only.
// Body: {"type", "title", "status", "detail", "code", "field"?, "instance"} as
// application/problem+json. `code` is the stable, machine-readable part.
#pragma once

#include <string_view>

#include "common/result.h"
#include "http/message.h"

namespace keyward::http {

int statusFor(ErrorKind kind);
Response problem(const Error& e, std::string_view instance);
Response problem(int status, std::string_view code, std::string_view detail, std::string_view instance);

}  // namespace keyward::http
