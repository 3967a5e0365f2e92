// server_process.h — test fixture that runs the real `keyward` binary as a child process.
// Each ServerProcess owns a fresh temporary directory (database, token file, logs), starts
// `keyward serve` on 127.0.0.1 port 0 with fork/exec, learns the port from the
// `listening on` log line, and can stop (SIGTERM) and restart it on the same database. The
// store backend is a parameter (a TestBackend of common/test_backend.h, passed as --db): the
// suites take it from their test and run over every backend of testBackends().
// Thread safety: use one ServerProcess from one thread. Ownership: owns the child process
// (always killed in the destructor) and the temporary directory (removed in the destructor,
// kept when KEYWARD_KEEP_TEST_DIRS is set, for debugging).
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cli/http_client.h"
#include "common/test_backend.h"

namespace keyward::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

// One HTTP exchange, as the tests need it: status, parsed JSON body (null when the body is
// empty or not JSON), raw body and headers.
struct Reply {
  int status = 0;
  std::string body;
  boost::json::value json;
  Headers headers;  // names in lower case
  std::string header(std::string_view lower_name) const;
  // json["name"] as a string, "" when missing or not a string.
  std::string str(std::string_view name) const;
};

// Outcome of running the binary to completion (e.g. `keyward --help`).
struct ExitResult {
  int status = -1;  // exit code, or -signal when killed by a signal
  std::string out;
  std::string err;
};

// Reads a whole file as bytes ("" when it cannot be read).
std::string readFileBytes(const std::filesystem::path& path);

// The environment of this process without KEYWARD_* (a developer's settings must not leak
// into a test), plus `extra` ("NAME=value").
std::vector<std::string> childEnvironment(const std::vector<std::string>& extra = {});

// Runs `keyward <args...>` in `cwd` and waits (killing it after `limit`).
ExitResult runKeyward(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                      const std::vector<std::string>& extra_env = {},
                      std::chrono::seconds limit = std::chrono::seconds(60));

class ServerProcess {
 public:
  // The server's database is `backend`'s in the temporary directory.
  explicit ServerProcess(testing_support::TestBackend backend);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `keyward serve --listen 127.0.0.1:0 --db <the backend's URL for dir()>
  // --bootstrap-token-file <dir>/bootstrap.token <extra...>` and waits until it listens.
  ::testing::AssertionResult start(const std::vector<std::string>& extra = {});
  // Starts `keyward <args...>` exactly as given (for --config tests) and waits until it listens.
  ::testing::AssertionResult startWithArgs(const std::vector<std::string>& args,
                                           const std::vector<std::string>& extra_env = {});
  // SIGTERM, then waits for the exit. Returns the exit code, -signal when killed by a
  // signal, or -1000 when it had to be SIGKILLed after `limit` (a hang).
  int stop(std::chrono::seconds limit = std::chrono::seconds(30));
  // Waits for an exit the test caused some other way (e.g. its own kill(pid, SIGTERM));
  // same return values as stop().
  int waitForExit(std::chrono::seconds limit = std::chrono::seconds(30));
  // SIGKILL (a crash); no flush, no graceful anything.
  void kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  unsigned short port() const { return port_; }
  bool tls() const { return tls_; }
  // "http://127.0.0.1:PORT" or "https://..." as logged by the server.
  std::string address() const;
  // An HTTP client for this server; `ca_file` for https.
  cli::HttpClient client(const std::string& ca_file = {}) const;

  // The bootstrap key from the token file (trailing newline removed), "" when absent.
  std::string bootstrapToken() const;
  // PEM file call() and admin() trust for https.
  void setCaFile(std::string ca_file) { ca_file_ = std::move(ca_file); }

  // Calls the API. `token`: sent as "Authorization: Bearer <token>" unless empty.
  Reply call(std::string_view method, std::string_view target, std::string_view body = {}, std::string_view token = {},
             const Headers& headers = {}) const;
  // Same, with the bootstrap admin key.
  Reply admin(std::string_view method, std::string_view target, std::string_view body = {}) const;

  const std::filesystem::path& dir() const { return dir_; }
  // The database file of the SQLite backend (sqliteBackend()); other backends keep none there.
  std::filesystem::path dbPath() const { return dir_ / "keyward.db"; }
  std::filesystem::path tokenFile() const { return dir_ / "bootstrap.token"; }
  // Logs of run `n` (1 = first start); without `n`, of the current/last run.
  std::filesystem::path stdoutPath(int n = 0) const;
  std::filesystem::path stderrPath(int n = 0) const;
  std::string stdoutText(int n = 0) const { return readFileBytes(stdoutPath(n)); }
  std::string stderrText(int n = 0) const { return readFileBytes(stderrPath(n)); }
  int runs() const { return runs_; }

 private:
  ::testing::AssertionResult waitUntilListening(std::chrono::seconds limit);

  testing_support::TestBackend backend_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  bool tls_ = false;
  int runs_ = 0;
  std::string ca_file_;
};

}  // namespace keyward::testing
