// Unit tests for configuration loading and precedence (src/app/config.h):
// defaults < TOML file < KEYWARD_* environment < command-line flags.
#include "app/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/temp_dir.h"

namespace keyward::app {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  std::string writeToml(const std::string& body, const std::string& name = "keyward.toml") {
    const fs::path p = dir_ / name;
    std::ofstream(p) << body;
    return p.string();
  }

  EnvLookup env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  Result<Config> load(const std::string& file = "", const FlagValues& flags = {}) {
    return loadConfig(file, env(), flags);
  }

  // The error for a configuration that must be refused.
  Error refused(const std::string& file = "", const FlagValues& flags = {}) {
    auto c = load(file, flags);
    EXPECT_FALSE(c) << "configuration was accepted";
    return c ? Error{} : c.error();
  }

  // Removed with everything in it when the test ends, after the members declared below.
  const testing_support::TempDir tmp_{"keyward-config"};
  const fs::path dir_ = tmp_.path();
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, DefaultsWithoutAnySource) {
  auto c = load();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen, "127.0.0.1:8420");
  EXPECT_EQ(c->db, "sqlite:./data/keyward.db");
  EXPECT_EQ(c->threads, 0u);
  EXPECT_EQ(c->body_limit, 64u * 1024u);
  EXPECT_EQ(c->flush_interval, 5);
  EXPECT_EQ(c->last_use_resolution, 600);
  EXPECT_EQ(c->session_idle_timeout, 1800);
  EXPECT_EQ(c->session_absolute_timeout, 43200);
  EXPECT_TRUE(c->trusted_proxies.empty());
  EXPECT_TRUE(c->access_log);
  EXPECT_EQ(c->log_level, "info");
}

TEST_F(ConfigTest, FileOverridesDefaults) {
  auto c = load(writeToml(R"(
listen = "0.0.0.0:9000"
db = "sqlite:/var/lib/keyward/keyward.db"
threads = 4
body_limit = 131072
access_log = false
log_level = "debug"
)"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen, "0.0.0.0:9000");
  EXPECT_EQ(c->db, "sqlite:/var/lib/keyward/keyward.db");
  EXPECT_EQ(c->threads, 4u);
  EXPECT_EQ(c->body_limit, 131072u);
  EXPECT_FALSE(c->access_log);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->idle_timeout, 60);  // untouched settings keep their defaults
}

TEST_F(ConfigTest, EnvironmentOverridesFile) {
  const std::string file = writeToml("listen = \"0.0.0.0:9000\"\nthreads = 4\n");
  env_["KEYWARD_LISTEN"] = "127.0.0.1:9100";
  auto c = load(file);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen, "127.0.0.1:9100");
  EXPECT_EQ(c->threads, 4u);
}

TEST_F(ConfigTest, FlagsOverrideEnvironmentAndFile) {
  const std::string file = writeToml("listen = \"0.0.0.0:9000\"\nthreads = 4\nlog_level = \"warn\"\n");
  env_["KEYWARD_LISTEN"] = "127.0.0.1:9100";
  env_["KEYWARD_THREADS"] = "8";
  auto c = load(file, {{"listen", "127.0.0.1:0"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen, "127.0.0.1:0");
  EXPECT_EQ(c->threads, 8u);        // environment beats the file
  EXPECT_EQ(c->log_level, "warn");  // the file beats the default
}

TEST_F(ConfigTest, KeywardConfigNamesTheFileWhenNoFlagDoes) {
  env_["KEYWARD_CONFIG"] = writeToml("listen = \"0.0.0.0:9000\"\n");
  auto c = load();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen, "0.0.0.0:9000");
}

TEST_F(ConfigTest, ConfigFlagWinsOverKeywardConfig) {
  env_["KEYWARD_CONFIG"] = writeToml("listen = \"0.0.0.0:9000\"\n", "env.toml");
  const std::string flagged = writeToml("listen = \"0.0.0.0:9001\"\n", "flag.toml");
  auto c = load(flagged);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen, "0.0.0.0:9001");
}

TEST_F(ConfigTest, MissingConfigFileIsAnError) {
  const Error e = refused((dir_ / "nope.toml").string());
  EXPECT_EQ(e.kind, ErrorKind::kInvalid);
  EXPECT_NE(e.message.find("nope.toml"), std::string::npos) << e.message;
}

TEST_F(ConfigTest, TomlSyntaxErrorNamesTheFile) {
  const std::string file = writeToml("listen = \"unterminated\n");
  const Error e = refused(file);
  EXPECT_NE(e.message.find(file), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("line 1"), std::string::npos) << e.message;
}

TEST_F(ConfigTest, UnknownFileSettingNamesTheSettingAndTheFile) {
  const std::string file = writeToml("listen = \"0.0.0.0:9000\"\nlisten_port = 9000\n");
  const Error e = refused(file);
  EXPECT_EQ(e.code, "INVALID_CONFIG");
  EXPECT_EQ(e.field, "listen_port");
  EXPECT_NE(e.message.find("listen_port"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(file), std::string::npos) << e.message;
}

TEST_F(ConfigTest, BadFileValueNamesTheSettingAndTheFile) {
  const std::string file = writeToml("threads = -1\n");
  const Error e = refused(file);
  EXPECT_EQ(e.field, "threads");
  EXPECT_NE(e.message.find("threads"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("config file"), std::string::npos) << e.message;
}

TEST_F(ConfigTest, WrongTomlTypeIsAnError) {
  EXPECT_EQ(refused(writeToml("threads = 1.5\n")).field, "threads");
  EXPECT_EQ(refused(writeToml("[listen]\nport = 1\n")).field, "listen");
}

TEST_F(ConfigTest, BadEnvironmentValueNamesTheVariable) {
  env_["KEYWARD_BODY_LIMIT"] = "lots";
  const Error e = refused();
  EXPECT_EQ(e.field, "body_limit");
  EXPECT_NE(e.message.find("KEYWARD_BODY_LIMIT"), std::string::npos) << e.message;
}

TEST_F(ConfigTest, BadFlagValueNamesTheFlag) {
  const Error e = refused("", {{"read_timeout", "0"}});
  EXPECT_EQ(e.field, "read_timeout");
  EXPECT_NE(e.message.find("--read-timeout"), std::string::npos) << e.message;
}

TEST_F(ConfigTest, BadValuesAreRefused) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"listen", "localhost"},
      {"listen", "127.0.0.1:70000"},
      {"listen", "127.0.0.1:port"},
      {"db", "postgres://x"},
      {"db", "sqlite:"},
      {"threads", "257"},
      {"threads", "four"},
      {"body_limit", "10"},
      {"header_timeout", "0"},
      {"idle_timeout", "86401"},
      {"shutdown_timeout", "-5"},
      {"flush_interval", ""},
      {"log_level", "verbose"},
      {"access_log", "yes"},
      {"trusted_proxies", "10.0.0.1/8"},
      {"trusted_proxies", "10/8"},
      {"session_idle_timeout", "0"},
      {"session_absolute_timeout", "59"},
      {"session_absolute_timeout", "2592001"},
      {"audit_retention_days", "-1"},
      {"audit_retention_days", "36501"},
      {"last_use_resolution", "0"},
      {"last_use_resolution", "a minute"},
  };
  for (const auto& [name, value] : bad) {
    auto c = load("", {{name, value}});
    ASSERT_FALSE(c) << name << "=" << value << " was accepted";
    EXPECT_EQ(c.error().field, name);
  }
}

TEST_F(ConfigTest, TrustedProxiesFromEveryKindOfSource) {
  auto c = load(writeToml("trusted_proxies = [\"10.0.0.0/8\", \"2001:db8::/32\"]\n"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));

  env_["KEYWARD_TRUSTED_PROXIES"] = "192.168.0.0/16, 127.0.0.1 ,::1";
  c = load();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->trusted_proxies, (std::vector<std::string>{"192.168.0.0/16", "127.0.0.1", "::1"}));

  c = load("", {{"trusted_proxies", ""}});  // an empty flag clears the list
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->trusted_proxies.empty());
}

TEST_F(ConfigTest, TrustedProxyEntryThatIsNotAStringIsAnError) {
  const Error e = refused(writeToml("trusted_proxies = [\"10.0.0.0/8\", 42]\n"));
  EXPECT_EQ(e.field, "trusted_proxies");
}

TEST_F(ConfigTest, EverySettingHasOneNameInAllThreePlaces) {
  std::set<std::string> names;
  for (const auto& s : settings()) {
    EXPECT_TRUE(names.insert(s.name).second) << "duplicate " << s.name;
    EXPECT_FALSE(s.help.empty()) << s.name;
  }
  // Each documented setting is accepted by name as a flag (bad values aside).
  for (const char* name :
       {"listen", "db", "threads", "body_limit", "header_timeout", "read_timeout", "idle_timeout", "shutdown_timeout",
        "tls_cert_file", "tls_key_file", "trusted_proxies", "flush_interval", "last_use_resolution", "log_level",
        "access_log", "bootstrap_token_file", "session_idle_timeout", "session_absolute_timeout"}) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  env_["KEYWARD_FLUSH_INTERVAL"] = "9";
  env_["KEYWARD_TLS_CERT_FILE"] = "/etc/keyward/cert.pem";
  env_["KEYWARD_BOOTSTRAP_TOKEN_FILE"] = "/run/keyward/token";
  env_["KEYWARD_SESSION_IDLE_TIMEOUT"] = "600";
  auto c = load();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->flush_interval, 9);
  EXPECT_EQ(c->tls_cert_file, "/etc/keyward/cert.pem");
  EXPECT_EQ(c->bootstrap_token_file, "/run/keyward/token");
  EXPECT_EQ(c->session_idle_timeout, 600);
}

TEST_F(ConfigTest, UnknownFlagIsAnError) { EXPECT_EQ(refused("", {{"colour", "blue"}}).field, "colour"); }

}  // namespace
}  // namespace keyward::app

namespace keyward::app {
namespace {

TEST_F(ConfigTest, ExpiryAlertSettingsHaveDefaultsAndAreValidated) {
  auto c = load();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->alert_interval, 300);
  EXPECT_EQ(c->smtp_url, "");
  EXPECT_EQ(c->smtp_starttls, "try");
  EXPECT_EQ(c->webhook_key_file, "");
  c =
      load(writeToml("alert_interval = 60\nsmtp_url = \"smtps://mail.example.com:465\"\nsmtp_from = "
                     "\"keyward@example.com\"\nsmtp_user = \"keyward\"\nsmtp_password_file = \"/run/secrets/smtp\"\n"
                     "smtp_starttls = \"required\"\nwebhook_key_file = \"/var/lib/keyward/webhook.key\"\n"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->alert_interval, 60);
  EXPECT_EQ(c->smtp_url, "smtps://mail.example.com:465");
  EXPECT_EQ(c->smtp_from, "keyward@example.com");
  EXPECT_EQ(c->smtp_user, "keyward");
  EXPECT_EQ(c->smtp_password_file, "/run/secrets/smtp");
  EXPECT_EQ(c->smtp_starttls, "required");
  EXPECT_EQ(c->webhook_key_file, "/var/lib/keyward/webhook.key");
  EXPECT_EQ(refused("", {{"alert_interval", "0"}}).field, "alert_interval");
  EXPECT_EQ(refused("", {{"smtp_url", "http://mail.example.com"}, {"smtp_from", "a@b.c"}}).field, "smtp_url");
  EXPECT_EQ(refused("", {{"smtp_starttls", "maybe"}}).field, "smtp_starttls");
  const Error in_url = refused("", {{"smtp_url", "smtp://keyward:hunter2@mail.example.com"}, {"smtp_from", "a@b.c"}});
  EXPECT_EQ(in_url.field, "smtp_url");
  EXPECT_EQ(in_url.message.find("hunter2"), std::string::npos);
  EXPECT_EQ(refused("", {{"smtp_from", "not an address"}}).field, "smtp_from");
  EXPECT_EQ(refused("", {{"smtp_url", "smtp://127.0.0.1:25"}}).field, "smtp_from");  // a sender is required
  // There is no setting that takes the password itself.
  EXPECT_EQ(refused("", {{"smtp_password", "hunter2"}}).field, "smtp_password");
}

}  // namespace
}  // namespace keyward::app

namespace keyward::app {
namespace {

TEST_F(ConfigTest, JwtSettingsHaveDefaultsAndAreValidated) {
  auto c = load();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->master_key_file, "");
  EXPECT_EQ(c->jwt_audience, "keyward");
  EXPECT_EQ(c->jwt_algorithm, "ES256");
  c =
      load(writeToml("master_key_file = \"/var/lib/keyward/master.key\"\njwt_audience = \"https://api.example.com\"\n"
                     "jwt_algorithm = \"EdDSA\"\n"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->master_key_file, "/var/lib/keyward/master.key");
  EXPECT_EQ(c->jwt_audience, "https://api.example.com");
  EXPECT_EQ(c->jwt_algorithm, "EdDSA");
  EXPECT_EQ(refused("", {{"jwt_algorithm", "HS256"}}).field, "jwt_algorithm");
  EXPECT_EQ(refused("", {{"jwt_algorithm", "none"}}).field, "jwt_algorithm");
  EXPECT_EQ(refused("", {{"jwt_audience", ""}}).field, "jwt_audience");
  EXPECT_EQ(refused("", {{"jwt_audience", "a\"b"}}).field, "jwt_audience");
}

}  // namespace
}  // namespace keyward::app
