// Router-level tests of GET /v1/tenants/{tenant_id}/audit: every change leaves an event,
// with who, what, which object, from where and the outcome; filters and pagination.
#include "http/router_fixture.h"

namespace keyward::http_testing {
namespace {

class AuditApi : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    tenant_ = createTenant("Acme");
    base_ = "/v1/tenants/" + tenant_;
  }

  static std::vector<std::string> actions(const json::array& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(str(e.as_object(), "action"));
    return out;
  }

  // The bootstrap key's id: the actor of everything the fixture's admin does.
  std::string adminKeyId() {
    for (const auto& k : items(obj(get("/v1/tenants/system/keys?limit=500"))))
      if (str(k.as_object(), "name") == "bootstrap-admin") return str(k.as_object(), "id");
    return {};
  }

  std::string tenant_, base_;
};
KEYWARD_ON_EVERY_BACKEND(AuditApi);

TEST_P(AuditApi, EveryChangeIsRecordedWithActorTargetClientAndOutcome) {
  const std::string group = createGroup(tenant_, "g");
  ASSERT_EQ(patch(base_ + "/key-groups/" + group, R"({"description":"d"})").status, 200);
  CreatedKey k = createKey(tenant_, "k", "\"group_id\":\"" + group + "\"");
  ASSERT_EQ(patch(base_ + "/keys/" + k.id, R"({"enabled":false})").status, 200);
  ASSERT_EQ(patch(base_ + "/keys/" + k.id, R"({"enabled":true})").status, 200);
  ASSERT_EQ(patch(base_ + "/keys/" + k.id, R"({"description":"x","metadata":{"a":1}})").status, 200);
  ASSERT_EQ(del(base_ + "/keys/" + k.id).status, 204);
  ASSERT_EQ(del(base_ + "/key-groups/" + group).status, 204);

  json::array events = auditOf(tenant_);
  EXPECT_EQ(actions(events),
            (std::vector<std::string>{"key_group.create", "key_group.update", "key.create", "key.disable", "key.enable",
                                      "key.update", "key.revoke", "key_group.delete"}));
  const std::string actor = adminKeyId();
  ASSERT_FALSE(actor.empty());
  for (const auto& e : events) {
    const auto& o = e.as_object();
    EXPECT_FALSE(str(o, "id").empty());
    EXPECT_EQ(str(o, "tenant_id"), tenant_);
    EXPECT_EQ(str(o, "actor"), actor);
    EXPECT_EQ(str(o, "client_ip"), kPeer);
    EXPECT_EQ(str(o, "outcome"), "success");
    EXPECT_EQ(str(o, "at"), "2027-01-15T08:00:00Z");
    EXPECT_TRUE(o.at("detail").is_object());
  }
  EXPECT_EQ(str(events[0].as_object(), "target"), group);
  EXPECT_EQ(str(events[2].as_object(), "target"), k.id);
  EXPECT_EQ(str(events[6].as_object(), "target"), k.id);
  EXPECT_EQ(events[5].as_object().at("detail"), json::parse(R"({"changed":["description","metadata"]})"));
}

TEST_P(AuditApi, TenantChangesAreRecordedInTheActorsTenant) {
  const std::string t = createTenant("Second");
  ASSERT_EQ(patch("/v1/tenants/" + t, R"({"expiry_alert_days":3})").status, 200);
  ASSERT_EQ(del("/v1/tenants/" + t).status, 204);
  json::array sys = auditOf("system", "target=" + t);
  EXPECT_EQ(actions(sys), (std::vector<std::string>{"tenant.create", "tenant.update", "tenant.delete"}));
  EXPECT_EQ(sys[1].as_object().at("detail"), json::parse(R"({"changed":["expiry_alert_days"]})"));
}

TEST_P(AuditApi, BootstrapIsRecorded) {
  json::array sys = auditOf("system");
  ASSERT_GE(sys.size(), 2u);
  EXPECT_EQ(str(sys[0].as_object(), "action"), "tenant.create");
  EXPECT_EQ(str(sys[0].as_object(), "actor"), "bootstrap");
  EXPECT_EQ(str(sys[1].as_object(), "action"), "key.create");
  EXPECT_EQ(str(sys[1].as_object(), "target"), adminKeyId());
}

TEST_P(AuditApi, ReadsAreNotRecorded) {
  CreatedKey k = createKey(tenant_, "k");
  const size_t n = auditOf(tenant_).size();
  get(base_ + "/keys");
  get(base_ + "/keys/" + k.id);
  get(base_ + "/key-groups");
  get(base_);
  EXPECT_EQ(auditOf(tenant_).size(), n);
}

TEST_P(AuditApi, DeniedAttemptIsRecordedInTheActorsTenant) {
  const std::string cred = makeCredential(tenant_);
  const std::string other = createTenant("Other");
  std::string cred_id;
  for (const auto& k : items(obj(get(base_ + "/keys?limit=500"))))
    if (str(k.as_object(), "name") == "cred-1") cred_id = str(k.as_object(), "id");
  ASSERT_EQ(post("/v1/tenants", R"({"name":"grab"})", cred).status, 403);
  ASSERT_EQ(get("/v1/tenants/" + other + "/keys", cred).status, 404);

  json::array denied = auditOf(tenant_, "actor=" + cred_id);
  ASSERT_EQ(denied.size(), 2u);
  for (const auto& e : denied) {
    EXPECT_EQ(str(e.as_object(), "outcome"), "denied");
    EXPECT_EQ(str(e.as_object(), "client_ip"), kPeer);
    EXPECT_EQ(str(e.as_object(), "tenant_id"), tenant_);
  }
  EXPECT_EQ(str(denied[0].as_object(), "action"), "tenant.create");
  EXPECT_EQ(str(denied[1].as_object(), "action"), "key.list");
  // Nothing about the attempt is written into the other tenant's log.
  for (const auto& e : auditOf(other)) EXPECT_NE(str(e.as_object(), "actor"), cred_id);
  // The tenant administrator can read its own log, including its denied attempts.
  Response r = get(base_ + "/audit?actor=" + cred_id, cred);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(items(obj(r)).size(), 2u);
}

TEST_P(AuditApi, FiltersByActionTargetAndTimeRange) {
  const std::string g = createGroup(tenant_, "g");  // t0
  clock_.advance(100);
  CreatedKey a = createKey(tenant_, "a");  // t0+100
  clock_.advance(100);
  CreatedKey b = createKey(tenant_, "b");  // t0+200
  clock_.advance(100);
  ASSERT_EQ(del(base_ + "/keys/" + a.id).status, 204);  // t0+300

  EXPECT_EQ(actions(auditOf(tenant_, "action=key.create")), (std::vector<std::string>{"key.create", "key.create"}));
  EXPECT_EQ(actions(auditOf(tenant_, "target=" + a.id)), (std::vector<std::string>{"key.create", "key.revoke"}));
  EXPECT_EQ(actions(auditOf(tenant_, "action=key.create&target=" + b.id)), (std::vector<std::string>{"key.create"}));
  // since is inclusive, until exclusive
  EXPECT_EQ(actions(auditOf(tenant_, "since=2027-01-15T08:01:40Z")),
            (std::vector<std::string>{"key.create", "key.create", "key.revoke"}));
  EXPECT_EQ(actions(auditOf(tenant_, "until=2027-01-15T08:01:40Z")), (std::vector<std::string>{"key_group.create"}));
  json::array mid = auditOf(tenant_, "since=2027-01-15T08:01:40Z&until=2027-01-15T08:05:00Z");
  ASSERT_EQ(mid.size(), 2u);
  EXPECT_EQ(str(mid[0].as_object(), "target"), a.id);
  EXPECT_EQ(str(mid[1].as_object(), "target"), b.id);
  EXPECT_EQ(str(mid[1].as_object(), "at"), "2027-01-15T08:03:20Z");
  // RFC 3339 with an offset and with %-encoding of '+'
  EXPECT_EQ(auditOf(tenant_, "since=2027-01-15T10:05:00%2B02:00").size(), 1u);
  EXPECT_TRUE(auditOf(tenant_, "action=nothing.like.this").empty());
  (void)g;
}

TEST_P(AuditApi, PaginatesWithCursor) {
  for (int i = 0; i < 5; ++i) createGroup(tenant_, "g" + std::to_string(i));
  std::vector<std::string> targets;
  std::string cursor;
  int pages = 0;
  for (; pages < 10; ++pages) {
    Response r = get(base_ + "/audit?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json::object page = obj(r);
    EXPECT_LE(items(page).size(), 2u);
    for (const auto& e : items(page)) targets.push_back(str(e.as_object(), "target"));
    if (page.at("next_cursor").is_null()) break;
    cursor = std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(targets.size(), 5u);
  std::vector<std::string> all;
  for (const auto& e : auditOf(tenant_)) all.push_back(str(e.as_object(), "target"));
  EXPECT_EQ(targets, all);
}

TEST_P(AuditApi, RejectsBadQueries) {
  expectProblem(get(base_ + "/audit?since=yesterday"), 400, "INVALID_FIELD", "since");
  expectProblem(get(base_ + "/audit?until=2027-01-15"), 400, "INVALID_FIELD", "until");
  expectProblem(get(base_ + "/audit?verb=x"), 400, "UNKNOWN_PARAMETER", "verb");
  expectProblem(get(base_ + "/audit?limit=0"), 400, "INVALID_FIELD", "limit");
  expectProblem(get(base_ + "/audit?cursor=next"), 400, "INVALID_FIELD", "cursor");
}

TEST_P(AuditApi, RejectedChangesLeaveNoSuccessEvent) {
  createKey(tenant_, "k");
  const size_t n = auditOf(tenant_).size();
  EXPECT_EQ(post(base_ + "/keys", R"({"name":"k"})").status, 409);
  EXPECT_EQ(post(base_ + "/keys", R"({"name":"bad","ip_allowlist":["1.2.3.4/33"]})").status, 400);
  EXPECT_EQ(post(base_ + "/key-groups", R"({"name":""})").status, 400);
  EXPECT_EQ(auditOf(tenant_).size(), n);
}

TEST_P(AuditApi, AuditNeverContainsTheSecret) {
  CreatedKey k = createKey(tenant_, "k", R"("roles":["Verifier"])");
  ASSERT_EQ(patch(base_ + "/keys/" + k.id, R"({"roles":["Portal Administrator"]})").status, 200);
  ASSERT_EQ(get(base_ + "/keys", k.secret).status, 200);  // a change by the new admin...
  ASSERT_EQ(post(base_ + "/key-groups", R"({"name":"by-k"})", k.secret).status, 201);
  ASSERT_EQ(del(base_ + "/keys/" + k.id).status, 204);
  // send() already fails on any response containing a secret; check the raw text too.
  for (const std::string& t : {tenant_, std::string("system")}) {
    Response r = get("/v1/tenants/" + t + "/audit?limit=500");
    EXPECT_EQ(r.body.find(k.secret), std::string::npos);
    EXPECT_EQ(r.body.find(k.secret.substr(0, 20)), std::string::npos);
  }
  EXPECT_EQ(str(auditOf(tenant_, "action=key_group.create")[0].as_object(), "actor"), k.id);
}

}  // namespace
}  // namespace keyward::http_testing
