// codecs.h — the text forms of the columns that hold lists and references (role
// assignments, permissions, IP allowlists, key owners, line lists), shared by every backend
// so a row written by one reads back alike in another. Pure: no database library here.
// Thread safety: pure functions. Ownership: values only.
//
// The encodings need no escaping because core validates what goes in: names, resource ids
// and module names hold no control characters, and no resource id is "*".
// Decoders fail closed: a damaged column never grants more than it did when written.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.h"
#include "model/key.h"
#include "model/permission.h"
#include "model/principal.h"

namespace keyward::store_codec {

// One item a line; webhook event names and similar lists.
std::string joinLines(const std::vector<std::string>& v);
std::vector<std::string> splitLines(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);

// Role assignments, one per line: "<role>" (unscoped), "<role>\t*" (every resource) or
// "<role>\t<res1>\t<res2>..." (those resources). A migration-1 row, one role name per line,
// reads as unscoped assignments.
std::string encodeAssignments(const std::vector<RoleAssignment>& v);
std::vector<RoleAssignment> decodeAssignments(std::string_view column);
// Whether an assignments column gives out `role`: the whole first field of a line must
// match, so "Admin" never matches "Admin2" or a resource that happens to be called "Admin".
bool holdsRole(std::string_view column, std::string_view role);

// Permissions, one per line: "<module>\t<action>\t<level>". A line that cannot be read is
// dropped: it grants nothing rather than a guess.
std::string encodePermissions(const std::vector<Permission>& v);
std::vector<Permission> decodePermissions(std::string_view column);
// Whether a permissions column names `module` itself (not "*": that one stays valid for
// whatever modules exist).
bool namesModule(std::string_view column, std::string_view module);

// An IP allowlist, one CIDR a line. A rule that cannot be read becomes "::/128" (the
// unspecified address, never a client), so a damaged allowlist never turns into "any address".
std::string encodeAllowlist(const std::vector<Cidr>& v);
std::vector<Cidr> decodeAllowlist(std::string_view column);

// A key's owner as two nullable columns (kind, id); no owner is both null.
std::optional<std::string_view> ownerKindText(const ApiKey& k);
std::optional<std::string_view> ownerIdText(const ApiKey& k);
// An unreadable kind keeps the owner (as a service user): dropping it would turn the key
// into a standalone principal with its roles unbounded by any owner, i.e. fail open.
std::optional<OwnerRef> decodeOwner(const std::optional<std::string>& kind, std::optional<std::string> id);

// The recipient kind of a notification row: a service user when it says so, else a user.
PrincipalKind decodeRecipientKind(std::string_view text);

}  // namespace keyward::store_codec
