#include "app/config.h"

#include <toml++/toml.h>

#include <cstdlib>

#include "app/store_url.h"
#include "common/ip.h"

namespace keyward::app {
namespace {

std::optional<long long> toInt(const std::string& s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string part = s.substr(start, comma - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    start = comma + 1;
  }
  return out;
}

// One setting given as text being applied; `source` names where it came from for errors.
struct Setting {
  Config& c;
  const std::string& name;
  const std::string& value;
  const std::string& source;

  std::unexpected<Error> bad(const std::string& why) const {
    return fail(ErrorKind::kInvalid, "INVALID_CONFIG", source + ": " + name + " " + why, name);
  }
  Status seconds(int& slot) const {
    auto v = toInt(value);
    if (!v || *v < 1 || *v > 86400) return bad("must be a number of seconds from 1 to 86400");
    slot = int(*v);
    return {};
  }
  // The server's own settings (listening, store, limits, timeouts, TLS, proxies); nullopt
  // when `name` is not one of them.
  std::optional<Status> applyServer() const;
  // Alerts, mail, keys kept outside the database, JWT and logging; nullopt likewise.
  std::optional<Status> applyServices() const;
};

std::optional<Status> Setting::applyServer() const {
  if (name == "listen") {
    const size_t colon = value.rfind(':');
    if (colon == std::string::npos || !toInt(value.substr(colon + 1)) || *toInt(value.substr(colon + 1)) > 65535)
      return bad("must be HOST:PORT, e.g. 127.0.0.1:8420 or [::1]:8420");
    c.listen = value;
  } else if (name == "db") {
    if (auto url = parseStoreUrl(value); !url) return bad(url.error().message);
    c.db = value;
  } else if (name == "bootstrap_token_file") {
    c.bootstrap_token_file = value;
  } else if (name == "threads") {
    auto v = toInt(value);
    if (!v || *v > 256) return bad("must be 0 (one per core) to 256");
    c.threads = unsigned(*v);
  } else if (name == "body_limit") {
    auto v = toInt(value);
    if (!v || *v < 1024 || *v > 64 * 1024 * 1024) return bad("must be 1024 to 67108864 bytes");
    c.body_limit = std::size_t(*v);
  } else if (name == "header_timeout") {
    return seconds(c.header_timeout);
  } else if (name == "read_timeout") {
    return seconds(c.read_timeout);
  } else if (name == "idle_timeout") {
    return seconds(c.idle_timeout);
  } else if (name == "shutdown_timeout") {
    return seconds(c.shutdown_timeout);
  } else if (name == "flush_interval") {
    return seconds(c.flush_interval);
  } else if (name == "last_use_resolution") {
    return seconds(c.last_use_resolution);
  } else if (name == "audit_retention_days") {
    auto v = toInt(value);
    if (!v || *v > 36500) return bad("must be 0 (keep forever) to 36500 days");
    c.audit_retention_days = int(*v);
  } else if (name == "session_idle_timeout") {
    return seconds(c.session_idle_timeout);
  } else if (name == "session_absolute_timeout") {
    auto v = toInt(value);
    if (!v || *v < 60 || *v > 30 * 86400) return bad("must be a number of seconds from 60 to 2592000 (30 days)");
    c.session_absolute_timeout = int(*v);
  } else if (name == "tls_cert_file") {
    c.tls_cert_file = value;
  } else if (name == "tls_key_file") {
    c.tls_key_file = value;
  } else if (name == "trusted_proxies") {
    auto list = splitList(value);
    for (const auto& entry : list)
      if (auto cidr = parseCidr(entry); !cidr) return bad("has an invalid entry: " + cidr.error().message);
    c.trusted_proxies = std::move(list);
  } else {
    return std::nullopt;
  }
  return Status{};
}

std::optional<Status> Setting::applyServices() const {
  if (name == "alert_interval") {
    return seconds(c.alert_interval);
  } else if (name == "signature_window") {
    return seconds(c.signature_window);
  } else if (name == "smtp_url") {
    if (!value.empty() && !value.starts_with("smtp://") && !value.starts_with("smtps://"))
      return bad("must be smtp://HOST[:PORT] or smtps://HOST[:PORT]");
    // Credentials in the URL would end up in logs and process listings; they have their own settings.
    if (value.find('@') != std::string::npos)
      return bad("must not carry credentials; use smtp_user and smtp_password_file");
    c.smtp_url = value;
  } else if (name == "smtp_starttls") {
    if (value != "none" && value != "try" && value != "required") return bad("must be one of none, try, required");
    c.smtp_starttls = value;
  } else if (name == "smtp_user") {
    c.smtp_user = value;
  } else if (name == "smtp_password_file") {
    c.smtp_password_file = value;
  } else if (name == "smtp_from") {
    if (!value.empty() && (value.find('@') == std::string::npos || value.find_first_of("<>\r\n ") != std::string::npos))
      return bad("must be an e-mail address, e.g. keyward@example.com");
    c.smtp_from = value;
  } else if (name == "webhook_key_file") {
    c.webhook_key_file = value;
  } else if (name == "master_key_file") {
    c.master_key_file = value;
  } else if (name == "jwt_audience") {
    if (value.empty() || value.size() > 200 || value.find_first_of("\r\n\"") != std::string::npos)
      return bad("must be 1 to 200 characters without quotes or line breaks");
    c.jwt_audience = value;
  } else if (name == "jwt_algorithm") {
    if (value != "ES256" && value != "EdDSA") return bad("must be ES256 or EdDSA");
    c.jwt_algorithm = value;
  } else if (name == "log_level") {
    if (value != "trace" && value != "debug" && value != "info" && value != "warn" && value != "error")
      return bad("must be one of trace, debug, info, warn, error");
    c.log_level = value;
  } else if (name == "access_log") {
    if (value != "true" && value != "false") return bad("must be true or false");
    c.access_log = value == "true";
  } else {
    return std::nullopt;
  }
  return Status{};
}

// Applies one setting given as text; `source` names where it came from for the error.
Status apply(Config& c, const std::string& name, const std::string& value, const std::string& source) {
  const Setting setting{c, name, value, source};
  if (auto st = setting.applyServer()) return *st;
  if (auto st = setting.applyServices()) return *st;
  return fail(ErrorKind::kInvalid, "INVALID_CONFIG", source + ": unknown setting '" + name + "'", name);
}

std::string envName(const std::string& name) {
  std::string out = "KEYWARD_";
  for (char c : name) out += char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<std::string> tomlText(const toml::node& node, const std::string& name, const std::string& source) {
  if (auto s = node.value<std::string>(); s && node.is_string()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<long long>());
  if (node.is_boolean()) return std::string(*node.value<bool>() ? "true" : "false");
  if (const auto* arr = node.as_array()) {
    std::string joined;
    for (const auto& item : *arr) {
      if (!item.is_string()) {
        return fail(ErrorKind::kInvalid, "INVALID_CONFIG", source + ": " + name + " must be a list of strings", name);
      }
      joined += (joined.empty() ? "" : ",") + *item.value<std::string>();
    }
    return joined;
  }
  return fail(ErrorKind::kInvalid, "INVALID_CONFIG", source + ": " + name + " has an unsupported type", name);
}

}  // namespace

const std::vector<SettingInfo>& settings() {
  static const std::vector<SettingInfo> kSettings = {
      {"listen", "address to serve on, HOST:PORT (default 127.0.0.1:8420; port 0 picks a free port)"},
      {"db", "database, sqlite:PATH (default sqlite:./data/keyward.db)"},
      {"bootstrap_token_file", "on first start also write the bootstrap admin key to this file (mode 0600)"},
      {"threads", "I/O threads (default 0: one per core)"},
      {"body_limit", "largest request body in bytes (default 65536; larger gets 413)"},
      {"header_timeout", "seconds to receive a request's headers (default 10)"},
      {"read_timeout", "seconds to receive a request's body and to send a response (default 30)"},
      {"idle_timeout", "seconds an idle keep-alive connection stays open (default 60)"},
      {"shutdown_timeout", "seconds in-flight requests get to finish on SIGINT/SIGTERM (default 15)"},
      {"tls_cert_file", "PEM certificate chain; with tls_key_file, serve HTTPS"},
      {"tls_key_file", "PEM private key for tls_cert_file"},
      {"trusted_proxies", "CIDRs of proxies whose X-Forwarded-For is believed (comma-separated)"},
      {"flush_interval", "seconds between flushes of last-used times and failure counters (default 5)"},
      {"last_use_resolution",
       "a key's last use is stored at most once per this many seconds, and at its first use (default 600); the node that verified it shows the exact time"},
      {"audit_retention_days",
       "days audit events are kept; older ones are removed daily, the hash chain stays verifiable (default 400; 0 keeps them forever)"},
      {"session_idle_timeout", "seconds a console session survives without a request (default 1800)"},
      {"session_absolute_timeout", "seconds a console session lasts after sign-in, at most (default 43200)"},
      {"alert_interval", "seconds between expiry-alert runs (default 300)"},
      {"signature_window",
       "seconds a key-pair signature's created time may differ from the server's clock; replays are refused within it (default 300)"},
      {"smtp_url",
       "SMTP relay for alert e-mail, smtp://HOST:PORT or smtps://HOST:PORT (default none: e-mails are recorded as skipped)"},
      {"smtp_starttls", "none, try or required: STARTTLS on smtp:// (default try)"},
      {"smtp_user", "SMTP user name (default none: no authentication)"},
      {"smtp_password_file", "file holding the SMTP password (never given on the command line)"},
      {"smtp_from", "sender address of alert e-mail (required with smtp_url)"},
      {"webhook_key_file",
       "file with the key webhook signing secrets are derived from; created (0600) if missing (default: webhook.key next to the database)"},
      {"master_key_file",
       "file with the master key that seals JWT signing keys (base64 of 32 bytes); created (0600) if missing; back it up apart from the database (default: master.key next to the database)"},
      {"jwt_audience", "the aud claim of JWT keys' tokens, checked on verification (default keyward)"},
      {"jwt_algorithm", "ES256 or EdDSA: algorithm of new JWT signing keys (default ES256)"},
      {"log_level", "trace, debug, info, warn or error (default info)"},
      {"access_log", "log one line per management request (default true; verify calls only at debug)"},
  };
  return kSettings;
}

std::optional<std::string> processEnv(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

Result<Config> loadConfig(const std::string& config_file, const EnvLookup& env, const FlagValues& flags) {
  Config c;
  std::string file = config_file;
  if (file.empty()) file = env("KEYWARD_CONFIG").value_or("");
  if (!file.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
      return fail(ErrorKind::kInvalid, "INVALID_CONFIG",
                  "config file '" + file + "': " + std::string(e.description()) + " (line " +
                      std::to_string(e.source().begin.line) + ")");
    }
    for (const auto& [key, node] : table) {
      const std::string name(key.str());
      auto text = tomlText(node, name, "config file '" + file + "'");
      if (!text) return std::unexpected(text.error());
      if (auto st = apply(c, name, *text, "config file '" + file + "'"); !st) return std::unexpected(st.error());
    }
  }
  for (const auto& s : settings()) {
    if (auto v = env(envName(s.name))) {
      if (auto st = apply(c, s.name, *v, "environment " + envName(s.name)); !st) return std::unexpected(st.error());
    }
  }
  for (const auto& [name, value] : flags) {
    std::string flag = name;
    for (auto& ch : flag) ch = ch == '_' ? '-' : ch;
    if (auto st = apply(c, name, value, "flag --" + flag); !st) return std::unexpected(st.error());
  }
  if (!c.smtp_url.empty() && c.smtp_from.empty()) {
    return fail(ErrorKind::kInvalid, "INVALID_CONFIG",
                "smtp_url is set but smtp_from is not: alert e-mail needs a sender", "smtp_from");
  }
  return c;
}

}  // namespace keyward::app
