// End-to-end: starts the real `keyward serve` on a loopback port 0 in a temporary directory,
// then runs the `keyward` CLI as a subprocess against it, as a user or script would.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/http_client.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The caller's environment minus KEYWARD_* (a developer's own settings must not leak into the
// test), plus `extra`.
std::vector<std::string> environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (std::string_view(*e).starts_with("KEYWARD_")) continue;
    env.emplace_back(*e);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

// fork + exec with stdin/stdout/stderr redirected to files.
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, const fs::path& in,
            const fs::path& out, const fs::path& err) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  auto redirect = [](const fs::path& p, int fd, int flags) {
    const int f = ::open(p.c_str(), flags, 0600);
    if (f < 0 || ::dup2(f, fd) < 0) ::_exit(127);
    ::close(f);
  };
  redirect(in, STDIN_FILENO, O_RDONLY);
  redirect(out, STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
  redirect(err, STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(argv[0], argv.data(), envp.data());
  ::_exit(127);
}

// Waits for `pid`; kills it if it has not exited within `limit`. Returns the exit status,
// or -signal when it died of a signal.
int waitFor(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// A loopback port that nothing listens on: bound by us, then released.
int unusedPort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
  json::value json() const {
    boost::system::error_code ec;
    auto v = json::parse(out, ec);
    EXPECT_FALSE(ec) << "stdout is not JSON: " << out;
    return v;
  }
};

class CliEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keyward-cli-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ / "empty").close();
    std::vector<std::string> args{KEYWARD_BINARY,
                                  "serve",
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--db",
                                  "sqlite:" + (dir_ / "k.db").string(),
                                  "--bootstrap-token-file",
                                  (dir_ / "tok").string()};
    args.insert(args.end(), server_args_.begin(), server_args_.end());
    server_ = spawn(args, environment({}), dir_ / "empty", dir_ / "server.out", dir_ / "server.err");
    ASSERT_GT(server_, 0);
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::smatch m;
    std::string log;
    while (std::chrono::steady_clock::now() < deadline) {
      log = readFile(dir_ / "server.err");
      if (std::regex_search(log, m, listening)) break;
      int status = 0;
      ASSERT_EQ(::waitpid(server_, &status, WNOHANG), 0) << "server exited early:\n" << log;
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_FALSE(m.empty()) << "server did not report its port:\n" << log;
    addr_ = "http://127.0.0.1:" + m[1].str();
    token_ = readFile(dir_ / "tok");
    while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r')) token_.pop_back();
    ASSERT_FALSE(token_.empty());
  }

  void TearDown() override {
    if (server_ > 0) {
      ::kill(server_, SIGTERM);
      EXPECT_EQ(waitFor(server_, 15s), 0) << "server did not stop cleanly on SIGTERM";
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs `keyward <args>` with KEYWARD_ADDR and KEYWARD_TOKEN set (unless overridden in env).
  CliRun cli(std::vector<std::string> args, const std::string& stdin_text = "",
             std::map<std::string, std::string> env = {}) {
    env.try_emplace("KEYWARD_ADDR", addr_);
    env.try_emplace("KEYWARD_TOKEN", token_);
    for (auto it = env.begin(); it != env.end();) it = it->second.empty() ? env.erase(it) : std::next(it);
    const fs::path in = dir_ / "cli.in";
    std::ofstream(in, std::ios::binary) << stdin_text;
    args.insert(args.begin(), KEYWARD_BINARY);
    const pid_t pid = spawn(args, environment(env), in, dir_ / "cli.out", dir_ / "cli.err");
    CliRun r;
    r.exit_code = waitFor(pid, 60s);
    r.out = readFile(dir_ / "cli.out");
    r.err = readFile(dir_ / "cli.err");
    return r;
  }

  std::string createTenant(const std::string& name) {
    auto r = cli({"tenants", "create", "--name", name, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::string(r.json().at("id").as_string());
  }

  struct CreatedKey {
    std::string id;
    std::string secret;
  };

  CreatedKey createKey(const std::string& tenant, const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"keys", "create", "--tenant", tenant, "--name", name, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto doc = r.json();
    return {std::string(doc.at("key").at("id").as_string()), std::string(doc.at("secret").as_string())};
  }

  std::vector<std::string> server_args_;  // extra `serve` flags, set by a derived fixture
  fs::path dir_;
  pid_t server_ = -1;
  std::string addr_;
  std::string token_;
};

TEST_F(CliEndToEnd, CreatedTenantAppearsInTheTenantList) {
  auto created = cli({"tenants", "create", "--name", "acme", "--key-prefix", "acme", "--default-expiry-days", "30"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("acme"), std::string::npos);
  EXPECT_NE(created.out.find("30d"), std::string::npos);

  auto list = cli({"tenants", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(list.out.starts_with("ID ")) << list.out;
  EXPECT_NE(list.out.find("KEY PREFIX"), std::string::npos);
  EXPECT_NE(list.out.find("acme"), std::string::npos);
  EXPECT_NE(list.out.find("system"), std::string::npos);

  const std::string id = createTenant("globex");
  auto got = cli({"tenants", "get", id});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_NE(got.out.find("globex"), std::string::npos);
}

TEST_F(CliEndToEnd, GroupsCanBeCreatedListedAndDeleted) {
  const std::string tenant = createTenant("acme");
  auto created = cli({"groups", "create", "--tenant", tenant, "--name", "billing", "--description", "Billing jobs",
                      "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string group = std::string(created.json().at("id").as_string());

  // --tenant from the environment, as the help promises.
  auto list = cli({"groups", "list"}, "", {{"KEYWARD_TENANT", tenant}});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(group), std::string::npos);
  EXPECT_NE(list.out.find("Billing jobs"), std::string::npos);

  auto del = cli({"groups", "delete", "--tenant", tenant, group});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  auto after = cli({"groups", "list", "--tenant", tenant, "--json"});
  ASSERT_EQ(after.exit_code, 0);
  EXPECT_TRUE(after.json().at("items").as_array().empty());
}

TEST_F(CliEndToEnd, GroupStillHoldingKeysCannotBeDeleted) {
  const std::string tenant = createTenant("acme");
  auto g = cli({"groups", "create", "--tenant", tenant, "--name", "billing", "--json"});
  const std::string group = std::string(g.json().at("id").as_string());
  createKey(tenant, "k1", {"--group", group});
  auto del = cli({"groups", "delete", "--tenant", tenant, group});
  EXPECT_EQ(del.exit_code, 1);
  EXPECT_NE(del.err.find("GROUP_NOT_EMPTY"), std::string::npos) << del.err;
}

TEST_F(CliEndToEnd, KeyVerifiesUntilDisabledAgainAfterEnableAndNeverAfterDelete) {
  const std::string tenant = createTenant("acme");
  auto created = cli({"keys", "create", "--tenant", tenant, "--name", "billing-sync", "--expires-in-days", "30",
                      "--metadata", R"({"team":"billing"})"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("shown only once"), std::string::npos) << created.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created.out, m, std::regex(R"(Secret:\s+(\S+))"))) << created.out;
  const std::string secret = m[1];
  ASSERT_TRUE(std::regex_search(created.out, m, std::regex(R"(ID:\s+(\S+))")));
  const std::string key_id = m[1];

  auto ok = cli({"keys", "verify"}, secret + "\n");
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("VALID"), std::string::npos);
  EXPECT_NE(ok.out.find(key_id), std::string::npos);

  ASSERT_EQ(cli({"keys", "disable", "--tenant", tenant, key_id}).exit_code, 0);
  auto disabled = cli({"keys", "verify", "-"}, secret + "\n");
  EXPECT_EQ(disabled.exit_code, 1);
  EXPECT_NE(disabled.out.find("DISABLED"), std::string::npos) << disabled.out;
  EXPECT_NE(disabled.out.find(key_id), std::string::npos);

  ASSERT_EQ(cli({"keys", "enable", "--tenant", tenant, key_id}).exit_code, 0);
  EXPECT_EQ(cli({"keys", "verify"}, "  " + secret + "\r\n").exit_code, 0);  // surrounding blanks are trimmed

  auto del = cli({"keys", "delete", "--tenant", tenant, key_id});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  auto revoked = cli({"keys", "verify", "--json"}, secret + "\n");
  EXPECT_EQ(revoked.exit_code, 1);
  EXPECT_EQ(revoked.json().at("code").as_string(), "REVOKED");
  EXPECT_EQ(revoked.json().at("valid").as_bool(), false);
}

TEST_F(CliEndToEnd, RotatedKeyPrintsItsNewSecretOnceAndTheOldOneWorksDuringTheGrace) {
  const std::string tenant = createTenant("acme");
  const auto k = createKey(tenant, "deploy", {"--expires-in-days", "30"});
  auto rotated = cli({"keys", "rotate", "--tenant", tenant, k.id, "--grace", "1h"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("shown only once"), std::string::npos) << rotated.out;
  EXPECT_NE(rotated.out.find("Previous secret"), std::string::npos) << rotated.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(rotated.out, m, std::regex(R"(Secret:\s+(\S+))"))) << rotated.out;
  const std::string fresh = m[1];
  EXPECT_NE(fresh, k.secret);

  auto old = cli({"keys", "verify"}, k.secret + "\n");
  EXPECT_EQ(old.exit_code, 0) << old.out << old.err;
  EXPECT_NE(old.out.find("Rotating"), std::string::npos) << old.out;
  EXPECT_EQ(cli({"keys", "verify"}, fresh + "\n").exit_code, 0);

  auto bad = cli({"keys", "rotate", "--tenant", tenant, k.id, "--grace", "soon"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--grace"), std::string::npos) << bad.err;
  auto now = cli({"keys", "rotate", "--tenant", tenant, k.id, "--json"});
  ASSERT_EQ(now.exit_code, 0) << now.err;
  auto gone = cli({"keys", "verify", "--json"}, fresh + "\n");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.json().at("code").as_string(), "ROTATED");
}

TEST_F(CliEndToEnd, KeyPairKeysPrintTheGeneratedPrivateKeyOnceOrTakeTheClientsPublicKey) {
  const std::string tenant = createTenant("acme");
  auto generated = cli({"keys", "create", "--tenant", tenant, "--name", "signer", "--kind", "advanced",
                        "--credential-mode", "key_pair", "--algorithm", "ecdsa-p256-sha256"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  EXPECT_NE(generated.out.find("-----BEGIN PRIVATE KEY-----\n"), std::string::npos) << generated.out;
  EXPECT_NE(generated.out.find("Key id (keyid)"), std::string::npos) << generated.out;
  EXPECT_NE(generated.out.find("ecdsa-p256-sha256"), std::string::npos);

  const std::filesystem::path pub = std::filesystem::temp_directory_path() /
                                    ("keyward-cli-pub-" + std::to_string(::getpid()) + ".pem");
  ASSERT_EQ(std::system(("openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout -out " + pub.string())
                            .c_str()),
            0);
  auto supplied = cli({"keys", "create", "--tenant", tenant, "--name", "client", "--kind", "advanced",
                       "--credential-mode", "key_pair", "--public-key-file", pub.string(), "--json"});
  std::filesystem::remove(pub);
  ASSERT_EQ(supplied.exit_code, 0) << supplied.err;
  EXPECT_EQ(supplied.json().at("secret").as_string(), "");
  EXPECT_EQ(supplied.json().at("key").at("algorithm").as_string(), "ed25519");
  auto missing = cli({"keys", "create", "--tenant", tenant, "--name", "x", "--kind", "advanced", "--credential-mode",
                      "key_pair", "--public-key-file", "/nonexistent/pub.pem"});
  EXPECT_NE(missing.exit_code, 0);
}

TEST_F(CliEndToEnd, JwtKeyPrintsItsTokenOnceAndSigningKeysAndJwksAreShown) {
  const std::string tenant = createTenant("acme");
  auto created = cli({"keys", "create", "--tenant", tenant, "--name", "partner", "--kind", "jwt", "--expires-in-days",
                      "30"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("shown only once"), std::string::npos) << created.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created.out, m, std::regex(R"(Token:\s+(eyJ\S+))"))) << created.out;
  const std::string token = m[1];
  EXPECT_NE(created.out.find("Authorization: Bearer " + token), std::string::npos) << created.out;
  EXPECT_EQ(cli({"keys", "verify"}, token + "\n").exit_code, 0);

  auto list = cli({"signing-keys", "list", "--tenant", tenant});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("ES256"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("current"), std::string::npos) << list.out;
  auto rotated = cli({"signing-keys", "rotate", "--tenant", tenant, "--json"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const std::string new_kid(rotated.json().at("kid").as_string());
  auto jwks = cli({"jwks", "--tenant", tenant}, "", {{"KEYWARD_TOKEN", ""}});  // public: no token needed
  ASSERT_EQ(jwks.exit_code, 0) << jwks.err;
  EXPECT_EQ(json::parse(jwks.out).at("keys").as_array().size(), 2u) << jwks.out;
  EXPECT_NE(jwks.out.find(new_kid), std::string::npos);
  EXPECT_EQ(cli({"keys", "verify"}, token + "\n").exit_code, 0);  // the old key still verifies

  auto never = cli({"keys", "create", "--tenant", tenant, "--name", "forever", "--kind", "jwt", "--never-expires"});
  EXPECT_EQ(never.exit_code, 1);
  EXPECT_NE(never.err.find("must expire"), std::string::npos) << never.err;
}

TEST_F(CliEndToEnd, KeyListShowsStateGroupExpiryAndLastUse) {
  const std::string tenant = createTenant("acme");
  const auto k = createKey(tenant, "nightly-export", {"--never-expires", "--disabled"});
  auto list = cli({"keys", "list", "--tenant", tenant});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(list.out.starts_with("ID")) << list.out;
  for (const char* h : {"NAME", "STATE", "GROUP", "EXPIRES", "LAST USED"})
    EXPECT_NE(list.out.find(h), std::string::npos) << h;
  EXPECT_NE(list.out.find(k.id), std::string::npos);
  EXPECT_NE(list.out.find("disabled"), std::string::npos);
  EXPECT_NE(list.out.find("never"), std::string::npos);
  EXPECT_EQ(list.out.find(k.secret), std::string::npos);

  auto only_active = cli({"keys", "list", "--tenant", tenant, "--state", "active", "--json"});
  ASSERT_EQ(only_active.exit_code, 0) << only_active.err;
  EXPECT_TRUE(only_active.json().at("items").as_array().empty());
}

TEST_F(CliEndToEnd, ListAllFollowsEveryPage) {
  const std::string tenant = createTenant("acme");
  // Names with a hyphen: a random base62 id can never contain one, so a match is the name.
  for (const char* n : {"key-one", "key-two", "key-three"}) createKey(tenant, n);
  auto one_page = cli({"keys", "list", "--tenant", tenant, "--limit", "2"});
  ASSERT_EQ(one_page.exit_code, 0) << one_page.err;
  EXPECT_NE(one_page.out.find("key-two"), std::string::npos) << one_page.out;
  EXPECT_EQ(one_page.out.find("key-three"), std::string::npos) << one_page.out;
  EXPECT_NE(one_page.err.find("--all"), std::string::npos) << "a hint that more pages exist";

  auto all = cli({"keys", "list", "--tenant", tenant, "--limit", "2", "--all", "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.json().at("items").as_array().size(), 3u);
  EXPECT_TRUE(all.json().at("next_cursor").is_null());
}

TEST_F(CliEndToEnd, KeyUpdateChangesAllowlistAndVerifyHonoursIt) {
  const std::string tenant = createTenant("acme");
  const auto k = createKey(tenant, "k1");
  auto upd = cli({"keys", "update", "--tenant", tenant, k.id, "--ip", "10.0.0.0/8", "--ip", "192.168.1.0/24",
                  "--description", "office only", "--json"});
  ASSERT_EQ(upd.exit_code, 0) << upd.err;
  EXPECT_EQ(upd.json().at("ip_allowlist").as_array().size(), 2u);
  EXPECT_EQ(upd.json().at("description").as_string(), "office only");

  EXPECT_EQ(cli({"keys", "verify", "--ip", "10.1.2.3"}, k.secret).exit_code, 0);
  auto outside = cli({"keys", "verify", "--ip", "8.8.8.8"}, k.secret);
  EXPECT_EQ(outside.exit_code, 1);
  EXPECT_NE(outside.out.find("IP_NOT_ALLOWED"), std::string::npos) << outside.out;

  ASSERT_EQ(cli({"keys", "update", "--tenant", tenant, k.id, "--clear-ips"}).exit_code, 0);
  EXPECT_EQ(cli({"keys", "verify", "--ip", "8.8.8.8"}, k.secret).exit_code, 0);
}

TEST_F(CliEndToEnd, JsonOutputIsTheServersJson) {
  const std::string tenant = createTenant("acme");
  auto created = cli({"keys", "create", "--tenant", tenant, "--name", "k1", "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const auto doc = created.json();
  EXPECT_TRUE(doc.at("secret").is_string());
  EXPECT_EQ(doc.at("key").at("state").as_string(), "active");
  const std::string id = std::string(doc.at("key").at("id").as_string());

  auto got = cli({"keys", "get", "--tenant", tenant, id, "--json"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.json().at("id").as_string(), id);
  EXPECT_FALSE(got.json().as_object().contains("secret"));

  auto tenants = cli({"tenants", "list", "--json"});
  ASSERT_EQ(tenants.exit_code, 0);
  EXPECT_GE(tenants.json().at("items").as_array().size(), 2u);
}

TEST_F(CliEndToEnd, ServerErrorExitsOneWithTheProblemDetail) {
  createTenant("acme");
  auto dup = cli({"tenants", "create", "--name", "acme"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("error: "), std::string::npos) << dup.err;
  EXPECT_NE(dup.err.find("(NAME_TAKEN, field name)"), std::string::npos) << dup.err;
  EXPECT_TRUE(dup.out.empty());

  auto missing = cli({"keys", "get", "--tenant", "system", "key_doesnotexist"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not found (NOT_FOUND)"), std::string::npos) << missing.err;
}

TEST_F(CliEndToEnd, InputErrorNamesTheFieldAtFault) {
  const std::string tenant = createTenant("acme");
  auto bad = cli({"keys", "create", "--tenant", tenant, "--name", "k1", "--ip", "10.0.0.0/33"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("field ip_allowlist[0]"), std::string::npos) << bad.err;
}

TEST_F(CliEndToEnd, BadTokenIsRefusedWithoutEchoingIt) {
  auto r = cli({"tenants", "list"}, "", {{"KEYWARD_TOKEN", "kw_not_a_real_token"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("UNAUTHENTICATED"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("kw_not_a_real_token"), std::string::npos);
  EXPECT_EQ(r.out.find("kw_not_a_real_token"), std::string::npos);
}

TEST_F(CliEndToEnd, VerifyWithoutCredentialLearnsOnlyNotAuthorized) {
  const std::string tenant = createTenant("acme");
  const auto k = createKey(tenant, "k1", {"--disabled"});
  auto r = cli({"keys", "verify"}, k.secret + "\n", {{"KEYWARD_TOKEN", ""}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("NOT_AUTHORIZED"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("DISABLED"), std::string::npos);
}

TEST_F(CliEndToEnd, VerifyWithEmptyStdinIsAUsageError) {
  auto r = cli({"keys", "verify"}, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no key given"), std::string::npos) << r.err;
}

TEST_F(CliEndToEnd, UnreachableServerExitsTwoAndSaysWhere) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(unusedPort());
  auto r = cli({"tenants", "list"}, "", {{"KEYWARD_ADDR", dead}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot reach keyward at " + dead), std::string::npos) << r.err;
}

TEST_F(CliEndToEnd, AddrFlagOverridesTheEnvironment) {
  // KEYWARD_ADDR points at the live server; the flag must win and hit the dead address.
  const std::string dead = "http://127.0.0.1:" + std::to_string(unusedPort());
  auto r = cli({"keys", "list", "--tenant", "system", "--addr", dead});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find(dead), std::string::npos) << r.err;
}

TEST_F(CliEndToEnd, MalformedAddressOrMetadataIsAUsageError) {
  auto addr = cli({"tenants", "list", "--addr", "ftp://127.0.0.1:21"});
  EXPECT_EQ(addr.exit_code, 2);
  EXPECT_NE(addr.err.find("--addr"), std::string::npos) << addr.err;
  auto meta = cli({"keys", "create", "--tenant", "system", "--name", "k", "--metadata", "[1,2]"});
  EXPECT_EQ(meta.exit_code, 2);
  EXPECT_NE(meta.err.find("--metadata must be a JSON object"), std::string::npos) << meta.err;
}

TEST_F(CliEndToEnd, HelpExplainsTheKeyCommands) {
  auto top = cli({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* s : {"tenants", "groups", "keys", "KEYWARD_TOKEN"})
    EXPECT_NE(top.out.find(s), std::string::npos) << s;
  auto keys = cli({"keys", "--help"});
  EXPECT_EQ(keys.exit_code, 0);
  for (const char* s : {"create", "list", "get", "update", "enable", "disable", "delete", "verify"})
    EXPECT_NE(keys.out.find(s), std::string::npos) << s;
  auto create = cli({"keys", "create", "--help"});
  EXPECT_EQ(create.exit_code, 0);
  for (const char* s :
       {"--expires-in-days", "--never-expires", "--ip", "--metadata", "--json", "KEYWARD_ADDR", "shown only"})
    EXPECT_NE(create.out.find(s), std::string::npos) << s;
}

// ---- access control ------------------------------------------------------------------------

TEST_F(CliEndToEnd, OwnedKeyVerifiesWithPermissionsUntilItsOwnerIsDisabled) {
  const std::string tenant = createTenant("acme");
  auto module = cli({"modules", "create", "--tenant", tenant, "--name", "billing", "--description", "Billing API"});
  ASSERT_EQ(module.exit_code, 0) << module.err;
  auto role = cli({"roles", "create", "--tenant", tenant, "--name", "Billing Operator", "--permission",
                   "billing:inquire:all", "--permission", "billing:edit:mine", "--json"});
  ASSERT_EQ(role.exit_code, 0) << role.err;
  EXPECT_EQ(role.json().at("permissions").as_array().size(), 2u);
  auto svc = cli({"service-users", "create", "--tenant", tenant, "--name", "billing-sync", "--role", "Billing Operator",
                  "--role", "Cloud Account Viewer=acc-1", "--json"});
  ASSERT_EQ(svc.exit_code, 0) << svc.err;
  const std::string owner = std::string(svc.json().at("id").as_string());

  const auto k = createKey(tenant, "billing-worker",
                           {"--owner-service-user", owner, "--role", "Billing Operator", "--role",
                            "Cloud Account Viewer=acc-1,acc-2"});
  auto ok = cli({"keys", "verify", "--tenant", tenant, "--permission", "billing:edit", "--permission",
                 "cloud_accounts:inquire:acc-1"},
                k.secret + "\n");
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("service_user " + owner), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("billing:edit:mine"), std::string::npos) << ok.out;
  // The key asked for acc-2 too, but its owner holds acc-1 only: the key gets the intersection.
  EXPECT_NE(ok.out.find("cloud_accounts:inquire:all (acc-1)"), std::string::npos) << ok.out;

  auto beyond = cli({"keys", "verify", "--json", "--permission", "cloud_accounts:inquire:acc-2"}, k.secret);
  EXPECT_EQ(beyond.exit_code, 1);
  EXPECT_EQ(beyond.json().at("code").as_string(), "INSUFFICIENT_PERMISSIONS");
  auto not_mine = cli({"keys", "verify", "--permission", "billing:edit:inv-1", "--resource-owner", "svc_someone_else"},
                      k.secret);
  EXPECT_EQ(not_mine.exit_code, 1);
  EXPECT_NE(not_mine.out.find("INSUFFICIENT_PERMISSIONS"), std::string::npos) << not_mine.out;

  auto owned = cli({"keys", "list", "--tenant", tenant, "--owner", owner});
  ASSERT_EQ(owned.exit_code, 0) << owned.err;
  EXPECT_NE(owned.out.find(k.id), std::string::npos) << owned.out;
  EXPECT_NE(owned.out.find("OWNER"), std::string::npos);

  ASSERT_EQ(cli({"service-users", "disable", "--tenant", tenant, owner}).exit_code, 0);
  auto disabled = cli({"keys", "verify"}, k.secret);
  EXPECT_EQ(disabled.exit_code, 1);
  EXPECT_NE(disabled.out.find("OWNER_DISABLED"), std::string::npos) << disabled.out;
  ASSERT_EQ(cli({"service-users", "enable", "--tenant", tenant, owner}).exit_code, 0);
  EXPECT_EQ(cli({"keys", "verify"}, k.secret).exit_code, 0);
}

TEST_F(CliEndToEnd, KeyOwnerCanBeChangedAndRemoved) {
  const std::string tenant = createTenant("acme");
  auto svc = cli({"service-users", "create", "--tenant", tenant, "--name", "sync", "--role", "Global Viewer",
                  "--json"});
  ASSERT_EQ(svc.exit_code, 0) << svc.err;
  const std::string owner = std::string(svc.json().at("id").as_string());
  const auto k = createKey(tenant, "k1");
  auto upd = cli({"keys", "update", "--tenant", tenant, k.id, "--owner-service-user", owner, "--role", "Global Viewer",
                  "--json"});
  ASSERT_EQ(upd.exit_code, 0) << upd.err;
  EXPECT_EQ(upd.json().at("owner").at("id").as_string(), owner);
  EXPECT_EQ(upd.json().at("roles").at(0).at("role").as_string(), "Global Viewer");
  auto cleared = cli({"keys", "update", "--tenant", tenant, k.id, "--no-owner", "--clear-roles", "--json"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  EXPECT_TRUE(cleared.json().at("owner").is_null());
  EXPECT_TRUE(cleared.json().at("roles").as_array().empty());
  auto both = cli({"keys", "update", "--tenant", tenant, k.id, "--owner-user", "u", "--owner-service-user", "s"});
  EXPECT_EQ(both.exit_code, 2) << "the two owner options exclude each other";
}

TEST_F(CliEndToEnd, UserPasswordComesFromStdinAndSignsIn) {
  const std::string tenant = createTenant("acme");
  const std::string password = "correct horse battery staple";
  auto created = cli({"users", "create", "--tenant", tenant, "--email", "Ana@Example.com", "--display-name",
                      "Ana Silva", "--role", "Cloud Account Viewer=acc-1,acc-2", "--password-stdin", "--json"},
                     password + "\n");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const auto user = created.json();
  EXPECT_EQ(user.at("email").as_string(), "ana@example.com");
  EXPECT_EQ(user.at("roles").at(0).at("resources").as_array().size(), 2u);
  EXPECT_EQ(created.out.find(password), std::string::npos) << "the password is never echoed";
  EXPECT_FALSE(user.as_object().contains("password"));

  // The password arrived byte for byte (spaces included): signing in with it works.
  auto ep = keyward::cli::parseAddress(addr_);
  ASSERT_TRUE(ep.has_value());
  keyward::cli::HttpClient http(*ep);
  json::object login{{"tenant", tenant}, {"email", "ana@example.com"}, {"password", password}};
  auto signed_in = http.request("POST", "/v1/auth/login", json::serialize(login));
  ASSERT_TRUE(signed_in.has_value());
  EXPECT_EQ(signed_in->status, 200) << signed_in->body;
  EXPECT_NE(signed_in->header("set-cookie").find("kw_session="), std::string::npos);

  auto list = cli({"users", "list", "--tenant", tenant});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("Cloud Account Viewer (acc-1, acc-2)"), std::string::npos) << list.out;

  const std::string id = std::string(user.at("id").as_string());
  ASSERT_EQ(cli({"users", "update", "--tenant", tenant, id, "--password-stdin"}, "another long password\n").exit_code,
            0);
  login["password"] = "another long password";
  auto again = http.request("POST", "/v1/auth/login", json::serialize(login));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200) << again->body;

  ASSERT_EQ(cli({"users", "disable", "--tenant", tenant, id}).exit_code, 0);
  auto got = cli({"users", "get", "--tenant", tenant, id});
  EXPECT_NE(got.out.find("disabled"), std::string::npos) << got.out;
  EXPECT_EQ(cli({"users", "delete", "--tenant", tenant, id}).exit_code, 0);
}

TEST_F(CliEndToEnd, UserPasswordProblemsAreReported) {
  const std::string tenant = createTenant("acme");
  const std::vector<std::string> create{"users",          "create",  "--tenant",
                                        tenant,           "--email", "bo@example.com",
                                        "--display-name", "Bo",      "--password-stdin"};
  auto empty = cli(create, "");
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("no password given"), std::string::npos) << empty.err;
  auto weak = cli(create, "short\n");
  EXPECT_EQ(weak.exit_code, 1);
  EXPECT_NE(weak.err.find("WEAK_PASSWORD"), std::string::npos) << weak.err;
  auto as_argument = cli({"users", "create", "--tenant", tenant, "--email", "bo@example.com", "--display-name", "Bo",
                          "--password", "secret-in-ps-output"});
  EXPECT_EQ(as_argument.exit_code, 2) << "there is no option that takes a password value";
}

TEST_F(CliEndToEnd, RoleAssignmentSyntaxErrorsAreCaughtBeforeOrByTheServer) {
  const std::string tenant = createTenant("acme");
  auto malformed = cli({"service-users", "create", "--tenant", tenant, "--name", "s", "--role",
                        "Cloud Account Viewer=a,,b"});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("--role"), std::string::npos) << malformed.err;
  auto unscoped = cli({"service-users", "create", "--tenant", tenant, "--name", "s", "--role", "Cloud Account Viewer"});
  EXPECT_EQ(unscoped.exit_code, 1);
  EXPECT_NE(unscoped.err.find("SCOPE_REQUIRED"), std::string::npos) << unscoped.err;
  auto unknown = cli({"keys", "create", "--tenant", tenant, "--name", "k", "--role", "No Such Role"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("UNKNOWN_ROLE"), std::string::npos) << unknown.err;
  auto bad_permission = cli({"roles", "create", "--tenant", tenant, "--name", "r", "--permission", "keys:read:all"});
  EXPECT_EQ(bad_permission.exit_code, 2);
  EXPECT_NE(bad_permission.err.find("inquire, add, edit, delete"), std::string::npos) << bad_permission.err;
}

TEST_F(CliEndToEnd, RolesAndModulesInUseCannotBeDeleted) {
  const std::string tenant = createTenant("acme");
  ASSERT_EQ(cli({"modules", "create", "--tenant", tenant, "--name", "crm"}).exit_code, 0);
  auto role = cli({"roles", "create", "--tenant", tenant, "--name", "CRM Editor", "--permission", "crm:edit:all",
                   "--scope-module", "crm", "--json"});
  ASSERT_EQ(role.exit_code, 0) << role.err;
  EXPECT_EQ(role.json().at("scope_module").as_string(), "crm");
  const std::string role_id = std::string(role.json().at("id").as_string());
  createKey(tenant, "k1", {"--role", "CRM Editor=*"});

  auto roles = cli({"roles", "list", "--tenant", tenant});
  ASSERT_EQ(roles.exit_code, 0) << roles.err;
  for (const char* s :
       {"Portal Administrator", "Cloud Account Viewer", "per cloud_accounts resource", "CRM Editor", "crm:edit:all"})
    EXPECT_NE(roles.out.find(s), std::string::npos) << s;

  auto module_in_use = cli({"modules", "delete", "--tenant", tenant, "crm"});
  EXPECT_EQ(module_in_use.exit_code, 1);
  EXPECT_NE(module_in_use.err.find("MODULE_IN_USE"), std::string::npos) << module_in_use.err;
  auto role_in_use = cli({"roles", "delete", "--tenant", tenant, role_id});
  EXPECT_EQ(role_in_use.exit_code, 1);
  EXPECT_NE(role_in_use.err.find("ROLE_IN_USE"), std::string::npos) << role_in_use.err;
  auto builtin = cli({"roles", "delete", "--tenant", tenant, "builtin-global-viewer"});
  EXPECT_EQ(builtin.exit_code, 1);
  EXPECT_NE(builtin.err.find("BUILTIN_ROLE"), std::string::npos) << builtin.err;

  auto updated = cli({"roles", "update", "--tenant", tenant, role_id, "--permission", "crm:inquire:all",
                      "--description", "read only now", "--json"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  EXPECT_EQ(updated.json().at("permissions").as_array().size(), 1u);
  EXPECT_EQ(cli({"roles", "update", "--tenant", tenant, role_id}).exit_code, 2) << "nothing to update";
}

TEST_F(CliEndToEnd, UserGroupsHoldMembersAndSubscriptions) {
  const std::string tenant = createTenant("acme");
  auto user = cli({"users", "create", "--tenant", tenant, "--email", "ops@example.com", "--display-name", "Ops",
                   "--password-stdin", "--json"},
                  "a long enough password\n");
  ASSERT_EQ(user.exit_code, 0) << user.err;
  const std::string uid = std::string(user.json().at("id").as_string());
  auto g = cli({"user-groups", "create", "--tenant", tenant, "--name", "on-call", "--member", uid, "--subscribe",
                "account_alerts", "--subscribe", "security_alerts", "--json"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(g.json().at("members").as_array().size(), 1u);
  EXPECT_EQ(g.json().at("subscriptions").as_array().size(), 2u);
  const std::string gid = std::string(g.json().at("id").as_string());

  auto list = cli({"user-groups", "list", "--tenant", tenant});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("account_alerts, security_alerts"), std::string::npos) << list.out;
  auto bad_kind = cli({"user-groups", "update", "--tenant", tenant, gid, "--subscribe", "weather"});
  EXPECT_EQ(bad_kind.exit_code, 1);
  EXPECT_NE(bad_kind.err.find("subscriptions[0]"), std::string::npos) << bad_kind.err;
  auto cleared = cli({"user-groups", "update", "--tenant", tenant, gid, "--clear-members", "--json"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  EXPECT_TRUE(cleared.json().at("members").as_array().empty());
  EXPECT_EQ(cli({"user-groups", "delete", "--tenant", tenant, gid}).exit_code, 0);
}

TEST_F(CliEndToEnd, HelpListsTheAccessControlCommands) {
  auto top = cli({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* s : {"users", "service-users", "user-groups", "roles", "modules", "NAME=RES1,RES2"})
    EXPECT_NE(top.out.find(s), std::string::npos) << s;
  auto users = cli({"users", "--help"});
  for (const char* s : {"create", "list", "get", "update", "disable", "enable", "delete"})
    EXPECT_NE(users.out.find(s), std::string::npos) << s;
  auto verify = cli({"keys", "verify", "--help"});
  for (const char* s : {"--permission", "MODULE:ACTION[:RESOURCE]", "--resource-owner"})
    EXPECT_NE(verify.out.find(s), std::string::npos) << s;
}

}  // namespace

namespace {

TEST_F(CliEndToEnd, AuditExportLargerThanOneReadIsStreamedWhole) {
  // Several hundred events make a body many times the client's 64 KiB read: the export is
  // written as it arrives, and every line arrives whole and in order.
  const std::string t = createTenant("acme");
  auto ep = keyward::cli::parseAddress(addr_);
  ASSERT_TRUE(ep.has_value());
  keyward::cli::HttpClient http(*ep);
  for (int i = 0; i < 400; ++i) {
    json::object body{{"name", "bulk-" + std::to_string(i)}};
    auto r = http.request("POST", "/v1/tenants/" + t + "/keys", json::serialize(body),
                          {{"Authorization", "Bearer " + token_}});
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->status, 201) << r->body;
  }
  const auto file = dir_ / "big.jsonl";
  auto exported = cli({"audit", "export", "--tenant", t, "--action", "key.create", "-o", file.string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.err.find("wrote 400 events"), std::string::npos) << exported.err;
  std::ifstream in(file);
  std::string line;
  std::int64_t last = 0;
  int n = 0;
  while (std::getline(in, line)) {
    const auto seq = json::parse(line).at("seq").as_int64();
    EXPECT_GT(seq, last);
    last = seq;
    ++n;
  }
  EXPECT_EQ(n, 400);
  EXPECT_GT(std::filesystem::file_size(file), 2u * 64 * 1024);
}

TEST_F(CliEndToEnd, AuditExportWritesEveryEventInOrderAndVerifyFindsAnAlteredRow) {
  const std::string t = createTenant("acme");
  createKey(t, "first");
  createKey(t, "second");
  auto listed = cli({"audit", "list", "--tenant", t, "--all", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const size_t n = listed.json().at("items").as_array().size();
  ASSERT_GE(n, 2u);

  auto exported = cli({"audit", "export", "--tenant", t});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::istringstream lines(exported.out);
  std::string line;
  std::vector<std::int64_t> seqs;
  while (std::getline(lines, line)) seqs.push_back(json::parse(line).at("seq").as_int64());
  EXPECT_EQ(seqs.size(), n);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));

  auto filtered = cli({"audit", "export", "--tenant", t, "--action", "key.create", "-o", (dir_ / "a.jsonl").string()});
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  EXPECT_NE(filtered.err.find("wrote 2 events"), std::string::npos) << filtered.err;

  auto intact = cli({"audit", "verify", "--tenant", t});
  EXPECT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  EXPECT_NE(intact.out.find("intact: " + std::to_string(n) + " events checked"), std::string::npos) << intact.out;

  // Someone with write access to the database rewrites history behind the server's back.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "k.db").string().c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  const std::string sql =
      "UPDATE audit_events SET outcome = 'denied' WHERE seq = (SELECT MIN(seq) FROM "
      "audit_events WHERE tenant_id = '" +
      t + "')";
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto broken = cli({"audit", "verify", "--tenant", t});
  EXPECT_EQ(broken.exit_code, 1) << broken.out << broken.err;
  EXPECT_NE(broken.out.find("BROKEN: first break at event " + std::to_string(seqs.front())), std::string::npos)
      << broken.out;
  EXPECT_NE(broken.out.find("altered"), std::string::npos) << broken.out;
}

}  // namespace

namespace {

// The server runs its alert scheduler every second, so alerts appear while the test waits.
class CliAlerts : public CliEndToEnd {
 protected:
  CliAlerts() { server_args_ = {"--alert-interval", "1"}; }
};

TEST_F(CliAlerts, WebhookNotificationsAndDeliveries) {
  const std::string tenant = createTenant("acme");
  auto bad = cli({"webhook", "set", "--tenant", tenant, "--url", "ftp://hooks.example.com/x"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("field url"), std::string::npos) << bad.err;
  auto set = cli({"webhook", "set", "--tenant", tenant, "--url", "http://127.0.0.1:1/hook"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  const std::regex secret_re("whsec_[0-9a-f]{64}");
  std::smatch first;
  ASSERT_TRUE(std::regex_search(set.out, first, secret_re)) << set.out;
  auto got = cli({"webhook", "get", "--tenant", tenant});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_NE(got.out.find("http://127.0.0.1:1/hook"), std::string::npos);
  EXPECT_EQ(got.out.find("whsec_"), std::string::npos) << "the secret is shown once only";
  auto rotated = cli({"webhook", "rotate-secret", "--tenant", tenant});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  std::smatch second;
  ASSERT_TRUE(std::regex_search(rotated.out, second, secret_re));
  EXPECT_NE(first.str(), second.str());

  // A service user, its credential, and a key of its that expires tomorrow.
  auto svc = cli({"service-users", "create", "--tenant", tenant, "--name", "ci", "--role", "Global Viewer", "--json"});
  ASSERT_EQ(svc.exit_code, 0) << svc.err;
  const std::string svc_id = std::string(svc.json().at("id").as_string());
  const CreatedKey cred = createKey(tenant, "ci-cred", {"--owner-service-user", svc_id, "--role", "Global Viewer"});
  const CreatedKey expiring = createKey(tenant, "payments", {"--owner-service-user", svc_id, "--expires-in-days", "1"});
  std::string id;
  for (int i = 0; i < 100 && id.empty(); ++i) {
    auto list = cli({"notifications", "list", "--json"}, "", {{"KEYWARD_TOKEN", cred.secret}});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    const json::value doc = list.json();
    const auto& items = doc.at("items").as_array();
    if (!items.empty()) id = std::string(items[0].at("id").as_string());
    else std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(id.empty()) << "no notification arrived";
  auto table = cli({"notifications", "list", "--unread"}, "", {{"KEYWARD_TOKEN", cred.secret}});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("payments"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("unread"), std::string::npos);
  auto read = cli({"notifications", "read", id}, "", {{"KEYWARD_TOKEN", cred.secret}});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  auto unread = cli({"notifications", "list", "--unread", "--json"}, "", {{"KEYWARD_TOKEN", cred.secret}});
  EXPECT_TRUE(unread.json().at("items").as_array().empty());
  EXPECT_EQ(unread.json().at("unread_count").as_int64(), 0);
  auto theirs = cli({"notifications", "read", id});  // the admin key is someone else
  EXPECT_EQ(theirs.exit_code, 1);
  EXPECT_NE(theirs.err.find("NOT_FOUND"), std::string::npos) << theirs.err;

  auto deliveries = cli({"alerts", "deliveries", "--tenant", tenant, "--channel", "webhook"});
  ASSERT_EQ(deliveries.exit_code, 0) << deliveries.err;
  EXPECT_NE(deliveries.out.find("webhook"), std::string::npos) << deliveries.out;
  EXPECT_NE(deliveries.out.find(expiring.id), std::string::npos) << deliveries.out;
  auto del = cli({"webhook", "delete", "--tenant", tenant});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(cli({"webhook", "get", "--tenant", tenant}).exit_code, 1);
}

}  // namespace
