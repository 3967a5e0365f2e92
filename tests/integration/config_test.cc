// The command line and configuration as an operator meets them: --help, a TOML file via
// --config, and bad settings that stop `serve` with exit status 2 and a message naming them.
#include <gtest/gtest.h>

#include <fstream>

#include "integration/api.h"
#include "integration/server_process.h"

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;

void writeFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// SQLite only: these tests name SQLite database files in flags and TOML and check whether
// the files were created (--help and a missing config file need no database at all).
class Config : public testing_support::BackendTest {
 protected:
  // A scratch directory that is removed at the end (ServerProcess owns it).
  ServerProcess scratch_{backend()};
  const fs::path& dir() const { return scratch_.dir(); }
};
INSTANTIATE_TEST_SUITE_P(Backends, Config, ::testing::Values(testing_support::sqliteBackend()),
                         testing_support::backendName);

TEST_P(Config, HelpExplainsEveryCommandAndServeOption) {
  const ExitResult top = runKeyward({"--help"}, dir());
  EXPECT_EQ(top.status, 0) << top.err;
  for (const char* word : {"serve", "tenants", "groups", "keys"})
    EXPECT_NE(top.out.find(word), std::string::npos) << "keyward --help does not mention " << word << "\n" << top.out;

  const ExitResult serve = runKeyward({"serve", "--help"}, dir());
  EXPECT_EQ(serve.status, 0) << serve.err;
  for (const char* option :
       {"--listen", "--db", "--bootstrap-token-file", "--config", "--threads", "--body-limit", "--header-timeout",
        "--read-timeout", "--idle-timeout", "--shutdown-timeout", "--tls-cert-file", "--tls-key-file",
        "--trusted-proxy", "--flush-interval", "--log-level", "--access-log", "KEYWARD_"}) {
    EXPECT_NE(serve.out.find(option), std::string::npos) << "keyward serve --help does not mention " << option << "\n"
                                                         << serve.out;
  }
}

TEST_P(Config, ATomlConfigFileSetsTheListenAddressAndDatabase) {
  ServerProcess server(backend());
  const fs::path config = server.dir() / "keyward.toml";
  const fs::path db = server.dir() / "from-config.db";
  writeFile(config,
            "listen = \"127.0.0.1:0\"\n"
            "db = \"sqlite:" +
                db.string() +
                "\"\n"
                "bootstrap_token_file = \"" +
                server.tokenFile().string() +
                "\"\n"
                "body_limit = 4096\n"
                "trusted_proxies = [\"127.0.0.1/32\"]\n");
  ASSERT_TRUE(server.startWithArgs({"serve", "--config", config.string()}));
  EXPECT_TRUE(fs::exists(db)) << "the database named in the config file was not created";
  EXPECT_FALSE(fs::exists(server.dbPath()));
  EXPECT_EQ(server.call("GET", "/v1/tenants", {}, server.bootstrapToken()).status, 200);
  // body_limit from the file is in force.
  EXPECT_EQ(server.admin("POST", "/v1/tenants", std::string(5000, ' ') + R"({"name":"x"})").status, 413);
  EXPECT_EQ(server.stop(), 0);
}

TEST_P(Config, KeywardConfigEnvironmentVariableNamesTheFileAndFlagsOverrideIt) {
  ServerProcess server(backend());
  const fs::path config = server.dir() / "keyward.toml";
  writeFile(config,
            "listen = \"127.0.0.1:1\"\n"  // overridden by the flag below
            "db = \"sqlite:" +
                server.dbPath().string() + "\"\n");
  ASSERT_TRUE(server.startWithArgs({"serve", "--listen", "127.0.0.1:0", "--bootstrap-token-file",
                                    server.tokenFile().string()},
                                   {"KEYWARD_CONFIG=" + config.string()}));
  EXPECT_TRUE(fs::exists(server.dbPath()));
  EXPECT_EQ(server.call("GET", "/readyz").status, 200);
  EXPECT_EQ(server.stop(), 0);
}

struct BadSetting {
  std::string what;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string toml;  // written to bad.toml and passed with --config when not empty
  std::string named;
};

TEST_P(Config, AnInvalidSettingStopsServeWithStatusTwoAndNamesTheSetting) {
  const std::string db = "sqlite:" + (dir() / "never.db").string();
  const std::vector<BadSetting> cases = {
      {"flag out of range", {"--body-limit", "10"}, {}, {}, "body_limit"},
      {"flag not a number", {"--threads", "many"}, {}, {}, "threads"},
      {"bad listen address", {"--listen", "localhost"}, {}, {}, "listen"},
      {"bad database url", {"--db", "postgres://x"}, {}, {}, "db"},
      {"bad trusted proxy", {"--trusted-proxy", "10.0.0.0/33"}, {}, {}, "trusted_proxies"},
      {"bad environment variable", {}, {"KEYWARD_IDLE_TIMEOUT=0"}, {}, "KEYWARD_IDLE_TIMEOUT"},
      {"unknown key in the config file", {}, {}, "listne = \"127.0.0.1:0\"\n", "listne"},
      {"bad value in the config file", {}, {}, "log_level = \"loud\"\n", "log_level"},
      {"config file that is not TOML", {}, {}, "listen = = 3\n", "bad.toml"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0", "--db", db};
    if (!c.toml.empty()) {
      writeFile(dir() / "bad.toml", c.toml);
      args.push_back("--config");
      args.push_back((dir() / "bad.toml").string());
    }
    // Later flags override the defaults above.
    std::vector<std::string> full = {"serve"};
    for (size_t i = 1; i < args.size(); i += 2) {
      bool overridden = false;
      for (size_t j = 0; j + 1 < c.args.size(); j += 2) overridden |= c.args[j] == args[i];
      if (!overridden) {
        full.push_back(args[i]);
        full.push_back(args[i + 1]);
      }
    }
    full.insert(full.end(), c.args.begin(), c.args.end());
    const ExitResult r = runKeyward(full, dir(), c.env);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(c.named), std::string::npos) << "the message does not name " << c.named << ": " << r.err;
    EXPECT_EQ(r.err.find("listening on"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir() / "never.db")) << "a bad configuration still opened the database";
}

TEST_P(Config, AMissingConfigFileIsAnError) {
  const ExitResult r = runKeyward({"serve", "--listen", "127.0.0.1:0", "--config", (dir() / "absent.toml").string()},
                                  dir());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("absent.toml"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyward::testing
