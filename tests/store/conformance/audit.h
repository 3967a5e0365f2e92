// audit.h — store conformance, part audit: every change records its event in the same
// transaction (keys and access control alike), filters and paging, the per-tenant hash chain,
// and pruning old events (retention).
//
// A backend runs it with the rest of the suite through conformance.h (KEYWARD_STORE_CONFORMANCE); to
// compile this part alone, include this header and write, at global namespace scope,
//   KEYWARD_STORE_CONFORMANCE_AUDIT(Prefix, Backend);
// where Backend is the type described in fixture.h.
#pragma once

#include "crypto/digest.h"
#include "fixture.h"

namespace keyward::store_testing {

template <class Backend>
class AuditConformance : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(AuditConformance);

// ---- audit -------------------------------------------------------------------------------

TYPED_TEST_P(AuditConformance, EveryChangeRecordsItsAuditEvent) {
  Store& s = this->store();
  Tenant t = tenant("acme");
  AuditEvent create_ev = event(t.id, "tenant.create", t.id, kT0, "key_admin");
  ASSERT_TRUE(s.createTenant(t, create_ev));
  t.name = "acme2";
  ASSERT_TRUE(s.updateTenant(t, event(t.id, "tenant.update", t.id, kT0 + 1)));
  KeyGroup g = group(t, "ops");
  ASSERT_TRUE(s.createGroup(g, event(t.id, "key_group.create", g.id, kT0 + 2)));
  ASSERT_TRUE(s.updateGroup(g, event(t.id, "key_group.update", g.id, kT0 + 3)));
  ApiKey k = key(t, "deploy", g.id);
  ASSERT_TRUE(s.createKey(k, event(t.id, "key.create", k.id, kT0 + 4), std::nullopt));
  ASSERT_TRUE(s.updateKey(k, event(t.id, "key.update", k.id, kT0 + 5)));
  k.revoked_at = kT0 + 6;
  ASSERT_TRUE(s.updateKey(k, event(t.id, "key.revoke", k.id, kT0 + 6)));
  ASSERT_TRUE(s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id, kT0 + 7)));
  ASSERT_TRUE(s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id, kT0 + 8)));

  auto events = this->audit(t.id);
  std::vector<std::string> actions;
  for (const auto& e : events) actions.push_back(e.action);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"tenant.create", "tenant.update", "key_group.create", "key_group.update",
                                      "key.create", "key.update", "key.revoke", "key_group.delete", "tenant.delete"}));
  ASSERT_FALSE(events.empty());
  const AuditEvent& first = events.front();
  EXPECT_EQ(first.id, create_ev.id);
  EXPECT_EQ(first.tenant_id, t.id);
  EXPECT_EQ(first.actor, "key_admin");
  EXPECT_EQ(first.target, t.id);
  EXPECT_EQ(first.client_ip, "192.0.2.10");
  EXPECT_EQ(first.outcome, "success");
  EXPECT_EQ(first.detail_json, R"({"k":"v"})");
  EXPECT_EQ(first.at, kT0);
  for (size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].seq, events[i - 1].seq);
}

TYPED_TEST_P(AuditConformance, FailedChangesRecordNoAuditEvent) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  KeyGroup g = this->addGroup(t, "ops");
  ApiKey k = this->addKey(key(t, "deploy", g.id));
  const size_t before = this->audit(t.id).size();
  ASSERT_EQ(before, 3u);

  Tenant dup_tenant = tenant("acme");
  EXPECT_FALSE(s.createTenant(dup_tenant, event(t.id, "tenant.create", dup_tenant.id)));
  KeyGroup dup_group = group(t, "ops");
  EXPECT_FALSE(s.createGroup(dup_group, event(t.id, "key_group.create", dup_group.id)));
  ApiKey dup_key = key(t, "deploy");
  EXPECT_FALSE(s.createKey(dup_key, event(t.id, "key.create", dup_key.id), std::nullopt));
  ApiKey ghost = key(t, "ghost");
  EXPECT_FALSE(s.updateKey(ghost, event(t.id, "key.update", ghost.id)));
  EXPECT_FALSE(s.deleteGroup(t.id, g.id, event(t.id, "key_group.delete", g.id)));
  EXPECT_FALSE(s.deleteTenant(t.id, event(t.id, "tenant.delete", t.id)));
  KeyGroup ghost_group = group(t, "ghost");
  EXPECT_FALSE(s.updateGroup(ghost_group, event(t.id, "key_group.update", ghost_group.id)));

  EXPECT_EQ(this->audit(t.id).size(), before);
  EXPECT_TRUE(s.getKey(t.id, k.id));
}

TYPED_TEST_P(AuditConformance, AChangeWhoseAuditEventCannotBeWrittenDoesNotHappen) {
  // Reusing an event id makes the audit insert fail; the change must roll back with it.
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  AuditEvent used = event(t.id, "key_group.create", "x");
  KeyGroup g = group(t, "ops");
  ASSERT_TRUE(s.createGroup(g, used));
  KeyGroup g2 = group(t, "billing");
  EXPECT_FALSE(s.createGroup(g2, used));
  EXPECT_FALSE(s.getGroup(t.id, g2.id));
  ApiKey k = key(t, "deploy");
  EXPECT_FALSE(s.createKey(k, used, std::nullopt));
  EXPECT_FALSE(s.getKey(t.id, k.id));
  ApiKey live = this->addKey(key(t, "live"));
  ApiKey edit = live;
  edit.enabled = false;
  EXPECT_FALSE(s.updateKey(edit, used));
  EXPECT_TRUE(s.getKey(t.id, live.id).value().enabled);
  Tenant t2 = tenant("globex");
  EXPECT_FALSE(s.createTenant(t2, used));
  EXPECT_FALSE(s.getTenant(t2.id));
}

TYPED_TEST_P(AuditConformance, StandaloneAuditEventsAreKept) {
  Tenant t = this->addTenant("acme");
  AuditEvent denied = event(t.id, "key.create", "deploy", kT0 + 3, "key_intruder");
  denied.outcome = "denied";
  ASSERT_TRUE(this->store().appendAudit(denied));
  auto got = this->audit(t.id);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.back().id, denied.id);
  EXPECT_EQ(got.back().outcome, "denied");
  EXPECT_EQ(got.back().actor, "key_intruder");
}

TYPED_TEST_P(AuditConformance, AuditCanBeFilteredByActionActorTargetAndTime) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");  // tenant.create at kT0 by key_actor
  Tenant other = this->addTenant("globex");
  auto add = [&](std::string tenant_id, std::string action, std::string target, UnixSeconds at, std::string actor) {
    ASSERT_TRUE(s.appendAudit(event(std::move(tenant_id), std::move(action), std::move(target), at, std::move(actor))));
  };
  add(t.id, "key.create", "key_1", kT0 + 10, "key_alice");
  add(t.id, "key.revoke", "key_1", kT0 + 20, "key_bob");
  add(t.id, "key.create", "key_2", kT0 + 30, "key_bob");
  add(t.id, "key_group.create", "grp_1", kT0 + 40, "key_alice");
  add(other.id, "key.create", "key_9", kT0 + 10, "key_alice");

  auto targets = [&](AuditFilter f) {
    std::vector<std::string> out;
    for (const auto& e : this->audit(t.id, f)) out.push_back(e.action + ":" + e.target);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(targets(Q().action("key.create")), (V{"key.create:key_1", "key.create:key_2"}));
  EXPECT_EQ(targets(Q().actor("key_bob")), (V{"key.revoke:key_1", "key.create:key_2"}));
  EXPECT_EQ(targets(Q().target("key_1")), (V{"key.create:key_1", "key.revoke:key_1"}));
  EXPECT_EQ(targets(Q().since(kT0 + 20)), (V{"key.revoke:key_1", "key.create:key_2", "key_group.create:grp_1"}));
  EXPECT_EQ(targets(Q().until(kT0 + 20)), (V{"tenant.create:" + t.id, "key.create:key_1"}));
  EXPECT_EQ(targets(Q().since(kT0 + 10).until(kT0 + 30)), (V{"key.create:key_1", "key.revoke:key_1"}));
  EXPECT_EQ(targets(Q().action("key.create").actor("key_alice")), (V{"key.create:key_1"}));
  EXPECT_TRUE(targets(Q().action("tenant.delete")).empty());
  // Another tenant's events never show.
  EXPECT_EQ(targets(Q().target("key_9")), V{});
}

TYPED_TEST_P(AuditConformance, AuditIsPagedInOrder) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(s.appendAudit(event(t.id, "key.read", "key_" + std::to_string(i), kT0 + i)));
  AuditFilter f;
  f.action = "key.read";
  f.page.limit = 4;
  auto p1 = s.listAudit(t.id, f);
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->items.size(), 4u);
  ASSERT_TRUE(p1->next);
  f.page.after = *p1->next;
  auto p2 = s.listAudit(t.id, f);
  ASSERT_TRUE(p2);
  ASSERT_EQ(p2->items.size(), 2u);
  EXPECT_FALSE(p2->next);
  std::vector<std::string> all;
  for (const auto& e : p1->items) all.push_back(e.target);
  for (const auto& e : p2->items) all.push_back(e.target);
  EXPECT_EQ(all, (std::vector<std::string>{"key_0", "key_1", "key_2", "key_3", "key_4", "key_5"}));
}

// ---- audit of access-control changes -----------------------------------------------------

TYPED_TEST_P(AuditConformance, EveryAccessControlChangeRecordsExactlyOneAuditEvent) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  User u = user(t, "alice@example.com");
  ASSERT_TRUE(s.createUser(u, event(t.id, "user.create", u.id)));
  ASSERT_TRUE(s.updateUser(u, event(t.id, "user.update", u.id)));
  ServiceUser svc = serviceUser(t, "bot");
  ASSERT_TRUE(s.createServiceUser(svc, event(t.id, "service_user.create", svc.id)));
  ASSERT_TRUE(s.updateServiceUser(svc, event(t.id, "service_user.update", svc.id)));
  UserGroup g = userGroup(t, "admins", {u.id}, {"account_alerts", "expiry_alerts"});
  ASSERT_TRUE(s.createUserGroup(g, event(t.id, "user_group.create", g.id)));
  ASSERT_TRUE(s.updateUserGroup(g, event(t.id, "user_group.update", g.id)));
  Module m = module(t, "billing");
  ASSERT_TRUE(s.createModule(m, event(t.id, "module.create", m.name)));
  Role r = role(t, "Biller", {{"billing", Action::kEdit, Level::kAll}});
  ASSERT_TRUE(s.createRole(r, event(t.id, "role.create", r.id)));
  ASSERT_TRUE(s.updateRole(r, event(t.id, "role.update", r.id)));
  ApiKey k = key(t, "owned");
  k.owner = ownedBy(svc);
  ASSERT_TRUE(s.createKey(k, event(t.id, "key.create", k.id), 10));
  k.revoked_at = kT0 + 1;
  ASSERT_TRUE(s.updateKey(k, event(t.id, "key.revoke", k.id)));
  ASSERT_TRUE(s.deleteRole(t.id, r.id, event(t.id, "role.delete", r.id)));
  ASSERT_TRUE(s.deleteModule(t.id, m.name, event(t.id, "module.delete", m.name)));
  ASSERT_TRUE(s.deleteUserGroup(t.id, g.id, event(t.id, "user_group.delete", g.id)));
  ASSERT_TRUE(s.deleteServiceUser(t.id, svc.id, event(t.id, "service_user.delete", svc.id)));
  ASSERT_TRUE(s.deleteUser(t.id, u.id, event(t.id, "user.delete", u.id)));
  EXPECT_EQ(this->auditActions(t.id),
            (std::vector<std::string>{"tenant.create", "user.create", "user.update", "service_user.create",
                                      "service_user.update", "user_group.create", "user_group.update", "module.create",
                                      "role.create", "role.update", "key.create", "key.revoke", "role.delete",
                                      "module.delete", "user_group.delete", "service_user.delete", "user.delete"}));
}

TYPED_TEST_P(AuditConformance, FailedAccessControlChangesRecordNoAuditEvent) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  User u = this->addUser(user(t, "alice@example.com"));
  ServiceUser svc = this->addServiceUser(serviceUser(t, "bot"));
  UserGroup g = this->addUserGroup(userGroup(t, "admins", {u.id}));
  Role r = this->addRole(role(t, "Biller", {{"billing", Action::kEdit, Level::kAll}}));
  this->addModule(module(t, "billing"));
  ApiKey k = key(t, "owned");
  k.owner = ownedBy(svc);
  k.roles = {unscoped("Biller")};
  this->addKey(k);
  const size_t before = this->audit(t.id).size();

  User dup_user = user(t, "alice@example.com");
  EXPECT_FALSE(s.createUser(dup_user, event(t.id, "user.create", dup_user.id)));
  EXPECT_FALSE(s.updateUser(user(t, "ghost@example.com"), event(t.id, "user.update", "ghost")));
  ServiceUser dup_svc = serviceUser(t, "bot");
  EXPECT_FALSE(s.createServiceUser(dup_svc, event(t.id, "service_user.create", dup_svc.id)));
  EXPECT_FALSE(s.updateServiceUser(serviceUser(t, "ghost"), event(t.id, "service_user.update", "ghost")));
  EXPECT_FALSE(s.deleteServiceUser(t.id, svc.id, event(t.id, "service_user.delete", svc.id)));
  UserGroup dup_group = userGroup(t, "admins");
  EXPECT_FALSE(s.createUserGroup(dup_group, event(t.id, "user_group.create", dup_group.id)));
  EXPECT_FALSE(s.updateUserGroup(userGroup(t, "ghost"), event(t.id, "user_group.update", "ghost")));
  EXPECT_FALSE(s.deleteUserGroup(t.id, "ugr_ghost", event(t.id, "user_group.delete", "ugr_ghost")));
  Role dup_role = role(t, "Biller");
  EXPECT_FALSE(s.createRole(dup_role, event(t.id, "role.create", dup_role.id)));
  EXPECT_FALSE(s.updateRole(role(t, "Ghost"), event(t.id, "role.update", "ghost")));
  EXPECT_FALSE(s.deleteRole(t.id, r.id, event(t.id, "role.delete", r.id)));
  EXPECT_FALSE(s.createModule(module(t, "billing"), event(t.id, "module.create", "billing")));
  EXPECT_FALSE(s.deleteModule(t.id, "billing", event(t.id, "module.delete", "billing")));
  ApiKey over = key(t, "over");
  over.owner = ownedBy(svc);
  EXPECT_FALSE(s.createKey(over, event(t.id, "key.create", over.id), 1));
  EXPECT_FALSE(s.deleteUser(t.id, "usr_ghost", event(t.id, "user.delete", "usr_ghost")));

  EXPECT_EQ(this->audit(t.id).size(), before);
  EXPECT_TRUE(s.getUserGroup(t.id, g.id));
}

TYPED_TEST_P(AuditConformance, AnAccessControlChangeWhoseAuditEventCannotBeWrittenDoesNotHappen) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  AuditEvent used = event(t.id, "module.create", "x");
  ASSERT_TRUE(s.createModule(module(t, "first"), used));
  User alice = this->addUser(user(t, "alice@example.com"));

  User u = user(t, "bob@example.com");
  EXPECT_FALSE(s.createUser(u, used));
  EXPECT_FALSE(s.getUser(t.id, u.id));
  ServiceUser svc = serviceUser(t, "bot");
  EXPECT_FALSE(s.createServiceUser(svc, used));
  EXPECT_FALSE(s.getServiceUser(t.id, svc.id));
  UserGroup g = userGroup(t, "admins", {alice.id}, {"account_alerts"});
  EXPECT_FALSE(s.createUserGroup(g, used));
  EXPECT_FALSE(s.getUserGroup(t.id, g.id));
  Role r = role(t, "Auditor");
  EXPECT_FALSE(s.createRole(r, used));
  EXPECT_FALSE(s.getRole(t.id, r.id));
  EXPECT_FALSE(s.createModule(module(t, "second"), used));
  EXPECT_EQ(s.listModules(t.id).value().size(), 1u);

  UserGroup live = this->addUserGroup(userGroup(t, "live", {alice.id}));
  UserGroup edit = live;
  edit.members.clear();
  EXPECT_FALSE(s.updateUserGroup(edit, used));
  EXPECT_EQ(s.getUserGroup(t.id, live.id).value().members, std::vector<std::string>{alice.id});
  ASSERT_TRUE(s.deleteUserGroup(t.id, live.id, event(t.id, "user_group.delete", live.id)));
  EXPECT_FALSE(s.deleteUser(t.id, alice.id, used));
  EXPECT_TRUE(s.getUser(t.id, alice.id));
  EXPECT_FALSE(s.deleteModule(t.id, "first", used));
  EXPECT_EQ(s.listModules(t.id).value().size(), 1u);
}

// ---- audit chain and retention -----------------------------------------------------------

TYPED_TEST_P(AuditConformance, AuditChainOfEveryTenantIsIntactAfterManyWrites) {
  Store& s = this->store();
  Tenant a = this->addTenant("acme");
  Tenant b = this->addTenant("globex");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(s.appendAudit(event(a.id, "probe.a", std::to_string(i))));
    ASSERT_TRUE(s.appendAudit(event(b.id, "probe.b", std::to_string(i))));
  }
  for (const Tenant& t : {a, b}) {
    auto report = s.verifyAuditChain(t.id);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->events, 6) << t.name;  // tenant.create + five probes
    EXPECT_FALSE(report->first_break) << report->first_break->reason;
    // Each event links to the one before it in its own tenant.
    auto events = this->audit(t.id);
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[0].prev_hash, crypto::Digest{});
    for (size_t i = 1; i < events.size(); ++i) EXPECT_EQ(events[i].prev_hash, events[i - 1].hash);
    EXPECT_EQ(events.back().hash, auditHash(events.back(), events.back().prev_hash));
  }
  auto none = s.verifyAuditChain("ten_nobody");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->events, 0);
  EXPECT_FALSE(none->first_break);
}

TYPED_TEST_P(AuditConformance, PruningOldEventsKeepsTheRemainingChainVerifiable) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");  // tenant.create at kT0
  for (int d = 1; d <= 4; ++d) ASSERT_TRUE(s.appendAudit(event(t.id, "probe", std::to_string(d), kT0 + d * kDay)));
  auto removed = s.pruneAudit(t.id, kT0 + 2 * kDay + 1);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 3);  // tenant.create, day 1, day 2
  auto events = this->audit(t.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].target, "3");
  auto report = s.verifyAuditChain(t.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->events, 2);
  EXPECT_FALSE(report->first_break);
  // New events chain on, and nothing is pruned twice.
  ASSERT_TRUE(s.appendAudit(event(t.id, "probe", "5", kT0 + 5 * kDay)));
  EXPECT_EQ(s.pruneAudit(t.id, kT0 + 2 * kDay + 1).value_or(-1), 0);
  this->reopen();
  report = this->store().verifyAuditChain(t.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->events, 3);
  EXPECT_FALSE(report->first_break);
}

TYPED_TEST_P(AuditConformance, ForEachAuditStreamsMatchingEventsInOrderAndCanStop) {
  Store& s = this->store();
  Tenant t = this->addTenant("acme");
  for (int i = 0; i < 1203; ++i) ASSERT_TRUE(s.appendAudit(event(t.id, i % 2 ? "odd" : "even", std::to_string(i))));
  std::vector<std::string> seen;
  AuditFilter f;
  f.action = "odd";
  ASSERT_TRUE(s.forEachAudit(t.id, f, [&](const AuditEvent& e) {
    seen.push_back(e.target);
    return true;
  }));
  ASSERT_EQ(seen.size(), 601u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], std::to_string(2 * i + 1));
  int calls = 0;
  ASSERT_TRUE(s.forEachAudit(t.id, {}, [&](const AuditEvent&) { return ++calls < 3; }));
  EXPECT_EQ(calls, 3);
}

REGISTER_TYPED_TEST_SUITE_P(AuditConformance, EveryChangeRecordsItsAuditEvent, FailedChangesRecordNoAuditEvent,
                            AChangeWhoseAuditEventCannotBeWrittenDoesNotHappen, StandaloneAuditEventsAreKept,
                            AuditCanBeFilteredByActionActorTargetAndTime, AuditIsPagedInOrder,
                            EveryAccessControlChangeRecordsExactlyOneAuditEvent,
                            FailedAccessControlChangesRecordNoAuditEvent,
                            AnAccessControlChangeWhoseAuditEventCannotBeWrittenDoesNotHappen,
                            AuditChainOfEveryTenantIsIntactAfterManyWrites,
                            PruningOldEventsKeepsTheRemainingChainVerifiable,
                            ForEachAuditStreamsMatchingEventsInOrderAndCanStop);

}  // namespace keyward::store_testing

// Runs this part of the suite on Backend; at global namespace scope, followed by a semicolon.
#define KEYWARD_STORE_CONFORMANCE_AUDIT(Prefix, Backend)                               \
  namespace keyward::store_testing {                                                   \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, AuditConformance, ::testing::Types<Backend>); \
  }                                                                                    \
  static_assert(true)
