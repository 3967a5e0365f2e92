// config.h — the server's settings and where they come from.
// Thread safety: plain values and pure functions. Ownership: values only.
// Precedence, lowest to highest: built-in defaults < TOML file (--config / KEYWARD_CONFIG)
// < KEYWARD_* environment variables < command-line flags. Every setting has one name used
// in all three places: `listen` is `listen = "..."` in TOML, KEYWARD_LISTEN in the
// environment and --listen on the command line.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace keyward::app {

struct Config {
  std::string listen = "127.0.0.1:8420";
  std::string db = "sqlite:./data/keyward.db";
  std::string bootstrap_token_file;
  unsigned threads = 0;  // 0: one per core
  std::size_t body_limit = 64 * 1024;
  int header_timeout = 10;
  int read_timeout = 30;
  int idle_timeout = 60;
  int shutdown_timeout = 15;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::vector<std::string> trusted_proxies;
  int flush_interval = 5;
  int last_use_resolution = 600;         // a key's last use is stored at most once per this many seconds
  int audit_retention_days = 400;        // 0: keep forever; default keeps a year plus a margin
  int session_idle_timeout = 1800;       // console sessions end after 30 idle minutes
  int session_absolute_timeout = 43200;  // and 12 hours after sign-in
  // Expiry alerts (docs/operations.md "Expiry alerts").
  int alert_interval = 300;           // seconds between scheduler runs
  int signature_window = 300;         // accepted |now - created| of a signed request, seconds
  std::string smtp_url;               // smtp://host:port or smtps://host:port; empty: no e-mail
  std::string smtp_starttls = "try";  // none | try | required (smtp:// only)
  std::string smtp_user;
  std::string smtp_password_file;  // the password never comes from a flag or the environment
  std::string smtp_from;
  std::string webhook_key_file;  // empty: webhook.key next to the database
  // JWT keys (docs/operations.md "JWT master key").
  std::string master_key_file;  // empty: master.key next to the database
  std::string jwt_audience = "keyward";
  std::string jwt_algorithm = "ES256";  // ES256 | EdDSA: new signing keys' algorithm
  std::string log_level = "info";
  bool access_log = true;
};

struct SettingInfo {
  std::string name;
  std::string help;
};
// Every setting, in the order the documentation lists them.
const std::vector<SettingInfo>& settings();

// Values already parsed from flags: setting name -> text.
using FlagValues = std::map<std::string, std::string>;
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Builds the configuration from the three sources. `config_file` (from --config) may be
// empty; then KEYWARD_CONFIG is consulted. Unknown TOML keys and bad values are errors
// that name the setting and the source.
Result<Config> loadConfig(const std::string& config_file, const EnvLookup& env, const FlagValues& flags);

// The real process environment.
std::optional<std::string> processEnv(const std::string& name);

}  // namespace keyward::app
