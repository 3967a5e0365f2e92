#include "store/audit_chain.h"

namespace keyward {
namespace {

void appendField(std::string& out, std::string_view v) {
  const auto n = static_cast<std::uint64_t>(v.size());
  for (int i = 7; i >= 0; --i) out += char((n >> (8 * i)) & 0xff);
  out += v;
}

}  // namespace

crypto::Digest auditHash(const AuditEvent& e, const crypto::Digest& prev) {
  std::string data = "keyward-audit-v1";
  appendField(data, std::string_view(reinterpret_cast<const char*>(prev.data()), prev.size()));
  for (std::string_view f : {std::string_view(e.id), std::string_view(e.tenant_id), std::string_view(e.actor),
                             std::string_view(e.action), std::string_view(e.target), std::string_view(e.client_ip),
                             std::string_view(e.outcome), std::string_view(e.detail_json)}) {
    appendField(data, f);
  }
  appendField(data, std::to_string(e.at));
  return crypto::sha256(data);
}

}  // namespace keyward
