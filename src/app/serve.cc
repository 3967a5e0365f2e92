#include "app/serve.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/store_url.h"
#include "app/wiring.h"
#include "common/clock.h"
#include "core/audit_retention.h"
#include "core/bootstrap.h"
#include "core/usage_flusher.h"
#include "crypto/key_file.h"
#include "crypto/random.h"
#include "http/server.h"
#include "notify/alert_scheduler.h"
#include "notify/mailer.h"
#include "notify/webhook.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward::app {
namespace {

// Writes the bootstrap key to `path` readable by the owner only; never through the logger.
Status writeSecretFile(const std::string& path, const std::string& secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorKind::kInternal, "TOKEN_FILE", "cannot write '" + path + "': " + std::strerror(errno));
  ::fchmod(fd, 0600);  // the file may have existed with a wider mode
  const std::string line = secret + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == ssize_t(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return fail(ErrorKind::kInternal, "TOKEN_FILE", "cannot write '" + path + "'");
  return {};
}

void printBootstrap(const std::string& secret, const std::string& listen, const Config& cfg) {
  std::cout << "\n"
            << "================================================================================\n"
            << " keyward: first start. Bootstrap administrator key (Portal Administrator of the\n"
            << " system tenant). It is shown ONCE and stored only as a digest: save it now.\n\n"
            << "   " << secret << "\n\n"
            << " Use it:\n"
            << "   export KEYWARD_ADDR=http://" << listen << "\n"
            << "   export KEYWARD_TOKEN=<the key above>\n"
            << "   build/keyward tenants list\n"
            << "   curl -H \"Authorization: Bearer $KEYWARD_TOKEN\" $KEYWARD_ADDR/v1/tenants\n";
  if (!cfg.bootstrap_token_file.empty()) {
    std::cout << " Also written to " << cfg.bootstrap_token_file << " (mode 0600).\n";
  }
  std::cout << "================================================================================\n" << std::endl;
}

// The SMTP password from its file (first line); never from a flag, never logged.
Result<std::string> readPasswordFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return fail(ErrorKind::kInvalid, "INVALID_CONFIG", "cannot read smtp_password_file '" + path + "'");
  std::string line;
  std::getline(f, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

Result<std::unique_ptr<notify::Mailer>> makeMailer(const Config& cfg) {
  if (cfg.smtp_url.empty()) return std::unique_ptr<notify::Mailer>();
  notify::SmtpOptions o;
  o.url = cfg.smtp_url;
  o.starttls = cfg.smtp_starttls == "none"       ? notify::StartTls::kNone
               : cfg.smtp_starttls == "required" ? notify::StartTls::kRequired
                                                 : notify::StartTls::kTry;
  o.user = cfg.smtp_user;
  o.from = cfg.smtp_from;
  if (!cfg.smtp_password_file.empty()) {
    auto pw = readPasswordFile(cfg.smtp_password_file);
    if (!pw) return std::unexpected(pw.error());
    o.password = std::move(*pw);
  }
  return notify::makeSmtpMailer(std::move(o));
}

// This process's name in the alert lease: host, pid and a random part (a restarted process
// with a recycled pid is still a new holder).
std::string leaseHolder() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  auto id = crypto::newId("node");
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + (id ? *id : std::string("x"));
}

// The JWT master key (base64 of 32 bytes), created on first start. It seals every tenant's
// signing keys: it lives outside the database so a copy of the database alone opens nothing.
Result<sign::MasterKey> loadOrCreateMasterKey(const std::string& path) {
  const crypto::KeyFileSpec spec{"master key file", "MASTER_KEY_FILE"};
  auto text = crypto::loadOrCreateKeyFile(path, spec, []() -> Result<std::string> {
    std::vector<std::uint8_t> raw(sign::MasterKey::kSize);
    if (auto st = crypto::randomBytes(raw); !st) return std::unexpected(st.error());
    std::string line = sign::base64Encode(raw) + "\n";
    OPENSSL_cleanse(raw.data(), raw.size());
    return line;
  });
  if (!text) return std::unexpected(text.error());
  auto key = sign::MasterKey::fromFileContents(*text);
  OPENSSL_cleanse(text->data(), text->size());
  if (!key) {
    return fail(ErrorKind::kInternal, spec.code, "master key file '" + path + "': must hold base64 of 32 bytes");
  }
  return key;
}

// The HTTP server's options from the configuration, with the access log (paths only).
// `router` must outlive the server.
http::ServerOptions serverOptions(const Config& cfg, const std::string& host, unsigned short port,
                                  const http::Router& router) {
  http::ServerOptions opt;
  opt.host = host;
  opt.port = port;
  opt.threads = cfg.threads;
  opt.body_limit = cfg.body_limit;
  opt.header_timeout = std::chrono::seconds(cfg.header_timeout);
  opt.read_timeout = std::chrono::seconds(cfg.read_timeout);
  opt.idle_timeout = std::chrono::seconds(cfg.idle_timeout);
  opt.shutdown_timeout = std::chrono::seconds(cfg.shutdown_timeout);
  opt.tls_cert_file = cfg.tls_cert_file;
  opt.tls_key_file = cfg.tls_key_file;
  opt.on_warning = [](std::string_view what) { spdlog::warn("{}", what); };
  if (cfg.access_log) {
    opt.on_request = [&router](const http::Request& r, int status, double ms) {
      // Paths only: queries are not logged, and no endpoint takes a secret in its path.
      const auto level = router.isHot(r) ? spdlog::level::debug : spdlog::level::info;
      if (!spdlog::should_log(level)) return;  // the hot path logs nothing by default: format nothing
      spdlog::log(level, "http {} {} {} {:.2f}ms from {}", r.method, r.path, status, ms,
                  r.peer ? formatIp(*r.peer) : std::string("-"));
    };
  }
  return opt;
}

// The keys kept outside the database: the JWT master key and the webhook signing key, each
// created on first start (beside the database unless configured elsewhere).
struct KeyFiles {
  sign::MasterKey master_key;
  std::string master_key_path;
  std::vector<std::uint8_t> webhook_key;
};

Result<KeyFiles> loadKeyFiles(const Config& cfg, const std::filesystem::path& key_dir) {
  std::string master_key_path = !cfg.master_key_file.empty() ? cfg.master_key_file : (key_dir / "master.key").string();
  auto master_key = loadOrCreateMasterKey(master_key_path);
  if (!master_key) return std::unexpected(master_key.error());
  const std::string webhook_key_path = !cfg.webhook_key_file.empty() ? cfg.webhook_key_file
                                                                     : (key_dir / "webhook.key").string();
  auto webhook_key = notify::loadOrCreateWebhookKey(webhook_key_path);
  if (!webhook_key) return std::unexpected(webhook_key.error());
  return KeyFiles{std::move(*master_key), std::move(master_key_path), std::move(*webhook_key)};
}

// The work the server does besides answering requests: flushing usage counters, audit
// retention and expiry alerts, each on its own background thread.
class BackgroundJobs {
 public:
  BackgroundJobs(const Config& cfg, Store& store, Services& services, const Clock& clock, notify::Mailer* mailer)
      : poster_(notify::makeCurlPoster()),
        flusher_(store, services.index, services.verifier, std::chrono::seconds(cfg.flush_interval)),
        retention_(services.audit, clock, cfg.audit_retention_days,
                   [](const Result<std::int64_t>& r) {
                     if (!r) spdlog::error("audit retention: {}", r.error().message);
                     else if (*r > 0) spdlog::info("audit retention: removed {} events past the retention period", *r);
                   }),
        scheduler_(store, clock, mailer, *poster_, services.webhook_secrets, alertOptions(cfg),
                   [](const Result<notify::RunReport>& r) {
                     if (!r) spdlog::error("expiry alerts: {}", r.error().message);
                     else if (r->planned + r->sent + r->failed + r->skipped > 0)
                       spdlog::info("expiry alerts: {} planned, {} sent, {} failed, {} skipped", r->planned, r->sent,
                                    r->failed, r->skipped);
                   }) {
    spdlog::info("expiry alerts: every {} s; e-mail {}", cfg.alert_interval,
                 cfg.smtp_url.empty() ? std::string("off (no smtp_url)") : "via " + cfg.smtp_url);
  }

  void start() {
    flusher_.start();
    retention_.start();
    scheduler_.start();
  }
  // The scheduler first (it may still write), the usage flush last (its final flush).
  void stop() {
    scheduler_.stop();
    retention_.stop();
    flusher_.stop();
  }

 private:
  static notify::SchedulerOptions alertOptions(const Config& cfg) {
    notify::SchedulerOptions o;
    o.holder = leaseHolder();
    o.interval = std::chrono::seconds(cfg.alert_interval);
    return o;
  }

  std::unique_ptr<notify::HttpPoster> poster_;
  UsageFlusher flusher_;
  AuditRetention retention_;
  notify::AlertScheduler scheduler_;
};

// Group commit figures of the SQLite backend, logged at shutdown.
void logGroupCommit(const Store& store) {
  const auto* sqlite = dynamic_cast<const SqliteStore*>(&store);
  if (!sqlite) return;
  if (const auto gc = sqlite->groupCommitStats(); gc.commits > 0) {
    spdlog::info("group commit: {} keys created in {} commits (mean {:.1f}, largest {})", gc.keys, gc.commits,
                 double(gc.keys) / double(gc.commits), gc.max_batch);
  }
}

sigset_t blockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return stop_signals;
}

void setUpLogging(const std::string& level) {
  auto log = spdlog::stderr_color_mt("keyward");
  spdlog::set_default_logger(log);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
}

// "HOST:PORT" or "[V6]:PORT" (validated by loadConfig) as the host to bind and the port.
std::pair<std::string, unsigned short> splitListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)))};
}

WiringOptions wiringOptions(const Config& cfg) {
  WiringOptions o;
  o.last_use_resolution = cfg.last_use_resolution;
  o.jwt.audience = cfg.jwt_audience;
  o.jwt.algorithm = *sign::parseKeyAlgorithm(cfg.jwt_algorithm);  // validated by loadConfig
  o.sessions.idle_timeout = cfg.session_idle_timeout;
  o.sessions.absolute_timeout = cfg.session_absolute_timeout;
  o.signatures.window = cfg.signature_window;
  for (const auto& p : cfg.trusted_proxies) o.trusted_proxies.push_back(*parseCidr(p));  // validated by loadConfig
  o.tls = !cfg.tls_cert_file.empty();
  return o;
}

}  // namespace

int runServe(const Config& cfg) {
  // SIGINT/SIGTERM stay pending (not fatal) until the server is ready to shut down
  // gracefully: a stop during start-up must not kill us between saving the bootstrap key
  // and printing it. Threads started below inherit the mask; only this thread unblocks.
  const sigset_t stop_signals = blockStopSignals();
  setUpLogging(cfg.log_level);
  const auto [host, port] = splitListen(cfg.listen);

  auto url = parseStoreUrl(cfg.db);  // validated by loadConfig
  auto store = openStore(*url);
  if (!store) {
    spdlog::error("{}", store.error().message);
    return 1;
  }
  spdlog::info("store: {}, migrations applied", describe(*url));
  // The key files live beside the database unless configured elsewhere.
  const auto key_dir = std::filesystem::path(url->path).parent_path();

  SystemClock clock;
  auto secret = bootstrapIfEmpty(**store, clock);
  if (!secret) {
    spdlog::error("bootstrap failed: {}", secret.error().message);
    return 1;
  }
  if (*secret && !cfg.bootstrap_token_file.empty()) {
    if (auto st = writeSecretFile(cfg.bootstrap_token_file, **secret); !st) {
      spdlog::error("{}", st.error().message);
      return 1;
    }
  }

  auto key_files = loadKeyFiles(cfg, key_dir);
  if (!key_files) {
    spdlog::error("{}", key_files.error().message);
    return 1;
  }
  auto mailer = makeMailer(cfg);
  if (!mailer) {
    spdlog::error("{}", mailer.error().message);
    return 1;
  }
  LoadReport loaded;
  auto wired = wire(**store, clock, std::move(key_files->master_key),
                    notify::WebhookSecrets(std::move(key_files->webhook_key)), wiringOptions(cfg), &loaded);
  if (!wired) {
    spdlog::error("{}", wired.error().message);
    return 1;
  }
  Services& services = **wired;
  spdlog::info("verify index: {} keys loaded in {} ms", loaded.keys, loaded.key_load_time.count());
  spdlog::info("jwt: {} signing keys loaded; master key {}", loaded.signing_keys, key_files->master_key_path);
  const http::Router& router = services.router;
  BackgroundJobs jobs(cfg, **store, services, clock, mailer->get());
  jobs.start();

  http::Server server(router, serverOptions(cfg, host, port, router));
  auto bound = server.start();
  if (!bound) {
    spdlog::error("{}", bound.error().message);
    return 1;
  }
  const bool tls = !cfg.tls_cert_file.empty();
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::string listen = shown_host + ":" + std::to_string(*bound);
  // Announced only once SIGTERM is caught: a supervisor (or test) that stops the server
  // right after this line gets a graceful shutdown, not the default signal action.
  server.waitForSignal([&] {
    if (*secret) printBootstrap(**secret, listen, cfg);
    spdlog::info("listening on {}://{}", tls ? "https" : "http", listen);
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);  // a pending stop is handled now
  });
  spdlog::info("shutting down: in-flight requests finished, flushing usage counters");
  jobs.stop();
  logGroupCommit(**store);
  spdlog::info("stopped");
  return 0;
}

void registerServe(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Run the keyward server");
  cmd->footer(
      "Every option can also be set in the TOML file given by --config (same name with underscores)\n"
      "or as a KEYWARD_<NAME> environment variable (e.g. KEYWARD_LISTEN). Precedence: flag >\n"
      "environment > config file > default.");
  auto config_file = std::make_shared<std::string>();
  cmd->add_option("--config", *config_file, "TOML configuration file (also KEYWARD_CONFIG)");
  auto values = std::make_shared<FlagValues>();
  auto raw = std::make_shared<std::map<std::string, std::string>>();
  auto proxies = std::make_shared<std::vector<std::string>>();
  for (const auto& s : settings()) {
    std::string flag = "--" + s.name;
    for (auto& ch : flag) ch = ch == '_' ? '-' : ch;
    if (s.name == "trusted_proxies") {
      cmd->add_option("--trusted-proxy", *proxies, s.help + "; repeat the flag for several");
    } else {
      cmd->add_option(flag, (*raw)[s.name], s.help);
    }
  }
  cmd->callback([cmd, config_file, raw, proxies, &exit_code] {
    FlagValues flags;
    for (const auto& [name, value] : *raw) {
      std::string flag = "--" + name;
      for (auto& ch : flag) ch = ch == '_' ? '-' : ch;
      if (cmd->count(flag) > 0) flags[name] = value;
    }
    if (!proxies->empty()) {
      std::string joined;
      for (const auto& p : *proxies) joined += (joined.empty() ? "" : ",") + p;
      flags["trusted_proxies"] = joined;
    }
    auto cfg = loadConfig(*config_file, processEnv, flags);
    if (!cfg) {
      std::cerr << "keyward serve: " << cfg.error().message << "\n";
      exit_code = 2;
      return;
    }
    exit_code = runServe(*cfg);
  });
}

}  // namespace keyward::app
