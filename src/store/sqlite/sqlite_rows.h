// sqlite_rows.h — the column lists and row readers of the SQLite backend's core tables
// (tenants, key groups, keys, users, service users, user groups, roles, audit events):
// each kXxxCols names, in order, the columns readXxx() expects. Internal: not for use
// outside src/store/sqlite/. The text encodings of list columns are store/codecs.h's.
// Thread safety: pure functions over a statement the caller steps under its connection's
// mutex. Ownership: each reader returns a value that owns its strings.
#pragma once

#include <string_view>

#include "model/model.h"
#include "store/sqlite/sqlite_stmt.h"

namespace keyward::sqlite_detail {

inline constexpr std::string_view kTenantCols =
    "id, name, key_prefix, default_expiry_days, max_expiry_days, expiry_alert_days, "
    "max_keys_per_service_user, created_at, updated_at, seq, allow_never_expiring";
inline constexpr std::string_view kGroupCols =
    "id, tenant_id, name, description, created_at, updated_at, seq, created_by";
inline constexpr std::string_view kKeyCols =
    "id, tenant_id, name, description, group_id, kind, digest, start, enabled, revoked_at, "
    "expires_at, ip_allowlist, metadata, roles, created_by, created_at, updated_at, last_used_at, seq, "
    "owner_kind, owner_id, not_before, previous_digest, previous_start, previous_expires_at, rotated_at, "
    "purpose, credential_mode, public_id, public_key, key_algorithm, previous_public_key";
inline constexpr std::string_view kUserCols =
    "id, tenant_id, email, display_name, password_hash, roles, disabled, created_by, created_at, "
    "updated_at, seq";
inline constexpr std::string_view kServiceUserCols =
    "id, tenant_id, name, description, roles, disabled, created_by, created_at, updated_at, seq";
inline constexpr std::string_view kUserGroupCols =
    "id, tenant_id, name, description, created_by, created_at, updated_at, seq";
inline constexpr std::string_view kRoleCols =
    "id, tenant_id, name, description, permissions, scope_module, created_by, created_at, updated_at, seq";
inline constexpr std::string_view kAuditCols =
    "seq, id, tenant_id, actor, action, target, client_ip, outcome, detail, at, prev_hash, hash";

Tenant readTenant(const Stmt& s);
KeyGroup readGroup(const Stmt& s);
ApiKey readKey(const Stmt& s);

// The columns the verify index reads (forEachKey): ten fewer than kKeyCols, which is about a
// third of the start-up load's column work and the strings it would build and free per key.
inline constexpr std::string_view kIndexKeyCols =
    "id, tenant_id, name, group_id, digest, enabled, revoked_at, expires_at, ip_allowlist, metadata, "
    "roles, last_used_at, owner_kind, owner_id, not_before, previous_digest, previous_expires_at, "
    "credential_mode, public_id, public_key, previous_public_key";
ApiKey readIndexKey(const Stmt& s);

User readUser(const Stmt& s);
ServiceUser readServiceUser(const Stmt& s);
// Without members and subscriptions: those come from their own tables.
UserGroup readUserGroup(const Stmt& s);
Role readRole(const Stmt& s);
AuditEvent readAudit(const Stmt& s);

}  // namespace keyward::sqlite_detail
