// test_servers.h — real peers for the alert channels, on 127.0.0.1 port 0:
// SmtpSink runs tests/notify/smtp_sink.py (Debian's python3-aiosmtpd) and reads back the
// messages it stored; WebhookReceiver is a minimal HTTP/1.1 server on a thread that records
// every request and answers with a status the test chooses.
// Thread safety: the accessors lock; the receiver's thread is joined on destruction.
// Ownership: each owns its process / socket / thread and stops it in the destructor.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace keyward::notify_testing {

class SmtpSink {
 public:
  // Starts the sink storing messages in `dir` (created). port() is 0 when it failed.
  // `args` go to smtp_sink.py after the directory, e.g. {"--refuse-first", "1"}.
  explicit SmtpSink(std::filesystem::path dir, std::vector<std::string> args = {}) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    // The child's argv is built before fork(): the child only execs.
    const std::string script = std::string(KEYWARD_SOURCE_DIR) + "/tests/notify/smtp_sink.py";
    std::vector<char*> argv = {const_cast<char*>("python3"), const_cast<char*>(script.c_str()),
                               const_cast<char*>(dir_.c_str())};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      ::execv("/usr/bin/python3", argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];  // closing it (or our death) stops the sink
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    if (line.rfind("PORT ", 0) == 0) port_ = static_cast<unsigned short>(std::atoi(line.c_str() + 5));
  }
  ~SmtpSink() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Every stored message, oldest first.
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (int n = 1;; ++n) {
      std::ifstream f(dir_ / (std::to_string(n) + ".eml"), std::ios::binary);
      if (!f) return out;
      std::stringstream ss;
      ss << f.rdbuf();
      out.push_back(ss.str());
    }
  }
  // The attempts the sink refused (see --refuse-first), oldest first: "<step> <recipients>".
  std::vector<std::string> refusals() const {
    std::vector<std::string> out;
    std::ifstream f(dir_ / "refused.log");
    for (std::string line; std::getline(f, line);) out.push_back(line);
    return out;
  }
  // Waits until at least `n` messages arrived (or `limit` passed).
  std::vector<std::string> waitFor(size_t n, std::chrono::seconds limit = std::chrono::seconds(20)) const {
    const auto end = std::chrono::steady_clock::now() + limit;
    auto got = messages();
    while (got.size() < n && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      got = messages();
    }
    return got;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  unsigned short port_ = 0;
};

class WebhookReceiver {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
  };

  WebhookReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) return;
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~WebhookReceiver() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  unsigned short port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The status the next responses carry.
  void respondWith(int status) { status_ = status; }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<Request> waitFor(size_t n, std::chrono::seconds limit = std::chrono::seconds(20)) const {
    const auto end = std::chrono::steady_clock::now() + limit;
    auto got = requests();
    while (got.size() < n && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      got = requests();
    }
    return got;
  }

 private:
  void loop() {
    while (!stopping_) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        if (stopping_) return;
        continue;
      }
      serve(c);
      ::close(c);
    }
  }

  // One request per connection (the response says Connection: close).
  void serve(int c) {
    std::string data;
    char buf[4096];
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, size_t(n));
      header_end = data.find("\r\n\r\n");
    }
    Request r;
    std::istringstream head(data.substr(0, header_end));
    std::string line;
    std::getline(head, line);
    std::istringstream first(line);
    first >> r.method >> r.target;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(value.begin());
      r.headers[name] = value;
    }
    const size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    r.body = data.substr(header_end + 4);
    while (r.body.size() < length) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      r.body.append(buf, size_t(n));
    }
    const int status = status_.load();
    {
      std::lock_guard lock(mu_);
      requests_.push_back(std::move(r));
    }
    const std::string resp = "HTTP/1.1 " + std::to_string(status) +
                             " Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
  }

  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> status_{204};
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace keyward::notify_testing
