#include "store/sqlite/sqlite_rows.h"

#include "store/codecs.h"

namespace keyward::sqlite_detail {

using store_codec::decodeAllowlist;
using store_codec::decodeAssignments;
using store_codec::decodeOwner;
using store_codec::decodePermissions;

namespace {

// The digest a rotation replaced, when the column holds one.
std::optional<crypto::Digest> readPreviousDigest(const Stmt& s, int col) {
  if (s.isNull(col)) return std::nullopt;
  crypto::Digest d;
  s.blob(col, d);
  return d;
}

}  // namespace

Tenant readTenant(const Stmt& s) {
  Tenant t;
  t.id = s.text(0);
  t.name = s.text(1);
  t.settings.key_prefix = s.text(2);
  t.settings.default_expiry_days = int(s.i64(3));
  if (auto m = s.optI64(4)) t.settings.max_expiry_days = int(*m);
  t.settings.expiry_alert_days = int(s.i64(5));
  t.settings.max_keys_per_service_user = int(s.i64(6));
  t.created_at = s.i64(7);
  t.updated_at = s.i64(8);
  t.seq = s.i64(9);
  t.settings.allow_never_expiring = s.i64(10) != 0;
  return t;
}

KeyGroup readGroup(const Stmt& s) {
  return KeyGroup{s.text(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.i64(5), s.i64(6), s.text(7)};
}

ApiKey readKey(const Stmt& s) {
  ApiKey k;
  k.id = s.text(0);
  k.tenant_id = s.text(1);
  k.name = s.text(2);
  k.description = s.text(3);
  k.group_id = s.optText(4);
  // The columns hold only names toString wrote (and the migrations' defaults).
  k.kind = parseKeyKind(s.text(5)).value_or(KeyKind::kSimple);
  s.blob(6, k.digest);
  k.start = s.text(7);
  k.enabled = s.i64(8) != 0;
  k.revoked_at = s.optI64(9);
  k.expires_at = s.optI64(10).value_or(kNever);
  k.ip_allowlist = decodeAllowlist(s.text(11));
  k.metadata_json = s.text(12);
  k.roles = decodeAssignments(s.text(13));
  k.created_by = s.text(14);
  k.created_at = s.i64(15);
  k.updated_at = s.i64(16);
  k.last_used_at = s.optI64(17);
  k.seq = s.i64(18);
  k.owner = decodeOwner(s.optText(19), s.optText(20));
  k.not_before = s.optI64(21);
  k.previous_digest = readPreviousDigest(s, 22);
  k.previous_start = s.text(23);
  k.previous_expires_at = s.i64(24);
  k.rotated_at = s.optI64(25);
  k.purpose = parseKeyPurpose(s.text(26)).value_or(KeyPurpose::kThirdParty);
  k.credential_mode = parseCredentialMode(s.text(27)).value_or(CredentialMode::kNone);
  k.public_id = s.optText(28).value_or("");
  k.public_key_pem = s.text(29);
  k.key_algorithm = s.text(30);
  k.previous_public_key_pem = s.text(31);
  return k;
}

ApiKey readIndexKey(const Stmt& s) {
  ApiKey k;
  k.id = s.text(0);
  k.tenant_id = s.text(1);
  k.name = s.text(2);
  k.group_id = s.optText(3);
  s.blob(4, k.digest);
  k.enabled = s.i64(5) != 0;
  k.revoked_at = s.optI64(6);
  k.expires_at = s.optI64(7).value_or(kNever);
  if (!s.isNull(8)) k.ip_allowlist = decodeAllowlist(s.text(8));
  k.metadata_json = s.text(9);
  if (!s.isNull(10)) k.roles = decodeAssignments(s.text(10));
  k.last_used_at = s.optI64(11);
  k.owner = decodeOwner(s.optText(12), s.optText(13));
  k.not_before = s.optI64(14);
  k.previous_digest = readPreviousDigest(s, 15);
  k.previous_expires_at = s.i64(16);
  k.credential_mode = parseCredentialMode(s.text(17)).value_or(CredentialMode::kNone);
  k.public_id = s.optText(18).value_or("");
  k.public_key_pem = s.text(19);
  k.previous_public_key_pem = s.text(20);
  return k;
}

User readUser(const Stmt& s) {
  User u;
  u.id = s.text(0);
  u.tenant_id = s.text(1);
  u.email = s.text(2);
  u.display_name = s.text(3);
  u.password_hash = s.text(4);
  u.roles = decodeAssignments(s.text(5));
  u.disabled = s.i64(6) != 0;
  u.created_by = s.text(7);
  u.created_at = s.i64(8);
  u.updated_at = s.i64(9);
  u.seq = s.i64(10);
  return u;
}

ServiceUser readServiceUser(const Stmt& s) {
  ServiceUser u;
  u.id = s.text(0);
  u.tenant_id = s.text(1);
  u.name = s.text(2);
  u.description = s.text(3);
  u.roles = decodeAssignments(s.text(4));
  u.disabled = s.i64(5) != 0;
  u.created_by = s.text(6);
  u.created_at = s.i64(7);
  u.updated_at = s.i64(8);
  u.seq = s.i64(9);
  return u;
}

UserGroup readUserGroup(const Stmt& s) {
  UserGroup g;
  g.id = s.text(0);
  g.tenant_id = s.text(1);
  g.name = s.text(2);
  g.description = s.text(3);
  g.created_by = s.text(4);
  g.created_at = s.i64(5);
  g.updated_at = s.i64(6);
  g.seq = s.i64(7);
  return g;
}

Role readRole(const Stmt& s) {
  Role r;
  r.id = s.text(0);
  r.tenant_id = s.text(1);
  r.name = s.text(2);
  r.description = s.text(3);
  r.permissions = decodePermissions(s.text(4));
  r.scope_module = s.optText(5);
  r.created_by = s.text(6);
  r.created_at = s.i64(7);
  r.updated_at = s.i64(8);
  r.seq = s.i64(9);
  return r;
}

AuditEvent readAudit(const Stmt& s) {
  AuditEvent e;
  e.seq = s.i64(0);
  e.id = s.text(1);
  e.tenant_id = s.text(2);
  e.actor = s.text(3);
  e.action = s.text(4);
  e.target = s.text(5);
  e.client_ip = s.text(6);
  e.outcome = s.text(7);
  e.detail_json = s.text(8);
  e.at = s.i64(9);
  s.blob(10, e.prev_hash);
  s.blob(11, e.hash);
  return e;
}

}  // namespace keyward::sqlite_detail
