// audit_chain.h — the tamper-evident form of the audit log, shared by every backend.
// Thread safety: pure functions. Ownership: values only.
//
// Events are hash-chained per tenant: an event's hash covers the previous event's hash and
// every field of the event (length-prefixed, so no two different events serialise alike).
// Altering a row changes its hash; removing one breaks the next row's link; pruning old
// events keeps the last pruned hash as the tenant's anchor, so a pruned log still verifies
// from its first remaining event. The chain makes tampering visible; it cannot stop someone
// with write access to the database from rewriting the whole chain (see docs/operations.md).
#pragma once

#include <optional>
#include <string>

#include "crypto/digest.h"
#include "model/audit.h"

namespace keyward {

// The hash an event must carry, given the previous event's hash (all zero for the first).
crypto::Digest auditHash(const AuditEvent& e, const crypto::Digest& prev);

// Where verification found the chain broken, or nothing when it is whole.
struct AuditBreak {
  std::int64_t seq = 0;  // the first event whose link or content does not check out
  std::string event_id;
  // "altered": the event's content does not match its hash; "link": the event before it
  // was removed or altered; "truncated": events after it (up to the recorded head) are gone.
  std::string reason;
};

struct AuditChainReport {
  std::int64_t events = 0;  // events checked
  std::optional<AuditBreak> first_break;
};

}  // namespace keyward
