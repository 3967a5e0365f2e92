// time.h — RFC 3339 formatting and strict parsing of UTC instants.
// Thread safety: pure functions. Ownership: values only.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace keyward {

// "2026-11-22T08:00:00Z"
std::string formatRfc3339(UnixSeconds t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; fractions are truncated to the second.
// Rejects anything else (no dates without time, no local times without offset).
Result<UnixSeconds> parseRfc3339(std::string_view text);

}  // namespace keyward
