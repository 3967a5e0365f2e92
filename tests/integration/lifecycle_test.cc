// The server's life as an operator sees it: first start and bootstrap, restarts on the same
// database, graceful shutdown, health endpoints.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <memory>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "integration/api.h"
#include "integration/raw_connection.h"
#include "integration/server_process.h"

namespace keyward::testing {
namespace {

namespace json = boost::json;

size_t countOccurrences(const std::string& haystack, const std::string& needle) {
  if (needle.empty()) return 0;
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

class ServerLifecycle : public testing_support::BackendTest {};
KEYWARD_ON_EVERY_BACKEND(ServerLifecycle);

TEST_P(ServerLifecycle, FirstStartPrintsTheBootstrapKeyOnceAndWritesItToAnOwnerOnlyFile) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start());
  const std::string token = server.bootstrapToken();
  ASSERT_FALSE(token.empty()) << "no bootstrap token file";
  EXPECT_TRUE(token.starts_with("kw_")) << token;
  EXPECT_EQ(readFileBytes(server.tokenFile()), token + "\n");

  struct stat st {};
  ASSERT_EQ(::stat(server.tokenFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << std::oct << (st.st_mode & 0777);

  EXPECT_EQ(countOccurrences(server.stdoutText(), token), 1u) << server.stdoutText();
  EXPECT_EQ(countOccurrences(server.stderrText(), token), 0u) << "the bootstrap key leaked into the log";

  const Reply tenants = server.call("GET", "/v1/tenants", {}, token);
  EXPECT_EQ(tenants.status, 200) << tenants.body;
}

TEST_P(ServerLifecycle, RestartOnTheSameDatabasePrintsNoKeyAndTheBootstrapKeyStillWorks) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start());
  const std::string token = server.bootstrapToken();
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(server.stop(), 0) << server.stderrText();

  ASSERT_TRUE(server.start());
  EXPECT_EQ(server.stdoutText().find(token), std::string::npos) << server.stdoutText();
  EXPECT_EQ(server.stdoutText().find("Bootstrap administrator key"), std::string::npos) << server.stdoutText();
  EXPECT_EQ(server.bootstrapToken(), token) << "the token file was rewritten";
  const Reply tenants = server.call("GET", "/v1/tenants", {}, token);
  EXPECT_EQ(tenants.status, 200) << tenants.body;
}

TEST_P(ServerLifecycle, KeysSurviveARestartAndLastUsedIsFlushedOnGracefulShutdown) {
  ServerProcess server(backend());
  // A flush interval of a day: only the shutdown flush can have written last_used_at.
  ASSERT_TRUE(server.start({"--flush-interval", "86400"}));
  const std::string tenant = createTenant(server, "acme");
  const std::string group = createGroup(server, tenant, "billing");
  const CreatedKey key = createKey(server, tenant, {{"name", "billing-sync"}, {"group_id", group}});
  ASSERT_FALSE(key.secret.empty());
  EXPECT_TRUE(key.record.at("last_used_at").is_null());

  const Reply before = verifyKey(server, key.secret, server.bootstrapToken());
  ASSERT_EQ(verifyCode(before), "VALID");
  EXPECT_EQ(before.str("key_id"), key.id);

  ASSERT_EQ(server.stop(), 0) << server.stderrText();
  ASSERT_TRUE(server.start({"--flush-interval", "86400"}));

  const Reply after = verifyKey(server, key.secret, server.bootstrapToken(), {{"tenant_id", tenant}});
  EXPECT_EQ(verifyCode(after), "VALID");
  EXPECT_EQ(after.str("key_id"), key.id);
  EXPECT_EQ(after.str("tenant_id"), tenant);
  EXPECT_EQ(after.str("group_id"), group);

  const Reply record = server.admin("GET", "/v1/tenants/" + tenant + "/keys/" + key.id);
  ASSERT_EQ(record.status, 200) << record.body;
  EXPECT_EQ(record.str("name"), "billing-sync");
  EXPECT_EQ(record.str("state"), "active");
  EXPECT_TRUE(record.json.at("last_used_at").is_string()) << "last_used_at not flushed on shutdown: " << record.body;

  const Reply g = server.admin("GET", "/v1/tenants/" + tenant + "/key-groups/" + group);
  EXPECT_EQ(g.status, 200) << g.body;
}

TEST_P(ServerLifecycle, ARotationsOverlapSurvivesARestart) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start());
  const std::string tenant = createTenant(server, "acme");
  const CreatedKey key = createKey(server, tenant, {{"name", "deploy"}});
  const Reply rotated = server.admin("POST", "/v1/tenants/" + tenant + "/keys/" + key.id + "/rotate",
                                     R"({"grace_seconds":3600})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string fresh = rotated.str("secret");
  ASSERT_FALSE(fresh.empty());

  ASSERT_EQ(server.stop(), 0) << server.stderrText();
  ASSERT_TRUE(server.start());
  const Reply with_old = verifyKey(server, key.secret, server.bootstrapToken());
  EXPECT_EQ(verifyCode(with_old), "VALID");
  EXPECT_TRUE(with_old.json.at("rotating").as_bool()) << with_old.body;
  const Reply with_new = verifyKey(server, fresh, server.bootstrapToken());
  EXPECT_EQ(verifyCode(with_new), "VALID");
  EXPECT_FALSE(with_new.json.at("rotating").as_bool()) << with_new.body;
  EXPECT_EQ(with_new.str("key_id"), key.id);
}

TEST_P(ServerLifecycle, HealthReadinessAndVersionAnswerWhileRunning) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start());
  const Reply ready = server.call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.str("status"), "ready");
  const Reply health = server.call("GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  const Reply version = server.call("GET", "/v1/version");
  EXPECT_EQ(version.status, 200) << version.body;
  EXPECT_EQ(version.str("name"), "keyward");
  EXPECT_EQ(version.header("cache-control"), "no-store");
}

TEST_P(ServerLifecycle, SigtermWhileIdleExitsWithStatusZero) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start());
  ASSERT_EQ(server.call("GET", "/readyz").status, 200);
  // 30 s is a hang detector, not a timing assertion.
  EXPECT_EQ(server.stop(std::chrono::seconds(30)), 0) << server.stderrText();
  EXPECT_NE(server.stderrText().find("stopped"), std::string::npos) << server.stderrText();
}

TEST_P(ServerLifecycle, SigtermClosesIdleKeepAliveConnectionsAndExits) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start());
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.connected()) << conn.error().message();
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto first = conn.read();
  ASSERT_TRUE(first) << conn.error().message();
  EXPECT_EQ(first->status, 200);
  EXPECT_TRUE(first->keep_alive);

  EXPECT_EQ(server.stop(std::chrono::seconds(30)), 0) << server.stderrText();
  EXPECT_TRUE(conn.closedByServer()) << conn.error().message();
}

// Starts a server on `backend` and POSTs {"name": name} to `target` with Expect: 100-continue, SIGTERMs
// the server once the headers are in, then sends the body: the request must still be
// answered with 201 and committed, not just answered: after a restart, GET `target` lists it.
void expectInFlightCreationToFinish(const testing_support::TestBackend& backend, const std::string& target,
                                    const std::string& name) {
  ServerProcess server(backend);
  ASSERT_TRUE(server.start());
  const std::string token = server.bootstrapToken();
  const std::string body = R"({"name":")" + name + R"("})";
  auto conn_owner = std::make_unique<RawConnection>(server.port());
  RawConnection& conn = *conn_owner;
  ASSERT_TRUE(conn.connected());
  // The 100 Continue proves the server has read the headers: the request is in flight.
  ASSERT_TRUE(conn.send("POST " + target + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token +
                        "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = conn.read();
  ASSERT_TRUE(interim) << conn.error().message();
  ASSERT_EQ(interim->status, 100);

  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  ASSERT_TRUE(conn.send(body));
  auto final_response = conn.read();
  ASSERT_TRUE(final_response) << conn.error().message();
  EXPECT_EQ(final_response->status, 201) << final_response->body;
  EXPECT_TRUE(conn.closedByServer()) << conn.error().message();
  conn_owner.reset();
  EXPECT_EQ(server.waitForExit(std::chrono::seconds(30)), 0) << server.stderrText();

  ASSERT_TRUE(server.start());
  const Reply list = server.admin("GET", target);
  EXPECT_NE(list.body.find("\"" + name + "\""), std::string::npos) << list.body;
}

TEST_P(ServerLifecycle, SigtermLetsAnInFlightRequestFinish) {
  expectInFlightCreationToFinish(backend(), "/v1/tenants", "in-flight");
}

// A key creation is answered only once its group commit is durable, by whichever thread
// committed it; a shutdown meanwhile still waits for that answer.
TEST_P(ServerLifecycle, SigtermLetsAnInFlightKeyCreationFinish) {
  expectInFlightCreationToFinish(backend(), "/v1/tenants/system/keys", "in-flight-key");
}

// Many clients creating keys at once: every creation is answered 201 with its own key, every
// key is there after a restart, and creations shared commits (the log line at shutdown says
// how many keys went into how many commits).
TEST_P(ServerLifecycle, ConcurrentKeyCreationsAreAllDurableAndShareCommits) {
  ServerProcess server(backend());
  ASSERT_TRUE(server.start());
  constexpr int kClients = 16, kEach = 8;
  std::vector<std::vector<std::string>> ids(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        const std::string name = "k" + std::to_string(c) + "-" + std::to_string(i);
        const Reply r = server.admin("POST", "/v1/tenants/system/keys", R"({"name":")" + name + R"("})");
        EXPECT_EQ(r.status, 201) << r.body;
        if (r.status == 201) ids[c].push_back(std::string(r.json.at("key").at("id").as_string()));
      }
    });
  }
  for (auto& t : clients) t.join();
  std::set<std::string> unique;
  for (const auto& v : ids) unique.insert(v.begin(), v.end());
  EXPECT_EQ(unique.size(), size_t(kClients * kEach));
  ASSERT_EQ(server.stop(), 0) << server.stderrText();

  const std::string log = server.stdoutText() + server.stderrText();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(group commit: (\d+) keys created in (\d+) commits)"))) << log;
  EXPECT_EQ(std::stoi(m[1]), kClients * kEach);
  EXPECT_LT(std::stoi(m[2]), kClients * kEach) << "no two concurrent creations shared a commit";

  ASSERT_TRUE(server.start());
  for (const auto& id : unique) {
    EXPECT_EQ(server.admin("GET", "/v1/tenants/system/keys/" + id).status, 200) << id;
  }
}

}  // namespace
}  // namespace keyward::testing
