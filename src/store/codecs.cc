#include "store/codecs.h"

namespace keyward::store_codec {

std::string joinLines(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += '\n';
    out += v[i];
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const size_t at = s.find(sep);
    out.emplace_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

std::vector<std::string> splitLines(std::string_view s) { return split(s, '\n'); }

std::string encodeAssignments(const std::vector<RoleAssignment>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += '\n';
    out += v[i].role;
    if (v[i].all_resources) {
      out += "\t*";
      continue;
    }
    for (const auto& r : v[i].resources) {
      out += '\t';
      out += r;
    }
  }
  return out;
}

std::vector<RoleAssignment> decodeAssignments(std::string_view column) {
  std::vector<RoleAssignment> out;
  for (const auto& line : splitLines(column)) {
    if (line.empty()) continue;  // an empty role name names no role
    auto fields = split(line, '\t');
    RoleAssignment a;
    a.role = std::move(fields.front());
    if (fields.size() == 2 && fields[1] == "*") {
      a.all_resources = true;
    } else {
      for (size_t i = 1; i < fields.size(); ++i) a.resources.push_back(std::move(fields[i]));
    }
    out.push_back(std::move(a));
  }
  return out;
}

bool holdsRole(std::string_view column, std::string_view role) {
  for (const auto& line : splitLines(column))
    if (std::string_view(line).substr(0, line.find('\t')) == role) return true;
  return false;
}

std::string encodePermissions(const std::vector<Permission>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += '\n';
    out += v[i].module;
    out += '\t';
    out += toString(v[i].action);
    out += '\t';
    out += toString(v[i].level);
  }
  return out;
}

std::vector<Permission> decodePermissions(std::string_view column) {
  std::vector<Permission> out;
  for (const auto& line : splitLines(column)) {
    auto fields = split(line, '\t');
    if (fields.size() != 3) continue;
    auto action = parseAction(fields[1]);
    auto level = parseLevel(fields[2]);
    if (!action || !level) continue;  // fail closed
    out.push_back(Permission{std::move(fields[0]), *action, *level});
  }
  return out;
}

bool namesModule(std::string_view column, std::string_view module) {
  for (const auto& p : decodePermissions(column))
    if (p.module == module) return true;
  return false;
}

std::string encodeAllowlist(const std::vector<Cidr>& v) {
  std::vector<std::string> parts;
  for (const auto& c : v) parts.push_back(formatCidr(c));
  return joinLines(parts);
}

std::vector<Cidr> decodeAllowlist(std::string_view column) {
  std::vector<Cidr> out;
  for (const auto& c : splitLines(column)) {
    auto parsed = parseCidr(c);
    out.push_back(parsed ? *parsed : Cidr{IpAddress{}, 128});
  }
  return out;
}

std::optional<std::string_view> ownerKindText(const ApiKey& k) {
  if (!k.owner) return std::nullopt;
  return toString(k.owner->kind);
}

std::optional<std::string_view> ownerIdText(const ApiKey& k) {
  if (!k.owner) return std::nullopt;
  return std::string_view(k.owner->id);
}

std::optional<OwnerRef> decodeOwner(const std::optional<std::string>& kind, std::optional<std::string> id) {
  if (!id) return std::nullopt;
  OwnerRef o{PrincipalKind::kServiceUser, std::move(*id)};
  if (kind && *kind == toString(PrincipalKind::kUser)) o.kind = PrincipalKind::kUser;
  return o;
}

PrincipalKind decodeRecipientKind(std::string_view text) {
  return text == toString(PrincipalKind::kServiceUser) ? PrincipalKind::kServiceUser : PrincipalKind::kUser;
}

}  // namespace keyward::store_codec
