// No raw secret at rest: after a busy session (create, verify, fail, rotate through states,
// restart), the database files and the server's logs hold no created key's secret, and the
// bootstrap key appears only in the one-time banner on stdout and in the token file.
#include <gtest/gtest.h>

#include <filesystem>

#include "integration/api.h"
#include "integration/server_process.h"

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;

// Needles for one secret: the whole key, and its random part without the prefix (so a
// log that splits or re-prefixes the key is caught too).
std::vector<std::string> needles(const std::string& secret) {
  std::vector<std::string> out = {secret};
  if (const size_t underscore = secret.find('_'); underscore != std::string::npos)
    out.push_back(secret.substr(underscore + 1));
  return out;
}

std::vector<fs::path> databaseFiles(const ServerProcess& s) {
  std::vector<fs::path> out;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::path p = s.dbPath();
    p += suffix;
    if (fs::exists(p)) out.push_back(p);
  }
  return out;
}

void expectNoSecretIn(const fs::path& file, const std::vector<std::string>& secrets) {
  const std::string bytes = readFileBytes(file);
  for (const auto& secret : secrets)
    for (const auto& needle : needles(secret))
      EXPECT_EQ(bytes.find(needle), std::string::npos)
          << "a raw secret (" << needle.substr(0, 6) << "...) is in " << file.filename();
}

// SQLite only: the scan reads the bytes of the SQLite database file and its WAL, SHM and
// journal files.
class SecretsAtRest : public testing_support::BackendTest {};
INSTANTIATE_TEST_SUITE_P(Backends, SecretsAtRest, ::testing::Values(testing_support::sqliteBackend()),
                         testing_support::backendName);

TEST_P(SecretsAtRest, NeitherTheDatabaseNorTheLogsContainARawSecret) {
  ServerProcess server(backend());
  // Debug logging: verify calls are logged too, so they are searched as well.
  ASSERT_TRUE(server.start({"--log-level", "debug", "--flush-interval", "1"}));
  const std::string bootstrap = server.bootstrapToken();
  const std::string tenant = createTenant(server, "acme");
  const std::string group = createGroup(server, tenant, "ops");

  std::vector<std::string> secrets;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const CreatedKey k = createKey(server, tenant,
                                   {{"name", "key-" + std::to_string(i)},
                                    {"group_id", group},
                                    {"ip_allowlist", {"127.0.0.1/32", "10.0.0.0/8"}},
                                    {"description", "secret scan"}});
    ASSERT_FALSE(k.secret.empty());
    secrets.push_back(k.secret);
    ids.push_back(k.id);
  }
  const std::string keys = "/v1/tenants/" + tenant + "/keys/";
  // Every path a secret travels: valid, failed, anonymous, authz, in a bad request, in a URL.
  for (const auto& s : secrets) {
    EXPECT_EQ(verifyCode(verifyKey(server, s, bootstrap, {{"ip", "10.0.0.5"}})), "VALID");
    EXPECT_EQ(verifyCode(verifyKey(server, s, "", {{"ip", "192.168.0.1"}})), "NOT_AUTHORIZED");
    EXPECT_EQ(server.call("GET", "/v1/authz", {}, {}, {{"X-API-Key", s}}).status, 204);
    EXPECT_EQ(server.call("GET", "/v1/tenants", {}, s).status, 401);  // a key without roles is no credential
    EXPECT_EQ(server.call("POST", "/v1/keys/verify", R"({"key":")" + s + R"(","bogus":1})", bootstrap).status, 400);
    EXPECT_GE(server.call("GET", "/v1/keys/verify?key=" + s).status, 400);
  }
  // A rotation's new secret travels the same paths and is scanned for too.
  const Reply rotated = server.admin("POST", keys + ids[2] + "/rotate", R"({"grace_seconds":600})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  secrets.push_back(rotated.str("secret"));
  ASSERT_FALSE(secrets.back().empty());
  EXPECT_EQ(verifyCode(verifyKey(server, secrets.back(), bootstrap, {{"ip", "10.0.0.5"}})), "VALID");
  ASSERT_EQ(server.admin("PATCH", keys + ids[0], R"({"enabled":false})").status, 200);
  ASSERT_EQ(server.admin("DELETE", keys + ids[1]).status, 204);
  EXPECT_EQ(verifyCode(verifyKey(server, secrets[0], bootstrap, {{"ip", "10.0.0.5"}})), "DISABLED");
  EXPECT_EQ(verifyCode(verifyKey(server, secrets[1], bootstrap, {{"ip", "10.0.0.5"}})), "REVOKED");

  // Scan while running (the WAL holds the recent writes) and after a graceful stop.
  auto scan = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const auto db = databaseFiles(server);
    ASSERT_FALSE(db.empty());
    std::string all_db;
    for (const auto& f : db) {
      expectNoSecretIn(f, secrets);
      expectNoSecretIn(f, {bootstrap});
      all_db += readFileBytes(f);
    }
    // The scan looks at the right bytes: the key records themselves are there.
    EXPECT_NE(all_db.find("key-4"), std::string::npos);
    for (int run = 1; run <= server.runs(); ++run) {
      expectNoSecretIn(server.stderrPath(run), secrets);
      expectNoSecretIn(server.stderrPath(run), {bootstrap});
      expectNoSecretIn(server.stdoutPath(run), secrets);
    }
  };
  scan("while running");
  ASSERT_EQ(server.stop(), 0);
  scan("after shutdown");

  ASSERT_TRUE(server.start({"--log-level", "debug"}));
  EXPECT_EQ(verifyCode(verifyKey(server, secrets[2], bootstrap, {{"ip", "127.0.0.1"}})), "VALID");
  ASSERT_EQ(server.stop(), 0);
  scan("after a restart");

  // The bootstrap key: once in the first run's banner, in the token file, nowhere else.
  const std::string banner = server.stdoutText(1);
  const size_t first = banner.find(bootstrap);
  EXPECT_NE(first, std::string::npos);
  EXPECT_EQ(banner.find(bootstrap, first + 1), std::string::npos);
  EXPECT_EQ(server.stdoutText(2).find(bootstrap), std::string::npos);
  EXPECT_EQ(readFileBytes(server.tokenFile()), bootstrap + "\n");
}

}  // namespace
}  // namespace keyward::testing
