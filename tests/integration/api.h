// api.h — small helpers the integration tests share to set up tenants, groups and keys
// through the REST API of a running ServerProcess. Each helper records a test failure
// (ADD_FAILURE) when the server does not answer as expected and returns empty values then.
// Thread safety: as ServerProcess. Ownership: values only.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "integration/server_process.h"

namespace keyward::testing {

inline std::string toJson(const boost::json::value& v) { return boost::json::serialize(v); }

// POST /v1/tenants; returns the tenant id.
inline std::string createTenant(const ServerProcess& s, const std::string& name) {
  const Reply r = s.admin("POST", "/v1/tenants", toJson({{"name", name}}));
  if (r.status != 201) ADD_FAILURE() << "create tenant " << name << ": " << r.status << " " << r.body;
  return r.str("id");
}

// POST /v1/tenants/{tenant}/key-groups with `token` (the bootstrap key when empty).
inline std::string createGroup(const ServerProcess& s, const std::string& tenant, const std::string& name,
                               const std::string& token = {}) {
  const Reply r = s.call("POST", "/v1/tenants/" + tenant + "/key-groups",
                         toJson({{"name", name}, {"description", "group " + name}}),
                         token.empty() ? s.bootstrapToken() : token);
  if (r.status != 201) ADD_FAILURE() << "create group " << name << ": " << r.status << " " << r.body;
  return r.str("id");
}

struct CreatedKey {
  std::string id;
  std::string secret;
  boost::json::object record;
};

// POST /v1/tenants/{tenant}/keys with `body` (an object; "name" required).
inline CreatedKey createKey(const ServerProcess& s, const std::string& tenant, const boost::json::object& body,
                            const std::string& token = {}) {
  const Reply r = s.call("POST", "/v1/tenants/" + tenant + "/keys", toJson(body),
                         token.empty() ? s.bootstrapToken() : token);
  CreatedKey k;
  if (r.status != 201 || !r.json.is_object()) {
    ADD_FAILURE() << "create key: " << r.status << " " << r.body;
    return k;
  }
  k.secret = r.str("secret");
  if (const auto* rec = r.json.as_object().if_contains("key"); rec && rec->is_object()) {
    k.record = rec->as_object();
    if (const auto* id = k.record.if_contains("id"); id && id->is_string()) k.id = std::string(id->as_string());
  }
  if (k.id.empty() || k.secret.empty()) ADD_FAILURE() << "create key: no id or secret in " << r.body;
  return k;
}

// POST /v1/keys/verify with `fields` plus "key"; `token` empty = anonymous caller.
inline Reply verifyKey(const ServerProcess& s, const std::string& key, const std::string& token,
                       boost::json::object fields = {}) {
  fields["key"] = key;
  return s.call("POST", "/v1/keys/verify", toJson(fields), token);
}

// The "code" of a verify reply, after checking it is a 200 with "valid" matching the code.
inline std::string verifyCode(const Reply& r) {
  if (r.status != 200 || !r.json.is_object()) return "HTTP " + std::to_string(r.status) + " " + r.body;
  const auto* valid = r.json.as_object().if_contains("valid");
  const std::string code = r.str("code");
  if (!valid || !valid->is_bool() || valid->as_bool() != (code == "VALID")) return "INCONSISTENT " + r.body;
  return code;
}

}  // namespace keyward::testing
