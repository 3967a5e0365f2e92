// bootstrap.h — the first start: the system tenant and the bootstrap administrator key.
// Thread safety: call once at start-up, before serving. Ownership: borrows its arguments.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace keyward {

// When the store holds no tenant, creates the system tenant and a never-expiring key with
// the Portal Administrator role in one transaction, and returns the key's secret (shown
// once). Returns nullopt when the store was already bootstrapped.
Result<std::optional<std::string>> bootstrapIfEmpty(Store& store, const Clock& clock);

}  // namespace keyward
