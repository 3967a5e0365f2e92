#include "integration/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace keyward::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path makeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/keyward-int-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed: " << std::strerror(errno);
    return {};
  }
  return tmpl;
}

// fork + exec of the keyward binary in `cwd` with stdin from /dev/null and stdout/stderr
// to the given files. The child dies with the test process (PR_SET_PDEATHSIG), so a
// crashed test leaves no server behind.
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, const fs::path& cwd,
            const fs::path& out, const fs::path& err) {
  std::vector<std::string> argv_storage;
  argv_storage.emplace_back(KEYWARD_BINARY);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv, envp;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = env;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid != 0) return pid;  // parent (or -1)
  // Child: only async-signal-safe calls from here on.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);
  if (::chdir(cwd.c_str()) != 0) ::_exit(126);
  auto redirect = [](const char* path, int fd, int flags) {
    const int f = ::open(path, flags, 0600);
    if (f < 0 || ::dup2(f, fd) < 0) ::_exit(126);
    ::close(f);
  };
  redirect("/dev/null", STDIN_FILENO, O_RDONLY);
  redirect(out.c_str(), STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
  redirect(err.c_str(), STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
  ::execve(argv[0], argv.data(), envp.data());
  ::_exit(127);
}

// Waits up to `limit` for `pid`; SIGKILLs it after that. Returns the exit code, -signal,
// or -1000 when it had to be killed.
int waitOrKill(pid_t pid, std::chrono::steady_clock::duration limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -2000;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1000;
    }
    std::this_thread::sleep_for(5ms);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -3000;
}

}  // namespace

std::string Reply::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return {};
}

std::string Reply::str(std::string_view name) const {
  if (!json.is_object()) return {};
  const auto* v = json.as_object().if_contains(name);
  if (!v || !v->is_string()) return {};
  return std::string(v->as_string());
}

std::string readFileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> childEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (std::string_view(*e).starts_with("KEYWARD_")) continue;
    env.emplace_back(*e);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

ExitResult runKeyward(const std::vector<std::string>& args, const fs::path& cwd,
                      const std::vector<std::string>& extra_env, std::chrono::seconds limit) {
  static std::atomic<int> counter{0};
  const int n = ++counter;
  const fs::path out = cwd / ("run-" + std::to_string(n) + ".out");
  const fs::path err = cwd / ("run-" + std::to_string(n) + ".err");
  ExitResult result;
  const pid_t pid = spawn(args, childEnvironment(extra_env), cwd, out, err);
  if (pid < 0) {
    ADD_FAILURE() << "fork failed: " << std::strerror(errno);
    return result;
  }
  result.status = waitOrKill(pid, limit);
  result.out = readFileBytes(out);
  result.err = readFileBytes(err);
  return result;
}

ServerProcess::ServerProcess(testing_support::TestBackend backend)
    : backend_(std::move(backend)), dir_(makeTempDir()) {}

ServerProcess::~ServerProcess() {
  kill();
  if (dir_.empty()) return;
  if (std::getenv("KEYWARD_KEEP_TEST_DIRS")) {
    std::fprintf(stderr, "keeping %s\n", dir_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

::testing::AssertionResult ServerProcess::start(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {
      "serve", "--listen", "127.0.0.1:0", "--db", backend_.url(dir_), "--bootstrap-token-file", tokenFile().string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return startWithArgs(args);
}

::testing::AssertionResult ServerProcess::startWithArgs(const std::vector<std::string>& args,
                                                        const std::vector<std::string>& extra_env) {
  if (pid_ > 0) return ::testing::AssertionFailure() << "the server is already running";
  if (dir_.empty()) return ::testing::AssertionFailure() << "no temporary directory";
  ++runs_;
  port_ = 0;
  pid_ = spawn(args, childEnvironment(extra_env), dir_, stdoutPath(), stderrPath());
  if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
  // Generous: a loaded CI machine may take a while to open the database and bind.
  return waitUntilListening(60s);
}

::testing::AssertionResult ServerProcess::waitUntilListening(std::chrono::seconds limit) {
  static const std::regex kListening(R"(listening on (https?)://127\.0\.0\.1:([0-9]+))");
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const std::string err = stderrText();
    std::smatch m;
    if (std::regex_search(err, m, kListening)) {
      tls_ = m[1] == "https";
      port_ = static_cast<unsigned short>(std::stoi(m[2]));
      return ::testing::AssertionSuccess();
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return ::testing::AssertionFailure() << "keyward exited before listening (status " << status << ")\nstderr:\n"
                                           << err << "\nstdout:\n"
                                           << stdoutText();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill();
      return ::testing::AssertionFailure() << "keyward did not log 'listening on' in time\nstderr:\n" << err;
    }
    std::this_thread::sleep_for(10ms);
  }
}

int ServerProcess::stop(std::chrono::seconds limit) {
  if (pid_ <= 0) return -4000;
  ::kill(pid_, SIGTERM);
  const int status = waitOrKill(pid_, limit);
  pid_ = -1;
  return status;
}

int ServerProcess::waitForExit(std::chrono::seconds limit) {
  if (pid_ <= 0) return -4000;
  const int status = waitOrKill(pid_, limit);
  pid_ = -1;
  return status;
}

void ServerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::address() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

cli::HttpClient ServerProcess::client(const std::string& ca_file) const {
  auto ep = cli::parseAddress(address());
  return cli::HttpClient(*ep, ca_file.empty() ? ca_file_ : ca_file, std::chrono::seconds(30));
}

std::string ServerProcess::bootstrapToken() const {
  std::string t = readFileBytes(tokenFile());
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}

Reply ServerProcess::call(std::string_view method, std::string_view target, std::string_view body,
                          std::string_view token, const Headers& headers) const {
  Headers all = headers;
  if (!token.empty()) all.emplace_back("Authorization", "Bearer " + std::string(token));
  auto res = client().request(method, target, body, all);
  Reply r;
  if (!res) {
    ADD_FAILURE() << method << " " << target << ": " << res.error().message;
    return r;
  }
  r.status = res->status;
  r.body = std::move(res->body);
  r.headers = std::move(res->headers);
  if (!r.body.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (!ec) r.json = std::move(v);
  }
  return r;
}

Reply ServerProcess::admin(std::string_view method, std::string_view target, std::string_view body) const {
  return call(method, target, body, bootstrapToken());
}

fs::path ServerProcess::stdoutPath(int n) const {
  return dir_ / ("server-" + std::to_string(n ? n : runs_) + ".stdout");
}

fs::path ServerProcess::stderrPath(int n) const {
  return dir_ / ("server-" + std::to_string(n ? n : runs_) + ".stderr");
}

}  // namespace keyward::testing
