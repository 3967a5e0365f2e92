// render.h — the JSON representation of domain records in API responses.
// Thread safety: pure functions. Ownership: values only.
// Times are RFC 3339 UTC strings; "never" is null. Secrets never pass through here:
// the one response that carries a secret adds it explicitly (handlers_keys.cc).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/principal.h"
#include "http/message.h"

namespace keyward::http {

boost::json::object renderTenant(const Tenant& t);
boost::json::object renderGroup(const KeyGroup& g);
boost::json::object renderKey(const ApiKey& k, UnixSeconds now);
boost::json::object renderAudit(const AuditEvent& e);
boost::json::object renderUser(const User& u);
boost::json::object renderServiceUser(const ServiceUser& s);
boost::json::object renderUserGroup(const UserGroup& g);
boost::json::object renderRole(const Role& r);
boost::json::object renderModule(const Module& m);
boost::json::array renderAssignments(const std::vector<RoleAssignment>& roles);
boost::json::value renderOwner(const std::optional<OwnerRef>& owner);
boost::json::object renderFailure(const VerifyFailureCount& f);

boost::json::value timeOrNull(std::optional<UnixSeconds> t);

// {"items": [...], "next_cursor": "..."|null}
template <class T, class Fn>
boost::json::object renderPage(const Page<T>& page, Fn&& one) {
  boost::json::array items;
  for (const auto& item : page.items) items.push_back(one(item));
  boost::json::object o;
  o["items"] = std::move(items);
  if (page.next) o["next_cursor"] = std::to_string(*page.next);
  else o["next_cursor"] = nullptr;
  return o;
}

Response jsonResponse(int status, const boost::json::value& v);

}  // namespace keyward::http
